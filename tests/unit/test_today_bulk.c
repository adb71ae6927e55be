/*
 * test_today_bulk.c — the Today page in bulk (attendance_today.c, one day per
 * participant from a handful of queries) against the whole computation per
 * participant (attendance_today_one(), from the programme start), field by field,
 * over seeded generated databases and many (date, minute) pairs.
 */
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

#define N_PEOPLE 30
#define N_DATES 10

#include "bulk_fixture.h"

static void
row_equal(const struct attendance_today *a, const struct attendance_today *b, const char *date,
          int now)
{
	char where[160];

	snprintf(where, sizeof(where), "%s at %d, %s", date, now, b->ext_id);
#define EQ(field)                                                                                  \
	if (a->field != b->field)                                                                  \
		fail_msg("%s: " #field " %lld, expected %lld", where, (long long)a->field,         \
		         (long long)b->field);
	EQ(participant_id);
	EQ(status);
	EQ(excused_category);
	EQ(first_in);
	EQ(last_out);
	EQ(in_now);
	EQ(start_min);
	EQ(end_min);
	EQ(scheduled_min);
	EQ(attended_min);
	EQ(excused_min);
	EQ(unexcused_min);
	EQ(notes);
	EQ(flags);
#undef EQ
	assert_string_equal(a->ext_id, b->ext_id);
	assert_string_equal(a->name, b->name);
	assert_string_equal(a->language, b->language);
	assert_string_equal(a->group, b->group);
	assert_memory_equal(a, b, sizeof(*a));
}

/* Bulk rows against attendance_today_one() per active participant, in order. */
static void
compare_day(struct fx *f, const char *date, int now, int *seen_status, size_t *rows_seen)
{
	struct attendance_today *rows, one;
	int64_t *ids;
	size_t n, n_ids, k = 0;
	char err[512];

	assert_int_equal(attendance_today(f->att, date, now, &rows, &n, err, sizeof(err)), 0);
	assert_int_equal(attendance_participants(f->att, &ids, &n_ids, err, sizeof(err)), 0);
	for (size_t i = 0; i < n_ids; i++) {
		int rc = attendance_today_one(f->att, ids[i], date, now, &one, err, sizeof(err));

		if (rc != 0)
			continue;
		if (k >= n)
			fail_msg("%s at %d: bulk has %zu rows, %s is missing", date, now, n,
			         one.ext_id);
		row_equal(&rows[k++], &one, date, now);
		seen_status[one.status]++;
	}
	assert_int_equal(n, k);
	*rows_seen += n;
	free(rows);
	free(ids);
}

static void
test_bulk_equals_one(void **state)
{
	int seen[ATTENDANCE_STATUS_COUNT] = {0};
	size_t rows = 0;

	(void)state;
	win_from = rules_date(2026, 3, 2);
	win_to = rules_date(2026, 6, 12);
	for (uint64_t seed = 1; seed <= 4; seed++) {
		struct fx f;

		assert_int_equal(fx_setup(&f, seed), 0);
		for (int k = 0; k < N_DATES; k++) {
			int32_t d =
			    n_hot && rnd(2)
			        ? hot[rnd((uint32_t)n_hot)]
			        : win_from + (int32_t)rnd((uint32_t)(win_to - win_from + 1));
			int mins[] = {0, 470, 485, 540, 720, 900, 1000, 1440};
			int now = rnd(3) ? mins[rnd(8)] : (int)rnd(1441);
			char ds[11];

			date_str(d, ds);
			compare_day(&f, ds, now, seen, &rows);
		}
		fx_teardown(&f);
	}
	/* The generated days reach every status the page shows. */
	for (int st = 0; st < ATTENDANCE_STATUS_COUNT; st++)
		if (seen[st] == 0)
			fail_msg("no row with status %s in %zu rows", attendance_status_name(st),
			         rows);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bulk_equals_one),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
