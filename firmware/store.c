/*
 * store.c — the database connection: open, pragmas, migrations, transactions, the
 * statement cache and the helpers the table files share (store_int.h).  The SQL of
 * each table family lives in its own file: store_taps.c (taps, outbox),
 * store_people.c (participants, cards), store_schedule.c (schedules, exceptions,
 * closures, absences, corrections), store_periods.c (G, meta, day results, pay
 * periods), store_users.c (users, sessions, API tokens, audit).
 *
 * Durability: WAL journal with synchronous=FULL, so a COMMIT returns only after
 * the WAL is fsynced; a tap is answered only after store_record_tap() returns.
 * The tap row and its outbox event are written in one transaction: either both
 * exist after a power cut or neither does.  Hot-path statements are prepared once.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "clock.h"
#include "log.h"
#include "store_int.h"

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

/* SQLite's own automatic checkpoint starts at this many WAL frames (no owner). */
#define WAL_CHECKPOINT_FRAMES 1000
/*
 * With an owner (the checkpoint thread) it is kicked at this many, 1 MB: each
 * checkpoint then writes and syncs little, and a tap's fdatasync, which waits for
 * the device to flush whatever reached it before, finds little there.  tapload on
 * three years (the uploader draining 100,000 events), three runs each on a shared
 * machine: at 1,000 frames 6-16 of 1,000 taps over 100 ms, the slowest 193-423 ms
 * (the loop in fdatasync, submit_bio_wait); at 250, 1-9, the slowest 102-296 ms;
 * one run at 4,000: 171, the slowest 1.5 s.  Peak RSS the same (40 MiB).
 */
