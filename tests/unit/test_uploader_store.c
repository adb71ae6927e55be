/*
 * test_uploader_store.c — the store's uploader section: a batch marked in one
 * transaction by seq range when every event was delivered, by id when some
 * stay pending (the range must not sweep them up), dead letters with their
 * reason, the latest dead letter, and the checkpoint between batches.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "store.h"
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

static void
test_mark_all_delivered(void **state)
{
	int64_t seq[50];
	struct store_outbox_mark m[50];
	char ids[50][16];

	add_events(0, 50, seq);
	for (int i = 0; i < 50; i++) {
		snprintf(ids[i], sizeof(ids[i]), "e%d", i);
		m[i] = (struct store_outbox_mark){seq[i], ids[i], "delivered", NULL};
	}
	/* the first 40 only: the other 10 must stay pending */
	assert_int_equal(store_outbox_mark_batch(st, m, 40), 0);
	assert_int_equal(stats().pending, 10);
	assert_int_equal(stats().delivered, 40);
	/* marking again changes nothing and is no error */
	assert_int_equal(store_outbox_mark_batch(st, m, 40), 0);
	assert_int_equal(stats().delivered, 40);
	assert_int_equal(store_outbox_mark_batch(st, m + 40, 10), 0);
	assert_int_equal(stats().pending, 0);
	assert_int_equal(store_outbox_checkpoint(st), 0);
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
	assert_int_equal(store_outbox_last_dead(st, id, sizeof(id), reason, sizeof(reason), &at), 0);
	assert_string_equal(id, "e107");
	assert_string_equal(reason, "data.card: bad");
	assert_true(at > 0);
}

static void
test_no_dead_letter(void **state)
{
	char id[40], reason[256];
	int64_t at;

	assert_int_equal(store_outbox_last_dead(st, id, sizeof(id), reason, sizeof(reason), &at), 1);
	assert_int_equal(store_outbox_mark_batch(st, NULL, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mark_all_delivered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mark_leaves_unanswered_pending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_dead_letter, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
