/*
 * test_uploader_store.c — the store's uploader section: a batch marked in one
 * transaction, by the delivered watermark when it delivers the head of the
 * queue, by id when some stay pending (the watermark must not pass them), dead
 * letters with their
 * reason, the latest dead letter, and the checkpoint between batches; a dead
 * letter sent again, retention's small steps, and the roster's card pass
 * (card ownership: local changes kept, acknowledged, or in conflict).  The
 * bookkeeping commits without an fsync (synchronous=NORMAL) and every other
 * transaction, a tap's first, runs with FULL again.  The delivered watermark:
 * a step that delivers the head of the queue leaves the events' rows as they
 * are, and a model of every event's state follows thousands of generated
 * answers, retries and prunes.
 */
#include <setjmp.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store.h"
#include "store_int.h"
#include "testutil.h"

static char dir[256];
static struct store *st;

static int
setup(void **state)
{
	char path[300], err[256];

	if (!tu_tempdir(dir, sizeof(dir)))
		return -1;
	snprintf(path, sizeof(path), "%s/s.db", dir);
	return store_open(&st, path, err, sizeof(err));
}

static int
teardown(void **state)
{
	store_close(st);
	tu_rmtree(dir);
	return 0;
}

/* n events e<base>..; their seqs in seq[] */
static void
add_events(int base, int n, int64_t *seq)
{
	struct store_event *evs;
	int got;

	for (int i = 0; i < n; i++) {
		char id[40], json[80];

		snprintf(id, sizeof(id), "e%d", base + i);
		snprintf(json, sizeof(json), "{\"id\":\"%s\",\"type\":\"tap\"}", id);
		assert_int_equal(store_event_add(st, id, "tap", json), 0);
	}
	assert_int_equal(store_outbox_pending(st, 0, 100000, &evs, &got), 0);
	for (int i = 0; i < got; i++) {
		int k;

		if (sscanf(evs[i].id, "e%d", &k) == 1 && k >= base && k < base + n)
			seq[k - base] = evs[i].seq;
	}
	store_events_free(evs, got);
}

static struct store_outbox_stats
stats(void)
{
	struct store_outbox_stats o;

	assert_int_equal(store_outbox_stats(st, &o), 0);
	return o;
}

/* n new events e0..e<n-1> (n <= 100), and a "delivered" mark for each (ids in ids) */
static void
delivered_marks(int n, struct store_outbox_mark *m, char (*ids)[16])
{
	int64_t seq[100];

	assert_true(n <= 100);
	add_events(0, n, seq);
	for (int i = 0; i < n; i++) {
		snprintf(ids[i], sizeof(ids[i]), "e%d", i);
		m[i] = (struct store_outbox_mark){seq[i], ids[i], "delivered", NULL};
	}
}

static void
test_mark_all_delivered(void **state)
{
	struct store_outbox_mark m[50];
	char ids[50][16];

	delivered_marks(50, m, ids);
	/* the first 40 only: the other 10 must stay pending */
	assert_int_equal(store_outbox_mark_batch(st, m, 40), 0);
	assert_int_equal(stats().pending, 10);
	assert_int_equal(stats().delivered, 40);
	/* marking again changes nothing and is no error */
	assert_int_equal(store_outbox_mark_batch(st, m, 40), 0);
	assert_int_equal(stats().delivered, 40);
	assert_int_equal(store_outbox_mark_batch(st, m + 40, 10), 0);
	assert_int_equal(stats().pending, 0);
	assert_int_equal(store_outbox_checkpoint(st, NULL), 1);
}

