/*
 * cmd_period_close.c — period.close: freeze a pay period's stipend lines and days
 * (the payroll API, stempelctl).  Adjustments due from earlier periods are written
 * first, each in its own transaction, so they land in this period before it
 * freezes; then the freeze, its period_result events and the audit entry commit
 * together.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "log.h"
#include "period.h"

static int
exec(struct cmd_ctx *ctx, const void *args, struct cmd_result *r)
{
	const struct cmd_period_close_args *a = args;
	char err[512] = "", *detail = NULL;
	int rc;

	rc = period_close(ctx->env->period, a->id, ctx->actor,
	                  a->reason && *a->reason ? a->reason : "", &detail, err, sizeof(err));
	switch (rc) {
	case 0:
		break;
	case 1:
		return cmd_fail(r, CMD_NOT_FOUND, "period %lld: no such period", (long long)a->id);
	case 2:
		return cmd_fail(r, CMD_CONFLICT, "period %lld: already closed", (long long)a->id);
	case 3:
		return cmd_fail(r, CMD_CONFLICT, "period %lld: has not started yet",
		                (long long)a->id);
	case 4:
		/* Not ended: err ends with the local date and time from which it can close. */
		return cmd_fail(r, CMD_CONFLICT, "%s", err);
	default:
		return cmd_fail(r, strncmp(err, "database:", 9) ? CMD_INVALID : CMD_FAILED,
		                "period %lld: %s", (long long)a->id, err);
	}
	rc = cmd_audit(ctx, r, detail);
	free(detail);
	if (rc < 0)
		return -1;
	snprintf(r->msg, sizeof(r->msg), "period %lld closed", (long long)a->id);
	r->data = json_pack("{s:I}", "period", (json_int_t)a->id);
	return 0;
}

int
cmd_period_close(struct cmd_ctx *ctx, const struct cmd_period_close_args *a, struct cmd_result *r)
{
	char err[512];

	if (ctx->env->period == NULL) {
		memset(r, 0, sizeof(*r));
		return cmd_fail(r, CMD_FAILED, "%s", "period: pay periods are not loaded");
	}
	/* Adjustments due from earlier periods belong in this one, before it freezes. */
	if (period_reconcile(ctx->env->period, 0, "", NULL, err, sizeof(err)) < 0)
		log_warn("period: adjustments before closing %lld: %s", (long long)a->id, err);
	return cmd_txn(ctx, "period.close", exec, a, r);
}

int
cmd_period_close_json(struct cmd_ctx *ctx, json_t *args, struct cmd_result *r)
{
	struct cmd_period_close_args a;
	long long id = 0;

	if (cmd_arg_int(args, "id", 1, &id, r) < 0 ||
	    cmd_arg_str(args, "reason", 0, &a.reason, r) < 0)
		return -1;
	a.id = id;
	return cmd_period_close(ctx, &a, r);
}
