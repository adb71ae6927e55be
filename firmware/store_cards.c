/*
 * store_cards.c — card ownership (uploader/README.md, "Card ownership"): which
 * side made a card's current state, the roster import's set-based card pass that
 * respects changes made on the kiosk, and the conflicts a newer roster raises.
 * Every statement here runs inside the caller's transaction.
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "store.h"
#include "store_int.h"

int
store_card_set_local(struct store *s, const char *card_key, const char *event_id, const char *base,
                     const char *who)
{
	sqlite3_stmt *st = store_prep(s, "UPDATE cards SET origin = 'local', local_ms = ?,"
	                                 " local_event = ?, local_base = ?, local_who = ?,"
	                                 " conflict = '' WHERE key = ?");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, store_now_ms());
	sqlite3_bind_text(st, 2, event_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, base, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, who, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, card_key, -1, SQLITE_STATIC);
	return store_run(s, st);
}

int
store_roster_cards_begin(struct store *s)
{
	return store_exec(s, "CREATE TEMP TABLE IF NOT EXISTS roster_cards("
	                     " key TEXT PRIMARY KEY, participant_id INTEGER NOT NULL);"
	                     "DELETE FROM roster_cards;"
	                     "CREATE TEMP TABLE IF NOT EXISTS roster_keep(id INTEGER PRIMARY KEY);"
	                     "DELETE FROM roster_keep");
}

int
store_roster_card_add(struct store *s, const char *card_key, int64_t participant_id)
{
	sqlite3_stmt *st = store_prep(s, "INSERT OR REPLACE INTO roster_cards VALUES(?, ?)");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, card_key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, participant_id);
	return store_run(s, st);
}

/* Rows of the driving table per statement: a few ms of the write lock each. */
#define CHUNK 4000

/*
 * Run one statement with `hash` (or else the time now) bound to "?1" and the
 * rowid range (after, after + CHUNK] to "?2", "?3"; sqlite3_changes() added to *n.
 */
static int
run_counted(struct store *s, const char *sql, const char *hash, int64_t after, int *n)
{
	sqlite3_stmt *st = store_prep(s, sql);
	int np;

	if (st == NULL)
		return -1;
	np = sqlite3_bind_parameter_count(st);
	if (hash)
		sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	else if (np > 0)
		sqlite3_bind_int64(st, 1, store_now_ms());
	if (np >= 3) {
		sqlite3_bind_int64(st, 2, after);
		sqlite3_bind_int64(st, 3, after + CHUNK);
	}
	if (store_run(s, st) < 0)
		return -1;
	if (n)
		*n += sqlite3_changes(s->db);
	return 0;
}

