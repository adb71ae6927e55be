/*
 * store.c — every SQL statement of Stempel, and every durability rule.
 *
 * Durability: WAL journal with synchronous=FULL, so a COMMIT returns only after
 * the WAL is fsynced; a tap is answered only after store_record_tap() returns.
 * The tap row and its outbox event are written in one transaction: either both
 * exist after a power cut or neither does.  Hot-path statements are prepared once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sodium.h>
#include <sqlite3.h>

#include "log.h"
#include "store.h"

enum stmt_id {
	ST_TAP_INSERT,
	ST_EVENT_INSERT,
	ST_CARD_LOOKUP,
	ST_LAST_DIR,
	ST_PARTICIPANT_GET,
	ST_PARTICIPANT_BY_EXT,
	ST_CLOSED,
	ST_EXCEPTIONS_ON,
	ST_SCHEDULE_ON,
	ST_BEGIN,
	ST_COMMIT,
	ST_NSTMT
};

#define PARTICIPANT_COLS "id, ext_id, name, language, regime, rate, programme_start, children," \
			 " sole_carer, chronic_child, monthly_benefit, active"

static const char *const stmt_sql[ST_NSTMT] = {
	[ST_TAP_INSERT] = "INSERT INTO taps(uuid, card_key, participant_id, direction, outcome,"
			  " wall_ms, mono_ns, clock, local_date, local_min)"
			  " VALUES(?,?,?,?,?,?,?,?,?,?)",
	[ST_EVENT_INSERT] = "INSERT INTO outbox(id, type, json, state, created_ms)"
			    " VALUES(?,?,?,'pending',?)",
	[ST_CARD_LOOKUP] = "SELECT participant_id, revoked FROM cards WHERE key = ?",
	/* max(id) takes the other columns from its row: the last tap, with no sort */
	[ST_LAST_DIR] = "SELECT direction, local_min, max(id) FROM taps WHERE participant_id = ?"
			" AND local_date = ? AND outcome IN ('accepted_in','accepted_out')",
	[ST_PARTICIPANT_GET] = "SELECT " PARTICIPANT_COLS " FROM participants WHERE id = ?",
	[ST_PARTICIPANT_BY_EXT] = "SELECT " PARTICIPANT_COLS " FROM participants WHERE ext_id = ?",
	[ST_CLOSED] = "SELECT 1 FROM closures WHERE date = ?",
	[ST_EXCEPTIONS_ON] = "SELECT start_min, end_min, offsite FROM schedule_exceptions"
			     " WHERE participant_id = ? AND date = ? ORDER BY start_min",
	[ST_SCHEDULE_ON] = "SELECT start_min, end_min, offsite FROM schedules"
			   " WHERE participant_id = ? AND weekday = ? ORDER BY start_min",
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
};

struct store {
	sqlite3 *db;
	sqlite3_stmt *st[ST_NSTMT];
	int readonly;
	void (*wal_full)(void *arg); /* store_on_wal_full() */
	void *wal_full_arg;
};

/* SQLite's own automatic checkpoint starts at this many WAL frames; so do we. */
#define WAL_CHECKPOINT_FRAMES 1000

/*
 * Schema migrations.  migrations[i] takes user_version i to i+1, in one
 * transaction.  Never edit a migration that has shipped: add a new one.
 */
