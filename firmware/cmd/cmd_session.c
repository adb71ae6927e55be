/*
 * cmd_session.c — session.login and session.logout: a teacher signs in to or
 * out of the board.  The session row and its audit entry commit together.  The
 * board only: no JSON form (a session is never made over the control socket).
 */
#include <stdio.h>

#include "cmd.h"
#include "store.h"

static int
login(struct cmd_ctx *ctx, const void *args, struct cmd_result *r)
{
	const struct cmd_session_args *a = args;

	/* Expired sessions go first: the table holds only the live ones. */
	if (store_session_purge(ctx->st, ctx->now.wall_ms, a->max_age_ms) < 0 ||
	    store_session_add(ctx->st, a->token_hash, a->login) < 0)
		return cmd_fail_db(ctx, r, "session");
	if (cmd_audit(ctx, r, "signed in to the board") < 0)
		return -1;
	snprintf(r->msg, sizeof(r->msg), "signed in");
	return 0;
}

static int
logout(struct cmd_ctx *ctx, const void *args, struct cmd_result *r)
{
	const struct cmd_session_args *a = args;

	if (store_session_delete(ctx->st, a->token_hash) < 0)
		return cmd_fail_db(ctx, r, "session");
	if (cmd_audit(ctx, r, "signed out of the board") < 0)
		return -1;
	snprintf(r->msg, sizeof(r->msg), "signed out");
	return 0;
}

int
cmd_session_login(struct cmd_ctx *ctx, const struct cmd_session_args *a, struct cmd_result *r)
{
	return cmd_txn(ctx, "session.login", login, a, r);
}

int
cmd_session_logout(struct cmd_ctx *ctx, const struct cmd_session_args *a, struct cmd_result *r)
{
	return cmd_txn(ctx, "session.logout", logout, a, r);
}
