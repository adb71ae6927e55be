/*
 * test_rules_regime.c — regime files: the four shipped files load and carry every
 * parameter with its status; bad files fail with "file:line: [section] key: expected
 * ..."; effective-dated versions resolve by date; overrides (scenarios) work.
 */
#include "rules_fixture.h"

static const char *const shipped[] = {"no-integreringsloven", "no-introduksjonsloven",
                                      "no-kvalifiseringsprogram", "dk-integrationsprogram"};

static void
test_shipped_files(void **state)
{
	(void)state;
	struct rules_regime *r = calloc(1, sizeof *r);
	char err[512];
	for (int i = 0; i < 4; i++) {
		if (regime_load("board/regimes", shipped[i], r, err, sizeof err) < 0)
			fail_msg("%s", err);
		assert_string_equal(r->name, shipped[i]);
		for (int p = 0; p < RULES_P_COUNT; p++)
			assert_true(r->n_versions[p] >= 1);
		assert_int_equal(rules_regime_check(r, err, sizeof err), 0);
		/* The life of a day: final 60 minutes after the last session (default). */
		assert_int_equal(r->versions[RULES_P_SETTLE_MINUTES][0].num, 60);
		assert_false(r->versions[RULES_P_SETTLE_MINUTES][0].confirmed);
		assert_int_equal(rules_settle_minutes(r, rules_date(2025, 10, 13)), 60);
	}
	/* Norway: the G table of RULES.md; Denmark: none, and no quotas. */
	assert_int_equal(regime_load("board/regimes", "no-integreringsloven", r, err, sizeof err),
	                 0);
	assert_int_equal(r->n_g, 4);
	assert_int_equal(r->g[0].from, rules_date(2022, 5, 1));
	assert_int_equal(r->g[0].amount_ore, 11147700);
	assert_int_equal(r->g[3].amount_ore, 13016000);
	assert_string_equal(r->currency, "NOK");
	/* Defaults are marked unconfirmed, the law's numbers confirmed. */
	assert_false(r->versions[RULES_P_MISSING_OUT][0].confirmed);
	assert_false(r->versions[RULES_P_VACATION_DAYS_PER_YEAR][0].confirmed);
	assert_true(r->versions[RULES_P_SELF_DECLARED_MAX_DAYS][0].confirmed);
	assert_int_equal(r->versions[RULES_P_RATE_UNDER25_WITH_PARENTS][0].num * 3,
	                 r->versions[RULES_P_RATE_UNDER25_WITH_PARENTS][0].den);
	assert_int_equal(regime_load("board/regimes", "no-introduksjonsloven", r, err, sizeof err),
	                 0);
	assert_int_equal(r->versions[RULES_P_SICK_DAY_COUNT][0].num, RULES_COUNT_CALENDAR);
	assert_int_equal(regime_load("board/regimes", "dk-integrationsprogram", r, err, sizeof err),
	                 0);
	assert_int_equal(r->n_g, 0);
	assert_int_equal(r->holidays, RULES_HOLIDAYS_DK);
	assert_int_equal(r->versions[RULES_P_SELF_DECLARED_MAX_DAYS][0].den, 0); /* none */
	assert_int_equal(r->versions[RULES_P_MONTHLY_HOURS][0].num, 16033);
	assert_int_equal(r->versions[RULES_P_MONTHLY_HOURS][0].den, 100);
	assert_false(r->versions[RULES_P_MONTHLY_HOURS][0].confirmed);
	free(r);
}

static void
test_unknown_regime(void **state)
{
	(void)state;
	struct rules_regime *r = calloc(1, sizeof *r);
	char err[512];
	assert_int_equal(regime_load("board/regimes", "se-nope", r, err, sizeof err), -1);
	assert_non_null(strstr(err, "unknown regime \"se-nope\""));
	assert_int_equal(regime_load("board/regimes", "../etc/passwd", r, err, sizeof err), -1);
	assert_non_null(strstr(err, "not a regime name"));
	free(r);
}

/* A valid file made from the shipped one, with `from` replaced by `to`. */
static char *
variant(const char *from, const char *to)
{
	FILE *f = fopen("board/regimes/no-integreringsloven.ini", "r");
	assert_non_null(f);
	static char buf[65536];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	char *at = strstr(buf, from);
	assert_non_null(at);
	size_t lf = strlen(from), lt = strlen(to), rest = strlen(at + lf);
	char *out = malloc(n + lt + 1);
	memcpy(out, buf, (size_t)(at - buf));
	memcpy(out + (at - buf), to, lt);
	memcpy(out + (at - buf) + lt, at + lf, rest + 1);
	return out;
}

