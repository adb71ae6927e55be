/*
 * metrics.h — counters the daemon keeps in memory for /metrics (Prometheus
 * text format): taps by outcome and the tap latency histogram, measured from
 * UID received to answer sent.
 */
#ifndef STEMPEL_METRICS_H
#define STEMPEL_METRICS_H

#include <stdint.h>

#include "tap.h"

struct evbuffer;

#define METRICS_NBUCKETS 12

struct metrics {
	uint64_t taps[TAP_NOUTCOMES];
	uint64_t repeats;                              /* debounced: answered again, not recorded */
	uint64_t latency_bucket[METRICS_NBUCKETS + 1]; /* cumulative counts per bound, +Inf last */
	uint64_t latency_sum_us;
	uint64_t latency_count;
	uint64_t latency_max_us;
};

/* Bucket bounds in microseconds. */
extern const uint64_t metrics_bounds_us[METRICS_NBUCKETS];

void metrics_tap(struct metrics *m, enum tap_outcome o, int repeat, uint64_t latency_us);
/* Append the tap metrics in Prometheus text format. */
void metrics_render(const struct metrics *m, struct evbuffer *out);
/* Append one gauge with HELP and TYPE lines. */
void metrics_gauge(struct evbuffer *out, const char *name, const char *help, double value);

#endif
