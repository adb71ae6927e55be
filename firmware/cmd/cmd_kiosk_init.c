/*
 * cmd_kiosk_init.c — kiosk.init: `stempelctl init` set the kiosk up (config,
 * state directory, device key, database, admin account); the audit log records
 * who did it and with which settings.  The only change it makes is that entry.
 */
#include "cmd.h"

static int
exec(struct cmd_ctx *ctx, const void *args, struct cmd_result *r)
{
	const char *detail = args;

	if (cmd_audit(ctx, r, detail ? detail : "") < 0)
		return -1;
	r->msg[0] = '\0';
	return 0;
}

int
cmd_kiosk_init_json(struct cmd_ctx *ctx, json_t *args, struct cmd_result *r)
{
	const char *detail;

	if (cmd_arg_str(args, "detail", 1, &detail, r) < 0)
		return -1;
	return cmd_txn(ctx, "kiosk.init", exec, detail, r);
}
