/*
 * web.c — evhttp on the daemon's loop.  Owns the listener, the route table,
 * the kiosk's server-sent-event clients, /healthz and /metrics.  Handlers never
 * block: a slow SSE client is dropped rather than allowed to queue without end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <netinet/in.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "config.h"
#include "log.h"
#include "web.h"
#include "web_pages.h"
#include "web_tls.h"

/* A client that has not read this much of its stream is gone or stuck. */
#define SSE_MAX_QUEUED (256 * 1024)
#define SSE_PING_S 15
#define PREFIX_ROUTES 8

struct sse_client {
	struct evhttp_request *req;
	struct web *w;
	enum web_sse_channel channel;
	LIST_ENTRY(sse_client) link;
};

struct web {
	struct event_base *base;
	const struct config *cfg;
	struct web_hooks hooks;
	struct evhttp *http;
	int port;
	struct event *ping;
	LIST_HEAD(, sse_client) clients;
	size_t nclients[WEB_SSE_NCHANNELS];
	void *tls; /* SSL_CTX when [web] cert and key are set (web_tls.c) */
	struct {
		char prefix[64];
		web_handler fn;
		void *arg;
	} prefixes[PREFIX_ROUTES]; /* web_route_prefix(): paths with ids in them */
	size_t nprefixes;
};

void
web_reply_json(struct evhttp_request *req, int status, json_t *body)
{
	struct evbuffer *buf = evbuffer_new();
	char *s = json_dumps(body, JSON_COMPACT);

	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  "application/json");
	if (buf && s)
		evbuffer_add_printf(buf, "%s\n", s);
	evhttp_send_reply(req, status, status == 200 ? "OK" : "Error", buf);
	free(s);
	json_decref(body);
	if (buf)
		evbuffer_free(buf);
}

static void
reply_text(struct evhttp_request *req, int status, const char *ctype, const char *body)
{
	struct evbuffer *buf = evbuffer_new();

	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", ctype);
	if (buf)
		evbuffer_add(buf, body, strlen(body));
	evhttp_send_reply(req, status, status == 200 ? "OK" : "Error", buf);
	if (buf)
		evbuffer_free(buf);
}

void
web_security_headers(struct evhttp_request *req)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	evhttp_add_header(h, "Content-Security-Policy",
			  "default-src 'self'; script-src 'self' 'unsafe-inline'; "
			  "style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
			  "frame-ancestors 'none'");
}

/* --- kiosk screen and its event stream --- */

static void
sse_drop(struct sse_client *c)
{
	LIST_REMOVE(c, link);
	c->w->nclients[c->channel]--;
	free(c);
}

static void
sse_closed(struct evhttp_connection *conn, void *arg)
{
	sse_drop(arg);
}

static void
sse_send(struct sse_client *c, const char *text)
{
	struct evhttp_connection *conn = evhttp_request_get_connection(c->req);
	struct bufferevent *bev = conn ? evhttp_connection_get_bufferevent(conn) : NULL;
	struct evbuffer *buf;

	if (bev && evbuffer_get_length(bufferevent_get_output(bev)) > SSE_MAX_QUEUED) {
		log_warn("web: dropping an event client that stopped reading");
		evhttp_connection_set_closecb(conn, NULL, NULL);
		evhttp_send_reply_end(c->req);
		sse_drop(c);
		return;
	}
	buf = evbuffer_new();
	if (buf == NULL)
		return;
	evbuffer_add(buf, text, strlen(text));
	evhttp_send_reply_chunk(c->req, buf);
	evbuffer_free(buf);
}

static char *
sse_format(const char *event, const json_t *data)
{
	char *json = json_dumps(data, JSON_COMPACT);
	char *out = NULL;

	if (json && asprintf(&out, "event: %s\ndata: %s\n\n", event, json) < 0)
		out = NULL;
	free(json);
	return out;
}

void
web_sse_publish(struct web *w, enum web_sse_channel ch, const char *event, const json_t *data)
{
	struct sse_client *c, *next;
	char *text;

	if (w == NULL || w->nclients[ch] == 0)
		return;
	if ((text = sse_format(event, data)) == NULL)
		return;
	for (c = LIST_FIRST(&w->clients); c; c = next) {
		next = LIST_NEXT(c, link);
		if (c->channel == ch)
			sse_send(c, text);
	}
	free(text);
}

