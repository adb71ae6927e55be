/*
 * memtrim.c — malloc_trim() when the free memory in malloc's arenas has grown by
 * MEMTRIM_MIN_BYTES since the last trim.  The test is mallinfo2()'s fordblks
 * (free bytes in all arenas): freed pages that were already given back stay
 * counted there, so what matters is growth, not the level; the baseline follows
 * the level down when memory is reused.  A check is a walk of malloc's free lists,
 * a trim madvise()s the free pages; both are well under a millisecond at the
 * sizes the daemon reaches (logged at debug level).
 */
#include <malloc.h>
#include <stdlib.h>
#include <time.h>

#include <event2/event.h>

#include "log.h"
#include "loop.h"
#include "memtrim.h"

#define MEMTRIM_MIN_BYTES (1024 * 1024)

struct memtrim {
	struct event *ev;
	size_t base_free; /* fordblks after the last trim (or its lowest since) */
};

static long long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int
memtrim_check(struct memtrim *m)
{
	struct mallinfo2 mi = mallinfo2();
	long long t0;

	if (mi.fordblks < m->base_free)
		m->base_free = mi.fordblks;
	if (mi.fordblks - m->base_free < MEMTRIM_MIN_BYTES)
		return 0;
	t0 = now_us();
	malloc_trim(0);
	mi = mallinfo2();
	m->base_free = mi.fordblks;
	log_debug("memtrim: malloc_trim in %lld us, %zu KiB free in malloc's arenas", now_us() - t0,
	          mi.fordblks / 1024);
	return 1;
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	memtrim_check(arg);
}

struct memtrim *
memtrim_start(struct event_base *base, int period_ms)
{
	struct memtrim *m = calloc(1, sizeof(*m));
	struct timeval tv = {period_ms / 1000, (period_ms % 1000) * 1000};

	if (m == NULL || (m->ev = event_new(base, -1, EV_PERSIST, on_timer, m)) == NULL ||
	    (loop_prio(m->ev, LOOP_PRIO_BACKGROUND), event_add(m->ev, &tv)) < 0) {
		log_warn("memtrim: cannot start the timer; freed memory stays with malloc");
		memtrim_stop(m);
		return NULL;
	}
	m->base_free = mallinfo2().fordblks;
	return m;
}

void
memtrim_stop(struct memtrim *m)
{
	if (m == NULL)
		return;
	if (m->ev)
		event_free(m->ev);
	free(m);
}
