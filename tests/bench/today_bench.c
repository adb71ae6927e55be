/*
 * today_bench.c — how long the Today page's rows take for 2,000 participants with
 * one to three years of history: attendance_today() (the day alone, in bulk) against
 * attendance_today_one() per participant (each from the programme start, as the page
 * was computed before).  A benchmark, not a test: run it from the repo root (it reads
 * board/regimes); `today_bench YEARS [PARTICIPANTS]`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "attendance.h"
#include "config.h"
#include "store.h"

#define DAY "2026-03-18"

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
exec(sqlite3 *h, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "%s\n%s\n", msg ? msg : "?", sql);
		return -1;
	}
	return 0;
}

/*
 * Participants on Mon-Fri 08:30-14:30 since `from`, taps in and out on every weekday
 * (one in twenty away), a vacation week and a doctor's-note sick day now and then, a
 * run of self-declared days for one in ten, in SQL (a million rows in seconds).
 */
static int
fill(const char *db, const char *from, int people)
{
	sqlite3 *h;
	char sql[4096];
	int rc = 0;

	if (sqlite3_open(db, &h) != SQLITE_OK)
		return -1;
	snprintf(
	    sql, sizeof(sql),
	    "PRAGMA synchronous = OFF; BEGIN;"
	    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)"
	    " INSERT INTO participants(id, ext_id, name, regime, programme_start)"
	    " SELECT i, printf('P-%%05d', i), printf('Name %%05d', (i * 7919) %% 100000),"
	    "  'no-introduksjonsloven', '%s' FROM n;"
	    "WITH RECURSIVE w(d) AS (SELECT 1 UNION ALL SELECT d + 1 FROM w WHERE d < 5)"
	    " INSERT INTO schedules(participant_id, weekday, start_min, end_min)"
	    " SELECT p.id, w.d, 510, 870 FROM participants p, w;"
	    "CREATE TEMP TABLE days(d TEXT, n INTEGER);"
	    "WITH RECURSIVE c(d, n) AS (SELECT date('%s'), 0 UNION ALL"
	    "  SELECT date(d, '+1 day'), n + 1 FROM c WHERE d < date('" DAY "', '-1 day'))"
	    " INSERT INTO days SELECT d, n FROM c WHERE strftime('%%w', d) NOT IN ('0', '6');"
	    "INSERT INTO taps(uuid, card_key, participant_id, direction, outcome, wall_ms,"
	    " mono_ns, local_date, local_min)"
	    " SELECT printf('%%d-%%d-%%d', p.id, days.n, k.v), 'hmac:x', p.id,"
	    "  CASE k.v WHEN 0 THEN 'in' ELSE 'out' END,"
	    "  CASE k.v WHEN 0 THEN 'accepted_in' ELSE 'accepted_out' END, 0, 0, days.d,"
	    "  CASE k.v WHEN 0 THEN 505 + (p.id * 31 + days.n * 17) %% 25"
	    "   ELSE 862 + (p.id * 11 + days.n * 7) %% 10 END"
	    " FROM days CROSS JOIN participants p CROSS JOIN (SELECT 0 AS v UNION SELECT 1) k"
	    " WHERE (p.id * 7 + days.n * 13) %% 20 != 0 ORDER BY days.n, p.id, k.v;"
	    "INSERT INTO absences(uuid, participant_id, category, from_date, to_date,"
	    " documentation, registered_by, created_ms)"
	    " SELECT printf('a-%%d-%%d', p.id, days.n), p.id,"
	    "  CASE (p.id + days.n) %% 3 WHEN 0 THEN 'vacation' WHEN 1 THEN 'sick_self_declared'"
	    "   ELSE 'leave_unpaid' END, days.d, date(days.d, '+2 days'),"
	    "  CASE (p.id + days.n) %% 2 WHEN 0 THEN 'doctor_note' ELSE '' END, 'bench', 0"
	    " FROM days CROSS JOIN participants p WHERE (p.id * 3 + days.n) %% 97 = 0;"
	    "INSERT INTO meta(key, value) VALUES('day_results_from', '%s');"
	    "COMMIT;",
	    people, from, from, from);
	rc = exec(h, sql);
	sqlite3_close(h);
	return rc;
}

