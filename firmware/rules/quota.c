/*
 * quota.c — allocation of missing minutes to registered absences, in the category
 * order of RULES.md, with every quota.  Self-declared illness and child illness are
 * judged in a pass over all their dates first (runs, the 16-day joining rule,
 * occurrences in a rolling window, the first weeks of the programme), because a day's
 * verdict depends on days before the period.  Day-counted quotas are then used up
 * day by day: a day counts once for a category when it gets any minute of it.
 */
#include "rules/rules_int.h"

#include <stdlib.h>
#include <string.h>

enum { ST_NONE, ST_VALID, ST_FIRST_WEEKS, ST_OVER_DAYS, ST_EXHAUSTED };

/* Keep the judged span bounded: absences or history reaching further are refused. */
#define QUOTA_MAX_SPAN (366 * 30)

struct yearcount {
	int year;
	int used;
};

struct rules_quota {
	int32_t base; /* first date of the status maps */
	int32_t n;
	uint8_t *sd;      /* sick_self_declared verdict per date */
	uint8_t *cs;      /* child_sick verdict per date (ST_OVER_DAYS or not) */
	int32_t *cs_used; /* dates excused as child_sick, ascending */
	size_t n_cs_used;
	struct yearcount religious, vacation, leave;
	int pregnancy, birth_mother, birth_father;
};

/* The category an absence counts as: a doctor's note makes self-declared illness sick_doctor. */
static int
effective_category(const struct rules_absence *a)
{
	if (a->category == RULES_CAT_SICK_SELF_DECLARED && a->doctor_note)
		return RULES_CAT_SICK_DOCTOR;
	return a->category;
}

/* The first n minutes of `avail`, in time order. */
static void
first_minutes(const struct mset *avail, int n, struct mset *out)
{
	mset_clear(out);
	for (int m = 0; m < RULES_MIN_PER_DAY && n > 0; m++) {
		if (mset_has(avail, m)) {
			rules_mset_range(out, m, m + 1, true);
			n--;
		}
	}
}

/*
 * The minutes of `avail` that absences of category c (-1: all) cover on `date`.
 * checkup: -1 any, 0 only without, 1 only with the check-up mark.  An absence given
 * as an amount (`minutes`) takes the earliest minutes still available.
 */
static void
cover_filtered(const struct rules_input *in, int c, int32_t date, const struct mset *avail,
               int checkup, struct mset *cover)
{
	struct mset r;
	mset_clear(cover);
	for (size_t i = 0; i < in->n_absences; i++) {
		const struct rules_absence *a = &in->absences[i];
		if ((c >= 0 && effective_category(a) != c) || date < a->from || date > a->to)
			continue;
		if (checkup >= 0 && a->checkup != (checkup == 1))
			continue;
		int s = a->start, e = a->end;
		if (a->continuous) {
			s = date == a->from ? a->start : 0;
			e = date == a->to ? a->end : RULES_MIN_PER_DAY;
		}
		if (a->minutes > 0) {
			first_minutes(avail, a->minutes, &r);
		} else if (s < 0 || (s == 0 && e == RULES_MIN_PER_DAY)) {
			r = *avail;
		} else {
			mset_clear(&r);
			rules_mset_range(&r, s, e, true);
			rules_mset_and(&r, &r, avail);
		}
		rules_mset_or(cover, cover, &r);
	}
}

void
rules_absence_cover(const struct rules_input *in, int c, int32_t date, const struct mset *avail,
                    struct mset *cover)
{
	cover_filtered(in, c, date, avail, -1, cover);
}

/* Whether a self-certified day on `d` continues the run whose last day was `prev`. */
static bool
same_run(const struct rules_input *in, int mode, int32_t prev, int32_t d)
{
	if (mode == RULES_COUNT_CALENDAR)
		return d == prev + 1;
	if (d - prev > 31)
		return false;
	for (int32_t x = prev + 1; x < d; x++)
		if (rules_schedule_is_day(in, x))
			return false;
	return true;
}

/* Whether `d` is a day that counts (calendar mode: every day; else scheduled days). */
static bool
counts(const struct rules_input *in, int mode, int32_t d)
{
	return mode == RULES_COUNT_CALENDAR || rules_schedule_is_day(in, d);
}

