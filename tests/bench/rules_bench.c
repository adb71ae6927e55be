/*
 * rules_bench.c — how long the rules engine takes for one month of a whole centre:
 * 200, 2,000 and 20,000 participants, 22 programme days (September 2025), 4 taps a
 * day and some absences.  Prints the time per size and the ratios between sizes
 * (linear growth is 10x per step).  Goal: 2,000 participants in under 200 ms.
 * A benchmark, not a test: run it from the repo root (it reads board/regimes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "regime.h"
#include "rules/rules.h"

#define DAYS_FROM "2025-09-01"
#define DAYS_TO "2025-09-30"
#define MAX_TAPS 128
#define MAX_ABSENCES 4

struct person {
	struct rules_tap taps[MAX_TAPS];
	struct rules_absence absences[MAX_ABSENCES];
	struct rules_input in;
};

static const struct rules_template week[] = {
    {0x3e, 8 * 60, 11 * 60 + 30, false, INT32_MIN, INT32_MAX},
    {0x3e, 12 * 60, 15 * 60 + 30, false, INT32_MIN, INT32_MAX},
};

static uint32_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (uint32_t)((*s * 2685821657736338717ULL) >> 33);
}

static struct rules_absence
absence(enum rules_category c, int32_t from, int32_t to)
{
	return (struct rules_absence){.category = c,
	                              .from = from,
	                              .to = to,
	                              .start = -1,
	                              .end = -1,
	                              .registered_on = INT32_MIN};
}

static void
make_person(struct person *p, int i, const struct rules_regime *r, int32_t from, int32_t to)
{
	uint64_t s = 0x9e3779b97f4a7c15ULL + (uint64_t)i * 7919;
	struct rules_input *in = &p->in;
	memset(in, 0, sizeof *in);
	in->regime = r;
	in->g = r->g;
	in->n_g = r->n_g;
	in->from = from;
	in->to = to;
	in->as_of = INT32_MIN;
	in->participant = (struct rules_participant){from - 300 + (int32_t)(rnd(&s) % 200),
	                                             (enum rules_rate)(i % 3),
	                                             i % 4,
	                                             i % 9 == 0,
	                                             false,
	                                             -1,
	                                             false,
	                                             0};
	in->templ = week;
	in->n_templ = 2;
	in->taps = p->taps;
	in->absences = p->absences;
	for (int32_t d = from; d <= to; d++) {
		if (rules_weekday(d) > 5 || rnd(&s) % 20 == 0)
			continue; /* weekends, and now and then a day away */
		int16_t t[4] = {(int16_t)(7 * 60 + 50 + rnd(&s) % 20), (int16_t)(11 * 60 + 30),
		                (int16_t)(11 * 60 + 55 + rnd(&s) % 10),
		                (int16_t)(15 * 60 + 20 + rnd(&s) % 15)};
		for (int k = 0; k < 4 && in->n_taps < MAX_TAPS; k++)
			p->taps[in->n_taps++] = (struct rules_tap){d, t[k]};
	}
	if (i % 5 == 0)
		p->absences[in->n_absences++] =
		    absence(RULES_CAT_SICK_SELF_DECLARED, from + 8, from + 9);
	if (i % 7 == 0)
		p->absences[in->n_absences++] = absence(RULES_CAT_CHILD_SICK, from + 15, from + 15);
	if (i % 11 == 0)
		p->absences[in->n_absences++] = absence(RULES_CAT_VACATION, from + 22, from + 24);
}

static double
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Best of three runs over n participants, in ms; -1 on an engine error. */
static double
run(struct person *people, int n, int64_t *checksum)
{
	double best = -1;
	char err[256];
	for (int rep = 0; rep < 3; rep++) {
		int64_t sum = 0;
		double t0 = now_ms();
		for (int i = 0; i < n; i++) {
			struct rules_output out;
			if (rules_compute(&people[i].in, &out, err, sizeof err) < 0) {
				fprintf(stderr, "participant %d: %s\n", i, err);
				return -1;
			}
			sum += out.totals.deduction_ore + out.totals.attended_min;
			rules_output_free(&out);
		}
		double t = now_ms() - t0;
		if (best < 0 || t < best)
			best = t;
		*checksum = sum;
	}
	return best;
}

int
main(void)
{
	static const int sizes[] = {200, 2000, 20000};
	double ms[3];
	struct rules_regime *r = malloc(sizeof *r);
	char err[512];
	int32_t from, to;
	if (!r || regime_load("board/regimes", "no-integreringsloven", r, err, sizeof err) < 0) {
		fprintf(stderr, "rules_bench: %s (run from the repo root)\n",
		        r ? err : "out of memory");
		return 1;
	}
	rules_date_parse(DAYS_FROM, &from);
	rules_date_parse(DAYS_TO, &to);
	struct person *people = calloc((size_t)sizes[2], sizeof *people);
	if (!people)
		return 1;
	for (int i = 0; i < sizes[2]; i++)
		make_person(&people[i], i, r, from, to);

	printf("rules engine, one month (%s..%s, 22 programme days, 4 taps a day):\n", DAYS_FROM,
	       DAYS_TO);
	for (int k = 0; k < 3; k++) {
		int64_t checksum = 0;
		ms[k] = run(people, sizes[k], &checksum);
		if (ms[k] < 0)
			return 1;
		printf("  %6d participants: %9.1f ms  (%.1f us each, checksum %lld)\n", sizes[k],
		       ms[k], ms[k] * 1000 / sizes[k], (long long)checksum);
	}
	printf("  ratio 2000/200:   %.2fx (linear: 10x)\n", ms[1] / ms[0]);
	printf("  ratio 20000/2000: %.2fx (linear: 10x)\n", ms[2] / ms[1]);
	printf("  goal 2000 participants < 200 ms: %s\n", ms[1] < 200 ? "met" : "NOT met");
	free(people);
	free(r);
	return 0;
}
