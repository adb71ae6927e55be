/*
 * test_rules_money.c — exact money: rationals, half-up rounding at the øre, parsing
 * and formatting amounts, the G table (in force until the next 1 May, refused after),
 * and the numbers RULES.md names: 2G/12, 450 minutes at 2G/1850, Denmark's /160.33.
 */
#include "rules_fixture.h"

static void
test_rat_arithmetic(void **state)
{
	(void)state;
	struct rules_rat a = {1, 3}, b = {1, 6}, r;
	assert_int_equal(rules_rat_add(a, b, &r), 0);
	assert_int_equal(r.num, 1);
	assert_int_equal(r.den, 2);
	assert_int_equal(rules_rat_mul(a, (struct rules_rat){3, 1}, &r), 0);
	assert_int_equal(r.num, 1);
	assert_int_equal(r.den, 1);
	assert_int_equal(rules_rat_cmp(a, b), 1);
	assert_int_equal(rules_rat_cmp(b, a), -1);
	assert_int_equal(rules_rat_cmp((struct rules_rat){2, 4}, (struct rules_rat){1, 2}), 0);
	struct rules_rat big = {INT64_MAX / 2, 1};
	assert_int_equal(rules_rat_mul(big, (struct rules_rat){3, 1}, &r), -1);
	assert_int_equal(rules_rat_add(big, big, &r), 0);
	assert_int_equal(rules_rat_add(r, big, &r), -1);
}

/* The reference: Euclid's gcd over 128 bits, as money.c reduced before its 64-bit gcd. */
static __int128
ref_gcd(__int128 a, __int128 b)
{
	if (a < 0)
		a = -a;
	if (b < 0)
		b = -b;
	while (b) {
		__int128 t = a % b;
		a = b;
		b = t;
	}
	return a;
}

