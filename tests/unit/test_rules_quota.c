/*
 * test_rules_quota.c — every quota of RULES.md on the day before, on, and after its
 * limit: self-declared illness (3 days, 4 occurrences in a rolling 12 months, the
 * first 8 weeks, the 16-day joining rule, calendar-day counting), child illness by
 * family, religious days, pregnancy, birth, vacation, welfare leave, unpaid leave,
 * the allocation order, and Denmark with the quotas off.
 */
#include "rules_fixture.h"

static int32_t
excused(const struct fx *f, const char *date, enum rules_category c)
{
	return fx_day(f, date)->excused_min[c];
}

static int32_t
unexcused(const struct fx *f, const char *date)
{
	return fx_day(f, date)->unexcused_min;
}

/* ---- self-declared illness ---- */

static void
test_self_declared_days(void **state)
{
	(void)state;
	struct fx *f = fx_new("no-integreringsloven", "2025-10-13", "2025-10-17");
	fx_absence(f, RULES_CAT_SICK_SELF_DECLARED, "2025-10-13", "2025-10-15");
	fx_ok(f);
	assert_int_equal(f->out.totals.excused_min[RULES_CAT_SICK_SELF_DECLARED], 3 * 450);
	assert_int_equal(unexcused(f, "2025-10-15"), 0);
	fx_free(f);

	f = fx_new("no-integreringsloven", "2025-10-13", "2025-10-17");
	fx_absence(f, RULES_CAT_SICK_SELF_DECLARED, "2025-10-13", "2025-10-17");
	fx_ok(f);
	assert_int_equal(unexcused(f, "2025-10-15"), 0);
	assert_int_equal(unexcused(f, "2025-10-16"), 450);
	assert_true(fx_note(f, "2025-10-16", RULES_NOTE_SELF_DECLARED_OVER_3_DAYS));
	assert_true(fx_note(f, "2025-10-17", RULES_NOTE_SELF_DECLARED_OVER_3_DAYS));
	fx_free(f);

	/* A doctor's note for the 4th day: that day is sick_doctor. */
	f = fx_new("no-integreringsloven", "2025-10-13", "2025-10-17");
	fx_absence(f, RULES_CAT_SICK_SELF_DECLARED, "2025-10-13", "2025-10-15");
	fx_absence(f, RULES_CAT_SICK_SELF_DECLARED, "2025-10-16", "2025-10-17")->doctor_note = true;
	fx_ok(f);
	assert_int_equal(excused(f, "2025-10-16", RULES_CAT_SICK_DOCTOR), 450);
	assert_int_equal(f->out.totals.unexcused_min, 0);
	fx_free(f);

	/* Weekends do not count as programme days (Integration Act): Thu-Tue is 4 days. */
	f = fx_new("no-integreringsloven", "2025-10-09", "2025-10-14");
	fx_absence(f, RULES_CAT_SICK_SELF_DECLARED, "2025-10-09", "2025-10-14");
	fx_ok(f);
	assert_int_equal(unexcused(f, "2025-10-13"), 0);
	assert_int_equal(unexcused(f, "2025-10-14"), 450);
	fx_free(f);
}

/* Introduction Act: calendar days.  Fri-Mon = 4 days; Fri-Sun = 3. */
static void
test_self_declared_calendar_days(void **state)
{
	(void)state;
	struct fx *f = fx_new("no-introduksjonsloven", "2025-10-10", "2025-10-13");
	fx_absence(f, RULES_CAT_SICK_SELF_DECLARED, "2025-10-10", "2025-10-13");
	fx_ok(f);
	assert_int_equal(excused(f, "2025-10-10", RULES_CAT_SICK_SELF_DECLARED), 450);
	assert_int_equal(unexcused(f, "2025-10-13"), 450);
	assert_true(fx_note(f, "2025-10-13", RULES_NOTE_SELF_DECLARED_OVER_3_DAYS));
	fx_free(f);

	f = fx_new("no-introduksjonsloven", "2025-10-09", "2025-10-13");
	fx_absence(f, RULES_CAT_SICK_SELF_DECLARED, "2025-10-09", "2025-10-11");
	fx_absence(f, RULES_CAT_SICK_SELF_DECLARED, "2025-10-13", "2025-10-13");
	fx_ok(f);
	/* Thu, Fri, Sat = 3; Monday joins (within 16 days): day 4. */
	assert_int_equal(unexcused(f, "2025-10-10"), 0);
	assert_int_equal(unexcused(f, "2025-10-13"), 450);
	fx_free(f);
}

