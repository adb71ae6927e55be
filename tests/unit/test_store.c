/*
 * test_store.c — the database: migrations from empty and from an old schema,
 * refusal of a newer schema, the tap + outbox transaction, outbox marking,
 * schedules with exceptions, the hash chain of the audit log, and the day numbers
 * of a range of taps read in bulk.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "checkpoint.h"
#include "store.h"
#include "testutil.h"

static char dir[256];
static char db[300];

static int
setup(void **state)
{
	if (!tu_tempdir(dir, sizeof(dir)))
		return -1;
	snprintf(db, sizeof(db), "%s/s.db", dir);
	return 0;
}

static int
teardown(void **state)
{
	tu_rmtree(dir);
	return 0;
}

/* Run one SQL statement on the file with a separate connection; return an int result. */
static long long
sql_int(const char *sql)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	long long v = -1;

	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

static void
sql_exec(const char *sql)
{
	sqlite3 *h;

	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
}

/* The database and its WAL files. */
static void
remove_db(void)
{
	char p[320];

	unlink(db);
	snprintf(p, sizeof(p), "%s-wal", db);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", db);
	unlink(p);
}

static struct store *
fresh(void)
{
	struct store *s;
	char err[256];

	remove_db();
	assert_int_equal(store_open(&s, db, err, sizeof(err)), 0);
	return s;
}

static int64_t
add_participant(struct store *s, const char *ext)
{
	struct store_participant p = {.active = 1};
	int64_t id = 0;

	snprintf(p.ext_id, sizeof(p.ext_id), "%s", ext);
	snprintf(p.name, sizeof(p.name), "Name of %s", ext);
	snprintf(p.language, sizeof(p.language), "ar");
	snprintf(p.regime, sizeof(p.regime), "no-integreringsloven");
	snprintf(p.rate, sizeof(p.rate), "full");
	snprintf(p.programme_start, sizeof(p.programme_start), "2026-01-05");
	assert_int_equal(store_participant_upsert(s, &p, &id), 0);
	return id;
}

static void
test_migrate_empty(void **state)
{
	struct store *s = fresh();

	assert_int_equal(store_schema_version(s), STORE_SCHEMA_VERSION);
	store_close(s);
	assert_int_equal(sql_int("PRAGMA user_version"), STORE_SCHEMA_VERSION);
	assert_int_equal(
	    sql_int("SELECT count(*) FROM sqlite_master WHERE name IN ('participants',"
	            "'cards','schedules','taps','absences','audit','outbox','g_values',"
	            "'closures','users','sessions','api_tokens','corrections','day_results',"
	            "'periods','period_lines','period_days','taps_accepted')"),
	    18);
	/* Schema 8: the change triggers and their mark are gone (one writer tells the loop). */
	assert_int_equal(sql_int("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
	                         " OR name = 'pending_recompute'"),
	                 0);
	/* WAL survives in the file header */
	sqlite3 *h;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	sqlite3_prepare_v2(h, "PRAGMA journal_mode", -1, &st, NULL);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	sqlite3_close(h);
}

static void
test_migrate_old_version(void **state)
{
	struct store *s;
	char err[256];

	remove_db();
	assert_int_equal(store_create_at_version(db, 1, err, sizeof(err)), 0);
	assert_int_equal(sql_int("PRAGMA user_version"), 1);
	/* a version-1 database with data in it: a tap without a clock column */
	sql_exec("INSERT INTO participants(ext_id, name, regime, programme_start)"
	         " VALUES('P-1','Amina','no-integreringsloven','2026-01-05');"
	         "INSERT INTO taps(uuid, card_key, participant_id, direction, outcome, wall_ms,"
	         " mono_ns, local_date, local_min) VALUES('u1','hmac:1',1,'in','accepted_in',1,2,"
	         "'2026-11-23',480);");
	assert_int_equal(store_open(&s, db, err, sizeof(err)), 0);
	assert_int_equal(store_schema_version(s), STORE_SCHEMA_VERSION);
	store_close(s);
	assert_int_equal(
	    sql_int("SELECT count(*) FROM taps WHERE uuid = 'u1' AND clock = 'synced'"), 1);
	assert_int_equal(sql_int("SELECT count(*) FROM participants WHERE ext_id = 'P-1'"), 1);
	assert_int_equal(sql_int("SELECT count(*) FROM g_values"), 0);
	/* 7: taps_day is gone, taps_accepted serves its queries */
	assert_int_equal(sql_int("SELECT count(*) FROM sqlite_master WHERE name = 'taps_day'"), 0);
	assert_int_equal(sql_int("SELECT count(*) FROM sqlite_master WHERE name = 'taps_accepted'"),
	                 1);
}

