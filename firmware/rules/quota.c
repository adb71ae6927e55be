/*
 * quota.c — allocation of missing minutes to registered absences, in the category
 * order of RULES.md, with every quota.  rules_compute() walks the days in date order
 * from the first self-declared or child-sick registration (or history) on, and this
 * file carries what a day's verdict depends on from one day to the next: runs, the
 * 16-day joining rule, occurrences in the rolling window, per-year and per-event
 * day counts.  A quota counts only days its category actually covered (ruling 2).
 */
#include "rules/rules_int.h"

#include <stdlib.h>
#include <string.h>

enum { ST_VALID, ST_FIRST_WEEKS, ST_OVER_DAYS, ST_EXHAUSTED };

/* What a day does to a self-certified run (rulings 2, 13, 14). */
enum { RUN_COUNT, RUN_NEUTRAL, RUN_END };

/* Keep the walked span bounded: absences or history reaching further are refused. */
#define QUOTA_MAX_SPAN (366 * 30)

struct yearcount {
	int year;
	int used;
};

struct rules_quota {
	/* Own illness (egenmelding). */
	bool sd_have;     /* a counted day was seen */
	bool sd_broken;   /* a day since then ended the run */
	bool sd_active;   /* the last occurrence was valid (it can be joined) */
	bool sd_rejected; /* the current run is a refused occurrence (ruling 10) */
	int32_t sd_end;   /* last counted day of the last valid occurrence */
	int64_t sd_days;  /* days of the current (or joined) occurrence */
	int32_t *occ;     /* first days of the valid occurrences, ascending */
	size_t n_occ, cap_occ;
	/* Child illness. */
	bool cs_have, cs_broken;
	int64_t cs_run;
	int32_t *cs_used; /* dates excused as child_sick within the period, ascending */
	size_t n_cs_used;
	struct yearcount religious, vacation, leave;
	int pregnancy, birth_mother, birth_father;
	/* history.child_sick_days and the first date of the computation it preceded:
	 * it ages out a window after that date, also in a resumed computation. */
	int32_t hist_from;
	int hist_child_sick;
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
	for (int w = 0; w < MSET_WORDS && n > 0; w++) {
		uint64_t x = avail->w[w];
		while (x && n > 0) {
			uint64_t low = x & (~x + 1);
			out->w[w] |= low;
			x &= x - 1;
			n--;
		}
	}
}

/*
 * Which registrations a walk selects: the category (-1 any) and, for child_sick and
 * pregnancy, the doctor's note / check-up mark (-1 either).
 */
struct sel {
	int cat;
	int note;
	int checkup;
};

static bool
selected(const struct rules_absence *a, const struct sel *s, int32_t date)
{
	if (date < a->from || date > a->to)
		return false;
	if (s->cat >= 0 && effective_category(a) != s->cat)
		return false;
	if (s->note >= 0 && a->doctor_note != (s->note == 1))
		return false;
	return s->checkup < 0 || a->checkup == (s->checkup == 1);
}

/*
 * The minutes of `avail` the selected registrations cover on `date`.  Registrations
 * with times (or whole days) cover their window; then registrations given as an
 * amount add up, each taking the earliest minutes still missing (ruling 9), so the
 * result does not depend on the order the registrations were listed in.
 */
static void
cover_sel(const struct rules_input *in, const struct sel *s, int32_t date, const struct mset *avail,
          struct mset *cover)
{
	struct mset r;
	int amount = 0;
	mset_clear(cover);
	for (size_t i = 0; i < in->n_absences; i++) {
		const struct rules_absence *a = &in->absences[i];
		if (!selected(a, s, date))
			continue;
		if (a->minutes > 0) {
			amount += a->minutes;
			continue;
		}
		int st = a->start, e = a->end;
		if (a->continuous) {
			st = date == a->from ? a->start : 0;
			e = date == a->to ? a->end : RULES_MIN_PER_DAY;
		}
		if (st < 0) {
			rules_mset_or(cover, cover, avail);
			continue;
		}
		mset_clear(&r);
		rules_mset_range(&r, st, e, true);
		rules_mset_and(&r, &r, avail);
		rules_mset_or(cover, cover, &r);
	}
	if (amount > 0) {
		rules_mset_andnot(&r, avail, cover);
		struct mset take;
		first_minutes(&r, amount, &take);
		rules_mset_or(cover, cover, &take);
	}
}

