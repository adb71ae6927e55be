/*
 * tokens.c — API bearer tokens.  The database holds SHA-256 digests only, so a
 * copied database gives no usable token.  A presented token is hashed and compared
 * with every live digest by sodium_memcmp, so the time taken says nothing about
 * how much of a digest matched.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "tokens.h"

int
tokens_scope_valid(const char *scope)
{
	return scope && strcmp(scope, "payroll") == 0;
}

static int
audit(struct store *s, const char *who, const char *action, json_t *detail)
{
	char *d = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
	int rc = d ? store_audit(s, who, action, d) : -1;

	free(d);
	json_decref(detail);
	return rc;
}

int
tokens_create(struct store *s, const char *name, const char *scope, const char *who,
	      char token[AUTH_TOKEN_MAX], int64_t *id, char *err, size_t errlen)
{
	char hash[AUTH_DIGEST_MAX];

	if (!tokens_scope_valid(scope)) {
		snprintf(err, errlen, "scope: expected payroll");
		return -1;
	}
	if (name == NULL || !*name || strlen(name) > 63) {
		snprintf(err, errlen, "name: expected 1 to 63 characters");
		return -1;
	}
	auth_token_new(token);
	auth_token_hash(token, hash);
	if (store_begin(s) < 0 || store_token_add(s, name, hash, scope, id) < 0 ||
	    audit(s, who, "token.create",
		  json_pack("{s:I, s:s, s:s}", "id", (json_int_t)*id, "name", name, "scope",
			    scope)) < 0 ||
	    store_commit(s) < 0) {
		snprintf(err, errlen, "database: %s", store_errmsg(s));
		store_rollback(s);
		sodium_memzero(token, AUTH_TOKEN_MAX);
		return -1;
	}
	return 0;
}

int
tokens_revoke(struct store *s, int64_t id, const char *who, char *err, size_t errlen)
{
	int rc;

	if (store_begin(s) < 0)
		goto fail;
	if ((rc = store_token_revoke(s, id)) != 0) {
		store_rollback(s);
		if (rc < 0)
			goto fail;
		return 1;
	}
	if (audit(s, who, "token.revoke", json_pack("{s:I}", "id", (json_int_t)id)) < 0 ||
	    store_commit(s) < 0)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "database: %s", store_errmsg(s));
	store_rollback(s);
	return -1;
}

int
tokens_check(struct store *s, const char *token, struct store_token *out)
{
	struct store_token *t;
	char hash[AUTH_DIGEST_MAX];
	size_t n;
	int found = 0;

	if (token == NULL || strlen(token) != AUTH_TOKEN_LEN)
		return 1;
	if (store_tokens(s, &t, &n) < 0)
		return -1;
	auth_token_hash(token, hash);
	/* Every digest is compared, found or not: no early exit to time. */
	for (size_t i = 0; i < n; i++)
		if (sodium_memcmp(t[i].hash, hash, AUTH_DIGEST_MAX - 1) == 0 && !t[i].revoked &&
		    !found) {
			*out = t[i];
			found = 1;
		}
	free(t);
	return found ? 0 : 1;
}
