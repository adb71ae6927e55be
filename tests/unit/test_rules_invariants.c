/*
 * test_rules_invariants.c — thousands of generated scenarios (seeded: scenario n is
 * rebuilt from SEED and n alone, so a failure is reproducible by its number) over all
 * four regimes with random timetables, exceptions, off-site sessions, taps, absences,
 * history, programme dates and settings.  Each is checked against a small independent
 * minute-by-minute model (schedule and presence) and against the invariants of issue
 * 14: presence is never unexcused; more presence or a doctor's note never raises the
 * deduction; removing a registration never lowers the unexcused minutes of the days
 * only it applied to; splitting the period changes no minute; quotas stay within their
 * limits; every minute is accounted for; the order of the input does not matter.
 */
#include "rules_fixture.h"

#include <time.h>

#define N_SCENARIOS 3000
#define SEED 0x9e3779b97f4a7c15ULL

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

static int32_t
rnd_day(const struct fx *f)
{
	return f->in.from + (int32_t)rnd((uint32_t)(f->in.to - f->in.from + 1));
}

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
		int32_t d = rnd_day(f);
		bool cancelled = rnd(3) == 0, clash = false;
		/* Ruling 8 refuses a date both cancelled and with sessions; keep them apart. */
		for (size_t k = 0; k < f->in.n_exceptions; k++)
			clash |= f->exc[k].date == d && f->exc[k].cancelled != cancelled;
		if (clash)
			continue;
		int s = 8 * 60 + (int)rnd(300);
		f->exc[f->in.n_exceptions++] = (struct rules_exception){
		    d, cancelled, (int16_t)s, (int16_t)(s + 60 + rnd(200)), rnd(4) == 0};
	}
	for (int i = rnd(3); i > 0; i--)
		f->closures[f->in.n_closures++] = rnd_day(f);
}

static void
random_taps(struct fx *f)
{
	for (int32_t d = f->in.from - 1; d <= f->in.to + 1; d++) {
		int n = (int)rnd(7), m = 6 * 60 + (int)rnd(180);
		for (int k = 0; k < n && m < RULES_MIN_PER_DAY &&
		                f->in.n_taps < sizeof f->taps / sizeof f->taps[0];
		     k++) {
			f->taps[f->in.n_taps++] = (struct rules_tap){d, (int16_t)m};
			m += (int)rnd(300);
		}
	}
}

