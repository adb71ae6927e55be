/*
 * cmd_roster_import.c — roster.import: replace the roster from a file
 * (stempelctl; the municipality's roster pull applies the same document through
 * roster_apply()).  Validated whole first: a bad roster changes nothing and its
 * error names the place and what was expected.  Everyone is recomputed after.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "roster.h"

static int
exec(struct cmd_ctx *ctx, const void *args, struct cmd_result *r)
{
	const struct cmd_roster_import_args *a = args;
	struct roster_stats st;
	struct roster *ro;
	char err[1024], detail[384];

	if (a->text == NULL)
		return cmd_fail(r, CMD_INVALID, "%s", "roster: expected the roster's JSON text");
	if (roster_parse(a->text, strlen(a->text), &ro, err, sizeof(err)) < 0)
		return cmd_fail(r, CMD_INVALID, "%s: %s", a->source ? a->source : "roster", err);
	if (roster_apply_in_txn(ro, ctx->st, ctx->env->key, &st, err, sizeof(err)) < 0) {
		roster_free(ro);
		return cmd_fail(r, CMD_FAILED, "%s: %s", a->source ? a->source : "roster", err);
	}
	roster_free(ro);
	snprintf(detail, sizeof(detail), "%.200s: %d participants, %d cards, %d absences",
	         a->source ? a->source : "roster", st.participants, st.cards, st.absences);
	if (cmd_audit(ctx, r, detail) < 0)
		return -1;
	cmd_changed(ctx, CMD_CHANGED_ATTENDANCE | CMD_CHANGED_CARDS | CMD_CHANGED_PEOPLE, 0, "");
	snprintf(r->msg, sizeof(r->msg),
	         "roster imported: %d participants, %d cards, %d absences, "
	         "%d G values, %d closure days",
	         st.participants, st.cards, st.absences, st.g_values, st.closures);
	return 0;
}

int
cmd_roster_import(struct cmd_ctx *ctx, const struct cmd_roster_import_args *a, struct cmd_result *r)
{
	return cmd_txn(ctx, "roster.import", exec, a, r);
}

int
cmd_roster_import_json(struct cmd_ctx *ctx, json_t *args, struct cmd_result *r)
{
	struct cmd_roster_import_args a;

	if (cmd_arg_str(args, "text", 1, &a.text, r) < 0 ||
	    cmd_arg_str(args, "source", 0, &a.source, r) < 0)
		return -1;
	return cmd_roster_import(ctx, &a, r);
}
