/*
 * test_rules_presence.c — taps to attended minutes: in_out pairing, a forgotten
 * tap-out (session_end and none), in_only, sessions with a break, days that start
 * "out" again after midnight, off-site sessions, and grace and rounding at their edges.
 */
#include "rules_fixture.h"

#define DAY "2025-10-15"

static struct fx *
one_day(void)
{
	return fx_new("no-integreringsloven", DAY, DAY);
}

/* Two sessions, 08:00-11:30 and 12:00-15:30. */
static void
split_sessions(struct fx *f)
{
	f->templ[0].end = 11 * 60 + 30;
	f->templ[1] =
	    (struct rules_template){0x3e, 12 * 60, 15 * 60 + 30, false, INT32_MIN, INT32_MAX};
	f->in.n_templ = 2;
}

static const struct rules_day *
run_taps(struct fx *f, const char *const *hhmm)
{
	char buf[32];
	for (; *hhmm; hhmm++) {
		snprintf(buf, sizeof buf, "%sT%s", DAY, *hhmm);
		fx_tap(f, buf);
	}
	fx_ok(f);
	const struct rules_day *d = fx_day(f, DAY);
	assert_int_equal(d->attended_min + d->unexcused_min, d->scheduled_min);
	return d;
}

static void
test_in_out_pairs(void **state)
{
	(void)state;
	struct fx *f = one_day();
	const struct rules_day *d = run_taps(f, (const char *const[]){"07:58", "15:31", NULL});
	assert_int_equal(d->attended_min, 450);
	assert_false(d->flags & (1u << RULES_FLAG_MISSING_TAP_OUT));
	fx_free(f);

	f = one_day();
	d = run_taps(f, (const char *const[]){"08:00", "11:00", "11:30", "15:30", NULL});
	assert_int_equal(d->attended_min, 420);
	assert_int_equal(d->unexcused_min, 30);
	assert_true(d->flags & (1u << RULES_FLAG_LATENESS));
	fx_free(f);

	/* Two taps in the same minute: in and straight out again. */
	f = one_day();
	d = run_taps(f, (const char *const[]){"08:00", "08:00", NULL});
	assert_int_equal(d->attended_min, 0);
	fx_free(f);
}

static void
test_missing_tap_out(void **state)
{
	(void)state;
	struct fx *f = one_day();
	const struct rules_day *d = run_taps(f, (const char *const[]){"08:05", NULL});
	assert_int_equal(d->attended_min, 445);
	assert_int_equal(d->unexcused_min, 5);
	assert_true(d->flags & (1u << RULES_FLAG_MISSING_TAP_OUT));
	fx_free(f);

	/* Before the session: presence still runs to that session's end. */
	f = one_day();
	d = run_taps(f, (const char *const[]){"07:50", NULL});
	assert_int_equal(d->attended_min, 450);
	fx_free(f);

	/* missing_out = none: the open tap counts nothing. */
	f = one_day();
	fx_param(f, "missing_out", "none");
	d = run_taps(f, (const char *const[]){"08:00", "12:00", "12:30", NULL});
	assert_int_equal(d->attended_min, 240);
	assert_true(d->flags & (1u << RULES_FLAG_MISSING_TAP_OUT));
	fx_free(f);

	/* With a break, the open tap ends at the end of its own session. */
	f = one_day();
	split_sessions(f);
	d = run_taps(f, (const char *const[]){"12:05", NULL});
	assert_int_equal(d->scheduled_min, 420);
	assert_int_equal(d->attended_min, 205);
	fx_free(f);

	/* A tap after the last session. */
	f = one_day();
	d = run_taps(f, (const char *const[]){"16:00", NULL});
	assert_int_equal(d->attended_min, 0);
	fx_free(f);
}

