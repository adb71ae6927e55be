/*
 * payout.c — payout periods (calendar months, or 14 days from an anchor date), their
 * gross stipend, the rounded deduction, unpaid leave, the formal-decision flag
 * (Norway: at least a share of the gross AND at least a fraction of G; Denmark: every
 * deduction), Danish lateness assessment and the 3-month deadline, and the totals.
 */
#include "rules/rules_int.h"

#include <stdlib.h>

/* The payout periods touching [in->from, in->to]; *out is allocated. */
static int
payout_periods(const struct rules_input *in, const struct rules_params *p,
               struct rules_payout **out, size_t *n_out, char *err, size_t errlen)
{
	bool monthly = p->num[RULES_P_PAYOUT] == RULES_PAYOUT_MONTHLY;
	int32_t anchor = (int32_t)p->num[RULES_P_PAYOUT_ANCHOR];
	int32_t start;
	if (monthly) {
		int y, m, d;
		rules_ymd(in->from, &y, &m, &d);
		start = rules_date(y, m, 1);
	} else {
		int32_t off = in->from - anchor;
		start = anchor + (off >= 0 ? off / 14 : -((13 - off) / 14)) * 14;
	}
	size_t cap = (size_t)(in->to - in->from) / 14 + 3, n = 0;
	struct rules_payout *po = calloc(cap, sizeof *po);
	if (!po)
		return rules_errf(err, errlen, "out of memory");
	while (start <= in->to) {
		int32_t next = monthly ? rules_add_months(start, 1) : start + 14;
		po[n].from = start;
		po[n].to = next - 1;
		po[n].monthly = monthly;
		n++;
		start = next;
	}
	*out = po;
	*n_out = n;
	return 0;
}

/*
 * A participant in the programme for only part of the payout is paid for the calendar
 * days in the programme: each such day is monthly / day_divisor (30), with its own G,
 * and the sum is at most the whole payout's gross (RULES.md, "The life of a day and
 * of a pay period"; ruling 15 for biweekly payouts).
 */
static int
prorate(const struct rules_input *in, const struct rules_payout *po, struct rules_rat *gross,
        char *err, size_t errlen)
{
	bool whole = true;
	for (int32_t d = po->from; d <= po->to && whole; d++)
		whole = rules_payable_day(in, d);
	if (whole)
		return 0;
	struct rules_rat sum = {0, 1};
	struct rules_params p;
	bool have = false;
	for (int32_t d = po->from; d <= po->to; d++) {
		struct rules_rat monthly, part;
		if (!rules_payable_day(in, d))
			continue;
		if (!have || d > p.valid_until) {
			if (rules_params_at(in->regime, d, &p, err, errlen) < 0)
				return -1;
			have = true;
		}
		struct rules_rat per_day = {1, rules_pint(&p, RULES_P_DAY_DIVISOR, 30)};
		if (rules_money_monthly(in, &p, d, &monthly, err, errlen) < 0)
			return -1;
		if (rules_rat_mul(monthly, per_day, &part) < 0 ||
		    rules_rat_add(sum, part, &sum) < 0)
			return rules_errf(err, errlen, "arithmetic overflow");
	}
	if (rules_rat_cmp(sum, *gross) < 0)
		*gross = sum;
	return 0;
}

/* Gross of the whole payout period: each day weighs monthly / days in its month
 * (monthly payouts) or monthly * 12 / 364 (biweekly), with that day's G and rate. */
static int
gross_sum(const struct rules_input *in, const struct rules_payout *po, struct rules_rat *out,
          char *err, size_t errlen)
{
	struct rules_params p;
	struct rules_rat sum = {0, 1}, run = {0, 1};
	int64_t run_days = 0, run_weight = 1;
	bool have = false;
	for (int32_t d = po->from; d <= po->to + 1; d++) {
		struct rules_rat monthly = {0, 1};
		int64_t weight = 364;
		if (d <= po->to) {
			if (!have || d > p.valid_until) {
				if (rules_params_at(in->regime, d, &p, err, errlen) < 0)
					return -1;
				have = true;
			}
			if (rules_money_monthly(in, &p, d, &monthly, err, errlen) < 0)
				return -1;
			if (po->monthly) {
				int y, m, dd;
				rules_ymd(d, &y, &m, &dd);
				weight = rules_days_in_month(y, m);
			}
		}
		/* Sum runs of equal day weights at once; flush when the value changes. */
		if (run_days &&
		    (d > po->to || rules_rat_cmp(monthly, run) != 0 || weight != run_weight)) {
			struct rules_rat part,
			    share = {po->monthly ? run_days : run_days * 12, run_weight};
			if (rules_rat_mul(run, share, &part) < 0 ||
			    rules_rat_add(sum, part, &sum) < 0)
				return rules_errf(err, errlen, "arithmetic overflow");
			run_days = 0;
		}
		if (d <= po->to) {
			if (run_days == 0) {
				run = monthly;
				run_weight = weight;
			}
			run_days++;
		}
	}
	*out = sum;
	return 0;
}

/*
 * gross_sum() through the caller's memo (rules.h): what it reads of the input is the
 * key, so a remembered gross or refusal is the one it would compute again.
 */
