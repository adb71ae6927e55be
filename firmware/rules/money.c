/*
 * money.c — exact money.  Amounts are rationals of øre (int64 numerator and
 * denominator, reduced after every step, with 128-bit intermediates and an overflow
 * check), so 2G/12 or 1/1850 of a year is carried exactly; only a payout's total is
 * rounded, half-up, to whole øre.  No floating point anywhere.  Also the G table:
 * a G value is in force from its date until the next 1 May, and never guessed past it.
 */
#include "rules/rules_int.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

typedef __int128 i128;

/* Binary gcd (Stein) of two 64-bit values: shifts and subtractions, no division. */
static uint64_t
gcd64(uint64_t a, uint64_t b)
{
	int k;

	if (a == 0 || b == 0)
		return a | b;
	/* One division first brings the larger down to the smaller's size, and ends at
	 * once when one divides the other (a denominator of 1: G, minutes); the bit loop
	 * takes about as many steps as the larger has bits. */
	if (a > b) {
		if ((a %= b) == 0)
			return b;
	} else if ((b %= a) == 0) {
		return a;
	}
	k = __builtin_ctzll(a | b);
	a >>= __builtin_ctzll(a);
	do {
		b >>= __builtin_ctzll(b);
		if (a > b) {
			uint64_t t = a;
			a = b;
			b = t;
		}
		b -= a;
	} while (b);
	return a << k;
}

static i128
gcd128(i128 a, i128 b)
{
	if (a < 0)
		a = -a;
	/* Nearly always both fit 64 bits (b is a denominator, > 0): the same gcd without
	 * the 128-bit divisions, which were the engine's largest cost over a month. */
	if (b > 0 && b <= INT64_MAX && a <= INT64_MAX)
		return (i128)gcd64((uint64_t)a, (uint64_t)b);
	while (b) {
		i128 t = a % b;
		a = b;
		b = t < 0 ? -t : t;
	}
	return a;
}

static int
rat_make(i128 num, i128 den, struct rules_rat *out)
{
	if (den == 0)
		return -1;
	if (den < 0) {
		num = -num;
		den = -den;
	}
	i128 g = gcd128(num, den);
	if (g > 1) {
		num /= g;
		den /= g;
	}
	if (num > INT64_MAX || num < -INT64_MAX || den > INT64_MAX)
		return -1;
	out->num = (int64_t)num;
	out->den = (int64_t)den;
	return 0;
}

int
rules_rat_add(struct rules_rat a, struct rules_rat b, struct rules_rat *out)
{
	if (a.den == b.den)
		return rat_make((i128)a.num + b.num, a.den, out);
	return rat_make((i128)a.num * b.den + (i128)b.num * a.den, (i128)a.den * b.den, out);
}

int
rules_rat_mul(struct rules_rat a, struct rules_rat b, struct rules_rat *out)
{
	/* Cross-reduce first so the products stay small. */
	i128 g1 = gcd128(a.num, b.den), g2 = gcd128(b.num, a.den);
	if (g1 == 0)
		g1 = 1;
	if (g2 == 0)
		g2 = 1;
	return rat_make((i128)(a.num / g1) * (b.num / g2), (i128)(a.den / g2) * (b.den / g1), out);
}

int
rules_rat_cmp(struct rules_rat a, struct rules_rat b)
{
	i128 l = (i128)a.num * b.den, r = (i128)b.num * a.den;
	return l < r ? -1 : l > r;
}

int64_t
rules_rat_round(struct rules_rat a)
{
	if (a.num < 0) {
		struct rules_rat n = {-a.num, a.den};
		return -rules_rat_round(n);
	}
	return (int64_t)(((i128)2 * a.num + a.den) / ((i128)2 * a.den));
}

void
rules_ore_format(int64_t ore, char *buf, size_t len)
{
	/* What snprintf("%s%" PRIu64 ".%02u") made, without it (every CSV cell): the
	 * digits from the right into t, then copied as snprintf would, truncated to len. */
	uint64_t u = ore < 0 ? (uint64_t)0 - (uint64_t)ore : (uint64_t)ore;
	char t[32], *q = t + sizeof(t);
	size_t n;

	*--q = (char)('0' + u % 10);
	*--q = (char)('0' + u / 10 % 10);
	*--q = '.';
	u /= 100;
	do
		*--q = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (ore < 0)
		*--q = '-';
	n = (size_t)(t + sizeof(t) - q);
	if (len == 0)
		return;
	if (n > len - 1)
		n = len - 1;
	memcpy(buf, q, n);
	buf[n] = '\0';
}

