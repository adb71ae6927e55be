/*
 * cmd_absence_update.c — absence.update: correct a registered absence (a wrong
 * category, a date off by one).  The old absence is withdrawn with the reason and
 * the corrected one registered, in one transaction with one audit entry; the
 * municipality gets "absence_revoked" and "absence" events, as for the two steps.
 */
#include <stdio.h>
#include <string.h>

#include "attendance.h"
#include "cmd.h"
#include "roster.h"
#include "store.h"

static int
exec(struct cmd_ctx *ctx, const void *args, struct cmd_result *r)
{
	const struct cmd_absence_update_args *a = args;
	const struct cmd_absence_register_args *n = &a->now;
	struct store_absence_row old, abs = {.start_min = -1, .end_min = -1};
	struct store_participant p;
	struct attendance_write wr = {0}, wa = {0};
	char err[512], from[11];
	json_t *detail;
	int rc;

	if (ctx->env->att == NULL)
		return cmd_fail(r, CMD_FAILED, "%s", "absence: attendance is not loaded");
	if (a->absence == NULL || !*a->absence)
		return cmd_fail(r, CMD_INVALID, "%s", "absence: expected the absence's id");
	if (a->reason == NULL || !*a->reason || strlen(a->reason) > 250)
		return cmd_fail(r, CMD_INVALID, "%s", "reason: required, at most 250 characters");
	if ((rc = store_absence_find(ctx->st, a->absence, &old)) < 0)
		return cmd_fail_db(ctx, r, "absence");
	if (rc == 1 || old.revoked)
		return cmd_fail(r, CMD_NOT_FOUND,
		                "absence %.40s: no such absence, or already revoked", a->absence);
	if (store_participant_get(ctx->st, old.a.participant_id, &p) != 0)
		return cmd_fail_db(ctx, r, "participant");
	if (n->participant && *n->participant && strcmp(n->participant, p.ext_id))
		return cmd_fail(r, CMD_INVALID, "participant: the absence belongs to %s", p.ext_id);
	if ((n->start || n->end) &&
	    (!n->start || !n->end || roster_parse_hhmm(n->start, &abs.start_min) < 0 ||
	     roster_parse_hhmm(n->end, &abs.end_min) < 0))
		return cmd_fail(r, CMD_INVALID, "%s", "start, end: expected both, as HH:MM");
	abs.a.participant_id = p.id;
	snprintf(abs.a.category, sizeof(abs.a.category), "%s", n->category ? n->category : "");
	snprintf(abs.a.from_date, sizeof(abs.a.from_date), "%s", n->from ? n->from : "");
	snprintf(abs.a.to_date, sizeof(abs.a.to_date), "%s",
	         n->to && *n->to ? n->to
	         : n->from       ? n->from
	                         : "");
	snprintf(abs.a.documentation, sizeof(abs.a.documentation), "%s",
	         n->documentation ? n->documentation : "");
	snprintf(abs.a.comment, sizeof(abs.a.comment), "%s", n->comment ? n->comment : "");
	rc = attendance_revoke_absence(ctx->env->att, a->absence, ctx->actor, a->reason, &wr, err,
	                               sizeof(err));
	if (rc < 0)
		return cmd_fail_err(r, err);
	if (rc == 1)
		return cmd_fail(r, CMD_NOT_FOUND,
		                "absence %.40s: no such absence, or already revoked", a->absence);
	if (attendance_register_absence(ctx->env->att, &abs, ctx->actor, &wa, err, sizeof(err)) <
	    0) {
		json_decref(wr.detail);
		return cmd_fail_err(r, err);
	}
	detail = json_pack("{s:s, s:O, s:O}", "reason", a->reason, "revoked", wr.detail,
	                   "registered", wa.detail);
	rc = detail ? cmd_audit_json(ctx, r, detail)
	            : cmd_fail(r, CMD_FAILED, "%s", "out of memory");
	json_decref(detail);
	if (rc == 0)
		rc = cmd_event(ctx, r, wr.event_type, wr.ext_id, json_incref(wr.detail));
	if (rc == 0)
		rc = cmd_event(ctx, r, wa.event_type, wa.ext_id, json_incref(wa.detail));
	json_decref(wr.detail);
	json_decref(wa.detail);
	if (rc < 0)
		return -1;
	/* Recompute from the earlier of the two first days. */
	snprintf(from, sizeof(from), "%s", strcmp(wr.from, wa.from) < 0 ? wr.from : wa.from);
	cmd_changed(ctx, CMD_CHANGED_ATTENDANCE, p.id, from);
	snprintf(r->msg, sizeof(r->msg), "%s", abs.a.uuid);
	r->data = json_pack("{s:s, s:s}", "absence", abs.a.uuid, "replaces", a->absence);
	return 0;
}

int
cmd_absence_update(struct cmd_ctx *ctx, const struct cmd_absence_update_args *a,
                   struct cmd_result *r)
{
	return cmd_txn(ctx, "absence.update", exec, a, r);
}

int
cmd_absence_update_json(struct cmd_ctx *ctx, json_t *args, struct cmd_result *r)
{
	struct cmd_absence_update_args a = {0};

	if (cmd_arg_str(args, "absence", 1, &a.absence, r) < 0 ||
	    cmd_arg_str(args, "reason", 1, &a.reason, r) < 0 ||
	    cmd_arg_str(args, "participant", 0, &a.now.participant, r) < 0 ||
	    cmd_arg_str(args, "category", 1, &a.now.category, r) < 0 ||
	    cmd_arg_str(args, "from", 1, &a.now.from, r) < 0 ||
	    cmd_arg_str(args, "to", 0, &a.now.to, r) < 0 ||
	    cmd_arg_str(args, "start", 0, &a.now.start, r) < 0 ||
	    cmd_arg_str(args, "end", 0, &a.now.end, r) < 0 ||
	    cmd_arg_str(args, "documentation", 0, &a.now.documentation, r) < 0 ||
	    cmd_arg_str(args, "comment", 0, &a.now.comment, r) < 0)
		return -1;
	return cmd_absence_update(ctx, &a, r);
}
