/*
 * attendance.c — the rules engine fed from the database.  A participant is computed
 * as one walk from a fixed first date (programme start, or the first known G), or
 * resumed from a quota state an earlier walk saved (quota_state), which gives the
 * same days; so a day never depends on the range asked for.  Board views carry the
 * last G forward and say so; pay periods never do.  Writes commit their row, audit
 * entry and outbox event together, then recompute.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attendance.h"
#include "attendance_int.h"
#include "clock.h"
#include "config.h"
#include "errbuf.h"
#include "events.h"
#include "log.h"
#include "regime.h"
#include "scenario.h"
#include "store.h"

#define REGIME_SLOTS 16
#define ABSENCE_MAX_DAYS 366
/*
 * Part of the results fingerprint (attendance_results_check): bump the results
 * version when what a computation means changes (this module or the engine), the
 * state format when the engine's saved states change; either drops every saved
 * state at the next start, and everyone is computed from the first date once.
 */
#define ATTENDANCE_RESULTS_VERSION 1
#define ATTENDANCE_STATE_FORMAT 1

struct regime_slot {
	char name[64];
	struct rules_regime *r;
};

struct attendance {
	struct store *s;
	const struct config *cfg;
	struct regime_slot regimes[REGIME_SLOTS];
	size_t n_regimes;
	attendance_change_fn hook;
	void *hook_arg;
	bool no_resume;               /* tests: every computation walks from the first date */
	uint64_t engine_days;         /* days rules_compute() walked (metrics) */
	uint64_t resumed;             /* computations that resumed from a saved state */
	int32_t walked_from;          /* where the last refresh's walk began (INT32_MIN: none) */
	struct attendance_bulk *bulk; /* attendance_bulk_begin(): rows read at once */
	int bulk_depth;
	/*
	 * Inside a bulk: the G tables made from its rows (the same regime, last date and
	 * leniency make the same table), shared by its computations so that the engine's
	 * payout-gross memo, keyed by the table's address, serves all of them.
	 */
	struct shared_g {
		const struct rules_regime *regime;
		int32_t to, g_missing;
		int lenient;
		struct rules_g *g;
		size_t n;
	} shared_g[8];
	size_t n_shared_g;
	struct rules_memo *memo; /* NULL: computed without */
};

/*
 * Where a computation may resume (incremental results): from the latest saved
 * quota state with day <= a limit the caller derives from what it asks.
 */
enum resume_kind {
	RESUME_NONE,   /* walk from the first date */
	RESUME_DAY,    /* days only: any state <= `day` */
	RESUME_PAYOUT, /* money: a state <= the start of the payout holding `day` */
};

struct resume_ask {
	enum resume_kind kind;
	int32_t day;
	int32_t quota_as_of; /* INT32_MIN, or quotas are counted as of this day */
};

/* One participant's engine input and the arrays it points into. */
struct inputs {
	struct store_participant p;
	const struct rules_regime *regime;
	struct rules_input in;
	struct rules_g *g;
	struct rules_template *templ;
	struct rules_exception *exc;
	int32_t *closures;
	struct rules_tap *taps;
	struct rules_absence *abs;
	size_t cap_abs;
	int32_t g_missing;
	struct attendance *a;
	unsigned char *resume; /* the saved state x->in.resume points into (malloc'd) */
};

int
attendance_open(struct attendance **out, struct store *s, const struct config *cfg, char *err,
                size_t errlen)
{
	struct attendance *a = calloc(1, sizeof(*a));

	*out = NULL;
	if (a == NULL)
		return errbuf_set(err, errlen, "%s", "out of memory");
	a->s = s;
	a->cfg = cfg;
	a->walked_from = INT32_MIN;
	*out = a;
	return 0;
}

void
attendance_close(struct attendance *a)
{
	if (a == NULL)
		return;
	for (size_t i = 0; i < a->n_regimes; i++)
		free(a->regimes[i].r);
	free(a);
}

void
attendance_on_change(struct attendance *a, attendance_change_fn fn, void *arg)
{
	a->hook = fn;
	a->hook_arg = arg;
}

void
attendance_changed(struct attendance *a, int64_t pid, const char *from)
{
	if (a->hook)
		a->hook(a->hook_arg, pid, from ? from : "");
}

void
attendance_local_now(char date[11], int *minute)
{
	struct clock_reading now;
	struct tm tm;
	time_t secs;

	clock_read(&now);
	secs = (time_t)(now.wall_ms / 1000);
	localtime_r(&secs, &tm);
	strftime(date, 11, "%Y-%m-%d", &tm);
	*minute = tm.tm_hour * 60 + tm.tm_min;
}

/*
 * Pay periods follow [payroll] payout/anchor, not the regime file: the kiosk has one
 * payroll calendar, and the engine's payouts (and so its enkeltvedtak test) must be
 * exactly the pay periods.
 */
static const struct rules_regime *
regime_get(struct attendance *a, const char *name, char *err, size_t errlen)
{
	char dir[CONFIG_PATH_MAX];
	struct rules_regime *r;

	for (size_t i = 0; i < a->n_regimes; i++)
		if (strcmp(a->regimes[i].name, name) == 0)
			return a->regimes[i].r;
	if (a->n_regimes == REGIME_SLOTS) {
		errbuf_set(err, errlen, "regime %s: too many regimes in use", name);
		return NULL;
	}
	if (config_regime_dir(a->cfg, dir, sizeof(dir)) < 0) {
		errbuf_set(err, errlen, "%s", "no regime directory ([kiosk] regime_dir)");
		return NULL;
	}
	if ((r = malloc(sizeof(*r))) == NULL) {
		errbuf_set(err, errlen, "%s", "out of memory");
		return NULL;
	}
	if (regime_load(dir, name, r, err, errlen) < 0 ||
	    regime_override(r, "payout", a->cfg->payroll.payout, err, errlen) < 0 ||
	    (strcmp(a->cfg->payroll.payout, "biweekly") == 0 &&
	     regime_override(r, "payout_anchor", a->cfg->payroll.anchor, err, errlen) < 0)) {
		free(r);
		return NULL;
	}
	snprintf(a->regimes[a->n_regimes].name, sizeof(a->regimes[0].name), "%s", name);
	a->regimes[a->n_regimes++].r = r;
	return r;
}

/* --- loading one participant --- */

/*
 * The store's rows, from the bulk when one is installed and covers the request
 * (attendance_bulk.c gives exactly what the query would), else from the query.
 * Same returns as the store functions.
 */
#define FROM_BULK(call)                                                                            \
	do {                                                                                       \
		int brc_ = a->bulk ? (call) : 0;                                                   \
		if (brc_ != 0)                                                                     \
			return brc_ < 0 ? -1 : 0;                                                  \
	} while (0)

static int
src_participant(struct attendance *a, int64_t pid, struct store_participant *out)
{
	FROM_BULK(attendance_bulk_participant(a->bulk, pid, out));
	return store_participant_get(a->s, pid, out);
}

static int
src_g_values(struct attendance *a, struct store_g **out, size_t *n)
{
	FROM_BULK(attendance_bulk_g(a->bulk, out, n));
	return store_g_values(a->s, out, n);
}

static int
src_schedule(struct attendance *a, int64_t pid, struct store_session **out, size_t *n)
{
	FROM_BULK(attendance_bulk_schedule(a->bulk, pid, out, n));
	return store_schedule_rows(a->s, pid, out, n);
}

static int
src_exceptions(struct attendance *a, int64_t pid, struct store_exception_row **out, size_t *n)
{
	FROM_BULK(attendance_bulk_exceptions(a->bulk, pid, out, n));
	return store_schedule_exception_rows(a->s, pid, out, n);
}

static int
src_closures(struct attendance *a, char (**out)[11], size_t *n)
{
	FROM_BULK(attendance_bulk_closures(a->bulk, out, n));
	return store_closure_dates(a->s, out, n);
}

static int
src_taps(struct attendance *a, int64_t pid, const char *from, const char *to,
         struct store_day_tap **out, size_t *n)
{
	FROM_BULK(attendance_bulk_taps(a->bulk, pid, from, to, out, n));
	return store_taps_accepted(a->s, pid, from, to, out, n);
}

static int
src_corrections(struct attendance *a, int64_t pid, const char *from, const char *to,
                struct store_correction **out, size_t *n)
{
	FROM_BULK(attendance_bulk_corrections(a->bulk, pid, from, to, out, n));
	return store_corrections(a->s, pid, from, to, out, n);
}

static int
src_absences_overlapping(struct attendance *a, int64_t pid, const char *from, const char *to,
                         struct store_absence_row **out, size_t *n)
{
	FROM_BULK(attendance_bulk_absences(a->bulk, pid, from, to, out, n));
	return store_absences_overlapping(a->s, pid, from, to, out, n);
}

/* store_quota_state_get(): 0 found, 1 none, -1 error. */
static int
src_quota_state(struct attendance *a, int64_t pid, int32_t max_day, int32_t *day,
                unsigned char **data, size_t *len)
{
	int found = 0, brc = a->bulk ? attendance_bulk_quota_state(a->bulk, pid, max_day, &found,
	                                                           day, data, len)
	                             : 0;

	if (brc != 0)
		return brc < 0 ? -1 : found ? 0 : 1;
	return store_quota_state_get(a->s, pid, max_day, day, data, len);
}

int
attendance_bulk_begin(struct attendance *a, int32_t from, int32_t to, char *err, size_t errlen)
{
	/* Nested (nir over the stipend): the outer bulk answers what it covers. */
	if (a->bulk) {
		a->bulk_depth++;
		return 0;
	}
	if (attendance_bulk_load(a->s, from, to, &a->bulk, err, errlen) < 0)
		return -1;
	a->bulk_depth = 1;
	a->memo = calloc(1, sizeof(*a->memo)); /* NULL: computed without */
	return 0;
}

void
attendance_bulk_end(struct attendance *a)
{
	if (a->bulk == NULL || --a->bulk_depth > 0)
		return;
	attendance_bulk_free(a->bulk);
	a->bulk = NULL;
	for (size_t i = 0; i < a->n_shared_g; i++)
		free(a->shared_g[i].g);
	a->n_shared_g = 0;
	free(a->memo);
	a->memo = NULL;
}

static void
inputs_free(struct inputs *x)
{
	free(x->g);
	free(x->templ);
	free(x->exc);
	free(x->closures);
	free(x->taps);
	free(x->abs);
	free(x->resume);
	memset(x, 0, sizeof(*x));
}

static int
g_cmp(const void *a, const void *b)
{
	const struct rules_g *x = a, *y = b;

	return (x->from > y->from) - (x->from < y->from);
}

/* The 1 May on which a G value dated `from` stops being in force (RULES.md). */
static int32_t
g_expiry(int32_t from)
{
	int y, m, d;
	int32_t may;

	rules_ymd(from, &y, &m, &d);
	may = rules_date(y, 5, 1);
	return from < may ? may : rules_date(y + 1, 5, 1);
}

/*
 * The regime file's G table with the database's values (roster, stempelctl g add)
 * over it; a date in both takes the database's.  Lenient: carry the last G forward
 * each 1 May up to `to`, remembering where that began.
 */
static int
load_g(struct attendance *a, struct inputs *x, int32_t to, int lenient, char *err, size_t errlen)
{
	struct store_g *sg;
	size_t n_sg, n = 0, n_store, cap;

	if (src_g_values(a, &sg, &n_sg) < 0)
		return errbuf_set(err, errlen, "database: %s", store_errmsg(a->s));
	cap = x->regime->n_g + n_sg + 64;
	if ((x->g = calloc(cap, sizeof(*x->g))) == NULL) {
		free(sg);
		return errbuf_set(err, errlen, "%s", "out of memory");
	}
	for (size_t i = 0; i < n_sg; i++) {
		int32_t d;

		if (rules_date_parse(sg[i].from, &d) < 0)
			continue;
		x->g[n++] = (struct rules_g){d, sg[i].amount * 100};
	}
	free(sg);
	n_store = n;
	for (size_t i = 0; i < x->regime->n_g; i++) {
		bool dup = false;

		for (size_t k = 0; k < n_store && !dup; k++)
			dup = x->g[k].from == x->regime->g[i].from;
		if (!dup)
			x->g[n++] = x->regime->g[i];
	}
	qsort(x->g, n, sizeof(*x->g), g_cmp);
	x->g_missing = INT32_MIN;
	if (n > 0 && g_expiry(x->g[n - 1].from) <= to) {
		x->g_missing = g_expiry(x->g[n - 1].from);
		while (lenient && n < cap && g_expiry(x->g[n - 1].from) <= to) {
			x->g[n] =
			    (struct rules_g){g_expiry(x->g[n - 1].from), x->g[n - 1].amount_ore};
			n++;
		}
	}
	x->in.g = x->g;
	x->in.n_g = n;
	return 0;
}

/*
 * load_g(), inside a bulk once per regime, date and leniency: x->in.g is then the
 * bulk's table (x->g stays NULL, the bulk frees it) and x->in.memo the bulk's memo.
 */
