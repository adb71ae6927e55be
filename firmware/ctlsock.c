/*
 * ctlsock.c — the control socket on the daemon's loop (ctlsock.h).  While the
 * daemon runs it is the only writer: stempelctl sends each change here and the
 * loop runs it through the command layer like a board form or an API call, so a
 * CLI change never holds the write lock a tap is waiting for, and the loop learns
 * what changed without triggers or polling.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
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
#include <jansson.h>

#include "cmd/cmd.h"
#include "config.h"
#include "ctlsock.h"
#include "log.h"

/* A roster import travels inline: allow a big one, refuse anything bigger. */
#define REQUEST_MAX (16 * 1024 * 1024)
#define GROUP "stempel"

struct ctlsock {
	struct evconnlistener *listener;
	const struct cmd_env *env;
	char path[CONFIG_PATH_MAX + 32];
};

struct conn {
	struct ctlsock *cs;
	char actor[80];
	uid_t uid;
	int refused; /* SO_PEERCRED said no: the answer says so, nothing runs */
};

void
ctlsock_path(const struct config *cfg, char *out, size_t outlen)
{
	config_state_path(cfg, "stempeld.sock", out, outlen);
}

/* Root, the daemon's own user, or a member of the group stempel (primary or not). */
static int
peer_allowed(uid_t uid, gid_t gid, const char *name)
{
	struct group *g;
	gid_t groups[64];
	int n = 64;

	if (uid == 0 || uid == geteuid())
		return 1;
	if ((g = getgrnam(GROUP)) == NULL)
		return 0;
	if (gid == g->gr_gid)
		return 1;
	if (name && getgrouplist(name, gid, groups, &n) >= 0)
		for (int i = 0; i < n; i++)
			if (groups[i] == g->gr_gid)
				return 1;
	return 0;
}

static void
conn_free(struct bufferevent *bev, struct conn *c)
{
	bufferevent_free(bev);
	free(c);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		conn_free(bev, arg);
}

static void
on_written(struct bufferevent *bev, void *arg)
{
	/* The answer is out: one request per connection. */
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		conn_free(bev, arg);
}

static void
answer(struct bufferevent *bev, struct conn *c, const struct cmd_result *r)
{
	json_t *j =
	    json_pack("{s:i, s:s, s:O?}", "status", r->status, "message", r->msg, "data", r->data);
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;

	json_decref(j);
	bufferevent_disable(bev, EV_READ);
	if (s == NULL || evbuffer_add_printf(bufferevent_get_output(bev), "%s\n", s) < 0) {
		free(s);
		conn_free(bev, c);
		return;
	}
	free(s);
	bufferevent_setcb(bev, NULL, on_written, on_event, c);
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct cmd_result r = {0};
	struct cmd_ctx ctx;
	json_error_t jerr;
	json_t *req, *args;
	const char *name, *as;
	size_t len;
	char *line;

	if ((line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF)) == NULL) {
		if (evbuffer_get_length(in) > REQUEST_MAX) {
			cmd_fail(&r, CMD_INVALID, "request: longer than %d bytes", REQUEST_MAX);
			answer(bev, c, &r);
		}
		return;
	}
	if (c->refused) {
		free(line);
		cmd_fail(&r, CMD_FAILED, "%s",
		         "permission denied: root or the group " GROUP " only");
		answer(bev, c, &r);
		return;
	}
	req = json_loadb(line, len, 0, &jerr);
	free(line);
	if (req == NULL || !json_is_object(req) || !json_is_string(json_object_get(req, "cmd"))) {
		cmd_fail(&r, CMD_INVALID, "request: expected {\"cmd\": NAME, \"args\": {...}}%s%s",
		         req ? "" : ": ", req ? "" : jerr.text);
		json_decref(req);
		answer(bev, c, &r);
		return;
	}
	name = json_string_value(json_object_get(req, "cmd"));
	args = json_object_get(req, "args");
	as = json_string_value(json_object_get(req, "as"));
	/*
	 * The actor is the peer's account.  Only root may name another person (sudo
	 * stempelctl passes SUDO_USER): anyone else could not be believed.
	 */
	cmd_ctx_init(&ctx, c->cs->env, c->actor);
	if (c->uid == 0 && as && *as && strlen(as) < 64 && !strchr(as, ':'))
		snprintf(ctx.actor, sizeof(ctx.actor), "cli:%s", as);
	cmd_dispatch(&ctx, name, args, &r);
	json_decref(req);
	answer(bev, c, &r);
	cmd_result_free(&r);
}

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen, void *arg)
{
	struct ctlsock *cs = arg;
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	struct passwd *pw;
	struct bufferevent *bev;
	struct conn *c;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0) {
		log_warn("ctlsock: SO_PEERCRED: %s", strerror(errno));
		close(fd);
		return;
	}
	pw = getpwuid(cred.uid);
	c = calloc(1, sizeof(*c));
	bev = c ? bufferevent_socket_new(evconnlistener_get_base(l), fd, BEV_OPT_CLOSE_ON_FREE)
	        : NULL;
	if (bev == NULL) {
		free(c);
		close(fd);
		return;
	}
	c->cs = cs;
	c->uid = cred.uid;
	/*
	 * A refused peer still gets its request read and one answer: closing on
	 * unread data would reset the connection before the client read why.
	 */
	if (!peer_allowed(cred.uid, cred.gid, pw ? pw->pw_name : NULL)) {
		log_warn("ctlsock: refused uid %ld (not root, not in group " GROUP ")",
		         (long)cred.uid);
		c->refused = 1;
	}
	if (pw)
		snprintf(c->actor, sizeof(c->actor), "cli:%s", pw->pw_name);
	else
		snprintf(c->actor, sizeof(c->actor), "cli:uid%ld", (long)cred.uid);
	bufferevent_setcb(bev, on_read, NULL, on_event, c);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

struct ctlsock *
ctlsock_start(struct event_base *base, const struct config *cfg, const struct cmd_env *env,
              char *err, size_t errlen)
{
	struct ctlsock *cs = calloc(1, sizeof(*cs));
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct group *g;
	char path[CONFIG_PATH_MAX + 32];

	if (cs == NULL) {
		snprintf(err, errlen, "control socket: out of memory");
		return NULL;
	}
	cs->env = env;
	ctlsock_path(cfg, path, sizeof(path));
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "control socket %s: path too long (max %zu bytes)", path,
		         sizeof(sun.sun_path) - 1);
		free(cs);
		return NULL;
	}
	snprintf(cs->path, sizeof(cs->path), "%s", path);
	strcpy(sun.sun_path, path);
	/* A socket left by a daemon that died: nobody answers on it any more. */
	unlink(path);
	cs->listener = evconnlistener_new_bind(base, on_accept, cs,
	                                       LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 16,
	                                       (struct sockaddr *)&sun, sizeof(sun));
	if (cs->listener == NULL) {
		snprintf(err, errlen, "control socket %s: %s", path, strerror(errno));
		free(cs);
		return NULL;
	}
	/* The file mode and group are a first fence; SO_PEERCRED decides. */
	chmod(path, 0660);
	if ((g = getgrnam(GROUP)) != NULL && chown(path, (uid_t)-1, g->gr_gid) < 0)
		log_warn("control socket %s: chown to group " GROUP ": %s", path, strerror(errno));
	log_info("control socket on %s", path);
	return cs;
}

void
ctlsock_stop(struct ctlsock *cs)
{
	if (cs == NULL)
		return;
	evconnlistener_free(cs->listener);
	unlink(cs->path);
	free(cs);
}
