/*
 * uploader.c — the outbox on its way to the municipal system.  One batch is
 * in flight at a time, so events arrive in seq order; each answer decides what
 * happens to each event (delivered, dead letter, still pending) and what comes
 * next (the next batch at once, half the batch, or a backoff).  Reading a batch
 * and marking its answer go UPLOADER_STEP events at a time, one step per turn of
 * the loop, so a tap waits behind one small step at most.  Everything runs on the
 * daemon's loop.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <sodium.h>

#include "clock.h"
#include "config.h"
#include "curl_dl.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "store.h"
#include "uploader.h"
#include "uploader_int.h"

/* New taps within this long go up in one batch. */
#define KICK_DELAY_MS 200
#define BACKOFF_BASE_MS 1000
/* A Retry-After is honoured up to this long (or backoff_max_s if longer). */
#define RETRY_AFTER_MAX_MS (3600 * 1000LL)
#define EVENTS_RESP_MAX (8 * 1024 * 1024)
/*
 * This many events refused on their own with no delivery in between look like
 * a receiver that refuses everything, not like bad events: stop dead-lettering
 * (that would empty the outbox into dead letters), raise an alarm, back off.
 */
#define REFUSED_ALONE_MAX 10

static const char *const alarm_names[UPLOADER_NALARMS] = {
    [UPLOADER_ALARM_AUTH] = "auth_rejected",
    [UPLOADER_ALARM_FORBIDDEN] = "forbidden",
    [UPLOADER_ALARM_TLS] = "tls_verify_failed",
    [UPLOADER_ALARM_TOKEN] = "token_refused",
    [UPLOADER_ALARM_ROSTER] = "roster_invalid",
    [UPLOADER_ALARM_STATUS] = "unexpected_status",
    [UPLOADER_ALARM_REFUSING] = "receiver_refuses_all",
    [UPLOADER_ALARM_TOO_LARGE] = "event_too_large",
};

static const char *const endpoint_names[UPLOADER_NEP] = {"events", "roster", "token"};

/* What an answer to a batch leads to. */
enum next { NEXT_NOW, NEXT_BACKOFF };

static void pump(struct uploader *u);
static int write_answer(struct uploader *u);

/* --- small shared helpers --- */

int64_t
uploader_mono_ms(void)
{
	return clock_mono_ns() / 1000000;
}

int64_t
uploader_wall_ms(void)
{
	return clock_wall_ms(); /* the kiosk's one clock (clock.c) */
}

const char *
uploader_alarm_name(enum uploader_alarm a)
{
	return alarm_names[a];
}

void
uploader_note_error(struct uploader *u, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(u->last_error, sizeof(u->last_error), fmt, ap);
	va_end(ap);
	log_warn("upload: %s", u->last_error);
}

void
uploader_alarm_raise(struct uploader *u, enum uploader_alarm a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(u->alarms[a].message, sizeof(u->alarms[a].message), fmt, ap);
	va_end(ap);
	/* Logged when raised, not at every retry. */
	if (!u->alarms[a].active) {
		u->alarms[a].active = 1;
		u->alarms[a].since_ms = uploader_wall_ms();
		log_err("upload: alarm %s: %s", alarm_names[a], u->alarms[a].message);
	}
}

void
uploader_alarm_clear(struct uploader *u, enum uploader_alarm a)
{
	if (!u->alarms[a].active)
		return;
	u->alarms[a].active = 0;
	log_info("upload: alarm %s cleared", alarm_names[a]);
}

static const char *
transport_label(CURLcode c)
{
	switch (c) {
	case CURLE_OPERATION_TIMEDOUT:
		return "timeout";
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
		return "connect";
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
		return "tls";
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		return "reset";
	default:
		return "error";
	}
}

void
uploader_count(struct uploader *u, enum uploader_endpoint ep, const struct uploader_xfer *x)
{
	char label[16];
	int i;

	if (x->code == CURLE_OK && !x->too_big)
		snprintf(label, sizeof(label), "%ld", x->status);
	else
		snprintf(label, sizeof(label), "%s",
		         x->too_big ? "too_big" : transport_label(x->code));
	u->bytes_sent += (uint64_t)x->sent_bytes;
	u->bytes_received += (uint64_t)x->recv_bytes;
	u->last_attempt_ms = uploader_wall_ms();
	for (i = 0; i < UPLOADER_STATUS_SLOTS && u->requests[i].status[0]; i++)
		if (u->requests[i].ep == (int)ep && strcmp(u->requests[i].status, label) == 0)
			break;
	if (i == UPLOADER_STATUS_SLOTS)
		return; /* a receiver sending 48 different statuses: stop counting new ones */
	u->requests[i].ep = (int)ep;
	snprintf(u->requests[i].status, sizeof(u->requests[i].status), "%s", label);
	u->requests[i].n++;
}

