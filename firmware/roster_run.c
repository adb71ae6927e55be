/*
 * roster_run.c — a roster import inside the daemon: parsed and validated on a
 * thread of its own (a large roster's JSON takes a second), then applied in
 * steps of about 15 ms, one per turn of the loop (roster_job_step), so a tap
 * waits for one step at most however large the roster.  The roster.import
 * command hands it the text (stempelctl validated it already, to name a bad
 * field at once); the uploader's pull has the same steps of its own.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "clock.h"
#include "log.h"
#include "roster.h"
#include "roster_run.h"

struct roster_run {
	struct store *s;
	const struct cardkey *key;
	struct event *ev;
	struct event *parsed_ev; /* made active by the parsing thread */
	pthread_t th;
	int parsing;
	char *text;
	size_t len;
	char dir[512];
	char path[512];
	int parse_rc;
	char err[512];
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
	if (rc == 0 && st->unchanged) {
		log_info("roster: %s is the roster in force; nothing written", rr->label);
		roster_job_free(rr->job);
		roster_free(rr->r);
		rr->job = NULL;
		rr->r = NULL;
		return; /* nothing changed: nothing to recompute */
	}
	if (rc < 0)
		log_err("roster: %s: %s", rr->label, err);
	else
		log_info("roster: %s applied in %.0f ms: %d participants, %d cards, %d absences, "
		         "%d G values, %d closures, %d card conflicts",
		         rr->label, (clock_mono_ns() - rr->started_ns) / 1e6, st->participants,
		         st->cards, st->absences, st->g_values, st->closures, st->card_conflicts);
	end(rr);
}

static void on_parsed(evutil_socket_t fd, short what, void *arg);

static void *
parse_main(void *arg)
{
	struct roster_run *rr = arg;

	if (rr->text == NULL &&
	    (rr->text = roster_read_file(rr->path, &rr->len, rr->err, sizeof(rr->err))) == NULL) {
		rr->parse_rc = -1;
		event_active(rr->parsed_ev, EV_READ, 0);
		return NULL;
	}
	rr->parse_rc = roster_parse(rr->text, rr->len, &rr->r, rr->err, sizeof(rr->err));
	if (rr->parse_rc == 0 && roster_check_refs(rr->r, rr->dir, rr->err, sizeof(rr->err)) < 0) {
		roster_free(rr->r);
		rr->r = NULL;
		rr->parse_rc = -1;
	}
	event_active(rr->parsed_ev, EV_READ, 0);
	return NULL;
}

static void
on_parsed(evutil_socket_t fd, short what, void *arg)
{
	struct roster_run *rr = arg;
	struct roster *r;
	char err[512];

	pthread_join(rr->th, NULL);
	rr->parsing = 0;
	free(rr->text);
	rr->text = NULL;
	r = rr->r;
	rr->r = NULL;
	if (rr->parse_rc < 0) {
		log_err("roster: %s: %s; nothing was changed", rr->label, rr->err);
		return;
	}
	if (roster_run_start(rr, r, rr->label, err, sizeof(err)) < 0) {
		log_err("roster: %s: %s", rr->label, err);
		roster_free(r);
	}
}

int
roster_run_start_text(struct roster_run *rr, const char *text, size_t len, const char *regime_dir,
                      const char *label, char *err, size_t errlen)
{
	if (roster_run_busy(rr)) {
		snprintf(err, errlen, "another roster is being applied; try again when it is done");
		return -1;
	}
	if ((rr->text = malloc(len + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(rr->text, text, len);
	rr->text[len] = '\0';
	rr->len = len;
	snprintf(rr->dir, sizeof(rr->dir), "%s", regime_dir);
	snprintf(rr->label, sizeof(rr->label), "%s", label);
	if ((errno = pthread_create(&rr->th, NULL, parse_main, rr)) != 0) {
		snprintf(err, errlen, "cannot start a thread: %s", strerror(errno));
		free(rr->text);
		rr->text = NULL;
		return -1;
	}
	rr->parsing = 1;
	return 0;
}

int
roster_run_start_file(struct roster_run *rr, const char *path, const char *regime_dir,
                      const char *label, char *err, size_t errlen)
{
	if (roster_run_busy(rr)) {
		snprintf(err, errlen, "another roster is being applied; try again when it is done");
		return -1;
	}
	rr->text = NULL;
	snprintf(rr->path, sizeof(rr->path), "%s", path);
	snprintf(rr->dir, sizeof(rr->dir), "%s", regime_dir);
	snprintf(rr->label, sizeof(rr->label), "%s", label);
	if ((errno = pthread_create(&rr->th, NULL, parse_main, rr)) != 0) {
		snprintf(err, errlen, "cannot start a thread: %s", strerror(errno));
		return -1;
	}
	rr->parsing = 1;
	return 0;
}

struct roster_run *
roster_run_new(struct event_base *base, struct store *s, const struct cardkey *key,
               void (*done)(void *arg), void *arg)
{
	struct roster_run *rr = calloc(1, sizeof(*rr));

	if (rr == NULL || (rr->ev = evtimer_new(base, on_step, rr)) == NULL ||
	    (rr->parsed_ev = event_new(base, -1, 0, on_parsed, rr)) == NULL) {
		if (rr && rr->ev)
			event_free(rr->ev);
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
	if (rr->parsing)
		pthread_join(rr->th, NULL);
	free(rr->text);
	roster_job_free(rr->job);
	roster_free(rr->r);
	event_free(rr->ev);
	event_free(rr->parsed_ev);
	free(rr);
}

int
roster_run_busy(const struct roster_run *rr)
{
	return rr && (rr->job != NULL || rr->parsing);
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
	if (label != rr->label)
		snprintf(rr->label, sizeof(rr->label), "%s", label);
	/* The first step in a turn of its own: after the command's COMMIT. */
	evtimer_add(rr->ev, &now);
	return 0;
}
