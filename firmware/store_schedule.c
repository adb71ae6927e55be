/*
 * store_schedule.c — what a participant should attend and why not: weekly
 * schedules, dated exceptions, closure days, absences and tap corrections.
 * Absences and corrections are never deleted, only revoked or superseded, so the
 * audit trail and the recomputation see every version.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "log.h"
#include "store_int.h"

/* --- schedules --- */

int
store_schedule_set(struct store *s, int64_t pid, const struct store_session *ss, size_t n)
{
	sqlite3_stmt *st = store_prep(s, "DELETE FROM schedules WHERE participant_id = ?");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, pid);
	if (store_run(s, st) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		st = store_prep(
		    s, "INSERT INTO schedules(participant_id, weekday, start_min, end_min, offsite)"
		       " VALUES(?,?,?,?,?)");
		if (st == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, pid);
		sqlite3_bind_int(st, 2, ss[i].weekday);
		sqlite3_bind_int(st, 3, ss[i].start_min);
		sqlite3_bind_int(st, 4, ss[i].end_min);
		sqlite3_bind_int(st, 5, ss[i].offsite);
		if (store_run(s, st) < 0)
			return -1;
	}
	return 0;
}

int
store_schedule_exception_set(struct store *s, int64_t pid, const char *date,
                             const struct store_session *ss, size_t n)
{
	sqlite3_stmt *st =
	    store_prep(s, "DELETE FROM schedule_exceptions WHERE participant_id = ? AND date = ?");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, pid);
	sqlite3_bind_text(st, 2, date, -1, SQLITE_STATIC);
	if (store_run(s, st) < 0)
		return -1;
	/* An exception with no sessions is a free day: one row with NULL times. */
	for (size_t i = 0; i < (n ? n : 1); i++) {
		st = store_prep(
		    s, "INSERT INTO schedule_exceptions(participant_id, date, start_min, end_min,"
		       " offsite) VALUES(?,?,?,?,?)");
		if (st == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, pid);
		sqlite3_bind_text(st, 2, date, -1, SQLITE_STATIC);
		if (n) {
			sqlite3_bind_int(st, 3, ss[i].start_min);
			sqlite3_bind_int(st, 4, ss[i].end_min);
			sqlite3_bind_int(st, 5, ss[i].offsite);
		} else {
			sqlite3_bind_null(st, 3);
			sqlite3_bind_null(st, 4);
			sqlite3_bind_int(st, 5, 0);
		}
		if (store_run(s, st) < 0)
			return -1;
	}
	return 0;
}

int
store_sessions_on(struct store *s, int64_t pid, const char *date, int weekday,
                  struct store_session *out, size_t max, size_t *n)
{
	sqlite3_stmt *st;
	int rc, exception = 0;

	*n = 0;
	st = store_stmt(s, ST_EXCEPTIONS_ON);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, pid);
	sqlite3_bind_text(st, 2, date, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		exception = 1;
		if (sqlite3_column_type(st, 0) == SQLITE_NULL || *n == max)
			continue;
		out[*n].weekday = weekday;
		out[*n].start_min = sqlite3_column_int(st, 0);
		out[*n].end_min = sqlite3_column_int(st, 1);
		out[*n].offsite = sqlite3_column_int(st, 2);
		(*n)++;
	}
	store_stmt_done(s, st);
	if (rc != SQLITE_DONE)
		return -1;
	if (exception)
		return 0;
	st = store_stmt(s, ST_SCHEDULE_ON);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, pid);
	sqlite3_bind_int(st, 2, weekday);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
		out[*n].weekday = weekday;
		out[*n].start_min = sqlite3_column_int(st, 0);
		out[*n].end_min = sqlite3_column_int(st, 1);
		out[*n].offsite = sqlite3_column_int(st, 2);
		(*n)++;
	}
	store_stmt_done(s, st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

int
store_closure_add(struct store *s, const char *date, const char *reason)
{
	sqlite3_stmt *st =
	    store_prep(s, "INSERT OR REPLACE INTO closures(date, reason) VALUES(?,?)");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, date, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, reason ? reason : "", -1, SQLITE_STATIC);
	return store_run(s, st);
}

