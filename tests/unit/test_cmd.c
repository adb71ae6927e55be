/*
 * test_cmd.c — the command layer (firmware/cmd/): one transaction per command,
 * exactly one audit entry under the command's name with the actor, nothing
 * written when a command is refused, sqlite's own message when the store fails
 * (copied before the rollback), the after-COMMIT notification, and the JSON table
 * the control socket dispatches on.
 */
#include "attendance_fixture.h"

static int
count(struct afx *f, const char *sql)
{
	return (int)afx_sql(f, sql);
}

static int
run_json(struct afx *f, const char *who, const char *name, const char *args, struct cmd_result *r)
{
	json_t *j = json_loads(args, 0, NULL);
	struct cmd_ctx ctx;
	int rc;

	cmd_ctx_init(&ctx, &f->env, who);
	rc = cmd_dispatch(&ctx, name, j, r);
	json_decref(j);
	return rc;
}

static void
test_enroll_audited_once(void **state)
{
	struct afx *f = *state;
	struct cmd_result r;

	afx_participant(f, "P-1", "2026-01-05", 480, 930, 0);
	assert_int_equal(
	    run_json(f, "cli:kari", "card.enroll",
	             "{\"card\":\"hmac:"
	             "0000000000000000000000000000000000000000000000000000000000000007\","
	             "\"participant\":\"P-1\"}",
	             &r),
	    0);
	assert_int_equal(r.status, CMD_OK);
	assert_non_null(strstr(r.msg, "P-1"));
	cmd_result_free(&r);
	assert_int_equal(count(f, "SELECT count(*) FROM cards WHERE revoked = 0"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = 'card.enroll'"
	                          " AND who = 'cli:kari'"),
	                 1);
	assert_int_equal(count(f, "SELECT count(*) FROM audit"), 1);
	/* Told the loop: the cards changed. */
	assert_true(f->changed.what & CMD_CHANGED_CARDS);
}

static void
test_refused_writes_nothing(void **state)
{
	struct afx *f = *state;
	struct cmd_result r;
	int told = f->n_changed;

	afx_participant(f, "P-1", "2026-01-05", 480, 930, 0);
	assert_int_equal(run_json(f, "cli:kari", "card.enroll",
	                          "{\"uid\":\"04A1B2C3\",\"participant\":\"P-404\"}", &r),
	                 -1);
	/* No device key in this env: a UID cannot be keyed, and that is the first check. */
	assert_int_equal(r.status, CMD_FAILED);
	assert_int_equal(run_json(f, "cli:kari", "card.enroll",
	                          "{\"card\":\"hmac:XYZ\",\"participant\":\"P-1\"}", &r),
	                 -1);
	assert_int_equal(r.status, CMD_INVALID);
	assert_non_null(strstr(r.msg, "hmac:"));
	assert_int_equal(
	    run_json(f, "cli:kari", "card.enroll",
	             "{\"card\":\"hmac:"
	             "0000000000000000000000000000000000000000000000000000000000000001\","
	             "\"participant\":\"P-404\"}",
	             &r),
	    -1);
	assert_int_equal(r.status, CMD_NOT_FOUND);
	assert_int_equal(
	    run_json(f, "cli:kari", "g.add", "{\"from\":\"2026-13-01\",\"amount\":\"1\"}", &r), -1);
	assert_int_equal(r.status, CMD_INVALID);
	assert_non_null(strstr(r.msg, "date"));
	assert_int_equal(run_json(f, "cli:kari", "no.such", "{}", &r), -1);
	assert_int_equal(r.status, CMD_INVALID);
	assert_int_equal(run_json(f, "cli:kari", "g.add", "{\"from\":42}", &r), -1);
	assert_int_equal(r.status, CMD_INVALID);
	assert_non_null(strstr(r.msg, "from: expected a string"));
	assert_int_equal(count(f, "SELECT count(*) FROM audit"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM cards"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM g_values"), 0);
	assert_int_equal(f->n_changed, told);
}

/* A command body that writes but forgets its audit entry: refused, rolled back. */
static int
no_audit(struct cmd_ctx *ctx, const void *args, struct cmd_result *r)
{
	return store_g_set(ctx->st, "2026-01-01", 1000) < 0 ? cmd_fail_db(ctx, r, "G") : 0;
}

static int
two_audits(struct cmd_ctx *ctx, const void *args, struct cmd_result *r)
{
	if (cmd_audit(ctx, r, "one") < 0 || cmd_audit(ctx, r, "two") < 0)
		return -1;
	return store_g_set(ctx->st, "2026-01-01", 1000) < 0 ? cmd_fail_db(ctx, r, "G") : 0;
}