void
web_kiosk_publish(struct web *w, const char *event, const json_t *data)
{
	web_sse_publish(w, WEB_SSE_KIOSK, event, data);
}

size_t
web_kiosk_clients(const struct web *w)
{
	return w ? w->nclients[WEB_SSE_KIOSK] : 0;
}

static void
on_ping(evutil_socket_t fd, short what, void *arg)
{
	struct web *w = arg;
	struct sse_client *c, *next;

	for (c = LIST_FIRST(&w->clients); c; c = next) {
		next = LIST_NEXT(c, link);
		sse_send(c, ": ping\n\n");
	}
}

int
web_sse_open(struct web *w, struct evhttp_request *req, enum web_sse_channel ch)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct sse_client *c;

	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
		reply_text(req, 405, "text/plain", "method not allowed\n");
		return -1;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		reply_text(req, 503, "text/plain", "out of memory\n");
		return -1;
	}
	c->req = req;
	c->w = w;
	c->channel = ch;
	evhttp_add_header(h, "Content-Type", "text/event-stream; charset=utf-8");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Accel-Buffering", "no");
	evhttp_send_reply_start(req, 200, "OK");
	evhttp_connection_set_closecb(evhttp_request_get_connection(req), sse_closed, c);
	LIST_INSERT_HEAD(&w->clients, c, link);
	w->nclients[ch]++;
	sse_send(c, "retry: 1000\n\n");
	return 0;
}

static void
on_kiosk_events(struct evhttp_request *req, void *arg)
{
	struct web *w = arg;
	struct sse_client *c;

	if (web_sse_open(w, req, WEB_SSE_KIOSK) < 0)
		return;
	c = LIST_FIRST(&w->clients);
	/* A fresh screen learns the reader and clock state at once. */
	if (w->hooks.kiosk_state) {
		json_t *st = w->hooks.kiosk_state(w->hooks.arg);
		char *text = st ? sse_format("status", st) : NULL;

		if (text)
			sse_send(c, text);
		free(text);
		json_decref(st);
	}
}

static void
on_kiosk(struct evhttp_request *req, void *arg)
{
	web_security_headers(req);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Cache-Control", "no-store");
	reply_text(req, 200, "text/html; charset=utf-8", web_kiosk_html);
}

static void
on_root(struct evhttp_request *req, void *arg)
{
	evhttp_add_header(evhttp_request_get_output_headers(req), "Location", "/kiosk");
	evhttp_send_reply(req, 302, "Found", NULL);
}

/* --- health and metrics --- */

int
web_health(struct web *w, json_t *checks)
{
	return w->hooks.health ? w->hooks.health(w->hooks.arg, checks) : 1;
}

static void
on_healthz(struct evhttp_request *req, void *arg)
{
	struct web *w = arg;
	json_t *checks = json_object();
	int ok = web_health(w, checks);

	web_reply_json(req, ok ? 200 : 503,
		       json_pack("{s:s, s:o}", "status", ok ? "ok" : "failing", "checks", checks));
}

static void
on_metrics(struct evhttp_request *req, void *arg)
{
	struct web *w = arg;
	struct evbuffer *buf = evbuffer_new();

	if (buf == NULL) {
		evhttp_send_error(req, 503, NULL);
		return;
	}
	evbuffer_add_printf(buf, "# HELP stempel_kiosk_clients Kiosk screens connected.\n"
				 "# TYPE stempel_kiosk_clients gauge\n"
				 "stempel_kiosk_clients %zu\n", w->nclients[WEB_SSE_KIOSK]);
	if (w->hooks.metrics)
		w->hooks.metrics(w->hooks.arg, buf);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  "text/plain; version=0.0.4");
	evhttp_send_reply(req, 200, "OK", buf);
	evbuffer_free(buf);
}

static void
on_other(struct evhttp_request *req, void *arg)
{
	struct web *w = arg;
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));

	/* evhttp matches exact paths only; /api/v1/periods/7/stipend.csv comes here. */
	for (size_t i = 0; path && i < w->nprefixes; i++)
		if (strncmp(path, w->prefixes[i].prefix, strlen(w->prefixes[i].prefix)) == 0) {
			w->prefixes[i].fn(req, w->prefixes[i].arg);
			return;
		}
	reply_text(req, 404, "text/plain", "not found\n");
}

