/*
 * bulk_fixture.h — the generated databases test_today_bulk.c and test_month_bulk.c
 * compare the bulk paths over (header-only, like attendance_fixture.h): participants
 * of every regime and rate, weekly templates and exceptions, taps, corrections,
 * absences of every category, G changes; `hot` collects the days where history
 * decides.  The includer defines N_PEOPLE before including it.
 */
#ifndef STEMPEL_BULK_FIXTURE_H
#define STEMPEL_BULK_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "attendance.h"
#include "config.h"
#include "store.h"
#include "testutil.h"

#ifndef N_PEOPLE
#error "define N_PEOPLE before including bulk_fixture.h"
#endif

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
	    " children, sole_carer, chronic_child, monthly_benefit, active, programme_end, grp)"
	    " VALUES(%lld, 'P-%03d', 'Name %03u', 'nb', '%s', '%s', '%s', %u, %u, %u, '%s', %d, "
	    "'%s', '%s')",
	    (long long)pid, i, rnd(1000), regime, rnd(30) == 0 ? "bogus" : rates[rnd(3)], ps,
	    rnd(5), rnd(3) == 0, rnd(4) == 0, benefit, rnd(12) != 0, pe,
	    (const char *[]){"", "A1", "B2", "Norsk 3"}[rnd(4)]);
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

#endif
