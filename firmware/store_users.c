/*
 * store_users.c — who may change things and what they changed: teacher accounts,
 * login sessions, API tokens (hashes only) and the hash-chained audit log.
 * Ordering rule: store_audit() reads the last hash and inserts the next row; it
 * must run inside the caller's transaction (the command layer's), or two writers
 * could chain onto the same hash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "log.h"
#include "store_int.h"

/* --- audit --- */

#define AUDIT_HASH_HEX (crypto_hash_sha256_BYTES * 2 + 1)

/* hash = SHA-256(prev_hash \n at_ms \n who \n action \n detail), as hex */
static void
audit_hash(const char *prev, int64_t at_ms, const char *who, const char *action, const char *detail,
           char hash[AUDIT_HASH_HEX])
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state h;
	char at[32];

	snprintf(at, sizeof(at), "%lld", (long long)at_ms);
	crypto_hash_sha256_init(&h);
	crypto_hash_sha256_update(&h, (const unsigned char *)prev, strlen(prev));
	crypto_hash_sha256_update(&h, (const unsigned char *)"\n", 1);
	crypto_hash_sha256_update(&h, (const unsigned char *)at, strlen(at));
	crypto_hash_sha256_update(&h, (const unsigned char *)"\n", 1);
	crypto_hash_sha256_update(&h, (const unsigned char *)who, strlen(who));
	crypto_hash_sha256_update(&h, (const unsigned char *)"\n", 1);
	crypto_hash_sha256_update(&h, (const unsigned char *)action, strlen(action));
	crypto_hash_sha256_update(&h, (const unsigned char *)"\n", 1);
	crypto_hash_sha256_update(&h, (const unsigned char *)detail, strlen(detail));
	crypto_hash_sha256_final(&h, digest);
	sodium_bin2hex(hash, AUDIT_HASH_HEX, digest, sizeof(digest));
}

int
store_audit(struct store *s, const char *who, const char *action, const char *detail)
{
	char prev[AUDIT_HASH_HEX] = "";
	char hash[AUDIT_HASH_HEX];
	sqlite3_stmt *st;
	int64_t at_ms = store_now_ms();
	int rc;

	/*
	 * Reading the last hash and inserting the next row must be one transaction
	 * (the caller's: cmd_txn or store_txn), or two writers chain onto the same
	 * hash and `audit verify` reports the log broken.
	 */
	if (sqlite3_get_autocommit(s->db)) {
		log_err("store: audit %s by %s outside a transaction (a bug): refused", action,
		        who);
		return -1;
	}
	st = store_prep(s, "SELECT hash FROM audit ORDER BY id DESC LIMIT 1");
	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		store_copy_col(st, 0, prev, sizeof(prev));
	store_stmt_done(s, st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;

	audit_hash(prev, at_ms, who, action, detail, hash);

	st = store_prep(s, "INSERT INTO audit(at_ms, who, action, detail, prev_hash, hash)"
	                   " VALUES(?,?,?,?,?,?)");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, at_ms);
	sqlite3_bind_text(st, 2, who, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, detail, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, prev, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, hash, -1, SQLITE_STATIC);
	return store_run(s, st);
}

/* --- board --- */

#define USER_COLS "id, username, pwhash, role, language, disabled, created_ms"

static void
read_user(sqlite3_stmt *st, struct store_user *u)
{
	memset(u, 0, sizeof(*u));
	u->id = sqlite3_column_int64(st, 0);
	store_copy_col(st, 1, u->username, sizeof(u->username));
	store_copy_col(st, 2, u->pwhash, sizeof(u->pwhash));
	store_copy_col(st, 3, u->role, sizeof(u->role));
	store_copy_col(st, 4, u->language, sizeof(u->language));
	u->disabled = sqlite3_column_int(st, 5);
	u->created_ms = sqlite3_column_int64(st, 6);
}

int
store_user_add(struct store *s, const struct store_user *u, int64_t *id)
{
	sqlite3_stmt *st =
	    store_prep(s, "INSERT INTO users(username, pwhash, role, language, disabled,"
	                  " created_ms) VALUES(?,?,?,?,0,?) ON CONFLICT(username) DO NOTHING");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, u->username, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, u->pwhash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, u->role, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, u->language, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, store_now_ms());
	if (store_run(s, st) < 0)
		return -1;
	if (sqlite3_changes(s->db) == 0)
		return 1;
	if (id)
		*id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

