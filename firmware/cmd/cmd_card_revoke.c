/*
 * cmd_card_revoke.c — card.revoke: block a lost or misused card.  The row stays
 * (its taps refer to it); a tap with it is answered "card revoked".
 */
#include <stdio.h>

#include "cardkey.h"
#include "cmd.h"
#include "store.h"

static int
exec(struct cmd_ctx *ctx, const void *args, struct cmd_result *r)
{
	const struct cmd_card_revoke_args *a = args;
	char key[CARDKEY_MAX], detail[128];
	int rc;

	if (cmd_card_key(ctx, a->card, a->uid, key, sizeof(key), r) < 0)
		return -1;
	if ((rc = store_card_revoke(ctx->st, key)) < 0)
		return cmd_fail_db(ctx, r, "card");
	if (rc == 1)
		return cmd_fail(r, CMD_NOT_FOUND, "card %.40s: not enrolled",
		                a->uid ? a->uid : key);
	snprintf(detail, sizeof(detail), "card=%s", key);
	if (cmd_audit(ctx, r, detail) < 0)
		return -1;
	cmd_changed(ctx, CMD_CHANGED_CARDS, 0, NULL);
	snprintf(r->msg, sizeof(r->msg), "card revoked");
	return 0;
}

int
cmd_card_revoke(struct cmd_ctx *ctx, const struct cmd_card_revoke_args *a, struct cmd_result *r)
{
	return cmd_txn(ctx, "card.revoke", exec, a, r);
}

int
cmd_card_revoke_json(struct cmd_ctx *ctx, json_t *args, struct cmd_result *r)
{
	struct cmd_card_revoke_args a;

	if (cmd_arg_str(args, "card", 0, &a.card, r) < 0 ||
	    cmd_arg_str(args, "uid", 0, &a.uid, r) < 0)
		return -1;
	return cmd_card_revoke(ctx, &a, r);
}