static const char *const migrations[] = {
	/* 1: the first schema */
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE participants("
	"  id INTEGER PRIMARY KEY, ext_id TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
	"  language TEXT NOT NULL DEFAULT 'nb', regime TEXT NOT NULL,"
	"  rate TEXT NOT NULL DEFAULT 'full', programme_start TEXT NOT NULL,"
	"  children INTEGER NOT NULL DEFAULT 0, sole_carer INTEGER NOT NULL DEFAULT 0,"
	"  chronic_child INTEGER NOT NULL DEFAULT 0, monthly_benefit TEXT NOT NULL DEFAULT '',"
	"  active INTEGER NOT NULL DEFAULT 1);"
	"CREATE TABLE cards("
	"  key TEXT PRIMARY KEY, participant_id INTEGER NOT NULL REFERENCES participants(id),"
	"  revoked INTEGER NOT NULL DEFAULT 0, enrolled_ms INTEGER NOT NULL);"
	"CREATE TABLE schedules("
	"  participant_id INTEGER NOT NULL REFERENCES participants(id), weekday INTEGER NOT NULL,"
	"  start_min INTEGER NOT NULL, end_min INTEGER NOT NULL, offsite INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX schedules_pid ON schedules(participant_id);"
	"CREATE TABLE schedule_exceptions("
	"  participant_id INTEGER NOT NULL REFERENCES participants(id), date TEXT NOT NULL,"
	"  start_min INTEGER, end_min INTEGER, offsite INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX schedule_exceptions_pid ON schedule_exceptions(participant_id, date);"
	"CREATE TABLE taps("
	"  id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, card_key TEXT NOT NULL,"
	"  participant_id INTEGER, direction TEXT NOT NULL, outcome TEXT NOT NULL,"
	"  wall_ms INTEGER NOT NULL, mono_ns INTEGER NOT NULL, local_date TEXT NOT NULL,"
	"  local_min INTEGER NOT NULL);"
	"CREATE INDEX taps_day ON taps(participant_id, local_date);"
	"CREATE TABLE absences("
	"  id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE,"
	"  participant_id INTEGER NOT NULL REFERENCES participants(id), category TEXT NOT NULL,"
	"  from_date TEXT NOT NULL, to_date TEXT NOT NULL, minutes INTEGER,"
	"  documentation TEXT NOT NULL DEFAULT '', comment TEXT NOT NULL DEFAULT '',"
	"  registered_by TEXT NOT NULL, created_ms INTEGER NOT NULL,"
	"  revoked INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE audit("
	"  id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, who TEXT NOT NULL,"
	"  action TEXT NOT NULL, detail TEXT NOT NULL, prev_hash TEXT NOT NULL,"
	"  hash TEXT NOT NULL);"
	"CREATE TABLE outbox("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL,"
	"  json TEXT NOT NULL, state TEXT NOT NULL, reason TEXT,"
	"  created_ms INTEGER NOT NULL, done_ms INTEGER);"
	"CREATE INDEX outbox_pending ON outbox(state, seq);",

	/* 2: clock quality on taps; G values; closure days */
	"ALTER TABLE taps ADD COLUMN clock TEXT NOT NULL DEFAULT 'synced';"
	"CREATE TABLE g_values(from_date TEXT PRIMARY KEY, amount INTEGER NOT NULL);"
	"CREATE TABLE closures(date TEXT PRIMARY KEY, reason TEXT NOT NULL DEFAULT '');",

	/* 3: teacher accounts and sessions, API tokens, tap corrections, rules results, pay periods */
	"CREATE TABLE users("
	"  id INTEGER PRIMARY KEY, username TEXT NOT NULL UNIQUE, pwhash TEXT NOT NULL,"
	"  role TEXT NOT NULL CHECK(role IN ('teacher','admin')),"
	"  language TEXT NOT NULL DEFAULT 'nb', disabled INTEGER NOT NULL DEFAULT 0,"
	"  created_ms INTEGER NOT NULL);"
	"CREATE TABLE sessions("
	"  token_hash TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id),"
	"  csrf TEXT NOT NULL, created_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL);"
	"CREATE TABLE api_tokens("
	"  id INTEGER PRIMARY KEY, name TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE,"
	"  scope TEXT NOT NULL, created_ms INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE corrections("
	"  id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE,"
	"  participant_id INTEGER NOT NULL REFERENCES participants(id),"
	"  action TEXT NOT NULL CHECK(action IN ('add','remove')), tap_id INTEGER REFERENCES taps(id),"
	"  local_date TEXT NOT NULL, local_min INTEGER, direction TEXT, reason TEXT NOT NULL,"
	"  who TEXT NOT NULL, created_ms INTEGER NOT NULL);"
	"CREATE INDEX corrections_day ON corrections(participant_id, local_date);"
	"CREATE TABLE day_results("
	"  participant_id INTEGER NOT NULL REFERENCES participants(id), date TEXT NOT NULL,"
	"  json TEXT NOT NULL, computed_ms INTEGER NOT NULL, PRIMARY KEY(participant_id, date));"
	"CREATE TABLE periods("
	"  id INTEGER PRIMARY KEY, from_date TEXT NOT NULL, to_date TEXT NOT NULL,"
	"  status TEXT NOT NULL DEFAULT 'open' CHECK(status IN ('open','closed')),"
	"  closed_ms INTEGER, closed_by TEXT, UNIQUE(from_date, to_date));"
	"CREATE TABLE period_lines("
	"  id INTEGER PRIMARY KEY, period_id INTEGER NOT NULL REFERENCES periods(id),"
	"  participant_id INTEGER NOT NULL REFERENCES participants(id),"
	"  kind TEXT NOT NULL CHECK(kind IN ('line','adjustment')),"
	"  corrects_period INTEGER REFERENCES periods(id), corrects_date TEXT, json TEXT NOT NULL);"
	"CREATE INDEX period_lines_period ON period_lines(period_id);",

	/*
	 * 4: absences by clock time (hours on a day) and who revoked them; adjustments
	 * found by the period and participant they correct; a closed period's days
	 * frozen beside its lines (the base its adjustments are computed from).
	 */
	"ALTER TABLE absences ADD COLUMN start_min INTEGER;"
	"ALTER TABLE absences ADD COLUMN end_min INTEGER;"
	"ALTER TABLE absences ADD COLUMN revoked_by TEXT;"
	"CREATE INDEX absences_pid ON absences(participant_id, from_date);"
	"CREATE INDEX period_lines_corrects ON period_lines(corrects_period, participant_id);"
	"CREATE TABLE period_days("
	"  period_id INTEGER NOT NULL REFERENCES periods(id),"
	"  participant_id INTEGER NOT NULL REFERENCES participants(id), date TEXT NOT NULL,"
	"  json TEXT NOT NULL, PRIMARY KEY(period_id, participant_id, date));",

	/*
	 * 5: a participant's accepted taps straight from the index, in time order:
	 * every recomputation reads all of them (store_taps_accepted).
	 */
	"CREATE INDEX taps_accepted ON taps(participant_id, local_date, local_min, outcome,"
	" direction);",

	/*
	 * 6: what changes the rules engine's inputs outside a tap marks the earliest
	 * date it can affect ('' = all), whoever writes it (a roster import by the
	 * uploader or stempelctl, a schedule, a G value): the daemon polls it and
	 * recomputes (store_recompute_take).
	 */
	"CREATE TABLE pending_recompute(id INTEGER PRIMARY KEY CHECK(id = 1),"
	" from_date TEXT NOT NULL);"
	"CREATE TRIGGER schedules_insert AFTER INSERT ON schedules BEGIN"
	" INSERT INTO pending_recompute VALUES(1, '') ON CONFLICT(id) DO UPDATE"
	" SET from_date = min(from_date, excluded.from_date); END;"
	"CREATE TRIGGER schedules_update AFTER UPDATE ON schedules BEGIN"
	" INSERT INTO pending_recompute VALUES(1, '') ON CONFLICT(id) DO UPDATE"
	" SET from_date = min(from_date, excluded.from_date); END;"
	"CREATE TRIGGER schedules_delete AFTER DELETE ON schedules BEGIN"
	" INSERT INTO pending_recompute VALUES(1, '') ON CONFLICT(id) DO UPDATE"
	" SET from_date = min(from_date, excluded.from_date); END;"
	"CREATE TRIGGER exceptions_insert AFTER INSERT ON schedule_exceptions BEGIN"
	" INSERT INTO pending_recompute VALUES(1, NEW.date) ON CONFLICT(id) DO UPDATE"
	" SET from_date = min(from_date, excluded.from_date); END;"
	"CREATE TRIGGER exceptions_update AFTER UPDATE ON schedule_exceptions BEGIN"
	" INSERT INTO pending_recompute VALUES(1, min(OLD.date, NEW.date)) ON CONFLICT(id) DO UPDATE"
	" SET from_date = min(from_date, excluded.from_date); END;"
	"CREATE TRIGGER exceptions_delete AFTER DELETE ON schedule_exceptions BEGIN"
	" INSERT INTO pending_recompute VALUES(1, OLD.date) ON CONFLICT(id) DO UPDATE"
	" SET from_date = min(from_date, excluded.from_date); END;"
	"CREATE TRIGGER absences_insert AFTER INSERT ON absences BEGIN"
	" INSERT INTO pending_recompute VALUES(1, NEW.from_date) ON CONFLICT(id) DO UPDATE"
	" SET from_date = min(from_date, excluded.from_date); END;"
	"CREATE TRIGGER g_values_insert AFTER INSERT ON g_values BEGIN"
	" INSERT INTO pending_recompute VALUES(1, NEW.from_date) ON CONFLICT(id) DO UPDATE"
	" SET from_date = min(from_date, excluded.from_date); END;"
	"CREATE TRIGGER absences_update AFTER UPDATE ON absences BEGIN"
	" INSERT INTO pending_recompute VALUES(1, min(OLD.from_date, NEW.from_date)) ON CONFLICT(id) DO UPDATE"
	" SET from_date = min(from_date, excluded.from_date); END;"
	"CREATE TRIGGER g_values_update AFTER UPDATE ON g_values BEGIN"
	" INSERT INTO pending_recompute VALUES(1, min(OLD.from_date, NEW.from_date)) ON CONFLICT(id) DO UPDATE"
	" SET from_date = min(from_date, excluded.from_date); END;"
	"CREATE TRIGGER absences_delete AFTER DELETE ON absences BEGIN"
	" INSERT INTO pending_recompute VALUES(1, OLD.from_date) ON CONFLICT(id) DO UPDATE"
	" SET from_date = min(from_date, excluded.from_date); END;"
	"CREATE TRIGGER g_values_delete AFTER DELETE ON g_values BEGIN"
	" INSERT INTO pending_recompute VALUES(1, OLD.from_date) ON CONFLICT(id) DO UPDATE"
	" SET from_date = min(from_date, excluded.from_date); END;"
	"CREATE TRIGGER closures_insert AFTER INSERT ON closures BEGIN"
	" INSERT INTO pending_recompute VALUES(1, NEW.date) ON CONFLICT(id) DO UPDATE"
	" SET from_date = min(from_date, excluded.from_date); END;"
	"CREATE TRIGGER closures_update AFTER UPDATE ON closures BEGIN"
	" INSERT INTO pending_recompute VALUES(1, min(OLD.date, NEW.date)) ON CONFLICT(id) DO UPDATE"
	" SET from_date = min(from_date, excluded.from_date); END;"
	"CREATE TRIGGER closures_delete AFTER DELETE ON closures BEGIN"
	" INSERT INTO pending_recompute VALUES(1, OLD.date) ON CONFLICT(id) DO UPDATE"
	" SET from_date = min(from_date, excluded.from_date); END;"
	"CREATE TRIGGER participants_update AFTER UPDATE ON participants BEGIN"
	" INSERT INTO pending_recompute VALUES(1, '') ON CONFLICT(id) DO UPDATE"
	" SET from_date = min(from_date, excluded.from_date); END;"
	"CREATE TRIGGER participants_insert AFTER INSERT ON participants BEGIN"
	" INSERT INTO pending_recompute VALUES(1, '') ON CONFLICT(id) DO UPDATE"
	" SET from_date = min(from_date, excluded.from_date); END;",

	/*
	 * 7: taps_day(participant_id, local_date) is a prefix of taps_accepted, which
	 * serves every query it served (and covers the last-direction lookup).  Each
	 * index costs a tap's commit a page in the WAL and a B-tree descent.
	 */
	"DROP INDEX taps_day;",
};

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == STORE_SCHEMA_VERSION,
	       "one migration per schema version");

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *
store_errmsg(struct store *s)
{
	return sqlite3_errmsg(s->db);
}

