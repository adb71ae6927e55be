/*
 * attendance_today.c — the Today page in bulk: every active participant's status on
 * one date from a handful of queries over all participants (schedules, exceptions,
 * taps, corrections, absences of that date) and one engine call per participant over
 * that single day, instead of each participant's whole programme.  A participant
 * whose day depends on quota history goes through attendance_today_one().
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attendance.h"
#include "attendance_int.h"
#include "errbuf.h"
#include "log.h"
#include "store.h"

#define REGIME_CTX_MAX 16

/*
 * One regime as every participant of it sees `date`: the lenient G table (the same
 * for all of them) and from when G is known every day up to `date`.
 */
struct regime_ctx {
	char name[64];
	const struct rules_regime *r; /* NULL: loading failed, its participants go the slow way */
	struct rules_g *g;
	size_t n_g;
	int32_t g_known_from; /* INT32_MAX: not known on `date` itself */
};

/* Everything the queries gave for the date, each sorted by participant id. */
struct bulk {
	struct attendance *a;
	const char *date_s;
	int32_t date;
	int now_min;
	bool has_service;
	int32_t service;
	struct store_pid_session *sess;
	size_t n_sess;
	struct store_pid_exception *exc;
	size_t n_exc;
	int64_t *refused; /* participants whose exceptions the engine refuses */
	size_t n_refused;
	struct store_pid_tap *taps;
	size_t n_taps;
	struct store_correction *corr;
	size_t n_corr;
	struct store_absence_row *abs;
	size_t n_abs;
	int32_t *closures;
	size_t n_closures;
	struct regime_ctx reg[REGIME_CTX_MAX];
	size_t n_reg;
	/* Every participant's day lies in one payout period: its gross is computed once
	 * per regime, rate and benefit (the engine's memo, exact by its key). */
	struct rules_memo *memo;
};

/* Whether `pid` is in the ascending list. */
static bool
listed(const int64_t *ids, size_t n, int64_t pid)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (ids[mid] < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && ids[lo] == pid;
}

static void
bulk_free(struct bulk *b)
{
	free(b->sess);
	free(b->exc);
	free(b->refused);
	free(b->taps);
	free(b->corr);
	free(b->abs);
	free(b->closures);
	for (size_t i = 0; i < b->n_reg; i++)
		free(b->reg[i].g);
	free(b->memo);
}

static int
bulk_load(struct bulk *b, char *err, size_t errlen)
{
	struct store *s = attendance_int_store(b->a);
	char(*cl)[11] = NULL, since[11];
	size_t n_cl = 0;

	if (store_day_sessions_all(s, &b->sess, &b->n_sess) < 0 ||
	    store_day_exceptions_all(s, b->date_s, &b->exc, &b->n_exc) < 0 ||
	    store_exceptions_refused(s, RULES_MAX_SESSIONS, &b->refused, &b->n_refused) < 0 ||
	    store_day_taps_all(s, b->date_s, &b->taps, &b->n_taps) < 0 ||
	    store_day_corrections_all(s, b->date_s, &b->corr, &b->n_corr) < 0 ||
	    store_day_absences_all(s, b->date_s, &b->abs, &b->n_abs) < 0 ||
	    store_closure_dates(s, &cl, &n_cl) < 0)
		return errbuf_set(err, errlen, "database: %s", store_errmsg(s));
	if ((b->closures = calloc(n_cl ? n_cl : 1, sizeof(*b->closures))) == NULL) {
		free(cl);
		return errbuf_set(err, errlen, "%s", "out of memory");
	}
	for (size_t i = 0; i < n_cl; i++)
		rules_date_parse(cl[i], &b->closures[i]);
	b->n_closures = n_cl;
	free(cl);
	if (attendance_results_from(b->a, since) == 0 && rules_date_parse(since, &b->service) == 0)
		b->has_service = true;
	return 0;
}

/* G is known on every day of [from, date] when from >= this (rules_g_at's rule). */
static int32_t
g_known_from(const struct rules_g *g, size_t n, int32_t date)
{
	size_t i = n;
	char why[160];
	int64_t ore;

	if (rules_g_at(g, n, date, &ore, why, sizeof(why)) < 0)
		return INT32_MAX;
	while (g[i - 1].from > date)
		i--;
	/* g[i] is in force on `date`; an earlier entry covers the days up to the next one
	 * only if it has not expired before then (1 May). */
	for (i--; i > 0 && rules_g_at(&g[i - 1], 1, g[i].from - 1, &ore, why, sizeof(why)) == 0;
	     i--)
		;
	return g[i].from;
}

