/*
 * http.c — libcurl's multi-socket API driven by the daemon's libevent loop
 * (curl's hiperfifo pattern): curl tells us which sockets to watch and when its
 * timer is due; libevent tells curl when they are ready.  No thread, no
 * blocking call: a tap never waits behind an upload.  Every transfer is HTTPS
 * with the peer certificate and host name verified, and has a connect and a
 * total timeout.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "log.h"
#include "loop.h"
#include "uploader_int.h"

struct uploader_http {
	struct event_base *base;
	CURLM *multi;
	struct event *timer;
	int running;
	struct uploader_xfer *xfers; /* running transfers */
};

/* What curl asked us to watch on one socket. */
struct sock {
	struct event *ev;
	struct uploader_http *h;
};

static void
check_done(struct uploader_http *h)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(h->multi, &left)) != NULL) {
		struct uploader_xfer *x = NULL, **pp;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		x->code = m->data.result;
		curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &x->status);
		{
			curl_off_t up = 0, down = 0;

			curl_easy_getinfo(x->easy, CURLINFO_SIZE_UPLOAD_T, &up);
			curl_easy_getinfo(x->easy, CURLINFO_SIZE_DOWNLOAD_T, &down);
			x->sent_bytes = up;
			x->recv_bytes = down;
		}
		curl_multi_remove_handle(h->multi, x->easy);
		for (pp = &h->xfers; *pp; pp = &(*pp)->next)
			if (*pp == x) {
				*pp = x->next;
				break;
			}
		x->running = 0;
		/* The callback may free x and start new transfers: both are safe here. */
		x->done(x, x->arg);
	}
}

static void
on_socket_ready(evutil_socket_t fd, short what, void *arg)
{
	struct uploader_http *h = arg;
	int action =
	    ((what & EV_READ) ? CURL_CSELECT_IN : 0) | ((what & EV_WRITE) ? CURL_CSELECT_OUT : 0);
	CURLMcode rc = curl_multi_socket_action(h->multi, fd, action, &h->running);

	if (rc != CURLM_OK)
		log_err("upload: curl_multi_socket_action: %s", curl_multi_strerror(rc));
	/*
	 * No evtimer_del when nothing runs: a callback in check_done may just have
	 * added the next transfer and armed the timer for it.  curl disarms it
	 * itself through timer_cb(-1).
	 */
	check_done(h);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct uploader_http *h = arg;
	CURLMcode rc = curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &h->running);

	if (rc != CURLM_OK)
		log_err("upload: curl_multi_socket_action: %s", curl_multi_strerror(rc));
	check_done(h);
}

/* CURLMOPT_SOCKETFUNCTION: watch `s` for what curl wants, or stop watching it. */
static int
socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct uploader_http *h = userp;
	struct sock *sk = socketp;
	short kind;

	if (what == CURL_POLL_REMOVE) {
		if (sk) {
			event_free(sk->ev);
			free(sk);
		}
		curl_multi_assign(h->multi, s, NULL);
		return 0;
	}
	kind = (short)(((what & CURL_POLL_IN) ? EV_READ : 0) |
	               ((what & CURL_POLL_OUT) ? EV_WRITE : 0) | EV_PERSIST);
	if (sk == NULL) {
		if ((sk = calloc(1, sizeof(*sk))) == NULL)
			return -1;
		sk->h = h;
		curl_multi_assign(h->multi, s, sk);
	} else {
		event_free(sk->ev);
	}
	sk->ev = event_new(h->base, s, kind, on_socket_ready, h);
	loop_prio(sk->ev, LOOP_PRIO_BACKGROUND);
	if (sk->ev == NULL || event_add(sk->ev, NULL) < 0) {
		log_err("upload: cannot watch socket %d", (int)s);
		return -1;
	}
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: curl wants to be called in timeout_ms (-1: never). */
static int
timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct uploader_http *h = userp;
	struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};

	if (timeout_ms < 0)
		evtimer_del(h->timer);
	else
		evtimer_add(h->timer, &tv); /* 0 too: curl must not be re-entered from here */
	return 0;
}

struct uploader_http *
uploader_http_new(struct event_base *base, char *err, size_t errlen)
{
	struct uploader_http *h = calloc(1, sizeof(*h));

	if (h == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->base = base;
	h->multi = curl_multi_init();
	h->timer = evtimer_new(base, on_timer, h);
	loop_prio(h->timer, LOOP_PRIO_BACKGROUND);
	if (h->multi == NULL || h->timer == NULL) {
		snprintf(err, errlen, "upload: cannot create the curl multi handle");
		uploader_http_free(h);
		return NULL;
	}
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	return h;
}

void
uploader_http_free(struct uploader_http *h)
{
	if (h == NULL)
		return;
	while (h->xfers)
		uploader_xfer_free(h->xfers);
	/* cleanup may still call socket_cb with CURL_POLL_REMOVE: h must be whole */
	if (h->multi)
		curl_multi_cleanup(h->multi);
	if (h->timer)
		event_free(h->timer);
	free(h);
}

static size_t
on_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct uploader_xfer *x = arg;
	size_t n = size * nmemb;

	if (x->resp_len + n > x->resp_max) {
		x->too_big = 1;
		return 0; /* curl stops with CURLE_WRITE_ERROR */
	}
	if (x->resp_len + n + 1 > x->resp_cap) {
		size_t cap = x->resp_cap ? x->resp_cap : 4096;
		char *r;

		while (cap < x->resp_len + n + 1)
			cap *= 2;
		if ((r = realloc(x->resp, cap)) == NULL)
			return 0;
		x->resp = r;
		x->resp_cap = cap;
	}
	memcpy(x->resp + x->resp_len, p, n);
	x->resp_len += n;
	x->resp[x->resp_len] = '\0';
	return n;
}

