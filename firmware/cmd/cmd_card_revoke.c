/*
 * cmd_card_revoke.c — card.revoke: block a lost or misused card.  The row stays
 * (its taps refer to it); a tap with it is answered "card revoked".  Who revoked
 * it, when and why (optional reason) are kept on the card for the board.
 */
#include <stdio.h>
#include <string.h>

#include "cardkey.h"
#include "cmd.h"
#include "store.h"

static int
exec(struct cmd_ctx *ctx, const void *args, struct cmd_result *r)
{
	const struct cmd_card_revoke_args *a = args;
	char key[CARDKEY_MAX];
	struct store_participant p;
	json_t *detail;
	int64_t pid;
	int rc, revoked;

	if (cmd_card_key(ctx, a->card, a->uid, key, sizeof(key), r) < 0)
		return -1;
	if ((rc = store_card_revoke(ctx->st, key)) < 0)
		return cmd_fail_db(ctx, r, "card");
	if (rc == 1)
		return cmd_fail(r, CMD_NOT_FOUND, "card %.40s: not enrolled",
		                a->uid ? a->uid : key);
	if (a->reason && strlen(a->reason) > 250)
		return cmd_fail(r, CMD_INVALID, "%s", "reason: expected at most 250 characters");
	if (store_card_lookup(ctx->st, key, &pid, &revoked) != 0 ||
	    store_participant_get(ctx->st, pid, &p) != 0)
		return cmd_fail_db(ctx, r, "card");
	if (store_card_note_revoke(ctx->st, key, ctx->actor, a->reason) < 0)
		return cmd_fail_db(ctx, r, "card");
	/* the kiosk's own change: a card_revoked event, and the card marked local */
	if (cmd_card_local(ctx, "card_revoked", key, p.ext_id, a->reason, r) < 0)
		return -1;
	if ((detail = json_pack("{s:s}", "card", key)) == NULL)
		return cmd_fail(r, CMD_FAILED, "%s", "out of memory");
	if (a->reason && *a->reason)
		json_object_set_new(detail, "reason", json_string(a->reason));
	rc = cmd_audit_json(ctx, r, detail);
	json_decref(detail);
	if (rc < 0)
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
	    cmd_arg_str(args, "uid", 0, &a.uid, r) < 0 ||
	    cmd_arg_str(args, "reason", 0, &a.reason, r) < 0)
		return -1;
	return cmd_card_revoke(ctx, &a, r);
}
