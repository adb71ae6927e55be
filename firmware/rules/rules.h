/*
 * rules.h — the absence-rules engine (RULES.md): taps, schedules and registered
 * absences in, minutes per category and stipend deductions out.  Pure C11: no I/O,
 * no clock, no globals with state.  The caller owns every input; rules_compute()
 * allocates the output, rules_output_free() releases it.  Recomputing after a
 * correction is calling rules_compute() again.
 */
#ifndef STEMPEL_RULES_H
#define STEMPEL_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Dates are day numbers: days since 1970-01-01 (negative before).  Times are minutes. */
#define RULES_MIN_PER_DAY 1440
#define RULES_MAX_DAYS 3700   /* longest period one call computes (about ten years) */
#define RULES_MAX_VERSIONS 16 /* effective-dated versions of one regime parameter */
#define RULES_MAX_G 128       /* entries of a G table */
#define RULES_MAX_SESSIONS 8  /* sessions on one day */

/* Absence categories, in the allocation order of RULES.md. */
enum rules_category {
	RULES_CAT_LEAVE_APPROVED,
	RULES_CAT_RELIGIOUS_HOLIDAY,
	RULES_CAT_PREGNANCY,
	RULES_CAT_BIRTH_MOTHER,
	RULES_CAT_BIRTH_FATHER,
	RULES_CAT_NURSING,
	RULES_CAT_SICK_DOCTOR,
	RULES_CAT_SICK_SELF_DECLARED,
	RULES_CAT_CHILD_SICK,
	RULES_CAT_VACATION,
	RULES_CAT_LEAVE_UNPAID,
	RULES_CAT_UNEXCUSED, /* registered by a teacher: "was not there" (off-site sessions) */
	RULES_CAT_COUNT
};

/* Why minutes ended up unexcused (day notes), one bit each. */
enum rules_note {
	RULES_NOTE_SELF_DECLARED_QUOTA_EXHAUSTED,
	RULES_NOTE_SELF_DECLARED_FIRST_8_WEEKS,
	RULES_NOTE_SELF_DECLARED_OVER_3_DAYS,
	RULES_NOTE_CHILD_SICK_QUOTA_EXHAUSTED,
	RULES_NOTE_CHILD_SICK_OVER_3_DAYS,
	RULES_NOTE_RELIGIOUS_QUOTA_EXHAUSTED,
	RULES_NOTE_PREGNANCY_QUOTA_EXHAUSTED,
	RULES_NOTE_BIRTH_MOTHER_QUOTA_EXHAUSTED,
	RULES_NOTE_BIRTH_FATHER_QUOTA_EXHAUSTED,
	RULES_NOTE_VACATION_QUOTA_EXHAUSTED,
	RULES_NOTE_LEAVE_APPROVED_QUOTA_EXHAUSTED,
	RULES_NOTE_REGISTERED_UNEXCUSED,
	RULES_NOTE_COUNT
};

/* Things the teacher board should show about a day (day flags), one bit each. */
enum rules_flag {
	RULES_FLAG_MISSING_TAP_OUT, /* in_out: presence closed at the session end */
	RULES_FLAG_PUBLIC_HOLIDAY,
	RULES_FLAG_CLOSURE,
	RULES_FLAG_LATENESS, /* unexcused minutes on a day the participant came */
	RULES_FLAG_RELIGIOUS_SHORT_NOTICE,
	RULES_FLAG_PAST_DEADLINE,        /* Denmark: deduction no longer allowed */
	RULES_FLAG_TAP_OUTSIDE_SCHEDULE, /* a presence interval (or in_only tap) fits no session */
	RULES_FLAG_COUNT
};

