/*
 * test_month_bulk.c — a month's documents in bulk (attendance_bulk.c: every
 * participant's inputs for a range read at once) against the per-participant
 * computation (attendance_compute() reading its own rows), field by field, for
 * every participant over past, ended, running and unaligned ranges of seeded
 * generated databases, with saved quota states, missing ones and old ones; and the
 * stipend document's totals against the lines summed as JSON (as before h21e).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>

#include "attendance.h"
#include "clock.h"
#include "config.h"
#include "paydoc.h"
#include "period.h"
#include "scenario.h"
#include "store.h"
#include "testutil.h"

/* The generator (bulk_fixture.h) is the Today test's: every category, corrections, exceptions, G.
 */
#define N_PEOPLE 40
#define N_SEEDS 4

#include "bulk_fixture.h"

static void
fake_clock(const char *date, int hh, int mm)
{
	static struct clock_reading r;
	int32_t d;

	assert_int_equal(rules_date_parse(date, &d), 0);
	r.wall_ms = ((int64_t)d * 86400 + hh * 3600 + mm * 60) * 1000;
	r.mono_ns = r.wall_ms * 1000000;
	r.quality = CLOCK_SYNCED;
	clock_fake(&r);
}

/* Every field of two computations of one participant, the bulk's `b` and the store's `w`. */
static void
days_equal(const struct attendance_days *b, const struct attendance_days *w, const char *where)
{
#define EQ(field)                                                                                  \
	if ((b->field) != (w->field))                                                              \
		fail_msg("%s: " #field " %lld, expected %lld", where, (long long)(b->field),       \
		         (long long)(w->field));
	EQ(participant.id);
	EQ(g_missing);
	EQ(out.n_days);
	EQ(out.n_payouts);
	EQ(out.totals.scheduled_min);
	EQ(out.totals.attended_min);
	EQ(out.totals.unexcused_min);
	EQ(out.totals.pending_min);
	EQ(out.totals.deduction_ore);
	EQ(out.totals.unpaid_leave_ore);
	for (int c = 0; c < RULES_CAT_COUNT; c++)
		EQ(out.totals.excused_min[c]);
	EQ(pending_total);
	EQ(preliminary);
	EQ(final_at);
	EQ(rules);
	for (size_t i = 0; i < w->out.n_days; i++) {
		EQ(out.days[i].date);
		EQ(out.days[i].scheduled_min);
		EQ(out.days[i].attended_min);
		EQ(out.days[i].unexcused_min);
		EQ(out.days[i].pending_min);
		EQ(out.days[i].state);
		EQ(out.days[i].notes);
		EQ(out.days[i].flags);
		EQ(out.days[i].deadline);
		EQ(out.days[i].deduction.num);
		EQ(out.days[i].deduction.den);
		EQ(out.days[i].unpaid_leave.num);
		EQ(out.days[i].unpaid_leave.den);
		for (int c = 0; c < RULES_CAT_COUNT; c++)
			EQ(out.days[i].excused_min[c]);
		EQ(state[i]);
		EQ(pending_min[i]);
		EQ(sessions[i].n);
		for (int k = 0; k < w->sessions[i].n; k++) {
			EQ(sessions[i].start[k]);
			EQ(sessions[i].end[k]);
			EQ(sessions[i].off_site[k]);
		}
	}
	for (size_t i = 0; i < w->out.n_payouts; i++) {
		EQ(out.payouts[i].from);
		EQ(out.payouts[i].to);
		EQ(out.payouts[i].monthly);
		EQ(out.payouts[i].gross.num);
		EQ(out.payouts[i].gross.den);
		EQ(out.payouts[i].gross_ore);
		EQ(out.payouts[i].deduction_ore);
		EQ(out.payouts[i].unpaid_leave_ore);
		EQ(out.payouts[i].decision_required);
		EQ(out.payouts[i].needs_assessment);
		EQ(out.payouts[i].past_deadline);
	}
#undef EQ
	assert_memory_equal(&b->participant, &w->participant, sizeof(w->participant));
	assert_string_equal(b->regime, w->regime);
	assert_string_equal(b->currency, w->currency);
}

/*
 * Every participant over [from, to]: first each from the store alone, then all of
 * them again inside one bulk; the same return, message and fields.  *lines counts
 * the computations compared, *resumed those that resumed from a saved state.
 */