static int
exec(struct store *s, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_err("store: %s: %s", sql, msg ? msg : "?");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int
store_begin(struct store *s)
{
	return exec(s, "BEGIN IMMEDIATE");
}

int
store_commit(struct store *s)
{
	return exec(s, "COMMIT");
}

void
store_rollback(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		exec(s, "ROLLBACK");
}

int
store_schema_version(struct store *s)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int
migrate(struct store *s, int target, char *err, size_t errlen)
{
	int v = store_schema_version(s);

	if (v < 0) {
		snprintf(err, errlen, "cannot read schema version: %s", sqlite3_errmsg(s->db));
		return -1;
	}
	if (v > STORE_SCHEMA_VERSION) {
		snprintf(err, errlen, "database schema %d is newer than this program (%d); "
				      "refusing to touch it", v, STORE_SCHEMA_VERSION);
		return -1;
	}
	for (; v < target; v++) {
		char *msg = NULL;
		char pragma[64];

		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", v + 1);
		if (exec(s, "BEGIN IMMEDIATE") < 0 ||
		    sqlite3_exec(s->db, migrations[v], NULL, NULL, &msg) != SQLITE_OK ||
		    exec(s, pragma) < 0 || exec(s, "COMMIT") < 0) {
			snprintf(err, errlen, "migration to schema %d failed: %s", v + 1,
				 msg ? msg : sqlite3_errmsg(s->db));
			sqlite3_free(msg);
			store_rollback(s);
			return -1;
		}
		log_info("store: migrated to schema %d", v + 1);
	}
	return 0;
}

static int
open_db(struct store **out, const char *path, int readonly, int target, char *err, size_t errlen)
{
	struct store *s = calloc(1, sizeof(*s));
	int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;

	*out = NULL;
	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->readonly = readonly;
	if (sqlite3_open_v2(path, &s->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, s->db ? sqlite3_errmsg(s->db) : "cannot open");
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, 5000);
	if (!readonly) {
		/* The database holds card keys and personal data: owner only. */
		chmod(path, 0600);
		/*
		 * WAL + synchronous=FULL: every COMMIT fsyncs the WAL before it
		 * returns, which is the durability the tap answer promises.
		 */
		if (exec(s, "PRAGMA journal_mode = WAL") < 0 ||
		    exec(s, "PRAGMA synchronous = FULL") < 0 ||
		    exec(s, "PRAGMA foreign_keys = ON") < 0) {
			snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(s->db));
			goto fail;
		}
		if (migrate(s, target, err, errlen) < 0)
			goto fail;
	} else if (store_schema_version(s) != STORE_SCHEMA_VERSION) {
		snprintf(err, errlen, "%s: schema version %d, expected %d", path,
			 store_schema_version(s), STORE_SCHEMA_VERSION);
		goto fail;
	}
	if (target == STORE_SCHEMA_VERSION) {
		for (int i = 0; i < ST_NSTMT; i++)
			if (sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
					       &s->st[i], NULL) != SQLITE_OK) {
				snprintf(err, errlen, "%s: preparing statement: %s", path,
					 sqlite3_errmsg(s->db));
				goto fail;
			}
	}
	*out = s;
	return 0;
fail:
	store_close(s);
	return -1;
}

int
store_open(struct store **out, const char *path, char *err, size_t errlen)
{
	return open_db(out, path, 0, STORE_SCHEMA_VERSION, err, errlen);
}

int
store_open_readonly(struct store **out, const char *path, char *err, size_t errlen)
{
	return open_db(out, path, 1, STORE_SCHEMA_VERSION, err, errlen);
}

int
store_create_at_version(const char *path, int version, char *err, size_t errlen)
{
	struct store *s;

	if (open_db(&s, path, 0, version, err, errlen) < 0)
		return -1;
	store_close(s);
	return 0;
}

void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	for (int i = 0; i < ST_NSTMT; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_close(s->db);
	free(s);
}

void
store_keep_file(struct store *s)
{
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
}

void
store_interrupt(struct store *s)
{
	if (s)
		sqlite3_interrupt(s->db);
}

int
store_check(struct store *s, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc = -1;

	if (sqlite3_prepare_v2(s->db, "PRAGMA quick_check", -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *r = (const char *)sqlite3_column_text(st, 0);

		if (r && strcmp(r, "ok") == 0)
			rc = 0;
		else
			snprintf(err, errlen, "%s", r ? r : "quick_check failed");
	} else {
		snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
	}
	sqlite3_finalize(st);
	return rc;
}

/* --- small helpers for one-off statements --- */

static sqlite3_stmt *
prep(struct store *s, const char *sql)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		log_err("store: %s: %s", sql, sqlite3_errmsg(s->db));
		return NULL;
	}
	return st;
}

/*
 * A statement of stmt_sql: the one prepared at open, reset, or (on a store opened
 * at an older schema version, which prepares none) a fresh one.  Give it back with
 * stmt_done().
 */
static sqlite3_stmt *
stmt(struct store *s, enum stmt_id id)
{
	if (s->st[id] == NULL)
		return prep(s, stmt_sql[id]);
	sqlite3_reset(s->st[id]);
	sqlite3_clear_bindings(s->st[id]);
	return s->st[id];
}

/* Reset a kept statement (it ends its read transaction), finalize any other. */
static void
stmt_done(struct store *s, sqlite3_stmt *st)
{
	for (int i = 0; i < ST_NSTMT; i++)
		if (s->st[i] == st) {
			sqlite3_reset(st);
			return;
		}
	sqlite3_finalize(st);
}

