/*
 * auth.h — teacher accounts and board sessions: argon2id password hashes,
 * random session and CSRF tokens (only their hashes are stored), cookie
 * parsing and the login rate limiter.  Pure helpers: no SQL, no HTTP.
 */
#ifndef STEMPEL_AUTH_H
#define STEMPEL_AUTH_H

#include <stddef.h>
#include <stdint.h>

#define AUTH_HASH_MAX 128 /* an encoded argon2id string fits (crypto_pwhash_STRBYTES) */
#define AUTH_TOKEN_LEN 43 /* 32 random bytes, base64url without padding */
#define AUTH_TOKEN_MAX (AUTH_TOKEN_LEN + 1)
#define AUTH_DIGEST_MAX 65 /* SHA-256 as hex */
#define AUTH_PASSWORD_MIN 10
#define AUTH_PASSWORD_MAX 256
#define AUTH_COOKIE "stempel_session"

/* Roles: teachers see and correct; admins also manage users and see the audit log. */
enum auth_role { AUTH_TEACHER, AUTH_ADMIN };

/* libsodium up; -1 if it cannot start. */
int auth_init(void);
/* argon2id hash of `password` into out (AUTH_HASH_MAX); 0 or -1 (out of memory). */
int auth_password_hash(const char *password, char *out, size_t outlen);
/* 0 if `password` matches `hash`, -1 if not (or the hash is malformed). */
int auth_password_verify(const char *hash, const char *password);
/* Spend the time of one verification (unknown user: no timing oracle). */
void auth_password_dummy(const char *password);
/* 0 if a new password is acceptable (length, no control characters), else -1. */
int auth_password_acceptable(const char *password);

/* A fresh random token (session id, CSRF token), AUTH_TOKEN_LEN characters. */
void auth_token_new(char out[AUTH_TOKEN_MAX]);
/* SHA-256 hex of a token: what the database keeps instead of the token. */
void auth_token_hash(const char *token, char out[AUTH_DIGEST_MAX]);
/* 0 if `got` equals `expected` (constant time in the token length), else -1. */
int auth_csrf_check(const char *expected, const char *got);

/* The value of cookie `name` in a Cookie header: 0 found, 1 absent, -1 malformed/too long. */
int auth_cookie_get(const char *header, const char *name, char *out, size_t outlen);

const char *auth_role_name(enum auth_role r);
/* -1 if unknown. */
int auth_role_parse(const char *name);
/* 0 if `name` is a valid user name: 1-32 of [a-z0-9._-], starting with a letter or digit. */
int auth_username_valid(const char *name);

/*
 * Fixed-window rate limiter over a small table of keys ("user:NAME",
 * "addr:1.2.3.4").  A full table forgets the key whose window is oldest.
 */
#define AUTH_LIMIT_SLOTS 256
#define AUTH_LIMIT_KEY 80
struct auth_limit_slot {
	char key[AUTH_LIMIT_KEY];
	int64_t window_start_ms;
	int count;
};
struct auth_limiter {
	int max; /* attempts allowed per window */
	int64_t window_ms;
	struct auth_limit_slot slot[AUTH_LIMIT_SLOTS];
};
void auth_limit_init(struct auth_limiter *l, int max, int64_t window_ms);
/* 1 if `key` has used up its attempts in the current window (does not count). */
int auth_limit_blocked(const struct auth_limiter *l, const char *key, int64_t now_ms);
/* Count one attempt for `key`. */
void auth_limit_hit(struct auth_limiter *l, const char *key, int64_t now_ms);
/* Forget `key` (a successful login clears its user's failures). */
void auth_limit_reset(struct auth_limiter *l, const char *key);
/* Seconds until `key` may try again (0 if not blocked). */
int auth_limit_retry_after(const struct auth_limiter *l, const char *key, int64_t now_ms);

#endif
