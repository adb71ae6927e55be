/*
 * ctl_cmd.c — how stempelctl runs a change: every write is a command of the
 * command layer (firmware/cmd/), named and with JSON arguments.  While stempeld
 * runs, it goes over the control socket; with the daemon stopped, the same
 * command function runs here on the database directly.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "ctl.h"

/* 0 ok, 1 failed, 2 bad input or not found: stempelctl's exit codes. */
int
ctl_exit_code(int status)
{
	return status == CMD_OK ? 0 : status == CMD_FAILED ? 1 : 2;
}

int
ctl_cmd(struct ctl *c, const char *name, json_t *args)
{
	struct cmd_env env;
	struct cmd_ctx ctx;
	struct cmd_result r;
	int rc;

	if (args == NULL) {
		ctl_error("out of memory");
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
