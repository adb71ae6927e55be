/*
 * test_rules_rulings.c — the December 2026 rulings of RULES.md one by one, beside the
 * scenarios 31-52 in tests/rules/scenarios: refusals that name the date (G, exceptions),
 * presence on off-site sessions, doctor's notes and quota, stray taps in in_only mode,
 * the programme's end, and the life of a day (settle_minutes, pending, flags).
 */
#include "rules_fixture.h"

static void
test_g_conflict_names_the_date(void **state)
{
	(void)state;
	struct fx *f = fx_new("no-integreringsloven", "2025-10-13", "2025-10-17");
	f->g[f->in.n_g++] = (struct rules_g){fx_date("2025-05-01"), 13000000};
	assert_int_equal(fx_run(f), -1);
	assert_non_null(strstr(f->err, "2025-05-01"));
	assert_null(strchr(f->err, '\n'));
	/* The same amount twice, in any order, is no conflict. */
	f->g[2] = f->g[1];
	f->g[1] = f->g[0];
	f->g[0] = f->g[2];
	fx_ok(f);
	assert_int_equal(f->out.payouts[0].gross_ore, 2169333);
	fx_free(f);
}

static void
test_exception_conflict_names_the_date(void **state)
{
	(void)state;
	struct fx *f = fx_new("no-integreringsloven", "2025-10-13", "2025-10-17");
	f->exc[0] = (struct rules_exception){fx_date("2025-10-15"), false, 9 * 60, 12 * 60, false};
	f->exc[1] = (struct rules_exception){fx_date("2025-10-15"), true, 0, 0, false};
	f->in.n_exceptions = 2;
	assert_int_equal(fx_run(f), -1);
	assert_non_null(strstr(f->err, "2025-10-15"));
	assert_null(strchr(f->err, '\n'));
	/* Two cancellations of one date agree with each other. */
	f->exc[0].cancelled = true;
	fx_ok(f);
	assert_int_equal(fx_day(f, "2025-10-15")->scheduled_min, 0);
	fx_free(f);
}

/* Ruling 1 in in_only mode: a tap during an off-site session proves presence too. */
static void
test_in_only_off_site_tap_is_presence(void **state)
{
	(void)state;
	struct fx *f = fx_new("no-integreringsloven", "2025-10-15", "2025-10-15");
	fx_param(f, "tap_mode", "in_only");
	f->templ[0].off_site = true;
	fx_tap(f, "2025-10-15T10:00");
	fx_absence(f, RULES_CAT_VACATION, "2025-10-15", "2025-10-15");
	fx_ok(f);
	const struct rules_day *d = fx_day(f, "2025-10-15");
	assert_int_equal(d->attended_min, 330); /* 10:00-15:30 */
	assert_int_equal(d->excused_min[RULES_CAT_VACATION], 120);
	assert_false(d->flags & (1u << RULES_FLAG_TAP_OUTSIDE_SCHEDULE));
	fx_free(f);
}

/* Ruling 5, in_only: a tap before the first session belongs to it; one after the last
 * session belongs to none. */
static void
test_in_only_stray_tap(void **state)
{
	(void)state;
	struct fx *f = fx_new("no-integreringsloven", "2025-10-15", "2025-10-16");
	fx_param(f, "tap_mode", "in_only");
	fx_tap(f, "2025-10-15T07:00");
	fx_tap(f, "2025-10-16T08:00");
	fx_tap(f, "2025-10-16T15:30");
	fx_ok(f);
	assert_int_equal(fx_day(f, "2025-10-15")->attended_min, 450);
	assert_false(fx_flag(f, "2025-10-15", RULES_FLAG_TAP_OUTSIDE_SCHEDULE));
	assert_true(fx_flag(f, "2025-10-16", RULES_FLAG_TAP_OUTSIDE_SCHEDULE));
	fx_free(f);
}

/* Ruling 3: child-sick days under a doctor's note use none of the 10-day quota. */
static void
test_child_sick_note_costs_no_quota(void **state)
{
	(void)state;
	struct fx *f = fx_new("no-integreringsloven", "2025-10-06", "2025-10-24");
	f->in.history.child_sick_days = 9;
	fx_absence(f, RULES_CAT_CHILD_SICK, "2025-10-06", "2025-10-17")->doctor_note = true;
	fx_absence(f, RULES_CAT_CHILD_SICK, "2025-10-20", "2025-10-21");
	fx_ok(f);
	for (int32_t d = fx_date("2025-10-06"); d <= fx_date("2025-10-17"); d++)
		if (rules_weekday(d) <= 5)
			assert_int_equal(
			    f->out.days[d - f->in.from].excused_min[RULES_CAT_CHILD_SICK], 450);
	/* The 10th day of the quota is the first plain day; the 11th is refused. */
	assert_int_equal(fx_day(f, "2025-10-20")->excused_min[RULES_CAT_CHILD_SICK], 450);
	assert_int_equal(fx_day(f, "2025-10-21")->unexcused_min, 450);
	assert_true(fx_note(f, "2025-10-21", RULES_NOTE_CHILD_SICK_QUOTA_EXHAUSTED));
	fx_free(f);
}