/* Whether a registration of the selection has `date` inside its dates. */
static bool
registered_on(const struct rules_input *in, const struct sel *s, int32_t date)
{
	for (size_t i = 0; i < in->n_absences; i++)
		if (selected(&in->absences[i], s, date))
			return true;
	return false;
}

static bool
in_history(const struct rules_input *in, int32_t date)
{
	for (size_t i = 0; i < in->history.n_self_declared; i++)
		if (in->history.self_declared[i].from <= date &&
		    date <= in->history.self_declared[i].to)
			return true;
	return false;
}

static bool
history_first_day(const struct rules_input *in, int32_t date)
{
	for (size_t i = 0; i < in->history.n_self_declared; i++)
		if (in->history.self_declared[i].from == date)
			return true;
	return false;
}

int
rules_quota_span_start(const struct rules_input *in, int32_t *start, char *err, size_t errlen)
{
	int32_t lo = in->from;
	for (size_t i = 0; i < in->n_absences; i++) {
		const struct rules_absence *a = &in->absences[i];
		if ((a->category == RULES_CAT_SICK_SELF_DECLARED ||
		     a->category == RULES_CAT_CHILD_SICK) &&
		    a->from < lo)
			lo = a->from;
	}
	for (size_t i = 0; i < in->history.n_self_declared; i++)
		if (in->history.self_declared[i].from < lo)
			lo = in->history.self_declared[i].from;
	if ((int64_t)in->to - lo >= QUOTA_MAX_SPAN)
		return rules_errf(err, errlen, "absences and history span more than %d days",
		                  QUOTA_MAX_SPAN);
	*start = lo;
	return 0;
}

bool
rules_quota_quiet_day(struct rules_quota *q, const struct rules_input *in,
                      const struct rules_params *p, int32_t date, bool scheduled_day)
{
	struct sel sd = {RULES_CAT_SICK_SELF_DECLARED, -1, -1}, cs = {RULES_CAT_CHILD_SICK, -1, -1};
	if (registered_on(in, &sd, date) || registered_on(in, &cs, date) || in_history(in, date))
		return false;
	/* No illness registered: a scheduled day ends both runs, and so does any day
	 * when days are calendar days; otherwise the day is neutral. */
	if (scheduled_day || p->num[RULES_P_SICK_DAY_COUNT] == RULES_COUNT_CALENDAR) {
		q->sd_broken = true;
		q->cs_broken = true;
	}
	return true;
}

int
rules_quota_new(const struct rules_input *in, struct rules_quota **qp, char *err, size_t errlen)
{
	struct rules_quota *q = calloc(1, sizeof *q);
	if (!q)
		return rules_errf(err, errlen, "out of memory");
	q->cs_used = calloc((size_t)(in->to - in->from + 1), sizeof *q->cs_used);
	int y, m, d;
	rules_ymd(in->from, &y, &m, &d);
	q->religious = (struct yearcount){y, in->history.religious_days};
	q->vacation = (struct yearcount){y, in->history.vacation_days};
	q->leave = (struct yearcount){y, in->history.leave_approved_days};
	q->pregnancy = in->history.pregnancy_days;
	q->birth_mother = in->history.birth_mother_days;
	q->birth_father = in->history.birth_father_days;
	q->hist_from = in->from;
	q->hist_child_sick = in->history.child_sick_days;
	if (!q->cs_used) {
		rules_quota_free(q);
		return rules_errf(err, errlen, "out of memory");
	}
	*qp = q;
	return 0;
}

