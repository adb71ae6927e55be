/*
 * schedule.c — what a participant is expected to attend on a date: the weekly
 * template, replaced on dates that have exceptions, and nothing at all on public
 * holidays and centre closure days (whatever the template says).  Also the minute
 * sets (one bit per minute of a day) the rest of the engine counts with.
 */
#include "rules/rules_int.h"

void
rules_mset_range(struct mset *s, int a, int b, bool on)
{
	if (a < 0)
		a = 0;
	if (b > RULES_MIN_PER_DAY)
		b = RULES_MIN_PER_DAY;
	for (int m = a; m < b;) {
		int w = m >> 6, bit = m & 63;
		int n = b - m < 64 - bit ? b - m : 64 - bit;
		uint64_t mask = (n == 64 ? ~0ULL : ((1ULL << n) - 1)) << bit;
		if (on)
			s->w[w] |= mask;
		else
			s->w[w] &= ~mask;
		m += n;
	}
}

void
rules_mset_and(struct mset *dst, const struct mset *a, const struct mset *b)
{
	for (int i = 0; i < MSET_WORDS; i++)
		dst->w[i] = a->w[i] & b->w[i];
}

void
rules_mset_andnot(struct mset *dst, const struct mset *a, const struct mset *b)
{
	for (int i = 0; i < MSET_WORDS; i++)
		dst->w[i] = a->w[i] & ~b->w[i];
}

void
rules_mset_or(struct mset *dst, const struct mset *a, const struct mset *b)
{
	for (int i = 0; i < MSET_WORDS; i++)
		dst->w[i] = a->w[i] | b->w[i];
}

/* SWAR bit count: the build targets plain x86-64, where __builtin_popcountll is a
 * slow library call, and counting minutes is the engine's inner loop. */
static int
popcount64(uint64_t x)
{
	x = x - ((x >> 1) & 0x5555555555555555ULL);
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (int)((x * 0x0101010101010101ULL) >> 56);
}

int
rules_mset_count(const struct mset *s)
{
	int n = 0;
	for (int i = 0; i < MSET_WORDS; i++)
		if (s->w[i])
			n += popcount64(s->w[i]);
	return n;
}

static void
add_session(struct rules_dayplan *dp, int start, int end, bool off_site)
{
	if (dp->n >= RULES_MAX_SESSIONS || start >= end)
		return; /* rules_compute() refuses inputs that could overflow a day */
	int i = dp->n++;
	/* Insertion sort by start: a day has a handful of sessions. */
	while (i > 0 && dp->start[i - 1] > start) {
		dp->start[i] = dp->start[i - 1];
		dp->end[i] = dp->end[i - 1];
		dp->off_site[i] = dp->off_site[i - 1];
		i--;
	}
	dp->start[i] = (int16_t)start;
	dp->end[i] = (int16_t)end;
	dp->off_site[i] = off_site;
}

bool
rules_payable_day(const struct rules_input *in, int32_t date)
{
	if (date < in->participant.programme_start ||
	    (in->participant.has_end && date > in->participant.programme_end))
		return false;
	return !(in->has_service_start && date < in->service_start);
}

void
rules_schedule_day(const struct rules_input *in, int32_t date, struct rules_dayplan *dp)
{
	dp->n = 0;
	dp->flags = 0;
	for (size_t i = 0; i < in->n_closures; i++)
		if (in->closures[i] == date)
			dp->flags |= 1u << RULES_FLAG_CLOSURE;
	if (rules_is_holiday(in->regime->holidays, date))
		dp->flags |= 1u << RULES_FLAG_PUBLIC_HOLIDAY;
	if (dp->flags)
		return;
	/* Ruling 11: days outside the participant's programme (or before the kiosk's
	 * service) are not scheduled. */
	if (!rules_payable_day(in, date))
		return;

	bool excepted = false;
	for (size_t i = 0; i < in->n_exceptions; i++) {
		const struct rules_exception *e = &in->exceptions[i];
		if (e->date != date)
			continue;
		excepted = true;
		if (!e->cancelled)
			add_session(dp, e->start, e->end, e->off_site);
	}
	if (excepted)
		return;

	unsigned wd = 1u << rules_weekday(date);
	for (size_t i = 0; i < in->n_templ; i++) {
		const struct rules_template *t = &in->templ[i];
		if ((t->weekdays & wd) && t->from <= date && date <= t->to)
			add_session(dp, t->start, t->end, t->off_site);
	}
}

bool
rules_schedule_is_day(const struct rules_input *in, int32_t date)
{
	struct rules_dayplan dp;
	rules_schedule_day(in, date, &dp);
	return dp.n > 0;
}

void
rules_schedule_sets(const struct rules_dayplan *dp, struct mset *onsite, struct mset *offsite)
{
	mset_clear(onsite);
	mset_clear(offsite);
	for (int i = 0; i < dp->n; i++)
		rules_mset_range(dp->off_site[i] ? offsite : onsite, dp->start[i], dp->end[i],
		                 true);
	/* A minute both on- and off-site is expected at the kiosk. */
	rules_mset_andnot(offsite, offsite, onsite);
}