#define WAL_KICK_FRAMES 250

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
    " INSERT INTO pending_recompute VALUES(1, min(OLD.from_date, NEW.from_date)) ON CONFLICT(id) "
    "DO UPDATE"
    " SET from_date = min(from_date, excluded.from_date); END;"
    "CREATE TRIGGER g_values_update AFTER UPDATE ON g_values BEGIN"
    " INSERT INTO pending_recompute VALUES(1, min(OLD.from_date, NEW.from_date)) ON CONFLICT(id) "
    "DO UPDATE"
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

    /*
     * 8: one writer.  While the daemon runs every change reaches it as a command
     * (board, API, control socket) or comes from its own uploader, and each tells
     * the loop what to recompute; with the daemon stopped, its start recomputes
     * everyone.  The change triggers of schema 6 and their mark go.
     */
    "DROP TRIGGER IF EXISTS schedules_insert;"
    "DROP TRIGGER IF EXISTS schedules_update;"
    "DROP TRIGGER IF EXISTS schedules_delete;"
    "DROP TRIGGER IF EXISTS exceptions_insert;"
    "DROP TRIGGER IF EXISTS exceptions_update;"
    "DROP TRIGGER IF EXISTS exceptions_delete;"
    "DROP TRIGGER IF EXISTS absences_insert;"
    "DROP TRIGGER IF EXISTS g_values_insert;"
    "DROP TRIGGER IF EXISTS absences_update;"
    "DROP TRIGGER IF EXISTS g_values_update;"
    "DROP TRIGGER IF EXISTS absences_delete;"
    "DROP TRIGGER IF EXISTS g_values_delete;"
    "DROP TRIGGER IF EXISTS closures_insert;"
    "DROP TRIGGER IF EXISTS closures_update;"
    "DROP TRIGGER IF EXISTS closures_delete;"
    "DROP TRIGGER IF EXISTS participants_update;"
    "DROP TRIGGER IF EXISTS participants_insert;"
    "DROP TABLE IF EXISTS pending_recompute;",

    /*
     * 9: card ownership (uploader/README.md): a card changed on the kiosk is
     * 'local' until a roster agrees with it; a roster never silently undoes it.
     * local_event is its card_enrolled/card_revoked event, local_base the hash of
     * the roster in force when it was made, conflict what a newer roster says
     * instead ('' none, 'absent', or the participant's external id).  A
     * participant's cards by index (the roster import and the board read them).
     */
    "ALTER TABLE cards ADD COLUMN origin TEXT NOT NULL DEFAULT 'roster';"
    "ALTER TABLE cards ADD COLUMN local_ms INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE cards ADD COLUMN local_event TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE cards ADD COLUMN local_base TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE cards ADD COLUMN local_who TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE cards ADD COLUMN conflict TEXT NOT NULL DEFAULT '';"
    "CREATE INDEX cards_participant ON cards(participant_id);"
    "CREATE INDEX outbox_done ON outbox(state, done_ms) WHERE state = 'delivered';",

    /*
     * 10: a participant's last day in the programme, when the roster knows it: days
     * after it are not scheduled and a payout it ends inside is prorated.
     */
    "ALTER TABLE participants ADD COLUMN programme_end TEXT NOT NULL DEFAULT '';",

    /*
     * 11: the board: a participant's class or group (roster "group", participant
     * add --group); who enrolled a card, and who revoked it, when and why.
     */
    "ALTER TABLE participants ADD COLUMN grp TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE cards ADD COLUMN enrolled_by TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE cards ADD COLUMN revoked_ms INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE cards ADD COLUMN revoked_by TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE cards ADD COLUMN revoke_reason TEXT NOT NULL DEFAULT '';",

    /*
     * 12: incremental results: a participant's quota state saved by the rules
     * engine before `day` (a day number), so a later computation resumes there
     * instead of walking from the programme start (store_results.c).
     */
    "CREATE TABLE quota_state(participant_id INTEGER NOT NULL, day INTEGER NOT NULL,"
    " state BLOB NOT NULL, PRIMARY KEY(participant_id, day)) WITHOUT ROWID;",

    /*
     * 13: reads whose cost grew with history: the board's unknown cards of the last
     * days (a scan of every tap, on the loop, for each Today page) and a
     * participant's absences reaching into a range (a resumed computation, the
     * Today page in bulk: by start date they read every earlier absence).
     */
    "CREATE INDEX taps_unknown ON taps(wall_ms) WHERE outcome = 'unknown_card';"
    "CREATE INDEX absences_pid_to ON absences(participant_id, to_date) WHERE revoked = 0;",

    /*
     * 14: the delivered watermark.  A step of an upload answer that delivers every
     * event still pending up to its last one writes one row here instead of
     * rewriting each event's row (430+ bytes of WAL per event, which the next tap's
     * fsync paid for): an event whose row says 'pending' at or below the highest
     * last_seq is delivered, at done_ms of the first row at or above its seq
     * (store_taps.c).  outbox_state is the outbox as the uploader sees it, for
     * people and tests reading the database (it cannot use the indexes; the daemon
     * does not read it).
     */
    "CREATE TABLE outbox_delivered(last_seq INTEGER PRIMARY KEY, done_ms INTEGER NOT NULL);"
    "CREATE VIEW outbox_state AS SELECT o.seq, o.id, o.type, o.json, o.reason, o.created_ms,"
    " CASE WHEN o.state = 'pending' AND o.seq <= w.seq THEN 'delivered' ELSE o.state END"
    "  AS state,"
    " CASE WHEN o.state = 'pending' AND o.seq <= w.seq THEN (SELECT d.done_ms"
    "  FROM outbox_delivered d WHERE d.last_seq >= o.seq ORDER BY d.last_seq LIMIT 1)"
    "  ELSE o.done_ms END AS done_ms"
    " FROM outbox o, (SELECT coalesce(max(last_seq), 0) AS seq FROM outbox_delivered) w;",
};

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == STORE_SCHEMA_VERSION,
               "one migration per schema version");

int64_t
store_now_ms(void)
{
	struct clock_reading r;

	/* One clock for the whole program (clock.c): a fake or offset clock moves
	 * created_ms, at_ms and done_ms with the taps. */
	clock_read(&r);
	return r.wall_ms;
}

const char *
store_errmsg(struct store *s)
{
	return sqlite3_errmsg(s->db);
}

