/*
 * test_rules_calendar.c — day numbers, weekdays, month arithmetic, the Easter
 * computus, and the public holidays of Norway and Denmark for 2020-2040 checked
 * day by day against a table written out here (not derived from the engine); dates
 * read as sscanf() read them, over every day of 300 years and generated strings.
 */
#include "rules_fixture.h"

/* Easter Sunday, Maundy Thursday, Good Friday, Easter Monday, Great Prayer Day,
 * Ascension Day, Whit Sunday, Whit Monday (MM-DD). */
static const struct {
	int year;
	const char *d[8];
} movable[] = {
    {2020, {"04-12", "04-09", "04-10", "04-13", "05-08", "05-21", "05-31", "06-01"}},
    {2021, {"04-04", "04-01", "04-02", "04-05", "04-30", "05-13", "05-23", "05-24"}},
    {2022, {"04-17", "04-14", "04-15", "04-18", "05-13", "05-26", "06-05", "06-06"}},
    {2023, {"04-09", "04-06", "04-07", "04-10", "05-05", "05-18", "05-28", "05-29"}},
    {2024, {"03-31", "03-28", "03-29", "04-01", "04-26", "05-09", "05-19", "05-20"}},
    {2025, {"04-20", "04-17", "04-18", "04-21", "05-16", "05-29", "06-08", "06-09"}},
    {2026, {"04-05", "04-02", "04-03", "04-06", "05-01", "05-14", "05-24", "05-25"}},
    {2027, {"03-28", "03-25", "03-26", "03-29", "04-23", "05-06", "05-16", "05-17"}},
    {2028, {"04-16", "04-13", "04-14", "04-17", "05-12", "05-25", "06-04", "06-05"}},
    {2029, {"04-01", "03-29", "03-30", "04-02", "04-27", "05-10", "05-20", "05-21"}},
    {2030, {"04-21", "04-18", "04-19", "04-22", "05-17", "05-30", "06-09", "06-10"}},
    {2031, {"04-13", "04-10", "04-11", "04-14", "05-09", "05-22", "06-01", "06-02"}},
    {2032, {"03-28", "03-25", "03-26", "03-29", "04-23", "05-06", "05-16", "05-17"}},
    {2033, {"04-17", "04-14", "04-15", "04-18", "05-13", "05-26", "06-05", "06-06"}},
    {2034, {"04-09", "04-06", "04-07", "04-10", "05-05", "05-18", "05-28", "05-29"}},
    {2035, {"03-25", "03-22", "03-23", "03-26", "04-20", "05-03", "05-13", "05-14"}},
    {2036, {"04-13", "04-10", "04-11", "04-14", "05-09", "05-22", "06-01", "06-02"}},
    {2037, {"04-05", "04-02", "04-03", "04-06", "05-01", "05-14", "05-24", "05-25"}},
    {2038, {"04-25", "04-22", "04-23", "04-26", "05-21", "06-03", "06-13", "06-14"}},
    {2039, {"04-10", "04-07", "04-08", "04-11", "05-06", "05-19", "05-29", "05-30"}},
    {2040, {"04-01", "03-29", "03-30", "04-02", "04-27", "05-10", "05-20", "05-21"}},
};

static int32_t
md(int year, const char *mmdd)
{
	return rules_date(year, (mmdd[0] - '0') * 10 + mmdd[1] - '0',
	                  (mmdd[3] - '0') * 10 + mmdd[4] - '0');
}

static void
test_date_roundtrip(void **state)
{
	(void)state;
	assert_int_equal(rules_date(1970, 1, 1), 0);
	assert_int_equal(rules_date(2000, 3, 1), 11017);
	assert_int_equal(rules_date(1969, 12, 31), -1);
	for (int32_t d = rules_date(1900, 1, 1); d < rules_date(2200, 1, 1); d++) {
		int y, m, dd;
		rules_ymd(d, &y, &m, &dd);
		assert_int_equal(rules_date(y, m, dd), d);
	}
}

static void
test_date_parse_format(void **state)
{
	(void)state;
	int32_t d;
	char buf[16];
	assert_int_equal(rules_date_parse("2024-02-29", &d), 0);
	rules_date_format(d, buf, sizeof buf);
	assert_string_equal(buf, "2024-02-29");
	assert_int_equal(rules_date_parse("2025-02-29", &d), -1);
	assert_int_equal(rules_date_parse("2025-13-01", &d), -1);
	assert_int_equal(rules_date_parse("2025-1-01", &d), -1);
	assert_int_equal(rules_date_parse("2025-01-01x", &d), -1);
	assert_int_equal(rules_date_parse("", &d), -1);
	assert_int_equal(rules_date_parse("2025/01/01", &d), -1);
}

static void
test_weekday(void **state)
{
	(void)state;
	assert_int_equal(rules_weekday(rules_date(1970, 1, 1)), 4);
	assert_int_equal(rules_weekday(rules_date(2025, 10, 13)), 1);
	assert_int_equal(rules_weekday(rules_date(2025, 10, 19)), 7);
	assert_int_equal(rules_weekday(rules_date(1969, 12, 29)), 1);
}

