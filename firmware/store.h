/*
 * store.h — the database.  sqlite3 in WAL mode with synchronous=FULL; every SQL
 * statement of the program lives in store.c.  store_record_tap() returns only
 * after COMMIT, so "answer after commit" is enforced by the API.
 * Lookup functions return 0 (found), 1 (not found) or -1 (error, logged).
 */
#ifndef STEMPEL_STORE_H
#define STEMPEL_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define STORE_SCHEMA_VERSION 14
/*
 * The WAL file is cut back to this many bytes when it starts over (journal_size_limit),
 * or by its owner at a quiet moment (store_wal_cut).
 */
#define STORE_WAL_LIMIT_BYTES 67108864

struct store;

struct store_participant {
	int64_t id;
	char ext_id[40]; /* municipal id, "P-000123" */
	char name[128];
	char language[16]; /* nb nn en ar uk so ti fa-AF ... */
	char regime[64];
	char rate[32]; /* full | under25_alone | under25_with_parents */
	char programme_start[11];
	char programme_end[11]; /* last day in the programme, "" if not known */
	int children;
	int sole_carer;
	int chronic_child;
	char monthly_benefit[24]; /* decimal string, Denmark; "" if none */
	int active;
	char group[40]; /* class or group on the board ("" = none) */
};

struct store_session {
	int weekday;   /* 1 = Monday .. 7 = Sunday (template rows) */
	int start_min; /* minutes after local midnight */
	int end_min;
	int offsite;
};

struct store_tap {
	const char *uuid;       /* event id, UUID v4 */
	const char *card_key;   /* "hmac:<hex>" */
	int64_t participant_id; /* 0 = unknown card */
	const char *direction;  /* in | out | none */
	const char *outcome;    /* tap_outcome_name() */
	int64_t wall_ms;        /* UTC, ms */
	int64_t mono_ns;        /* CLOCK_MONOTONIC */
	const char *clock;      /* synced | unsynced | jumped */
	const char *local_date; /* YYYY-MM-DD in the centre's zone */
	int local_min;          /* minute of the local day */
	const char *event_type; /* tap | tap_unknown_card */
	const char *event_json; /* the outbox event, complete */
};

struct store_event {
	int64_t seq;
	char id[40];
	char type[32];
	char *json; /* the whole event object, malloc'd */
};

struct store_outbox_stats {
	int64_t pending;
	int64_t delivered;
	int64_t dead;
	int64_t oldest_pending_ms; /* created time of the oldest pending event, 0 if none */
};

/* Open (creating if needed) and migrate.  On error -1 with a message in err. */
int store_open(struct store **out, const char *path, char *err, size_t errlen);
/* The same through the SQLite VFS named vfs (NULL: the default; checkpoint_vfs.h). */
int store_open_vfs(struct store **out, const char *path, const char *vfs, char *err, size_t errlen);
/* A second, read-only connection for long reports (WAL lets it read beside writes). */
int store_open_readonly(struct store **out, const char *path, char *err, size_t errlen);
void store_close(struct store *s);
int store_schema_version(struct store *s);
/* Migrate a fresh database only up to `version` (tests of old databases). */
int store_create_at_version(const char *path, int version, char *err, size_t errlen);
/*
 * Closing leaves the database file exactly as it is (no checkpoint of the WAL into
 * it): for a file found damaged, kept for recovery.
 */
void store_keep_file(struct store *s);
/* Make the statement running on `s` stop soon with an error (any thread). */
void store_interrupt(struct store *s);
/* PRAGMA quick_check (reads the whole file); 0 ok. */
int store_check(struct store *s, char *err, size_t errlen);

/*
 * The one way to group writes: run fn(s, arg, err, errlen) inside BEGIN IMMEDIATE
 * ... COMMIT.  fn returns 0 to commit; anything else rolls back and is returned.
 * When the database fails (BEGIN, a statement, COMMIT) and err is still empty,
 * err gets "database: <sqlite's message>", read BEFORE the rollback (after it,
 * sqlite says "not an error").  Changes go through the command layer (cmd/cmd.h),
 * which calls this; the daemon's own bookkeeping (day results, pay adjustments,
 * the uploader) calls it directly.
 */
