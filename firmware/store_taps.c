/*
 * store_taps.c — taps and the outbox.  Durability rule: store_record_tap() writes
 * the tap row and its outbox event in one BEGIN IMMEDIATE ... COMMIT and returns
 * only after COMMIT (WAL fsynced, synchronous=FULL), so the kiosk answers a tap
 * only once both survive a power cut.  The uploader marks events sent or dead:
 * a step of an answer that delivers the head of the queue moves the delivered
 * watermark (one small row) instead of rewriting every event's row.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "clock.h"
#include "log.h"
#include "store_int.h"

/* --- taps --- */

static int
bind_event(struct store *s, const char *uuid, const char *type, const char *json)
{
	sqlite3_stmt *st = s->st[ST_EVENT_INSERT];
	int rc;

	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, uuid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, json, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, store_now_ms());
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		log_err("store: outbox insert: %s", sqlite3_errmsg(s->db));
		return -1;
	}
	return 0;
}

int
store_record_tap(struct store *s, const struct store_tap *t, int64_t *tap_id)
{
	sqlite3_stmt *st = s->st[ST_TAP_INSERT];
	int64_t t0 = clock_mono_ns(), waited;
	int rc;

	/*
	 * One transaction: the tap and its outbox event are durable together.  How long
	 * BEGIN IMMEDIATE waited for the write lock is kept (the one-writer promise:
	 * nothing else holds it long; /metrics stempel_tap_db_wait_max_seconds).
	 */
	if (store_step_txn(s, ST_BEGIN) < 0)
		return -1;
	waited = clock_mono_ns() - t0;
	if (waited > s->tap_wait_max_ns)
		s->tap_wait_max_ns = waited;
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, t->uuid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, t->card_key, -1, SQLITE_STATIC);
	if (t->participant_id)
		sqlite3_bind_int64(st, 3, t->participant_id);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_text(st, 4, t->direction, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, t->outcome, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, t->wall_ms);
	sqlite3_bind_int64(st, 7, t->mono_ns);
	sqlite3_bind_text(st, 8, t->clock, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, t->local_date, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 10, t->local_min);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		log_err("store: tap insert: %s", sqlite3_errmsg(s->db));
		goto fail;
	}
	if (tap_id)
		*tap_id = sqlite3_last_insert_rowid(s->db);
	if (bind_event(s, t->uuid, t->event_type, t->event_json) < 0)
		goto fail;
	/* COMMIT returns after the WAL is on disk (synchronous = FULL). */
	if (store_step_txn(s, ST_COMMIT) < 0)
		goto fail;
	return 0;
fail:
	store_rollback(s);
	return -1;
}

int64_t
store_tap_wait_max_ns(const struct store *s)
{
	return s->tap_wait_max_ns;
}

