/*
 * cmd_token_revoke.c — token.revoke: an API token stops working at once (the next
 * request with it gets 401).  The row stays for the audit log's references.
 */
#include <stdio.h>

#include "cmd.h"
#include "store.h"

static int
exec(struct cmd_ctx *ctx, const void *args, struct cmd_result *r)
{
	const struct cmd_token_revoke_args *a = args;
	char detail[64];
	int rc;

	if ((rc = store_token_revoke(ctx->st, a->id)) < 0)
		return cmd_fail_db(ctx, r, "token");
	if (rc == 1)
		return cmd_fail(r, CMD_NOT_FOUND, "token %lld: no such active token",
		                (long long)a->id);
	snprintf(detail, sizeof(detail), "{\"id\":%lld}", (long long)a->id);
	if (cmd_audit(ctx, r, detail) < 0)
		return -1;
	cmd_changed(ctx, CMD_CHANGED_PEOPLE, 0, NULL);
	snprintf(r->msg, sizeof(r->msg), "token %lld revoked", (long long)a->id);
	return 0;
}

int
cmd_token_revoke(struct cmd_ctx *ctx, const struct cmd_token_revoke_args *a, struct cmd_result *r)
{
	return cmd_txn(ctx, "token.revoke", exec, a, r);
}

int
cmd_token_revoke_json(struct cmd_ctx *ctx, json_t *args, struct cmd_result *r)
{
	struct cmd_token_revoke_args a;
	long long id = 0;

	if (cmd_arg_int(args, "id", 1, &id, r) < 0)
		return -1;
	if (id <= 0)
		return cmd_fail(r, CMD_INVALID, "%s",
		                "id: expected a token id (stempelctl token list)");
	a.id = id;
	return cmd_token_revoke(ctx, &a, r);
}
