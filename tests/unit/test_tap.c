/*
 * test_tap.c — the tap pipeline's outcomes: unknown, revoked, not scheduled,
 * in/out toggling, in_only, debounce at and around its edge, min_presence_min
 * ("already in since 08:00", not an accidental check-out) at its edge, early
 * leave while a session runs, and a storage error that records nothing.  The clock is faked so days
 * and windows are exact.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "cardkey.h"
#include "clock.h"
#include "config.h"
#include "store.h"
#include "tap.h"
#include "testutil.h"

/* Monday 2026-11-23 08:00 UTC (TZ=UTC in these tests) */
#define MONDAY_0800_MS 1795420800000LL
#define MIN_MS 60000LL
#define S_NS 1000000000LL

struct fx {
	char dir[256];
	char db[300];
	struct config cfg;
	struct cardkey key;
	struct store *s;
	struct tap_ctx *t;
	int64_t amina;
};

static struct clock_reading now;

static void
at(int64_t wall_ms, int64_t mono_ns)
{
	now.wall_ms = wall_ms;
	now.mono_ns = mono_ns;
	now.quality = CLOCK_SYNCED;
	clock_fake(&now);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct store_participant p = {.active = 1};
	struct store_session week[] = {{1, 510, 870, 0},
	                               {2, 510, 870, 0},
	                               {3, 510, 870, 0},
	                               {4, 510, 870, 0},
	                               {5, 510, 870, 0}};
	char err[256], key[CARDKEY_MAX];

	setenv("TZ", "UTC", 1);
	tzset();
	if (f == NULL || !tu_tempdir(f->dir, sizeof(f->dir)))
		return -1;
	config_defaults(&f->cfg);
	snprintf(f->cfg.kiosk.state_dir, sizeof(f->cfg.kiosk.state_dir), "%s", f->dir);
	f->cfg.tap.debounce_s = 10;
	assert_int_equal(cardkey_load(&f->key, f->dir, err, sizeof(err)), 0);
	snprintf(f->db, sizeof(f->db), "%s/stempel.db", f->dir);
	assert_int_equal(store_open(&f->s, f->db, err, sizeof(err)), 0);

	snprintf(p.ext_id, sizeof(p.ext_id), "P-000001");
	snprintf(p.name, sizeof(p.name), "Amina Yusuf");
	snprintf(p.language, sizeof(p.language), "so");
	snprintf(p.regime, sizeof(p.regime), "no-integreringsloven");
	snprintf(p.rate, sizeof(p.rate), "full");
	snprintf(p.programme_start, sizeof(p.programme_start), "2026-01-05");
	assert_int_equal(store_participant_upsert(f->s, &p, &f->amina), 0);
	assert_int_equal(store_schedule_set(f->s, f->amina, week, 5), 0);
	cardkey_of_uid(&f->key, "04A1B201", key);
	assert_int_equal(store_card_enroll(f->s, key, f->amina), 0);
	cardkey_of_uid(&f->key, "04A1B2FF", key);
	assert_int_equal(store_card_enroll(f->s, key, f->amina), 0);
	assert_int_equal(store_card_revoke(f->s, key), 0);

	f->t = tap_new(f->s, &f->key, &f->cfg);
	at(MONDAY_0800_MS, 1000 * S_NS);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	clock_fake(NULL);
	tap_free(f->t);
	store_close(f->s);
	tu_rmtree(f->dir);
	free(f);
	return 0;
}

