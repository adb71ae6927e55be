/*
 * cmd_correction_remove.c — correction.remove: remove a wrong tap (by its id), always with a
 * reason.  Taps are never edited: a correction row is kept beside them, audited,
 * sent as a "correction" event, and the participant's day is recomputed.
 */
#include <stdio.h>

#include "attendance.h"
#include "cmd.h"
#include "store.h"

static int
exec(struct cmd_ctx *ctx, const void *args, struct cmd_result *r)
{
	return cmd_correction_exec(ctx, args, "remove", r);
}

int
cmd_correction_remove(struct cmd_ctx *ctx, const struct cmd_correction_args *a,
                      struct cmd_result *r)
{
	return cmd_txn(ctx, "correction.remove", exec, a, r);
}

int
cmd_correction_remove_json(struct cmd_ctx *ctx, json_t *args, struct cmd_result *r)
{
	struct cmd_correction_args a = {.minute = -1};
	long long id = 0;

	if (cmd_arg_str(args, "participant", 1, &a.participant, r) < 0 ||
	    cmd_arg_int(args, "tap", 1, &id, r) < 0 ||
	    cmd_arg_str(args, "reason", 1, &a.reason, r) < 0)
		return -1;
	if (id <= 0)
		return cmd_fail(r, CMD_INVALID, "%s", "tap: expected a tap id");
	a.tap_id = id;
	return cmd_correction_remove(ctx, &a, r);
}