static struct regime_ctx *
regime_ctx(struct bulk *b, const char *name)
{
	struct regime_ctx *c;
	char err[256];
	int32_t missing;

	for (size_t i = 0; i < b->n_reg; i++)
		if (strcmp(b->reg[i].name, name) == 0)
			return &b->reg[i];
	if (b->n_reg == REGIME_CTX_MAX)
		return NULL;
	c = &b->reg[b->n_reg++];
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	if ((c->r = attendance_int_regime(b->a, name, err, sizeof(err))) == NULL ||
	    attendance_int_g(b->a, c->r, b->date, &c->g, &c->n_g, &missing, err, sizeof(err)) < 0) {
		c->r = NULL;
		return c;
	}
	c->g_known_from = g_known_from(c->g, c->n_g, b->date);
	return c;
}

/* The participant's engine fields as attendance.c reads them; -1 if any is malformed. */
static int
participant_parse(const struct store_participant *p, struct rules_participant *pt)
{
	int rate;

	memset(pt, 0, sizeof(*pt));
	if (rules_date_parse(p->programme_start, &pt->programme_start) < 0)
		return -1;
	pt->has_end = p->programme_end[0] != '\0';
	if (pt->has_end && rules_date_parse(p->programme_end, &pt->programme_end) < 0)
		return -1;
	if ((rate = rules_rate_parse(p->rate)) < 0)
		return -1;
	pt->rate = rate;
	pt->children = p->children;
	pt->sole_carer = p->sole_carer != 0;
	pt->chronic_child = p->chronic_child != 0;
	pt->monthly_benefit_ore = -1;
	if (p->monthly_benefit[0] &&
	    rules_ore_parse(p->monthly_benefit, &pt->monthly_benefit_ore) < 0)
		return -1;
	return 0;
}

/* Whether the regime sets no limit ("none") for a day-counted quota on `date`. */
static bool
no_limit(const struct rules_regime *r, enum rules_param p, int32_t date)
{
	const struct rules_param_version *v = rules_param_at(r, p, date);

	return v != NULL && v->den == 0;
}

/*
 * Whether a registration covering the day brings quota history into its verdict:
 * the categories whose allocation takes from a quota or a run (RULES.md; quota.c
 * simple_take, allocate_self_declared, allocate_child_sick).  Any other category,
 * illness with a doctor's note, and a day-counted quota the regime leaves without a
 * limit that day (simple_take then always grants), is decided without looking at
 * earlier days.
 */
static bool
carries_quota(const struct store_absence_row *r, const struct rules_regime *rg, int32_t date)
{
	switch (rules_category_parse(r->a.category)) {
	case RULES_CAT_SICK_SELF_DECLARED:
		return strcmp(r->a.documentation, "doctor_note") != 0;
	case RULES_CAT_CHILD_SICK: /* with a doctor's note: granted first, outside run and quota */
		return strcmp(r->a.documentation, "doctor_note") != 0;
	case RULES_CAT_PREGNANCY:
		return strcmp(r->a.documentation, "checkup") != 0 &&
		       !no_limit(rg, RULES_P_PREGNANCY_DAYS, date);
	case RULES_CAT_RELIGIOUS_HOLIDAY:
		return !no_limit(rg, RULES_P_RELIGIOUS_DAYS_PER_YEAR, date);
	case RULES_CAT_VACATION:
		return !no_limit(rg, RULES_P_VACATION_DAYS_PER_YEAR, date);
	case RULES_CAT_LEAVE_APPROVED:
		return !no_limit(rg, RULES_P_LEAVE_APPROVED_DAYS_PER_YEAR, date);
	case RULES_CAT_BIRTH_MOTHER:
		return !no_limit(rg, RULES_P_BIRTH_MOTHER_DAYS, date);
	case RULES_CAT_BIRTH_FATHER:
		return !no_limit(rg, RULES_P_BIRTH_FATHER_DAYS, date);
	default:
		return false;
	}
}

/*
 * Whether the whole-programme computation could fail where the day alone does not:
 * a parameter not yet in force when it starts, or a gap in G before the day.  (Its
 * other refusals come from the day itself, the exceptions checked in bulk, or the
 * participant's fields, which the day's computation sees too.)
 */