/* Four occurrences in the rolling 12 months are allowed; the fifth is not. */
static void
occurrences(const char *oldest, bool want_excused)
{
	struct fx *f = fx_new("no-integreringsloven", "2025-10-06", "2025-10-06");
	f->in.participant.programme_start = fx_date("2024-01-08");
	fx_history_self_declared(f, oldest, oldest);
	fx_history_self_declared(f, "2025-01-13", "2025-01-13");
	fx_history_self_declared(f, "2025-03-10", "2025-03-10");
	fx_history_self_declared(f, "2025-06-02", "2025-06-03");
	fx_absence(f, RULES_CAT_SICK_SELF_DECLARED, "2025-10-06", "2025-10-06");
	fx_ok(f);
	assert_int_equal(unexcused(f, "2025-10-06"), want_excused ? 0 : 450);
	assert_int_equal(fx_note(f, "2025-10-06", RULES_NOTE_SELF_DECLARED_QUOTA_EXHAUSTED),
	                 !want_excused);
	fx_free(f);
}

static void
test_self_declared_occurrences(void **state)
{
	(void)state;
	occurrences("2024-10-06", true);  /* exactly 12 months before: outside the window */
	occurrences("2024-10-07", false); /* one day inside */
	occurrences("2025-09-01", false);
	/* Three earlier occurrences: the fourth is fine. */
	struct fx *f = fx_new("no-integreringsloven", "2025-10-06", "2025-10-06");
	fx_history_self_declared(f, "2025-01-13", "2025-01-13");
	fx_history_self_declared(f, "2025-03-10", "2025-03-10");
	fx_history_self_declared(f, "2025-06-02", "2025-06-02");
	fx_absence(f, RULES_CAT_SICK_SELF_DECLARED, "2025-10-06", "2025-10-06");
	fx_ok(f);
	assert_int_equal(unexcused(f, "2025-10-06"), 0);
	fx_free(f);
	/* In-period occurrences count too: 5 separate sick days a month apart. */
	f = fx_new("no-integreringsloven", "2025-03-03", "2025-07-31");
	const char *days[] = {"2025-03-03", "2025-04-01", "2025-05-05", "2025-06-03", "2025-07-01"};
	for (int i = 0; i < 5; i++)
		fx_absence(f, RULES_CAT_SICK_SELF_DECLARED, days[i], days[i]);
	fx_ok(f);
	for (int i = 0; i < 4; i++)
		assert_int_equal(excused(f, days[i], RULES_CAT_SICK_SELF_DECLARED), 450);
	assert_true(fx_note(f, "2025-07-01", RULES_NOTE_SELF_DECLARED_QUOTA_EXHAUSTED));
	fx_free(f);
}

/* Not in the first 8 weeks: start Tue 2025-08-12, so from Tue 2025-10-07 on. */
static void
first_weeks(const char *day, bool want_excused)
{
	struct fx *f = fx_new("no-integreringsloven", day, day);
	f->in.participant.programme_start = fx_date("2025-08-12");
	fx_absence(f, RULES_CAT_SICK_SELF_DECLARED, day, day);
	fx_ok(f);
	assert_int_equal(unexcused(f, day), want_excused ? 0 : 450);
	assert_int_equal(fx_note(f, day, RULES_NOTE_SELF_DECLARED_FIRST_8_WEEKS), !want_excused);
	fx_free(f);
}