/* BEGIN IMMEDIATE or COMMIT from its kept statement; errors logged as exec() does. */
static int
step_txn(struct store *s, enum stmt_id id)
{
	sqlite3_stmt *st = stmt(s, id);
	int rc;

	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		log_err("store: %s: %s", stmt_sql[id], sqlite3_errmsg(s->db));
	stmt_done(s, st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Step a statement that returns no rows; finalize it. */
static int
run(struct store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE)
		log_err("store: %s: %s", sqlite3_sql(st), sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static void
copy_col(sqlite3_stmt *st, int col, char *out, size_t outlen)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(out, outlen, "%s", t ? (const char *)t : "");
}

/* --- participants --- */

int
store_participant_upsert(struct store *s, const struct store_participant *p, int64_t *id)
{
	sqlite3_stmt *st = prep(s,
		"INSERT INTO participants(ext_id, name, language, regime, rate, programme_start,"
		" children, sole_carer, chronic_child, monthly_benefit, active)"
		" VALUES(?,?,?,?,?,?,?,?,?,?,?)"
		" ON CONFLICT(ext_id) DO UPDATE SET name=excluded.name, language=excluded.language,"
		" regime=excluded.regime, rate=excluded.rate, programme_start=excluded.programme_start,"
		" children=excluded.children, sole_carer=excluded.sole_carer,"
		" chronic_child=excluded.chronic_child, monthly_benefit=excluded.monthly_benefit,"
		" active=excluded.active RETURNING id");
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
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && id)
		*id = sqlite3_column_int64(st, 0);
	if (rc != SQLITE_ROW)
		log_err("store: saving participant %s: %s", p->ext_id, sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

static void
read_participant(sqlite3_stmt *st, struct store_participant *p)
{
	memset(p, 0, sizeof(*p));
	p->id = sqlite3_column_int64(st, 0);
	copy_col(st, 1, p->ext_id, sizeof(p->ext_id));
	copy_col(st, 2, p->name, sizeof(p->name));
	copy_col(st, 3, p->language, sizeof(p->language));
	copy_col(st, 4, p->regime, sizeof(p->regime));
	copy_col(st, 5, p->rate, sizeof(p->rate));
	copy_col(st, 6, p->programme_start, sizeof(p->programme_start));
	p->children = sqlite3_column_int(st, 7);
	p->sole_carer = sqlite3_column_int(st, 8);
	p->chronic_child = sqlite3_column_int(st, 9);
	copy_col(st, 10, p->monthly_benefit, sizeof(p->monthly_benefit));
	p->active = sqlite3_column_int(st, 11);
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
	stmt_done(s, st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int
store_participant_by_ext(struct store *s, const char *ext_id, struct store_participant *out)
{
	sqlite3_stmt *st = stmt(s, ST_PARTICIPANT_BY_EXT);

	if (st)
		sqlite3_bind_text(st, 1, ext_id, -1, SQLITE_STATIC);
	return participant_one(s, st, out);
}

int
store_participant_get(struct store *s, int64_t id, struct store_participant *out)
{
	sqlite3_stmt *st = stmt(s, ST_PARTICIPANT_GET);

	if (st)
		sqlite3_bind_int64(st, 1, id);
	return participant_one(s, st, out);
}

int
store_participant_each(struct store *s, store_participant_fn fn, void *arg)
{
	sqlite3_stmt *st = prep(s, "SELECT " PARTICIPANT_COLS " FROM participants ORDER BY name");
	struct store_participant p;
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_participant(st, &p);
		if (fn(arg, &p) != 0)
			break;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int
store_participants_deactivate_missing(struct store *s, const int64_t *keep, size_t n)
{
	sqlite3_stmt *st;

	if (exec(s, "CREATE TEMP TABLE IF NOT EXISTS keep_ids(id INTEGER PRIMARY KEY);"
		    "DELETE FROM keep_ids") < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if ((st = prep(s, "INSERT OR IGNORE INTO keep_ids VALUES(?)")) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, keep[i]);
		if (run(s, st) < 0)
			return -1;
	}
	return exec(s, "UPDATE participants SET active = 0 WHERE id NOT IN (SELECT id FROM keep_ids)");
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
	sqlite3_stmt *st = prep(s, "INSERT INTO cards(key, participant_id, revoked, enrolled_ms)"
				   " VALUES(?,?,0,?) ON CONFLICT(key) DO UPDATE SET"
				   " participant_id = excluded.participant_id, revoked = 0,"
				   " enrolled_ms = excluded.enrolled_ms");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, card_key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, participant_id);
	sqlite3_bind_int64(st, 3, now_ms());
	return run(s, st);
}

int
store_card_revoke(struct store *s, const char *card_key)
{
	sqlite3_stmt *st = prep(s, "UPDATE cards SET revoked = 1 WHERE key = ?");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, card_key, -1, SQLITE_STATIC);
	if (run(s, st) < 0)
		return -1;
	return sqlite3_changes(s->db) == 1 ? 0 : 1;
}

int
store_cards_sync(struct store *s, int64_t participant_id, const char *const *keys, size_t n)
{
	sqlite3_stmt *st;

	if (exec(s, "CREATE TEMP TABLE IF NOT EXISTS keep_cards(key TEXT PRIMARY KEY);"
		    "DELETE FROM keep_cards") < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (store_card_enroll(s, keys[i], participant_id) < 0)
			return -1;
		if ((st = prep(s, "INSERT OR IGNORE INTO keep_cards VALUES(?)")) == NULL)
			return -1;
		sqlite3_bind_text(st, 1, keys[i], -1, SQLITE_STATIC);
		if (run(s, st) < 0)
			return -1;
	}
	st = prep(s, "UPDATE cards SET revoked = 1 WHERE participant_id = ?"
		     " AND key NOT IN (SELECT key FROM keep_cards)");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, participant_id);
	return run(s, st);
}

/* --- schedules --- */

int
store_schedule_set(struct store *s, int64_t pid, const struct store_session *ss, size_t n)
{
	sqlite3_stmt *st = prep(s, "DELETE FROM schedules WHERE participant_id = ?");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, pid);
	if (run(s, st) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		st = prep(s, "INSERT INTO schedules(participant_id, weekday, start_min, end_min, offsite)"
			     " VALUES(?,?,?,?,?)");
		if (st == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, pid);
		sqlite3_bind_int(st, 2, ss[i].weekday);
		sqlite3_bind_int(st, 3, ss[i].start_min);
		sqlite3_bind_int(st, 4, ss[i].end_min);
		sqlite3_bind_int(st, 5, ss[i].offsite);
		if (run(s, st) < 0)
			return -1;
	}
	return 0;
}

int
store_schedule_exception_set(struct store *s, int64_t pid, const char *date,
			     const struct store_session *ss, size_t n)
{
	sqlite3_stmt *st = prep(s, "DELETE FROM schedule_exceptions WHERE participant_id = ? AND date = ?");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, pid);
	sqlite3_bind_text(st, 2, date, -1, SQLITE_STATIC);
	if (run(s, st) < 0)
		return -1;
	/* An exception with no sessions is a free day: one row with NULL times. */
	for (size_t i = 0; i < (n ? n : 1); i++) {
		st = prep(s, "INSERT INTO schedule_exceptions(participant_id, date, start_min, end_min,"
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
		if (run(s, st) < 0)
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
	st = stmt(s, ST_EXCEPTIONS_ON);
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
	stmt_done(s, st);
	if (rc != SQLITE_DONE)
		return -1;
	if (exception)
		return 0;
	st = stmt(s, ST_SCHEDULE_ON);
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
	stmt_done(s, st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

int
store_closure_add(struct store *s, const char *date, const char *reason)
{
	sqlite3_stmt *st = prep(s, "INSERT OR REPLACE INTO closures(date, reason) VALUES(?,?)");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, date, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, reason ? reason : "", -1, SQLITE_STATIC);
	return run(s, st);
}

int
store_is_closed(struct store *s, const char *date)
{
	sqlite3_stmt *st = stmt(s, ST_CLOSED);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, date, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	stmt_done(s, st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

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
	sqlite3_bind_int64(st, 4, now_ms());
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
	int rc;

	/* One transaction: the tap and its outbox event are durable together. */
	if (step_txn(s, ST_BEGIN) < 0)
		return -1;
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
	if (step_txn(s, ST_COMMIT) < 0)
		goto fail;
	return 0;
fail:
	store_rollback(s);
	return -1;
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
		copy_col(st, 0, dir, dirlen);
		*local_min = sqlite3_column_int(st, 1);
	} else if (rc != SQLITE_DONE)
		log_err("store: last direction: %s", sqlite3_errmsg(s->db));
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int64_t
store_tap_count(struct store *s)
{
	sqlite3_stmt *st = prep(s, "SELECT count(*) FROM taps");
	int64_t n = -1;

	if (st && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
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
	sqlite3_stmt *st = prep(s, "SELECT seq, id, type, json FROM outbox WHERE state = 'pending'"
				   " AND seq > ? ORDER BY seq LIMIT ?");
	struct store_event *v;
	int rc;

	*evs = NULL;
	*n = 0;
	if (st == NULL)
		return -1;
	v = calloc(max > 0 ? (size_t)max : 1, sizeof(*v));
	if (v == NULL) {
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_bind_int64(st, 1, after_seq);
	sqlite3_bind_int(st, 2, max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_event *e = &v[*n];

		e->seq = sqlite3_column_int64(st, 0);
		copy_col(st, 1, e->id, sizeof(e->id));
		copy_col(st, 2, e->type, sizeof(e->type));
		e->json = strdup((const char *)sqlite3_column_text(st, 3));
		if (e->json == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		(*n)++;
	}
	sqlite3_finalize(st);
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
	sqlite3_stmt *st = prep(s, "UPDATE outbox SET state = ?, reason = ?, done_ms = ?"
				   " WHERE id = ? AND state = 'pending'");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	if (reason)
		sqlite3_bind_text(st, 2, reason, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 2);
	sqlite3_bind_int64(st, 3, now_ms());
	sqlite3_bind_text(st, 4, id, -1, SQLITE_STATIC);
	return run(s, st);
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
 * metrics and board ask on the loop, so only stempelctl status counts them.
 */
static int
outbox_stats(struct store *s, struct store_outbox_stats *o, int delivered)
{
	sqlite3_stmt *st = prep(s, delivered
				       ? "SELECT"
					 " (SELECT count(*) FROM outbox WHERE state = 'pending'),"
					 " (SELECT count(*) FROM outbox WHERE state = 'delivered'),"
					 " (SELECT count(*) FROM outbox WHERE state = 'dead'),"
					 " (SELECT min(created_ms) FROM outbox WHERE state = 'pending')"
				       : "SELECT"
					 " (SELECT count(*) FROM outbox WHERE state = 'pending'), -1,"
					 " (SELECT count(*) FROM outbox WHERE state = 'dead'),"
					 " (SELECT min(created_ms) FROM outbox WHERE state = 'pending')");
	int rc;

	memset(o, 0, sizeof(*o));
	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		o->pending = sqlite3_column_int64(st, 0);
		o->delivered = sqlite3_column_int64(st, 1);
		o->dead = sqlite3_column_int64(st, 2);
		o->oldest_pending_ms = sqlite3_column_int64(st, 3);
	}
	sqlite3_finalize(st);
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

/* --- absences --- */

int
store_absence_upsert(struct store *s, const struct store_absence *a)
{
	sqlite3_stmt *st = prep(s,
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
	sqlite3_bind_int64(st, 10, now_ms());
	return run(s, st);
}

/* --- G values, meta --- */

int
store_g_set(struct store *s, const char *from_date, int64_t amount)
{
	sqlite3_stmt *st = prep(s, "INSERT OR REPLACE INTO g_values(from_date, amount) VALUES(?,?)");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, from_date, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, amount);
	return run(s, st);
}

int
store_meta_get(struct store *s, const char *key, char *out, size_t outlen)
{
	sqlite3_stmt *st = prep(s, "SELECT value FROM meta WHERE key = ?");
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		copy_col(st, 0, out, outlen);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int
store_meta_set(struct store *s, const char *key, const char *value)
{
	sqlite3_stmt *st = prep(s, "INSERT OR REPLACE INTO meta(key, value) VALUES(?,?)");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	return run(s, st);
}

int
store_counts(struct store *s, const char *local_date, struct store_counts *c)
{
	sqlite3_stmt *st = prep(s, "SELECT"
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
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* --- audit --- */

#define AUDIT_HASH_HEX (crypto_hash_sha256_BYTES * 2 + 1)

/* hash = SHA-256(prev_hash \n at_ms \n who \n action \n detail), as hex */
static void
audit_hash(const char *prev, int64_t at_ms, const char *who, const char *action,
	   const char *detail, char hash[AUDIT_HASH_HEX])
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state h;
	char at[32];

	snprintf(at, sizeof(at), "%lld", (long long)at_ms);
	crypto_hash_sha256_init(&h);
	crypto_hash_sha256_update(&h, (const unsigned char *)prev, strlen(prev));
	crypto_hash_sha256_update(&h, (const unsigned char *)"\n", 1);
	crypto_hash_sha256_update(&h, (const unsigned char *)at, strlen(at));
	crypto_hash_sha256_update(&h, (const unsigned char *)"\n", 1);
	crypto_hash_sha256_update(&h, (const unsigned char *)who, strlen(who));
	crypto_hash_sha256_update(&h, (const unsigned char *)"\n", 1);
	crypto_hash_sha256_update(&h, (const unsigned char *)action, strlen(action));
	crypto_hash_sha256_update(&h, (const unsigned char *)"\n", 1);
	crypto_hash_sha256_update(&h, (const unsigned char *)detail, strlen(detail));
	crypto_hash_sha256_final(&h, digest);
	sodium_bin2hex(hash, AUDIT_HASH_HEX, digest, sizeof(digest));
}

int
store_audit(struct store *s, const char *who, const char *action, const char *detail)
{
	char prev[AUDIT_HASH_HEX] = "";
	char hash[AUDIT_HASH_HEX];
	sqlite3_stmt *st;
	int64_t at_ms = now_ms();
	int rc;

	st = prep(s, "SELECT hash FROM audit ORDER BY id DESC LIMIT 1");
	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		copy_col(st, 0, prev, sizeof(prev));
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;

	audit_hash(prev, at_ms, who, action, detail, hash);

	st = prep(s, "INSERT INTO audit(at_ms, who, action, detail, prev_hash, hash)"
		     " VALUES(?,?,?,?,?,?)");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, at_ms);
	sqlite3_bind_text(st, 2, who, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, detail, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, prev, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, hash, -1, SQLITE_STATIC);
	return run(s, st);
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
 * The delivered events of a batch in one UPDATE over their seq range: half the
 * work of one UPDATE per id, and the drain holds the loop half as long.  It is
 * right only if the range holds no other pending event (one still unanswered,
 * say), so the row count is checked and anything else is undone: 1 done,
 * 0 not applicable (nothing changed), -1 error.
 */
static int
mark_range(struct store *s, const struct store_outbox_mark *m, int n, int64_t now)
{
	int64_t first = 0, last = 0;
	int k = 0, changed;
	sqlite3_stmt *st;

	for (int i = 0; i < n; i++) {
		if (strcmp(m[i].state, "delivered") != 0)
			continue;
		if (k && m[i].seq <= last)
			return 0;
		if (k++ == 0)
			first = m[i].seq;
		last = m[i].seq;
	}
	if (k < 2 || exec(s, "SAVEPOINT mark_range") < 0)
		return k < 2 ? 0 : -1;
	st = prep(s, "UPDATE outbox SET state = 'delivered', reason = NULL, done_ms = ?"
		     " WHERE state = 'pending' AND seq BETWEEN ? AND ?");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, first);
	sqlite3_bind_int64(st, 3, last);
	if (run(s, st) < 0)
		return -1;
	changed = sqlite3_changes(s->db);
	if (changed != k) {
		if (exec(s, "ROLLBACK TO mark_range") < 0)
			return -1;
		return exec(s, "RELEASE mark_range") < 0 ? -1 : 0;
	}
	return exec(s, "RELEASE mark_range") < 0 ? -1 : 1;
}

int
store_outbox_mark_batch(struct store *s, const struct store_outbox_mark *m, int n)
{
	sqlite3_stmt *st;
	int64_t now = now_ms();
	int ranged;

	if (n == 0)
		return 0;
	/* One COMMIT for the whole answer: one fsync per batch, not one per event. */
	if (exec(s, "BEGIN IMMEDIATE") < 0)
		return -1;
	st = prep(s, "UPDATE outbox SET state = ?, reason = ?, done_ms = ?"
		     " WHERE id = ? AND state = 'pending'");
	if (st == NULL)
		goto fail;
	/* dead letters by id first: then they are out of the way of the range */
	for (int i = 0; i < n; i++)
		if (strcmp(m[i].state, "delivered") != 0 && mark_one(s, st, &m[i], now) < 0)
			goto fail_st;
	if ((ranged = mark_range(s, m, n, now)) < 0)
		goto fail_st;
	for (int i = 0; i < n && !ranged; i++)
		if (strcmp(m[i].state, "delivered") == 0 && mark_one(s, st, &m[i], now) < 0)
			goto fail_st;
	sqlite3_finalize(st);
	if (exec(s, "COMMIT") < 0)
		goto fail;
	return 0;
fail_st:
	sqlite3_finalize(st);
fail:
	store_rollback(s);
	return -1;
}

/*
 * SQLite's automatic checkpoint runs inside whichever COMMIT takes the WAL past
 * 1,000 frames: on a database of a year (1 GB) that is 25-50 ms of page copies and
 * an fsync of the database file added to one tap's answer every ~100 taps (make
 * bench).  With an owner, the COMMIT only tells it, and it checkpoints on a
 * thread and connection of its own (checkpoint.c), beside the writer.
 */
static int
wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct store *s = arg;

	if (frames >= WAL_CHECKPOINT_FRAMES)
		s->wal_full(s->wal_full_arg);
	return SQLITE_OK;
}

void
store_on_wal_full(struct store *s, void (*fn)(void *arg), void *arg)
{
	s->wal_full = fn;
	s->wal_full_arg = arg;
	if (fn)
		sqlite3_wal_hook(s->db, wal_hook, s);
	else
		sqlite3_wal_autocheckpoint(s->db, WAL_CHECKPOINT_FRAMES);
}

int
store_outbox_checkpoint(struct store *s)
{
	int rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);

	if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
		log_err("store: checkpoint: %s", sqlite3_errmsg(s->db));
		return -1;
	}
	return 0;
}

int
store_outbox_last_dead(struct store *s, char *id, size_t idlen, char *reason, size_t reasonlen,
		       int64_t *done_ms)
{
	sqlite3_stmt *st = prep(s, "SELECT id, reason, done_ms FROM outbox WHERE state = 'dead'"
				   " ORDER BY done_ms DESC, seq DESC LIMIT 1");
	int rc;

	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		copy_col(st, 0, id, idlen);
		copy_col(st, 1, reason, reasonlen);
		*done_ms = sqlite3_column_int64(st, 2);
	} else if (rc != SQLITE_DONE) {
		log_err("store: last dead letter: %s", sqlite3_errmsg(s->db));
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

/* --- board --- */

#define USER_COLS "id, username, pwhash, role, language, disabled, created_ms"

static void
read_user(sqlite3_stmt *st, struct store_user *u)
{
	memset(u, 0, sizeof(*u));
	u->id = sqlite3_column_int64(st, 0);
	copy_col(st, 1, u->username, sizeof(u->username));
	copy_col(st, 2, u->pwhash, sizeof(u->pwhash));
	copy_col(st, 3, u->role, sizeof(u->role));
	copy_col(st, 4, u->language, sizeof(u->language));
	u->disabled = sqlite3_column_int(st, 5);
	u->created_ms = sqlite3_column_int64(st, 6);
}

int
store_user_add(struct store *s, const struct store_user *u, int64_t *id)
{
	sqlite3_stmt *st = prep(s, "INSERT INTO users(username, pwhash, role, language, disabled,"
				   " created_ms) VALUES(?,?,?,?,0,?) ON CONFLICT(username) DO NOTHING");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, u->username, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, u->pwhash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, u->role, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, u->language, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now_ms());
	if (run(s, st) < 0)
		return -1;
	if (sqlite3_changes(s->db) == 0)
		return 1;
	if (id)
		*id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

static int
user_one(struct store *s, sqlite3_stmt *st, struct store_user *out)
{
	int rc;

	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_user(st, out);
	else if (rc != SQLITE_DONE)
		log_err("store: reading user: %s", sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int
store_user_get(struct store *s, const char *username, struct store_user *out)
{
	sqlite3_stmt *st = prep(s, "SELECT " USER_COLS " FROM users WHERE username = ?");

	if (st)
		sqlite3_bind_text(st, 1, username, -1, SQLITE_STATIC);
	return user_one(s, st, out);
}

int
store_user_get_id(struct store *s, int64_t id, struct store_user *out)
{
	sqlite3_stmt *st = prep(s, "SELECT " USER_COLS " FROM users WHERE id = ?");

	if (st)
		sqlite3_bind_int64(st, 1, id);
	return user_one(s, st, out);
}

int
store_user_each(struct store *s, store_user_fn fn, void *arg)
{
	sqlite3_stmt *st = prep(s, "SELECT " USER_COLS " FROM users ORDER BY username");
	struct store_user u;
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_user(st, &u);
		if (fn(arg, &u) != 0)
			break;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* Sign the user out everywhere: a new password or a disabled account ends every session. */
static int
user_sessions_end(struct store *s, const char *username)
{
	sqlite3_stmt *st = prep(s, "DELETE FROM sessions WHERE user_id ="
				   " (SELECT id FROM users WHERE username = ?)");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, username, -1, SQLITE_STATIC);
	return run(s, st);
}

static int
user_update(struct store *s, const char *sql, const char *username, const char *text, int num)
{
	sqlite3_stmt *st;
	int changed;

	if (store_begin(s) < 0)
		return -1;
	if ((st = prep(s, sql)) == NULL)
		goto fail;
	if (text)
		sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int(st, 1, num);
	sqlite3_bind_text(st, 2, username, -1, SQLITE_STATIC);
	if (run(s, st) < 0)
		goto fail;
	changed = sqlite3_changes(s->db);
	if (user_sessions_end(s, username) < 0 || store_commit(s) < 0)
		goto fail;
	return changed ? 0 : 1;
fail:
	store_rollback(s);
	return -1;
}

int
store_user_set_password(struct store *s, const char *username, const char *pwhash)
{
	return user_update(s, "UPDATE users SET pwhash = ? WHERE username = ?", username, pwhash, 0);
}

int
store_user_set_disabled(struct store *s, const char *username, int disabled)
{
	return user_update(s, "UPDATE users SET disabled = ? WHERE username = ?", username, NULL,
			   disabled);
}

int
store_session_add(struct store *s, const char *token_hash, const struct store_login *l)
{
	sqlite3_stmt *st = prep(s, "INSERT INTO sessions(token_hash, user_id, csrf, created_ms,"
				   " expires_ms) VALUES(?,?,?,?,?)");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, token_hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, l->user_id);
	sqlite3_bind_text(st, 3, l->csrf, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, l->created_ms);
	sqlite3_bind_int64(st, 5, l->expires_ms);
	return run(s, st);
}

int
store_session_get(struct store *s, const char *token_hash, struct store_login *out)
{
	sqlite3_stmt *st = prep(s, "SELECT user_id, csrf, created_ms, expires_ms FROM sessions"
				   " WHERE token_hash = ?");
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, token_hash, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		memset(out, 0, sizeof(*out));
		out->user_id = sqlite3_column_int64(st, 0);
		copy_col(st, 1, out->csrf, sizeof(out->csrf));
		out->created_ms = sqlite3_column_int64(st, 2);
		out->expires_ms = sqlite3_column_int64(st, 3);
	} else if (rc != SQLITE_DONE) {
		log_err("store: reading session: %s", sqlite3_errmsg(s->db));
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int
store_session_touch(struct store *s, const char *token_hash, int64_t expires_ms)
{
	sqlite3_stmt *st = prep(s, "UPDATE sessions SET expires_ms = ? WHERE token_hash = ?");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, expires_ms);
	sqlite3_bind_text(st, 2, token_hash, -1, SQLITE_STATIC);
	return run(s, st);
}

int
store_session_delete(struct store *s, const char *token_hash)
{
	sqlite3_stmt *st = prep(s, "DELETE FROM sessions WHERE token_hash = ?");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, token_hash, -1, SQLITE_STATIC);
	return run(s, st);
}

int
store_session_purge(struct store *s, int64_t now, int64_t max_age_ms)
{
	sqlite3_stmt *st = prep(s, "DELETE FROM sessions WHERE expires_ms <= ? OR created_ms <= ?");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, now - max_age_ms);
	return run(s, st);
}

int
store_unknown_cards(struct store *s, int64_t since_ms, int max, store_unknown_card_fn fn, void *arg)
{
	/* Cards enrolled since they were tapped are no longer unknown. */
	sqlite3_stmt *st = prep(s, "SELECT card_key, max(wall_ms), count(*) FROM taps"
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
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

static void
read_audit(sqlite3_stmt *st, struct store_audit_entry *e)
{
	e->id = sqlite3_column_int64(st, 0);
	e->at_ms = sqlite3_column_int64(st, 1);
	e->who = (const char *)sqlite3_column_text(st, 2);
	e->action = (const char *)sqlite3_column_text(st, 3);
	e->detail = (const char *)sqlite3_column_text(st, 4);
	e->prev_hash = (const char *)sqlite3_column_text(st, 5);
	e->hash = (const char *)sqlite3_column_text(st, 6);
}

int
store_audit_page(struct store *s, int64_t before_id, int max, store_audit_fn fn, void *arg)
{
	sqlite3_stmt *st = prep(s, "SELECT id, at_ms, who, action, detail, prev_hash, hash FROM audit"
				   " WHERE id < ? ORDER BY id DESC LIMIT ?");
	struct store_audit_entry e;
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, before_id > 0 ? before_id : INT64_MAX);
	sqlite3_bind_int(st, 2, max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_audit(st, &e);
		if (fn(arg, &e))
			break;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int
store_audit_verify(struct store *s, int64_t *entries, int64_t *bad_id, char *why, size_t whylen)
{
	sqlite3_stmt *st = prep(s, "SELECT id, at_ms, who, action, detail, prev_hash, hash FROM audit"
				   " ORDER BY id");
	char prev[AUDIT_HASH_HEX] = "", want[AUDIT_HASH_HEX];
	struct store_audit_entry e;
	int rc;

	*entries = 0;
	*bad_id = 0;
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_audit(st, &e);
		if (e.who == NULL || e.action == NULL || e.detail == NULL || e.prev_hash == NULL ||
		    e.hash == NULL) {
			snprintf(why, whylen, "a column is NULL");
			break;
		}
		if (strcmp(e.prev_hash, prev) != 0) {
			snprintf(why, whylen, "prev_hash does not match the entry before it"
					      " (an entry was removed, added or reordered)");
			break;
		}
		audit_hash(prev, e.at_ms, e.who, e.action, e.detail, want);
		if (strcmp(want, e.hash) != 0) {
			snprintf(why, whylen, "hash does not match its content (the entry was edited)");
			break;
		}
		snprintf(prev, sizeof(prev), "%s", e.hash);
		(*entries)++;
	}
	if (rc == SQLITE_ROW)
		*bad_id = e.id;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		snprintf(why, whylen, "%s", sqlite3_errmsg(s->db));
		return -1;
	}
	return *bad_id ? 1 : 0;
}

/* --- attendance and periods --- */

/* Make room for one more element of a growing array; -1 out of memory. */
static int
grow(void **arr, size_t *cap, size_t n, size_t size)
{
	void *p;
	size_t c;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 16;
	if ((p = realloc(*arr, c * size)) == NULL)
		return -1;
	*arr = p;
	*cap = c;
	return 0;
}

/* Finish a listing: on error free what was read.  Steps ended with rc. */
static int
list_done(struct store *s, sqlite3_stmt *st, int rc, void **arr, size_t *n)
{
	if (rc != SQLITE_DONE)
		log_err("store: %s: %s", sqlite3_sql(st), rc == SQLITE_NOMEM ? "out of memory"
								   : sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(*arr);
		*arr = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}

/* Append one row to a typed array `out` of `n` elements (cap in `cap`), or break. */
#define LIST_NEXT(out, n, cap, rc)                                                       \
	if (grow((void **)(out), &(cap), *(n), sizeof(**(out))) < 0) {                   \
		(rc) = SQLITE_NOMEM;                                                     \
		break;                                                                   \
	}

int
store_schedule_rows(struct store *s, int64_t pid, struct store_session **out, size_t *n)
{
	sqlite3_stmt *st = prep(s, "SELECT weekday, start_min, end_min, offsite FROM schedules"
				   " WHERE participant_id = ? ORDER BY weekday, start_min");
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, pid);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		LIST_NEXT(out, n, cap, rc);
		(*out)[(*n)++] = (struct store_session){sqlite3_column_int(st, 0),
							sqlite3_column_int(st, 1),
							sqlite3_column_int(st, 2),
							sqlite3_column_int(st, 3)};
	}
	return list_done(s, st, rc, (void **)out, n);
}

int
store_schedule_exception_rows(struct store *s, int64_t pid, struct store_exception_row **out,
			      size_t *n)
{
	sqlite3_stmt *st = prep(s, "SELECT date, start_min, end_min, offsite FROM schedule_exceptions"
				   " WHERE participant_id = ? ORDER BY date, start_min");
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, pid);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_exception_row *r;

		LIST_NEXT(out, n, cap, rc);
		r = &(*out)[(*n)++];
		copy_col(st, 0, r->date, sizeof(r->date));
		r->start_min = sqlite3_column_type(st, 1) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 1);
		r->end_min = sqlite3_column_type(st, 2) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 2);
		r->offsite = sqlite3_column_int(st, 3);
	}
	return list_done(s, st, rc, (void **)out, n);
}

int
store_closure_dates(struct store *s, char (**out)[11], size_t *n)
{
	sqlite3_stmt *st = prep(s, "SELECT date FROM closures ORDER BY date");
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		LIST_NEXT(out, n, cap, rc);
		copy_col(st, 0, (*out)[(*n)++], 11);
	}
	return list_done(s, st, rc, (void **)out, n);
}

int
store_session_ends(struct store *s, const char *date, int weekday, int *ends, size_t max,
		   size_t *n)
{
	/* A participant's exception rows replace the template on that date. */
	sqlite3_stmt *st = prep(s,
		"SELECT DISTINCT end_min FROM ("
		" SELECT x.end_min FROM schedule_exceptions x JOIN participants p"
		"  ON p.id = x.participant_id WHERE p.active = 1 AND x.date = ?1"
		"  AND x.end_min IS NOT NULL"
		" UNION SELECT t.end_min FROM schedules t JOIN participants p ON p.id = t.participant_id"
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
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Day numbers (days since 1970-01-01) come from SQL: no date parsing per tap. */
#define DAY_NUMBER(col) "CAST(julianday(" col ") - 2440587.5 AS INTEGER)"

/* copy_col() without printf: read_day_tap() runs for every tap of every recomputation. */
static void
copy_short(sqlite3_stmt *st, int col, char *out, size_t outlen)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	size_t n = t ? (size_t)sqlite3_column_bytes(st, col) : 0;

	if (n >= outlen)
		n = outlen - 1;
	if (n)
		memcpy(out, t, n);
	out[n] = '\0';
}

static void
read_day_tap(sqlite3_stmt *st, int col, struct store_day_tap *t)
{
	t->id = sqlite3_column_int64(st, col);
	copy_short(st, col + 1, t->date, sizeof(t->date));
	t->minute = sqlite3_column_int(st, col + 2);
	copy_short(st, col + 3, t->direction, sizeof(t->direction));
	t->day = sqlite3_column_int(st, col + 4);
}

int
store_taps_accepted(struct store *s, int64_t pid, const char *from, const char *to,
		    struct store_day_tap **out, size_t *n)
{
	sqlite3_stmt *st = prep(s, "SELECT id, local_date, local_min, direction, "
				   DAY_NUMBER("local_date") " FROM taps INDEXED BY taps_accepted"
				   " WHERE participant_id = ? AND local_date BETWEEN ? AND ?"
				   " AND outcome IN ('accepted_in','accepted_out')"
				   " ORDER BY local_date, local_min"); /* the index's order: no sort */
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
		read_day_tap(st, 0, &(*out)[(*n)++]);
	}
	return list_done(s, st, rc, (void **)out, n);
}

int
store_tap_accepted_get(struct store *s, int64_t tap_id, int64_t *pid, struct store_day_tap *out)
{
	sqlite3_stmt *st = prep(s, "SELECT participant_id, id, local_date, local_min, direction, "
				   DAY_NUMBER("local_date") " FROM taps WHERE id = ?"
				   " AND outcome IN ('accepted_in','accepted_out')");
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tap_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*pid = sqlite3_column_int64(st, 0);
		read_day_tap(st, 1, out);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int
store_correction_add(struct store *s, const struct store_correction *c)
{
	sqlite3_stmt *st = prep(s, "INSERT INTO corrections(uuid, participant_id, action, tap_id,"
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
	sqlite3_bind_int64(st, 10, now_ms());
	return run(s, st);
}

int
store_corrections(struct store *s, int64_t pid, const char *from, const char *to,
		  struct store_correction **out, size_t *n)
{
	sqlite3_stmt *st = prep(s, "SELECT uuid, action, tap_id, local_date, local_min, direction,"
				   " reason, who FROM corrections WHERE participant_id = ?"
				   " AND local_date BETWEEN ? AND ? ORDER BY id");
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
		struct store_correction *c;

		LIST_NEXT(out, n, cap, rc);
		c = &(*out)[(*n)++];
		memset(c, 0, sizeof(*c));
		c->participant_id = pid;
		copy_col(st, 0, c->uuid, sizeof(c->uuid));
		copy_col(st, 1, c->action, sizeof(c->action));
		c->tap_id = sqlite3_column_int64(st, 2);
		copy_col(st, 3, c->date, sizeof(c->date));
		c->minute = sqlite3_column_int(st, 4);
		copy_col(st, 5, c->direction, sizeof(c->direction));
		copy_col(st, 6, c->reason, sizeof(c->reason));
		copy_col(st, 7, c->who, sizeof(c->who));
	}
	return list_done(s, st, rc, (void **)out, n);
}

#define ABSENCE_COLS "uuid, participant_id, category, from_date, to_date, minutes, documentation," \
		     " comment, registered_by, start_min, end_min, created_ms, revoked"

static void
read_absence(sqlite3_stmt *st, struct store_absence_row *r)
{
	memset(r, 0, sizeof(*r));
	copy_col(st, 0, r->a.uuid, sizeof(r->a.uuid));
	r->a.participant_id = sqlite3_column_int64(st, 1);
	copy_col(st, 2, r->a.category, sizeof(r->a.category));
	copy_col(st, 3, r->a.from_date, sizeof(r->a.from_date));
	copy_col(st, 4, r->a.to_date, sizeof(r->a.to_date));
	r->a.minutes = sqlite3_column_type(st, 5) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 5);
	copy_col(st, 6, r->a.documentation, sizeof(r->a.documentation));
	copy_col(st, 7, r->a.comment, sizeof(r->a.comment));
	copy_col(st, 8, r->a.registered_by, sizeof(r->a.registered_by));
	r->start_min = sqlite3_column_type(st, 9) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 9);
	r->end_min = sqlite3_column_type(st, 10) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 10);
	r->created_ms = sqlite3_column_int64(st, 11);
	r->revoked = sqlite3_column_int(st, 12);
}