static bool
history_may_fail(const struct regime_ctx *c, const struct rules_input *in, int32_t date)
{
	int32_t first = attendance_int_first_date(in, date, date), start;
	const struct rules_param_version *payout, *anchor, *b0, *b1;

	for (int i = 0; i < RULES_P_COUNT; i++)
		if (rules_param_at(c->r, (enum rules_param)i, first) == NULL)
			return true;
	/* The first payout period reaches back before the first date (payout.c). */
	payout = rules_param_at(c->r, RULES_P_PAYOUT, first);
	anchor = rules_param_at(c->r, RULES_P_PAYOUT_ANCHOR, first);
	if (payout->num == RULES_PAYOUT_MONTHLY) {
		int y, m, d;

		rules_ymd(first, &y, &m, &d);
		start = rules_date(y, m, 1);
	} else {
		int32_t an = (int32_t)anchor->num, off = first - an;

		start = an + (off >= 0 ? off / 14 : -((13 - off) / 14)) * 14;
	}
	for (int i = 0; i < RULES_P_COUNT; i++)
		if (rules_param_at(c->r, (enum rules_param)i, start) == NULL)
			return true;
	/* One stipend basis throughout, and with G: G known every day from there on. */
	b0 = rules_param_at(c->r, RULES_P_STIPEND_BASIS, start);
	b1 = rules_param_at(c->r, RULES_P_STIPEND_BASIS, date);
	if (b0 != b1)
		return true;
	return b1->num == RULES_BASIS_G && start < c->g_known_from;
}

/* The participant's effective taps of the day (corrections applied), as attendance.c. */
static int
day_taps(const struct bulk *b, int64_t pid, struct attendance_tap **out, size_t *n)
{
	size_t f_t, n_t = SLICE(struct store_pid_tap, b->taps, b->n_taps, pid, pid, &f_t);
	size_t f_c,
	    n_c = SLICE(struct store_correction, b->corr, b->n_corr, participant_id, pid, &f_c);
	const struct store_correction *c = b->corr + f_c;
	size_t k = 0;

	*n = 0;
	if ((*out = calloc(n_t + n_c + 1, sizeof(**out))) == NULL)
		return -1;
	for (size_t i = 0; i < n_t; i++) {
		const struct store_day_tap *t = &b->taps[f_t + i].t;
		bool removed = false;

		for (size_t j = 0; j < n_c && !removed; j++)
			removed = strcmp(c[j].action, "remove") == 0 && c[j].tap_id == t->id;
		if (removed)
			continue;
		(*out)[k] =
		    (struct attendance_tap){.tap_id = t->id, .minute = t->minute, .day = t->day};
		memcpy((*out)[k].direction, t->direction, sizeof((*out)[k].direction));
		memcpy((*out)[k++].date, t->date, sizeof((*out)[0].date));
	}
	for (size_t j = 0; j < n_c; j++) {
		if (strcmp(c[j].action, "add") != 0)
			continue;
		(*out)[k] = (struct attendance_tap){.minute = c[j].minute, .corrected = 1};
		if (rules_date_parse(c[j].date, &(*out)[k].day) < 0)
			continue;
		snprintf((*out)[k].direction, sizeof((*out)[k].direction), "%s", c[j].direction);
		snprintf((*out)[k++].date, sizeof((*out)[0].date), "%s", c[j].date);
	}
	*n = k;
	return 0;
}

static int
minute_cmp(const void *x, const void *y)
{
	const struct rules_tap *a = x, *b = y;

	return (a->minute > b->minute) - (a->minute < b->minute);
}

/* The engine's input for one participant over the day; its arrays, owned here. */
struct day_input {
	struct rules_input in;
	struct rules_template *templ;
	struct rules_exception *exc;
	struct rules_tap *taps;
	struct rules_absence *abs;
	size_t cap_abs;
	struct attendance_tap *eff; /* the day's effective taps, for the row */
	size_t n_eff;
};

static void
day_input_free(struct day_input *x)
{
	free(x->templ);
	free(x->exc);
	free(x->taps);
	free(x->abs);
	free(x->eff);
}

enum { FAST_ROW, FAST_NOT_SCHEDULED, FAST_NO };

/*
 * The schedule, taps and absences of the day into x->in (participant, regime and G
 * already there).  FAST_NO: the day needs quota history (or memory ran out).
 */
