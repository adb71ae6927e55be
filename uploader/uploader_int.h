/*
 * uploader_int.h — the uploader's insides, shared by its files and by the unit
 * tests (tests/unit/test_uploader_*.c): the pure protocol parts (batch body,
 * idempotency key, response and Retry-After parsing, backoff, batch planning,
 * token response, JWT), the curl-on-libevent transfer layer and the auth state.
 * Nothing outside uploader/ and its tests includes this file.
 */
#ifndef STEMPEL_UPLOADER_INT_H
#define STEMPEL_UPLOADER_INT_H

#include <stddef.h>
#include <stdint.h>

#include <pthread.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "config.h"

struct config;
struct event_base;
struct roster;
struct roster_job;
struct store_event;

/* --- proto.c: the wire format of PROTOCOL.md §1, pure functions --- */

enum uploader_status {
	UPLOADER_MISSING,   /* not in the results: stays pending */
	UPLOADER_ACCEPTED,  /* delivered */
	UPLOADER_DUPLICATE, /* delivered before: delivered */
	UPLOADER_REJECTED,  /* dead letter */
};

#define UPLOADER_REASON_MAX 256

struct uploader_result {
	enum uploader_status status;
	char reason[UPLOADER_REASON_MAX];
};

/*
 * {"kiosk_id": ..., "events": [...]} with "seq" added to each stored event
 * object.  malloc'd, length in *len; NULL if out of memory.
 */
char *uploader_batch_body(const char *kiosk_id, const struct store_event *evs, int n, size_t *len);
/* 1 if a stored event can go into a batch as it is (a JSON object's text). */
int uploader_event_sendable(const char *json);
/* Idempotency-Key: hex SHA-256 of the batch's event ids, each followed by "\n". */
void uploader_idempotency_key(const struct store_event *evs, int n, char out[65]);
/*
 * A 200 response: {"results": [{"id", "status", "reason"?}, ...]}.  Fills
 * out[i] for evs[i] (UPLOADER_MISSING when absent).  Anything malformed, an
 * unknown status or an id given twice makes the whole response invalid: -1
 * with the reason in err.  Ids not in the batch are ignored and counted in
 * *unknown.
 */
int uploader_results_parse(const char *body, size_t len, const struct store_event *evs, int n,
                           struct uploader_result *out, int *unknown, char *err, size_t errlen);
/*
 * Retry-After: delta-seconds or an HTTP date.  0 with the delay in seconds
 * (never negative) in *delay_s; -1 if the value is neither.
 */
int uploader_retry_after_parse(const char *value, int64_t now_s, int64_t *delay_s);
/*
 * Capped exponential backoff with full jitter: a delay uniformly in
 * [0, min(cap, base * 2^attempt)], picked by `rnd` (a uniform 32-bit number).
 */
int64_t uploader_backoff_ms(int attempt, int64_t base_ms, int64_t cap_ms, uint32_t rnd);

/*
 * Batch planning.  A whole-batch 400/422 halves the batch until the bad event
 * stands alone (bisection over the refused batch's seq range); a 413 halves it,
 * down to one event, and the smaller size is kept until a batch succeeds.
 */
struct uploader_plan {
	int batch_max;
	int limit;          /* after a 413: the size to stay under until a success; 0 = none */
	int64_t bisect_end; /* seq of the last event of a refused batch; 0 = none */
	int bisect_size;    /* batch size while bisecting */
};

void uploader_plan_init(struct uploader_plan *p, int batch_max);
/* How many events to load for the next batch. */
int uploader_plan_size(struct uploader_plan *p, int64_t now_ms);
/*
 * Of `n` loaded events (seq ascending), how many go into the batch: while
 * bisecting, only those up to the refused batch's end.  Ends the bisection
 * when the first event lies beyond it.
 */
int uploader_plan_take(struct uploader_plan *p, const struct store_event *evs, int n);
/* A whole-batch 400/422 for `n` events ending at `last_seq`.  1: n was 1, that event is bad. */
int uploader_plan_refused(struct uploader_plan *p, int n, int64_t last_seq);
/*
 * A 413 for `n` events.  1: n was 1, that event alone is too large (the caller
 * backs off and raises an alarm; the event stays pending).
 */
int uploader_plan_too_large(struct uploader_plan *p, int n, int64_t now_ms);
/* A batch was answered with 200: forget the 413 limit. */
void uploader_plan_success(struct uploader_plan *p);