void
uploader_transport_failed(struct uploader *u, const char *what, const struct uploader_xfer *x)
{
	if (x->code == CURLE_PEER_FAILED_VERIFICATION || x->code == CURLE_SSL_CACERT_BADFILE)
		uploader_alarm_raise(u, UPLOADER_ALARM_TLS, "%s: %s", what,
		                     uploader_xfer_strerror(x));
	uploader_note_error(u, "%s: %s", what, uploader_xfer_strerror(x));
}

/* An exchange went through: whatever was wrong with the connection or credentials is not. */
void
uploader_exchange_ok(struct uploader *u)
{
	uploader_alarm_clear(u, UPLOADER_ALARM_TLS);
	uploader_alarm_clear(u, UPLOADER_ALARM_AUTH);
	uploader_alarm_clear(u, UPLOADER_ALARM_FORBIDDEN);
	uploader_alarm_clear(u, UPLOADER_ALARM_STATUS);
}

int64_t
uploader_retry_after(const struct uploader_xfer *x)
{
	int64_t s;

	if (x->retry_after[0] == '\0' ||
	    uploader_retry_after_parse(x->retry_after, clock_wall_ms() / 1000, &s) < 0)
		return -1;
	return s;
}

int64_t
uploader_backoff_for(const struct uploader *u, int failures, int64_t retry_after_s)
{
	int64_t cap = (int64_t)u->cfg->upload.backoff_max_s * 1000;
	int64_t d = uploader_backoff_ms(failures > 0 ? failures - 1 : 0,
	                                BACKOFF_BASE_MS < cap ? BACKOFF_BASE_MS : cap, cap,
	                                randombytes_random());

	if (retry_after_s >= 0) {
		int64_t ra_cap = cap > RETRY_AFTER_MAX_MS ? cap : RETRY_AFTER_MAX_MS;
		int64_t ra = retry_after_s > ra_cap / 1000 ? ra_cap : retry_after_s * 1000;

		if (ra > d)
			d = ra;
	}
	return d;
}

/* --- the pump: one batch at a time --- */

static void
arm_pump(struct uploader *u, int64_t delay_ms)
{
	struct timeval tv = {(time_t)(delay_ms / 1000), (suseconds_t)(delay_ms % 1000) * 1000};

	u->pump_due_ms = uploader_mono_ms() + delay_ms;
	evtimer_add(u->pump_ev, &tv);
}

static void
on_pump(evutil_socket_t fd, short what, void *arg)
{
	struct uploader *u = arg;

	u->pump_due_ms = 0;
	pump(u);
}

static void
backoff(struct uploader *u, int64_t retry_after_s)
{
	u->failures++;
	u->backoff_ms = uploader_backoff_for(u, u->failures, retry_after_s);
	u->backoff_until_ms = uploader_mono_ms() + u->backoff_ms;
	log_info("upload: next attempt in %.1f s (%d failures in a row)", u->backoff_ms / 1000.0,
	         u->failures);
	arm_pump(u, u->backoff_ms);
}

void
uploader_kick(struct uploader *u)
{
	int64_t now;

	if (u == NULL || u->ev_xfer || u->tok_xfer)
		return; /* the answer to what is in flight pumps again */
	now = uploader_mono_ms();
	if (u->backoff_until_ms > now)
		return; /* a tap does not cut a backoff short */
	if (u->pump_due_ms && u->pump_due_ms <= now + KICK_DELAY_MS)
		return;
	arm_pump(u, KICK_DELAY_MS);
}

static void on_token_done(struct uploader_xfer *x, void *arg);

void
uploader_token_fetch(struct uploader *u)
{
	char err[300];
	struct uploader_xfer *x;

	if (u->tok_xfer)
		return;
	x = uploader_auth_token_request(u->auth, u->http, err, sizeof(err));
	if (x && uploader_xfer_start(x, on_token_done, u) < 0) {
		uploader_xfer_free(x);
		x = NULL;
		snprintf(err, sizeof(err), "cannot start it");
	}
	if (x == NULL) {
		uploader_note_error(u, "token request: %s", err);
		backoff(u, -1);
		return;
	}
	u->tok_xfer = x;
}

static void
on_token_done(struct uploader_xfer *x, void *arg)
{
	struct uploader *u = arg;
	char err[300];
	int refused, rc;

	u->tok_xfer = NULL;
	uploader_count(u, UPLOADER_EP_TOKEN, x);
	rc = uploader_auth_token_done(u->auth, x, uploader_mono_ms(), &refused, err, sizeof(err));
	if (rc < 0) {
		if (x->code != CURLE_OK)
			uploader_transport_failed(u, "token request", x);
		else
			uploader_note_error(u, "%s", err);
		if (refused)
			uploader_alarm_raise(u, UPLOADER_ALARM_TOKEN, "%s", err);
		uploader_xfer_free(x);
		backoff(u, -1);
		if (u->roster_wants_token)
			uploader_roster_retry(u, u->backoff_ms);
		return;
	}
	uploader_xfer_free(x);
	uploader_alarm_clear(u, UPLOADER_ALARM_TOKEN);
	uploader_alarm_clear(u, UPLOADER_ALARM_TLS);
	pump(u);
	if (u->roster_wants_token) {
		u->roster_wants_token = 0;
		uploader_roster_tick(u);
	}
}

