/*
 * cmd_user_disable.c — user.disable: block an account.  Every session of the
 * user ends in the same transaction: a change of who may sign in applies at once.
 */
#include "cmd.h"

static int
exec(struct cmd_ctx *ctx, const void *args, struct cmd_result *r)
{
	return cmd_user_set_disabled(ctx, args, 1, r);
}

int
cmd_user_disable(struct cmd_ctx *ctx, const struct cmd_user_args *a, struct cmd_result *r)
{
	return cmd_txn(ctx, "user.disable", exec, a, r);
}

int
cmd_user_disable_json(struct cmd_ctx *ctx, json_t *args, struct cmd_result *r)
{
	struct cmd_user_args a = {0};

	if (cmd_arg_str(args, "username", 1, &a.username, r) < 0)
		return -1;
	return cmd_user_disable(ctx, &a, r);
}