int
store_exec(struct store *s, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_err("store: %s: %s", sql, msg ? msg : "?");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/*
 * The uploader's bookkeeping (delivered marks, pruning of delivered events) commits
 * with synchronous=NORMAL: in WAL mode such a COMMIT is written to the WAL but not
 * fsynced, and the next synchronous=FULL COMMIT (a tap, a command) makes it durable
 * with its own fsync; frames are only ever appended, so a FULL commit syncs every
 * commit before it.  A power cut before that loses marks and nothing else: the
 * events are sent again and the receiver, which keeps (kiosk_id, id) unique forever
 * (PROTOCOL.md), answers "duplicate"; rows pruned come back and are pruned again.
 * Its cost was a tap waiting behind an fsync per 50 marks while a backlog drained.
 * Every transaction a person is answered after stays FULL: store_begin() and the
 * tap's BEGIN put FULL back first if store_lazy_end() could not.
 */
int
store_lazy_begin(struct store *s)
{
	if (store_exec(s, "PRAGMA synchronous = NORMAL") < 0)
		return -1;
	s->lazy = 1;
	return 0;
}

int
store_lazy_end(struct store *s)
{
	if (s->lazy && store_exec(s, "PRAGMA synchronous = FULL") < 0)
		return -1;
	s->lazy = 0;
	return 0;
}

int
store_begin(struct store *s)
{
	if (store_lazy_end(s) < 0)
		return -1;
	return store_exec(s, "BEGIN IMMEDIATE");
}

int
store_commit(struct store *s)
{
	return store_exec(s, "COMMIT");
}

void
store_rollback(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		store_exec(s, "ROLLBACK");
}

int
store_txn(struct store *s, store_txn_fn fn, void *arg, char *err, size_t errlen)
{
	int rc;

	if (errlen)
		err[0] = '\0';
	if (store_begin(s) < 0) {
		snprintf(err, errlen, "database: %s", sqlite3_errmsg(s->db));
		return -1;
	}
	rc = fn(s, arg, err, errlen);
	if (rc == 0 && store_commit(s) < 0)
		rc = -1;
	if (rc != 0) {
		/* Copy the message first: ROLLBACK resets it to "not an error". */
		if (errlen && err[0] == '\0')
			snprintf(err, errlen, "database: %s", sqlite3_errmsg(s->db));
		store_rollback(s);
	}
	return rc;
}

/* Kept prepared: parsing BEGIN anew for every document cost more than its lock. */
int
store_read_begin(struct store *s)
{
	sqlite3_stmt *st = store_prep(s, "BEGIN");

	return st ? store_run(s, st) : -1;
}

void
store_read_end(struct store *s)
{
	sqlite3_stmt *st;

	if (sqlite3_get_autocommit(s->db))
		return;
	/* A read-only transaction has nothing to keep: a failed COMMIT (interrupted) rolls back. */
	if ((st = store_prep(s, "COMMIT")) == NULL || sqlite3_step(st) != SQLITE_DONE) {
		store_stmt_done(s, st);
		store_rollback(s);
		return;
	}
	store_stmt_done(s, st);
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
	store_stmt_done(s, st);
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
		snprintf(err, errlen,
		         "database schema %d is newer than this program (%d); "
		         "refusing to touch it",
		         v, STORE_SCHEMA_VERSION);
		return -1;
	}
	for (; v < target; v++) {
		char *msg = NULL;
		char pragma[64];

		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", v + 1);
		if (store_exec(s, "BEGIN IMMEDIATE") < 0 ||
		    sqlite3_exec(s->db, migrations[v], NULL, NULL, &msg) != SQLITE_OK ||
		    store_exec(s, pragma) < 0 || store_exec(s, "COMMIT") < 0) {
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

/*
 * Once per process, before the first connection: no memory statistics.  With them
 * every sqlite3_malloc() of every thread takes one process-wide mutex, and the
 * reports thread, which runs only when nothing else wants a CPU, could be preempted
 * holding it while the loop waited (tapload under load, perf: futex waits on the
 * loop).  Nothing here reads sqlite3_memory_used().  Too late (SQLite already
 * initialised by someone else): the statistics stay on, nothing else changes.
 */
static void
sqlite_setup(void)
{
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static int
open_db(struct store **out, const char *path, const char *vfs, int readonly, int target, char *err,
        size_t errlen)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	struct store *s = calloc(1, sizeof(*s));
	int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;

	*out = NULL;
	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->readonly = readonly;
	(void)pthread_once(&once, sqlite_setup);
	if (sqlite3_open_v2(path, &s->db, flags | SQLITE_OPEN_NOMUTEX, vfs) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path,
		         s->db ? sqlite3_errmsg(s->db) : "cannot open");
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
		/*
		 * journal_size_limit: one big write (a roster, retention catching up on
		 * years of delivered events) would otherwise leave a WAL file of gigabytes
		 * on the SD card, and its index mapped, for good; it is cut back to this
		 * once a checkpoint has let the WAL start over.
		 */
		if (store_exec(s, "PRAGMA journal_mode = WAL") < 0 ||
		    store_exec(s, "PRAGMA journal_size_limit = " STORE_WAL_LIMIT) < 0 ||
		    store_exec(s, "PRAGMA synchronous = FULL") < 0 ||
		    store_exec(s, "PRAGMA foreign_keys = ON") < 0) {
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
	return open_db(out, path, NULL, 0, STORE_SCHEMA_VERSION, err, errlen);
}

int
store_open_vfs(struct store **out, const char *path, const char *vfs, char *err, size_t errlen)
{
	return open_db(out, path, vfs, 0, STORE_SCHEMA_VERSION, err, errlen);
}

int
store_open_readonly(struct store **out, const char *path, char *err, size_t errlen)
{
	return open_db(out, path, NULL, 1, STORE_SCHEMA_VERSION, err, errlen);
}

int
store_create_at_version(const char *path, int version, char *err, size_t errlen)
{
	struct store *s;

	if (open_db(&s, path, NULL, 0, version, err, errlen) < 0)
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
	for (size_t i = 0; i < STORE_PREP_SLOTS; i++)
		sqlite3_finalize(s->prep[i].st);
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
	store_stmt_done(s, st);
	return rc;
}

/* --- small helpers for one-off statements --- */

static sqlite3_stmt *
prep_fresh(struct store *s, const char *sql, unsigned flags)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v3(s->db, sql, -1, flags, &st, NULL) != SQLITE_OK) {
		log_err("store: %s: %s", sql, sqlite3_errmsg(s->db));
		return NULL;
	}
	return st;
}

/*
 * A statement for `sql`, kept prepared between calls: the slot is found by the
 * string's address (callers pass literals) and checked by its text, so a caller
 * building SQL in a buffer still gets the right statement.  A statement already
 * handed out (a reader nested in another of the same SQL) or a full table gets a
 * fresh one, finalized when given back.  Give it back with store_stmt_done().
 */
sqlite3_stmt *
store_prep(struct store *s, const char *sql)
{
	size_t h = ((uintptr_t)sql >> 3) % STORE_PREP_SLOTS;

	for (size_t i = 0; i < STORE_PREP_SLOTS; i++) {
		struct store_prep_slot *slot = &s->prep[(h + i) % STORE_PREP_SLOTS];

		if (slot->sql == NULL) {
			if ((slot->st = prep_fresh(s, sql, SQLITE_PREPARE_PERSISTENT)) == NULL)
				return NULL;
			slot->sql = sql;
			slot->busy = 1;
			return slot->st;
		}
		if (slot->sql == sql && strcmp(sqlite3_sql(slot->st), sql) == 0) {
			if (slot->busy)
				break;
			slot->busy = 1;
			return slot->st;
		}
	}
	return prep_fresh(s, sql, 0);
}

/*
 * A statement of stmt_sql: the one prepared at open, reset, or (on a store opened
 * at an older schema version, which prepares none) a fresh one.  Give it back with
 * store_stmt_done().
 */
sqlite3_stmt *
store_stmt(struct store *s, enum stmt_id id)
{
	if (s->st[id] == NULL)
		return store_prep(s, stmt_sql[id]);
	sqlite3_reset(s->st[id]);
	sqlite3_clear_bindings(s->st[id]);
	return s->st[id];
}

/* Reset a kept statement (it ends its read transaction), finalize any other. */
void
store_stmt_done(struct store *s, sqlite3_stmt *st)
{
	if (st == NULL)
		return;
	for (int i = 0; i < ST_NSTMT; i++)
		if (s->st[i] == st) {
			sqlite3_reset(st);
			return;
		}
	for (size_t i = 0; i < STORE_PREP_SLOTS; i++)
		if (s->prep[i].st == st) {
			/* reset ends its read transaction; bindings would keep pointers alive */
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			s->prep[i].busy = 0;
			return;
		}
	sqlite3_finalize(st);
}

/* BEGIN IMMEDIATE or COMMIT from its kept statement; errors logged as store_exec() does. */
int
store_step_txn(struct store *s, enum stmt_id id)
{
	sqlite3_stmt *st;
	int rc;

	if (id == ST_BEGIN && store_lazy_end(s) < 0) /* a tap commits with FULL, always */
		return -1;
	if ((st = store_stmt(s, id)) == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		log_err("store: %s: %s", stmt_sql[id], sqlite3_errmsg(s->db));
	store_stmt_done(s, st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Step a statement that returns no rows; finalize it. */
int
store_run(struct store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE)
		log_err("store: %s: %s", sqlite3_sql(st), sqlite3_errmsg(s->db));
	store_stmt_done(s, st);
	return rc == SQLITE_DONE ? 0 : -1;
}

void
store_copy_col(sqlite3_stmt *st, int col, char *out, size_t outlen)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(out, outlen, "%s", t ? (const char *)t : "");
}

/*
 * SQLite's automatic checkpoint runs inside whichever COMMIT takes the WAL past
 * 1,000 frames: on a database of a year (1 GB) that is 25-50 ms of page copies and
 * an fsync of the database file added to one tap's answer every ~100 taps (make
 * bench).  With an owner, the COMMIT only tells it (once per WAL_KICK_FRAMES new
 * frames), and it checkpoints on a thread and connection of its own (checkpoint.c),
 * beside the writer.
 */
static int
wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct store *s = arg;

	/*
	 * Once per WAL_KICK_FRAMES new frames, not at every COMMIT past them: under a
	 * steady stream of commits a checkpoint always lags one COMMIT behind, the WAL
	 * never starts over, and a kick per COMMIT was a checkpoint (two fsyncs) per tap.
	 */
	if (frames < s->wal_kicked_at)
		s->wal_kicked_at = 0; /* the WAL started over */
	if (frames >= s->wal_kicked_at + WAL_KICK_FRAMES) {
		s->wal_kicked_at = frames;
		s->wal_full(s->wal_full_arg, frames);
	}
	return SQLITE_OK;
}

void
store_on_wal_full(struct store *s, void (*fn)(void *arg, int frames), void *arg)
{
	s->wal_full = fn;
	s->wal_full_arg = arg;
	/*
	 * With an owner the WAL is cut back by it too (store_wal_cut, at a quiet
	 * moment), not by this connection's first COMMIT after the WAL started over:
	 * truncating hundreds of MB freed their blocks inside that COMMIT, on the loop
	 * (tapload, perf: the loop 350 ms in D state, ftruncate -> ext4_free_blocks ->
	 * blkdev_issue_discard on a disk mounted with discard).
	 */
	if (fn) {
		sqlite3_wal_hook(s->db, wal_hook, s);
		(void)store_exec(s, "PRAGMA journal_size_limit = -1");
	} else {
		sqlite3_wal_autocheckpoint(s->db, WAL_CHECKPOINT_FRAMES);
		(void)store_exec(s, "PRAGMA journal_size_limit = " STORE_WAL_LIMIT);
	}
}

int
store_wal_cut(struct store *s, int64_t over_bytes, struct store_wal_look *look)
{
	const char *db = sqlite3_db_filename(s->db, "main");
	const char *wal = db ? sqlite3_filename_wal(db) : NULL;
	struct stat st;
	int quiet, rc, n1 = 0, n2 = 0;

	if (wal == NULL || stat(wal, &st) < 0 || st.st_size <= over_bytes) {
		look->seen = 0;
		return 0;
	}
	/*
	 * Quiet: the file's modification time is the one the previous look saw, so
	 * nothing was written since (no clock read: the file's own times only).
	 */
	quiet = look->seen && look->mtime.tv_sec == st.st_mtim.tv_sec &&
	        look->mtime.tv_nsec == st.st_mtim.tv_nsec;
	look->seen = 1;
	look->mtime = st.st_mtim;
	if (!quiet)
		return 0;
	/*
	 * TRUNCATE holds the write lock while it copies what is left, syncs and cuts:
	 * without a busy handler it gives up at once if a writer or a reader is there
	 * (SQLITE_BUSY), and the next look tries again.
	 */
	sqlite3_busy_timeout(s->db, 0);
	rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &n1, &n2);
	sqlite3_busy_timeout(s->db, 5000);
	if (rc == SQLITE_BUSY)
		return 0;
	if (rc != SQLITE_OK) {
		log_err("store: cutting the WAL back: %s", sqlite3_errmsg(s->db));
		return -1;
	}
	look->seen = 0;
	log_info("store: WAL cut back from %lld MB (nothing written since the last look)",
	         (long long)(st.st_size >> 20));
	return 1;
}

int
store_outbox_checkpoint(struct store *s, int *backfilled)
{
	int nlog = 0, nckpt = 0;
	int rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &nlog, &nckpt);

	if (rc == SQLITE_BUSY) /* another connection holds the checkpoint lock */
		return 0;
	if (rc != SQLITE_OK) {
		log_err("store: checkpoint: %s", sqlite3_errmsg(s->db));
		return -1;
	}
	/*
	 * The WAL's pages stay in the page cache.  Dropping those above the limit here
	 * (a4c6afd, when the loop's next COMMIT truncated the file and freed them)
	 * made the commits that wrote the WAL over again read each page back from the
	 * disk before writing into it (a frame is 4,120 bytes, so its writes cover
	 * pages in part): under tapload a tap's COMMIT waited 10 ms in
	 * ext4_block_write_begin.  The loop's connection no longer truncates
	 * (store_on_wal_full); store_wal_cut does, on the checkpoint thread.
	 */
	if (backfilled)
		*backfilled = nckpt > 0 ? nckpt : 0;
	return 1;
}