int
web_route_prefix(struct web *w, const char *prefix, web_handler fn, void *arg)
{
	if (w->nprefixes == PREFIX_ROUTES || strlen(prefix) >= sizeof(w->prefixes[0].prefix)) {
		log_err("web: cannot register %s*", prefix);
		return -1;
	}
	snprintf(w->prefixes[w->nprefixes].prefix, sizeof(w->prefixes[0].prefix), "%s", prefix);
	w->prefixes[w->nprefixes].fn = fn;
	w->prefixes[w->nprefixes++].arg = arg;
	return 0;
}

int
web_route(struct web *w, const char *path, web_handler fn, void *arg)
{
	if (evhttp_set_cb(w->http, path, fn, arg) != 0) {
		log_err("web: cannot register %s", path);
		return -1;
	}
	return 0;
}

struct web *
web_start(struct event_base *base, const struct config *cfg, const struct web_hooks *hooks,
	  char *err, size_t errlen)
{
	struct web *w = calloc(1, sizeof(*w));
	struct evhttp_bound_socket *sock;
	struct timeval ping = {SSE_PING_S, 0};

	if (w == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->base = base;
	w->cfg = cfg;
	if (hooks)
		w->hooks = *hooks;
	LIST_INIT(&w->clients);
	w->http = evhttp_new(base);
	if (w->http == NULL) {
		snprintf(err, errlen, "evhttp_new failed");
		free(w);
		return NULL;
	}
	if (cfg->web.cert[0] && (w->tls = web_tls_setup(w->http, cfg, err, errlen)) == NULL) {
		evhttp_free(w->http);
		free(w);
		return NULL;
	}
	evhttp_set_allowed_methods(w->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD);
	evhttp_set_max_headers_size(w->http, 16 * 1024);
	evhttp_set_max_body_size(w->http, 1024 * 1024);
	evhttp_set_timeout(w->http, 60);
	sock = evhttp_bind_socket_with_handle(w->http, cfg->web.listen, (ev_uint16_t)cfg->web.port);
	if (sock == NULL) {
		snprintf(err, errlen, "[web] cannot listen on %s:%d (in use, or not an address here)",
			 cfg->web.listen, cfg->web.port);
		evhttp_free(w->http);
		web_tls_free(w->tls);
		free(w);
		return NULL;
	}
	{
		struct sockaddr_storage ss;
		ev_socklen_t len = sizeof(ss);
		evutil_socket_t fd = evhttp_bound_socket_get_fd(sock);

		w->port = cfg->web.port;
		if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
			w->port = ss.ss_family == AF_INET6
					  ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
					  : ntohs(((struct sockaddr_in *)&ss)->sin_port);
	}
	evhttp_set_cb(w->http, "/", on_root, w);
	evhttp_set_cb(w->http, "/kiosk", on_kiosk, w);
	evhttp_set_cb(w->http, "/kiosk/events", on_kiosk_events, w);
	evhttp_set_cb(w->http, "/healthz", on_healthz, w);
	evhttp_set_cb(w->http, "/metrics", on_metrics, w);
	evhttp_set_gencb(w->http, on_other, w);
	w->ping = event_new(base, -1, EV_PERSIST, on_ping, w);
	if (w->ping)
		event_add(w->ping, &ping);
	log_info("web: serving %s://%s:%d/kiosk", w->tls ? "https" : "http", cfg->web.listen,
		 w->port);
	return w;
}

int
web_port(const struct web *w)
{
	return w->port;
}

void
web_stop(struct web *w)
{
	struct sse_client *c;

	if (w == NULL)
		return;
	while ((c = LIST_FIRST(&w->clients)) != NULL) {
		evhttp_connection_set_closecb(evhttp_request_get_connection(c->req), NULL, NULL);
		evhttp_send_reply_end(c->req);
		sse_drop(c);
	}
	if (w->ping)
		event_free(w->ping);
	evhttp_free(w->http);
	web_tls_free(w->tls);
	free(w);
}