static void
test_add_months(void **state)
{
	(void)state;
	assert_int_equal(rules_add_months(rules_date(2025, 1, 31), 1), rules_date(2025, 2, 28));
	assert_int_equal(rules_add_months(rules_date(2024, 3, 31), -1), rules_date(2024, 2, 29));
	assert_int_equal(rules_add_months(rules_date(2025, 10, 6), -12), rules_date(2024, 10, 6));
	assert_int_equal(rules_add_months(rules_date(2025, 11, 15), 3), rules_date(2026, 2, 15));
	assert_int_equal(rules_days_in_month(2100, 2), 28);
	assert_int_equal(rules_days_in_month(2000, 2), 29);
}

static void
test_easter(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof movable / sizeof movable[0]; i++)
		assert_int_equal(rules_easter(movable[i].year),
		                 md(movable[i].year, movable[i].d[0]));
}

/* Every day of every year: a holiday exactly when the table says so. */
static void
check_calendar(enum rules_holidays cal)
{
	for (size_t i = 0; i < sizeof movable / sizeof movable[0]; i++) {
		int y = movable[i].year;
		int32_t want[16];
		int n = 0;
		want[n++] = rules_date(y, 1, 1);
		want[n++] = rules_date(y, 12, 25);
		want[n++] = rules_date(y, 12, 26);
		for (int k = 0; k < 8; k++) {
			if (k == 4 && (cal == RULES_HOLIDAYS_NO || y > 2023))
				continue; /* Great Prayer Day: Denmark, until 2023 */
			want[n++] = md(y, movable[i].d[k]);
		}
		if (cal == RULES_HOLIDAYS_NO) {
			want[n++] = rules_date(y, 5, 1);
			want[n++] = rules_date(y, 5, 17);
		}
		for (int32_t d = rules_date(y, 1, 1); d < rules_date(y + 1, 1, 1); d++) {
			bool expect = false;
			for (int k = 0; k < n; k++)
				expect |= want[k] == d;
			if (rules_is_holiday(cal, d) != expect) {
				char buf[16];
				rules_date_format(d, buf, sizeof buf);
				fail_msg("%s %s: expected %s",
				         cal == RULES_HOLIDAYS_NO ? "NO" : "DK", buf,
				         expect ? "a holiday" : "no holiday");
			}
		}
	}
}

static void
test_holidays_norway(void **state)
{
	(void)state;
	check_calendar(RULES_HOLIDAYS_NO);
}

static void
test_holidays_denmark(void **state)
{
	(void)state;
	check_calendar(RULES_HOLIDAYS_DK);
	/* Great Prayer Day: 2023-05-05 was the last one. */
	assert_true(rules_is_holiday(RULES_HOLIDAYS_DK, rules_date(2023, 5, 5)));
	assert_false(rules_is_holiday(RULES_HOLIDAYS_DK, rules_date(2024, 4, 26)));
	assert_false(rules_is_holiday(RULES_HOLIDAYS_NO, rules_date(2023, 5, 5)));
	assert_false(rules_is_holiday(RULES_HOLIDAYS_DK, rules_date(2025, 5, 1)));
	assert_false(rules_is_holiday(RULES_HOLIDAYS_DK, rules_date(2025, 5, 17)));
}

/* A holiday on a scheduled weekday is not scheduled; the day before and after are. */
static void
test_holiday_not_scheduled(void **state)
{
	(void)state;
	struct fx *f = fx_new("no-integreringsloven", "2025-05-16", "2025-05-19");
	fx_ok(f);
	assert_int_equal(fx_day(f, "2025-05-16")->scheduled_min, 450);
	assert_int_equal(fx_day(f, "2025-05-17")->scheduled_min, 0); /* Saturday and 17 May */
	assert_int_equal(fx_day(f, "2025-05-19")->scheduled_min, 450);
	fx_free(f);
	f = fx_new("no-integreringsloven", "2026-05-15", "2026-05-18");
	fx_future_g(f);
	fx_ok(f);
	assert_int_equal(fx_day(f, "2026-05-15")->scheduled_min, 450);
	fx_free(f);
	f = fx_new("no-integreringsloven", "2027-05-17", "2027-05-18");
	fx_future_g(f);
	fx_ok(f);
	assert_int_equal(fx_day(f, "2027-05-17")->scheduled_min, 0); /* Monday 17 May */
	assert_true(fx_flag(f, "2027-05-17", RULES_FLAG_PUBLIC_HOLIDAY));
	assert_int_equal(fx_day(f, "2027-05-17")->unexcused_min, 0);
	assert_int_equal(fx_day(f, "2027-05-18")->unexcused_min, 450);
	fx_free(f);
}

