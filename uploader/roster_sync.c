/*
 * roster_sync.c — the roster comes down from the municipal system at start and
 * every roster_interval_s, with If-None-Match: 304 writes nothing; a new roster
 * is validated whole (roster_parse, roster_check_refs) and applied in steps of
 * about 15 ms, one per turn of the loop (roster_job_step), so taps go in between.
 * A roster that fails validation changes nothing: the old one stays, an alarm is
 * raised and an alarm event goes up.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>
#include <sodium.h>

#include "clock.h"
#include "config.h"
#include "events.h"
#include "log.h"
#include "loop.h"
#include "roster.h"
#include "store.h"
#include "uploader.h"
#include "uploader_int.h"

/* 100,000 participants are about 40 MB of JSON; parsed on a thread, applied in steps. */
#define ROSTER_RESP_MAX (128 * 1024 * 1024)
#define META_ETAG "upload.roster_etag"
#define META_REJECTED "upload.roster_rejected"

static const char *const result_names[UPLOADER_NROSTER] = {
    [UPLOADER_ROSTER_APPLIED] = "applied",
    [UPLOADER_ROSTER_NOT_MODIFIED] = "not_modified",
    [UPLOADER_ROSTER_REJECTED] = "rejected",
    [UPLOADER_ROSTER_ERROR] = "error",
};

const char *
uploader_roster_result_name(enum uploader_roster_result r)
{
	return result_names[r];
}

static void
on_roster_timer(evutil_socket_t fd, short what, void *arg)
{
	uploader_roster_tick(arg);
}

static void on_roster_step(evutil_socket_t fd, short what, void *arg);
static void parse_free(struct uploader_roster_parse *p);

int
uploader_roster_start(struct uploader *u)
{
	u->roster_ev = evtimer_new(u->base, on_roster_timer, u);
	u->roster_step_ev = evtimer_new(u->base, on_roster_step, u);
	loop_prio(u->roster_ev, LOOP_PRIO_BACKGROUND);
	loop_prio(u->roster_step_ev, LOOP_PRIO_BACKGROUND);
	return u->roster_ev && u->roster_step_ev ? 0 : -1;
}

static void
job_end(struct uploader *u)
{
	roster_job_free(u->roster_job);
	roster_free(u->roster_new);
	u->roster_job = NULL;
	u->roster_new = NULL;
}

void
uploader_roster_stop(struct uploader *u)
{
	if (u->ro_xfer)
		uploader_xfer_free(u->ro_xfer);
	u->ro_xfer = NULL;
	job_end(u);
	parse_free(u->roster_parse);
	u->roster_parse = NULL;
	if (u->roster_step_ev)
		event_free(u->roster_step_ev);
	u->roster_step_ev = NULL;
	if (u->roster_ev)
		event_free(u->roster_ev);
	u->roster_ev = NULL;
}

void
uploader_roster_retry(struct uploader *u, int64_t delay_ms)
{
	struct timeval tv = {(time_t)(delay_ms / 1000), (suseconds_t)(delay_ms % 1000) * 1000};

	evtimer_add(u->roster_ev, &tv);
}

/* Record the result and set the next request: the interval, or sooner after an error. */
static void
finish(struct uploader *u, enum uploader_roster_result r, int64_t retry_after_s)
{
	u->roster_last = r;
	u->roster_results[r]++;
	u->roster_checked_ms = uploader_wall_ms();
	if (r == UPLOADER_ROSTER_ERROR) {
		/* Sooner than the interval while it fails, with the same backoff as uploads. */
		int64_t d = uploader_backoff_for(u, ++u->roster_failures, retry_after_s);
		int64_t every = (int64_t)u->cfg->upload.roster_interval_s * 1000;

		uploader_roster_retry(u, d < every ? d : every);
		return;
	}
	u->roster_failures = 0;
	uploader_roster_retry(u, (int64_t)u->cfg->upload.roster_interval_s * 1000);
}

