/*
 * nfc_sim.c — the simulated reader: a UNIX socket that takes one UID per line
 * ("04A1B2C3\n") and answers "ok" or "error: ...".  `stempelctl tap UID` and the
 * tests use it.  It runs on the loop itself; no thread is needed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "config.h"
#include "log.h"
#include "loop.h"
#include "nfc_backend.h"

/* UIDs handed over per turn of the loop; the rest wait for the next turn. */
#define SIM_BATCH 64

struct sim {
	struct evconnlistener *listener;
	char path[CONFIG_PATH_MAX];
};

struct sim_conn {
	struct nfc_reader *r;
	long long seen_ns; /* when the loop read the UIDs still waiting in the buffer */
	int more;          /* a batch was cut short: those UIDs keep their seen_ns */
};

static void
sim_conn_free(struct bufferevent *bev, struct sim_conn *c)
{
	bufferevent_free(bev);
	free(c);
}

static void
on_line(struct bufferevent *bev, void *arg)
{
	struct sim_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	char *line;
	size_t len;
	int n = 0;

	if (!c->more)
		c->seen_ns = nfc_now_ns();
	c->more = 0;
	while ((line = evbuffer_readln(in, &len, EVBUFFER_EOL_CRLF)) != NULL) {
		char uid[NFC_UID_MAX];

		if (len == 0) {
			free(line);
			continue;
		}
		if (nfc_uid_normalize(line, uid, sizeof(uid)) < 0) {
			evbuffer_add_printf(bufferevent_get_output(bev),
			                    "error: expected a UID of 4, 7 or 10 bytes in hex\n");
		} else {
			/*
			 * On the loop already: straight to the pipeline.  A blocking write
			 * into the reader pipe from here stopped the loop on itself once a
			 * few hundred UIDs were queued.
			 */
			nfc_reader_deliver_tap(c->r, uid, c->seen_ns);
			evbuffer_add_printf(bufferevent_get_output(bev), "ok %s\n", uid);
		}
		free(line);
		if (++n == SIM_BATCH) {
			/* The rest on a later turn, after the answers went out. */
			c->more = 1;
			bufferevent_trigger(bev, EV_READ,
			                    BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
			return;
		}
	}
	if (evbuffer_get_length(in) > 256) /* no line this long is a UID */
		sim_conn_free(bev, c);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		sim_conn_free(bev, arg);
}

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen, void *arg)
{
	struct sim_conn *c = calloc(1, sizeof(*c));
	struct bufferevent *bev;

	bev = c ? bufferevent_socket_new(evconnlistener_get_base(l), fd, BEV_OPT_CLOSE_ON_FREE)
	        : NULL;
	if (bev == NULL) {
		free(c);
		close(fd);
		return;
	}
	c->r = arg;
	/* the simulated reader's UIDs are taps: before every other ready event */
	bufferevent_priority_set(bev, LOOP_PRIO_TAP);
	bufferevent_setcb(bev, on_line, NULL, on_event, c);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

static int
sim_start(struct nfc_reader *r)
{
	struct sim *s = calloc(1, sizeof(*s));
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct nfc_reader_status st = {.state = NFC_STATE_CONNECTED};

	if (s == NULL)
		return -1;
	if (r->cfg->reader.socket[0])
		snprintf(s->path, sizeof(s->path), "%s", r->cfg->reader.socket);
	else
		config_state_path(r->cfg, "reader.sock", s->path, sizeof(s->path));
	if (strlen(s->path) >= sizeof(sun.sun_path)) {
		log_err("reader: socket path too long: %s", s->path);
		free(s);
		return -1;
	}
	strcpy(sun.sun_path, s->path);
	unlink(s->path);
	s->listener = evconnlistener_new_bind(r->base, on_accept, r,
	                                      LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 16,
	                                      (struct sockaddr *)&sun, sizeof(sun));
	if (s->listener == NULL) {
		log_err("reader: cannot listen on %s: %s", s->path, strerror(errno));
		free(s);
		return -1;
	}
	chmod(s->path, 0660);
	r->priv = s;
	log_info("reader: simulated, taking UIDs on %s", s->path);
	nfc_reader_post_status(r, &st);
	return 0;
}

static void
sim_stop(struct nfc_reader *r)
{
	struct sim *s = r->priv;

	if (s == NULL)
		return;
	evconnlistener_free(s->listener);
	unlink(s->path);
	free(s);
	r->priv = NULL;
}

const struct nfc_reader_ops nfc_sim_ops = {
    .name = "sim",
    .start = sim_start,
    .stop = sim_stop,
};