int
store_last_accepted(struct store *s, int64_t pid, const char *local_date, char *dir, size_t dirlen,
                    int *local_min)
{
	sqlite3_stmt *st = s->st[ST_LAST_DIR];
	int rc;

	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, pid);
	sqlite3_bind_text(st, 2, local_date, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	/* an aggregate always returns a row: max(id) is NULL when there is no tap */
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 2) == SQLITE_NULL)
		rc = SQLITE_DONE;
	if (rc == SQLITE_ROW) {
		store_copy_col(st, 0, dir, dirlen);
		*local_min = sqlite3_column_int(st, 1);
	} else if (rc != SQLITE_DONE)
		log_err("store: last direction: %s", sqlite3_errmsg(s->db));
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int64_t
store_tap_count(struct store *s)
{
	sqlite3_stmt *st = store_prep(s, "SELECT count(*) FROM taps");
	int64_t n = -1;

	if (st && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	store_stmt_done(s, st);
	return n;
}

/* --- outbox --- */

int
store_event_add(struct store *s, const char *uuid, const char *type, const char *json)
{
	return bind_event(s, uuid, type, json);
}

int
store_outbox_pending(struct store *s, int64_t after_seq, int max, struct store_event **evs, int *n)
{
	sqlite3_stmt *st =
	    store_prep(s, "SELECT seq, id, type, json FROM outbox WHERE state = 'pending'"
	                  " AND seq > max(?, " OUTBOX_WATERMARK ") ORDER BY seq LIMIT ?");
	struct store_event *v;
	int rc;

	*evs = NULL;
	*n = 0;
	if (st == NULL)
		return -1;
	v = calloc(max > 0 ? (size_t)max : 1, sizeof(*v));
	if (v == NULL) {
		store_stmt_done(s, st);
		return -1;
	}
	sqlite3_bind_int64(st, 1, after_seq);
	sqlite3_bind_int(st, 2, max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_event *e = &v[*n];

		e->seq = sqlite3_column_int64(st, 0);
		store_copy_col(st, 1, e->id, sizeof(e->id));
		store_copy_col(st, 2, e->type, sizeof(e->type));
		e->json = strdup((const char *)sqlite3_column_text(st, 3));
		if (e->json == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		(*n)++;
	}
	store_stmt_done(s, st);
	if (rc != SQLITE_DONE) {
		store_events_free(v, *n);
		*n = 0;
		return -1;
	}
	*evs = v;
	return 0;
}

int
store_outbox_mark(struct store *s, const char *id, const char *state, const char *reason)
{
	sqlite3_stmt *st = store_prep(s, "UPDATE outbox SET state = ?, reason = ?, done_ms = ?"
	                                 " WHERE id = ? AND state = 'pending'"
	                                 " AND seq > " OUTBOX_WATERMARK);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	if (reason)
		sqlite3_bind_text(st, 2, reason, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 2);
	sqlite3_bind_int64(st, 3, store_now_ms());
	sqlite3_bind_text(st, 4, id, -1, SQLITE_STATIC);
	return store_run(s, st);
}

void
store_events_free(struct store_event *evs, int n)
{
	if (evs == NULL) /* nothing loaded, whatever the count says */
		return;
	for (int i = 0; i < n; i++)
		free(evs[i].json);
	free(evs);
}

/*
 * Delivered events are kept: a kiosk of 2,000 participants has 1.5 million of them
 * after a year, and counting them takes 130 ms (make bench).  The daemon's health,
 * metrics and board ask on the loop, so only stempelctl status counts them.  The
 * oldest pending event is the head of the queue (the lowest seq, one index step):
 * min(created_ms) read the row of every pending event, 35-45 ms for 100,000.
 */
static int
outbox_stats(struct store *s, struct store_outbox_stats *o, int delivered)
{
	/* the delivered count only when asked for: a CASE evaluates its subquery only then */
	sqlite3_stmt *st = store_prep(
	    s,
	    "SELECT"
	    " (SELECT count(*) FROM outbox WHERE state = 'pending' AND seq > " OUTBOX_WATERMARK "),"
	    " CASE WHEN ?1 THEN (SELECT count(*) FROM outbox WHERE state = 'delivered')"
	    "  + (SELECT count(*) FROM outbox WHERE state = 'pending'"
	    "  AND seq <= " OUTBOX_WATERMARK ") ELSE -1 END,"
	    " (SELECT count(*) FROM outbox WHERE state = 'dead'),"
	    " (SELECT created_ms FROM outbox WHERE state = 'pending'"
	    "  AND seq > " OUTBOX_WATERMARK " ORDER BY seq LIMIT 1)");
	int rc;

	memset(o, 0, sizeof(*o));
	if (st == NULL)
		return -1;
	s->backlog_counts++;
	sqlite3_bind_int(st, 1, delivered);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		o->pending = sqlite3_column_int64(st, 0);
		o->delivered = sqlite3_column_int64(st, 1);
		o->dead = sqlite3_column_int64(st, 2);
		o->oldest_pending_ms = sqlite3_column_int64(st, 3);
	}
	store_stmt_done(s, st);
	return rc == SQLITE_ROW ? 0 : -1;
}

int
store_outbox_stats(struct store *s, struct store_outbox_stats *o)
{
	return outbox_stats(s, o, 1);
}

int
store_outbox_backlog(struct store *s, struct store_outbox_stats *o)
{
	return outbox_stats(s, o, 0);
}

uint64_t
store_outbox_backlog_counts(const struct store *s)
{
	return s->backlog_counts;
}

int
store_counts(struct store *s, const char *local_date, struct store_counts *c)
{
	sqlite3_stmt *st = store_prep(s, "SELECT"
	                                 " (SELECT count(*) FROM participants WHERE active = 1),"
	                                 " (SELECT count(*) FROM cards WHERE revoked = 0),"
	                                 " (SELECT count(*) FROM taps),"
	                                 " (SELECT count(*) FROM taps WHERE local_date = ?)");
	int rc;

	memset(c, 0, sizeof(*c));
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, local_date, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		c->participants_active = sqlite3_column_int64(st, 0);
		c->cards_active = sqlite3_column_int64(st, 1);
		c->taps = sqlite3_column_int64(st, 2);
		c->taps_today = sqlite3_column_int64(st, 3);
	}
	store_stmt_done(s, st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* --- uploader --- */

/* Mark one event by id (inside the caller's transaction); 0 or -1. */
static int
mark_one(struct store *s, sqlite3_stmt *st, const struct store_outbox_mark *m, int64_t now)
{
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, m->state, -1, SQLITE_STATIC);
	if (m->reason)
		sqlite3_bind_text(st, 2, m->reason, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 2);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_text(st, 4, m->id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		log_err("store: marking outbox events: %s", sqlite3_errmsg(s->db));
		return -1;
	}
	return 0;
}

/*
 * The delivered events of a step, as a move of the watermark.  Right only when the
 * events still pending above the watermark, up to the step's last delivered one,
 * are exactly the step's delivered events (the receiver answered the head of the
 * queue; the dead ones are marked by id already): the pending rows of that range
 * are walked along the step's seqs.  Then one row in outbox_delivered says it for
 * all of them and the events' own rows are not rewritten (about 430 bytes of WAL
 * each, which the next tap's fsync had to write, and a checkpoint after it).
 * 1 done, 0 not applicable (an event in the range unanswered, one not pending, seqs
 * out of order: mark by id), -1 error.
 */
static int
mark_watermark(struct store *s, const struct store_outbox_mark *m, int n, int64_t now)
{
	int64_t w = 0, last = 0;
	int k = 0, i = 0, rc = SQLITE_DONE, fits = 1;
	sqlite3_stmt *st;

	for (int j = 0; j < n; j++) {
		if (strcmp(m[j].state, "delivered") != 0)
			continue;
		if (k++ && m[j].seq <= last)
			return 0;
		last = m[j].seq;
	}
	if (k == 0)
		return 0;
	if ((st = store_prep(s, "SELECT " OUTBOX_WATERMARK)) == NULL)
		return -1;
	rc = sqlite3_step(st);
	w = sqlite3_column_int64(st, 0);
	store_stmt_done(s, st);
	if (rc != SQLITE_ROW)
		return -1;
	st = store_prep(s, "SELECT seq FROM outbox WHERE state = 'pending'"
	                   " AND seq > ? AND seq <= ? ORDER BY seq");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, w);
	sqlite3_bind_int64(st, 2, last);
	/* both ascending: each pending row is the step's next delivered event */
	while (fits && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		while (i < n && strcmp(m[i].state, "delivered") != 0)
			i++;
		fits = i < n && m[i++].seq == sqlite3_column_int64(st, 0);
	}
	store_stmt_done(s, st);
	if (fits && rc != SQLITE_DONE) {
		log_err("store: outbox watermark: %s", sqlite3_errmsg(s->db));
		return -1;
	}
	while (fits && i < n && strcmp(m[i].state, "delivered") != 0)
		i++;
	if (!fits || i < n) /* a pending row not in the step, or a delivered event not pending */
		return 0;
	st = store_prep(s, "INSERT INTO outbox_delivered(last_seq, done_ms) VALUES(?, ?)");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, last);
	sqlite3_bind_int64(st, 2, now);
	return store_run(s, st) < 0 ? -1 : 1;
}