static int
gross_memo(const struct rules_input *in, const struct rules_payout *po, struct rules_rat *out,
           char *err, size_t errlen)
{
	struct rules_memo *m = in->memo;
	struct rules_memo_gross *e;

	if (m == NULL)
		return gross_sum(in, po, out, err, errlen);
	for (size_t i = 0; i < m->n; i++) {
		e = &m->gross[i];
		if (e->regime == in->regime && e->g == m->g && e->n_g == m->n_g &&
		    e->rate == in->participant.rate &&
		    e->monthly_benefit_ore == in->participant.monthly_benefit_ore &&
		    e->from == po->from && e->to == po->to && e->monthly == po->monthly) {
			if (e->rc == 0) {
				*out = e->gross;
				return 0;
			}
			return rules_errf(err, errlen, "%s", e->err);
		}
	}
	if (m->n == RULES_MEMO_MAX)
		return gross_sum(in, po, out, err, errlen);
	e = &m->gross[m->n++];
	*e = (struct rules_memo_gross){
	    .regime = in->regime,
	    .g = m->g,
	    .n_g = m->n_g,
	    .rate = in->participant.rate,
	    .monthly_benefit_ore = in->participant.monthly_benefit_ore,
	    .from = po->from,
	    .to = po->to,
	    .monthly = po->monthly,
	};
	e->rc = gross_sum(in, po, &e->gross, e->err, sizeof e->err);
	if (e->rc == 0) {
		*out = e->gross;
		return 0;
	}
	return rules_errf(err, errlen, "%s", e->err);
}

static int
payout_gross(const struct rules_input *in, struct rules_payout *po, char *err, size_t errlen)
{
	struct rules_rat sum;

	if (gross_memo(in, po, &sum, err, errlen) < 0 || prorate(in, po, &sum, err, errlen) < 0)
		return -1;
	po->gross = sum;
	po->gross_ore = rules_rat_round(sum);
	return 0;
}

static int
payout_decide(const struct rules_input *in, struct rules_payout *po, struct rules_rat ded,
              char *err, size_t errlen)
{
	struct rules_params p;
	if (rules_params_at(in->regime, po->to, &p, err, errlen) < 0)
		return -1;
	po->deduction_ore = rules_rat_round(ded);
	if (po->deduction_ore <= 0)
		return 0;
	if (p.num[RULES_P_DECISION_RULE] == RULES_DECISION_EVERY_DEDUCTION) {
		po->decision_required = true;
		return 0;
	}
	/* Both tests on the rounded deduction against exact thresholds. */
	struct rules_rat d = {po->deduction_ore, 1}, share;
	if (rules_rat_mul(po->gross, rules_prat(&p, RULES_P_DECISION_SHARE), &share) < 0)
		return rules_errf(err, errlen, "arithmetic overflow");
	bool decide = rules_rat_cmp(d, share) >= 0;
	if (decide && p.num[RULES_P_STIPEND_BASIS] == RULES_BASIS_G) {
		int64_t g;
		struct rules_rat gfrac;
		if (rules_g_at(in->g, in->n_g, po->to, &g, err, errlen) < 0)
			return -1;
		struct rules_rat gr = {g, 1};
		if (rules_rat_mul(gr, rules_prat(&p, RULES_P_DECISION_G_FRACTION), &gfrac) < 0)
			return rules_errf(err, errlen, "arithmetic overflow");
		decide = rules_rat_cmp(d, gfrac) >= 0;
	}
	po->decision_required = decide;
	return 0;
}

static int
payout_fill(const struct rules_input *in, struct rules_output *out, struct rules_payout *po,
            char *err, size_t errlen)
{
	struct rules_rat ded = {0, 1}, unpaid = {0, 1};
	struct rules_params p;
	if (payout_gross(in, po, err, errlen) < 0 ||
	    rules_params_at(in->regime, po->to, &p, err, errlen) < 0)
		return -1;
	bool assess = p.num[RULES_P_LATENESS_NEEDS_ASSESSMENT] == RULES_YES;
	for (size_t i = 0; i < out->n_days; i++) {
		struct rules_day *day = &out->days[i];
		if (day->date < po->from || day->date > po->to)
			continue;
		if (rules_rat_add(ded, day->deduction, &ded) < 0 ||
		    rules_rat_add(unpaid, day->unpaid_leave, &unpaid) < 0)
			return rules_errf(err, errlen, "arithmetic overflow");
		if (assess && (day->flags & (1u << RULES_FLAG_LATENESS)))
			po->needs_assessment = true;
		int32_t ref = in->as_of != INT32_MIN ? in->as_of : po->to;
		if (day->deadline != INT32_MIN && ref > day->deadline) {
			day->flags |= 1u << RULES_FLAG_PAST_DEADLINE;
			po->past_deadline = true;
		}
	}
	po->unpaid_leave_ore = rules_rat_round(unpaid);
	return payout_decide(in, po, ded, err, errlen);
}

int
rules_payouts(const struct rules_input *in, struct rules_output *out, char *err, size_t errlen)
{
	struct rules_params p;
	if (rules_params_at(in->regime, in->from, &p, err, errlen) < 0 ||
	    payout_periods(in, &p, &out->payouts, &out->n_payouts, err, errlen) < 0)
		return -1;
	struct rules_totals *t = &out->totals;
	for (size_t i = 0; i < out->n_payouts; i++) {
		if (payout_fill(in, out, &out->payouts[i], err, errlen) < 0)
			return -1;
		t->deduction_ore += out->payouts[i].deduction_ore;
		t->unpaid_leave_ore += out->payouts[i].unpaid_leave_ore;
	}
	for (size_t i = 0; i < out->n_days; i++) {
		const struct rules_day *day = &out->days[i];
		t->scheduled_min += day->scheduled_min;
		t->attended_min += day->attended_min;
		t->unexcused_min += day->unexcused_min;
		t->pending_min += day->pending_min;
		for (int c = 0; c < RULES_CAT_COUNT; c++)
			t->excused_min[c] += day->excused_min[c];
	}
	return 0;
}
