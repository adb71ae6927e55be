/*
 * attendance.h — one participant's attendance from the database: loads the rules
 * engine's inputs (participant, schedule, closures, taps with corrections, absences,
 * G values), calls rules_compute() and answers what the teacher board, the daemon's
 * day results and the pay periods need.  Every write (absence, correction) goes with
 * its audit entry and outbox event in one transaction, then recomputes.
 */
#ifndef STEMPEL_ATTENDANCE_H
#define STEMPEL_ATTENDANCE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "rules/rules.h"
#include "store.h"

struct config;
struct attendance;

/*
 * Quotas and history: a participant's days are those of one walk from a fixed first
 * date (the programme start, or the first date a G value is known for, whichever is
 * later) up to the last date asked for, so earlier quota use is part of the same
 * computation and a day's verdict does not depend on which range was asked for.
 * The walk is kept incrementally: attendance_refresh() saves the engine's quota
 * state at the start of every pay period and at today (table quota_state), and a
 * computation resumes from the latest state early enough for what it asks (the
 * start of the first pay period it touches, for money), which gives the same days.
 * A state is valid while no engine input before its day changes: every change
 * deletes the states after its date in its own transaction (cmd_txn, the roster
 * steps); a refresh replaces those after its `from`.
 */

/* Open on `s` (not owned); regimes are loaded from config_regime_dir() on first use. */
int attendance_open(struct attendance **out, struct store *s, const struct config *cfg, char *err,
                    size_t errlen);
void attendance_close(struct attendance *a);
/* The local date (YYYY-MM-DD) and minute of the day now, in the process's TZ. */
void attendance_local_now(char date[11], int *minute);

/*
 * Called after every change that can alter computed days of `pid` from `from` on
 * (0 = every participant, "" = every date): the pay periods hang their adjustments
 * here.  One hook; a later call replaces it.
 */
typedef void (*attendance_change_fn)(void *arg, int64_t pid, const char *from);
void attendance_on_change(struct attendance *a, attendance_change_fn fn, void *arg);

/* --- (a) today --- */

enum attendance_status {
	ATTENDANCE_NOT_YET_DUE, /* no tap yet, before the first start plus grace */
	ATTENDANCE_PRESENT,     /* tapped in (or attended every started minute) */
	ATTENDANCE_LATE,        /* came after a session start (grace included) */
	ATTENDANCE_LEFT_EARLY,  /* tapped out before the session end */
	ATTENDANCE_ABSENT,      /* a session started, no tap, nothing registered */
	ATTENDANCE_EXCUSED,     /* a registered absence covers the missing minutes */
	ATTENDANCE_OFF_SITE,    /* every session of the day is off-site */
	ATTENDANCE_STATUS_COUNT
};

struct attendance_today {
	int64_t participant_id;
	char ext_id[40];
	char name[128];
	char language[16];
	char group[40]; /* the participant's group (the board's filter) */
	enum attendance_status status;
	int excused_category; /* enum rules_category of the excused minutes, -1 if none */
	int first_in;         /* minute of the day of the first tap in, -1 if none */
	int last_out;         /* minute of the last tap out, -1 if none */
	int in_now;           /* 1 if the last tap was "in" */
	int start_min;        /* first session start, last session end */
	int end_min;
	int scheduled_min; /* the engine's day, with the taps so far */
	int attended_min;
	int excused_min;
	int unexcused_min;
	uint32_t notes; /* bits of enum rules_note */
	uint32_t flags; /* bits of enum rules_flag */
};

/* Status name for JSON: not_yet_due, present, late, left_early, absent, excused, off_site. */
const char *attendance_status_name(enum attendance_status st);
/*
 * Every active participant scheduled on `date` (YYYY-MM-DD), their status at local
 * minute `now_min` of that day (1440 = the day is over).  *rows is malloc'd (free()),
 * ordered by name.  A participant that cannot be computed (e.g. G unknown) is
 * skipped and logged, so one bad record does not blank the board.
 */
int attendance_today(struct attendance *a, const char *date, int now_min,
                     struct attendance_today **rows, size_t *n, char *err, size_t errlen);
/* One participant's status; 1 if not scheduled that day, 0 if *row is filled, -1 error. */
int attendance_today_one(struct attendance *a, int64_t pid, const char *date, int now_min,
                         struct attendance_today *row, char *err, size_t errlen);
/* The row as JSON (times as "HH:MM" or null, excused category by name). */
json_t *attendance_today_json(const struct attendance_today *row);

