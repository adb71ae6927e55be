/*
 * store_people.c — participants and their cards.  A participant is never deleted
 * (taps, absences and pay lines refer to it): the roster deactivates.  A card key
 * is "hmac:<hex>", never a UID.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "log.h"
#include "store_int.h"

/* --- participants --- */

int
store_participant_upsert(struct store *s, const struct store_participant *p, int64_t *id)
{
	sqlite3_stmt *st = store_prep(
	    s,
	    "INSERT INTO participants(ext_id, name, language, regime, rate, programme_start,"
	    " children, sole_carer, chronic_child, monthly_benefit, active, programme_end, grp)"
	    " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)"
	    " ON CONFLICT(ext_id) DO UPDATE SET name=excluded.name, language=excluded.language,"
	    " regime=excluded.regime, rate=excluded.rate, programme_start=excluded.programme_start,"
	    " children=excluded.children, sole_carer=excluded.sole_carer,"
	    " chronic_child=excluded.chronic_child, monthly_benefit=excluded.monthly_benefit,"
	    " active=excluded.active, programme_end=excluded.programme_end, grp=excluded.grp"
	    " RETURNING id");
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, p->ext_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, p->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, p->language, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, p->regime, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, p->rate, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, p->programme_start, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 7, p->children);
	sqlite3_bind_int(st, 8, p->sole_carer);
	sqlite3_bind_int(st, 9, p->chronic_child);
	sqlite3_bind_text(st, 10, p->monthly_benefit, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 11, p->active);
	sqlite3_bind_text(st, 12, p->programme_end, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 13, p->group, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && id)
		*id = sqlite3_column_int64(st, 0);
	if (rc != SQLITE_ROW)
		log_err("store: saving participant %s: %s", p->ext_id, sqlite3_errmsg(s->db));
	store_stmt_done(s, st);
	return rc == SQLITE_ROW ? 0 : -1;
}

static void
read_participant(sqlite3_stmt *st, struct store_participant *p)
{
	/* without printf: every participant of every Today page and document */
	memset(p, 0, sizeof(*p));
	p->id = sqlite3_column_int64(st, 0);
	store_copy_short(st, 1, p->ext_id, sizeof(p->ext_id));
	store_copy_short(st, 2, p->name, sizeof(p->name));
	store_copy_short(st, 3, p->language, sizeof(p->language));
	store_copy_short(st, 4, p->regime, sizeof(p->regime));
	store_copy_short(st, 5, p->rate, sizeof(p->rate));
	store_copy_short(st, 6, p->programme_start, sizeof(p->programme_start));
	p->children = sqlite3_column_int(st, 7);
	p->sole_carer = sqlite3_column_int(st, 8);
	p->chronic_child = sqlite3_column_int(st, 9);
	store_copy_short(st, 10, p->monthly_benefit, sizeof(p->monthly_benefit));
	p->active = sqlite3_column_int(st, 11);
	store_copy_short(st, 12, p->programme_end, sizeof(p->programme_end));
	store_copy_short(st, 13, p->group, sizeof(p->group));
}