int
store_is_closed(struct store *s, const char *date)
{
	sqlite3_stmt *st = store_stmt(s, ST_CLOSED);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, date, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	store_stmt_done(s, st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* --- absences --- */

int
store_absence_upsert(struct store *s, const struct store_absence *a)
{
	sqlite3_stmt *st = store_prep(
	    s,
	    "INSERT INTO absences(uuid, participant_id, category, from_date, to_date, minutes,"
	    " documentation, comment, registered_by, created_ms) VALUES(?,?,?,?,?,?,?,?,?,?)"
	    " ON CONFLICT(uuid) DO UPDATE SET participant_id=excluded.participant_id,"
	    " category=excluded.category, from_date=excluded.from_date, to_date=excluded.to_date,"
	    " minutes=excluded.minutes, documentation=excluded.documentation,"
	    " comment=excluded.comment, registered_by=excluded.registered_by");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, a->uuid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, a->participant_id);
	sqlite3_bind_text(st, 3, a->category, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, a->from_date, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, a->to_date, -1, SQLITE_STATIC);
	if (a->minutes >= 0)
		sqlite3_bind_int(st, 6, a->minutes);
	else
		sqlite3_bind_null(st, 6);
	sqlite3_bind_text(st, 7, a->documentation, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, a->comment, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, a->registered_by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 10, store_now_ms());
	return store_run(s, st);
}

/* --- row readers for store_rows() --- */

static void
session_at(sqlite3_stmt *st, int c, struct store_session *r)
{
	*r = (struct store_session){sqlite3_column_int(st, c), sqlite3_column_int(st, c + 1),
	                            sqlite3_column_int(st, c + 2), sqlite3_column_int(st, c + 3)};
}

static void
exception_at(sqlite3_stmt *st, int c, struct store_exception_row *r)
{
	store_copy_col(st, c, r->date, sizeof(r->date));
	r->start_min =
	    sqlite3_column_type(st, c + 1) == SQLITE_NULL ? -1 : sqlite3_column_int(st, c + 1);
	r->end_min =
	    sqlite3_column_type(st, c + 2) == SQLITE_NULL ? -1 : sqlite3_column_int(st, c + 2);
	r->offsite = sqlite3_column_int(st, c + 3);
}

/* weekday, start_min, end_min, offsite */
static void
read_session(sqlite3_stmt *st, void *row)
{
	session_at(st, 0, row);
}

/* participant_id, then a session */
static void
read_pid_session(sqlite3_stmt *st, void *row)
{
	struct store_pid_session *r = row;

	r->pid = sqlite3_column_int64(st, 0);
	session_at(st, 1, &r->s);
}

/* date, start_min, end_min, offsite */
static void
read_exception(sqlite3_stmt *st, void *row)
{
	exception_at(st, 0, row);
}

/* participant_id, then an exception */
static void
read_pid_exception(sqlite3_stmt *st, void *row)
{
	struct store_pid_exception *r = row;

	r->pid = sqlite3_column_int64(st, 0);
	exception_at(st, 1, &r->e);
}

/* one date into char[11] */
static void
read_date(sqlite3_stmt *st, void *row)
{
	store_copy_col(st, 0, row, 11);
}

static void
read_id(sqlite3_stmt *st, void *row)
{
	*(int64_t *)row = sqlite3_column_int64(st, 0);
}

#define CORRECTION_COLS                                                                            \
	"participant_id, uuid, action, tap_id, local_date, local_min, direction, reason, who"

static void
read_correction(sqlite3_stmt *st, void *row)
{
	struct store_correction *c = row;

	c->participant_id = sqlite3_column_int64(st, 0);
	store_copy_col(st, 1, c->uuid, sizeof(c->uuid));
	store_copy_col(st, 2, c->action, sizeof(c->action));
	c->tap_id = sqlite3_column_int64(st, 3);
	store_copy_col(st, 4, c->date, sizeof(c->date));
	c->minute = sqlite3_column_int(st, 5);
	store_copy_col(st, 6, c->direction, sizeof(c->direction));
	store_copy_col(st, 7, c->reason, sizeof(c->reason));
	store_copy_col(st, 8, c->who, sizeof(c->who));
}

/* participant_id, then a tap as store_read_day_tap() reads it */
static void
read_pid_tap(sqlite3_stmt *st, void *row)
{
	struct store_pid_tap *r = row;

	r->pid = sqlite3_column_int64(st, 0);
	store_read_day_tap(st, 1, &r->t);
}

int
store_schedule_rows(struct store *s, int64_t pid, struct store_session **out, size_t *n)
{
	sqlite3_stmt *st =
	    store_prep(s, "SELECT weekday, start_min, end_min, offsite FROM schedules"
	                  " WHERE participant_id = ? ORDER BY weekday, start_min");
	if (st)
		sqlite3_bind_int64(st, 1, pid);
	return store_rows(s, st, sizeof(**out), read_session, (void **)out, n);
}

int
store_schedule_exception_rows(struct store *s, int64_t pid, struct store_exception_row **out,
                              size_t *n)
{
	sqlite3_stmt *st =
	    store_prep(s, "SELECT date, start_min, end_min, offsite FROM schedule_exceptions"
	                  " WHERE participant_id = ? ORDER BY date, start_min");
	if (st)
		sqlite3_bind_int64(st, 1, pid);
	return store_rows(s, st, sizeof(**out), read_exception, (void **)out, n);
}

int
store_closure_dates(struct store *s, char (**out)[11], size_t *n)
{
	sqlite3_stmt *st = store_prep(s, "SELECT date FROM closures ORDER BY date");
	return store_rows(s, st, sizeof(**out), read_date, (void **)out, n);
}

int
store_session_ends(struct store *s, const char *date, int weekday, int *ends, size_t max, size_t *n)
{
	/* A participant's exception rows replace the template on that date. */
	sqlite3_stmt *st =
	    store_prep(s, "SELECT DISTINCT end_min FROM ("
	                  " SELECT x.end_min FROM schedule_exceptions x JOIN participants p"
	                  "  ON p.id = x.participant_id WHERE p.active = 1 AND x.date = ?1"
	                  "  AND x.end_min IS NOT NULL"
	                  " UNION SELECT t.end_min FROM schedules t JOIN participants p ON p.id = "
	                  "t.participant_id"
	                  "  WHERE p.active = 1 AND t.weekday = ?2 AND NOT EXISTS (SELECT 1 FROM"
	                  "  schedule_exceptions x WHERE x.participant_id = p.id AND x.date = ?1))"
	                  " ORDER BY end_min");
	int rc;

	*n = 0;
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, date, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, weekday);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max)
		ends[(*n)++] = sqlite3_column_int(st, 0);
	if (rc == SQLITE_ROW)
		rc = SQLITE_DONE;
	if (rc != SQLITE_DONE)
		log_err("store: session ends: %s", sqlite3_errmsg(s->db));
	store_stmt_done(s, st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_correction_add(struct store *s, const struct store_correction *c)
{
	sqlite3_stmt *st =
	    store_prep(s, "INSERT INTO corrections(uuid, participant_id, action, tap_id,"
	                  " local_date, local_min, direction, reason, who, created_ms)"
	                  " VALUES(?,?,?,?,?,?,?,?,?,?)");
	int add = strcmp(c->action, "add") == 0;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, c->uuid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, c->participant_id);
	sqlite3_bind_text(st, 3, c->action, -1, SQLITE_STATIC);
	if (add)
		sqlite3_bind_null(st, 4);
	else
		sqlite3_bind_int64(st, 4, c->tap_id);
	sqlite3_bind_text(st, 5, c->date, -1, SQLITE_STATIC);
	if (add) {
		sqlite3_bind_int(st, 6, c->minute);
		sqlite3_bind_text(st, 7, c->direction, -1, SQLITE_STATIC);
	}
	sqlite3_bind_text(st, 8, c->reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, c->who, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 10, store_now_ms());
	return store_run(s, st);
}

