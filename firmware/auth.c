/*
 * auth.c — passwords, tokens, cookies and the login rate limiter for the
 * teacher board.  Everything secret comes from libsodium: argon2id for
 * passwords, randombytes for tokens, sodium_memcmp for constant-time checks.
 * Nothing here logs a password, a token or a session id.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "auth.h"

/*
 * The cost of a password check.  Verification runs on the daemon's one loop
 * (DESIGN.md: no other threads touch state), so while it runs no tap is
 * answered.  argon2id with t=5 passes over 7 MiB, the setting OWASP's Password
 * Storage Cheat Sheet lists as equivalent to its first one (19 MiB, t=2): the
 * same cost to an attacker for a third of the memory, which on a kiosk board
 * is the daemon's peak (make bench, bench/REPORT.md).  It takes ~45 ms on a
 * desktop core and ~150 ms on a Cortex-A53, so one login delays a tap by at
 * most one such verification.  The
 * board limits failures per address and per account and queues the checks,
 * giving them at most half of the loop (board.c), so guessing cannot keep the
 * loop busy and cannot lock out everyone.  The parameters
 * travel inside each stored hash, so raising them later only affects new and
 * changed passwords.
 */
#define PWHASH_OPSLIMIT 5ULL
#define PWHASH_MEMLIMIT (7U * 1024U * 1024U)

/* A valid hash of a random password, made once: unknown users cost the same. */
static char dummy_hash[crypto_pwhash_STRBYTES];

int
auth_init(void)
{
	char pw[AUTH_TOKEN_MAX];

	if (sodium_init() < 0)
		return -1;
	if (dummy_hash[0] == 0) {
		auth_token_new(pw);
		if (auth_password_hash(pw, dummy_hash, sizeof(dummy_hash)) < 0)
			return -1;
		sodium_memzero(pw, sizeof(pw));
	}
	return 0;
}

int
auth_password_hash(const char *password, char *out, size_t outlen)
{
	char h[crypto_pwhash_STRBYTES];

	if (outlen < sizeof(h))
		return -1;
	if (crypto_pwhash_str_alg(h, password, strlen(password), PWHASH_OPSLIMIT, PWHASH_MEMLIMIT,
	                          crypto_pwhash_ALG_ARGON2ID13) != 0)
		return -1;
	snprintf(out, outlen, "%s", h);
	return 0;
}

int
auth_password_verify(const char *hash, const char *password)
{
	/* Refuse hashes whose cost would stall the loop far beyond the budget above. */
	if (strncmp(hash, "$argon2id$", 10) != 0)
		return -1;
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0 ? 0 : -1;
}

void
auth_password_dummy(const char *password)
{
	/* The result is meaningless (a random password); only the time spent matters. */
	if (dummy_hash[0] && crypto_pwhash_str_verify(dummy_hash, password, strlen(password)) == 0)
		return;
}

int
auth_password_acceptable(const char *password)
{
	size_t n = strlen(password);

	if (n < AUTH_PASSWORD_MIN || n > AUTH_PASSWORD_MAX)
		return -1;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)password[i] < 0x20 || password[i] == 0x7f)
			return -1;
	return 0;
}