/* Line number of the first line of `text` containing `needle`. */
static int
line_of(const char *text, const char *needle)
{
	const char *at = strstr(text, needle);
	int line = 1;
	for (const char *p = text; p < at; p++)
		line += *p == '\n';
	return line;
}

/* Replace `from` by `to`; the error must contain `want` and, unless at_line is NULL,
 * start with "x.ini:N: " where N is the line of the text `at_line` in the new file. */
static void
expect_error(const char *from, const char *to, const char *want, const char *at_line)
{
	struct rules_regime *r = calloc(1, sizeof *r);
	char err[512], prefix[64];
	char *text = variant(from, to);
	assert_int_equal(regime_load_string(text, "x.ini", r, err, sizeof err), -1);
	if (!strstr(err, want))
		fail_msg("expected \"%s\" in \"%s\"", want, err);
	if (at_line) {
		snprintf(prefix, sizeof prefix, "x.ini:%d: ", line_of(text, at_line));
		if (strncmp(err, prefix, strlen(prefix)) != 0)
			fail_msg("expected \"%s\" at the start of \"%s\"", prefix, err);
	}
	free(text);
	free(r);
}

/* Ruling 7: the [g] lines in any order, an identical line twice harmless. */
static void
test_g_any_order(void **state)
{
	(void)state;
	struct rules_regime *r = calloc(1, sizeof *r);
	char err[512];
	char *text = variant("2022-05-01 = 111477", "2025-05-01 = 130160\n2022-05-01 = 111477");
	if (regime_load_string(text, "x.ini", r, err, sizeof err) < 0)
		fail_msg("%s", err);
	assert_int_equal(r->n_g, 4);
	assert_int_equal(r->g[0].from, rules_date(2022, 5, 1));
	assert_int_equal(r->g[3].amount_ore, 13016000);
	free(text);
	text = variant("2022-05-01 = 111477", "2024-05-01 = 124028\n2022-05-01 = 111477");
	assert_int_equal(regime_load_string(text, "x.ini", r, err, sizeof err), 0);
	assert_int_equal(r->g[1].from, rules_date(2023, 5, 1));
	free(text);
	free(r);
}

static void
test_bad_files(void **state)
{
	(void)state;
	expect_error("[grace_minutes]\n", "[grace_minutes]\nfoo = 1\n",
	             "[grace_minutes] foo: unknown key (expected valid_from, value, status)",
	             "foo = 1");
	expect_error("[grace_minutes]\n", "[grace_minute]\n",
	             "[grace_minute] valid_from: unknown section", NULL);
	expect_error("value = in_out", "value = in_and_out",
	             "[tap_mode] value: expected one of in_out | in_only, got \"in_and_out\"",
	             "value = in_and_out");
	expect_error("value = 0\nstatus = unconfirmed\n\n[rounding",
	             "value = -5\nstatus = unconfirmed\n\n[rounding",
	             "[grace_minutes] value: expected a whole number, got \"-5\"", "value = -5");
	expect_error("value = 2/3", "value = 2/0",
	             "[rate_under25_alone] value: expected a positive number", "value = 2/0");
	expect_error("status = confirmed", "status = maybe",
	             "[stipend_basis] status: expected confirmed | unconfirmed, got \"maybe\"",
	             "status = maybe");
	expect_error("2024-05-01 = 124028", "2024-05-01 = lots",
	             "[g] 2024-05-01: expected an amount", "2024-05-01 = lots");
	expect_error("2024-05-01 = 124028", "2025-05-01 = 130000",
	             "[g] 2025-05-01: given twice with different amounts (130160)",
	             "2025-05-01 = 130160");
	expect_error("holidays = no", "holidays = se", "[regime] holidays: expected no | dk",
	             "holidays = se");
	expect_error("currency = NOK", "currency = kroner", "[regime] currency",
	             "currency = kroner");
	expect_error("currency = NOK", "currenzy = NOK", "[regime] currenzy: unknown key",
	             "currenzy = NOK");
	expect_error("value = g\n", "",
	             "[stipend_basis] value: expected in every version (missing before this line)",
	             NULL);
	expect_error("[payout]\n", "[payout]\nvalue = monthly ; injected\n",
	             "[payout] value: expected valid_from before value",
	             "value = monthly ; injected");
	expect_error("valid_from = 2021-01-01\nvalue = 25", "valid_from = 2021-13-01\nvalue = 25",
	             "[vacation_days_per_year] valid_from: expected a date YYYY-MM-DD",
	             "valid_from = 2021-13-01");
	expect_error("value = monthly\nstatus = unconfirmed\n\n[payout_anchor]",
	             "value = monthly\n\n[payout_anchor]",
	             "[payout] status: expected in every version", NULL);
	/* A whole parameter missing names it. */
	expect_error("[vacation_days_per_year]\n; Vacation days per calendar year.\n"
	             "valid_from = 2021-01-01\nvalue = 25\nstatus = unconfirmed\n",
	             "", "x.ini: [vacation_days_per_year]: missing", NULL);
	/* The same version twice (a section repeated). */
	expect_error("[vacation_days_per_year]", "[leave_approved_days_per_year]",
	             "[leave_approved_days_per_year] valid_from: expected dates later than the "
	             "version above",
	             NULL);
	/* "none" only where it means something. */
	expect_error("value = 1850", "value = none", "[annual_hours] value: expected a positive",
	             "value = none");
	/* A syntax error inih finds itself still gets the file and line. */
	expect_error("[tap_mode]\n", "[tap_mode\n", "x.ini:", NULL);
}

