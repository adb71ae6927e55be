/*
 * rules.c — rules_compute(): checks the input, then walks the period one calendar
 * day at a time (schedule -> presence -> allocation -> grace and rounding -> value)
 * and hands the days to payout.c.  Everything a day needs from earlier days lives
 * in the quota state, so a day's result never depends on the order of the input.
 */
#include "rules/rules_int.h"

#include <stdlib.h>
#include <string.h>

static int
check_minutes(int start, int end)
{
	return start >= 0 && start < end && end <= RULES_MIN_PER_DAY ? 0 : -1;
}

static int
check_input(const struct rules_input *in, char *err, size_t errlen)
{
	if (!in->regime)
		return rules_errf(err, errlen, "no regime");
	if (rules_regime_check(in->regime, err, errlen) < 0)
		return -1;
	if (in->from > in->to)
		return rules_errf(err, errlen, "period: from is after to");
	if ((int64_t)in->to - in->from + 1 > RULES_MAX_DAYS)
		return rules_errf(err, errlen, "period: longer than %d days", RULES_MAX_DAYS);
	if ((unsigned)in->participant.rate > RULES_RATE_UNDER25_WITH_PARENTS)
		return rules_errf(err, errlen, "participant: bad rate");
	if (in->participant.children < 0)
		return rules_errf(err, errlen, "participant: children must not be negative");
	for (size_t i = 0; i < in->n_g; i++)
		if (in->g[i].amount_ore <= 0 || (i > 0 && in->g[i].from <= in->g[i - 1].from))
			return rules_errf(err, errlen, "g[%zu]: amounts positive, dates ascending",
			                  i);
	for (size_t i = 0; i < in->n_taps; i++) {
		const struct rules_tap *t = &in->taps[i];
		if (t->minute < 0 || t->minute >= RULES_MIN_PER_DAY)
			return rules_errf(err, errlen, "taps[%zu]: minute out of range", i);
		if (i > 0 &&
		    (t->date < t[-1].date || (t->date == t[-1].date && t->minute < t[-1].minute)))
			return rules_errf(err, errlen, "taps[%zu]: taps must be in time order", i);
	}
	for (size_t i = 0; i < in->n_absences; i++) {
		const struct rules_absence *a = &in->absences[i];
		if ((unsigned)a->category >= RULES_CAT_COUNT)
			return rules_errf(err, errlen, "absences[%zu]: bad category", i);
		if (a->from > a->to)
			return rules_errf(err, errlen, "absences[%zu]: from is after to", i);
		bool bad_times =
		    a->continuous
		        ? a->start < 0 || a->start >= RULES_MIN_PER_DAY || a->end <= 0 ||
		              a->end > RULES_MIN_PER_DAY || (a->from == a->to && a->start >= a->end)
		        : !(a->start == -1 && a->end == -1) && check_minutes(a->start, a->end) < 0;
		if (bad_times || a->minutes < 0 || a->minutes > RULES_MIN_PER_DAY ||
		    (a->minutes > 0 && (a->start != -1 || a->continuous)))
			return rules_errf(err, errlen, "absences[%zu]: bad start/end", i);
	}
	int per_weekday[8] = {0};
	for (size_t i = 0; i < in->n_templ; i++) {
		const struct rules_template *t = &in->templ[i];
		if (check_minutes(t->start, t->end) < 0 || !(t->weekdays & 0xfe) || t->from > t->to)
			return rules_errf(err, errlen,
			                  "schedule[%zu]: bad weekdays, times or dates", i);
		for (int w = 1; w <= 7; w++)
			if ((t->weekdays & (1u << w)) && ++per_weekday[w] > RULES_MAX_SESSIONS)
				return rules_errf(err, errlen,
				                  "schedule: more than %d sessions a day",
				                  RULES_MAX_SESSIONS);
	}
	for (size_t i = 0; i < in->n_exceptions; i++) {
		const struct rules_exception *e = &in->exceptions[i];
		if (!e->cancelled && check_minutes(e->start, e->end) < 0)
			return rules_errf(err, errlen, "schedule exception %zu: bad start/end", i);
		int same = 0;
		for (size_t k = 0; k < in->n_exceptions; k++)
			same += in->exceptions[k].date == e->date;
		if (same > RULES_MAX_SESSIONS)
			return rules_errf(err, errlen, "schedule: more than %d sessions a day",
			                  RULES_MAX_SESSIONS);
	}
	return 0;
}

/* Whether a leave_unpaid absence covers the calendar day (weekends included). */
static bool
unpaid_leave_on(const struct rules_input *in, int32_t date)
{
	for (size_t i = 0; i < in->n_absences; i++)
		if (in->absences[i].category == RULES_CAT_LEAVE_UNPAID &&
		    in->absences[i].from <= date && date <= in->absences[i].to)
			return true;
	return false;
}

