/*
 * cmd.h — the command layer: every state change of Stempel is one cmd_* function
 * in its own file (firmware/cmd/cmd_<name>.c).  The board, the payroll API and
 * stempelctl (over the control socket, or directly with the daemon stopped) call
 * the same functions, so a change has one set of rules, one transaction and one
 * audit action wherever it comes from.
 *
 * A command runs through cmd_txn(): BEGIN IMMEDIATE; validate, write, append
 * exactly one audit entry (cmd_audit) and any outbox events (cmd_event); COMMIT,
 * or ROLLBACK with sqlite's own message copied first.  Only after COMMIT does it
 * tell the loop what changed (cmd_changed -> env->changed: recompute, board push).
 * Nothing outside firmware/cmd/ and firmware/store*.c opens a transaction
 * (tests/check-one-writer.sh).
 */
#ifndef STEMPEL_CMD_H
#define STEMPEL_CMD_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "clock.h"

struct attendance;
struct cardkey;
struct config;
struct period;
struct roster_run;
struct store;

/* A command's outcome; also stempelctl's exit code (CMD_NOT_FOUND exits 2). */
enum cmd_status {
	CMD_OK = 0,
	CMD_FAILED = 1,    /* the database or the machine failed: try again, tell an admin */
	CMD_INVALID = 2,   /* bad input: the message says which field and what was expected */
	CMD_NOT_FOUND = 3, /* the participant, card, user, ... does not exist */
	CMD_CONFLICT = 4,  /* the state forbids it now (a period already closed); exits 1 */
};

/* What a command changed, told to the loop after COMMIT. */
enum cmd_what {
	CMD_CHANGED_ATTENDANCE = 1 << 0, /* recompute pid (0 = everyone) from `from` */
	CMD_CHANGED_CARDS = 1 << 1,      /* card table: the tap path and the board */
	CMD_CHANGED_PEOPLE = 1 << 2,     /* participants, users, tokens: the board */
	/* The command deleted the stale saved quota states itself, participant by
	 * participant (a roster): cmd_txn does not delete them for "everyone". */
	CMD_CHANGED_STATES_KEPT = 1 << 3,
};

struct cmd_change {
	unsigned what; /* enum cmd_what bits */
	int64_t pid;   /* 0 = every participant */
	char from[11]; /* first date affected, "" = the participant's first date */
};

/* What lives as long as the program: given by kiosk.c (daemon) or ctl (offline). */
struct cmd_env {
	struct store *store;
	const struct config *cfg;
	const struct cardkey *key; /* turns a UID from stempelctl into its card key */
	struct attendance *att;    /* may be NULL where no command needs it */
	struct period *period;
	/* The daemon applies a roster.import in steps on its loop; NULL: at once (offline). */
	struct roster_run *roster_run;
	/* After a COMMIT, once per change (on the loop).  NULL: nobody listens. */
	void (*changed)(void *arg, const struct cmd_change *c);
	void *changed_arg;
};

#define CMD_CHANGES_MAX 8

/* One command's run: who, when, and what it changed. */
struct cmd_ctx {
	const struct cmd_env *env;
	struct store *st;
	char actor[80];           /* "user:kari", "token:lonn", "cli:root" */
	struct clock_reading now; /* read once per command, from clock.c */
	const char *action;       /* the running command's audit action */
	int audits;               /* audit entries written by the running command */
	struct cmd_change changes[CMD_CHANGES_MAX];
	size_t nchanges;
};

struct cmd_result {
	int status;    /* enum cmd_status */
	char msg[512]; /* ok: one line for the user; else why, with the field */
	json_t *data;  /* optional details (owned; cmd_result_free) */
};

/* Prepare a context for `actor` ("user:NAME", "token:NAME", "cli:NAME"). */
void cmd_ctx_init(struct cmd_ctx *ctx, const struct cmd_env *env, const char *actor);
void cmd_result_free(struct cmd_result *r);

/* A command's body, run inside the transaction; 0 or -1 with r filled (cmd_fail). */
typedef int (*cmd_exec_fn)(struct cmd_ctx *ctx, const void *args, struct cmd_result *r);
/*
 * Run `exec` as command `action` in one transaction (see above).  Returns 0 or -1;
 * r->status and r->msg say what happened either way.
 */
int cmd_txn(struct cmd_ctx *ctx, const char *action, cmd_exec_fn exec, const void *args,
            struct cmd_result *r);

