/*
 * store_int.h — private to store*.c: the connection struct, the statement cache
 * and the small helpers every table file shares.  Nothing outside firmware/store*.c
 * includes it; everyone else uses store.h.
 */
#ifndef STEMPEL_STORE_INT_H
#define STEMPEL_STORE_INT_H

#include <sqlite3.h>

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

#define PARTICIPANT_COLS                                                                           \
	"id, ext_id, name, language, regime, rate, programme_start, children,"                     \
	" sole_carer, chronic_child, monthly_benefit, active, programme_end, grp"

#define STORE_PREP_SLOTS 256
/* STORE_WAL_LIMIT_BYTES (store.h) as the text a PRAGMA takes. */
#define STORE_STR_(x) #x
#define STORE_STR(x) STORE_STR_(x)
#define STORE_WAL_LIMIT STORE_STR(STORE_WAL_LIMIT_BYTES)

struct store {
	sqlite3 *db;
	sqlite3_stmt *st[ST_NSTMT];
	int readonly;
	void (*wal_full)(void *arg, int frames); /* store_on_wal_full() */
	void *wal_full_arg;
	int wal_kicked_at;       /* the WAL's frames at the last kick (0 after it started over) */
	int64_t tap_wait_max_ns; /* the longest a tap's BEGIN IMMEDIATE waited for the lock */
	int lazy;                /* synchronous=NORMAL is on (store_lazy_begin) */
	uint64_t backlog_counts; /* outbox_stats() runs on this connection (a test's probe) */
	/* store_prep()'s statements, kept prepared (a participant's computation reads
	 * with ~15 of them; preparing each anew was most of a restart's time). */
	struct store_prep_slot {
		const char *sql; /* the caller's string: a literal, compared by text too */
		sqlite3_stmt *st;
		int busy; /* handed out and not yet given back */
	} prep[STORE_PREP_SLOTS];
};

/* Day numbers (days since 1970-01-01) come from SQL: no date parsing per tap. */
/*
 * The delivered watermark (schema 14): every event at or below it is delivered or
 * dead, whatever its row's state says; an event is pending only above it.  One row
 * per upload step that moved it, so it is one primary-key step to read.
 */
#define OUTBOX_WATERMARK "(SELECT coalesce(max(last_seq), 0) FROM outbox_delivered)"
#define DAY_NUMBER(col) "CAST(julianday(" col ") - 2440587.5 AS INTEGER)"

/* Append one row to a typed array `out` of `n` elements (cap in `cap`), or break. */
#define LIST_NEXT(out, n, cap, rc)                                                                 \
	if (store_grow((void **)(out), &(cap), *(n), sizeof(**(out))) < 0) {                       \
		(rc) = SQLITE_NOMEM;                                                               \
		break;                                                                             \
	}

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK (if a transaction is open): store_txn() and
 * store_record_tap(). */
int store_begin(struct store *s);
int store_commit(struct store *s);
void store_rollback(struct store *s);
/* The uploader's bookkeeping commits without an fsync between these two (store.c). */
int store_lazy_begin(struct store *s);
int store_lazy_end(struct store *s);
/* Wall clock in ms, from clock.c (never the C library's clock directly). */
int64_t store_now_ms(void);
/* Run SQL without rows; logs sqlite's message on failure. */
int store_exec(struct store *s, const char *sql);
/* A one-off statement, or NULL (logged). */
sqlite3_stmt *store_prep(struct store *s, const char *sql);
/* A statement of the cache (reset), or a fresh one on an old-schema store. */
sqlite3_stmt *store_stmt(struct store *s, enum stmt_id id);
/* Give back a statement from store_stmt() or store_prep(). */
void store_stmt_done(struct store *s, sqlite3_stmt *st);
/* BEGIN IMMEDIATE or COMMIT from the cache; errors logged. */
int store_step_txn(struct store *s, enum stmt_id id);
/* Step a statement that returns no rows, then finalize it; errors logged. */
int store_run(struct store *s, sqlite3_stmt *st);
void store_copy_col(sqlite3_stmt *st, int col, char *out, size_t outlen);
/* copy_col() without printf, for the per-tap reads of a recomputation. */
void store_copy_short(sqlite3_stmt *st, int col, char *out, size_t outlen);
/* A text column as a malloc'd string; NULL when out of memory. */
char *store_dup_col(sqlite3_stmt *st, int col);
/* Make room for one more element of a growing array; -1 out of memory. */
int store_grow(void **arr, size_t *cap, size_t n, size_t size);
/* Finish a listing: on error log and free what was read.  Steps ended with rc. */
int store_list_done(struct store *s, sqlite3_stmt *st, int rc, void **arr, size_t *n);
/*
 * A listing in one call: step `st` (prepared and bound; NULL is a failed prepare) to
 * its end into a growing array of `size`-byte rows, each zeroed and then filled by
 * `read`.  0 with *out (malloc'd) and *n, or -1 (logged) with *out NULL and *n 0.
 */
typedef void (*store_row_fn)(sqlite3_stmt *st, void *row);
int store_rows(struct store *s, sqlite3_stmt *st, size_t size, store_row_fn read, void **out,
               size_t *n);
/* One accepted tap from columns col.. (id, date, minute, direction, day number). */
void store_read_day_tap(sqlite3_stmt *st, int col, struct store_day_tap *t);

#endif
