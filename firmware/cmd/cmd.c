/*
 * cmd.c — runs commands: the one transaction per change (cmd_txn), the audit and
 * outbox helpers commands use inside it, the after-COMMIT notification, and the
 * name -> command table the control socket and stempelctl dispatch on.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "events.h"
#include "log.h"
#include "rules/rules.h"
#include "store.h"

/* Every command, by the name it is sent and audited under. */
static const struct cmd_entry table[] = {
    {"absence.register", cmd_absence_register_json},
    {"absence.revoke", cmd_absence_revoke_json},
    {"absence.update", cmd_absence_update_json},
    {"card.enroll", cmd_card_enroll_json},
    {"card.replace", cmd_card_replace_json},
    {"card.revoke", cmd_card_revoke_json},
    {"closure.add", cmd_closure_add_json},
    {"correction.add", cmd_correction_add_json},
    {"correction.remove", cmd_correction_remove_json},
    {"g.add", cmd_g_add_json},
    {"kiosk.init", cmd_kiosk_init_json},
    {"outbox.retry", cmd_outbox_retry_json},
    {"participant.add", cmd_participant_add_json},
    {"period.close", cmd_period_close_json},
    {"roster.import", cmd_roster_import_json},
    {"service_date.set", cmd_service_date_json},
    {"token.create", cmd_token_create_json},
    {"token.revoke", cmd_token_revoke_json},
    {"user.add", cmd_user_add_json},
    {"user.disable", cmd_user_disable_json},
    {"user.enable", cmd_user_enable_json},
    {"user.passwd", cmd_user_passwd_json},
};

void
cmd_ctx_init(struct cmd_ctx *ctx, const struct cmd_env *env, const char *actor)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->env = env;
	ctx->st = env->store;
	snprintf(ctx->actor, sizeof(ctx->actor), "%s", actor && *actor ? actor : "unknown");
}

void
cmd_result_free(struct cmd_result *r)
{
	json_decref(r->data);
	r->data = NULL;
}

int
cmd_fail(struct cmd_result *r, int status, const char *fmt, ...)
{
	va_list ap;

	r->status = status;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int
cmd_fail_db(struct cmd_ctx *ctx, struct cmd_result *r, const char *what)
{
	/* Read now: after ROLLBACK sqlite3_errmsg() says "not an error". */
	return cmd_fail(r, CMD_FAILED, "%s: %s", what, store_errmsg(ctx->st));
}

int
cmd_fail_err(struct cmd_result *r, const char *err)
{
	/* The modules' convention: a storage failure's message starts "database:". */
	return cmd_fail(r, strncmp(err, "database:", 9) == 0 ? CMD_FAILED : CMD_INVALID, "%s", err);
}

int
cmd_audit_json(struct cmd_ctx *ctx, struct cmd_result *r, json_t *detail)
{
	char *d = json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS);
	int rc;

	if (d == NULL)
		return cmd_fail(r, CMD_FAILED, "%s", "out of memory");
	rc = cmd_audit(ctx, r, d);
	free(d);
	return rc;
}