/* Set (on) or clear `bit` for the dates of [from, to] that lie in the status maps. */
static void
mark_range(struct rules_quota *q, uint8_t *marks, int32_t from, int32_t to, uint8_t bit, bool on)
{
	int64_t lo = from > q->base ? from : q->base;
	int64_t hi = to < q->base + q->n - 1 ? to : q->base + q->n - 1;
	for (int64_t d = lo; d <= hi; d++) {
		if (on)
			marks[d - q->base] |= bit;
		else
			marks[d - q->base] &= (uint8_t)~bit;
	}
}

/*
 * The next marked date after index *i that counts for the day limits (see counts()),
 * with the parameters in force on it.  1 = found (*i moved), 0 = no more, -1 = error.
 */
static int
next_counted(const struct rules_quota *q, const struct rules_input *in, const uint8_t *marks,
             int32_t *i, struct rules_params *p, int *mode, char *err, size_t errlen)
{
	while (++*i < q->n) {
		if (!marks[*i])
			continue;
		int32_t d = q->base + *i;
		if (rules_params_at(in->regime, d, p, err, errlen) < 0)
			return -1;
		*mode = (int)p->num[RULES_P_SICK_DAY_COUNT];
		if (counts(in, *mode, d))
			return 1;
	}
	return 0;
}

/*
 * Self-declared illness.  Marks: 1 = registered in the input, 2 = history (earlier
 * periods taken as valid; they still count as occurrences and can be joined).
 */
static int
judge_self_declared(struct rules_quota *q, const struct rules_input *in, char *err, size_t errlen)
{
	uint8_t *marks = calloc((size_t)q->n, 1);
	int32_t *occ = NULL;
	size_t n_occ = 0, cap_occ = 0;
	if (!marks)
		return rules_errf(err, errlen, "out of memory");
	for (size_t i = 0; i < in->n_absences; i++) {
		const struct rules_absence *a = &in->absences[i];
		if (effective_category(a) == RULES_CAT_SICK_SELF_DECLARED)
			mark_range(q, marks, a->from, a->to, 1, true);
	}
	/* A whole day a doctor's note covers uses no self-declaration (sick_doctor comes first). */
	for (size_t i = 0; i < in->n_absences; i++) {
		const struct rules_absence *a = &in->absences[i];
		if (effective_category(a) == RULES_CAT_SICK_DOCTOR && a->start < 0 &&
		    !a->continuous)
			mark_range(q, marks, a->from, a->to, 1, false);
	}
	for (size_t i = 0; i < in->history.n_self_declared; i++)
		mark_range(q, marks, in->history.self_declared[i].from,
		           in->history.self_declared[i].to, 2, true);

	bool active = false, rejected = false, have_prev = false;
	int32_t cur_end = 0, prev = 0;
	int64_t cur_days = 0;
	struct rules_params p;
	int32_t i = -1;
	int mode, rc;
	while ((rc = next_counted(q, in, marks, &i, &p, &mode, err, errlen)) > 0) {
		int32_t d = q->base + i;
		bool history = marks[i] & 2;
		int64_t waiting = rules_pint(&p, RULES_P_SELF_DECLARED_WAITING_WEEKS, 0) * 7;
		if (!history && d < in->participant.programme_start + waiting) {
			q->sd[i] = ST_FIRST_WEEKS;
			continue;
		}
		if (!(have_prev && same_run(in, mode, prev, d))) {
			int64_t join = rules_pint(&p, RULES_P_SELF_DECLARED_JOIN_DAYS, -1);
			if (!(active && d - cur_end <= join)) {
				/* A new occurrence: count the valid ones in the rolling window. */
				int32_t after = rules_add_months(
				    d,
				    -(int)rules_pint(&p, RULES_P_SELF_DECLARED_WINDOW_MONTHS, 12));
				int64_t used = 0;
				for (size_t k = 0; k < n_occ; k++)
					used += occ[k] > after;
				int64_t max = rules_pint(&p, RULES_P_SELF_DECLARED_MAX_OCCURRENCES,
				                         INT64_MAX);
				rejected = !history && used >= max;
				active = !rejected;
				cur_days = 0;
				if (!rejected) {
					if (n_occ == cap_occ) {
						cap_occ = cap_occ ? cap_occ * 2 : 16;
						int32_t *t = realloc(occ, cap_occ * sizeof *occ);
						if (!t) {
							rules_errf(err, errlen, "out of memory");
							goto fail;
						}
						occ = t;
					}
					occ[n_occ++] = d;
				}
			}
		}
		have_prev = true;
		prev = d;
		if (rejected) {
			q->sd[i] = ST_EXHAUSTED;
			continue;
		}
		cur_days++;
		cur_end = d;
		if (!history)
			q->sd[i] =
			    cur_days > rules_pint(&p, RULES_P_SELF_DECLARED_MAX_DAYS, INT64_MAX)
			        ? ST_OVER_DAYS
			        : ST_VALID;
	}
	if (rc < 0)
		goto fail;
	free(marks);
	free(occ);
	return 0;
fail:
	free(marks);
	free(occ);
	return -1;
}