/* Regime parameters.  Every one is effective-dated in the regime file. */
enum rules_param {
	RULES_P_STIPEND_BASIS, /* g | monthly_benefit */
	RULES_P_G_MULTIPLE,    /* annual stipend in G (2) */
	RULES_P_RATE_FULL,
	RULES_P_RATE_UNDER25_ALONE,
	RULES_P_RATE_UNDER25_WITH_PARENTS,
	RULES_P_ANNUAL_HOURS,  /* hour value = annual / this (1850) */
	RULES_P_MONTHLY_HOURS, /* hour value = monthly / this (160.33, Denmark) */
	RULES_P_DAY_DIVISOR,   /* day value = monthly / this (30) */
	RULES_P_TAP_MODE,      /* in_out | in_only */
	RULES_P_MISSING_OUT,   /* session_end | none */
	RULES_P_GRACE_MINUTES,
	RULES_P_ROUNDING_MINUTES,
	RULES_P_SICK_DAY_COUNT, /* scheduled | calendar */
	RULES_P_SELF_DECLARED_MAX_DAYS,
	RULES_P_SELF_DECLARED_MAX_OCCURRENCES,
	RULES_P_SELF_DECLARED_WINDOW_MONTHS,
	RULES_P_SELF_DECLARED_WAITING_WEEKS,
	RULES_P_SELF_DECLARED_JOIN_DAYS,
	RULES_P_CHILD_SICK_DAYS,
	RULES_P_CHILD_SICK_DAYS_MANY_CHILDREN,
	RULES_P_CHILD_SICK_MANY_CHILDREN,
	RULES_P_CHILD_SICK_DAYS_SOLE_CARER,
	RULES_P_CHILD_SICK_DAYS_SOLE_CARER_MANY,
	RULES_P_CHILD_SICK_DAYS_CHRONIC,
	RULES_P_CHILD_SICK_DAYS_CHRONIC_SOLE_CARER,
	RULES_P_CHILD_SICK_WINDOW_MONTHS,
	RULES_P_CHILD_SICK_MAX_SELF_DAYS,
	RULES_P_RELIGIOUS_DAYS_PER_YEAR,
	RULES_P_RELIGIOUS_NOTICE_DAYS,
	RULES_P_PREGNANCY_DAYS,
	RULES_P_BIRTH_MOTHER_DAYS,
	RULES_P_BIRTH_FATHER_DAYS,
	RULES_P_VACATION_DAYS_PER_YEAR,
	RULES_P_LEAVE_APPROVED_DAYS_PER_YEAR,
	RULES_P_PAYOUT,                    /* monthly | biweekly */
	RULES_P_PAYOUT_ANCHOR,             /* biweekly: a date on which a payout period starts */
	RULES_P_DECISION_RULE,             /* threshold | every_deduction */
	RULES_P_DECISION_SHARE,            /* of the payout's gross (1/2) */
	RULES_P_DECISION_G_FRACTION,       /* of G (1/12) */
	RULES_P_LATENESS_NEEDS_ASSESSMENT, /* no | yes */
	RULES_P_DEDUCTION_DEADLINE_MONTHS, /* whole calendar months, or none */
	RULES_P_SETTLE_MINUTES, /* a day is final this long after its last session ends (60) */
	RULES_P_COUNT
};

enum rules_param_kind {
	RULES_KIND_INT,  /* non-negative integer */
	RULES_KIND_RAT,  /* positive decimal ("160.33") or fraction ("2/3") */
	RULES_KIND_ENUM, /* one of the names in `choices`, stored as its index */
	RULES_KIND_DATE, /* YYYY-MM-DD, stored as a day number */
};

/* Values of the enum parameters (index into the parameter's choices). */
enum { RULES_BASIS_G, RULES_BASIS_MONTHLY_BENEFIT };
enum { RULES_TAP_IN_OUT, RULES_TAP_IN_ONLY };
enum { RULES_MISSING_OUT_SESSION_END, RULES_MISSING_OUT_NONE };
enum { RULES_COUNT_SCHEDULED, RULES_COUNT_CALENDAR };
enum { RULES_PAYOUT_MONTHLY, RULES_PAYOUT_BIWEEKLY };
enum { RULES_DECISION_THRESHOLD, RULES_DECISION_EVERY_DEDUCTION };
enum { RULES_NO, RULES_YES };

struct rules_param_info {
	const char *name;
	enum rules_param_kind kind;
	const char *const *choices; /* RULES_KIND_ENUM: NULL-terminated */
	bool allow_none;            /* "none" = no limit / not applicable */
	const char *help;           /* one line for the board and error messages */
};

/* An exact non-negative rational; den > 0. */
struct rules_rat {
	int64_t num;
	int64_t den;
};

