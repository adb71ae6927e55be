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

/* Open the database at `path` (already migrated by the loop's connection) and start. */
struct checkpointer *checkpointer_start(const char *path, char *err, size_t errlen);
/* Ask for a checkpoint (cheap; any thread; kicks while one runs make one more). */
void checkpointer_kick(struct checkpointer *c);
/* Checkpoints run so far (metrics, tests). */
unsigned long checkpointer_runs(struct checkpointer *c);
/* Finish the running checkpoint and stop. */
void checkpointer_stop(struct checkpointer *c);

#endif
