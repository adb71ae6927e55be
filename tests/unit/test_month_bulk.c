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
#include "period.h"
#include "scenario.h"
#include "store.h"
#include "testutil.h"

/* The generator is test_today_bulk.c's (every category, corrections, exceptions, G). */
#define N_PEOPLE 40
#define N_SEEDS 4

static uint64_t rng;

static uint32_t
rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? (uint32_t)(rng % n) : 0;
}

static void
date_str(int32_t d, char out[11])
{
	rules_date_format(d, out, 11);
}

static void
sql(sqlite3 *h, const char *fmt, ...)
{
	char buf[1024];
	char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (sqlite3_exec(h, buf, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", buf, msg ? msg : "?");
}

static const char *const regimes[] = {"no-integreringsloven", "no-introduksjonsloven",
                                      "no-kvalifiseringsprogram", "dk-integrationsprogram"};
static const char *const docs[] = {"", "", "doctor_note", "checkup"};

/* The window the dates are drawn from: before and after G's 1 May. */
static int32_t win_from, win_to;
/* Days late in a run or after a quota's stretches: where history decides. */
static int32_t hot[4096];
static size_t n_hot;

static void
hot_add(int32_t d)
{
	if (n_hot < sizeof(hot) / sizeof(hot[0]) && d >= win_from && d <= win_to)
		hot[n_hot++] = d;
}

/* A participant's schedule, taps, corrections and absences, written in SQL. */
static void
gen_participant(sqlite3 *h, int i, int64_t *tap_base, int *taps, int *uuid)
{
	int64_t pid = i + 1;
	const char *regime = regimes[rnd(4)];
	const char *rates[] = {"full", "under25_alone", "under25_with_parents"};
	int32_t start = rnd(20) == 0 ? rules_date(2021, 6, 1) + (int32_t)rnd(400)
	                             : win_from - 250 + (int32_t)rnd(250 + 60);
	/* Half of them use up a quota before a day H (in stretches inside the programme). */
	int burning = rnd(2) == 0;
	int32_t hday = win_from + (int32_t)rnd((uint32_t)(win_to - win_from + 1));
	char ps[11], pe[11] = "", d[11];
	char benefit[24] = "";
	int sessions[8][2][3], n_s[8] = {0};

	while (rules_weekday(hday) > 5)
		hday--;
	if (burning && start > hday - 120)
		start = hday - 120;
	date_str(start, ps);
	if (!burning && rnd(6) == 0)
		date_str(win_from + (int32_t)rnd((uint32_t)(win_to - win_from)), pe);
	if (strcmp(regime, "dk-integrationsprogram") == 0 && rnd(8) != 0)
		snprintf(benefit, sizeof(benefit), "%u.%02u", 9000 + rnd(4000), rnd(100));
	sql(h,
	    "INSERT INTO participants(id, ext_id, name, language, regime, rate, programme_start,"
	    " children, sole_carer, chronic_child, monthly_benefit, active, programme_end)"
	    " VALUES(%lld, 'P-%03d', 'Name %03u', 'nb', '%s', '%s', '%s', %u, %u, %u, '%s', %d, "
	    "'%s')",
	    (long long)pid, i, rnd(1000), regime, rnd(30) == 0 ? "bogus" : rates[rnd(3)], ps,
	    rnd(5), rnd(3) == 0, rnd(4) == 0, benefit, rnd(12) != 0, pe);
	/* Weekly template: weekdays with one or two sessions, some off-site. */
	for (int w = 1; w <= 7; w++) {
		if (w >= 6 ? rnd(8) != 0 : rnd(10) == 0)
			continue;
		int a = 450 + (int)rnd(60), b = a + 150 + (int)rnd(90);

		sessions[w][0][0] = a;
		sessions[w][0][1] = b;
		sessions[w][0][2] = rnd(10) == 0;
		n_s[w] = 1;
		if (rnd(2)) {
			sessions[w][1][0] = b + 30;
			sessions[w][1][1] = b + 30 + 120 + (int)rnd(120);
			sessions[w][1][2] = rnd(10) == 0;
			n_s[w] = 2;
		}
		for (int k = 0; k < n_s[w]; k++)
			sql(h,
			    "INSERT INTO schedules(participant_id, weekday, start_min, end_min, "
			    "offsite)"
			    " VALUES(%lld, %d, %d, %d, %d)",
			    (long long)pid, w, sessions[w][k][0], sessions[w][k][1],
			    sessions[w][k][2]);
	}
	/* Exceptions: cancelled days, other hours, off-site days. */
	for (int k = (int)rnd(5); k > 0; k--) {
		date_str(win_from + (int32_t)rnd((uint32_t)(win_to - win_from + 1)), d);
		sql(h,
		    "DELETE FROM schedule_exceptions WHERE participant_id = %lld AND date = '%s'",
		    (long long)pid, d);
		if (rnd(3) == 0) {
			sql(h,
			    "INSERT INTO schedule_exceptions(participant_id, date) VALUES(%lld, "
			    "'%s')",
			    (long long)pid, d);
			continue;
		}
		for (int m = 1 + (int)rnd(2), a = 500 + (int)rnd(200); m > 0; m--, a += 200)
			sql(h,
			    "INSERT INTO schedule_exceptions(participant_id, date, start_min, "
			    "end_min,"
			    " offsite) VALUES(%lld, '%s', %d, %d, %d)",
			    (long long)pid, d, a, a + 90 + (int)rnd(90), rnd(3) == 0);
	}
	/* One in a while a date both cancelled and with a session: the engine refuses. */
	if (rnd(25) == 0) {
		date_str(win_from - 100 + (int32_t)rnd(100), d);
		sql(h,
		    "INSERT INTO schedule_exceptions(participant_id, date) VALUES(%lld, '%s');"
		    "INSERT INTO schedule_exceptions(participant_id, date, start_min, end_min)"
		    " VALUES(%lld, '%s', 600, 700)",
		    (long long)pid, d, (long long)pid, d);
	}
	/* Taps over the window: on time, late, early out, no out, none, stray ones. */
	for (int32_t day = win_from - 30; day <= win_to; day++) {
		int w = rules_weekday(day), kind = (int)rnd(10);
		int a = n_s[w] ? sessions[w][0][0] : 600,
		    b = n_s[w] ? sessions[w][n_s[w] - 1][1] : 900;
		int mins[4], n = 0;
		const char *dirs[4];

		if (!n_s[w] && rnd(15) != 0)
			continue;
		if (kind < 6) {
			mins[n] = a - 10 + (int)rnd(kind < 3 ? 15 : 60);
			dirs[n++] = "in";
			if (kind != 5) {
				mins[n] = b - 60 + (int)rnd(80);
				dirs[n++] = "out";
			}
		} else if (kind < 8) {
			mins[n] = (int)rnd(1440);
			dirs[n++] = rnd(2) ? "in" : "out";
			mins[n] = (int)rnd(1440);
			dirs[n++] = rnd(2) ? "in" : "out";
		} else if (kind == 8) {
			mins[n] = a + (int)rnd(60);
			dirs[n++] = "in";
			mins[n] = mins[0] + 60 + (int)rnd(60);
			dirs[n++] = "out";
			mins[n] = mins[1] + (int)rnd(30);
			dirs[n++] = "in";
		}
		date_str(day, d);
		for (int k = 0; k < n; k++) {
			if (mins[k] >= 1440)
				mins[k] = 1439;
			sql(h,
			    "INSERT INTO taps(id, uuid, card_key, participant_id, direction, "
			    "outcome,"
			    " wall_ms, mono_ns, local_date, local_min) VALUES(%lld, 't-%d', "
			    "'hmac:x',"
			    " %lld, '%s', '%s', 0, 0, '%s', %d)",
			    (long long)(*tap_base + *taps), *taps, (long long)pid, dirs[k],
			    strcmp(dirs[k], "in") == 0 ? "accepted_in" : "accepted_out", d,
			    mins[k]);
			(*taps)++;
		}
	}
	/* Corrections: taps added (any direction and minute), taps removed. */
	for (int k = (int)rnd(6); k > 0; k--) {
		date_str(win_from + (int32_t)rnd((uint32_t)(win_to - win_from + 1)), d);
		if (rnd(2))
			sql(h,
			    "INSERT INTO corrections(uuid, participant_id, action, local_date, "
			    "local_min,"
			    " direction, reason, who, created_ms) VALUES('c-%d', %lld, 'add', "
			    "'%s', %u,"
			    " '%s', 'r', 'w', 0)",
			    (*uuid)++, (long long)pid, d, 400 + rnd(700), rnd(2) ? "in" : "out");
		else
			sql(h,
			    "INSERT INTO corrections(uuid, participant_id, action, tap_id, "
			    "local_date,"
			    " reason, who, created_ms) SELECT 'c-%d', participant_id, 'remove', id,"
			    " local_date, 'r', 'w', 0 FROM taps WHERE participant_id = %lld"
			    " ORDER BY (id * 7919) %% 1013 LIMIT 1",
			    (*uuid)++, (long long)pid);
	}
	/* Runs of illness without a note and of pregnancy: occurrences, long runs, quotas used up.
	 */
	static const char *const run_cats[] = {"sick_self_declared", "sick_self_declared",
	                                       "child_sick",         "pregnancy",
	                                       "vacation",           "religious_holiday"};
	for (int k = rnd(3) == 0 ? 3 + (int)rnd(5) : 0; k > 0; k--) {
		int32_t from = win_from - 200 + (int32_t)rnd((uint32_t)(win_to - win_from + 201));
		int cat = (int)rnd(6);
		char f[11], t[11];

		/* Pregnancy and vacation stretches long enough to use up their days. */
		date_str(from, f);
		date_str(from + (int32_t)rnd(6) +
		             (cat == 3   ? 6
		              : cat == 4 ? 10 + (int32_t)rnd(15)
		                         : 0),
		         t);
		sql(h,
		    "INSERT INTO absences(uuid, participant_id, category, from_date, to_date,"
		    " registered_by, created_ms) VALUES('a-%d', %lld, '%s', '%s', '%s', 'w', 0)",
		    (*uuid)++, (long long)pid, run_cats[cat], f, t);
	}
	/* Now and then a quota used up this year by several stretches of one category. */
	if (burning) {
		static const struct {
			const char *cat;
			int n, len;
		} burn[] = {{"vacation", 4, 12},         {"pregnancy", 3, 7},
		            {"birth_mother", 4, 10},     {"birth_father", 3, 5},
		            {"child_sick", 5, 3},        {"religious_holiday", 3, 1},
		            {"sick_self_declared", 6, 2}};
		int c = (int)rnd(sizeof(burn) / sizeof(burn[0]));

		/* Stretches one after the other before H, the last one ending on H. */
		for (int k = 0; k < burn[c].n; k++) {
			int32_t to = hday - k * (burn[c].len + 2 + (int32_t)rnd(3));
			char f[11], t[11];

			date_str(to - burn[c].len + 1, f);
			date_str(to, t);
			sql(h,
			    "INSERT INTO absences(uuid, participant_id, category, from_date, "
			    "to_date,"
			    " registered_by, created_ms) VALUES('a-%d', %lld, '%s', '%s', '%s', "
			    "'w', 0)",
			    (*uuid)++, (long long)pid, burn[c].cat, f, t);
		}
		hot_add(hday);
	}
	/* Absences of every category: whole days, clock times, amounts of minutes, runs. */
	for (int k = 2 + (int)rnd(7); k > 0; k--) {
		int cat = (int)rnd(RULES_CAT_COUNT);
		int32_t from = win_from - 60 + (int32_t)rnd((uint32_t)(win_to - win_from + 61));
		/* Mostly short; now and then long enough to use up a quota before the day. */
		int32_t to = from + (int32_t)(rnd(8) == 0 ? 10 + rnd(30)
		                              : rnd(3)    ? rnd(3)
		                                          : rnd(20));
		char f[11], t[11], mins[16] = "NULL", st[16] = "NULL", en[16] = "NULL";
		int shape = (int)rnd(10);
		int64_t created = ((int64_t)(from - (int32_t)rnd(30)) * 86400 + 36000) * 1000;

		date_str(from, f);
		date_str(to, t);
		if (shape < 3) { /* clock times on each day */
			int a = 450 + (int)rnd(300), b = a + 30 + (int)rnd(200);

			snprintf(mins, sizeof(mins), "%d", b - a);
			snprintf(st, sizeof(st), "%d", a);
			snprintf(en, sizeof(en), "%d", b);
		} else if (shape < 5) { /* an amount of minutes a day */
			snprintf(mins, sizeof(mins), "%u", 30 + rnd(240));
		}
		sql(h,
		    "INSERT INTO absences(uuid, participant_id, category, from_date, to_date, "
		    "minutes,"
		    " documentation, registered_by, created_ms, revoked, start_min, end_min)"
		    " VALUES('a-%d', %lld, '%s', '%s', '%s', %s, '%s', 'w', %lld, %d, %s, %s)",
		    (*uuid)++, (long long)pid, rules_category_name(cat), f, t, mins, docs[rnd(4)],
		    (long long)created, rnd(10) == 0, st, en);
	}
}

struct fx {
	char dir[256];
	char db[300];
	struct config cfg;
	struct store *s;
	struct attendance *att;
};

static void
generate(struct fx *f, uint64_t seed)
{
	sqlite3 *h;
	int taps = 0, uuid = 0;
	int64_t tap_base = 1;

	rng = seed * 2654435761u + 1;
	n_hot = 0;
	assert_int_equal(sqlite3_open(f->db, &h), SQLITE_OK);
	sqlite3_busy_timeout(h, 5000);
	sql(h, "BEGIN");
	for (int i = 0; i < N_PEOPLE; i++)
		gen_participant(h, i, &tap_base, &taps, &uuid);
	for (int k = 0; k < 4; k++) {
		char d[11];

		date_str(win_from + (int32_t)rnd((uint32_t)(win_to - win_from + 1)), d);
		sql(h, "INSERT OR IGNORE INTO closures(date, reason) VALUES('%s', 'x')", d);
	}
	/* G known for the new year, or carried forward (provisional). */
	if (rnd(2))
		sql(h, "INSERT INTO g_values(from_date, amount) VALUES('2026-05-01', 135000)");
	/* The kiosk went into service during the programmes, or before all of them. */
	if (rnd(2)) {
		char d[11];

		date_str(win_from - 200 + (int32_t)rnd(70), d);
		sql(h, "INSERT INTO meta(key, value) VALUES('day_results_from', '%s')", d);
	}
	sql(h, "COMMIT");
	sqlite3_close(h);
}

static int
fx_setup(struct fx *f, uint64_t seed)
{
	char err[512];

	memset(f, 0, sizeof(*f));
	setenv("TZ", "UTC", 1);
	tzset();
	if (!tu_tempdir(f->dir, sizeof(f->dir)))
		return -1;
	snprintf(f->db, sizeof(f->db), "%s/s.db", f->dir);
	config_defaults(&f->cfg);
	snprintf(f->cfg.kiosk.regime_dir, sizeof(f->cfg.kiosk.regime_dir), "board/regimes");
	if (seed % 2) {
		snprintf(f->cfg.payroll.payout, sizeof(f->cfg.payroll.payout), "biweekly");
		snprintf(f->cfg.payroll.anchor, sizeof(f->cfg.payroll.anchor), "2026-01-05");
	}
	if (store_open(&f->s, f->db, err, sizeof(err)) < 0 ||
	    attendance_open(&f->att, f->s, &f->cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	generate(f, seed);
	return 0;
}

static void
fx_teardown(struct fx *f)
{
	attendance_close(f->att);
	store_close(f->s);
	tu_rmtree(f->dir);
}

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
	free(want);
	free(got);
	json_decref(tot);
	json_decref(doc);
	period_free(p);
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
