/*
 * ctl_cmd.c — how stempelctl runs a change: every write is a command of the
 * command layer (firmware/cmd/), named and with JSON arguments.  While stempeld
 * runs, it goes over the control socket; with the daemon stopped, the same
 * command function runs here on the database directly.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#include "attendance.h"
#include "cmd/cmd.h"
#include "ctl.h"
#include "ctlsock.h"
#include "period.h"

/* 0 ok, 1 failed, 2 bad input or not found: stempelctl's exit codes. */
int
ctl_exit_code(int status)
{
	return status == CMD_OK ? 0 : status == CMD_FAILED || status == CMD_CONFLICT ? 1 : 2;
}

/*
 * Connect to the running daemon's control socket.  -1 with errno ENOENT or
 * ECONNREFUSED: no daemon (run the command here); other errors are printed.
 */
int
ctl_connect(struct ctl *c)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	char path[CONFIG_PATH_MAX + 32];
	int fd, e;

	ctlsock_path(&c->cfg, path, sizeof(path));
	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Send one request, read one answer into r (status, message, data).  Takes fd. */
static void
remote(struct ctl *c, int fd, const char *name, json_t *args, struct cmd_result *r)
{
	const char *as = strchr(c->who, ':') ? strchr(c->who, ':') + 1 : c->who;
	json_t *req = json_pack("{s:s, s:O, s:s}", "cmd", name, "args", args, "as", as);
	char *line = req ? json_dumps(req, JSON_COMPACT) : NULL;
	size_t len, off = 0, cap = 4096;
	char *buf = malloc(cap);
	json_error_t jerr;
	json_t *ans = NULL;
	const char *msg;
	ssize_t n;

	json_decref(req);
	cmd_fail(r, CMD_FAILED, "%s", "out of memory");
	if (line == NULL || buf == NULL)
		goto out;
	len = strlen(line);
	line[len++] = '\n'; /* json_dumps' NUL becomes the request's end */
	for (size_t w = 0; w < len; w += (size_t)n)
		if ((n = write(fd, line + w, len - w)) < 0) {
			cmd_fail(r, CMD_FAILED, "control socket: %s", strerror(errno));
			goto out;
		}
	for (;;) {
		if (off + 1 >= cap) {
			char *nb = realloc(buf, cap *= 2);

			if (nb == NULL)
				goto out;
			buf = nb;
		}
		if ((n = read(fd, buf + off, cap - off - 1)) < 0) {
			if (errno == EINTR)
				continue;
			cmd_fail(r, CMD_FAILED, "control socket: %s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		off += (size_t)n;
	}
	buf[off] = '\0';
	if ((ans = json_loads(buf, 0, &jerr)) == NULL ||
	    !json_is_integer(json_object_get(ans, "status"))) {
		cmd_fail(r, CMD_FAILED,
		         "control socket: the daemon's answer is not understood: %.200s", buf);
		goto out;
	}
	msg = json_string_value(json_object_get(ans, "message"));
	r->status = (int)json_integer_value(json_object_get(ans, "status"));
	snprintf(r->msg, sizeof(r->msg), "%s", msg ? msg : "");
	r->data = json_incref(json_object_get(ans, "data"));
out:
	json_decref(ans);
	free(line);
	free(buf);
	close(fd);
}

/* Run the command on the database directly (daemon stopped). */
static void
local(struct ctl *c, const char *name, json_t *args, struct cmd_result *r)
{
	struct attendance *att = NULL;
	struct period *per = NULL;
	struct cmd_env env;
	struct cmd_ctx ctx;
	char err[512];

	memset(r, 0, sizeof(*r));
	if (ctl_open(c) < 0) {
		cmd_fail(r, CMD_FAILED, "%s", ""); /* ctl_open printed why */
		return;
	}
	/* The attendance and pay-period modules wired as in the daemon. */
	if (attendance_open(&att, c->store, &c->cfg, err, sizeof(err)) < 0 ||
	    period_open(&per, c->store, att, &c->cfg, err, sizeof(err)) < 0) {
		cmd_fail(r, CMD_FAILED, "%s", err);
		attendance_close(att);
		return;
	}
	attendance_on_change(att, period_on_change, per);
	/*
	 * Nobody listens for changes here: day results and pay adjustments are the
	 * daemon's, which recomputes everyone at its start (and only on a trusted
	 * clock, from its service date on).
	 */
	env = (struct cmd_env){
	    .store = c->store, .cfg = &c->cfg, .key = &c->key, .att = att, .period = per};
	cmd_ctx_init(&ctx, &env, c->who);
	cmd_dispatch(&ctx, name, args, r);
	period_free(per);
	attendance_close(att);
}

int
ctl_cmd_run(struct ctl *c, const char *name, json_t *args, struct cmd_result *r)
{
	int fd;

	memset(r, 0, sizeof(*r));
	if (args == NULL)
		return cmd_fail(r, CMD_FAILED, "%s", "out of memory");
	/*
	 * The daemon runs: it is the one writer, so the command goes to it.  No
	 * daemon: the same command function runs here, on the database.
	 */
	if ((fd = ctl_connect(c)) >= 0)
		remote(c, fd, name, args, r);
	else if (errno == EACCES)
		cmd_fail(r, CMD_FAILED,
		         "control socket of stempeld: %s (changes need root or the "
		         "group stempel)",
		         strerror(errno));
	else if (errno != ENOENT && errno != ECONNREFUSED)
		cmd_fail(r, CMD_FAILED, "control socket of stempeld: %s", strerror(errno));
	else
		local(c, name, args, r);
	json_decref(args);
	return r->status == CMD_OK ? 0 : -1;
}

int
ctl_cmd(struct ctl *c, const char *name, json_t *args)
{
	return ctl_cmd_nf(c, name, args, 2);
}

int
ctl_cmd_nf(struct ctl *c, const char *name, json_t *args, int not_found_exit)
{
	struct cmd_result r;

	if (ctl_cmd_run(c, name, args, &r) < 0) {
		if (r.msg[0])
			ctl_error("%s", r.msg);
		cmd_result_free(&r);
		return r.status == CMD_NOT_FOUND ? not_found_exit : ctl_exit_code(r.status);
	}
	if (r.msg[0])
		printf("%s\n", r.msg);
	cmd_result_free(&r);
	return 0;
}
