/*
 * rules_fixture.h — a small world for the rules engine's unit tests: a regime loaded
 * from board/regimes, a Monday-Friday 08:00-15:30 schedule, the 2024/2025 G table,
 * and helpers to add taps and absences by date string and read a day's result.
 * Header-only (static inline) so each test stays one standalone .c file.
 */
#ifndef STEMPEL_RULES_FIXTURE_H
#define STEMPEL_RULES_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "regime.h"
#include "rules/rules.h"

struct fx {
	struct rules_regime regime;
	struct rules_template templ[8];
	struct rules_exception exc[16];
	int32_t closures[16];
	struct rules_tap taps[2048];
	struct rules_absence abs[64];
	struct rules_range sd[16];
	struct rules_g g[32];
	struct rules_input in;
	struct rules_output out;
	char err[512];
};

static inline int32_t
fx_date(const char *s)
{
	int32_t d = 0;
	assert_int_equal(rules_date_parse(s, &d), 0);
	return d;
}

static inline int
fx_hhmm(const char *s)
{
	return ((s[0] - '0') * 10 + (s[1] - '0')) * 60 + (s[3] - '0') * 10 + (s[4] - '0');
}

/* A new world for `regime` (a file in board/regimes) over [from, to]. */
static inline struct fx *
fx_new(const char *regime, const char *from, const char *to)
{
	struct fx *f = calloc(1, sizeof *f);
	assert_non_null(f);
	if (regime_load("board/regimes", regime, &f->regime, f->err, sizeof f->err) < 0)
		fail_msg("%s", f->err);
	f->in.regime = &f->regime;
	f->in.from = fx_date(from);
	f->in.to = fx_date(to);
	f->in.as_of = INT32_MIN;
	f->in.participant = (struct rules_participant){
	    fx_date("2025-01-06"), RULES_RATE_FULL, 0, false, false, -1, false, 0};
	f->templ[0] =
	    (struct rules_template){0x3e, 8 * 60, 15 * 60 + 30, false, INT32_MIN, INT32_MAX};
	f->in.n_templ = 1;
	f->g[0] = (struct rules_g){fx_date("2024-05-01"), 12402800};
	f->g[1] = (struct rules_g){fx_date("2025-05-01"), 13016000};
	f->in.n_g = 2;
	return f;
}

/* Invented G values for 1 May 2026 ... 2040, for tests far in the future. */
static inline void
fx_future_g(struct fx *f)
{
	for (int y = 2026; y <= 2040; y++)
		f->g[f->in.n_g++] =
		    (struct rules_g){rules_date(y, 5, 1), 13016000 + (y - 2025) * 500000};
}

static inline void
fx_free(struct fx *f)
{
	rules_output_free(&f->out);
	free(f);
}

/* Set a regime parameter (file syntax) for all dates. */
static inline void
fx_param(struct fx *f, const char *name, const char *value)
{
	if (regime_override(&f->regime, name, value, f->err, sizeof f->err) < 0)
		fail_msg("%s", f->err);
}

/* A tap "YYYY-MM-DDTHH:MM"; taps must be added in time order. */
static inline void
fx_tap(struct fx *f, const char *when)
{
	char d[11];
	memcpy(d, when, 10);
	d[10] = 0;
	f->taps[f->in.n_taps++] = (struct rules_tap){fx_date(d), (int16_t)fx_hhmm(when + 11)};
}

/* Taps at `in` and `out` ("HH:MM") on every weekday of [from, to]. */
static inline void
fx_attend(struct fx *f, const char *from, const char *to, const char *in, const char *out)
{
	for (int32_t d = fx_date(from); d <= fx_date(to); d++) {
		if (rules_weekday(d) > 5)
			continue;
		f->taps[f->in.n_taps++] = (struct rules_tap){d, (int16_t)fx_hhmm(in)};
		f->taps[f->in.n_taps++] = (struct rules_tap){d, (int16_t)fx_hhmm(out)};
	}
}

static inline struct rules_absence *
fx_absence(struct fx *f, enum rules_category c, const char *from, const char *to)
{
	struct rules_absence *a = &f->abs[f->in.n_absences++];
	*a = (struct rules_absence){.category = c,
	                            .from = fx_date(from),
	                            .to = fx_date(to),
	                            .start = -1,
	                            .end = -1,
	                            .registered_on = INT32_MIN};
	return a;
}

static inline void
fx_history_self_declared(struct fx *f, const char *from, const char *to)
{
	f->sd[f->in.history.n_self_declared++] = (struct rules_range){fx_date(from), fx_date(to)};
}

/* Compute; returns rules_compute()'s result (the message is in f->err). */
static inline int
fx_run(struct fx *f)
{
	rules_output_free(&f->out);
	f->in.templ = f->templ;
	f->in.exceptions = f->exc;
	f->in.closures = f->closures;
	f->in.taps = f->taps;
	f->in.absences = f->abs;
	f->in.history.self_declared = f->sd;
	f->in.g = f->g;
	return rules_compute(&f->in, &f->out, f->err, sizeof f->err);
}

/* Compute and fail the test on error. */
static inline void
fx_ok(struct fx *f)
{
	if (fx_run(f) < 0)
		fail_msg("rules_compute: %s", f->err);
}

static inline const struct rules_day *
fx_day(const struct fx *f, const char *date)
{
	int32_t d = fx_date(date);
	assert_true(d >= f->in.from && d <= f->in.to);
	return &f->out.days[d - f->in.from];
}

static inline bool
fx_note(const struct fx *f, const char *date, enum rules_note n)
{
	return fx_day(f, date)->notes & (1u << n);
}

static inline bool
fx_flag(const struct fx *f, const char *date, enum rules_flag n)
{
	return fx_day(f, date)->flags & (1u << n);
}

/* The total deduction as "1234.56". */
static inline const char *
fx_deduction(const struct fx *f, char *buf, size_t len)
{
	rules_ore_format(f->out.totals.deduction_ore, buf, len);
	return buf;
}

#endif