int
store_corrections(struct store *s, int64_t pid, const char *from, const char *to,
                  struct store_correction **out, size_t *n)
{
	sqlite3_stmt *st =
	    store_prep(s, "SELECT " CORRECTION_COLS " FROM corrections WHERE participant_id = ?"
	                  " AND local_date BETWEEN ? AND ? ORDER BY id");
	if (st) {
		sqlite3_bind_int64(st, 1, pid);
		sqlite3_bind_text(st, 2, from, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, to, -1, SQLITE_STATIC);
	}
	return store_rows(s, st, sizeof(**out), read_correction, (void **)out, n);
}

#define ABSENCE_COLS                                                                               \
	"uuid, participant_id, category, from_date, to_date, minutes, documentation,"              \
	" comment, registered_by, start_min, end_min, created_ms, revoked"

static void
read_absence(sqlite3_stmt *st, void *row)
{
	struct store_absence_row *r = row;

	store_copy_col(st, 0, r->a.uuid, sizeof(r->a.uuid));
	r->a.participant_id = sqlite3_column_int64(st, 1);
	store_copy_col(st, 2, r->a.category, sizeof(r->a.category));
	store_copy_col(st, 3, r->a.from_date, sizeof(r->a.from_date));
	store_copy_col(st, 4, r->a.to_date, sizeof(r->a.to_date));
	r->a.minutes = sqlite3_column_type(st, 5) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 5);
	store_copy_col(st, 6, r->a.documentation, sizeof(r->a.documentation));
	store_copy_col(st, 7, r->a.comment, sizeof(r->a.comment));
	store_copy_col(st, 8, r->a.registered_by, sizeof(r->a.registered_by));
	r->start_min = sqlite3_column_type(st, 9) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 9);
	r->end_min = sqlite3_column_type(st, 10) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 10);
	r->created_ms = sqlite3_column_int64(st, 11);
	r->revoked = sqlite3_column_int(st, 12);
}

