/*
 * clock.h — wall clock, monotonic clock and how far to trust the wall clock.
 * Every tap stores both clocks and a quality flag: a board that boots with a
 * clock before its build date is "unsynced"; a wall clock that moves against
 * the monotonic clock is "jumped" for the next hour.  Taps are never refused.
 */
#ifndef STEMPEL_CLOCK_H
#define STEMPEL_CLOCK_H

#include <stdint.h>

enum clock_quality { CLOCK_SYNCED, CLOCK_UNSYNCED, CLOCK_JUMPED };

struct clock_reading {
	int64_t wall_ms; /* UTC */
	int64_t mono_ns;
	enum clock_quality quality;
};

/* Read both clocks and judge the wall clock. */
void clock_read(struct clock_reading *r);
const char *clock_quality_name(enum clock_quality q);
/*
 * Tests: make clock_read() return `r` (both clocks and the quality) until
 * called again with NULL.  The daemon never calls this.
 */
void clock_fake(const struct clock_reading *r);
/* The wall clock (UTC ms) as clock_read() has it, without judging it. */
int64_t clock_wall_ms(void);
/*
 * The same for log lines: no lock (clock.c logs while holding it), so the
 * test offset is the one of the last clock_read().
 */
int64_t clock_log_ms(void);
/* CLOCK_MONOTONIC in nanoseconds. */
int64_t clock_mono_ns(void);
/* The current quality without a new reading (health, metrics). */
enum clock_quality clock_quality_now(void);

#endif
