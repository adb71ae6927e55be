/*
 * cmd_service_date.c — service_date.set: the first day whose day results are
 * stored and sent (attendance results-from).  The daemon's first trusted start
 * sets it by itself; an administrator moves it when the kiosk went into service
 * on another day.
 */
#include <stdio.h>

#include "attendance.h"
#include "cmd.h"
#include "roster.h"

static int
exec(struct cmd_ctx *ctx, const void *args, struct cmd_result *r)
{
	const struct cmd_service_date_args *a = args;
	char old[11] = "", detail[96], err[256];

	if (ctx->env->att == NULL)
		return cmd_fail(r, CMD_FAILED, "%s", "service date: attendance is not loaded");
	if (a->date == NULL || roster_valid_date(a->date) < 0)
		return cmd_fail(r, CMD_INVALID, "date: expected YYYY-MM-DD, got '%.20s'",
		                a->date ? a->date : "");
	if (attendance_results_from(ctx->env->att, old) < 0)
		return cmd_fail_db(ctx, r, "service date");
	if (attendance_set_results_from(ctx->env->att, a->date, 0, err, sizeof(err)) < 0)
		return cmd_fail_err(r, err);
	snprintf(detail, sizeof(detail), "{\"from\":\"%s\",\"was\":\"%s\"}", a->date, old);
	if (cmd_audit(ctx, r, detail) < 0)
		return -1;
	cmd_changed(ctx, CMD_CHANGED_ATTENDANCE, 0, "");
	snprintf(r->msg, sizeof(r->msg), "day results are kept from %s", a->date);
	return 0;
}

int
cmd_service_date(struct cmd_ctx *ctx, const struct cmd_service_date_args *a, struct cmd_result *r)
{
	return cmd_txn(ctx, "service_date.set", exec, a, r);
}

int
cmd_service_date_json(struct cmd_ctx *ctx, json_t *args, struct cmd_result *r)
{
	struct cmd_service_date_args a;

	if (cmd_arg_str(args, "date", 1, &a.date, r) < 0)
		return -1;
	return cmd_service_date(ctx, &a, r);
}