void
rules_quota_free(struct rules_quota *q)
{
	if (!q)
		return;
	free(q->occ);
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
	int64_t used = date < rules_add_months(q->hist_from, months) ? q->hist_child_sick : 0;
	for (size_t i = q->n_cs_used; i > 0 && q->cs_used[i - 1] > after; i--)
		used++;
	if (used >= child_sick_limit(&in->participant, p))
		return false;
	q->cs_used[q->n_cs_used++] = date;
	return true;
}

/* Ruling 6: a short-notice religious registration that applies to scheduled minutes. */
void
rules_quota_religious_notice(const struct rules_input *in, const struct rules_params *p,
                             int32_t date, const struct mset *scheduled, struct rules_day *day)
{
	int64_t notice = rules_pint(p, RULES_P_RELIGIOUS_NOTICE_DAYS, -1);
	struct sel s = {RULES_CAT_RELIGIOUS_HOLIDAY, -1, -1};
	struct mset cover;
	if (notice < 0 || !mset_any(scheduled))
		return;
	for (size_t i = 0; i < in->n_absences; i++) {
		const struct rules_absence *a = &in->absences[i];
		if (a->category != RULES_CAT_RELIGIOUS_HOLIDAY || a->registered_on == INT32_MIN ||
		    (int64_t)a->from - a->registered_on >= notice || !selected(a, &s, date))
			continue;
		/* This one registration's minutes of the day, whatever was attended. */
		struct rules_input one = *in;
		one.absences = a;
		one.n_absences = 1;
		cover_sel(&one, &s, date, scheduled, &cover);
		if (mset_any(&cover))
			day->flags |= 1u << RULES_FLAG_RELIGIOUS_SHORT_NOTICE;
	}
}

/* Own illness: the verdict on a day the category covers (or, history, a day taken). */
static int
sd_judge(struct rules_quota *q, const struct rules_input *in, const struct rules_params *p,
         int32_t d, bool history, uint8_t *verdict, char *err, size_t errlen)
{
	int64_t waiting = rules_pint(p, RULES_P_SELF_DECLARED_WAITING_WEEKS, 0) * 7;
	if (!history && (int64_t)d < (int64_t)in->participant.programme_start + waiting) {
		*verdict = ST_FIRST_WEEKS; /* refused: uses nothing, joins nothing */
		return 0;
	}
	if (!(q->sd_have && !q->sd_broken)) {
		int64_t join = rules_pint(p, RULES_P_SELF_DECLARED_JOIN_DAYS, -1);
		if (!(q->sd_active && (int64_t)d - q->sd_end <= join)) {
			/* A new occurrence: count the valid ones in the rolling window. */
			int32_t after = rules_add_months(
			    d, -(int)rules_pint(p, RULES_P_SELF_DECLARED_WINDOW_MONTHS, 12));
			int64_t used = 0;
			for (size_t k = 0; k < q->n_occ; k++)
				used += q->occ[k] > after;
			int64_t max =
			    rules_pint(p, RULES_P_SELF_DECLARED_MAX_OCCURRENCES, INT64_MAX);
			q->sd_rejected = !history && used >= max;
			q->sd_active = !q->sd_rejected; /* ruling 10: nothing joins a refused one */
			q->sd_days = 0;
			if (!q->sd_rejected) {
				if (q->n_occ == q->cap_occ) {
					size_t cap = q->cap_occ ? q->cap_occ * 2 : 16;
					int32_t *t = realloc(q->occ, cap * sizeof *t);
					if (!t)
						return rules_errf(err, errlen, "out of memory");
					q->occ = t;
					q->cap_occ = cap;
				}
				q->occ[q->n_occ++] = d;
			}
		}
	}
	q->sd_have = true;
	q->sd_broken = false;
	if (q->sd_rejected) {
		*verdict = ST_EXHAUSTED;
		return 0;
	}
	q->sd_days++;
	q->sd_end = d;
	*verdict = q->sd_days > rules_pint(p, RULES_P_SELF_DECLARED_MAX_DAYS, INT64_MAX)
	               ? ST_OVER_DAYS
	               : ST_VALID;
	return 0;
}

