/*
 * checkpoint.h — the checkpoint thread: copies the WAL into the database file on a
 * connection of its own, so that neither a tap's COMMIT nor any loop turn waits for
 * page copies and the database file's fsync (tens to hundreds of milliseconds on a
 * year of history, more while a long report holds its snapshot).  In WAL mode a
 * PASSIVE checkpoint runs beside the writer; the loop only kicks it.  It also
 * cuts the WAL file back when it has grown past its limit and nothing has been
 * written for a while (store_wal_cut), so no tap's COMMIT frees its blocks.
 */
#ifndef STEMPEL_CHECKPOINT_H
#define STEMPEL_CHECKPOINT_H

#include <stddef.h>

struct checkpointer;

/*
 * Open the database at `path` (already migrated by the loop's connection) and start;
 * a checkpoint waits for `quiet_ms` without a tap (the kiosk: CHECKPOINT_QUIET_MS).
 */
struct checkpointer *checkpointer_start(const char *path, int quiet_ms, char *err, size_t errlen);
/*
 * Taps first.  A checkpoint writes pages to the disk the next tap's fdatasync has to
 * wait for the device to flush (under load the longest waits of a tap's answer), so
 * a checkpoint asked for waits for a gap: CHECKPOINT_QUIET_MS with no tap.  A WAL
 * of CHECKPOINT_FORCE_FRAMES or more waits for nothing (taps without a gap for
 * minutes must not let the WAL grow without end).  The wait also merges the frames
 * of the pages every tap rewrites (the ends of the taps' and events' tables and
 * their indexes): the checkpoint writes each page once.  It writes them through
 * checkpoint_vfs.h, in steps a tap's commit can come between.
 */
#define CHECKPOINT_QUIET_MS 250
#define CHECKPOINT_FORCE_FRAMES 8192 /* 32 MB of WAL */

/*
 * Ask for a checkpoint of a WAL holding `frames` frames (cheap; any thread; kicks
 * while one waits or runs make one more).
 */
void checkpointer_kick(struct checkpointer *c, int frames);
/* A tap is being answered (on the loop, one atomic store; NULL: nothing). */
void checkpointer_hold(struct checkpointer *c);
/* What the thread did so far (/metrics, tests). */
struct checkpoint_counts {
	unsigned long runs;  /* checkpoints run */
	unsigned long busy;  /* asked for, but another connection's checkpoint held the lock */
	unsigned long cuts;  /* big, quiet WAL files cut back */
	unsigned long steps; /* database-file writes synced in steps (checkpoint_vfs.h) */
};
void checkpointer_counts(struct checkpointer *c, struct checkpoint_counts *out);
/* Finish the running checkpoint and stop. */
void checkpointer_stop(struct checkpointer *c);

#endif