int
store_absence_add(struct store *s, const struct store_absence_row *r)
{
	sqlite3_stmt *st =
	    store_prep(s, "INSERT INTO absences(uuid, participant_id, category, from_date,"
	                  " to_date, minutes, documentation, comment, registered_by,"
	                  " start_min, end_min, created_ms) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)");
	int timed = r->start_min >= 0 && r->end_min > r->start_min;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, r->a.uuid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, r->a.participant_id);
	sqlite3_bind_text(st, 3, r->a.category, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, r->a.from_date, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, r->a.to_date, -1, SQLITE_STATIC);
	if (timed)
		sqlite3_bind_int(st, 6, r->end_min - r->start_min);
	else if (r->a.minutes > 0)
		sqlite3_bind_int(st, 6, r->a.minutes);
	else
		sqlite3_bind_null(st, 6);
	sqlite3_bind_text(st, 7, r->a.documentation, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, r->a.comment, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, r->a.registered_by, -1, SQLITE_STATIC);
	if (timed) {
		sqlite3_bind_int(st, 10, r->start_min);
		sqlite3_bind_int(st, 11, r->end_min);
	}
	sqlite3_bind_int64(st, 12, r->created_ms ? r->created_ms : store_now_ms());
	return store_run(s, st);
}

int
store_absences_active(struct store *s, int64_t pid, struct store_absence_row **out, size_t *n)
{
	sqlite3_stmt *st =
	    store_prep(s, "SELECT " ABSENCE_COLS " FROM absences"
	                  " WHERE participant_id = ? AND revoked = 0 ORDER BY from_date, id");
	if (st)
		sqlite3_bind_int64(st, 1, pid);
	return store_rows(s, st, sizeof(**out), read_absence, (void **)out, n);
}

int
store_absences_overlapping(struct store *s, int64_t pid, const char *from, const char *to,
                           struct store_absence_row **out, size_t *n)
{
	/* only the absences reaching into [from, to] are read (named, as above) */
	sqlite3_stmt *st = store_prep(s, "SELECT " ABSENCE_COLS " FROM absences"
	                                 " INDEXED BY absences_pid_to"
	                                 " WHERE participant_id = ?1 AND revoked = 0"
	                                 " AND to_date >= ?2 AND from_date <= ?3"
	                                 " ORDER BY from_date, id");
	if (st) {
		sqlite3_bind_int64(st, 1, pid);
		sqlite3_bind_text(st, 2, from, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, to, -1, SQLITE_STATIC);
	}
	return store_rows(s, st, sizeof(**out), read_absence, (void **)out, n);
}