static void
random_absences(struct fx *f)
{
	for (int i = rnd(9); i > 0 && f->in.n_absences < sizeof f->abs / sizeof f->abs[0]; i--) {
		int32_t from =
		    f->in.from - 20 + (int32_t)rnd((uint32_t)(f->in.to - f->in.from + 40));
		struct rules_absence *a = &f->abs[f->in.n_absences++];
		/* Illness more often: that is where the rulings bite. */
		enum rules_category c =
		    rnd(3) == 0 ? (rnd(2) ? RULES_CAT_SICK_SELF_DECLARED : RULES_CAT_CHILD_SICK)
		                : (enum rules_category)rnd(RULES_CAT_COUNT);
		*a = (struct rules_absence){.category = c,
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
	for (int i = rnd(4);
	     i > 0 && f->in.history.n_self_declared < sizeof f->sd / sizeof f->sd[0]; i--) {
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
	static const char *const round[] = {"1", "1", "1", "5", "15"};
	fx_param(f, "grace_minutes", grace[rnd(4)]);
	fx_param(f, "rounding_minutes", round[rnd(5)]);
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
	if (rnd(6) == 0) {
		p->has_end = true;
		p->programme_end = rnd_day(f);
		if (p->programme_end < p->programme_start)
			p->programme_end = p->programme_start;
	}
	if (rnd(5) == 0)
		f->in.as_of = f->in.to + (int32_t)rnd(200);
	if (rnd(8) == 0) {
		f->in.has_now = true;
		f->in.now_date = rnd_day(f);
		f->in.now_minute = (int16_t)rnd(RULES_MIN_PER_DAY);
	}
}

/* Scenario n over at most `span` days (the long ones use invented future G values). */
static struct fx *
generate_span(int n, uint32_t span)
{
	rng_state = SEED ^ ((uint64_t)n * 0x100000001b3ULL);
	rnd(2);
	/* Periods between 2025-05-01 and 2026-03-31, so the shipped G covers every payout. */
	int32_t lo = rules_date(2025, 5, 1), hi = rules_date(span > 70 ? 2027 : 2026, 3, 31);
	int32_t from = lo + (int32_t)rnd((uint32_t)(hi - lo - 1));
	int32_t to = from + (int32_t)rnd(span);
	if (to > hi)
		to = hi;
	char a[16], b[16];
	rules_date_format(from, a, sizeof a);
	rules_date_format(to, b, sizeof b);
	struct fx *f = fx_new(regimes[rnd(4)], a, b);
	random_schedule(f);
	random_taps(f);
	random_absences(f);
	for (uint32_t more = span / 100; more > 0; more--)
		random_absences(f); /* as many registrations per month as a short one */
	random_settings(f);
	if (span > 70)
		fx_future_g(f);
	/* The G table in either order (ruling 7), sometimes with a harmless duplicate. */
	if (rnd(2)) {
		struct rules_g t = f->g[0];
		f->g[0] = f->g[1];
		f->g[1] = t;
	}
	if (rnd(4) == 0)
		f->g[f->in.n_g++] = f->g[0];
	return f;
}

static struct fx *
generate(int n)
{
	return generate_span(n, 70);
}

/* A copy of a world: the fixture's arrays live inside it, so a memcpy is enough. */
static struct fx *
clone(const struct fx *f)
{
	struct fx *c = malloc(sizeof *c);
	assert_non_null(c);
	memcpy(c, f, sizeof *c);
	memset(&c->out, 0, sizeof c->out);
	return c;
}

static void
run_or_fail(struct fx *f, int n, const char *what)
{
	if (fx_run(f) < 0)
		fail_msg("scenario %d (%s): %s", n, what, f->err);
}

/* ---- An independent minute model of the schedule and of presence. ---- */

static bool
ref_in_programme(const struct fx *f, int32_t d)
{
	const struct rules_participant *p = &f->in.participant;
	return d >= p->programme_start && !(p->has_end && d > p->programme_end);
}

/* Scheduled minutes of `d`: 1 on-site, 2 off-site (on-site wins where they overlap). */
static void
ref_schedule(const struct fx *f, int32_t d, uint8_t *m)
{
	memset(m, 0, RULES_MIN_PER_DAY);
	if (!ref_in_programme(f, d) || rules_is_holiday(f->regime.holidays, d))
		return;
	for (size_t i = 0; i < f->in.n_closures; i++)
		if (f->closures[i] == d)
			return;
	bool excepted = false;
	for (size_t i = 0; i < f->in.n_exceptions; i++) {
		const struct rules_exception *e = &f->exc[i];
		if (e->date != d)
			continue;
		excepted = true;
		for (int k = e->start; !e->cancelled && k < e->end; k++)
			if (m[k] != 1)
				m[k] = e->off_site ? 2 : 1;
	}
	if (excepted)
		return;
	for (size_t i = 0; i < f->in.n_templ; i++) {
		const struct rules_template *t = &f->templ[i];
		if (!(t->weekdays & (1u << rules_weekday(d))) || d < t->from || d > t->to)
			continue;
		for (int k = t->start; k < t->end; k++)
			if (m[k] != 1)
				m[k] = t->off_site ? 2 : 1;
	}
}

static int
cmp_min(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Minutes present on `d` (tap in to tap out, or in_only to the session end). */
static void
ref_presence(const struct fx *f, int32_t d, const uint8_t *sched, uint8_t *pres)
{
	int t[64], n = 0;
	memset(pres, 0, RULES_MIN_PER_DAY);
	for (size_t i = 0; i < f->in.n_taps && n < 64; i++)
		if (f->taps[i].date == d)
			t[n++] = f->taps[i].minute;
	qsort(t, (size_t)n, sizeof *t, cmp_min);
	const struct rules_param_version *mode = rules_param_at(&f->regime, RULES_P_TAP_MODE, d);
	const struct rules_param_version *mo = rules_param_at(&f->regime, RULES_P_MISSING_OUT, d);
	/* Sessions as maximal runs of scheduled minutes (the model's own view). */
	if (mode->num == RULES_TAP_IN_ONLY) {
		int prev_end = 0, k = 0;
		for (int s = 0; s < RULES_MIN_PER_DAY;) {
			if (!sched[s]) {
				s++;
				continue;
			}
			int e = s;
			while (e < RULES_MIN_PER_DAY && sched[e])
				e++;
			while (k < n && t[k] < prev_end)
				k++;
			if (k < n && t[k] < e)
				for (int x = t[k] > s ? t[k] : s; x < e; x++)
					pres[x] = 1;
			prev_end = e;
			s = e;
		}
		return;
	}
	for (int i = 0; i + 1 < n; i += 2)
		for (int x = t[i]; x < t[i + 1]; x++)
			pres[x] = 1;
	if (n % 2 && mo->num == RULES_MISSING_OUT_SESSION_END) {
		int x = t[n - 1];
		while (x < RULES_MIN_PER_DAY && !sched[x])
			x++;
		for (; x < RULES_MIN_PER_DAY && sched[x]; x++)
			pres[x] = 1;
	}
}

/* Whether adjacent sessions in the template make "runs of minutes" differ from sessions. */
static bool
sessions_touch(const struct fx *f)
{
	for (size_t i = 0; i < f->in.n_templ; i++)
		for (size_t j = 0; j < f->in.n_templ; j++)
			if (i != j && f->templ[i].start <= f->templ[j].end &&
			    f->templ[j].start <= f->templ[i].end)
				return true;
	return f->in.n_exceptions > 0;
}

static int64_t
param_now(const struct fx *f, enum rules_param p, int32_t d)
{
	const struct rules_param_version *v = rules_param_at(&f->regime, p, d);
	return v->den ? v->num / v->den : -1;
}

static void
check_invariants(int n, const struct fx *f)
{
	const struct rules_output *o = &f->out;
	int64_t ded = 0;
	uint8_t sched[RULES_MIN_PER_DAY], pres[RULES_MIN_PER_DAY];
	assert_int_equal(o->n_days, (size_t)(f->in.to - f->in.from + 1));
	for (size_t i = 0; i < o->n_days; i++) {
		const struct rules_day *d = &o->days[i];
		int64_t sum = d->attended_min + d->unexcused_min + d->pending_min;
		for (int c = 0; c < RULES_CAT_COUNT; c++) {
			if (d->excused_min[c] < 0)
				fail_msg("scenario %d day %zu: negative excused", n, i);
			sum += d->excused_min[c];
		}
		if (sum != d->scheduled_min || d->attended_min < 0 || d->unexcused_min < 0 ||
		    d->pending_min < 0 || d->excused_min[RULES_CAT_UNEXCUSED] != 0)
			fail_msg("scenario %d day %zu: %d attended + excused + %d unexcused + %d "
			         "pending != %d scheduled",
			         n, i, d->attended_min, d->unexcused_min, d->pending_min,
			         d->scheduled_min);
		if (d->state == RULES_DAY_FINAL ? d->pending_min != 0 : d->unexcused_min != 0)
			fail_msg("scenario %d day %zu: pending on a final day, or unexcused on an "
			         "open one",
			         n, i);
		if (d->deduction.num < 0 || (d->unexcused_min == 0 && d->deduction.num != 0))
			fail_msg("scenario %d day %zu: bad deduction", n, i);
		if (d->unexcused_min == 0 && d->notes)
			fail_msg("scenario %d day %zu: notes without unexcused minutes", n, i);

		/* The minute model: scheduled minutes, and presence is never unexcused. */
		ref_schedule(f, d->date, sched);
		int s_all = 0, s_pres = 0;
		for (int m = 0; m < RULES_MIN_PER_DAY; m++)
			s_all += sched[m] != 0;
		if (s_all != d->scheduled_min)
			fail_msg("scenario %d day %zu: %d scheduled, the model says %d", n, i,
			         d->scheduled_min, s_all);
		if (sessions_touch(f))
			continue;
		ref_presence(f, d->date, sched, pres);
		for (int m = 0; m < RULES_MIN_PER_DAY; m++)
			s_pres += sched[m] && pres[m];
		if (param_now(f, RULES_P_ROUNDING_MINUTES, d->date) == 1 &&
		    (d->attended_min < s_pres || d->unexcused_min > s_all - s_pres))
			fail_msg("scenario %d day %zu: %d minutes present, but %d attended and %d "
			         "unexcused of %d",
			         n, i, s_pres, d->attended_min, d->unexcused_min, s_all);
	}
	for (size_t i = 0; i < o->n_payouts; i++) {
		const struct rules_payout *p = &o->payouts[i];
		if (p->deduction_ore < 0 || p->unpaid_leave_ore < 0 || p->gross_ore < 0)
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

/* Quotas: history plus the days a category excused never passes the regime's limit. */
static void
check_quotas(int n, const struct fx *f)
{
	const struct rules_output *o = &f->out;
	int y0, mm, dd;
	rules_ymd(f->in.from, &y0, &mm, &dd);
	struct {
		enum rules_category c;
		enum rules_param p;
		int history;
		bool per_year;
	} q[] = {
	    {RULES_CAT_RELIGIOUS_HOLIDAY, RULES_P_RELIGIOUS_DAYS_PER_YEAR,
	     f->in.history.religious_days, true},
	    {RULES_CAT_VACATION, RULES_P_VACATION_DAYS_PER_YEAR, f->in.history.vacation_days, true},
	    {RULES_CAT_BIRTH_FATHER, RULES_P_BIRTH_FATHER_DAYS, f->in.history.birth_father_days,
	     false},
	    {RULES_CAT_BIRTH_MOTHER, RULES_P_BIRTH_MOTHER_DAYS, f->in.history.birth_mother_days,
	     false},
	};
	for (size_t k = 0; k < sizeof q / sizeof *q; k++) {
		int64_t limit = param_now(f, q[k].p, f->in.from);
		int used = q[k].history, year = y0;
		if (limit < 0)
			continue;
		for (size_t i = 0; i < o->n_days; i++) {
			int y;
			rules_ymd(o->days[i].date, &y, &mm, &dd);
			if (q[k].per_year && y != year) {
				year = y;
				used = 0;
			}
			if (o->days[i].excused_min[q[k].c] == 0)
				continue;
			if (++used > (limit > q[k].history ? limit : q[k].history))
				fail_msg("scenario %d: %s used on %d days, limit %lld", n,
				         rules_category_name(q[k].c), used, (long long)limit);
		}
	}
	/* Child-sick days without a doctor's note, and pregnancy days that are no check-up. */
	const struct rules_participant *pt = &f->in.participant;
	bool many = pt->children >= param_now(f, RULES_P_CHILD_SICK_MANY_CHILDREN, f->in.from);
	int64_t cs_limit =
	    param_now(f,
	              pt->sole_carer ? (many ? RULES_P_CHILD_SICK_DAYS_SOLE_CARER_MANY
	                                     : RULES_P_CHILD_SICK_DAYS_SOLE_CARER)
	                             : (many ? RULES_P_CHILD_SICK_DAYS_MANY_CHILDREN
	                                     : RULES_P_CHILD_SICK_DAYS),
	              f->in.from);
	if (pt->chronic_child) {
		int64_t c = param_now(f,
		                      pt->sole_carer ? RULES_P_CHILD_SICK_DAYS_CHRONIC_SOLE_CARER
		                                     : RULES_P_CHILD_SICK_DAYS_CHRONIC,
		                      f->in.from);
		if (c > cs_limit)
			cs_limit = c;
	}
	int64_t preg_limit = param_now(f, RULES_P_PREGNANCY_DAYS, f->in.from);
	int cs_used = f->in.history.child_sick_days, preg_used = f->in.history.pregnancy_days;
	for (size_t i = 0; i < o->n_days; i++) {
		bool noted = false, checkup = false;
		for (size_t k = 0; k < f->in.n_absences; k++) {
			const struct rules_absence *a = &f->abs[k];
			if (a->from > o->days[i].date || a->to < o->days[i].date)
				continue;
			noted |= a->category == RULES_CAT_CHILD_SICK && a->doctor_note;
			checkup |= a->category == RULES_CAT_PREGNANCY && a->checkup;
		}
		if (!noted && o->days[i].excused_min[RULES_CAT_CHILD_SICK] > 0 && cs_limit >= 0 &&
		    ++cs_used > (cs_limit > f->in.history.child_sick_days
		                     ? cs_limit
		                     : f->in.history.child_sick_days))
			fail_msg("scenario %d: child_sick used on %d days, limit %lld", n, cs_used,
			         (long long)cs_limit);
		if (!checkup && o->days[i].excused_min[RULES_CAT_PREGNANCY] > 0 &&
		    preg_limit >= 0 &&
		    ++preg_used > (preg_limit > f->in.history.pregnancy_days
		                       ? preg_limit
		                       : f->in.history.pregnancy_days))
			fail_msg("scenario %d: pregnancy used on %d days, limit %lld", n, preg_used,
			         (long long)preg_limit);
	}
	/* Own illness, scheduled days: four scheduled days in a row never all self-declared. */
	if (param_now(f, RULES_P_SICK_DAY_COUNT, f->in.from) != RULES_COUNT_SCHEDULED ||
	    param_now(f, RULES_P_SELF_DECLARED_MAX_DAYS, f->in.from) != 3)
		return;
	int run = 0;
	for (size_t i = 0; i < o->n_days; i++) {
		if (o->days[i].scheduled_min == 0)
			continue;
		run = o->days[i].excused_min[RULES_CAT_SICK_SELF_DECLARED] > 0 ? run + 1 : 0;
		if (run > 3)
			fail_msg("scenario %d: self-declared on 4 scheduled days in a row (%zu)", n,
			         i);
	}
}

static bool
same_output(const struct rules_output *a, const struct rules_output *b)
{
	return a->n_days == b->n_days && a->n_payouts == b->n_payouts &&
	       memcmp(a->days, b->days, a->n_days * sizeof *a->days) == 0 &&
	       memcmp(a->payouts, b->payouts, a->n_payouts * sizeof *a->payouts) == 0 &&
	       memcmp(&a->totals, &b->totals, sizeof a->totals) == 0;
}

/*
 * Incremental results: the state saved at a day D, resumed with from = D, gives the
 * same days from D on and the same payouts that start on or after D as the whole
 * walk; saving changes nothing; and a resumed computation saves the same state again
 * further on (so states can be chained, a month at a time).  Returns the number of
 * resumed days compared.
 */
static int
check_resume(int n, const struct fx *f)
{
	int32_t span = f->in.to - f->in.from + 1, at[3];
	size_t n_at = 0;
	int compared = 0;

	/* Up to three ascending dates in [from, to + 1], the first day and the day after
	 * the period included sometimes. */
	for (int32_t d = f->in.from; d <= f->in.to + 1 && n_at < 3; d++)
		if (rnd((uint32_t)span / 3 + 1) == 0 || (d == f->in.from && rnd(8) == 0) ||
		    (d == f->in.to + 1 && n_at == 0))
			at[n_at++] = d;

	struct fx *full = clone(f);
	full->in.save_at = at;
	full->in.n_save_at = n_at;
	run_or_fail(full, n, "with save_at");
	if (!same_output(&f->out, &full->out))
		fail_msg("scenario %d: saving the quota state changed the result", n);
	assert_int_equal(full->out.n_saved, n_at);

	for (size_t k = 0; k < n_at; k++) {
		const struct rules_saved_state *st = &full->out.saved[k];
		int32_t date;
		assert_int_equal(st->date, at[k]);
		assert_int_equal(rules_state_date(st->data, st->len, &date), 0);
		assert_int_equal(date, at[k]);
		if (at[k] > f->in.to)
			continue;
		struct fx *r = clone(f);
		r->in.from = at[k];
		r->in.resume = st->data;
		r->in.resume_len = st->len;
		/* and save the next one again from the resumed walk */
		r->in.save_at = at + k + 1;
		r->in.n_save_at = n_at - k - 1;
		run_or_fail(r, n, "resumed");
		size_t skip = (size_t)(at[k] - f->in.from);
		for (size_t i = 0; i < r->out.n_days; i++)
			if (memcmp(&r->out.days[i], &f->out.days[skip + i],
			           sizeof r->out.days[i]) != 0)
				fail_msg("scenario %d: resumed at day %zu, day %zu differs", n,
				         skip, skip + i);
		compared += (int)r->out.n_days;
		for (size_t i = 0; i < r->out.n_payouts; i++) {
			const struct rules_payout *p = &r->out.payouts[i];
			if (p->from < at[k])
				continue;
			size_t j = 0;
			while (j < f->out.n_payouts && f->out.payouts[j].from != p->from)
				j++;
			if (j == f->out.n_payouts || memcmp(p, &f->out.payouts[j], sizeof *p) != 0)
				fail_msg("scenario %d: resumed at day %zu, the payout from day %d "
				         "differs",
				         n, skip, (int)(p->from - f->in.from));
		}
		for (size_t i = 0; i < r->out.n_saved; i++)
			if (r->out.saved[i].len != full->out.saved[k + 1 + i].len ||
			    memcmp(r->out.saved[i].data, full->out.saved[k + 1 + i].data,
			           r->out.saved[i].len) != 0)
				fail_msg("scenario %d: the state saved after resuming differs", n);
		fx_free(r);
	}
	fx_free(full);
	return compared;
}

/* As fx_run(), with the scenario's G table (shared by every clone) and a memo. */
static int
run_with(struct fx *f, const struct rules_g *g, struct rules_memo *m)
{
	rules_output_free(&f->out);
	f->in.templ = f->templ;
	f->in.exceptions = f->exc;
	f->in.closures = f->closures;
	f->in.taps = f->taps;
	f->in.absences = f->abs;
	f->in.history.self_declared = f->sd;
	f->in.g = g;
	f->in.memo = m;
	return rules_compute(&f->in, &f->out, f->err, sizeof f->err);
}

/*
 * The memo of payout grosses (rules_input.memo, the Today page's): other participants
 * of the same regime and G table (rate, monthly benefit, programme dates, a shorter G
 * table), each computed with one shared memo, get exactly the output, or the refusal
 * with its message, of the same computation without it.  Returns the computations
 * that reached their payouts; *entries counts the memo's entries.
 */
static int
check_memo(int n, const struct fx *f, int *entries)
{
	struct rules_memo *m = calloc(1, sizeof *m);
	int paid = 0;

	assert_non_null(m);
	for (int k = 0; k < 8; k++) {
		struct fx *a = clone(f), *b;
		struct rules_participant *p = &a->in.participant;
		/* mostly the same rate and benefit: the memo's entries are used again */
		if (rnd(3) == 0)
			p->rate = (enum rules_rate)rnd(3);
		if (rnd(5) == 0)
			p->monthly_benefit_ore = rnd(2) ? -1 : 1234567;
		p->programme_start = f->in.from - 40 + (int32_t)rnd(80);
		p->has_end = rnd(4) == 0;
		p->programme_end = p->programme_start + (int32_t)rnd(90);
		if (rnd(6) == 0)
			a->in.n_g = 1; /* G may be unknown for some days: a refusal */
		if (rnd(2))            /* the Today page: one day */
			a->in.from = a->in.to = rnd_day(f);
		b = clone(a);
		int ra = run_with(a, f->g, NULL), rb = run_with(b, f->g, m);
		if (ra != rb || (ra < 0 && strcmp(a->err, b->err) != 0))
			fail_msg("scenario %d/%d: with the memo %d (%s), without %d (%s)", n, k, rb,
			         b->err, ra, a->err);
		if (ra == 0 && !same_output(&a->out, &b->out))
			fail_msg("scenario %d/%d: the memo changed the result", n, k);
		if (ra == 0)
			paid += (int)a->out.n_payouts;
		fx_free(a);
		fx_free(b);
	}
	*entries += (int)m->n;
	free(m);
	return paid;
}

/* A saved state is refused for another date, truncated or damaged: never used. */
static void
test_resume_refused(void **state)
{
	(void)state;
	struct fx *f = generate(7);
	int32_t at = f->in.from;
	f->in.save_at = &at;
	f->in.n_save_at = 1;
	run_or_fail(f, 7, "save");
	struct fx *r = clone(f);
	r->in.save_at = NULL;
	r->in.n_save_at = 0;
	r->in.from = at + 1;
	r->in.resume = f->out.saved[0].data;
	r->in.resume_len = f->out.saved[0].len;
	assert_int_equal(rules_compute(&r->in, &r->out, r->err, sizeof r->err), -1);
	assert_non_null(strstr(r->err, "is for"));
	r->in.from = at;
	r->in.resume_len = f->out.saved[0].len - 1;
	assert_int_equal(rules_compute(&r->in, &r->out, r->err, sizeof r->err), -1);
	assert_non_null(strstr(r->err, "damaged or truncated"));
	unsigned char junk[64] = {1, 2, 3};
	int32_t d;
	r->in.resume = junk;
	r->in.resume_len = sizeof junk;
	assert_int_equal(rules_state_date(junk, sizeof junk, &d), -1);
	assert_int_equal(rules_compute(&r->in, &r->out, r->err, sizeof r->err), -1);
	assert_non_null(strstr(r->err, "not a state of this engine"));
	/* save_at out of order is the caller's bug: an error, not a silent skip */
	int32_t bad[2] = {at + 1, at};
	r->in.resume = NULL;
	r->in.save_at = bad;
	r->in.n_save_at = 2;
	assert_int_equal(rules_compute(&r->in, &r->out, r->err, sizeof r->err), -1);
	assert_non_null(strstr(r->err, "save_at"));
	fx_free(r);
	fx_free(f);
}

/* Long periods (up to two years) with many registrations: windows roll over D. */
static void
test_resume_long(void **state)
{
	(void)state;
	int compared = 0;
	for (int n = 0; n < 300; n++) {
		struct fx *f = generate_span(100000 + n, 700);
		run_or_fail(f, 100000 + n, "long");
		compared += check_resume(100000 + n, f);
		fx_free(f);
	}
	printf("300 long scenarios: %d resumed days compared\n", compared);
	assert_true(compared > 30000);
}

/* The same input in another order of taps, absences and G entries. */
static void
check_order(int n, const struct fx *f)
{
	struct fx *c = clone(f);
	for (size_t i = 0; i + 1 < c->in.n_absences; i++) {
		size_t j = i + rnd((uint32_t)(c->in.n_absences - i));
		struct rules_absence t = c->abs[i];
		c->abs[i] = c->abs[j];
		c->abs[j] = t;
	}
	for (size_t i = 0; i + 1 < c->in.n_taps; i++) {
		size_t j = i + rnd((uint32_t)(c->in.n_taps - i));
		struct rules_tap t = c->taps[i];
		c->taps[i] = c->taps[j];
		c->taps[j] = t;
	}
	for (size_t i = 0; i + 1 < c->in.n_g; i++) {
		size_t j = i + rnd((uint32_t)(c->in.n_g - i));
		struct rules_g t = c->g[i];
		c->g[i] = c->g[j];
		c->g[j] = t;
	}
	run_or_fail(c, n, "shuffled");
	if (!same_output(&f->out, &c->out))
		fail_msg("scenario %d: another order of taps, absences or G changed the result", n);
	fx_free(c);
}

/* A tap-covered interval after the day's last tap, on a day with an even count. */
static void
check_more_presence(int n, const struct fx *f)
{
	struct fx *c = clone(f);
	int32_t d = rnd_day(c);
	int count = 0, last = 6 * 60 + (int)rnd(300);
	for (size_t i = 0; i < c->in.n_taps; i++) {
		if (c->taps[i].date != d)
			continue;
		count++;
		if (c->taps[i].minute + 1 > last)
			last = c->taps[i].minute + 1;
	}
	bool in_only = param_now(c, RULES_P_TAP_MODE, d) == RULES_TAP_IN_ONLY;
	if ((count % 2 && !in_only) || last + 2 >= RULES_MIN_PER_DAY) {
		fx_free(c);
		return;
	}
	int end = last + 1 + (int)rnd(400);
	c->taps[c->in.n_taps++] = (struct rules_tap){d, (int16_t)last};
	if (!in_only)
		c->taps[c->in.n_taps++] =
		    (struct rules_tap){d, (int16_t)(end < RULES_MIN_PER_DAY ? end : 1439)};
	run_or_fail(c, n, "more presence");
	if (c->out.totals.deduction_ore > f->out.totals.deduction_ore)
		fail_msg("scenario %d: more presence raised the deduction (%lld > %lld)", n,
		         (long long)c->out.totals.deduction_ore,
		         (long long)f->out.totals.deduction_ore);
	fx_free(c);
}

/* A doctor's note (own illness or a child's, whole days or an amount) on some days. */
static void
check_doctor_note(int n, const struct fx *f)
{
	struct fx *c = clone(f);
	int32_t d = rnd_day(c);
	struct rules_absence *a = &c->abs[c->in.n_absences++];
	*a = (struct rules_absence){.category =
	                                rnd(2) ? RULES_CAT_SICK_DOCTOR : RULES_CAT_CHILD_SICK,
	                            .from = d,
	                            .to = d + (int32_t)rnd(5),
	                            .start = -1,
	                            .end = -1,
	                            .doctor_note = true,
	                            .registered_on = INT32_MIN};
	if (rnd(3) == 0)
		a->minutes = (int16_t)(30 + rnd(200));
	run_or_fail(c, n, "doctor's note");
	if (c->out.totals.deduction_ore > f->out.totals.deduction_ore)
		fail_msg("scenario %d: a doctor's note raised the deduction (%lld > %lld)", n,
		         (long long)c->out.totals.deduction_ore,
		         (long long)f->out.totals.deduction_ore);
	fx_free(c);
}

/* Whether an off-site session or another registration touches the date. */
static bool
only_registration(const struct fx *f, size_t k, int32_t d)
{
	uint8_t sched[RULES_MIN_PER_DAY];
	for (size_t i = 0; i < f->in.n_absences; i++)
		if (i != k && f->abs[i].from <= d && d <= f->abs[i].to)
			return false;
	ref_schedule(f, d, sched);
	for (int m = 0; m < RULES_MIN_PER_DAY; m++)
		if (sched[m] == 2)
			return false;
	return true;
}

/* Removing a registration never lowers unexcused minutes on the days only it applied to. */
static void
check_removal(int n, const struct fx *f)
{
	if (f->in.n_absences == 0)
		return;
	struct fx *c = clone(f);
	size_t k = rnd((uint32_t)c->in.n_absences);
	c->abs[k] = c->abs[--c->in.n_absences];
	run_or_fail(c, n, "removed");
	for (size_t i = 0; i < c->out.n_days; i++) {
		const struct rules_day *a = &f->out.days[i], *b = &c->out.days[i];
		if (a->date < f->abs[k].from || a->date > f->abs[k].to ||
		    !only_registration(f, k, a->date))
			continue;
		if (b->unexcused_min + b->pending_min < a->unexcused_min + a->pending_min)
			fail_msg(
			    "scenario %d: removing absence %zu lowered unexcused minutes on day "
			    "%zu (%d < %d)",
			    n, k, i, b->unexcused_min, a->unexcused_min);
	}
	fx_free(c);
}

/* Days of category c excused in [from, to] within calendar year y (y < 0: any year). */
static int
days_used(const struct rules_output *o, enum rules_category c, int y)
{
	int used = 0;
	for (size_t i = 0; i < o->n_days; i++) {
		int yy, m, d;
		rules_ymd(o->days[i].date, &yy, &m, &d);
		used += o->days[i].excused_min[c] > 0 && (y < 0 || yy == y);
	}
	return used;
}

/*
 * Split the period at a random day: the parts give the same minutes when the second
 * part gets the first part's quota use as history (the caller's job, as for any
 * period), and money differs by at most one øre of rounding for the payout cut in two.
 * Scenarios where the first part refused a per-year or per-event quota are skipped:
 * days before a period are walked only for the illness runs, with those quotas taken
 * as granted.  Pregnancy check-ups cannot be told from other pregnancy days in the
 * output, so scenarios with pregnancy are skipped too.
 */
static bool
check_split(int n, const struct fx *f)
{
	if (f->in.to - f->in.from < 2 || f->in.has_now)
		return false;
	for (size_t i = 0; i < f->in.n_absences; i++)
		if (f->abs[i].category == RULES_CAT_PREGNANCY)
			return false;
	int32_t mid = f->in.from + 1 + (int32_t)rnd((uint32_t)(f->in.to - f->in.from - 1));
	struct fx *a = clone(f), *b = clone(f);
	a->in.to = mid - 1;
	b->in.from = mid;
	run_or_fail(a, n, "first part");
	uint32_t refused = (1u << RULES_NOTE_RELIGIOUS_QUOTA_EXHAUSTED) |
	                   (1u << RULES_NOTE_VACATION_QUOTA_EXHAUSTED) |
	                   (1u << RULES_NOTE_BIRTH_MOTHER_QUOTA_EXHAUSTED) |
	                   (1u << RULES_NOTE_BIRTH_FATHER_QUOTA_EXHAUSTED) |
	                   (1u << RULES_NOTE_LEAVE_APPROVED_QUOTA_EXHAUSTED);
	for (size_t i = 0; i < a->out.n_days; i++) {
		if (a->out.days[i].notes & refused) {
			fx_free(a);
			fx_free(b);
			return false;
		}
	}
	int y0, y1, m, d;
	rules_ymd(f->in.from, &y0, &m, &d);
	rules_ymd(mid, &y1, &m, &d);
	struct rules_history *h = &b->in.history;
	h->religious_days = (y0 == y1 ? h->religious_days : 0) +
	                    days_used(&a->out, RULES_CAT_RELIGIOUS_HOLIDAY, y1);
	h->vacation_days =
	    (y0 == y1 ? h->vacation_days : 0) + days_used(&a->out, RULES_CAT_VACATION, y1);
	h->leave_approved_days = (y0 == y1 ? h->leave_approved_days : 0) +
	                         days_used(&a->out, RULES_CAT_LEAVE_APPROVED, y1);
	h->birth_mother_days += days_used(&a->out, RULES_CAT_BIRTH_MOTHER, -1);
	h->birth_father_days += days_used(&a->out, RULES_CAT_BIRTH_FATHER, -1);
	/* Child-sick days without a doctor's note (notes cost no quota, ruling 3). */
	for (size_t i = 0; i < a->out.n_days; i++) {
		bool noted = false;
		for (size_t k = 0; k < f->in.n_absences; k++)
			noted |= f->abs[k].category == RULES_CAT_CHILD_SICK &&
			         f->abs[k].doctor_note && f->abs[k].from <= a->out.days[i].date &&
			         a->out.days[i].date <= f->abs[k].to;
		if (noted) {
			fx_free(a);
			fx_free(b);
			return false;
		}
		h->child_sick_days += a->out.days[i].excused_min[RULES_CAT_CHILD_SICK] > 0;
	}
	run_or_fail(b, n, "second part");
	for (size_t i = 0; i < f->out.n_days; i++) {
		const struct rules_day *whole = &f->out.days[i],
		                       *part = i < a->out.n_days ? &a->out.days[i]
		                                                 : &b->out.days[i - a->out.n_days];
		bool same =
		    whole->scheduled_min == part->scheduled_min &&
		    whole->attended_min == part->attended_min &&
		    whole->unexcused_min == part->unexcused_min &&
		    memcmp(whole->excused_min, part->excused_min, sizeof whole->excused_min) == 0 &&
		    whole->notes == part->notes;
		if (!same)
			fail_msg(
			    "scenario %d: split at day %d, day %zu differs (unexcused %d vs %d)", n,
			    (int)(mid - f->in.from), i, whole->unexcused_min, part->unexcused_min);
	}
	int64_t diff =
	    f->out.totals.deduction_ore - a->out.totals.deduction_ore - b->out.totals.deduction_ore;
	if (diff > 1 || diff < -1)
		fail_msg("scenario %d: split changed the deduction by %lld øre", n,
		         (long long)diff);
	fx_free(a);
	fx_free(b);
	return true;
}

static void
test_generated(void **state)
{
	(void)state;
	int excused = 0, unexcused = 0, noted = 0, decisions = 0, splits = 0, pending = 0,
	    resumed = 0, memo_paid = 0, memo_entries = 0;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int n = 0; n < N_SCENARIOS; n++) {
		struct fx *f = generate(n);
		run_or_fail(f, n, "generated");
		check_invariants(n, f);
		check_quotas(n, f);
		for (size_t i = 0; i < f->out.n_days; i++) {
			const struct rules_day *d = &f->out.days[i];
			excused +=
			    d->attended_min + d->unexcused_min + d->pending_min < d->scheduled_min;
			unexcused += d->unexcused_min > 0;
			noted += d->notes != 0;
			pending += d->pending_min > 0;
		}
		for (size_t i = 0; i < f->out.n_payouts; i++)
			decisions += f->out.payouts[i].decision_required;

		struct rules_output again;
		if (rules_compute(&f->in, &again, f->err, sizeof f->err) < 0)
			fail_msg("scenario %d (again): %s", n, f->err);
		if (!same_output(&f->out, &again))
			fail_msg("scenario %d: recomputing gave another result", n);
		rules_output_free(&again);

		resumed += check_resume(n, f);
		check_order(n, f);
		check_more_presence(n, f);
		check_doctor_note(n, f);
		check_removal(n, f);
		splits += check_split(n, f);
		memo_paid += check_memo(n, f, &memo_entries);
		fx_free(f);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* The generator must reach the interesting cases, or the invariants prove little. */
	printf("%d scenarios (seed %#llx) in %.1f s: %d days with excused minutes, %d with "
	       "unexcused, %d with notes, %d pending, %d payouts needing a decision, %d split, "
	       "%d resumed days\n",
	       N_SCENARIOS, (unsigned long long)SEED,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, excused,
	       unexcused, noted, pending, decisions, splits, resumed);
	printf("memo: %d payouts computed with a shared memo of %d grosses in all\n", memo_paid,
	       memo_entries);
	assert_true(excused > 300 && unexcused > 300 && noted > 30 && decisions > 30 &&
	            pending > 10 && splits > 300 && resumed > 20000);
	/* The memo was used again, not only filled: at least paid - entries grosses came
	 * from it. */
	assert_true(memo_entries > N_SCENARIOS && memo_paid - memo_entries > N_SCENARIOS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_generated),
	    cmocka_unit_test(test_resume_long),
	    cmocka_unit_test(test_resume_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