/* Keep the value of header `name` from a "Name: value\r\n" line. */
static void
keep_header(const char *line, size_t len, const char *name, char *out, size_t outlen)
{
	size_t nl = strlen(name);

	if (len <= nl + 1 || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
		return;
	line += nl + 1;
	len -= nl + 1;
	while (len && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}
	while (len && (line[len - 1] == '\r' || line[len - 1] == '\n' || line[len - 1] == ' '))
		len--;
	snprintf(out, outlen, "%.*s", (int)len, line);
}

static size_t
on_header(char *p, size_t size, size_t nmemb, void *arg)
{
	struct uploader_xfer *x = arg;
	size_t n = size * nmemb;

	/* A new status line (after 100 Continue, say) starts a new set of headers. */
	if (n >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		x->etag[0] = '\0';
		x->retry_after[0] = '\0';
	}
	keep_header(p, n, "ETag", x->etag, sizeof(x->etag));
	keep_header(p, n, "Retry-After", x->retry_after, sizeof(x->retry_after));
	return n;
}

struct uploader_xfer *
uploader_xfer_new(struct uploader_http *h, const char *url, const struct uploader_tls *tls,
                  int connect_timeout_s, int timeout_s, size_t resp_max)
{
	struct uploader_xfer *x = calloc(1, sizeof(*x));
	CURL *e;

	if (x == NULL)
		return NULL;
	if ((e = x->easy = curl_easy_init()) == NULL) {
		free(x);
		return NULL;
	}
	x->http = h;
	x->resp_max = resp_max;
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->error);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	/* Never turned off: a kiosk that talks to the wrong server leaks personal data. */
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (tls->ca_file && tls->ca_file[0])
		curl_easy_setopt(e, CURLOPT_CAINFO, tls->ca_file);
	if (tls->client_cert && tls->client_cert[0]) {
		curl_easy_setopt(e, CURLOPT_SSLCERT, tls->client_cert);
		curl_easy_setopt(e, CURLOPT_SSLKEY, tls->client_key);
	}
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, (long)connect_timeout_s);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)timeout_s);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "stempel/" STEMPEL_VERSION);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	if (uploader_xfer_header(x, "Accept: application/json") < 0) {
		uploader_xfer_free(x);
		return NULL;
	}
	return x;
}

int
uploader_xfer_header(struct uploader_xfer *x, const char *fmt, ...)
{
	struct curl_slist *l;
	char line[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	l = curl_slist_append(x->headers, line);
	/* the line may hold a token: wipe the copy on the stack */
	memset(line, 0, sizeof(line));
	if (l == NULL)
		return -1;
	x->headers = l;
	return 0;
}

void
uploader_xfer_post(struct uploader_xfer *x, char *body, size_t len)
{
	free(x->body);
	x->body = body;
	curl_easy_setopt(x->easy, CURLOPT_POST, 1L);
	curl_easy_setopt(x->easy, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(x->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
}

int
uploader_xfer_start(struct uploader_xfer *x, uploader_xfer_done done, void *arg)
{
	CURLMcode rc;

	x->done = done;
	x->arg = arg;
	/* No "Expect: 100-continue": it costs a round trip per batch. */
	if (x->body && uploader_xfer_header(x, "Expect:") < 0)
		return -1;
	curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->headers);
	rc = curl_multi_add_handle(x->http->multi, x->easy);
	if (rc != CURLM_OK) {
		log_err("upload: curl_multi_add_handle: %s", curl_multi_strerror(rc));
		return -1;
	}
	x->running = 1;
	x->next = x->http->xfers;
	x->http->xfers = x;
	return 0;
}

void
uploader_xfer_free(struct uploader_xfer *x)
{
	if (x == NULL)
		return;
	if (x->running) {
		struct uploader_xfer **pp;

		curl_multi_remove_handle(x->http->multi, x->easy);
		for (pp = &x->http->xfers; *pp; pp = &(*pp)->next)
			if (*pp == x) {
				*pp = x->next;
				break;
			}
	}
	curl_easy_cleanup(x->easy);
	curl_slist_free_all(x->headers);
	free(x->body);
	free(x->resp);
	free(x);
}

const char *
uploader_xfer_strerror(const struct uploader_xfer *x)
{
	if (x->too_big)
		return "response too large";
	if (x->code == CURLE_OK)
		return "ok";
	return x->error[0] ? x->error : curl_easy_strerror(x->code);
}
