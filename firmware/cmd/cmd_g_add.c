/*
 * cmd_g_add.c — g.add: the base amount G (whole kroner) from a date.  Every day
 * from that date may change and so may closed pay periods: after COMMIT everyone
 * is recomputed from the date, and the differences become adjustment lines.
 */
#include <stdio.h>

#include "cmd.h"
#include "roster.h"
#include "rules/rules.h"
#include "store.h"

static int
exec(struct cmd_ctx *ctx, const void *args, struct cmd_result *r)
{
	const struct cmd_g_add_args *a = args;
	char detail[128];
	int64_t ore;

	if (a->from == NULL || roster_valid_date(a->from) < 0)
		return cmd_fail(r, CMD_INVALID, "date: expected YYYY-MM-DD, got '%.20s'",
		                a->from ? a->from : "");
	/* G is whole kroner: "130160" or "130160.00". */
	if (a->amount == NULL || rules_ore_parse(a->amount, &ore) < 0 || ore <= 0 ||
	    ore % 100 != 0 || ore > 100000000LL * 100)
		return cmd_fail(r, CMD_INVALID,
		                "amount: expected whole kroner such as 130160, got '%.30s'",
		                a->amount ? a->amount : "");
	if (store_g_set(ctx->st, a->from, ore / 100) < 0)
		return cmd_fail_db(ctx, r, "G");
	snprintf(detail, sizeof(detail), "{\"from\":\"%s\",\"amount\":%lld}", a->from,
	         (long long)(ore / 100));
	if (cmd_audit(ctx, r, detail) < 0)
		return -1;
	cmd_changed(ctx, CMD_CHANGED_ATTENDANCE, 0, a->from);
	snprintf(r->msg, sizeof(r->msg), "G %lld from %s saved", (long long)(ore / 100), a->from);
	return 0;
}

int
cmd_g_add(struct cmd_ctx *ctx, const struct cmd_g_add_args *a, struct cmd_result *r)
{
	return cmd_txn(ctx, "g.add", exec, a, r);
}

int
cmd_g_add_json(struct cmd_ctx *ctx, json_t *args, struct cmd_result *r)
{
	struct cmd_g_add_args a;

	if (cmd_arg_str(args, "from", 1, &a.from, r) < 0 ||
	    cmd_arg_str(args, "amount", 1, &a.amount, r) < 0)
		return -1;
	return cmd_g_add(ctx, &a, r);
}
