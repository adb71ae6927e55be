/*
 * store_results.c — the quota_state table: the rules engine's saved quota states
 * (rules_output.saved), one per participant and day, from which a later
 * computation resumes instead of walking from the programme start.  attendance.c
 * saves and reads them; every change of an engine input deletes the states after
 * its date in its own transaction (cmd.c, roster.c, attendance_refresh).
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store.h"
#include "store_int.h"

int
store_quota_state_get(struct store *s, int64_t pid, int32_t max_day, int32_t *day,
                      unsigned char **data, size_t *len)
{
	/* The primary key (participant_id, day) finds it without a scan. */
	sqlite3_stmt *st = store_prep(s, "SELECT day, state FROM quota_state"
	                                 " WHERE participant_id = ? AND day <= ?"
	                                 " ORDER BY day DESC LIMIT 1");
	int rc;

	*data = NULL;
	*len = 0;
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, pid);
	sqlite3_bind_int(st, 2, max_day);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		int n = sqlite3_column_bytes(st, 1);
		const void *b = sqlite3_column_blob(st, 1);

		*day = sqlite3_column_int(st, 0);
		if ((*data = malloc(n > 0 ? (size_t)n : 1)) == NULL) {
			store_stmt_done(s, st);
			return -1;
		}
		if (n > 0)
			memcpy(*data, b, (size_t)n);
		*len = (size_t)n;
		store_stmt_done(s, st);
		return 0;
	}
	if (rc != SQLITE_DONE)
		log_err("store: quota state: %s", sqlite3_errmsg(s->db));
	store_stmt_done(s, st);
	return rc == SQLITE_DONE ? 1 : -1;
}

int
store_quota_state_put(struct store *s, int64_t pid, int32_t day, const unsigned char *data,
                      size_t len)
{
	sqlite3_stmt *st = store_prep(s, "INSERT OR REPLACE INTO quota_state(participant_id, day,"
	                                 " state) VALUES(?,?,?)");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, pid);
	sqlite3_bind_int(st, 2, day);
	sqlite3_bind_blob(st, 3, data, (int)len, SQLITE_STATIC);
	return store_run(s, st);
}

int
store_quota_state_delete_after(struct store *s, int64_t pid, int32_t after)
{
	sqlite3_stmt *st =
	    store_prep(s, pid ? "DELETE FROM quota_state WHERE participant_id = ? AND day > ?"
	                      : "DELETE FROM quota_state WHERE ?1 IS NOT NULL AND day > ?2");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, pid);
	sqlite3_bind_int(st, 2, after);
	return store_run(s, st);
}

int64_t
store_quota_state_count(struct store *s, int64_t pid, int32_t after)
{
	sqlite3_stmt *st = store_prep(
	    s, pid ? "SELECT count(*) FROM quota_state WHERE participant_id = ? AND day > ?"
	           : "SELECT count(*) FROM quota_state WHERE ?1 IS NOT NULL AND day > ?2");
	int64_t n = -1;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, pid);
	sqlite3_bind_int(st, 2, after);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	else
		log_err("store: quota state: %s", sqlite3_errmsg(s->db));
	store_stmt_done(s, st);
	return n;
}

int
store_range_quota_states(struct store *s, int32_t max_day, struct store_pid_state **out, size_t *n)
{
	/* Every participant's latest state with day <= max_day: two primary-key searches
	 * each, not a scan of every state. */
	sqlite3_stmt *st = store_prep(
	    s, "SELECT q.participant_id, q.day, q.state FROM participants p JOIN quota_state q"
	       " ON q.participant_id = p.id AND q.day = (SELECT max(day) FROM quota_state"
	       "  WHERE participant_id = p.id AND day <= ?1) ORDER BY p.id");
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (st == NULL)
		return -1;
	sqlite3_bind_int(st, 1, max_day);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_pid_state *r;
		int len = sqlite3_column_bytes(st, 2);

		LIST_NEXT(out, n, cap, rc);
		r = &(*out)[*n];
		r->pid = sqlite3_column_int64(st, 0);
		r->day = sqlite3_column_int(st, 1);
		r->len = len > 0 ? (size_t)len : 0;
		if ((r->data = malloc(r->len ? r->len : 1)) == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		if (r->len)
			memcpy(r->data, sqlite3_column_blob(st, 2), r->len);
		(*n)++;
	}
	if (rc != SQLITE_DONE) {
		store_range_quota_states_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return store_list_done(s, st, rc, (void **)out, n);
}

void
store_range_quota_states_free(struct store_pid_state *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].data);
	free(v);
}
