/*
 * rules_int.h — what the engine's files share with each other and nobody else:
 * minute sets (one bit per minute of a day), parameters resolved for one date, and
 * the per-file entry points rules_compute() strings together.  Not a public header.
 */
#ifndef STEMPEL_RULES_INT_H
#define STEMPEL_RULES_INT_H

#include "rules/rules.h"

#include <stdarg.h>

#define MSET_WORDS ((RULES_MIN_PER_DAY + 63) / 64)

/* A set of minutes of one day. */
struct mset {
	uint64_t w[MSET_WORDS];
};

static inline void
mset_clear(struct mset *s)
{
	for (int i = 0; i < MSET_WORDS; i++)
		s->w[i] = 0;
}

static inline bool
mset_has(const struct mset *s, int m)
{
	return (s->w[m >> 6] >> (m & 63)) & 1;
}

/* Whether any minute is in the set (cheaper than counting). */
static inline bool
mset_any(const struct mset *s)
{
	uint64_t acc = 0;
	for (int i = 0; i < MSET_WORDS; i++)
		acc |= s->w[i];
	return acc != 0;
}

/* Add (on = true) or remove minutes [a, b). */
void rules_mset_range(struct mset *s, int a, int b, bool on);
/* dst = a & b, dst = a & ~b, dst = a | b. */
void rules_mset_and(struct mset *dst, const struct mset *a, const struct mset *b);
void rules_mset_andnot(struct mset *dst, const struct mset *a, const struct mset *b);
void rules_mset_or(struct mset *dst, const struct mset *a, const struct mset *b);
int rules_mset_count(const struct mset *s);

/* Every parameter's value on one date; den == 0 is "none". */
struct rules_params {
	int64_t num[RULES_P_COUNT];
	int64_t den[RULES_P_COUNT];
	int32_t settle_minutes; /* = RULES_P_SETTLE_MINUTES, named for the day-state code */
	int32_t valid_until;    /* last date on which all of these stay in force */
};

/* Resolve every parameter for `date`; -1 if one has no version in force. */
int rules_params_at(const struct rules_regime *r, int32_t date, struct rules_params *p, char *err,
                    size_t errlen);
/* Integer value of p, or `none_value` when the parameter is "none". */
static inline int64_t
rules_pint(const struct rules_params *p, enum rules_param id, int64_t none_value)
{
	return p->den[id] ? p->num[id] / p->den[id] : none_value;
}

static inline struct rules_rat
rules_prat(const struct rules_params *p, enum rules_param id)
{
	struct rules_rat r = {p->num[id], p->den[id]};
	return r;
}

/* A day's timetable after holidays, closures and exceptions. */
struct rules_dayplan {
	int n;
	int16_t start[RULES_MAX_SESSIONS], end[RULES_MAX_SESSIONS];
	bool off_site[RULES_MAX_SESSIONS];
	uint32_t flags; /* RULES_FLAG_PUBLIC_HOLIDAY / RULES_FLAG_CLOSURE */
};

/* schedule.c: the sessions of `date`, sorted by start. */
void rules_schedule_day(const struct rules_input *in, int32_t date, struct rules_dayplan *dp);
/* schedule.c: whether `date` has any scheduled minute. */
bool rules_schedule_is_day(const struct rules_input *in, int32_t date);
/* schedule.c: scheduled minutes (on-site in `onsite`, off-site in `offsite`). */
void rules_schedule_sets(const struct rules_dayplan *dp, struct mset *onsite, struct mset *offsite);

/* presence.c: minutes present from the day's taps; sets RULES_FLAG_MISSING_TAP_OUT
 * and RULES_FLAG_TAP_OUTSIDE_SCHEDULE (ruling 5). */
void rules_presence(const struct rules_dayplan *dp, const struct rules_tap *taps, size_t n,
                    const struct rules_params *p, struct mset *present, uint32_t *flags);
/* presence.c: apply grace and rounding to the unexcused gaps of sessions the
 * participant came to; moves minutes between `attended` and `unexcused`. */
void rules_grace_rounding(const struct rules_dayplan *dp, const struct rules_params *p,
                          const struct mset *excused, struct mset *attended,
                          struct mset *unexcused);

/* quota.c: state carried from day to day through one computation. */
struct rules_quota;
int rules_quota_new(const struct rules_input *in, struct rules_quota **q, char *err, size_t errlen);
void rules_quota_free(struct rules_quota *q);
/*
 * quota.c: the state as bytes (rules_saved_state) for a later call to resume from
 * `date`, and back: a resumed state gets room for the days of `in`'s period.
 */
int rules_quota_save(const struct rules_quota *q, int32_t date, struct rules_saved_state *out,
                     char *err, size_t errlen);
int rules_quota_resume(const struct rules_input *in, struct rules_quota **q, char *err,
                       size_t errlen);
/* quota.c: the first date the walk must start at (illness registrations, history). */
int rules_quota_span_start(const struct rules_input *in, int32_t *start, char *err, size_t errlen);
/*
 * quota.c: a day before the period with no illness registered and no history needs no
 * allocation; this records what it does to the runs.  False if the day needs the full
 * computation.
 */
bool rules_quota_quiet_day(struct rules_quota *q, const struct rules_input *in,
                           const struct rules_params *p, int32_t date, bool scheduled_day);

/* What the allocation of one day decided. */
struct rules_alloc {
	struct mset excused; /* minutes granted to a category */
	struct mset claimed; /* minutes a registration applied to, granted or refused */
	uint32_t failed_notes;
	struct mset failed[RULES_NOTE_COUNT]; /* minutes each failed rule refused */
};

/*
 * quota.c: allocate the day's `missing` minutes to the registered absences in
 * category order, honouring every quota; what is left stays in `missing`.  `pre`:
 * a day before the period, walked only for the illness runs (its other quotas are
 * in the history).  `scheduled_day`: the day has sessions.
 */
int rules_quota_allocate(struct rules_quota *q, const struct rules_input *in,
                         const struct rules_params *p, int32_t date, bool pre, bool scheduled_day,
                         struct mset *missing, struct rules_day *day, struct rules_alloc *al,
                         char *err, size_t errlen);
/* quota.c: ruling 6, the religious short-notice flag of a day. */
void rules_quota_religious_notice(const struct rules_input *in, const struct rules_params *p,
                                  int32_t date, const struct mset *scheduled,
                                  struct rules_day *day);

/* money.c: the participant's monthly stipend on `date` (exact, øre). */
int rules_money_monthly(const struct rules_input *in, const struct rules_params *p, int32_t date,
                        struct rules_rat *out, char *err, size_t errlen);
/* money.c: value of `minutes` unexcused minutes on `date` (exact, øre). */
int rules_money_minutes(const struct rules_input *in, const struct rules_params *p, int32_t date,
                        int minutes, struct rules_rat *out, char *err, size_t errlen);

/* payout.c: payout periods, their gross, deductions and flags, and the totals. */
int rules_payouts(const struct rules_input *in, struct rules_output *out, char *err, size_t errlen);

/* Format an error message (printf-style). */
int rules_errf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