/* --- (b) days over a range --- */

/*
 * RULES.md "The life of a day": future before its first session starts, open until
 * its last session has ended plus the regime's settle_minutes, final after that (a
 * day without sessions: open on its date, final at its midnight).  Only final days
 * carry attended and unexcused minutes, deductions, notes and flags; the scheduled
 * minutes of a future or open day that no registration covers are pending.
 */
enum attendance_day_state { ATTENDANCE_DAY_FUTURE, ATTENDANCE_DAY_OPEN, ATTENDANCE_DAY_FINAL };
/* future, open, final */
const char *attendance_day_state_name(enum attendance_day_state st);
/* The kiosk's local time as minutes since 1970-01-01 00:00 local (day * 1440 + minute). */
int64_t attendance_local_minute(void);

/* A day's sessions as the engine scheduled them (minutes of the day). */
struct attendance_sessions {
	uint8_t n;
	int16_t start[RULES_MAX_SESSIONS], end[RULES_MAX_SESSIONS];
	bool off_site[RULES_MAX_SESSIONS];
};

struct attendance_days {
	struct store_participant participant;
	char regime[64];
	char currency[8];
	const struct rules_regime *rules; /* the regime itself, owned by the attendance context */
	/* G is unknown from this date on (INT32_MIN if known throughout): the board's money
	 * is provisional, computed with the last known G carried forward; pay periods
	 * refuse instead (attendance_compute). */
	int32_t g_missing;
	/* days[from..to] (one per calendar day), payouts touching the range, totals of the
	 * range; totals.deduction_ore is the exact sum of the range's days rounded once. */
	struct rules_output out;
	/* Day states at the time of the computation, per day of out.days (malloc'd). */
	uint8_t *state;       /* enum attendance_day_state */
	int32_t *pending_min; /* minutes of a future or open day not yet judged */
	int64_t pending_total;
	bool preliminary; /* some day of the range is future or open */
	/* Local minute (day * 1440 + minute) from which every day of the range is final. */
	int64_t final_at;
	/* Per day of out.days: its sessions (none on a day that is not scheduled). */
	struct attendance_sessions *sessions;
};

/*
 * Compute `pid` over [from, to] (YYYY-MM-DD), days settled at the current clock.
 * 1 if no such participant, -1 error.
 */
int attendance_days(struct attendance *a, int64_t pid, const char *from, const char *to,
                    struct attendance_days *res, char *err, size_t errlen);
void attendance_days_free(struct attendance_days *res);
/* The scenario output format of RULES.md plus participant and range; NULL out of memory. */
json_t *attendance_days_json(const struct attendance_days *res);

/* --- (c) quotas --- */

struct attendance_quota {
	int used;
	int limit; /* -1 = no limit in this regime */
	int left;  /* limit - used, never below 0; -1 if no limit */
};

enum attendance_quota_id {
	ATTENDANCE_Q_SELF_DECLARED,  /* occurrences in the rolling window (12 months) */
	ATTENDANCE_Q_CHILD_SICK,     /* days in the rolling window (12 months) */
	ATTENDANCE_Q_RELIGIOUS,      /* days this calendar year */
	ATTENDANCE_Q_VACATION,       /* days this calendar year */
	ATTENDANCE_Q_LEAVE_APPROVED, /* days this calendar year */
	ATTENDANCE_Q_PREGNANCY,      /* days in the programme */
	ATTENDANCE_Q_BIRTH_MOTHER,
	ATTENDANCE_Q_BIRTH_FATHER,
	ATTENDANCE_Q_COUNT
};

struct attendance_quotas {
	int32_t as_of;
	struct attendance_quota q[ATTENDANCE_Q_COUNT];
};

/* JSON name: self_declared_occurrences, child_sick_days, religious_days, ... */
const char *attendance_quota_name(enum attendance_quota_id id);
/* Use counted up to and including `as_of`; 1 if no such participant, -1 error. */
int attendance_quotas(struct attendance *a, int64_t pid, const char *as_of,
                      struct attendance_quotas *q, char *err, size_t errlen);
json_t *attendance_quotas_json(const struct attendance_quotas *q);

/* --- (d) what if --- */

