/*
 * period.c — pay periods and the stipend lines payroll pulls.  A closed period is
 * never recomputed: its lines and each participant's days are frozen at close, and
 * what changes later is carried as adjustment lines (differences) in the next open
 * period.  Money is the engine's exact arithmetic; rounding telescopes so that a
 * period's line plus its adjustments always equal its recomputed rounded deduction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attendance.h"
#include "config.h"
#include "errbuf.h"
#include "events.h"
#include "log.h"
#include "paydoc.h"
#include "period.h"
#include "scenario.h"
#include "store.h"

#define LIST_YEARS_BACK 3

struct period_close_prep;

struct period {
	struct store *s;
	struct attendance *a;
	const struct config *cfg;
	struct period_close_prep *prep; /* a close computed off the loop (period_close_offer) */
	unsigned long closes_prepared;
};

/* Minutes and exact money of a day, or of a difference of days. */
struct vals {
	int64_t sched, att, unexc;
	int64_t exc[RULES_CAT_COUNT];
	struct rules_rat ded, unpaid;
};

/* One stipend line (or adjustment) before it becomes JSON. */
struct line {
	const char *kind;
	int32_t from, to; /* the period the line is in */
	const struct store_participant *p;
	const char *currency;
	struct vals v;
	int64_t hour_value_ore, gross_ore, ded_ore, unpaid_ore;
	bool decision, assess, past_deadline;
	bool preliminary;                    /* some day of the line is future or open */
	int64_t pending;                     /* minutes of future and open days not yet judged */
	const struct store_period *corrects; /* adjustments */
	int32_t corrects_date;               /* INT32_MIN: the whole period (gross) */
};

int
period_open(struct period **out, struct store *s, struct attendance *a, const struct config *cfg,
            char *err, size_t errlen)
{
	struct period *p = calloc(1, sizeof(*p));

	*out = NULL;
	if (p == NULL)
		return errbuf_set(err, errlen, "out of memory");
	p->s = s;
	p->a = a;
	p->cfg = cfg;
	*out = p;
	return 0;
}

void
period_free(struct period *p)
{
	if (p)
		period_close_prep_free(p->prep);
	free(p);
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

void
period_bounds(const struct config *cfg, int32_t date, int32_t *from, int32_t *to)
{
	int32_t anchor;
	int y, m, d;

	if (strcmp(cfg->payroll.payout, "biweekly") == 0 &&
	    rules_date_parse(cfg->payroll.anchor, &anchor) == 0) {
		*from = anchor + (int32_t)(14 * floor_div(date - anchor, 14));
		*to = *from + 13;
		return;
	}
	rules_ymd(date, &y, &m, &d);
	*from = rules_date(y, m, 1);
	*to = *from + rules_days_in_month(y, m) - 1;
}

static int
ensure_at(struct period *p, int32_t date, struct store_period *out, char *err, size_t errlen)
{
	char f[11], t[11];
	int32_t from, to;

	period_bounds(p->cfg, date, &from, &to);
	rules_date_format(from, f, sizeof(f));
	rules_date_format(to, t, sizeof(t));
	/* RULES.md: no period is ever created for dates after the trusted today. */
	{
		char today[11];
		int min;

		attendance_local_now(today, &min);
		if (strcmp(f, today) > 0 && store_period_at(p->s, f, out) != 0)
			return errbuf_set(
			    err, errlen,
			    "no pay period is made for %s..%s: it starts after today (%s)", f, t,
			    today);
		if (strcmp(f, today) > 0)
			return 0;
	}
	if (store_period_ensure(p->s, f, t, out) < 0)
		return errbuf_set(err, errlen, "database: %s", store_errmsg(p->s));
	return 0;
}

int
period_ensure(struct period *p, const char *date, struct store_period *out, char *err,
              size_t errlen)
{
	int32_t d;

	if (rules_date_parse(date, &d) < 0)
		return errbuf_set(err, errlen, "date: expected YYYY-MM-DD, got \"%s\"", date);
	return ensure_at(p, d, out, err, errlen);
}

struct people {
	struct store_participant *v;
	size_t n, cap;
	int32_t until; /* programme started on or before this date */
	int32_t since; /* and had not ended before this date (INT32_MIN: any) */
	int all;       /* inactive ones too */
};

static int
collect_people(void *arg, const struct store_participant *sp)
{
	struct people *l = arg;
	int32_t start, end;

	if (!l->all &&
	    (!sp->active || rules_date_parse(sp->programme_start, &start) < 0 || start > l->until))
		return 0;
	/* Out of the programme before the period: no line (ruling 11). */
	if (!l->all && sp->programme_end[0] && rules_date_parse(sp->programme_end, &end) == 0 &&
	    end < l->since)
		return 0;
	if (l->n == l->cap) {
		size_t c = l->cap ? l->cap * 2 : 64;
		struct store_participant *v = realloc(l->v, c * sizeof(*v));

		if (v == NULL)
			return -1;
		l->v = v;
		l->cap = c;
	}
	l->v[l->n++] = *sp;
	return 0;
}

/*
 * Active participants in the programme during [since, until] (started by `until`, not
 * ended before `since`), by name; all = everyone.
 */
static int
people(struct period *p, int32_t since, int32_t until, int all, struct people *l, char *err,
       size_t errlen)
{
	memset(l, 0, sizeof(*l));
	l->since = since;
	l->until = until;
	l->all = all;
	if (store_participant_each(p->s, collect_people, l) < 0) {
		free(l->v);
		return errbuf_set(err, errlen, "database: %s", store_errmsg(p->s));
	}
	return 0;
}

/* The daemon's own bookkeeping (like adjustments): empty periods after today go. */
static int
drop_future(struct store *s, void *arg, char *err, size_t errlen)
{
	int n;

	if (store_periods_drop_future(s, arg, &n) < 0)
		return errbuf_set(err, errlen, "database: %s", store_errmsg(s));
	return 0;
}

int
period_list(struct period *p, struct store_period **out, size_t *n, char *err, size_t errlen)
{
	struct store_period sp;
	struct people l;
	char today[11], since[11];
	int32_t now, d, served;
	int min, dropped;

	*out = NULL;
	*n = 0;
	attendance_local_now(today, &min);
	rules_date_parse(today, &now);
	/* Periods a wrong clock made (after today, nothing in them) are removed. */
	if (store_periods_future(p->s, today, &dropped) < 0)
		return errbuf_set(err, errlen, "database: %s", store_errmsg(p->s));
	if (dropped && store_txn(p->s, drop_future, today, err, errlen) < 0)
		return -1;
	if (dropped)
		log_warn("period: removed %d empty period(s) after %s (made by a wrong clock)",
		         dropped, today);
	if (people(p, INT32_MIN, now, 0, &l, err, errlen) < 0)
		return -1;
	d = now;
	for (size_t i = 0; i < l.n; i++) {
		int32_t start;

		if (rules_date_parse(l.v[i].programme_start, &start) == 0 && start < d)
			d = start;
	}
	free(l.v);
	if (d < rules_add_months(now, -12 * LIST_YEARS_BACK))
		d = rules_add_months(now, -12 * LIST_YEARS_BACK);
	/* Days before the kiosk went into service were not observed: not payable. */
	if (attendance_results_from(p->a, since) == 0 && rules_date_parse(since, &served) == 0 &&
	    served > d)
		d = served;
	while (d <= now) {
		if (ensure_at(p, d, &sp, err, errlen) < 0)
			return -1;
		rules_date_parse(sp.to, &d);
		d++;
	}
	if (store_periods(p->s, out, n) < 0)
		return errbuf_set(err, errlen, "database: %s", store_errmsg(p->s));
	/*
	 * An open period that ended before the service date (made before the date was
	 * set or moved) is not offered; closed ones stay, they were paid.
	 */
	if (attendance_results_from(p->a, since) == 0) {
		size_t k = 0;

		for (size_t i = 0; i < *n; i++)
			if (strcmp((*out)[i].status, "closed") == 0 ||
			    strcmp((*out)[i].to, since) >= 0)
				(*out)[k++] = (*out)[i];
		*n = k;
	}
	return 0;
}

json_t *
period_json(const struct store_period *sp)
{
	const char *state;
	char at[32] = "";

	if (sp->closed_ms) {
		time_t secs = (time_t)(sp->closed_ms / 1000);
		struct tm tm;

		gmtime_r(&secs, &tm);
		strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	/* closed; ended once its last day is over (every day final); running before. */
	{
		char today[11];
		int min;

		attendance_local_now(today, &min);
		if (sp->closed_ms)
			state = "closed";
		else
			state = strcmp(today, sp->to) > 0 ? "ended" : "running";
	}
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:o}", "id", (json_int_t)sp->id, "from",
	                 sp->from, "to", sp->to, "status", sp->status, "state", state, "closed_at",
	                 at[0] ? json_string(at) : json_null(), "closed_by",
	                 sp->closed_by[0] ? json_string(sp->closed_by) : json_null());
}

/* --- values --- */

static void
vals_zero(struct vals *v)
{
	memset(v, 0, sizeof(*v));
	v->ded = v->unpaid = (struct rules_rat){0, 1};
}

static void
vals_of_day(const struct rules_day *d, struct vals *v)
{
	vals_zero(v);
	v->sched = d->scheduled_min;
	v->att = d->attended_min;
	v->unexc = d->unexcused_min;
	for (int c = 0; c < RULES_CAT_COUNT; c++)
		v->exc[c] = d->excused_min[c];
	v->ded = d->deduction;
	v->unpaid = d->unpaid_leave;
}

