/*
 * test_reports.c — the reports thread: jobs run off the loop, oldest first, on
 * the read-only connection (a write fails there, a read sees what the loop's
 * connection committed); each `done` runs on the loop once; stopping hands queued
 * jobs to `done` with ran = 0; a job reads one snapshot (its read transaction).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <event2/event.h>
#include <pthread.h>
#include <sqlite3.h>
#include <string.h>

#include "config.h"
#include "reports.h"
#include "store.h"
#include "testutil.h"

static char dir[256];
static char db[300];

struct item {
	int seq;             /* submission order */
	int ran, done_calls; /* as done() saw them */
	int run_order;       /* set on the thread */
	int on_loop;         /* run() was called on the loop's thread */
	pthread_t loop;
	long long count; /* participants seen by the read-only connection */
	int write_failed;
	pthread_mutex_t *block; /* held by the test: the job waits for it */
};

static int run_seq;
static int done_total;

static void
run_item(struct reports_ctx *ctx, void *arg)
{
	struct item *it = arg;
	struct store_participant p;

	if (it->block) {
		pthread_mutex_lock(it->block);
		pthread_mutex_unlock(it->block);
	}
	it->run_order = ++run_seq;
	it->on_loop = pthread_equal(pthread_self(), it->loop);
	it->count = 0;
	if (store_participant_by_ext(ctx->store, "P-1", &p) == 0)
		it->count = 1;
	memset(&p, 0, sizeof(p));
	snprintf(p.ext_id, sizeof(p.ext_id), "P-9");
	snprintf(p.name, sizeof(p.name), "Never");
	it->write_failed = store_participant_upsert(ctx->store, &p, NULL) < 0;
}

static void
done_item(void *arg, int ran)
{
	struct item *it = arg;

	it->ran = ran;
	it->done_calls++;
	done_total++;
}

static int
setup(void **state)
{
	struct store *s;
	struct store_participant p = {0};
	char err[256];

	if (!tu_tempdir(dir, sizeof(dir)))
		return -1;
	snprintf(db, sizeof(db), "%s/s.db", dir);
	if (store_open(&s, db, err, sizeof(err)) < 0)
		return -1;
	snprintf(p.ext_id, sizeof(p.ext_id), "P-1");
	snprintf(p.name, sizeof(p.name), "Amina");
	snprintf(p.regime, sizeof(p.regime), "no-integreringsloven");
	snprintf(p.programme_start, sizeof(p.programme_start), "2026-01-05");
	p.active = 1;
	if (store_participant_upsert(s, &p, NULL) < 0)
		return -1;
	*state = s; /* the loop's connection stays open, as in the daemon */
	run_seq = done_total = 0;
	return 0;
}

static int
teardown(void **state)
{
	store_close(*state);
	tu_rmtree(dir);
	return 0;
}

static void
test_jobs_run_off_the_loop_in_order(void **state)
{
	struct config cfg;
	struct event_base *base = event_base_new();
	struct reports *r;
	struct item it[5];
	char err[256];

	config_defaults(&cfg);
	r = reports_start(base, &cfg, db, err, sizeof(err));
	assert_non_null(r);
	for (int i = 0; i < 5; i++) {
		it[i] = (struct item){.seq = i, .loop = pthread_self()};
		assert_int_equal(reports_submit(r, run_item, done_item, &it[i]), 0);
	}
	while (done_total < 5)
		event_base_loop(base, EVLOOP_ONCE);
	assert_int_equal(reports_pending(r), 0);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(it[i].run_order, i + 1);
		assert_int_equal(it[i].ran, 1);
		assert_int_equal(it[i].done_calls, 1);
		assert_false(it[i].on_loop);
		assert_int_equal(it[i].count, 1); /* reads what the loop committed */
		assert_true(it[i].write_failed);  /* and cannot write */
	}
	reports_stop(r);
	for (int i = 0; i < 5; i++)
		assert_int_equal(it[i].done_calls, 1);
	event_base_free(base);
}