/* Ruling 11: after the programme's end nothing is scheduled, unpaid leave included. */
static void
test_programme_end(void **state)
{
	(void)state;
	struct fx *f = fx_new("no-integreringsloven", "2025-10-13", "2025-10-17");
	f->in.participant.has_end = true;
	f->in.participant.programme_end = fx_date("2025-10-14");
	fx_absence(f, RULES_CAT_LEAVE_UNPAID, "2025-10-13", "2025-10-17");
	fx_ok(f);
	assert_int_equal(fx_day(f, "2025-10-14")->scheduled_min, 450);
	assert_int_equal(fx_day(f, "2025-10-15")->scheduled_min, 0);
	/* Two days of unpaid leave at 21693.33 / 30; October gross 14 x 21693.33 / 30. */
	assert_int_equal(f->out.payouts[0].unpaid_leave_ore, 144622); /* 1446.222 */
	assert_int_equal(f->out.payouts[0].gross_ore, 1012356);       /* 10123.555 */
	f->in.participant.programme_end = f->in.participant.programme_start - 1;
	assert_int_equal(fx_run(f), -1);
	fx_free(f);
}

/* The life of a day: future, open until the last session ended settle_minutes ago, final. */
static void
test_settle_minutes(void **state)
{
	(void)state;
	struct fx *f = fx_new("no-integreringsloven", "2025-10-15", "2025-10-15");
	fx_tap(f, "2025-10-15T08:20");
	f->in.has_now = true;
	f->in.now_date = fx_date("2025-10-15");
	f->in.now_minute = 7 * 60;
	fx_ok(f);
	assert_int_equal(fx_day(f, "2025-10-15")->state, RULES_DAY_FUTURE);
	f->in.now_minute = 16 * 60 + 29; /* 15:30 + 60 not yet reached */
	fx_ok(f);
	const struct rules_day *d = fx_day(f, "2025-10-15");
	assert_int_equal(d->state, RULES_DAY_OPEN);
	assert_int_equal(d->pending_min, 20);
	assert_int_equal(d->unexcused_min, 0);
	assert_int_equal(d->flags, 0); /* missing_tap_out and lateness wait for the final day */
	assert_int_equal(f->out.totals.deduction_ore, 0);
	f->in.now_minute = 16 * 60 + 30;
	fx_ok(f);
	d = fx_day(f, "2025-10-15");
	assert_int_equal(d->state, RULES_DAY_FINAL);
	assert_int_equal(d->unexcused_min, 20);
	assert_true(d->flags & (1u << RULES_FLAG_MISSING_TAP_OUT));
	/* The regime's settle_minutes decides: with 0 the day is final at 15:30. */
	fx_param(f, "settle_minutes", "0");
	f->in.now_minute = 15 * 60 + 30;
	fx_ok(f);
	assert_int_equal(fx_day(f, "2025-10-15")->state, RULES_DAY_FINAL);
	fx_free(f);
}

/* Ruling 2: a day fully covered by an earlier category does not count for vacation. */
static void
test_quota_counts_covered_days_only(void **state)
{
	(void)state;
	struct fx *f = fx_new("no-integreringsloven", "2025-10-13", "2025-10-17");
	f->in.history.vacation_days = 23; /* two of 25 left */
	fx_absence(f, RULES_CAT_VACATION, "2025-10-13", "2025-10-16");
	fx_absence(f, RULES_CAT_LEAVE_APPROVED, "2025-10-13", "2025-10-13");
	fx_attend(f, "2025-10-14", "2025-10-14", "08:00", "15:30");
	fx_ok(f);
	assert_int_equal(fx_day(f, "2025-10-13")->excused_min[RULES_CAT_LEAVE_APPROVED], 450);
	assert_int_equal(fx_day(f, "2025-10-15")->excused_min[RULES_CAT_VACATION], 450);
	assert_int_equal(fx_day(f, "2025-10-16")->excused_min[RULES_CAT_VACATION], 450);
	fx_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_g_conflict_names_the_date),
	    cmocka_unit_test(test_exception_conflict_names_the_date),
	    cmocka_unit_test(test_in_only_off_site_tap_is_presence),
	    cmocka_unit_test(test_in_only_stray_tap),
	    cmocka_unit_test(test_child_sick_note_costs_no_quota),
	    cmocka_unit_test(test_programme_end),
	    cmocka_unit_test(test_settle_minutes),
	    cmocka_unit_test(test_quota_counts_covered_days_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