static void on_events_done(struct uploader_xfer *x, void *arg);

/* Events whose stored text is not an object would spoil every batch: dead-letter them. */
static int
drop_unsendable(struct uploader *u, const struct store_event *evs, int n)
{
	int dropped = 0;

	for (int i = 0; i < n && dropped < UPLOADER_STEP; i++) {
		if (uploader_event_sendable(evs[i].json))
			continue;
		log_err("upload: event %s (seq %lld) is not a JSON object in the outbox; "
		        "dead-lettering it",
		        evs[i].id, (long long)evs[i].seq);
		if (store_outbox_mark(u->store, evs[i].id, "dead",
		                      "stored event is not a JSON object") == 0) {
			dropped++;
			u->mark_tx++;
			if (u->mark_rows_max < 1)
				u->mark_rows_max = 1;
		}
	}
	return dropped;
}

/*
 * Read the next batch UPLOADER_STEP events at a time, one read per turn of the loop.
 * 1: all read (u->load), 0: more to read, -1: database error (nothing kept).  Only
 * this uploader marks events, so the pending events after the last one read are
 * still the next ones in the next turn.
 */
static int
load_step(struct uploader *u, int want)
{
	struct store_event *part;
	int k, step;

	if (u->load.evs == NULL) {
		if ((u->load.evs = calloc((size_t)want, sizeof(*u->load.evs))) == NULL)
			return -1;
		u->load.want = want;
		u->load.n = 0;
	}
	step = u->load.want - u->load.n;
	if (step > UPLOADER_STEP)
		step = UPLOADER_STEP;
	if (store_outbox_pending(u->store, u->load.n ? u->load.evs[u->load.n - 1].seq : 0, step,
	                         &part, &k) < 0) {
		store_events_free(u->load.evs, u->load.n);
		memset(&u->load, 0, sizeof(u->load));
		return -1;
	}
	u->load_steps++;
	/* The events move; their strings stay where store_outbox_pending put them. */
	memcpy(u->load.evs + u->load.n, part, (size_t)k * sizeof(*part));
	u->load.n += k;
	free(part);
	return k == step && u->load.n < u->load.want ? 0 : 1;
}

static void
pump(struct uploader *u)
{
	struct store_event *evs;
	struct uploader_tls tls;
	struct uploader_xfer *x;
	int64_t now = uploader_mono_ms();
	char key[65];
	char *body;
	size_t len;
	int n, take;

	if (u->answer.evs) {
		/* Each step of a drain in a turn of its own: taps get in between. */
		if (write_answer(u) < 0)
			backoff(u, -1);
		else
			arm_pump(u, 0);
		return;
	}
	if (u->ev_xfer || u->tok_xfer)
		return;
	if (u->backoff_until_ms > now) {
		arm_pump(u, u->backoff_until_ms - now);
		return;
	}
	switch (load_step(u, uploader_plan_size(&u->plan, now))) {
	case -1:
		uploader_note_error(u, "database: cannot read the outbox");
		arm_pump(u, (int64_t)u->cfg->upload.interval_s * 1000);
		return;
	case 0:
		arm_pump(u, 0); /* the rest of the batch in the next turn */
		return;
	}
	evs = u->load.evs;
	n = u->load.n;
	memset(&u->load, 0, sizeof(u->load));
	if (n == 0) {
		free(evs);
		arm_pump(u, (int64_t)u->cfg->upload.interval_s * 1000);
		return;
	}
	if (uploader_auth_need_token(u->auth, now)) {
		store_events_free(evs, n);
		uploader_token_fetch(u);
		return;
	}
	take = uploader_plan_take(&u->plan, evs, n);
	if (drop_unsendable(u, evs, take) > 0) {
		store_events_free(evs, n);
		arm_pump(u, 0);
		return;
	}
	body = uploader_batch_body(u->cfg->kiosk.id, evs, take, &len);
	uploader_idempotency_key(evs, take, key);
	uploader_auth_tls(u->auth, &tls);
	x = body ? uploader_xfer_new(u->http, u->events_url, &tls, u->cfg->upload.connect_timeout_s,
	                             u->cfg->upload.timeout_s, EVENTS_RESP_MAX)
	         : NULL;
	if (x == NULL || uploader_xfer_header(x, "Content-Type: application/json") < 0 ||
	    uploader_xfer_header(x, "Idempotency-Key: %s", key) < 0 ||
	    uploader_auth_apply(u->auth, x) < 0) {
		free(body);
		uploader_xfer_free(x);
		store_events_free(evs, n);
		uploader_note_error(u, "out of memory building a batch");
		backoff(u, -1);
		return;
	}
	uploader_xfer_post(x, body, len);
	if (uploader_xfer_start(x, on_events_done, u) < 0) {
		uploader_xfer_free(x);
		store_events_free(evs, n);
		uploader_note_error(u, "cannot start the upload");
		backoff(u, -1);
		return;
	}
	u->ev_xfer = x;
	u->batch = evs;
	u->batch_loaded = n;
	u->batch_n = take;
	u->batches++;
	log_debug("upload: batch of %d events (seq %lld..%lld)", take, (long long)evs[0].seq,
	          (long long)evs[take - 1].seq);
}