static void
test_mark_leaves_unanswered_pending(void **state)
{
	int64_t seq[10];
	struct store_outbox_mark m[10];
	char ids[10][16], id[40], reason[256];
	int n = 0;
	int64_t at;

	add_events(100, 10, seq);
	for (int i = 0; i < 10; i++) {
		snprintf(ids[i], sizeof(ids[i]), "e%d", 100 + i);
		if (i == 4)
			continue; /* not answered: stays pending inside the range */
		m[n++] = (struct store_outbox_mark){seq[i], ids[i], i == 7 ? "dead" : "delivered",
		                                    i == 7 ? "data.card: bad" : NULL};
	}
	assert_int_equal(store_outbox_mark_batch(st, m, n), 0);
	{
		struct store_event *evs;
		int got;

		assert_int_equal(store_outbox_pending(st, 0, 100, &evs, &got), 0);
		assert_int_equal(got, 1);
		assert_string_equal(evs[0].id, "e104");
		store_events_free(evs, got);
	}
	assert_int_equal(stats().dead, 1);
	assert_int_equal(store_outbox_last_dead(st, id, sizeof(id), reason, sizeof(reason), &at),
	                 0);
	assert_string_equal(id, "e107");
	assert_string_equal(reason, "data.card: bad");
	assert_true(at > 0);
}

static void
test_no_dead_letter(void **state)
{
	char id[40], reason[256];
	int64_t at;

	assert_int_equal(store_outbox_last_dead(st, id, sizeof(id), reason, sizeof(reason), &at),
	                 1);
	assert_int_equal(store_outbox_mark_batch(st, NULL, 0), 0);
}

static int
count_dead(void *arg, const struct store_dead *d)
{
	(*(int *)arg)++;
	return 0;
}

static void
test_dead_retry(void **state)
{
	int64_t seq[3];
	int n = 0, k;

	add_events(0, 3, seq);
	assert_int_equal(store_outbox_mark(st, "e1", "dead", "refused"), 0);
	assert_int_equal(store_outbox_mark(st, "e2", "dead", "refused too"), 0);
	assert_int_equal(store_outbox_dead_each(st, count_dead, &n), 2);
	assert_int_equal(n, 2);
	/* not a dead letter: nothing */
	assert_int_equal(store_outbox_retry(st, "e0", &k), 0);
	assert_int_equal(k, 0);
	assert_int_equal(store_outbox_retry(st, "e1", &k), 0);
	assert_int_equal(k, 1);
	assert_int_equal(stats().pending, 2);
	assert_int_equal(store_outbox_retry(st, NULL, &k), 0);
	assert_int_equal(k, 1);
	assert_int_equal(stats().dead, 0);
	assert_int_equal(stats().pending, 3);
}

