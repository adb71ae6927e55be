/*
 * cmd_correction_add.c — correction.add: add a tap the participant forgot (date, time,
 * direction), always with a
 * reason.  Taps are never edited: a correction row is kept beside them, audited,
 * sent as a "correction" event, and the participant's day is recomputed.
 */
#include <stdio.h>

#include "attendance.h"
#include "cmd.h"
#include "roster.h"
#include "store.h"

static int
exec(struct cmd_ctx *ctx, const void *args, struct cmd_result *r)
{
	return cmd_correction_exec(ctx, args, "add", r);
}

int
cmd_correction_add(struct cmd_ctx *ctx, const struct cmd_correction_args *a, struct cmd_result *r)
{
	return cmd_txn(ctx, "correction.add", exec, a, r);
}

int
cmd_correction_add_json(struct cmd_ctx *ctx, json_t *args, struct cmd_result *r)
{
	struct cmd_correction_args a = {.minute = -1};
	const char *time = NULL;

	if (cmd_arg_str(args, "participant", 1, &a.participant, r) < 0 ||
	    cmd_arg_str(args, "date", 1, &a.date, r) < 0 ||
	    cmd_arg_str(args, "time", 1, &time, r) < 0 ||
	    cmd_arg_str(args, "direction", 1, &a.direction, r) < 0 ||
	    cmd_arg_str(args, "reason", 1, &a.reason, r) < 0)
		return -1;
	if (roster_parse_hhmm(time, &a.minute) < 0)
		return cmd_fail(r, CMD_INVALID, "time: expected HH:MM, got '%.20s'", time);
	return cmd_correction_add(ctx, &a, r);
}