/* The receiver's words on a refused batch, for the dead letter's reason. */
static void
refusal_reason(const struct uploader_xfer *x, char *out, size_t outlen)
{
	json_t *doc = x->resp ? json_loadb(x->resp, x->resp_len, 0, NULL) : NULL;
	const char *msg = json_string_value(json_object_get(doc, "error"));
	size_t j = 0;
	const char *p;

	if (msg == NULL)
		msg = json_string_value(json_object_get(doc, "reason"));
	j = (size_t)snprintf(out, outlen, "HTTP %ld", x->status);
	p = msg ? msg : x->resp;
	if (p && *p && j + 3 < outlen) {
		out[j++] = ':';
		out[j++] = ' ';
		for (; *p && j + 1 < outlen && j < 200; p++)
			out[j++] = (*p >= 0x20 && *p < 0x7f) ? *p : ' ';
		out[j] = '\0';
	}
	json_decref(doc);
}

/*
 * A 200: read the answer now, write what it says in the next turn of the loop
 * (write_answer).  Reading and writing are the two longest steps of a drain;
 * apart, a tap waits for one of them at most.
 */
static enum next
take_results(struct uploader *u, const struct uploader_xfer *x, struct store_event *evs, int loaded,
             int n)
{
	struct uploader_result *res = calloc((size_t)n, sizeof(*res));
	int unknown = 0, answered = 0;
	char err[300];

	if (res == NULL) {
		uploader_note_error(u, "out of memory reading an answer");
		return NEXT_BACKOFF;
	}
	if (uploader_results_parse(x->resp ? x->resp : "", x->resp_len, evs, n, res, &unknown, err,
	                           sizeof(err)) < 0) {
		/* A garbage answer is a failed attempt: every event stays pending. */
		uploader_note_error(u, "events: HTTP 200 with an invalid body: %s", err);
		free(res);
		return NEXT_BACKOFF;
	}
	uploader_exchange_ok(u);
	if (unknown)
		log_warn("upload: the answer names %d events that were not in the batch", unknown);
	for (int i = 0; i < n; i++)
		answered += res[i].status != UPLOADER_MISSING;
	if (answered == 0) {
		u->ev_missing += (uint64_t)n;
		uploader_note_error(u, "events: the receiver answered none of the %d events", n);
		free(res);
		return NEXT_BACKOFF;
	}
	u->answer.evs = evs;
	u->answer.loaded = loaded;
	u->answer.n = n;
	u->answer.res = res;
	return NEXT_NOW;
}

/*
 * Mark what the answer said, UPLOADER_STEP events per transaction and per call (the
 * pump calls again in the next turn of the loop until all are marked).  0, or -1:
 * what is not marked yet stays pending (sent again, it comes back as a duplicate).
 * The bookkeeping of a good answer is done when its last step is written.
 */
static int
write_answer(struct uploader *u)
{
	const struct store_event *evs = u->answer.evs;
	const struct uploader_result *res = u->answer.res;
	int from = u->answer.done, to = from + UPLOADER_STEP, nm = 0, rc = -1;
	struct store_outbox_mark marks[UPLOADER_STEP] = {{0}};

	if (to > u->answer.n)
		to = u->answer.n;
	for (int i = from; i < to; i++) {
		if (res[i].status == UPLOADER_ACCEPTED || res[i].status == UPLOADER_DUPLICATE)
			marks[nm++] =
			    (struct store_outbox_mark){evs[i].seq, evs[i].id, "delivered", NULL};
		else if (res[i].status == UPLOADER_REJECTED)
			marks[nm++] = (struct store_outbox_mark){evs[i].seq, evs[i].id, "dead",
			                                         res[i].reason};
		else
			u->answer.missing++;
	}
	if (store_outbox_mark_batch(u->store, marks, nm) < 0) {
		uploader_note_error(u, "database: cannot mark %d delivered events", nm);
		goto out;
	}
	if (nm) {
		u->mark_tx++;
		if ((uint64_t)nm > u->mark_rows_max)
			u->mark_rows_max = (uint64_t)nm;
	}
	for (int i = from; i < to; i++) {
		if (res[i].status == UPLOADER_ACCEPTED)
			u->ev_accepted++, u->answer.delivered++;
		else if (res[i].status == UPLOADER_DUPLICATE)
			u->ev_duplicate++, u->answer.delivered++;
		else if (res[i].status == UPLOADER_REJECTED) {
			u->ev_rejected++;
			log_warn("upload: event %s (seq %lld, %s) rejected, now a dead letter: %s",
			         evs[i].id, (long long)evs[i].seq, evs[i].type, res[i].reason);
		}
	}
	u->answer.done = to;
	if (to < u->answer.n)
		return 0; /* the next step in the next turn */
	u->ev_missing += (uint64_t)u->answer.missing;
	if (u->answer.missing)
		log_warn("upload: %d of %d events not answered; they stay pending",
		         u->answer.missing, u->answer.n);
	u->batches_ok++;
	uploader_plan_success(&u->plan);
	uploader_alarm_clear(u, UPLOADER_ALARM_TOO_LARGE);
	if (u->answer.delivered) {
		u->refused_alone = 0;
		uploader_alarm_clear(u, UPLOADER_ALARM_REFUSING);
	}
	u->failures = 0;
	u->retried_401 = 0;
	u->last_success_ms = uploader_wall_ms();
	u->last_error[0] = '\0';
	rc = 0;
out:
	free(u->answer.res);
	store_events_free(u->answer.evs, u->answer.loaded);
	memset(&u->answer, 0, sizeof(u->answer));
	return rc;
}