/* Child illness without a doctor's note: the days of a run past the limit fail. */
static int
judge_child_sick(struct rules_quota *q, const struct rules_input *in, char *err, size_t errlen)
{
	uint8_t *marks = calloc((size_t)q->n, 1);
	if (!marks)
		return rules_errf(err, errlen, "out of memory");
	for (size_t i = 0; i < in->n_absences; i++) {
		const struct rules_absence *a = &in->absences[i];
		if (a->category == RULES_CAT_CHILD_SICK && !a->doctor_note)
			mark_range(q, marks, a->from, a->to, 1, true);
	}
	bool have_prev = false;
	int32_t prev = 0;
	int64_t run = 0;
	struct rules_params p;
	int32_t i = -1;
	int mode, rc;
	while ((rc = next_counted(q, in, marks, &i, &p, &mode, err, errlen)) > 0) {
		int32_t d = q->base + i;
		run = have_prev && same_run(in, mode, prev, d) ? run + 1 : 1;
		have_prev = true;
		prev = d;
		if (run > rules_pint(&p, RULES_P_CHILD_SICK_MAX_SELF_DAYS, INT64_MAX))
			q->cs[i] = ST_OVER_DAYS;
	}
	free(marks);
	return rc;
}

static void
widen(int32_t *lo, int32_t *hi, int32_t from, int32_t to)
{
	if (from < *lo)
		*lo = from;
	if (to > *hi)
		*hi = to;
}

int
rules_quota_new(const struct rules_input *in, struct rules_quota **qp, char *err, size_t errlen)
{
	int32_t lo = in->from, hi = in->to;
	for (size_t i = 0; i < in->n_absences; i++) {
		const struct rules_absence *a = &in->absences[i];
		if (a->category == RULES_CAT_SICK_SELF_DECLARED ||
		    a->category == RULES_CAT_CHILD_SICK)
			widen(&lo, &hi, a->from, a->to);
	}
	for (size_t i = 0; i < in->history.n_self_declared; i++)
		widen(&lo, &hi, in->history.self_declared[i].from, in->history.self_declared[i].to);
	if ((int64_t)hi - lo >= QUOTA_MAX_SPAN)
		return rules_errf(err, errlen, "absences and history span more than %d days",
		                  QUOTA_MAX_SPAN);
	struct rules_quota *q = calloc(1, sizeof *q);
	if (!q)
		return rules_errf(err, errlen, "out of memory");
	q->base = lo;
	q->n = hi - lo + 1;
	q->sd = calloc((size_t)q->n, 1);
	q->cs = calloc((size_t)q->n, 1);
	q->cs_used = calloc((size_t)(in->to - in->from + 1), sizeof *q->cs_used);
	int y, m, d;
	rules_ymd(in->from, &y, &m, &d);
	q->religious = (struct yearcount){y, in->history.religious_days};
	q->vacation = (struct yearcount){y, in->history.vacation_days};
	q->leave = (struct yearcount){y, in->history.leave_approved_days};
	q->pregnancy = in->history.pregnancy_days;
	q->birth_mother = in->history.birth_mother_days;
	q->birth_father = in->history.birth_father_days;
	if (!q->sd || !q->cs || !q->cs_used) {
		rules_quota_free(q);
		return rules_errf(err, errlen, "out of memory");
	}
	if (judge_self_declared(q, in, err, errlen) < 0 ||
	    judge_child_sick(q, in, err, errlen) < 0) {
		rules_quota_free(q);
		return -1;
	}
	*qp = q;
	return 0;
}

void
rules_quota_free(struct rules_quota *q)
{
	if (!q)
		return;
	free(q->sd);
	free(q->cs);
	free(q->cs_used);
	free(q);
}