static int
user_one(struct store *s, sqlite3_stmt *st, struct store_user *out)
{
	int rc;

	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_user(st, out);
	else if (rc != SQLITE_DONE)
		log_err("store: reading user: %s", sqlite3_errmsg(s->db));
	store_stmt_done(s, st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int
store_user_get(struct store *s, const char *username, struct store_user *out)
{
	sqlite3_stmt *st = store_prep(s, "SELECT " USER_COLS " FROM users WHERE username = ?");

	if (st)
		sqlite3_bind_text(st, 1, username, -1, SQLITE_STATIC);
	return user_one(s, st, out);
}

int
store_user_get_id(struct store *s, int64_t id, struct store_user *out)
{
	sqlite3_stmt *st = store_prep(s, "SELECT " USER_COLS " FROM users WHERE id = ?");

	if (st)
		sqlite3_bind_int64(st, 1, id);
	return user_one(s, st, out);
}

int
store_user_each(struct store *s, store_user_fn fn, void *arg)
{
	sqlite3_stmt *st = store_prep(s, "SELECT " USER_COLS " FROM users ORDER BY username");
	struct store_user u;
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_user(st, &u);
		if (fn(arg, &u) != 0)
			break;
	}
	store_stmt_done(s, st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* Sign the user out everywhere: a new password or a disabled account ends every session. */
static int
user_sessions_end(struct store *s, const char *username)
{
	sqlite3_stmt *st = store_prep(s, "DELETE FROM sessions WHERE user_id ="
	                                 " (SELECT id FROM users WHERE username = ?)");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, username, -1, SQLITE_STATIC);
	return store_run(s, st);
}

/*
 * The account row and the end of its sessions belong together: callers run this
 * inside their transaction (the command's, cmd/cmd_user_*.c).
 */
static int
user_update(struct store *s, const char *sql, const char *username, const char *text, int num)
{
	sqlite3_stmt *st;
	int changed;

	if ((st = store_prep(s, sql)) == NULL)
		return -1;
	if (text)
		sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int(st, 1, num);
	sqlite3_bind_text(st, 2, username, -1, SQLITE_STATIC);
	if (store_run(s, st) < 0)
		return -1;
	changed = sqlite3_changes(s->db);
	if (user_sessions_end(s, username) < 0)
		return -1;
	return changed ? 0 : 1;
}

int
store_user_set_password(struct store *s, const char *username, const char *pwhash)
{
	return user_update(s, "UPDATE users SET pwhash = ? WHERE username = ?", username, pwhash,
	                   0);
}

int
store_user_set_disabled(struct store *s, const char *username, int disabled)
{
	return user_update(s, "UPDATE users SET disabled = ? WHERE username = ?", username, NULL,
	                   disabled);
}

int
store_session_add(struct store *s, const char *token_hash, const struct store_login *l)
{
	sqlite3_stmt *st =
	    store_prep(s, "INSERT INTO sessions(token_hash, user_id, csrf, created_ms,"
	                  " expires_ms) VALUES(?,?,?,?,?)");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, token_hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, l->user_id);
	sqlite3_bind_text(st, 3, l->csrf, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, l->created_ms);
	sqlite3_bind_int64(st, 5, l->expires_ms);
	return store_run(s, st);
}

int
store_session_get(struct store *s, const char *token_hash, struct store_login *out)
{
	sqlite3_stmt *st =
	    store_prep(s, "SELECT user_id, csrf, created_ms, expires_ms FROM sessions"
	                  " WHERE token_hash = ?");
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, token_hash, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		memset(out, 0, sizeof(*out));
		out->user_id = sqlite3_column_int64(st, 0);
		store_copy_col(st, 1, out->csrf, sizeof(out->csrf));
		out->created_ms = sqlite3_column_int64(st, 2);
		out->expires_ms = sqlite3_column_int64(st, 3);
	} else if (rc != SQLITE_DONE) {
		log_err("store: reading session: %s", sqlite3_errmsg(s->db));
	}
	store_stmt_done(s, st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int
store_session_touch(struct store *s, const char *token_hash, int64_t expires_ms)
{
	sqlite3_stmt *st = store_prep(s, "UPDATE sessions SET expires_ms = ? WHERE token_hash = ?");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, expires_ms);
	sqlite3_bind_text(st, 2, token_hash, -1, SQLITE_STATIC);
	return store_run(s, st);
}

int
store_session_delete(struct store *s, const char *token_hash)
{
	sqlite3_stmt *st = store_prep(s, "DELETE FROM sessions WHERE token_hash = ?");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, token_hash, -1, SQLITE_STATIC);
	return store_run(s, st);
}