/* Denmark: the last day of the Nth whole calendar month after the absence. */
static int32_t
deadline_of(int32_t date, int64_t months)
{
	int y, m, d;
	rules_ymd(date, &y, &m, &d);
	return rules_add_months(rules_date(y, m, 1), (int)months + 1) - 1;
}

/* Value the day: its unexcused minutes and, per calendar day, unpaid leave. */
static int
value_day(const struct rules_input *in, const struct rules_params *p, struct rules_day *day,
          char *err, size_t errlen)
{
	if (rules_money_minutes(in, p, day->date, day->unexcused_min, &day->deduction, err,
	                        errlen) < 0)
		return -1;
	day->unpaid_leave = (struct rules_rat){0, 1};
	if (unpaid_leave_on(in, day->date)) {
		struct rules_rat monthly, per_day = {1, rules_pint(p, RULES_P_DAY_DIVISOR, 30)};
		if (rules_money_monthly(in, p, day->date, &monthly, err, errlen) < 0)
			return -1;
		if (rules_rat_mul(monthly, per_day, &day->unpaid_leave) < 0)
			return rules_errf(err, errlen, "arithmetic overflow");
	}
	return 0;
}

static int
compute_day(const struct rules_input *in, const struct rules_params *p, struct rules_quota *q,
            const struct rules_tap *taps, size_t n_taps, struct rules_day *day, char *err,
            size_t errlen)
{
	struct rules_dayplan dp;
	struct mset onsite, offsite, sched, present, cover, attended, missing, excused;

	rules_schedule_day(in, day->date, &dp);
	day->flags = dp.flags;
	rules_schedule_sets(&dp, &onsite, &offsite);
	rules_mset_or(&sched, &onsite, &offsite);
	day->scheduled_min = rules_mset_count(&sched);

	rules_presence(&dp, taps, n_taps, p, &present, &day->flags);
	rules_mset_and(&present, &present, &onsite);
	/* Off-site minutes are attended unless a teacher registered something for them. */
	rules_absence_cover(in, -1, day->date, &offsite, &cover);
	rules_mset_andnot(&attended, &offsite, &cover);
	rules_mset_or(&attended, &attended, &present);
	rules_mset_andnot(&missing, &sched, &attended);

	rules_quota_allocate(q, in, p, day->date, &missing, &sched, day, &excused);
	rules_grace_rounding(&dp, p, &excused, &attended, &missing);
	day->attended_min = rules_mset_count(&attended);
	day->unexcused_min = rules_mset_count(&missing);
	if (day->unexcused_min == 0)
		day->notes = 0;
	else if (day->attended_min > 0)
		day->flags |= 1u << RULES_FLAG_LATENESS;

	int64_t months = rules_pint(p, RULES_P_DEDUCTION_DEADLINE_MONTHS, -1);
	if (months >= 0 && day->unexcused_min > 0)
		day->deadline = deadline_of(day->date, months);
	return value_day(in, p, day, err, errlen);
}

int
rules_compute(const struct rules_input *in, struct rules_output *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	if (check_input(in, err, errlen) < 0)
		return -1;
	size_t n = (size_t)(in->to - in->from + 1);
	struct rules_quota *q = NULL;
	out->days = calloc(n, sizeof *out->days);
	if (!out->days)
		return rules_errf(err, errlen, "out of memory");
	out->n_days = n;
	if (rules_quota_new(in, &q, err, errlen) < 0)
		goto fail;

	struct rules_params p;
	bool have_params = false;
	size_t t = 0;
	while (t < in->n_taps && in->taps[t].date < in->from)
		t++;
	for (size_t i = 0; i < n; i++) {
		struct rules_day *day = &out->days[i];
		day->date = in->from + (int32_t)i;
		day->deadline = INT32_MIN;
		if (!have_params || day->date > p.valid_until) {
			if (rules_params_at(in->regime, day->date, &p, err, errlen) < 0)
				goto fail;
			have_params = true;
		}
		size_t t0 = t;
		while (t < in->n_taps && in->taps[t].date == day->date)
			t++;
		/* no taps: pass NULL, not NULL + 0 (undefined behaviour, found by fuzz_scenario) */
		if (compute_day(in, &p, q, in->n_taps ? in->taps + t0 : NULL, t - t0, day, err,
		                errlen) < 0)
			goto fail;
	}
	rules_quota_free(q);
	q = NULL;
	if (rules_payouts(in, out, err, errlen) < 0)
		goto fail;
	return 0;
fail:
	rules_quota_free(q);
	rules_output_free(out);
	return -1;
}

int
rules_recount(const struct rules_input *in, struct rules_output *out, char *err, size_t errlen)
{
	/* The days were changed by the caller (day states): count the payouts again. */
	free(out->payouts);
	out->payouts = NULL;
	out->n_payouts = 0;
	memset(&out->totals, 0, sizeof out->totals);
	return rules_payouts(in, out, err, errlen);
}

void
rules_output_free(struct rules_output *out)
{
	free(out->days);
	free(out->payouts);
	memset(out, 0, sizeof *out);
}