typedef int (*store_txn_fn)(struct store *s, void *arg, char *err, size_t errlen);
int store_txn(struct store *s, store_txn_fn fn, void *arg, char *err, size_t errlen);

/*
 * A read transaction (deferred BEGIN ... COMMIT) around a whole report: every
 * read between the two sees one snapshot of the database and the WAL read lock
 * is taken once, not once per statement.  The reports thread wraps each job in
 * it.  store_read_begin: 0, or -1 (logged; the reads then run in autocommit, as
 * before).  store_read_end ends it (a no-op when none is open).
 */
int store_read_begin(struct store *s);
void store_read_end(struct store *s);

/* participants */
int store_participant_upsert(struct store *s, const struct store_participant *p, int64_t *id);
int store_participant_by_ext(struct store *s, const char *ext_id, struct store_participant *out);
int store_participant_get(struct store *s, int64_t id, struct store_participant *out);
typedef int (*store_participant_fn)(void *arg, const struct store_participant *p);
int store_participant_each(struct store *s, store_participant_fn fn, void *arg);
/* Mark every participant not in the list inactive (roster replaced whole). */
int store_participants_deactivate_missing(struct store *s, const int64_t *keep, size_t n);

/* cards: keys are HMACs of the UID, never the UID itself */
int store_card_lookup(struct store *s, const char *card_key, int64_t *participant_id, int *revoked);
int store_card_enroll(struct store *s, const char *card_key, int64_t participant_id);
int store_card_revoke(struct store *s, const char *card_key);
/* Who enrolled a card (after store_card_enroll), who revoked it and why (after revoke). */
int store_card_note_enroll(struct store *s, const char *card_key, const char *who);
int store_card_note_revoke(struct store *s, const char *card_key, const char *who,
                           const char *reason);
/* A participant's cards, newest first; the strings live only during the callback. */
struct store_card_row {
	const char *key, *enrolled_by, *revoked_by, *revoke_reason;
	int revoked;
	int64_t enrolled_ms, revoked_ms; /* revoked_ms 0 = not known */
};
typedef int (*store_card_fn)(void *arg, const struct store_card_row *c);
int store_cards_of(struct store *s, int64_t participant_id, store_card_fn fn, void *arg);
/* Revoke cards of `participant_id` not in keys (roster replaced whole). */
int store_cards_sync(struct store *s, int64_t participant_id, const char *const *keys, size_t n);

/* schedules: a weekly template plus dated exceptions that replace a day */
int store_schedule_set(struct store *s, int64_t pid, const struct store_session *ss, size_t n);
int store_schedule_exception_set(struct store *s, int64_t pid, const char *date,
                                 const struct store_session *ss, size_t n);
/* The sessions of `date` (weekday 1..7): the exception if there is one, else the template. */
int store_sessions_on(struct store *s, int64_t pid, const char *date, int weekday,
                      struct store_session *out, size_t max, size_t *n);
int store_closure_add(struct store *s, const char *date, const char *reason);
int store_is_closed(struct store *s, const char *date);

/* taps */
int store_record_tap(struct store *s, const struct store_tap *t, int64_t *tap_id);
/*
 * The participant's last accepted tap on local_date: its direction ("in"/"out")
 * and minute of the day.  0 found, 1 none, -1 error.
 */
int store_last_accepted(struct store *s, int64_t pid, const char *local_date, char *dir,
                        size_t dirlen, int *local_min);
int64_t store_tap_count(struct store *s);

/* outbox: every event for the municipal system, in seq order */
int store_event_add(struct store *s, const char *uuid, const char *type, const char *json);
int store_outbox_pending(struct store *s, int64_t after_seq, int max, struct store_event **evs,
                         int *n);
/* state: "delivered" or "dead" (with reason). */
int store_outbox_mark(struct store *s, const char *id, const char *state, const char *reason);
void store_events_free(struct store_event *evs, int n);
int store_outbox_stats(struct store *s, struct store_outbox_stats *st);
/* The same without counting delivered events (delivered = -1): for the loop. */
int store_outbox_backlog(struct store *s, struct store_outbox_stats *st);
/* How many times this connection counted the outbox (50+ ms with 100,000 pending). */
uint64_t store_outbox_backlog_counts(const struct store *s);