static long long
count(struct fx *f, const char *sql)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	long long v = -1;

	assert_int_equal(sqlite3_open(f->db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

static void
test_unknown_card_is_recorded(void **state)
{
	struct fx *f = *state;
	struct tap_answer a;

	assert_int_equal(tap_handle(f->t, "DEADBEEF", &a), 0);
	assert_int_equal(a.outcome, TAP_UNKNOWN_CARD);
	assert_string_equal(a.participant, "");
	assert_string_equal(a.direction, "none");
	assert_int_equal(count(f, "SELECT count(*) FROM taps WHERE participant_id IS NULL"
	                          " AND outcome = 'unknown_card'"),
	                 1);
	assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE type = 'tap_unknown_card'"),
	                 1);
	/* the UID itself is stored nowhere */
	assert_int_equal(count(f, "SELECT count(*) FROM taps WHERE card_key LIKE '%DEADBEEF%'"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE json LIKE '%DEADBEEF%'"), 0);
}

static void
test_revoked_card(void **state)
{
	struct fx *f = *state;
	struct tap_answer a;

	assert_int_equal(tap_handle(f->t, "04A1B2FF", &a), 0);
	assert_int_equal(a.outcome, TAP_REVOKED_CARD);
	assert_string_equal(a.name, "Amina Yusuf");
	assert_int_equal(count(f, "SELECT count(*) FROM taps WHERE outcome = 'revoked_card'"), 1);
}

static void
test_in_then_out_then_in(void **state)
{
	struct fx *f = *state;
	struct tap_answer a;

	assert_int_equal(tap_handle(f->t, "04A1B201", &a), 0);
	assert_int_equal(a.outcome, TAP_ACCEPTED_IN);
	assert_string_equal(a.language, "so");
	assert_string_equal(a.local_time, "08:00");
	at(MONDAY_0800_MS + 60 * MIN_MS, 1000 * S_NS + 3600 * S_NS);
	assert_int_equal(tap_handle(f->t, "04A1B201", &a), 0);
	assert_int_equal(a.outcome, TAP_ACCEPTED_OUT);
	at(MONDAY_0800_MS + 120 * MIN_MS, 1000 * S_NS + 7200 * S_NS);
	assert_int_equal(tap_handle(f->t, "04A1B201", &a), 0);
	assert_int_equal(a.outcome, TAP_ACCEPTED_IN);
	assert_int_equal(count(f, "SELECT count(*) FROM taps"), 3);
	assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE type = 'tap'"), 3);
}

static void
test_new_day_starts_in(void **state)
{
	struct fx *f = *state;
	struct tap_answer a;

	assert_int_equal(tap_handle(f->t, "04A1B201", &a), 0);
	assert_int_equal(a.outcome, TAP_ACCEPTED_IN);
	/* forgot to tap out; Tuesday starts with "in" again */
	at(MONDAY_0800_MS + 24 * 60 * MIN_MS, 1000 * S_NS + 86400 * S_NS);
	assert_int_equal(tap_handle(f->t, "04A1B201", &a), 0);
	assert_int_equal(a.outcome, TAP_ACCEPTED_IN);
}

static void
test_debounce_edges(void **state)
{
	struct fx *f = *state;
	struct tap_answer a, b;
	int64_t t0 = 1000 * S_NS;

	f->cfg.tap.min_presence_min = 0; /* debounce alone */
	assert_int_equal(tap_handle(f->t, "04A1B201", &a), 0);
	assert_int_equal(a.outcome, TAP_ACCEPTED_IN);
	assert_int_equal(a.repeat, 0);
	/* 1 ns before the window ends: the same answer, no record */
	at(MONDAY_0800_MS + 9999, t0 + 10 * S_NS - 1);
	assert_int_equal(tap_handle(f->t, "04A1B201", &b), 0);
	assert_int_equal(b.outcome, TAP_ACCEPTED_IN);
	assert_int_equal(b.repeat, 1);
	assert_string_equal(b.event_id, a.event_id);
	assert_int_equal(count(f, "SELECT count(*) FROM taps"), 1);
	/* exactly at the end of the window: a new tap (out) */
	at(MONDAY_0800_MS + 10000, t0 + 10 * S_NS);
	assert_int_equal(tap_handle(f->t, "04A1B201", &b), 0);
	assert_int_equal(b.repeat, 0);
	assert_int_equal(b.outcome, TAP_ACCEPTED_OUT);
	assert_int_equal(count(f, "SELECT count(*) FROM taps"), 2);
}

static void
test_debounce_is_per_card(void **state)
{
	struct fx *f = *state;
	struct tap_answer a;

	assert_int_equal(tap_handle(f->t, "04A1B201", &a), 0);
	assert_int_equal(tap_handle(f->t, "DEADBEEF", &a), 0);
	assert_int_equal(a.outcome, TAP_UNKNOWN_CARD);
	assert_int_equal(a.repeat, 0);
	assert_int_equal(tap_handle(f->t, "DEADBEEF", &a), 0);
	assert_int_equal(a.repeat, 1);
	assert_int_equal(count(f, "SELECT count(*) FROM taps"), 2);
}

static void
test_debounce_off(void **state)
{
	struct fx *f = *state;
	struct tap_answer a;

	f->cfg.tap.debounce_s = 0;
	f->cfg.tap.min_presence_min = 0;
	assert_int_equal(tap_handle(f->t, "04A1B201", &a), 0);
	assert_int_equal(tap_handle(f->t, "04A1B201", &a), 0);
	assert_int_equal(a.repeat, 0);
	assert_int_equal(a.outcome, TAP_ACCEPTED_OUT);
}

static void
test_not_scheduled_on_sunday(void **state)
{
	struct fx *f = *state;
	struct tap_answer a;

	at(MONDAY_0800_MS - 24 * 60 * MIN_MS, 500 * S_NS);
	assert_int_equal(tap_handle(f->t, "04A1B201", &a), 0);
	assert_int_equal(a.outcome, TAP_NOT_SCHEDULED);
	assert_string_equal(a.name, "Amina Yusuf");
	assert_int_equal(count(f, "SELECT count(*) FROM taps WHERE outcome = 'not_scheduled'"), 1);
}

static void
test_closure_day_not_scheduled(void **state)
{
	struct fx *f = *state;
	struct tap_answer a;

	assert_int_equal(store_closure_add(f->s, "2026-11-23", "staff day"), 0);
	assert_int_equal(tap_handle(f->t, "04A1B201", &a), 0);
	assert_int_equal(a.outcome, TAP_NOT_SCHEDULED);
}

static void
test_in_only(void **state)
{
	struct fx *f = *state;
	struct tap_answer a;

	f->cfg.tap.mode = TAP_MODE_IN_ONLY;
	assert_int_equal(tap_handle(f->t, "04A1B201", &a), 0);
	assert_int_equal(a.outcome, TAP_ACCEPTED_IN);
	at(MONDAY_0800_MS + 120 * MIN_MS, 1000 * S_NS + 7200 * S_NS);
	assert_int_equal(tap_handle(f->t, "04A1B201", &a), 0);
	assert_int_equal(a.outcome, TAP_ALREADY_REGISTERED);
	assert_int_equal(count(f, "SELECT count(*) FROM taps WHERE outcome = 'already_registered'"),
	                 1);
}

/* A second tap 10 s .. 19:59 after checking in is "already in since 08:00", not "out". */
static void
test_min_presence_already_in(void **state)
{
	struct fx *f = *state;
	struct store_day_tap *already;
	struct tap_answer a;
	size_t n;

	assert_int_equal(f->cfg.tap.min_presence_min, 20); /* the default */
	assert_int_equal(tap_handle(f->t, "04A1B201", &a), 0);
	assert_int_equal(a.outcome, TAP_ACCEPTED_IN);
	assert_string_equal(a.since, "");
	/* after the debounce, the last minute of the window */
	at(MONDAY_0800_MS + 19 * MIN_MS, 1000 * S_NS + 1140 * S_NS);
	assert_int_equal(tap_handle(f->t, "04A1B201", &a), 0);
	assert_int_equal(a.outcome, TAP_ALREADY_REGISTERED);
	assert_int_equal(a.repeat, 0);
	assert_string_equal(a.since, "08:00");
	assert_string_equal(a.direction, "none");
	assert_string_equal(a.local_time, "08:19");
	/* kept as a direction "none" row (the board shows it), never as a check-out */
	assert_int_equal(count(f, "SELECT count(*) FROM taps WHERE outcome = 'already_registered'"
	                          " AND direction = 'none'"),
	                 1);
	assert_int_equal(count(f, "SELECT count(*) FROM taps WHERE direction = 'out'"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE json LIKE"
	                          " '%\"outcome\":\"already_registered\"%'"),
	                 1);
	/* the board lists it (store_taps_already) */
	assert_int_equal(
	    store_taps_already(f->s, f->amina, "2026-11-23", "2026-11-23", &already, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(already[0].minute, 8 * 60 + 19);
	free(already);
	/* the window counts from the check-in, not from the last tap: 08:20 is out */
	at(MONDAY_0800_MS + 20 * MIN_MS, 1000 * S_NS + 1200 * S_NS);
	assert_int_equal(tap_handle(f->t, "04A1B201", &a), 0);
	assert_int_equal(a.outcome, TAP_ACCEPTED_OUT);
	assert_string_equal(a.direction, "out");
	/* 08:20 is before the 08:30 session: not an early leave */
	assert_int_equal(a.early, 0);
	/* checking in again right after a check-out is allowed at once */
	at(MONDAY_0800_MS + 21 * MIN_MS, 1000 * S_NS + 1260 * S_NS);
	assert_int_equal(tap_handle(f->t, "04A1B201", &a), 0);
	assert_int_equal(a.outcome, TAP_ACCEPTED_IN);
}

static void
test_min_presence_configurable(void **state)
{
	struct fx *f = *state;
	struct tap_answer a;

	f->cfg.tap.min_presence_min = 90;
	assert_int_equal(tap_handle(f->t, "04A1B201", &a), 0);
	at(MONDAY_0800_MS + 89 * MIN_MS, 1000 * S_NS + 89 * 60 * S_NS);
	assert_int_equal(tap_handle(f->t, "04A1B201", &a), 0);
	assert_int_equal(a.outcome, TAP_ALREADY_REGISTERED);
	at(MONDAY_0800_MS + 90 * MIN_MS, 1000 * S_NS + 90 * 60 * S_NS);
	assert_int_equal(tap_handle(f->t, "04A1B201", &a), 0);
	assert_int_equal(a.outcome, TAP_ACCEPTED_OUT);
	/* 0 turns the window off: the next two taps toggle */
	f->cfg.tap.min_presence_min = 0;
	at(MONDAY_0800_MS + 91 * MIN_MS, 1000 * S_NS + 91 * 60 * S_NS);
	assert_int_equal(tap_handle(f->t, "04A1B201", &a), 0);
	assert_int_equal(a.outcome, TAP_ACCEPTED_IN);
	at(MONDAY_0800_MS + 92 * MIN_MS, 1000 * S_NS + 92 * 60 * S_NS);
	assert_int_equal(tap_handle(f->t, "04A1B201", &a), 0);
	assert_int_equal(a.outcome, TAP_ACCEPTED_OUT);
}

/* Out while 08:30-14:30 runs is early, with the session's end; at 14:30 it is not. */
static void
test_early_leave(void **state)
{
	struct fx *f = *state;
	struct tap_answer a;

	assert_int_equal(tap_handle(f->t, "04A1B201", &a), 0);
	at(MONDAY_0800_MS + 389 * MIN_MS, 1000 * S_NS + 389 * 60 * S_NS); /* 14:29 */
	assert_int_equal(tap_handle(f->t, "04A1B201", &a), 0);
	assert_int_equal(a.outcome, TAP_ACCEPTED_OUT);
	assert_int_equal(a.early, 1);
	assert_string_equal(a.until, "14:30");
	/* in again 30 s later: an "in" carries no session end */
	at(MONDAY_0800_MS + 389 * MIN_MS + 30000, 1000 * S_NS + 389 * 60 * S_NS + 30 * S_NS);
	f->cfg.tap.min_presence_min = 0; /* so that the next "out" 30 s later is one */
	assert_int_equal(tap_handle(f->t, "04A1B201", &a), 0);
	assert_int_equal(a.outcome, TAP_ACCEPTED_IN);
	assert_int_equal(a.early, 0);
	assert_string_equal(a.until, "");
	at(MONDAY_0800_MS + 390 * MIN_MS, 1000 * S_NS + 390 * 60 * S_NS); /* 14:30 */
	assert_int_equal(tap_handle(f->t, "04A1B201", &a), 0);
	assert_int_equal(a.outcome, TAP_ACCEPTED_OUT);
	assert_int_equal(a.early, 0);
}

/* Two sessions: leaving at lunch (between them) is not early; during the second it is. */
static void
test_early_leave_two_sessions(void **state)
{
	struct fx *f = *state;
	struct store_session two[] = {{1, 510, 690, 0}, {1, 750, 870, 1}};
	struct tap_answer a;

	assert_int_equal(store_schedule_set(f->s, f->amina, two, 2), 0);
	at(MONDAY_0800_MS + 30 * MIN_MS, 1000 * S_NS); /* 08:30 in */
	assert_int_equal(tap_handle(f->t, "04A1B201", &a), 0);
	at(MONDAY_0800_MS + 215 * MIN_MS, 1000 * S_NS + 185 * 60 * S_NS); /* 11:35 out */
	assert_int_equal(tap_handle(f->t, "04A1B201", &a), 0);
	assert_int_equal(a.outcome, TAP_ACCEPTED_OUT);
	assert_int_equal(a.early, 0);
	at(MONDAY_0800_MS + 270 * MIN_MS, 1000 * S_NS + 240 * 60 * S_NS); /* 12:30 in */
	assert_int_equal(tap_handle(f->t, "04A1B201", &a), 0);
	at(MONDAY_0800_MS + 360 * MIN_MS, 1000 * S_NS + 330 * 60 * S_NS); /* 14:00 out */
	assert_int_equal(tap_handle(f->t, "04A1B201", &a), 0);
	assert_int_equal(a.early, 1);
	assert_string_equal(a.until, "14:30");
}

static void
test_in_only_says_since(void **state)
{
	struct fx *f = *state;
	struct tap_answer a;

	f->cfg.tap.mode = TAP_MODE_IN_ONLY;
	at(MONDAY_0800_MS + 31 * MIN_MS, 1000 * S_NS);
	assert_int_equal(tap_handle(f->t, "04A1B201", &a), 0);
	at(MONDAY_0800_MS + 300 * MIN_MS, 1000 * S_NS + 300 * 60 * S_NS);
	assert_int_equal(tap_handle(f->t, "04A1B201", &a), 0);
	assert_int_equal(a.outcome, TAP_ALREADY_REGISTERED);
	assert_string_equal(a.since, "08:31");
}

static void
test_storage_error_records_nothing(void **state)
{
	struct fx *f = *state;
	struct tap_answer a;
	sqlite3 *h;

	assert_int_equal(sqlite3_open(f->db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h,
	                              "CREATE TRIGGER full BEFORE INSERT ON taps BEGIN"
	                              " SELECT RAISE(ABORT, 'database or disk is full'); END;",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(h);
	assert_int_equal(tap_handle(f->t, "04A1B201", &a), -1);
	assert_int_equal(a.outcome, TAP_STORAGE_ERROR);
	assert_string_equal(a.event_id, "");
	assert_int_equal(count(f, "SELECT count(*) FROM taps"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM outbox"), 0);
	/* a storage error is not remembered for debounce: the next tap tries again */
	assert_int_equal(sqlite3_open(f->db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "DROP TRIGGER full", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	assert_int_equal(tap_handle(f->t, "04A1B201", &a), 0);
	assert_int_equal(a.outcome, TAP_ACCEPTED_IN);
	assert_int_equal(count(f, "SELECT count(*) FROM taps"), 1);
}

/* An out that could not be stored is no early leave: nothing happened. */
static void
test_storage_error_is_not_early(void **state)
{
	struct fx *f = *state;
	struct tap_answer a;
	sqlite3 *h;

	assert_int_equal(tap_handle(f->t, "04A1B201", &a), 0);
	assert_int_equal(sqlite3_open(f->db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h,
	                              "CREATE TRIGGER full BEFORE INSERT ON taps BEGIN"
	                              " SELECT RAISE(ABORT, 'database or disk is full'); END;",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(h);
	at(MONDAY_0800_MS + 60 * MIN_MS, 1000 * S_NS + 3600 * S_NS); /* 09:00: session runs */
	assert_int_equal(tap_handle(f->t, "04A1B201", &a), -1);
	assert_int_equal(a.outcome, TAP_STORAGE_ERROR);
	assert_int_equal(a.early, 0);
	assert_string_equal(a.until, "");
}

/* A session to midnight ends at 24:00, not 00:00. */
static void
test_early_leave_to_midnight(void **state)
{
	struct fx *f = *state;
	struct store_session allday[] = {{1, 0, 1440, 0}};
	struct tap_answer a;

	assert_int_equal(store_schedule_set(f->s, f->amina, allday, 1), 0);
	assert_int_equal(tap_handle(f->t, "04A1B201", &a), 0);
	at(MONDAY_0800_MS + 60 * MIN_MS, 1000 * S_NS + 3600 * S_NS);
	assert_int_equal(tap_handle(f->t, "04A1B201", &a), 0);
	assert_int_equal(a.outcome, TAP_ACCEPTED_OUT);
	assert_int_equal(a.early, 1);
	assert_string_equal(a.until, "24:00");
}

static void
test_clock_flag_is_stored(void **state)
{
	struct fx *f = *state;
	struct tap_answer a;

	now.quality = CLOCK_UNSYNCED;
	clock_fake(&now);
	assert_int_equal(tap_handle(f->t, "04A1B201", &a), 0);
	assert_string_equal(a.clock, "unsynced");
	assert_int_equal(count(f, "SELECT count(*) FROM taps WHERE clock = 'unsynced'"), 1);
	assert_int_equal(
	    count(f, "SELECT count(*) FROM outbox WHERE json LIKE '%\"clock\":\"unsynced\"%'"), 1);
}

static void
test_outcome_names(void **state)
{
	for (int i = 0; i < TAP_NOUTCOMES; i++)
		assert_int_equal(tap_outcome_parse(tap_outcome_name(i)), i);
	assert_int_equal(tap_outcome_parse("nonsense"), -1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_unknown_card_is_recorded),
	    T(test_revoked_card),
	    T(test_in_then_out_then_in),
	    T(test_new_day_starts_in),
	    T(test_debounce_edges),
	    T(test_debounce_is_per_card),
	    T(test_debounce_off),
	    T(test_not_scheduled_on_sunday),
	    T(test_closure_day_not_scheduled),
	    T(test_in_only),
	    T(test_storage_error_records_nothing),
	    T(test_clock_flag_is_stored),
	    T(test_min_presence_already_in),
	    T(test_min_presence_configurable),
	    T(test_early_leave),
	    T(test_early_leave_two_sessions),
	    T(test_in_only_says_since),
	    T(test_storage_error_is_not_early),
	    T(test_early_leave_to_midnight),
	    cmocka_unit_test(test_outcome_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
