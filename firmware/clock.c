/*
 * clock.c — judges the wall clock against the build date and the monotonic
 * clock.  Tests shift the wall clock through the environment (see offset_ms),
 * so they can start a kiosk "in 1970" or make the clock jump without root.
 * The loop and the reports thread both read it: one mutex guards its memory.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "clock.h"
#include "log.h"

#ifndef STEMPEL_BUILD_EPOCH
#define STEMPEL_BUILD_EPOCH 1793491200LL /* 2026-11-01; the Makefile passes the commit date */
#endif

#define JUMP_TOLERANCE_MS 2000
#define JUMP_FLAG_NS (3600LL * 1000000000LL)

static int64_t base_offset_ms; /* wall - mono at the last reading */
static int have_base;
static int64_t jumped_until_ns;
static enum clock_quality last_quality = CLOCK_SYNCED;
static int faking;
static struct clock_reading fake;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t log_offset_ms; /* offset_ms() at the last reading, for clock_log_ms() */

void
clock_fake(const struct clock_reading *r)
{
	pthread_mutex_lock(&lock);
	faking = r != NULL;
	if (r)
		fake = *r;
	pthread_mutex_unlock(&lock);
}

/*
 * The injectable clock source for tests: STEMPEL_CLOCK_OFFSET_S shifts the wall
 * clock by a fixed number of seconds; STEMPEL_CLOCK_FILE names a file holding
 * that number, re-read whenever it changes, so a test can make the clock jump
 * while the daemon runs.  Unset, both cost nothing.
 */
static int64_t
offset_ms(void)
{
	static int init;
	static const char *file;
	static int64_t off;
	static struct timespec seen;
	struct stat st;

	if (!init) {
		const char *e = getenv("STEMPEL_CLOCK_OFFSET_S");

		off = e ? strtoll(e, NULL, 10) * 1000 : 0;
		file = getenv("STEMPEL_CLOCK_FILE");
		init = 1;
	}
	if (file && stat(file, &st) == 0 &&
	    (st.st_mtim.tv_sec != seen.tv_sec || st.st_mtim.tv_nsec != seen.tv_nsec)) {
		FILE *f = fopen(file, "r");
		long long v;

		if (f && fscanf(f, "%lld", &v) == 1)
			off = v * 1000;
		if (f)
			fclose(f);
		seen = st.st_mtim;
	}
	return off;
}

/*
 * A wall clock before this program was built is certainly wrong.  Tests that
 * play a day in the past (STEMPEL_CLOCK_OFFSET_S) move this date back with
 * STEMPEL_CLOCK_EPOCH (seconds since 1970) so their clock counts as trusted.
 */
static int64_t
trusted_after(void)
{
	static int init;
	static int64_t epoch = STEMPEL_BUILD_EPOCH;

	if (!init) {
		const char *e = getenv("STEMPEL_CLOCK_EPOCH");

		if (e && *e)
			epoch = strtoll(e, NULL, 10);
		init = 1;
	}
	return epoch;
}

static void
read_locked(struct clock_reading *r)
{
	struct timespec w, m;
	int64_t off;

	if (faking) {
		*r = fake;
		return;
	}
	clock_gettime(CLOCK_REALTIME, &w);
	clock_gettime(CLOCK_MONOTONIC, &m);
	r->wall_ms = (int64_t)w.tv_sec * 1000 + w.tv_nsec / 1000000 + offset_ms();
	__atomic_store_n(&log_offset_ms,
	                 r->wall_ms - ((int64_t)w.tv_sec * 1000 + w.tv_nsec / 1000000),
	                 __ATOMIC_RELAXED);
	r->mono_ns = (int64_t)m.tv_sec * 1000000000LL + m.tv_nsec;

	off = r->wall_ms - r->mono_ns / 1000000;
	if (have_base && llabs(off - base_offset_ms) > JUMP_TOLERANCE_MS) {
		log_warn("clock: wall clock jumped by %lld ms", (long long)(off - base_offset_ms));
		jumped_until_ns = r->mono_ns + JUMP_FLAG_NS;
	}
	base_offset_ms = off;
	have_base = 1;

	if (r->wall_ms / 1000 < trusted_after())
		r->quality = CLOCK_UNSYNCED;
	else if (jumped_until_ns && r->mono_ns < jumped_until_ns)
		r->quality = CLOCK_JUMPED;
	else
		r->quality = CLOCK_SYNCED;
	if (r->quality != last_quality)
		log_warn("clock: quality now %s", clock_quality_name(r->quality));
	last_quality = r->quality;
}

void
clock_read(struct clock_reading *r)
{
	pthread_mutex_lock(&lock);
	read_locked(r);
	pthread_mutex_unlock(&lock);
}

int64_t
clock_wall_ms(void)
{
	struct clock_reading r;

	clock_read(&r);
	return r.wall_ms;
}

int64_t
clock_log_ms(void)
{
	struct timespec w;

	clock_gettime(CLOCK_REALTIME, &w);
	return (int64_t)w.tv_sec * 1000 + w.tv_nsec / 1000000 +
	       __atomic_load_n(&log_offset_ms, __ATOMIC_RELAXED);
}

int64_t
clock_mono_ns(void)
{
	struct timespec m;

	clock_gettime(CLOCK_MONOTONIC, &m);
	return (int64_t)m.tv_sec * 1000000000LL + m.tv_nsec;
}

enum clock_quality
clock_quality_now(void)
{
	struct clock_reading r;

	clock_read(&r);
	return r.quality;
}

const char *
clock_quality_name(enum clock_quality q)
{
	switch (q) {
	case CLOCK_SYNCED:
		return "synced";
	case CLOCK_UNSYNCED:
		return "unsynced";
	case CLOCK_JUMPED:
		return "jumped";
	}
	return "unknown";
}