int
store_absence_find(struct store *s, const char *uuid, struct store_absence_row *out)
{
	sqlite3_stmt *st = store_prep(s, "SELECT " ABSENCE_COLS " FROM absences WHERE uuid = ?");
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, uuid, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		memset(out, 0, sizeof(*out));
		read_absence(st, out);
	}
	store_stmt_done(s, st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int
store_absence_revoke(struct store *s, const char *uuid, const char *who)
{
	sqlite3_stmt *st = store_prep(s, "UPDATE absences SET revoked = 1, revoked_by = ?"
	                                 " WHERE uuid = ? AND revoked = 0");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, who, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, uuid, -1, SQLITE_STATIC);
	if (store_run(s, st) < 0)
		return -1;
	return sqlite3_changes(s->db) == 1 ? 0 : 1;
}

/*
 * --- one date for every active participant (the Today page in bulk) ---
 * Each listing is one query, ordered by participant first so attendance_today.c
 * can take each participant's slice; within it the order of the per-participant
 * listings above.
 */

#define ACTIVE_IDS "(SELECT id FROM participants WHERE active = 1)"

/* participant, weekday, start (the ORDER BY of the listing), then the rest of the row */
static int
pid_session_cmp(const void *x, const void *y)
{
	const struct store_pid_session *a = x, *b = y;

#define CMP(f)                                                                                     \
	if (a->f != b->f)                                                                          \
		return a->f < b->f ? -1 : 1;
	CMP(pid)
	CMP(s.weekday)
	CMP(s.start_min)
	CMP(s.end_min)
	CMP(s.offsite)
#undef CMP
	return 0;
}

int
store_day_sessions_all(struct store *s, struct store_pid_session **out, size_t *n)
{
	/* Sorted here: SQLite's sorter took longer for 10,000 rows than the query itself. */
	sqlite3_stmt *st =
	    store_prep(s, "SELECT participant_id, weekday, start_min, end_min,"
	                  " offsite FROM schedules WHERE participant_id IN " ACTIVE_IDS);
	if (store_rows(s, st, sizeof(**out), read_pid_session, (void **)out, n) < 0)
		return -1;
	if (*n > 1)
		qsort(*out, *n, sizeof(**out), pid_session_cmp);
	return 0;
}

int
store_day_exceptions_all(struct store *s, const char *date, struct store_pid_exception **out,
                         size_t *n)
{
	sqlite3_stmt *st = store_prep(
	    s, "SELECT participant_id, date, start_min, end_min, offsite"
	       " FROM schedule_exceptions WHERE date = ?1 AND participant_id IN " ACTIVE_IDS
	       " ORDER BY participant_id, date, start_min");
	if (st)
		sqlite3_bind_text(st, 1, date, -1, SQLITE_STATIC);
	return store_rows(s, st, sizeof(**out), read_pid_exception, (void **)out, n);
}

int
store_exceptions_refused(struct store *s, int max_per_date, int64_t **out, size_t *n)
{
	/* As the engine checks them: times within the day, a date either cancelled or
	 * with sessions, at most max_per_date rows on a date. */
	sqlite3_stmt *st = store_prep(
	    s, "SELECT DISTINCT participant_id FROM schedule_exceptions"
	       " WHERE participant_id IN " ACTIVE_IDS " GROUP BY participant_id, date"
	       " HAVING count(*) > ?1"
	       " OR (sum(start_min IS NULL) > 0 AND sum(start_min IS NOT NULL) > 0)"
	       " OR sum(start_min IS NOT NULL AND NOT (start_min >= 0"
	       "  AND start_min < coalesce(end_min, -1) AND coalesce(end_min, -1) <= 1440)) > 0"
	       " ORDER BY participant_id");
	if (st)
		sqlite3_bind_int(st, 1, max_per_date);
	return store_rows(s, st, sizeof(**out), read_id, (void **)out, n);
}

