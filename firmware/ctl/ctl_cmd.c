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

#include "cmd/cmd.h"
#include "ctl.h"
#include "ctlsock.h"

/* 0 ok, 1 failed, 2 bad input or not found: stempelctl's exit codes. */
int
ctl_exit_code(int status)
{
	return status == CMD_OK ? 0 : status == CMD_FAILED ? 1 : 2;
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

/* Send one request, read one answer line; the exit code.  Takes fd. */
static int
remote(struct ctl *c, int fd, const char *name, json_t *args)
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
	int status = CMD_FAILED;

	json_decref(req);
	if (line == NULL || buf == NULL) {
		ctl_error("out of memory");
		goto out;
	}
	len = strlen(line);
	line[len++] = '\n'; /* json_dumps' NUL becomes the request's end */
	for (size_t w = 0; w < len; w += (size_t)n)
		if ((n = write(fd, line + w, len - w)) < 0) {
			ctl_error("control socket: %s", strerror(errno));
			goto out;
		}
	for (;;) {
		if (off + 1 >= cap) {
			char *nb = realloc(buf, cap *= 2);

			if (nb == NULL) {
				ctl_error("out of memory");
				goto out;
			}
			buf = nb;
		}
		if ((n = read(fd, buf + off, cap - off - 1)) < 0) {
			if (errno == EINTR)
				continue;
			ctl_error("control socket: %s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		off += (size_t)n;
	}
	buf[off] = '\0';
	if ((ans = json_loads(buf, 0, &jerr)) == NULL ||
	    !json_is_integer(json_object_get(ans, "status"))) {
		ctl_error("control socket: the daemon's answer is not understood: %.200s", buf);
		goto out;
	}
	status = (int)json_integer_value(json_object_get(ans, "status"));
	msg = json_string_value(json_object_get(ans, "message"));
	if (status == CMD_OK)
		printf("%s\n", msg ? msg : "");
	else
		ctl_error("%s", msg ? msg : "failed");
out:
	json_decref(ans);
	free(line);
	free(buf);
	close(fd);
	return ctl_exit_code(status);
}

int
ctl_cmd(struct ctl *c, const char *name, json_t *args)
{
	int fd;
	struct cmd_env env;
	struct cmd_ctx ctx;
	struct cmd_result r;
	int rc;

	if (args == NULL) {
		ctl_error("out of memory");
		return 1;
	}
	/*
	 * The daemon runs: it is the one writer, so the command goes to it.  No
	 * daemon: the same command function runs here, on the database.
	 */
	if ((fd = ctl_connect(c)) >= 0) {
		rc = remote(c, fd, name, args);
		json_decref(args);
		return rc;
	}
	if (errno != ENOENT && errno != ECONNREFUSED) {
		ctl_error("control socket of stempeld: %s", strerror(errno));
		json_decref(args);
		return 1;
	}
	if (ctl_open(c) < 0) {
		json_decref(args);
		return 1;
	}
	env = (struct cmd_env){.store = c->store, .cfg = &c->cfg, .key = &c->key};
	cmd_ctx_init(&ctx, &env, c->who);
	rc = cmd_dispatch(&ctx, name, args, &r);
	json_decref(args);
	if (rc < 0) {
		ctl_error("%s", r.msg);
		return ctl_exit_code(r.status);
	}
	if (r.msg[0])
		printf("%s\n", r.msg);
	cmd_result_free(&r);
	return 0;
}
