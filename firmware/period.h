/*
 * period.h — pay periods: monthly or biweekly per [payroll] payout/anchor, created
 * on demand, open or closed.  Closing freezes one line per participant; a later
 * change to a day of a closed period becomes an adjustment line (the difference) in
 * the next open period, pointing to the period and day it corrects.
 */
#ifndef STEMPEL_PERIOD_H
#define STEMPEL_PERIOD_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "store.h"

struct attendance;
struct config;
struct period;

/* Open on `s` and `a` (neither owned). */
int period_open(struct period **out, struct store *s, struct attendance *a,
                const struct config *cfg, char *err, size_t errlen);
void period_free(struct period *p);

/* The bounds of the pay period containing `date` (day numbers), per the config. */
void period_bounds(const struct config *cfg, int32_t date, int32_t *from, int32_t *to);
/* The period containing `date` (YYYY-MM-DD), created if missing. */
int period_ensure(struct period *p, const char *date, struct store_period *out, char *err,
                  size_t errlen);
/*
 * Every period, oldest first, after creating the missing ones from the earliest
 * programme start of an active participant (at most three years back) to today's.
 */
int period_list(struct period *p, struct store_period **out, size_t *n, char *err, size_t errlen);
/* A period as JSON: {"id", "from", "to", "status", "closed_at", "closed_by"}. */
json_t *period_json(const struct store_period *sp);

/*
 * The stipend document of period `id`: {"period", "pay_code", "lines", "totals"}.
 * A closed period is read back exactly as frozen; an open one is computed now (its
 * adjustments are stored).  0, 1 no such period, -1 with err (e.g. G unknown for a
 * date, named in err).
 */
int period_stipend(struct period *p, int64_t id, json_t **doc, char *err, size_t errlen);
/*
 * The same without writing anything: adjustments are read as the kiosk's change
 * hook and recompute have stored them (the reports thread's read-only connection).
 */
int period_stipend_read(struct period *p, int64_t id, json_t **doc, char *err, size_t errlen);
/*
 * The same document's lines for the CSV (paydoc_lines_csv), without JSON per line
 * or totals; read-only like period_stipend_read.  0 (free with paydoc_lines_free),
 * 1 no such period, -1 with err.
 */
struct paydoc_lines;
int period_stipend_lines(struct period *p, int64_t id, struct paydoc_lines *d, char *err,
                         size_t errlen);

/*
 * The basis for a formal decision (enkeltvedtak) of participant `ext_id` in period
 * `id` (kiosk-api.yaml, Basis): every day with its sessions, taps, registrations,
 * minutes by category, notes, hour value and amount; the line (frozen if closed) and
 * its adjustments; quotas before and after; both enkeltvedtak tests with their
 * numbers; preliminary or final.  0, 1 no such period or participant, -1 with err.
 */
int period_basis(struct period *p, int64_t id, const char *ext_id, json_t **doc, char *err,
                 size_t errlen);
/*
 * The NIR summary of period `id` (kiosk-api.yaml, Nir): per participant, scheduled
 * and attended hours, valid and invalid absence in hours and as a share of
 * scheduled, leave in calendar and working days.  0, 1 no such period, -1 with err.
 */
int period_nir(struct period *p, int64_t id, json_t **doc, char *err, size_t errlen);
/* The close reason: valid UTF-8, no control characters, at most 500 characters. */
#define PERIOD_REASON_MAX 500
int period_reason_check(const char *why, char *err, size_t errlen);
/*
 * The body of a close request: empty (reason ""), or a JSON object with at most the
 * field "reason", a string that passes period_reason_check(); at most
 * PERIOD_CLOSE_BODY_MAX bytes.  0 with the reason in `reason` (at least
 * PERIOD_REASON_MAX * 4 + 1 bytes), -1 with what was wrong in err.
 */
#define PERIOD_CLOSE_BODY_MAX 8192
int period_close_body(const char *body, size_t len, char *reason, size_t reasonlen, char *err,
                      size_t errlen);

/*
 * Close period `id` inside the caller's transaction (cmd/cmd_period_close.c, which
 * runs period_reconcile() first, in transactions of its own): freeze its lines and
 * days, queue period_result events; *detail_out (malloc'd JSON) is the audit
 * detail.  0 closed, 1 no such period, 2 already closed, 3 not started yet, 4 not
 * ended (a day is future or open; err ends with the local date and time from which
 * it can close, "YYYY-MM-DDTHH:MM"), -1 with err (the command rolls back: nothing
 * written; e.g. G unknown for a date, or a reason that is not valid UTF-8).
 */
int period_close(struct period *p, int64_t id, const char *who, const char *why, char **detail_out,
                 char *err, size_t errlen);
/*
 * Adjustments: compare every closed period of `pid` (0 = everyone) that ends on or
 * after `from` ("" = all) with a fresh computation; write the differences to the
 * next open period.  *added counts the lines (may be NULL).  A period that cannot be
 * computed now (G unknown) is left for later and reported in err (-1).
 */
int period_reconcile(struct period *p, int64_t pid, const char *from, int *added, char *err,
                     size_t errlen);
/* attendance_on_change() adapter: `arg` is the struct period. */
void period_on_change(void *arg, int64_t pid, const char *from);

/*
 * A close computed ahead, off the loop: period_close_prepare() runs on the reports
 * thread (reads only) and computes every line and day of the period as period_close
 * would; the loop offers it to its own period (period_close_offer), and the next
 * period_close of that period uses it instead of computing again if nothing was
 * written since `token` (store_write_token of the loop's connection when the close
 * was asked for), so the lines are exactly those it would compute.  Otherwise the
 * close computes them itself, as before.  NULL: nothing prepared (the close computes).
 */
struct period_close_prep;
struct period_close_prep *period_close_prepare(struct period *p, int64_t id,
                                               const int64_t token[2]);
/* Takes `prep` (NULL: forget what was offered). */
void period_close_offer(struct period *p, struct period_close_prep *prep);
void period_close_prep_free(struct period_close_prep *prep);
/* Closes that used prepared lines since start (metrics, tests). */
unsigned long period_closes_prepared(const struct period *p);

#endif