int
rules_ore_parse(const char *s, int64_t *ore)
{
	int64_t whole = 0;
	int digits = 0;
	for (; isdigit((unsigned char)*s); s++, digits++) {
		if (whole > INT64_MAX / 1000)
			return -1;
		whole = whole * 10 + (*s - '0');
	}
	if (digits == 0)
		return -1;
	int64_t frac = 0;
	if (*s == '.') {
		s++;
		int n = 0;
		for (; isdigit((unsigned char)*s); s++, n++) {
			if (n >= 2)
				return -1; /* finer than øre cannot be paid */
			frac = frac * 10 + (*s - '0');
		}
		if (n == 0)
			return -1;
		if (n == 1)
			frac *= 10;
	}
	if (*s)
		return -1;
	*ore = whole * 100 + frac;
	return 0;
}

/* The 1 May on which a G value dated `from` stops being in force. */
static int32_t
g_expiry(int32_t from)
{
	int y, m, d;
	rules_ymd(from, &y, &m, &d);
	int32_t may = rules_date(y, 5, 1);
	return from < may ? may : rules_date(y + 1, 5, 1);
}

int
rules_g_at(const struct rules_g *g, size_t n, int32_t date, int64_t *ore, char *err, size_t errlen)
{
	size_t lo = 0, hi = n; /* first entry with from > date */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (g[mid].from <= date)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0 && date < g_expiry(g[lo - 1].from)) {
		*ore = g[lo - 1].amount_ore;
		return 0;
	}
	char ds[16], fs[16], es[16];
	rules_date_format(date, ds, sizeof ds);
	if (lo == 0)
		return rules_errf(err, errlen,
		                  "G (grunnbeløp) unknown for %s: no G value that early", ds);
	rules_date_format(g[lo - 1].from, fs, sizeof fs);
	rules_date_format(g_expiry(g[lo - 1].from) - 1, es, sizeof es);
	return rules_errf(err, errlen,
	                  "G (grunnbeløp) unknown for %s: the newest G, %" PRId64
	                  " from %s, is in force only until %s; add the new G value",
	                  ds, g[lo - 1].amount_ore / 100, fs, es);
}

static const enum rules_param rate_param[] = {
    [RULES_RATE_FULL] = RULES_P_RATE_FULL,
    [RULES_RATE_UNDER25_ALONE] = RULES_P_RATE_UNDER25_ALONE,
    [RULES_RATE_UNDER25_WITH_PARENTS] = RULES_P_RATE_UNDER25_WITH_PARENTS,
};

/* The annual stipend (G regimes) or the monthly benefit (Denmark), exact, in øre. */
static int
base_amount(const struct rules_input *in, const struct rules_params *p, int32_t date,
            struct rules_rat *out, char *err, size_t errlen)
{
	if (p->num[RULES_P_STIPEND_BASIS] == RULES_BASIS_MONTHLY_BENEFIT) {
		if (in->participant.monthly_benefit_ore < 0)
			return rules_errf(err, errlen,
			                  "participant: monthly_benefit needed by regime %s",
			                  in->regime->name);
		out->num = in->participant.monthly_benefit_ore;
		out->den = 1;
		return 0;
	}
	int64_t g;
	if (rules_g_at(in->g, in->n_g, date, &g, err, errlen) < 0)
		return -1;
	struct rules_rat gr = {g, 1}, t;
	if (rules_rat_mul(gr, rules_prat(p, RULES_P_G_MULTIPLE), &t) < 0 ||
	    rules_rat_mul(t, rules_prat(p, rate_param[in->participant.rate]), out) < 0)
		return rules_errf(err, errlen, "arithmetic overflow");
	return 0;
}

int
rules_money_monthly(const struct rules_input *in, const struct rules_params *p, int32_t date,
                    struct rules_rat *out, char *err, size_t errlen)
{
	struct rules_rat base;
	if (base_amount(in, p, date, &base, err, errlen) < 0)
		return -1;
	if (p->num[RULES_P_STIPEND_BASIS] == RULES_BASIS_MONTHLY_BENEFIT) {
		*out = base;
		return 0;
	}
	struct rules_rat twelfth = {1, 12};
	if (rules_rat_mul(base, twelfth, out) < 0)
		return rules_errf(err, errlen, "arithmetic overflow");
	return 0;
}

int
rules_money_minutes(const struct rules_input *in, const struct rules_params *p, int32_t date,
                    int minutes, struct rules_rat *out, char *err, size_t errlen)
{
	struct rules_rat base, t;
	if (minutes == 0) {
		out->num = 0;
		out->den = 1;
		return 0;
	}
	if (base_amount(in, p, date, &base, err, errlen) < 0)
		return -1;
	/* hour value = annual / annual_hours, or monthly / monthly_hours (Denmark) */
	struct rules_rat hours =
	    rules_prat(p, p->num[RULES_P_STIPEND_BASIS] == RULES_BASIS_G ? RULES_P_ANNUAL_HOURS
	                                                                 : RULES_P_MONTHLY_HOURS);
	struct rules_rat per_min = {(int64_t)minutes * hours.den, hours.num * 60};
	/* rules_rat_mul's result is already reduced, with den > 0: nothing to make again. */
	if (rules_rat_mul(base, per_min, &t) < 0)
		return rules_errf(err, errlen, "arithmetic overflow");
	*out = t;
	return 0;
}