/* absences registered by the case system or a teacher; uuid is the event id */
struct store_absence {
	char uuid[40];
	int64_t participant_id;
	char category[32];
	char from_date[11];
	char to_date[11];
	int minutes; /* -1 = whole days */
	char documentation[64];
	char comment[256];
	char registered_by[64];
};
int store_absence_upsert(struct store *s, const struct store_absence *a);

/* G values (base amount) by date */
int store_g_set(struct store *s, const char *from_date, int64_t amount);

/* meta: small key/value facts (roster etag, device id) */
int store_meta_get(struct store *s, const char *key, char *out, size_t outlen);
int store_meta_set(struct store *s, const char *key, const char *value);

/* audit: append-only, each row carries the SHA-256 of the previous row */
int store_audit(struct store *s, const char *who, const char *action, const char *detail);

/* totals for `stempelctl status` */
struct store_counts {
	int64_t participants_active;
	int64_t cards_active;
	int64_t taps;
	int64_t taps_today;
};
int store_counts(struct store *s, const char *local_date, struct store_counts *c);

/* The longest a tap waited for the write lock since open (ns): the one-writer check. */
int64_t store_tap_wait_max_ns(const struct store *s);
/* the last sqlite error message of this connection */
const char *store_errmsg(struct store *s);
/*
 * What changes whenever anything is written to the database: rows changed by this
 * connection and sqlite's data_version (commits by other connections).  Equal tokens:
 * nothing was written in between, so a read made in between saw the same data.
 */
int store_write_token(struct store *s, int64_t tok[2]);

/* --- board: teacher accounts, sessions, unknown cards, the audit log read back --- */
struct store_user {
	int64_t id;
	char username[40];
	char pwhash[128]; /* argon2id encoded string */
	char role[16];    /* teacher | admin */
	char language[8]; /* nb | en */
	int disabled;
	int64_t created_ms;
};
/* 0 added, 1 the name is taken, -1 error. */
int store_user_add(struct store *s, const struct store_user *u, int64_t *id);
int store_user_get(struct store *s, const char *username, struct store_user *out);
int store_user_get_id(struct store *s, int64_t id, struct store_user *out);
typedef int (*store_user_fn)(void *arg, const struct store_user *u);
int store_user_each(struct store *s, store_user_fn fn, void *arg);
/* Both end every session of the user.  0, 1 no such user, -1 error. */
int store_user_set_password(struct store *s, const char *username, const char *pwhash);
int store_user_set_disabled(struct store *s, const char *username, int disabled);

/* A board session; the database keys it by the SHA-256 of its token, never the token. */
struct store_login {
	int64_t user_id;
	char csrf[48];
	int64_t created_ms;
	int64_t expires_ms; /* idle deadline, moved forward as the teacher uses the board */
};
int store_session_add(struct store *s, const char *token_hash, const struct store_login *l);
int store_session_get(struct store *s, const char *token_hash, struct store_login *out);
int store_session_touch(struct store *s, const char *token_hash, int64_t expires_ms);
int store_session_delete(struct store *s, const char *token_hash);
/* Delete sessions past their idle deadline or older than max_age_ms. */
int store_session_purge(struct store *s, int64_t now_ms, int64_t max_age_ms);

/* Unknown cards tapped since since_ms and still not enrolled, newest first. */
typedef int (*store_unknown_card_fn)(void *arg, const char *card_key, int64_t last_ms, int taps);
int store_unknown_cards(struct store *s, int64_t since_ms, int max, store_unknown_card_fn fn,
                        void *arg);

/* Audit entries; the strings live only during the callback. */
struct store_audit_entry {
	int64_t id, at_ms;
	const char *who, *action, *detail, *prev_hash, *hash;
};
typedef int (*store_audit_fn)(void *arg, const struct store_audit_entry *e);
/* Up to max entries with id < before_id (0: from the newest), newest first. */
int store_audit_page(struct store *s, int64_t before_id, int max, store_audit_fn fn, void *arg);
/*
 * Walk the chain from the first entry, recomputing every hash.  0 intact
 * (*entries counted), 1 broken at *bad_id (why says how), -1 error.
 */
