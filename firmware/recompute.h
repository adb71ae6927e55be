/*
 * recompute.h — keeps the daemon's day results and pay-period adjustments current:
 * a queue of participants worked one per loop turn (a tap never waits behind a
 * recomputation of everyone), a timer at each session end of the day and at
 * midnight, and everyone once at start.
 */
#ifndef STEMPEL_RECOMPUTE_H
#define STEMPEL_RECOMPUTE_H

#include <stdint.h>

struct event_base;
struct attendance;
struct recompute;

/*
 * Start the timers and queue everyone (each resumes from its latest saved state; saved
 * states of another results fingerprint are dropped first).  NULL if out of memory.
 */
struct recompute *recompute_start(struct event_base *base, struct attendance *a);
void recompute_stop(struct recompute *r);
/* Queue `pid` (0 = every active participant) from `from` (YYYY-MM-DD, "" = not current). */
void recompute_queue(struct recompute *r, int64_t pid, const char *from);
/* Participants waiting (metrics, tests). */
size_t recompute_pending(const struct recompute *r);

#endif
