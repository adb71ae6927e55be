/*
 * loop.h — the daemon's libevent loop: its priorities (the tap path before
 * everything else) and the loop-lag histogram for /metrics, which shows how long
 * a UID could have waited behind another step of the loop.
 */
#ifndef STEMPEL_LOOP_H
#define STEMPEL_LOOP_H

#include <stdint.h>

struct event;
struct event_base;
struct evbuffer;
struct loop_lag;

/* Priorities of the loop's events (libevent: lower runs first). */
enum {
	LOOP_PRIO_TAP = 0,        /* the reader's UIDs, the loop-lag probe */
	LOOP_PRIO_DEFAULT = 1,    /* what libevent gives every other event */
	LOOP_PRIO_BACKGROUND = 2, /* upload steps, housekeeping, recomputation, memory trim */
	LOOP_NPRIO
};

#define LOOP_LAG_NBUCKETS 10

/*
 * Put the calling thread below the loop for the CPU and the disk: SCHED_IDLE (it
 * runs only when no normal thread wants the core, and a waking loop preempts it at
 * once) and the idle I/O class; named `name` for top and perf.  0, or -1 with a
 * warning logged when the kernel refused (the thread then runs at nice 19).
 */
int loop_thread_background(const char *name);

/*
 * Another thread wakes the loop through an eventfd (no lock the loop takes):
 * loop_wake() on that thread, loop_woken() in the loop's EV_READ callback on the
 * fd.  The counter only wakes; its value does not matter.  `who` names it in a
 * warning.
 */
void loop_wake(int efd, const char *who);
void loop_woken(int efd, const char *who);

/* An event base with LOOP_NPRIO priorities; NULL on failure. */
struct event_base *loop_base_new(void);
/* Set an event's priority (nothing on a base without priorities, as in unit tests). */
void loop_prio(struct event *ev, int prio);

/* The lag probe: a timer every period_ms at LOOP_PRIO_TAP measures how late it runs. */
struct loop_lag *loop_lag_start(struct event_base *base, int period_ms);
void loop_lag_stop(struct loop_lag *l);
/* Record one lateness (the probe's callback; tests call it directly). */
void loop_lag_record(struct loop_lag *l, uint64_t late_us);
/* Append stempel_loop_lag_seconds (histogram) and its max, Prometheus text format. */
void loop_lag_render(const struct loop_lag *l, struct evbuffer *out);

#endif
