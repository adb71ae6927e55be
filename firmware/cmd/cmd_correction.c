/*
 * cmd_correction.c — what correction.add and correction.remove share.  Taps are
 * never edited: a correction row is kept beside them (attendance.c), audited, sent
 * as a "correction" event, and the participant's day is recomputed from its date.
 */
#include <stdio.h>

#include "attendance.h"
#include "cmd.h"
#include "store.h"

int
cmd_correction_exec(struct cmd_ctx *ctx, const struct cmd_correction_args *a, const char *action,
                    struct cmd_result *r)
{
	struct attendance_correction c = {.action = action,
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
