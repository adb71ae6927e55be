/*
 * test_rules_invariants.c — 1,000 generated scenarios (fixed seed, so a failure is
 * reproducible by its number) over all four regimes with random timetables, taps,
 * absences, history and settings.  For every day attended + excused + unexcused =
 * scheduled; deductions are never negative; the total is the sum of the rounded
 * payouts; recomputing, and shuffling the absences, gives the same result.
 */
#include "rules_fixture.h"

#define N_SCENARIOS 1000

static uint64_t rng_state;

static uint32_t
rnd(uint32_t n)
{
	/* xorshift64*: small, fast and the same on every machine. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 2685821657736338717ULL) >> 33) % n;
}

static const char *const regimes[] = {"no-integreringsloven", "no-introduksjonsloven",
                                      "no-kvalifiseringsprogram", "dk-integrationsprogram"};

static void
random_schedule(struct fx *f)
{
	f->in.n_templ = 1 + rnd(3);
	int start = 7 * 60 + (int)rnd(120);
	for (size_t i = 0; i < f->in.n_templ; i++) {
		int len = 30 + (int)rnd(240);
		uint8_t wd = (uint8_t)(rnd(2) ? 0x3e : (rnd(255) & 0xfe));
		f->templ[i] =
		    (struct rules_template){wd ? wd : 0x02, (int16_t)start, (int16_t)(start + len),
		                            rnd(6) == 0,    INT32_MIN,      INT32_MAX};
		start += len + (int)rnd(60);
		if (start > 22 * 60)
			start = 8 * 60;
	}
	for (int i = rnd(3); i > 0; i--) {
		int32_t d = f->in.from + (int32_t)rnd((uint32_t)(f->in.to - f->in.from + 1));
		int s = 8 * 60 + (int)rnd(300);
		f->exc[f->in.n_exceptions++] = (struct rules_exception){
		    d, rnd(3) == 0, (int16_t)s, (int16_t)(s + 60 + rnd(200)), rnd(4) == 0};
	}
	for (int i = rnd(3); i > 0; i--)
		f->closures[f->in.n_closures++] =
		    f->in.from + (int32_t)rnd((uint32_t)(f->in.to - f->in.from + 1));
}

static void
random_taps(struct fx *f)
{
	for (int32_t d = f->in.from - 1; d <= f->in.to + 1; d++) {
		int n = (int)rnd(7), m = 6 * 60 + (int)rnd(180);
		for (int k = 0; k < n && m < RULES_MIN_PER_DAY; k++) {
			f->taps[f->in.n_taps++] = (struct rules_tap){d, (int16_t)m};
			m += (int)rnd(300);
		}
	}
}

static void
random_absences(struct fx *f)
{
	for (int i = rnd(8); i > 0; i--) {
		int32_t from =
		    f->in.from - 20 + (int32_t)rnd((uint32_t)(f->in.to - f->in.from + 40));
		struct rules_absence *a = &f->abs[f->in.n_absences++];
		*a = (struct rules_absence){.category = (enum rules_category)rnd(RULES_CAT_COUNT),
		                            .from = from,
		                            .to = from + (int32_t)rnd(12),
		                            .start = -1,
		                            .end = -1,
		                            .doctor_note = rnd(5) == 0,
		                            .checkup = rnd(4) == 0,
		                            .registered_on =
		                                rnd(2) ? INT32_MIN : from - (int32_t)rnd(30)};
		if (rnd(8) == 0) {
			a->minutes = (int16_t)(1 + rnd(300)); /* an amount per day */
			continue;
		}
		if (rnd(6) == 0) {
			/* One stretch of time, e.g. from 13:00 on the first day to 10:00 on the
			 * last. */
			a->continuous = true;
			a->start = (int16_t)rnd(RULES_MIN_PER_DAY);
			a->end = (int16_t)(1 + rnd(RULES_MIN_PER_DAY));
			if (a->from == a->to && a->end <= a->start)
				a->to++;
			continue;
		}
		if (rnd(3) == 0) {
			a->start = (int16_t)(7 * 60 + rnd(400));
			a->end = (int16_t)(a->start + 1 + rnd(300));
		}
	}
	for (int i = rnd(4); i > 0; i--) {
		int32_t from = f->in.from - 400 + (int32_t)rnd(400);
		f->sd[f->in.history.n_self_declared++] =
		    (struct rules_range){from, from + (int32_t)rnd(4)};
	}
	f->in.history.child_sick_days = (int)rnd(35);
	f->in.history.religious_days = (int)rnd(3);
	f->in.history.vacation_days = (int)rnd(26);
	f->in.history.pregnancy_days = (int)rnd(11);
	f->in.history.birth_father_days = (int)rnd(8);
}