/* out = a + sign * b; -1 on overflow. */
static int
vals_add(const struct vals *a, const struct vals *b, int sign, struct vals *out)
{
	struct rules_rat bd = {sign * b->ded.num, b->ded.den},
	                 bu = {sign * b->unpaid.num, b->unpaid.den};
	struct vals r;

	r.sched = a->sched + sign * b->sched;
	r.att = a->att + sign * b->att;
	r.unexc = a->unexc + sign * b->unexc;
	for (int c = 0; c < RULES_CAT_COUNT; c++)
		r.exc[c] = a->exc[c] + sign * b->exc[c];
	if (rules_rat_add(a->ded, bd, &r.ded) < 0 || rules_rat_add(a->unpaid, bu, &r.unpaid) < 0)
		return -1;
	*out = r;
	return 0;
}

static bool
vals_equal(const struct vals *a, const struct vals *b)
{
	if (a->sched != b->sched || a->att != b->att || a->unexc != b->unexc ||
	    rules_rat_cmp(a->ded, b->ded) != 0 || rules_rat_cmp(a->unpaid, b->unpaid) != 0)
		return false;
	for (int c = 0; c < RULES_CAT_COUNT; c++)
		if (a->exc[c] != b->exc[c])
			return false;
	return true;
}

static json_t *
rat_json(struct rules_rat r)
{
	return json_pack("[I, I]", (json_int_t)r.num, (json_int_t)r.den);
}

static int
rat_parse(const json_t *j, struct rules_rat *r)
{
	json_int_t num, den;

	if (json_unpack((json_t *)j, "[I, I]", &num, &den) < 0 || den <= 0)
		return -1;
	*r = (struct rules_rat){num, den};
	return 0;
}

/* Minutes per category, the categories with none left out. */
static json_t *
excused_json(const int64_t *exc, bool hours)
{
	json_t *o = json_object();

	for (int c = 0; o && c < RULES_CAT_COUNT; c++) {
		char buf[32];

		if (exc[c] == 0)
			continue;
		if (hours)
			rules_ore_format(rules_rat_round((struct rules_rat){exc[c] * 100, 60}), buf,
			                 sizeof(buf));
		json_object_set_new(o, rules_category_name(c),
		                    hours ? json_string(buf) : json_integer(exc[c]));
	}
	return o;
}

/* The frozen form of a day: minutes and the exact values, nothing rounded. */
static char *
vals_dump(const struct vals *v)
{
	json_t *j =
	    json_pack("{s:I, s:I, s:I, s:o, s:o, s:o}", "s", (json_int_t)v->sched, "a",
	              (json_int_t)v->att, "u", (json_int_t)v->unexc, "e",
	              excused_json(v->exc, false), "d", rat_json(v->ded), "l", rat_json(v->unpaid));
	char *s = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

	json_decref(j);
	return s;
}

/* Read minutes (keys s/a/u/e or the line keys) and exact values back. */
static int
vals_load(const json_t *j, struct vals *v, bool line)
{
	const json_t *e = json_object_get(j, line ? "excused_min" : "e");
	const json_t *x = line ? json_object_get(j, "exact") : j;
	const char *key;
	json_t *val;

	vals_zero(v);
	v->sched = json_integer_value(json_object_get(j, line ? "scheduled_min" : "s"));
	v->att = json_integer_value(json_object_get(j, line ? "attended_min" : "a"));
	v->unexc = json_integer_value(json_object_get(j, line ? "unexcused_min" : "u"));
	json_object_foreach((json_t *)e, key, val)
	{
		int c = rules_category_parse(key);

		if (c >= 0)
			v->exc[c] = json_integer_value(val);
	}
	if (rat_parse(json_object_get(x, line ? "deduction" : "d"), &v->ded) < 0 ||
	    rat_parse(json_object_get(x, line ? "unpaid_leave" : "l"), &v->unpaid) < 0)
		return -1;
	return 0;
}

/* A money or hours string ("-12.50") back into øre / hundredths. */
static int
centi_parse(const json_t *j, int64_t *out)
{
	const char *s = json_string_value(j);
	int neg;

	if (s == NULL)
		return -1;
	neg = *s == '-';
	if (rules_ore_parse(s + neg, out) < 0)
		return -1;
	if (neg)
		*out = -*out;
	return 0;
}

/* --- lines --- */

static int64_t
centi_hours(int64_t min)
{
	return rules_rat_round((struct rules_rat){min * 100, 60});
}

static json_t *
line_json(const struct period *p, const struct line *l)
{
	json_t *o = json_pack(
	    "{s:s, s:o, s:o, s:s, s:s, s:I, s:I, s:o, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o,"
	    " s:o, s:b, s:b, s:b, s:s, s:s}",
	    "kind", l->kind, "period_from", scenario_date_json(l->from), "period_to",
	    scenario_date_json(l->to), "participant", l->p->ext_id, "name", l->p->name,
	    "scheduled_min", (json_int_t)l->v.sched, "attended_min", (json_int_t)l->v.att,
	    "excused_min", excused_json(l->v.exc, false), "unexcused_min", (json_int_t)l->v.unexc,
	    "scheduled_hours", scenario_money_json(centi_hours(l->v.sched)), "attended_hours",
	    scenario_money_json(centi_hours(l->v.att)), "excused_hours",
	    excused_json(l->v.exc, true), "unexcused_hours",
	    scenario_money_json(centi_hours(l->v.unexc)), "hour_value",
	    scenario_money_json(l->hour_value_ore), "gross", scenario_money_json(l->gross_ore),
	    "deduction", scenario_money_json(l->ded_ore), "unpaid_leave",
	    scenario_money_json(l->unpaid_ore), "decision_required", l->decision,
	    "needs_assessment", l->assess, "past_deadline", l->past_deadline, "pay_code",
	    p->cfg->payroll.pay_code, "currency", l->currency);

	if (o == NULL)
		return NULL;
	/* Day states and the amount to pay: a preliminary line says so in every format. */
	json_object_set_new(o, "pending_min", json_integer((json_int_t)l->pending));
	json_object_set_new(o, "pending_hours", scenario_money_json(centi_hours(l->pending)));
	json_object_set_new(o, "net",
	                    scenario_money_json(l->gross_ore - l->ded_ore - l->unpaid_ore));
	json_object_set_new(o, "preliminary", json_boolean(l->preliminary));
	if (l->corrects) {
		json_object_set_new(o, "corrects_period",
		                    json_pack("{s:I, s:s, s:s}", "id", (json_int_t)l->corrects->id,
		                              "from", l->corrects->from, "to", l->corrects->to));
		json_object_set_new(o, "corrects_date",
		                    l->corrects_date == INT32_MIN
		                        ? json_null()
		                        : scenario_date_json(l->corrects_date));
		/* The exact differences: what the next adjustment is computed from. */
		json_object_set_new(o, "exact",
		                    json_pack("{s:o, s:o}", "deduction", rat_json(l->v.ded),
		                              "unpaid_leave", rat_json(l->v.unpaid)));
	} else {
		json_object_set_new(o, "corrects_period", json_null());
		json_object_set_new(o, "corrects_date", json_null());
	}
	return o;
}

/*
 * A line as the CSV's cells: the values line_json() makes JSON of, the amounts as
 * øre (rules_ore_format prints both the same), the strings copied (the line's
 * participant goes with its computation).  0, -1 out of memory.
 */
static int
line_cells(const struct period *p, const struct line *l, struct paydoc_lines *d)
{
	struct paydoc_line *r = paydoc_lines_add(d);
	char f[11], t[11], cd[11] = "";
	const char *cf = l->corrects ? l->corrects->from : "",
	           *ct = l->corrects ? l->corrects->to : "";
	size_t len;
	char *q;

	if (r == NULL)
		return -1;
	rules_date_format(l->from, f, sizeof(f));
	rules_date_format(l->to, t, sizeof(t));
	if (l->corrects && l->corrects_date != INT32_MIN)
		rules_date_format(l->corrects_date, cd, sizeof(cd));
	len = strlen(l->p->ext_id) + strlen(l->p->name) + strlen(l->currency) + strlen(f) +
	      strlen(t) + strlen(cf) + strlen(ct) + strlen(cd) + 8;
	if ((r->text = q = malloc(len)) == NULL)
		return -1;
#define CELL_STR(col, v)                                                                           \
	do {                                                                                       \
		r->cell[col] = (struct paydoc_cell){.type = PAYDOC_CELL_STR, .s = q};              \
		q = stpcpy(q, (v)) + 1;                                                            \
	} while (0)
#define CELL_ORE(col, v) r->cell[col] = (struct paydoc_cell){.type = PAYDOC_CELL_ORE, .ore = (v)}
#define CELL_BOOL(col, v)                                                                          \
	r->cell[col] = (struct paydoc_cell)                                                        \
	{                                                                                          \
		.type = PAYDOC_CELL_BOOL, .b = (v)                                                 \
	}
	r->preliminary = l->preliminary;
	r->cell[PAYDOC_KIND] = (struct paydoc_cell){.type = PAYDOC_CELL_STR, .s = l->kind};
	CELL_STR(PAYDOC_PERIOD_FROM, f);
	CELL_STR(PAYDOC_PERIOD_TO, t);
	CELL_STR(PAYDOC_PARTICIPANT, l->p->ext_id);
	CELL_STR(PAYDOC_NAME, l->p->name);
	CELL_ORE(PAYDOC_SCHEDULED_HOURS, centi_hours(l->v.sched));
	CELL_ORE(PAYDOC_ATTENDED_HOURS, centi_hours(l->v.att));
	CELL_ORE(PAYDOC_PENDING_HOURS, centi_hours(l->pending));
	/* excused_json() leaves out the categories with none */
	for (int c = 0; c < RULES_CAT_UNEXCUSED; c++)
		if (l->v.exc[c] != 0)
			r->excused[c] = (struct paydoc_cell){.type = PAYDOC_CELL_ORE,
			                                     .ore = centi_hours(l->v.exc[c])};
	CELL_ORE(PAYDOC_UNEXCUSED_HOURS, centi_hours(l->v.unexc));
	CELL_ORE(PAYDOC_HOUR_VALUE, l->hour_value_ore);
	CELL_ORE(PAYDOC_GROSS, l->gross_ore);
	CELL_ORE(PAYDOC_DEDUCTION, l->ded_ore);
	CELL_ORE(PAYDOC_UNPAID_LEAVE, l->unpaid_ore);
	CELL_ORE(PAYDOC_NET, l->gross_ore - l->ded_ore - l->unpaid_ore);
	CELL_BOOL(PAYDOC_DECISION_REQUIRED, l->decision);
	CELL_BOOL(PAYDOC_NEEDS_ASSESSMENT, l->assess);
	CELL_BOOL(PAYDOC_PAST_DEADLINE, l->past_deadline);
	r->cell[PAYDOC_PAY_CODE] =
	    (struct paydoc_cell){.type = PAYDOC_CELL_STR, .s = p->cfg->payroll.pay_code};
	CELL_STR(PAYDOC_CURRENCY, l->currency);
	if (l->corrects) {
		CELL_STR(PAYDOC_CORRECTS_PERIOD_FROM, cf);
		CELL_STR(PAYDOC_CORRECTS_PERIOD_TO, ct);
		if (l->corrects_date != INT32_MIN)
			CELL_STR(PAYDOC_CORRECTS_DATE, cd);
	}
#undef CELL_STR
#undef CELL_ORE
#undef CELL_BOOL
	return 0;
}