static void
test_prune_steps(void **state)
{
	struct store_outbox_mark m[10];
	char ids[10][16];
	int n;

	delivered_marks(10, m, ids);
	assert_int_equal(store_outbox_mark_batch(st, m, 8), 0);
	assert_int_equal(store_outbox_mark(st, "e8", "dead", "refused"), 0);
	/* nothing delivered before a time long ago */
	assert_int_equal(store_outbox_prune(st, 1, 100, &n), 0);
	assert_int_equal(n, 0);
	/* at most `max` a step, only delivered events */
	assert_int_equal(store_outbox_prune(st, INT64_MAX, 5, &n), 0);
	assert_int_equal(n, 5);
	assert_int_equal(store_outbox_prune(st, INT64_MAX, 5, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(store_outbox_prune(st, INT64_MAX, 5, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(stats().pending, 1);
	assert_int_equal(stats().dead, 1);
}

/* One number from SQL on the store's own connection. */
static int64_t
sql_int(const char *sql)
{
	sqlite3_stmt *q;
	int64_t v;

	assert_int_equal(sqlite3_prepare_v2(st->db, sql, -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return v;
}

/* A step that delivers the head of the queue writes one row, not fifty. */
static void
test_watermark_rows_untouched(void **state)
{
	struct store_outbox_mark m[60];
	char ids[60][16];

	delivered_marks(60, m, ids);
	assert_int_equal(store_outbox_mark_batch(st, m, 50), 0);
	assert_int_equal(sql_int("SELECT count(*) FROM outbox_delivered"), 1);
	assert_int_equal(sql_int("SELECT count(*) FROM outbox WHERE state = 'pending'"), 60);
	assert_int_equal(stats().delivered, 50);
	assert_int_equal(stats().pending, 10);
	/* the view says what the uploader knows, with the step's time */
	assert_int_equal(sql_int("SELECT count(*) FROM outbox_state WHERE state = 'delivered'"
	                         " AND done_ms > 0"),
	                 50);
	/* events left out at the head and in the middle: by id, the watermark stays */
	assert_int_equal(store_outbox_mark_batch(st, m + 51, 2), 0);
	assert_int_equal(store_outbox_mark_batch(st, m + 54, 6), 0);
	assert_int_equal(sql_int("SELECT count(*) FROM outbox_delivered"), 1);
	assert_int_equal(sql_int("SELECT count(*) FROM outbox WHERE state = 'delivered'"), 8);
	assert_int_equal(stats().pending, 2);
	/* then the head: the watermark passes over it and the two after it */
	assert_int_equal(store_outbox_mark_batch(st, m + 50, 1), 0);
	assert_int_equal(sql_int("SELECT count(*) FROM outbox_delivered"), 2);
	assert_int_equal(stats().pending, 1);
	assert_int_equal(store_outbox_mark_batch(st, m + 53, 1), 0);
	assert_int_equal(sql_int("SELECT count(*) FROM outbox_delivered"), 3);
	assert_int_equal(stats().pending, 0);
	assert_int_equal(stats().delivered, 60);
	/* a duplicate answer below the watermark changes nothing */
	assert_int_equal(store_outbox_mark(st, "e3", "dead", "late refusal"), 0);
	assert_int_equal(stats().dead, 0);
	assert_int_equal(stats().delivered, 60);
}

/*
 * A model of each event's state (0 pending, 1 delivered, 2 dead, 3 pruned) against
 * the store through generated histories: batches from the head answered in steps
 * of up to 50 with some events delivered, some refused, some not answered;
 * duplicate answers; retries of one dead letter or all; prunes.  After every
 * operation the counts, the pending queue (its ids in seq order) and the
 * outbox_state view agree with the model.
 */
enum { W_PENDING, W_DELIVERED, W_DEAD, W_PRUNED };
#define W_MAX 1500

static int wstate[W_MAX], wn;
static int64_t wlast;     /* the watermark after the previous operation */
static int wmoved, wbyid; /* operations after which it moved; with rows marked by id */

static uint64_t wrng = 0x2545f4914f6cdd1dULL;

static unsigned
wrand(unsigned n)
{
	wrng ^= wrng << 13;
	wrng ^= wrng >> 7;
	wrng ^= wrng << 17;
	return (unsigned)(wrng % n);
}

static void
watermark_check(void)
{
	struct store_outbox_stats o = stats();
	struct store_event *evs;
	int64_t count[4] = {0}, prev = 0;
	int got, k = 0;

	for (int i = 0; i < wn; i++)
		count[wstate[i]]++;
	assert_int_equal(o.pending, count[W_PENDING]);
	assert_int_equal(o.delivered, count[W_DELIVERED]);
	assert_int_equal(o.dead, count[W_DEAD]);
	assert_int_equal(store_outbox_pending(st, 0, W_MAX, &evs, &got), 0);
	assert_int_equal(got, count[W_PENDING]);
	for (int i = 0; i < got; i++) {
		assert_int_equal(sscanf(evs[i].id, "e%d", &k), 1);
		assert_int_equal(wstate[k], W_PENDING);
		assert_true(evs[i].seq > prev);
		prev = evs[i].seq;
	}
	store_events_free(evs, got);
	assert_int_equal(sql_int("SELECT count(*) FROM outbox_state WHERE state = 'delivered'"),
	                 count[W_DELIVERED]);
	assert_int_equal(sql_int("SELECT count(*) FROM outbox_state WHERE state = 'pending'"),
	                 count[W_PENDING]);
	assert_int_equal(sql_int("SELECT count(*) FROM outbox"),
	                 count[W_PENDING] + count[W_DELIVERED] + count[W_DEAD]);
	prev = sql_int("SELECT coalesce(max(last_seq), 0) FROM outbox_delivered");
	assert_true(prev >= wlast);
	wmoved += prev > wlast;
	wlast = prev;
	wbyid += sql_int("SELECT count(*) FROM outbox WHERE state = 'delivered'") > 0;
}

/* Send a batch from the head and write a generated answer, in steps of 50. */
static void
watermark_answer(void)
{
	static char reason[] = "refused";
	struct store_outbox_mark m[50];
	struct store_event *evs;
	int got, nm = 0, k, miss = wrand(4) == 0, refuse = wrand(4) == 0;

	assert_int_equal(store_outbox_pending(st, 0, 1 + (int)wrand(120), &evs, &got), 0);
	for (int i = 0; i <= got; i++) {
		if (nm == 50 || (i == got && nm)) {
			assert_int_equal(store_outbox_mark_batch(st, m, nm), 0);
			nm = 0;
		}
		if (i == got)
			break;
		assert_int_equal(sscanf(evs[i].id, "e%d", &k), 1);
		if (miss && wrand(6) == 0)
			continue; /* not answered */
		if (refuse && wrand(8) == 0) {
			m[nm++] = (struct store_outbox_mark){evs[i].seq, evs[i].id, "dead", reason};
			wstate[k] = W_DEAD;
		} else {
			m[nm++] =
			    (struct store_outbox_mark){evs[i].seq, evs[i].id, "delivered", NULL};
			wstate[k] = W_DELIVERED;
		}
	}
	store_events_free(evs, got);
}

static void
test_watermark_model(void **state)
{
	char id[16];
	int n, k;

	wn = 0, wlast = 0, wmoved = 0, wbyid = 0;
	for (int round = 0; round < 400; round++) {
		int op = (int)wrand(20);

		if (op < 6 && wn < W_MAX - 40) { /* new events */
			int add = 1 + (int)wrand(40);

			for (int i = 0; i < add; i++, wn++) {
				snprintf(id, sizeof(id), "e%d", wn);
				assert_int_equal(store_event_add(st, id, "tap", "{}"), 0);
				wstate[wn] = W_PENDING;
			}
		} else if (op < 14) {
			watermark_answer();
		} else if (op < 15 && wn) { /* a duplicate answer for any event */
			k = (int)wrand((unsigned)wn);
			snprintf(id, sizeof(id), "e%d", k);
			assert_int_equal(store_outbox_mark(st, id, "delivered", NULL), 0);
			if (wstate[k] == W_PENDING)
				wstate[k] = W_DELIVERED;
		} else if (op < 17 && wn) { /* retry one (perhaps not dead) */
			k = (int)wrand((unsigned)wn);
			snprintf(id, sizeof(id), "e%d", k);
			assert_int_equal(store_outbox_retry(st, id, &n), 0);
			assert_int_equal(n, wstate[k] == W_DEAD);
			if (wstate[k] == W_DEAD)
				wstate[k] = W_PENDING;
		} else if (op < 18) { /* retry all */
			int dead = 0;

			for (int i = 0; i < wn; i++)
				if (wstate[i] == W_DEAD)
					wstate[i] = W_PENDING, dead++;
			assert_int_equal(store_outbox_retry(st, NULL, &n), 0);
			assert_int_equal(n, dead);
		} else { /* prune everything delivered, in small steps */
			int64_t total = 0;

			do {
				assert_int_equal(
				    store_outbox_prune(st, INT64_MAX, 1 + (int)wrand(30), &n), 0);
				total += n;
			} while (n);
			for (int i = 0; i < wn; i++)
				if (wstate[i] == W_DELIVERED)
					wstate[i] = W_PRUNED, total--;
			assert_int_equal(total, 0);
			/* the steps' rows are gone too, but the watermark's */
			assert_true(sql_int("SELECT count(*) FROM outbox_delivered") <= 1);
		}
		watermark_check();
	}
	/* both ways were taken, many times: the watermark and marks by id */
	assert_true(wmoved > 20);
	assert_true(wbyid > 20);
}

static int64_t
participant(const char *ext)
{
	struct store_participant p = {.active = 1};
	int64_t id;

	snprintf(p.ext_id, sizeof(p.ext_id), "%s", ext);
	snprintf(p.name, sizeof(p.name), "%s", ext);
	snprintf(p.regime, sizeof(p.regime), "no-integreringsloven");
	snprintf(p.rate, sizeof(p.rate), "full");
	snprintf(p.programme_start, sizeof(p.programme_start), "2026-01-05");
	assert_int_equal(store_participant_upsert(st, &p, &id), 0);
	return id;
}

static void
card(const char *key, int64_t *pid, int *revoked)
{
	assert_int_equal(store_card_lookup(st, key, pid, revoked), 0);
}

/* One roster: the cards given, applied whole under `hash`. */
static struct store_card_pass
roster(const char *hash, const char *const *keys, const int64_t *pids, int n)
{
	struct store_card_pass pass;

	/* each statement its own transaction here; the import runs them inside its own */
	assert_int_equal(store_roster_cards_begin(st), 0);
	for (int i = 0; i < n; i++)
		assert_int_equal(store_roster_card_add(st, keys[i], pids[i]), 0);
	assert_int_equal(store_roster_cards_apply(st, hash, &pass), 0);
	return pass;
}

static void
test_card_ownership(void **state)
{
	int64_t a = participant("P-1"), b = participant("P-2"), pid;
	const char *k1 = "hmac:1", *k2 = "hmac:2", *k3 = "hmac:3";
	const char *keys[] = {k1, k2};
	const int64_t pids[] = {a, b};
	struct store_card_pass pass;
	struct store_outbox_mark m;
	int rev;

	pass = roster("R1", keys, pids, 2);
	assert_int_equal(pass.added, 2);
	/* the kiosk enrols k3 for a and revokes k2, each with its event */
	assert_int_equal(store_card_enroll(st, k3, a), 0);
	assert_int_equal(store_event_add(st, "ev-enrol", "card_enrolled", "{}"), 0);
	assert_int_equal(store_card_set_local(st, k3, "ev-enrol", "R1", "user:kari"), 0);
	assert_int_equal(store_card_revoke(st, k2), 0);
	assert_int_equal(store_event_add(st, "ev-revoke", "card_revoked", "{}"), 0);
	assert_int_equal(store_card_set_local(st, k2, "ev-revoke", "R1", "cli:root"), 0);
	/* the base roster again, and a newer one before the events went up: kept, no conflict */
	pass = roster("R1", keys, pids, 2);
	assert_int_equal(pass.conflicts, 0);
	pass = roster("R2", keys, pids, 2);
	assert_int_equal(pass.conflicts, 0);
	card(k3, &pid, &rev);
	assert_true(pid == a && rev == 0);
	card(k2, &pid, &rev);
	assert_true(pid == b && rev == 1);
	assert_int_equal(store_card_conflicts(st, NULL, NULL), 0);
	/* delivered, then a newer roster that still disagrees: kept, and two conflicts */
	m = (struct store_outbox_mark){0, "ev-enrol", "delivered", NULL};
	assert_int_equal(store_outbox_mark_batch(st, &m, 1), 0);
	assert_int_equal(store_outbox_mark(st, "ev-revoke", "delivered", NULL), 0);
	pass = roster("R3", keys, pids, 2);
	assert_int_equal(pass.conflicts, 2);
	assert_int_equal(store_card_conflicts(st, NULL, NULL), 2);
	card(k3, &pid, &rev);
	assert_true(pid == a && rev == 0);
	card(k2, &pid, &rev);
	assert_true(pid == b && rev == 1);
	/* a roster that agrees: acknowledged, the roster owns them again */
	{
		const char *keys4[] = {k1, k3};
		const int64_t pids4[] = {a, a};

		pass = roster("R4", keys4, pids4, 2);
		assert_int_equal(pass.acknowledged, 2);
		assert_int_equal(store_card_conflicts(st, NULL, NULL), 0);
	}
	/* and from then on follows the roster: k3 moved to b */
	{
		const char *keys5[] = {k1, k3};
		const int64_t pids5[] = {a, b};

		roster("R5", keys5, pids5, 2);
		card(k3, &pid, &rev);
		assert_true(pid == b && rev == 0);
	}
}

/* More cards than one piece of the pass (4,000 rows): every one is seen. */
static void
test_card_pass_pieces(void **state)
{
	int64_t a = participant("P-1");
	struct store_card_pass pass;
	char key[32];
	int n, rev;
	int64_t pid;

	assert_int_equal(store_roster_cards_begin(st), 0);
	for (n = 0; n < 9000; n++) {
		snprintf(key, sizeof(key), "hmac:%d", n);
		assert_int_equal(store_roster_card_add(st, key, a), 0);
	}
	assert_int_equal(store_roster_cards_apply(st, "R1", &pass), 0);
	assert_int_equal(pass.added, 9000);
	assert_int_equal(store_roster_cards_begin(st), 0);
	for (n = 0; n < 4500; n++) {
		snprintf(key, sizeof(key), "hmac:%d", n);
		assert_int_equal(store_roster_card_add(st, key, a), 0);
	}
	assert_int_equal(store_roster_cards_apply(st, "R2", &pass), 0);
	assert_int_equal(pass.revoked, 4500);
	assert_int_equal(pass.added, 0);
	card("hmac:8999", &pid, &rev);
	assert_int_equal(rev, 1);
	card("hmac:4499", &pid, &rev);
	assert_int_equal(rev, 0);
}

/* PRAGMA synchronous of the store's connection: 1 NORMAL, 2 FULL */
static int
sync_level(void)
{
	return (int)sql_int("PRAGMA synchronous");
}

static void
test_bookkeeping_lazy(void **state)
{
	struct store_outbox_mark m[10];
	char ids[10][16];
	int n;

	delivered_marks(10, m, ids);
	assert_int_equal(sync_level(), 2);
	assert_int_equal(store_outbox_mark_batch(st, m, 10), 0);
	assert_int_equal(sync_level(), 2);
	assert_int_equal(store_outbox_prune(st, INT64_MAX, 5, &n), 0);
	assert_int_equal(n, 5);
	assert_int_equal(sync_level(), 2);
	/* inside a transaction sqlite refuses NORMAL: the mark fails, FULL stays */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_outbox_mark_batch(st, m, 10), -1);
	assert_int_equal(sync_level(), 2);
	store_rollback(st);
	/* left on NORMAL by a failed restore: the next transaction restores it first */
	assert_int_equal(store_lazy_begin(st), 0);
	assert_int_equal(sync_level(), 1);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(sync_level(), 2);
	store_rollback(st);
	/* the tap's BEGIN (store_record_tap) too */
	assert_int_equal(store_lazy_begin(st), 0);
	assert_int_equal(store_step_txn(st, ST_BEGIN), 0);
	assert_int_equal(sync_level(), 2);
	store_rollback(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_mark_all_delivered, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mark_leaves_unanswered_pending, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_dead_letter, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dead_retry, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_prune_steps, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_watermark_rows_untouched, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_watermark_model, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_card_ownership, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_card_pass_pieces, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bookkeeping_lazy, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
