/*
 * roster_sync.c — the roster comes down from the municipal system at start and
 * every roster_interval_s, with If-None-Match: 304 writes nothing; a new roster
 * is validated whole (roster_parse) and applied in one transaction
 * (roster_apply, which keys card UIDs).  A roster that fails validation changes
 * nothing: the old one stays, an alarm is raised and an alarm event goes up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>
#include <sodium.h>

#include "config.h"
#include "events.h"
#include "log.h"
#include "roster.h"
#include "store.h"
#include "uploader.h"
#include "uploader_int.h"

#define ROSTER_RESP_MAX (32 * 1024 * 1024)
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

int
uploader_roster_start(struct uploader *u)
{
	u->roster_ev = evtimer_new(u->base, on_roster_timer, u);
	return u->roster_ev ? 0 : -1;
}

void
uploader_roster_stop(struct uploader *u)
{
	if (u->ro_xfer)
		uploader_xfer_free(u->ro_xfer);
	u->ro_xfer = NULL;
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

	if (u->ro_xfer)
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
	char *ev = events_make("alarm", NULL,
			       json_pack("{s:s, s:s, s:s}", "alarm", name, "message", message, "etag",
					 etag),
			       id);
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
reject(struct uploader *u, const struct uploader_xfer *x, const char *why)
{
	char seen[160] = "", mark[160];

	uploader_alarm_raise(u, UPLOADER_ALARM_ROSTER, "roster rejected, the previous one stays "
						       "in force: %s", why);
	uploader_note_error(u, "roster rejected: %s", why);
	/* The same bad roster comes back every interval: one alarm event per roster. */
	if (x->etag[0] && etag_ok(x->etag)) {
		snprintf(mark, sizeof(mark), "%s", x->etag);
	} else {
		unsigned char d[crypto_hash_sha256_BYTES];

		crypto_hash_sha256(d, (const unsigned char *)(x->resp ? x->resp : ""), x->resp_len);
		sodium_bin2hex(mark, sizeof(mark), d, 16);
	}
	store_meta_get(u->store, META_REJECTED, seen, sizeof(seen));
	if (strcmp(seen, mark) != 0) {
		struct alarm_args a = {u, why, x->etag[0] && etag_ok(x->etag) ? x->etag : "", mark};
		char err[256];

		if (store_txn(u->store, alarm_txn, &a, err, sizeof(err)) != 0) {
			log_err("upload: cannot queue the roster_invalid alarm event: %s", err);
		} else {
			uploader_kick(u);
		}
	}
	finish(u, UPLOADER_ROSTER_REJECTED, -1);
}

static void
take_roster(struct uploader *u, const struct uploader_xfer *x)
{
	struct roster_stats st;
	struct roster *r;
	char err[512];

	if (x->resp == NULL || x->resp_len == 0) {
		reject(u, x, "empty body");
		return;
	}
	if (roster_parse(x->resp, x->resp_len, &r, err, sizeof(err)) < 0) {
		reject(u, x, err);
		return;
	}
	if (roster_apply(r, u->store, u->key, &st, err, sizeof(err)) < 0) {
		roster_free(r);
		uploader_note_error(u, "roster: %s", err);
		finish(u, UPLOADER_ROSTER_ERROR, -1);
		return;
	}
	roster_free(r);
	/*
	 * After the apply, not in its transaction: a crash between the two only means
	 * the same roster is fetched and applied again, which changes nothing.
	 */
	if (store_meta_set(u->store, META_ETAG, x->etag[0] && etag_ok(x->etag) ? x->etag : "") < 0)
		log_err("upload: cannot store the roster's ETag");
	uploader_alarm_clear(u, UPLOADER_ALARM_ROSTER);
	u->roster_applied_ms = uploader_wall_ms();
	if (u->on_roster)
		u->on_roster(u->on_roster_arg);
	log_info("upload: roster %s applied: %d participants, %d cards, %d absences, %d G values, "
		 "%d closures", x->etag[0] ? x->etag : "(no ETag)", st.participants, st.cards,
		 st.absences, st.g_values, st.closures);
	finish(u, UPLOADER_ROSTER_APPLIED, -1);
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
			uploader_alarm_raise(u, UPLOADER_ALARM_AUTH, "the receiver refuses the "
								      "kiosk's credentials (HTTP 401)");
		else if (x->status == 403)
			uploader_alarm_raise(u, UPLOADER_ALARM_FORBIDDEN, "the receiver forbids this "
									   "kiosk its roster (HTTP 403)");
		uploader_note_error(u, "roster: HTTP %ld", x->status);
		finish(u, UPLOADER_ROSTER_ERROR, uploader_retry_after(x));
	}
	uploader_xfer_free(x);
}