static const struct rules_payout *
payout_of(const struct attendance_days *res, int32_t from, int32_t to)
{
	for (size_t i = 0; i < res->out.n_payouts; i++)
		if (res->out.payouts[i].from == from && res->out.payouts[i].to == to)
			return &res->out.payouts[i];
	return NULL;
}

/*
 * The line of one participant for [from, to] from a computation `res` that covers
 * it (and may cover more).  The payout must be exactly the period: [payroll]
 * payout/anchor set both.
 */
static int
line_fill(struct period *p, const struct attendance_days *res, int32_t from, int32_t to,
          struct line *l, char *err, size_t errlen)
{
	const struct rules_payout *po = payout_of(res, from, to);
	struct rules_rat hv;
	char f[11], t[11];

	rules_date_format(from, f, sizeof(f));
	rules_date_format(to, t, sizeof(t));
	if (po == NULL)
		return errbuf_set(err, errlen,
		                  "period %s..%s is not a payout period of participant %s "
		                  "(was [payroll] payout changed?)",
		                  f, t, res->participant.ext_id);
	memset(l, 0, sizeof(*l));
	vals_zero(&l->v);
	for (size_t i = 0; i < res->out.n_days; i++) {
		struct vals d;

		if (res->out.days[i].date < from || res->out.days[i].date > to)
			continue;
		if (res->state && res->state[i] != ATTENDANCE_DAY_FINAL) {
			l->preliminary = true;
			l->pending += res->pending_min[i];
		}
		vals_of_day(&res->out.days[i], &d);
		if (vals_add(&l->v, &d, 1, &l->v) < 0)
			return errbuf_set(err, errlen, "arithmetic overflow");
	}
	if (attendance_hour_value(p->a, res->participant.id, to, &hv, err, errlen) != 0)
		return -1;
	l->kind = "line";
	l->from = from;
	l->to = to;
	l->p = &res->participant;
	l->currency = res->currency;
	l->hour_value_ore = rules_rat_round(hv);
	l->gross_ore = po->gross_ore;
	l->ded_ore = po->deduction_ore;
	l->unpaid_ore = po->unpaid_leave_ore;
	l->decision = po->decision_required;
	l->assess = po->needs_assessment;
	l->past_deadline = po->past_deadline;
	l->corrects_date = INT32_MIN;
	return 0;
}

/* --- the stipend document --- */

/* A per-category total of the lines (excused minutes or hours), in the order keys first appear. */
struct cat_sums {
	const char *key[16]; /* the lines' own strings: the lines outlive the sums */
	int64_t sum[16];
	size_t n;
	bool overflow; /* more keys than the room: doc_totals() fails, as out of memory */
};

static int64_t *
cat_slot(struct cat_sums *c, const char *key)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->key[i], key) == 0)
			return &c->sum[i];
	if (c->n == sizeof(c->key) / sizeof(c->key[0])) {
		c->overflow = true;
		return NULL;
	}
	c->key[c->n] = key;
	c->sum[c->n] = 0;
	return &c->sum[c->n++];
}

static json_t *
cat_json(const struct cat_sums *c, bool money)
{
	json_t *o = json_object();

	for (size_t i = 0; o && i < c->n; i++)
		if (json_object_set_new(o, c->key[i],
		                        money ? scenario_money_json(c->sum[i])
		                              : json_integer(c->sum[i])) < 0) {
			json_decref(o);
			return NULL;
		}
	return o;
}

/*
 * Totals of the lines: minutes summed, hours and money summed as printed in the
 * lines.  The sums are kept in integers and made JSON once at the end (keys in the
 * order they were first set: the fixed ones, then the categories as they appear).
 */
static json_t *
doc_totals(const json_t *lines)
{
	static const char *const ints[] = {"scheduled_min", "attended_min", "unexcused_min"};
	static const char *const cents[] = {"scheduled_hours", "attended_hours", "unexcused_hours",
	                                    "gross",           "deduction",      "unpaid_leave"};
	int64_t isum[3] = {0}, csum[6] = {0};
	struct cat_sums exm = {.n = 0}, exh = {.n = 0};
	json_t *tot, *l;
	size_t i, nl = 0, na = 0;
	int rc = 0;

	json_array_foreach(lines, i, l)
	{
		const char *key;
		json_t *v;

		if (strcmp(json_string_value(json_object_get(l, "kind")), "line") == 0)
			nl++;
		else
			na++;
		for (size_t k = 0; k < 3; k++)
			isum[k] += json_integer_value(json_object_get(l, ints[k]));
		for (size_t k = 0; !rc && k < 6; k++) {
			int64_t add;

			if (centi_parse(json_object_get(l, cents[k]), &add) < 0)
				rc = -1;
			else
				csum[k] += add;
		}
		json_object_foreach(json_object_get(l, "excused_min"), key, v)
		{
			int64_t *t = cat_slot(&exm, key);

			if (t)
				*t += json_integer_value(v);
		}
		json_object_foreach(json_object_get(l, "excused_hours"), key, v)
		{
			int64_t *t = cat_slot(&exh, key), add;

			if (centi_parse(v, &add) < 0)
				rc = -1;
			else if (t)
				*t += add;
		}
		if (rc || exm.overflow || exh.overflow)
			return NULL;
	}
	if ((tot = json_object()) == NULL)
		return NULL;
	for (size_t k = 0; !rc && k < 3; k++)
		rc |= json_object_set_new(tot, ints[k], json_integer(isum[k]));
	for (size_t k = 0; !rc && k < 6; k++)
		rc |= json_object_set_new(tot, cents[k], scenario_money_json(csum[k]));
	if (!rc) {
		rc |= json_object_set_new(tot, "lines", json_integer((json_int_t)nl));
		rc |= json_object_set_new(tot, "adjustments", json_integer((json_int_t)na));
		rc |= json_object_set_new(tot, "excused_min", cat_json(&exm, false));
		rc |= json_object_set_new(tot, "excused_hours", cat_json(&exh, true));
	}
	if (rc) {
		json_decref(tot);
		return NULL;
	}
	return tot;
}

/*
 * Where a stipend document's lines go: a JSON array (the document) or the CSV's
 * lines (paydoc_lines: no JSON made per line).  Lines computed now come as struct
 * line, stored ones (a closed period's, adjustments) as their JSON, which the sink
 * takes.  Both are called in the document's order.
 */
struct line_sink {
	int (*computed)(struct line_sink *k, const struct period *p, const struct line *l);
	int (*stored)(struct line_sink *k, json_t *line);
};

/* Append the stored lines of `kind` (line | adjustment) of a period, in id order. */
static int
append_stored(struct period *p, int64_t id, const char *kind, struct line_sink *k, char *err,
              size_t errlen)
{
	struct store_period_line *l;
	size_t n;
	int rc = 0;

	if (store_period_lines(p->s, id, &l, &n) < 0)
		return errbuf_set(err, errlen, "database: %s", store_errmsg(p->s));
	for (size_t i = 0; i < n && rc == 0; i++) {
		json_t *j;

		if (strcmp(l[i].kind, kind) != 0)
			continue;
		if ((j = json_loads(l[i].json, 0, NULL)) == NULL || k->stored(k, j) < 0)
			rc = errbuf_set(err, errlen, "period %lld: a stored line is not JSON",
			                (long long)id);
	}
	store_period_lines_free(l, n);
	return rc;
}

/* The open period's lines, computed now, one per participant by name. */
static int
append_computed(struct period *p, const struct store_period *sp, struct line_sink *k,
                int64_t *final_at, char *err, size_t errlen)
{
	struct people ppl;
	int32_t from, to;
	int rc = 0;

	rules_date_parse(sp->from, &from);
	rules_date_parse(sp->to, &to);
	/* With nobody in it, the period ends at its last midnight. */
	*final_at = ((int64_t)to + 1) * RULES_MIN_PER_DAY;
	if (people(p, from, to, 0, &ppl, err, errlen) < 0)
		return -1;
	/* Every participant's inputs in a handful of queries, not ~10 each. */
	if (attendance_bulk_begin(p->a, from, to, err, errlen) < 0) {
		free(ppl.v);
		return -1;
	}
	for (size_t i = 0; i < ppl.n && rc == 0; i++) {
		struct attendance_days res;
		struct line l;

		if ((rc = attendance_compute(p->a, ppl.v[i].id, from, to, &res, err, errlen)) !=
		    0) {
			rc = -1;
			break;
		}
		if (res.final_at > *final_at)
			*final_at = res.final_at;
		if (line_fill(p, &res, from, to, &l, err, errlen) < 0)
			rc = -1;
		else if (k->computed(k, p, &l) < 0)
			rc = errbuf_set(err, errlen, "out of memory");
		attendance_days_free(&res);
	}
	attendance_bulk_end(p->a);
	free(ppl.v);
	return rc;
}

