/*
 * params.c — the vocabulary of the engine: regime parameters (names, kinds, what
 * they mean), absence categories, notes and flags, and resolving effective-dated
 * parameters for a date.  regime.c parses files with this table; the board can list
 * parameters and their status from it.
 */
#include "rules/rules_int.h"

#include <stdio.h>
#include <string.h>

static const char *const basis_choices[] = {"g", "monthly_benefit", NULL};
static const char *const tap_choices[] = {"in_out", "in_only", NULL};
static const char *const missing_choices[] = {"session_end", "none", NULL};
static const char *const count_choices[] = {"scheduled", "calendar", NULL};
static const char *const payout_choices[] = {"monthly", "biweekly", NULL};
static const char *const decision_choices[] = {"threshold", "every_deduction", NULL};
static const char *const yesno_choices[] = {"no", "yes", NULL};

#define P_INT(n, none, h)                                                                          \
	{                                                                                          \
		n, RULES_KIND_INT, NULL, none, h                                                   \
	}
#define P_RAT(n, h)                                                                                \
	{                                                                                          \
		n, RULES_KIND_RAT, NULL, false, h                                                  \
	}
#define P_ENUM(n, c, h)                                                                            \
	{                                                                                          \
		n, RULES_KIND_ENUM, c, false, h                                                    \
	}

static const struct rules_param_info params[RULES_P_COUNT] = {
    [RULES_P_STIPEND_BASIS] =
        P_ENUM("stipend_basis", basis_choices, "what the stipend is computed from"),
    [RULES_P_G_MULTIPLE] = P_RAT("g_multiple", "annual stipend in G"),
    [RULES_P_RATE_FULL] = P_RAT("rate_full", "factor for the full rate"),
    [RULES_P_RATE_UNDER25_ALONE] = P_RAT("rate_under25_alone", "factor for under 25 living alone"),
    [RULES_P_RATE_UNDER25_WITH_PARENTS] =
        P_RAT("rate_under25_with_parents", "factor for under 25 living with a parent"),
    [RULES_P_ANNUAL_HOURS] = P_RAT("annual_hours", "hour value = annual stipend / this"),
    [RULES_P_MONTHLY_HOURS] = P_RAT("monthly_hours", "hour value = monthly benefit / this"),
    [RULES_P_DAY_DIVISOR] = P_INT("day_divisor", false, "day value = monthly / this"),
    [RULES_P_TAP_MODE] = P_ENUM("tap_mode", tap_choices, "how taps become presence"),
    [RULES_P_MISSING_OUT] =
        P_ENUM("missing_out", missing_choices, "where a forgotten tap-out ends presence"),
    [RULES_P_GRACE_MINUTES] = P_INT("grace_minutes", false, "lateness forgiven"),
    [RULES_P_ROUNDING_MINUTES] =
        P_INT("rounding_minutes", false, "lateness rounded up to a multiple of this"),
    [RULES_P_SICK_DAY_COUNT] =
        P_ENUM("sick_day_count", count_choices, "how self-certified sick days are counted"),
    [RULES_P_SELF_DECLARED_MAX_DAYS] =
        P_INT("self_declared_max_days", true, "days per self-declared period"),
    [RULES_P_SELF_DECLARED_MAX_OCCURRENCES] =
        P_INT("self_declared_max_occurrences", true, "self-declared periods per window"),
    [RULES_P_SELF_DECLARED_WINDOW_MONTHS] =
        P_INT("self_declared_window_months", false, "rolling window for occurrences"),
    [RULES_P_SELF_DECLARED_WAITING_WEEKS] =
        P_INT("self_declared_waiting_weeks", false,
              "weeks from programme start without self-declaration"),
    [RULES_P_SELF_DECLARED_JOIN_DAYS] = P_INT(
        "self_declared_join_days", true, "new illness within this many days joins the last period"),
    [RULES_P_CHILD_SICK_DAYS] = P_INT("child_sick_days", true, "child sick days per window"),
    [RULES_P_CHILD_SICK_DAYS_MANY_CHILDREN] =
        P_INT("child_sick_days_many_children", true, "... caring for many children"),
    [RULES_P_CHILD_SICK_MANY_CHILDREN] =
        P_INT("child_sick_many_children", false, "how many children are many"),
    [RULES_P_CHILD_SICK_DAYS_SOLE_CARER] =
        P_INT("child_sick_days_sole_carer", true, "... for a sole carer"),
    [RULES_P_CHILD_SICK_DAYS_SOLE_CARER_MANY] =
        P_INT("child_sick_days_sole_carer_many", true, "... for a sole carer of many children"),
    [RULES_P_CHILD_SICK_DAYS_CHRONIC] =
        P_INT("child_sick_days_chronic", true, "... with a chronically ill child"),
    [RULES_P_CHILD_SICK_DAYS_CHRONIC_SOLE_CARER] = P_INT(
        "child_sick_days_chronic_sole_carer", true, "... sole carer of a chronically ill child"),
    [RULES_P_CHILD_SICK_WINDOW_MONTHS] =
        P_INT("child_sick_window_months", false, "rolling window for child sick days"),
    [RULES_P_CHILD_SICK_MAX_SELF_DAYS] = P_INT(
        "child_sick_max_self_days", true, "consecutive child sick days without a doctor's note"),
    [RULES_P_RELIGIOUS_DAYS_PER_YEAR] =
        P_INT("religious_days_per_year", true, "religious holidays per calendar year"),
    [RULES_P_RELIGIOUS_NOTICE_DAYS] =
        P_INT("religious_notice_days", true, "notice asked for a religious holiday (warning only)"),
    [RULES_P_PREGNANCY_DAYS] = P_INT("pregnancy_days", true, "days during a pregnancy"),
    [RULES_P_BIRTH_MOTHER_DAYS] =
        P_INT("birth_mother_days", true, "days for the mother after a birth"),
    [RULES_P_BIRTH_FATHER_DAYS] =
        P_INT("birth_father_days", true, "days for the father or co-parent"),
    [RULES_P_VACATION_DAYS_PER_YEAR] =
        P_INT("vacation_days_per_year", true, "vacation days per calendar year"),
    [RULES_P_LEAVE_APPROVED_DAYS_PER_YEAR] =
        P_INT("leave_approved_days_per_year", true, "welfare leave days per calendar year"),
    [RULES_P_PAYOUT] = P_ENUM("payout", payout_choices, "payout period"),
    [RULES_P_PAYOUT_ANCHOR] = {"payout_anchor", RULES_KIND_DATE, NULL, false,
                               "first day of some biweekly payout period"},
    [RULES_P_DECISION_RULE] =
        P_ENUM("decision_rule", decision_choices, "when a formal decision is required"),
    [RULES_P_DECISION_SHARE] = P_RAT("decision_share", "threshold: share of the gross"),
    [RULES_P_DECISION_G_FRACTION] = P_RAT("decision_g_fraction", "threshold: share of G"),
    [RULES_P_LATENESS_NEEDS_ASSESSMENT] =
        P_ENUM("lateness_needs_assessment", yesno_choices, "lateness deductions are proposals"),
    [RULES_P_DEDUCTION_DEADLINE_MONTHS] =
        P_INT("deduction_deadline_months", true, "whole months to effect a deduction"),
    [RULES_P_SETTLE_MINUTES] =
        P_INT("settle_minutes", false, "a day is final this many minutes after its last session"),
};

