/*
 * loop.c — the loop's priorities and its lag probe.  A UID that arrives while the
 * loop runs another callback waits for that callback; one that arrives with others
 * ready waits for none of them (LOOP_PRIO_TAP runs first, and after each callback
 * of a lower priority libevent looks for new events again).  The probe is a timer
 * at the tap's priority: how late it runs is how long a UID would have waited.
 * Threads beside the loop (reports, checkpoint) step aside: loop_thread_background.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "log.h"
#include "loop.h"

/* Bounds in microseconds: from the probe's own jitter (epoll rounds to 1 ms) up. */
static const uint64_t lag_bounds_us[LOOP_LAG_NBUCKETS] = {
    1000, 2000, 5000, 10000, 20000, 50000, 100000, 250000, 1000000, 5000000,
};

/* A lag this long is logged (on_probe). */
#define LOOP_LAG_LOG_US 100000

struct loop_lag {
	struct event *ev;
	struct timeval period;
	long long due_us;                       /* when the probe should run (monotonic) */
	long long cpu_us;                       /* the loop thread's CPU time when it was armed */
	uint64_t bucket[LOOP_LAG_NBUCKETS + 1]; /* cumulative, +Inf last */
	uint64_t sum_us, count, max_us;
};

/* <linux/ioprio.h>'s encoding: class in the top 3 of 16 bits; glibc has no wrapper. */
#define IOPRIO_CLASS_IDLE 3
#define IOPRIO_CLASS_SHIFT 13
#define IOPRIO_WHO_PROCESS 1

/*
 * Under the bench's full load (tapload) the loop thread waited on the run queue
 * three times as long as it ran (schedstat: 9.4 s for 3.2 s of CPU in 48 s), while
 * the reports thread at nice 10 was runnable all the time: nice only weighs shares,
 * so a waking loop could wait out the reports thread's slice.  A SCHED_IDLE thread
 * is preempted by any normal one as soon as it wakes.  The tap's fsync waited in
 * the block layer (rq_qos_wait, folio writeback) behind the checkpoint's writes: in
 * the idle I/O class (mq-deadline and bfq honour it) those go after the loop's.
 */
int
loop_thread_background(const char *name)
{
	struct sched_param sp = {.sched_priority = 0};
	int rc = 0;

	(void)pthread_setname_np(pthread_self(), name); /* 15 bytes at most; cosmetic */
	if ((errno = pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp)) != 0) {
		log_warn("%s: SCHED_IDLE: %s; nice 19 instead", name, strerror(errno));
		/* Linux: the nice value of this thread alone. */
		(void)setpriority(PRIO_PROCESS, (id_t)gettid(), 19);
		rc = -1;
	}
	if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, (int)gettid(),
	            IOPRIO_CLASS_IDLE << IOPRIO_CLASS_SHIFT) < 0) {
		log_warn("%s: idle I/O class: %s", name, strerror(errno));
		rc = -1;
	}
	return rc;
}