int
store_absence_add(struct store *s, const struct store_absence_row *r)
{
	sqlite3_stmt *st = prep(s, "INSERT INTO absences(uuid, participant_id, category, from_date,"
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
	sqlite3_bind_int64(st, 12, r->created_ms ? r->created_ms : now_ms());
	return run(s, st);
}

int
store_absences_active(struct store *s, int64_t pid, struct store_absence_row **out, size_t *n)
{
	sqlite3_stmt *st = prep(s, "SELECT " ABSENCE_COLS " FROM absences"
				   " WHERE participant_id = ? AND revoked = 0 ORDER BY from_date, id");
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, pid);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		LIST_NEXT(out, n, cap, rc);
		read_absence(st, &(*out)[(*n)++]);
	}
	return list_done(s, st, rc, (void **)out, n);
}

int
store_absence_find(struct store *s, const char *uuid, struct store_absence_row *out)
{
	sqlite3_stmt *st = prep(s, "SELECT " ABSENCE_COLS " FROM absences WHERE uuid = ?");
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, uuid, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_absence(st, out);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int
store_absence_revoke(struct store *s, const char *uuid, const char *who)
{
	sqlite3_stmt *st = prep(s, "UPDATE absences SET revoked = 1, revoked_by = ?"
				   " WHERE uuid = ? AND revoked = 0");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, who, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, uuid, -1, SQLITE_STATIC);
	if (run(s, st) < 0)
		return -1;
	return sqlite3_changes(s->db) == 1 ? 0 : 1;
}

