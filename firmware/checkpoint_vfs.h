/*
 * checkpoint_vfs.h — the checkpoint's page writes go to the disk in steps.
 *
 * A checkpoint writes every page the WAL changed into the database file (thousands
 * after a drain of the outbox) and fsyncs the file once at its end.  That fsync put
 * megabytes in the device's queue in one go, and a tap's commit, whose fdatasync came
 * behind them, waited 20-30 ms (tapload).  Through this VFS (SQLite's unix VFS with
 * one method more in its files) the checkpoint thread writes the database file
 * CHECKPOINT_STEP_BYTES at a time: after each step it syncs what it wrote, and before
 * the next one it lets a tap that has just begun commit first (CHECKPOINT_TAP_TURN_MS).
 * A tap then waits for one step at most.  More syncs, never fewer: what is durable
 * when is as before.  Only the thread that called checkpoint_vfs_pace() is paced;
 * every other write through the VFS is the unix VFS's own.
 */
#ifndef STEMPEL_CHECKPOINT_VFS_H
#define STEMPEL_CHECKPOINT_VFS_H

#include <stdatomic.h>
#include <stdint.h>

#define CHECKPOINT_STEP_BYTES (256 * 1024)
#define CHECKPOINT_TAP_TURN_MS 4

struct checkpoint_pace {
	_Atomic int64_t *tap_ns; /* clock_mono_ns() of the last tap's start */
	unsigned long steps;     /* steps synced so far (the pacing thread's) */
};

/* The VFS's name for sqlite3_open_v2 (registered on the first call); NULL: none. */
const char *checkpoint_vfs_name(void);
/* Pace this thread's writes to database files through the VFS with p (NULL: stop). */
void checkpoint_vfs_pace(struct checkpoint_pace *p);

#endif
