/*
 * cmd_closure_add.c — closure.add: a day the whole centre is closed (a staff day,
 * a burst pipe), from the board (administrators) or stempelctl.  Nobody is
 * expected that day; everyone is recomputed from it.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "roster.h"
#include "store.h"

static int
exec(struct cmd_ctx *ctx, const void *args, struct cmd_result *r)
{
	const struct cmd_closure_add_args *a = args;
	json_t *detail;
	int rc;

	if (a->date == NULL || roster_valid_date(a->date) < 0)
		return cmd_fail(r, CMD_INVALID, "date '%.20s': expected YYYY-MM-DD",
		                a->date ? a->date : "");
	if (a->reason == NULL || !*a->reason || strlen(a->reason) > 250)
		return cmd_fail(r, CMD_INVALID, "%s", "reason: required, at most 250 characters");
	if (store_closure_add(ctx->st, a->date, a->reason) < 0)
		return cmd_fail_db(ctx, r, "closure");
	if ((detail = json_pack("{s:s, s:s}", "date", a->date, "reason", a->reason)) == NULL)
		return cmd_fail(r, CMD_FAILED, "%s", "out of memory");
	rc = cmd_audit_json(ctx, r, detail);
	json_decref(detail);
	if (rc < 0)
		return -1;
	cmd_changed(ctx, CMD_CHANGED_ATTENDANCE, 0, a->date);
	snprintf(r->msg, sizeof(r->msg), "the centre is closed on %s", a->date);
	return 0;
}

int
cmd_closure_add(struct cmd_ctx *ctx, const struct cmd_closure_add_args *a, struct cmd_result *r)
{
	return cmd_txn(ctx, "closure.add", exec, a, r);
}

int
cmd_closure_add_json(struct cmd_ctx *ctx, json_t *args, struct cmd_result *r)
{
	struct cmd_closure_add_args a;

	if (cmd_arg_str(args, "date", 1, &a.date, r) < 0 ||
	    cmd_arg_str(args, "reason", 1, &a.reason, r) < 0)
		return -1;
	return cmd_closure_add(ctx, &a, r);
}