static void
compare_range(struct fx *f, int32_t from, int32_t to, size_t *lines, uint64_t *resumed)
{
	struct attendance_days *want = calloc(N_PEOPLE + 1, sizeof(*want));
	int rc_want[N_PEOPLE + 1];
	char err_want[N_PEOPLE + 1][256], err[512], where[96], fs[11], ts[11];
	uint64_t r0;

	assert_non_null(want);
	date_str(from, fs);
	date_str(to, ts);
	for (int64_t pid = 1; pid <= N_PEOPLE + 1; pid++) {
		err_want[pid - 1][0] = '\0';
		rc_want[pid - 1] = attendance_compute(f->att, pid, from, to, &want[pid - 1],
		                                      err_want[pid - 1], sizeof(err_want[0]));
	}
	r0 = attendance_resumed(f->att);
	assert_int_equal(attendance_bulk_begin(f->att, from, to, err, sizeof(err)), 0);
	/* Backwards: the bulk must not depend on the order it is asked in. */
	for (int64_t pid = N_PEOPLE + 1; pid >= 1; pid--) {
		struct attendance_days got;
		int rc;

		err[0] = '\0';
		rc = attendance_compute(f->att, pid, from, to, &got, err, sizeof(err));
		snprintf(where, sizeof(where), "P-%03d %s..%s", (int)pid - 1, fs, ts);
		if (rc != rc_want[pid - 1])
			fail_msg("%s: returned %d (%s), expected %d (%s)", where, rc, err,
			         rc_want[pid - 1], err_want[pid - 1]);
		if (rc != 0) {
			assert_string_equal(err, err_want[pid - 1]);
			continue;
		}
		days_equal(&got, &want[pid - 1], where);
		attendance_days_free(&got);
		(*lines)++;
	}
	attendance_bulk_end(f->att);
	*resumed += attendance_resumed(f->att) - r0;
	for (int i = 0; i <= N_PEOPLE; i++)
		if (rc_want[i] == 0)
			attendance_days_free(&want[i]);
	free(want);
}

/* Saved states as a running daemon leaves them, then some gone and some only old. */
static void
save_states(struct fx *f, const char *today)
{
	char err[512];
	sqlite3 *h;

	attendance_refresh(f->att, 0, "", today, 12 * 60, NULL, err, sizeof(err));
	assert_int_equal(sqlite3_open(f->db, &h), SQLITE_OK);
	sqlite3_busy_timeout(h, 5000);
	/* A quarter with no state (walked from the first date), a quarter with March's only. */
	sql(h, "DELETE FROM quota_state WHERE participant_id %% 4 = 0");
	sql(h, "DELETE FROM quota_state WHERE participant_id %% 4 = 1 AND day > %d",
	    (int)rules_date(2026, 3, 2));
	sqlite3_close(h);
}

/* A money or hours string ("-12.50") as hundredths, as period.c reads them. */
static int
ref_centi(const json_t *j, int64_t *out)
{
	const char *s = json_string_value(j);
	int neg;

	if (s == NULL)
		return -1;
	neg = *s == '-';
	if (rules_ore_parse(s + neg, out) < 0)
		return -1;
	if (neg)
		*out = -*out;
	return 0;
}

static void check_csv(struct period *p, int64_t id, const json_t *doc, const char *where);

static json_t *
ref_money(int64_t c)
{
	return scenario_money_json(c);
}

static void
ref_add(json_t *tot, const char *key, const json_t *v, bool money)
{
	int64_t cur = 0, add = 0;

	if (money) {
		assert_int_equal(ref_centi(v, &add), 0);
		ref_centi(json_object_get(tot, key), &cur);
		json_object_set_new(tot, key, ref_money(cur + add));
	} else {
		json_object_set_new(tot, key,
		                    json_integer(json_integer_value(json_object_get(tot, key)) +
		                                 json_integer_value(v)));
	}
}

/*
 * The stipend document's totals as they were computed before period.c summed in
 * integers (each total kept as JSON and added to line by line, keys in the order
 * first set): the document's totals must be these, byte for byte.
 */
static void
check_totals(struct fx *f, const char *date)
{
	static const char *const ints[] = {"scheduled_min", "attended_min", "unexcused_min"};
	static const char *const cents[] = {"scheduled_hours", "attended_hours", "unexcused_hours",
	                                    "gross",           "deduction",      "unpaid_leave"};
	struct period *p;
	struct store_period sp;
	json_t *doc = NULL, *tot = json_object(), *exm = json_object(), *exh = json_object(), *l;
	char err[512], *want, *got;
	size_t i, nl = 0, na = 0;

	assert_int_equal(period_open(&p, f->s, f->att, &f->cfg, err, sizeof(err)), 0);
	assert_int_equal(period_ensure(p, date, &sp, err, sizeof(err)), 0);
	/* The generator makes some participants the engine refuses and may leave G
	 * unknown, and a document refuses as a whole: those go out of the programme
	 * (G in) one by one until the document is made. */
	for (int tries = 0; period_stipend(p, sp.id, &doc, err, sizeof(err)) != 0; tries++) {
		const char *who = strstr(err, "participant P-");
		sqlite3 *h;

		if (tries > N_PEOPLE)
			fail_msg("%s: %s", date, err);
		assert_int_equal(sqlite3_open(f->db, &h), SQLITE_OK);
		sqlite3_busy_timeout(h, 5000);
		if (strstr(err, "add the new G value") != NULL)
			sql(h, "INSERT OR IGNORE INTO g_values(from_date, amount)"
			       " VALUES('2026-05-01', 135000)");
		else if (who != NULL)
			sql(h, "UPDATE participants SET active = 0 WHERE ext_id = '%.5s'",
			    who + strlen("participant "));
		else
			fail_msg("%s: %s", date, err);
		sqlite3_close(h);
	}
	for (size_t k = 0; k < 3; k++)
		json_object_set_new(tot, ints[k], json_integer(0));
	for (size_t k = 0; k < 6; k++)
		json_object_set_new(tot, cents[k], ref_money(0));
	json_array_foreach(json_object_get(doc, "lines"), i, l)
	{
		const char *key;
		json_t *v;

		if (strcmp(json_string_value(json_object_get(l, "kind")), "line") == 0)
			nl++;
		else
			na++;
		for (size_t k = 0; k < 3; k++)
			ref_add(tot, ints[k], json_object_get(l, ints[k]), false);
		for (size_t k = 0; k < 6; k++)
			ref_add(tot, cents[k], json_object_get(l, cents[k]), true);
		json_object_foreach(json_object_get(l, "excused_min"), key, v)
		    ref_add(exm, key, v, false);
		json_object_foreach(json_object_get(l, "excused_hours"), key, v)
		    ref_add(exh, key, v, true);
	}
	json_object_set_new(tot, "lines", json_integer((json_int_t)nl));
	json_object_set_new(tot, "adjustments", json_integer((json_int_t)na));
	json_object_set_new(tot, "excused_min", exm);
	json_object_set_new(tot, "excused_hours", exh);
	want = json_dumps(tot, JSON_COMPACT);
	got = json_dumps(json_object_get(doc, "totals"), JSON_COMPACT);
	assert_non_null(want);
	assert_non_null(got);
	if (strcmp(want, got) != 0)
		fail_msg("%s: totals %s, expected %s", date, got, want);
	assert_true(nl > 0);
	check_csv(p, sp.id, doc, date);
	free(want);
	free(got);
	json_decref(tot);
	json_decref(doc);
	period_free(p);
}

