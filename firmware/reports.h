/*
 * reports.h — the reports thread: long reads (the Today page of every participant,
 * a pay period's stipend document, the database check after start-up) run here, on
 * a second, read-only database connection, so that a tap is never queued behind a
 * report (DESIGN.md, process model).  Jobs run one at a time, oldest first, at a
 * lower CPU priority than the loop; each job's `done` then runs on the loop.
 */
#ifndef STEMPEL_REPORTS_H
#define STEMPEL_REPORTS_H

#include <stddef.h>

struct attendance;
struct config;
struct event_base;
struct period;
struct store;

/* What a job may use on the reports thread: its own connection, engine and periods. */
struct reports_ctx {
	struct store *store; /* read-only */
	struct attendance *att;
	struct period *period;
	const struct config *cfg;
};

/* On the reports thread: read, compute, keep the result in `job`.  Never touch the loop. */
typedef void (*reports_run_fn)(struct reports_ctx *ctx, void *job);
/*
 * On the loop, once per job: after run (ran = 1), or without it (ran = 0) when the
 * daemon stops first or the thread could not be started.  Replies and frees `job`.
 */
typedef void (*reports_done_fn)(void *job, int ran);

/*
 * Open the database at `path` read-only and start the thread.  The loop's own
 * connection must have opened (and migrated) the database first.
 */
struct reports *reports_start(struct event_base *base, const struct config *cfg, const char *path,
                              char *err, size_t errlen);
/*
 * Interrupt the running job's database work and wait for it; hand every job to its
 * `done` (the interrupted and the queued ones with ran = 0).
 */
void reports_stop(struct reports *r);
/* Queue a job.  -1 (nothing queued, `done` not called) only when out of memory. */
int reports_submit(struct reports *r, reports_run_fn run, reports_done_fn done, void *job);
/* 1 once reports_stop() has begun: a job waiting for something else gives up (any thread). */
int reports_stopping(struct reports *r);
/* Jobs queued or running (metrics). */
size_t reports_pending(struct reports *r);

#endif
