/*
 * web.c — evhttp on the daemon's loop.  Owns the listener, the route table,
 * the kiosk's server-sent-event clients, /healthz and /metrics.  Handlers never
 * block: a slow SSE client is dropped rather than allowed to queue without end.
 * Connections and streams are counted and capped ([web] max_connections,
 * max_streams: 503 beyond), and a full descriptor table pauses accepting
 * instead of spinning on EMFILE.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <time.h>

#include <netinet/in.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "addrlist.h"
#include "auth.h"
#include "clock.h"
#include "cmd/cmd.h"
#include "config.h"
#include "log.h"
#include "loop.h"
#include "stream.h"
#include "web.h"
#include "web_pages.h"
#include "web_tls.h"

/* A client that has not read this much of its stream is gone or stuck. */
#define SSE_MAX_QUEUED (256 * 1024)
#define SSE_PING_S 15
#define PREFIX_ROUTES 8
/*
 * Connections past max_connections are still accepted and answered 503; past
 * this many more the listener stops accepting until some close, so a flood
 * holds at most max_connections + WEB_OVERFLOW descriptors.
 */
#define WEB_OVERFLOW 64
/* After accept() fails (EMFILE: no descriptor left) wait this long before trying again. */
#define ACCEPT_PAUSE_S 1
#define ACCEPT_LOG_EVERY_S 60

struct sse_client {
	struct evhttp_request *req;
	struct web *w;
	enum web_sse_channel channel;
	LIST_ENTRY(sse_client) link;
};

/*
 * One accepted connection, counted from accept until evhttp frees it.
 * evhttp (2.1) has no connection limit and no hook when a connection goes, so
 * web.c makes each connection's bufferevent (evhttp_set_bevcb) and holds a
 * reference to it: evhttp's bufferevent_free() then clears the callbacks but
 * leaves the object, and conn_sweep() sees that and drops the reference,
 * which closes the socket.  (A pass-through filter's free callback would be
 * exact, but evhttp would close the socket before the filter's last bytes
 * were written.)
 */
struct web_conn {
	struct bufferevent *bev;
	int over; /* accepted past max_connections: its requests are answered 503 */
	LIST_ENTRY(web_conn) link;
};

/* A route's handler behind the connection-limit check. */
struct web_route_rec {
	struct web *w;
	web_handler fn;
	void *arg;
	LIST_ENTRY(web_route_rec) link;
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
	LIST_HEAD(, web_route_rec) routes;
	LIST_HEAD(, web_conn) conns;
	size_t nconns, nover;
	struct evconnlistener *lev;
	int accepting;        /* the listener is enabled */
	struct event *resume; /* ends an accept pause */
	struct event *sweep;  /* counts the connections evhttp has freed */
	int paused;           /* accept() failed: waiting for ACCEPT_PAUSE_S */
	time_t accept_logged; /* last accept-error log line */
	unsigned long accept_errors, accept_errors_logged;
	unsigned long refused_conns, refused_streams, kiosk_forbidden;
};

/* The one listener's owner: libevent hands the error callback evhttp's argument. */
static struct web *accept_owner;

int
web_cmd_status(int cmd_status)
{
	switch (cmd_status) {
	case CMD_OK:
		return 200;
	case CMD_NOT_FOUND:
		return 404;
	case CMD_CONFLICT:
		return 409;
	case CMD_FAILED:
		return 503;
	default:
		return 422;
	}
}

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
	struct sse_client *c = arg;

	/*
	 * The peer went away (EOF, error, timeout): evhttp has detached the
	 * unfinished request from the connection (evhttp_connection_incoming_fail)
	 * and left it to us.  Freeing the request here is what ends the stream;
	 * without it every closed stream leaked its request.  A request still
	 * attached (evhttp_free at shutdown) is freed by evhttp itself.
	 */
	if (evhttp_request_get_connection(c->req) == NULL)
		evhttp_request_free(c->req);
	sse_drop(c);
}