/*
 * A stipend document's lines into `k`: the period's (frozen if closed, else computed
 * now), then its adjustments.  0, 1 no such period, -1 with err.
 */
static int
stipend_lines(struct period *p, int64_t id, int reconcile, struct line_sink *k,
              struct store_period *sp, bool *closed, int64_t *final_at, char *err, size_t errlen)
{
	int rc;

	*final_at = 0;
	if ((rc = store_period_get(p->s, id, sp)) != 0)
		return rc < 0 ? errbuf_set(err, errlen, "database: %s", store_errmsg(p->s)) : 1;
	*closed = strcmp(sp->status, "closed") == 0;
	/* Changes that bypassed the change hook (a roster import) still get adjusted. */
	if (reconcile && !*closed && period_reconcile(p, 0, "", NULL, err, errlen) < 0)
		log_warn("period: adjustments: %s", err);
	rc = *closed ? append_stored(p, id, "line", k, err, errlen)
	             : append_computed(p, sp, k, final_at, err, errlen);
	if (rc == 0)
		rc = append_stored(p, id, "adjustment", k, err, errlen);
	return rc < 0 ? -1 : 0;
}

/* The JSON document's sink: each line as JSON in an array. */
struct json_lines {
	struct line_sink k;
	json_t *arr;
};

static int
json_computed(struct line_sink *k, const struct period *p, const struct line *l)
{
	json_t *j = line_json(p, l);

	return j ? json_array_append_new(((struct json_lines *)k)->arr, j) : -1;
}

static int
json_stored(struct line_sink *k, json_t *line)
{
	return json_array_append_new(((struct json_lines *)k)->arr, line);
}

/* The CSV's sink: each line as cells (paydoc_lines). */
struct csv_lines {
	struct line_sink k;
	struct paydoc_lines *d;
};

static int
csv_computed(struct line_sink *k, const struct period *p, const struct line *l)
{
	return line_cells(p, l, ((struct csv_lines *)k)->d);
}

static int
csv_stored(struct line_sink *k, json_t *line)
{
	struct paydoc_lines *d = ((struct csv_lines *)k)->d;
	struct paydoc_line *r;

	/* The cells point into the line: the document keeps it. */
	if (json_array_append_new(d->keep, line) < 0 || (r = paydoc_lines_add(d)) == NULL)
		return -1;
	paydoc_line_of_json(line, r);
	return 0;
}

/* A local minute (day * 1440 + minute) as "YYYY-MM-DDTHH:MM" (local time). */
static void
minute_format(int64_t m, char *buf, size_t len)
{
	char d[11];

	rules_date_format((int32_t)(m / RULES_MIN_PER_DAY), d, sizeof(d));
	snprintf(buf, len, "%sT%02d:%02d", d, (int)(m % RULES_MIN_PER_DAY / 60), (int)(m % 60));
}

static int
stipend(struct period *p, int64_t id, int reconcile, json_t **doc, char *err, size_t errlen)
{
	struct store_period sp;
	struct json_lines k = {{json_computed, json_stored}, json_array()};
	json_t *tot, *pj;
	int64_t final_at;
	bool closed;
	int rc;
	char at[24];

	*doc = NULL;
	if (k.arr == NULL)
		return errbuf_set(err, errlen, "out of memory");
	rc = stipend_lines(p, id, reconcile, &k.k, &sp, &closed, &final_at, err, errlen);
	if (rc != 0 || (tot = doc_totals(k.arr)) == NULL) {
		if (rc == 0)
			rc = errbuf_set(err, errlen, "out of memory");
		json_decref(k.arr);
		return rc;
	}
	/*
	 * RULES.md "The life of a pay period": running while a day is future or open
	 * (the document is preliminary), ended when every day is final, then closed.
	 */
	pj = period_json(&sp);
	if (pj && !closed) {
		bool running = attendance_local_minute() < final_at;

		minute_format(final_at, at, sizeof(at));
		json_object_set_new(pj, "state", json_string(running ? "running" : "ended"));
		json_object_set_new(pj, "closable_from", json_string(at));
	}
	*doc = json_pack("{s:o, s:b, s:o, s:o}", "period", pj, "preliminary",
	                 !closed && attendance_local_minute() < final_at, "lines", k.arr, "totals",
	                 tot);
	return *doc ? 0 : errbuf_set(err, errlen, "out of memory");
}

int
period_stipend_lines(struct period *p, int64_t id, struct paydoc_lines *d, char *err, size_t errlen)
{
	struct store_period sp;
	struct csv_lines k = {{csv_computed, csv_stored}, d};
	int64_t final_at;
	bool closed;
	int rc;

	memset(d, 0, sizeof(*d));
	if ((d->keep = json_array()) == NULL)
		return errbuf_set(err, errlen, "out of memory");
	if ((rc = stipend_lines(p, id, 0, &k.k, &sp, &closed, &final_at, err, errlen)) != 0) {
		paydoc_lines_free(d);
		return rc;
	}
	/* As stipend()'s "preliminary" and the period's from and to. */
	d->preliminary = !closed && attendance_local_minute() < final_at;
	snprintf(d->from, sizeof(d->from), "%s", sp.from);
	snprintf(d->to, sizeof(d->to), "%s", sp.to);
	return 0;
}

int
period_stipend(struct period *p, int64_t id, json_t **doc, char *err, size_t errlen)
{
	return stipend(p, id, 1, doc, err, errlen);
}

int
period_stipend_read(struct period *p, int64_t id, json_t **doc, char *err, size_t errlen)
{
	return stipend(p, id, 0, doc, err, errlen);
}

/* --- close --- */

/* A frozen participant: the line and the days, serialized before anything is written. */
struct frozen {
	int64_t pid;
	char ext_id[40];
	char *line;
	json_t *line_json;
	size_t n_days;
	char (*dates)[11];
	char **days;
	bool preliminary;
	int64_t final_at;
};

static void
frozen_free(struct frozen *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(f[i].line);
		json_decref(f[i].line_json);
		for (size_t k = 0; k < f[i].n_days; k++)
			free(f[i].days[k]);
		free(f[i].days);
		free(f[i].dates);
	}
	free(f);
}

static int
freeze_one(struct period *p, const struct store_participant *sp, int32_t from, int32_t to,
           struct frozen *f, char *err, size_t errlen)
{
	struct attendance_days res;
	struct line l;
	int rc = 0;

	if (attendance_compute(p->a, sp->id, from, to, &res, err, errlen) != 0)
		return -1;
	f->pid = sp->id;
	f->preliminary = res.preliminary;
	f->final_at = res.final_at;
	snprintf(f->ext_id, sizeof(f->ext_id), "%s", sp->ext_id);
	if (line_fill(p, &res, from, to, &l, err, errlen) < 0) {
		attendance_days_free(&res);
		return -1;
	}
	if ((f->line_json = line_json(p, &l)) == NULL ||
	    (f->line = json_dumps(f->line_json, JSON_COMPACT)) == NULL) {
		attendance_days_free(&res);
		return errbuf_set(err, errlen, "out of memory");
	}
	f->days = calloc(res.out.n_days, sizeof(*f->days));
	f->dates = calloc(res.out.n_days, sizeof(*f->dates));
	for (size_t i = 0; f->days && f->dates && i < res.out.n_days; i++) {
		struct vals v;

		vals_of_day(&res.out.days[i], &v);
		rules_date_format(res.out.days[i].date, f->dates[i], sizeof(f->dates[i]));
		if ((f->days[i] = vals_dump(&v)) == NULL)
			break;
		f->n_days++;
	}
	if (f->n_days != res.out.n_days)
		rc = errbuf_set(err, errlen, "out of memory");
	attendance_days_free(&res);
	return rc;
}

/* Every participant's frozen line and days of a period: f[0..n).  0 or -1 (err). */
static int
close_compute(struct period *p, int32_t from, int32_t to, struct frozen **fo, size_t *no, char *err,
              size_t errlen)
{
	struct people ppl;
	struct frozen *f;
	int rc = 0;

	*fo = NULL;
	*no = 0;
	if (people(p, from, to, 0, &ppl, err, errlen) < 0)
		return -1;
	if ((f = calloc(ppl.n ? ppl.n : 1, sizeof(*f))) == NULL) {
		free(ppl.v);
		return errbuf_set(err, errlen, "out of memory");
	}
	/* Every participant's inputs in a handful of queries, not ~10 each. */
	if ((rc = attendance_bulk_begin(p->a, from, to, err, errlen)) == 0) {
		for (size_t i = 0; i < ppl.n && rc == 0; i++)
			rc = freeze_one(p, &ppl.v[i], from, to, &f[i], err, errlen);
		attendance_bulk_end(p->a);
	}
	free(ppl.v);
	if (rc < 0) {
		frozen_free(f, ppl.n);
		return -1;
	}
	*fo = f;
	*no = ppl.n;
	return 0;
}

struct period_close_prep {
	int64_t id;
	int64_t token[2];
	struct frozen *f;
	size_t n;
};

void
period_close_prep_free(struct period_close_prep *prep)
{
	if (prep == NULL)
		return;
	frozen_free(prep->f, prep->n);
	free(prep);
}

