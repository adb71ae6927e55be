/*
 * cmd_token_create.c — token.create: an API bearer token for payroll.  The token
 * is made here and returned once (in the result's data, never in the message or
 * the log); the database keeps its SHA-256 digest only.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "auth.h"
#include "cmd.h"
#include "store.h"
#include "tokens.h"

static int
exec(struct cmd_ctx *ctx, const void *args, struct cmd_result *r)
{
	const struct cmd_token_create_args *a = args;
	const char *name = a->name && *a->name ? a->name : a->scope;
	char token[AUTH_TOKEN_MAX], hash[AUTH_DIGEST_MAX];
	json_t *detail;
	int64_t id;
	int rc;

	if (!tokens_scope_valid(a->scope))
		return cmd_fail(r, CMD_INVALID, "%s", "scope: expected payroll");
	if (name == NULL || !*name || strlen(name) > 63)
		return cmd_fail(r, CMD_INVALID, "%s", "name: expected 1 to 63 characters");
	auth_token_new(token);
	auth_token_hash(token, hash);
	if (store_token_add(ctx->st, name, hash, a->scope, &id) < 0) {
		sodium_memzero(token, sizeof(token));
		return cmd_fail_db(ctx, r, "token");
	}
	detail =
	    json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "name", name, "scope", a->scope);
	rc = detail ? cmd_audit_json(ctx, r, detail)
	            : cmd_fail(r, CMD_FAILED, "%s", "out of memory");
	json_decref(detail);
	if (rc == 0 &&
	    (r->data = json_pack("{s:s, s:I, s:s, s:s}", "token", token, "id", (json_int_t)id,
	                         "name", name, "scope", a->scope)) == NULL)
		rc = cmd_fail(r, CMD_FAILED, "%s", "out of memory");
	sodium_memzero(token, sizeof(token));
	if (rc < 0)
		return -1;
	cmd_changed(ctx, CMD_CHANGED_PEOPLE, 0, NULL);
	snprintf(r->msg, sizeof(r->msg),
	         "token %lld (%s, scope %s): keep it now, it cannot be shown "
	         "again",
	         (long long)id, name, a->scope);
	return 0;
}

int
cmd_token_create(struct cmd_ctx *ctx, const struct cmd_token_create_args *a, struct cmd_result *r)
{
	return cmd_txn(ctx, "token.create", exec, a, r);
}

int
cmd_token_create_json(struct cmd_ctx *ctx, json_t *args, struct cmd_result *r)
{
	struct cmd_token_create_args a;

	if (cmd_arg_str(args, "scope", 1, &a.scope, r) < 0 ||
	    cmd_arg_str(args, "name", 0, &a.name, r) < 0)
		return -1;
	return cmd_token_create(ctx, &a, r);
}