/* num/den reduced (den > 0 given), or -1 when it does not fit 64 bits: rules_rat's contract. */
static int
ref_reduce(__int128 num, __int128 den, struct rules_rat *out)
{
	__int128 g = ref_gcd(num, den);

	if (g > 1) {
		num /= g;
		den /= g;
	}
	if (num > INT64_MAX || num < -INT64_MAX || den > INT64_MAX)
		return -1;
	*out = (struct rules_rat){(int64_t)num, (int64_t)den};
	return 0;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Small, round (many common factors) and huge values, as money meets them. */
static int64_t
rnd_val(bool positive)
{
	int64_t v;

	switch (rng() % 4) {
	case 0:
		v = (int64_t)(rng() % 1000);
		break;
	case 1:
		v = (int64_t)((rng() % 5000) * 60 * (1 + rng() % 12));
		break;
	case 2:
		v = (int64_t)(rng() % 100000000000ull);
		break;
	default:
		v = (int64_t)(rng() >> 1);
	}
	if (positive)
		return v > 0 ? v : 1;
	return rng() % 2 ? -v : v;
}

/* Sums and products of many generated rationals: exactly the reference's, overflow included. */
static void
test_rat_generated(void **state)
{
	(void)state;
	int overflow = 0;
	for (int i = 0; i < 200000; i++) {
		struct rules_rat a, b, got, want;
		int rg, rw;
		/* reduced operands, as the engine only ever holds */
		assert_int_equal(ref_reduce(rnd_val(false), rnd_val(true), &a), 0);
		assert_int_equal(ref_reduce(rnd_val(false), rnd_val(true), &b), 0);
		rg = rules_rat_mul(a, b, &got);
		rw = ref_reduce((__int128)a.num * b.num, (__int128)a.den * b.den, &want);
		assert_int_equal(rg, rw);
		if (rw == 0) {
			assert_int_equal(got.num, want.num);
			assert_int_equal(got.den, want.den);
		}
		rg = rules_rat_add(a, b, &got);
		rw = ref_reduce((__int128)a.num * b.den + (__int128)b.num * a.den,
		                (__int128)a.den * b.den, &want);
		assert_int_equal(rg, rw);
		overflow += rw < 0;
		if (rw == 0) {
			assert_int_equal(got.num, want.num);
			assert_int_equal(got.den, want.den);
		}
	}
	/* both paths of the gcd were taken: overflows need the 128-bit one */
	assert_true(overflow > 1000);
}

static void
test_round_half_up(void **state)
{
	(void)state;
	assert_int_equal(rules_rat_round((struct rules_rat){1, 2}), 1); /* 0.5 øre up */
	assert_int_equal(rules_rat_round((struct rules_rat){49, 100}), 0);
	assert_int_equal(rules_rat_round((struct rules_rat){51, 100}), 1);
	assert_int_equal(rules_rat_round((struct rules_rat){2169333333, 100000}), 21693);
	assert_int_equal(rules_rat_round((struct rules_rat){-1, 2}), -1);
	assert_int_equal(rules_rat_round((struct rules_rat){0, 1}), 0);
}

static void
test_ore_format_parse(void **state)
{
	(void)state;
	char buf[32];
	int64_t v;
	rules_ore_format(105535, buf, sizeof buf);
	assert_string_equal(buf, "1055.35");
	rules_ore_format(5, buf, sizeof buf);
	assert_string_equal(buf, "0.05");
	rules_ore_format(0, buf, sizeof buf);
	assert_string_equal(buf, "0.00");
	rules_ore_format(-250, buf, sizeof buf);
	assert_string_equal(buf, "-2.50");
	assert_int_equal(rules_ore_parse("6500.00", &v), 0);
	assert_int_equal(v, 650000);
	assert_int_equal(rules_ore_parse("6500.5", &v), 0);
	assert_int_equal(v, 650050);
	assert_int_equal(rules_ore_parse("6500", &v), 0);
	assert_int_equal(v, 650000);
	assert_int_equal(rules_ore_parse("6500.001", &v), -1);
	assert_int_equal(rules_ore_parse("6500.", &v), -1);
	assert_int_equal(rules_ore_parse("-1", &v), -1);
	assert_int_equal(rules_ore_parse("", &v), -1);
	assert_int_equal(rules_ore_parse("1e3", &v), -1);
	assert_int_equal(rules_ore_parse("99999999999999999999", &v), -1);
	/* every amount as snprintf printed it, at every buffer length */
	for (int i = 0; i < 100000; i++) {
		int64_t ore = i == 0 ? INT64_MIN : i == 1 ? INT64_MAX : rnd_val(false);
		uint64_t u = ore < 0 ? (uint64_t)0 - (uint64_t)ore : (uint64_t)ore;
		char want[32];
		size_t len = i % 7 == 0 ? (size_t)(rng() % 25) : sizeof buf;

		snprintf(want, len ? len : 1, "%s%llu.%02u", ore < 0 ? "-" : "",
		         (unsigned long long)(u / 100), (unsigned)(u % 100));
		memset(buf, 'x', sizeof buf);
		rules_ore_format(ore, buf, len);
		if (len)
			assert_string_equal(buf, want);
		else
			assert_int_equal(buf[0], 'x');
	}
}

static void
test_g_lookup(void **state)
{
	(void)state;
	struct rules_g g[] = {{rules_date(2024, 5, 1), 12402800},
	                      {rules_date(2025, 5, 1), 13016000}};
	int64_t v;
	char err[256];
	assert_int_equal(rules_g_at(g, 2, rules_date(2024, 4, 30), &v, err, sizeof err), -1);
	assert_int_equal(rules_g_at(g, 2, rules_date(2024, 5, 1), &v, err, sizeof err), 0);
	assert_int_equal(v, 12402800);
	assert_int_equal(rules_g_at(g, 2, rules_date(2025, 4, 30), &v, err, sizeof err), 0);
	assert_int_equal(v, 12402800);
	assert_int_equal(rules_g_at(g, 2, rules_date(2025, 5, 1), &v, err, sizeof err), 0);
	assert_int_equal(v, 13016000);
	/* The day before the next 1 May: still known.  On it: refused, naming the date. */
	assert_int_equal(rules_g_at(g, 2, rules_date(2026, 4, 30), &v, err, sizeof err), 0);
	assert_int_equal(rules_g_at(g, 2, rules_date(2026, 5, 1), &v, err, sizeof err), -1);
	assert_non_null(strstr(err, "2026-05-01"));
	assert_non_null(strstr(err, "2026-04-30"));
	/* A G dated before 1 May of its year runs only to that 1 May. */
	struct rules_g early[] = {{rules_date(2025, 3, 1), 100}};
	assert_int_equal(rules_g_at(early, 1, rules_date(2025, 4, 30), &v, err, sizeof err), 0);
	assert_int_equal(rules_g_at(early, 1, rules_date(2025, 5, 1), &v, err, sizeof err), -1);
	assert_int_equal(rules_g_at(g, 0, rules_date(2025, 5, 1), &v, err, sizeof err), -1);
}

/* RULES.md's numbers through the whole engine. */
static void
test_spec_numbers(void **state)
{
	(void)state;
	char buf[32];
	struct fx *f = fx_new("no-integreringsloven", "2025-10-13", "2025-10-17");
	fx_attend(f, "2025-10-14", "2025-10-17", "08:00", "15:30");
	fx_ok(f);
	assert_int_equal(f->out.n_payouts, 1);
	assert_int_equal(f->out.payouts[0].gross_ore, 2169333); /* 2G/12 = 21693.33 */
	assert_string_equal(fx_deduction(f, buf, sizeof buf), "1055.35");
	fx_free(f);

	f = fx_new("dk-integrationsprogram", "2025-09-15", "2025-09-15");
	f->templ[0].end = 15 * 60 + 24;
	f->in.participant.monthly_benefit_ore = 650000;
	fx_tap(f, "2025-09-15T10:00");
	fx_tap(f, "2025-09-15T15:24");
	fx_ok(f);
	assert_string_equal(fx_deduction(f, buf, sizeof buf), "81.08");
	assert_int_equal(f->out.payouts[0].gross_ore, 650000);
	fx_free(f);
}

/* Rate factors: 2/3 and 1/3 (Integration Act) or 2/3 (Introduction Act). */
static void
test_rate_factors(void **state)
{
	(void)state;
	static const struct {
		const char *regime;
		enum rules_rate rate;
		int64_t gross;
	} cases[] = {
	    {"no-integreringsloven", RULES_RATE_UNDER25_ALONE, 1446222},       /* 260320*2/3/12 */
	    {"no-integreringsloven", RULES_RATE_UNDER25_WITH_PARENTS, 723111}, /* /3/12 */
	    {"no-introduksjonsloven", RULES_RATE_UNDER25_WITH_PARENTS, 1446222},
	    {"no-kvalifiseringsprogram", RULES_RATE_UNDER25_WITH_PARENTS, 1446222},
	    {"no-kvalifiseringsprogram", RULES_RATE_FULL, 2169333},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct fx *f = fx_new(cases[i].regime, "2025-10-13", "2025-10-13");
		f->in.participant.rate = cases[i].rate;
		fx_tap(f, "2025-10-13T08:00");
		fx_tap(f, "2025-10-13T15:30");
		fx_ok(f);
		assert_int_equal(f->out.payouts[0].gross_ore, cases[i].gross);
		fx_free(f);
	}
}

/* Days on both sides of 1 May are valued with their own G. */
static void
test_g_per_date(void **state)
{
	(void)state;
	struct fx *f = fx_new("no-integreringsloven", "2025-04-30", "2025-05-02");
	fx_ok(f);
	/* 450 min: 2*124028/1850*7.5 = 1005.632..., 2*130160/1850*7.5 = 1055.351... */
	assert_int_equal(f->out.n_payouts, 2);
	assert_int_equal(f->out.payouts[0].deduction_ore, 100563);
	assert_int_equal(f->out.payouts[1].deduction_ore, 105535);
	assert_int_equal(f->out.totals.deduction_ore, 100563 + 105535);
	fx_free(f);
}

/* Summing exactly, then rounding once: 3 x 1 min = 7.035675... -> 7.04, not 3 x 2.35. */
static void
test_round_once_per_payout(void **state)
{
	(void)state;
	struct fx *f = fx_new("no-integreringsloven", "2025-10-13", "2025-10-15");
	fx_attend(f, "2025-10-13", "2025-10-15", "08:01", "15:30");
	fx_ok(f);
	assert_int_equal(f->out.totals.unexcused_min, 3);
	assert_int_equal(f->out.totals.deduction_ore, 704);
	fx_free(f);
}

/* A computation needing G past the next 1 May is refused. */
static void
test_refuse_unknown_g(void **state)
{
	(void)state;
	struct fx *f = fx_new("no-integreringsloven", "2026-04-27", "2026-04-30");
	fx_ok(f);
	fx_free(f);
	f = fx_new("no-integreringsloven", "2026-04-27", "2026-05-04");
	assert_int_equal(fx_run(f), -1);
	assert_non_null(strstr(f->err, "G (grunnbeløp) unknown for 2026-05-0"));
	fx_free(f);
	/* Denmark needs no G, but it needs the monthly benefit. */
	f = fx_new("dk-integrationsprogram", "2030-01-07", "2030-01-07");
	f->in.n_g = 0;
	assert_int_equal(fx_run(f), -1);
	assert_non_null(strstr(f->err, "monthly_benefit"));
	f->in.participant.monthly_benefit_ore = 1000000;
	fx_ok(f);
	fx_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rat_arithmetic),
	    cmocka_unit_test(test_rat_generated),
	    cmocka_unit_test(test_round_half_up),
	    cmocka_unit_test(test_ore_format_parse),
	    cmocka_unit_test(test_g_lookup),
	    cmocka_unit_test(test_spec_numbers),
	    cmocka_unit_test(test_rate_factors),
	    cmocka_unit_test(test_g_per_date),
	    cmocka_unit_test(test_round_once_per_payout),
	    cmocka_unit_test(test_refuse_unknown_g),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
