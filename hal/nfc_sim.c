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
#include "nfc_backend.h"

struct sim {
	struct evconnlistener *listener;
	char path[CONFIG_PATH_MAX];
};

static void
on_line(struct bufferevent *bev, void *arg)
{
	struct nfc_reader *r = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	char *line;
	size_t len;

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
			nfc_reader_post_tap(r, uid, nfc_now_ns());
			evbuffer_add_printf(bufferevent_get_output(bev), "ok %s\n", uid);
		}
		free(line);
	}
	if (evbuffer_get_length(in) > 256) /* no line this long is a UID */
		bufferevent_free(bev);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		bufferevent_free(bev);
}

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen, void *arg)
{
	struct bufferevent *bev;

	bev = bufferevent_socket_new(evconnlistener_get_base(l), fd, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		close(fd);
		return;
	}
	bufferevent_setcb(bev, on_line, NULL, on_event, arg);
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
