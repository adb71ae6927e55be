/*
 * cmd_absence_register.c — absence.register: a teacher (board), a clerk or an
 * administrator (stempelctl) registers an absence.  The rules (category, dates,
 * part-day times, documentation) are attendance.c's; the row, its audit entry and
 * its "absence" outbox event commit together; the participant is recomputed after.
 */
#include <stdio.h>
#include <stdlib.h>

#include "attendance.h"
#include "cmd.h"
#include "roster.h"
#include "store.h"

static int
exec(struct cmd_ctx *ctx, const void *args, struct cmd_result *r)
{
	const struct cmd_absence_register_args *a = args;
	struct store_absence_row abs = {.start_min = -1, .end_min = -1};
	struct store_participant p;
	struct attendance_write w = {0};
	char err[512];
	int rc;

	if (ctx->env->att == NULL)
		return cmd_fail(r, CMD_FAILED, "%s", "absence: attendance is not loaded");
	if (a->participant == NULL ||
	    (rc = store_participant_by_ext(ctx->st, a->participant, &p)) == 1)
		return cmd_fail(r, CMD_NOT_FOUND, "participant '%.40s': no such participant",
		                a->participant ? a->participant : "");
	if (rc < 0)
		return cmd_fail_db(ctx, r, "participant");
	if ((a->start || a->end) &&
	    (!a->start || !a->end || roster_parse_hhmm(a->start, &abs.start_min) < 0 ||
	     roster_parse_hhmm(a->end, &abs.end_min) < 0))
		return cmd_fail(r, CMD_INVALID, "%s", "start, end: expected both, as HH:MM");
	abs.a.participant_id = p.id;
	snprintf(abs.a.category, sizeof(abs.a.category), "%s", a->category ? a->category : "");
	snprintf(abs.a.from_date, sizeof(abs.a.from_date), "%s", a->from ? a->from : "");
	snprintf(abs.a.to_date, sizeof(abs.a.to_date), "%s",
	         a->to && *a->to ? a->to
	         : a->from       ? a->from
	                         : "");
	snprintf(abs.a.documentation, sizeof(abs.a.documentation), "%s",
	         a->documentation ? a->documentation : "");
	snprintf(abs.a.comment, sizeof(abs.a.comment), "%s", a->comment ? a->comment : "");
	if (attendance_register_absence(ctx->env->att, &abs, ctx->actor, &w, err, sizeof(err)) < 0)
		return cmd_fail_err(r, err);
	rc = cmd_audit_json(ctx, r, w.detail);
	if (rc == 0)
		rc = cmd_event(ctx, r, w.event_type, w.ext_id, json_incref(w.detail));
	json_decref(w.detail);
	if (rc < 0)
		return -1;
	cmd_changed(ctx, CMD_CHANGED_ATTENDANCE, w.pid, w.from);
	snprintf(r->msg, sizeof(r->msg), "%s", abs.a.uuid);
	r->data = json_pack("{s:s}", "absence", abs.a.uuid);
	return 0;
}

int
cmd_absence_register(struct cmd_ctx *ctx, const struct cmd_absence_register_args *a,
                     struct cmd_result *r)
{
	return cmd_txn(ctx, "absence.register", exec, a, r);
}

int
cmd_absence_register_json(struct cmd_ctx *ctx, json_t *args, struct cmd_result *r)
{
	struct cmd_absence_register_args a;

	if (cmd_arg_str(args, "participant", 1, &a.participant, r) < 0 ||
	    cmd_arg_str(args, "category", 1, &a.category, r) < 0 ||
	    cmd_arg_str(args, "from", 1, &a.from, r) < 0 ||
	    cmd_arg_str(args, "to", 0, &a.to, r) < 0 ||
	    cmd_arg_str(args, "start", 0, &a.start, r) < 0 ||
	    cmd_arg_str(args, "end", 0, &a.end, r) < 0 ||
	    cmd_arg_str(args, "documentation", 0, &a.documentation, r) < 0 ||
	    cmd_arg_str(args, "comment", 0, &a.comment, r) < 0)
		return -1;
	return cmd_absence_register(ctx, &a, r);
}
