/*
 * cmd_card.c — what the two card commands share: a card named by its key (the
 * board, which lists unknown cards by key) or by its UID (stempelctl, from the
 * card's print or a reader), keyed here so a UID never reaches the database;
 * and the card's change made local (card ownership, uploader/README.md) with
 * its card_enrolled / card_revoked event for the municipal system.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cardkey.h"
#include "cmd.h"
#include "events.h"
#include "nfc.h"
#include "store.h"

static int
key_valid(const char *k)
{
	/* "hmac:" and 64 lower-case hex digits, as cardkey_of_uid() writes it */
	if (strncmp(k, "hmac:", 5) != 0 || strlen(k) != CARDKEY_MAX - 1)
		return 0;
	for (const char *p = k + 5; *p; p++)
		if (!isxdigit((unsigned char)*p) || isupper((unsigned char)*p))
			return 0;
	return 1;
}

int
cmd_card_key(struct cmd_ctx *ctx, const char *card, const char *uid, char *key, size_t keylen,
             struct cmd_result *r)
{
	char norm[NFC_UID_MAX], k[CARDKEY_MAX];

	if (card && *card) {
		if (!key_valid(card))
			return cmd_fail(r, CMD_INVALID,
			                "card '%.80s': expected hmac: and 64 hex digits", card);
		snprintf(key, keylen, "%s", card);
		return 0;
	}
	if (uid == NULL || !*uid)
		return cmd_fail(r, CMD_INVALID, "%s", "card: expected the card's UID or key");
	if (nfc_uid_normalize(uid, norm, sizeof(norm)) < 0)
		return cmd_fail(r, CMD_INVALID,
		                "UID '%.40s': expected 4, 7 or 10 bytes in hex (e.g. 04A1B2C3)",
		                uid);
	if (ctx->env->key == NULL)
		return cmd_fail(r, CMD_FAILED, "%s", "card: the device key is not loaded");
	cardkey_of_uid(ctx->env->key, norm, k);
	snprintf(key, keylen, "%s", k);
	return 0;
}

int
cmd_card_local(struct cmd_ctx *ctx, const char *type, const char *key, const char *participant,
               const char *reason, struct cmd_result *r)
{
	char id[40], base[80] = "";
	json_t *data = json_pack("{s:s, s:s, s:s}", "card", key, "participant", participant, "who",
	                         ctx->actor);
	char *ev;
	int rc;

	if (data && reason && *reason)
		json_object_set_new(data, "reason", json_string(reason));
	/* The roster in force now: a later, different roster is newer than this change. */
	store_meta_get(ctx->st, "roster.hash", base, sizeof(base));
	if ((ev = events_make(type, participant, data, id)) == NULL)
		return cmd_fail(r, CMD_FAILED, "%s", "out of memory");
	rc = store_event_add(ctx->st, id, type, ev);
	free(ev);
	if (rc < 0 || store_card_set_local(ctx->st, key, id, base, ctx->actor) < 0)
		return cmd_fail_db(ctx, r, "card");
	return 0;
}
