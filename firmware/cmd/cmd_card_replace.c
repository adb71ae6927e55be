/*
 * cmd_card_replace.c — card.replace: a participant lost or broke a card and taps
 * a new one at the kiosk; the board picks it from the unknown cards.  The new card
 * is enrolled and the old one revoked (with the reason) in one transaction and one
 * audit entry, so the participant is never without a card or with both.
 */
#include <stdio.h>
#include <string.h>

#include "cardkey.h"
#include "cmd.h"
#include "store.h"

static int
exec(struct cmd_ctx *ctx, const void *args, struct cmd_result *r)
{
	const struct cmd_card_replace_args *a = args;
	struct store_participant p;
	char oldk[CARDKEY_MAX], newk[CARDKEY_MAX];
	int64_t owner = 0;
	int rc, revoked = 0;
	json_t *detail;

	if (a->participant == NULL || !*a->participant)
		return cmd_fail(r, CMD_INVALID, "%s", "participant: required");
	if (a->reason == NULL || !*a->reason || strlen(a->reason) > 250)
		return cmd_fail(r, CMD_INVALID, "%s", "reason: required, at most 250 characters");
	if (cmd_card_key(ctx, a->old_card, NULL, oldk, sizeof(oldk), r) < 0 ||
	    cmd_card_key(ctx, a->new_card, NULL, newk, sizeof(newk), r) < 0)
		return -1;
	if (strcmp(oldk, newk) == 0)
		return cmd_fail(r, CMD_INVALID, "%s",
		                "new_card: expected another card than the old one");
	if ((rc = store_participant_by_ext(ctx->st, a->participant, &p)) < 0)
		return cmd_fail_db(ctx, r, "participant");
	if (rc == 1)
		return cmd_fail(r, CMD_NOT_FOUND, "participant '%.40s': no such participant",
		                a->participant);
	if (!p.active)
		return cmd_fail(r, CMD_INVALID, "participant %s: inactive (not on the roster)",
		                p.ext_id);
	if ((rc = store_card_lookup(ctx->st, oldk, &owner, &revoked)) < 0)
		return cmd_fail_db(ctx, r, "card");
	if (rc == 1 || owner != p.id)
		return cmd_fail(r, CMD_NOT_FOUND, "old_card: not a card of %s", p.ext_id);
	if ((rc = store_card_lookup(ctx->st, newk, &owner, &revoked)) < 0)
		return cmd_fail_db(ctx, r, "card");
	if (rc == 0 && !revoked && owner != p.id)
		return cmd_fail(r, CMD_CONFLICT, "%s",
		                "new_card: belongs to another participant; revoke it there first");
	if (store_card_enroll(ctx->st, newk, p.id) < 0 ||
	    store_card_note_enroll(ctx->st, newk, ctx->actor) < 0 ||
	    store_card_revoke(ctx->st, oldk) < 0 ||
	    store_card_note_revoke(ctx->st, oldk, ctx->actor, a->reason) < 0)
		return cmd_fail_db(ctx, r, "card");
	/* both are the kiosk's own changes: one event each, both cards marked local */
	if (cmd_card_local(ctx, "card_enrolled", newk, p.ext_id, NULL, r) < 0 ||
	    cmd_card_local(ctx, "card_revoked", oldk, p.ext_id, a->reason, r) < 0)
		return -1;
	detail = json_pack("{s:s, s:s, s:s, s:s}", "participant", p.ext_id, "old_card", oldk,
	                   "new_card", newk, "reason", a->reason);
	if (detail == NULL)
		return cmd_fail(r, CMD_FAILED, "%s", "out of memory");
	rc = cmd_audit_json(ctx, r, detail);
	json_decref(detail);
	if (rc < 0)
		return -1;
	cmd_changed(ctx, CMD_CHANGED_CARDS, p.id, NULL);
	snprintf(r->msg, sizeof(r->msg), "card replaced for %s (%s)", p.ext_id, p.name);
	r->data = json_pack("{s:s, s:s}", "participant", p.ext_id, "name", p.name);
	return 0;
}

int
cmd_card_replace(struct cmd_ctx *ctx, const struct cmd_card_replace_args *a, struct cmd_result *r)
{
	return cmd_txn(ctx, "card.replace", exec, a, r);
}

int
cmd_card_replace_json(struct cmd_ctx *ctx, json_t *args, struct cmd_result *r)
{
	struct cmd_card_replace_args a;

	if (cmd_arg_str(args, "participant", 1, &a.participant, r) < 0 ||
	    cmd_arg_str(args, "old_card", 1, &a.old_card, r) < 0 ||
	    cmd_arg_str(args, "new_card", 1, &a.new_card, r) < 0 ||
	    cmd_arg_str(args, "reason", 1, &a.reason, r) < 0)
		return -1;
	return cmd_card_replace(ctx, &a, r);
}