static void
sd_outcome(struct rules_quota *q, int outcome)
{
	if (outcome == RUN_END)
		q->sd_broken = true;
}

/* Child illness without a doctor's note: a counted day of the run; true if within it. */
static bool
cs_count(struct rules_quota *q, const struct rules_params *p)
{
	q->cs_run = q->cs_have && !q->cs_broken ? q->cs_run + 1 : 1;
	q->cs_have = true;
	q->cs_broken = false;
	return q->cs_run <= rules_pint(p, RULES_P_CHILD_SICK_MAX_SELF_DAYS, INT64_MAX);
}

/*
 * What a day with no minutes of the category does to its run: an unscheduled day is
 * neutral when days are scheduled days; with calendar counting it counts if a
 * registration of the category has the date inside its range (ruling 13).
 */
static int
quiet_outcome(const struct rules_input *in, int mode, const struct sel *s, int32_t date,
              bool scheduled_day)
{
	if (scheduled_day)
		return RUN_END;
	if (mode != RULES_COUNT_CALENDAR)
		return RUN_NEUTRAL;
	return registered_on(in, s, date) ? RUN_COUNT : RUN_END;
}

static void
fail_minutes(struct rules_alloc *al, int note, const struct mset *cover)
{
	if (!(al->failed_notes & (1u << note)))
		mset_clear(&al->failed[note]);
	al->failed_notes |= 1u << note;
	rules_mset_or(&al->failed[note], &al->failed[note], cover);
}

static void
grant(struct mset *missing, struct rules_alloc *al, const struct mset *cover, int c,
      struct rules_day *day)
{
	day->excused_min[c] += rules_mset_count(cover);
	rules_mset_andnot(missing, missing, cover);
	rules_mset_or(&al->excused, &al->excused, cover);
}

