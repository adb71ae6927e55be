/*
 * stream.c — chunked answers from the reports thread (see stream.h).  The producer
 * fills `fill`; each full chunk moves (no copy) to `queue` under the mutex and wakes
 * the loop through the stream's eventfd, which sends one chunk at a time and takes
 * the next when the connection has written the previous one.  Everything about the
 * request and the connection happens on the loop; the thread sees only the queue,
 * the flags and the eventfd.  It never calls into the loop's event base: libevent's
 * base lock, held by a thread that runs only when nothing else wants a CPU, made the
 * loop (and the taps behind it) wait (bench/MISSES.md, fourth round).  For the same
 * reason the loop frees no memory the thread allocated (free() takes the lock of
 * the thread's malloc arena): it copies each chunk into a buffer of its own and
 * hands the chunk back (`spent`), and the thread frees it at its next hand-over.
 * The answer's time goes out after the last chunk as a Server-Timing trailer.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/http_struct.h> /* req->major/minor/chunked: the trailer (send_end) */

#include "log.h"
#include "loop.h"
#include "reports.h"
#include "web/stream.h"

struct chunk {
	struct evbuffer *buf;
	struct chunk *next;
};

struct web_stream {
	/* loop only */
	struct evhttp_request *req; /* NULL once the client has gone or the reply ended */
	struct event *ready;        /* a chunk is queued, or the last one has left */
	int efd;                    /* the producer's wake-up: `ready` reads it */
	struct evbuffer *out;       /* the chunk being sent, copied into the loop's memory */
	int started, sending, finished, producer_done;
	int head_only; /* HEAD: the headers, no body (evhttp would never call on_sent) */
	int trailer;   /* HTTP/1.1 chunked: the Server-Timing trailer follows the last chunk */
	int64_t arrived_us;
	/* producer only */
	struct evbuffer *fill;
	struct reports *reports;
	/* shared, under mu */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct chunk *head, *tail;
	struct chunk *spent; /* sent: for the producer to free (its arena, not the loop's) */
	size_t queued;
	int complete;     /* web_stream_end: nothing more comes */
	int gone;         /* the client went away, or the loop cut the answer off */
	int64_t taken_ms; /* when the loop last took a chunk (the stall clock) */
	char timing[192]; /* the named parts so far: "compute;dur=12.3, " ... */
};

static atomic_size_t alive;
static atomic_ulong chunks_sent, waits;

size_t
web_stream_alive(void)
{
	return atomic_load(&alive);
}

unsigned long
web_stream_chunks_sent(void)
{
	return atomic_load(&chunks_sent);
}