int
store_outbox_mark_batch(struct store *s, const struct store_outbox_mark *m, int n)
{
	sqlite3_stmt *st;
	int64_t now = store_now_ms();
	int moved;

	if (n == 0)
		return 0;
	/* One COMMIT for the whole answer, without an fsync of its own (store_lazy_begin). */
	if (store_lazy_begin(s) < 0)
		return -1;
	if (store_exec(s, "BEGIN IMMEDIATE") < 0)
		goto fail;
	st = store_prep(s, "UPDATE outbox SET state = ?, reason = ?, done_ms = ?"
	                   " WHERE id = ? AND state = 'pending' AND seq > " OUTBOX_WATERMARK);
	if (st == NULL)
		goto fail;
	/* dead letters by id first: then they are out of the watermark's way */
	for (int i = 0; i < n; i++)
		if (strcmp(m[i].state, "delivered") != 0 && mark_one(s, st, &m[i], now) < 0)
			goto fail_st;
	if ((moved = mark_watermark(s, m, n, now)) < 0)
		goto fail_st;
	for (int i = 0; i < n && !moved; i++)
		if (strcmp(m[i].state, "delivered") == 0 && mark_one(s, st, &m[i], now) < 0)
			goto fail_st;
	store_stmt_done(s, st);
	if (store_exec(s, "COMMIT") < 0)
		goto fail;
	return store_lazy_end(s);
fail_st:
	store_stmt_done(s, st);
fail:
	store_rollback(s);
	store_lazy_end(s);
	return -1;
}