/* A per-calendar-year quota: history counts only for the period's first year. */
static bool
year_take(struct yearcount *yc, int32_t date, int64_t limit)
{
	int y, m, d;
	rules_ymd(date, &y, &m, &d);
	if (y != yc->year) {
		yc->year = y;
		yc->used = 0;
	}
	if (yc->used >= limit)
		return false;
	yc->used++;
	return true;
}

static bool
total_take(int *used, int64_t limit)
{
	if (*used >= limit)
		return false;
	(*used)++;
	return true;
}

static int64_t
child_sick_limit(const struct rules_participant *pt, const struct rules_params *p)
{
	bool many = pt->children >= rules_pint(p, RULES_P_CHILD_SICK_MANY_CHILDREN, INT64_MAX);
	enum rules_param id = pt->sole_carer ? (many ? RULES_P_CHILD_SICK_DAYS_SOLE_CARER_MANY
	                                             : RULES_P_CHILD_SICK_DAYS_SOLE_CARER)
	                                     : (many ? RULES_P_CHILD_SICK_DAYS_MANY_CHILDREN
	                                             : RULES_P_CHILD_SICK_DAYS);
	int64_t limit = rules_pint(p, id, INT64_MAX);
	if (pt->chronic_child) {
		int64_t c = rules_pint(p,
		                       pt->sole_carer ? RULES_P_CHILD_SICK_DAYS_CHRONIC_SOLE_CARER
		                                      : RULES_P_CHILD_SICK_DAYS_CHRONIC,
		                       INT64_MAX);
		if (c > limit)
			limit = c;
	}
	return limit;
}

static bool
child_sick_take(struct rules_quota *q, const struct rules_input *in, const struct rules_params *p,
                int32_t date)
{
	int months = (int)rules_pint(p, RULES_P_CHILD_SICK_WINDOW_MONTHS, 12);
	int32_t after = rules_add_months(date, -months);
	/* History is use in the window before the period; it ages out a window later. */
	int64_t used = date < rules_add_months(in->from, months) ? in->history.child_sick_days : 0;
	for (size_t i = q->n_cs_used; i > 0 && q->cs_used[i - 1] > after; i--)
		used++;
	if (used >= child_sick_limit(&in->participant, p))
		return false;
	q->cs_used[q->n_cs_used++] = date;
	return true;
}

static void
religious_notice(const struct rules_input *in, const struct rules_params *p, int32_t date,
                 struct rules_day *day)
{
	int64_t notice = rules_pint(p, RULES_P_RELIGIOUS_NOTICE_DAYS, -1);
	for (size_t i = 0; i < in->n_absences && notice >= 0; i++) {
		const struct rules_absence *a = &in->absences[i];
		if (a->category == RULES_CAT_RELIGIOUS_HOLIDAY && date >= a->from &&
		    date <= a->to && a->registered_on != INT32_MIN &&
		    a->from - a->registered_on < notice)
			day->flags |= 1u << RULES_FLAG_RELIGIOUS_SHORT_NOTICE;
	}
}