void
cmd_local_date(const struct cmd_ctx *ctx, char out[11])
{
	time_t secs = (time_t)(ctx->now.wall_ms / 1000);
	struct tm tm;

	localtime_r(&secs, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

int
cmd_audit(struct cmd_ctx *ctx, struct cmd_result *r, const char *detail)
{
	if (store_audit(ctx->st, ctx->actor, ctx->action, detail) < 0)
		return cmd_fail_db(ctx, r, "audit log");
	ctx->audits++;
	return 0;
}

int
cmd_event(struct cmd_ctx *ctx, struct cmd_result *r, const char *type, const char *participant,
          json_t *data)
{
	char id[40];
	char *ev = events_make(type, participant, data, id);
	int rc;

	if (ev == NULL)
		return cmd_fail(r, CMD_FAILED, "%s", "out of memory");
	rc = store_event_add(ctx->st, id, type, ev);
	free(ev);
	return rc < 0 ? cmd_fail_db(ctx, r, "outbox") : 0;
}

void
cmd_changed(struct cmd_ctx *ctx, unsigned what, int64_t pid, const char *from)
{
	struct cmd_change *c;

	/*
	 * Merge with an earlier change of the same participant, or into "everyone"
	 * (pid 0) once that is there: the earlier date wins.
	 */
	for (size_t i = 0; i < ctx->nchanges; i++) {
		c = &ctx->changes[i];
		if (c->pid == pid || c->pid == 0) {
			c->what |= what;
			if (from == NULL || !*from || (c->from[0] && strcmp(from, c->from) < 0))
				snprintf(c->from, sizeof(c->from), "%s", from ? from : "");
			return;
		}
	}
	if (ctx->nchanges == CMD_CHANGES_MAX) {
		/* More than we track: everyone from their first date is always right. */
		unsigned all = what;

		for (size_t i = 0; i < ctx->nchanges; i++)
			all |= ctx->changes[i].what;
		ctx->nchanges = 1;
		ctx->changes[0] = (struct cmd_change){.what = all};
		return;
	}
	c = &ctx->changes[ctx->nchanges++];
	*c = (struct cmd_change){.what = what, .pid = pid};
	snprintf(c->from, sizeof(c->from), "%s", from ? from : "");
}

struct run {
	struct cmd_ctx *ctx;
	cmd_exec_fn exec;
	const void *args;
	struct cmd_result *r;
};

/*
 * The saved quota states (store_results.c) after the date of each change to the
 * engine's inputs are stale: deleted before COMMIT, so the reports thread's
 * connection never reads one together with the new rows.
 */
static int
invalidate_states(struct cmd_ctx *ctx, struct cmd_result *r)
{
	for (size_t i = 0; i < ctx->nchanges; i++) {
		const struct cmd_change *c = &ctx->changes[i];
		int32_t after = INT32_MIN;

		if (!(c->what & CMD_CHANGED_ATTENDANCE) || (c->what & CMD_CHANGED_STATES_KEPT))
			continue;
		if (c->from[0] && rules_date_parse(c->from, &after) < 0)
			after = INT32_MIN; /* not a date: everything is safe */
		if (store_quota_state_delete_after(ctx->st, c->pid, after) < 0)
			return cmd_fail_db(ctx, r, "saved results");
	}
	return 0;
}

/* Inside the transaction: the command, then the one-audit-entry rule. */
static int
run_in_txn(struct store *s, void *arg, char *err, size_t errlen)
{
	struct run *x = arg;

	if (x->exec(x->ctx, x->args, x->r) < 0) {
		/* r->msg holds the reason (sqlite's own, copied by cmd_fail_db) */
		snprintf(err, errlen, "%s", x->r->msg);
		return -1;
	}
	if (x->ctx->audits != 1) {
		cmd_fail(x->r, CMD_FAILED, "%s: wrote %d audit entries, expected one (a bug)",
		         x->ctx->action, x->ctx->audits);
		snprintf(err, errlen, "%s", x->r->msg);
		return -1;
	}
	if (invalidate_states(x->ctx, x->r) < 0) {
		snprintf(err, errlen, "%s", x->r->msg);
		return -1;
	}
	return 0;
}

int
cmd_txn(struct cmd_ctx *ctx, const char *action, cmd_exec_fn exec, const void *args,
        struct cmd_result *r)
{
	struct run x = {ctx, exec, args, r};
	char err[sizeof(r->msg)];

	r->status = CMD_OK;
	r->msg[0] = '\0';
	r->data = NULL;
	ctx->action = action;
	ctx->audits = 0;
	ctx->nchanges = 0;
	clock_read(&ctx->now);
	/*
	 * BEGIN IMMEDIATE takes the write lock first, so the reads that validate the
	 * command see the rows its write changes; a tap waits for at most this one
	 * short transaction (the daemon is the only writer while it runs).
	 */
	if (store_txn(ctx->st, run_in_txn, &x, err, sizeof(err)) != 0) {
		if (r->status == CMD_OK) /* BEGIN or COMMIT failed: sqlite's message */
			cmd_fail(r, CMD_FAILED, "%s", err);
		/* store.c logged sqlite's failure where it happened; this is the user's view. */
		log_info("cmd: %s by %s refused: %s", action, ctx->actor, r->msg);
		cmd_result_free(r);
		return -1;
	}
	log_info("cmd: %s by %s: %s", action, ctx->actor, r->msg);
	if (ctx->env->changed)
		for (size_t i = 0; i < ctx->nchanges; i++)
			ctx->env->changed(ctx->env->changed_arg, &ctx->changes[i]);
	return 0;
}

const struct cmd_entry *
cmd_find(const char *name)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

int
cmd_dispatch(struct cmd_ctx *ctx, const char *name, json_t *args, struct cmd_result *r)
{
	const struct cmd_entry *e = cmd_find(name ? name : "");

	memset(r, 0, sizeof(*r));
	if (e == NULL)
		return cmd_fail(r, CMD_INVALID, "unknown command '%s'", name ? name : "");
	if (args != NULL && !json_is_object(args))
		return cmd_fail(r, CMD_INVALID, "%s: expected the arguments as a JSON object",
		                name);
	return e->json(ctx, args, r);
}

int
cmd_arg_str(json_t *args, const char *key, int required, const char **out, struct cmd_result *r)
{
	json_t *v = args ? json_object_get(args, key) : NULL;

	*out = NULL;
	if (v == NULL || json_is_null(v)) {
		if (required)
			return cmd_fail(r, CMD_INVALID, "%s: required", key);
		return 0;
	}
	if (!json_is_string(v))
		return cmd_fail(r, CMD_INVALID, "%s: expected a string", key);
	*out = json_string_value(v);
	return 0;
}

int
cmd_arg_int(json_t *args, const char *key, int required, long long *out, struct cmd_result *r)
{
	json_t *v = args ? json_object_get(args, key) : NULL;

	if (v == NULL || json_is_null(v)) {
		if (required)
			return cmd_fail(r, CMD_INVALID, "%s: required", key);
		return 0;
	}
	if (!json_is_integer(v))
		return cmd_fail(r, CMD_INVALID, "%s: expected a whole number", key);
	*out = json_integer_value(v);
	return 0;
}