/*
 * An OAuth2 token response {"access_token", "token_type": "Bearer",
 * "expires_in"?}.  0, or -1 with the reason in err (never the token).
 */
int uploader_token_parse(const char *body, size_t len, char *token, size_t toklen,
                         int64_t *expires_in_s, char *err, size_t errlen);
/* "error" and "error_description" of an OAuth2 error response, for the log. */
void uploader_token_error(const char *body, size_t len, char *out, size_t outlen);

/* --- jwt.c: the JWT-bearer assertion (RFC 7523, as Maskinporten takes it) --- */

struct uploader_jwt_claims {
	const char *iss;   /* client_id */
	const char *aud;   /* jwt_audience, or token_url */
	const char *scope; /* "" or NULL: none */
	const char *kid;   /* header kid, "" or NULL: none */
	const char *jti;   /* unique per assertion */
	int64_t iat;       /* seconds since the epoch */
	int lifetime_s;    /* exp = iat + lifetime_s */
};

/* Load a PEM private key (RSA >= 2048 bits or EC P-256). NULL with err. */
EVP_PKEY *uploader_jwt_load_key(const char *path, char *err, size_t errlen);
/* "RS256" or "ES256" for the key; NULL if the key cannot sign JWTs. */
const char *uploader_jwt_alg(EVP_PKEY *key);
/* header.claims.signature, base64url; malloc'd, or NULL with err. */
char *uploader_jwt_build(EVP_PKEY *key, const struct uploader_jwt_claims *c, char *err,
                         size_t errlen);

/* --- http.c: libcurl's multi-socket API on the libevent loop (hiperfifo) --- */

struct uploader_http;
struct uploader_xfer;
typedef void (*uploader_xfer_done)(struct uploader_xfer *x, void *arg);

/* TLS material every transfer uses; strings may be "" (not set). */
struct uploader_tls {
	const char *ca_file;
	const char *client_cert; /* only with mtls */
	const char *client_key;
};

struct uploader_xfer {
	struct uploader_http *http;
	CURL *easy;
	struct curl_slist *headers;
	char *body; /* request body, owned */
	char *resp; /* response body, NUL-terminated, owned */
	size_t resp_len, resp_cap, resp_max;
	int too_big;   /* the response passed resp_max: aborted */
	long status;   /* HTTP status, 0 if none arrived */
	CURLcode code; /* CURLE_OK if the transfer completed */
	char error[CURL_ERROR_SIZE];
	char etag[160];
	char retry_after[64];
	int64_t sent_bytes, recv_bytes;
	int running;
	uploader_xfer_done done;
	void *arg;
	struct uploader_xfer *next; /* in http's list of running transfers */
};

struct uploader_http *uploader_http_new(struct event_base *base, char *err, size_t errlen);
/* Frees every transfer still running without calling its callback. */
void uploader_http_free(struct uploader_http *h);
/*
 * A transfer with the options every request shares: HTTPS only, peer and host
 * verified, the CA file, connect and total timeouts, no redirects, no signals.
 */
struct uploader_xfer *uploader_xfer_new(struct uploader_http *h, const char *url,
                                        const struct uploader_tls *tls, int connect_timeout_s,
                                        int timeout_s, size_t resp_max);