static const char *const category_names[RULES_CAT_COUNT] = {
    "leave_approved", "religious_holiday", "pregnancy",    "birth_mother",
    "birth_father",   "nursing",           "sick_doctor",  "sick_self_declared",
    "child_sick",     "vacation",          "leave_unpaid", "unexcused",
};

static const char *const note_names[RULES_NOTE_COUNT] = {
    "self_declared_quota_exhausted",  "self_declared_first_8_weeks",
    "self_declared_over_3_days",      "child_sick_quota_exhausted",
    "child_sick_over_3_days",         "religious_quota_exhausted",
    "pregnancy_quota_exhausted",      "birth_mother_quota_exhausted",
    "birth_father_quota_exhausted",   "vacation_quota_exhausted",
    "leave_approved_quota_exhausted", "registered_unexcused",
};

static const char *const flag_names[RULES_FLAG_COUNT] = {
    "missing_tap_out", "public_holiday",       "closure", "lateness", "religious_short_notice",
    "past_deadline",   "tap_outside_schedule",
};

static const char *const rate_names[] = {"full", "under25_alone", "under25_with_parents"};

int
rules_errf(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int
name_index(const char *const *names, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

const char *
rules_category_name(enum rules_category c)
{
	return (unsigned)c < RULES_CAT_COUNT ? category_names[c] : "?";
}

int
rules_category_parse(const char *name)
{
	return name_index(category_names, RULES_CAT_COUNT, name);
}

const char *
rules_note_name(enum rules_note n)
{
	return (unsigned)n < RULES_NOTE_COUNT ? note_names[n] : "?";
}

const char *
rules_flag_name(enum rules_flag f)
{
	return (unsigned)f < RULES_FLAG_COUNT ? flag_names[f] : "?";
}

int
rules_rate_parse(const char *name)
{
	return name_index(rate_names, 3, name);
}

const struct rules_param_info *
rules_param_info(enum rules_param p)
{
	return (unsigned)p < RULES_P_COUNT ? &params[p] : NULL;
}

int
rules_param_lookup(const char *name)
{
	for (int i = 0; i < RULES_P_COUNT; i++)
		if (strcmp(params[i].name, name) == 0)
			return i;
	return -1;
}

const struct rules_param_version *
rules_param_at(const struct rules_regime *r, enum rules_param p, int32_t date)
{
	const struct rules_param_version *found = NULL;
	for (int i = 0; i < r->n_versions[p]; i++) {
		if (r->versions[p][i].valid_from > date)
			break;
		found = &r->versions[p][i];
	}
	return found;
}

int32_t
rules_settle_minutes(const struct rules_regime *r, int32_t date)
{
	const struct rules_param_version *v = rules_param_at(r, RULES_P_SETTLE_MINUTES, date);
	if (!v || v->den == 0)
		return RULES_SETTLE_MINUTES_DEFAULT;
	return (int32_t)(v->num / v->den);
}

int
rules_params_at(const struct rules_regime *r, int32_t date, struct rules_params *p, char *err,
                size_t errlen)
{
	p->valid_until = INT32_MAX;
	for (int i = 0; i < RULES_P_COUNT; i++) {
		const struct rules_param_version *v = rules_param_at(r, i, date);
		char buf[16];
		if (!v) {
			rules_date_format(date, buf, sizeof buf);
			return rules_errf(err, errlen, "regime %s: %s has no value in force on %s",
			                  r->name, params[i].name, buf);
		}
		p->num[i] = v->num;
		p->den[i] = v->den;
		if (i == RULES_P_SETTLE_MINUTES)
			p->settle_minutes = (int32_t)(v->num / v->den);
		if (v + 1 < r->versions[i] + r->n_versions[i] &&
		    v[1].valid_from - 1 < p->valid_until)
			p->valid_until = v[1].valid_from - 1;
	}
	return 0;
}

/* Range checks that keep the engine's arithmetic and loops sane. */
static int
check_value(const struct rules_regime *r, int p, const struct rules_param_version *v, char *err,
            size_t errlen)
{
	const struct rules_param_info *info = &params[p];
	if (v->den == 0)
		return info->allow_none
		           ? 0
		           : rules_errf(err, errlen, "regime %s: %s: \"none\" not allowed", r->name,
		                        info->name);
	if (v->den < 0 || v->num < 0)
		return rules_errf(err, errlen, "regime %s: %s: negative", r->name, info->name);
	switch (info->kind) {
	case RULES_KIND_ENUM: {
		int n = 0;
		while (info->choices[n])
			n++;
		if (v->num >= n || v->den != 1)
			return rules_errf(err, errlen, "regime %s: %s: bad choice", r->name,
			                  info->name);
		break;
	}
	case RULES_KIND_RAT:
		if (v->num == 0)
			return rules_errf(err, errlen, "regime %s: %s: must be positive", r->name,
			                  info->name);
		break;
	case RULES_KIND_INT:
		if (v->den != 1 || v->num > 100000)
			return rules_errf(err, errlen, "regime %s: %s: out of range", r->name,
			                  info->name);
		if ((p == RULES_P_ROUNDING_MINUTES || p == RULES_P_DAY_DIVISOR) && v->num == 0)
			return rules_errf(err, errlen, "regime %s: %s: must be at least 1", r->name,
			                  info->name);
		break;
	case RULES_KIND_DATE:
		break;
	}
	return 0;
}

int
rules_regime_check(const struct rules_regime *r, char *err, size_t errlen)
{
	for (int p = 0; p < RULES_P_COUNT; p++) {
		if (r->n_versions[p] == 0)
			return rules_errf(err, errlen, "regime %s: parameter %s missing", r->name,
			                  params[p].name);
		if (r->n_versions[p] > RULES_MAX_VERSIONS)
			return rules_errf(err, errlen, "regime %s: %s: too many versions", r->name,
			                  params[p].name);
		for (int i = 0; i < r->n_versions[p]; i++) {
			if (i > 0 &&
			    r->versions[p][i].valid_from <= r->versions[p][i - 1].valid_from)
				return rules_errf(err, errlen,
				                  "regime %s: %s: valid_from dates must ascend",
				                  r->name, params[p].name);
			if (check_value(r, p, &r->versions[p][i], err, errlen) < 0)
				return -1;
		}
	}
	for (size_t i = 1; i < r->n_g; i++)
		if (r->g[i].from <= r->g[i - 1].from)
			return rules_errf(err, errlen, "regime %s: G dates must ascend", r->name);
	return 0;
}