static int
participant_one(struct store *s, sqlite3_stmt *st, struct store_participant *out)
{
	int rc;

	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_participant(st, out);
	else if (rc != SQLITE_DONE)
		log_err("store: reading participant: %s", sqlite3_errmsg(s->db));
	store_stmt_done(s, st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int
store_participant_by_ext(struct store *s, const char *ext_id, struct store_participant *out)
{
	sqlite3_stmt *st = store_stmt(s, ST_PARTICIPANT_BY_EXT);

	if (st)
		sqlite3_bind_text(st, 1, ext_id, -1, SQLITE_STATIC);
	return participant_one(s, st, out);
}

int
store_participant_get(struct store *s, int64_t id, struct store_participant *out)
{
	sqlite3_stmt *st = store_stmt(s, ST_PARTICIPANT_GET);

	if (st)
		sqlite3_bind_int64(st, 1, id);
	return participant_one(s, st, out);
}

int
store_participant_each(struct store *s, store_participant_fn fn, void *arg)
{
	sqlite3_stmt *st =
	    store_prep(s, "SELECT " PARTICIPANT_COLS " FROM participants ORDER BY name");
	struct store_participant p;
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_participant(st, &p);
		if (fn(arg, &p) != 0)
			break;
	}
	store_stmt_done(s, st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int
store_participants_deactivate_missing(struct store *s, const int64_t *keep, size_t n)
{
	sqlite3_stmt *st;

	if (store_exec(s, "CREATE TEMP TABLE IF NOT EXISTS keep_ids(id INTEGER PRIMARY KEY);"
	                  "DELETE FROM keep_ids") < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if ((st = store_prep(s, "INSERT OR IGNORE INTO keep_ids VALUES(?)")) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, keep[i]);
		if (store_run(s, st) < 0)
			return -1;
	}
	return store_exec(
	    s, "UPDATE participants SET active = 0 WHERE id NOT IN (SELECT id FROM keep_ids)");
}

/* --- cards --- */

int
store_card_lookup(struct store *s, const char *card_key, int64_t *participant_id, int *revoked)
{
	sqlite3_stmt *st = s->st[ST_CARD_LOOKUP];
	int rc;

	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, card_key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*participant_id = sqlite3_column_int64(st, 0);
		*revoked = sqlite3_column_int(st, 1);
	} else if (rc != SQLITE_DONE) {
		log_err("store: card lookup: %s", sqlite3_errmsg(s->db));
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int
store_card_enroll(struct store *s, const char *card_key, int64_t participant_id)
{
	sqlite3_stmt *st =
	    store_prep(s, "INSERT INTO cards(key, participant_id, revoked, enrolled_ms)"
	                  " VALUES(?,?,0,?) ON CONFLICT(key) DO UPDATE SET"
	                  " participant_id = excluded.participant_id, revoked = 0,"
	                  " enrolled_ms = excluded.enrolled_ms");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, card_key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, participant_id);
	sqlite3_bind_int64(st, 3, store_now_ms());
	return store_run(s, st);
}

int
store_card_revoke(struct store *s, const char *card_key)
{
	sqlite3_stmt *st = store_prep(s, "UPDATE cards SET revoked = 1 WHERE key = ?");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, card_key, -1, SQLITE_STATIC);
	if (store_run(s, st) < 0)
		return -1;
	return sqlite3_changes(s->db) == 1 ? 0 : 1;
}

int
store_card_note_enroll(struct store *s, const char *card_key, const char *who)
{
	sqlite3_stmt *st = store_prep(s, "UPDATE cards SET enrolled_by = ?, revoked_ms = 0,"
	                                 " revoked_by = '', revoke_reason = '' WHERE key = ?");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, who, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, card_key, -1, SQLITE_STATIC);
	return store_run(s, st);
}

int
store_card_note_revoke(struct store *s, const char *card_key, const char *who, const char *reason)
{
	sqlite3_stmt *st = store_prep(s, "UPDATE cards SET revoked_ms = ?, revoked_by = ?,"
	                                 " revoke_reason = ? WHERE key = ?");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, store_now_ms());
	sqlite3_bind_text(st, 2, who, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, reason ? reason : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, card_key, -1, SQLITE_STATIC);
	return store_run(s, st);
}

int
store_cards_of(struct store *s, int64_t participant_id, store_card_fn fn, void *arg)
{
	sqlite3_stmt *st =
	    store_prep(s, "SELECT key, revoked, enrolled_ms, enrolled_by, revoked_ms,"
	                  " revoked_by, revoke_reason FROM cards WHERE participant_id = ?"
	                  " ORDER BY revoked, enrolled_ms DESC");
	struct store_card_row c;
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, participant_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		c.key = (const char *)sqlite3_column_text(st, 0);
		c.revoked = sqlite3_column_int(st, 1);
		c.enrolled_ms = sqlite3_column_int64(st, 2);
		c.enrolled_by = (const char *)sqlite3_column_text(st, 3);
		c.revoked_ms = sqlite3_column_int64(st, 4);
		c.revoked_by = (const char *)sqlite3_column_text(st, 5);
		c.revoke_reason = (const char *)sqlite3_column_text(st, 6);
		if (fn(arg, &c) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		log_err("store: reading cards: %s", sqlite3_errmsg(s->db));
	store_stmt_done(s, st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int
store_cards_sync(struct store *s, int64_t participant_id, const char *const *keys, size_t n)
{
	sqlite3_stmt *st;

	if (store_exec(s, "CREATE TEMP TABLE IF NOT EXISTS keep_cards(key TEXT PRIMARY KEY);"
	                  "DELETE FROM keep_cards") < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (store_card_enroll(s, keys[i], participant_id) < 0)
			return -1;
		if ((st = store_prep(s, "INSERT OR IGNORE INTO keep_cards VALUES(?)")) == NULL)
			return -1;
		sqlite3_bind_text(st, 1, keys[i], -1, SQLITE_STATIC);
		if (store_run(s, st) < 0)
			return -1;
	}
	st = store_prep(s, "UPDATE cards SET revoked = 1 WHERE participant_id = ?"
	                   " AND key NOT IN (SELECT key FROM keep_cards)");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, participant_id);
	return store_run(s, st);
}

static void
read_participant_row(sqlite3_stmt *st, void *row)
{
	read_participant(st, row);
}

int
store_participants_all(struct store *s, struct store_participant **out, size_t *n)
{
	sqlite3_stmt *st =
	    store_prep(s, "SELECT " PARTICIPANT_COLS " FROM participants ORDER BY id");

	return store_rows(s, st, sizeof(**out), read_participant_row, (void **)out, n);
}
