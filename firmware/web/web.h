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

/* Bind [web] listen:port and serve.  NULL with err on failure. */
struct web *web_start(struct event_base *base, const struct config *cfg,
		      const struct web_hooks *hooks, char *err, size_t errlen);
void web_stop(struct web *w);
/* Serve `path` (exact match) with `fn`. */
int web_route(struct web *w, const char *path, web_handler fn, void *arg);
/* Send one server-sent event to every /kiosk/events client. */
void web_kiosk_publish(struct web *w, const char *event, const json_t *data);
/* Number of connected event-stream clients. */
size_t web_kiosk_clients(const struct web *w);
/* The port actually bound (for port 0 in tests). */
int web_port(const struct web *w);
/* Reply with a JSON body and status. Steals `body`. */
void web_reply_json(struct evhttp_request *req, int status, json_t *body);

#endif
