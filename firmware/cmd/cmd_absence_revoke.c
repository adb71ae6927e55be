/*
 * cmd_absence_revoke.c — absence.revoke: withdraw a registered absence, with a
 * reason.  The row stays, marked revoked; an "absence_revoked" event tells the
 * municipality; the participant is recomputed from the absence's first day.
 */
#include <stdio.h>

#include "attendance.h"
#include "cmd.h"

static int
exec(struct cmd_ctx *ctx, const void *args, struct cmd_result *r)
{
	const struct cmd_absence_revoke_args *a = args;
	struct attendance_write w = {0};
	char err[512] = "";
	int rc;

	if (ctx->env->att == NULL)
		return cmd_fail(r, CMD_FAILED, "%s", "absence: attendance is not loaded");
	if (a->absence == NULL || !*a->absence)
		return cmd_fail(r, CMD_INVALID, "%s", "absence: expected the absence's id");
	rc = attendance_revoke_absence(ctx->env->att, a->absence, ctx->actor, a->reason, &w, err,
	                               sizeof(err));
	if (rc < 0)
		return cmd_fail_err(r, err);
	if (rc == 1)
		return cmd_fail(r, CMD_NOT_FOUND,
		                "absence %.40s: no such absence, or already revoked", a->absence);
	rc = cmd_audit_json(ctx, r, w.detail);
	if (rc == 0)
		rc = cmd_event(ctx, r, w.event_type, w.ext_id, json_incref(w.detail));
	json_decref(w.detail);
	if (rc < 0)
		return -1;
	cmd_changed(ctx, CMD_CHANGED_ATTENDANCE, w.pid, w.from);
	snprintf(r->msg, sizeof(r->msg), "absence %s revoked", a->absence);
	return 0;
}

int
cmd_absence_revoke(struct cmd_ctx *ctx, const struct cmd_absence_revoke_args *a,
                   struct cmd_result *r)
{
	return cmd_txn(ctx, "absence.revoke", exec, a, r);
}

int
cmd_absence_revoke_json(struct cmd_ctx *ctx, json_t *args, struct cmd_result *r)
{
	struct cmd_absence_revoke_args a;

	if (cmd_arg_str(args, "absence", 1, &a.absence, r) < 0 ||
	    cmd_arg_str(args, "reason", 1, &a.reason, r) < 0)
		return -1;
	return cmd_absence_revoke(ctx, &a, r);
}
