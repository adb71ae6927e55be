/*
 * cmd_user.c — what the user commands share: a password arrives already hashed
 * (argon2id, made by stempelctl), so the daemon's loop never spends the hash's
 * memory and time, and the password never crosses the control socket.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "store.h"

int
cmd_user_pwhash_valid(const char *h)
{
	return h && strncmp(h, "$argon2id$", 10) == 0 && strlen(h) < 128;
}

/*
 * user.disable and user.enable: block or unblock an account.  Every session of
 * the user ends in the same transaction: a change of who may sign in applies at once.
 */
int
cmd_user_set_disabled(struct cmd_ctx *ctx, const struct cmd_user_args *a, int disabled,
                      struct cmd_result *r)
{
	char detail[96];
	int rc;

	if (a->username == NULL || !*a->username)
		return cmd_fail(r, CMD_INVALID, "%s", "username: required");
	rc = store_user_set_disabled(ctx->st, a->username, disabled);
	if (rc < 0)
		return cmd_fail_db(ctx, r, "user");
	if (rc == 1)
		return cmd_fail(r, CMD_FAILED, "no user '%.40s'", a->username);
	snprintf(detail, sizeof(detail), "user=%s", a->username);
	if (cmd_audit(ctx, r, detail) < 0)
		return -1;
	cmd_changed(ctx, CMD_CHANGED_PEOPLE, 0, NULL);
	snprintf(r->msg, sizeof(r->msg), "%s: %s (signed out everywhere)", a->username,
	         disabled ? "disabled" : "enabled");
	return 0;
}
