/*
 * test_feedback_pattern.c — the LED/buzzer patterns without hardware: the
 * table (lengths, beeps, colours, all different), the player on a real libevent
 * loop driving a recording line setter (timing, a new signal cutting the old
 * one short, all off at the end), and the GPIO backend refusing a missing chip.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <event2/event.h>

#include "config.h"
#include "feedback.h"
#include "feedback_pattern.h"

/* --- the table --- */

/* How often output o goes from off to on, and how long it is on in total. */
static void
count_output(enum feedback_signal s, enum feedback_output o, int *pulses, unsigned *on_ms)
{
	size_t n;
	const struct feedback_step *st = feedback_pattern(s, &n);
	int was = 0;

	*pulses = 0;
	*on_ms = 0;
	for (size_t i = 0; i < n; i++) {
		int is = (st[i].on & FEEDBACK_OUT(o)) != 0;

		if (is && !was)
			(*pulses)++;
		if (is)
			*on_ms += st[i].ms;
		was = is;
	}
}

/*
 * What NFC.md's users are promised, per signal and output: how many times it
 * comes on (a range) and for how long in total (-1 = any).
 */
static const struct {
	enum feedback_signal s;
	enum feedback_output o;
	int min_pulses, max_pulses;
	int on_ms;
} shapes[] = {
    {FEEDBACK_ACCEPTED, FEEDBACK_GREEN, 1, 1, 1000}, /* green 1 s */
    {FEEDBACK_ACCEPTED, FEEDBACK_BUZZER, 1, 1, 120}, /* one short beep */
    {FEEDBACK_ACCEPTED, FEEDBACK_RED, 0, 0, 0},
    {FEEDBACK_ALREADY, FEEDBACK_GREEN, 2, 9, -1}, /* green blinks */
    {FEEDBACK_ALREADY, FEEDBACK_BUZZER, 0, 0, 0}, /* silent */
    {FEEDBACK_ALREADY, FEEDBACK_RED, 0, 0, 0},
    {FEEDBACK_REJECTED, FEEDBACK_RED, 1, 1, 1500},  /* red 1.5 s */
    {FEEDBACK_REJECTED, FEEDBACK_BUZZER, 2, 2, -1}, /* two beeps */
    {FEEDBACK_REJECTED, FEEDBACK_GREEN, 0, 0, 0},
    {FEEDBACK_ERROR, FEEDBACK_RED, 3, 99, -1},     /* red blinking */
    {FEEDBACK_ERROR, FEEDBACK_BUZZER, 1, 1, 1000}, /* one long beep */
    {FEEDBACK_ERROR, FEEDBACK_GREEN, 0, 0, 0},
    {FEEDBACK_OUT_OF_ORDER, FEEDBACK_RED, 2, 2, 800},  /* two slow red pulses */
    {FEEDBACK_OUT_OF_ORDER, FEEDBACK_BUZZER, 0, 0, 0}, /* silent: it repeats */
    {FEEDBACK_OUT_OF_ORDER, FEEDBACK_GREEN, 0, 0, 0},
};

static void
test_table_shapes(void **state)
{
	assert_int_equal(feedback_pattern_ms(FEEDBACK_ACCEPTED), 1000);
	assert_int_equal(feedback_pattern_ms(FEEDBACK_REJECTED), 1500);
	assert_int_equal(feedback_pattern_ms(FEEDBACK_ERROR), 3000);
	for (size_t i = 0; i < sizeof(shapes) / sizeof(*shapes); i++) {
		int p;
		unsigned ms;

		count_output(shapes[i].s, shapes[i].o, &p, &ms);
		if (p < shapes[i].min_pulses || p > shapes[i].max_pulses ||
		    (shapes[i].on_ms >= 0 && ms != (unsigned)shapes[i].on_ms))
			fail_msg("%s, output %d: %d pulses, %u ms on",
			         feedback_signal_name(shapes[i].s), shapes[i].o, p, ms);
	}
}

static void
test_table_steps_sane_and_distinct(void **state)
{
	for (int s = 0; s < FEEDBACK_NSIGNALS; s++) {
		size_t n;
		const struct feedback_step *st = feedback_pattern((enum feedback_signal)s, &n);

		assert_non_null(st);
		assert_true(n > 0);
		for (size_t i = 0; i < n; i++) {
			assert_true(st[i].ms >= 50); /* shorter is invisible or inaudible */
			assert_true(st[i].on < FEEDBACK_OUT(FEEDBACK_NOUTPUTS));
		}
		for (int t = 0; t < s; t++) {
			size_t m;
			const struct feedback_step *o =
			    feedback_pattern((enum feedback_signal)t, &m);

			assert_false(n == m && memcmp(st, o, n * sizeof(*st)) == 0);
		}
	}
	size_t n = 99;
	assert_null(feedback_pattern(FEEDBACK_NSIGNALS, &n));
	assert_int_equal(n, 0);
}

/* --- the player, on a real loop --- */

struct rec {
	struct timespec t0;
	int state[FEEDBACK_NOUTPUTS];
	int calls;
	struct {
		long ms;
		int o, on;
	} ev[256];
	int nev;
};