int
store_day_taps_all(struct store *s, const char *date, struct store_pid_tap **out, size_t *n)
{
	/* The index's order, as store_taps_accepted() gives one participant's taps. */
	sqlite3_stmt *st = store_prep(
	    s, "SELECT participant_id, id, local_date, local_min, direction, " DAY_NUMBER(
	           "local_date") " FROM taps INDEXED BY taps_accepted"
	                         " WHERE participant_id IN " ACTIVE_IDS " AND local_date = ?1"
	                         " AND outcome IN ('accepted_in','accepted_out')"
	                         " ORDER BY participant_id, local_date, local_min, outcome,"
	                         " direction, id");
	if (st)
		sqlite3_bind_text(st, 1, date, -1, SQLITE_STATIC);
	return store_rows(s, st, sizeof(**out), read_pid_tap, (void **)out, n);
}

int
store_day_corrections_all(struct store *s, const char *date, struct store_correction **out,
                          size_t *n)
{
	sqlite3_stmt *st =
	    store_prep(s, "SELECT " CORRECTION_COLS " FROM corrections WHERE local_date = ?1"
	                  " AND participant_id IN " ACTIVE_IDS " ORDER BY participant_id, id");
	if (st)
		sqlite3_bind_text(st, 1, date, -1, SQLITE_STATIC);
	return store_rows(s, st, sizeof(**out), read_correction, (void **)out, n);
}

int
store_day_absences_all(struct store *s, const char *date, struct store_absence_row **out, size_t *n)
{
	/* by end date (absences_pid_to), not every earlier absence: the planner has no
	 * statistics to tell the two indexes apart, so it is named */
	sqlite3_stmt *st = store_prep(s, "SELECT " ABSENCE_COLS " FROM absences"
	                                 " INDEXED BY absences_pid_to WHERE revoked = 0"
	                                 " AND from_date <= ?1 AND to_date >= ?1"
	                                 " AND participant_id IN " ACTIVE_IDS
	                                 " ORDER BY participant_id, from_date, id");
	if (st)
		sqlite3_bind_text(st, 1, date, -1, SQLITE_STATIC);
	return store_rows(s, st, sizeof(**out), read_absence, (void **)out, n);
}

/* --- a date range for every participant (a month's documents in bulk) --- */

int
store_range_sessions(struct store *s, struct store_pid_session **out, size_t *n)
{
	/* rowid last: ties fall as the per-participant query's index scan leaves them */
	sqlite3_stmt *st =
	    store_prep(s, "SELECT participant_id, weekday, start_min, end_min, offsite"
	                  " FROM schedules ORDER BY participant_id, weekday, start_min, rowid");
	return store_rows(s, st, sizeof(**out), read_pid_session, (void **)out, n);
}

int
store_range_exceptions(struct store *s, struct store_pid_exception **out, size_t *n)
{
	sqlite3_stmt *st = store_prep(
	    s, "SELECT participant_id, date, start_min, end_min, offsite FROM schedule_exceptions"
	       " ORDER BY participant_id, date, start_min, rowid");
	return store_rows(s, st, sizeof(**out), read_pid_exception, (void **)out, n);
}

int
store_range_corrections(struct store *s, const char *from, const char *to,
                        struct store_correction **out, size_t *n)
{
	sqlite3_stmt *st =
	    store_prep(s, "SELECT " CORRECTION_COLS " FROM corrections"
	                  " WHERE participant_id IN (SELECT id FROM participants)"
	                  " AND local_date BETWEEN ?1 AND ?2 ORDER BY participant_id, id");
	if (st) {
		sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, to, -1, SQLITE_STATIC);
	}
	return store_rows(s, st, sizeof(**out), read_correction, (void **)out, n);
}

int
store_range_absences(struct store *s, const char *from, const char *to,
                     struct store_absence_row **out, size_t *n)
{
	sqlite3_stmt *st = store_prep(s, "SELECT " ABSENCE_COLS " FROM absences"
	                                 " INDEXED BY absences_pid_to WHERE revoked = 0"
	                                 " AND participant_id IN (SELECT id FROM participants)"
	                                 " AND to_date >= ?1 AND from_date <= ?2"
	                                 " ORDER BY participant_id, from_date, id");
	if (st) {
		sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, to, -1, SQLITE_STATIC);
	}
	return store_rows(s, st, sizeof(**out), read_absence, (void **)out, n);
}