/* Bytes waiting to go out on a connection (and under it, for a filtering bufferevent). */
static size_t
conn_queued(struct bufferevent *bev)
{
	struct bufferevent *under = bufferevent_get_underlying(bev);
	size_t n = evbuffer_get_length(bufferevent_get_output(bev));

	if (under)
		n += evbuffer_get_length(bufferevent_get_output(under));
	return n;
}

static void
sse_send(struct sse_client *c, const char *text)
{
	struct evhttp_connection *conn = evhttp_request_get_connection(c->req);
	struct bufferevent *bev = conn ? evhttp_connection_get_bufferevent(conn) : NULL;
	struct evbuffer *buf;

	if (bev && conn_queued(bev) > SSE_MAX_QUEUED) {
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
	if (w->nclients[WEB_SSE_KIOSK] + w->nclients[WEB_SSE_BOARD] >=
	    (size_t)w->cfg->web.max_streams) {
		w->refused_streams++;
		evhttp_add_header(h, "Retry-After", "10");
		reply_text(req, 503, "text/plain",
		           "too many event streams open ([web] max_streams); try again later\n");
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
	/* the kiosk screen's stream carries the tap's answer: the tap's priority (loop.h) */
	if (ch == WEB_SSE_KIOSK)
		bufferevent_priority_set(
		    evhttp_connection_get_bufferevent(evhttp_request_get_connection(req)),
		    LOOP_PRIO_TAP);
	evhttp_connection_set_closecb(evhttp_request_get_connection(req), sse_closed, c);
	LIST_INSERT_HEAD(&w->clients, c, link);
	w->nclients[ch]++;
	sse_send(c, "retry: 1000\n\n");
	return 0;
}

/*
 * The kiosk stream names every participant who taps, so by default only the
 * kiosk's own screen gets it: 127.0.0.1 and ::1, where its browser connects to
 * "localhost".  [web] kiosk_from adds addresses and prefixes ("loopback" for
 * all of 127.0.0.0/8), and a screen elsewhere may present [web] kiosk_token as
 * ?token= or in the X-Kiosk-Token header.
 */
#define KIOSK_ITSELF "127.0.0.1 ::1"

static int
kiosk_allowed(struct web *w, struct evhttp_request *req)
{
	struct evhttp_connection *conn = evhttp_request_get_connection(req);
	const char *tok = w->cfg->web.kiosk_token;
	char *addr = NULL;
	ev_uint16_t port;

	if (conn)
		evhttp_connection_get_peer(conn, &addr, &port);
	if (addr &&
	    (addrlist_match(KIOSK_ITSELF, addr) || addrlist_match(w->cfg->web.kiosk_from, addr)))
		return 1;
	if (tok[0]) {
		const char *h =
		    evhttp_find_header(evhttp_request_get_input_headers(req), "X-Kiosk-Token");
		const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
		struct evkeyvalq args;
		int ok = h && auth_csrf_check(tok, h) == 0;

		TAILQ_INIT(&args);
		if (!ok && q && evhttp_parse_query_str(q, &args) == 0) {
			ok = auth_csrf_check(tok, evhttp_find_header(&args, "token")) == 0;
			evhttp_clear_headers(&args);
		}
		if (ok)
			return 1;
	}
	return 0;
}

static void
on_kiosk_events(struct evhttp_request *req, void *arg)
{
	struct web *w = arg;
	struct sse_client *c;

	if (!kiosk_allowed(w, req)) {
		w->kiosk_forbidden++;
		reply_text(req, 403, "text/plain",
		           "the kiosk's event stream is served to the kiosk screen only "
		           "([web] kiosk_from, kiosk_token)\n");
		return;
	}
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
	/* Not a check: the work left (participants to recompute), at the top level. */
	json_t *queue = json_incref(json_object_get(checks, "recompute_queue"));
	json_t *body;

	json_object_del(checks, "recompute_queue");
	body = json_pack("{s:s, s:o}", "status", ok ? "ok" : "failing", "checks", checks);
	if (body && queue)
		json_object_set(body, "recompute_queue", queue);
	json_decref(queue);
	web_reply_json(req, ok ? 200 : 503, body);
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
	evbuffer_add_printf(buf,
	                    "# HELP stempel_kiosk_clients Kiosk screens connected.\n"
	                    "# TYPE stempel_kiosk_clients gauge\n"
	                    "stempel_kiosk_clients %zu\n",
	                    w->nclients[WEB_SSE_KIOSK]);
	evbuffer_add_printf(buf,
	                    "# HELP stempel_web_connections Open HTTP connections.\n"
	                    "# TYPE stempel_web_connections gauge\n"
	                    "stempel_web_connections %zu\n"
	                    "# HELP stempel_web_streams Open event streams (kiosk and board).\n"
	                    "# TYPE stempel_web_streams gauge\n"
	                    "stempel_web_streams %zu\n",
	                    w->nconns, w->nclients[WEB_SSE_KIOSK] + w->nclients[WEB_SSE_BOARD]);
	evbuffer_add_printf(buf,
	                    "# HELP stempel_web_refused_total Requests answered 503 by a limit.\n"
	                    "# TYPE stempel_web_refused_total counter\n"
	                    "stempel_web_refused_total{limit=\"max_connections\"} %lu\n"
	                    "stempel_web_refused_total{limit=\"max_streams\"} %lu\n"
	                    "# HELP stempel_web_accept_errors_total Failed accept() calls "
	                    "(EMFILE: no descriptor left).\n"
	                    "# TYPE stempel_web_accept_errors_total counter\n"
	                    "stempel_web_accept_errors_total %lu\n"
	                    "# HELP stempel_web_kiosk_forbidden_total Kiosk event streams refused "
	                    "to other addresses.\n"
	                    "# TYPE stempel_web_kiosk_forbidden_total counter\n"
	                    "stempel_web_kiosk_forbidden_total %lu\n",
	                    w->refused_conns, w->refused_streams, w->accept_errors,
	                    w->kiosk_forbidden);
	evbuffer_add_printf(
	    buf,
	    "# HELP stempel_web_answers_streaming Long answers being rendered or "
	    "sent in chunks.\n"
	    "# TYPE stempel_web_answers_streaming gauge\n"
	    "stempel_web_answers_streaming %zu\n"
	    "# HELP stempel_web_answer_chunks_total Chunks of long answers sent.\n"
	    "# TYPE stempel_web_answer_chunks_total counter\n"
	    "stempel_web_answer_chunks_total %lu\n"
	    "# HELP stempel_web_answer_waits_total Times the rendering of an answer "
	    "waited for its client to take the chunks made.\n"
	    "# TYPE stempel_web_answer_waits_total counter\n"
	    "stempel_web_answer_waits_total %lu\n",
	    web_stream_alive(), web_stream_chunks_sent(), web_stream_waits());
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

/* --- connection limits --- */

static void
listener_update(struct web *w)
{
	int want = !w->paused && w->nconns < (size_t)w->cfg->web.max_connections + WEB_OVERFLOW;

	if (w->lev == NULL || want == w->accepting)
		return;
	if (want)
		evconnlistener_enable(w->lev);
	else
		evconnlistener_disable(w->lev);
	w->accepting = want;
}

/* Forget the connections evhttp has freed (their callbacks are cleared). */
static void
conn_sweep(struct web *w)
{
	struct web_conn *c, *next;

	for (c = LIST_FIRST(&w->conns); c; c = next) {
		bufferevent_data_cb rd, wr;
		bufferevent_event_cb ev;
		void *arg;

		next = LIST_NEXT(c, link);
		bufferevent_getcb(c->bev, &rd, &wr, &ev, &arg);
		if (ev != NULL || arg != NULL)
			continue;
		LIST_REMOVE(c, link);
		w->nconns--;
		if (c->over)
			w->nover--;
		bufferevent_decref(c->bev); /* the last reference: closes the socket */
		free(c);
	}
	listener_update(w);
}

static void
on_sweep(evutil_socket_t fd, short what, void *arg)
{
	conn_sweep(arg);
}

/* evhttp's bufferevent factory: every accepted connection comes through here. */
static struct bufferevent *
conn_new(struct event_base *base, void *arg)
{
	struct web *w = arg;
	struct web_conn *c;
	struct bufferevent *bev;

	conn_sweep(w);
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL; /* evhttp then makes a bufferevent of its own: served, not counted */
	bev = w->tls ? web_tls_bev(base, w->tls)
	             : bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		free(c);
		return NULL;
	}
	bufferevent_incref(bev);
	c->bev = bev;
	c->over = w->nconns >= (size_t)w->cfg->web.max_connections;
	LIST_INSERT_HEAD(&w->conns, c, link);
	w->nconns++;
	if (c->over)
		w->nover++;
	listener_update(w);
	return bev;
}

/* 1 if `req` came on a connection accepted past max_connections. */
static int
conn_over(struct web *w, struct evhttp_request *req)
{
	struct evhttp_connection *conn;
	struct bufferevent *bev;
	struct web_conn *c;

	if (w->nover == 0 || (conn = evhttp_request_get_connection(req)) == NULL)
		return 0;
	bev = evhttp_connection_get_bufferevent(conn);
	LIST_FOREACH(c, &w->conns, link)
	if (c->bev == bev)
		return c->over;
	return 0;
}

static void
dispatch(struct evhttp_request *req, void *arg)
{
	struct web_route_rec *r = arg;

	if (conn_over(r->w, req)) {
		struct evkeyvalq *h = evhttp_request_get_output_headers(req);

		r->w->refused_conns++;
		evhttp_add_header(h, "Connection", "close");
		evhttp_add_header(h, "Retry-After", "10");
		reply_text(req, 503, "text/plain",
		           "too many connections ([web] max_connections); try again later\n");
		return;
	}
	r->fn(req, r->arg);
}

static struct web_route_rec *
route_new(struct web *w, web_handler fn, void *arg)
{
	struct web_route_rec *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->w = w;
	r->fn = fn;
	r->arg = arg;
	LIST_INSERT_HEAD(&w->routes, r, link);
	return r;
}

static void
on_resume(evutil_socket_t fd, short what, void *arg)
{
	struct web *w = arg;

	w->paused = 0;
	listener_update(w);
}

/*
 * accept() failed.  Level-triggered, the listener would call again at once:
 * with no descriptor left (EMFILE) that was a busy loop writing a log line each
 * time.  Stop accepting for ACCEPT_PAUSE_S instead (connected clients, the
 * reader and the taps go on) and say so at most once a minute.
 */
static void
on_accept_error(struct evconnlistener *lev, void *arg)
{
	struct web *w = accept_owner;
	int e = EVUTIL_SOCKET_ERROR();
	struct timeval pause = {ACCEPT_PAUSE_S, 0};
	/* a rate limit, not a date: the monotonic clock */
	time_t now = (time_t)(clock_mono_ns() / 1000000000LL);

	if (w == NULL || w->lev != lev)
		return;
	w->accept_errors++;
	if (w->accept_logged == 0 || now - w->accept_logged >= ACCEPT_LOG_EVERY_S) {
		log_warn("web: cannot accept connections: %s (%zu open); pausing %d s at a time "
		         "(%lu failed accepts since the last report)%s",
		         strerror(e), w->nconns, ACCEPT_PAUSE_S,
		         w->accept_errors - w->accept_errors_logged,
		         e == EMFILE || e == ENFILE
		             ? "; raise LimitNOFILE or lower [web] max_connections"
		             : "");
		w->accept_logged = now;
		w->accept_errors_logged = w->accept_errors;
	}
	w->paused = 1;
	listener_update(w);
	if (w->resume)
		event_add(w->resume, &pause);
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
	struct web_route_rec *r = route_new(w, fn, arg);

	if (r == NULL || evhttp_set_cb(w->http, path, dispatch, r) != 0) {
		log_err("web: cannot register %s", path);
		return -1;
	}
	return 0;
}

struct event_base *
web_base(const struct web *w)
{
	return w->base;
}

/* Raise the soft descriptor limit to the hard one: each connection is a descriptor. */
static void
raise_nofile(const struct config *cfg)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < (rlim_t)cfg->web.max_connections + WEB_OVERFLOW + 64)
		log_warn("web: only %llu descriptors for [web] max_connections = %d; connections "
		         "may be refused early (raise LimitNOFILE)",
		         (unsigned long long)rl.rlim_cur, cfg->web.max_connections);
}

