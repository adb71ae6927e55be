/*
 * store_outbox.c — the outbox's life after an answer: dead letters listed and
 * sent again (an administrator's retry), and delivered events pruned after
 * [upload] keep_delivered_days in small steps.  Sending and marking are in
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
	 * Pending again, with its id and seq: the receiver answers "duplicate" if it
	 * did take it after all, and seq order puts it first in the next batch.
	 */
	sqlite3_stmt *st = store_prep(s, id ? "UPDATE outbox SET state = 'pending', reason = NULL,"
	                                      " done_ms = NULL WHERE state = 'dead' AND id = ?"
	                                    : "UPDATE outbox SET state = 'pending', reason = NULL,"
	                                      " done_ms = NULL WHERE state = 'dead'");

	if (st == NULL)
		return -1;
	if (id)
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (store_run(s, st) < 0)
		return -1;
	*n = sqlite3_changes(s->db);
	return 0;
}

int
store_outbox_prune(struct store *s, int64_t before_ms, int max, int *n)
{
	sqlite3_stmt *st;

	*n = 0;
	/* bookkeeping: no fsync of its own (store_lazy_begin) */
	if (store_lazy_begin(s) < 0)
		return -1;
	/* The partial index outbox_done finds the oldest delivered rows without a scan. */
	st = store_prep(s, "DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox"
	                   " WHERE state = 'delivered' AND done_ms < ?"
	                   " ORDER BY done_ms LIMIT ?)");
	if (st == NULL) {
		store_lazy_end(s);
		return -1;
	}
	sqlite3_bind_int64(st, 1, before_ms);
	sqlite3_bind_int(st, 2, max);
	if (store_run(s, st) < 0) {
		store_lazy_end(s);
		return -1;
	}
	*n = sqlite3_changes(s->db);
	return store_lazy_end(s);
}