static enum next
take_refusal(struct uploader *u, const struct uploader_xfer *x, const struct store_event *evs,
             int n)
{
	char why[UPLOADER_REASON_MAX];
	int alone;

	uploader_exchange_ok(u);
	refusal_reason(x, why, sizeof(why));
	if (x->status == 413) {
		if (!uploader_plan_too_large(&u->plan, n, uploader_mono_ms())) {
			log_info("upload: %s for %d events; trying %d", why, n,
			         uploader_plan_size(&u->plan, uploader_mono_ms()));
			return NEXT_NOW;
		}
		/* Too large even alone: keep it pending, back off, tell a person. */
		uploader_alarm_raise(u, UPLOADER_ALARM_TOO_LARGE,
		                     "the receiver refuses even a batch of one event as too large "
		                     "(%s); event %s stays pending",
		                     why, evs[0].id);
		uploader_note_error(u, "events: %s for one event (%s kept pending)", why,
		                    evs[0].id);
		return NEXT_BACKOFF;
	}
	alone = uploader_plan_refused(&u->plan, n, evs[n - 1].seq);
	if (!alone) {
		log_info("upload: %s for %d events; trying %d", why, n,
		         uploader_plan_size(&u->plan, uploader_mono_ms()));
		return NEXT_NOW;
	}
	if (u->refused_alone >= REFUSED_ALONE_MAX) {
		uploader_alarm_raise(
		    u, UPLOADER_ALARM_REFUSING,
		    "%d events in a row refused on their own and nothing delivered; "
		    "not dead-lettering more: %s",
		    u->refused_alone, why);
		uploader_note_error(u, "events: %s (event %s kept pending)", why, evs[0].id);
		return NEXT_BACKOFF;
	}
	u->refused_alone++;
	/* One event that the receiver will never take: a dead letter, and the rest goes on. */
	if (store_outbox_mark(u->store, evs[0].id, "dead", why) < 0) {
		uploader_note_error(u, "database: cannot dead-letter event %s", evs[0].id);
		return NEXT_BACKOFF;
	}
	u->mark_tx++;
	if (u->mark_rows_max < 1)
		u->mark_rows_max = 1;
	u->ev_rejected++;
	log_warn("upload: event %s (seq %lld, %s) refused on its own, now a dead letter: %s",
	         evs[0].id, (long long)evs[0].seq, evs[0].type, why);
	return NEXT_NOW;
}

static void
on_events_done(struct uploader_xfer *x, void *arg)
{
	struct uploader *u = arg;
	struct store_event *evs = u->batch;
	int n = u->batch_n, loaded = u->batch_loaded;
	int64_t ra = -1;
	enum next next = NEXT_BACKOFF;

	u->ev_xfer = NULL;
	/* the batch is ours now: nothing for uploader_stop() to free twice */
	u->batch = NULL;
	u->batch_loaded = 0;
	uploader_count(u, UPLOADER_EP_EVENTS, x);
	if (x->code != CURLE_OK || x->too_big) {
		uploader_transport_failed(u, "events", x);
	} else if (x->status == 200) {
		next = take_results(u, x, evs, loaded, n);
	} else if (x->status == 400 || x->status == 422 || x->status == 413) {
		next = take_refusal(u, x, evs, n);
	} else if (x->status == 401) {
		if ((uploader_auth_bits(u->auth) & UPLOADER_AUTH_OAUTH) && !u->retried_401) {
			/* The token may have been revoked early: one fresh token, at once. */
			log_info("upload: HTTP 401; fetching a new token");
			uploader_auth_invalidate(u->auth);
			u->retried_401 = 1;
			next = NEXT_NOW;
		} else {
			u->retried_401 = 0;
			uploader_alarm_raise(u, UPLOADER_ALARM_AUTH,
			                     "the receiver refuses the "
			                     "kiosk's credentials (HTTP 401)");
			uploader_note_error(u, "events: HTTP 401");
		}
	} else if (x->status == 403) {
		uploader_alarm_raise(u, UPLOADER_ALARM_FORBIDDEN,
		                     "the receiver forbids this kiosk to upload (HTTP 403)");
		uploader_note_error(u, "events: HTTP 403");
	} else if (x->status == 408 || x->status == 429 || (x->status >= 500 && x->status < 600)) {
		ra = uploader_retry_after(x);
		uploader_note_error(u, "events: HTTP %ld%s%s", x->status,
		                    x->retry_after[0] ? ", Retry-After: " : "", x->retry_after);
	} else {
		uploader_alarm_raise(u, UPLOADER_ALARM_STATUS,
		                     "events: HTTP %ld, which the "
		                     "protocol does not know",
		                     x->status);
		uploader_note_error(u, "events: unexpected HTTP %ld", x->status);
	}
	if (u->answer.evs != evs) /* else write_answer frees them */
		store_events_free(evs, loaded);
	uploader_xfer_free(x);
	if (next == NEXT_NOW) {
		/*
		 * The next batch from the next turn of the loop, not from here: a tap
		 * that came in while this answer was marked goes first.
		 */
		u->backoff_ms = 0;
		arm_pump(u, 0);
	} else {
		backoff(u, ra);
	}
}