/* A forgotten tap-out does not make the next day's first tap an "out". */
static void
test_midnight(void **state)
{
	(void)state;
	struct fx *f = fx_new("no-integreringsloven", "2025-10-15", "2025-10-16");
	fx_tap(f, "2025-10-15T08:00");
	fx_tap(f, "2025-10-16T08:00");
	fx_tap(f, "2025-10-16T15:30");
	fx_ok(f);
	assert_int_equal(fx_day(f, "2025-10-15")->attended_min, 450);
	assert_int_equal(fx_day(f, "2025-10-16")->attended_min, 450);
	assert_false(fx_flag(f, "2025-10-16", RULES_FLAG_MISSING_TAP_OUT));
	fx_free(f);
}

/* Taps before the period are skipped; taps on unscheduled days count nothing (but
 * are flagged tap_outside_schedule, ruling 5). */
static void
test_taps_outside(void **state)
{
	(void)state;
	struct fx *f = fx_new("no-integreringsloven", "2025-10-17", "2025-10-18");
	fx_tap(f, "2025-10-10T08:00");
	fx_tap(f, "2025-10-17T08:00");
	fx_tap(f, "2025-10-17T15:30");
	fx_tap(f, "2025-10-18T09:00");
	fx_tap(f, "2025-10-18T12:00");
	fx_ok(f);
	assert_int_equal(fx_day(f, "2025-10-17")->attended_min, 450);
	assert_int_equal(fx_day(f, "2025-10-18")->scheduled_min, 0);
	assert_int_equal(fx_day(f, "2025-10-18")->attended_min, 0);
	assert_true(fx_flag(f, "2025-10-18", RULES_FLAG_TAP_OUTSIDE_SCHEDULE));
	assert_false(fx_flag(f, "2025-10-17", RULES_FLAG_TAP_OUTSIDE_SCHEDULE));
	fx_free(f);
	/* Taps in any order give the same day: the engine sorts them. */
	f = one_day();
	fx_tap(f, DAY "T15:30");
	fx_tap(f, DAY "T08:00");
	fx_ok(f);
	assert_int_equal(fx_day(f, DAY)->attended_min, 450);
	assert_int_equal(fx_day(f, DAY)->flags, 0);
	fx_free(f);
}

static void
test_in_only(void **state)
{
	(void)state;
	struct fx *f = one_day();
	fx_param(f, "tap_mode", "in_only");
	split_sessions(f);
	const struct rules_day *d = run_taps(f, (const char *const[]){"07:55", "08:30", NULL});
	assert_int_equal(d->attended_min, 210); /* the 08:30 tap is no tap-out */
	assert_int_equal(d->unexcused_min, 210);
	assert_false(d->flags & (1u << RULES_FLAG_MISSING_TAP_OUT));
	fx_free(f);

	f = one_day();
	fx_param(f, "tap_mode", "in_only");
	split_sessions(f);
	d = run_taps(f, (const char *const[]){"08:10", "11:45", NULL});
	assert_int_equal(d->attended_min, 200 + 210); /* 11:45 opens the afternoon at 12:00 */
	fx_free(f);

	f = one_day();
	fx_param(f, "tap_mode", "in_only");
	split_sessions(f);
	d = run_taps(f, (const char *const[]){"13:00", NULL});
	assert_int_equal(d->attended_min, 150);
	fx_free(f);
}

static int
late_by(const char *grace, const char *round, const char *in, const char *out)
{
	struct fx *f = one_day();
	fx_param(f, "grace_minutes", grace);
	fx_param(f, "rounding_minutes", round);
	const struct rules_day *d = run_taps(f, (const char *const[]){in, out, NULL});
	int u = d->unexcused_min;
	fx_free(f);
	return u;
}

static void
test_grace(void **state)
{
	(void)state;
	assert_int_equal(late_by("5", "1", "08:04", "15:30"), 0);
	assert_int_equal(late_by("5", "1", "08:05", "15:30"), 0);
	assert_int_equal(late_by("5", "1", "08:06", "15:30"), 6);
	assert_int_equal(late_by("5", "1", "08:00", "15:25"), 0);
	assert_int_equal(late_by("5", "1", "08:00", "15:24"), 6);
	assert_int_equal(late_by("0", "1", "08:01", "15:30"), 1);
	/* A whole missed day is no lateness: grace does not forgive it. */
	struct fx *f = one_day();
	fx_param(f, "grace_minutes", "500");
	fx_ok(f);
	assert_int_equal(fx_day(f, DAY)->unexcused_min, 450);
	fx_free(f);
}