static void
test_self_declared_first_8_weeks(void **state)
{
	(void)state;
	first_weeks("2025-10-06", false);
	first_weeks("2025-10-07", true);
	first_weeks("2025-10-08", true);
	/* A doctor's note is enough in the first weeks. */
	struct fx *f = fx_new("no-integreringsloven", "2025-09-01", "2025-09-01");
	f->in.participant.programme_start = fx_date("2025-08-12");
	fx_absence(f, RULES_CAT_SICK_DOCTOR, "2025-09-01", "2025-09-01");
	fx_ok(f);
	assert_int_equal(unexcused(f, "2025-09-01"), 0);
	fx_free(f);
}

/* Sick Mon-Tue 15-16 Sep, again within 16 days: joined (no new occurrence, days add). */
static void
joined(const char *from, const char *to, int want_unexcused, enum rules_note note)
{
	struct fx *f = fx_new("no-integreringsloven", from, to);
	fx_history_self_declared(f, "2025-01-13", "2025-01-13");
	fx_history_self_declared(f, "2025-03-10", "2025-03-10");
	fx_history_self_declared(f, "2025-06-02", "2025-06-02");
	fx_history_self_declared(f, "2025-09-15", "2025-09-16");
	fx_absence(f, RULES_CAT_SICK_SELF_DECLARED, from, to);
	fx_ok(f);
	assert_int_equal(f->out.totals.unexcused_min, want_unexcused);
	if (want_unexcused)
		assert_true(fx_note(f, to, note));
	fx_free(f);
}

static void
test_self_declared_joining(void **state)
{
	(void)state;
	joined("2025-10-02", "2025-10-02", 0, 0); /* 16 days after: joined, day 3 */
	joined("2025-10-02", "2025-10-03", 450, RULES_NOTE_SELF_DECLARED_OVER_3_DAYS);
	joined("2025-10-03", "2025-10-03", 450, RULES_NOTE_SELF_DECLARED_QUOTA_EXHAUSTED);
	joined("2025-09-22", "2025-09-22", 0, 0); /* 6 days after */
	/* Without the four earlier occurrences, day 17 starts a new 3-day period. */
	struct fx *f = fx_new("no-integreringsloven", "2025-10-03", "2025-10-08");
	fx_history_self_declared(f, "2025-09-15", "2025-09-16");
	fx_absence(f, RULES_CAT_SICK_SELF_DECLARED, "2025-10-03", "2025-10-08");
	fx_ok(f);
	assert_int_equal(unexcused(f, "2025-10-07"), 0); /* Fri, Mon, Tue */
	assert_int_equal(unexcused(f, "2025-10-08"), 450);
	fx_free(f);
	/* join_days = none: never joined. */
	f = fx_new("no-integreringsloven", "2025-10-02", "2025-10-03");
	fx_param(f, "self_declared_join_days", "none");
	fx_history_self_declared(f, "2025-09-15", "2025-09-16");
	fx_absence(f, RULES_CAT_SICK_SELF_DECLARED, "2025-10-02", "2025-10-03");
	fx_ok(f);
	assert_int_equal(f->out.totals.unexcused_min, 0);
	fx_free(f);
}

/* A failed quota falls through to later categories before it is unexcused. */
static void
test_fall_through_and_order(void **state)
{
	(void)state;
	struct fx *f = fx_new("no-integreringsloven", "2025-10-13", "2025-10-16");
	fx_absence(f, RULES_CAT_SICK_SELF_DECLARED, "2025-10-13", "2025-10-16");
	fx_absence(f, RULES_CAT_VACATION, "2025-10-16", "2025-10-16");
	fx_ok(f);
	assert_int_equal(excused(f, "2025-10-16", RULES_CAT_VACATION), 450);
	assert_int_equal(fx_day(f, "2025-10-16")->notes, 0);
	fx_free(f);

	/* leave_approved comes before nursing: nursing gets nothing. */
	f = fx_new("no-integreringsloven", "2025-10-13", "2025-10-13");
	struct rules_absence *a = fx_absence(f, RULES_CAT_NURSING, "2025-10-13", "2025-10-13");
	a->start = 12 * 60;
	a->end = 13 * 60;
	fx_absence(f, RULES_CAT_LEAVE_APPROVED, "2025-10-13", "2025-10-13");
	fx_ok(f);
	assert_int_equal(excused(f, "2025-10-13", RULES_CAT_LEAVE_APPROVED), 450);
	assert_int_equal(excused(f, "2025-10-13", RULES_CAT_NURSING), 0);
	fx_free(f);

	/* Absences never take attended minutes. */
	f = fx_new("no-integreringsloven", "2025-10-13", "2025-10-13");
	fx_absence(f, RULES_CAT_SICK_DOCTOR, "2025-10-13", "2025-10-13");
	fx_tap(f, "2025-10-13T08:00");
	fx_tap(f, "2025-10-13T12:00");
	fx_ok(f);
	assert_int_equal(fx_day(f, "2025-10-13")->attended_min, 240);
	assert_int_equal(excused(f, "2025-10-13", RULES_CAT_SICK_DOCTOR), 210);
	fx_free(f);
}