/* An ETag goes back in a header: printable ASCII only, or it is not kept. */
static int
etag_ok(const char *e)
{
	for (; *e; e++)
		if (*e < 0x20 || *e > 0x7e)
			return 0;
	return 1;
}

static void on_roster_done(struct uploader_xfer *x, void *arg);

void
uploader_roster_tick(struct uploader *u)
{
	struct uploader_tls tls;
	struct uploader_xfer *x;
	int64_t now = uploader_mono_ms();
	char etag[160] = "";

	if (u->ro_xfer || u->roster_job || u->roster_parse)
		return;
	if (uploader_auth_need_token(u->auth, now)) {
		u->roster_wants_token = 1;
		if (u->tok_xfer)
			return; /* on its way; on_token_done calls us again */
		if (u->backoff_until_ms > now) {
			uploader_roster_retry(u, u->backoff_until_ms - now);
			return;
		}
		uploader_token_fetch(u);
		return;
	}
	uploader_auth_tls(u->auth, &tls);
	x = uploader_xfer_new(u->http, u->roster_url, &tls, u->cfg->upload.connect_timeout_s,
	                      u->cfg->upload.timeout_s, ROSTER_RESP_MAX);
	if (store_meta_get(u->store, META_ETAG, etag, sizeof(etag)) < 0)
		etag[0] = '\0';
	if (x == NULL || (etag[0] && uploader_xfer_header(x, "If-None-Match: %s", etag) < 0) ||
	    uploader_auth_apply(u->auth, x) < 0 || uploader_xfer_start(x, on_roster_done, u) < 0) {
		uploader_xfer_free(x);
		uploader_note_error(u, "roster: cannot start the request");
		finish(u, UPLOADER_ROSTER_ERROR, -1);
		return;
	}
	u->ro_xfer = x;
}

/* Queue an alarm event for the municipal system, with the fact that raised it. */
static int
alarm_event(struct uploader *u, const char *name, const char *message, const char *etag)
{
	char id[40];
	char *ev = events_make(
	    "alarm", NULL,
	    json_pack("{s:s, s:s, s:s}", "alarm", name, "message", message, "etag", etag), id);
	int rc;

	if (ev == NULL)
		return -1;
	rc = store_event_add(u->store, id, "alarm", ev);
	free(ev);
	return rc;
}

void
uploader_on_roster(struct uploader *u, void (*fn)(void *arg), void *arg)
{
	if (u == NULL)
		return;
	u->on_roster = fn;
	u->on_roster_arg = arg;
}

struct alarm_args {
	struct uploader *u;
	const char *why, *etag, *mark;
};

/* The alarm event and the mark that it was sent, in one transaction. */
static int
alarm_txn(struct store *s, void *arg, char *err, size_t errlen)
{
	struct alarm_args *a = arg;

	if (alarm_event(a->u, "roster_invalid", a->why, a->etag) < 0 ||
	    store_meta_set(s, META_REJECTED, a->mark) < 0)
		return -1;
	return 0;
}

static void
reject(struct uploader *u, const char *etag, const char *body, size_t len, const char *why)
{
	char seen[160] = "", mark[160];

	uploader_alarm_raise(u, UPLOADER_ALARM_ROSTER,
	                     "roster rejected, the previous one stays "
	                     "in force: %s",
	                     why);
	uploader_note_error(u, "roster rejected: %s", why);
	/* The same bad roster comes back every interval: one alarm event per roster. */
	if (etag[0] && etag_ok(etag)) {
		snprintf(mark, sizeof(mark), "%s", etag);
	} else {
		unsigned char d[crypto_hash_sha256_BYTES];

		crypto_hash_sha256(d, (const unsigned char *)(body ? body : ""), len);
		sodium_bin2hex(mark, sizeof(mark), d, 16);
	}
	store_meta_get(u->store, META_REJECTED, seen, sizeof(seen));
	if (strcmp(seen, mark) != 0) {
		struct alarm_args a = {u, why, etag[0] && etag_ok(etag) ? etag : "", mark};
		char err[256];

		if (store_txn(u->store, alarm_txn, &a, err, sizeof(err)) != 0) {
			log_err("upload: cannot queue the roster_invalid alarm event: %s", err);
		} else {
			uploader_kick(u);
		}
	}
	finish(u, UPLOADER_ROSTER_REJECTED, -1);
}