static void
test_rounding(void **state)
{
	(void)state;
	assert_int_equal(late_by("0", "15", "08:01", "15:30"), 15);
	assert_int_equal(late_by("0", "15", "08:14", "15:30"), 15);
	assert_int_equal(late_by("0", "15", "08:15", "15:30"), 15);
	assert_int_equal(late_by("0", "15", "08:16", "15:30"), 30);
	assert_int_equal(late_by("0", "15", "08:00", "15:27"), 15); /* early leave, backwards */
	assert_int_equal(late_by("0", "15", "09:10", "14:00"), 75 + 90);
	assert_int_equal(late_by("5", "15", "09:10", "15:27"), 75);
	/* Rounding stops at the session: 449 late rounds to 480 but only 450 exist. */
	assert_int_equal(late_by("0", "60", "15:29", "15:30"), 450);
	/* A day the participant did not come at all stays exact. */
	struct fx *f = one_day();
	f->templ[0].end = 15 * 60 + 24;
	fx_param(f, "rounding_minutes", "15");
	fx_ok(f);
	assert_int_equal(fx_day(f, DAY)->unexcused_min, 444);
	fx_free(f);
}

/* Rounding takes attended minutes only, never excused ones. */
static void
test_rounding_keeps_excused(void **state)
{
	(void)state;
	struct fx *f = one_day();
	fx_param(f, "rounding_minutes", "15");
	struct rules_absence *a = fx_absence(f, RULES_CAT_NURSING, DAY, DAY);
	a->start = 8 * 60 + 5;
	a->end = 9 * 60;
	fx_tap(f, DAY "T08:00");
	fx_tap(f, DAY "T08:03");
	fx_tap(f, DAY "T09:00");
	fx_tap(f, DAY "T15:30");
	fx_ok(f);
	const struct rules_day *d = fx_day(f, DAY);
	assert_int_equal(d->excused_min[RULES_CAT_NURSING], 55);
	assert_int_equal(d->unexcused_min, 2); /* 08:03-08:05: the next minutes are excused */
	assert_int_equal(d->attended_min + d->unexcused_min + 55, 450);
	fx_free(f);
}

static void
test_off_site(void **state)
{
	(void)state;
	struct fx *f = fx_new("no-integreringsloven", "2025-10-13", "2025-10-15");
	f->templ[0].off_site = true;
	fx_absence(f, RULES_CAT_SICK_DOCTOR, "2025-10-14", "2025-10-14");
	fx_absence(f, RULES_CAT_UNEXCUSED, "2025-10-15", "2025-10-15");
	fx_ok(f);
	assert_int_equal(fx_day(f, "2025-10-13")->attended_min, 450);
	assert_int_equal(fx_day(f, "2025-10-14")->attended_min, 0);
	assert_int_equal(fx_day(f, "2025-10-14")->excused_min[RULES_CAT_SICK_DOCTOR], 450);
	assert_int_equal(fx_day(f, "2025-10-15")->unexcused_min, 450);
	assert_true(fx_note(f, "2025-10-15", RULES_NOTE_REGISTERED_UNEXCUSED));
	fx_free(f);

	/* Registering "unexcused" on an on-site day the participant attended changes nothing. */
	f = one_day();
	fx_absence(f, RULES_CAT_UNEXCUSED, DAY, DAY);
	const struct rules_day *d = run_taps(f, (const char *const[]){"08:00", "15:30", NULL});
	assert_int_equal(d->attended_min, 450);
	assert_int_equal(d->notes, 0);
	fx_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_in_out_pairs), cmocka_unit_test(test_missing_tap_out),
	    cmocka_unit_test(test_midnight),     cmocka_unit_test(test_taps_outside),
	    cmocka_unit_test(test_in_only),      cmocka_unit_test(test_grace),
	    cmocka_unit_test(test_rounding),     cmocka_unit_test(test_rounding_keeps_excused),
	    cmocka_unit_test(test_off_site),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
