/*
 * test_loop.c — the loop's priorities and its lag probe: with events of every
 * priority ready, the tap's runs first; a UID that comes in while callbacks of a
 * lower priority are ready runs after the one running, not after all of them;
 * the lag histogram counts each lateness under every bound it fits and renders
 * in Prometheus text; a probe on a real loop records how long a callback held it;
 * a thread put in the background runs at SCHED_IDLE in the idle I/O class, and
 * the thread that made it keeps its own policy.
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "loop.h"

static char order[16];
static int norder;
static struct event *tap_ev; /* made ready by the first default callback */

static void
on_event(evutil_socket_t fd, short what, void *arg)
{
	char c = *(const char *)arg;

	order[norder++] = c;
	if (c == 'a' && tap_ev)
		event_active(tap_ev, EV_TIMEOUT, 0);
}

static void
test_tap_first(void **state)
{
	struct event_base *base = loop_base_new();
	static const char names[] = "bdT";
	struct event *ev[3];

	assert_non_null(base);
	assert_int_equal(event_base_get_npriorities(base), LOOP_NPRIO);
	norder = 0;
	ev[0] = event_new(base, -1, 0, on_event, (void *)&names[0]);
	ev[1] = event_new(base, -1, 0, on_event, (void *)&names[1]);
	ev[2] = event_new(base, -1, 0, on_event, (void *)&names[2]);
	loop_prio(ev[0], LOOP_PRIO_BACKGROUND);
	loop_prio(ev[2], LOOP_PRIO_TAP);
	for (int i = 0; i < 3; i++)
		event_active(ev[i], EV_TIMEOUT, 0);
	event_base_loop(base, EVLOOP_NONBLOCK);
	event_base_loop(base, EVLOOP_NONBLOCK);
	event_base_loop(base, EVLOOP_NONBLOCK);
	assert_int_equal(norder, 3);
	assert_memory_equal(order, "Tdb", 3);
	for (int i = 0; i < 3; i++)
		event_free(ev[i]);
	event_base_free(base);
}

static void
test_tap_between_callbacks(void **state)
{
	struct event_base *base = loop_base_new();
	static const char names[] = "abcT";
	struct event *ev[3];

	assert_non_null(base);
	norder = 0;
	for (int i = 0; i < 3; i++)
		ev[i] = event_new(base, -1, 0, on_event, (void *)&names[i]);
	tap_ev = event_new(base, -1, 0, on_event, (void *)&names[3]);
	loop_prio(tap_ev, LOOP_PRIO_TAP);
	for (int i = 0; i < 3; i++)
		event_active(ev[i], EV_TIMEOUT, 0);
	/* 'a' makes the tap ready: it must run before 'b' and 'c' */
	for (int i = 0; i < 4; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
	assert_int_equal(norder, 4);
	assert_memory_equal(order, "aTbc", 4);
	for (int i = 0; i < 3; i++)
		event_free(ev[i]);
	event_free(tap_ev);
	tap_ev = NULL;
	event_base_free(base);
}

static void
test_prio_without_priorities(void **state)
{
	struct event_base *base = event_base_new();
	struct event *ev = event_new(base, -1, 0, on_event, (void *)"x");

	/* a unit test's plain base: nothing happens, nothing fails */
	loop_prio(ev, LOOP_PRIO_BACKGROUND);
	loop_prio(NULL, LOOP_PRIO_TAP);
	assert_int_equal(event_get_priority(ev), 0);
	event_free(ev);
	event_base_free(base);
}

static int
metric(const char *text, const char *name)
{
	const char *p = strstr(text, name);
	long long v;

	assert_non_null(p);
	assert_int_equal(sscanf(p + strlen(name), " %lld", &v), 1);
	return (int)v;
}

static void
test_histogram(void **state)
{
	struct event_base *base = loop_base_new();
	struct loop_lag *l = loop_lag_start(base, 1000);
	struct evbuffer *out = evbuffer_new();
	char text[8192];
	size_t n;

	assert_non_null(l);
	loop_lag_record(l, 0);
	loop_lag_record(l, 1000); /* on the bound: counted under it */
	loop_lag_record(l, 1001);
	loop_lag_record(l, 30000);
	loop_lag_record(l, 7000000); /* past the last bound: +Inf only */
	loop_lag_render(l, out);
	n = evbuffer_copyout(out, text, sizeof(text) - 1);
	text[n] = '\0';
	assert_int_equal(metric(text, "stempel_loop_lag_seconds_bucket{le=\"0.001\"}"), 2);
	assert_int_equal(metric(text, "stempel_loop_lag_seconds_bucket{le=\"0.002\"}"), 3);
	assert_int_equal(metric(text, "stempel_loop_lag_seconds_bucket{le=\"0.02\"}"), 3);
	assert_int_equal(metric(text, "stempel_loop_lag_seconds_bucket{le=\"0.05\"}"), 4);
	assert_int_equal(metric(text, "stempel_loop_lag_seconds_bucket{le=\"5\"}"), 4);
	assert_int_equal(metric(text, "stempel_loop_lag_seconds_bucket{le=\"+Inf\"}"), 5);
	assert_int_equal(metric(text, "stempel_loop_lag_seconds_count"), 5);
	assert_non_null(strstr(text, "stempel_loop_lag_seconds_sum 7.032001\n"));
	assert_non_null(strstr(text, "stempel_loop_lag_max_seconds 7.000000\n"));
	assert_non_null(strstr(text, "# TYPE stempel_loop_lag_seconds histogram\n"));
	evbuffer_free(out);
	loop_lag_stop(l);
	event_base_free(base);
}

static void
busy_ms(int ms)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do
		clock_gettime(CLOCK_MONOTONIC, &t);
	while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
}

