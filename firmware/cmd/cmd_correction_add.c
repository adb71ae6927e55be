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
	const struct cmd_correction_args *a = args;
	struct attendance_correction c = {.action = "add",
	                                  .tap_id = a->tap_id,
	                                  .date = a->date,
	                                  .minute = a->minute,
	                                  .direction = a->direction,
	                                  .reason = a->reason};
	struct store_participant p;
	struct attendance_write w = {0};
	char err[512], uuid[40];
	int rc;

	if (ctx->env->att == NULL)
		return cmd_fail(r, CMD_FAILED, "%s", "correction: attendance is not loaded");
	if (a->participant == NULL ||
	    (rc = store_participant_by_ext(ctx->st, a->participant, &p)) == 1)
		return cmd_fail(r, CMD_NOT_FOUND, "participant '%.40s': no such participant",
		                a->participant ? a->participant : "");
	if (rc < 0)
		return cmd_fail_db(ctx, r, "participant");
	c.participant_id = p.id;
	if (attendance_correct_tap(ctx->env->att, &c, ctx->actor, uuid, &w, err, sizeof(err)) < 0)
		return cmd_fail_err(r, err);
	rc = cmd_audit_json(ctx, r, w.detail);
	if (rc == 0)
		rc = cmd_event(ctx, r, w.event_type, w.ext_id, json_incref(w.detail));
	json_decref(w.detail);
	if (rc < 0)
		return -1;
	cmd_changed(ctx, CMD_CHANGED_ATTENDANCE, w.pid, w.from);
	snprintf(r->msg, sizeof(r->msg), "%s", uuid);
	r->data = json_pack("{s:s}", "correction", uuid);
	return 0;
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