int store_audit_verify(struct store *s, int64_t *entries, int64_t *bad_id, char *why,
                       size_t whylen);

/* --- uploader --- */
struct store_outbox_mark {
	int64_t seq;
	const char *id;
	const char *state;  /* "delivered" or "dead" */
	const char *reason; /* dead: why; NULL for delivered */
};
/*
 * Mark a batch's events (seq ascending) in ONE transaction, without an fsync of its
 * own.  When its delivered events are every event still pending up to its last
 * one, the delivered watermark moves over them (one row) and their rows are not
 * rewritten; otherwise each is marked by id.  0, or -1 and nothing marked.
 */
int store_outbox_mark_batch(struct store *s, const struct store_outbox_mark *m, int n);
/*
 * Copy what the WAL holds into the database now (PASSIVE: never waits).  The
 * kiosk's checkpoint thread (checkpoint.c) calls it on a connection of its own
 * when store_on_wal_full() says so, never inside a tap's commit.  1 when it ran,
 * *backfilled (if not NULL) then the WAL's frames now in the database; 0 when another
 * connection's checkpoint holds the lock (nothing done, *backfilled untouched: the
 * bench's or an offline stempelctl's connection); -1 on an error.
 */
int store_outbox_checkpoint(struct store *s, int *backfilled);
/*
 * Checkpoints become the caller's: a COMMIT that takes the WAL past 250 frames
 * (1 MB; SQLite's own default is 1,000) calls fn (on the loop, inside the commit)
 * with the WAL's frame count instead of checkpointing there; fn kicks the
 * checkpoint thread.  The WAL file is
 * no longer cut back to journal_size_limit by this connection's COMMITs either: the
 * caller does it with store_wal_cut().  fn NULL: SQLite checkpoints by itself again
 * (at 1,000) and COMMITs cut the WAL back.
 */
void store_on_wal_full(struct store *s, void (*fn)(void *arg, int frames), void *arg);
/*
 * The WAL file back to nothing (a TRUNCATE checkpoint) when it is larger than
 * over_bytes and nothing was written to it since the previous look (`look`, zeroed
 * before the first, kept by the caller between looks): the owner's way of cutting it
 * back (store_on_wal_full takes that from the writer's COMMITs).  It never waits: a
 * writer or reader there makes it 0 (try again later).  1 cut, 0 not now, -1 error.
 */
struct store_wal_look {
	int seen;              /* a look found the WAL past the limit */
	struct timespec mtime; /* and its modification time then */
};
int store_wal_cut(struct store *s, int64_t over_bytes, struct store_wal_look *look);
/* The latest dead letter: 0 found, 1 none, -1 error. */
int store_outbox_last_dead(struct store *s, char *id, size_t idlen, char *reason, size_t reasonlen,
                           int64_t *done_ms);

/* --- attendance and periods --- */
/*
 * Lists come back malloc'd (free() them; NULL when empty) and ordered as the
 * rules engine wants them.  Dates are "YYYY-MM-DD" strings throughout.
 */

/* Every weekly template row of a participant. */
int store_schedule_rows(struct store *s, int64_t pid, struct store_session **out, size_t *n);
/* A dated exception row; start_min -1 = a free day. */
struct store_exception_row {
	char date[11];
	int start_min, end_min, offsite;
};
int store_schedule_exception_rows(struct store *s, int64_t pid, struct store_exception_row **out,
                                  size_t *n);
/* Every closure day. */
int store_closure_dates(struct store *s, char (**out)[11], size_t *n);
/* Distinct session end minutes on `date` (weekday 1..7) over active participants. */
int store_session_ends(struct store *s, const char *date, int weekday, int *ends, size_t max,
                       size_t *n);

/* Accepted taps (accepted_in / accepted_out) of pid in [from, to], in time order. */
struct store_day_tap {
	int64_t id;
	char date[11];
	int minute;
	char direction[8];
	int32_t day; /* the date as a day number (days since 1970-01-01) */
};
int store_taps_accepted(struct store *s, int64_t pid, const char *from, const char *to,
                        struct store_day_tap **out, size_t *n);