static void
on_busy(evutil_socket_t fd, short what, void *arg)
{
	busy_ms(60);
}

static void
on_stop(evutil_socket_t fd, short what, void *arg)
{
	event_base_loopbreak(arg);
}

/* A callback that holds the loop for 60 ms while the probe is due shows as >= 50 ms. */
static void
test_probe_sees_a_long_step(void **state)
{
	struct event_base *base = loop_base_new();
	struct loop_lag *l = loop_lag_start(base, 5);
	struct event *busy = evtimer_new(base, on_busy, NULL);
	struct event *stop = evtimer_new(base, on_stop, base);
	struct evbuffer *out = evbuffer_new();
	char text[8192];
	size_t n;

	event_add(busy, &(struct timeval){0, 2000});
	event_add(stop, &(struct timeval){0, 200000});
	event_base_dispatch(base);
	loop_lag_render(l, out);
	n = evbuffer_copyout(out, text, sizeof(text) - 1);
	text[n] = '\0';
	assert_true(metric(text, "stempel_loop_lag_seconds_count") >= 2);
	/* the sample the busy callback held up went past 50 ms */
	assert_true(metric(text, "stempel_loop_lag_seconds_bucket{le=\"+Inf\"}") -
	                metric(text, "stempel_loop_lag_seconds_bucket{le=\"0.05\"}") >=
	            1);
	evbuffer_free(out);
	event_free(busy);
	event_free(stop);
	loop_lag_stop(l);
	event_base_free(base);
}

struct bg_seen {
	int rc, policy, ioprio;
	char name[16];
};

static void *
bg_main(void *arg)
{
	struct bg_seen *seen = arg;

	seen->rc = loop_thread_background("bg-test");
	seen->policy = sched_getscheduler(0);
	/* IOPRIO_WHO_PROCESS (1) of this thread: class in bits 13-15 */
	seen->ioprio = (int)syscall(SYS_ioprio_get, 1, (int)gettid());
	pthread_getname_np(pthread_self(), seen->name, sizeof(seen->name));
	return NULL;
}

static void
test_thread_background(void **state)
{
	struct bg_seen seen = {.rc = 99};
	int before = sched_getscheduler(0);
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, bg_main, &seen), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(seen.rc, 0);
	assert_int_equal(seen.policy, SCHED_IDLE);
	assert_true(seen.ioprio >= 0);
	assert_int_equal(seen.ioprio >> 13, 3); /* IOPRIO_CLASS_IDLE */
	assert_string_equal(seen.name, "bg-test");
	/* only the thread that asked */
	assert_int_equal(sched_getscheduler(0), before);
	assert_int_not_equal(sched_getscheduler(0), SCHED_IDLE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tap_first),
	    cmocka_unit_test(test_tap_between_callbacks),
	    cmocka_unit_test(test_prio_without_priorities),
	    cmocka_unit_test(test_histogram),
	    cmocka_unit_test(test_probe_sees_a_long_step),
	    cmocka_unit_test(test_thread_background),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
