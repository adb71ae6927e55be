/*
 * tokens.c — API bearer tokens.  The database holds SHA-256 digests only, so a
 * copied database gives no usable token.  A presented token is hashed and compared
 * with every live digest by sodium_memcmp, so the time taken says nothing about
 * how much of a digest matched.  Tokens are made and revoked by the commands
 * cmd/cmd_token_create.c and cmd/cmd_token_revoke.c.
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
