/*
 * test_period.c — pay periods: bounds (monthly, biweekly around the anchor), CSV
 * quoting and decimal marks, closing that freezes (the same bytes after later
 * changes and after reopening the database), adjustment lines that point to the
 * day they correct and whose rounded money adds up exactly, a new G as an
 * adjustment, refusal when G is unknown, and the API tokens.
 */
#include "attendance_fixture.h"
#include "paydoc.h"
#include "tokens.h"

static int32_t
D(const char *s)
{
	int32_t d;

	assert_int_equal(rules_date_parse(s, &d), 0);
	return d;
}

static void
test_bounds(void **state)
{
	struct config c;
	int32_t f, t;

	config_defaults(&c);
	period_bounds(&c, D("2026-02-14"), &f, &t);
	assert_int_equal(f, D("2026-02-01"));
	assert_int_equal(t, D("2026-02-28"));
	period_bounds(&c, D("2024-02-29"), &f, &t);
	assert_int_equal(t, D("2024-02-29"));
	period_bounds(&c, D("2026-12-31"), &f, &t);
	assert_int_equal(f, D("2026-12-01"));
	snprintf(c.payroll.payout, sizeof(c.payroll.payout), "biweekly");
	snprintf(c.payroll.anchor, sizeof(c.payroll.anchor), "2026-01-05");
	period_bounds(&c, D("2026-01-05"), &f, &t);
	assert_int_equal(f, D("2026-01-05"));
	assert_int_equal(t, D("2026-01-18"));
	period_bounds(&c, D("2026-01-18"), &f, &t);
	assert_int_equal(f, D("2026-01-05"));
	period_bounds(&c, D("2026-01-19"), &f, &t);
	assert_int_equal(f, D("2026-01-19"));
	/* Before the anchor: the same fortnights, counted backwards. */
	period_bounds(&c, D("2026-01-04"), &f, &t);
	assert_int_equal(f, D("2025-12-22"));
	assert_int_equal(t, D("2026-01-04"));
}

/* Fields of one CSV record (RFC 4180), from *p; moves *p past the CRLF. */
static int
csv_record(const char **p, char sep, char fields[64][128])
{
	int n = 0;
	size_t k = 0;
	int quoted = 0;

	memset(fields, 0, 64 * 128);
	for (; **p; (*p)++) {
		char c = **p;

		if (quoted) {
			if (c == '"' && (*p)[1] == '"')
				fields[n][k++] = '"', (*p)++;
			else if (c == '"')
				quoted = 0;
			else
				fields[n][k++] = c;
		} else if (c == '"') {
			quoted = 1;
		} else if (c == sep) {
			n++, k = 0;
		} else if (c == '\r' && (*p)[1] == '\n') {
			*p += 2;
			return n + 1;
		} else {
			fields[n][k++] = c;
		}
	}
	return n + (k > 0);
}