static void
test_refuse_newer(void **state)
{
	struct store *s = fresh();
	char err[256];

	store_close(s);
	sql_exec("PRAGMA user_version = 99");
	assert_int_equal(store_open(&s, db, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "newer than this program"));
	assert_int_equal(sql_int("PRAGMA user_version"), 99);
}

static void
test_record_tap_with_outbox(void **state)
{
	struct store *s = fresh();
	int64_t pid = add_participant(s, "P-1"), tap_id = 0;
	struct store_tap t = {
	    .uuid = "11111111-1111-4111-8111-111111111111",
	    .card_key = "hmac:ab",
	    .participant_id = pid,
	    .direction = "in",
	    .outcome = "accepted_in",
	    .wall_ms = 1795000000000,
	    .mono_ns = 5,
	    .clock = "synced",
	    .local_date = "2026-11-23",
	    .local_min = 510,
	    .event_type = "tap",
	    .event_json = "{\"id\":\"11111111-1111-4111-8111-111111111111\"}",
	};
	char dir_[8];
	int min = 0;

	assert_int_equal(store_last_accepted(s, pid, "2026-11-23", dir_, sizeof(dir_), &min), 1);
	assert_int_equal(store_record_tap(s, &t, &tap_id), 0);
	assert_true(tap_id > 0);
	assert_int_equal(store_last_accepted(s, pid, "2026-11-23", dir_, sizeof(dir_), &min), 0);
	assert_string_equal(dir_, "in");
	assert_int_equal(min, 510);
	assert_int_equal(store_tap_count(s), 1);

	/* the same event id twice: refused whole, no second outbox row */
	assert_int_equal(store_record_tap(s, &t, NULL), -1);
	store_close(s);
	assert_int_equal(sql_int("SELECT count(*) FROM taps"), 1);
	assert_int_equal(sql_int("SELECT count(*) FROM outbox"), 1);
}

static void
test_tap_insert_failure_leaves_nothing(void **state)
{
	struct store *s = fresh();
	struct store_tap t = {
	    .uuid = "u-2",
	    .card_key = "hmac:cd",
	    .direction = "none",
	    .outcome = "unknown_card",
	    .wall_ms = 1,
	    .mono_ns = 1,
	    .clock = "synced",
	    .local_date = "2026-11-23",
	    .local_min = 1,
	    .event_type = "tap_unknown_card",
	    .event_json = "{}",
	};

	/* the outbox insert fails after the tap insert: both must be rolled back */
	sql_exec("CREATE TRIGGER no_outbox BEFORE INSERT ON outbox BEGIN"
	         " SELECT RAISE(ABORT, 'disk full'); END;");
	assert_int_equal(store_record_tap(s, &t, NULL), -1);
	store_close(s);
	assert_int_equal(sql_int("SELECT count(*) FROM taps"), 0);
	assert_int_equal(sql_int("SELECT count(*) FROM outbox"), 0);
}

