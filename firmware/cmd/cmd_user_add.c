/*
 * cmd_user_add.c — user.add: a board account (teacher or admin) with its
 * password hash.  The first admin is made by `stempelctl init` through this too.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "auth.h"
#include "cmd.h"
#include "store.h"

static int
exec(struct cmd_ctx *ctx, const void *args, struct cmd_result *r)
{
	const struct cmd_user_add_args *a = args;
	const char *lang = a->language && *a->language ? a->language : "nb";
	struct store_user u = {0};
	char detail[128];
	int rc;

	if (a->username == NULL || auth_username_valid(a->username) < 0)
		return cmd_fail(r, CMD_INVALID,
		                "user name '%.40s': expected 1-32 of a-z 0-9 . _ - "
		                "(lower case)",
		                a->username ? a->username : "");
	if (a->role == NULL || auth_role_parse(a->role) < 0)
		return cmd_fail(r, CMD_INVALID, "role %.20s: expected teacher or admin",
		                a->role ? a->role : "");
	if (strcmp(lang, "nb") && strcmp(lang, "en"))
		return cmd_fail(r, CMD_INVALID, "language %.20s: expected nb or en", lang);
	if (!cmd_user_pwhash_valid(a->pwhash))
		return cmd_fail(r, CMD_INVALID, "%s", "pwhash: expected an argon2id hash");
	snprintf(u.username, sizeof(u.username), "%s", a->username);
	snprintf(u.role, sizeof(u.role), "%s", a->role);
	snprintf(u.language, sizeof(u.language), "%s", lang);
	snprintf(u.pwhash, sizeof(u.pwhash), "%s", a->pwhash);
	rc = store_user_add(ctx->st, &u, NULL);
	sodium_memzero(u.pwhash, sizeof(u.pwhash));
	if (rc < 0)
		return cmd_fail_db(ctx, r, "user");
	if (rc == 1)
		return cmd_fail(r, CMD_FAILED, "user '%s' exists (use: stempelctl user passwd %s)",
		                u.username, u.username);
	snprintf(detail, sizeof(detail), "user=%s role=%s language=%s", u.username, u.role,
	         u.language);
	if (cmd_audit(ctx, r, detail) < 0)
		return -1;
	cmd_changed(ctx, CMD_CHANGED_PEOPLE, 0, NULL);
	snprintf(r->msg, sizeof(r->msg), "added %s %s", u.role, u.username);
	return 0;
}

int
cmd_user_add(struct cmd_ctx *ctx, const struct cmd_user_add_args *a, struct cmd_result *r)
{
	return cmd_txn(ctx, "user.add", exec, a, r);
}

int
cmd_user_add_json(struct cmd_ctx *ctx, json_t *args, struct cmd_result *r)
{
	struct cmd_user_add_args a;

	if (cmd_arg_str(args, "username", 1, &a.username, r) < 0 ||
	    cmd_arg_str(args, "role", 1, &a.role, r) < 0 ||
	    cmd_arg_str(args, "language", 0, &a.language, r) < 0 ||
	    cmd_arg_str(args, "pwhash", 1, &a.pwhash, r) < 0)
		return -1;
	return cmd_user_add(ctx, &a, r);
}