int
store_session_purge(struct store *s, int64_t now, int64_t max_age_ms)
{
	sqlite3_stmt *st =
	    store_prep(s, "DELETE FROM sessions WHERE expires_ms <= ? OR created_ms <= ?");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, now - max_age_ms);
	return store_run(s, st);
}

static void
read_audit(sqlite3_stmt *st, struct store_audit_entry *e)
{
	e->id = sqlite3_column_int64(st, 0);
	e->at_ms = sqlite3_column_int64(st, 1);
	e->who = (const char *)sqlite3_column_text(st, 2);
	e->action = (const char *)sqlite3_column_text(st, 3);
	e->detail = (const char *)sqlite3_column_text(st, 4);
	e->prev_hash = (const char *)sqlite3_column_text(st, 5);
	e->hash = (const char *)sqlite3_column_text(st, 6);
}

int
store_audit_page(struct store *s, int64_t before_id, int max, store_audit_fn fn, void *arg)
{
	sqlite3_stmt *st =
	    store_prep(s, "SELECT id, at_ms, who, action, detail, prev_hash, hash FROM audit"
	                  " WHERE id < ? ORDER BY id DESC LIMIT ?");
	struct store_audit_entry e;
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, before_id > 0 ? before_id : INT64_MAX);
	sqlite3_bind_int(st, 2, max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_audit(st, &e);
		if (fn(arg, &e))
			break;
	}
	store_stmt_done(s, st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int
store_audit_verify(struct store *s, int64_t *entries, int64_t *bad_id, char *why, size_t whylen)
{
	sqlite3_stmt *st =
	    store_prep(s, "SELECT id, at_ms, who, action, detail, prev_hash, hash FROM audit"
	                  " ORDER BY id");
	char prev[AUDIT_HASH_HEX] = "", want[AUDIT_HASH_HEX];
	struct store_audit_entry e;
	int rc;

	*entries = 0;
	*bad_id = 0;
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_audit(st, &e);
		if (e.who == NULL || e.action == NULL || e.detail == NULL || e.prev_hash == NULL ||
		    e.hash == NULL) {
			snprintf(why, whylen, "a column is NULL");
			break;
		}
		if (strcmp(e.prev_hash, prev) != 0) {
			snprintf(why, whylen,
			         "prev_hash does not match the entry before it"
			         " (an entry was removed, added or reordered)");
			break;
		}
		audit_hash(prev, e.at_ms, e.who, e.action, e.detail, want);
		if (strcmp(want, e.hash) != 0) {
			snprintf(why, whylen,
			         "hash does not match its content (the entry was edited)");
			break;
		}
		snprintf(prev, sizeof(prev), "%s", e.hash);
		(*entries)++;
	}
	if (rc == SQLITE_ROW)
		*bad_id = e.id;
	store_stmt_done(s, st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		snprintf(why, whylen, "%s", sqlite3_errmsg(s->db));
		return -1;
	}
	return *bad_id ? 1 : 0;
}

int
store_token_add(struct store *s, const char *name, const char *hash, const char *scope, int64_t *id)
{
	sqlite3_stmt *st =
	    store_prep(s, "INSERT INTO api_tokens(name, token_hash, scope, created_ms)"
	                  " VALUES(?,?,?,?)");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, scope, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, store_now_ms());
	if (store_run(s, st) < 0)
		return -1;
	if (id)
		*id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

static void
read_token(sqlite3_stmt *st, void *row)
{
	struct store_token *t = row;

	t->id = sqlite3_column_int64(st, 0);
	store_copy_col(st, 1, t->name, sizeof(t->name));
	store_copy_col(st, 2, t->hash, sizeof(t->hash));
	store_copy_col(st, 3, t->scope, sizeof(t->scope));
	t->created_ms = sqlite3_column_int64(st, 4);
	t->revoked = sqlite3_column_int(st, 5);
}

int
store_tokens(struct store *s, struct store_token **out, size_t *n)
{
	sqlite3_stmt *st = store_prep(s, "SELECT id, name, token_hash, scope, created_ms, revoked"
	                                 " FROM api_tokens ORDER BY id");

	return store_rows(s, st, sizeof(**out), read_token, (void **)out, n);
}

int
store_token_revoke(struct store *s, int64_t id)
{
	sqlite3_stmt *st =
	    store_prep(s, "UPDATE api_tokens SET revoked = 1 WHERE id = ? AND revoked = 0");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (store_run(s, st) < 0)
		return -1;
	return sqlite3_changes(s->db) == 1 ? 0 : 1;
}