/* One effective-dated value.  den == 0 means "none". */
struct rules_param_version {
	int32_t valid_from;
	int64_t num;
	int64_t den;
	bool confirmed;
};

enum rules_holidays { RULES_HOLIDAYS_NO, RULES_HOLIDAYS_DK };

/* G (grunnbeløp) in øre, in force from `from` until the next 1 May. */
struct rules_g {
	int32_t from;
	int64_t amount_ore;
};

struct rules_regime {
	char name[64];
	char title[128];
	char currency[8];
	enum rules_holidays holidays;
	uint8_t n_versions[RULES_P_COUNT];
	struct rules_param_version versions[RULES_P_COUNT][RULES_MAX_VERSIONS];
	size_t n_g; /* the regime file's G table (empty for Denmark) */
	struct rules_g g[RULES_MAX_G];
};

enum rules_rate { RULES_RATE_FULL, RULES_RATE_UNDER25_ALONE, RULES_RATE_UNDER25_WITH_PARENTS };

struct rules_participant {
	int32_t programme_start;
	enum rules_rate rate;
	int children;
	bool sole_carer;
	bool chronic_child;
	int64_t monthly_benefit_ore; /* Denmark; -1 when not given */
	bool has_end;                /* programme_end is known */
	int32_t programme_end;       /* last day in the programme (ruling 11) */
};

/* A weekly template entry: on the ISO weekdays in `weekdays` (bit 1 = Monday ... bit 7). */
struct rules_template {
	uint8_t weekdays;
	int16_t start, end; /* minutes of the day, start < end */
	bool off_site;      /* work practice: attended unless a teacher registers otherwise */
	int32_t from, to;   /* validity; INT32_MIN / INT32_MAX when open */
};

/* A dated exception: every exception of a date replaces that date's template. */
struct rules_exception {
	int32_t date;
	bool cancelled; /* no sessions that day (then start/end are ignored) */
	int16_t start, end;
	bool off_site;
};

struct rules_tap {
	int32_t date;
	int16_t minute;
};

struct rules_absence {
	enum rules_category category;
	int32_t from, to;      /* inclusive dates */
	int16_t start, end;    /* minutes on each day, or -1/-1 for whole days */
	bool doctor_note;      /* documentation: a doctor's note */
	bool checkup;          /* pregnancy: prenatal check-up, no quota */
	int32_t registered_on; /* date registered, INT32_MIN if unknown */
	bool continuous; /* one stretch: start on `from` to end on `to` (days between whole) */
	int16_t minutes; /* >0: an amount per day (e.g. nursing 60), the earliest missing minutes */
};

struct rules_range {
	int32_t from, to;
};

/* Quota use before the period. */
struct rules_history {
	const struct rules_range *self_declared; /* earlier self-declared periods */
	size_t n_self_declared;
	int child_sick_days;     /* in the 12 months before the period */
	int religious_days;      /* this calendar year */
	int vacation_days;       /* this calendar year */
	int leave_approved_days; /* this calendar year */
	int pregnancy_days;      /* this pregnancy */
	int birth_mother_days;
	int birth_father_days;
};

struct rules_input {
	const struct rules_regime *regime;
	const struct rules_g *g; /* sorted by date */
	size_t n_g;
	struct rules_participant participant;
	const struct rules_template *templ;
	size_t n_templ;
	const struct rules_exception *exceptions;
	size_t n_exceptions;
	const int32_t *closures; /* centre closure days */
	size_t n_closures;
	const struct rules_tap *taps; /* chronological */
	size_t n_taps;
	const struct rules_absence *absences;
	size_t n_absences;
	struct rules_history history;
	int32_t from, to; /* the period, inclusive */
	int32_t as_of;    /* Denmark deadline check: today, or INT32_MIN for "at payout" */
	/*
	 * The trusted now, for the life of a day: a day is final once its last session
	 * ended settle_minutes ago; before that its minutes are pending.  Without has_now
	 * every day is final (scenarios, closed periods).
	 */
	bool has_now;
	int32_t now_date;
	int16_t now_minute;
	/* Days before the kiosk went into service were not observed: not scheduled, not
	 * payable (RULES.md, "The life of a day and of a pay period"). */
	bool has_service_start;
	int32_t service_start;
	/*
	 * Resume (incremental results): a quota state saved by an earlier call for
	 * exactly `from` (rules_saved_state.date == from).  The walk then starts at
	 * `from` with that state instead of walking from the first illness registration,
	 * and `history` is not used: what it stood for is inside the state.  The days
	 * and payouts are the same as a walk from the programme start would give, as
	 * long as no input before `from` changed since the state was saved (the caller
	 * keeps that promise; tests/unit/test_rules_resume.c checks the engine's).
	 * NULL: walk as before.  A state that does not parse, or is for another date,
	 * is an error (-1 with a message), never silently ignored.
	 */
	const unsigned char *resume;
	size_t resume_len;
	/*
	 * Save the quota state at these dates (ascending, each in [from, to + 1]): the
	 * state before that day is walked, i.e. what a later call resumes from with
	 * from = that date.  Filled into rules_output.saved, one per date.
	 */
	const int32_t *save_at;
	size_t n_save_at;
	/*
	 * Optional (NULL: none): the one thing the engine writes outside its output, a
	 * memo shared by computations over the same regime and G (struct rules_memo).
	 */
	struct rules_memo *memo;
};

