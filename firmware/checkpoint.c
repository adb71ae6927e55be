/*
 * checkpoint.c — the checkpoint thread (see checkpoint.h).  One flag under a mutex:
 * kicked means "checkpoint once more" (once no tap came for CHECKPOINT_QUIET_MS,
 * or the WAL is too big to wait); the thread sleeps on a condition variable
 * otherwise, and every CUT_LOOK_S it looks whether the WAL file has grown past
 * its limit and nothing was written to it since the previous look (then it cuts it
 * back).  The last tap's time is an atomic the loop stores without the mutex.  The
 * thread's connection is used by this thread alone.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checkpoint.h"
#include "checkpoint_vfs.h"
#include "clock.h"
#include "log.h"
#include "loop.h"
#include "store.h"

/*
 * A WAL past STORE_WAL_LIMIT_BYTES (a big roster, a first start's results, a burst of
 * events) is cut back once nothing was written to it from one look to the next
 * (CUT_LOOK_S or more): between sessions, not while taps come (the cut holds the
 * write lock while it frees the file's blocks, hundreds of ms for hundreds of MB).
 */
#define CUT_LOOK_S 30

struct checkpointer {
	struct store *store;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int kicked, stopping;
	int frames;     /* the WAL's frames at the last kick */
	int backfilled; /* of them, in the database after the last checkpoint */
	int64_t quiet_ns;
	struct checkpoint_counts n;
	_Atomic int64_t tap_ns;     /* clock_mono_ns() of the last tap (checkpointer_hold) */
	struct store_wal_look look; /* this thread's alone */
};

/*
 * Under the mutex, kicked: wait until no tap came for CHECKPOINT_QUIET_MS, the WAL
 * holds CHECKPOINT_FORCE_FRAMES not yet in the database (a kick during the wait
 * tells; a WAL that readers keep from starting over only grows, so the frames
 * counted are those after the last checkpoint's) or a stop.
 */
static void
wait_for_gap(struct checkpointer *c)
{
	while (!c->stopping) {
		/* frames below backfilled: the WAL started over since the last checkpoint */
		int fresh = c->frames >= c->backfilled ? c->frames - c->backfilled : c->frames;
		int64_t gap_at = atomic_load(&c->tap_ns) + c->quiet_ns;
		struct timespec until;

		if (fresh >= CHECKPOINT_FORCE_FRAMES || clock_mono_ns() >= gap_at)
			return;
		until.tv_sec = (time_t)(gap_at / 1000000000);
		until.tv_nsec = (long)(gap_at % 1000000000);
		pthread_cond_timedwait(&c->cv, &c->mu, &until);
	}
}

static void *
thread_main(void *arg)
{
	struct checkpointer *c = arg;
	struct checkpoint_pace pace = {.tap_ns = &c->tap_ns};

	/* Its writes and the database's fsync go after the tap's commit, not before. */
	(void)loop_thread_background("checkpoint");
	checkpoint_vfs_pace(&pace); /* ... and in steps a tap's commit comes between */
	pthread_mutex_lock(&c->mu);
	for (;;) {
		int64_t t0;
		int timed_out = 0, cut, rc, backfilled = 0;

		while (!c->kicked && !c->stopping && !timed_out) {
			struct timespec until;

			clock_gettime(CLOCK_MONOTONIC, &until);
			until.tv_sec += CUT_LOOK_S;
			timed_out = pthread_cond_timedwait(&c->cv, &c->mu, &until) == ETIMEDOUT;
		}
		if (c->stopping)
			break;
		if (!c->kicked) { /* a look: cut the WAL back if it is big and quiet */
			pthread_mutex_unlock(&c->mu);
			cut = store_wal_cut(c->store, STORE_WAL_LIMIT_BYTES, &c->look) == 1;
			pthread_mutex_lock(&c->mu);
			c->n.cuts += (unsigned long)cut;
			continue;
		}
		wait_for_gap(c);
		if (c->stopping)
			break;
		c->kicked = 0;
		c->frames = 0;
		pthread_mutex_unlock(&c->mu);
		t0 = clock_mono_ns();
		rc = store_outbox_checkpoint(c->store, &backfilled); /* -1 is logged there */
		if (rc == 1)
			log_debug("store: checkpoint in %lld ms, %d frames in the database",
			          (long long)((clock_mono_ns() - t0) / 1000000), backfilled);
		pthread_mutex_lock(&c->mu);
		/*
		 * Only a checkpoint that ran says what is in the database.  One that found
		 * another connection's checkpoint running must not count the whole WAL as
		 * new: that made every following kick force another attempt (tapload, while
		 * the bench's own connection filled the outbox and checkpointed).
		 */
		if (rc == 1) {
			c->backfilled = backfilled;
			c->n.runs++;
		} else if (rc == 0) {
			c->n.busy++;
		}
		c->n.steps = pace.steps;
	}
	checkpoint_vfs_pace(NULL);
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

struct checkpointer *
checkpointer_start(const char *path, int quiet_ms, char *err, size_t errlen)
{
	struct checkpointer *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->quiet_ns = (int64_t)quiet_ms * 1000000;
	pthread_mutex_init(&c->mu, NULL);
	{
		pthread_condattr_t ca;

		/* timed waits on the monotonic clock: a wall clock set back cannot stall them */
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&c->cv, &ca);
		pthread_condattr_destroy(&ca);
	}
	if (store_open_vfs(&c->store, path, checkpoint_vfs_name(), err, errlen) < 0) {
		pthread_cond_destroy(&c->cv);
		pthread_mutex_destroy(&c->mu);
		free(c);
		return NULL;
	}
	if (pthread_create(&c->thread, NULL, thread_main, c) != 0) {
		snprintf(err, errlen, "checkpoint: cannot start the thread");
		store_close(c->store);
		pthread_cond_destroy(&c->cv);
		pthread_mutex_destroy(&c->mu);
		free(c);
		return NULL;
	}
	return c;
}

void
checkpointer_kick(struct checkpointer *c, int frames)
{
	pthread_mutex_lock(&c->mu);
	c->kicked = 1;
	if (frames > c->frames)
		c->frames = frames;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

void
checkpointer_hold(struct checkpointer *c)
{
	if (c)
		atomic_store(&c->tap_ns, clock_mono_ns());
}

void
checkpointer_counts(struct checkpointer *c, struct checkpoint_counts *out)
{
	pthread_mutex_lock(&c->mu);
	*out = c->n;
	pthread_mutex_unlock(&c->mu);
}

void
checkpointer_stop(struct checkpointer *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	c->stopping = 1;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->thread, NULL);
	store_close(c->store);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	free(c);
}
