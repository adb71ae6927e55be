/*
 * nfc.c — the reader front: picks a backend, and carries UIDs and state changes
 * from the backend's thread to the libevent loop through a pipe.  Each message is
 * one write() smaller than PIPE_BUF, so writes from any thread are atomic and the
 * loop never sees half a message.  The pipe is the only thing the threads share.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "config.h"
#include "log.h"
#include "loop.h"
#include "nfc_backend.h"

enum msg_type { MSG_TAP, MSG_STATUS };

struct nfc_msg {
	enum msg_type type;
	char uid[NFC_UID_MAX];
	long long seen_ns;
	struct nfc_reader_status status;
};

_Static_assert(sizeof(struct nfc_msg) < PIPE_BUF, "pipe messages must be atomic");

long long
nfc_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void
post(struct nfc_reader *r, const struct nfc_msg *m)
{
	ssize_t n;

	/* Blocking write: the loop drains fast; if it is slow the reader waits. */
	do
		n = write(r->pipe_wr, m, sizeof(*m));
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(*m))
		log_err("reader: cannot hand event to the loop: %s", strerror(errno));
}

void
nfc_reader_post_tap(struct nfc_reader *r, const char *uid, long long seen_ns)
{
	struct nfc_msg m = {.type = MSG_TAP, .seen_ns = seen_ns};

	snprintf(m.uid, sizeof(m.uid), "%s", uid);
	post(r, &m);
}

void
nfc_reader_post_status(struct nfc_reader *r, const struct nfc_reader_status *st)
{
	struct nfc_msg m = {.type = MSG_STATUS, .status = *st};

	post(r, &m);
}

void
nfc_reader_deliver_tap(struct nfc_reader *r, const char *uid, long long seen_ns)
{
	snprintf(r->status.last_uid, sizeof(r->status.last_uid), "%s", uid);
	r->status.last_seen_ns = seen_ns;
	if (r->on_tap)
		r->on_tap(r->arg, uid, seen_ns);
}

static void
on_pipe(evutil_socket_t fd, short what, void *arg)
{
	struct nfc_reader *r = arg;
	struct nfc_msg m;
	ssize_t n;

	/* Read at most a handful per wake-up so one chatty reader cannot starve the loop. */
	for (int i = 0; i < 64; i++) {
		n = read(fd, &m, sizeof(m));
		if (n != (ssize_t)sizeof(m))
			return;
		if (m.type == MSG_TAP) {
			nfc_reader_deliver_tap(r, m.uid, m.seen_ns);
		} else {
			char last[NFC_UID_MAX];
			long long seen = r->status.last_seen_ns;

			memcpy(last, r->status.last_uid, sizeof(last));
			r->status = m.status;
			if (r->status.last_seen_ns == 0) { /* keep what the loop saw */
				memcpy(r->status.last_uid, last, sizeof(last));
				r->status.last_seen_ns = seen;
			}
			if (r->on_status)
				r->on_status(r->arg, &r->status);
		}
	}
}

struct nfc_reader *
nfc_reader_open(struct event_base *base, const struct config *cfg, nfc_tap_fn on_tap,
                nfc_status_fn on_status, void *arg)
{
	struct nfc_reader *r;
	int fds[2];

	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->base = base;
	r->cfg = cfg;
	r->on_tap = on_tap;
	r->on_status = on_status;
	r->arg = arg;
	r->status.state = NFC_STATE_STARTING;
	r->ops = cfg->reader.driver == READER_LIBNFC ? &nfc_libnfc_ops : &nfc_sim_ops;

	if (pipe2(fds, O_CLOEXEC) < 0) {
		log_err("reader: pipe: %s", strerror(errno));
		free(r);
		return NULL;
	}
	r->pipe_rd = fds[0];
	r->pipe_wr = fds[1];
	evutil_make_socket_nonblocking(r->pipe_rd);
	r->pipe_ev = event_new(base, r->pipe_rd, EV_READ | EV_PERSIST, on_pipe, r);
	/* a UID goes before every other ready event of the loop (firmware/loop.h) */
	loop_prio(r->pipe_ev, LOOP_PRIO_TAP);
	if (r->pipe_ev == NULL || event_add(r->pipe_ev, NULL) < 0 || r->ops->start(r) < 0) {
		if (r->pipe_ev)
			event_free(r->pipe_ev);
		close(r->pipe_rd);
		close(r->pipe_wr);
		free(r);
		return NULL;
	}
	log_info("reader: %s backend started", r->ops->name);
	return r;
}

void
nfc_reader_close(struct nfc_reader *r)
{
	if (r == NULL)
		return;
	r->ops->stop(r);
	event_free(r->pipe_ev);
	close(r->pipe_rd);
	close(r->pipe_wr);
	free(r);
}

void
nfc_reader_status(const struct nfc_reader *r, struct nfc_reader_status *st)
{
	*st = r->status;
}

const char *
nfc_reader_state_name(enum nfc_reader_state s)
{
	switch (s) {
	case NFC_STATE_STARTING:
		return "starting";
	case NFC_STATE_CONNECTED:
		return "connected";
	case NFC_STATE_REOPENING:
		return "reopening";
	case NFC_STATE_STOPPED:
		return "stopped";
	}
	return "unknown";
}

int
nfc_uid_from_bytes(const unsigned char *uid, size_t len, char *out, size_t outlen)
{
	if ((len != 4 && len != 7 && len != 10) || outlen < len * 2 + 1)
		return -1;
	for (size_t i = 0; i < len; i++)
		snprintf(out + i * 2, 3, "%02X", uid[i]);
	return 0;
}

int
nfc_uid_normalize(const char *in, char *out, size_t outlen)
{
	unsigned char bytes[10];
	size_t n = 0;
	int half = -1;

	for (const char *p = in; *p; p++) {
		int v;

		if (*p == ':' || *p == '-' || *p == ' ') {
			if (half >= 0)
				return -1; /* separator inside a byte */
			continue;
		}
		if (!isxdigit((unsigned char)*p))
			return -1;
		v = isdigit((unsigned char)*p) ? *p - '0' : (toupper((unsigned char)*p) - 'A' + 10);
		if (half < 0) {
			half = v;
		} else {
			if (n == sizeof(bytes))
				return -1;
			bytes[n++] = (unsigned char)(half << 4 | v);
			half = -1;
		}
	}
	if (half >= 0)
		return -1;
	return nfc_uid_from_bytes(bytes, n, out, outlen);
}
