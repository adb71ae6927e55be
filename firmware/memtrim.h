/*
 * memtrim.h — hand memory that malloc keeps after a big answer back to the
 * kernel.  glibc keeps freed memory in its arenas (a Today page or a month's CSV
 * for 2,000 participants leaves ~9 MiB); a loop timer trims when the free part
 * has grown.  Measured in firmware/README.md ("Memory").
 */
#ifndef STEMPEL_MEMTRIM_H
#define STEMPEL_MEMTRIM_H

struct event_base;
struct memtrim;

/* Check every `period_ms`; NULL on failure (logged; the daemon runs on without). */
struct memtrim *memtrim_start(struct event_base *base, int period_ms);
void memtrim_stop(struct memtrim *m);
/* One check now: 1 if it trimmed, 0 if there was not enough to give back. */
int memtrim_check(struct memtrim *m);

#endif