/* An absence given in hours as one stretch: Mon 13:00 to Wed 10:00. */
static void
test_stretch_absence(void **state)
{
	(void)state;
	struct fx *f = fx_new("no-integreringsloven", "2025-10-13", "2025-10-15");
	struct rules_absence *a = fx_absence(f, RULES_CAT_SICK_DOCTOR, "2025-10-13", "2025-10-15");
	a->continuous = true;
	a->start = 13 * 60;
	a->end = 10 * 60;
	fx_ok(f);
	assert_int_equal(excused(f, "2025-10-13", RULES_CAT_SICK_DOCTOR), 150);
	assert_int_equal(excused(f, "2025-10-14", RULES_CAT_SICK_DOCTOR), 450);
	assert_int_equal(excused(f, "2025-10-15", RULES_CAT_SICK_DOCTOR), 120);
	assert_int_equal(f->out.totals.unexcused_min, 300 + 330);
	fx_free(f);
}

/* An amount per day (nursing 1 hour) takes the earliest minutes still missing. */
static void
test_amount_absence(void **state)
{
	(void)state;
	struct fx *f = fx_new("no-integreringsloven", "2025-10-13", "2025-10-14");
	fx_absence(f, RULES_CAT_NURSING, "2025-10-13", "2025-10-14")->minutes = 60;
	fx_tap(f, "2025-10-13T08:00");
	fx_tap(f, "2025-10-13T12:00");
	fx_tap(f, "2025-10-13T13:00");
	fx_tap(f, "2025-10-13T15:30");
	fx_ok(f);
	assert_int_equal(excused(f, "2025-10-13", RULES_CAT_NURSING), 60);
	assert_int_equal(unexcused(f, "2025-10-13"), 0);
	assert_int_equal(excused(f, "2025-10-14", RULES_CAT_NURSING), 60);
	assert_int_equal(unexcused(f, "2025-10-14"), 390);
	fx_free(f);
	/* Minutes and a time of day together are refused. */
	f = fx_new("no-integreringsloven", "2025-10-13", "2025-10-13");
	struct rules_absence *a = fx_absence(f, RULES_CAT_NURSING, "2025-10-13", "2025-10-13");
	a->minutes = 60;
	a->start = 600;
	a->end = 660;
	assert_int_equal(fx_run(f), -1);
	fx_free(f);
}

/* ---- child illness ---- */

static void
child_limit(int children, bool sole, bool chronic, int limit)
{
	for (int used = limit - 1; used <= limit; used++) {
		struct fx *f = fx_new("no-integreringsloven", "2025-10-13", "2025-10-14");
		f->in.participant.children = children;
		f->in.participant.sole_carer = sole;
		f->in.participant.chronic_child = chronic;
		f->in.history.child_sick_days = used;
		fx_absence(f, RULES_CAT_CHILD_SICK, "2025-10-13", "2025-10-14");
		fx_ok(f);
		int want = limit - used; /* days still allowed */
		assert_int_equal(f->out.totals.excused_min[RULES_CAT_CHILD_SICK], want * 450);
		assert_true(fx_note(f, "2025-10-14", RULES_NOTE_CHILD_SICK_QUOTA_EXHAUSTED));
		fx_free(f);
	}
}

