/*
 * test_rules_payout.c — payout periods (months, biweekly from an anchor on either
 * side), gross with the G of each day, one rounding per payout, the formal-decision
 * flag at the edge of both tests, and Denmark: every deduction needs a decision,
 * lateness needs assessment, and the 3-calendar-month deadline.
 */
#include "rules_fixture.h"

/* October 2025, everything attended except 10 whole days, plus `late` minutes on the 15th. */
static struct fx *
october(int late)
{
	struct fx *f = fx_new("no-integreringsloven", "2025-10-01", "2025-10-31");
	char in[32];
	snprintf(in, sizeof in, "%02d:%02d", 8 + late / 60, late % 60);
	fx_attend(f, "2025-10-15", "2025-10-15", in, "15:30");
	fx_attend(f, "2025-10-16", "2025-10-31", "08:00", "15:30");
	return f;
}

/* Full rate: half the gross = G/12 = 10846.666...; 4625 min are worth exactly that. */
static void
test_decision_edge(void **state)
{
	(void)state;
	struct fx *f = october(124);
	fx_ok(f);
	assert_int_equal(f->out.totals.unexcused_min, 4624);
	assert_int_equal(f->out.payouts[0].deduction_ore, 1084432);
	assert_false(f->out.payouts[0].decision_required);
	fx_free(f);
	f = october(125);
	fx_ok(f);
	assert_int_equal(f->out.totals.unexcused_min, 4625);
	assert_int_equal(f->out.payouts[0].deduction_ore, 1084667);
	assert_true(f->out.payouts[0].decision_required);
	fx_free(f);
}

/* With decision_share 3/5 the share test binds: 0.6 * 21693.33.. = 13016 = 5550 min. */
static void
test_decision_share_binds(void **state)
{
	(void)state;
	for (int late = 149; late <= 150; late++) {
		/* 12 whole days absent (5400 min), then `late` minutes on the 17th. */
		struct fx *f = fx_new("no-integreringsloven", "2025-10-01", "2025-10-31");
		char in[32];
		fx_param(f, "decision_share", "3/5");
		snprintf(in, sizeof in, "%02d:%02d", 8 + late / 60, late % 60);
		fx_attend(f, "2025-10-17", "2025-10-17", in, "15:30");
		fx_attend(f, "2025-10-20", "2025-10-31", "08:00", "15:30");
		fx_ok(f);
		assert_int_equal(f->out.totals.unexcused_min, 5400 + late);
		assert_int_equal(f->out.payouts[0].decision_required, late == 150);
		fx_free(f);
	}
}

/* Under 25 with a parent: more than half the gross, never G/12 in a month. */
static void
test_decision_both_tests(void **state)
{
	(void)state;
	struct fx *f = fx_new("no-integreringsloven", "2025-10-01", "2025-10-31");
	f->in.participant.rate = RULES_RATE_UNDER25_WITH_PARENTS;
	fx_ok(f);
	assert_int_equal(f->out.payouts[0].gross_ore, 723111);
	assert_int_equal(f->out.payouts[0].deduction_ore, 809103); /* 10350 * 260320/333000 */
	assert_false(f->out.payouts[0].decision_required);
	fx_free(f);
}

/* Each payout is rounded once; the total is the sum of the rounded payouts. */
static void
test_months_and_rounding(void **state)
{
	(void)state;
	struct fx *f = fx_new("no-integreringsloven", "2025-09-30", "2025-10-01");
	fx_attend(f, "2025-09-30", "2025-10-01", "08:01", "15:30");
	fx_ok(f);
	assert_int_equal(f->out.n_payouts, 2);
	assert_int_equal(f->out.payouts[0].from, fx_date("2025-09-01"));
	assert_int_equal(f->out.payouts[0].to, fx_date("2025-09-30"));
	assert_int_equal(f->out.payouts[1].from, fx_date("2025-10-01"));
	assert_int_equal(f->out.payouts[0].deduction_ore, 235);
	assert_int_equal(f->out.payouts[1].deduction_ore, 235);
	assert_int_equal(f->out.totals.deduction_ore, 470);
	assert_int_equal(f->out.payouts[0].gross_ore, 2169333);
	fx_free(f);
}

static void
test_biweekly(void **state)
{
	(void)state;
	static const char *const anchors[] = {"2025-01-06", "2026-01-05", "2025-10-13"};
	for (int i = 0; i < 3; i++) {
		struct fx *f = fx_new("no-integreringsloven", "2025-10-12", "2025-10-13");
		fx_param(f, "payout", "biweekly");
		fx_param(f, "payout_anchor", anchors[i]);
		fx_ok(f);
		assert_int_equal(f->out.n_payouts, 2);
		assert_false(f->out.payouts[0].monthly);
		assert_int_equal(f->out.payouts[0].from, fx_date("2025-09-29"));
		assert_int_equal(f->out.payouts[0].to, fx_date("2025-10-12"));
		assert_int_equal(f->out.payouts[1].from, fx_date("2025-10-13"));
		assert_int_equal(f->out.payouts[1].to, fx_date("2025-10-26"));
		assert_int_equal(f->out.payouts[1].gross_ore, 1001231); /* 260320 / 26 */
		fx_free(f);
	}
	/* Across 1 May: 3 days at 2*124028/364, 11 at 2*130160/364 = 9911.23. */
	struct fx *f = fx_new("no-integreringsloven", "2025-04-28", "2025-04-28");
	fx_param(f, "payout", "biweekly");
	fx_param(f, "payout_anchor", "2025-01-06");
	fx_ok(f);
	assert_int_equal(f->out.payouts[0].from, fx_date("2025-04-28"));
	assert_int_equal(f->out.payouts[0].gross_ore, 991123);
	fx_free(f);
}

