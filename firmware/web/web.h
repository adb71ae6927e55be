/*
 * web.h — the kiosk's HTTP server (evhttp on the daemon's loop): the kiosk
 * screen and its server-sent events, /healthz and /metrics.  Other pages
 * (teacher board, payroll API) register their own routes with web_route().
 */
#ifndef STEMPEL_WEB_H
#define STEMPEL_WEB_H

#include <stddef.h>

#include <jansson.h>

struct event_base;
struct evbuffer;
struct evhttp_request;
struct config;
struct web;

struct web_hooks {
	void *arg;
	/* Fill `checks` (a JSON object, one member per check); return 1 if all pass. */
	int (*health)(void *arg, json_t *checks);
	/* Append Prometheus text for the daemon's own metrics. */
	void (*metrics)(void *arg, struct evbuffer *out);
	/* The state a kiosk screen needs when it connects (reader, clock). New reference. */
	json_t *(*kiosk_state)(void *arg);
};

typedef void (*web_handler)(struct evhttp_request *req, void *arg);

/* Server-sent event streams: the public kiosk screen and the teacher board. */
enum web_sse_channel { WEB_SSE_KIOSK, WEB_SSE_BOARD, WEB_SSE_NCHANNELS };

/* Bind [web] listen:port and serve.  NULL with err on failure. */
struct web *web_start(struct event_base *base, const struct config *cfg,
                      const struct web_hooks *hooks, char *err, size_t errlen);
void web_stop(struct web *w);
/* Serve `path` (exact match) with `fn`. */
int web_route(struct web *w, const char *path, web_handler fn, void *arg);
/* Serve every other path starting with `prefix` with `fn` (first registered wins). */
int web_route_prefix(struct web *w, const char *prefix, web_handler fn, void *arg);
/*
 * Answer `req` as an event stream on channel `ch`; -1 if it was answered with
 * an error instead (405; 503 when [web] max_streams are open).
 */
int web_sse_open(struct web *w, struct evhttp_request *req, enum web_sse_channel ch);
/* Send one server-sent event to every client of channel `ch`. */
void web_sse_publish(struct web *w, enum web_sse_channel ch, const char *event, const json_t *data);
/* Send one server-sent event to every /kiosk/events client. */
void web_kiosk_publish(struct web *w, const char *event, const json_t *data);
/* Number of connected event-stream clients. */
size_t web_kiosk_clients(const struct web *w);
/* The loop the server runs on (for deferred work such as queued password checks). */
struct event_base *web_base(const struct web *w);
/* The port actually bound (for port 0 in tests). */
int web_port(const struct web *w);
/* CSP, X-Frame-Options DENY, nosniff, no referrer: every HTML page sends these. */
void web_security_headers(struct evhttp_request *req);
/* The /healthz checks (reader, database, clock, upload) into `checks`; 1 if all pass. */
int web_health(struct web *w, json_t *checks);
/* Reply with a JSON body and status. Steals `body`. */
void web_reply_json(struct evhttp_request *req, int status, json_t *body);
/*
 * The HTTP status of a refused command (enum cmd_status), the same for the board
 * and the API: bad input 422, not found 404, not now 409, storage 503.
 */
int web_cmd_status(int cmd_status);

#endif