static void
test_csv(void **state)
{
	json_t *doc = json_pack(
	    "{s:{s:i, s:s, s:s}, s:[{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s}, s:s, s:s,"
	    " s:s, s:s, s:s, s:b, s:b, s:b, s:s, s:s, s:n, s:n}]}",
	    "period", "id", 1, "from", "2026-02-01", "to", "2026-02-28", "lines", "kind", "line",
	    "period_from", "2026-02-01", "period_to", "2026-02-28", "participant", "P-1", "name",
	    "Ola \"Olsen\"; Nordmann, jr", "scheduled_hours", "150.00", "attended_hours", "142.50",
	    "excused_hours", "sick_doctor", "7.50", "unexcused_hours", "0.00", "hour_value",
	    "140.71", "gross", "21693.33", "deduction", "-1055.35", "unpaid_leave", "0.00",
	    "decision_required", 1, "needs_assessment", 0, "past_deadline", 0, "pay_code", "INTRO",
	    "currency", "NOK", "corrects_period", "corrects_date");
	char head[64][128], row[64][128];
	struct paydoc_csv_format fmt = {.sep = ';', .mark = ',', .lang = "en", .bom = false};
	char *csv = paydoc_csv(doc, &fmt);
	const char *p = csv;
	int nh, nr, col = -1, net = -1;

	assert_non_null(csv);
	free(csv);
	json_object_set_new(json_array_get(json_object_get(doc, "lines"), 0), "net",
	                    json_string("22748.68"));
	p = csv = paydoc_csv(doc, &fmt);
	nh = csv_record(&p, ';', head);
	nr = csv_record(&p, ';', row);
	assert_int_equal(*p, '\0');
	assert_int_equal(nh, nr);
	for (int i = 0; i < nh; i++) {
		if (strcmp(head[i], "Name") == 0)
			col = i;
		if (strcmp(head[i], "Net (kr)") == 0)
			net = i;
	}
	assert_true(col >= 0 && net >= 0);
	assert_string_equal(row[col], "Ola \"Olsen\"; Nordmann, jr");
	/* quoted because of the separator and the quotes, quotes doubled */
	assert_non_null(strstr(csv, "\"Ola \"\"Olsen\"\"; Nordmann, jr\""));
	assert_non_null(strstr(csv, ";142,50;"));
	assert_non_null(strstr(csv, ";-1055,35;")); /* a negative amount stays a number */
	assert_non_null(strstr(csv, ";7,50;"));
	assert_non_null(strstr(csv, ";yes;no;no;")); /* booleans in the header language */
	assert_string_equal(row[net], "22748,68");
	free(csv);
	/* Comma-separated with a decimal point: the comma in the name is quoted. */
	fmt = (struct paydoc_csv_format){.sep = ',', .mark = '.', .lang = "en"};
	csv = paydoc_csv(doc, &fmt);
	assert_non_null(strstr(csv, ",\"Ola \"\"Olsen\"\"; Nordmann, jr\","));
	assert_non_null(strstr(csv, ",142.50,"));
	free(csv);
	/* Norwegian: headers with units, ja/nei, and a byte-order mark for ';'. */
	fmt = (struct paydoc_csv_format){.sep = ';', .mark = ',', .lang = "nb", .bom = true};
	csv = paydoc_csv(doc, &fmt);
	assert_memory_equal(csv, "\xEF\xBB\xBFStatus;Type;Periode fra", 26);
	assert_non_null(strstr(csv, ";Trekk (kr);"));
	assert_non_null(strstr(csv, ";Planlagt (timer);"));
	assert_non_null(strstr(csv, ";ja;nei;nei;"));
	assert_non_null(strstr(csv, "\r\nendelig;linje;"));
	free(csv);
	json_decref(doc);
}

/* OWASP CSV injection: text cells that a spreadsheet would run stay text. */
static void
test_csv_injection(void **state)
{
	static const char *const names[] = {"=HYPERLINK(\"http://x\",\"y\")",
	                                    "+47 1",
	                                    "-2+3",
	                                    "@SUM(A1)",
	                                    "\tTab",
	                                    "\rCR",
	                                    "Normal Name"};
	static const char *const want[] = {"\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"",
	                                   "\"'+47 1\"",
	                                   "\"'-2+3\"",
	                                   "\"'@SUM(A1)\"",
	                                   "\"'\tTab\"",
	                                   "\"'\rCR\"",
	                                   ";Normal Name;"};
	struct paydoc_csv_format fmt = {.sep = ';', .mark = ',', .lang = "en"};

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		json_t *doc = json_pack("{s:b, s:[{s:s, s:s, s:s, s:s, s:s}]}", "preliminary", 1,
		                        "lines", "kind", "line", "participant", "P-1", "name",
		                        names[i], "pay_code", "=1+1", "gross", "=2");
		char *csv = paydoc_csv(doc, &fmt);

		assert_non_null(csv);
		if (strstr(csv, want[i]) == NULL)
			fail_msg("name %zu not neutralised: %s", i, csv);
		/* the pay code and a money cell that is not a number are neutralised too */
		assert_non_null(strstr(csv, "\"'=1+1\""));
		assert_non_null(strstr(csv, "\"'=2\""));
		/* a preliminary document says so on every line */
		assert_non_null(strstr(csv, "\r\npreliminary;line;"));
		free(csv);
		json_decref(doc);
	}
}