static int
day_input_load(const struct bulk *b, const struct store_participant *p, struct day_input *x)
{
	int64_t pid = p->id;
	size_t f_s, n_s = SLICE(struct store_pid_session, b->sess, b->n_sess, pid, pid, &f_s);
	size_t f_e, n_e = SLICE(struct store_pid_exception, b->exc, b->n_exc, pid, pid, &f_e);
	size_t f_a,
	    n_a = SLICE(struct store_absence_row, b->abs, b->n_abs, a.participant_id, pid, &f_a);
	int32_t first = x->in.participant.programme_start;
	size_t k = 0;
	char why[256];

	for (size_t i = 0; i < n_a; i++)
		if (carries_quota(&b->abs[f_a + i], x->in.regime, b->date))
			return FAST_NO;
	x->templ = calloc(n_s ? n_s : 1, sizeof(*x->templ));
	x->exc = calloc(n_e ? n_e : 1, sizeof(*x->exc));
	if (x->templ == NULL || x->exc == NULL)
		return FAST_NO;
	/* As attendance.c: nothing scheduled before the programme or the service start. */
	if (b->has_service && b->service > first)
		first = b->service;
	for (size_t i = 0; i < n_s; i++) {
		const struct store_session *r = &b->sess[f_s + i].s;

		x->templ[i] = (struct rules_template){
		    .weekdays = (uint8_t)(1u << r->weekday),
		    .start = (int16_t)r->start_min,
		    .end = (int16_t)r->end_min,
		    .off_site = r->offsite != 0,
		    .from = first,
		    .to = INT32_MAX,
		};
	}
	for (size_t i = 0; i < n_e; i++) {
		const struct store_exception_row *r = &b->exc[f_e + i].e;
		struct rules_exception *e = &x->exc[i];

		e->date = b->date;
		e->cancelled = r->start_min < 0;
		e->start = (int16_t)(e->cancelled ? 0 : r->start_min);
		e->end = (int16_t)(e->cancelled ? 0 : r->end_min);
		e->off_site = r->offsite != 0;
	}
	x->in.templ = x->templ;
	x->in.n_templ = n_s;
	x->in.exceptions = x->exc;
	x->in.n_exceptions = n_e;
	x->in.closures = b->closures;
	x->in.n_closures = b->n_closures;

	if (day_taps(b, pid, &x->eff, &x->n_eff) < 0 ||
	    (x->taps = calloc(x->n_eff + 1, sizeof(*x->taps))) == NULL)
		return FAST_NO;
	/* Only the taps up to now_min (the board asks about a moment). */
	for (size_t i = 0; i < x->n_eff; i++)
		if (x->eff[i].minute <= b->now_min)
			x->taps[k++] = (struct rules_tap){b->date, (int16_t)x->eff[i].minute};
	qsort(x->taps, k, sizeof(*x->taps), minute_cmp);
	x->in.taps = x->taps;
	x->in.n_taps = k;

	for (size_t i = 0; i < n_a; i++) {
		size_t n = x->in.n_absences;

		if (attendance_int_absence(&x->in, p->ext_id, &b->abs[f_a + i], &x->abs, &n,
		                           &x->cap_abs, why, sizeof(why)) < 0)
			return FAST_NO;
		x->in.absences = x->abs;
		x->in.n_absences = n;
	}
	return FAST_ROW;
}

/* The row from the computed day, exactly as attendance_today_one() fills it. */
static int
row_fill(const struct bulk *b, const struct store_participant *p, const struct regime_ctx *c,
         const struct day_input *x, const struct rules_day *day, struct attendance_today *row)
{
	int16_t st[RULES_MAX_SESSIONS], en[RULES_MAX_SESSIONS];
	bool off[RULES_MAX_SESSIONS];
	struct attendance_tap *t = x->eff;
	size_t nt = x->n_eff, kept = 0;
	size_t ns = attendance_int_sessions(&x->in, b->date, st, en, off, RULES_MAX_SESSIONS);
	int all_off = 1;

	memset(row, 0, sizeof(*row));
	if (day->scheduled_min == 0 || ns == 0)
		return FAST_NOT_SCHEDULED;
	row->participant_id = p->id;
	snprintf(row->ext_id, sizeof(row->ext_id), "%s", p->ext_id);
	snprintf(row->name, sizeof(row->name), "%s", p->name);
	snprintf(row->language, sizeof(row->language), "%s", p->language);
	snprintf(row->group, sizeof(row->group), "%s", p->group);
	row->start_min = 1440;
	row->end_min = 0;
	for (size_t i = 0; i < ns; i++) {
		row->start_min = st[i] < row->start_min ? st[i] : row->start_min;
		row->end_min = en[i] > row->end_min ? en[i] : row->end_min;
		all_off &= off[i];
	}
	row->first_in = row->last_out = -1;
	/* The day's taps in time order, as they alternate or as their directions say. */
	for (size_t i = 0; i < nt; i++)
		for (size_t j = i + 1; j < nt; j++)
			if (t[j].minute < t[i].minute) {
				struct attendance_tap tmp = t[i];

				t[i] = t[j];
				t[j] = tmp;
			}
	for (size_t i = 0; i < nt; i++) {
		if (t[i].minute > b->now_min)
			continue;
		kept++;
		if (strcmp(t[i].direction, "out") == 0) {
			row->last_out = t[i].minute;
			row->in_now = 0;
		} else {
			if (row->first_in < 0)
				row->first_in = t[i].minute;
			row->in_now = 1;
		}
	}
	row->scheduled_min = day->scheduled_min;
	row->attended_min = day->attended_min;
	row->unexcused_min = day->unexcused_min;
	row->notes = day->notes;
	row->flags = day->flags;
	attendance_today_status(row, day, all_off,
	                        (int)attendance_int_param(c->r, RULES_P_GRACE_MINUTES, b->date, 0),
	                        b->now_min, (int)kept);
	return FAST_ROW;
}