/* A quota state saved by rules_compute(): opaque bytes, versioned, native byte order. */
struct rules_saved_state {
	int32_t date;        /* the state before this day is walked */
	unsigned char *data; /* malloc'd; rules_output_free() frees it */
	size_t len;
};

/*
 * A memo of payout grosses for many computations over one regime and one G table
 * (the Today page: every participant's day, each in the same payout period).  The
 * gross of a payout before proration depends only on the regime, G, the rate, the
 * monthly benefit and the period; the engine remembers each one (and each refusal,
 * with its message) and gives it again: every output and every error is exactly the
 * one computed without the memo.  The regime and G pointers are part of the key: the
 * caller keeps their contents unchanged while the memo lives.  Zero-initialised by
 * the caller, nothing to free; when full, grosses are computed as without it.
 */
#define RULES_MEMO_MAX 16
struct rules_memo_gross {
	const struct rules_regime *regime;
	const struct rules_g *g;
	size_t n_g;
	enum rules_rate rate;
	int64_t monthly_benefit_ore;
	int32_t from, to;
	bool monthly;
	int rc; /* 0, or -1 with err */
	struct rules_rat gross;
	char err[512];
};
struct rules_memo {
	struct rules_memo_gross gross[RULES_MEMO_MAX];
	size_t n;
	/* The engine's: the G table as the caller gave it to the current computation (the
	 * key; the engine works on a sorted copy whose address means nothing). */
	const struct rules_g *g;
	size_t n_g;
};

/* Whether `date` is a day the participant is in the programme and the kiosk in service. */
bool rules_payable_day(const struct rules_input *in, int32_t date);

/* The life of a day (RULES.md). */
enum rules_day_state { RULES_DAY_FINAL, RULES_DAY_OPEN, RULES_DAY_FUTURE };

struct rules_day {
	int32_t date;
	int32_t scheduled_min;
	int32_t attended_min;
	int32_t excused_min[RULES_CAT_COUNT]; /* RULES_CAT_UNEXCUSED stays 0 */
	int32_t unexcused_min;
	int32_t pending_min; /* open or future day: minutes not (yet) attended or excused */
	enum rules_day_state state;
	uint32_t notes;   /* bits of enum rules_note */
	uint32_t flags;   /* bits of enum rules_flag */
	int32_t deadline; /* Denmark: last day to effect the deduction, INT32_MIN if none */
	struct rules_rat deduction;    /* exact value of the unexcused minutes */
	struct rules_rat unpaid_leave; /* exact value of leave_unpaid on this calendar day */
};

struct rules_payout {
	int32_t from, to; /* the whole payout period (may reach outside the input period) */
	bool monthly;
	struct rules_rat gross; /* exact gross stipend of the whole payout period */
	int64_t gross_ore;      /* gross rounded half-up, for display */
	int64_t deduction_ore;  /* sum of the days' deductions, rounded half-up */
	int64_t unpaid_leave_ore;
	bool decision_required;
	bool needs_assessment;
	bool past_deadline;
};

