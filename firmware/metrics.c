/*
 * metrics.c — tap counters and the latency histogram.  Bounds are chosen
 * around the 100 ms promise: most of them below it, so a p99 can be read off.
 */
#include <event2/buffer.h>

#include "metrics.h"

const uint64_t metrics_bounds_us[METRICS_NBUCKETS] = {
    500, 1000, 2000, 5000, 10000, 20000, 50000, 100000, 250000, 500000, 1000000, 5000000,
};

void
metrics_tap(struct metrics *m, enum tap_outcome o, int repeat, uint64_t latency_us)
{
	if (o >= 0 && o < TAP_NOUTCOMES && !repeat)
		m->taps[o]++;
	if (repeat)
		m->repeats++;
	for (int i = 0; i < METRICS_NBUCKETS; i++)
		if (latency_us <= metrics_bounds_us[i])
			m->latency_bucket[i]++;
	m->latency_bucket[METRICS_NBUCKETS]++;
	m->latency_sum_us += latency_us;
	m->latency_count++;
	if (latency_us > m->latency_max_us)
		m->latency_max_us = latency_us;
}

void
metrics_gauge(struct evbuffer *out, const char *name, const char *help, double value)
{
	evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s gauge\n%s %.17g\n", name, help, name,
	                    name, value);
}

void
metrics_render(const struct metrics *m, struct evbuffer *out)
{
	evbuffer_add_printf(out, "# HELP stempel_taps_total Taps answered, by outcome "
	                         "(debounced repeats not included).\n"
	                         "# TYPE stempel_taps_total counter\n");
	for (int i = 0; i < TAP_NOUTCOMES; i++)
		evbuffer_add_printf(out, "stempel_taps_total{outcome=\"%s\"} %llu\n",
		                    tap_outcome_name(i), (unsigned long long)m->taps[i]);
	evbuffer_add_printf(out,
	                    "# HELP stempel_tap_repeats_total Taps within the debounce "
	                    "window, answered again and not recorded.\n"
	                    "# TYPE stempel_tap_repeats_total counter\n"
	                    "stempel_tap_repeats_total %llu\n",
	                    (unsigned long long)m->repeats);
	evbuffer_add_printf(out, "# HELP stempel_tap_latency_seconds From UID received to answer "
	                         "sent.\n# TYPE stempel_tap_latency_seconds histogram\n");
	for (int i = 0; i < METRICS_NBUCKETS; i++)
		evbuffer_add_printf(out, "stempel_tap_latency_seconds_bucket{le=\"%g\"} %llu\n",
		                    metrics_bounds_us[i] / 1e6,
		                    (unsigned long long)m->latency_bucket[i]);
	evbuffer_add_printf(out,
	                    "stempel_tap_latency_seconds_bucket{le=\"+Inf\"} %llu\n"
	                    "stempel_tap_latency_seconds_sum %.6f\n"
	                    "stempel_tap_latency_seconds_count %llu\n",
	                    (unsigned long long)m->latency_bucket[METRICS_NBUCKETS],
	                    m->latency_sum_us / 1e6, (unsigned long long)m->latency_count);
	metrics_gauge(out, "stempel_tap_latency_max_seconds", "Slowest tap answer since start.",
	              m->latency_max_us / 1e6);
}