/*
 * One participant over the day alone: FAST_ROW (row filled), FAST_NOT_SCHEDULED, or
 * FAST_NO when only the whole computation gives the right answer (quota history,
 * a record the engine refuses: attendance_today_one() then says exactly what).
 */
static int
today_fast(struct bulk *b, const struct store_participant *p, struct attendance_today *row)
{
	struct regime_ctx *c = regime_ctx(b, p->regime);
	struct day_input x;
	struct rules_output out;
	char why[512];
	int rc;

	if (c == NULL || c->r == NULL || listed(b->refused, b->n_refused, p->id))
		return FAST_NO;
	memset(&x, 0, sizeof(x));
	if (participant_parse(p, &x.in.participant) < 0)
		return FAST_NO;
	x.in.regime = c->r;
	x.in.g = c->g;
	x.in.n_g = c->n_g;
	x.in.has_service_start = b->has_service;
	x.in.service_start = b->service;
	x.in.memo = b->memo;
	if (history_may_fail(c, &x.in, b->date))
		return FAST_NO;
	/* A day before the programme start is computed alone by attendance.c too. */
	x.in.from = x.in.to = b->date;
	x.in.as_of = b->date;
	if ((rc = day_input_load(b, p, &x)) != FAST_ROW) {
		day_input_free(&x);
		return rc;
	}
	if (rules_compute(&x.in, &out, why, sizeof(why)) < 0) {
		day_input_free(&x);
		return FAST_NO;
	}
	rc = row_fill(b, p, c, &x, &out.days[0], row);
	rules_output_free(&out);
	day_input_free(&x);
	return rc;
}

struct active {
	struct store_participant *p;
	size_t n, cap;
};

static int
collect(void *arg, const struct store_participant *p)
{
	struct active *l = arg;

	if (!p->active)
		return 0;
	if (l->n == l->cap) {
		size_t c = l->cap ? l->cap * 2 : 64;
		struct store_participant *v = realloc(l->p, c * sizeof(*v));

		if (v == NULL)
			return -1;
		l->p = v;
		l->cap = c;
	}
	l->p[l->n++] = *p;
	return 0;
}

int
attendance_today(struct attendance *a, const char *date, int now_min,
                 struct attendance_today **rows, size_t *n, char *err, size_t errlen)
{
	struct bulk b = {.a = a, .date_s = date, .now_min = now_min};
	struct active l = {0};
	struct store *s = attendance_int_store(a);
	char why[512];
	int rc = 0;

	*rows = NULL;
	*n = 0;
	if (rules_date_parse(date, &b.date) < 0)
		return errbuf_set(err, errlen, "date: expected YYYY-MM-DD, got \"%s\"", date);
	/* Active participants by name: the order of the page. */
	if (store_participant_each(s, collect, &l) < 0) {
		free(l.p);
		return errbuf_set(err, errlen, "database: %s", store_errmsg(s));
	}
	if (bulk_load(&b, err, errlen) < 0) {
		rc = -1;
		goto done;
	}
	b.memo = calloc(1, sizeof(*b.memo)); /* NULL: computed without it */
	/* The id-sorted slices are found by binary search; the queries sort by id. */
	if ((*rows = calloc(l.n ? l.n : 1, sizeof(**rows))) == NULL) {
		rc = errbuf_set(err, errlen, "%s", "out of memory");
		goto done;
	}
	for (size_t i = 0; i < l.n; i++) {
		struct attendance_today *row = &(*rows)[*n];
		int r = today_fast(&b, &l.p[i], row);

		if (r == FAST_ROW) {
			(*n)++;
			continue;
		}
		if (r == FAST_NOT_SCHEDULED)
			continue;
		/* Quota history or a record the day alone cannot judge: the whole way. */
		r = attendance_today_one(a, l.p[i].id, date, now_min, row, why, sizeof(why));
		if (r == 0)
			(*n)++;
		else if (r < 0)
			log_warn("attendance: today: %s", why);
	}
done:
	bulk_free(&b);
	free(l.p);
	return rc;
}