struct attendance_whatif {
	/* Over the absence's dates: */
	int64_t unexcused_before_min, unexcused_after_min;
	int64_t excused_after_min[RULES_CAT_COUNT];
	int64_t deduction_before_ore, deduction_after_ore; /* exact sums, rounded once */
	uint32_t notes_after; /* rules that would leave its minutes unexcused */
	uint32_t flags_after; /* e.g. religious_short_notice */
	int quota_exceeded;   /* some of its minutes stay unexcused because of a quota */
	/* Payouts touching the absence: does any need a formal decision, before / after? */
	int decision_before, decision_after;
	/* Quotas as of the absence's last date (or `as_of` if later), before / after. */
	struct attendance_quotas quotas_before, quotas_after;
	int32_t g_missing; /* as in struct attendance_days: money provisional from here */
};

/*
 * The effect of registering `abs` (not saved; uuid ignored; start_min/end_min -1 for
 * whole days), everything else as stored, computed up to max(abs to_date, as_of).
 * 1 if no such participant, -1 with err for invalid input or failure.
 */
int attendance_whatif(struct attendance *a, const struct store_absence_row *abs, const char *as_of,
                      struct attendance_whatif *w, char *err, size_t errlen);
/* The same for changing absence `replaces` (uuid) into `abs`: "after" is without it. */
int attendance_whatif_replace(struct attendance *a, const struct store_absence_row *abs,
                              const char *replaces, const char *as_of, struct attendance_whatif *w,
                              char *err, size_t errlen);
json_t *attendance_whatif_json(const struct attendance_whatif *w);

/* --- writes: row + audit + outbox event in one transaction, then recompute --- */

/*
 * The writes below run inside a command's transaction (cmd/cmd_absence_*.c,
 * cmd/cmd_correction_*.c): they validate and write the row, and fill `w` with what
 * the command audits (detail), sends (an outbox event of event_type) and
 * recomputes after COMMIT (pid from `from`).  The command owns w->detail.
 */
struct attendance_write {
	json_t *detail;
	const char *event_type;
	int64_t pid;
	char ext_id[40];
	char from[11];
};

/*
 * Validate (participant, category, dates, clock times start_min < end_min or -1/-1
 * for whole days) and save `abs`; its uuid is made here (written back).  `who` goes
 * to registered_by and the audit log.  Outbox: absence.  -1 with err if invalid.
 */
int attendance_register_absence(struct attendance *a, struct store_absence_row *abs,
                                const char *who, struct attendance_write *w, char *err,
                                size_t errlen);
/* Mark absence `uuid` revoked; `reason` is mandatory.  1 if unknown or already revoked. */
int attendance_revoke_absence(struct attendance *a, const char *uuid, const char *who,
                              const char *reason, struct attendance_write *w, char *err,
                              size_t errlen);

struct attendance_correction {
	int64_t participant_id;
	const char *action;    /* "add" | "remove" */
	int64_t tap_id;        /* remove: the tap (taps.id) */
	const char *date;      /* add: local date YYYY-MM-DD */
	int minute;            /* add: minute of the local day */
	const char *direction; /* add: "in" | "out" */
	const char *reason;    /* mandatory, non-empty */
};

/* Save a correction (uuid written to uuid_out, 40 bytes).  Outbox: correction. */
int attendance_correct_tap(struct attendance *a, const struct attendance_correction *c,
                           const char *who, char *uuid_out, struct attendance_write *w, char *err,
                           size_t errlen);
/*
 * After the command's COMMIT: recompute `pid`'s settled days from `from` up to
 * today, then tell the change hook (pay adjustments).
 */
void attendance_after_write(struct attendance *a, int64_t pid, const char *from);

/* The effective taps of `pid` on `date` (accepted taps, corrections applied). */
struct attendance_tap {
	int64_t tap_id; /* taps.id, or 0 for a tap a correction added */
	char date[11];
	int32_t day; /* the date as a day number */
	int minute;
	char direction[8];
	int corrected; /* 1 if added by a correction */
};
int attendance_taps_on(struct attendance *a, int64_t pid, const char *date,
                       struct attendance_tap **taps, size_t *n, char *err, size_t errlen);

/* --- day results (the daemon) --- */

/*
 * Recompute `pid` (0 = everyone active) from `from` (YYYY-MM-DD, "" = everything not
 * yet current) up to `today`, settled days only (before today, or today once its last
 * session has ended at `now_min`).  The walk resumes from the latest saved state at or
 * before `from` ("": before today; saved states are current, every change deleted
 * those after it), checks every final day it walks, and saves states at each pay
 * period's start and at today with its results in one transaction (none if nothing
 * changed).  A day whose stored result changes is written to day_results with a
 * day_result outbox event.  *changed counts them (may be NULL).
 */