/*
 * The stipend CSV made from the lines (period_stipend_lines, what the API serves)
 * against the CSV of the JSON document `doc`, byte for byte, in every separator,
 * decimal mark, language and BOM the config allows.
 */
static void
check_csv(struct period *p, int64_t id, const json_t *doc, const char *where)
{
	static const struct paydoc_csv_format fmts[] = {
	    {',', '.', "en", false}, {';', ',', "nb", true}, {'\t', ',', "nn", false}};
	struct paydoc_lines d;
	char err[512];

	assert_int_equal(period_stipend_lines(p, id, &d, err, sizeof(err)), 0);
	assert_int_equal(d.n, json_array_size(json_object_get(doc, "lines")));
	for (size_t k = 0; k < sizeof(fmts) / sizeof(fmts[0]); k++) {
		char *want = paydoc_csv(doc, &fmts[k]), *got = paydoc_lines_csv(&d, &fmts[k]);

		assert_non_null(want);
		assert_non_null(got);
		if (strcmp(want, got) != 0) {
			size_t i = 0;

			while (want[i] == got[i])
				i++;
			fail_msg("%s: CSV differs at byte %zu: \"%.80s\", expected \"%.80s\"",
			         where, i, got + i, want + i);
		}
		free(want);
		free(got);
	}
	paydoc_lines_free(&d);
}

static void
test_bulk_equals_each(void **state)
{
	size_t lines = 0, docs_compared = 0;
	uint64_t resumed = 0;

	(void)state;
	win_from = rules_date(2026, 3, 2);
	win_to = rules_date(2026, 6, 12);
	for (uint64_t seed = 1; seed <= N_SEEDS; seed++) {
		/* past, ended, running pay periods; ranges that are no pay period */
		static const char *const at[] = {"2026-03-16", "2026-04-15", "2026-05-20",
		                                 "2026-06-08"};
		struct fx f;

		assert_int_equal(fx_setup(&f, seed), 0);
		fake_clock("2026-06-10", 12, 0);
		save_states(&f, "2026-06-10");
		for (size_t k = 0; k < sizeof(at) / sizeof(at[0]); k++) {
			int32_t d, from, to;

			assert_int_equal(rules_date_parse(at[k], &d), 0);
			period_bounds(&f.cfg, d, &from, &to);
			compare_range(&f, from, to, &lines, &resumed);
		}
		compare_range(&f, rules_date(2026, 4, 10), rules_date(2026, 5, 9), &lines,
		              &resumed);
		compare_range(&f, rules_date(2026, 6, 10), rules_date(2026, 6, 10), &lines,
		              &resumed);
		/* Later: every day of those periods final. */
		fake_clock("2026-07-20", 9, 0);
		compare_range(&f, rules_date(2026, 5, 1), rules_date(2026, 5, 31), &lines,
		              &resumed);
		/* Last: it takes refused participants out of the programme. */
		for (size_t k = 0; k < sizeof(at) / sizeof(at[0]); k++, docs_compared++)
			check_totals(&f, at[k]);
		clock_fake(NULL);
		fx_teardown(&f);
	}
	/* The comparisons covered resumed computations, not only walks from the start. */
	if (resumed < lines / 4)
		fail_msg("only %llu of %zu computations resumed from a saved state",
		         (unsigned long long)resumed, lines);
	print_message("%zu computations compared, %llu resumed, %zu documents' totals\n", lines,
	              (unsigned long long)resumed, docs_compared);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bulk_equals_each),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