static void
test_exactly_one_audit_entry(void **state)
{
	struct afx *f = *state;
	struct cmd_result r;
	struct cmd_ctx ctx;

	cmd_ctx_init(&ctx, &f->env, "cli:test");
	assert_int_equal(cmd_txn(&ctx, "test.none", no_audit, NULL, &r), -1);
	assert_int_equal(r.status, CMD_FAILED);
	assert_non_null(strstr(r.msg, "audit"));
	assert_int_equal(cmd_txn(&ctx, "test.two", two_audits, NULL, &r), -1);
	assert_int_equal(count(f, "SELECT count(*) FROM g_values"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM audit"), 0);
}

/* The store fails: the user sees sqlite's own message, never "not an error". */
static void
test_store_failure_message(void **state)
{
	struct afx *f = *state;
	struct cmd_g_add_args g = {.from = "2026-05-01", .amount = "130160"};
	struct cmd_env env = f->env;
	struct cmd_result r;
	struct cmd_ctx ctx;
	struct store *ro;
	char err[256];

	assert_int_equal(store_open_readonly(&ro, f->db, err, sizeof(err)), 0);
	env.store = ro;
	cmd_ctx_init(&ctx, &env, "cli:test");
	assert_int_equal(cmd_g_add(&ctx, &g, &r), -1);
	assert_int_equal(r.status, CMD_FAILED);
	assert_non_null(strstr(r.msg, "readonly database"));
	assert_null(strstr(r.msg, "not an error"));
	store_close(ro);
	assert_int_equal(count(f, "SELECT count(*) FROM g_values"), 0);
}

static void
test_changes_merge(void **state)
{
	struct afx *f = *state;
	struct cmd_ctx ctx;

	cmd_ctx_init(&ctx, &f->env, "x");
	cmd_changed(&ctx, CMD_CHANGED_ATTENDANCE, 5, "2026-03-10");
	cmd_changed(&ctx, CMD_CHANGED_CARDS, 5, "2026-03-02");
	cmd_changed(&ctx, CMD_CHANGED_ATTENDANCE, 6, NULL);
	assert_int_equal(ctx.nchanges, 2);
	assert_int_equal(ctx.changes[0].what, CMD_CHANGED_ATTENDANCE | CMD_CHANGED_CARDS);
	assert_string_equal(ctx.changes[0].from, "2026-03-02");
	assert_string_equal(ctx.changes[1].from, "");
	for (int i = 0; i < CMD_CHANGES_MAX + 1; i++)
		cmd_changed(&ctx, CMD_CHANGED_ATTENDANCE, 100 + i, "2026-01-01");
	/* More than tracked: everyone, from the first date. */
	assert_int_equal(ctx.nchanges, 1);
	assert_int_equal(ctx.changes[0].pid, 0);
	assert_string_equal(ctx.changes[0].from, "");
}

/* Every name in the table answers, and an empty object is refused with a field name. */
static void
test_table_names(void **state)
{
	struct afx *f = *state;
	static const char *const names[] = {
	    "absence.register", "absence.revoke",    "card.enroll",   "card.revoke",
	    "correction.add",   "correction.remove", "g.add",         "kiosk.init",
	    "participant.add",  "period.close",      "roster.import", "service_date.set",
	    "token.create",     "token.revoke",      "user.add",      "user.disable",
	    "user.enable",      "user.passwd"};
	struct cmd_result r;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_non_null(cmd_find(names[i]));
		if (strcmp(names[i], "card.revoke") == 0)
			continue; /* card or uid: its own message below */
		assert_int_equal(run_json(f, "cli:t", names[i], "{}", &r), -1);
		assert_int_equal(r.status, CMD_INVALID);
		assert_non_null(strstr(r.msg, "required"));
	}
	assert_int_equal(run_json(f, "cli:t", "card.revoke", "{}", &r), -1);
	assert_int_equal(r.status, CMD_INVALID);
	assert_int_equal(count(f, "SELECT count(*) FROM audit"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_enroll_audited_once, afx_setup, afx_teardown),
	    cmocka_unit_test_setup_teardown(test_refused_writes_nothing, afx_setup, afx_teardown),
	    cmocka_unit_test_setup_teardown(test_exactly_one_audit_entry, afx_setup, afx_teardown),
	    cmocka_unit_test_setup_teardown(test_store_failure_message, afx_setup, afx_teardown),
	    cmocka_unit_test_setup_teardown(test_changes_merge, afx_setup, afx_teardown),
	    cmocka_unit_test_setup_teardown(test_table_names, afx_setup, afx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