int
store_g_values(struct store *s, struct store_g **out, size_t *n)
{
	sqlite3_stmt *st = prep(s, "SELECT from_date, amount FROM g_values ORDER BY from_date");
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		LIST_NEXT(out, n, cap, rc);
		copy_col(st, 0, (*out)[*n].from, sizeof((*out)[*n].from));
		(*out)[(*n)++].amount = sqlite3_column_int64(st, 1);
	}
	return list_done(s, st, rc, (void **)out, n);
}

/* A text column as a malloc'd string; NULL when out of memory. */
static char *
dup_col(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return strdup(t ? (const char *)t : "");
}

int
store_day_result_get(struct store *s, int64_t pid, const char *date, char **json)
{
	sqlite3_stmt *st = prep(s, "SELECT json FROM day_results WHERE participant_id = ? AND date = ?");
	int rc;

	*json = NULL;
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, pid);
	sqlite3_bind_text(st, 2, date, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && (*json = dup_col(st, 0)) == NULL)
		rc = SQLITE_NOMEM;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int
store_day_result_put(struct store *s, int64_t pid, const char *date, const char *json)
{
	sqlite3_stmt *st = prep(s, "INSERT OR REPLACE INTO day_results(participant_id, date, json,"
				   " computed_ms) VALUES(?,?,?,?)");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, pid);
	sqlite3_bind_text(st, 2, date, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, json, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now_ms());
	return run(s, st);
}