struct rules_totals {
	int64_t scheduled_min, attended_min, unexcused_min, pending_min;
	int64_t excused_min[RULES_CAT_COUNT];
	int64_t deduction_ore; /* sum of the rounded payout deductions */
	int64_t unpaid_leave_ore;
};

struct rules_output {
	struct rules_day *days; /* one per calendar day of the period */
	size_t n_days;
	struct rules_payout *payouts;
	size_t n_payouts;
	struct rules_totals totals;
	struct rules_saved_state *saved; /* one per rules_input.save_at date */
	size_t n_saved;
};

/* Compute the period.  0 on success; -1 with a message in err (e.g. G unknown). */
int rules_compute(const struct rules_input *in, struct rules_output *out, char *err, size_t errlen);
/* The date a saved state is for; -1 if `data` is not a state this engine saved. */
int rules_state_date(const unsigned char *data, size_t len, int32_t *date);
/* Release what rules_compute() allocated; safe on a zeroed or freed output. */
void rules_output_free(struct rules_output *out);

/* Names used in files and JSON. */
const char *rules_category_name(enum rules_category c);
/* Category by name; -1 if unknown. */
int rules_category_parse(const char *name);
const char *rules_note_name(enum rules_note n);
const char *rules_flag_name(enum rules_flag f);
/* Rate by name (full, under25_alone, under25_with_parents); -1 if unknown. */
int rules_rate_parse(const char *name);

/* Regime parameter metadata; NULL if out of range. */
const struct rules_param_info *rules_param_info(enum rules_param p);
/* Parameter by name; -1 if unknown. */
int rules_param_lookup(const char *name);
/* The version of parameter p in force on `date`, NULL if none is. */
const struct rules_param_version *rules_param_at(const struct rules_regime *r, enum rules_param p,
                                                 int32_t date);
/*
 * settle_minutes in force on `date`: a day is open until its last session has ended
 * plus this many minutes, and final after that (RULES.md, "The life of a day").
 * RULES_SETTLE_MINUTES_DEFAULT when the regime has no version in force on `date`.
 */
#define RULES_SETTLE_MINUTES_DEFAULT 60
int32_t rules_settle_minutes(const struct rules_regime *r, int32_t date);
/* Check a regime: every parameter present, versions ascending, values in range. */
int rules_regime_check(const struct rules_regime *r, char *err, size_t errlen);

/* Calendar. */
int32_t rules_date(int year, int month, int day);
void rules_ymd(int32_t date, int *year, int *month, int *day);
/* Parse "YYYY-MM-DD" (a real date); -1 if malformed. */
int rules_date_parse(const char *s, int32_t *date);
/* Format as "YYYY-MM-DD" into buf (at least 11 bytes). */
void rules_date_format(int32_t date, char *buf, size_t len);
/* ISO weekday, 1 = Monday ... 7 = Sunday. */
int rules_weekday(int32_t date);
int rules_days_in_month(int year, int month);
/* Add whole calendar months, clamping the day to the month's length. */
int32_t rules_add_months(int32_t date, int months);
/* Easter Sunday of `year` (Gregorian computus). */
int32_t rules_easter(int year);
/* Public holiday in that calendar (Sundays that are holidays included). */
bool rules_is_holiday(enum rules_holidays cal, int32_t date);

/* Exact money. */
/* G in force on `date`, in øre; -1 with a message naming the date if unknown. */
int rules_g_at(const struct rules_g *g, size_t n, int32_t date, int64_t *ore, char *err,
               size_t errlen);
/* a + b, a * b, exactly; -1 on overflow. */
int rules_rat_add(struct rules_rat a, struct rules_rat b, struct rules_rat *out);
int rules_rat_mul(struct rules_rat a, struct rules_rat b, struct rules_rat *out);
/* Compare: <0, 0, >0. */
int rules_rat_cmp(struct rules_rat a, struct rules_rat b);
/* Round a rational amount of øre half-up to whole øre. */
int64_t rules_rat_round(struct rules_rat a);
/* "1234.50" from øre (with "-" when negative). */
void rules_ore_format(int64_t ore, char *buf, size_t len);
/* Parse a decimal amount ("6500", "6500.5", "6500.00") into øre; -1 if malformed. */
int rules_ore_parse(const char *s, int64_t *ore);

#endif