/* Apply the next step; the last one stores the ETag and reports. */
static void
on_roster_step(evutil_socket_t fd, short what, void *arg)
{
	struct uploader *u = arg;
	const struct roster_stats *st;
	char err[512];
	int rc = roster_job_step(u->roster_job, err, sizeof(err));

	if (rc == 1) {
		struct timeval now = {0, 0};

		evtimer_add(u->roster_step_ev, &now);
		return;
	}
	if (rc < 0) {
		uploader_note_error(u, "roster: %s", err);
		/* The steps before the failure are written: recompute from them. */
		if (u->on_roster)
			u->on_roster(u->on_roster_arg);
		job_end(u);
		finish(u, UPLOADER_ROSTER_ERROR, -1);
		return;
	}
	st = roster_job_stats(u->roster_job);
	/*
	 * After the apply, not in its transaction: a crash between the two only means
	 * the same roster is fetched again, which (same hash) writes nothing.
	 */
	if (store_meta_set(u->store, META_ETAG, u->roster_new_etag) < 0)
		log_err("upload: cannot store the roster's ETag");
	uploader_alarm_clear(u, UPLOADER_ALARM_ROSTER);
	u->roster_applied_ms = uploader_wall_ms();
	if (u->on_roster && !st->unchanged)
		u->on_roster(u->on_roster_arg);
	if (st->unchanged)
		log_info("upload: roster %s is the one in force; nothing written",
		         u->roster_new_etag[0] ? u->roster_new_etag : "(no ETag)");
	else
		log_info("upload: roster %s applied in %.0f ms: %d participants, %d cards, %d "
		         "absences, %d G values, %d closures, %d card conflicts",
		         u->roster_new_etag[0] ? u->roster_new_etag : "(no ETag)",
		         (clock_mono_ns() - u->roster_job_started_ns) / 1e6, st->participants,
		         st->cards, st->absences, st->g_values, st->closures, st->card_conflicts);
	job_end(u);
	finish(u, UPLOADER_ROSTER_APPLIED, -1);
}

/*
 * Parsing and validating a large roster takes a while (about a second for
 * 100,000 participants): on a thread of its own, so the loop answers taps
 * meanwhile.  The thread touches only the body and its own results.
 */
static void *
parse_main(void *arg)
{
	struct uploader_roster_parse *p = arg;

	p->rc = roster_parse(p->body, p->len, &p->r, p->err, sizeof(p->err));
	if (p->rc == 0 &&
	    (p->dir[0] == '\0' || roster_check_refs(p->r, p->dir, p->err, sizeof(p->err)) < 0)) {
		if (p->dir[0] == '\0')
			snprintf(p->err, sizeof(p->err), "no regime directory on the kiosk");
		roster_free(p->r);
		p->r = NULL;
		p->rc = -1;
	}
	event_active(p->ev, EV_READ, 0);
	return NULL;
}

static void
parse_free(struct uploader_roster_parse *p)
{
	if (p == NULL)
		return;
	if (p->running)
		pthread_join(p->th, NULL);
	roster_free(p->r);
	if (p->ev)
		event_free(p->ev);
	free(p->body);
	free(p);
}

