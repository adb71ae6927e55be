/*
 * store_outbox.c — the outbox's life after an answer: dead letters listed and
 * sent again (an administrator's retry), and delivered events pruned after
 * [upload] keep_delivered_days in small steps (those marked one by one and those
 * under the delivered watermark, store_taps.c).  Sending and marking are in
 * store_taps.c.
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "store.h"
#include "store_int.h"

int
store_outbox_dead_each(struct store *s, store_dead_fn fn, void *arg)
{
	sqlite3_stmt *st = store_prep(s, "SELECT seq, id, type, coalesce(reason, ''), created_ms,"
	                                 " coalesce(done_ms, 0) FROM outbox WHERE state = 'dead'"
	                                 " ORDER BY seq");
	int rc, n = 0;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_dead d;

		d.seq = sqlite3_column_int64(st, 0);
		store_copy_col(st, 1, d.id, sizeof(d.id));
		store_copy_col(st, 2, d.type, sizeof(d.type));
		store_copy_col(st, 3, d.reason, sizeof(d.reason));
		d.created_ms = sqlite3_column_int64(st, 4);
		d.dead_ms = sqlite3_column_int64(st, 5);
		n++;
		if (fn && fn(arg, &d) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		log_err("store: dead letters: %s", sqlite3_errmsg(s->db));
	store_stmt_done(s, st);
	return rc == SQLITE_DONE ? n : -1;
}

int
store_outbox_retry(struct store *s, const char *id, int *n)
{
	/*
	 * Pending again, at the back of the queue: a new seq above every seq the
	 * outbox ever had (sqlite_sequence keeps that), so above the delivered
	 * watermark too, one dead letter at a time, oldest first.  The receiver answers
	 * "duplicate" if it did take it after all.
	 */
	static const char *const sql[] = {
	    "UPDATE outbox SET seq = 1 + max((SELECT max(seq) FROM outbox),"
	    "  coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'outbox'), 0)),"
	    " state = 'pending', reason = NULL, done_ms = NULL"
	    " WHERE seq = (SELECT min(seq) FROM outbox WHERE state = 'dead'"
	    "  AND (?1 IS NULL OR id = ?1))",
	    "UPDATE sqlite_sequence SET seq = (SELECT max(seq) FROM outbox) WHERE name = 'outbox'",
	};
	int changed;

	*n = 0;
	do {
		sqlite3_stmt *st = store_prep(s, sql[0]);

		if (st == NULL)
			return -1;
		if (id)
			sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		if (store_run(s, st) < 0)
			return -1;
		changed = sqlite3_changes(s->db);
		*n += changed;
		if (changed && store_exec(s, sql[1]) < 0)
			return -1;
	} while (changed);
	return 0;
}

/* One statement of the prune: ?1 the age limit, ?2 (if any) the rows left to delete. */
static int
prune_step(struct store *s, const char *sql, int64_t before_ms, int max)
{
	sqlite3_stmt *st = store_prep(s, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, before_ms);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_int(st, 2, max);
	if (store_run(s, st) < 0)
		return -1;
	return sqlite3_changes(s->db);
}

int
store_outbox_prune(struct store *s, int64_t before_ms, int max, int *n)
{
	static const char *const sql[] = {
	    /* marked one by one: the partial index outbox_done finds the oldest */
	    "DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox"
	    " WHERE state = 'delivered' AND done_ms < ?1 ORDER BY done_ms LIMIT ?2)",
	    /*
	     * under the watermark: the rows of its oldest steps, up to the first step
	     * delivered at or after the limit (a clock set back cannot make a later
	     * step look older and take an earlier one's rows with it)
	     */
	    "DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox WHERE state = 'pending'"
	    " AND seq <= coalesce((SELECT max(last_seq) FROM outbox_delivered WHERE last_seq <"
	    "  (SELECT coalesce(min(last_seq), 9223372036854775807) FROM outbox_delivered"
	    "   WHERE done_ms >= ?1)), 0) ORDER BY seq LIMIT ?2)",
	    /* steps whose rows are all gone, except the highest: it holds the watermark */
	    "DELETE FROM outbox_delivered WHERE done_ms < ?1"
	    " AND last_seq < (SELECT max(last_seq) FROM outbox_delivered)"
	    " AND last_seq < coalesce((SELECT min(seq) FROM outbox WHERE state = 'pending'),"
	    "  9223372036854775807)",
	};
	int k;

	*n = 0;
	/* bookkeeping in one transaction, without an fsync of its own (store_lazy_begin) */
	if (store_lazy_begin(s) < 0)
		return -1;
	if (store_exec(s, "BEGIN IMMEDIATE") < 0)
		goto fail;
	for (int i = 0; i < 3; i++) {
		if (i < 2 && *n >= max)
			continue;
		if ((k = prune_step(s, sql[i], before_ms, max - *n)) < 0)
			goto fail;
		if (i < 2)
			*n += k;
	}
	if (store_exec(s, "COMMIT") < 0)
		goto fail;
	return store_lazy_end(s);
fail:
	store_rollback(s);
	store_lazy_end(s);
	*n = 0;
	return -1;
}