/* The same for "already in" taps (outcome already_registered, direction none). */
int store_taps_already(struct store *s, int64_t pid, const char *from, const char *to,
                       struct store_day_tap **out, size_t *n);
/* One accepted tap by id and whose it is: 0 found, 1 none (or not accepted), -1 error. */
int store_tap_accepted_get(struct store *s, int64_t tap_id, int64_t *pid,
                           struct store_day_tap *out);

struct store_correction {
	char uuid[40];
	int64_t participant_id;
	char action[8]; /* add | remove */
	int64_t tap_id; /* remove */
	char date[11];
	int minute;        /* add */
	char direction[8]; /* add */
	char reason[256];
	char who[64];
};
int store_correction_add(struct store *s, const struct store_correction *c);
/* Corrections of pid on dates in [from, to], oldest first. */
int store_corrections(struct store *s, int64_t pid, const char *from, const char *to,
                      struct store_correction **out, size_t *n);

/* An absence with its clock times (start_min < end_min, or -1/-1 for whole days). */
struct store_absence_row {
	struct store_absence a;
	int start_min, end_min;
	int64_t created_ms;
	int revoked;
};
/* Insert (the uuid must be new). */
int store_absence_add(struct store *s, const struct store_absence_row *r);
/* Absences of pid that are not revoked, by from_date. */
int store_absences_active(struct store *s, int64_t pid, struct store_absence_row **out, size_t *n);
/* The same, only those with a day in [from, to] (YYYY-MM-DD): a resumed computation. */
int store_absences_overlapping(struct store *s, int64_t pid, const char *from, const char *to,
                               struct store_absence_row **out, size_t *n);
int store_absence_find(struct store *s, const char *uuid, struct store_absence_row *out);
/* 0 revoked now, 1 unknown or already revoked, -1 error. */
int store_absence_revoke(struct store *s, const char *uuid, const char *who);

/*
 * One date for every active participant at once (the Today page in bulk), one query
 * each, ordered by participant id first, then as the per-participant listings above.
 */
struct store_pid_session {
	int64_t pid;
	struct store_session s;
};
struct store_pid_exception {
	int64_t pid;
	struct store_exception_row e;
};
struct store_pid_tap {
	int64_t pid;
	struct store_day_tap t;
};
/* Every weekly template row (any date: the rows carry no validity). */
int store_day_sessions_all(struct store *s, struct store_pid_session **out, size_t *n);
/* Exception rows on `date`. */
int store_day_exceptions_all(struct store *s, const char *date, struct store_pid_exception **out,
                             size_t *n);
/*
 * Participants with exception rows the rules engine refuses on any date (times out
 * of the day, a date both cancelled and with sessions, more than max_per_date rows).
 */
int store_exceptions_refused(struct store *s, int max_per_date, int64_t **out, size_t *n);
/* Accepted taps on `date`; corrections on `date` (participant_id filled), by id. */
int store_day_taps_all(struct store *s, const char *date, struct store_pid_tap **out, size_t *n);
int store_day_corrections_all(struct store *s, const char *date, struct store_correction **out,
                              size_t *n);
/* Absences not revoked whose dates include `date`. */
int store_day_absences_all(struct store *s, const char *date, struct store_absence_row **out,
                           size_t *n);

/*
 * A date range for every participant at once (a month's documents in bulk,
 * attendance_bulk.c), one query each, ordered by participant id first, then as the
 * per-participant listings above; inactive participants too.
 */
/* Every participant, by id. */
int store_participants_all(struct store *s, struct store_participant **out, size_t *n);
/* Every weekly template row; every exception row (any date). */
int store_range_sessions(struct store *s, struct store_pid_session **out, size_t *n);
int store_range_exceptions(struct store *s, struct store_pid_exception **out, size_t *n);
/* Accepted taps and corrections on dates in [from, to]. */
int store_range_taps(struct store *s, const char *from, const char *to, struct store_pid_tap **out,
                     size_t *n);
int store_range_corrections(struct store *s, const char *from, const char *to,
                            struct store_correction **out, size_t *n);