static void
random_settings(struct fx *f)
{
	static const char *const grace[] = {"0", "0", "3", "10"};
	static const char *const round[] = {"1", "1", "5", "15"};
	fx_param(f, "grace_minutes", grace[rnd(4)]);
	fx_param(f, "rounding_minutes", round[rnd(4)]);
	if (rnd(3) == 0)
		fx_param(f, "tap_mode", "in_only");
	if (rnd(4) == 0)
		fx_param(f, "missing_out", "none");
	if (rnd(3) == 0) {
		fx_param(f, "payout", "biweekly");
		fx_param(f, "payout_anchor", rnd(2) ? "2025-01-06" : "2026-02-02");
	}
	struct rules_participant *p = &f->in.participant;
	p->programme_start = f->in.from - 200 + (int32_t)rnd(230);
	p->rate = (enum rules_rate)rnd(3);
	p->children = (int)rnd(5);
	p->sole_carer = rnd(2);
	p->chronic_child = rnd(4) == 0;
	p->monthly_benefit_ore = 500000 + rnd(1000000);
	if (rnd(5) == 0)
		f->in.as_of = f->in.to + (int32_t)rnd(200);
}

static struct fx *
generate(int n)
{
	rng_state = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)n * 0x100000001b3ULL);
	rnd(2);
	/* Periods between 2025-05-01 and 2026-03-31, so the shipped G covers every payout. */
	int32_t lo = rules_date(2025, 5, 1), hi = rules_date(2026, 3, 31);
	int32_t from = lo + (int32_t)rnd((uint32_t)(hi - lo - 1));
	int32_t to = from + (int32_t)rnd(70);
	if (to > hi)
		to = hi;
	char a[16], b[16];
	rules_date_format(from, a, sizeof a);
	rules_date_format(to, b, sizeof b);
	struct fx *f = fx_new(regimes[rnd(4)], a, b);
	random_schedule(f);
	random_taps(f);
	random_absences(f);
	random_settings(f);
	return f;
}