struct period_close_prep *
period_close_prepare(struct period *p, int64_t id, const int64_t token[2])
{
	struct period_close_prep *prep;
	struct store_period sp;
	int32_t from, to;
	char err[512];

	if (store_period_get(p->s, id, &sp) != 0 || strcmp(sp.status, "open") != 0)
		return NULL;
	if ((prep = calloc(1, sizeof(*prep))) == NULL)
		return NULL;
	prep->id = id;
	memcpy(prep->token, token, sizeof(prep->token));
	rules_date_parse(sp.from, &from);
	rules_date_parse(sp.to, &to);
	if (close_compute(p, from, to, &prep->f, &prep->n, err, sizeof(err)) < 0) {
		/* The close on the loop computes again and says why. */
		free(prep);
		return NULL;
	}
	return prep;
}

void
period_close_offer(struct period *p, struct period_close_prep *prep)
{
	period_close_prep_free(p->prep);
	p->prep = prep;
}

unsigned long
period_closes_prepared(const struct period *p)
{
	return p->closes_prepared;
}

/* The prepared lines of period `id` if nothing was written since they were asked for. */
static int
take_prepared(struct period *p, int64_t id, struct frozen **f, size_t *n)
{
	struct period_close_prep *prep = p->prep;
	int64_t now[2];

	if (prep == NULL || prep->id != id)
		return 0;
	if (store_write_token(p->s, now) < 0 || now[0] != prep->token[0] ||
	    now[1] != prep->token[1]) {
		log_info("period: %lld: written to since its lines were computed ahead; "
		         "computing them again",
		         (long long)id);
		return 0;
	}
	*f = prep->f;
	*n = prep->n;
	prep->f = NULL;
	prep->n = 0;
	return 1;
}