/* Absences not revoked with a day in [from, to]. */
int store_range_absences(struct store *s, const char *from, const char *to,
                         struct store_absence_row **out, size_t *n);
/* Each participant's latest quota state with day <= max_day (store_quota_state_get). */
struct store_pid_state {
	int64_t pid;
	int32_t day;
	unsigned char *data; /* malloc'd */
	size_t len;
};
int store_range_quota_states(struct store *s, int32_t max_day, struct store_pid_state **out,
                             size_t *n);
void store_range_quota_states_free(struct store_pid_state *v, size_t n);

struct store_g {
	char from[11];
	int64_t amount; /* whole kroner */
};
int store_g_values(struct store *s, struct store_g **out, size_t *n);

/* day_results: 0 found (*json malloc'd), 1 none, -1 error. */
int store_day_result_get(struct store *s, int64_t pid, const char *date, char **json);
int store_day_result_put(struct store *s, int64_t pid, const char *date, const char *json);

/*
 * quota_state (store_results.c): the rules engine's saved quota states, one per
 * participant and day number (the state before that day).  A state is valid only
 * while no engine input before its day changed: whoever changes one deletes the
 * states after it in the same transaction.
 */
/* The latest state of `pid` with day <= `max_day`: 0 (*data malloc'd), 1 none, -1 error. */
int store_quota_state_get(struct store *s, int64_t pid, int32_t max_day, int32_t *day,
                          unsigned char **data, size_t *len);
/* Insert or replace the state of `pid` before `day`. */
int store_quota_state_put(struct store *s, int64_t pid, int32_t day, const unsigned char *data,
                          size_t len);
/* Delete the states of `pid` (0 = everyone) with day > `after` (INT32_MIN = all). */
int store_quota_state_delete_after(struct store *s, int64_t pid, int32_t after);
/* States stored with day > `after` (pid 0 = everyone); -1 error. */
int64_t store_quota_state_count(struct store *s, int64_t pid, int32_t after);

struct store_period {
	int64_t id;
	char from[11], to[11];
	char status[8]; /* open | closed */
	int64_t closed_ms;
	char closed_by[64];
};
/* Create [from, to] if missing; *out is the row either way. */
int store_period_ensure(struct store *s, const char *from, const char *to,
                        struct store_period *out);
/* 0 found, 1 none, -1 error. */
int store_period_get(struct store *s, int64_t id, struct store_period *out);
/* The period containing `date`: 0 found, 1 none, -1 error. */
int store_period_at(struct store *s, const char *date, struct store_period *out);
int store_periods(struct store *s, struct store_period **out, size_t *n);
/* open -> closed; 0 done, 1 it was not open, -1 error. */
int store_period_close(struct store *s, int64_t id, const char *who);

struct store_period_line {
	int64_t id, period_id, participant_id;
	char kind[12];           /* line | adjustment */
	int64_t corrects_period; /* 0 if none */
	char corrects_date[11];  /* "" if none */
	char *json;              /* malloc'd when read */
};
int store_period_line_add(struct store *s, const struct store_period_line *l, int64_t *id);
/* Lines of a period, by id. */
int store_period_lines(struct store *s, int64_t period_id, struct store_period_line **out,
                       size_t *n);
/* Lines of pid that correct period `corrects` (its adjustments), by id. */
int store_period_corrections(struct store *s, int64_t corrects, int64_t pid,
                             struct store_period_line **out, size_t *n);
void store_period_lines_free(struct store_period_line *l, size_t n);
/* pid's frozen line in a period (out->json malloc'd): 0 found, 1 none, -1 error. */
int store_period_line_get(struct store *s, int64_t period_id, int64_t pid,
                          struct store_period_line *out);
/* Whether pid has a frozen line in the period: 1 yes, 0 no, -1 error. */
int store_period_has_line(struct store *s, int64_t period_id, int64_t pid);
/* Remove open, empty periods starting after `today` (a wrong clock made them). */
int store_periods_drop_future(struct store *s, const char *today, int *n);
/* How many such periods there are (a read: 0 means nothing to remove). */
int store_periods_future(struct store *s, const char *today, int *n);
/* Closed periods in which pid has a line, oldest first. */
int store_periods_closed_for(struct store *s, int64_t pid, struct store_period **out, size_t *n);

