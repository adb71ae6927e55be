/*
 * roster_run.c — a roster import inside the daemon, applied in steps of about
 * 15 ms, one per turn of the loop (roster_job_step), so a tap waits for one step
 * at most however large the roster.  The roster.import command hands it its
 * validated roster; the uploader's pull has the same steps of its own.
 */
#include <stdio.h>
#include <stdlib.h>

#include <event2/event.h>

#include "clock.h"
#include "log.h"
#include "roster.h"
#include "roster_run.h"

struct roster_run {
	struct store *s;
	const struct cardkey *key;
	struct event *ev;
	struct roster *r;
	struct roster_job *job;
	char label[128];
	int64_t started_ns;
	void (*done)(void *arg);
	void *arg;
};

static void
end(struct roster_run *rr)
{
	roster_job_free(rr->job);
	roster_free(rr->r);
	rr->job = NULL;
	rr->r = NULL;
	if (rr->done)
		rr->done(rr->arg);
}

static void
on_step(evutil_socket_t fd, short what, void *arg)
{
	struct roster_run *rr = arg;
	const struct roster_stats *st;
	char err[512];
	int rc = roster_job_step(rr->job, err, sizeof(err));

	if (rc == 1) {
		struct timeval now = {0, 0};

		evtimer_add(rr->ev, &now);
		return;
	}
	st = roster_job_stats(rr->job);
	if (rc < 0)
		log_err("roster: %s: %s", rr->label, err);
	else
		log_info("roster: %s applied in %.0f ms: %d participants, %d cards, %d absences, "
			 "%d G values, %d closures, %d card conflicts", rr->label,
			 (clock_mono_ns() - rr->started_ns) / 1e6, st->participants, st->cards,
			 st->absences, st->g_values, st->closures, st->card_conflicts);
	end(rr);
}

struct roster_run *
roster_run_new(struct event_base *base, struct store *s, const struct cardkey *key,
	       void (*done)(void *arg), void *arg)
{
	struct roster_run *rr = calloc(1, sizeof(*rr));

	if (rr == NULL || (rr->ev = evtimer_new(base, on_step, rr)) == NULL) {
		free(rr);
		return NULL;
	}
	rr->s = s;
	rr->key = key;
	rr->done = done;
	rr->arg = arg;
	return rr;
}

void
roster_run_free(struct roster_run *rr)
{
	if (rr == NULL)
		return;
	roster_job_free(rr->job);
	roster_free(rr->r);
	event_free(rr->ev);
	free(rr);
}

int
roster_run_busy(const struct roster_run *rr)
{
	return rr && rr->job != NULL;
}

int
roster_run_start(struct roster_run *rr, struct roster *r, const char *label, char *err,
		 size_t errlen)
{
	struct timeval now = {0, 0};

	if (roster_run_busy(rr)) {
		snprintf(err, errlen, "another roster is being applied; try again when it is done");
		return -1;
	}
	if (roster_job_new(r, rr->s, rr->key, &rr->job, err, errlen) < 0)
		return -1;
	rr->r = r;
	rr->started_ns = clock_mono_ns();
	snprintf(rr->label, sizeof(rr->label), "%s", label);
	/* The first step in a turn of its own: after the command's COMMIT. */
	evtimer_add(rr->ev, &now);
	return 0;
}