/* The largest rowid of a table (0 if empty); -1 on error. */
static int64_t
max_rowid(struct store *s, const char *sql)
{
	sqlite3_stmt *st = store_prep(s, sql);
	int64_t v = -1;

	if (st == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	store_stmt_done(s, st);
	return v;
}

/*
 * The roster's cards (roster_cards) against the kiosk's (cards): statements
 * that read both tables by their keys, each over a range of CHUNK rows of the
 * table it walks, so the pass is linear in the number of cards and comes in
 * pieces a caller can give transactions of their own.
 */
int
store_roster_cards_pass(struct store *s, int k, int64_t after, const char *roster_hash,
                        struct store_card_pass *out, int64_t *next)
{
	static const char *const sql[] = {
	    /* 0. A local change the roster now agrees with: the roster owns the card again. */
	    "UPDATE cards SET origin = 'roster', conflict = '' WHERE rowid > ?2 AND rowid <= ?3"
	    " AND origin = 'local'"
	    " AND ((revoked = 0 AND EXISTS (SELECT 1 FROM roster_cards r"
	    "   WHERE r.key = cards.key AND r.participant_id = cards.participant_id))"
	    "  OR (revoked = 1 AND NOT EXISTS (SELECT 1 FROM roster_cards r"
	    "   WHERE r.key = cards.key)))",
	    /*
	     * 1. A local change a roster disagrees with stays.  It is a conflict when
	     * the roster is newer than the change: another roster than the one in force
	     * when the change was made, and the change's event delivered before it came
	     * (or delivered and pruned since: retention deletes only delivered events).
	     */
	    "UPDATE cards SET conflict = coalesce((SELECT p.ext_id FROM roster_cards r"
	    "  JOIN participants p ON p.id = r.participant_id WHERE r.key = cards.key),"
	    "  'absent')"
	    " WHERE rowid > ?2 AND rowid <= ?3 AND origin = 'local' AND local_base != ?1"
	    " AND NOT EXISTS (SELECT 1 FROM"
	    "  outbox o WHERE o.id = cards.local_event AND o.state != 'delivered'"
	    "  AND NOT (o.state = 'pending' AND o.seq <= " OUTBOX_WATERMARK "))",
	    /* 2. Cards the roster owns follow it: moved, given back, ... */
	    "UPDATE cards SET revoked = 0, participant_id = (SELECT r.participant_id"
	    "  FROM roster_cards r WHERE r.key = cards.key), enrolled_ms = ?1"
	    " WHERE rowid > ?2 AND rowid <= ?3 AND origin = 'roster'"
	    " AND EXISTS (SELECT 1 FROM roster_cards r"
	    "  WHERE r.key = cards.key AND (r.participant_id != cards.participant_id OR"
	    "  cards.revoked = 1))",
	    /* 3. ... taken away, */
	    "UPDATE cards SET revoked = 1 WHERE rowid > ?2 AND rowid <= ?3 AND origin = 'roster'"
	    " AND revoked = 0 AND key NOT IN (SELECT key FROM roster_cards)",
	    /* 4. new. */
	    "INSERT INTO cards(key, participant_id, revoked, enrolled_ms, origin)"
	    " SELECT key, participant_id, 0, ?1, 'roster' FROM roster_cards"
	    " WHERE rowid > ?2 AND rowid <= ?3 AND key NOT IN (SELECT key FROM cards)",
	};
	int *counts[] = {&out->acknowledged, &out->conflicts, &out->moved, &out->revoked,
	                 &out->added};
	int64_t max;

	*next = -1;
	if (k == 5)
		return store_exec(s, "DELETE FROM roster_cards");
	if (k < 0 || k > 5)
		return 1;
	max = max_rowid(s, k == 4 ? "SELECT coalesce(max(rowid), 0) FROM roster_cards"
	                          : "SELECT coalesce(max(rowid), 0) FROM cards");
	if (max < 0 || run_counted(s, sql[k], k == 1 ? roster_hash : NULL, after, counts[k]) < 0)
		return -1;
	if (after + CHUNK < max)
		*next = after + CHUNK;
	return 0;
}

int
store_roster_cards_apply(struct store *s, const char *roster_hash, struct store_card_pass *out)
{
	int64_t after = 0, next;
	int rc;

	memset(out, 0, sizeof(*out));
	for (int k = 0;
	     (rc = store_roster_cards_pass(s, k, after, roster_hash, out, &next)) == 0;) {
		if (next >= 0) {
			after = next;
		} else {
			k++;
			after = 0;
		}
	}
	return rc < 0 ? -1 : 0;
}

int
store_roster_keep(struct store *s, int64_t participant_id)
{
	sqlite3_stmt *st = store_prep(s, "INSERT OR IGNORE INTO roster_keep VALUES(?)");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, participant_id);
	return store_run(s, st);
}

int
store_roster_deactivate_missing(struct store *s, int64_t after, int *n, int64_t *next)
{
	int64_t max = max_rowid(s, "SELECT coalesce(max(id), 0) FROM participants");

	*next = -1;
	/* Only the rows that change: each is a participant to recompute. */
	if (max < 0 ||
	    run_counted(s,
	                "UPDATE participants SET active = 0 WHERE id > ?2 AND"
	                " id <= ?3 AND active = 1 AND id NOT IN (SELECT id FROM roster_keep)",
	                NULL, after, n) < 0)
		return -1;
	if (after + CHUNK < max) {
		*next = after + CHUNK;
		return 0;
	}
	return store_exec(s, "DELETE FROM roster_keep");
}

int
store_card_conflicts(struct store *s, store_card_conflict_fn fn, void *arg)
{
	sqlite3_stmt *st = store_prep(s, "SELECT c.key, p.ext_id, p.name, c.revoked, c.local_ms,"
	                                 " c.local_who, c.conflict FROM cards c"
	                                 " JOIN participants p ON p.id = c.participant_id"
	                                 " WHERE c.origin = 'local' AND c.conflict != ''"
	                                 " ORDER BY c.local_ms DESC");
	int rc, n = 0;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_card_conflict c;

		store_copy_col(st, 0, c.key, sizeof(c.key));
		store_copy_col(st, 1, c.participant, sizeof(c.participant));
		store_copy_col(st, 2, c.name, sizeof(c.name));
		c.revoked = sqlite3_column_int(st, 3);
		c.local_ms = sqlite3_column_int64(st, 4);
		store_copy_col(st, 5, c.who, sizeof(c.who));
		store_copy_col(st, 6, c.roster_says, sizeof(c.roster_says));
		n++;
		if (fn && fn(arg, &c) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		log_err("store: card conflicts: %s", sqlite3_errmsg(s->db));
	store_stmt_done(s, st);
	return rc == SQLITE_DONE ? n : -1;
}