void
loop_wake(int efd, const char *who)
{
	uint64_t one = 1;

	if (write(efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warn("%s: eventfd: %s", who, strerror(errno));
}

void
loop_woken(int efd, const char *who)
{
	uint64_t n;

	if (read(efd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_warn("%s: eventfd: %s", who, strerror(errno));
}

struct event_base *
loop_base_new(void)
{
	struct event_config *cfg = event_config_new();
	struct event_base *base = NULL;

	/*
	 * After every callback of LOOP_PRIO_DEFAULT or lower, poll again: a UID that
	 * came in meanwhile runs next instead of after every other ready event.
	 */
	if (cfg == NULL ||
	    event_config_set_max_dispatch_interval(cfg, NULL, 1, LOOP_PRIO_DEFAULT) < 0 ||
	    (base = event_base_new_with_config(cfg)) == NULL ||
	    event_base_priority_init(base, LOOP_NPRIO) < 0) {
		log_err("loop: cannot create the event loop with %d priorities", LOOP_NPRIO);
		if (base)
			event_base_free(base);
		base = NULL;
	}
	if (cfg)
		event_config_free(cfg);
	return base;
}

void
loop_prio(struct event *ev, int prio)
{
	/* a base made without priorities (unit tests) keeps its single queue */
	if (ev == NULL || prio >= event_base_get_npriorities(event_get_base(ev)))
		return;
	if (event_priority_set(ev, prio) < 0)
		log_warn("loop: cannot set an event's priority to %d", prio);
}

static long long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void
loop_lag_record(struct loop_lag *l, uint64_t late_us)
{
	for (int i = 0; i < LOOP_LAG_NBUCKETS; i++)
		if (late_us <= lag_bounds_us[i])
			l->bucket[i]++;
	l->bucket[LOOP_LAG_NBUCKETS]++;
	l->sum_us += late_us;
	l->count++;
	if (late_us > l->max_us)
		l->max_us = late_us;
}

static long long
cpu_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
arm(struct loop_lag *l)
{
	l->cpu_us = cpu_now_us();
	l->due_us = now_us() + l->period.tv_sec * 1000000LL + l->period.tv_usec;
	event_add(l->ev, &l->period);
}

static void
on_probe(evutil_socket_t fd, short what, void *arg)
{
	struct loop_lag *l = arg;
	long long late = now_us() - l->due_us;

	/* libevent's clock may run the timer a little early: that is no lag */
	loop_lag_record(l, late > 0 ? (uint64_t)late : 0);
	/*
	 * A long one is logged with the loop thread's CPU time over the same span: close
	 * to the lag, a callback computed that long; far below it, the loop waited for
	 * the disk (a commit's fsync) or for a CPU.
	 */
	if (late >= LOOP_LAG_LOG_US)
		log_info("loop: held up %lld ms, %lld ms of it on the CPU", late / 1000,
		         (cpu_now_us() - l->cpu_us) / 1000);
	arm(l);
}

struct loop_lag *
loop_lag_start(struct event_base *base, int period_ms)
{
	struct loop_lag *l = calloc(1, sizeof(*l));

	if (l == NULL || (l->ev = evtimer_new(base, on_probe, l)) == NULL) {
		log_warn("loop: cannot start the lag probe; /metrics has no loop lag");
		free(l);
		return NULL;
	}
	loop_prio(l->ev, LOOP_PRIO_TAP);
	l->period.tv_sec = period_ms / 1000;
	l->period.tv_usec = (period_ms % 1000) * 1000;
	arm(l);
	return l;
}

void
loop_lag_stop(struct loop_lag *l)
{
	if (l == NULL)
		return;
	event_free(l->ev);
	free(l);
}

void
loop_lag_render(const struct loop_lag *l, struct evbuffer *out)
{
	if (l == NULL)
		return;
	evbuffer_add_printf(out, "# HELP stempel_loop_lag_seconds How late the loop ran a timer "
	                         "of the tap's priority: how long a UID could wait for another "
	                         "step of the loop.\n"
	                         "# TYPE stempel_loop_lag_seconds histogram\n");
	for (int i = 0; i < LOOP_LAG_NBUCKETS; i++)
		evbuffer_add_printf(out, "stempel_loop_lag_seconds_bucket{le=\"%g\"} %llu\n",
		                    lag_bounds_us[i] / 1e6, (unsigned long long)l->bucket[i]);
	evbuffer_add_printf(
	    out,
	    "stempel_loop_lag_seconds_bucket{le=\"+Inf\"} %llu\n"
	    "stempel_loop_lag_seconds_sum %.6f\n"
	    "stempel_loop_lag_seconds_count %llu\n"
	    "# HELP stempel_loop_lag_max_seconds The longest loop lag since start.\n"
	    "# TYPE stempel_loop_lag_max_seconds gauge\n"
	    "stempel_loop_lag_max_seconds %.6f\n",
	    (unsigned long long)l->bucket[LOOP_LAG_NBUCKETS], l->sum_us / 1e6,
	    (unsigned long long)l->count, l->max_us / 1e6);
}