int
main(int argc, char **argv)
{
	int years = argc > 1 ? atoi(argv[1]) : 1, people = argc > 2 ? atoi(argv[2]) : 2000;
	char dir[] = "/tmp/today-bench-XXXXXX", db[64], from[11], err[512], cmd[128];
	struct config cfg;
	struct store *s;
	struct attendance *a;
	struct attendance_today *rows;
	size_t n;
	int64_t *ids;
	size_t n_ids;
	int32_t d;

	setenv("TZ", "UTC", 1);
	if (years < 1 || years > 3 || people < 1 || mkdtemp(dir) == NULL)
		return fprintf(stderr, "usage: today_bench YEARS(1-3) [PARTICIPANTS]\n"), 2;
	snprintf(db, sizeof(db), "%s/s.db", dir);
	rules_date_parse(DAY, &d);
	rules_date_format(d - 365 * years, from, sizeof(from));
	config_defaults(&cfg);
	snprintf(cfg.kiosk.regime_dir, sizeof(cfg.kiosk.regime_dir), "board/regimes");
	if (store_open(&s, db, err, sizeof(err)) < 0 || fill(db, from, people) < 0 ||
	    attendance_open(&a, s, &cfg, err, sizeof(err)) < 0)
		return fprintf(stderr, "%s\n", err), 1;
	printf("%d participants, history from %s, Today of %s\n", people, from, DAY);
	for (int now = 600; now <= 1440; now += 840) {
		double t0 = now_ms(), best = 1e9;

		for (int rep = 0; rep < 5; rep++) {
			t0 = now_ms();
			if (attendance_today(a, DAY, now, &rows, &n, err, sizeof(err)) < 0)
				return fprintf(stderr, "%s\n", err), 1;
			free(rows);
			best = now_ms() - t0 < best ? now_ms() - t0 : best;
		}
		printf("  bulk attendance_today at minute %4d: %8.1f ms (best of 5), %zu rows\n",
		       now, best, n);
	}
	{
		/* The part computed from the programme start: a quota-carrying absence today. */
		sqlite3 *h;
		sqlite3_stmt *st;
		struct attendance_today one;
		double t0, ms;
		int k = 0;

		sqlite3_open(db, &h);
		sqlite3_prepare_v2(
		    h,
		    "SELECT DISTINCT participant_id FROM absences WHERE from_date <= '" DAY
		    "' AND to_date >= '" DAY "' AND (category = 'vacation' OR"
		    " (category = 'sick_self_declared' AND documentation != 'doctor_note'))",
		    -1, &st, NULL);
		t0 = now_ms();
		while (sqlite3_step(st) == SQLITE_ROW) {
			attendance_today_one(a, sqlite3_column_int64(st, 0), DAY, 600, &one, err,
			                     sizeof(err));
			k++;
		}
		ms = now_ms() - t0;
		sqlite3_finalize(st);
		sqlite3_close(h);
		printf("  of which %d participants with quota history today, the whole way: %8.1f "
		       "ms\n",
		       k, ms);
	}
	{
		double t0 = now_ms();
		struct attendance_today one;
		size_t k = 0;

		attendance_participants(a, &ids, &n_ids, err, sizeof(err));
		for (size_t i = 0; i < n_ids; i++)
			k += attendance_today_one(a, ids[i], DAY, 600, &one, err, sizeof(err)) == 0;
		printf("  attendance_today_one per participant at minute 600: %8.1f ms, %zu rows\n",
		       now_ms() - t0, k);
		free(ids);
	}
	attendance_close(a);
	store_close(s);
	if (getenv("TODAY_BENCH_KEEP")) /* to look at the queries with sqlite3 */
		return printf("kept %s\n", db) < 0;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) != 0;
}