void
auth_token_new(char out[AUTH_TOKEN_MAX])
{
	unsigned char raw[32];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, AUTH_TOKEN_MAX, raw, sizeof(raw),
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

void
auth_token_hash(const char *token, char out[AUTH_DIGEST_MAX])
{
	unsigned char d[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(d, (const unsigned char *)token, strlen(token));
	sodium_bin2hex(out, AUTH_DIGEST_MAX, d, sizeof(d));
}

int
auth_csrf_check(const char *expected, const char *got)
{
	size_t n;

	if (expected == NULL || got == NULL)
		return -1;
	n = strlen(expected);
	/* The length is public (always AUTH_TOKEN_LEN); the bytes are compared in constant time. */
	if (n == 0 || strlen(got) != n)
		return -1;
	return sodium_memcmp(expected, got, n) == 0 ? 0 : -1;
}

int
auth_cookie_get(const char *header, const char *name, char *out, size_t outlen)
{
	size_t nlen = strlen(name);
	const char *p = header;

	if (header == NULL)
		return 1;
	while (*p) {
		const char *end, *eq;

		while (*p == ' ' || *p == '\t' || *p == ';')
			p++;
		end = strchr(p, ';');
		if (end == NULL)
			end = p + strlen(p);
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq && (size_t)(eq - p) == nlen && memcmp(p, name, nlen) == 0) {
			const char *v = eq + 1, *ve = end;
			size_t vlen;

			while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
				ve--;
			if (ve - v >= 2 && *v == '"' && ve[-1] == '"') {
				v++;
				ve--;
			}
			vlen = (size_t)(ve - v);
			if (vlen >= outlen)
				return -1;
			for (size_t i = 0; i < vlen; i++)
				if ((unsigned char)v[i] <= 0x20 || v[i] == '"' || v[i] == ',' ||
				    v[i] == '\\' || (unsigned char)v[i] >= 0x7f)
					return -1;
			memcpy(out, v, vlen);
			out[vlen] = 0;
			return 0;
		}
		p = end;
	}
	return 1;
}

const char *
auth_role_name(enum auth_role r)
{
	return r == AUTH_ADMIN ? "admin" : "teacher";
}

int
auth_role_parse(const char *name)
{
	if (strcmp(name, "teacher") == 0)
		return AUTH_TEACHER;
	if (strcmp(name, "admin") == 0)
		return AUTH_ADMIN;
	return -1;
}

int
auth_username_valid(const char *name)
{
	size_t n = strlen(name);

	if (n < 1 || n > 32 ||
	    !(islower((unsigned char)name[0]) || isdigit((unsigned char)name[0])))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)name[i]) && !isdigit((unsigned char)name[i]) &&
		    name[i] != '.' && name[i] != '_' && name[i] != '-')
			return -1;
	return 0;
}

/* --- rate limiter --- */

void
auth_limit_init(struct auth_limiter *l, int max, int64_t window_ms)
{
	memset(l, 0, sizeof(*l));
	l->max = max;
	l->window_ms = window_ms;
}

static const struct auth_limit_slot *
limit_find(const struct auth_limiter *l, const char *key, int64_t now_ms)
{
	for (int i = 0; i < AUTH_LIMIT_SLOTS; i++) {
		const struct auth_limit_slot *s = &l->slot[i];

		if (s->count && strcmp(s->key, key) == 0)
			return now_ms - s->window_start_ms < l->window_ms ? s : NULL;
	}
	return NULL;
}

int
auth_limit_blocked(const struct auth_limiter *l, const char *key, int64_t now_ms)
{
	const struct auth_limit_slot *s = limit_find(l, key, now_ms);

	return s && s->count >= l->max;
}

void
auth_limit_hit(struct auth_limiter *l, const char *key, int64_t now_ms)
{
	struct auth_limit_slot *victim = NULL;

	for (int i = 0; i < AUTH_LIMIT_SLOTS; i++) {
		struct auth_limit_slot *s = &l->slot[i];

		if (s->count && strcmp(s->key, key) == 0) {
			if (now_ms - s->window_start_ms >= l->window_ms) {
				s->window_start_ms = now_ms;
				s->count = 0;
			}
			s->count++;
			return;
		}
		/* Prefer an empty or expired slot, else the oldest window. */
		if (s->count == 0 || now_ms - s->window_start_ms >= l->window_ms) {
			if (victim == NULL || victim->count != 0)
				victim = s;
		} else if (victim == NULL ||
		           (victim->count && s->window_start_ms < victim->window_start_ms)) {
			victim = s;
		}
	}
	snprintf(victim->key, sizeof(victim->key), "%s", key);
	victim->window_start_ms = now_ms;
	victim->count = 1;
}

void
auth_limit_reset(struct auth_limiter *l, const char *key)
{
	for (int i = 0; i < AUTH_LIMIT_SLOTS; i++)
		if (l->slot[i].count && strcmp(l->slot[i].key, key) == 0)
			memset(&l->slot[i], 0, sizeof(l->slot[i]));
}

int
auth_limit_retry_after(const struct auth_limiter *l, const char *key, int64_t now_ms)
{
	const struct auth_limit_slot *s = limit_find(l, key, now_ms);

	if (s == NULL || s->count < l->max)
		return 0;
	return (int)((s->window_start_ms + l->window_ms - now_ms + 999) / 1000);
}
