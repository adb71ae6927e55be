/*
 * cmd_card_enroll.c — card.enroll: give a card to an active participant.  A card
 * already enrolled moves to the new participant (and is unblocked): the card in
 * the teacher's hand decides.  Audited with the card key, never the UID.
 */
#include <stdio.h>

#include "cardkey.h"
#include "cmd.h"
#include "store.h"

static int
exec(struct cmd_ctx *ctx, const void *args, struct cmd_result *r)
{
	const struct cmd_card_enroll_args *a = args;
	struct store_participant p;
	char key[CARDKEY_MAX], detail[256];
	int64_t owner = 0;
	int rc, had, revoked = 0;

	if (cmd_card_key(ctx, a->card, a->uid, key, sizeof(key), r) < 0)
		return -1;
	if (a->participant == NULL || !*a->participant)
		return cmd_fail(r, CMD_INVALID, "%s", "participant: required");
	if ((rc = store_participant_by_ext(ctx->st, a->participant, &p)) < 0)
		return cmd_fail_db(ctx, r, "participant");
	if (rc == 1)
		return cmd_fail(r, CMD_NOT_FOUND, "participant '%.40s': no such participant",
		                a->participant);
	if (!p.active)
		return cmd_fail(r, CMD_INVALID, "participant %s: inactive (not on the roster)",
		                p.ext_id);
	if ((had = store_card_lookup(ctx->st, key, &owner, &revoked)) < 0)
		return cmd_fail_db(ctx, r, "card");
	if (store_card_enroll(ctx->st, key, p.id) < 0 ||
	    store_card_note_enroll(ctx->st, key, ctx->actor) < 0)
		return cmd_fail_db(ctx, r, "card");
	if (cmd_card_local(ctx, "card_enrolled", key, p.ext_id, NULL, r) < 0)
		return -1;
	snprintf(detail, sizeof(detail), "card=%s participant=%s", key, p.ext_id);
	if (cmd_audit(ctx, r, detail) < 0)
		return -1;
	cmd_changed(ctx, CMD_CHANGED_CARDS, p.id, NULL);
	snprintf(r->msg, sizeof(r->msg), "card enrolled for %s (%s)", p.ext_id, p.name);
	/* The board names whom the card now belongs to, and whom it was taken from. */
	r->data =
	    json_pack("{s:s, s:s, s:s}", "card", key, "participant", p.ext_id, "name", p.name);
	if (r->data && had == 0 && !revoked && owner != p.id) {
		struct store_participant prev;

		if (store_participant_get(ctx->st, owner, &prev) == 0)
			json_object_set_new(r->data, "moved_from", json_string(prev.ext_id));
	}
	return 0;
}

int
cmd_card_enroll(struct cmd_ctx *ctx, const struct cmd_card_enroll_args *a, struct cmd_result *r)
{
	return cmd_txn(ctx, "card.enroll", exec, a, r);
}

int
cmd_card_enroll_json(struct cmd_ctx *ctx, json_t *args, struct cmd_result *r)
{
	struct cmd_card_enroll_args a;

	if (cmd_arg_str(args, "card", 0, &a.card, r) < 0 ||
	    cmd_arg_str(args, "uid", 0, &a.uid, r) < 0 ||
	    cmd_arg_str(args, "participant", 1, &a.participant, r) < 0)
		return -1;
	return cmd_card_enroll(ctx, &a, r);
}