int
period_close(struct period *p, int64_t id, const char *who, const char *why, char **detail_out,
             char *err, size_t errlen)
{
	struct store_period sp;
	struct frozen *f = NULL;
	char today[11], *ev = NULL, *detail = NULL, evid[40];
	int32_t from, to;
	int rc, min, prepared;
	size_t n = 0;

	if (why && period_reason_check(why, err, errlen) < 0)
		return -1;
	if ((rc = store_period_get(p->s, id, &sp)) != 0)
		return rc < 0 ? errbuf_set(err, errlen, "database: %s", store_errmsg(p->s)) : 1;
	if (strcmp(sp.status, "open") != 0)
		return 2;
	attendance_local_now(today, &min);
	if (strcmp(sp.from, today) > 0)
		return 3;
	rules_date_parse(sp.from, &from);
	rules_date_parse(sp.to, &to);
	/* Everything computed first (or ahead, off the loop): a refusal writes nothing. */
	prepared = take_prepared(p, id, &f, &n);
	period_close_offer(p, NULL);
	if (!prepared && close_compute(p, from, to, &f, &n, err, errlen) < 0)
		return -1;
	rc = 0;
	/* Only a period whose every day is final can close; say from when it can. */
	{
		int64_t final_at = ((int64_t)to + 1) * RULES_MIN_PER_DAY;
		bool prelim = false;

		for (size_t i = 0; i < n; i++) {
			prelim |= f[i].preliminary;
			final_at = f[i].final_at > final_at ? f[i].final_at : final_at;
		}
		if (prelim || attendance_local_minute() < final_at) {
			char at[24];

			minute_format(final_at, at, sizeof(at));
			errbuf_set(
			    err, errlen,
			    "period %s..%s has days that are not final yet; it can be closed "
			    "from %s",
			    sp.from, sp.to, at);
			rc = 4;
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct store_period_line sl = {
		    .period_id = id, .participant_id = f[i].pid, .kind = "line", .json = f[i].line};
		json_t *data = json_deep_copy(f[i].line_json);

		json_object_set_new(data, "period_id", json_integer(id));
		if (store_period_line_add(p->s, &sl, NULL) < 0 ||
		    (ev = events_make("period_result", f[i].ext_id, data, evid)) == NULL ||
		    store_event_add(p->s, evid, "period_result", ev) < 0)
			goto dberr;
		free(ev);
		ev = NULL;
		for (size_t k = 0; k < f[i].n_days; k++)
			if (store_period_day_add(p->s, id, f[i].pid, f[i].dates[k], f[i].days[k]) <
			    0)
				goto dberr;
	}
	{
		json_t *d = json_pack("{s:I, s:s, s:s, s:s, s:I}", "period", (json_int_t)id, "from",
		                      sp.from, "to", sp.to, "reason", why && *why ? why : "",
		                      "lines", (json_int_t)n);

		detail = d ? json_dumps(d, JSON_COMPACT) : NULL;
		json_decref(d);
	}
	if (detail == NULL) {
		rc = errbuf_set(err, errlen, "out of memory");
		goto out;
	}
	if (store_period_close(p->s, id, who) != 0)
		goto dberr;
	if (prepared)
		p->closes_prepared++;
	log_info("period: %s..%s closed by %s (%zu lines%s)", sp.from, sp.to, who, n,
	         prepared ? ", computed off the loop" : "");
	*detail_out = detail;
	detail = NULL;
	rc = 0;
	goto out;
dberr:
	/* Read now: the command rolls back after this returns. */
	rc = errbuf_set(err, errlen, "database: %s", store_errmsg(p->s));
out:
	free(ev);
	free(detail);
	frozen_free(f, n);
	return rc;
}

/* --- adjustments --- */

/* The first open period after `after` (created on demand). */
static int
next_open(struct period *p, int32_t after, struct store_period *out, char *err, size_t errlen)
{
	int32_t d = after + 1;

	for (int guard = 0; guard < 1000; guard++) {
		if (ensure_at(p, d, out, err, errlen) < 0)
			return -1;
		if (strcmp(out->status, "open") == 0)
			return 0;
		rules_date_parse(out->to, &d);
		d++;
	}
	return errbuf_set(err, errlen, "no open period after a thousand closed ones");
}

struct accounted {
	int32_t from;
	size_t n;
	struct vals *day; /* frozen + adjustments, per day of the period */
};

static int
frozen_day(void *arg, const char *date, const char *text)
{
	struct accounted *acc = arg;
	json_t *j = json_loads(text, 0, NULL);
	int32_t d;
	int rc = -1;

	if (j && rules_date_parse(date, &d) == 0 && d >= acc->from &&
	    (size_t)(d - acc->from) < acc->n)
		rc = vals_load(j, &acc->day[d - acc->from], false);
	json_decref(j);
	return rc;
}

/*
 * One closed period of one participant: what was paid (the frozen line plus its
 * adjustments) against `res` now; the differences become adjustment lines.
 */
static int
reconcile_in_txn(struct period *p, const struct store_period *cp, const struct attendance_days *res,
                 int *added, char *err, size_t errlen)
{
	const struct store_participant *pt = &res->participant;
	const struct rules_payout *po;
	struct store_period_line frozen, *adj = NULL;
	struct store_period target;
	struct accounted acc = {0};
	struct rules_rat paid_exact = {0, 1}, unpaid_exact = {0, 1};
	int64_t paid_ore = 0, unpaid_ore = 0, gross_ore = 0, v;
	size_t n_adj = 0, n_new = 0;
	int32_t from, to;
	struct rules_rat hv;
	int rc = -1;
	json_t *lines = NULL, *j;

	rules_date_parse(cp->from, &from);
	rules_date_parse(cp->to, &to);
	if ((po = payout_of(res, from, to)) == NULL)
		return 0; /* the payroll calendar changed; the old period stays as it was */
	if (attendance_hour_value(p->a, pt->id, to, &hv, err, errlen) != 0)
		return -1;
	acc.from = from;
	acc.n = (size_t)(to - from + 1);
	if ((acc.day = calloc(acc.n, sizeof(*acc.day))) == NULL || (lines = json_array()) == NULL) {
		free(acc.day);
		return errbuf_set(err, errlen, "out of memory");
	}
	for (size_t i = 0; i < acc.n; i++)
		vals_zero(&acc.day[i]);
	/* Read what was paid inside the write transaction: two writers cannot both add. */
	if ((rc = store_period_line_get(p->s, cp->id, pt->id, &frozen)) < 0) {
		rc = errbuf_set(err, errlen, "database: %s", store_errmsg(p->s));
		goto out;
	}
	/*
	 * No line: the participant was added after the close (active, in the programme
	 * by the period's end).  Nothing was paid, so the whole line comes as
	 * adjustments in the next open period.  Anyone else has nothing to adjust.
	 */
	if (rc == 1 &&
	    !(pt->active && pt->programme_start[0] && strcmp(pt->programme_start, cp->to) <= 0)) {
		rc = 0;
		goto out;
	}
	j = rc == 1 ? json_pack("{s:s, s:s, s:s}", "deduction", "0.00", "unpaid_leave", "0.00",
	                        "gross", "0.00")
	            : json_loads(frozen.json, 0, NULL);
	if (rc == 0)
		free(frozen.json);
	if (j == NULL || centi_parse(json_object_get(j, "deduction"), &paid_ore) < 0 ||
	    centi_parse(json_object_get(j, "unpaid_leave"), &unpaid_ore) < 0 ||
	    centi_parse(json_object_get(j, "gross"), &gross_ore) < 0) {
		json_decref(j);
		rc = errbuf_set(err, errlen, "period %lld: the frozen line of %s is damaged",
		                (long long)cp->id, pt->ext_id);
		goto out;
	}
	json_decref(j);
	if (store_period_days(p->s, cp->id, pt->id, frozen_day, &acc) < 0 ||
	    store_period_corrections(p->s, cp->id, pt->id, &adj, &n_adj) < 0)
		goto dberr;
	for (size_t i = 0; i < n_adj; i++) {
		struct vals a;
		int32_t d;

		if ((j = json_loads(adj[i].json, 0, NULL)) == NULL)
			goto dberr;
		rc = 0;
		if (centi_parse(json_object_get(j, "deduction"), &v) == 0)
			paid_ore += v;
		if (centi_parse(json_object_get(j, "unpaid_leave"), &v) == 0)
			unpaid_ore += v;
		if (centi_parse(json_object_get(j, "gross"), &v) == 0)
			gross_ore += v;
		if (adj[i].corrects_date[0] && rules_date_parse(adj[i].corrects_date, &d) == 0 &&
		    d >= from && d <= to && vals_load(j, &a, true) == 0)
			rc = vals_add(&acc.day[d - from], &a, 1, &acc.day[d - from]);
		json_decref(j);
		if (rc < 0)
			goto overflow;
	}
	for (size_t i = 0; i < acc.n; i++)
		if (rules_rat_add(paid_exact, acc.day[i].ded, &paid_exact) < 0 ||
		    rules_rat_add(unpaid_exact, acc.day[i].unpaid, &unpaid_exact) < 0)
			goto overflow;
	if (next_open(p, to, &target, err, errlen) < 0) {
		rc = -1;
		goto out;
	}
	rules_date_parse(target.from, &from);
	rules_date_parse(target.to, &to);
	for (size_t i = 0; i < res->out.n_days; i++) {
		const struct rules_day *day = &res->out.days[i];
		struct vals now, diff;
		struct line l;
		struct rules_rat t, u;
		size_t k;

		if (day->date < acc.from || (k = (size_t)(day->date - acc.from)) >= acc.n)
			continue;
		vals_of_day(day, &now);
		if (vals_equal(&now, &acc.day[k]))
			continue;
		/*
		 * Telescoping: this adjustment's money is the rounded new running total
		 * minus what was paid so far, so the rounded sums stay exact.
		 */
		if (vals_add(&now, &acc.day[k], -1, &diff) < 0 ||
		    rules_rat_add(paid_exact, diff.ded, &t) < 0 ||
		    rules_rat_add(unpaid_exact, diff.unpaid, &u) < 0)
			goto overflow;
		memset(&l, 0, sizeof(l));
		l.kind = "adjustment";
		l.from = from;
		l.to = to;
		l.p = pt;
		l.currency = res->currency;
		l.v = diff;
		l.hour_value_ore = rules_rat_round(hv);
		l.ded_ore = rules_rat_round(t) - paid_ore;
		l.unpaid_ore = rules_rat_round(u) - unpaid_ore;
		l.decision = po->decision_required && l.ded_ore > 0;
		l.assess = po->needs_assessment && l.ded_ore > 0;
		l.past_deadline = po->past_deadline;
		l.corrects = cp;
		l.corrects_date = day->date;
		paid_exact = t;
		unpaid_exact = u;
		paid_ore += l.ded_ore;
		unpaid_ore += l.unpaid_ore;
		acc.day[k] = now;
		if ((j = line_json(p, &l)) == NULL || json_array_append_new(lines, j) < 0)
			goto oom;
	}
	/* A new G changes the gross of the whole period: one line without a day. */
	if (po->gross_ore != gross_ore) {
		struct line l = {.kind = "adjustment",
		                 .from = from,
		                 .to = to,
		                 .p = pt,
		                 .currency = res->currency,
		                 .gross_ore = po->gross_ore - gross_ore,
		                 .hour_value_ore = rules_rat_round(hv),
		                 .corrects = cp,
		                 .corrects_date = INT32_MIN};

		vals_zero(&l.v);
		if ((j = line_json(p, &l)) == NULL || json_array_append_new(lines, j) < 0)
			goto oom;
	}
	for (size_t i = 0; i < json_array_size(lines); i++) {
		json_t *lj = json_array_get(lines, i), *data;
		struct store_period_line sl = {.period_id = target.id,
		                               .participant_id = pt->id,
		                               .kind = "adjustment",
		                               .corrects_period = cp->id};
		const char *cd = json_string_value(json_object_get(lj, "corrects_date"));
		char evid[40], *ev;

		snprintf(sl.corrects_date, sizeof(sl.corrects_date), "%s", cd ? cd : "");
		sl.json = json_dumps(lj, JSON_COMPACT);
		data = json_deep_copy(lj);
		json_object_set_new(data, "period_id", json_integer(target.id));
		/* On the wire corrects_period is the period's id (uploader/openapi.yaml). */
		json_object_set_new(data, "corrects_period", json_integer(cp->id));
		json_object_set_new(data, "corrects_period_from", json_string(cp->from));
		json_object_set_new(data, "corrects_period_to", json_string(cp->to));
		ev = events_make("adjustment", pt->ext_id, data, evid);
		rc = sl.json && ev && store_period_line_add(p->s, &sl, NULL) == 0 &&
		             store_event_add(p->s, evid, "adjustment", ev) == 0
		         ? 0
		         : -1;
		free(sl.json);
		free(ev);
		if (rc < 0)
			goto dberr;
		n_new++;
	}
	if (n_new) {
		char detail[256];

		snprintf(detail, sizeof(detail),
		         "{\"participant\":\"%s\",\"corrects_period\":%lld,\"period\":%lld,"
		         "\"lines\":%zu}",
		         pt->ext_id, (long long)cp->id, (long long)target.id, n_new);
		if (store_audit(p->s, "stempeld", "period.adjust", detail) < 0)
			goto dberr;
	}
	if (added)
		*added += (int)n_new;
	rc = 0;
	goto out;
overflow:
	rc = errbuf_set(err, errlen, "arithmetic overflow");
	goto out;
oom:
	rc = errbuf_set(err, errlen, "out of memory");
	goto out;
dberr:
	rc = errbuf_set(err, errlen, "database: %s", store_errmsg(p->s));
out:
	store_period_lines_free(adj, n_adj);
	free(acc.day);
	json_decref(lines);
	return rc;
}

struct reconcile_args {
	struct period *p;
	const struct store_period *cp;
	const struct attendance_days *res;
	int *added;
};

static int
reconcile_txn(struct store *s, void *arg, char *err, size_t errlen)
{
	struct reconcile_args *x = arg;

	return reconcile_in_txn(x->p, x->cp, x->res, x->added, err, errlen);
}

/* reconcile_in_txn() in a transaction of its own (store_txn rolls back on failure). */
static int
reconcile_period(struct period *p, const struct store_period *cp, const struct attendance_days *res,
                 int *added, char *err, size_t errlen)
{
	struct reconcile_args x = {p, cp, res, added};

	return store_txn(p->s, reconcile_txn, &x, err, errlen);
}

static int
reconcile_one(struct period *p, int64_t pid, int32_t from, int *added, char *err, size_t errlen)
{
	struct store_period *cp;
	struct attendance_days res;
	size_t n, k = 0;
	int32_t lo = INT32_MAX, hi = INT32_MIN, f, t;
	int rc = 0;

	struct store_participant pt;

	/* Every closed period: one closed before the participant was added has no line. */
	if (store_participant_get(p->s, pid, &pt) != 0 || store_periods(p->s, &cp, &n) < 0)
		return errbuf_set(err, errlen, "database: %s", store_errmsg(p->s));
	/* A change on `from` cannot alter days before it. */
	for (size_t i = 0; i < n; i++) {
		rules_date_parse(cp[i].from, &f);
		rules_date_parse(cp[i].to, &t);
		if (t < from || strcmp(cp[i].status, "closed") != 0 ||
		    strcmp(cp[i].to, pt.programme_start) < 0)
			continue;
		cp[k++] = cp[i];
		lo = f < lo ? f : lo;
		hi = t > hi ? t : hi;
	}
	/* One computation over all of them; period by period if one cannot be computed. */
	if (k > 0 && attendance_compute(p->a, pid, lo, hi, &res, err, errlen) == 0) {
		for (size_t i = 0; i < k && rc == 0; i++)
			rc = reconcile_period(p, &cp[i], &res, added, err, errlen);
		attendance_days_free(&res);
	} else {
		for (size_t i = 0; i < k; i++) {
			char why[512];

			rules_date_parse(cp[i].from, &f);
			rules_date_parse(cp[i].to, &t);
			if (attendance_compute(p->a, pid, f, t, &res, why, sizeof(why)) != 0) {
				/* Left for later: the next change or close retries it. */
				snprintf(err, errlen, "%s", why);
				rc = -1;
				continue;
			}
			if (reconcile_period(p, &cp[i], &res, added, why, sizeof(why)) < 0) {
				snprintf(err, errlen, "%s", why);
				rc = -1;
			}
			attendance_days_free(&res);
		}
	}
	free(cp);
	return rc;
}

int
period_reconcile(struct period *p, int64_t pid, const char *from, int *added, char *err,
                 size_t errlen)
{
	struct people ppl;
	int32_t f = INT32_MIN;
	int rc = 0;

	if (added)
		*added = 0;
	if (from && *from && rules_date_parse(from, &f) < 0)
		return errbuf_set(err, errlen, "from: expected YYYY-MM-DD, got \"%s\"", from);
	if (pid)
		return reconcile_one(p, pid, f, added, err, errlen);
	if (people(p, INT32_MIN, INT32_MAX, 1, &ppl, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < ppl.n; i++) {
		char why[512];

		if (reconcile_one(p, ppl.v[i].id, f, added, why, sizeof(why)) < 0) {
			if (rc == 0)
				snprintf(err, errlen, "%s", why);
			rc = -1;
		}
	}
	free(ppl.v);
	return rc;
}

void
period_on_change(void *arg, int64_t pid, const char *from)
{
	struct period *p = arg;
	char err[512];
	int added = 0;

	if (period_reconcile(p, pid, from, &added, err, sizeof(err)) < 0)
		log_warn("period: adjustments after a change: %s", err);
	else if (added)
		log_info("period: %d adjustment line(s) after a change", added);
}

/* --- the basis for a decision --- */

static json_t *
hhmm(int min)
{
	char b[8];

	snprintf(b, sizeof(b), "%02d:%02d", min / 60 % 24, min % 60);
	return json_string(b);
}

/* A rational as "num/den" for a reader, e.g. the decision share "1/2". */
static json_t *
frac_json(int64_t num, int64_t den)
{
	char b[48];

	snprintf(b, sizeof(b), "%lld/%lld", (long long)num, (long long)den);
	return json_string(b);
}

/* The participant's line (and adjustments) of period `sp`: frozen if closed, else `res`'s. */
static int
basis_lines(struct period *p, const struct store_period *sp, const struct attendance_days *res,
            int32_t from, int32_t to, json_t **line, json_t *adj, char *err, size_t errlen)
{
	struct store_period_line *l;
	size_t n;
	int rc = 0;

	*line = NULL;
	if (strcmp(sp->status, "closed") == 0) {
		struct store_period_line fr;

		if ((rc = store_period_line_get(p->s, sp->id, res->participant.id, &fr)) < 0)
			return errbuf_set(err, errlen, "database: %s", store_errmsg(p->s));
		if (rc == 0) {
			*line = json_loads(fr.json, 0, NULL);
			free(fr.json);
		}
	} else {
		struct line ln;

		if (line_fill(p, res, from, to, &ln, err, errlen) < 0)
			return -1;
		*line = line_json(p, &ln);
	}
	if (store_period_lines(p->s, sp->id, &l, &n) < 0)
		return errbuf_set(err, errlen, "database: %s", store_errmsg(p->s));
	for (size_t i = 0; i < n; i++)
		if (!strcmp(l[i].kind, "adjustment") && l[i].participant_id == res->participant.id)
			json_array_append_new(adj, json_loads(l[i].json, 0, NULL));
	store_period_lines_free(l, n);
	return 0;
}

/* Both enkeltvedtak tests with their numbers (RULES.md "Deductions"). */
static json_t *
basis_tests(struct period *p, const struct attendance_days *res, int32_t from, int32_t to,
            const json_t *line)
{
	const struct rules_payout *po = payout_of(res, from, to);
	const struct rules_param_version *rule =
	    rules_param_at(res->rules, RULES_P_DECISION_RULE, to);
	const struct rules_param_version *share =
	    rules_param_at(res->rules, RULES_P_DECISION_SHARE, to);
	const struct rules_param_version *gf =
	    rules_param_at(res->rules, RULES_P_DECISION_G_FRACTION, to);
	int64_t ded = 0, g = 0;
	struct rules_rat t;
	char why[256];
	json_t *o;

	centi_parse(json_object_get(line, "deduction"), &ded);
	o = json_pack("{s:o, s:o, s:s}", "deduction", scenario_money_json(ded), "gross",
	              po ? scenario_money_json(po->gross_ore) : json_null(), "rule",
	              rule && rule->num == RULES_DECISION_EVERY_DEDUCTION ? "every_deduction"
	                                                                  : "threshold");
	if (o == NULL || po == NULL)
		return o;
	if (share && share->den &&
	    rules_rat_mul(po->gross, (struct rules_rat){share->num, share->den}, &t) == 0) {
		json_object_set_new(
		    o, "share_test",
		    json_pack("{s:o, s:o, s:b}", "share", frac_json(share->num, share->den),
		              "threshold", scenario_money_json(rules_rat_round(t)), "met",
		              rules_rat_cmp((struct rules_rat){ded, 1}, t) >= 0 && ded > 0));
	}
	if (gf && gf->den &&
	    attendance_g_at(p->a, res->participant.id, to, &g, why, sizeof(why)) == 0 &&
	    rules_rat_mul((struct rules_rat){g, 1}, (struct rules_rat){gf->num, gf->den}, &t) ==
	        0) {
		json_object_set_new(
		    o, "g_test",
		    json_pack("{s:o, s:o, s:o, s:b}", "g", scenario_money_json(g), "fraction",
		              frac_json(gf->num, gf->den), "threshold",
		              scenario_money_json(rules_rat_round(t)), "met",
		              rules_rat_cmp((struct rules_rat){ded, 1}, t) >= 0 && ded > 0));
	} else {
		json_object_set_new(o, "g_test", json_null());
	}
	json_object_set(o, "decision_required", json_object_get(line, "decision_required"));
	return o;
}

/* Every day: sessions, taps, registrations, minutes by category, hour value and amount. */
static int
basis_days(struct period *p, const struct attendance_days *res, json_t *days,
           const struct store_absence_row *abs, size_t n_abs, char *err, size_t errlen)
{
	json_t *d;
	size_t i;

	json_array_foreach(days, i, d)
	{
		const struct rules_day *day = &res->out.days[i];
		const struct attendance_sessions *ss = &res->sessions[i];
		struct attendance_tap *taps = NULL;
		json_t *sj = json_array(), *tj = json_array(), *rj = json_array();
		struct rules_rat hv;
		char date[11];
		size_t nt = 0;

		if (i >= res->out.n_days)
			break;
		rules_date_format(day->date, date, sizeof(date));
		for (size_t k = 0; k < ss->n; k++)
			json_array_append_new(
			    sj, json_pack("{s:o, s:o, s:b}", "start", hhmm(ss->start[k]), "end",
			                  hhmm(ss->end[k]), "off_site", ss->off_site[k]));
		if (attendance_taps_on(p->a, res->participant.id, date, &taps, &nt, err, errlen) <
		    0) {
			json_decref(sj);
			json_decref(tj);
			json_decref(rj);
			return -1;
		}
		for (size_t k = 0; k < nt; k++)
			json_array_append_new(tj, json_pack("{s:o, s:s, s:b}", "time",
			                                    hhmm(taps[k].minute), "direction",
			                                    taps[k].direction, "corrected",
			                                    taps[k].corrected != 0));
		free(taps);
		for (size_t k = 0; k < n_abs; k++) {
			const struct store_absence_row *r = &abs[k];

			if (strcmp(r->a.from_date, date) > 0 || strcmp(r->a.to_date, date) < 0)
				continue;
			json_array_append_new(
			    rj, json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:s, s:s}", "id",
			                  r->a.uuid, "category", r->a.category, "from",
			                  r->a.from_date, "to", r->a.to_date, "start",
			                  r->start_min >= 0 ? hhmm(r->start_min) : json_null(),
			                  "end", r->end_min >= 0 ? hhmm(r->end_min) : json_null(),
			                  "documentation", r->a.documentation, "registered_by",
			                  r->a.registered_by, "comment", r->a.comment));
		}
		json_object_set_new(d, "weekday", json_integer(rules_weekday(day->date)));
		json_object_set_new(d, "sessions", sj);
		json_object_set_new(d, "taps", tj);
		json_object_set_new(d, "registrations", rj);
		if (day->scheduled_min > 0 &&
		    attendance_hour_value(p->a, res->participant.id, day->date, &hv, err, errlen) ==
		        0)
			json_object_set_new(d, "hour_value",
			                    scenario_money_json(rules_rat_round(hv)));
		else
			json_object_set_new(d, "hour_value", json_null());
		json_object_set_new(d, "deduction",
		                    scenario_money_json(rules_rat_round(day->deduction)));
		json_object_set_new(d, "unpaid_leave",
		                    scenario_money_json(rules_rat_round(day->unpaid_leave)));
	}
	return 0;
}

