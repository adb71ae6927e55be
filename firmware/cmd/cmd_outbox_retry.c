/*
 * cmd_outbox_retry.c — outbox.retry: an administrator sends a dead letter (or
 * every one) again, at the back of the queue: it keeps its id and gets a new seq
 * (store_outbox_retry), so a receiver that took it after all answers "duplicate";
 * audited with the ids, never silently.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "store.h"

static int
exec(struct cmd_ctx *ctx, const void *args, struct cmd_result *r)
{
	const struct cmd_outbox_retry_args *a = args;
	char detail[128];
	int n;

	if (!a->all && (a->id == NULL || !*a->id))
		return cmd_fail(r, CMD_INVALID, "%s",
		                "id: required (a dead letter's event id), or all: true");
	if (a->all && a->id && *a->id)
		return cmd_fail(r, CMD_INVALID, "%s", "id: give an id or all, not both");
	if (store_outbox_retry(ctx->st, a->all ? NULL : a->id, &n) < 0)
		return cmd_fail_db(ctx, r, "outbox");
	if (n == 0)
		return a->all ? cmd_fail(r, CMD_NOT_FOUND, "%s", "no dead letters")
		              : cmd_fail(r, CMD_NOT_FOUND, "event %.40s: not a dead letter", a->id);
	if (a->all)
		snprintf(detail, sizeof(detail), "all: %d events", n);
	else
		snprintf(detail, sizeof(detail), "id=%.40s", a->id);
	if (cmd_audit(ctx, r, detail) < 0)
		return -1;
	snprintf(r->msg, sizeof(r->msg),
	         "%d dead letter%s pending again; the uploader sends %s "
	         "with the next batch",
	         n, n == 1 ? "" : "s", n == 1 ? "it" : "them");
	r->data = json_pack("{s:i}", "retried", n);
	return 0;
}

int
cmd_outbox_retry(struct cmd_ctx *ctx, const struct cmd_outbox_retry_args *a, struct cmd_result *r)
{
	return cmd_txn(ctx, "outbox.retry", exec, a, r);
}

int
cmd_outbox_retry_json(struct cmd_ctx *ctx, json_t *args, struct cmd_result *r)
{
	struct cmd_outbox_retry_args a = {0};
	json_t *all = json_object_get(args, "all");

	if (cmd_arg_str(args, "id", 0, &a.id, r) < 0)
		return -1;
	if (all && !json_is_boolean(all))
		return cmd_fail(r, CMD_INVALID, "%s", "all: expected true or false");
	a.all = json_is_true(all);
	return cmd_outbox_retry(ctx, &a, r);
}