/* Inside a command: */
/* -1 with status and a printf message. */
int cmd_fail(struct cmd_result *r, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* -1, CMD_FAILED, "<what>: <sqlite's message>" read now, before any rollback. */
int cmd_fail_db(struct cmd_ctx *ctx, struct cmd_result *r, const char *what);
/* -1 from a module's err message: "database: ..." is CMD_FAILED, else CMD_INVALID. */
int cmd_fail_err(struct cmd_result *r, const char *err);
/* The command's local date (centre's zone) from ctx->now. */
void cmd_local_date(const struct cmd_ctx *ctx, char out[11]);
/* cmd_audit() with a JSON detail (compact, sorted keys; not stolen). */
int cmd_audit_json(struct cmd_ctx *ctx, struct cmd_result *r, json_t *detail);
/* The command's one audit entry (action = the command's, who = the actor). */
int cmd_audit(struct cmd_ctx *ctx, struct cmd_result *r, const char *detail);
/* An outbox event (PROTOCOL.md §1) in the same transaction; `data` is stolen. */
int cmd_event(struct cmd_ctx *ctx, struct cmd_result *r, const char *type, const char *participant,
              json_t *data);
/* Tell the loop after COMMIT: `what` changed for pid (0 = all) from `from` (NULL = all). */
void cmd_changed(struct cmd_ctx *ctx, unsigned what, int64_t pid, const char *from);

/*
 * The table: name -> a function that reads the JSON arguments (as sent over the
 * control socket) and runs the command.  Unknown names: CMD_INVALID.
 */
struct cmd_entry {
	const char *name; /* "card.enroll": the socket name and the audit action */
	int (*json)(struct cmd_ctx *ctx, json_t *args, struct cmd_result *r);
};
const struct cmd_entry *cmd_find(const char *name);
int cmd_dispatch(struct cmd_ctx *ctx, const char *name, json_t *args, struct cmd_result *r);
/* JSON argument helpers for the cmd_*_json functions: -1 and r filled if missing/wrong. */
int cmd_arg_str(json_t *args, const char *key, int required, const char **out,
                struct cmd_result *r);
int cmd_arg_int(json_t *args, const char *key, int required, long long *out, struct cmd_result *r);

/* --- the commands --- */

/* card.enroll: give a card (key "hmac:..." or a UID) to an active participant. */
struct cmd_card_enroll_args {
	const char *card;        /* "hmac:<64 hex>" or NULL */
	const char *uid;         /* reader UID in hex, turned into the card key; or NULL */
	const char *participant; /* external id */
};
int cmd_card_enroll(struct cmd_ctx *ctx, const struct cmd_card_enroll_args *a,
                    struct cmd_result *r);
int cmd_card_enroll_json(struct cmd_ctx *ctx, json_t *args, struct cmd_result *r);

/* card.revoke: block a card (key or UID), with an optional reason. */
struct cmd_card_revoke_args {
	const char *card;
	const char *uid;
	const char *reason; /* NULL or "" = none given */
};
int cmd_card_revoke(struct cmd_ctx *ctx, const struct cmd_card_revoke_args *a,
                    struct cmd_result *r);
int cmd_card_revoke_json(struct cmd_ctx *ctx, json_t *args, struct cmd_result *r);

/* outbox.retry: a dead letter (or every one, all) pending again. */
struct cmd_outbox_retry_args {
	const char *id; /* the event's id */
	int all;
};
int cmd_outbox_retry(struct cmd_ctx *ctx, const struct cmd_outbox_retry_args *a,
                     struct cmd_result *r);
int cmd_outbox_retry_json(struct cmd_ctx *ctx, json_t *args, struct cmd_result *r);

/*
 * Shared by the card commands: the change is the kiosk's own (card ownership):
 * its outbox event `type` (card_enrolled, card_revoked) and the card marked local.
 */
int cmd_card_local(struct cmd_ctx *ctx, const char *type, const char *key, const char *participant,
                   const char *reason, struct cmd_result *r);

/*
 * card.replace: a participant's new card (key) replaces an old one (key) in one
 * change: the new card is enrolled, the old one revoked, with a reason.
 */
struct cmd_card_replace_args {
	const char *participant; /* external id */
	const char *old_card;    /* "hmac:..." enrolled to the participant */
	const char *new_card;    /* "hmac:..." (an unknown card just tapped) */
	const char *reason;      /* required */
};
int cmd_card_replace(struct cmd_ctx *ctx, const struct cmd_card_replace_args *a,
                     struct cmd_result *r);
int cmd_card_replace_json(struct cmd_ctx *ctx, json_t *args, struct cmd_result *r);

/* closure.add: a day the whole centre is closed (nobody is expected), with a reason. */
struct cmd_closure_add_args {
	const char *date;   /* YYYY-MM-DD */
	const char *reason; /* required */
};
int cmd_closure_add(struct cmd_ctx *ctx, const struct cmd_closure_add_args *a,
                    struct cmd_result *r);
int cmd_closure_add_json(struct cmd_ctx *ctx, json_t *args, struct cmd_result *r);

/* Shared by the card commands: the card key from a key or a UID; -1 with r filled. */
int cmd_card_key(struct cmd_ctx *ctx, const char *card, const char *uid, char *key, size_t keylen,
                 struct cmd_result *r);

/* participant.add: add, or update by external id (defaults: nb, the kiosk's regime, full, today).
 */
struct cmd_participant_add_args {
	const char *id, *name, *language, *regime, *rate, *start;
	const char *group;    /* class or group on the board, NULL = none */
	const char *schedule; /* "1-5 08:30-14:30; 6 10:00-12:00 offsite", NULL = keep */
};
int cmd_participant_add(struct cmd_ctx *ctx, const struct cmd_participant_add_args *a,
                        struct cmd_result *r);
int cmd_participant_add_json(struct cmd_ctx *ctx, json_t *args, struct cmd_result *r);

/* roster.import: the PROTOCOL.md roster document as text; `source` names it in messages. */
struct cmd_roster_import_args {
	const char *text;
	const char *path; /* instead of text: a file the daemon reads (rosters past 8 MB) */
	const char *source;
};
int cmd_roster_import(struct cmd_ctx *ctx, const struct cmd_roster_import_args *a,
                      struct cmd_result *r);
int cmd_roster_import_json(struct cmd_ctx *ctx, json_t *args, struct cmd_result *r);

/* user.add: a board account; the password arrives hashed (argon2id). */
struct cmd_user_add_args {
	const char *username, *role, *language, *pwhash;
};
int cmd_user_add(struct cmd_ctx *ctx, const struct cmd_user_add_args *a, struct cmd_result *r);
int cmd_user_add_json(struct cmd_ctx *ctx, json_t *args, struct cmd_result *r);
/* user.passwd (pwhash), user.disable, user.enable: each ends the user's sessions. */
struct cmd_user_args {
	const char *username;
	const char *pwhash; /* passwd only */
};
int cmd_user_passwd(struct cmd_ctx *ctx, const struct cmd_user_args *a, struct cmd_result *r);
int cmd_user_passwd_json(struct cmd_ctx *ctx, json_t *args, struct cmd_result *r);
int cmd_user_disable(struct cmd_ctx *ctx, const struct cmd_user_args *a, struct cmd_result *r);
int cmd_user_disable_json(struct cmd_ctx *ctx, json_t *args, struct cmd_result *r);
int cmd_user_enable(struct cmd_ctx *ctx, const struct cmd_user_args *a, struct cmd_result *r);
int cmd_user_enable_json(struct cmd_ctx *ctx, json_t *args, struct cmd_result *r);
/* 1 if `h` looks like an argon2id hash string (cmd_user.c). */
int cmd_user_pwhash_valid(const char *h);
/* cmd_user.c: the body of user.disable (1) and user.enable (0). */
int cmd_user_set_disabled(struct cmd_ctx *ctx, const struct cmd_user_args *a, int disabled,
                          struct cmd_result *r);

/* token.create: a payroll API token, returned once in r->data.token. */
struct cmd_token_create_args {
	const char *scope; /* payroll */
	const char *name;  /* NULL = the scope */
};
int cmd_token_create(struct cmd_ctx *ctx, const struct cmd_token_create_args *a,
                     struct cmd_result *r);
int cmd_token_create_json(struct cmd_ctx *ctx, json_t *args, struct cmd_result *r);
/* token.revoke */
struct cmd_token_revoke_args {
	int64_t id;
};
int cmd_token_revoke(struct cmd_ctx *ctx, const struct cmd_token_revoke_args *a,
                     struct cmd_result *r);
int cmd_token_revoke_json(struct cmd_ctx *ctx, json_t *args, struct cmd_result *r);

/* g.add: G in whole kroner ("130160") from a date. */
struct cmd_g_add_args {
	const char *from;
	const char *amount;
};
int cmd_g_add(struct cmd_ctx *ctx, const struct cmd_g_add_args *a, struct cmd_result *r);
int cmd_g_add_json(struct cmd_ctx *ctx, json_t *args, struct cmd_result *r);

/* absence.register: msg and data.absence are the new absence's id. */
struct cmd_absence_register_args {
	const char *participant, *category, *from, *to; /* to NULL = from */
	const char *start, *end;                        /* HH:MM, both or neither */
	const char *documentation, *comment;
};
int cmd_absence_register(struct cmd_ctx *ctx, const struct cmd_absence_register_args *a,
                         struct cmd_result *r);
int cmd_absence_register_json(struct cmd_ctx *ctx, json_t *args, struct cmd_result *r);
/* absence.revoke: with a reason. */
struct cmd_absence_revoke_args {
	const char *absence; /* its id (uuid) */
	const char *reason;
};
int cmd_absence_revoke(struct cmd_ctx *ctx, const struct cmd_absence_revoke_args *a,
                       struct cmd_result *r);
int cmd_absence_revoke_json(struct cmd_ctx *ctx, json_t *args, struct cmd_result *r);

/* absence.update: withdraw `absence` (reason) and register `now` instead, in one change. */
struct cmd_absence_update_args {
	const char *absence;                  /* the absence to replace (uuid) */
	const char *reason;                   /* why it is changed (required) */
	struct cmd_absence_register_args now; /* participant may be NULL: the old one's */
};
int cmd_absence_update(struct cmd_ctx *ctx, const struct cmd_absence_update_args *a,
                       struct cmd_result *r);
int cmd_absence_update_json(struct cmd_ctx *ctx, json_t *args, struct cmd_result *r);

/* correction.add (date, minute, direction) and correction.remove (tap_id), with a reason. */
struct cmd_correction_args {
	const char *participant;
	const char *date;      /* add */
	int minute;            /* add: minute of the local day */
	const char *direction; /* add: in | out */
	int64_t tap_id;        /* remove */
	const char *reason;
};
/* cmd_correction.c: the body of correction.add and correction.remove (action "add"/"remove"). */
int cmd_correction_exec(struct cmd_ctx *ctx, const struct cmd_correction_args *a,
                        const char *action, struct cmd_result *r);
int cmd_correction_add(struct cmd_ctx *ctx, const struct cmd_correction_args *a,
                       struct cmd_result *r);
int cmd_correction_add_json(struct cmd_ctx *ctx, json_t *args, struct cmd_result *r);
int cmd_correction_remove(struct cmd_ctx *ctx, const struct cmd_correction_args *a,
                          struct cmd_result *r);
int cmd_correction_remove_json(struct cmd_ctx *ctx, json_t *args, struct cmd_result *r);

/* period.close: freeze a pay period (reason optional). */
struct cmd_period_close_args {
	int64_t id;
	const char *reason;
};
int cmd_period_close(struct cmd_ctx *ctx, const struct cmd_period_close_args *a,
                     struct cmd_result *r);
int cmd_period_close_json(struct cmd_ctx *ctx, json_t *args, struct cmd_result *r);

/* service_date.set: the first day whose results are stored and sent (results-from). */
struct cmd_service_date_args {
	const char *date;
};
int cmd_service_date(struct cmd_ctx *ctx, const struct cmd_service_date_args *a,
                     struct cmd_result *r);
int cmd_service_date_json(struct cmd_ctx *ctx, json_t *args, struct cmd_result *r);

/* session.login / session.logout: the board's sign-in (no JSON form). */
struct store_login;
struct cmd_session_args {
	const char *token_hash;          /* the session cookie's digest */
	const struct store_login *login; /* login only */
	int64_t max_age_ms;              /* login: sessions older than this are purged */
};
int cmd_session_login(struct cmd_ctx *ctx, const struct cmd_session_args *a, struct cmd_result *r);
int cmd_session_logout(struct cmd_ctx *ctx, const struct cmd_session_args *a, struct cmd_result *r);

/* kiosk.init: the record of `stempelctl init` and its settings. */
int cmd_kiosk_init_json(struct cmd_ctx *ctx, json_t *args, struct cmd_result *r);

#endif
