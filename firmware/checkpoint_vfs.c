/*
 * checkpoint_vfs.c — the checkpoint's page writes in steps (see checkpoint_vfs.h).
 * The VFS is a copy of SQLite's unix VFS whose xOpen wraps each file: the unix
 * file sits right behind the wrapper (SUB), every method is the unix file's, and
 * xWrite to a main database file counts the bytes of the pacing thread.  The files
 * stay unix files underneath, so the locks and the WAL index are shared with the
 * other connections of the process as before; no file descriptor is opened or
 * closed beside SQLite's own.
 */
#include <pthread.h>
#include <sqlite3.h>
#include <string.h>
#include <time.h>

#include "checkpoint_vfs.h"
#include "clock.h"

struct paced_file {
	sqlite3_file base;      /* its pMethods: paced_io */
	int main_db;            /* a database file (not a WAL or a journal) */
	sqlite3_int64 unsynced; /* bytes written by the pacing thread since its last step */
};
#define SUB(f) ((sqlite3_file *)((struct paced_file *)(f) + 1))
#define SUBM(f) (SUB(f)->pMethods)

static sqlite3_vfs *unix_vfs;
static sqlite3_vfs paced_vfs;
static _Thread_local struct checkpoint_pace *pace;

/* Before the next step, a tap that has just begun commits first. */
static void
tap_turn(const struct checkpoint_pace *p)
{
	int64_t until = atomic_load(p->tap_ns) + (int64_t)CHECKPOINT_TAP_TURN_MS * 1000000;
	int64_t now = clock_mono_ns();

	if (now < until) {
		struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)(until - now)};

		nanosleep(&ts, NULL);
	}
}

static int
paced_write(sqlite3_file *f, const void *buf, int amt, sqlite3_int64 off)
{
	struct paced_file *p = (struct paced_file *)f;
	int rc = SUBM(f)->xWrite(SUB(f), buf, amt, off);

	if (rc != SQLITE_OK || !p->main_db || pace == NULL)
		return rc;
	p->unsynced += amt;
	if (p->unsynced < CHECKPOINT_STEP_BYTES)
		return rc;
	p->unsynced = 0;
	/* an error here fails the checkpoint: the WAL keeps its frames */
	if ((rc = SUBM(f)->xSync(SUB(f), SQLITE_SYNC_NORMAL)) != SQLITE_OK)
		return rc;
	pace->steps++;
	tap_turn(pace);
	return SQLITE_OK;
}

/* --- every other method is the unix file's --- */

static int
paced_close(sqlite3_file *f)
{
	return SUBM(f)->xClose(SUB(f));
}
static int
paced_read(sqlite3_file *f, void *buf, int amt, sqlite3_int64 off)
{
	return SUBM(f)->xRead(SUB(f), buf, amt, off);
}
static int
paced_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	return SUBM(f)->xTruncate(SUB(f), size);
}
static int
paced_sync(sqlite3_file *f, int flags)
{
	((struct paced_file *)f)->unsynced = 0;
	return SUBM(f)->xSync(SUB(f), flags);
}
static int
paced_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return SUBM(f)->xFileSize(SUB(f), size);
}
static int
paced_lock(sqlite3_file *f, int level)
{
	return SUBM(f)->xLock(SUB(f), level);
}
static int
paced_unlock(sqlite3_file *f, int level)
{
	return SUBM(f)->xUnlock(SUB(f), level);
}
static int
paced_check_reserved(sqlite3_file *f, int *out)
{
	return SUBM(f)->xCheckReservedLock(SUB(f), out);
}
static int
paced_file_control(sqlite3_file *f, int op, void *arg)
{
	return SUBM(f)->xFileControl(SUB(f), op, arg);
}
static int
paced_sector_size(sqlite3_file *f)
{
	return SUBM(f)->xSectorSize(SUB(f));
}
static int
paced_device(sqlite3_file *f)
{
	return SUBM(f)->xDeviceCharacteristics(SUB(f));
}
static int
paced_shm_map(sqlite3_file *f, int page, int size, int extend, void volatile **pp)
{
	return SUBM(f)->xShmMap(SUB(f), page, size, extend, pp);
}
static int
paced_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
	return SUBM(f)->xShmLock(SUB(f), offset, n, flags);
}
static void
paced_shm_barrier(sqlite3_file *f)
{
	SUBM(f)->xShmBarrier(SUB(f));
}
static int
paced_shm_unmap(sqlite3_file *f, int del)
{
	return SUBM(f)->xShmUnmap(SUB(f), del);
}
static int
paced_fetch(sqlite3_file *f, sqlite3_int64 off, int amt, void **pp)
{
	return SUBM(f)->xFetch(SUB(f), off, amt, pp);
}
static int
paced_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
	return SUBM(f)->xUnfetch(SUB(f), off, p);
}

static const sqlite3_io_methods paced_io = {
    .iVersion = 3,
    .xClose = paced_close,
    .xRead = paced_read,
    .xWrite = paced_write,
    .xTruncate = paced_truncate,
    .xSync = paced_sync,
    .xFileSize = paced_file_size,
    .xLock = paced_lock,
    .xUnlock = paced_unlock,
    .xCheckReservedLock = paced_check_reserved,
    .xFileControl = paced_file_control,
    .xSectorSize = paced_sector_size,
    .xDeviceCharacteristics = paced_device,
    .xShmMap = paced_shm_map,
    .xShmLock = paced_shm_lock,
    .xShmBarrier = paced_shm_barrier,
    .xShmUnmap = paced_shm_unmap,
    .xFetch = paced_fetch,
    .xUnfetch = paced_unfetch,
};

static int
paced_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *f, int flags, int *out_flags)
{
	struct paced_file *p = (struct paced_file *)f;
	int rc;

	(void)vfs;
	memset(p, 0, sizeof(*p));
	rc = unix_vfs->xOpen(unix_vfs, name, SUB(f), flags, out_flags);
	if (SUBM(f) != NULL && SUBM(f)->iVersion < 3) { /* paced_io forwards version 3 */
		SUBM(f)->xClose(SUB(f));
		return SQLITE_CANTOPEN;
	}
	/* SQLite calls xClose whenever pMethods is set, even after a failed open */
	if (SUBM(f) != NULL)
		p->base.pMethods = &paced_io;
	p->main_db = (flags & SQLITE_OPEN_MAIN_DB) != 0;
	return rc;
}

static void
setup(void)
{
	sqlite3_vfs *u = sqlite3_vfs_find("unix");

	if (u == NULL)
		return;
	paced_vfs = *u;
	paced_vfs.szOsFile = (int)sizeof(struct paced_file) + u->szOsFile;
	paced_vfs.zName = "stempel-paced";
	paced_vfs.pNext = NULL;
	paced_vfs.xOpen = paced_open;
	unix_vfs = u;
	if (sqlite3_vfs_register(&paced_vfs, 0) != SQLITE_OK)
		unix_vfs = NULL;
}

const char *
checkpoint_vfs_name(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	(void)pthread_once(&once, setup);
	return unix_vfs ? paced_vfs.zName : NULL;
}

void
checkpoint_vfs_pace(struct checkpoint_pace *p)
{
	pace = p;
}