/* Versions: a later valid_from takes over from its date on. */
static void
test_versions(void **state)
{
	(void)state;
	char *text =
	    variant("[grace_minutes]\n",
	            "[grace_minutes]\nvalid_from = 2021-01-01\n"
	            "value = 0\nstatus = confirmed\nvalid_from = 2025-10-15\nvalue = 10\n"
	            "status = confirmed\n; the original version follows and must come later\n");
	struct rules_regime *r = calloc(1, sizeof *r);
	char err[512];
	/* The original version (2021-01-01) after 2025-10-15 is out of order. */
	assert_int_equal(regime_load_string(text, "x.ini", r, err, sizeof err), -1);
	assert_non_null(strstr(err, "expected dates later than the version above"));
	free(text);

	struct fx *f = fx_new("no-integreringsloven", "2025-10-14", "2025-10-15");
	f->regime.versions[RULES_P_GRACE_MINUTES][1] =
	    (struct rules_param_version){fx_date("2025-10-15"), 10, 1, true};
	f->regime.n_versions[RULES_P_GRACE_MINUTES] = 2;
	fx_attend(f, "2025-10-14", "2025-10-15", "08:10", "15:30");
	fx_ok(f);
	assert_int_equal(fx_day(f, "2025-10-14")->unexcused_min, 10);
	assert_int_equal(fx_day(f, "2025-10-15")->unexcused_min, 0);
	const struct rules_param_version *v =
	    rules_param_at(&f->regime, RULES_P_GRACE_MINUTES, fx_date("2025-10-14"));
	assert_int_equal(v->num, 0);
	fx_free(f);
	free(r);
}

static void
test_override(void **state)
{
	(void)state;
	struct rules_regime *r = calloc(1, sizeof *r);
	char err[512];
	assert_int_equal(regime_load("board/regimes", "no-integreringsloven", r, err, sizeof err),
	                 0);
	assert_int_equal(regime_override(r, "tap_mode", "in_only", err, sizeof err), 0);
	assert_int_equal(r->versions[RULES_P_TAP_MODE][0].num, RULES_TAP_IN_ONLY);
	assert_int_equal(regime_override(r, "monthly_hours", "160.33", err, sizeof err), 0);
	assert_int_equal(regime_override(r, "nope", "1", err, sizeof err), -1);
	assert_int_equal(regime_override(r, "grace_minutes", "x", err, sizeof err), -1);
	assert_non_null(strstr(err, "expected a whole number"));
	/* Parameter metadata is complete. */
	for (int p = 0; p < RULES_P_COUNT; p++) {
		const struct rules_param_info *info = rules_param_info(p);
		assert_non_null(info);
		assert_int_equal(rules_param_lookup(info->name), p);
		assert_non_null(info->help);
	}
	assert_null(rules_param_info(RULES_P_COUNT));
	free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_shipped_files), cmocka_unit_test(test_unknown_regime),
	    cmocka_unit_test(test_bad_files),     cmocka_unit_test(test_g_any_order),
	    cmocka_unit_test(test_versions),      cmocka_unit_test(test_override),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
