/*
 * cmd_roster_import.c — roster.import: replace the roster from a file
 * (stempelctl; the municipality's roster pull applies the same document through
 * roster_job_*()).  Validated whole first: a bad roster changes nothing and its
 * error names the place and what was expected.  Everyone is recomputed after.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "roster.h"
#include "roster_run.h"

/*
 * In the daemon: the roster is parsed, validated and applied off the command,
 * in ~15 ms steps on the loop (roster_run.c), so no tap waits behind a large
 * import.  stempelctl has validated the same text already (a bad field is named
 * at once); the roster in force sent again is answered here, writing nothing.
 */
static int
exec_in_steps(struct cmd_ctx *ctx, const struct cmd_roster_import_args *a, struct cmd_result *r)
{
	const char *src = a->source ? a->source : "roster";
	char hash[65], detail[384], err[512], dir[CONFIG_PATH_MAX] = "";
	size_t len = a->text ? strlen(a->text) : 0;

	if (a->text == NULL) {
		/* A file too large for one request: the thread reads it (roster_run.c). */
		if (config_regime_dir(ctx->env->cfg, dir, sizeof(dir)) < 0)
			return cmd_fail(r, CMD_INVALID, "%.200s: no regime directory found", src);
		snprintf(detail, sizeof(detail), "%.200s: read by the daemon, applied in steps",
		         src);
		if (cmd_audit(ctx, r, detail) < 0)
			return -1;
		if (roster_run_start_file(ctx->env->roster_run, a->path, dir, src, err,
		                          sizeof(err)) < 0)
			return cmd_fail(r, CMD_FAILED, "%.200s: %s", src, err);
		snprintf(r->msg, sizeof(r->msg),
		         "roster accepted: %.200s; the daemon reads it and "
		         "applies it in steps (its log says when it is done)",
		         src);
		return 0;
	}
	roster_text_hash(a->text, len, hash);
	if (roster_hash_in_force(hash, ctx->st)) {
		snprintf(detail, sizeof(detail), "%.200s: unchanged", src);
		if (cmd_audit(ctx, r, detail) < 0)
			return -1;
		snprintf(r->msg, sizeof(r->msg),
		         "roster unchanged: it is the roster in force; "
		         "nothing written");
		return 0;
	}
	if (config_regime_dir(ctx->env->cfg, dir, sizeof(dir)) < 0)
		return cmd_fail(r, CMD_INVALID, "%.200s: no regime directory found", src);
	snprintf(detail, sizeof(detail), "%.200s: %zu bytes, applied in steps", src, len);
	if (cmd_audit(ctx, r, detail) < 0)
		return -1;
	if (roster_run_start_text(ctx->env->roster_run, a->text, len, dir, src, err, sizeof(err)) <
	    0)
		return cmd_fail(r, CMD_FAILED, "%.200s: %s", src, err);
	snprintf(r->msg, sizeof(r->msg),
	         "roster accepted: %.200s; the daemon applies it in steps "
	         "(its log says when it is done)",
	         src);
	return 0;
}

static int
exec(struct cmd_ctx *ctx, const void *args, struct cmd_result *r)
{
	const struct cmd_roster_import_args *a = args;
	struct roster_stats st;
	struct roster *ro;
	char err[1024], detail[384], dir[CONFIG_PATH_MAX] = "";

	if (a->text == NULL && a->path == NULL)
		return cmd_fail(
		    r, CMD_INVALID, "%s",
		    "text: required (the roster's JSON; or path: a file the daemon reads)");
	if (ctx->env->roster_run)
		return exec_in_steps(ctx, a, r);
	if (a->text == NULL) {
		/* Offline with a path: read here, then as if it had been sent. */
		struct cmd_roster_import_args b = *a;
		size_t len;
		char *text = roster_read_file(a->path, &len, err, sizeof(err));
		int rc;

		if (text == NULL)
			return cmd_fail(r, CMD_INVALID, "%s", err);
		b.text = text;
		rc = exec(ctx, &b, r);
		free(text);
		return rc;
	}
	if (roster_parse(a->text, strlen(a->text), &ro, err, sizeof(err)) < 0)
		return cmd_fail(r, CMD_INVALID, "%s: %s", a->source ? a->source : "roster", err);
	if (config_regime_dir(ctx->env->cfg, dir, sizeof(dir)) < 0 ||
	    roster_check_refs(ro, dir, err, sizeof(err)) < 0) {
		roster_free(ro);
		return cmd_fail(r, CMD_INVALID, "%s: %s", a->source ? a->source : "roster",
		                dir[0] ? err : "no regime directory found");
	}
	if (roster_apply_in_txn(ro, ctx->st, ctx->env->key, &st, err, sizeof(err)) < 0) {
		roster_free(ro);
		return cmd_fail(r, CMD_FAILED, "%s: %s", a->source ? a->source : "roster", err);
	}
	roster_free(ro);
	if (st.unchanged) {
		/* The roster in force again: nothing written, and the audit says so. */
		snprintf(detail, sizeof(detail), "%.200s: unchanged",
		         a->source ? a->source : "roster");
		if (cmd_audit(ctx, r, detail) < 0)
			return -1;
		snprintf(r->msg, sizeof(r->msg),
		         "roster unchanged: it is the roster in force; "
		         "nothing written");
		return 0;
	}
	snprintf(detail, sizeof(detail),
	         "%.200s: %d participants, %d cards, %d absences, %d card "
	         "conflicts",
	         a->source ? a->source : "roster", st.participants, st.cards, st.absences,
	         st.card_conflicts);
	if (cmd_audit(ctx, r, detail) < 0)
		return -1;
	/* Everyone is refreshed; roster.c deleted the saved states of what it changed. */
	cmd_changed(ctx,
	            CMD_CHANGED_ATTENDANCE | CMD_CHANGED_CARDS | CMD_CHANGED_PEOPLE |
	                CMD_CHANGED_STATES_KEPT,
	            0, "");
	snprintf(r->msg, sizeof(r->msg),
	         "roster imported: %d participants, %d cards, %d absences, "
	         "%d G values, %d closure days%s",
	         st.participants, st.cards, st.absences, st.g_values, st.closures,
	         st.card_conflicts ? "; cards changed on this kiosk that the roster contradicts "
	                             "are kept (conflicts on the board and in /healthz)"
	                           : "");
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

	if (cmd_arg_str(args, "text", 0, &a.text, r) < 0 ||
	    cmd_arg_str(args, "path", 0, &a.path, r) < 0 ||
	    cmd_arg_str(args, "source", 0, &a.source, r) < 0)
		return -1;
	return cmd_roster_import(ctx, &a, r);
}