/*
 * The CSV the API serves (made from the lines, period_stipend_lines) is the CSV of
 * the JSON document, byte for byte: closed periods, adjustments, open ones.
 */
static void
csv_same(struct afx *f, int64_t id, const json_t *doc)
{
	struct paydoc_csv_format fmt = {.sep = ';', .mark = ',', .lang = "nb", .bom = true};
	struct paydoc_lines d;
	char err[512], *want, *got;

	if (period_stipend_lines(f->per, id, &d, err, sizeof(err)) != 0)
		fail_msg("stipend lines %lld: %s", (long long)id, err);
	want = paydoc_csv(doc, &fmt);
	got = paydoc_lines_csv(&d, &fmt);
	assert_non_null(want);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(want);
	free(got);
	paydoc_lines_free(&d);
}

static char *
stipend(struct afx *f, int64_t id)
{
	json_t *doc;
	char err[512], *s;

	if (period_stipend(f->per, id, &doc, err, sizeof(err)) != 0)
		fail_msg("stipend %lld: %s", (long long)id, err);
	csv_same(f, id, doc);
	s = json_dumps(doc, JSON_INDENT(1));
	json_decref(doc);
	return s;
}

static int64_t
money(const json_t *v)
{
	const char *s = json_string_value(v);
	int64_t ore;
	int neg = *s == '-';

	assert_int_equal(rules_ore_parse(s + neg, &ore), 0);
	return neg ? -ore : ore;
}