/* --- start and stop --- */

int
uploader_check_config(const struct config *cfg, char *err, size_t errlen)
{
	struct uploader_auth *a;
	const char *url = cfg->upload.base_url;

	if (strncmp(url, "https://", 8) != 0 || url[8] == '\0') {
		snprintf(err, errlen,
		         "[upload] base_url: expected an https:// URL (the kiosk talks "
		         "to the municipality over verified TLS only)");
		return -1;
	}
	if (strlen(url) + strlen(cfg->kiosk.id) + 32 > sizeof(((struct uploader *)0)->events_url)) {
		snprintf(err, errlen, "[upload] base_url: too long");
		return -1;
	}
	if (cfg->kiosk.id[0] == '\0' ||
	    strspn(cfg->kiosk.id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                          "0123456789-._~") != strlen(cfg->kiosk.id)) {
		snprintf(err, errlen,
		         "[kiosk] id: expected letters, digits, '-', '.', '_' or '~' "
		         "(it is part of the upload URL)");
		return -1;
	}
	/* libcurl is mapped only when an upload is configured (curl_dl.c). */
	if (curl_dl_load(err, errlen) < 0)
		return -1;
	if ((a = uploader_auth_new(cfg, err, errlen)) == NULL)
		return -1;
	uploader_auth_free(a);
	return 0;
}