/* Add "Name: value".  -1 if out of memory. */
int uploader_xfer_header(struct uploader_xfer *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Make it a POST of `body` (taken over). */
void uploader_xfer_post(struct uploader_xfer *x, char *body, size_t len);
/* Start; `done` runs on the loop when it ends, after which the caller frees x. */
int uploader_xfer_start(struct uploader_xfer *x, uploader_xfer_done done, void *arg);
/* Stop (if running) and free. */
void uploader_xfer_free(struct uploader_xfer *x);
/* A one-line description of how a failed transfer failed (never a secret). */
const char *uploader_xfer_strerror(const struct uploader_xfer *x);

/* --- auth.c: the modes, the token cache, the token request --- */

enum {
	UPLOADER_AUTH_BEARER = 1 << 0,
	UPLOADER_AUTH_MTLS = 1 << 1,
	UPLOADER_AUTH_OAUTH_CLIENT = 1 << 2,
	UPLOADER_AUTH_OAUTH_JWT = 1 << 3,
};
#define UPLOADER_AUTH_OAUTH (UPLOADER_AUTH_OAUTH_CLIENT | UPLOADER_AUTH_OAUTH_JWT)

struct uploader_auth;

/* Parse [upload] auth ("none", "mtls+oauth_jwt", ...).  -1 with err naming the key. */
int uploader_auth_modes(const char *s, unsigned *modes, char *err, size_t errlen);
/* Check every key the modes need, load the JWT key.  NULL with err naming the key. */
struct uploader_auth *uploader_auth_new(const struct config *cfg, char *err, size_t errlen);
void uploader_auth_free(struct uploader_auth *a);
unsigned uploader_auth_bits(const struct uploader_auth *a);
/* The TLS options for every transfer (CA file, client certificate with mtls). */
void uploader_auth_tls(const struct uploader_auth *a, struct uploader_tls *tls);
/* 1 if an OAuth token must be fetched before a request can go out. */
int uploader_auth_need_token(const struct uploader_auth *a, int64_t now_ms);
/* Add the Authorization header, if the modes call for one. */
int uploader_auth_apply(const struct uploader_auth *a, struct uploader_xfer *x);
/* The token request (client credentials or JWT bearer).  NULL with err. */
struct uploader_xfer *uploader_auth_token_request(struct uploader_auth *a, struct uploader_http *h,
                                                  char *err, size_t errlen);
/*
 * Take a finished token request: 0 and the token cached, or -1 with err;
 * *refused is 1 when the endpoint said no (400/401/403: needs a human).
 */
int uploader_auth_token_done(struct uploader_auth *a, const struct uploader_xfer *x, int64_t now_ms,
                             int *refused, char *err, size_t errlen);
/* Forget the cached token (after a 401). */
void uploader_auth_invalidate(struct uploader_auth *a);
/* Seconds the cached token has left; -1 if none. */
int64_t uploader_auth_token_left_s(const struct uploader_auth *a, int64_t now_ms);

/* --- uploader.c and roster_sync.c: the running uploader --- */

enum uploader_endpoint { UPLOADER_EP_EVENTS, UPLOADER_EP_ROSTER, UPLOADER_EP_TOKEN, UPLOADER_NEP };

enum uploader_alarm {
	UPLOADER_ALARM_AUTH,      /* 401 after a fresh token, or with a static credential */
	UPLOADER_ALARM_FORBIDDEN, /* 403 */
	UPLOADER_ALARM_TLS,       /* the server's certificate did not verify */
	UPLOADER_ALARM_TOKEN,     /* the token endpoint refused us */
	UPLOADER_ALARM_ROSTER,    /* the last roster failed validation */
	UPLOADER_ALARM_STATUS,    /* an HTTP status the protocol has no place for (404...) */
	UPLOADER_ALARM_REFUSING,  /* the receiver refuses event after event whole: not dead-lettered
	                           */
	UPLOADER_ALARM_TOO_LARGE, /* 413 to a batch of one event: it stays pending, we back off */
	UPLOADER_NALARMS
};

enum uploader_roster_result {
	UPLOADER_ROSTER_APPLIED,
	UPLOADER_ROSTER_NOT_MODIFIED,
	UPLOADER_ROSTER_REJECTED,
	UPLOADER_ROSTER_ERROR,
	UPLOADER_NROSTER
};

#define UPLOADER_STATUS_SLOTS 48

/* A roster body parsed and validated on a thread (roster_sync.c). */
struct uploader_roster_parse {
	pthread_t th;
	int running;
	struct event *ev; /* made active by the thread when it is done */
	char *body;
	size_t len;
	char etag[160];
	char dir[CONFIG_PATH_MAX];
	struct roster *r; /* the result, or NULL with err */
	int rc;
	char err[512];
};

struct uploader {
	struct event_base *base;
	const struct config *cfg;
	struct store *store;
	const struct cardkey *key;
	struct uploader_http *http;
	struct uploader_auth *auth;
	char events_url[512];
	char roster_url[512];

	/* events */
	struct event *pump_ev;
	int64_t pump_due_ms; /* monotonic; 0 = not armed */
	struct uploader_xfer *ev_xfer;
	struct store_event *batch;
	int batch_n, batch_loaded;
	struct uploader_plan plan;
	int failures; /* failed attempts in a row */
	int64_t backoff_ms, backoff_until_ms;
	int retried_401;
	struct { /* an answer read, its marks written UPLOADER_STEP at a time, a turn each */
		struct store_event *evs;
		int loaded, n, done, delivered, missing;
		struct uploader_result *res;
	} answer;
	struct { /* the next batch being read, UPLOADER_STEP events a turn */
		struct store_event *evs;
		int n, want;
	} load;
	/* bookkeeping steps: transactions, and the most rows any one of them wrote */
	uint64_t mark_tx, mark_rows_max, load_steps;
	int refused_alone; /* events refused on their own since the last delivery */

	/* token */
	struct uploader_xfer *tok_xfer;
	int roster_wants_token;

	/* roster */
	struct event *roster_ev;
	struct event *roster_step_ev; /* a roster being applied: one step per loop turn */
	struct roster *roster_new;
	struct uploader_roster_parse *roster_parse; /* a roster being parsed on a thread */
	struct roster_job *roster_job;
	char roster_new_etag[160];
	int64_t roster_job_started_ns;
	struct uploader_xfer *ro_xfer;
	int roster_failures;
	int roster_retried_401;
	enum uploader_roster_result roster_last;
	int64_t roster_checked_ms, roster_applied_ms; /* wall */
	void (*on_roster)(void *arg);                 /* uploader_on_roster() */
	void *on_roster_arg;

	/* housekeeping.c: heartbeat and retention */
	struct event *heartbeat_ev, *prune_ev;
	int64_t started_ms; /* monotonic */
	int (*health)(void *arg, json_t *checks);
	void *health_arg;
	uint64_t heartbeats, pruned;

	/* what /healthz and /metrics show */
	int64_t last_success_ms, last_attempt_ms; /* wall */
	char last_error[300];
	struct {
		int active;
		int64_t since_ms; /* wall */
		char message[300];
	} alarms[UPLOADER_NALARMS];
	struct {
		int ep;
		char status[16];
		uint64_t n;
	} requests[UPLOADER_STATUS_SLOTS];
	uint64_t ev_accepted, ev_duplicate, ev_rejected, ev_missing;
	uint64_t batches, batches_ok, bytes_sent, bytes_received;
	uint64_t roster_results[UPLOADER_NROSTER];
};

int64_t uploader_mono_ms(void);
int64_t uploader_wall_ms(void);
/*
 * Rows one step of bookkeeping may read or write (marking delivered or dead, reading
 * the next batch, deleting old delivered events): one step per turn of the loop, so
 * a tap waits behind one small transaction at most.
 */
#define UPLOADER_STEP 50

/* Record a finished transfer under its endpoint and status (or transport failure). */
void uploader_count(struct uploader *u, enum uploader_endpoint ep, const struct uploader_xfer *x);
/* Remember (and log) the last error. */
void uploader_note_error(struct uploader *u, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A transfer that did not complete: note why; a certificate failure raises the TLS alarm. */
void uploader_transport_failed(struct uploader *u, const char *what, const struct uploader_xfer *x);
void uploader_alarm_raise(struct uploader *u, enum uploader_alarm a, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void uploader_alarm_clear(struct uploader *u, enum uploader_alarm a);
/* An exchange went through: clear the alarms about the connection and the credentials. */
void uploader_exchange_ok(struct uploader *u);
const char *uploader_alarm_name(enum uploader_alarm a);
/* Fetch an access token unless one is on its way; events and roster go on when it comes. */
void uploader_token_fetch(struct uploader *u);
/* Backoff for `failures` failures, at least retry_after_s (-1: none), in ms. */
int64_t uploader_backoff_for(const struct uploader *u, int failures, int64_t retry_after_s);
/* The Retry-After of a response in seconds, -1 if none or unreadable. */
int64_t uploader_retry_after(const struct uploader_xfer *x);

/* roster_sync.c */
int uploader_roster_start(struct uploader *u);
void uploader_roster_stop(struct uploader *u);
/* Ask for the roster now (or once a token is there). */
void uploader_roster_tick(struct uploader *u);
/* The token request failed: try the roster again after `delay_ms`. */
void uploader_roster_retry(struct uploader *u, int64_t delay_ms);
const char *uploader_roster_result_name(enum uploader_roster_result r);

/* housekeeping.c: the heartbeat and retention timers */
int uploader_housekeeping_start(struct uploader *u);
void uploader_housekeeping_stop(struct uploader *u);

#endif