/* Closure days and dated exceptions replace the template. */
static void
test_closure_and_exceptions(void **state)
{
	(void)state;
	struct fx *f = fx_new("no-integreringsloven", "2025-10-06", "2025-10-10");
	f->closures[f->in.n_closures++] = fx_date("2025-10-07");
	f->exc[f->in.n_exceptions++] =
	    (struct rules_exception){fx_date("2025-10-08"), false, 9 * 60, 12 * 60, false};
	f->exc[f->in.n_exceptions++] =
	    (struct rules_exception){fx_date("2025-10-08"), false, 13 * 60, 14 * 60, true};
	f->exc[f->in.n_exceptions++] =
	    (struct rules_exception){fx_date("2025-10-09"), true, 0, 0, false};
	fx_ok(f);
	assert_int_equal(fx_day(f, "2025-10-06")->scheduled_min, 450);
	assert_int_equal(fx_day(f, "2025-10-07")->scheduled_min, 0);
	assert_true(fx_flag(f, "2025-10-07", RULES_FLAG_CLOSURE));
	assert_int_equal(fx_day(f, "2025-10-08")->scheduled_min, 240);
	assert_int_equal(fx_day(f, "2025-10-08")->attended_min, 60); /* off-site hour */
	assert_int_equal(fx_day(f, "2025-10-08")->unexcused_min, 180);
	assert_int_equal(fx_day(f, "2025-10-09")->scheduled_min, 0);
	assert_int_equal(f->out.totals.scheduled_min, 450 + 240 + 450);
	fx_free(f);
}

/* Template entries with validity dates (a new timetable from a date). */
static void
test_template_validity(void **state)
{
	(void)state;
	struct fx *f = fx_new("no-integreringsloven", "2025-10-09", "2025-10-10");
	f->templ[0].to = fx_date("2025-10-09");
	f->templ[1] =
	    (struct rules_template){0x3e, 9 * 60, 12 * 60, false, fx_date("2025-10-10"), INT32_MAX};
	f->in.n_templ = 2;
	fx_ok(f);
	assert_int_equal(fx_day(f, "2025-10-09")->scheduled_min, 450);
	assert_int_equal(fx_day(f, "2025-10-10")->scheduled_min, 180);
	fx_free(f);
}

/* rules_date_parse() as it was (sscanf for every date): the reference. */
static int
parse_ref(const char *s, int32_t *date)
{
	int y, m, d, n = 0;
	if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10)
		return -1;
	if (s[4] != '-' || s[7] != '-' || y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1 ||
	    d > rules_days_in_month(y, m))
		return -1;
	*date = rules_date(y, m, d);
	return 0;
}

/*
 * The fast reading of plain dates accepts and gives exactly what sscanf did: every
 * day of 1899-12-01 .. 2200-01-31, each with one character changed, and random
 * strings of digits, dashes, signs and blanks.
 */
static void
test_date_parse_as_sscanf(void **state)
{
	static const char alpha[] = "0123456789-+ x0123456789--";
	uint64_t rng = 88172645463325252u;
	size_t ok = 0, checked = 0;
	char buf[16];

	(void)state;
	for (int32_t d = rules_date(1899, 12, 1); d <= rules_date(2200, 1, 31); d++) {
		int y, m, dd;

		rules_ymd(d, &y, &m, &dd);
		for (int k = -1; k < 10; k++) {
			int32_t a = -7, b = -7;
			int ra, rb;

			snprintf(buf, sizeof(buf), "%04d-%02d-%02d", y, m, dd);
			if (k >= 0) {
				rng ^= rng << 13;
				rng ^= rng >> 7;
				rng ^= rng << 17;
				buf[k] = alpha[rng % (sizeof(alpha) - 1)];
			}
			ra = rules_date_parse(buf, &a);
			rb = parse_ref(buf, &b);
			if (ra != rb || a != b)
				fail_msg("\"%s\": %d/%d, sscanf gave %d/%d", buf, ra, (int)a, rb,
				         (int)b);
			ok += ra == 0;
			checked++;
		}
	}
	for (int i = 0; i < 200000; i++) {
		int32_t a = -7, b = -7;
		int ra, rb;
		size_t len = 8 + (size_t)(i % 4);

		for (size_t k = 0; k < len; k++) {
			rng ^= rng << 13;
			rng ^= rng >> 7;
			rng ^= rng << 17;
			buf[k] = alpha[rng % (sizeof(alpha) - 1)];
		}
		buf[len] = '\0';
		ra = rules_date_parse(buf, &a);
		rb = parse_ref(buf, &b);
		if (ra != rb || a != b)
			fail_msg("\"%s\": %d/%d, sscanf gave %d/%d", buf, ra, (int)a, rb, (int)b);
		checked++;
	}
	/* the days of 1900..2199 parse, and some changed ones still do (e.g. "+1" months) */
	assert_true(ok > 300 * 365);
	print_message("%zu strings compared, %zu dates\n", checked, ok);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_date_roundtrip),
	    cmocka_unit_test(test_date_parse_format),
	    cmocka_unit_test(test_date_parse_as_sscanf),
	    cmocka_unit_test(test_weekday),
	    cmocka_unit_test(test_add_months),
	    cmocka_unit_test(test_easter),
	    cmocka_unit_test(test_holidays_norway),
	    cmocka_unit_test(test_holidays_denmark),
	    cmocka_unit_test(test_holiday_not_scheduled),
	    cmocka_unit_test(test_closure_and_exceptions),
	    cmocka_unit_test(test_template_validity),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