int
period_basis(struct period *p, int64_t id, const char *ext_id, json_t **doc, char *err,
             size_t errlen)
{
	struct store_period sp;
	struct store_participant pt;
	struct attendance_days res;
	struct attendance_quotas qb, qa;
	struct store_absence_row *abs = NULL;
	size_t n_abs = 0;
	json_t *days = NULL, *line = NULL, *adj, *pj, *tests;
	char before[11];
	int32_t from, to;
	int rc;

	*doc = NULL;
	if ((rc = store_period_get(p->s, id, &sp)) != 0)
		return rc < 0 ? errbuf_set(err, errlen, "database: %s", store_errmsg(p->s)) : 1;
	if ((rc = store_participant_by_ext(p->s, ext_id, &pt)) != 0)
		return rc < 0 ? errbuf_set(err, errlen, "database: %s", store_errmsg(p->s)) : 1;
	rules_date_parse(sp.from, &from);
	rules_date_parse(sp.to, &to);
	if ((rc = attendance_compute(p->a, pt.id, from, to, &res, err, errlen)) != 0)
		return rc;
	rules_date_format(from - 1, before, sizeof(before));
	rc = -1;
	if ((adj = json_array()) == NULL) {
		errbuf_set(err, errlen, "out of memory");
		goto out;
	}
	{
		json_t *all = attendance_days_json(&res);

		days = all ? json_incref(json_object_get(all, "days")) : NULL;
		json_decref(all);
	}
	if (days == NULL) {
		errbuf_set(err, errlen, "out of memory");
		goto out;
	}
	if (store_absences_active(p->s, pt.id, &abs, &n_abs) < 0) {
		errbuf_set(err, errlen, "database: %s", store_errmsg(p->s));
		goto out;
	}
	if (basis_days(p, &res, days, abs, n_abs, err, errlen) < 0 ||
	    basis_lines(p, &sp, &res, from, to, &line, adj, err, errlen) < 0 ||
	    attendance_quotas(p->a, pt.id, before, &qb, err, errlen) != 0 ||
	    attendance_quotas(p->a, pt.id, sp.to, &qa, err, errlen) != 0)
		goto out;
	if (line == NULL) {
		/* Closed before the participant joined: the adjustments carry the line. */
		line = json_null();
	}
	tests = basis_tests(p, &res, from, to, line);
	pj = period_json(&sp);
	{
		bool closed = strcmp(sp.status, "closed") == 0;
		bool prelim = !closed && res.preliminary;

		*doc = json_pack("{s:s, s:b, s:s, s:o, s:{s:s, s:s, s:s, s:s, s:s, s:o}, s:o, s:o,"
		                 " s:o, s:o, s:o, s:o, s:s}",
		                 "document", "basis", "preliminary", prelim, "status",
		                 closed   ? "closed"
		                 : prelim ? "preliminary"
		                          : "final",
		                 "period", pj, "participant", "id", pt.ext_id, "name", pt.name,
		                 "regime", pt.regime, "rate", pt.rate, "programme_start",
		                 pt.programme_start, "programme_end",
		                 pt.programme_end[0] ? json_string(pt.programme_end) : json_null(),
		                 "line", line, "adjustments", adj, "days", days, "quotas_before",
		                 attendance_quotas_json(&qb), "quotas_after",
		                 attendance_quotas_json(&qa), "enkeltvedtak", tests, "currency",
		                 res.currency);
		line = adj = days = NULL;
	}
	rc = *doc ? 0 : errbuf_set(err, errlen, "out of memory");
out:
	free(abs);
	json_decref(days);
	json_decref(line);
	json_decref(adj);
	attendance_days_free(&res);
	return rc;
}