/* The day-counted quotas other than illness; true if the day may have category c. */
static bool
simple_take(struct rules_quota *q, const struct rules_params *p, int c, int32_t date, int *note)
{
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

static int
allocate_self_declared(struct rules_quota *q, const struct rules_input *in,
                       const struct rules_params *p, int32_t date, bool pre, bool scheduled_day,
                       struct mset *missing, struct rules_day *day, struct rules_alloc *al,
                       char *err, size_t errlen)
{
	struct sel s = {RULES_CAT_SICK_SELF_DECLARED, -1, -1};
	struct mset cover;
	uint8_t v;
	if (pre && in_history(in, date)) {
		/* Earlier periods are taken as valid occurrences that can be joined.  Their
		 * days count as the regime counts days; the first day always does, so a
		 * period on days without sessions is still an occurrence. */
		int mode = (int)p->num[RULES_P_SICK_DAY_COUNT];
		if (scheduled_day || mode == RULES_COUNT_CALENDAR || history_first_day(in, date))
			return sd_judge(q, in, p, date, true, &v, err, errlen);
		return 0;
	}
	cover_sel(in, &s, date, missing, &cover);
	rules_mset_or(&al->claimed, &al->claimed, &cover);
	int mode = (int)p->num[RULES_P_SICK_DAY_COUNT];
	int outcome =
	    mset_any(&cover) ? RUN_COUNT : quiet_outcome(in, mode, &s, date, scheduled_day);
	if (outcome != RUN_COUNT) {
		sd_outcome(q, outcome);
		return 0;
	}
	if (sd_judge(q, in, p, date, false, &v, err, errlen) < 0)
		return -1;
	if (!mset_any(&cover))
		return 0;
	if (v == ST_VALID) {
		grant(missing, al, &cover, RULES_CAT_SICK_SELF_DECLARED, day);
		return 0;
	}
	fail_minutes(al,
	             v == ST_FIRST_WEEKS ? RULES_NOTE_SELF_DECLARED_FIRST_8_WEEKS
	             : v == ST_OVER_DAYS ? RULES_NOTE_SELF_DECLARED_OVER_3_DAYS
	                                 : RULES_NOTE_SELF_DECLARED_QUOTA_EXHAUSTED,
	             &cover);
	return 0;
}

static void
allocate_child_sick(struct rules_quota *q, const struct rules_input *in,
                    const struct rules_params *p, int32_t date, bool pre, bool scheduled_day,
                    struct mset *missing, struct rules_day *day, struct rules_alloc *al)
{
	int mode = (int)p->num[RULES_P_SICK_DAY_COUNT];
	struct sel noted = {RULES_CAT_CHILD_SICK, 1, -1}, plain = {RULES_CAT_CHILD_SICK, 0, -1};
	struct mset cover;
	/* Ruling 14: a doctor's note takes its minutes first, with no quota (ruling 3). */
	cover_sel(in, &noted, date, missing, &cover);
	bool note_day = mset_any(&cover) || (!scheduled_day && mode == RULES_COUNT_CALENDAR &&
	                                     registered_on(in, &noted, date));
	if (mset_any(&cover)) {
		rules_mset_or(&al->claimed, &al->claimed, &cover);
		grant(missing, al, &cover, RULES_CAT_CHILD_SICK, day);
	}
	cover_sel(in, &plain, date, missing, &cover);
	rules_mset_or(&al->claimed, &al->claimed, &cover);
	int outcome =
	    mset_any(&cover) ? RUN_COUNT : quiet_outcome(in, mode, &plain, date, scheduled_day);
	if (outcome == RUN_END && note_day)
		outcome = RUN_NEUTRAL; /* covered only by a note: neither counts nor ends */
	if (outcome == RUN_END)
		q->cs_broken = true;
	if (outcome != RUN_COUNT)
		return;
	if (!cs_count(q, p)) {
		if (mset_any(&cover))
			fail_minutes(al, RULES_NOTE_CHILD_SICK_OVER_3_DAYS, &cover);
		return;
	}
	/*
	 * Days before the period are in history.child_sick_days already.  The days of the
	 * 12-month quota are days with minutes of the category (ruling 2); calendar
	 * counting (ruling 13) applies to the runs, not to this quota.
	 */
	if (!mset_any(&cover))
		return;
	if (pre) {
		grant(missing, al, &cover, RULES_CAT_CHILD_SICK, day);
		return;
	}
	if (!child_sick_take(q, in, p, date)) {
		fail_minutes(al, RULES_NOTE_CHILD_SICK_QUOTA_EXHAUSTED, &cover);
		return;
	}
	grant(missing, al, &cover, RULES_CAT_CHILD_SICK, day);
}

int
rules_quota_allocate(struct rules_quota *q, const struct rules_input *in,
                     const struct rules_params *p, int32_t date, bool pre, bool scheduled_day,
                     struct mset *missing, struct rules_day *day, struct rules_alloc *al, char *err,
                     size_t errlen)
{
	struct mset cover;
	bool registered = false;
	mset_clear(&al->excused);
	mset_clear(&al->claimed);
	al->failed_notes = 0;
	/*
	 * Most days have no registration: then every selection covers nothing (selected()
	 * wants the date inside the registration's), and only the two categories whose
	 * runs a quiet day moves need their walk; the others would find nothing.
	 */
	for (size_t i = 0; i < in->n_absences && !registered; i++)
		registered = in->absences[i].from <= date && date <= in->absences[i].to;
	for (int c = 0; c < RULES_CAT_COUNT; c++) {
		if (c == RULES_CAT_SICK_SELF_DECLARED) {
			if (allocate_self_declared(q, in, p, date, pre, scheduled_day, missing, day,
			                           al, err, errlen) < 0)
				return -1;
			continue;
		}
		if (c == RULES_CAT_CHILD_SICK) {
			allocate_child_sick(q, in, p, date, pre, scheduled_day, missing, day, al);
			continue;
		}
		if (!registered)
			continue;
		if (c == RULES_CAT_PREGNANCY) {
			/* Prenatal check-ups have no quota; they go first. */
			struct sel chk = {c, -1, 1};
			cover_sel(in, &chk, date, missing, &cover);
			if (mset_any(&cover)) {
				rules_mset_or(&al->claimed, &al->claimed, &cover);
				grant(missing, al, &cover, c, day);
			}
		}
		struct sel s = {c, -1, c == RULES_CAT_PREGNANCY ? 0 : -1};
		cover_sel(in, &s, date, missing, &cover);
		if (!mset_any(&cover))
			continue;
		rules_mset_or(&al->claimed, &al->claimed, &cover);
		int note = -1;
		/* Before the period, history stands for these quotas: nothing is counted. */
		if ((pre && c != RULES_CAT_UNEXCUSED) || simple_take(q, p, c, date, &note))
			grant(missing, al, &cover, c, day);
		else if (note >= 0)
			fail_minutes(al, note, &cover);
	}
	return 0;
}

/*
 * --- saved states (incremental results) ---
 *
 * Native byte order and sizes: a state is read back only by the build that wrote it
 * on the same machine (the caller's fingerprint includes STATE_VERSION via
 * rules_state_date() refusing any other).  Layout: magic, version, date, then the
 * fields of struct rules_quota in declaration order, then the two date arrays.
 */
#define STATE_MAGIC 0x31535152u /* "RQS1" */
#define STATE_VERSION 1u

struct wbuf {
	unsigned char *p;
	size_t n, cap;
	bool oom;
};

static void
put(struct wbuf *b, const void *v, size_t len)
{
	if (b->oom || len == 0)
		return;
	if (b->n + len > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		while (cap < b->n + len)
			cap *= 2;
		unsigned char *t = realloc(b->p, cap);
		if (!t) {
			b->oom = true;
			return;
		}
		b->p = t;
		b->cap = cap;
	}
	memcpy(b->p + b->n, v, len);
	b->n += len;
}

struct rbuf {
	const unsigned char *p;
	size_t n, at;
	bool bad;
};

static void
get(struct rbuf *b, void *v, size_t len)
{
	if (len == 0)
		return;
	if (b->bad || b->n - b->at < len) {
		b->bad = true;
		memset(v, 0, len);
		return;
	}
	memcpy(v, b->p + b->at, len);
	b->at += len;
}

#define PUT(b, x) put((b), &(x), sizeof(x))
#define GET(b, x) get((b), &(x), sizeof(x))

int
rules_quota_save(const struct rules_quota *q, int32_t date, struct rules_saved_state *out,
                 char *err, size_t errlen)
{
	struct wbuf b = {0};
	uint32_t magic = STATE_MAGIC, version = STATE_VERSION;
	uint32_t n_occ = (uint32_t)q->n_occ, n_cs = (uint32_t)q->n_cs_used;
	uint8_t flags = (uint8_t)(q->sd_have | q->sd_broken << 1 | q->sd_active << 2 |
	                          q->sd_rejected << 3 | q->cs_have << 4 | q->cs_broken << 5);

	PUT(&b, magic);
	PUT(&b, version);
	PUT(&b, date);
	PUT(&b, flags);
	PUT(&b, q->sd_end);
	PUT(&b, q->sd_days);
	PUT(&b, q->cs_run);
	PUT(&b, q->religious);
	PUT(&b, q->vacation);
	PUT(&b, q->leave);
	PUT(&b, q->pregnancy);
	PUT(&b, q->birth_mother);
	PUT(&b, q->birth_father);
	PUT(&b, q->hist_from);
	PUT(&b, q->hist_child_sick);
	PUT(&b, n_occ);
	put(&b, q->occ, n_occ * sizeof *q->occ);
	PUT(&b, n_cs);
	put(&b, q->cs_used, n_cs * sizeof *q->cs_used);
	if (b.oom) {
		free(b.p);
		return rules_errf(err, errlen, "out of memory");
	}
	*out = (struct rules_saved_state){date, b.p, b.n};
	return 0;
}

int
rules_state_date(const unsigned char *data, size_t len, int32_t *date)
{
	struct rbuf b = {data, len, 0, false};
	uint32_t magic, version;

	GET(&b, magic);
	GET(&b, version);
	GET(&b, *date);
	return b.bad || magic != STATE_MAGIC || version != STATE_VERSION ? -1 : 0;
}

/* Read `n` ascending dates into a fresh array with room for `extra` more. */
static int32_t *
get_dates(struct rbuf *b, uint32_t n, size_t extra)
{
	int32_t *v;

	if (b->bad || (b->n - b->at) / sizeof *v < n) {
		b->bad = true;
		return NULL;
	}
	if ((v = calloc((size_t)n + extra + 1, sizeof *v)) == NULL)
		return NULL;
	get(b, v, n * sizeof *v);
	for (uint32_t i = 1; i < n; i++)
		if (v[i] < v[i - 1])
			b->bad = true;
	return v;
}

int
rules_quota_resume(const struct rules_input *in, struct rules_quota **qp, char *err, size_t errlen)
{
	struct rbuf b = {in->resume, in->resume_len, 0, false};
	struct rules_quota *q = calloc(1, sizeof *q);
	uint32_t magic, version, n_occ, n_cs;
	int32_t date;
	uint8_t flags;
	char d[16];

	*qp = NULL;
	if (!q)
		return rules_errf(err, errlen, "out of memory");
	GET(&b, magic);
	GET(&b, version);
	GET(&b, date);
	if (b.bad || magic != STATE_MAGIC || version != STATE_VERSION) {
		free(q);
		return rules_errf(err, errlen,
		                  "saved quota state: not a state of this engine "
		                  "(format %u)",
		                  version);
	}
	if (date != in->from) {
		rules_date_format(date, d, sizeof d);
		free(q);
		return rules_errf(err, errlen,
		                  "saved quota state is for %s, not the period's "
		                  "first day",
		                  d);
	}
	GET(&b, flags);
	q->sd_have = flags & 1;
	q->sd_broken = flags >> 1 & 1;
	q->sd_active = flags >> 2 & 1;
	q->sd_rejected = flags >> 3 & 1;
	q->cs_have = flags >> 4 & 1;
	q->cs_broken = flags >> 5 & 1;
	GET(&b, q->sd_end);
	GET(&b, q->sd_days);
	GET(&b, q->cs_run);
	GET(&b, q->religious);
	GET(&b, q->vacation);
	GET(&b, q->leave);
	GET(&b, q->pregnancy);
	GET(&b, q->birth_mother);
	GET(&b, q->birth_father);
	GET(&b, q->hist_from);
	GET(&b, q->hist_child_sick);
	GET(&b, n_occ);
	q->occ = get_dates(&b, n_occ, 0);
	q->n_occ = q->cap_occ = q->occ ? n_occ : 0;
	GET(&b, n_cs);
	/* one child-sick day at most per day of the period */
	q->cs_used = get_dates(&b, n_cs, (size_t)(in->to - in->from + 1));
	q->n_cs_used = q->cs_used ? n_cs : 0;
	if (b.bad || b.at != b.n || !q->occ || !q->cs_used) {
		bool oom = !b.bad && b.at == b.n;
		rules_quota_free(q);
		return rules_errf(err, errlen, "%s",
		                  oom ? "out of memory"
		                      : "saved quota state: damaged or truncated");
	}
	*qp = q;
	return 0;
}