/* period_days: a closed period's days as frozen at close. */
int store_period_day_add(struct store *s, int64_t period_id, int64_t pid, const char *date,
                         const char *json);
typedef int (*store_period_day_fn)(void *arg, const char *date, const char *json);
int store_period_days(struct store *s, int64_t period_id, int64_t pid, store_period_day_fn fn,
                      void *arg);

/* API tokens: only the SHA-256 of a token is stored. */
struct store_token {
	int64_t id;
	char name[64];
	char hash[65];
	char scope[32];
	int64_t created_ms;
	int revoked;
};
int store_token_add(struct store *s, const char *name, const char *hash, const char *scope,
                    int64_t *id);
/* Every token, revoked ones too, by id. */
int store_tokens(struct store *s, struct store_token **out, size_t *n);
/* Revoke by id; 0 done, 1 unknown or already revoked, -1 error. */
int store_token_revoke(struct store *s, int64_t id);

/*
 * Card ownership (store_cards.c; uploader/README.md "Card ownership").  A card
 * changed on the kiosk is 'local' until a roster agrees with it.
 */
/* Mark a card's state as made on the kiosk by `who`, with its outbox event and the roster hash in
 * force. */
int store_card_set_local(struct store *s, const char *card_key, const char *event_id,
                         const char *base, const char *who);
/* The roster import's cards and participants: begin the lists, add, then apply whole. */
int store_roster_cards_begin(struct store *s);
int store_roster_card_add(struct store *s, const char *card_key, int64_t participant_id);
struct store_card_pass {
	int acknowledged;          /* local changes the roster now agrees with */
	int conflicts;             /* local changes a newer roster contradicts (kept) */
	int moved, revoked, added; /* roster-owned cards changed */
};
int store_roster_cards_apply(struct store *s, const char *roster_hash, struct store_card_pass *out);
/*
 * One piece of the card pass: statement k (0, 1, ...) over the rows after rowid
 * `after`; counts added to *out; *next the rowid to go on after with the same k,
 * or -1 when k is done.  0, 1 when k is past the last, -1 error.
 */
int store_roster_cards_pass(struct store *s, int k, int64_t after, const char *roster_hash,
                            struct store_card_pass *out, int64_t *next);
/* Participants in the roster being imported; the others become inactive at the end. */
int store_roster_keep(struct store *s, int64_t participant_id);
/* The same in pieces: participants after id `after`; *next as above; counts added to *n. */
int store_roster_deactivate_missing(struct store *s, int64_t after, int *n, int64_t *next);
struct store_card_conflict {
	char key[80];
	char participant[40]; /* whom the kiosk's state gives the card to (or took it from) */
	char name[128];
	int revoked; /* the kiosk's state: 1 revoked there, 0 enrolled */
	int64_t local_ms;
	char who[80];
	char roster_says[40]; /* "absent" or the participant the roster gives it to */
};
typedef int (*store_card_conflict_fn)(void *arg, const struct store_card_conflict *c);
/* Every conflict, newest first (fn may be NULL: just count).  The count, or -1. */
int store_card_conflicts(struct store *s, store_card_conflict_fn fn, void *arg);

/* Dead letters and retention (store_outbox.c). */
struct store_dead {
	int64_t seq;
	char id[40];
	char type[32];
	char reason[256];
	int64_t created_ms, dead_ms;
};
typedef int (*store_dead_fn)(void *arg, const struct store_dead *d);
/* Every dead letter, oldest first (fn may be NULL: just count).  The count, or -1. */
int store_outbox_dead_each(struct store *s, store_dead_fn fn, void *arg);
/* Make dead letter `id` (NULL: every one) pending again, each with a new seq at the
 * back of the queue; how many in *n. */
int store_outbox_retry(struct store *s, const char *id, int *n);
/* Delete up to `max` events delivered before `before_ms` (wall); how many in *n. */
int store_outbox_prune(struct store *s, int64_t before_ms, int max, int *n);

#endif