int
store_outbox_last_dead(struct store *s, char *id, size_t idlen, char *reason, size_t reasonlen,
                       int64_t *done_ms)
{
	sqlite3_stmt *st =
	    store_prep(s, "SELECT id, reason, done_ms FROM outbox WHERE state = 'dead'"
	                  " ORDER BY done_ms DESC, seq DESC LIMIT 1");
	int rc;

	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		store_copy_col(st, 0, id, idlen);
		store_copy_col(st, 1, reason, reasonlen);
		*done_ms = sqlite3_column_int64(st, 2);
	} else if (rc != SQLITE_DONE) {
		log_err("store: last dead letter: %s", sqlite3_errmsg(s->db));
	}
	store_stmt_done(s, st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int
store_unknown_cards(struct store *s, int64_t since_ms, int max, store_unknown_card_fn fn, void *arg)
{
	/* Cards enrolled since they were tapped are no longer unknown. */
	sqlite3_stmt *st =
	    store_prep(s, "SELECT card_key, max(wall_ms), count(*) FROM taps"
	                  " WHERE outcome = 'unknown_card' AND wall_ms >= ?"
	                  " AND card_key NOT IN (SELECT key FROM cards WHERE revoked = 0)"
	                  " GROUP BY card_key ORDER BY 2 DESC LIMIT ?");
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, since_ms);
	sqlite3_bind_int(st, 2, max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(st, 0);

		if (fn(arg, key ? key : "", sqlite3_column_int64(st, 1), sqlite3_column_int(st, 2)))
			break;
	}
	store_stmt_done(s, st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* A participant's taps from..to of one prepared query, in the index's order. */
static int
day_taps(struct store *s, sqlite3_stmt *st, int64_t pid, const char *from, const char *to,
         struct store_day_tap **out, size_t *n)
{
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, pid);
	sqlite3_bind_text(st, 2, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, to, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		LIST_NEXT(out, n, cap, rc);
		store_read_day_tap(st, 0, &(*out)[(*n)++]);
	}
	return store_list_done(s, st, rc, (void **)out, n);
}

int
store_taps_accepted(struct store *s, int64_t pid, const char *from, const char *to,
                    struct store_day_tap **out, size_t *n)
{
	sqlite3_stmt *st = store_prep(
	    s,
	    "SELECT id, local_date, local_min, direction, " DAY_NUMBER(
	        "local_date") " FROM taps INDEXED BY taps_accepted"
	                      " WHERE participant_id = ? AND local_date BETWEEN ? AND ?"
	                      " AND outcome IN ('accepted_in','accepted_out')"
	                      " ORDER BY local_date, local_min"); /* the index's order: no sort */
	return day_taps(s, st, pid, from, to, out, n);
}

/* The "already in" taps (a second tap soon after checking in): the board lists them. */
int
store_taps_already(struct store *s, int64_t pid, const char *from, const char *to,
                   struct store_day_tap **out, size_t *n)
{
	sqlite3_stmt *st = store_prep(
	    s, "SELECT id, local_date, local_min, direction, " DAY_NUMBER(
	           "local_date") " FROM taps INDEXED BY taps_accepted"
	                         " WHERE participant_id = ? AND local_date BETWEEN ? AND ?"
	                         " AND outcome = 'already_registered'"
	                         " ORDER BY local_date, local_min");
	return day_taps(s, st, pid, from, to, out, n);
}

int
store_tap_accepted_get(struct store *s, int64_t tap_id, int64_t *pid, struct store_day_tap *out)
{
	sqlite3_stmt *st = store_prep(
	    s, "SELECT participant_id, id, local_date, local_min, direction, " DAY_NUMBER(
	           "local_date") " FROM taps WHERE id = ?"
	                         " AND outcome IN ('accepted_in','accepted_out')");
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tap_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*pid = sqlite3_column_int64(st, 0);
		store_read_day_tap(st, 1, out);
	}
	store_stmt_done(s, st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

/*
 * A "YYYY-MM-DD" date's day number (days since 1970-01-01) as DAY_NUMBER() gives it,
 * without julianday() per row: 1 when `d` is such a date (digits, year 0001 or
 * later, month 1-12, day 1 up to the month's length), 0 otherwise (the caller asks
 * SQL then).
 */
static int
day_number_of(const char *d, int32_t *out)
{
	static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, m, dd, era, yoe, doy, doe;

	for (int i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? d[i] != '-' : d[i] < '0' || d[i] > '9')
			return 0;
	if (d[10] != '\0')
		return 0;
	y = (d[0] - '0') * 1000 + (d[1] - '0') * 100 + (d[2] - '0') * 10 + (d[3] - '0');
	m = (d[5] - '0') * 10 + (d[6] - '0');
	dd = (d[8] - '0') * 10 + (d[9] - '0');
	if (y < 1 || m < 1 || m > 12 || dd < 1 ||
	    dd > len[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)))
		return 0;
	/* days from the civil date (proleptic Gregorian, as julianday()) */
	y -= m <= 2;
	era = y / 400; /* y >= 0 here: no negative division */
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + dd - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	*out = (int32_t)(era * 146097 + doe - 719468);
	return 1;
}

/* DAY_NUMBER() of column `col` of the row `st` is on, from SQL: 0, or -1. */
static int
day_number_sql(struct store *s, sqlite3_stmt *row, int col, int32_t *out)
{
	sqlite3_stmt *st = store_prep(s, "SELECT " DAY_NUMBER("?1"));
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_value(st, 1, sqlite3_column_value(row, col));
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*out = sqlite3_column_int(st, 0);
	store_stmt_done(s, st);
	return rc == SQLITE_ROW ? 0 : -1;
}

int
store_range_taps(struct store *s, const char *from, const char *to, struct store_pid_tap **out,
                 size_t *n)
{
	/* The index's order, as store_taps_accepted() gives one participant's taps; the
	 * participant list makes it one index search each, not a scan of every tap.  The
	 * day number is computed here from the date, not by julianday() in SQL for each
	 * of a month's ~76,000 rows; a date it cannot read asks SQL, as before. */
	sqlite3_stmt *st =
	    store_prep(s, "SELECT participant_id, id, local_date, local_min, direction"
	                  " FROM taps INDEXED BY taps_accepted"
	                  " WHERE participant_id IN (SELECT id FROM participants)"
	                  " AND local_date BETWEEN ?1 AND ?2"
	                  " AND outcome IN ('accepted_in','accepted_out')"
	                  " ORDER BY participant_id, local_date, local_min, outcome,"
	                  " direction, id");
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, to, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_day_tap *t;
		/* read before the text is: sqlite3_column_type() is undefined after */
		int is_text = sqlite3_column_type(st, 2) == SQLITE_TEXT;

		LIST_NEXT(out, n, cap, rc);
		(*out)[*n].pid = sqlite3_column_int64(st, 0);
		t = &(*out)[(*n)++].t;
		t->id = sqlite3_column_int64(st, 1);
		store_copy_short(st, 2, t->date, sizeof(t->date));
		t->minute = sqlite3_column_int(st, 3);
		store_copy_short(st, 4, t->direction, sizeof(t->direction));
		if ((!is_text || sqlite3_column_bytes(st, 2) != 10 ||
		     !day_number_of(t->date, &t->day)) &&
		    day_number_sql(s, st, 2, &t->day) < 0) {
			rc = SQLITE_ERROR;
			break;
		}
	}
	return store_list_done(s, st, rc, (void **)out, n);
}