struct uploader *
uploader_start(struct event_base *base, const struct config *cfg, struct store *store,
               const struct cardkey *key, char *err, size_t errlen)
{
	struct uploader *u;
	const char *url = cfg->upload.base_url;
	size_t ul = strlen(url);
	CURLcode cc;

	if (uploader_check_config(cfg, err, errlen) < 0)
		return NULL;
	if ((cc = curl_global_init(CURL_GLOBAL_DEFAULT)) != CURLE_OK) {
		snprintf(err, errlen, "upload: curl_global_init: %s", curl_easy_strerror(cc));
		return NULL;
	}
	if ((u = calloc(1, sizeof(*u))) == NULL) {
		curl_global_cleanup();
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	u->base = base;
	u->cfg = cfg;
	u->store = store;
	u->key = key;
	while (ul && url[ul - 1] == '/')
		ul--;
	snprintf(u->events_url, sizeof(u->events_url), "%.*s/v1/kiosks/%s/events", (int)ul, url,
	         cfg->kiosk.id);
	snprintf(u->roster_url, sizeof(u->roster_url), "%.*s/v1/kiosks/%s/roster", (int)ul, url,
	         cfg->kiosk.id);
	uploader_plan_init(&u->plan, cfg->upload.batch_max);
	if ((u->auth = uploader_auth_new(cfg, err, errlen)) == NULL ||
	    (u->http = uploader_http_new(base, err, errlen)) == NULL)
		goto fail;
	if ((u->pump_ev = evtimer_new(base, on_pump, u)) == NULL || uploader_roster_start(u) < 0 ||
	    uploader_housekeeping_start(u) < 0) {
		snprintf(err, errlen, "upload: cannot create timers");
		goto fail;
	}
	/* every upload step after the taps and the web (loop.h) */
	loop_prio(u->pump_ev, LOOP_PRIO_BACKGROUND);
	arm_pump(u, 0);
	uploader_roster_tick(u);
	log_info("upload: to %s as kiosk %s (auth %s, batches of up to %d)", url, cfg->kiosk.id,
	         cfg->upload.auth, cfg->upload.batch_max);
	return u;
fail:
	uploader_stop(u);
	return NULL;
}

void
uploader_stop(struct uploader *u)
{
	if (u == NULL)
		return;
	uploader_roster_stop(u);
	uploader_housekeeping_stop(u);
	if (u->ev_xfer)
		uploader_xfer_free(u->ev_xfer);
	if (u->tok_xfer)
		uploader_xfer_free(u->tok_xfer);
	store_events_free(u->batch, u->batch_loaded);
	free(u->answer.res);
	store_events_free(u->answer.evs, u->answer.loaded);
	store_events_free(u->load.evs, u->load.n);
	uploader_http_free(u->http);
	if (u->pump_ev)
		event_free(u->pump_ev);
	uploader_auth_free(u->auth);
	free(u);
	curl_global_cleanup();
}

/* --- visibility --- */

static json_t *
iso_or_null(int64_t wall_ms)
{
	char buf[32];
	time_t s = (time_t)(wall_ms / 1000);
	struct tm tm;

	if (wall_ms == 0)
		return json_null();
	gmtime_r(&s, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

static int
conflict_json(void *arg, const struct store_card_conflict *c)
{
	json_t *list = arg;

	if (json_array_size(list) >= 20)
		return 1; /* the count says how many; twenty are enough to read */
	json_array_append_new(
	    list,
	    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "card", c->key, "participant",
	              c->participant, "kiosk", c->revoked ? "revoked" : "enrolled", "roster",
	              strcmp(c->roster_says, "absent") == 0 ? "not on the roster" : c->roster_says,
	              "who", c->who, "since", ""));
	json_object_set_new(json_array_get(list, json_array_size(list) - 1), "since",
	                    iso_or_null(c->local_ms));
	return 0;
}

json_t *
uploader_status_json(struct uploader *u)
{
	json_t *conflicts = json_array();
	int nconf;
	int64_t now = uploader_mono_ms(), wall = uploader_wall_ms();
	json_t *j = json_object(), *alarms = json_array(), *roster, *dead = json_null();
	char id[40], reason[UPLOADER_REASON_MAX], etag[160] = "";
	int64_t dead_ms = 0, left;

	for (int a = 0; a < UPLOADER_NALARMS; a++)
		if (u->alarms[a].active)
			json_array_append_new(alarms,
			                      json_pack("{s:s, s:s, s:o}", "name", alarm_names[a],
			                                "message", u->alarms[a].message, "since",
			                                iso_or_null(u->alarms[a].since_ms)));
	if (store_outbox_last_dead(u->store, id, sizeof(id), reason, sizeof(reason), &dead_ms) == 0)
		dead = json_pack("{s:s, s:s, s:o}", "id", id, "reason", reason, "at",
		                 iso_or_null(dead_ms));
	store_meta_get(u->store, "upload.roster_etag", etag, sizeof(etag));
	roster =
	    json_pack("{s:s, s:s, s:o, s:o}", "etag", etag, "last_result",
	              u->roster_checked_ms ? uploader_roster_result_name(u->roster_last) : "none",
	              "last_check", iso_or_null(u->roster_checked_ms), "last_applied",
	              iso_or_null(u->roster_applied_ms));
	left = uploader_auth_token_left_s(u->auth, now);
	json_object_set_new(j, "last_success", iso_or_null(u->last_success_ms));
	json_object_set_new(j, "last_success_age_s",
	                    u->last_success_ms ? json_integer((wall - u->last_success_ms) / 1000)
	                                       : json_null());
	json_object_set_new(j, "last_attempt", iso_or_null(u->last_attempt_ms));
	json_object_set_new(j, "last_error", json_string(u->last_error));
	json_object_set_new(j, "failures_in_a_row", json_integer(u->failures));
	json_object_set_new(
	    j, "backoff_s",
	    json_real(u->backoff_until_ms > now ? (u->backoff_until_ms - now) / 1000.0 : 0.0));
	json_object_set_new(j, "in_flight", json_integer(u->ev_xfer ? u->batch_n : 0));
	json_object_set_new(j, "batch_size", json_integer(uploader_plan_size(&u->plan, now)));
	json_object_set_new(j, "alarms", alarms);
	json_object_set_new(j, "last_dead_letter", dead);
	json_object_set_new(j, "roster", roster);
	/* Cards changed here that a newer roster contradicts: the kiosk keeps its change. */
	nconf = store_card_conflicts(u->store, conflict_json, conflicts);
	json_object_set_new(j, "card_conflicts", json_integer(nconf > 0 ? nconf : 0));
	json_object_set_new(j, "card_conflict_list", conflicts);
	if (uploader_auth_bits(u->auth) & UPLOADER_AUTH_OAUTH)
		json_object_set_new(j, "token_left_s",
		                    left >= 0 ? json_integer(left) : json_null());
	return j;
}

int
uploader_health(struct uploader *u, json_t *check)
{
	json_t *st = uploader_status_json(u);
	int ok = json_array_size(json_object_get(st, "alarms")) == 0;

	json_object_update(check, st);
	json_decref(st);
	return ok;
}

void
uploader_metrics(struct uploader *u, struct evbuffer *out)
{
	int64_t now = uploader_mono_ms();

	evbuffer_add_printf(out, "# HELP stempel_upload_requests_total Requests to the municipal "
	                         "system by endpoint and HTTP status (or transport failure).\n"
	                         "# TYPE stempel_upload_requests_total counter\n");
	for (int i = 0; i < UPLOADER_STATUS_SLOTS && u->requests[i].status[0]; i++)
		evbuffer_add_printf(out,
		                    "stempel_upload_requests_total{endpoint=\"%s\",status=\"%s\"} "
		                    "%llu\n",
		                    endpoint_names[u->requests[i].ep], u->requests[i].status,
		                    (unsigned long long)u->requests[i].n);
	evbuffer_add_printf(out,
	                    "# HELP stempel_upload_events_total Uploaded events by the "
	                    "receiver's answer.\n# TYPE stempel_upload_events_total counter\n"
	                    "stempel_upload_events_total{result=\"accepted\"} %llu\n"
	                    "stempel_upload_events_total{result=\"duplicate\"} %llu\n"
	                    "stempel_upload_events_total{result=\"rejected\"} %llu\n"
	                    "stempel_upload_events_total{result=\"missing\"} %llu\n",
	                    (unsigned long long)u->ev_accepted, (unsigned long long)u->ev_duplicate,
	                    (unsigned long long)u->ev_rejected, (unsigned long long)u->ev_missing);
	evbuffer_add_printf(out,
	                    "# HELP stempel_upload_batches_total Batches sent, and those "
	                    "answered with progress.\n# TYPE stempel_upload_batches_total counter\n"
	                    "stempel_upload_batches_total{result=\"sent\"} %llu\n"
	                    "stempel_upload_batches_total{result=\"ok\"} %llu\n",
	                    (unsigned long long)u->batches, (unsigned long long)u->batches_ok);
	evbuffer_add_printf(out,
	                    "# HELP stempel_upload_bytes_total Bytes of request and response "
	                    "bodies.\n# TYPE stempel_upload_bytes_total counter\n"
	                    "stempel_upload_bytes_total{direction=\"sent\"} %llu\n"
	                    "stempel_upload_bytes_total{direction=\"received\"} %llu\n",
	                    (unsigned long long)u->bytes_sent,
	                    (unsigned long long)u->bytes_received);
	evbuffer_add_printf(out, "# HELP stempel_roster_sync_total Roster requests by result.\n"
	                         "# TYPE stempel_roster_sync_total counter\n");
	for (int r = 0; r < UPLOADER_NROSTER; r++)
		evbuffer_add_printf(out, "stempel_roster_sync_total{result=\"%s\"} %llu\n",
		                    uploader_roster_result_name(r),
		                    (unsigned long long)u->roster_results[r]);
	evbuffer_add_printf(out, "# HELP stempel_upload_alarm 1 while an upload alarm is raised.\n"
	                         "# TYPE stempel_upload_alarm gauge\n");
	for (int a = 0; a < UPLOADER_NALARMS; a++)
		evbuffer_add_printf(out, "stempel_upload_alarm{name=\"%s\"} %d\n", alarm_names[a],
		                    u->alarms[a].active);
	evbuffer_add_printf(out,
	                    "# HELP stempel_outbox_pruned_total Delivered events deleted after "
	                    "keep_delivered_days.\n# TYPE stempel_outbox_pruned_total counter\n"
	                    "stempel_outbox_pruned_total %llu\n"
	                    "# HELP stempel_upload_heartbeats_total Status events queued.\n"
	                    "# TYPE stempel_upload_heartbeats_total counter\n"
	                    "stempel_upload_heartbeats_total %llu\n",
	                    (unsigned long long)u->pruned, (unsigned long long)u->heartbeats);
	evbuffer_add_printf(out,
	                    "# HELP stempel_outbox_mark_transactions_total Transactions that "
	                    "marked events delivered or dead.\n"
	                    "# TYPE stempel_outbox_mark_transactions_total counter\n"
	                    "stempel_outbox_mark_transactions_total %llu\n"
	                    "# HELP stempel_outbox_mark_rows_max The most events one such "
	                    "transaction marked.\n# TYPE stempel_outbox_mark_rows_max gauge\n"
	                    "stempel_outbox_mark_rows_max %llu\n"
	                    "# HELP stempel_outbox_read_steps_total Reads of the next batch, "
	                    "a step of at most 50 events each.\n"
	                    "# TYPE stempel_outbox_read_steps_total counter\n"
	                    "stempel_outbox_read_steps_total %llu\n",
	                    (unsigned long long)u->mark_tx, (unsigned long long)u->mark_rows_max,
	                    (unsigned long long)u->load_steps);
	metrics_gauge(out, "stempel_card_conflicts",
	              "Cards changed on the kiosk that a newer "
	              "roster contradicts.",
	              (double)(store_card_conflicts(u->store, NULL, NULL) > 0
	                           ? store_card_conflicts(u->store, NULL, NULL)
	                           : 0));
	metrics_gauge(out, "stempel_upload_backoff_seconds", "Time left before the next attempt.",
	              u->backoff_until_ms > now ? (u->backoff_until_ms - now) / 1000.0 : 0);
	metrics_gauge(out, "stempel_upload_failures_in_a_row", "Failed upload attempts in a row.",
	              u->failures);
	metrics_gauge(out, "stempel_upload_last_success_timestamp_seconds",
	              "When a batch last went through (0: never since start).",
	              u->last_success_ms / 1000.0);
}