static void
test_stop_hands_queued_jobs_to_done(void **state)
{
	struct config cfg;
	struct event_base *base = event_base_new();
	pthread_mutex_t block = PTHREAD_MUTEX_INITIALIZER;
	struct reports *r;
	struct item first, queued[3];
	char err[256];

	config_defaults(&cfg);
	r = reports_start(base, &cfg, db, err, sizeof(err));
	assert_non_null(r);
	pthread_mutex_lock(&block);
	first = (struct item){.loop = pthread_self(), .block = &block};
	assert_int_equal(reports_submit(r, run_item, done_item, &first), 0);
	for (int i = 0; i < 3; i++) {
		queued[i] = (struct item){.seq = i + 1, .loop = pthread_self()};
		assert_int_equal(reports_submit(r, run_item, done_item, &queued[i]), 0);
	}
	assert_int_equal(reports_pending(r), 4);
	/* The first job is running (blocked); stopping waits for it and runs no other. */
	pthread_mutex_unlock(&block);
	reports_stop(r);
	assert_int_equal(first.done_calls, 1);
	assert_int_equal(done_total, 4);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(queued[i].done_calls, 1);
		if (!queued[i].ran)
			assert_int_equal(queued[i].run_order, 0);
	}
	event_base_free(base);
}

/* A job that reads P-2, has another connection commit it, and reads again. */
struct snap {
	int before, after, write_rc;
	int done;
};

static void
run_snap(struct reports_ctx *ctx, void *arg)
{
	struct snap *sn = arg;
	struct store_participant p;
	sqlite3 *h;

	sn->before = store_participant_by_ext(ctx->store, "P-2", &p) == 0;
	sn->write_rc = sqlite3_open(db, &h);
	if (sn->write_rc == SQLITE_OK) {
		sqlite3_busy_timeout(h, 5000);
		sn->write_rc =
		    sqlite3_exec(h,
		                 "INSERT INTO participants(ext_id, name, regime,"
		                 " programme_start) VALUES('P-2', 'B', 'r', '2026-01-05')",
		                 NULL, NULL, NULL);
	}
	sqlite3_close(h);
	sn->after = store_participant_by_ext(ctx->store, "P-2", &p) == 0;
}

static void
done_snap(void *arg, int ran)
{
	((struct snap *)arg)->done = 1;
}

static void
test_a_job_reads_one_snapshot(void **state)
{
	struct config cfg;
	struct event_base *base = event_base_new();
	struct reports *r;
	struct snap a = {0}, b = {0};
	char err[256];

	config_defaults(&cfg);
	r = reports_start(base, &cfg, db, err, sizeof(err));
	assert_non_null(r);
	assert_int_equal(reports_submit(r, run_snap, done_snap, &a), 0);
	while (!a.done)
		event_base_loop(base, EVLOOP_ONCE);
	assert_int_equal(a.write_rc, SQLITE_OK);
	assert_int_equal(a.before, 0);
	assert_int_equal(a.after, 0); /* committed meanwhile: not in this job's snapshot */
	/* The next job has a new snapshot (its own write fails: the row is there). */
	assert_int_equal(reports_submit(r, run_snap, done_snap, &b), 0);
	while (!b.done)
		event_base_loop(base, EVLOOP_ONCE);
	assert_int_equal(b.before, 1);
	assert_int_equal(b.after, 1);
	reports_stop(r);
	event_base_free(base);
}

static void
test_bad_path_is_an_error(void **state)
{
	struct config cfg;
	struct event_base *base = event_base_new();
	char err[256] = "";

	config_defaults(&cfg);
	assert_null(reports_start(base, &cfg, "/nonexistent/dir/s.db", err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/dir/s.db"));
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_jobs_run_off_the_loop_in_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stop_hands_queued_jobs_to_done, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_a_job_reads_one_snapshot, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_path_is_an_error, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
