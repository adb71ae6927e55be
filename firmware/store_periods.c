/*
 * store_periods.c — money and results: G values, the meta key/value table (service
 * date and other settings), stored day results, pay periods, their frozen lines
 * and days.  A closed period's lines are never rewritten: later changes become
 * adjustment lines in the next open period (period.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "log.h"
#include "store_int.h"

/* --- G values, meta --- */

int
store_g_set(struct store *s, const char *from_date, int64_t amount)
{
	sqlite3_stmt *st =
	    store_prep(s, "INSERT OR REPLACE INTO g_values(from_date, amount) VALUES(?,?)");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, from_date, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, amount);
	return store_run(s, st);
}

int
store_meta_get(struct store *s, const char *key, char *out, size_t outlen)
{
	sqlite3_stmt *st = store_prep(s, "SELECT value FROM meta WHERE key = ?");
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		store_copy_col(st, 0, out, outlen);
	store_stmt_done(s, st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int
store_meta_set(struct store *s, const char *key, const char *value)
{
	sqlite3_stmt *st = store_prep(s, "INSERT OR REPLACE INTO meta(key, value) VALUES(?,?)");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	return store_run(s, st);
}

static void
read_g(sqlite3_stmt *st, void *row)
{
	struct store_g *g = row;

	store_copy_col(st, 0, g->from, sizeof(g->from));
	g->amount = sqlite3_column_int64(st, 1);
}

int
store_g_values(struct store *s, struct store_g **out, size_t *n)
{
	sqlite3_stmt *st =
	    store_prep(s, "SELECT from_date, amount FROM g_values ORDER BY from_date");

	return store_rows(s, st, sizeof(**out), read_g, (void **)out, n);
}

int
store_day_result_get(struct store *s, int64_t pid, const char *date, char **json)
{
	sqlite3_stmt *st =
	    store_prep(s, "SELECT json FROM day_results WHERE participant_id = ? AND date = ?");
	int rc;

	*json = NULL;
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, pid);
	sqlite3_bind_text(st, 2, date, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && (*json = store_dup_col(st, 0)) == NULL)
		rc = SQLITE_NOMEM;
	store_stmt_done(s, st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int
store_day_result_put(struct store *s, int64_t pid, const char *date, const char *json)
{
	sqlite3_stmt *st =
	    store_prep(s, "INSERT OR REPLACE INTO day_results(participant_id, date, json,"
	                  " computed_ms) VALUES(?,?,?,?)");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, pid);
	sqlite3_bind_text(st, 2, date, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, json, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, store_now_ms());
	return store_run(s, st);
}

#define PERIOD_COLS "id, from_date, to_date, status, closed_ms, closed_by"

static void
read_period(sqlite3_stmt *st, int col, struct store_period *p)
{
	memset(p, 0, sizeof(*p));
	p->id = sqlite3_column_int64(st, col);
	store_copy_col(st, col + 1, p->from, sizeof(p->from));
	store_copy_col(st, col + 2, p->to, sizeof(p->to));
	store_copy_col(st, col + 3, p->status, sizeof(p->status));
	p->closed_ms = sqlite3_column_int64(st, col + 4);
	store_copy_col(st, col + 5, p->closed_by, sizeof(p->closed_by));
}

static int
period_one(struct store *s, sqlite3_stmt *st, struct store_period *out)
{
	int rc;

	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_period(st, 0, out);
	else if (rc != SQLITE_DONE)
		log_err("store: reading period: %s", sqlite3_errmsg(s->db));
	store_stmt_done(s, st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

static int
period_by_dates(struct store *s, const char *from, const char *to, struct store_period *out)
{
	sqlite3_stmt *st = store_prep(s, "SELECT " PERIOD_COLS
	                                 " FROM periods WHERE from_date = ? AND to_date = ?");

	if (st) {
		sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, to, -1, SQLITE_STATIC);
	}
	return period_one(s, st, out);
}

int
store_period_ensure(struct store *s, const char *from, const char *to, struct store_period *out)
{
	sqlite3_stmt *st;
	int rc;

	/*
	 * Looked up first: a period listing ensures every month since the service date
	 * (37 on three years), and only a missing one needs a write transaction.
	 */
	if ((rc = period_by_dates(s, from, to, out)) != 1)
		return rc == 0 ? 0 : -1;
	/*
	 * A read-only connection (stempelctl beside a running daemon) cannot add the
	 * row: a period not stored yet reads as open, id 0; the daemon stores it.
	 */
	if (s->readonly) {
		memset(out, 0, sizeof(*out));
		snprintf(out->from, sizeof(out->from), "%s", from);
		snprintf(out->to, sizeof(out->to), "%s", to);
		snprintf(out->status, sizeof(out->status), "open");
		return 0;
	}
	if ((st = store_prep(s, "INSERT OR IGNORE INTO periods(from_date, to_date)"
	                        " VALUES(?,?)")) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, to, -1, SQLITE_STATIC);
	if (store_run(s, st) < 0)
		return -1;
	return period_by_dates(s, from, to, out) == 0 ? 0 : -1;
}

int
store_period_get(struct store *s, int64_t id, struct store_period *out)
{
	sqlite3_stmt *st = store_prep(s, "SELECT " PERIOD_COLS " FROM periods WHERE id = ?");

	if (st)
		sqlite3_bind_int64(st, 1, id);
	return period_one(s, st, out);
}

int
store_period_at(struct store *s, const char *date, struct store_period *out)
{
	sqlite3_stmt *st =
	    store_prep(s, "SELECT " PERIOD_COLS " FROM periods"
	                  " WHERE from_date <= ?1 AND to_date >= ?1 ORDER BY id LIMIT 1");

	if (st)
		sqlite3_bind_text(st, 1, date, -1, SQLITE_STATIC);
	return period_one(s, st, out);
}

static void
read_period_row(sqlite3_stmt *st, void *row)
{
	read_period(st, 0, row);
}

static int
period_list(struct store *s, sqlite3_stmt *st, struct store_period **out, size_t *n)
{
	return store_rows(s, st, sizeof(**out), read_period_row, (void **)out, n);
}

int
store_periods(struct store *s, struct store_period **out, size_t *n)
{
	return period_list(
	    s, store_prep(s, "SELECT " PERIOD_COLS " FROM periods ORDER BY from_date, id"), out, n);
}

int
store_periods_closed_for(struct store *s, int64_t pid, struct store_period **out, size_t *n)
{
	sqlite3_stmt *st =
	    store_prep(s, "SELECT " PERIOD_COLS " FROM periods WHERE status = 'closed'"
	                  " AND EXISTS (SELECT 1 FROM period_lines l WHERE l.period_id = periods.id"
	                  " AND l.participant_id = ? AND l.kind = 'line') ORDER BY from_date, id");

	if (st)
		sqlite3_bind_int64(st, 1, pid);
	return period_list(s, st, out, n);
}

int
store_period_close(struct store *s, int64_t id, const char *who)
{
	sqlite3_stmt *st =
	    store_prep(s, "UPDATE periods SET status = 'closed', closed_ms = ?, closed_by = ?"
	                  " WHERE id = ? AND status = 'open'");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, store_now_ms());
	sqlite3_bind_text(st, 2, who, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, id);
	if (store_run(s, st) < 0)
		return -1;
	return sqlite3_changes(s->db) == 1 ? 0 : 1;
}

int
store_period_line_add(struct store *s, const struct store_period_line *l, int64_t *id)
{
	sqlite3_stmt *st =
	    store_prep(s, "INSERT INTO period_lines(period_id, participant_id, kind,"
	                  " corrects_period, corrects_date, json) VALUES(?,?,?,?,?,?)");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, l->period_id);
	sqlite3_bind_int64(st, 2, l->participant_id);
	sqlite3_bind_text(st, 3, l->kind, -1, SQLITE_STATIC);
	if (l->corrects_period)
		sqlite3_bind_int64(st, 4, l->corrects_period);
	if (l->corrects_date[0])
		sqlite3_bind_text(st, 5, l->corrects_date, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, l->json, -1, SQLITE_STATIC);
	if (store_run(s, st) < 0)
		return -1;
	if (id)
		*id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

void
store_period_lines_free(struct store_period_line *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(l[i].json);
	free(l);
}

static int
line_list(struct store *s, sqlite3_stmt *st, struct store_period_line **out, size_t *n)
{
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_period_line *l;

		LIST_NEXT(out, n, cap, rc);
		l = &(*out)[*n];
		memset(l, 0, sizeof(*l));
		l->id = sqlite3_column_int64(st, 0);
		l->period_id = sqlite3_column_int64(st, 1);
		l->participant_id = sqlite3_column_int64(st, 2);
		store_copy_col(st, 3, l->kind, sizeof(l->kind));
		l->corrects_period = sqlite3_column_int64(st, 4);
		store_copy_col(st, 5, l->corrects_date, sizeof(l->corrects_date));
		if ((l->json = store_dup_col(st, 6)) == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		(*n)++;
	}
	if (rc != SQLITE_DONE) {
		log_err("store: period lines: %s", sqlite3_errmsg(s->db));
		store_stmt_done(s, st);
		store_period_lines_free(*out, *n);
		*out = NULL;
		*n = 0;
		return -1;
	}
	store_stmt_done(s, st);
	return 0;
}

#define LINE_COLS "id, period_id, participant_id, kind, corrects_period, corrects_date, json"

int
store_period_lines(struct store *s, int64_t period_id, struct store_period_line **out, size_t *n)
{
	sqlite3_stmt *st =
	    store_prep(s, "SELECT " LINE_COLS " FROM period_lines WHERE period_id = ?"
	                  " ORDER BY id");

	if (st)
		sqlite3_bind_int64(st, 1, period_id);
	return line_list(s, st, out, n);
}

int
store_period_corrections(struct store *s, int64_t corrects, int64_t pid,
                         struct store_period_line **out, size_t *n)
{
	sqlite3_stmt *st =
	    store_prep(s, "SELECT " LINE_COLS " FROM period_lines WHERE corrects_period = ?"
	                  " AND participant_id = ? AND kind = 'adjustment' ORDER BY id");

	if (st) {
		sqlite3_bind_int64(st, 1, corrects);
		sqlite3_bind_int64(st, 2, pid);
	}
	return line_list(s, st, out, n);
}

int
store_period_has_line(struct store *s, int64_t period_id, int64_t pid)
{
	sqlite3_stmt *st = store_prep(s, "SELECT 1 FROM period_lines WHERE period_id = ?"
	                                 " AND participant_id = ? AND kind = 'line'");
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, period_id);
	sqlite3_bind_int64(st, 2, pid);
	rc = sqlite3_step(st);
	store_stmt_done(s, st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
store_period_day_add(struct store *s, int64_t period_id, int64_t pid, const char *date,
                     const char *json)
{
	sqlite3_stmt *st =
	    store_prep(s, "INSERT INTO period_days(period_id, participant_id, date, json)"
	                  " VALUES(?,?,?,?)");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, period_id);
	sqlite3_bind_int64(st, 2, pid);
	sqlite3_bind_text(st, 3, date, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, json, -1, SQLITE_STATIC);
	return store_run(s, st);
}

int
store_period_days(struct store *s, int64_t period_id, int64_t pid, store_period_day_fn fn,
                  void *arg)
{
	sqlite3_stmt *st = store_prep(s, "SELECT date, json FROM period_days WHERE period_id = ?"
	                                 " AND participant_id = ? ORDER BY date");
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, period_id);
	sqlite3_bind_int64(st, 2, pid);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(arg, (const char *)sqlite3_column_text(st, 0),
		       (const char *)sqlite3_column_text(st, 1)) != 0) {
			store_stmt_done(s, st);
			return -1;
		}
	if (rc != SQLITE_DONE)
		log_err("store: period days: %s", sqlite3_errmsg(s->db));
	store_stmt_done(s, st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_period_line_get(struct store *s, int64_t period_id, int64_t pid,
                      struct store_period_line *out)
{
	sqlite3_stmt *st =
	    store_prep(s, "SELECT " LINE_COLS " FROM period_lines WHERE period_id = ?"
	                  " AND participant_id = ? AND kind = 'line' ORDER BY id LIMIT 1");
	struct store_period_line *l;
	size_t n;

	if (st) {
		sqlite3_bind_int64(st, 1, period_id);
		sqlite3_bind_int64(st, 2, pid);
	}
	if (line_list(s, st, &l, &n) < 0)
		return -1;
	if (n == 0)
		return 1;
	*out = l[0];
	free(l);
	return 0;
}

/*
 * Open periods that start after `today` and hold nothing (no line, no frozen day, no
 * adjustment pointing at them): made by a wrong clock, never payable.  *n dropped.
 */
int
store_periods_drop_future(struct store *s, const char *today, int *n)
{
	sqlite3_stmt *st =
	    store_prep(s, "DELETE FROM periods WHERE status = 'open' AND from_date > ?"
	                  " AND NOT EXISTS (SELECT 1 FROM period_lines l"
	                  "  WHERE l.period_id = periods.id OR l.corrects_period = periods.id)"
	                  " AND NOT EXISTS (SELECT 1 FROM period_days d"
	                  "  WHERE d.period_id = periods.id)");

	*n = 0;
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, today, -1, SQLITE_STATIC);
	if (store_run(s, st) < 0)
		return -1;
	*n = sqlite3_changes(s->db);
	return 0;
}

/* How many periods store_periods_drop_future() would remove (a read). */
int
store_periods_future(struct store *s, const char *today, int *n)
{
	sqlite3_stmt *st =
	    store_prep(s, "SELECT count(*) FROM periods WHERE status = 'open' AND from_date > ?"
	                  " AND NOT EXISTS (SELECT 1 FROM period_lines l"
	                  "  WHERE l.period_id = periods.id OR l.corrects_period = periods.id)"
	                  " AND NOT EXISTS (SELECT 1 FROM period_days d"
	                  "  WHERE d.period_id = periods.id)");
	int rc;

	*n = 0;
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, today, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*n = sqlite3_column_int(st, 0);
	store_stmt_done(s, st);
	return rc == SQLITE_ROW ? 0 : -1;
}