/* The lines of a stipend document (as JSON text): frozen or computed, compared. */
static char *
stipend_lines(struct afx *f, int64_t id)
{
	json_t *doc;
	char err[512], *s;

	if (period_stipend(f->per, id, &doc, err, sizeof(err)) != 0)
		fail_msg("stipend %lld: %s", (long long)id, err);
	csv_same(f, id, doc);
	s = json_dumps(json_object_get(doc, "lines"), JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(doc);
	return s;
}

/*
 * A close computed ahead (period_close_prepare, as the reports thread does) is used
 * only if nothing was written since its token; either way the frozen lines are the
 * lines the period computes.
 */
static void
test_close_prepared(void **state)
{
	struct afx *f = *state;
	struct store_period jan, feb;
	struct period_close_prep *prep;
	char err[512], *live, *frozen;
	int64_t tok[2];
	int64_t p = afx_participant(f, "P-1", "2025-09-01", 480, 930, 0);

	afx_participant(f, "P-2", "2025-09-01", 480, 900, 0);
	afx_tap(f, p, "2026-01-12", 480, "in");
	afx_tap(f, p, "2026-01-12", 700, "out");
	afx_tap(f, p, "2026-02-09", 480, "in");
	afx_tap(f, p, "2026-02-09", 930, "out");
	assert_int_equal(period_ensure(f->per, "2026-01-10", &jan, err, sizeof(err)), 0);
	assert_int_equal(period_ensure(f->per, "2026-02-10", &feb, err, sizeof(err)), 0);

	/* A tap after the preparation: the prepared lines are stale, the close computes. */
	assert_int_equal(store_write_token(f->s, tok), 0);
	assert_non_null(prep = period_close_prepare(f->per, feb.id, tok));
	afx_tap(f, p, "2026-02-10", 480, "in");
	afx_tap(f, p, "2026-02-10", 930, "out");
	period_close_offer(f->per, prep);
	live = stipend_lines(f, feb.id);
	assert_int_equal(afx_period_close(f, feb.id, "token:payroll", "", err, sizeof(err)), 0);
	assert_int_equal(period_closes_prepared(f->per), 0);
	frozen = stipend_lines(f, feb.id);
	assert_string_equal(frozen, live);
	free(live);
	free(frozen);

	/* Nothing written in between: the prepared lines are used, and are the same. */
	live = stipend_lines(f, jan.id);
	assert_int_equal(store_write_token(f->s, tok), 0);
	assert_non_null(prep = period_close_prepare(f->per, jan.id, tok));
	period_close_offer(f->per, prep);
	assert_int_equal(afx_period_close(f, jan.id, "token:payroll", "", err, sizeof(err)), 0);
	assert_int_equal(period_closes_prepared(f->per), 1);
	frozen = stipend_lines(f, jan.id);
	assert_string_equal(frozen, live);
	free(live);
	free(frozen);
	/* A prepared close of a closed period is nothing. */
	assert_null(period_close_prepare(f->per, jan.id, tok));
}

static void
test_close_and_adjust(void **state)
{
	struct afx *f = *state;
	struct store_period feb, mar;
	struct attendance_days r;
	char err[512], uuid[40], *before, *after;
	int64_t p = afx_participant(f, "P-1", "2025-09-01", 480, 930, 0);
	json_t *doc, *l;
	size_t i;
	int64_t ded = 0;

	afx_participant(f, "P-2", "2025-09-01", 480, 930, 0);
	afx_tap(f, p, "2026-02-09", 480, "in");
	afx_tap(f, p, "2026-02-09", 930, "out");
	assert_int_equal(period_ensure(f->per, "2026-02-10", &feb, err, sizeof(err)), 0);
	assert_string_equal(feb.from, "2026-02-01");
	assert_int_equal(afx_period_close(f, feb.id, "token:payroll", "February", err, sizeof(err)),
	                 0);
	assert_int_equal(afx_period_close(f, feb.id, "token:payroll", "again", err, sizeof(err)),
	                 2);
	assert_int_equal(afx_sql(f, "SELECT count(*) FROM period_lines WHERE kind = 'line'"), 2);
	assert_int_equal(afx_sql(f, "SELECT count(*) FROM outbox WHERE type = 'period_result'"), 2);
	assert_int_equal(afx_sql(f, "SELECT count(*) FROM audit WHERE action = 'period.close'"
	                            " AND who = 'token:payroll' AND detail LIKE '%February%'"),
	                 1);
	before = stipend(f, feb.id);

	/* Late changes to three February days: a tap added, a sick note, a tap removed. */
	{
		struct attendance_correction c = {.participant_id = p,
		                                  .action = "add",
		                                  .date = "2026-02-10",
		                                  .minute = 480,
		                                  .direction = "in",
		                                  .reason = "forgot"};
		struct store_absence_row a =
		    afx_absence(p, "sick_doctor", "2026-02-11", "2026-02-12", "doctor_note");

		assert_int_equal(afx_correct_tap(f, &c, "teacher", uuid, err, sizeof(err)), 0);
		c.minute = 931;
		c.direction = "out";
		assert_int_equal(afx_correct_tap(f, &c, "teacher", uuid, err, sizeof(err)), 0);
		assert_int_equal(afx_register_absence(f, &a, "teacher", err, sizeof(err)), 0);
	}
	after = stipend(f, feb.id);
	assert_string_equal(before, after);
	free(after);

	/* The adjustments went to March, each pointing to its day. */
	assert_int_equal(period_ensure(f->per, "2026-03-01", &mar, err, sizeof(err)), 0);
	assert_int_equal(afx_sql(f, "SELECT count(*) FROM period_lines WHERE kind = 'adjustment'"),
	                 3);
	assert_int_equal(afx_sql(f, "SELECT count(DISTINCT period_id) FROM period_lines"
	                            " WHERE kind = 'adjustment'"),
	                 1);
	assert_int_equal(afx_sql(f, "SELECT count(*) FROM period_lines WHERE kind = 'adjustment'"
	                            " AND corrects_period = (SELECT id FROM periods"
	                            " WHERE from_date = '2026-02-01') AND corrects_date IN"
	                            " ('2026-02-10','2026-02-11','2026-02-12')"),
	                 3);
	assert_int_equal(afx_sql(f, "SELECT count(*) FROM outbox WHERE type = 'adjustment'"), 3);
	assert_int_equal(period_stipend(f->per, mar.id, &doc, err, sizeof(err)), 0);
	csv_same(f, mar.id, doc);
	json_array_foreach(json_object_get(doc, "lines"), i, l)
	{
		if (strcmp(json_string_value(json_object_get(l, "kind")), "adjustment") == 0) {
			assert_string_equal(json_string_value(json_object_get(
			                        json_object_get(l, "corrects_period"), "from")),
			                    "2026-02-01");
			assert_int_equal(json_integer_value(json_object_get(l, "unexcused_min")),
			                 -450);
			ded += money(json_object_get(l, "deduction"));
		}
	}
	json_decref(doc);
	/* The February line plus its adjustments is February recomputed, to the øre. */
	assert_int_equal(
	    attendance_compute(f->att, p, D("2026-02-01"), D("2026-02-28"), &r, err, sizeof(err)),
	    0);
	{
		int64_t frozen =
		    afx_sql(f, "SELECT CAST(round(json_extract(json, '$.deduction') * 100)"
		               " AS INTEGER) FROM period_lines WHERE kind = 'line'"
		               " AND participant_id = 1");

		assert_int_equal(frozen + ded, r.out.payouts[0].deduction_ore);
	}
	attendance_days_free(&r);
	/* Nothing changed since: reconciling again adds nothing. */
	{
		int added = -1;

		assert_int_equal(period_reconcile(f->per, 0, "", &added, err, sizeof(err)), 0);
		assert_int_equal(added, 0);
	}
	/* Reopen the database: the closed period is the same to the byte. */
	period_free(f->per);
	attendance_close(f->att);
	store_close(f->s);
	assert_int_equal(store_open(&f->s, f->db, err, sizeof(err)), 0);
	assert_int_equal(attendance_open(&f->att, f->s, &f->cfg, err, sizeof(err)), 0);
	assert_int_equal(period_open(&f->per, f->s, f->att, &f->cfg, err, sizeof(err)), 0);
	after = stipend(f, feb.id);
	assert_string_equal(before, after);
	free(after);
	free(before);
}

static void
test_unknown_g_and_new_g(void **state)
{
	struct afx *f = *state;
	struct store_period may;
	char err[512];
	int64_t p = afx_participant(f, "P-1", "2025-09-01", 480, 930, 0);
	int added = 0;
	json_t *doc, *l;
	size_t i;
	int gross_lines = 0;

	afx_clock("2026-06-15", 12, 0);
	afx_tap(f, p, "2026-05-04", 480, "in");
	afx_tap(f, p, "2026-05-04", 930, "out");
	assert_int_equal(period_ensure(f->per, "2026-05-04", &may, err, sizeof(err)), 0);
	assert_int_equal(afx_period_close(f, may.id, "cli:admin", "May", err, sizeof(err)), -1);
	if (strstr(err, "unknown for 2026-05-") == NULL)
		fail_msg("%s", err);
	/* Refused whole: nothing frozen, still open. */
	assert_int_equal(afx_sql(f, "SELECT count(*) FROM period_lines"), 0);
	assert_int_equal(afx_sql(f, "SELECT count(*) FROM periods WHERE status = 'closed'"), 0);
	assert_int_equal(period_stipend(f->per, may.id, &doc, err, sizeof(err)), -1);

	/* A provisional G is entered, May is closed; the real G comes later. */
	assert_int_equal(store_g_set(f->s, "2026-05-01", 130160), 0);
	assert_int_equal(afx_period_close(f, may.id, "cli:admin", "May", err, sizeof(err)), 0);
	assert_int_equal(store_g_set(f->s, "2026-05-01", 135000), 0);
	assert_int_equal(period_reconcile(f->per, 0, "2026-05-01", &added, err, sizeof(err)), 0);
	/*
	 * One gross line for the period and one line per day with unexcused minutes:
	 * 21 weekdays, less 1 May, Ascension Day and Whit Monday, less the day attended.
	 */
	assert_int_equal(added, 1 + 17);
	{
		struct store_period jun;

		assert_int_equal(period_ensure(f->per, "2026-06-01", &jun, err, sizeof(err)), 0);
		assert_int_equal(period_stipend(f->per, jun.id, &doc, err, sizeof(err)), 0);
		csv_same(f, jun.id, doc);
	}
	json_array_foreach(json_object_get(doc, "lines"), i, l)
	{
		if (json_is_null(json_object_get(l, "corrects_date")) &&
		    strcmp(json_string_value(json_object_get(l, "kind")), "adjustment") == 0) {
			/* 2 G / 12 more: (135000 - 130160) * 2 / 12 = 806.67 */
			assert_string_equal(json_string_value(json_object_get(l, "gross")),
			                    "806.67");
			gross_lines++;
		}
	}
	assert_int_equal(gross_lines, 1);
	json_decref(doc);
}

static void
test_close_rules(void **state)
{
	struct afx *f = *state;
	struct store_period apr, mar, *v;
	char err[512];
	size_t n;

	afx_participant(f, "P-1", "2026-01-05", 480, 930, 0);
	assert_int_equal(afx_period_close(f, 4242, "x", "", err, sizeof(err)), 1);
	/* No period is made after today (2026-03-16). */
	assert_int_equal(period_ensure(f->per, "2026-04-10", &apr, err, sizeof(err)), -1);
	if (strstr(err, "after today") == NULL)
		fail_msg("%s", err);
	/* The list reaches from the first programme start to today's period. */
	assert_int_equal(period_list(f->per, &v, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 3); /* January, February, March */
	assert_string_equal(v[0].from, "2026-01-01");
	free(v);
	/* In service from 2026-02-10: January is no longer offered (it stays stored). */
	assert_int_equal(attendance_set_results_from(f->att, "2026-02-10", 0, err, sizeof(err)), 0);
	assert_int_equal(period_list(f->per, &v, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].from, "2026-02-01");
	free(v);
	assert_int_equal(attendance_set_results_from(f->att, "2026-01-01", 0, err, sizeof(err)), 0);
	/* March is running on the 16th: close refused with the time it can close. */
	assert_int_equal(period_ensure(f->per, "2026-03-16", &mar, err, sizeof(err)), 0);
	assert_int_equal(afx_period_close(f, mar.id, "x", "", err, sizeof(err)), 4);
	if (strstr(err, "from 2026-04-01T00:00") == NULL)
		fail_msg("%s", err);
	assert_int_equal(afx_sql(f, "SELECT count(*) FROM periods WHERE status = 'closed'"), 0);
	/* A bad reason is refused before anything: invalid UTF-8, too long. */
	assert_int_equal(afx_period_close(f, mar.id, "x", "bad \xC3(", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "UTF-8"));
	{
		char longr[2100];

		for (size_t i = 0; i + 2 < sizeof(longr); i += 2)
			memcpy(longr + i, "\xC3\xB8", 2); /* ø, 1050 characters */
		longr[sizeof(longr) - 2] = '\0';
		assert_int_equal(afx_period_close(f, mar.id, "x", longr, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "at most 500"));
	}
	/* A wrong clock 40 years ahead makes no periods that outlive it... */
	afx_clock("2066-03-16", 12, 0);
	assert_int_equal(period_list(f->per, &v, &n, err, sizeof(err)), 0);
	free(v);
	afx_clock("2026-03-16", 12, 0);
	assert_int_equal(period_list(f->per, &v, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[n - 1].to, "2026-03-31");
	free(v);
	/* ...and on the day after the last, March closes. */
	afx_clock("2026-04-01", 0, 1);
	assert_int_equal(afx_period_close(f, mar.id, "x", "March", err, sizeof(err)), 0);
	/* A participant added after the close gets March as adjustments in April. */
	{
		struct store_period apr2;
		json_t *doc, *l;
		int64_t gross = 0, lines = 0, added = 0;
		size_t i;

		afx_participant(f, "P-late", "2026-03-02", 480, 930, 0);
		assert_int_equal(period_reconcile(f->per, 0, "", NULL, err, sizeof(err)), 0);
		assert_int_equal(period_ensure(f->per, "2026-04-01", &apr2, err, sizeof(err)), 0);
		assert_int_equal(period_stipend(f->per, apr2.id, &doc, err, sizeof(err)), 0);
		csv_same(f, apr2.id, doc);
		json_array_foreach(json_object_get(doc, "lines"), i, l)
		{
			const char *who = json_string_value(json_object_get(l, "participant"));
			const char *cp = json_string_value(
			    json_object_get(json_object_get(l, "corrects_period"), "from"));

			if (strcmp(who, "P-late") ||
			    strcmp(json_string_value(json_object_get(l, "kind")), "adjustment"))
				continue;
			assert_string_equal(cp, "2026-03-01");
			lines++;
			if (json_is_null(json_object_get(l, "corrects_date")))
				gross += strtoll(json_string_value(json_object_get(l, "gross")),
				                 NULL, 10);
			added += json_integer_value(json_object_get(l, "scheduled_min"));
		}
		/* 2 G / 12 with the 2025 G: 21 693.33 kr, and 22 weekdays of March 2..31 */
		assert_int_equal(gross, 21693);
		assert_int_equal(added, 22 * 450);
		assert_true(lines == 23);
		json_decref(doc);
		/* Reconciling again adds nothing. */
		assert_int_equal(period_reconcile(f->per, 0, "", NULL, err, sizeof(err)), 0);
		assert_int_equal(
		    afx_sql(f, "SELECT count(*) FROM period_lines WHERE kind = 'adjustment'"), 23);
	}
}

/* A participant whose programme ends inside a payout: prorated; no line after it. */
static void
test_programme_end(void **state)
{
	struct afx *f = *state;
	struct store_participant p;
	struct store_period mar, apr;
	char err[512];
	json_t *doc, *l;
	int64_t id = afx_participant(f, "P-end", "2026-03-02", 480, 930, 0);

	afx_participant(f, "P-all", "2026-01-05", 480, 930, 0);
	assert_int_equal(store_participant_get(f->s, id, &p), 0);
	snprintf(p.programme_end, sizeof(p.programme_end), "2026-03-15");
	assert_int_equal(store_participant_upsert(f->s, &p, NULL), 0);
	afx_clock("2026-04-16", 12, 0);
	assert_int_equal(period_ensure(f->per, "2026-03-01", &mar, err, sizeof(err)), 0);
	assert_int_equal(period_stipend(f->per, mar.id, &doc, err, sizeof(err)), 0);
	csv_same(f, mar.id, doc);
	l = json_array_get(json_object_get(doc, "lines"), 0);
	assert_string_equal(json_string_value(json_object_get(l, "participant")), "P-all");
	assert_string_equal(json_string_value(json_object_get(l, "gross")), "21693.33");
	l = json_array_get(json_object_get(doc, "lines"), 1);
	assert_string_equal(json_string_value(json_object_get(l, "participant")), "P-end");
	/* 2..15 March: 14 calendar days x (2 G / 12) / 30 */
	assert_string_equal(json_string_value(json_object_get(l, "gross")), "10123.56");
	/* 10 weekdays scheduled, nothing after the 15th */
	assert_int_equal(json_integer_value(json_object_get(l, "scheduled_min")), 10 * 450);
	json_decref(doc);
	assert_int_equal(period_ensure(f->per, "2026-04-01", &apr, err, sizeof(err)), 0);
	assert_int_equal(period_stipend(f->per, apr.id, &doc, err, sizeof(err)), 0);
	assert_int_equal(json_array_size(json_object_get(doc, "lines")), 1);
	json_decref(doc);
}

/* The close body: empty or {"reason": "..."}; everything else refused with why. */
static void
test_close_body(void **state)
{
	static const char *const bad[] = {
	    "not json",
	    "{\"reason\":123}",
	    "{\"reason\":null}",
	    "[]",
	    "\"reason\"",
	    "{}x",
	    "{\"reason\":\"x\",\"extra\":1}",
	    "{\"reason\":\"a\",\"reason\":\"b\"}",
	    "{\"reason\":\"bad \xC3( utf-8\"}",
	    "{\"reason\":\"nul \\u0000\"}",
	    "{\"reason\":\"tab\\there\"}",
	    "{\"reason\":\"\xED\xA0\x80 surrogate\"}",
	    "{\"reason\":\"\xC0\xAF overlong\"}",
	};
	char reason[PERIOD_REASON_MAX * 4 + 1], err[512], big[PERIOD_CLOSE_BODY_MAX + 16];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (period_close_body(bad[i], strlen(bad[i]), reason, sizeof(reason), err,
		                      sizeof(err)) != -1 ||
		    err[0] == '\0')
			fail_msg("accepted or no message: %s", bad[i]);
	}
	/* 501 characters (ø) refused, 500 accepted whole. */
	strcpy(big, "{\"reason\":\"");
	for (int i = 0; i < 501; i++)
		strcat(big, "\xC3\xB8");
	strcat(big, "\"}");
	assert_int_equal(
	    period_close_body(big, strlen(big), reason, sizeof(reason), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "at most 500"));
	memmove(big + strlen(big) - 4, "\"}", 3);
	assert_int_equal(
	    period_close_body(big, strlen(big), reason, sizeof(reason), err, sizeof(err)), 0);
	assert_int_equal(strlen(reason), 1000);
	/* a body over the limit, an empty body, a good one */
	memset(big, ' ', sizeof(big));
	assert_int_equal(
	    period_close_body(big, sizeof(big), reason, sizeof(reason), err, sizeof(err)), -1);
	assert_int_equal(period_close_body("", 0, reason, sizeof(reason), err, sizeof(err)), 0);
	assert_string_equal(reason, "");
	assert_int_equal(period_close_body("{\"reason\":\"Desember \\u00f8\"}", 28, reason,
	                                   sizeof(reason), err, sizeof(err)),
	                 0);
	assert_string_equal(reason, "Desember \xC3\xB8");
}

static void
test_tokens(void **state)
{
	struct afx *f = *state;
	struct store_token t;
	char tok[AUTH_TOKEN_MAX], err[256];
	int64_t id;

	assert_int_equal(afx_token_create(f, "lonn", "board", "cli:x", tok, &id, err, sizeof(err)),
	                 -1);
	assert_int_equal(
	    afx_token_create(f, "lonn", "payroll", "cli:x", tok, &id, err, sizeof(err)), 0);
	assert_int_equal(strlen(tok), AUTH_TOKEN_LEN);
	assert_int_equal(tokens_check(f->s, tok, &t), 0);
	assert_string_equal(t.name, "lonn");
	assert_string_equal(t.scope, "payroll");
	/* Only the hash is stored. */
	assert_int_equal(afx_sql(f, "SELECT count(*) FROM api_tokens WHERE token_hash = 'x'"), 0);
	{
		char q[200];

		snprintf(q, sizeof(q),
		         "SELECT count(*) FROM api_tokens WHERE instr(token_hash, '%.20s')", tok);
		assert_int_equal(afx_sql(f, q), 0);
	}
	tok[0] = tok[0] == 'A' ? 'B' : 'A';
	assert_int_equal(tokens_check(f->s, tok, &t), 1);
	assert_int_equal(tokens_check(f->s, "short", &t), 1);
	tok[0] = tok[0] == 'A' ? 'B' : 'A';
	assert_int_equal(afx_token_revoke(f, id, "cli:x", err, sizeof(err)), 0);
	assert_int_equal(afx_token_revoke(f, id, "cli:x", err, sizeof(err)), 1);
	assert_int_equal(tokens_check(f->s, tok, &t), 1);
	assert_int_equal(afx_sql(f, "SELECT count(*) FROM audit WHERE action LIKE 'token.%'"), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bounds),
	    cmocka_unit_test(test_csv),
	    cmocka_unit_test(test_csv_injection),
	    cmocka_unit_test(test_close_body),
	    cmocka_unit_test_setup_teardown(test_close_and_adjust, afx_setup, afx_teardown),
	    cmocka_unit_test_setup_teardown(test_close_prepared, afx_setup, afx_teardown),
	    cmocka_unit_test_setup_teardown(test_unknown_g_and_new_g, afx_setup, afx_teardown),
	    cmocka_unit_test_setup_teardown(test_close_rules, afx_setup, afx_teardown),
	    cmocka_unit_test_setup_teardown(test_programme_end, afx_setup, afx_teardown),
	    cmocka_unit_test_setup_teardown(test_tokens, afx_setup, afx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