static void
check_invariants(int n, const struct fx *f)
{
	const struct rules_output *o = &f->out;
	int64_t ded = 0;
	assert_int_equal(o->n_days, (size_t)(f->in.to - f->in.from + 1));
	for (size_t i = 0; i < o->n_days; i++) {
		const struct rules_day *d = &o->days[i];
		int64_t sum = d->attended_min + d->unexcused_min;
		for (int c = 0; c < RULES_CAT_COUNT; c++) {
			if (d->excused_min[c] < 0)
				fail_msg("scenario %d day %zu: negative excused", n, i);
			sum += d->excused_min[c];
		}
		if (sum != d->scheduled_min || d->attended_min < 0 || d->unexcused_min < 0 ||
		    d->excused_min[RULES_CAT_UNEXCUSED] != 0)
			fail_msg("scenario %d day %zu: %d attended + excused + %d unexcused != %d "
			         "scheduled",
			         n, i, d->attended_min, d->unexcused_min, d->scheduled_min);
		if (d->deduction.num < 0 || (d->unexcused_min == 0 && d->deduction.num != 0))
			fail_msg("scenario %d day %zu: bad deduction", n, i);
		if (d->unexcused_min == 0 && d->notes)
			fail_msg("scenario %d day %zu: notes without unexcused minutes", n, i);
	}
	for (size_t i = 0; i < o->n_payouts; i++) {
		const struct rules_payout *p = &o->payouts[i];
		if (p->deduction_ore < 0 || p->unpaid_leave_ore < 0 || p->gross_ore <= 0)
			fail_msg("scenario %d payout %zu: negative money", n, i);
		if (p->decision_required && p->deduction_ore == 0)
			fail_msg("scenario %d payout %zu: decision without deduction", n, i);
		if (i > 0 && p->from != o->payouts[i - 1].to + 1)
			fail_msg("scenario %d payout %zu: payouts not contiguous", n, i);
		ded += p->deduction_ore;
	}
	if (o->n_payouts == 0 || o->payouts[0].from > f->in.from ||
	    o->payouts[o->n_payouts - 1].to < f->in.to)
		fail_msg("scenario %d: payouts do not cover the period", n);
	if (ded != o->totals.deduction_ore)
		fail_msg("scenario %d: total deduction is not the sum of the payouts", n);
}

static bool
same_output(const struct rules_output *a, const struct rules_output *b)
{
	return a->n_days == b->n_days && a->n_payouts == b->n_payouts &&
	       memcmp(a->days, b->days, a->n_days * sizeof *a->days) == 0 &&
	       memcmp(a->payouts, b->payouts, a->n_payouts * sizeof *a->payouts) == 0 &&
	       memcmp(&a->totals, &b->totals, sizeof a->totals) == 0;
}

static void
test_generated(void **state)
{
	(void)state;
	int computed = 0, excused = 0, unexcused = 0, noted = 0, decisions = 0;
	for (int n = 0; n < N_SCENARIOS; n++) {
		struct fx *f = generate(n);
		if (fx_run(f) < 0)
			fail_msg("scenario %d: %s", n, f->err);
		computed++;
		check_invariants(n, f);
		for (size_t i = 0; i < f->out.n_days; i++) {
			const struct rules_day *d = &f->out.days[i];
			excused += d->attended_min + d->unexcused_min < d->scheduled_min;
			unexcused += d->unexcused_min > 0;
			noted += d->notes != 0;
		}
		for (size_t i = 0; i < f->out.n_payouts; i++)
			decisions += f->out.payouts[i].decision_required;

		struct rules_output again;
		if (rules_compute(&f->in, &again, f->err, sizeof f->err) < 0)
			fail_msg("scenario %d (again): %s", n, f->err);
		if (!same_output(&f->out, &again))
			fail_msg("scenario %d: recomputing gave another result", n);
		rules_output_free(&again);

		/* The order of the absences does not matter. */
		for (size_t i = 0; i + 1 < f->in.n_absences; i++) {
			size_t j = i + rnd((uint32_t)(f->in.n_absences - i));
			struct rules_absence t = f->abs[i];
			f->abs[i] = f->abs[j];
			f->abs[j] = t;
		}
		if (rules_compute(&f->in, &again, f->err, sizeof f->err) < 0)
			fail_msg("scenario %d (shuffled): %s", n, f->err);
		if (!same_output(&f->out, &again))
			fail_msg("scenario %d: shuffling the absences changed the result", n);
		rules_output_free(&again);
		fx_free(f);
	}
	/* The generator must reach the interesting cases, or the invariants prove little. */
	printf("%d scenarios: %d days with excused minutes, %d with unexcused, %d with notes, "
	       "%d payouts needing a decision\n",
	       computed, excused, unexcused, noted, decisions);
	assert_int_equal(computed, N_SCENARIOS);
	assert_true(excused > 100 && unexcused > 100 && noted > 10 && decisions > 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_generated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
