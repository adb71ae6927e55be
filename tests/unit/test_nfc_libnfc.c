/*
 * test_nfc_libnfc.c — the libnfc backend with no reader attached: start-up must
 * not fail (a reader may be plugged in later), the state must say "reopening"
 * with the error counted and explained, retries must back off, and shutdown
 * must not wait out the backoff.  The emulator-driven tests are in
 * tests/integration/2*-nfc-*.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "config.h"
#include "nfc.h"

struct seen {
	int taps, statuses;
	struct nfc_reader_status last;
};

static void
on_tap(void *arg, const char *uid, long long seen_ns)
{
	((struct seen *)arg)->taps++;
}

static void
on_status(void *arg, const struct nfc_reader_status *st)
{
	struct seen *s = arg;

	s->statuses++;
	s->last = *st;
}

static long
ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

static void
test_missing_device_keeps_retrying(void **state)
{
	struct event_base *base;
	struct config cfg;
	struct seen s = {0};
	struct nfc_reader *r;
	struct timeval run = {0, 800 * 1000};
	struct timespec t0;

	evthread_use_pthreads();
	base = event_base_new();
	config_defaults(&cfg);
	cfg.reader.driver = READER_LIBNFC;
	snprintf(cfg.reader.connstring, sizeof(cfg.reader.connstring),
	         "pn532_uart:/nonexistent/stempel-reader");
	cfg.reader.reopen_max_ms = 400;

	r = nfc_reader_open(base, &cfg, on_tap, on_status, &s);
	assert_non_null(r);
	event_base_loopexit(base, &run);
	event_base_dispatch(base);

	assert_int_equal(s.taps, 0);
	assert_true(s.statuses >= 2);
	assert_int_equal(s.last.state, NFC_STATE_REOPENING);
	/* opens at about 0, 100, 300, 700 ms: backoff doubles up to the cap */
	assert_true(s.last.errors_total >= 3 && s.last.errors_total <= 6);
	assert_int_equal(s.last.errors_in_row, s.last.errors_total);
	assert_int_equal(s.last.reopens, 0);
	assert_non_null(strstr(s.last.message, "cannot open"));

	clock_gettime(CLOCK_MONOTONIC, &t0);
	nfc_reader_close(r); /* mid-backoff: the wake pipe cuts the sleep short */
	assert_true(ms_since(&t0) < 200);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_missing_device_keeps_retrying),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