/* Whether category c may have this day; sets *note to the failed rule otherwise. */
static bool
quota_take(struct rules_quota *q, const struct rules_input *in, const struct rules_params *p, int c,
           int32_t date, int *note)
{
	uint8_t st;
	switch (c) {
	case RULES_CAT_LEAVE_APPROVED:
		*note = RULES_NOTE_LEAVE_APPROVED_QUOTA_EXHAUSTED;
		return year_take(&q->leave, date,
		                 rules_pint(p, RULES_P_LEAVE_APPROVED_DAYS_PER_YEAR, INT64_MAX));
	case RULES_CAT_RELIGIOUS_HOLIDAY:
		*note = RULES_NOTE_RELIGIOUS_QUOTA_EXHAUSTED;
		return year_take(&q->religious, date,
		                 rules_pint(p, RULES_P_RELIGIOUS_DAYS_PER_YEAR, INT64_MAX));
	case RULES_CAT_PREGNANCY:
		*note = RULES_NOTE_PREGNANCY_QUOTA_EXHAUSTED;
		return total_take(&q->pregnancy, rules_pint(p, RULES_P_PREGNANCY_DAYS, INT64_MAX));
	case RULES_CAT_BIRTH_MOTHER:
		*note = RULES_NOTE_BIRTH_MOTHER_QUOTA_EXHAUSTED;
		return total_take(&q->birth_mother,
		                  rules_pint(p, RULES_P_BIRTH_MOTHER_DAYS, INT64_MAX));
	case RULES_CAT_BIRTH_FATHER:
		*note = RULES_NOTE_BIRTH_FATHER_QUOTA_EXHAUSTED;
		return total_take(&q->birth_father,
		                  rules_pint(p, RULES_P_BIRTH_FATHER_DAYS, INT64_MAX));
	case RULES_CAT_SICK_SELF_DECLARED:
		st = date >= q->base && date < q->base + q->n ? q->sd[date - q->base] : ST_NONE;
		*note = st == ST_FIRST_WEEKS ? RULES_NOTE_SELF_DECLARED_FIRST_8_WEEKS
		        : st == ST_OVER_DAYS ? RULES_NOTE_SELF_DECLARED_OVER_3_DAYS
		                             : RULES_NOTE_SELF_DECLARED_QUOTA_EXHAUSTED;
		return st == ST_VALID;
	case RULES_CAT_CHILD_SICK:
		if (date >= q->base && date < q->base + q->n &&
		    q->cs[date - q->base] == ST_OVER_DAYS) {
			*note = RULES_NOTE_CHILD_SICK_OVER_3_DAYS;
			return false;
		}
		*note = RULES_NOTE_CHILD_SICK_QUOTA_EXHAUSTED;
		return child_sick_take(q, in, p, date);
	case RULES_CAT_VACATION:
		*note = RULES_NOTE_VACATION_QUOTA_EXHAUSTED;
		return year_take(&q->vacation, date,
		                 rules_pint(p, RULES_P_VACATION_DAYS_PER_YEAR, INT64_MAX));
	case RULES_CAT_UNEXCUSED:
		*note = RULES_NOTE_REGISTERED_UNEXCUSED;
		return false;
	default: /* nursing, sick_doctor, leave_unpaid: no quota */
		return true;
	}
}

static void
grant(struct mset *missing, struct mset *excused, const struct mset *cover, int c,
      struct rules_day *day)
{
	day->excused_min[c] += rules_mset_count(cover);
	rules_mset_andnot(missing, missing, cover);
	rules_mset_or(excused, excused, cover);
}

void
rules_quota_allocate(struct rules_quota *q, const struct rules_input *in,
                     const struct rules_params *p, int32_t date, struct mset *missing,
                     const struct mset *scheduled, struct rules_day *day, struct mset *excused)
{
	struct mset failed[RULES_NOTE_COUNT];
	uint32_t failed_notes = 0;
	struct mset cover;
	mset_clear(excused);
	/* Most days: nothing missing, or no absence registered for the date. */
	bool any = false;
	for (size_t i = 0; i < in->n_absences && !any; i++)
		any = in->absences[i].from <= date && date <= in->absences[i].to;
	if (!any || !mset_any(missing))
		return;
	for (int c = 0; c < RULES_CAT_COUNT; c++) {
		if (c == RULES_CAT_PREGNANCY) {
			/* Prenatal check-ups have no quota; they go first. */
			cover_filtered(in, c, date, missing, 1, &cover);
			rules_mset_and(&cover, &cover, missing);
			if (mset_any(&cover))
				grant(missing, excused, &cover, c, day);
		}
		cover_filtered(in, c, date, missing, c == RULES_CAT_PREGNANCY ? 0 : -1, &cover);
		rules_mset_and(&cover, &cover, missing);
		if (!mset_any(&cover))
			continue;
		if (c == RULES_CAT_RELIGIOUS_HOLIDAY)
			religious_notice(in, p, date, day);
		int note = -1;
		if (quota_take(q, in, p, c, date, &note)) {
			grant(missing, excused, &cover, c, day);
		} else if (note >= 0) {
			if (!(failed_notes & (1u << note)))
				mset_clear(&failed[note]);
			failed_notes |= 1u << note;
			rules_mset_or(&failed[note], &failed[note], &cover);
		}
	}
	/* Name a failed rule only if its minutes stayed unexcused. */
	for (int n = 0; n < RULES_NOTE_COUNT; n++) {
		if (!(failed_notes & (1u << n)))
			continue;
		rules_mset_and(&cover, &failed[n], missing);
		if (mset_any(&cover))
			day->notes |= 1u << n;
	}
}
