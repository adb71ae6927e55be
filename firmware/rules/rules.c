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
	if (in->participant.has_end &&
	    in->participant.programme_end < in->participant.programme_start)
		return rules_errf(err, errlen,
		                  "participant: programme_end is before programme_start");
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
		for (size_t k = 0; k < in->n_exceptions; k++) {
			const struct rules_exception *o = &in->exceptions[k];
			same += o->date == e->date;
			/* Ruling 8: a date both cancelled and with sessions is a contradiction. */
			if (o->date == e->date && e->cancelled && !o->cancelled) {
				char d[16];
				rules_date_format(e->date, d, sizeof d);
				return rules_errf(err, errlen,
				                  "schedule: %s is both cancelled and has sessions",
				                  d);
			}
		}
		if (same > RULES_MAX_SESSIONS)
			return rules_errf(err, errlen, "schedule: more than %d sessions a day",
			                  RULES_MAX_SESSIONS);
	}
	return 0;
}

/* Whether a leave_unpaid absence covers the calendar day (weekends included), inside
 * the programme (days outside it are not payable). */
static bool
unpaid_leave_on(const struct rules_input *in, int32_t date)
{
	if (!rules_payable_day(in, date))
		return false;
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

/*
 * The life of a day: future before its first session starts, open until its last
 * session ended settle_minutes ago, final after that.  A day without sessions is
 * final once it is over.  Without a trusted now every day is final.
 */
static enum rules_day_state
day_state(const struct rules_input *in, const struct rules_params *p,
          const struct rules_dayplan *dp, int32_t date)
{
	if (!in->has_now)
		return RULES_DAY_FINAL;
	int64_t now = (int64_t)in->now_date * RULES_MIN_PER_DAY + in->now_minute;
	int64_t day0 = (int64_t)date * RULES_MIN_PER_DAY;
	if (dp->n == 0)
		return now >= day0 + RULES_MIN_PER_DAY ? RULES_DAY_FINAL : RULES_DAY_FUTURE;
	int first = dp->start[0], last = 0;
	for (int i = 0; i < dp->n; i++)
		if (dp->end[i] > last)
			last = dp->end[i];
	if (now < day0 + first)
		return RULES_DAY_FUTURE;
	if (now < day0 + last + p->settle_minutes)
		return RULES_DAY_OPEN;
	return RULES_DAY_FINAL;
}

/*
 * One day: schedule, presence (presence wins, ruling 1), allocation of the minutes
 * without presence, off-site minutes no registration applied to, grace and rounding,
 * then the notes of the rules whose minutes stayed unexcused (ruling 4).  `pre`: a
 * day before the period, computed only for the illness runs.
 */
static int
compute_day(const struct rules_input *in, const struct rules_params *p, struct rules_quota *q,
            const struct rules_tap *taps, size_t n_taps, bool pre, struct rules_day *day, char *err,
            size_t errlen)
{
	struct rules_dayplan dp;
	struct mset onsite, offsite, sched, present, attended, missing, free_off;
	struct rules_alloc al;

	rules_schedule_day(in, day->date, &dp);
	day->flags = dp.flags;
	rules_schedule_sets(&dp, &onsite, &offsite);
	rules_mset_or(&sched, &onsite, &offsite);
	day->scheduled_min = rules_mset_count(&sched);

	rules_presence(&dp, taps, n_taps, p, &present, &day->flags);
	rules_mset_and(&present, &present, &sched);
	rules_mset_andnot(&missing, &sched, &present);

	if (rules_quota_allocate(q, in, p, day->date, pre, dp.n > 0, &missing, day, &al, err,
	                         errlen) < 0)
		return -1;
	if (pre)
		return 0;
	/* Off-site minutes no registration applied to are attended (ruling 12). */
	rules_mset_andnot(&free_off, &offsite, &al.claimed);
	rules_mset_and(&free_off, &free_off, &missing);
	rules_mset_or(&attended, &present, &free_off);
	rules_mset_andnot(&missing, &missing, &free_off);
	rules_quota_religious_notice(in, p, day->date, &sched, day);

	rules_grace_rounding(&dp, p, &al.excused, &attended, &missing);
	day->attended_min = rules_mset_count(&attended);
	day->unexcused_min = rules_mset_count(&missing);
	day->notes = 0;
	for (int n = 0; n < RULES_NOTE_COUNT; n++) {
		struct mset left;
		if (!(al.failed_notes & (1u << n)))
			continue;
		rules_mset_and(&left, &al.failed[n], &missing);
		if (mset_any(&left))
			day->notes |= 1u << n;
	}
	if (day->unexcused_min > 0 && day->attended_min > 0)
		day->flags |= 1u << RULES_FLAG_LATENESS;

	day->state = day_state(in, p, &dp, day->date);
	if (day->state != RULES_DAY_FINAL) {
		/* Not final: what would be unexcused is pending; no notes, no problem flags. */
		day->pending_min = day->unexcused_min;
		day->unexcused_min = 0;
		day->notes = 0;
		day->flags &= dp.flags;
	}

	int64_t months = rules_pint(p, RULES_P_DEDUCTION_DEADLINE_MONTHS, -1);
	if (months >= 0 && day->unexcused_min > 0)
		day->deadline = deadline_of(day->date, months);
	return value_day(in, p, day, err, errlen);
}

static int
tap_cmp(const void *a, const void *b)
{
	const struct rules_tap *x = a, *y = b;
	if (x->date != y->date)
		return x->date < y->date ? -1 : 1;
	return (x->minute > y->minute) - (x->minute < y->minute);
}

static int
g_cmp(const void *a, const void *b)
{
	const struct rules_g *x = a, *y = b;
	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	return (x->amount_ore > y->amount_ore) - (x->amount_ore < y->amount_ore);
}

/*
 * The input as the engine walks it: taps in time order and the G table by date
 * (ruling 7: the order given does not matter), one entry per date; two different
 * amounts for one date are refused.
 */
static int
normalise(const struct rules_input *in, struct rules_input *cin, struct rules_tap **taps,
          struct rules_g **g, char *err, size_t errlen)
{
	*cin = *in;
	*taps = NULL;
	*g = NULL;
	if (in->n_taps) {
		*taps = malloc(in->n_taps * sizeof **taps);
		if (!*taps)
			return rules_errf(err, errlen, "out of memory");
		memcpy(*taps, in->taps, in->n_taps * sizeof **taps);
		qsort(*taps, in->n_taps, sizeof **taps, tap_cmp);
		cin->taps = *taps;
	}
	if (in->n_g) {
		*g = malloc(in->n_g * sizeof **g);
		if (!*g)
			return rules_errf(err, errlen, "out of memory");
		memcpy(*g, in->g, in->n_g * sizeof **g);
		qsort(*g, in->n_g, sizeof **g, g_cmp);
		size_t n = 0;
		for (size_t i = 0; i < in->n_g; i++) {
			if (n > 0 && (*g)[n - 1].from == (*g)[i].from) {
				char d[16], a[32], b[32];
				if ((*g)[n - 1].amount_ore == (*g)[i].amount_ore)
					continue;
				rules_date_format((*g)[i].from, d, sizeof d);
				rules_ore_format((*g)[n - 1].amount_ore, a, sizeof a);
				rules_ore_format((*g)[i].amount_ore, b, sizeof b);
				return rules_errf(
				    err, errlen,
				    "G (grunnbeløp) for %s given twice with different "
				    "amounts (%s and %s)",
				    d, a, b);
			}
			(*g)[n++] = (*g)[i];
		}
		cin->g = *g;
		cin->n_g = n;
	}
	return 0;
}

/* Whether the next requested save is for `date` (the state before it is walked). */
static bool
save_due(const struct rules_input *in, const struct rules_output *out, int32_t date)
{
	return out->n_saved < in->n_save_at && in->save_at[out->n_saved] == date;
}

static int
save(const struct rules_quota *q, struct rules_output *out, int32_t date, char *err, size_t errlen)
{
	if (rules_quota_save(q, date, &out->saved[out->n_saved], err, errlen) < 0)
		return -1;
	out->n_saved++;
	return 0;
}

int
rules_compute(const struct rules_input *in0, struct rules_output *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	struct rules_input cin;
	struct rules_tap *taps = NULL;
	struct rules_g *g = NULL;
	struct rules_quota *q = NULL;
	const struct rules_input *in = &cin;
	int32_t start;
	if (normalise(in0, &cin, &taps, &g, err, errlen) < 0 || check_input(in, err, errlen) < 0)
		goto fail;
	if (in0->memo) {
		/* The memo's key is the caller's G table, not the copy made above. */
		in0->memo->g = in0->g;
		in0->memo->n_g = in0->n_g;
	}
	/* Resumed: the saved state stands for every day before the period. */
	if (in->resume)
		start = in->from;
	else if (rules_quota_span_start(in, &start, err, errlen) < 0)
		goto fail;
	size_t n = (size_t)(in->to - in->from + 1);
	out->days = calloc(n, sizeof *out->days);
	if (!out->days) {
		rules_errf(err, errlen, "out of memory");
		goto fail;
	}
	out->n_days = n;
	if ((in->resume ? rules_quota_resume(in, &q, err, errlen)
	                : rules_quota_new(in, &q, err, errlen)) < 0)
		goto fail;
	if (in->n_save_at && (out->saved = calloc(in->n_save_at, sizeof *out->saved)) == NULL) {
		rules_errf(err, errlen, "out of memory");
		goto fail;
	}

	/*
	 * Walk from the first illness registration (or history) before the period, so a
	 * day's verdict sees the runs and occurrences it continues; only the period's
	 * days are output.
	 */
	struct rules_params p;
	bool have_params = false;
	size_t t = 0;
	while (t < in->n_taps && in->taps[t].date < start)
		t++;
	for (int32_t date = start; date <= in->to; date++) {
		bool pre = date < in->from;
		if (!pre && save_due(in, out, date) && save(q, out, date, err, errlen) < 0)
			goto fail;
		struct rules_day scratch, *day = pre ? &scratch : &out->days[date - in->from];
		memset(day, 0, sizeof *day);
		day->date = date;
		day->deadline = INT32_MIN;
		size_t t0 = t;
		while (t < in->n_taps && in->taps[t].date == date)
			t++;
		if (!have_params || date > p.valid_until) {
			if (rules_params_at(in->regime, date, &p, err, errlen) < 0) {
				/* History older than the regime's first version: judge those
				 * days by the rules in force when the period starts. */
				if (!pre ||
				    rules_params_at(in->regime, in->from, &p, err, errlen) < 0)
					goto fail;
				p.valid_until = date;
			}
			have_params = true;
		}
		if (pre && rules_quota_quiet_day(q, in, &p, date, rules_schedule_is_day(in, date)))
			continue;
		/* no taps: pass NULL, not NULL + 0 (undefined behaviour, found by fuzz_scenario) */
		if (compute_day(in, &p, q, in->n_taps ? in->taps + t0 : NULL, t - t0, pre, day, err,
		                errlen) < 0)
			goto fail;
	}
	if (save_due(in, out, in->to + 1) && save(q, out, in->to + 1, err, errlen) < 0)
		goto fail;
	if (out->n_saved != in->n_save_at) {
		rules_errf(err, errlen,
		           "save_at: dates must be ascending and within the period "
		           "(or the day after it)");
		goto fail;
	}
	rules_quota_free(q);
	q = NULL;
	if (rules_payouts(in, out, err, errlen) < 0)
		goto fail;
	free(taps);
	free(g);
	return 0;
fail:
	rules_quota_free(q);
	rules_output_free(out);
	free(taps);
	free(g);
	return -1;
}

void
rules_output_free(struct rules_output *out)
{
	for (size_t i = 0; i < out->n_saved; i++)
		free(out->saved[i].data);
	free(out->saved);
	free(out->days);
	free(out->payouts);
	memset(out, 0, sizeof *out);
}