/* --- the NIR summary --- */

/* A share of scheduled minutes in percent with two decimals, half up ("12.50"). */
static json_t *
share_json(int64_t min, int64_t sched)
{
	if (sched <= 0)
		return scenario_money_json(0);
	return scenario_money_json(rules_rat_round((struct rules_rat){min * 10000, sched}));
}

static bool
is_leave(const char *cat)
{
	return !strcmp(cat, "leave_approved") || !strcmp(cat, "leave_unpaid");
}

/* Leave of one participant in [from, to]: calendar days registered, working days used. */
static int
nir_leave(struct period *p, const char *ext_id, int32_t from, int32_t to, int64_t *cal,
          int64_t *work, char *err, size_t errlen)
{
	struct store_participant pt;
	struct store_absence_row *abs = NULL;
	struct attendance_days res;
	size_t n = 0;
	int rc;

	*cal = *work = 0;
	if ((rc = store_participant_by_ext(p->s, ext_id, &pt)) != 0)
		return rc < 0 ? errbuf_set(err, errlen, "database: %s", store_errmsg(p->s)) : 0;
	if (store_absences_active(p->s, pt.id, &abs, &n) < 0)
		return errbuf_set(err, errlen, "database: %s", store_errmsg(p->s));
	for (int32_t d = from; d <= to; d++) {
		char date[11];

		rules_date_format(d, date, sizeof(date));
		for (size_t k = 0; k < n; k++)
			if (is_leave(abs[k].a.category) && strcmp(abs[k].a.from_date, date) <= 0 &&
			    strcmp(abs[k].a.to_date, date) >= 0) {
				(*cal)++;
				break;
			}
	}
	free(abs);
	if (*cal == 0)
		return 0;
	if ((rc = attendance_compute(p->a, pt.id, from, to, &res, err, errlen)) != 0)
		return rc < 0 ? -1 : 0;
	for (size_t i = 0; i < res.out.n_days; i++)
		if (res.out.days[i].excused_min[RULES_CAT_LEAVE_APPROVED] +
		        res.out.days[i].excused_min[RULES_CAT_LEAVE_UNPAID] >
		    0)
			(*work)++;
	attendance_days_free(&res);
	return 0;
}

static int
nir_doc(struct period *p, int64_t id, json_t **out, char *err, size_t errlen)
{
	json_t *doc, *rows, *l;
	int32_t from, to;
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = stipend(p, id, 0, &doc, err, errlen)) != 0)
		return rc;
	rules_date_parse(json_string_value(json_object_get(json_object_get(doc, "period"), "from")),
	                 &from);
	rules_date_parse(json_string_value(json_object_get(json_object_get(doc, "period"), "to")),
	                 &to);
	rows = json_array();
	json_array_foreach(json_object_get(doc, "lines"), i, l)
	{
		const char *key;
		json_t *v;
		int64_t sched = json_integer_value(json_object_get(l, "scheduled_min"));
		int64_t unexc = json_integer_value(json_object_get(l, "unexcused_min"));
		int64_t valid = 0, cal, work;

		if (strcmp(json_string_value(json_object_get(l, "kind")), "line") != 0)
			continue;
		json_object_foreach(json_object_get(l, "excused_min"), key, v) if (!is_leave(key))
		    valid += json_integer_value(v);
		if (nir_leave(p, json_string_value(json_object_get(l, "participant")), from, to,
		              &cal, &work, err, errlen) < 0) {
			json_decref(rows);
			json_decref(doc);
			return -1;
		}
		json_array_append_new(
		    rows,
		    json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:o, s:o, s:o, s:o, s:I, s:I, s:O}",
		              "participant", json_object_get(l, "participant"), "name",
		              json_object_get(l, "name"), "period_from",
		              json_object_get(l, "period_from"), "period_to",
		              json_object_get(l, "period_to"), "scheduled_hours",
		              json_object_get(l, "scheduled_hours"), "attended_hours",
		              json_object_get(l, "attended_hours"), "valid_absence_hours",
		              scenario_money_json(centi_hours(valid)), "valid_absence_share",
		              share_json(valid, sched), "invalid_absence_hours",
		              scenario_money_json(centi_hours(unexc)), "invalid_absence_share",
		              share_json(unexc, sched), "leave_calendar_days", (json_int_t)cal,
		              "leave_working_days", (json_int_t)work, "preliminary",
		              json_object_get(l, "preliminary")));
	}
	*out = json_pack("{s:s, s:O, s:O, s:o}", "document", "nir", "period",
	                 json_object_get(doc, "period"), "preliminary",
	                 json_object_get(doc, "preliminary"), "participants", rows);
	json_decref(doc);
	return *out ? 0 : errbuf_set(err, errlen, "out of memory");
}

int
period_nir(struct period *p, int64_t id, json_t **out, char *err, size_t errlen)
{
	struct store_period sp;
	int32_t from, to;
	int rc;

	/* One bulk for the lines and each participant's leave (the stipend's nests in it). */
	if (store_period_get(p->s, id, &sp) != 0 || rules_date_parse(sp.from, &from) < 0 ||
	    rules_date_parse(sp.to, &to) < 0 ||
	    attendance_bulk_begin(p->a, from, to, err, errlen) < 0)
		return nir_doc(p, id, out, err, errlen);
	rc = nir_doc(p, id, out, err, errlen);
	attendance_bulk_end(p->a);
	return rc;
}

int
period_reason_check(const char *why, char *err, size_t errlen)
{
	const unsigned char *q = (const unsigned char *)why;
	size_t chars = 0;

	/* UTF-8 by the standard's table: no overlongs, no surrogates, nothing past U+10FFFF. */
	while (*q) {
		unsigned c = *q;
		size_t n = c < 0x80             ? 1
		           : (c & 0xE0) == 0xC0 ? 2
		           : (c & 0xF0) == 0xE0 ? 3
		           : (c & 0xF8) == 0xF0 ? 4
		                                : 0;
		unsigned cp = n == 1 ? c : n == 2 ? c & 0x1F : n == 3 ? c & 0x0F : c & 0x07;

		if (n == 0)
			return errbuf_set(err, errlen, "reason: not valid UTF-8 (byte %zu)",
			                  (size_t)(q - (const unsigned char *)why));
		for (size_t k = 1; k < n; k++) {
			if ((q[k] & 0xC0) != 0x80)
				return errbuf_set(err, errlen, "reason: not valid UTF-8 (byte %zu)",
				                  (size_t)(q - (const unsigned char *)why));
			cp = cp << 6 | (q[k] & 0x3F);
		}
		if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
		    (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
			return errbuf_set(err, errlen, "reason: not valid UTF-8 (byte %zu)",
			                  (size_t)(q - (const unsigned char *)why));
		if (cp < 0x20 || cp == 0x7F)
			return errbuf_set(err, errlen,
			                  "reason: control characters are not allowed");
		q += n;
		chars++;
	}
	if (chars > PERIOD_REASON_MAX)
		return errbuf_set(err, errlen, "reason: at most %d characters, got %zu",
		                  PERIOD_REASON_MAX, chars);
	return 0;
}

int
period_close_body(const char *body, size_t len, char *reason, size_t reasonlen, char *err,
                  size_t errlen)
{
	json_error_t je;
	const char *key, *r;
	json_t *j, *v;
	int rc = 0;

	reason[0] = '\0';
	if (len == 0)
		return 0;
	if (len > PERIOD_CLOSE_BODY_MAX)
		return errbuf_set(err, errlen, "body: at most %d bytes, got %zu",
		                  PERIOD_CLOSE_BODY_MAX, len);
	/* Jansson refuses invalid UTF-8 and \u0000 in strings. */
	if ((j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je)) == NULL)
		return errbuf_set(
		    err, errlen,
		    "body: expected a JSON object {\"reason\": \"...\"}: %s (line %d, "
		    "column %d)",
		    je.text, je.line, je.column);
	if (!json_is_object(j))
		rc = errbuf_set(err, errlen, "body: expected a JSON object {\"reason\": \"...\"}");
	json_object_foreach(j, key, v)
	{
		if (rc < 0)
			break;
		if (strcmp(key, "reason") != 0)
			rc = errbuf_set(err, errlen,
			                "body: unknown field \"%.40s\" (only \"reason\")", key);
		else if (!json_is_string(v))
			rc = errbuf_set(err, errlen, "reason: expected a string");
	}
	r = rc == 0 ? json_string_value(json_object_get(j, "reason")) : NULL;
	if (r && period_reason_check(r, err, errlen) < 0)
		rc = -1;
	if (rc == 0 && r) {
		if (strlen(r) >= reasonlen)
			rc = errbuf_set(err, errlen, "reason: at most %d characters",
			                PERIOD_REASON_MAX);
		else
			memcpy(reason, r, strlen(r) + 1);
	}
	json_decref(j);
	return rc;
}