static long
elapsed_ms(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

static void
rec_set(void *arg, enum feedback_output o, int on)
{
	struct rec *r = arg;

	r->calls++;
	/* the player writes a line only when it changes */
	assert_int_not_equal(r->state[o], on);
	r->state[o] = on;
	if (r->nev < 256) {
		r->ev[r->nev].ms = elapsed_ms(&r->t0);
		r->ev[r->nev].o = o;
		r->ev[r->nev].on = on;
		r->nev++;
	}
}

/* Where output o last changed to `on`, -1 if never. */
static long
last_change(const struct rec *r, int o, int on)
{
	for (int i = r->nev - 1; i >= 0; i--)
		if (r->ev[i].o == o && r->ev[i].on == on)
			return r->ev[i].ms;
	return -1;
}

static void
assert_near(long got, long want)
{
	/*
	 * Timers never fire early by libevent's clock, but that clock may be
	 * CLOCK_MONOTONIC_COARSE, which lags the test's CLOCK_MONOTONIC by up to one
	 * tick (4 ms at HZ=250: "at 296 ms" was seen in CI); a loaded (sanitized)
	 * machine may be late.
	 */
	struct timespec res = {0, 1000000};
	long early;

	clock_getres(CLOCK_MONOTONIC_COARSE, &res);
	early = 2 + (long)(res.tv_sec * 1000 + (res.tv_nsec + 999999) / 1000000);
	if (got < want - early || got > want + 250)
		fail_msg("at %ld ms, expected about %ld ms", got, want);
}

static struct rec *
rec_new(void)
{
	static struct rec r;

	memset(&r, 0, sizeof(r));
	for (int o = 0; o < FEEDBACK_NOUTPUTS; o++)
		r.state[o] = -1; /* unknown until the player sets it */
	clock_gettime(CLOCK_MONOTONIC, &r.t0);
	return &r;
}

static void
test_player_accepted(void **state)
{
	struct event_base *base = event_base_new();
	struct rec *r = rec_new();
	struct feedback_player *p = feedback_player_new(base, rec_set, r);

	assert_non_null(p);
	for (int o = 0; o < FEEDBACK_NOUTPUTS; o++)
		assert_int_equal(r->state[o], 0); /* all off from the start */
	r->nev = 0;
	assert_int_equal(feedback_player_play(p, FEEDBACK_ACCEPTED), 0);
	assert_true(feedback_player_busy(p));
	assert_int_equal(r->state[FEEDBACK_GREEN], 1);
	assert_int_equal(r->state[FEEDBACK_BUZZER], 1);
	event_base_dispatch(base); /* returns when the pattern is over */
	assert_false(feedback_player_busy(p));
	for (int o = 0; o < FEEDBACK_NOUTPUTS; o++)
		assert_int_equal(r->state[o], 0);
	assert_near(last_change(r, FEEDBACK_BUZZER, 0), 120);
	assert_near(last_change(r, FEEDBACK_GREEN, 0), 1000);
	assert_int_equal(last_change(r, FEEDBACK_RED, 1), -1);
	assert_int_equal(r->nev, 4);
	feedback_player_free(p);
	event_base_free(base);
}

struct cut {
	struct feedback_player *p;
	enum feedback_signal s;
};

static void
on_cut(evutil_socket_t fd, short what, void *arg)
{
	struct cut *c = arg;

	feedback_player_play(c->p, c->s);
}

static void
test_player_new_signal_cuts_short(void **state)
{
	struct event_base *base = event_base_new();
	struct rec *r = rec_new();
	struct feedback_player *p = feedback_player_new(base, rec_set, r);
	struct cut c = {p, FEEDBACK_REJECTED};
	struct timeval at = {0, 300 * 1000};
	long cut_ms;

	event_base_once(base, -1, EV_TIMEOUT, on_cut, &c, &at);
	feedback_player_play(p, FEEDBACK_ACCEPTED);
	event_base_dispatch(base);
	/* green went off when red came on, and the accepted pattern never resumed */
	cut_ms = last_change(r, FEEDBACK_RED, 1);
	assert_near(cut_ms, 300);
	assert_near(last_change(r, FEEDBACK_GREEN, 0), 300);
	assert_near(last_change(r, FEEDBACK_RED, 0), cut_ms + 1500);
	for (int i = 0; i < r->nev; i++)
		if (r->ev[i].o == FEEDBACK_GREEN && r->ev[i].on)
			assert_true(r->ev[i].ms < cut_ms);
	for (int o = 0; o < FEEDBACK_NOUTPUTS; o++)
		assert_int_equal(r->state[o], 0);
	feedback_player_free(p);
	event_base_free(base);
}

static void
test_player_free_while_playing_turns_off(void **state)
{
	struct event_base *base = event_base_new();
	struct rec *r = rec_new();
	struct feedback_player *p = feedback_player_new(base, rec_set, r);

	feedback_player_play(p, FEEDBACK_ERROR);
	assert_int_equal(r->state[FEEDBACK_RED], 1);
	assert_int_equal(r->state[FEEDBACK_BUZZER], 1);
	feedback_player_free(p);
	for (int o = 0; o < FEEDBACK_NOUTPUTS; o++)
		assert_int_equal(r->state[o], 0);
	assert_int_equal(feedback_player_play(NULL, FEEDBACK_ERROR), -1);
	event_base_free(base);
}

/* --- the GPIO backend --- */

static void
test_gpio_missing_chip_fails_cleanly(void **state)
{
	struct event_base *base = event_base_new();
	struct config cfg;

	config_defaults(&cfg);
	cfg.feedback.driver = FEEDBACK_GPIO;
	snprintf(cfg.feedback.chip, sizeof(cfg.feedback.chip), "/nonexistent/gpiochip9");
	cfg.feedback.green_line = 1;
	assert_null(feedback_open(base, &cfg));
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table_shapes),
	    cmocka_unit_test(test_table_steps_sane_and_distinct),
	    cmocka_unit_test(test_player_accepted),
	    cmocka_unit_test(test_player_new_signal_cuts_short),
	    cmocka_unit_test(test_player_free_while_playing_turns_off),
	    cmocka_unit_test(test_gpio_missing_chip_fails_cleanly),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