static void
test_child_sick_limits(void **state)
{
	(void)state;
	child_limit(1, false, false, 10);
	child_limit(2, false, false, 10);
	child_limit(3, false, false, 15);
	child_limit(1, true, false, 20);
	child_limit(2, true, false, 20);
	child_limit(3, true, false, 30);
	child_limit(1, false, true, 20);
	child_limit(3, false, true, 20);
	child_limit(1, true, true, 40);
	child_limit(4, true, true, 40);
}

static void
test_child_sick_self_days(void **state)
{
	(void)state;
	struct fx *f = fx_new("no-integreringsloven", "2025-10-13", "2025-10-17");
	f->in.participant.programme_start = fx_date("2025-10-13"); /* allowed from day 1 */
	fx_absence(f, RULES_CAT_CHILD_SICK, "2025-10-13", "2025-10-16");
	fx_ok(f);
	assert_int_equal(excused(f, "2025-10-15", RULES_CAT_CHILD_SICK), 450);
	assert_int_equal(unexcused(f, "2025-10-16"), 450);
	assert_true(fx_note(f, "2025-10-16", RULES_NOTE_CHILD_SICK_OVER_3_DAYS));
	fx_free(f);

	f = fx_new("no-integreringsloven", "2025-10-13", "2025-10-17");
	fx_absence(f, RULES_CAT_CHILD_SICK, "2025-10-13", "2025-10-17")->doctor_note = true;
	fx_ok(f);
	assert_int_equal(f->out.totals.excused_min[RULES_CAT_CHILD_SICK], 5 * 450);
	fx_free(f);
}

/* Days used in the period leave the rolling window 12 months later. */
static void
test_child_sick_rolling(void **state)
{
	(void)state;
	struct fx *f = fx_new("no-integreringsloven", "2025-01-06", "2026-01-07");
	f->in.participant.children = 1;
	const char *pairs[][2] = {{"2025-01-06", "2025-01-07"}, {"2025-01-13", "2025-01-14"},
	                          {"2025-01-20", "2025-01-21"}, {"2025-01-27", "2025-01-28"},
	                          {"2025-02-03", "2025-02-04"}, {"2025-12-01", "2025-12-01"},
	                          {"2026-01-05", "2026-01-07"}};
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
		fx_absence(f, RULES_CAT_CHILD_SICK, pairs[i][0], pairs[i][1]);
	fx_ok(f);
	assert_int_equal(excused(f, "2025-02-04", RULES_CAT_CHILD_SICK), 450);
	assert_true(fx_note(f, "2025-12-01", RULES_NOTE_CHILD_SICK_QUOTA_EXHAUSTED));
	assert_true(fx_note(f, "2026-01-05", RULES_NOTE_CHILD_SICK_QUOTA_EXHAUSTED));
	assert_int_equal(excused(f, "2026-01-06", RULES_CAT_CHILD_SICK), 450); /* 2025-01-06 left */
	assert_int_equal(excused(f, "2026-01-07", RULES_CAT_CHILD_SICK), 450); /* 2025-01-07 left */
	fx_free(f);
}

/* ---- the day-counted quotas ---- */

/* history_offset: the quota's field in struct rules_history. */
static void
day_quota(enum rules_category cat, size_t history_offset, int limit, enum rules_note note)
{
	for (int used = limit - 1; used <= limit; used++) {
		struct fx *f = fx_new("no-integreringsloven", "2025-10-13", "2025-10-14");
		*(int *)((char *)&f->in.history + history_offset) = used;
		fx_absence(f, cat, "2025-10-13", "2025-10-14");
		fx_ok(f);
		assert_int_equal(f->out.totals.excused_min[cat], (limit - used) * 450);
		assert_true(fx_note(f, "2025-10-14", note));
		fx_free(f);
	}
}