int attendance_refresh(struct attendance *a, int64_t pid, const char *from, const char *today,
                       int now_min, int *changed, char *err, size_t errlen);
/*
 * Where the last attendance_refresh() of one participant began its walk: its saved
 * state's day (nothing before it changed since), or the first date.  0 and date
 * filled, 1 if it walked nothing.  The recompute's change hook (closed pay periods)
 * starts there for an "everything not current" refresh.
 */
int attendance_refresh_walked(const struct attendance *a, char date[11]);
/*
 * Day results are stored and sent from the day the kiosk went into service (meta
 * day_results_from; the daemon's first start sets it to that day): earlier days were
 * not observed by this kiosk and would reach the municipality as unexcused.  The
 * board and the pay periods still compute them.  Unset: no limit.
 * Get: 0 and date filled, 1 unset, -1 error.  Set: `only_if_unset` keeps an earlier one.
 */
int attendance_results_from(struct attendance *a, char date[11]);
int attendance_set_results_from(struct attendance *a, const char *date, int only_if_unset,
                                char *err, size_t errlen);
/*
 * 1 if `date` (YYYY-MM-DD) is a public holiday in the calendar of regime `name` (""
 * the kiosk's [kiosk] regime), else 0 (also for a regime that cannot be loaded: its
 * computations report that).
 */
int attendance_is_holiday(struct attendance *a, const char *name, const char *date);
/* Distinct session end minutes on `date` over all active participants, ascending. */
int attendance_session_ends(struct attendance *a, const char *date, int *ends, size_t max,
                            size_t *n, char *err, size_t errlen);
/* The ids of every active participant (malloc'd, by name). */
int attendance_participants(struct attendance *a, int64_t **ids, size_t *n, char *err,
                            size_t errlen);
/* Tell the change hook about a change not made through this module (G value, schedule). */
void attendance_changed(struct attendance *a, int64_t pid, const char *from);

/*
 * Saved states: at start, compare the results fingerprint (meta results_fingerprint:
 * regime files in use, [payroll] payout/anchor, results and state versions); on a
 * mismatch every state is dropped (everyone is then computed from the first date
 * once).  With `today` (the trusted date, NULL if not known yet), states after it
 * are dropped too (the clock went back).  1 states dropped for a new fingerprint,
 * 0 current, -1 error.
 */
int attendance_results_check(struct attendance *a, const char *today, char *err, size_t errlen);
/* Tests only: false makes every computation walk from the first date (no state read). */
void attendance_set_resume(struct attendance *a, bool on);
/* Days walked by the engine since open (metrics stempel_engine_day_walks_total). */
uint64_t attendance_engine_days(const struct attendance *a);
/* Computations that resumed from a saved state since open. */
uint64_t attendance_resumed(const struct attendance *a);

/* --- for the pay periods --- */

/*
 * A document computing many participants over [from, to] (a period's lines) reads
 * every participant's inputs at once first: between begin and end, computations
 * take their rows from that read wherever it covers them and from the store
 * otherwise, with the same results.  Nests (the innermost end keeps it); run it
 * inside one read transaction (the reports thread's jobs are) so the rows are one
 * snapshot.  0, or -1 with err.
 */
int attendance_bulk_begin(struct attendance *a, int32_t from, int32_t to, char *err, size_t errlen);
void attendance_bulk_end(struct attendance *a);

/*
 * Compute `pid` over [from, to] with Denmark's deadline taken at payout, days settled
 * at the current clock (a period whose days are all final gives the same numbers at
 * any later time).  1 if no such participant.
 */
int attendance_compute(struct attendance *a, int64_t pid, int32_t from, int32_t to,
                       struct attendance_days *res, char *err, size_t errlen);
/*
 * The exact hour value of `pid` on `date` (annual / annual_hours for G regimes,
 * monthly benefit / monthly_hours for Denmark), in øre.  -1 with err if G is unknown.
 */
int attendance_hour_value(struct attendance *a, int64_t pid, int32_t date, struct rules_rat *out,
                          char *err, size_t errlen);
/* G in øre in force on `date` for `pid`: 0, 1 the regime has no G (Denmark), -1 err. */
int attendance_g_at(struct attendance *a, int64_t pid, int32_t date, int64_t *g_ore, char *err,
                    size_t errlen);

#endif