#define PERIOD_COLS "id, from_date, to_date, status, closed_ms, closed_by"

static void
read_period(sqlite3_stmt *st, int col, struct store_period *p)
{
	memset(p, 0, sizeof(*p));
	p->id = sqlite3_column_int64(st, col);
	copy_col(st, col + 1, p->from, sizeof(p->from));
	copy_col(st, col + 2, p->to, sizeof(p->to));
	copy_col(st, col + 3, p->status, sizeof(p->status));
	p->closed_ms = sqlite3_column_int64(st, col + 4);
	copy_col(st, col + 5, p->closed_by, sizeof(p->closed_by));
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
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int
store_period_ensure(struct store *s, const char *from, const char *to, struct store_period *out)
{
	sqlite3_stmt *st = prep(s, "INSERT OR IGNORE INTO periods(from_date, to_date) VALUES(?,?)");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, to, -1, SQLITE_STATIC);
	if (run(s, st) < 0)
		return -1;
	st = prep(s, "SELECT " PERIOD_COLS " FROM periods WHERE from_date = ? AND to_date = ?");
	if (st) {
		sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, to, -1, SQLITE_STATIC);
	}
	return period_one(s, st, out) == 0 ? 0 : -1;
}

int
store_period_get(struct store *s, int64_t id, struct store_period *out)
{
	sqlite3_stmt *st = prep(s, "SELECT " PERIOD_COLS " FROM periods WHERE id = ?");

	if (st)
		sqlite3_bind_int64(st, 1, id);
	return period_one(s, st, out);
}