static int
load_g_shared(struct attendance *a, struct inputs *x, int32_t to, int lenient, char *err,
              size_t errlen)
{
	struct shared_g *sg;

	if (a->bulk == NULL)
		return load_g(a, x, to, lenient, err, errlen);
	for (size_t i = 0; i < a->n_shared_g; i++) {
		sg = &a->shared_g[i];
		if (sg->regime == x->regime && sg->to == to && sg->lenient == lenient) {
			x->in.g = sg->g;
			x->in.n_g = sg->n;
			x->g_missing = sg->g_missing;
			x->in.memo = a->memo;
			return 0;
		}
	}
	if (load_g(a, x, to, lenient, err, errlen) < 0)
		return -1;
	if (a->n_shared_g == sizeof(a->shared_g) / sizeof(a->shared_g[0]))
		return 0; /* full: this computation keeps its own table, without the memo */
	a->shared_g[a->n_shared_g++] = (struct shared_g){
	    .regime = x->regime,
	    .to = to,
	    .g_missing = x->g_missing,
	    .lenient = lenient,
	    .g = x->g,
	    .n = x->in.n_g,
	};
	x->g = NULL;
	x->in.memo = a->memo;
	return 0;
}

static int
load_schedule(struct attendance *a, struct inputs *x, char *err, size_t errlen)
{
	struct store_session *rows;
	struct store_exception_row *ex;
	char(*cl)[11];
	size_t n, n_ex, n_cl;

	if (src_schedule(a, x->p.id, &rows, &n) < 0 || src_exceptions(a, x->p.id, &ex, &n_ex) < 0)
		return errbuf_set(err, errlen, "database: %s", store_errmsg(a->s));
	x->templ = calloc(n ? n : 1, sizeof(*x->templ));
	x->exc = calloc(n_ex ? n_ex : 1, sizeof(*x->exc));
	if (x->templ == NULL || x->exc == NULL) {
		free(rows);
		free(ex);
		return errbuf_set(err, errlen, "%s", "out of memory");
	}
	/*
	 * Nothing is scheduled before the programme starts, nor before the kiosk
	 * went into service: days it never observed are not absences.
	 */
	int32_t first = x->p.programme_start[0] ? x->in.participant.programme_start : INT32_MIN;
	char since[11];
	int32_t served;

	if (attendance_results_from(a, since) == 0 && rules_date_parse(since, &served) == 0 &&
	    served > first)
		first = served;
	for (size_t i = 0; i < n; i++)
		x->templ[i] = (struct rules_template){
		    .weekdays = (uint8_t)(1u << rows[i].weekday),
		    .start = (int16_t)rows[i].start_min,
		    .end = (int16_t)rows[i].end_min,
		    .off_site = rows[i].offsite != 0,
		    .from = first,
		    .to = INT32_MAX,
		};
	size_t k = 0;

	for (size_t i = 0; i < n_ex; i++) {
		struct rules_exception *e = &x->exc[k];

		rules_date_parse(ex[i].date, &e->date);
		/* Resumed: days before the state are not walked again. */
		if (x->in.resume && (e->date < x->in.from || e->date > x->in.to))
			continue;
		e->cancelled = ex[i].start_min < 0;
		e->start = (int16_t)(e->cancelled ? 0 : ex[i].start_min);
		e->end = (int16_t)(e->cancelled ? 0 : ex[i].end_min);
		e->off_site = ex[i].offsite != 0;
		k++;
	}
	free(rows);
	free(ex);
	x->in.templ = x->templ;
	x->in.n_templ = n;
	x->in.exceptions = x->exc;
	x->in.n_exceptions = k;

	if (src_closures(a, &cl, &n_cl) < 0)
		return errbuf_set(err, errlen, "database: %s", store_errmsg(a->s));
	if ((x->closures = calloc(n_cl ? n_cl : 1, sizeof(*x->closures))) == NULL) {
		free(cl);
		return errbuf_set(err, errlen, "%s", "out of memory");
	}
	for (size_t i = 0; i < n_cl; i++)
		rules_date_parse(cl[i], &x->closures[i]);
	free(cl);
	x->in.closures = x->closures;
	x->in.n_closures = n_cl;
	return 0;
}

/* The sessions of `date` as the engine's schedule sees them (holidays aside). */
static size_t
day_sessions(const struct inputs *x, int32_t date, int16_t *start, int16_t *end, bool *off,
             size_t max)
{
	size_t n = 0;
	bool exception = false;

	for (size_t i = 0; i < x->in.n_exceptions; i++) {
		const struct rules_exception *e = &x->in.exceptions[i];

		if (e->date != date)
			continue;
		exception = true;
		if (!e->cancelled && n < max) {
			start[n] = e->start;
			end[n] = e->end;
			off[n++] = e->off_site;
		}
	}
	if (exception)
		return n;
	for (size_t i = 0; i < x->in.n_templ; i++) {
		const struct rules_template *t = &x->in.templ[i];

		if ((t->weekdays & (1u << rules_weekday(date))) && date >= t->from &&
		    date <= t->to && n < max) {
			start[n] = t->start;
			end[n] = t->end;
			off[n++] = t->off_site;
		}
	}
	return n;
}

static int
tap_cmp(const void *a, const void *b)
{
	const struct rules_tap *x = a, *y = b;

	if (x->date != y->date)
		return (x->date > y->date) - (x->date < y->date);
	return (x->minute > y->minute) - (x->minute < y->minute);
}

/* Accepted taps with the corrections applied: removed taps out, added taps in. */
static int
effective_taps(struct attendance *a, int64_t pid, const char *from, const char *to,
               struct attendance_tap **out, size_t *n, char *err, size_t errlen)
{
	struct store_day_tap *t;
	struct store_correction *c;
	size_t nt, nc, k = 0;

	*out = NULL;
	*n = 0;
	if (src_taps(a, pid, from, to, &t, &nt) < 0)
		return errbuf_set(err, errlen, "database: %s", store_errmsg(a->s));
	if (src_corrections(a, pid, from, to, &c, &nc) < 0) {
		free(t);
		return errbuf_set(err, errlen, "database: %s", store_errmsg(a->s));
	}
	if ((*out = calloc(nt + nc + 1, sizeof(**out))) == NULL) {
		free(t);
		free(c);
		return errbuf_set(err, errlen, "%s", "out of memory");
	}
	for (size_t i = 0; i < nt; i++) {
		bool removed = false;

		for (size_t j = 0; j < nc && !removed; j++)
			removed = strcmp(c[j].action, "remove") == 0 && c[j].tap_id == t[i].id;
		if (removed)
			continue;
		(*out)[k] = (struct attendance_tap){
		    .tap_id = t[i].id, .minute = t[i].minute, .day = t[i].day};
		memcpy((*out)[k].direction, t[i].direction, sizeof((*out)[k].direction));
		memcpy((*out)[k++].date, t[i].date, sizeof((*out)[0].date));
	}
	for (size_t j = 0; j < nc; j++) {
		if (strcmp(c[j].action, "add") != 0)
			continue;
		(*out)[k] = (struct attendance_tap){.minute = c[j].minute, .corrected = 1};
		if (rules_date_parse(c[j].date, &(*out)[k].day) < 0)
			continue;
		snprintf((*out)[k].direction, sizeof((*out)[k].direction), "%s", c[j].direction);
		snprintf((*out)[k++].date, sizeof((*out)[0].date), "%s", c[j].date);
	}
	free(t);
	free(c);
	*n = k;
	return 0;
}

static int
load_taps(struct attendance *a, struct inputs *x, char *err, size_t errlen)
{
	struct attendance_tap *t;
	char from[11], to[11];
	size_t n, k = 0;

	rules_date_format(x->in.from, from, sizeof(from));
	rules_date_format(x->in.to, to, sizeof(to));
	if (effective_taps(a, x->p.id, from, to, &t, &n, err, errlen) < 0)
		return -1;
	if ((x->taps = calloc(n ? n : 1, sizeof(*x->taps))) == NULL) {
		free(t);
		return errbuf_set(err, errlen, "%s", "out of memory");
	}
	for (size_t i = 0; i < n; i++)
		x->taps[k++] = (struct rules_tap){t[i].day, (int16_t)t[i].minute};
	free(t);
	/* The store gives them in order; corrections come after and need sorting in. */
	for (size_t i = 1; i < k; i++)
		if (tap_cmp(&x->taps[i - 1], &x->taps[i]) > 0) {
			qsort(x->taps, k, sizeof(*x->taps), tap_cmp);
			break;
		}
	x->in.taps = x->taps;
	x->in.n_taps = k;
	return 0;
}

static int
abs_push(struct inputs *x, const struct rules_absence *r)
{
	if (x->in.n_absences == x->cap_abs) {
		size_t c = x->cap_abs ? x->cap_abs * 2 : 16;
		struct rules_absence *p = realloc(x->abs, c * sizeof(*p));

		if (p == NULL)
			return -1;
		x->abs = p;
		x->cap_abs = c;
		x->in.absences = x->abs;
	}
	x->abs[x->in.n_absences++] = *r;
	return 0;
}

/*
 * A stored absence as engine absences.  Clock times go as they are; a number of
 * minutes with no times (roster) covers that many minutes from each day's first
 * session start, so it is split into one absence per day.
 */