static void
test_day_quotas(void **state)
{
	(void)state;
	day_quota(RULES_CAT_RELIGIOUS_HOLIDAY, offsetof(struct rules_history, religious_days), 2,
	          RULES_NOTE_RELIGIOUS_QUOTA_EXHAUSTED);
	day_quota(RULES_CAT_PREGNANCY, offsetof(struct rules_history, pregnancy_days), 10,
	          RULES_NOTE_PREGNANCY_QUOTA_EXHAUSTED);
	day_quota(RULES_CAT_BIRTH_MOTHER, offsetof(struct rules_history, birth_mother_days), 20,
	          RULES_NOTE_BIRTH_MOTHER_QUOTA_EXHAUSTED);
	day_quota(RULES_CAT_BIRTH_FATHER, offsetof(struct rules_history, birth_father_days), 7,
	          RULES_NOTE_BIRTH_FATHER_QUOTA_EXHAUSTED);
	day_quota(RULES_CAT_VACATION, offsetof(struct rules_history, vacation_days), 25,
	          RULES_NOTE_VACATION_QUOTA_EXHAUSTED);
}

/* Per-calendar-year quotas start again on 1 January. */
static void
test_year_reset(void **state)
{
	(void)state;
	struct fx *f = fx_new("no-integreringsloven", "2025-12-29", "2026-01-02");
	f->in.history.religious_days = 1;
	fx_absence(f, RULES_CAT_RELIGIOUS_HOLIDAY, "2025-12-29", "2026-01-02");
	fx_ok(f);
	assert_int_equal(excused(f, "2025-12-29", RULES_CAT_RELIGIOUS_HOLIDAY), 450);
	assert_true(fx_note(f, "2025-12-30", RULES_NOTE_RELIGIOUS_QUOTA_EXHAUSTED));
	assert_int_equal(fx_day(f, "2026-01-01")->scheduled_min, 0);
	assert_int_equal(excused(f, "2026-01-02", RULES_CAT_RELIGIOUS_HOLIDAY), 450);
	fx_free(f);
}

/* 14 days' notice is asked for; shorter notice warns and still excuses. */
static void
test_religious_notice(void **state)
{
	(void)state;
	for (int notice = 13; notice <= 14; notice++) {
		struct fx *f = fx_new("no-integreringsloven", "2025-10-13", "2025-10-13");
		fx_absence(f, RULES_CAT_RELIGIOUS_HOLIDAY, "2025-10-13", "2025-10-13")
		    ->registered_on = fx_date("2025-10-13") - notice;
		fx_ok(f);
		assert_int_equal(excused(f, "2025-10-13", RULES_CAT_RELIGIOUS_HOLIDAY), 450);
		assert_int_equal(fx_flag(f, "2025-10-13", RULES_FLAG_RELIGIOUS_SHORT_NOTICE),
		                 notice < 14);
		fx_free(f);
	}
}

/* Prenatal check-ups have no quota, even when the pregnancy days are used up. */
static void
test_pregnancy_checkup(void **state)
{
	(void)state;
	struct fx *f = fx_new("no-integreringsloven", "2025-10-13", "2025-10-13");
	f->in.history.pregnancy_days = 10;
	struct rules_absence *a = fx_absence(f, RULES_CAT_PREGNANCY, "2025-10-13", "2025-10-13");
	a->checkup = true;
	a->start = 9 * 60;
	a->end = 11 * 60;
	fx_ok(f);
	assert_int_equal(excused(f, "2025-10-13", RULES_CAT_PREGNANCY), 120);
	assert_int_equal(unexcused(f, "2025-10-13"), 330);
	assert_int_equal(fx_day(f, "2025-10-13")->notes, 0);
	fx_free(f);
}

/* Welfare leave: no quota by default; a municipality may set one. */
static void
test_leave_approved(void **state)
{
	(void)state;
	struct fx *f = fx_new("no-integreringsloven", "2025-10-13", "2025-10-17");
	f->in.history.leave_approved_days = 1000;
	fx_absence(f, RULES_CAT_LEAVE_APPROVED, "2025-10-13", "2025-10-17");
	fx_ok(f);
	assert_int_equal(f->out.totals.excused_min[RULES_CAT_LEAVE_APPROVED], 5 * 450);
	fx_free(f);
	f = fx_new("no-integreringsloven", "2025-10-13", "2025-10-17");
	fx_param(f, "leave_approved_days_per_year", "3");
	fx_absence(f, RULES_CAT_LEAVE_APPROVED, "2025-10-13", "2025-10-17");
	fx_ok(f);
	assert_int_equal(f->out.totals.excused_min[RULES_CAT_LEAVE_APPROVED], 3 * 450);
	assert_true(fx_note(f, "2025-10-16", RULES_NOTE_LEAVE_APPROVED_QUOTA_EXHAUSTED));
	fx_free(f);
}