static void
on_parsed(evutil_socket_t fd, short what, void *arg)
{
	struct uploader *u = arg;
	struct uploader_roster_parse *p = u->roster_parse;
	struct timeval now = {0, 0};
	char err[512];

	pthread_join(p->th, NULL);
	p->running = 0;
	u->roster_parse = NULL;
	if (p->rc < 0) {
		reject(u, p->etag, p->body, p->len, p->err);
		parse_free(p);
		return;
	}
	if (roster_job_new(p->r, u->store, u->key, &u->roster_job, err, sizeof(err)) < 0) {
		uploader_note_error(u, "roster: %s", err);
		parse_free(p);
		finish(u, UPLOADER_ROSTER_ERROR, -1);
		return;
	}
	u->roster_new = p->r;
	p->r = NULL;
	u->roster_job_started_ns = clock_mono_ns();
	snprintf(u->roster_new_etag, sizeof(u->roster_new_etag), "%s", p->etag);
	parse_free(p);
	/* The first step in a turn of its own, like every other. */
	evtimer_add(u->roster_step_ev, &now);
}

static void
take_roster(struct uploader *u, struct uploader_xfer *x)
{
	struct uploader_roster_parse *p;

	if (x->resp == NULL || x->resp_len == 0) {
		reject(u, x->etag, "", 0, "empty body");
		return;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->ev = event_new(u->base, -1, 0, on_parsed, u)) == NULL) {
		free(p);
		uploader_note_error(u, "roster: out of memory");
		finish(u, UPLOADER_ROSTER_ERROR, -1);
		return;
	}
	loop_prio(p->ev, LOOP_PRIO_BACKGROUND);
	/* The body is the thread's now. */
	p->body = x->resp;
	p->len = x->resp_len;
	x->resp = NULL;
	x->resp_len = 0;
	snprintf(p->etag, sizeof(p->etag), "%s", x->etag[0] && etag_ok(x->etag) ? x->etag : "");
	if (config_regime_dir(u->cfg, p->dir, sizeof(p->dir)) < 0)
		p->dir[0] = '\0';
	u->roster_parse = p;
	if ((errno = pthread_create(&p->th, NULL, parse_main, p)) != 0) {
		u->roster_parse = NULL;
		parse_free(p);
		uploader_note_error(u, "roster: cannot start a thread: %s", strerror(errno));
		finish(u, UPLOADER_ROSTER_ERROR, -1);
		return;
	}
	p->running = 1;
}

static void
on_roster_done(struct uploader_xfer *x, void *arg)
{
	struct uploader *u = arg;

	u->ro_xfer = NULL;
	uploader_count(u, UPLOADER_EP_ROSTER, x);
	if (x->code != CURLE_OK || x->too_big) {
		uploader_transport_failed(u, "roster", x);
		finish(u, UPLOADER_ROSTER_ERROR, -1);
	} else if (x->status == 304) {
		/* Unchanged: nothing is written, not even a "last checked". */
		u->roster_retried_401 = 0;
		uploader_exchange_ok(u);
		uploader_alarm_clear(u, UPLOADER_ALARM_ROSTER);
		finish(u, UPLOADER_ROSTER_NOT_MODIFIED, -1);
	} else if (x->status == 200) {
		u->roster_retried_401 = 0;
		uploader_exchange_ok(u);
		take_roster(u, x);
	} else if (x->status == 401 && (uploader_auth_bits(u->auth) & UPLOADER_AUTH_OAUTH) &&
	           !u->roster_retried_401) {
		u->roster_retried_401 = 1;
		uploader_auth_invalidate(u->auth);
		uploader_xfer_free(x);
		uploader_roster_tick(u);
		return;
	} else {
		u->roster_retried_401 = 0;
		if (x->status == 401)
			uploader_alarm_raise(u, UPLOADER_ALARM_AUTH,
			                     "the receiver refuses the "
			                     "kiosk's credentials (HTTP 401)");
		else if (x->status == 403)
			uploader_alarm_raise(u, UPLOADER_ALARM_FORBIDDEN,
			                     "the receiver forbids this "
			                     "kiosk its roster (HTTP 403)");
		uploader_note_error(u, "roster: HTTP %ld", x->status);
		finish(u, UPLOADER_ROSTER_ERROR, uploader_retry_after(x));
	}
	uploader_xfer_free(x);
}