static int
absence_to_rules(struct inputs *x, const struct store_absence_row *r, char *err, size_t errlen)
{
	struct rules_absence ra = {.start = -1, .end = -1, .registered_on = INT32_MIN};
	int c = rules_category_parse(r->a.category);
	time_t secs = (time_t)(r->created_ms / 1000);
	struct tm tm;

	if (c < 0 || rules_date_parse(r->a.from_date, &ra.from) < 0 ||
	    rules_date_parse(r->a.to_date, &ra.to) < 0 || ra.from > ra.to) {
		log_warn("attendance: absence %s of participant %s is malformed; ignored",
		         r->a.uuid, x->p.ext_id);
		return 0;
	}
	ra.category = c;
	ra.doctor_note = strcmp(r->a.documentation, "doctor_note") == 0;
	ra.checkup = strcmp(r->a.documentation, "checkup") == 0;
	if (r->created_ms > 0) {
		localtime_r(&secs, &tm);
		ra.registered_on = rules_date(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	}
	if (r->start_min >= 0 && r->end_min > r->start_min) {
		ra.start = (int16_t)r->start_min;
		ra.end = (int16_t)r->end_min;
	} else if (r->a.minutes > 0) {
		for (int32_t d = ra.from; d <= ra.to; d++) {
			int16_t st[RULES_MAX_SESSIONS], en[RULES_MAX_SESSIONS];

			if (x->in.resume && d < x->in.from)
				continue; /* not walked again (and its exceptions not loaded) */
			bool off[RULES_MAX_SESSIONS];
			size_t n = day_sessions(x, d, st, en, off, RULES_MAX_SESSIONS);
			struct rules_absence one = ra;
			int first = 1440;

			for (size_t i = 0; i < n; i++)
				if (st[i] < first)
					first = st[i];
			if (n == 0)
				continue;
			one.from = one.to = d;
			one.start = (int16_t)first;
			one.end =
			    (int16_t)(first + r->a.minutes > 1440 ? 1440 : first + r->a.minutes);
			if (abs_push(x, &one) < 0)
				return errbuf_set(err, errlen, "%s", "out of memory");
		}
		return 0;
	}
	if (abs_push(x, &ra) < 0)
		return errbuf_set(err, errlen, "%s", "out of memory");
	return 0;
}

/*
 * A walk from the first date sees every absence (earlier illness counts); a
 * resumed walk only those overlapping [its first day, to]: the rest is in the state.
 */
static bool
absence_wanted(const struct inputs *x, const struct store_absence_row *r)
{
	int32_t f, t;

	if (x->in.resume == NULL || rules_date_parse(r->a.from_date, &f) < 0 ||
	    rules_date_parse(r->a.to_date, &t) < 0)
		return true;
	return t >= x->in.from && f <= x->in.to;
}

/* The absences a walk needs: all of them, or (resumed) those reaching into it. */
static int
absences_read(struct attendance *a, const struct inputs *x, struct store_absence_row **r, size_t *n)
{
	char from[11], to[11];

	if (x->in.resume == NULL)
		return store_absences_active(a->s, x->p.id, r, n);
	rules_date_format(x->in.from, from, sizeof(from));
	rules_date_format(x->in.to, to, sizeof(to));
	return src_absences_overlapping(a, x->p.id, from, to, r, n);
}

static int
load_absences(struct attendance *a, struct inputs *x, const struct store_absence_row *extra,
              char *err, size_t errlen)
{
	struct store_absence_row *r;
	size_t n;
	int rc = 0;

	if (absences_read(a, x, &r, &n) < 0)
		return errbuf_set(err, errlen, "database: %s", store_errmsg(a->s));
	for (size_t i = 0; i < n && rc == 0; i++)
		if (absence_wanted(x, &r[i]))
			rc = absence_to_rules(x, &r[i], err, errlen);
	free(r);
	if (rc == 0 && extra)
		rc = absence_to_rules(x, extra, err, errlen);
	return rc;
}

static int
load_participant(struct attendance *a, struct inputs *x, int64_t pid, char *err, size_t errlen)
{
	struct rules_participant *pt = &x->in.participant;
	int rc = src_participant(a, pid, &x->p);
	int rate;

	if (rc != 0)
		return rc < 0 ? errbuf_set(err, errlen, "database: %s", store_errmsg(a->s)) : 1;
	if ((x->regime = regime_get(a, x->p.regime, err, errlen)) == NULL)
		return -1;
	x->in.regime = x->regime;
	if (rules_date_parse(x->p.programme_start, &pt->programme_start) < 0)
		return errbuf_set(err, errlen, "participant %s: programme_start is not a date",
		                  x->p.ext_id);
	/* The last day in the programme, when known: later days are not scheduled (ruling 11). */
	pt->has_end = x->p.programme_end[0] != '\0';
	if (pt->has_end && rules_date_parse(x->p.programme_end, &pt->programme_end) < 0)
		return errbuf_set(err, errlen, "participant %s: programme_end is not a date",
		                  x->p.ext_id);
	if ((rate = rules_rate_parse(x->p.rate)) < 0)
		return errbuf_set(err, errlen, "participant %s: unknown rate", x->p.ext_id);
	pt->rate = rate;
	pt->children = x->p.children;
	pt->sole_carer = x->p.sole_carer != 0;
	pt->chronic_child = x->p.chronic_child != 0;
	pt->monthly_benefit_ore = -1;
	if (x->p.monthly_benefit[0] &&
	    rules_ore_parse(x->p.monthly_benefit, &pt->monthly_benefit_ore) < 0)
		return errbuf_set(err, errlen, "participant %s: monthly_benefit is not an amount",
		                  x->p.ext_id);
	return 0;
}

/*
 * The first date computed for a participant: the programme start, or the first
 * date a G value is known for (G regimes), never more than the engine's span
 * before `to`; earlier if the caller asks for earlier dates.
 */
static int32_t
first_date(const struct inputs *x, int32_t from, int32_t to)
{
	const struct rules_param_version *basis =
	    rules_param_at(x->regime, RULES_P_STIPEND_BASIS, to);
	int32_t start = x->in.participant.programme_start;

	if (basis && basis->num == RULES_BASIS_G && x->in.n_g > 0 && x->in.g[0].from > start)
		start = x->in.g[0].from;
	if (from != INT32_MIN && from < start)
		start = from;
	if (to - start + 1 > RULES_MAX_DAYS)
		start = to - RULES_MAX_DAYS + 1;
	return start;
}

/* An integer parameter in force on `date`; `none` if it is "none" or missing. */
static int64_t param_int(const struct rules_regime *r, enum rules_param p, int32_t date,
                         int64_t none);

/* The first day of the payout period holding `date` (as the engine's payout.c cuts them). */
static int32_t
payout_start(const struct rules_regime *r, int32_t date)
{
	int y, m, d;

	if (param_int(r, RULES_P_PAYOUT, date, RULES_PAYOUT_MONTHLY) == RULES_PAYOUT_BIWEEKLY) {
		int32_t anchor = (int32_t)param_int(r, RULES_P_PAYOUT_ANCHOR, date, 0);
		int32_t off = date - anchor;

		return anchor + (off >= 0 ? off / 14 : -((13 - off) / 14)) * 14;
	}
	rules_ymd(date, &y, &m, &d);
	return rules_date(y, m, 1);
}

/*
 * The latest state quotas_count() can count from exactly as of `as_of`: before the
 * rolling windows (with a month to spare, for the self-declared run that may reach
 * into the window; quotas_sure() checks it), the calendar year, and the first
 * pregnancy or birth absence (those count over the whole programme).
 */
static int32_t
quota_limit(struct attendance *a, const struct inputs *x, int32_t as_of)
{
	int32_t lim = rules_add_months(
	    as_of, -(int)param_int(x->regime, RULES_P_SELF_DECLARED_WINDOW_MONTHS, as_of, 12) - 1);
	int32_t cs = rules_add_months(
	    as_of, -(int)param_int(x->regime, RULES_P_CHILD_SICK_WINDOW_MONTHS, as_of, 12));
	struct store_absence_row *r;
	size_t n;
	int y, m, d;

	rules_ymd(as_of, &y, &m, &d);
	lim = cs < lim ? cs : lim;
	lim = rules_date(y, 1, 1) < lim ? rules_date(y, 1, 1) : lim;
	if (store_absences_active(a->s, x->p.id, &r, &n) < 0)
		return INT32_MIN;
	for (size_t i = 0; i < n; i++) {
		int c = rules_category_parse(r[i].a.category);
		int32_t f;

		if ((c == RULES_CAT_PREGNANCY || c == RULES_CAT_BIRTH_MOTHER ||
		     c == RULES_CAT_BIRTH_FATHER) &&
		    rules_date_parse(r[i].a.from_date, &f) == 0 && f < lim)
			lim = f;
	}
	free(r);
	return lim;
}

/*
 * Resume from the latest saved state the ask allows (nothing if the test switch
 * is off, or no state is later than the first date): x->in.from becomes its day.
 * A state that does not parse is ignored with a warning and the walk is whole.
 */
static int
resume_pick(struct attendance *a, struct inputs *x, const struct resume_ask *ask, char *err,
            size_t errlen)
{
	int32_t lim, day, sd;
	unsigned char *data;
	size_t len;
	int rc;

	if (ask == NULL || ask->kind == RESUME_NONE || a->no_resume)
		return 0;
	lim = ask->kind == RESUME_PAYOUT ? payout_start(x->regime, ask->day) : ask->day;
	if (ask->quota_as_of != INT32_MIN) {
		int32_t q = quota_limit(a, x, ask->quota_as_of);

		lim = q < lim ? q : lim;
	}
	if (lim > x->in.to)
		lim = x->in.to;
	if (lim <= x->in.from)
		return 0;
	if ((rc = src_quota_state(a, x->p.id, lim, &day, &data, &len)) < 0)
		return errbuf_set(err, errlen, "database: %s", store_errmsg(a->s));
	if (rc == 1)
		return 0;
	if (day <= x->in.from) {
		free(data);
		return 0;
	}
	if (rules_state_date(data, len, &sd) < 0 || sd != day) {
		log_warn("attendance: participant %s: the saved state of day %d is not valid; "
		         "computed from the first date",
		         x->p.ext_id, (int)day);
		free(data);
		return 0;
	}
	x->resume = data;
	x->in.resume = data;
	x->in.resume_len = len;
	x->in.from = day;
	a->resumed++;
	return 0;
}

/*
 * Everything rules_compute() needs for `pid` over [first date, to] (`from` earlier than
 * the first date widens it; INT32_MIN leaves it), or over [saved state, to] when
 * `ask` allows resuming from one.  `lenient` carries the last G forward (board
 * views).  0, 1 no such participant, -1 error.
 */
static int
inputs_load(struct attendance *a, int64_t pid, int32_t from, int32_t to, int lenient,
            const struct resume_ask *ask, struct inputs *x, char *err, size_t errlen)
{
	int rc;

	memset(x, 0, sizeof(*x));
	x->a = a;
	if ((rc = load_participant(a, x, pid, err, errlen)) != 0)
		return rc;
	if (load_g_shared(a, x, to, lenient, err, errlen) < 0)
		goto fail;
	x->in.from = first_date(x, from, to);
	x->in.to = to;
	x->in.as_of = INT32_MIN;
	if (from != INT32_MIN && from < x->in.from) {
		errbuf_set(err, errlen, "%s: more than ten years at once", x->p.ext_id);
		goto fail;
	}
	if (resume_pick(a, x, ask, err, errlen) < 0)
		goto fail;
	/* Days before the kiosk went into service: not scheduled, not payable. */
	{
		char since[11];

		if (attendance_results_from(a, since) == 0 &&
		    rules_date_parse(since, &x->in.service_start) == 0)
			x->in.has_service_start = true;
	}
	if (load_schedule(a, x, err, errlen) < 0 || load_taps(a, x, err, errlen) < 0 ||
	    load_absences(a, x, NULL, err, errlen) < 0)
		goto fail;
	return 0;
fail:
	inputs_free(x);
	return -1;
}

static int
compute(struct inputs *x, struct rules_output *out, char *err, size_t errlen)
{
	char why[512];

	if (rules_compute(&x->in, out, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "participant %s: %s", x->p.ext_id, why);
		return -1;
	}
	x->a->engine_days += out->n_days;
	return 0;
}

/* --- day states --- */

static int
int_cmp(const void *x, const void *y)
{
	int a = *(const int *)x, b = *(const int *)y;

	return (a > b) - (a < b);
}

/*
 * The regime's settle_minutes on `date`: time after a day's last session for a
 * forgotten tap-out to be corrected before the day is final.
 */
static int
settle_minutes(const struct rules_regime *r, int32_t date)
{
	return (int)rules_settle_minutes(r, date);
}

const char *
attendance_day_state_name(enum attendance_day_state st)
{
	return st == ATTENDANCE_DAY_FUTURE ? "future"
	       : st == ATTENDANCE_DAY_OPEN ? "open"
	                                   : "final";
}

int64_t
attendance_local_minute(void)
{
	char today[11];
	int32_t d = 0;
	int min;

	attendance_local_now(today, &min);
	rules_date_parse(today, &d);
	return (int64_t)d * RULES_MIN_PER_DAY + min;
}

/* When `day` begins (its first session) and becomes final, as local minutes. */
static void
day_bounds(const struct inputs *x, const struct rules_day *day, int64_t *begin, int64_t *final)
{
	int16_t st[RULES_MAX_SESSIONS], en[RULES_MAX_SESSIONS];
	bool off[RULES_MAX_SESSIONS];
	int64_t base = (int64_t)day->date * RULES_MIN_PER_DAY;
	size_t ns = day->scheduled_min > 0
	                ? day_sessions(x, day->date, st, en, off, RULES_MAX_SESSIONS)
	                : 0;
	int first = RULES_MIN_PER_DAY, last = 0;

	/* A day without sessions is future until it is over, then final (as the engine). */
	*begin = base + RULES_MIN_PER_DAY;
	*final = base + RULES_MIN_PER_DAY;
	if (ns == 0)
		return;
	for (size_t k = 0; k < ns; k++) {
		first = st[k] < first ? st[k] : first;
		last = en[k] > last ? en[k] : last;
	}
	*begin = base + first;
	*final = base + last + settle_minutes(x->regime, day->date);
}

/* The engine's day state (RULES.md "The life of a day") as this module names it. */
static enum attendance_day_state
state_of(const struct rules_day *d)
{
	return d->state == RULES_DAY_FINAL  ? ATTENDANCE_DAY_FINAL
	       : d->state == RULES_DAY_OPEN ? ATTENDANCE_DAY_OPEN
	                                    : ATTENDANCE_DAY_FUTURE;
}

/* The engine judges days at this local moment (the trusted now). */
static void
set_now(struct inputs *x, int32_t date, int minute)
{
	x->in.has_now = true;
	x->in.now_date = date;
	x->in.now_minute = (int16_t)minute;
}

/* The days [from, to] of a computed output, the payouts touching them, their totals. */
static int
slice(const struct rules_output *full, int32_t from, int32_t to, struct rules_output *out,
      char *err, size_t errlen)
{
	struct rules_rat ded = {0, 1}, unpaid = {0, 1};
	size_t first = (size_t)(from - full->days[0].date), n = (size_t)(to - from + 1);

	memset(out, 0, sizeof(*out));
	out->days = malloc(n * sizeof(*out->days));
	out->payouts = malloc((full->n_payouts ? full->n_payouts : 1) * sizeof(*out->payouts));
	if (out->days == NULL || out->payouts == NULL) {
		rules_output_free(out);
		return errbuf_set(err, errlen, "%s", "out of memory");
	}
	memcpy(out->days, full->days + first, n * sizeof(*out->days));
	out->n_days = n;
	for (size_t i = 0; i < full->n_payouts; i++)
		if (full->payouts[i].to >= from && full->payouts[i].from <= to)
			out->payouts[out->n_payouts++] = full->payouts[i];
	for (size_t i = 0; i < n; i++) {
		const struct rules_day *d = &out->days[i];
		struct rules_totals *t = &out->totals;

		t->scheduled_min += d->scheduled_min;
		t->attended_min += d->attended_min;
		t->unexcused_min += d->unexcused_min;
		t->pending_min += d->pending_min;
		for (int c = 0; c < RULES_CAT_COUNT; c++)
			t->excused_min[c] += d->excused_min[c];
		if (rules_rat_add(ded, d->deduction, &ded) < 0 ||
		    rules_rat_add(unpaid, d->unpaid_leave, &unpaid) < 0) {
			rules_output_free(out);
			return errbuf_set(err, errlen, "%s", "arithmetic overflow");
		}
	}
	/* Only a sum is rounded, once. */
	out->totals.deduction_ore = rules_rat_round(ded);
	out->totals.unpaid_leave_ore = rules_rat_round(unpaid);
	return 0;
}

static int
parse_range(const char *from, const char *to, int32_t *f, int32_t *t, char *err, size_t errlen)
{
	if (rules_date_parse(from, f) < 0)
		return errbuf_set(err, errlen, "from: expected a date YYYY-MM-DD, got \"%s\"",
		                  from);
	if (rules_date_parse(to, t) < 0)
		return errbuf_set(err, errlen, "to: expected a date YYYY-MM-DD, got \"%s\"", to);
	if (*t < *f)
		return errbuf_set(err, errlen, "to: expected a date on or after from (%s)", from);
	if (*t - *f >= RULES_MAX_DAYS)
		return errbuf_set(err, errlen, "%s: a range of at most ten years", from);
	return 0;
}

static int
days_fill(struct attendance *a, int64_t pid, int32_t from, int32_t to, int lenient, int32_t as_of,
          struct attendance_days *res, char *err, size_t errlen)
{
	struct inputs x;
	struct rules_output full;
	int rc;

	/* Money needs whole payouts: resume no later than the first payout's start. */
	struct resume_ask ask = {RESUME_PAYOUT, from, INT32_MIN};

	memset(res, 0, sizeof(*res));
	if ((rc = inputs_load(a, pid, from, to, lenient, &ask, &x, err, errlen)) != 0)
		return rc;
	x.in.as_of = as_of;
	{
		int64_t now = attendance_local_minute();

		set_now(&x, (int32_t)(now / RULES_MIN_PER_DAY), (int)(now % RULES_MIN_PER_DAY));
	}
	if (compute(&x, &full, err, errlen) < 0) {
		inputs_free(&x);
		return -1;
	}
	{
		uint8_t *st = malloc(full.n_days ? full.n_days : 1);
		int32_t *pend = malloc((full.n_days ? full.n_days : 1) * sizeof(*pend));
		size_t first = (size_t)(from - full.days[0].date), n = (size_t)(to - from + 1);

		rc = st && pend ? 0 : errbuf_set(err, errlen, "%s", "out of memory");
		for (size_t i = 0; rc == 0 && i < full.n_days; i++) {
			st[i] = (uint8_t)state_of(&full.days[i]);
			pend[i] = full.days[i].pending_min;
		}
		if (rc == 0)
			rc = slice(&full, from, to, &res->out, err, errlen);
		if (rc == 0) {
			/* The slice's states; final_at of the range itself. */
			memmove(st, st + first, n);
			memmove(pend, pend + first, n * sizeof(*pend));
			res->state = st;
			res->pending_min = pend;
			st = NULL;
			pend = NULL;
			res->final_at = INT64_MIN;
			if ((res->sessions = calloc(n, sizeof(*res->sessions))) == NULL)
				rc = errbuf_set(err, errlen, "%s", "out of memory");
			for (size_t i = 0; rc == 0 && i < n; i++) {
				struct attendance_sessions *ss = &res->sessions[i];
				int64_t b, f;

				if (res->out.days[i].scheduled_min > 0)
					ss->n = (uint8_t)day_sessions(
					    &x, res->out.days[i].date, ss->start, ss->end,
					    ss->off_site, RULES_MAX_SESSIONS);
				day_bounds(&x, &res->out.days[i], &b, &f);
				res->final_at = f > res->final_at ? f : res->final_at;
				res->pending_total += res->pending_min[i];
				if (res->state[i] != ATTENDANCE_DAY_FINAL)
					res->preliminary = true;
			}
			if (rc != 0)
				attendance_days_free(res);
		}
		free(st);
		free(pend);
	}
	rules_output_free(&full);
	if (rc == 0) {
		res->participant = x.p;
		res->rules = x.regime;
		res->g_missing = lenient ? x.g_missing : INT32_MIN;
		snprintf(res->regime, sizeof(res->regime), "%s", x.regime->name);
		snprintf(res->currency, sizeof(res->currency), "%s", x.regime->currency);
	}
	inputs_free(&x);
	return rc;
}

int
attendance_days(struct attendance *a, int64_t pid, const char *from, const char *to,
                struct attendance_days *res, char *err, size_t errlen)
{
	char today[11];
	int32_t f, t, now;
	int min;

	memset(res, 0, sizeof(*res));
	if (parse_range(from, to, &f, &t, err, errlen) < 0)
		return -1;
	attendance_local_now(today, &min);
	rules_date_parse(today, &now);
	return days_fill(a, pid, f, t, 1, now, res, err, errlen);
}

int
attendance_compute(struct attendance *a, int64_t pid, int32_t from, int32_t to,
                   struct attendance_days *res, char *err, size_t errlen)
{
	memset(res, 0, sizeof(*res));
	if (to < from || to - from >= RULES_MAX_DAYS)
		return errbuf_set(err, errlen, "%s", "a range of one day to ten years");
	return days_fill(a, pid, from, to, 0, INT32_MIN, res, err, errlen);
}

void
attendance_days_free(struct attendance_days *res)
{
	rules_output_free(&res->out);
	free(res->state);
	free(res->pending_min);
	free(res->sessions);
	res->state = NULL;
	res->pending_min = NULL;
	res->sessions = NULL;
}

json_t *
attendance_days_json(const struct attendance_days *res)
{
	json_t *o = scenario_render(res->rules, &res->out);
	int rc;

	if (o == NULL)
		return NULL;
	rc = json_object_set_new(o, "participant",
	                         json_pack("{s:I, s:s, s:s}", "id", (json_int_t)res->participant.id,
	                                   "ext_id", res->participant.ext_id, "name",
	                                   res->participant.name));
	if (res->out.n_days) {
		rc |= json_object_set_new(o, "from", scenario_date_json(res->out.days[0].date));
		rc |= json_object_set_new(
		    o, "to", scenario_date_json(res->out.days[res->out.n_days - 1].date));
	}
	/* Day states: every view of days says which are final and what is still pending. */
	{
		json_t *days = json_object_get(o, "days"), *d;
		size_t i;

		json_array_foreach(days, i, d)
		{
			if (i >= res->out.n_days || res->state == NULL)
				break;
			rc |= json_object_set_new(
			    d, "state", json_string(attendance_day_state_name(res->state[i])));
			rc |= json_object_set_new(d, "pending_min",
			                          json_integer(res->pending_min[i]));
		}
		rc |= json_object_set_new(json_object_get(o, "totals"), "pending_min",
		                          json_integer(res->pending_total));
		rc |= json_object_set_new(o, "preliminary", json_boolean(res->preliminary));
	}
	rc |=
	    json_object_set_new(o, "money_provisional", json_boolean(res->g_missing != INT32_MIN));
	if (res->g_missing != INT32_MIN)
		rc |= json_object_set_new(o, "g_missing", scenario_date_json(res->g_missing));
	if (rc) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* --- quotas --- */

static const char *const quota_names[ATTENDANCE_Q_COUNT] = {
    [ATTENDANCE_Q_SELF_DECLARED] = "self_declared_occurrences",
    [ATTENDANCE_Q_CHILD_SICK] = "child_sick_days",
    [ATTENDANCE_Q_RELIGIOUS] = "religious_days",
    [ATTENDANCE_Q_VACATION] = "vacation_days",
    [ATTENDANCE_Q_LEAVE_APPROVED] = "leave_approved_days",
    [ATTENDANCE_Q_PREGNANCY] = "pregnancy_days",
    [ATTENDANCE_Q_BIRTH_MOTHER] = "birth_mother_days",
    [ATTENDANCE_Q_BIRTH_FATHER] = "birth_father_days",
};

const char *
attendance_quota_name(enum attendance_quota_id id)
{
	return id >= 0 && id < ATTENDANCE_Q_COUNT ? quota_names[id] : "?";
}

/* An integer parameter in force on `date`; `none` if it is "none" or missing. */
static int64_t
param_int(const struct rules_regime *r, enum rules_param p, int32_t date, int64_t none)
{
	const struct rules_param_version *v = rules_param_at(r, p, date);

	return v && v->den ? v->num / v->den : none;
}

/* The child-sick day limit of RULES.md for this participant (-1 = none). */
static int64_t
child_sick_limit(const struct inputs *x, int32_t date)
{
	const struct rules_participant *pt = &x->in.participant;
	int64_t many = param_int(x->regime, RULES_P_CHILD_SICK_MANY_CHILDREN, date, -1);
	int is_many = many >= 0 && pt->children >= many;
	int64_t limit =
	    param_int(x->regime,
	              pt->sole_carer ? (is_many ? RULES_P_CHILD_SICK_DAYS_SOLE_CARER_MANY
	                                        : RULES_P_CHILD_SICK_DAYS_SOLE_CARER)
	                             : (is_many ? RULES_P_CHILD_SICK_DAYS_MANY_CHILDREN
	                                        : RULES_P_CHILD_SICK_DAYS),
	              date, -1);
	int64_t chronic =
	    pt->chronic_child
	        ? param_int(x->regime,
	                    pt->sole_carer ? RULES_P_CHILD_SICK_DAYS_CHRONIC_SOLE_CARER
	                                   : RULES_P_CHILD_SICK_DAYS_CHRONIC,
	                    date, -1)
	        : -1;

	if (limit < 0)
		return -1;
	return chronic > limit ? chronic : limit;
}

static void
quota_set(struct attendance_quota *q, int64_t used, int64_t limit)
{
	q->used = (int)used;
	q->limit = (int)limit;
	q->left = limit < 0 ? -1 : used >= limit ? 0 : (int)(limit - used);
}

/*
 * Quota use as of `as_of`, counted from a computed output: a day counts for a
 * category when it got any minute of it.  Self-declared occurrences are the
 * engine's: days on a run of scheduled days, or within the joining window of the
 * previous one, are one occurrence, counted where it starts.
 */
static void
quotas_count(const struct inputs *x, const struct rules_output *out, int32_t as_of,
             struct attendance_quotas *q)
{
	int64_t n[RULES_CAT_COUNT] = {0}, occ = 0;
	int32_t window = rules_add_months(
	    as_of, -(int)param_int(x->regime, RULES_P_SELF_DECLARED_WINDOW_MONTHS, as_of, 12));
	int32_t cs_window = rules_add_months(
	    as_of, -(int)param_int(x->regime, RULES_P_CHILD_SICK_WINDOW_MONTHS, as_of, 12));
	int64_t join = param_int(x->regime, RULES_P_SELF_DECLARED_JOIN_DAYS, as_of, 0);
	int32_t prev = INT32_MIN;
	int y, m, d;

	memset(q, 0, sizeof(*q));
	q->as_of = as_of;
	rules_ymd(as_of, &y, &m, &d);
	for (size_t i = 0; i < out->n_days && out->days[i].date <= as_of; i++) {
		const struct rules_day *day = &out->days[i];
		int yy;

		rules_ymd(day->date, &yy, &m, &d);
		if (day->excused_min[RULES_CAT_SICK_SELF_DECLARED] > 0) {
			bool run = prev != INT32_MIN && day->date - prev <= join;

			for (size_t k = i; prev != INT32_MIN && !run && k > 0; k--) {
				if (out->days[k - 1].date <= prev) {
					run = true; /* only unscheduled days between */
					break;
				}
				if (out->days[k - 1].scheduled_min > 0)
					break;
			}
			if (!run && day->date > window)
				occ++;
			prev = day->date;
		}
		for (int c = 0; c < RULES_CAT_COUNT; c++) {
			if (day->excused_min[c] <= 0)
				continue;
			if (c == RULES_CAT_CHILD_SICK && day->date <= cs_window)
				continue;
			if ((c == RULES_CAT_RELIGIOUS_HOLIDAY || c == RULES_CAT_VACATION ||
			     c == RULES_CAT_LEAVE_APPROVED) &&
			    yy != y)
				continue;
			n[c]++;
		}
	}
	quota_set(&q->q[ATTENDANCE_Q_SELF_DECLARED], occ,
	          param_int(x->regime, RULES_P_SELF_DECLARED_MAX_OCCURRENCES, as_of, -1));
	quota_set(&q->q[ATTENDANCE_Q_CHILD_SICK], n[RULES_CAT_CHILD_SICK],
	          child_sick_limit(x, as_of));
	quota_set(&q->q[ATTENDANCE_Q_RELIGIOUS], n[RULES_CAT_RELIGIOUS_HOLIDAY],
	          param_int(x->regime, RULES_P_RELIGIOUS_DAYS_PER_YEAR, as_of, -1));
	quota_set(&q->q[ATTENDANCE_Q_VACATION], n[RULES_CAT_VACATION],
	          param_int(x->regime, RULES_P_VACATION_DAYS_PER_YEAR, as_of, -1));
	quota_set(&q->q[ATTENDANCE_Q_LEAVE_APPROVED], n[RULES_CAT_LEAVE_APPROVED],
	          param_int(x->regime, RULES_P_LEAVE_APPROVED_DAYS_PER_YEAR, as_of, -1));
	quota_set(&q->q[ATTENDANCE_Q_PREGNANCY], n[RULES_CAT_PREGNANCY],
	          param_int(x->regime, RULES_P_PREGNANCY_DAYS, as_of, -1));
	quota_set(&q->q[ATTENDANCE_Q_BIRTH_MOTHER], n[RULES_CAT_BIRTH_MOTHER],
	          param_int(x->regime, RULES_P_BIRTH_MOTHER_DAYS, as_of, -1));
	quota_set(&q->q[ATTENDANCE_Q_BIRTH_FATHER], n[RULES_CAT_BIRTH_FATHER],
	          param_int(x->regime, RULES_P_BIRTH_FATHER_DAYS, as_of, -1));
}

/*
 * Whether quotas_count() over an output that starts at a saved state counts as the
 * whole walk would.  Only the first self-declared day of the output can differ: it
 * starts a new occurrence unless an earlier self-declared day (before the state)
 * joins it.  Sure when it is before the window, or more than the join days after
 * the state's day with a scheduled day between.
 */
static bool
quotas_sure(const struct inputs *x, const struct rules_output *out, int32_t as_of)
{
	int32_t window = rules_add_months(
	    as_of, -(int)param_int(x->regime, RULES_P_SELF_DECLARED_WINDOW_MONTHS, as_of, 12));
	int64_t join = param_int(x->regime, RULES_P_SELF_DECLARED_JOIN_DAYS, as_of, 0);
	bool scheduled = false;

	for (size_t i = 0; i < out->n_days && out->days[i].date <= as_of; i++) {
		const struct rules_day *day = &out->days[i];

		if (day->excused_min[RULES_CAT_SICK_SELF_DECLARED] > 0)
			return day->date <= window ||
			       (scheduled && day->date - out->days[0].date > join);
		scheduled |= day->scheduled_min > 0;
	}
	return true;
}

/* Quotas from a walk from the first date (no saved state). */
static int
quotas_full(struct attendance *a, int64_t pid, int32_t d, struct attendance_quotas *q, char *err,
            size_t errlen)
{
	struct inputs x;
	struct rules_output out;
	int rc;

	if ((rc = inputs_load(a, pid, d, d, 1, NULL, &x, err, errlen)) != 0)
		return rc;
	if ((rc = compute(&x, &out, err, errlen)) == 0) {
		quotas_count(&x, &out, d, q);
		rules_output_free(&out);
	}
	inputs_free(&x);
	return rc;
}

int
attendance_quotas(struct attendance *a, int64_t pid, const char *as_of, struct attendance_quotas *q,
                  char *err, size_t errlen)
{
	struct inputs x;
	struct rules_output out;
	int32_t d;
	int rc;

	memset(q, 0, sizeof(*q));
	if (rules_date_parse(as_of, &d) < 0)
		return errbuf_set(err, errlen, "as_of: expected a date YYYY-MM-DD, got \"%s\"",
		                  as_of);
	struct resume_ask ask = {RESUME_DAY, d, d};

	if ((rc = inputs_load(a, pid, d, d, 1, &ask, &x, err, errlen)) != 0)
		return rc;
	if ((rc = compute(&x, &out, err, errlen)) == 0) {
		if (x.in.resume && !quotas_sure(&x, &out, d)) {
			/* A self-declared run may reach back before the state: count it all. */
			rules_output_free(&out);
			inputs_free(&x);
			return quotas_full(a, pid, d, q, err, errlen);
		}
		quotas_count(&x, &out, d, q);
		rules_output_free(&out);
	}
	inputs_free(&x);
	return rc;
}

json_t *
attendance_quotas_json(const struct attendance_quotas *q)
{
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "as_of", scenario_date_json(q->as_of));
	for (int i = 0; i < ATTENDANCE_Q_COUNT; i++) {
		const struct attendance_quota *e = &q->q[i];
		json_t *v = json_pack("{s:i, s:o, s:o}", "used", e->used, "limit",
		                      e->limit < 0 ? json_null() : json_integer(e->limit), "left",
		                      e->left < 0 ? json_null() : json_integer(e->left));

		if (v == NULL || json_object_set_new(o, quota_names[i], v) < 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

/* --- today --- */

static const char *const status_names[ATTENDANCE_STATUS_COUNT] = {
    [ATTENDANCE_NOT_YET_DUE] = "not_yet_due",
    [ATTENDANCE_PRESENT] = "present",
    [ATTENDANCE_LATE] = "late",
    [ATTENDANCE_LEFT_EARLY] = "left_early",
    [ATTENDANCE_ABSENT] = "absent",
    [ATTENDANCE_EXCUSED] = "excused",
    [ATTENDANCE_OFF_SITE] = "off_site",
};

const char *
attendance_status_name(enum attendance_status st)
{
	return st >= 0 && st < ATTENDANCE_STATUS_COUNT ? status_names[st] : "?";
}

/* The board's word for a day, from its sessions, the taps so far and the engine's day. */
static void
today_status(struct attendance_today *row, const struct rules_day *day, int all_off_site, int grace,
             int now_min, int n_taps)
{
	int excused = 0, best = -1;

	for (int c = 0; c < RULES_CAT_COUNT; c++) {
		excused += day->excused_min[c];
		if (day->excused_min[c] > 0 &&
		    (best < 0 || day->excused_min[c] > day->excused_min[best]))
			best = c;
	}
	row->excused_min = excused;
	row->excused_category = best;
	if (all_off_site && n_taps == 0) {
		row->status = best >= 0 ? ATTENDANCE_EXCUSED : ATTENDANCE_OFF_SITE;
		return;
	}
	if (n_taps == 0) {
		/* Not yet arrived until the start plus grace: never "absent" while still on time.
		 */
		row->status = excused > 0                        ? ATTENDANCE_EXCUSED
		              : now_min < row->start_min + grace ? ATTENDANCE_NOT_YET_DUE
		                                                 : ATTENDANCE_ABSENT;
		return;
	}
	/* Lateness and early leave covered by a registered absence are excused. */
	int late =
	    row->first_in > row->start_min + grace && excused < row->first_in - row->start_min;
	int early = !row->in_now && row->last_out >= 0 && row->last_out < row->end_min &&
	            now_min >= row->last_out && excused < row->end_min - row->last_out;

	if (early)
		row->status = ATTENDANCE_LEFT_EARLY;
	else if (late)
		row->status = ATTENDANCE_LATE;
	else if (!row->in_now && row->last_out >= 0 && row->last_out < row->end_min && excused > 0)
		row->status = ATTENDANCE_EXCUSED;
	else
		row->status = ATTENDANCE_PRESENT;
}

int
attendance_today_one(struct attendance *a, int64_t pid, const char *date, int now_min,
                     struct attendance_today *row, char *err, size_t errlen)
{
	struct inputs x;
	struct rules_output out;
	int16_t st[RULES_MAX_SESSIONS], en[RULES_MAX_SESSIONS];
	bool off[RULES_MAX_SESSIONS];
	struct attendance_tap *t = NULL;
	size_t ns, nt = 0, kept = 0;
	int32_t d;
	int rc, all_off = 1;

	memset(row, 0, sizeof(*row));
	if (rules_date_parse(date, &d) < 0)
		return errbuf_set(err, errlen, "date: expected YYYY-MM-DD, got \"%s\"", date);
	struct resume_ask ask = {RESUME_DAY, d, INT32_MIN};

	if ((rc = inputs_load(a, pid, d, d, 1, &ask, &x, err, errlen)) != 0)
		return rc;
	x.in.as_of = d;
	/* Only the taps up to now_min of that day (the board asks about a moment). */
	while (x.in.n_taps > 0 && x.taps[x.in.n_taps - 1].date == d &&
	       x.taps[x.in.n_taps - 1].minute > now_min)
		x.in.n_taps--;
	if (compute(&x, &out, err, errlen) < 0) {
		inputs_free(&x);
		return -1;
	}
	const struct rules_day *day = &out.days[out.n_days - 1];
	ns = day_sessions(&x, d, st, en, off, RULES_MAX_SESSIONS);
	if (day->scheduled_min == 0 || ns == 0) {
		rules_output_free(&out);
		inputs_free(&x);
		return 1;
	}
	row->participant_id = pid;
	snprintf(row->ext_id, sizeof(row->ext_id), "%s", x.p.ext_id);
	snprintf(row->name, sizeof(row->name), "%s", x.p.name);
	snprintf(row->language, sizeof(row->language), "%s", x.p.language);
	snprintf(row->group, sizeof(row->group), "%s", x.p.group);
	row->start_min = 1440;
	row->end_min = 0;
	for (size_t i = 0; i < ns; i++) {
		row->start_min = st[i] < row->start_min ? st[i] : row->start_min;
		row->end_min = en[i] > row->end_min ? en[i] : row->end_min;
		all_off &= off[i];
	}
	row->first_in = row->last_out = -1;
	if (effective_taps(a, pid, date, date, &t, &nt, err, errlen) < 0) {
		rules_output_free(&out);
		inputs_free(&x);
		return -1;
	}
	/* The day's taps in time order, as they alternate or as their directions say. */
	for (size_t i = 0; i < nt; i++)
		for (size_t j = i + 1; j < nt; j++)
			if (t[j].minute < t[i].minute) {
				struct attendance_tap tmp = t[i];

				t[i] = t[j];
				t[j] = tmp;
			}
	for (size_t i = 0; i < nt; i++) {
		if (t[i].minute > now_min)
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
	free(t);
	row->scheduled_min = day->scheduled_min;
	row->attended_min = day->attended_min;
	row->unexcused_min = day->unexcused_min;
	row->notes = day->notes;
	row->flags = day->flags;
	today_status(row, day, all_off, (int)param_int(x.regime, RULES_P_GRACE_MINUTES, d, 0),
	             now_min, (int)kept);
	rules_output_free(&out);
	inputs_free(&x);
	return 0;
}

struct id_list {
	int64_t *ids;
	size_t n, cap;
};

static int
collect_active(void *arg, const struct store_participant *p)
{
	struct id_list *l = arg;

	if (!p->active)
		return 0;
	if (l->n == l->cap) {
		size_t c = l->cap ? l->cap * 2 : 64;
		int64_t *v = realloc(l->ids, c * sizeof(*v));

		if (v == NULL)
			return -1;
		l->ids = v;
		l->cap = c;
	}
	l->ids[l->n++] = p->id;
	return 0;
}

/* Active participants' ids, by name. */
static int
active_ids(struct attendance *a, struct id_list *l, char *err, size_t errlen)
{
	memset(l, 0, sizeof(*l));
	if (store_participant_each(a->s, collect_active, l) < 0) {
		free(l->ids);
		return errbuf_set(err, errlen, "database: %s", store_errmsg(a->s));
	}
	return 0;
}

int
attendance_participants(struct attendance *a, int64_t **ids, size_t *n, char *err, size_t errlen)
{
	struct id_list l;

	*ids = NULL;
	*n = 0;
	if (active_ids(a, &l, err, errlen) < 0)
		return -1;
	*ids = l.ids;
	*n = l.n;
	return 0;
}

static json_t *
hhmm_json(int min)
{
	char buf[8];

	if (min < 0)
		return json_null();
	snprintf(buf, sizeof(buf), "%02d:%02d", (min / 60) % 100, min % 60);
	return json_string(buf);
}

json_t *
attendance_today_json(const struct attendance_today *r)
{
	return json_pack(
	    "{s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:b, s:o, s:o, s:i, s:i, s:i,"
	    " s:i, s:o, s:o}",
	    "participant_id", (json_int_t)r->participant_id, "ext_id", r->ext_id, "name", r->name,
	    "language", r->language, "status", attendance_status_name(r->status),
	    "excused_category",
	    r->excused_category >= 0 ? json_string(rules_category_name(r->excused_category))
	                             : json_null(),
	    "first_in", hhmm_json(r->first_in), "last_out", hhmm_json(r->last_out), "in_now",
	    r->in_now, "start", hhmm_json(r->start_min), "end", hhmm_json(r->end_min),
	    "scheduled_min", r->scheduled_min, "attended_min", r->attended_min, "excused_min",
	    r->excused_min, "unexcused_min", r->unexcused_min, "notes",
	    scenario_notes_json(r->notes), "flags", scenario_flags_json(r->flags));
}

/* --- what if --- */

/* Over [from, to] of a computed output: unexcused minutes, the exact deduction rounded once. */
static int
range_sums(const struct rules_output *o, int32_t from, int32_t to, int64_t *unexcused,
           int64_t *ded_ore, int *decision)
{
	struct rules_rat ded = {0, 1};

	*unexcused = 0;
	*decision = 0;
	for (size_t i = 0; i < o->n_days; i++) {
		const struct rules_day *d = &o->days[i];

		if (d->date < from || d->date > to)
			continue;
		*unexcused += d->unexcused_min;
		if (rules_rat_add(ded, d->deduction, &ded) < 0)
			return -1;
	}
	*ded_ore = rules_rat_round(ded);
	for (size_t i = 0; i < o->n_payouts; i++)
		if (o->payouts[i].to >= from && o->payouts[i].from <= to &&
		    o->payouts[i].decision_required)
			*decision = 1;
	return 0;
}

static int
absence_check(struct attendance *a, const struct store_absence_row *r, int32_t *from, int32_t *to,
              char *err, size_t errlen)
{
	if (rules_category_parse(r->a.category) < 0)
		return errbuf_set(
		    err, errlen,
		    "category: expected one of leave_approved, religious_holiday, pregnancy, "
		    "birth_mother, birth_father, nursing, sick_doctor, sick_self_declared, "
		    "child_sick, vacation, leave_unpaid, unexcused; got \"%s\"",
		    r->a.category);
	if (parse_range(r->a.from_date, r->a.to_date, from, to, err, errlen) < 0)
		return -1;
	if (*to - *from >= ABSENCE_MAX_DAYS)
		return errbuf_set(err, errlen, "to: at most %s days after from", "366");
	if (!((r->start_min == -1 && r->end_min == -1) ||
	      (r->start_min >= 0 && r->end_min > r->start_min && r->end_min <= 1440)))
		return errbuf_set(
		    err, errlen, "%s",
		    "start/end: expected both empty (whole days) or start before end, "
		    "within the day");
	return 0;
}

/* x's absences loaded again without absence `uuid`: the "after" of a change. */
static int
absences_without(struct attendance *a, struct inputs *x, const char *uuid, char *err, size_t errlen)
{
	struct store_absence_row *r;
	size_t n;
	int rc = 0;

	if (absences_read(a, x, &r, &n) < 0)
		return errbuf_set(err, errlen, "database: %s", store_errmsg(a->s));
	x->in.n_absences = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		if (strcmp(r[i].a.uuid, uuid) != 0 && absence_wanted(x, &r[i]))
			rc = absence_to_rules(x, &r[i], err, errlen);
	free(r);
	return rc;
}

static int whatif(struct attendance *a, const struct store_absence_row *abs, const char *replaces,
                  const char *as_of, struct attendance_whatif *w, char *err, size_t errlen);

int
attendance_whatif(struct attendance *a, const struct store_absence_row *abs, const char *as_of,
                  struct attendance_whatif *w, char *err, size_t errlen)
{
	return whatif(a, abs, NULL, as_of, w, err, errlen);
}

int
attendance_whatif_replace(struct attendance *a, const struct store_absence_row *abs,
                          const char *replaces, const char *as_of, struct attendance_whatif *w,
                          char *err, size_t errlen)
{
	return whatif(a, abs, replaces, as_of, w, err, errlen);
}

/*
 * The what-if, resumed from a saved state when `resume` (no later than the payout
 * holding the absence, or the one it replaces, and early enough for the quotas).
 * 2 if the quotas of a resumed walk may differ from the whole walk's (then the
 * caller asks again without a state).
 */
static int
whatif_run(struct attendance *a, const struct store_absence_row *abs, const char *replaces,
           const char *as_of, bool resume, struct attendance_whatif *w, char *err, size_t errlen)
{
	struct inputs x;
	struct rules_output before, after;
	struct store_absence_row tmp = *abs;
	struct resume_ask ask = {RESUME_NONE, 0, INT32_MIN};
	int32_t from, to, now, end;
	int rc;

	memset(w, 0, sizeof(*w));
	if (absence_check(a, abs, &from, &to, err, errlen) < 0)
		return -1;
	if (rules_date_parse(as_of, &now) < 0)
		return errbuf_set(err, errlen, "as_of: expected a date YYYY-MM-DD, got \"%s\"",
		                  as_of);
	end = to > now ? to : now;
	if (resume) {
		struct store_absence_row old;
		int32_t of;

		ask = (struct resume_ask){RESUME_PAYOUT, from, end};
		/* Taking the old absence away changes its days: resume before them. */
		if (replaces && (rc = store_absence_find(a->s, replaces, &old)) != 0)
			ask.kind = RESUME_NONE;
		else if (replaces && rules_date_parse(old.a.from_date, &of) == 0 && of < ask.day)
			ask.day = of;
	}
	if ((rc = inputs_load(a, abs->a.participant_id, from, end, 1, &ask, &x, err, errlen)) != 0)
		return rc;
	w->g_missing = x.g_missing;
	/* Registered now: the religious-holiday notice is counted from today. */
	if (tmp.created_ms == 0) {
		struct clock_reading now_clock;

		clock_read(&now_clock);
		tmp.created_ms = now_clock.wall_ms;
	}
	if (compute(&x, &before, err, errlen) < 0) {
		inputs_free(&x);
		return -1;
	}
	if (x.in.resume && !quotas_sure(&x, &before, end)) {
		rules_output_free(&before);
		inputs_free(&x);
		return 2;
	}
	quotas_count(&x, &before, end, &w->quotas_before);
	rc = range_sums(&before, from, to, &w->unexcused_before_min, &w->deduction_before_ore,
	                &w->decision_before);
	rules_output_free(&before);
	if (rc < 0 || (replaces && absences_without(a, &x, replaces, err, errlen) < 0) ||
	    absence_to_rules(&x, &tmp, err, errlen) < 0 || compute(&x, &after, err, errlen) < 0) {
		if (rc < 0)
			errbuf_set(err, errlen, "%s", "arithmetic overflow");
		inputs_free(&x);
		return -1;
	}
	if (x.in.resume && !quotas_sure(&x, &after, end)) {
		rules_output_free(&after);
		inputs_free(&x);
		return 2;
	}
	quotas_count(&x, &after, end, &w->quotas_after);
	rc = range_sums(&after, from, to, &w->unexcused_after_min, &w->deduction_after_ore,
	                &w->decision_after);
	for (size_t i = 0; i < after.n_days; i++) {
		const struct rules_day *d = &after.days[i];

		if (d->date < from || d->date > to)
			continue;
		for (int c = 0; c < RULES_CAT_COUNT; c++)
			w->excused_after_min[c] += d->excused_min[c];
		w->notes_after |= d->notes;
		w->flags_after |= d->flags;
	}
	/* Registered "unexcused" is a teacher's verdict, not a quota. */
	w->quota_exceeded = (w->notes_after & ~(1u << RULES_NOTE_REGISTERED_UNEXCUSED)) != 0;
	rules_output_free(&after);
	inputs_free(&x);
	if (rc < 0)
		return errbuf_set(err, errlen, "%s", "arithmetic overflow");
	return 0;
}

static int
whatif(struct attendance *a, const struct store_absence_row *abs, const char *replaces,
       const char *as_of, struct attendance_whatif *w, char *err, size_t errlen)
{
	int rc = whatif_run(a, abs, replaces, as_of, true, w, err, errlen);

	return rc == 2 ? whatif_run(a, abs, replaces, as_of, false, w, err, errlen) : rc;
}

json_t *
attendance_whatif_json(const struct attendance_whatif *w)
{
	json_t *ex = json_object();

	for (int c = 0; ex && c < RULES_CAT_COUNT; c++)
		if (w->excused_after_min[c])
			json_object_set_new(ex, rules_category_name(c),
			                    json_integer(w->excused_after_min[c]));
	return json_pack(
	    "{s:{s:I, s:o, s:b, s:o}, s:{s:I, s:o, s:o, s:b, s:o}, s:o, s:o, s:b,"
	    " s:b, s:o}",
	    "before", "unexcused_min", (json_int_t)w->unexcused_before_min, "deduction",
	    scenario_money_json(w->deduction_before_ore), "decision_required", w->decision_before,
	    "quotas", attendance_quotas_json(&w->quotas_before), "after", "unexcused_min",
	    (json_int_t)w->unexcused_after_min, "excused_min", ex, "deduction",
	    scenario_money_json(w->deduction_after_ore), "decision_required", w->decision_after,
	    "quotas", attendance_quotas_json(&w->quotas_after), "notes",
	    scenario_notes_json(w->notes_after), "flags", scenario_flags_json(w->flags_after),
	    "quota_exceeded", w->quota_exceeded, "money_provisional", w->g_missing != INT32_MIN,
	    "g_missing",
	    w->g_missing != INT32_MIN ? scenario_date_json(w->g_missing) : json_null());
}

/* --- writes --- */

/* What the command layer audits, sends and recomputes after one of the writes below. */
static void
write_out(struct attendance_write *w, json_t *detail, const char *type,
          const struct store_participant *p, const char *from)
{
	w->detail = detail;
	w->event_type = type;
	w->pid = p->id;
	snprintf(w->ext_id, sizeof(w->ext_id), "%s", p->ext_id);
	snprintf(w->from, sizeof(w->from), "%s", from);
}

/* After a write: recompute the participant's settled days from `from`, then tell the hook. */
void
attendance_after_write(struct attendance *a, int64_t pid, const char *from)
{
	char today[11], err[512];
	int min;

	attendance_local_now(today, &min);
	if (strcmp(from, today) <= 0 &&
	    attendance_refresh(a, pid, from, today, min, NULL, err, sizeof(err)) < 0)
		log_warn("attendance: recompute after a change: %s", err);
	attendance_changed(a, pid, from);
}

int
attendance_register_absence(struct attendance *a, struct store_absence_row *abs, const char *who,
                            struct attendance_write *w, char *err, size_t errlen)
{
	struct store_participant p;
	int32_t from, to;
	json_t *detail;
	int rc;

	if (absence_check(a, abs, &from, &to, err, errlen) < 0)
		return -1;
	if ((rc = store_participant_get(a->s, abs->a.participant_id, &p)) != 0)
		return rc < 0 ? errbuf_set(err, errlen, "database: %s", store_errmsg(a->s))
		              : errbuf_set(err, errlen, "%s", "participant: no such participant");
	if (who == NULL || !*who)
		return errbuf_set(err, errlen, "%s", "who: expected the name of who registers it");
	events_uuid(abs->a.uuid);
	snprintf(abs->a.registered_by, sizeof(abs->a.registered_by), "%s", who);
	abs->a.minutes = abs->start_min >= 0 ? abs->end_min - abs->start_min : -1;
	abs->revoked = 0;
	detail = json_pack(
	    "{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:s, s:s}", "absence", abs->a.uuid,
	    "participant", p.ext_id, "category", abs->a.category, "from", abs->a.from_date, "to",
	    abs->a.to_date, "start", hhmm_json(abs->start_min), "end", hhmm_json(abs->end_min),
	    "documentation", abs->a.documentation, "comment", abs->a.comment, "registered_by", who);
	if (detail == NULL)
		return errbuf_set(err, errlen, "%s", "out of memory");
	if (store_absence_add(a->s, abs) < 0) {
		json_decref(detail);
		return errbuf_set(err, errlen, "database: %s", store_errmsg(a->s));
	}
	write_out(w, detail, "absence", &p, abs->a.from_date);
	return 0;
}

int
attendance_revoke_absence(struct attendance *a, const char *uuid, const char *who,
                          const char *reason, struct attendance_write *w, char *err, size_t errlen)
{
	struct store_absence_row r;
	struct store_participant p;
	json_t *detail;
	int rc;

	if (reason == NULL || !*reason)
		return errbuf_set(err, errlen, "%s", "reason: a reason is required");
	if ((rc = store_absence_find(a->s, uuid, &r)) != 0)
		return rc < 0 ? errbuf_set(err, errlen, "database: %s", store_errmsg(a->s)) : 1;
	if (r.revoked)
		return 1;
	if (store_participant_get(a->s, r.a.participant_id, &p) != 0)
		return errbuf_set(err, errlen, "database: %s", store_errmsg(a->s));
	detail = json_pack("{s:s, s:s, s:s, s:s}", "absence", uuid, "participant", p.ext_id,
	                   "reason", reason, "revoked_by", who);
	if (detail == NULL)
		return errbuf_set(err, errlen, "%s", "out of memory");
	if ((rc = store_absence_revoke(a->s, uuid, who)) != 0) {
		json_decref(detail);
		return rc == 1 ? 1 : errbuf_set(err, errlen, "database: %s", store_errmsg(a->s));
	}
	write_out(w, detail, "absence_revoked", &p, r.a.from_date);
	return 0;
}

int
attendance_correct_tap(struct attendance *a, const struct attendance_correction *c, const char *who,
                       char *uuid_out, struct attendance_write *w, char *err, size_t errlen)
{
	struct store_correction sc = {.participant_id = c->participant_id};
	struct store_participant p;
	json_t *detail;
	int32_t d;
	int rc;

	if (c->reason == NULL || !*c->reason)
		return errbuf_set(err, errlen, "%s", "reason: a reason is required");
	if ((rc = store_participant_get(a->s, c->participant_id, &p)) != 0)
		return rc < 0 ? errbuf_set(err, errlen, "database: %s", store_errmsg(a->s))
		              : errbuf_set(err, errlen, "%s", "participant: no such participant");
	if (c->action && strcmp(c->action, "add") == 0) {
		if (c->date == NULL || rules_date_parse(c->date, &d) < 0)
			return errbuf_set(err, errlen, "%s", "date: expected YYYY-MM-DD");
		if (c->minute < 0 || c->minute >= 1440)
			return errbuf_set(err, errlen, "%s", "time: expected HH:MM within the day");
		if (c->direction == NULL ||
		    (strcmp(c->direction, "in") && strcmp(c->direction, "out")))
			return errbuf_set(err, errlen, "%s", "direction: expected in or out");
		snprintf(sc.date, sizeof(sc.date), "%s", c->date);
		snprintf(sc.direction, sizeof(sc.direction), "%s", c->direction);
		sc.minute = c->minute;
	} else if (c->action && strcmp(c->action, "remove") == 0) {
		struct store_day_tap t;
		struct attendance_tap *eff;
		int64_t owner = 0;
		size_t n;
		int present = 0;

		if ((rc = store_tap_accepted_get(a->s, c->tap_id, &owner, &t)) < 0)
			return errbuf_set(err, errlen, "database: %s", store_errmsg(a->s));
		if (rc == 1 || owner != c->participant_id)
			return errbuf_set(err, errlen, "%s",
			                  "tap: no such accepted tap of this participant");
		if (effective_taps(a, owner, t.date, t.date, &eff, &n, err, errlen) < 0)
			return -1;
		for (size_t i = 0; i < n; i++)
			present |= eff[i].tap_id == c->tap_id;
		free(eff);
		if (!present)
			return errbuf_set(err, errlen, "%s", "tap: already removed");
		sc.tap_id = c->tap_id;
		snprintf(sc.date, sizeof(sc.date), "%s", t.date);
		sc.minute = t.minute;
		snprintf(sc.direction, sizeof(sc.direction), "%s", t.direction);
	} else {
		return errbuf_set(err, errlen, "%s", "action: expected add or remove");
	}
	events_uuid(sc.uuid);
	snprintf(sc.action, sizeof(sc.action), "%s", c->action);
	snprintf(sc.reason, sizeof(sc.reason), "%s", c->reason);
	snprintf(sc.who, sizeof(sc.who), "%s", who);
	detail = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:s}", "correction", sc.uuid,
	                   "participant", p.ext_id, "action", sc.action, "date", sc.date, "time",
	                   hhmm_json(sc.minute), "direction", sc.direction, "reason", sc.reason,
	                   "who", who);
	if (detail == NULL)
		return errbuf_set(err, errlen, "%s", "out of memory");
	if (store_correction_add(a->s, &sc) < 0) {
		json_decref(detail);
		return errbuf_set(err, errlen, "database: %s", store_errmsg(a->s));
	}
	if (uuid_out)
		snprintf(uuid_out, 40, "%s", sc.uuid);
	write_out(w, detail, "correction", &p, sc.date);
	return 0;
}

int
attendance_taps_on(struct attendance *a, int64_t pid, const char *date,
                   struct attendance_tap **taps, size_t *n, char *err, size_t errlen)
{
	return effective_taps(a, pid, date, date, taps, n, err, errlen);
}

/* --- day results --- */

/* What one participant's refresh writes, in one transaction. */
struct refresh {
	struct inputs *x;
	struct rules_output *out;
	int64_t pid;
	int32_t from, today;
	int now_min;
	int *changed;
	int32_t keep;     /* saved states after this day are deleted before the new ones go in */
	int32_t final_to; /* every day before this one is final: states up to it are kept */
};

/* Whether saved state i of the output is one to keep (see refresh_states()). */
static bool
state_kept(const struct refresh *f, size_t i)
{
	const struct rules_saved_state *st = &f->out->saved[i];

	return st->date <= f->final_to && st->date <= f->today && st->data != NULL;
}

/*
 * The new states, in the day results' transaction: a reader never sees a state
 * without the results it stands for.  A state is kept only when every day before
 * it is final: an open day may still change without any input changing.
 */
static int
refresh_states(struct store *s, struct refresh *f)
{
	if (store_quota_state_delete_after(s, f->pid, f->keep) < 0)
		return -1;
	for (size_t i = 0; i < f->out->n_saved; i++) {
		const struct rules_saved_state *st = &f->out->saved[i];

		if (!state_kept(f, i))
			continue;
		if (store_quota_state_put(s, f->pid, st->date, st->data, st->len) < 0)
			return -1;
	}
	return 0;
}

/* 1 if the stored states differ from what refresh_states() would leave, 0 same, -1 error. */
static int
states_differ(struct store *s, const struct refresh *f)
{
	int64_t after = store_quota_state_count(s, f->pid, f->keep), kept = 0;

	if (after < 0)
		return -1;
	for (size_t i = 0; i < f->out->n_saved; i++) {
		const struct rules_saved_state *st = &f->out->saved[i];
		unsigned char *data;
		size_t len;
		int32_t day;
		int rc;

		if (!state_kept(f, i))
			continue;
		kept += st->date > f->keep;
		if ((rc = store_quota_state_get(s, f->pid, st->date, &day, &data, &len)) < 0)
			return -1;
		rc = rc == 1 || day != st->date || len != st->len ||
		     memcmp(data, st->data, len) != 0;
		free(data);
		if (rc)
			return 1;
	}
	return after != kept;
}

/*
 * The day results of a refresh: each final day from `from` whose stored result
 * differs is written with its outbox event.  `dry`: write nothing, 1 at the first
 * difference (so a refresh that changes nothing costs no transaction, no fsync).
 */
static int
refresh_days(struct store *s, struct refresh *f, bool dry)
{
	struct inputs *x = f->x;
	struct rules_output *out = f->out;
	int64_t pid = f->pid;
	int32_t from = f->from, today = f->today;
	int now_min = f->now_min, *changed = f->changed;
	int rc = 0;

	for (size_t i = 0; i < out->n_days && rc == 0; i++) {
		const struct rules_day *day = &out->days[i];
		char date[11], *stored = NULL, *now = NULL, id[40], *ev;
		int found;
		json_t *j;

		if (day->date < from)
			continue;
		/* A day's result is stored and sent once the day is final (at today, now_min). */
		(void)today;
		(void)now_min;
		if (state_of(day) != ATTENDANCE_DAY_FINAL)
			continue;
		rules_date_format(day->date, date, sizeof(date));
		if ((found = store_day_result_get(s, pid, date, &stored)) < 0) {
			rc = -1;
			break;
		}
		/* Empty days are stored only to replace a result that was not empty. */
		if (found == 1 && day->scheduled_min == 0 && day->attended_min == 0)
			continue;
		if ((j = scenario_render_day(day)) == NULL ||
		    (now = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
			json_decref(j);
			free(stored);
			rc = -1;
			break;
		}
		if (dry && (stored == NULL || strcmp(stored, now) != 0)) {
			rc = 1;
		} else if (stored == NULL || strcmp(stored, now) != 0) {
			json_object_set_new(j, "participant", json_string(x->p.ext_id));
			ev = events_make("day_result", x->p.ext_id, j, id);
			j = NULL;
			if (ev == NULL || store_day_result_put(s, pid, date, now) < 0 ||
			    store_event_add(s, id, "day_result", ev) < 0)
				rc = -1;
			else if (changed)
				(*changed)++;
			free(ev);
		}
		json_decref(j);
		free(stored);
		free(now);
	}
	return rc;
}

static int
refresh_write(struct store *s, void *arg, char *err, size_t errlen)
{
	struct refresh *f = arg;

	if (refresh_states(s, f) < 0 || refresh_days(s, f, false) < 0)
		return errbuf_set(err, errlen, "database: %s", store_errmsg(s));
	return 0;
}

/*
 * Where a refresh saves states: the start of every payout after its first day up
 * to today, and today (the state before it), so a change on any date finds one
 * no earlier than its payout's start and a restart resumes at the last run.
 * Never after the trusted today, never while the clock is not trusted.
 */
static size_t
save_dates(const struct inputs *x, int32_t today, int32_t *at, size_t max)
{
	size_t n = 0;

	if (clock_quality_now() != CLOCK_SYNCED)
		return 0;
	for (int32_t d = payout_start(x->regime, x->in.from); n + 1 < max;) {
		int32_t next = d + 14;
		int y, m, dd;

		if (param_int(x->regime, RULES_P_PAYOUT, d, RULES_PAYOUT_MONTHLY) ==
		    RULES_PAYOUT_MONTHLY) {
			rules_ymd(d, &y, &m, &dd);
			next = rules_add_months(rules_date(y, m, 1), 1);
		}
		if (next >= today)
			break;
		if (next > x->in.from)
			at[n++] = next;
		d = next;
	}
	if (today > x->in.from)
		at[n++] = today;
	return n;
}

#define SAVE_MAX (RULES_MAX_DAYS / 14 + 4)

static int
refresh_one(struct attendance *a, int64_t pid, int32_t from, int32_t resume_at, int32_t floor,
            int32_t today, int now_min, int *changed, char *err, size_t errlen)
{
	struct inputs x;
	struct rules_output out;
	struct refresh f = {&x, &out, pid, from, today, now_min, changed, 0, 0};
	struct resume_ask ask = {RESUME_DAY, resume_at, INT32_MIN};
	int32_t *at;
	int rc;

	/*
	 * From the participant's own first date, whatever `from` is: the states it saves
	 * are then those of the one walk every later computation resumes.
	 */
	if ((rc = inputs_load(a, pid, INT32_MIN, today, 1, &ask, &x, err, errlen)) != 0)
		return rc > 0 ? 0 : -1;
	set_now(&x, today, now_min);
	a->walked_from = x.in.from;
	if ((at = malloc(SAVE_MAX * sizeof(*at))) == NULL) {
		inputs_free(&x);
		return errbuf_set(err, errlen, "%s", "out of memory");
	}
	x.in.save_at = at;
	x.in.n_save_at = save_dates(&x, today, at, SAVE_MAX);
	rc = compute(&x, &out, err, errlen);
	x.in.save_at = NULL;
	free(at);
	if (rc < 0) {
		inputs_free(&x);
		return -1;
	}
	/* States later than what this walk started from, or than `from`, are replaced. */
	f.keep = x.in.from > from ? x.in.from : from;
	/*
	 * Every final day the walk gives is checked against its stored result, not only
	 * those from `from`: a saved state promises that the results before it are
	 * current, so a state is kept only with the results of the days it walked.
	 */
	f.from = x.in.from < from ? x.in.from : from;
	f.from = f.from < floor ? floor : f.from;
	f.final_to = today + 1;
	for (size_t i = 0; i < out.n_days; i++)
		if (out.days[i].state != RULES_DAY_FINAL) {
			f.final_to = out.days[i].date;
			break;
		}
	/*
	 * The state resumed from, when it was an earlier run's "today" and not a pay
	 * period's start, goes once a later one is kept: one such state per participant,
	 * not one per day the daemon ran.
	 */
	if (x.in.resume && f.keep == x.in.from && payout_start(x.regime, x.in.from) != x.in.from)
		for (size_t i = 0; i < out.n_saved; i++)
			if (state_kept(&f, i) && out.saved[i].date > x.in.from) {
				f.keep = x.in.from - 1;
				break;
			}
	/* One transaction per participant: one fsync however many days changed, none if
	 * nothing did (a restart or a midnight refresh of a participant already current). */
	if ((rc = states_differ(a->s, &f)) == 0)
		rc = refresh_days(a->s, &f, true);
	if (rc < 0)
		rc = errbuf_set(err, errlen, "database: %s", store_errmsg(a->s));
	else if (rc == 1)
		rc = store_txn(a->s, refresh_write, &f, err, errlen);
	rules_output_free(&out);
	inputs_free(&x);
	return rc;
}

int
attendance_refresh(struct attendance *a, int64_t pid, const char *from, const char *today,
                   int now_min, int *changed, char *err, size_t errlen)
{
	struct id_list l = {0};
	int32_t f = INT32_MIN, t, s, r, floor = INT32_MIN;
	char since[11];
	int failed = 0;

	if (changed)
		*changed = 0;
	*err = '\0';
	a->walked_from = INT32_MIN;
	if (rules_date_parse(today, &t) < 0)
		return errbuf_set(err, errlen, "today: expected YYYY-MM-DD, got \"%s\"", today);
	if (from && *from && rules_date_parse(from, &f) < 0)
		return errbuf_set(err, errlen, "from: expected YYYY-MM-DD, got \"%s\"", from);
	if (attendance_results_from(a, since) == 0 && rules_date_parse(since, &s) == 0) {
		floor = s;
		f = f < s ? s : f;
	}
	if (f > t)
		return 0;
	/*
	 * A date: the states after it may be stale (a tap today) and go; the walk resumes
	 * before it.  Everything (""): the saved states are current (every change deletes
	 * those after it when it commits), so the walk resumes from the latest one.
	 */
	r = from && *from ? f : t;
	if (pid)
		return refresh_one(a, pid, f, r, floor, t, now_min, changed, err, errlen);
	if (active_ids(a, &l, err, errlen) < 0)
		return -1;
	/* One participant that cannot be computed must not stop the others. */
	for (size_t i = 0; i < l.n; i++) {
		char why[512] = "";

		if (refresh_one(a, l.ids[i], f, r, floor, t, now_min, changed, why, sizeof(why)) <
		    0) {
			log_warn("attendance: day results: %s", why);
			if (!failed)
				snprintf(err, errlen, "%s", why);
			failed = 1;
		}
	}
	free(l.ids);
	return failed ? -1 : 0;
}

int
attendance_refresh_walked(const struct attendance *a, char date[11])
{
	if (a->walked_from == INT32_MIN)
		return 1;
	rules_date_format(a->walked_from, date, 11);
	return 0;
}

#define RESULTS_FROM_KEY ATTENDANCE_RESULTS_FROM_KEY

int
attendance_results_from(struct attendance *a, char date[11])
{
	if (a->bulk)
		return attendance_bulk_results_from(a->bulk, date);
	return store_meta_get(a->s, RESULTS_FROM_KEY, date, 11);
}

int
attendance_set_results_from(struct attendance *a, const char *date, int only_if_unset, char *err,
                            size_t errlen)
{
	char have[11];
	int32_t d;
	int rc;

	if (rules_date_parse(date, &d) < 0)
		return errbuf_set(err, errlen, "expected a date YYYY-MM-DD, got \"%s\"", date);
	if ((rc = attendance_results_from(a, have)) < 0)
		return errbuf_set(err, errlen, "database: %s", store_errmsg(a->s));
	if (rc == 0 && only_if_unset)
		return 0;
	if (store_meta_set(a->s, RESULTS_FROM_KEY, date) < 0)
		return errbuf_set(err, errlen, "database: %s", store_errmsg(a->s));
	log_info("attendance: day results are kept from %s", date);
	return 0;
}

int
attendance_is_holiday(struct attendance *a, const char *name, const char *date)
{
	const struct rules_regime *r;
	char err[256];
	int32_t d;

	r = regime_get(a, name && *name ? name : a->cfg->kiosk.regime, err, sizeof(err));
	if (r == NULL || rules_date_parse(date, &d) < 0)
		return 0;
	return rules_is_holiday(r->holidays, d);
}

int
attendance_session_ends(struct attendance *a, const char *date, int *ends, size_t max, size_t *n,
                        char *err, size_t errlen)
{
	int32_t d;

	if (rules_date_parse(date, &d) < 0)
		return errbuf_set(err, errlen, "date: expected YYYY-MM-DD, got \"%s\"", date);
	if (store_session_ends(a->s, date, rules_weekday(d), ends, max, n) < 0)
		return errbuf_set(err, errlen, "database: %s", store_errmsg(a->s));
	/*
	 * A day becomes final settle_minutes after its last session: the moments that
	 * matter are the ends plus each regime's settle_minutes (the kiosk's own regime
	 * and every regime in use), so the day result goes out when the day is final.
	 */
	{
		size_t base = *n, k = base;
		const struct rules_regime *own = regime_get(a, a->cfg->kiosk.regime, err, errlen);

		for (size_t r = 0; r <= a->n_regimes; r++) {
			const struct rules_regime *rg = r < a->n_regimes ? a->regimes[r].r : own;
			int settle = rg ? settle_minutes(rg, d) : RULES_SETTLE_MINUTES_DEFAULT;

			for (size_t i = 0; i < base && k < max; i++)
				if (ends[i] + settle < RULES_MIN_PER_DAY)
					ends[k++] = ends[i] + settle;
		}
		qsort(ends, k, sizeof(*ends), int_cmp);
		*n = 0;
		for (size_t i = 0; i < k; i++)
			if (*n == 0 || ends[*n - 1] != ends[i])
				ends[(*n)++] = ends[i];
	}
	return 0;
}

/* --- for the pay periods --- */

static struct rules_rat
param_rat(const struct rules_regime *r, enum rules_param p, int32_t date)
{
	const struct rules_param_version *v = rules_param_at(r, p, date);

	return v && v->den ? (struct rules_rat){v->num, v->den} : (struct rules_rat){0, 1};
}

int
attendance_hour_value(struct attendance *a, int64_t pid, int32_t date, struct rules_rat *out,
                      char *err, size_t errlen)
{
	struct inputs x;
	struct rules_rat base, hours, t;
	int64_t g;
	int rc;

	memset(&x, 0, sizeof(x));
	if ((rc = load_participant(a, &x, pid, err, errlen)) != 0 ||
	    (rc = load_g_shared(a, &x, date, 0, err, errlen)) != 0)
		goto done;
	if (param_int(x.regime, RULES_P_STIPEND_BASIS, date, RULES_BASIS_G) == RULES_BASIS_G) {
		if (rules_g_at(x.in.g, x.in.n_g, date, &g, err, errlen) < 0) {
			rc = -1;
			goto done;
		}
		base = (struct rules_rat){g, 1};
		hours = param_rat(x.regime, RULES_P_ANNUAL_HOURS, date);
		if (rules_rat_mul(base, param_rat(x.regime, RULES_P_G_MULTIPLE, date), &t) < 0 ||
		    rules_rat_mul(
		        t, param_rat(x.regime, RULES_P_RATE_FULL + x.in.participant.rate, date),
		        &base) < 0)
			hours.num = 0;
	} else {
		base = (struct rules_rat){x.in.participant.monthly_benefit_ore, 1};
		hours = param_rat(x.regime, RULES_P_MONTHLY_HOURS, date);
		if (base.num < 0)
			hours.num = 0;
	}
	if (hours.num <= 0 ||
	    rules_rat_mul(base, (struct rules_rat){hours.den, hours.num}, out) < 0) {
		rc = errbuf_set(err, errlen, "participant %s: no hour value on this date",
		                x.p.ext_id);
		goto done;
	}
	rc = 0;
done:
	inputs_free(&x);
	return rc;
}

int
attendance_g_at(struct attendance *a, int64_t pid, int32_t date, int64_t *g_ore, char *err,
                size_t errlen)
{
	struct inputs x;
	int rc;

	memset(&x, 0, sizeof(x));
	*g_ore = 0;
	if ((rc = load_participant(a, &x, pid, err, errlen)) != 0 ||
	    (rc = load_g_shared(a, &x, date, 0, err, errlen)) != 0)
		goto done;
	if (param_int(x.regime, RULES_P_STIPEND_BASIS, date, RULES_BASIS_G) != RULES_BASIS_G)
		rc = 1;
	else
		rc = rules_g_at(x.in.g, x.in.n_g, date, g_ore, err, errlen) < 0 ? -1 : 0;
done:
	inputs_free(&x);
	return rc;
}

/* --- saved states (incremental results) --- */

void
attendance_set_resume(struct attendance *a, bool on)
{
	a->no_resume = !on;
}

uint64_t
attendance_engine_days(const struct attendance *a)
{
	return a ? a->engine_days : 0;
}

uint64_t
attendance_resumed(const struct attendance *a)
{
	return a ? a->resumed : 0;
}

#define FINGERPRINT_KEY "results_fingerprint"

struct names {
	char (*v)[64];
	size_t n, cap;
};

static int
collect_regime(void *arg, const struct store_participant *p)
{
	struct names *l = arg;

	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], p->regime) == 0)
			return 0;
	if (l->n == l->cap) {
		size_t c = l->cap ? l->cap * 2 : 8;
		char(*v)[64] = realloc(l->v, c * sizeof(*v));

		if (v == NULL)
			return -1;
		l->v = v;
		l->cap = c;
	}
	snprintf(l->v[l->n++], sizeof(l->v[0]), "%s", p->regime);
	return 0;
}

static int
name_cmp(const void *x, const void *y)
{
	return strcmp(x, y);
}

/*
 * What changes results but is in no table: the bytes of every regime file in use,
 * [payroll] payout and anchor, and this module's results version.  Hex into out.
 */
static int
fingerprint(struct attendance *a, char out[2 * crypto_generichash_BYTES + 1], char *err,
            size_t errlen)
{
	crypto_generichash_state h;
	unsigned char md[crypto_generichash_BYTES];
	struct names l = {0};
	char dir[CONFIG_PATH_MAX], line[64];

	if (store_participant_each(a->s, collect_regime, &l) < 0) {
		free(l.v);
		return errbuf_set(err, errlen, "database: %s", store_errmsg(a->s));
	}
	if (collect_regime(&l, &(struct store_participant){0}) < 0) {
		free(l.v);
		return errbuf_set(err, errlen, "%s", "out of memory");
	}
	snprintf(l.v[l.n - 1], sizeof(l.v[0]), "%s", a->cfg->kiosk.regime);
	qsort(l.v, l.n, sizeof(l.v[0]), name_cmp);
	crypto_generichash_init(&h, NULL, 0, sizeof(md));
	snprintf(line, sizeof(line), "results %d state %d\n", ATTENDANCE_RESULTS_VERSION,
	         ATTENDANCE_STATE_FORMAT);
	crypto_generichash_update(&h, (const unsigned char *)line, strlen(line));
	crypto_generichash_update(&h, (const unsigned char *)a->cfg->payroll.payout,
	                          strlen(a->cfg->payroll.payout) + 1);
	crypto_generichash_update(&h, (const unsigned char *)a->cfg->payroll.anchor,
	                          strlen(a->cfg->payroll.anchor) + 1);
	if (config_regime_dir(a->cfg, dir, sizeof(dir)) < 0)
		dir[0] = '\0';
	for (size_t i = 0; i < l.n; i++) {
		char path[CONFIG_PATH_MAX + 80];
		unsigned char buf[4096];
		size_t got;
		FILE *f;

		if (i > 0 && strcmp(l.v[i], l.v[i - 1]) == 0)
			continue;
		crypto_generichash_update(&h, (const unsigned char *)l.v[i], strlen(l.v[i]) + 1);
		snprintf(path, sizeof(path), "%s/%s.ini", dir, l.v[i]);
		/* A regime that cannot be read fails its computations; "missing" is hashed. */
		if ((f = fopen(path, "rb")) == NULL) {
			crypto_generichash_update(&h, (const unsigned char *)"missing", 8);
			continue;
		}
		while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
			crypto_generichash_update(&h, buf, got);
		fclose(f);
	}
	free(l.v);
	crypto_generichash_final(&h, md, sizeof(md));
	sodium_bin2hex(out, 2 * crypto_generichash_BYTES + 1, md, sizeof(md));
	return 0;
}

struct check {
	const char *fp;
	int32_t today;
	int stale;
};

static int
check_txn(struct store *s, void *arg, char *err, size_t errlen)
{
	struct check *c = arg;

	if (c->stale && (store_quota_state_delete_after(s, 0, INT32_MIN) < 0 ||
	                 store_meta_set(s, FINGERPRINT_KEY, c->fp) < 0))
		return errbuf_set(err, errlen, "database: %s", store_errmsg(s));
	/* The clock went back while the daemon was stopped: those days are not walked yet. */
	if (c->today != INT32_MIN && store_quota_state_delete_after(s, 0, c->today) < 0)
		return errbuf_set(err, errlen, "database: %s", store_errmsg(s));
	return 0;
}

int
attendance_results_check(struct attendance *a, const char *today, char *err, size_t errlen)
{
	char fp[2 * crypto_generichash_BYTES + 1], have[2 * crypto_generichash_BYTES + 1];
	struct check c = {fp, INT32_MIN, 0};
	int rc;

	if (today && rules_date_parse(today, &c.today) < 0)
		return errbuf_set(err, errlen, "today: expected YYYY-MM-DD, got \"%s\"", today);
	if (fingerprint(a, fp, err, errlen) < 0)
		return -1;
	if ((rc = store_meta_get(a->s, FINGERPRINT_KEY, have, sizeof(have))) < 0)
		return errbuf_set(err, errlen, "database: %s", store_errmsg(a->s));
	c.stale = rc == 1 || strcmp(have, fp) != 0;
	if (store_txn(a->s, check_txn, &c, err, errlen) != 0)
		return -1;
	if (c.stale && rc == 0)
		log_info("attendance: the regimes, the payroll calendar or the results version "
		         "changed; saved states dropped, everyone is computed from the start");
	return c.stale;
}

/* --- lent to attendance_today.c (attendance_int.h) --- */

struct store *
attendance_int_store(struct attendance *a)
{
	return a->s;
}

const struct rules_regime *
attendance_int_regime(struct attendance *a, const char *name, char *err, size_t errlen)
{
	return regime_get(a, name, err, errlen);
}

int
attendance_int_g(struct attendance *a, const struct rules_regime *r, int32_t to, struct rules_g **g,
                 size_t *n, int32_t *g_missing, char *err, size_t errlen)
{
	struct inputs x;

	memset(&x, 0, sizeof(x));
	x.regime = r;
	*g = NULL;
	*n = 0;
	if (load_g(a, &x, to, 1, err, errlen) < 0)
		return -1;
	*g = x.g;
	*n = x.in.n_g;
	*g_missing = x.g_missing;
	return 0;
}

int32_t
attendance_int_first_date(const struct rules_input *in, int32_t from, int32_t to)
{
	struct inputs x = {.regime = in->regime, .in = *in};

	return first_date(&x, from, to);
}

size_t
attendance_int_sessions(const struct rules_input *in, int32_t date, int16_t *start, int16_t *end,
                        bool *off, size_t max)
{
	struct inputs x = {.in = *in};

	return day_sessions(&x, date, start, end, off, max);
}

int
attendance_int_absence(const struct rules_input *in, const char *ext_id,
                       const struct store_absence_row *r, struct rules_absence **abs, size_t *n,
                       size_t *cap, char *err, size_t errlen)
{
	struct inputs x = {.in = *in, .abs = *abs, .cap_abs = *cap};
	int rc;

	snprintf(x.p.ext_id, sizeof(x.p.ext_id), "%s", ext_id);
	x.in.absences = *abs;
	x.in.n_absences = *n;
	rc = absence_to_rules(&x, r, err, errlen);
	*abs = x.abs;
	*n = x.in.n_absences;
	*cap = x.cap_abs;
	return rc;
}

int64_t
attendance_int_param(const struct rules_regime *r, enum rules_param p, int32_t date, int64_t none)
{
	return param_int(r, p, date, none);
}

void
attendance_today_status(struct attendance_today *row, const struct rules_day *day, int all_off_site,
                        int grace, int now_min, int n_taps)
{
	today_status(row, day, all_off_site, grace, now_min, n_taps);
}