/* --- growing arrays for the listing functions --- */

/* Make room for one more element of a growing array; -1 out of memory. */
int
store_grow(void **arr, size_t *cap, size_t n, size_t size)
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
int
store_list_done(struct store *s, sqlite3_stmt *st, int rc, void **arr, size_t *n)
{
	if (rc != SQLITE_DONE)
		log_err("store: %s: %s", sqlite3_sql(st),
		        rc == SQLITE_NOMEM ? "out of memory" : sqlite3_errmsg(s->db));
	store_stmt_done(s, st);
	if (rc != SQLITE_DONE) {
		free(*arr);
		*arr = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}

int
store_rows(struct store *s, sqlite3_stmt *st, size_t size, store_row_fn read, void **out, size_t *n)
{
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		void *row;

		if (store_grow(out, &cap, *n, size) < 0) {
			rc = SQLITE_NOMEM;
			break;
		}
		row = (char *)*out + *n * size;
		memset(row, 0, size);
		read(st, row);
		(*n)++;
	}
	return store_list_done(s, st, rc, out, n);
}

/* store_copy_col() without printf: store_read_day_tap() runs for every tap of every recomputation.
 */
void
store_copy_short(sqlite3_stmt *st, int col, char *out, size_t outlen)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	size_t n = t ? (size_t)sqlite3_column_bytes(st, col) : 0;

	if (n >= outlen)
		n = outlen - 1;
	if (n)
		memcpy(out, t, n);
	out[n] = '\0';
}

void
store_read_day_tap(sqlite3_stmt *st, int col, struct store_day_tap *t)
{
	t->id = sqlite3_column_int64(st, col);
	store_copy_short(st, col + 1, t->date, sizeof(t->date));
	t->minute = sqlite3_column_int(st, col + 2);
	store_copy_short(st, col + 3, t->direction, sizeof(t->direction));
	t->day = sqlite3_column_int(st, col + 4);
}

/* A text column as a malloc'd string; NULL when out of memory. */
char *
store_dup_col(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return strdup(t ? (const char *)t : "");
}

int
store_write_token(struct store *s, int64_t tok[2])
{
	sqlite3_stmt *st = store_prep(s, "PRAGMA data_version");
	int rc = -1;

	tok[0] = sqlite3_total_changes64(s->db);
	tok[1] = -1;
	if (st == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		tok[1] = sqlite3_column_int64(st, 0);
		rc = 0;
	}
	store_stmt_done(s, st);
	return rc;
}
