/*
 * attendance_int.h — what attendance.c lends attendance_today.c (the Today page in
 * bulk) so both compute a day from the same code: regimes, the G table, a day's
 * sessions, absences as engine input, the board's status word.  Not a public
 * header: nothing outside firmware/attendance*.c includes it.
 */
#ifndef STEMPEL_ATTENDANCE_INT_H
#define STEMPEL_ATTENDANCE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "attendance.h"

/* The context's store (the read-only one on the reports thread). */
struct store *attendance_int_store(struct attendance *a);
/* A regime by name, loaded once per context with [payroll] over it; NULL with err. */
const struct rules_regime *attendance_int_regime(struct attendance *a, const char *name, char *err,
                                                 size_t errlen);
/*
 * The G table a board view computes with up to `to` (regime file and database, the
 * last value carried forward: lenient); *g malloc'd.  *g_missing as in
 * struct attendance_days.  -1 with err.
 */
int attendance_int_g(struct attendance *a, const struct rules_regime *r, int32_t to,
                     struct rules_g **g, size_t *n, int32_t *g_missing, char *err, size_t errlen);
/* The first date attendance.c computes a participant from when asked for [from, to]. */
int32_t attendance_int_first_date(const struct rules_input *in, int32_t from, int32_t to);
/* The sessions of `date` from in's templates and exceptions (holidays aside). */
size_t attendance_int_sessions(const struct rules_input *in, int32_t date, int16_t *start,
                               int16_t *end, bool *off, size_t max);
/*
 * A stored absence appended to (*abs, *n, *cap) as engine absences, as attendance.c
 * loads them (amounts of minutes split per day over in's sessions).  -1 with err.
 */
int attendance_int_absence(const struct rules_input *in, const char *ext_id,
                           const struct store_absence_row *r, struct rules_absence **abs, size_t *n,
                           size_t *cap, char *err, size_t errlen);
/* An integer parameter in force on `date`; `none` if "none" or missing. */
int64_t attendance_int_param(const struct rules_regime *r, enum rules_param p, int32_t date,
                             int64_t none);
/*
 * The board's word for a day (row->status, excused_min, excused_category) from the
 * engine's day, whether every session is off-site, grace, the minute now and how
 * many taps the day had up to now; row's start/end and tap fields are read.
 */
void attendance_today_status(struct attendance_today *row, const struct rules_day *day,
                             int all_off_site, int grace, int now_min, int n_taps);

/* The meta key of attendance_results_from(). */
#define ATTENDANCE_RESULTS_FROM_KEY "day_results_from"

/*
 * attendance_bulk.c: every participant's input rows for [from, to] read at once
 * (attendance_bulk_begin).  Each lookup answers exactly as the store query named
 * beside it: 1 answered (lists malloc'd, NULL when empty), 0 not covered (ask the
 * store), -1 out of memory.
 */
struct attendance_bulk;
int attendance_bulk_load(struct store *s, int32_t from, int32_t to, struct attendance_bulk **out,
                         char *err, size_t errlen);
void attendance_bulk_free(struct attendance_bulk *b);
/* store_participant_get (0 also when unknown: the store says "none" itself) */
int attendance_bulk_participant(const struct attendance_bulk *b, int64_t pid,
                                struct store_participant *out);
/* store_schedule_rows, store_schedule_exception_rows, store_closure_dates, store_g_values */
int attendance_bulk_schedule(const struct attendance_bulk *b, int64_t pid,
                             struct store_session **out, size_t *n);
int attendance_bulk_exceptions(const struct attendance_bulk *b, int64_t pid,
                               struct store_exception_row **out, size_t *n);
int attendance_bulk_closures(const struct attendance_bulk *b, char (**out)[11], size_t *n);
int attendance_bulk_g(const struct attendance_bulk *b, struct store_g **out, size_t *n);
/* store_meta_get of the results' first date: its 0 found / 1 none (always answered) */
int attendance_bulk_results_from(const struct attendance_bulk *b, char date[11]);
/* store_taps_accepted, store_corrections, store_absences_overlapping */
int attendance_bulk_taps(const struct attendance_bulk *b, int64_t pid, const char *from,
                         const char *to, struct store_day_tap **out, size_t *n);
int attendance_bulk_corrections(const struct attendance_bulk *b, int64_t pid, const char *from,
                                const char *to, struct store_correction **out, size_t *n);
int attendance_bulk_absences(const struct attendance_bulk *b, int64_t pid, const char *from,
                             const char *to, struct store_absence_row **out, size_t *n);
/* store_quota_state_get: *found 1 with *day, *data (malloc'd), *len; 0 none */
int attendance_bulk_quota_state(const struct attendance_bulk *b, int64_t pid, int32_t max_day,
                                int *found, int32_t *day, unsigned char **data, size_t *len);

/*
 * The slice [*first, *first + return) of a pid-sorted array whose rows hold the
 * participant id at `off` (binary search): the bulk loaders' rows of one participant.
 */
size_t attendance_int_slice(const void *arr, size_t n, size_t size, size_t off, int64_t pid,
                            size_t *first);
#define SLICE(type, arr, n, field, pid, first)                                                     \
	attendance_int_slice((arr), (n), sizeof(type), offsetof(type, field), (pid), (first))

#endif
