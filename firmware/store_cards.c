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
store_card_set_local(struct store *s, const char *card_key, const char *event_id,
		     const char *base, const char *who)
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

/*
 * Run one statement with `hash` (or else the time now) bound to "?1";
 * sqlite3_changes() after it in *n.
 */
static int
run_counted(struct store *s, const char *sql, const char *hash, int *n)
{
	sqlite3_stmt *st = store_prep(s, sql);

	if (st == NULL)
		return -1;
	if (hash)
		sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	else if (sqlite3_bind_parameter_count(st) > 0)
		sqlite3_bind_int64(st, 1, store_now_ms());
	if (store_run(s, st) < 0)
		return -1;
	if (n)
		*n = sqlite3_changes(s->db);
	return 0;
}

/*
 * The roster's cards (roster_cards) against the kiosk's (cards): whole-table
 * statements each of which reads both tables once by their keys, linear in the
 * number of cards whatever the roster's size.  One statement per call (`k` 0..5)
 * so that a caller can give each a transaction of its own; 1 when k is past the
 * last.
 */
int
store_roster_cards_pass(struct store *s, int k, const char *roster_hash, struct store_card_pass *out)
{
	switch (k) {
	case 0:
		/* A local change the roster now agrees with: the roster owns the card again. */
		return run_counted(s,
				   "UPDATE cards SET origin = 'roster', conflict = '' WHERE origin = 'local'"
				   " AND ((revoked = 0 AND EXISTS (SELECT 1 FROM roster_cards r"
				   "   WHERE r.key = cards.key AND r.participant_id = cards.participant_id))"
				   "  OR (revoked = 1 AND NOT EXISTS (SELECT 1 FROM roster_cards r"
				   "   WHERE r.key = cards.key)))",
				   NULL, &out->acknowledged);
	case 1:
		/*
		 * A local change a roster disagrees with stays.  It is a conflict when the
		 * roster is newer than the change: another roster than the one in force when
		 * the change was made, and the change's event delivered before it came (or
		 * delivered and pruned since: retention deletes only delivered events).
		 */
		return run_counted(s,
				   "UPDATE cards SET conflict = coalesce((SELECT p.ext_id FROM roster_cards r"
				   "  JOIN participants p ON p.id = r.participant_id WHERE r.key = cards.key),"
				   "  'absent')"
				   " WHERE origin = 'local' AND local_base != ?1 AND NOT EXISTS (SELECT 1 FROM"
				   "  outbox o WHERE o.id = cards.local_event AND o.state != 'delivered')",
				   roster_hash, &out->conflicts);
	case 2:
		/* Cards the roster owns follow it: moved, given back, taken away, new. */
		return run_counted(s,
				   "UPDATE cards SET revoked = 0, participant_id = (SELECT r.participant_id"
				   "  FROM roster_cards r WHERE r.key = cards.key), enrolled_ms = ?1"
				   " WHERE origin = 'roster' AND EXISTS (SELECT 1 FROM roster_cards r"
				   "  WHERE r.key = cards.key AND (r.participant_id != cards.participant_id OR"
				   "  cards.revoked = 1))",
				   NULL, &out->moved);
	case 3:
		return run_counted(s,
				   "UPDATE cards SET revoked = 1 WHERE origin = 'roster' AND revoked = 0"
				   " AND key NOT IN (SELECT key FROM roster_cards)",
				   NULL, &out->revoked);
	case 4:
		return run_counted(s,
				   "INSERT INTO cards(key, participant_id, revoked, enrolled_ms, origin)"
				   " SELECT key, participant_id, 0, ?1, 'roster' FROM roster_cards"
				   " WHERE key NOT IN (SELECT key FROM cards)",
				   NULL, &out->added);
	case 5:
		return store_exec(s, "DELETE FROM roster_cards");
	default:
		return 1;
	}
}

int
store_roster_cards_apply(struct store *s, const char *roster_hash, struct store_card_pass *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	for (int k = 0; (rc = store_roster_cards_pass(s, k, roster_hash, out)) == 0; k++)
		;
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
store_roster_deactivate_missing(struct store *s, int *n)
{
	/* Only the rows that change: a trigger marks each for recomputation. */
	return run_counted(s, "UPDATE participants SET active = 0 WHERE active = 1 AND"
			      " id NOT IN (SELECT id FROM roster_keep)", NULL, n) < 0 ||
			       store_exec(s, "DELETE FROM roster_keep") < 0
		       ? -1
		       : 0;
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
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? n : -1;
}