struct web *
web_start(struct event_base *base, const struct config *cfg, const struct web_hooks *hooks,
          char *err, size_t errlen)
{
	struct web *w = calloc(1, sizeof(*w));
	struct evhttp_bound_socket *sock;
	struct timeval ping = {SSE_PING_S, 0};
	static const struct {
		const char *path;
		web_handler fn;
	} builtin[] = {
	    {"/", on_root},           {"/kiosk", on_kiosk},     {"/kiosk/events", on_kiosk_events},
	    {"/healthz", on_healthz}, {"/metrics", on_metrics},
	};
	struct web_route_rec *gen;

	if (w == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->base = base;
	w->cfg = cfg;
	if (hooks)
		w->hooks = *hooks;
	LIST_INIT(&w->clients);
	LIST_INIT(&w->routes);
	LIST_INIT(&w->conns);
	raise_nofile(cfg);
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
	evhttp_set_bevcb(w->http, conn_new, w);
	evhttp_set_allowed_methods(w->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD);
	evhttp_set_max_headers_size(w->http, 16 * 1024);
	evhttp_set_max_body_size(w->http, 1024 * 1024);
	evhttp_set_timeout(w->http, 60);
	sock = evhttp_bind_socket_with_handle(w->http, cfg->web.listen, (ev_uint16_t)cfg->web.port);
	if (sock == NULL) {
		snprintf(err, errlen,
		         "[web] cannot listen on %s:%d (in use, or not an address here)",
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
	w->lev = evhttp_bound_socket_get_listener(sock);
	w->accepting = 1;
	w->resume = evtimer_new(base, on_resume, w);
	w->sweep = event_new(base, -1, EV_PERSIST, on_sweep, w);
	if (w->sweep) {
		struct timeval sec = {1, 0};

		event_add(w->sweep, &sec);
	}
	accept_owner = w;
	evconnlistener_set_error_cb(w->lev, on_accept_error);
	for (size_t i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
		web_route(w, builtin[i].path, builtin[i].fn, w);
	if ((gen = route_new(w, on_other, w)) != NULL)
		evhttp_set_gencb(w->http, dispatch, gen);
	w->ping = event_new(base, -1, EV_PERSIST, on_ping, w);
	if (w->ping)
		event_add(w->ping, &ping);
	log_info("web: serving %s://%s:%d/kiosk (at most %d connections, %d event streams)",
	         w->tls ? "https" : "http", cfg->web.listen, w->port, cfg->web.max_connections,
	         cfg->web.max_streams);
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
	struct web_conn *wc;
	struct web_route_rec *r;

	if (w == NULL)
		return;
	while ((c = LIST_FIRST(&w->clients)) != NULL) {
		evhttp_connection_set_closecb(evhttp_request_get_connection(c->req), NULL, NULL);
		evhttp_send_reply_end(c->req);
		sse_drop(c);
	}
	if (w->ping)
		event_free(w->ping);
	if (w->resume)
		event_free(w->resume);
	if (accept_owner == w)
		accept_owner = NULL;
	if (w->sweep)
		event_free(w->sweep);
	evhttp_free(w->http);
	/* evhttp has freed every connection: drop the references that kept them. */
	while ((wc = LIST_FIRST(&w->conns)) != NULL) {
		LIST_REMOVE(wc, link);
		bufferevent_decref(wc->bev);
		free(wc);
	}
	while ((r = LIST_FIRST(&w->routes)) != NULL) {
		LIST_REMOVE(r, link);
		free(r);
	}
	web_tls_free(w->tls);
	free(w);
}