static struct fx *
denmark(const char *from, const char *to)
{
	struct fx *f = fx_new("dk-integrationsprogram", from, to);
	f->templ[0].end = 15 * 60 + 24;
	f->in.participant.programme_start = fx_date("2025-03-03");
	f->in.participant.monthly_benefit_ore = 650000;
	return f;
}

static void
test_denmark_decisions(void **state)
{
	(void)state;
	struct fx *f = denmark("2025-09-15", "2025-09-15");
	fx_attend(f, "2025-09-15", "2025-09-15", "08:01", "15:24");
	fx_ok(f);
	assert_int_equal(f->out.totals.unexcused_min, 1);
	assert_true(f->out.payouts[0].decision_required);
	assert_true(f->out.payouts[0].needs_assessment);
	fx_free(f);

	f = denmark("2025-09-15", "2025-09-15");
	fx_attend(f, "2025-09-15", "2025-09-15", "08:00", "15:24");
	fx_ok(f);
	assert_int_equal(f->out.payouts[0].deduction_ore, 0);
	assert_false(f->out.payouts[0].decision_required);
	assert_false(f->out.payouts[0].needs_assessment);
	fx_free(f);

	/* A whole day away is no lateness. */
	f = denmark("2025-09-15", "2025-09-15");
	fx_ok(f);
	assert_true(f->out.payouts[0].decision_required);
	assert_false(f->out.payouts[0].needs_assessment);
	assert_int_equal(f->out.payouts[0].deduction_ore, 30001); /* 7.4 h * 6500/160.33 */
	fx_free(f);

	f = denmark("2025-09-15", "2025-09-15");
	fx_param(f, "lateness_needs_assessment", "no");
	fx_attend(f, "2025-09-15", "2025-09-15", "09:00", "15:24");
	fx_ok(f);
	assert_false(f->out.payouts[0].needs_assessment);
	fx_free(f);
}

static void
deadline(const char *day, const char *as_of, const char *want, bool past)
{
	struct fx *f = denmark(day, day);
	char buf[16];
	f->in.as_of = as_of ? fx_date(as_of) : INT32_MIN;
	fx_ok(f);
	rules_date_format(fx_day(f, day)->deadline, buf, sizeof buf);
	assert_string_equal(buf, want);
	assert_int_equal(fx_flag(f, day, RULES_FLAG_PAST_DEADLINE), past);
	assert_int_equal(f->out.payouts[0].past_deadline, past);
	fx_free(f);
}

static void
test_denmark_deadline(void **state)
{
	(void)state;
	deadline("2025-09-15", NULL, "2025-12-31", false);
	deadline("2025-09-15", "2025-12-31", "2025-12-31", false);
	deadline("2025-09-15", "2026-01-01", "2025-12-31", true);
	deadline("2025-11-28", "2026-02-28", "2026-02-28", false);
	deadline("2025-11-28", "2026-03-01", "2026-02-28", true);
	/* No deadline in Norway. */
	struct fx *f = fx_new("no-integreringsloven", "2025-09-15", "2025-09-15");
	f->in.as_of = fx_date("2030-01-01");
	fx_ok(f);
	assert_int_equal(fx_day(f, "2025-09-15")->deadline, INT32_MIN);
	assert_false(f->out.payouts[0].past_deadline);
	fx_free(f);
}

/* Bad input is refused with the field named, never computed. */
static void
test_refusals(void **state)
{
	(void)state;
	struct fx *f = fx_new("no-integreringsloven", "2025-10-14", "2025-10-13");
	assert_int_equal(fx_run(f), -1);
	assert_non_null(strstr(f->err, "period"));
	fx_free(f);
	f = fx_new("no-integreringsloven", "2025-10-13", "2025-10-13");
	fx_absence(f, RULES_CAT_VACATION, "2025-10-14", "2025-10-13");
	assert_int_equal(fx_run(f), -1);
	assert_non_null(strstr(f->err, "absences[0]"));
	fx_free(f);
	f = fx_new("no-integreringsloven", "2025-10-13", "2025-10-13");
	f->templ[0].start = 16 * 60;
	assert_int_equal(fx_run(f), -1);
	assert_non_null(strstr(f->err, "schedule[0]"));
	fx_free(f);
	f = fx_new("no-integreringsloven", "2015-01-01", "2030-01-01");
	assert_int_equal(fx_run(f), -1);
	assert_non_null(strstr(f->err, "longer"));
	fx_free(f);
	/* A parameter without a version in force. */
	f = fx_new("no-integreringsloven", "2020-06-01", "2020-06-01");
	assert_int_equal(fx_run(f), -1);
	assert_non_null(strstr(f->err, "no value in force on 2020-06-01"));
	fx_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_decision_edge),
	    cmocka_unit_test(test_decision_share_binds),
	    cmocka_unit_test(test_decision_both_tests),
	    cmocka_unit_test(test_months_and_rounding),
	    cmocka_unit_test(test_biweekly),
	    cmocka_unit_test(test_denmark_decisions),
	    cmocka_unit_test(test_denmark_deadline),
	    cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
