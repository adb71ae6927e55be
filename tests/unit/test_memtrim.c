/*
 * test_memtrim.c — memory freed after a big answer goes back to the kernel: after
 * 16 MiB of answer-sized blocks are freed (with a live block above them, so
 * malloc cannot shrink the heap by itself), one check trims and the process's
 * anonymous RSS falls by most of it; a check with nothing new freed does not
 * trim.  Under ASan malloc is ASan's and glibc's arenas stay empty: there the
 * test asserts that nothing is trimmed (mallinfo2 sees no growth).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <event2/event.h>

#include "memtrim.h"

#if defined(__SANITIZE_ADDRESS__)
#define GLIBC_MALLOC 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GLIBC_MALLOC 0
#endif
#endif
#ifndef GLIBC_MALLOC
#define GLIBC_MALLOC 1
#endif

#define NBLOCKS 256
#define BLOCK (64 * 1024) /* under the mmap threshold: from the heap */

static long
rss_anon_kib(void)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "RssAnon: %ld", &v) == 1)
			break;
	fclose(f);
	return v;
}

static void
test_trims_after_big_free(void **state)
{
	struct event_base *base = event_base_new();
	struct memtrim *m = memtrim_start(base, 60000);
	char *blocks[NBLOCKS], *keep;
	long before, after;

	assert_non_null(m);
	/* nothing freed since the start: no trim */
	assert_int_equal(memtrim_check(m), 0);
	for (int i = 0; i < NBLOCKS; i++) {
		blocks[i] = malloc(BLOCK);
		assert_non_null(blocks[i]);
		memset(blocks[i], 0x5a, BLOCK); /* touched: resident */
	}
	keep = malloc(64); /* above the blocks: the heap top stays in use */
	assert_non_null(keep);
	for (int i = 0; i < NBLOCKS; i++)
		free(blocks[i]);
	before = rss_anon_kib();
	if (GLIBC_MALLOC) {
		assert_int_equal(memtrim_check(m), 1);
		after = rss_anon_kib();
		/* 16 MiB were freed; at least 12 of them must leave the process */
		assert_true(before - after >= 12 * 1024);
		/* and nothing new since: the next check leaves it alone */
		assert_int_equal(memtrim_check(m), 0);
	} else {
		assert_int_equal(memtrim_check(m), 0);
		(void)after;
	}
	free(keep);
	memtrim_stop(m);
	event_base_free(base);
}

/* The baseline follows reuse down: freeing again after reuse trims again. */
static void
test_trims_again_after_reuse(void **state)
{
	struct event_base *base = event_base_new();
	struct memtrim *m = memtrim_start(base, 60000);
	char *blocks[NBLOCKS], *keep;
	int trims = 0;

	assert_non_null(m);
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < NBLOCKS; i++) {
			blocks[i] = malloc(BLOCK);
			assert_non_null(blocks[i]);
			memset(blocks[i], round, BLOCK);
		}
		keep = malloc(64);
		assert_non_null(keep);
		/* in use, not free: nothing to trim */
		memtrim_check(m);
		for (int i = 0; i < NBLOCKS; i++)
			free(blocks[i]);
		trims += memtrim_check(m);
		free(keep);
	}
	assert_int_equal(trims, GLIBC_MALLOC ? 2 : 0);
	memtrim_stop(m);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_trims_after_big_free),
	    cmocka_unit_test(test_trims_again_after_reuse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