unsigned long
web_stream_waits(void)
{
	return atomic_load(&waits);
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
web_stream_clock_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void
web_stream_since(struct web_stream *s, int64_t arrived_us)
{
	if (arrived_us < s->arrived_us)
		s->arrived_us = arrived_us;
}

void
web_stream_timing(struct web_stream *s, const char *name, double ms)
{
	size_t n;

	pthread_mutex_lock(&s->mu);
	n = strlen(s->timing);
	/* A part that does not fit is left out; the total is always there. */
	snprintf(s->timing + n, sizeof(s->timing) - n, "%s;dur=%.1f, ", name, ms);
	if (strlen(s->timing) == sizeof(s->timing) - 1)
		s->timing[n] = '\0';
	pthread_mutex_unlock(&s->mu);
}

/*
 * On the loop: the last chunk has been written; the end of the reply with the
 * answer's time as a trailer.  evhttp 2.1 writes no trailers: the last-chunk line, the
 * trailer and the empty line go to the connection here, and evhttp, told the
 * answer is not chunked any more, ends the reply after them as for any other answer.
 */
static void
send_end(struct web_stream *s)
{
	struct evhttp_request *req = s->req;
	struct evhttp_connection *conn = evhttp_request_get_connection(req);
	char timing[sizeof(s->timing)];

	if (s->trailer && req->chunked && conn != NULL) {
		struct evbuffer *o =
		    bufferevent_get_output(evhttp_connection_get_bufferevent(conn));
		double total = (double)(web_stream_clock_us() - s->arrived_us) / 1000.0;

		pthread_mutex_lock(&s->mu);
		memcpy(timing, s->timing, sizeof(timing));
		pthread_mutex_unlock(&s->mu);
		evbuffer_add_printf(o, "0\r\nServer-Timing: %stotal;dur=%.1f\r\n\r\n", timing,
		                    total);
		req->chunked = 0;
	}
	evhttp_send_reply_end(req);
}

static void
free_chunks(struct chunk *c)
{
	struct chunk *next;

	for (; c; c = next) {
		next = c->next;
		evbuffer_free(c->buf);
		free(c);
	}
}

static void
free_queue(struct web_stream *s)
{
	free_chunks(s->head);
	s->head = s->tail = NULL;
	s->queued = 0;
}

/* On the loop: a chunk it has copied (or skipped) goes back to the producer. */
static void
give_back(struct web_stream *s, struct chunk *c)
{
	pthread_mutex_lock(&s->mu);
	c->next = s->spent;
	s->spent = c;
	pthread_mutex_unlock(&s->mu);
}

/* On the loop: the chunk's bytes into `out`, in memory the loop allocates. */
static int
copy_out(struct web_stream *s, struct evbuffer *from)
{
	size_t len = evbuffer_get_length(from);
	struct evbuffer_iovec v;

	if (len == 0)
		return 0;
	if (evbuffer_reserve_space(s->out, (ev_ssize_t)len, &v, 1) != 1)
		return -1;
	evbuffer_copyout(from, v.iov_base, len);
	v.iov_len = len;
	return evbuffer_commit_space(s->out, &v, 1);
}

/* On the loop: free the stream once both sides are finished with it. */
static void
maybe_free(struct web_stream *s)
{
	if (!s->producer_done || s->req != NULL)
		return;
	event_free(s->ready);
	close(s->efd);
	evbuffer_free(s->out);
	free_queue(s);
	free_chunks(s->spent); /* the producer is done: the rest is the loop's to free */
	if (s->fill)
		evbuffer_free(s->fill);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
	atomic_fetch_sub(&alive, 1);
}

/* The producer must stop: it is woken from its wait and its writes fail from now on. */
static void
cut(struct web_stream *s)
{
	pthread_mutex_lock(&s->mu);
	s->gone = 1;
	free_queue(s);
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

static void
on_closed(struct evhttp_connection *conn, void *arg)
{
	struct web_stream *s = arg;

	(void)conn;
	/*
	 * The client went away mid-answer.  evhttp has detached the unfinished request
	 * and left it to us (as for an event stream, web.c); a request still attached
	 * (evhttp_free at shutdown) is freed by evhttp itself.
	 */
	if (evhttp_request_get_connection(s->req) == NULL)
		evhttp_request_free(s->req);
	s->req = NULL;
	cut(s);
	maybe_free(s);
}

/*
 * On the loop: end the reply without its last chunk and close the connection, so
 * the client sees the answer as broken.
 */
static void
abort_reply(struct web_stream *s)
{
	struct evhttp_connection *conn = evhttp_request_get_connection(s->req);

	if (conn == NULL) {
		evhttp_request_free(s->req);
	} else {
		evhttp_connection_set_closecb(conn, NULL, NULL);
		if (!s->started)
			/* Nothing sent yet: the proper status still can be. */
			evhttp_send_error(s->req, 503, NULL);
		else
			evhttp_connection_free(conn); /* frees the request too */
	}
	s->req = NULL;
	cut(s);
}

static void
on_sent(struct evhttp_connection *conn, void *arg)
{
	struct web_stream *s = arg;

	(void)conn;
	/* Not from inside evhttp's write callback: the next turn of the loop. */
	s->sending = 0;
	event_active(s->ready, EV_WRITE, 0);
}

/* On the loop: the next chunk if the connection has taken the previous one. */
static void
pump(struct web_stream *s)
{
	struct chunk *c;
	int complete;

	if (s->req == NULL || s->sending || s->finished)
		return;
	pthread_mutex_lock(&s->mu);
	if ((c = s->head) != NULL) {
		if ((s->head = c->next) == NULL)
			s->tail = NULL;
		s->queued -= evbuffer_get_length(c->buf);
		s->taken_ms = mono_ms();
		pthread_cond_broadcast(&s->cv);
	}
	complete = s->complete && s->head == NULL;
	pthread_mutex_unlock(&s->mu);
	if (c == NULL && !complete)
		return;
	if (!s->started) {
		/* Only a chunked answer can carry a trailer (HTTP/1.0: the body ends at close). */
		s->trailer = !s->head_only && s->req->major == 1 && s->req->minor == 1;
		if (s->trailer)
			evhttp_add_header(evhttp_request_get_output_headers(s->req), "Trailer",
			                  "Server-Timing");
		evhttp_send_reply_start(s->req, 200, "OK");
		s->started = 1;
	}
	if (c && s->head_only) {
		give_back(s, c);
		event_active(s->ready, EV_WRITE, 0);
		return;
	}
	if (c) {
		int copied = copy_out(s, c->buf);

		give_back(s, c);
		if (copied < 0) { /* out of memory: a broken answer, never a short one */
			abort_reply(s);
			maybe_free(s);
			return;
		}
		s->sending = 1;
		evhttp_send_reply_chunk_with_cb(s->req, s->out, on_sent, s);
		atomic_fetch_add(&chunks_sent, 1);
		return;
	}
	/* The end may close the connection (HTTP/1.0): that is not the client leaving. */
	s->finished = 1;
	evhttp_connection_set_closecb(evhttp_request_get_connection(s->req), NULL, NULL);
	send_end(s);
	s->req = NULL;
	maybe_free(s);
}

static void
on_ready(evutil_socket_t fd, short what, void *arg)
{
	if (what & EV_READ) /* not on_sent's event_active() */
		loop_woken(fd, "web: stream");
	pump(arg);
}

struct web_stream *
web_stream_new(struct event_base *base, struct evhttp_request *req, struct reports *reports)
{
	struct web_stream *s = calloc(1, sizeof(*s));
	struct evhttp_connection *conn = evhttp_request_get_connection(req);

	if (s == NULL)
		return NULL;
	s->efd = -1;
	if (conn == NULL || (s->fill = evbuffer_new()) == NULL ||
	    (s->out = evbuffer_new()) == NULL ||
	    (s->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0 ||
	    (s->ready = event_new(base, s->efd, EV_READ | EV_PERSIST, on_ready, s)) == NULL ||
	    event_add(s->ready, NULL) < 0) {
		if (s->ready)
			event_free(s->ready);
		if (s->efd >= 0)
			close(s->efd);
		if (s->out)
			evbuffer_free(s->out);
		if (s->fill)
			evbuffer_free(s->fill);
		free(s);
		return NULL;
	}
	s->req = req;
	s->head_only = evhttp_request_get_command(req) == EVHTTP_REQ_HEAD;
	s->reports = reports;
	s->taken_ms = mono_ms();
	s->arrived_us = web_stream_clock_us();
	pthread_mutex_init(&s->mu, NULL);
	{
		/* timed waits on the monotonic clock: a wall-clock jump neither ends nor
		 * stretches them (and the wall clock is clock.c's alone) */
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&s->cv, &ca);
		pthread_condattr_destroy(&ca);
	}
	evhttp_connection_set_closecb(conn, on_closed, s);
	atomic_fetch_add(&alive, 1);
	return s;
}

/* On the producer's thread: hand `fill` over as a chunk, waiting for room first. */
static int
hand_over(struct web_stream *s)
{
	struct chunk *c, *spent;
	int64_t since;
	int rc = 0;

	if (evbuffer_get_length(s->fill) == 0)
		return 0;
	if ((c = calloc(1, sizeof(*c))) == NULL || (c->buf = evbuffer_new()) == NULL) {
		free(c);
		return -1;
	}
	pthread_mutex_lock(&s->mu);
	/* The stall clock runs from the last chunk taken, or from now (not while queued). */
	since = mono_ms();
	if (!s->gone && s->queued >= WEB_STREAM_QUEUED)
		atomic_fetch_add(&waits, 1);
	while (!s->gone && s->queued >= WEB_STREAM_QUEUED) {
		struct timespec until;
		int64_t last = s->taken_ms > since ? s->taken_ms : since;

		if (reports_stopping(s->reports) || mono_ms() - last > WEB_STREAM_STALL_MS) {
			log_warn("web: %s; ending a streamed answer",
			         reports_stopping(s->reports) ? "stopping"
			                                      : "a client stopped reading");
			s->gone = 1;
			break;
		}
		/* Woken by the loop taking a chunk; the timeout only checks for a stop. */
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += 100 * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&s->cv, &s->mu, &until);
	}
	if (s->gone) {
		rc = -1;
	} else {
		evbuffer_add_buffer(c->buf, s->fill);
		s->queued += evbuffer_get_length(c->buf);
		if (s->tail)
			s->tail->next = c;
		else
			s->head = c;
		s->tail = c;
		c = NULL;
	}
	/* what the loop has copied and sent (during the wait too): freed in this arena */
	spent = s->spent;
	s->spent = NULL;
	pthread_mutex_unlock(&s->mu);
	free_chunks(spent);
	if (c) {
		evbuffer_free(c->buf);
		free(c);
	} else {
		loop_wake(s->efd, "web: stream");
	}
	return rc;
}

int
web_stream_add_buffer(struct web_stream *s, struct evbuffer *buf)
{
	if (evbuffer_add_buffer(s->fill, buf) < 0)
		return -1;
	return evbuffer_get_length(s->fill) >= WEB_STREAM_CHUNK ? hand_over(s) : 0;
}

int
web_stream_write(struct web_stream *s, const void *data, size_t len)
{
	if (evbuffer_add(s->fill, data, len) < 0)
		return -1;
	return evbuffer_get_length(s->fill) >= WEB_STREAM_CHUNK ? hand_over(s) : 0;
}

int
web_stream_end(struct web_stream *s)
{
	if (hand_over(s) < 0)
		return -1;
	pthread_mutex_lock(&s->mu);
	s->complete = !s->gone;
	pthread_mutex_unlock(&s->mu);
	loop_wake(s->efd, "web: stream");
	return s->complete ? 0 : -1;
}

void
web_stream_done(struct web_stream *s)
{
	int complete;

	pthread_mutex_lock(&s->mu);
	complete = s->complete;
	pthread_mutex_unlock(&s->mu);
	s->producer_done = 1;
	if (s->req == NULL) {
		maybe_free(s);
	} else if (!complete) {
		abort_reply(s);
		maybe_free(s);
	} else {
		pump(s); /* frees the stream when the reply has ended */
	}
}
