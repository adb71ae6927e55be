/*
 * cmd_user_enable.c — user.enable: unblock an account.  Every session of the
 * user ends in the same transaction: a change of who may sign in applies at once.
 */
#include <stdio.h>

#include "cmd.h"
#include "store.h"

static int
exec(struct cmd_ctx *ctx, const void *args, struct cmd_result *r)
{
	const struct cmd_user_args *a = args;
	char detail[96];
	int rc;

	if (a->username == NULL || !*a->username)
		return cmd_fail(r, CMD_INVALID, "%s", "username: required");
	rc = store_user_set_disabled(ctx->st, a->username, 0);
	if (rc < 0)
		return cmd_fail_db(ctx, r, "user");
	if (rc == 1)
		return cmd_fail(r, CMD_FAILED, "no user '%.40s'", a->username);
	snprintf(detail, sizeof(detail), "user=%s", a->username);
	if (cmd_audit(ctx, r, detail) < 0)
		return -1;
	cmd_changed(ctx, CMD_CHANGED_PEOPLE, 0, NULL);
	snprintf(r->msg, sizeof(r->msg), "%s: enabled (signed out everywhere)", a->username);
	return 0;
}

int
cmd_user_enable(struct cmd_ctx *ctx, const struct cmd_user_args *a, struct cmd_result *r)
{
	return cmd_txn(ctx, "user.enable", exec, a, r);
}

int
cmd_user_enable_json(struct cmd_ctx *ctx, json_t *args, struct cmd_result *r)
{
	struct cmd_user_args a = {0};

	if (cmd_arg_str(args, "username", 1, &a.username, r) < 0)
		return -1;
	return cmd_user_enable(ctx, &a, r);
}