/* Unpaid leave: excused minutes, valued per calendar day at monthly / 30. */
static void
test_leave_unpaid(void **state)
{
	(void)state;
	struct fx *f = fx_new("no-integreringsloven", "2025-10-13", "2025-10-19");
	fx_absence(f, RULES_CAT_LEAVE_UNPAID, "2025-10-13", "2025-10-19");
	fx_ok(f);
	assert_int_equal(f->out.totals.excused_min[RULES_CAT_LEAVE_UNPAID], 5 * 450);
	assert_int_equal(f->out.totals.unexcused_min, 0);
	assert_int_equal(f->out.totals.unpaid_leave_ore, 506178); /* 7 * 260320/12/30 */
	assert_int_equal(f->out.totals.deduction_ore, 0);
	assert_false(f->out.payouts[0].decision_required);
	fx_free(f);
	/* A Saturday alone is still a calendar day; the rate factor applies. */
	f = fx_new("no-integreringsloven", "2025-10-18", "2025-10-18");
	f->in.participant.rate = RULES_RATE_UNDER25_WITH_PARENTS;
	fx_absence(f, RULES_CAT_LEAVE_UNPAID, "2025-10-18", "2025-10-18");
	fx_ok(f);
	assert_int_equal(f->out.totals.unpaid_leave_ore, 24104); /* 260320/3/12/30 = 241.037 */
	fx_free(f);
}

/* Denmark: no self-certification quotas; the categories stay. */
static void
test_denmark_quotas_off(void **state)
{
	(void)state;
	struct fx *f = fx_new("dk-integrationsprogram", "2025-09-08", "2025-10-31");
	f->in.participant.programme_start = fx_date("2025-09-01");
	f->in.participant.monthly_benefit_ore = 650000;
	f->in.history.child_sick_days = 500;
	f->in.history.religious_days = 50;
	fx_absence(f, RULES_CAT_SICK_SELF_DECLARED, "2025-09-08", "2025-09-26");
	fx_absence(f, RULES_CAT_CHILD_SICK, "2025-09-29", "2025-10-10");
	fx_absence(f, RULES_CAT_RELIGIOUS_HOLIDAY, "2025-10-13", "2025-10-31");
	fx_ok(f);
	assert_int_equal(f->out.totals.unexcused_min, 0);
	assert_int_equal(f->out.totals.excused_min[RULES_CAT_SICK_SELF_DECLARED], 15 * 450);
	assert_int_equal(f->out.totals.excused_min[RULES_CAT_CHILD_SICK], 10 * 450);
	fx_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_self_declared_days),
	    cmocka_unit_test(test_self_declared_calendar_days),
	    cmocka_unit_test(test_self_declared_occurrences),
	    cmocka_unit_test(test_self_declared_first_8_weeks),
	    cmocka_unit_test(test_self_declared_joining),
	    cmocka_unit_test(test_fall_through_and_order),
	    cmocka_unit_test(test_stretch_absence),
	    cmocka_unit_test(test_amount_absence),
	    cmocka_unit_test(test_child_sick_limits),
	    cmocka_unit_test(test_child_sick_self_days),
	    cmocka_unit_test(test_child_sick_rolling),
	    cmocka_unit_test(test_day_quotas),
	    cmocka_unit_test(test_year_reset),
	    cmocka_unit_test(test_religious_notice),
	    cmocka_unit_test(test_pregnancy_checkup),
	    cmocka_unit_test(test_leave_approved),
	    cmocka_unit_test(test_leave_unpaid),
	    cmocka_unit_test(test_denmark_quotas_off),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