static void
test_outbox_order_and_marks(void **state)
{
	struct store *s = fresh();
	struct store_outbox_stats st;
	struct store_event *evs;
	int n;

	assert_int_equal(store_event_add(s, "e1", "tap", "{\"id\":\"e1\"}"), 0);
	assert_int_equal(store_event_add(s, "e2", "tap", "{\"id\":\"e2\"}"), 0);
	assert_int_equal(store_event_add(s, "e3", "alarm", "{\"id\":\"e3\"}"), 0);
	assert_int_equal(store_outbox_pending(s, 0, 2, &evs, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(evs[0].id, "e1");
	assert_string_equal(evs[1].id, "e2");
	assert_true(evs[0].seq < evs[1].seq);
	store_events_free(evs, n);

	assert_int_equal(store_outbox_mark(s, "e1", "delivered", NULL), 0);
	assert_int_equal(store_outbox_mark(s, "e2", "dead", "rejected: bad participant"), 0);
	assert_int_equal(store_outbox_stats(s, &st), 0);
	assert_int_equal(st.pending, 1);
	assert_int_equal(st.delivered, 1);
	assert_int_equal(st.dead, 1);
	assert_true(st.oldest_pending_ms > 0);
	assert_int_equal(store_outbox_pending(s, 0, 10, &evs, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(evs[0].id, "e3");
	store_events_free(evs, n);
	/* a count with nothing loaded (the uploader's stop after a batch was handed on) */
	store_events_free(NULL, 5);
	store_close(s);
}

static void
test_sessions_and_exceptions(void **state)
{
	struct store *s = fresh();
	int64_t pid = add_participant(s, "P-1");
	struct store_session tmpl[] = {{1, 510, 870, 0}, {3, 510, 720, 0}, {3, 780, 870, 1}};
	struct store_session one[] = {{0, 600, 660, 0}};
	struct store_session out[8];
	size_t n;

	assert_int_equal(store_schedule_set(s, pid, tmpl, 3), 0);
	assert_int_equal(store_sessions_on(s, pid, "2026-11-23", 1, out, 8, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].start_min, 510);
	assert_int_equal(store_sessions_on(s, pid, "2026-11-25", 3, out, 8, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(out[1].offsite, 1);
	assert_int_equal(store_sessions_on(s, pid, "2026-11-24", 2, out, 8, &n), 0);
	assert_int_equal(n, 0);
	/* an exception replaces the day; an empty one makes it free */
	assert_int_equal(store_schedule_exception_set(s, pid, "2026-11-24", one, 1), 0);
	assert_int_equal(store_sessions_on(s, pid, "2026-11-24", 2, out, 8, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].start_min, 600);
	assert_int_equal(store_schedule_exception_set(s, pid, "2026-11-23", NULL, 0), 0);
	assert_int_equal(store_sessions_on(s, pid, "2026-11-23", 1, out, 8, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_closure_add(s, "2026-12-24", "Christmas Eve"), 0);
	assert_int_equal(store_is_closed(s, "2026-12-24"), 1);
	assert_int_equal(store_is_closed(s, "2026-12-23"), 0);
	store_close(s);
}

static void
test_cards(void **state)
{
	struct store *s = fresh();
	int64_t a = add_participant(s, "P-1"), b = add_participant(s, "P-2"), pid = 0;
	const char *keys[] = {"hmac:2"};
	int revoked = -1;

	assert_int_equal(store_card_lookup(s, "hmac:1", &pid, &revoked), 1);
	assert_int_equal(store_card_enroll(s, "hmac:1", a), 0);
	assert_int_equal(store_card_lookup(s, "hmac:1", &pid, &revoked), 0);
	assert_int_equal(pid, a);
	assert_int_equal(revoked, 0);
	/* re-enrolling moves the card */
	assert_int_equal(store_card_enroll(s, "hmac:1", b), 0);
	assert_int_equal(store_card_lookup(s, "hmac:1", &pid, &revoked), 0);
	assert_int_equal(pid, b);
	assert_int_equal(store_card_revoke(s, "hmac:1"), 0);
	assert_int_equal(store_card_lookup(s, "hmac:1", &pid, &revoked), 0);
	assert_int_equal(revoked, 1);
	assert_int_equal(store_card_revoke(s, "hmac:nope"), 1);
	/* sync: cards not in the list are revoked */
	assert_int_equal(store_card_enroll(s, "hmac:3", a), 0);
	assert_int_equal(store_cards_sync(s, a, keys, 1), 0);
	assert_int_equal(store_card_lookup(s, "hmac:3", &pid, &revoked), 0);
	assert_int_equal(revoked, 1);
	assert_int_equal(store_card_lookup(s, "hmac:2", &pid, &revoked), 0);
	assert_int_equal(revoked, 0);
	store_close(s);
}

static int
audit_two(struct store *s, void *arg, char *err, size_t errlen)
{
	assert_int_equal(store_audit(s, "cli:root", "card.enroll", "a"), 0);
	assert_int_equal(store_audit(s, "cli:root", "card.revoke", "b"), 0);
	return 0;
}

static void
test_audit_chain(void **state)
{
	struct store *s = fresh();
	char err[256];

	/* Outside a transaction the read of the last hash could race: refused. */
	assert_int_equal(store_audit(s, "cli:root", "card.enroll", "x"), -1);
	assert_int_equal(store_txn(s, audit_two, NULL, err, sizeof(err)), 0);
	store_close(s);
	assert_int_equal(sql_int("SELECT count(*) FROM audit a JOIN audit b ON b.id = a.id + 1"
	                         " WHERE b.prev_hash = a.hash"),
	                 1);
	assert_int_equal(sql_int("SELECT length(hash) FROM audit WHERE id = 2"), 64);
	assert_int_equal(sql_int("SELECT count(*) FROM audit WHERE id = 1 AND prev_hash = ''"), 1);
}

static void
test_meta(void **state)
{
	struct store *s = fresh();
	char v[64];

	assert_int_equal(store_meta_get(s, "roster_etag", v, sizeof(v)), 1);
	assert_int_equal(store_meta_set(s, "roster_etag", "\"abc\""), 0);
	assert_int_equal(store_meta_get(s, "roster_etag", v, sizeof(v)), 0);
	assert_string_equal(v, "\"abc\"");
	store_close(s);
}

/* Pages of `path` from byte `from` on that are in the page cache (mincore). */
static size_t
resident_from(const char *path, off_t from)
{
	long pg = sysconf(_SC_PAGESIZE);
	int fd = open(path, O_RDONLY);
	struct stat st;
	size_t n = 0, len, pages;
	unsigned char *vec;
	void *map;

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(st.st_size > from);
	len = (size_t)(st.st_size - from);
	map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, from);
	assert_true(map != MAP_FAILED);
	pages = (len + (size_t)pg - 1) / (size_t)pg;
	vec = calloc(pages, 1);
	assert_non_null(vec);
	assert_int_equal(mincore(map, len, vec), 0);
	for (size_t i = 0; i < pages; i++)
		n += vec[i] & 1;
	free(vec);
	munmap(map, len);
	close(fd);
	return n;
}

/*
 * A big write leaves no big WAL file once a checkpoint lets the WAL start over (here,
 * without store_on_wal_full, the next write cuts it back).  The checkpoint leaves the
 * WAL's pages cached: a commit that writes the WAL over again must not wait for
 * pages read back from the disk (a frame covers pages in part), as taps' commits did
 * in ext4_block_write_begin while checkpoints dropped the pages above the limit.
 */
static void
test_wal_cut_back(void **state)
{
	struct store *s = fresh();
	char wal[320];
	struct stat st;

	(void)state;
	snprintf(wal, sizeof(wal), "%s-wal", db);
	sql_exec("CREATE TABLE big(x BLOB)");
	sql_exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 25000)"
	         " INSERT INTO big SELECT zeroblob(4000) FROM n");
	assert_int_equal(stat(wal, &st), 0);
	assert_true(st.st_size > 67108864); /* the write itself went through the WAL */
	assert_true(resident_from(wal, 67108864) > 1000); /* just written: cached */
	assert_int_equal(store_outbox_checkpoint(s, NULL), 1);
	assert_true(resident_from(wal, 67108864) > 1000);
	/* the next write starts the WAL over and cuts the file back */
	assert_int_equal(store_meta_set(s, "k", "v"), 0);
	assert_int_equal(stat(wal, &st), 0);
	assert_true(st.st_size <= 67108864);
	store_close(s);
}

static void
count_kick(void *arg, int frames)
{
	assert_true(frames >= 250);
	(*(int *)arg)++;
}

/*
 * The checkpoint owner is kicked once per 250 new WAL frames, not at every COMMIT
 * past them: 600 small commits (two or three frames each) with no checkpoint run
 * (the WAL never starts over) kick it about five times, where a kick per COMMIT
 * past 250 frames would be ~500.  After a
 * checkpoint lets the WAL start over, the count starts again from there.
 */
static void
test_wal_kicks(void **state)
{
	struct store *s = fresh();
	char key[16];
	int kicks = 0;

	(void)state;
	store_on_wal_full(s, count_kick, &kicks);
	for (int i = 0; i < 600; i++) {
		snprintf(key, sizeof(key), "k%d", i % 7);
		assert_int_equal(store_meta_set(s, key, "v"), 0);
	}
	assert_true(kicks >= 1 && kicks <= 10);
	assert_int_equal(store_outbox_checkpoint(s, NULL), 1);
	kicks = 0;
	for (int i = 0; i < 600; i++)
		assert_int_equal(store_meta_set(s, "k", i % 2 ? "v" : "w"), 0);
	assert_true(kicks >= 1 && kicks <= 10);
	store_close(s);
}

/* Checkpoints the thread has run. */
static unsigned long
checkpoint_runs(struct checkpointer *c)
{
	struct checkpoint_counts n;

	checkpointer_counts(c, &n);
	return n.runs;
}

/*
 * The checkpoint thread runs one checkpoint per kick (kicks while one runs make one
 * more, not one each) and counts them for /metrics.  No cut: the WAL is far below its
 * limit.
 */
static void
test_checkpoint_thread(void **state)
{
	struct store *s = fresh();
	struct checkpointer *c;
	char err[256];
	int backfilled = 0, kicks = 0;

	(void)state;
	store_on_wal_full(s, count_kick, &kicks); /* the kicks are this test's, by hand */
	for (int i = 0; i < 300; i++)
		assert_int_equal(store_meta_set(s, "k", i % 2 ? "v" : "w"), 0);
	c = checkpointer_start(db, CHECKPOINT_QUIET_MS, err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(checkpoint_runs(c), 0);
	checkpointer_kick(c, 300);
	for (int i = 0; i < 500 && checkpoint_runs(c) < 1; i++)
		usleep(10 * 1000);
	assert_int_equal(checkpoint_runs(c), 1);
	{
		struct checkpoint_counts n;

		checkpointer_counts(c, &n);
		assert_int_equal(n.cuts, 0);
		assert_int_equal(n.busy, 0);
	}
	/* the WAL held the 300 commits, and they are all in the database now */
	assert_int_equal(store_outbox_checkpoint(s, &backfilled), 1);
	assert_true(backfilled >= 300);
	checkpointer_stop(c);
	store_close(s);
}

/* Wait (up to 10 s) until the checkpoint thread has run `n` checkpoints. */
static unsigned long
runs_reach(struct checkpointer *c, unsigned long n)
{
	for (int i = 0; i < 1000 && checkpoint_runs(c) < n; i++)
		usleep(10 * 1000);
	return checkpoint_runs(c);
}

/*
 * Taps first: a kicked checkpoint waits for a gap without taps, and runs at once when
 * the WAL holds CHECKPOINT_FORCE_FRAMES not yet checkpointed.  The quiet window is
 * a minute here (nothing in the test can outwait it) and 100 ms for the gap.
 */
static void
test_checkpoint_waits_for_taps(void **state)
{
	struct store *s = fresh();
	struct checkpointer *c;
	char err[256];
	int kicks = 0;

	(void)state;
	store_on_wal_full(s, count_kick, &kicks);
	for (int i = 0; i < 300; i++)
		assert_int_equal(store_meta_set(s, "k", i % 2 ? "v" : "w"), 0);
	c = checkpointer_start(db, 60 * 1000, err, sizeof(err));
	assert_non_null(c);
	checkpointer_hold(c); /* a tap */
	checkpointer_kick(c, 300);
	usleep(300 * 1000);
	assert_int_equal(checkpoint_runs(c), 0); /* the minute has not passed */
	/* A WAL too big to wait for: the same kick, with the frames past the limit. */
	checkpointer_kick(c, CHECKPOINT_FORCE_FRAMES);
	assert_int_equal(runs_reach(c, 1), 1);
	/* The frames counted are those since that checkpoint: this one waits again. */
	checkpointer_hold(c);
	checkpointer_kick(c, CHECKPOINT_FORCE_FRAMES + 100); /* 300+ of them in */
	usleep(300 * 1000);
	assert_int_equal(checkpoint_runs(c), 1);
	checkpointer_stop(c); /* a waiting checkpoint does not hold up the stop */

	c = checkpointer_start(db, 100, err, sizeof(err));
	assert_non_null(c);
	checkpointer_hold(c);
	checkpointer_kick(c, 300);
	assert_int_equal(runs_reach(c, 1), 1); /* the gap came */
	checkpointer_hold(NULL);               /* a kiosk without the thread: nothing */
	checkpointer_stop(c);
	store_close(s);
}

/*
 * The checkpoint's page writes go to the disk in steps (checkpoint_vfs.h): a
 * checkpoint of 400 pages (1.6 MB) syncs at least four steps of 256 KiB before its
 * own fsync, and it finishes though a tap comes every millisecond (each step lets
 * one tap's turn go first, no more).  Every value is in the database afterwards.
 */
static void
test_checkpoint_in_steps(void **state)
{
	struct store *s = fresh();
	struct checkpointer *c;
	struct checkpoint_counts n = {0};
	char err[256], key[32], val[3001], got[3001];
	int kicks = 0, backfilled = 0;

	(void)state;
	store_on_wal_full(s, count_kick, &kicks); /* the kick is this test's */
	memset(val, 'x', sizeof(val) - 1);
	val[sizeof(val) - 1] = '\0';
	for (int i = 0; i < 400; i++) { /* one value per 4 KiB page */
		snprintf(key, sizeof(key), "big.%03d", i);
		val[0] = (char)('a' + i % 26);
		assert_int_equal(store_meta_set(s, key, val), 0);
	}
	c = checkpointer_start(db, 60 * 1000, err, sizeof(err));
	assert_non_null(c);
	checkpointer_kick(c, CHECKPOINT_FORCE_FRAMES); /* forced: it needs no gap */
	for (int i = 0; i < 10000 && n.runs == 0; i++) {
		checkpointer_hold(c); /* a tap */
		usleep(1000);
		checkpointer_counts(c, &n);
	}
	assert_int_equal(n.runs, 1);
	assert_true(n.steps >= 4);
	checkpointer_stop(c);
	/* the thread's checkpoint left nothing in the WAL for the database */
	assert_int_equal(store_outbox_checkpoint(s, &backfilled), 1);
	assert_true(backfilled >= 400);
	for (int i = 0; i < 400; i++) {
		snprintf(key, sizeof(key), "big.%03d", i);
		val[0] = (char)('a' + i % 26);
		assert_int_equal(store_meta_get(s, key, got, sizeof(got)), 0);
		assert_string_equal(got, val);
	}
	store_close(s);
}

/* What the probe saw while another connection's checkpoint held the lock. */
struct busy_probe {
	struct store *s;
	struct checkpointer *c;
	int rc, backfilled;
	unsigned long runs, busy;
};

/*
 * B's busy handler, called while B's FULL checkpoint holds the checkpoint lock and
 * waits for W's write transaction: our checkpoints, the store's and the thread's,
 * find the lock taken.  0: B gives up.
 */
static int
during_other_checkpoint(void *arg, int count)
{
	struct busy_probe *p = arg;
	struct checkpoint_counts n = {0};

	(void)count;
	p->backfilled = 12345;
	p->rc = store_outbox_checkpoint(p->s, &p->backfilled);
	checkpointer_hold(p->c);
	checkpointer_kick(p->c, 3 * CHECKPOINT_FORCE_FRAMES); /* forced: it tries at once */
	for (int i = 0; i < 1000 && n.busy == 0; i++) {
		usleep(10 * 1000);
		checkpointer_counts(p->c, &n);
	}
	p->runs = n.runs;
	p->busy = n.busy;
	return 0;
}

/*
 * Another connection's checkpoint (the bench's, an offline stempelctl's) holds the
 * lock: ours does nothing, says so and leaves *backfilled alone; the thread counts
 * it as busy, not as run, and keeps what it knew of the database, so the next kick
 * below the limit waits for its gap (it once took the whole WAL for new frames and
 * forced an attempt at every kick).
 */
static void
test_checkpoint_busy(void **state)
{
	struct store *s = fresh();
	struct busy_probe p = {.s = s};
	char err[256];
	int kicks = 0;
	sqlite3 *w, *b;

	(void)state;
	store_on_wal_full(s, count_kick, &kicks);
	for (int i = 0; i < 300; i++)
		assert_int_equal(store_meta_set(s, "k", i % 2 ? "v" : "w"), 0);
	p.c = checkpointer_start(db, 60 * 1000, err, sizeof(err));
	assert_non_null(p.c);
	checkpointer_hold(p.c);
	checkpointer_kick(p.c, CHECKPOINT_FORCE_FRAMES);
	assert_int_equal(runs_reach(p.c, 1), 1);

	assert_int_equal(sqlite3_open(db, &w), SQLITE_OK);
	assert_int_equal(sqlite3_exec(w, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_open(db, &b), SQLITE_OK);
	/* a connection checkpoints only once it has read the database (and knows WAL) */
	assert_int_equal(sqlite3_exec(b, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_busy_handler(b, during_other_checkpoint, &p);
	assert_int_equal(sqlite3_wal_checkpoint_v2(b, NULL, SQLITE_CHECKPOINT_FULL, NULL, NULL),
	                 SQLITE_BUSY);
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.backfilled, 12345);
	assert_int_equal(p.busy, 1);
	assert_int_equal(p.runs, 1);
	sqlite3_close(b);
	assert_int_equal(sqlite3_exec(w, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(w);

	/* 100 frames past the limit, but the first checkpoint's 300+ are in: it waits */
	checkpointer_hold(p.c);
	checkpointer_kick(p.c, CHECKPOINT_FORCE_FRAMES + 100);
	usleep(300 * 1000);
	assert_int_equal(checkpoint_runs(p.c), 1);
	/* and the lock free again, a checkpoint runs as before */
	assert_int_equal(store_outbox_checkpoint(s, NULL), 1);
	checkpointer_stop(p.c);
	store_close(s);
}

/* The WAL file's size in bytes (-1: none). */
static long long
wal_size(void)
{
	char p[320];
	struct stat st;

	snprintf(p, sizeof(p), "%s-wal", db);
	return stat(p, &st) == 0 ? (long long)st.st_size : -1;
}

/*
 * A WAL with an owner is not cut back by a COMMIT (on the loop, that freed hundreds
 * of MB of blocks inside a tap's answer) but by store_wal_cut: only when it is larger
 * than the limit and nothing was written since the previous look, and never while a
 * reader is there (without waiting for one).
 */
static void
test_wal_cut(void **state)
{
	struct store *s = fresh();
	struct store_wal_look look = {0}, big_look = {0};
	char back[8];
	int kicks = 0;
	sqlite3 *h;
	sqlite3_stmt *st;

	(void)state;
	store_on_wal_full(s, count_kick, &kicks);
	sql_exec("CREATE TABLE big(x BLOB)");
	sql_exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 25000)"
	         " INSERT INTO big SELECT zeroblob(4000) FROM n");
	assert_true(wal_size() > STORE_WAL_LIMIT_BYTES);
	assert_int_equal(store_outbox_checkpoint(s, NULL), 1);
	/* the next write starts the WAL over and leaves the file as it is */
	assert_int_equal(store_meta_set(s, "last", "yes"), 0);
	assert_true(wal_size() > STORE_WAL_LIMIT_BYTES);
	/* not past the limit: left alone, however quiet */
	assert_int_equal(store_wal_cut(s, 1LL << 40, &big_look), 0);
	assert_int_equal(store_wal_cut(s, 1LL << 40, &big_look), 0);
	/* the first look only notes the file; a write before the next one: not quiet */
	assert_int_equal(store_wal_cut(s, STORE_WAL_LIMIT_BYTES, &look), 0);
	usleep(20000); /* a later modification time, whatever the file system's granularity */
	assert_int_equal(store_meta_set(s, "between", "looks"), 0);
	assert_int_equal(store_wal_cut(s, STORE_WAL_LIMIT_BYTES, &look), 0);
	assert_true(wal_size() > STORE_WAL_LIMIT_BYTES);
	/* quiet since, but a reader is there: not now, and no waiting for it */
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT count(*) FROM meta", -1, &st, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(store_wal_cut(s, STORE_WAL_LIMIT_BYTES, &look), 0);
	sqlite3_finalize(st);
	sqlite3_exec(h, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(h);
	assert_true(wal_size() > STORE_WAL_LIMIT_BYTES);
	/* big and quiet: cut to nothing, everything in the database */
	assert_int_equal(store_wal_cut(s, STORE_WAL_LIMIT_BYTES, &look), 1);
	assert_int_equal(wal_size(), 0);
	assert_int_equal(store_meta_get(s, "last", back, sizeof(back)), 0);
	assert_string_equal(back, "yes");
	assert_int_equal(store_meta_set(s, "after", "cut"), 0);
	store_close(s);
	assert_int_equal(sql_int("SELECT count(*) FROM big"), 25000);
	assert_int_equal(sql_int("SELECT count(*) FROM meta WHERE key = 'after'"), 1);
}

/*
 * store_range_taps() computes a tap's day number in C, not with julianday() in SQL:
 * every day of 1899-12-25 .. 2200-01-05 and dates SQL reads otherwise (or not at
 * all) must give exactly what SQL gives.
 */
static void
test_range_taps_day_numbers(void **state)
{
	static const char *const odd[] = {"2026-02-30", "2026-2-01",  "2026-02-01x", "20260201",
	                                  "2026-13-01", "0000-01-01", "2026-00-10",  "2026-01-00",
	                                  "2026-01-1 ", "1900-02-29", "2000-02-29",  "2100-02-29",
	                                  "-001-01-01", "2026-01-32", "9999-12-31",  "1970-01-01"};
	struct store *s = fresh();
	struct store_pid_tap *t;
	size_t n, seen_odd = 0;
	int64_t pid = add_participant(s, "P-1");
	sqlite3 *h;
	sqlite3_stmt *st;
	char sql[512];

	(void)state;
	snprintf(sql, sizeof(sql),
	         "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 109590)"
	         " INSERT INTO taps(uuid, card_key, participant_id, direction, outcome, wall_ms,"
	         " mono_ns, local_date, local_min) SELECT 'u' || i, 'k', %lld, 'in', 'accepted_in',"
	         " 1, 2, date('1899-12-25', '+' || i || ' days'), 480 FROM n",
	         (long long)pid);
	sql_exec(sql);
	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		snprintf(
		    sql, sizeof(sql),
		    "INSERT INTO taps(uuid, card_key, participant_id, direction, outcome,"
		    " wall_ms, mono_ns, local_date, local_min) VALUES('odd%zu', 'k', %lld, 'out',"
		    " 'accepted_out', 1, 2, '%s', 600)",
		    i, (long long)pid, odd[i]);
		sql_exec(sql);
	}
	assert_int_equal(store_range_taps(s, "", "~", &t, &n), 0);
	assert_int_equal(n, 109591 + sizeof(odd) / sizeof(odd[0]));
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h,
	                                    "SELECT CAST(julianday(local_date) - 2440587.5 AS"
	                                    " INTEGER), local_date FROM taps WHERE id = ?",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(t[i].pid, pid);
		sqlite3_bind_int64(st, 1, t[i].t.id);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		if (t[i].t.day != sqlite3_column_int(st, 0))
			fail_msg("%s: day %d, SQL says %d",
			         (const char *)sqlite3_column_text(st, 1), (int)t[i].t.day,
			         sqlite3_column_int(st, 0));
		seen_odd += strcmp(t[i].t.direction, "out") == 0;
		sqlite3_reset(st);
	}
	assert_int_equal(seen_odd, sizeof(odd) / sizeof(odd[0]));
	sqlite3_finalize(st);
	sqlite3_close(h);
	free(t);
	store_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_migrate_empty),
	    cmocka_unit_test(test_migrate_old_version),
	    cmocka_unit_test(test_refuse_newer),
	    cmocka_unit_test(test_record_tap_with_outbox),
	    cmocka_unit_test(test_tap_insert_failure_leaves_nothing),
	    cmocka_unit_test(test_outbox_order_and_marks),
	    cmocka_unit_test(test_sessions_and_exceptions),
	    cmocka_unit_test(test_cards),
	    cmocka_unit_test(test_audit_chain),
	    cmocka_unit_test(test_meta),
	    cmocka_unit_test(test_wal_cut_back),
	    cmocka_unit_test(test_wal_kicks),
	    cmocka_unit_test(test_checkpoint_thread),
	    cmocka_unit_test(test_checkpoint_waits_for_taps),
	    cmocka_unit_test(test_checkpoint_in_steps),
	    cmocka_unit_test(test_checkpoint_busy),
	    cmocka_unit_test(test_wal_cut),
	    cmocka_unit_test(test_range_taps_day_numbers),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