int
store_period_at(struct store *s, const char *date, struct store_period *out)
{
	sqlite3_stmt *st = prep(s, "SELECT " PERIOD_COLS " FROM periods"
				   " WHERE from_date <= ?1 AND to_date >= ?1 ORDER BY id LIMIT 1");

	if (st)
		sqlite3_bind_text(st, 1, date, -1, SQLITE_STATIC);
	return period_one(s, st, out);
}

static int
period_list(struct store *s, sqlite3_stmt *st, struct store_period **out, size_t *n)
{
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		LIST_NEXT(out, n, cap, rc);
		read_period(st, 0, &(*out)[(*n)++]);
	}
	return list_done(s, st, rc, (void **)out, n);
}

int
store_periods(struct store *s, struct store_period **out, size_t *n)
{
	return period_list(s, prep(s, "SELECT " PERIOD_COLS " FROM periods ORDER BY from_date, id"),
			   out, n);
}

/*
 * Open periods that start after `today` and hold nothing (no line, no frozen day, no
 * adjustment pointing at them): made by a wrong clock, never payable.  *n dropped.
 */
int
store_periods_drop_future(struct store *s, const char *today, int *n)
{
	sqlite3_stmt *st = prep(s, "DELETE FROM periods WHERE status = 'open' AND from_date > ?"
				   " AND NOT EXISTS (SELECT 1 FROM period_lines l"
				   "  WHERE l.period_id = periods.id OR l.corrects_period = periods.id)"
				   " AND NOT EXISTS (SELECT 1 FROM period_days d"
				   "  WHERE d.period_id = periods.id)");

	*n = 0;
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, today, -1, SQLITE_STATIC);
	if (run(s, st) < 0)
		return -1;
	*n = sqlite3_changes(s->db);
	return 0;
}

int
store_periods_closed_for(struct store *s, int64_t pid, struct store_period **out, size_t *n)
{
	sqlite3_stmt *st = prep(s, "SELECT " PERIOD_COLS " FROM periods WHERE status = 'closed'"
				   " AND EXISTS (SELECT 1 FROM period_lines l WHERE l.period_id = periods.id"
				   " AND l.participant_id = ? AND l.kind = 'line') ORDER BY from_date, id");

	if (st)
		sqlite3_bind_int64(st, 1, pid);
	return period_list(s, st, out, n);
}

int
store_period_close(struct store *s, int64_t id, const char *who)
{
	sqlite3_stmt *st = prep(s, "UPDATE periods SET status = 'closed', closed_ms = ?, closed_by = ?"
				   " WHERE id = ? AND status = 'open'");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now_ms());
	sqlite3_bind_text(st, 2, who, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, id);
	if (run(s, st) < 0)
		return -1;
	return sqlite3_changes(s->db) == 1 ? 0 : 1;
}

int
store_period_line_add(struct store *s, const struct store_period_line *l, int64_t *id)
{
	sqlite3_stmt *st = prep(s, "INSERT INTO period_lines(period_id, participant_id, kind,"
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
	if (run(s, st) < 0)
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
		copy_col(st, 3, l->kind, sizeof(l->kind));
		l->corrects_period = sqlite3_column_int64(st, 4);
		copy_col(st, 5, l->corrects_date, sizeof(l->corrects_date));
		if ((l->json = dup_col(st, 6)) == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		(*n)++;
	}
	if (rc != SQLITE_DONE) {
		log_err("store: period lines: %s", sqlite3_errmsg(s->db));
		sqlite3_finalize(st);
		store_period_lines_free(*out, *n);
		*out = NULL;
		*n = 0;
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

#define LINE_COLS "id, period_id, participant_id, kind, corrects_period, corrects_date, json"

int
store_period_lines(struct store *s, int64_t period_id, struct store_period_line **out, size_t *n)
{
	sqlite3_stmt *st = prep(s, "SELECT " LINE_COLS " FROM period_lines WHERE period_id = ?"
				   " ORDER BY id");

	if (st)
		sqlite3_bind_int64(st, 1, period_id);
	return line_list(s, st, out, n);
}

int
store_period_corrections(struct store *s, int64_t corrects, int64_t pid,
			 struct store_period_line **out, size_t *n)
{
	sqlite3_stmt *st = prep(s, "SELECT " LINE_COLS " FROM period_lines WHERE corrects_period = ?"
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
	sqlite3_stmt *st = prep(s, "SELECT 1 FROM period_lines WHERE period_id = ?"
				   " AND participant_id = ? AND kind = 'line'");
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, period_id);
	sqlite3_bind_int64(st, 2, pid);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
store_period_day_add(struct store *s, int64_t period_id, int64_t pid, const char *date,
		     const char *json)
{
	sqlite3_stmt *st = prep(s, "INSERT INTO period_days(period_id, participant_id, date, json)"
				   " VALUES(?,?,?,?)");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, period_id);
	sqlite3_bind_int64(st, 2, pid);
	sqlite3_bind_text(st, 3, date, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, json, -1, SQLITE_STATIC);
	return run(s, st);
}

int
store_period_days(struct store *s, int64_t period_id, int64_t pid, store_period_day_fn fn,
		  void *arg)
{
	sqlite3_stmt *st = prep(s, "SELECT date, json FROM period_days WHERE period_id = ?"
				   " AND participant_id = ? ORDER BY date");
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, period_id);
	sqlite3_bind_int64(st, 2, pid);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(arg, (const char *)sqlite3_column_text(st, 0),
		       (const char *)sqlite3_column_text(st, 1)) != 0) {
			sqlite3_finalize(st);
			return -1;
		}
	if (rc != SQLITE_DONE)
		log_err("store: period days: %s", sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_token_add(struct store *s, const char *name, const char *hash, const char *scope,
		int64_t *id)
{
	sqlite3_stmt *st = prep(s, "INSERT INTO api_tokens(name, token_hash, scope, created_ms)"
				   " VALUES(?,?,?,?)");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, scope, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now_ms());
	if (run(s, st) < 0)
		return -1;
	if (id)
		*id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

int
store_tokens(struct store *s, struct store_token **out, size_t *n)
{
	sqlite3_stmt *st = prep(s, "SELECT id, name, token_hash, scope, created_ms, revoked"
				   " FROM api_tokens ORDER BY id");
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_token *t;

		LIST_NEXT(out, n, cap, rc);
		t = &(*out)[(*n)++];
		t->id = sqlite3_column_int64(st, 0);
		copy_col(st, 1, t->name, sizeof(t->name));
		copy_col(st, 2, t->hash, sizeof(t->hash));
		copy_col(st, 3, t->scope, sizeof(t->scope));
		t->created_ms = sqlite3_column_int64(st, 4);
		t->revoked = sqlite3_column_int(st, 5);
	}
	return list_done(s, st, rc, (void **)out, n);
}

int
store_token_revoke(struct store *s, int64_t id)
{
	sqlite3_stmt *st = prep(s, "UPDATE api_tokens SET revoked = 1 WHERE id = ? AND revoked = 0");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (run(s, st) < 0)
		return -1;
	return sqlite3_changes(s->db) == 1 ? 0 : 1;
}

int
store_period_line_get(struct store *s, int64_t period_id, int64_t pid,
		      struct store_period_line *out)
{
	sqlite3_stmt *st = prep(s, "SELECT " LINE_COLS " FROM period_lines WHERE period_id = ?"
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

int
store_recompute_take(struct store *s, char *from, size_t len)
{
	sqlite3_stmt *st;
	int rc;

	if (exec(s, "BEGIN IMMEDIATE") < 0)
		return -1;
	if ((st = prep(s, "SELECT from_date FROM pending_recompute WHERE id = 1")) == NULL)
		goto fail;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		copy_col(st, 0, from, len);
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE) {
		store_rollback(s);
		return 1;
	}
	if (rc != SQLITE_ROW || exec(s, "DELETE FROM pending_recompute") < 0 ||
	    exec(s, "COMMIT") < 0)
		goto fail;
	return 0;
fail:
	store_rollback(s);
	return -1;
}
