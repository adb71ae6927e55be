/*
 * test_feedback_gpio.c — feedback_gpio.c against link-time stubs of libgpiod
 * (the kernel's gpio-sim is not available here): the right chip and offsets
 * are claimed with the active-low flag, unwired lines are left alone, a pattern
 * reaches the lines and ends with all off, a failing claim releases what was
 * taken, a failing write does not stop the kiosk.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <event2/event.h>
#include <gpiod.h>

#include "config.h"
#include "feedback.h"

/* --- the stubs: these definitions win over libgpiod.so at link time --- */

#define NLINES 64

static struct {
	char chip_name[64];
	int chips_open;
	int fail_offset; /* gpiod_chip_get_line fails for this offset, -1 = none */
	int fail_writes;
	int requested[NLINES], released[NLINES], flags[NLINES], value[NLINES], writes[NLINES];
	char consumer[32];
} gs;

static char chip_obj;
static char line_obj[NLINES];

struct gpiod_chip *
gpiod_chip_open_lookup(const char *descr)
{
	if (strstr(descr, "missing"))
		return NULL;
	snprintf(gs.chip_name, sizeof(gs.chip_name), "%s", descr);
	gs.chips_open++;
	return (struct gpiod_chip *)&chip_obj;
}

void
gpiod_chip_close(struct gpiod_chip *chip)
{
	assert_ptr_equal(chip, &chip_obj);
	gs.chips_open--;
}

struct gpiod_line *
gpiod_chip_get_line(struct gpiod_chip *chip, unsigned int offset)
{
	if (offset >= NLINES || (int)offset == gs.fail_offset)
		return NULL;
	return (struct gpiod_line *)&line_obj[offset];
}

static int
line_offset(struct gpiod_line *line)
{
	return (int)((char *)line - line_obj);
}

int
gpiod_line_request_output_flags(struct gpiod_line *line, const char *consumer, int flags,
                                int default_val)
{
	int o = line_offset(line);

	gs.requested[o]++;
	gs.flags[o] = flags;
	gs.value[o] = default_val;
	snprintf(gs.consumer, sizeof(gs.consumer), "%s", consumer);
	return 0;
}

void
gpiod_line_release(struct gpiod_line *line)
{
	gs.released[line_offset(line)]++;
}

int
gpiod_line_set_value(struct gpiod_line *line, int value)
{
	int o = line_offset(line);

	assert_true(gs.requested[o] > gs.released[o]); /* only lines we hold */
	gs.writes[o]++;
	if (gs.fail_writes)
		return -1;
	gs.value[o] = value;
	return 0;
}

/* --- the tests --- */

static void
gpio_config(struct config *cfg, const char *chip, int green, int red, int buzzer, int low)
{
	config_defaults(cfg);
	cfg->feedback.driver = FEEDBACK_GPIO;
	snprintf(cfg->feedback.chip, sizeof(cfg->feedback.chip), "%s", chip);
	cfg->feedback.green_line = green;
	cfg->feedback.red_line = red;
	cfg->feedback.buzzer_line = buzzer;
	cfg->feedback.active_low = low;
}

static int
reset(void **state)
{
	memset(&gs, 0, sizeof(gs));
	gs.fail_offset = -1;
	return 0;
}

static void
test_claims_lines_and_plays(void **state)
{
	struct event_base *base = event_base_new();
	struct config cfg;
	struct feedback *f;

	gpio_config(&cfg, "gpiochip7", 17, 27, -1, 1);
	f = feedback_open(base, &cfg);
	assert_non_null(f);
	assert_string_equal(gs.chip_name, "gpiochip7");
	assert_string_equal(gs.consumer, "stempeld");
	assert_int_equal(gs.requested[17], 1);
	assert_int_equal(gs.requested[27], 1);
	assert_int_equal(gs.flags[17], GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW);
	for (int o = 0; o < NLINES; o++)
		if (o != 17 && o != 27)
			assert_int_equal(gs.requested[o], 0); /* buzzer -1: not wired */

	feedback_signal(f, FEEDBACK_REJECTED);
	assert_int_equal(gs.value[27], 1); /* red on */
	assert_int_equal(gs.value[17], 0);
	event_base_dispatch(base); /* until the pattern ends */
	assert_int_equal(gs.value[27], 0);
	assert_true(gs.writes[27] >= 2);

	feedback_signal(f, FEEDBACK_ACCEPTED);
	assert_int_equal(gs.value[17], 1); /* green on */
	feedback_close(f);                 /* mid-pattern: off, then released */
	assert_int_equal(gs.value[17], 0);
	assert_int_equal(gs.released[17], 1);
	assert_int_equal(gs.released[27], 1);
	assert_int_equal(gs.chips_open, 0);
	event_base_free(base);
}

static void
test_active_high_has_no_flag(void **state)
{
	struct event_base *base = event_base_new();
	struct config cfg;
	struct feedback *f;

	gpio_config(&cfg, "/dev/gpiochip0", 5, -1, 6, 0);
	f = feedback_open(base, &cfg);
	assert_non_null(f);
	assert_int_equal(gs.flags[5], 0);
	assert_int_equal(gs.flags[6], 0);
	feedback_close(f);
	event_base_free(base);
}

static void
test_failed_claim_releases_everything(void **state)
{
	struct event_base *base = event_base_new();
	struct config cfg;

	gpio_config(&cfg, "gpiochip0", 3, 4, 5, 0);
	gs.fail_offset = 4;
	assert_null(feedback_open(base, &cfg));
	assert_int_equal(gs.requested[3], 1);
	assert_int_equal(gs.released[3], 1);
	assert_int_equal(gs.requested[5], 0);
	assert_int_equal(gs.chips_open, 0);

	gpio_config(&cfg, "missing-chip", 3, 4, 5, 0);
	assert_null(feedback_open(base, &cfg));
	event_base_free(base);
}

static void
test_failing_writes_do_not_stop_the_kiosk(void **state)
{
	struct event_base *base = event_base_new();
	struct config cfg;
	struct feedback *f;

	gpio_config(&cfg, "gpiochip0", 1, 2, 3, 0);
	f = feedback_open(base, &cfg);
	assert_non_null(f);
	gs.fail_writes = 1;
	for (int s = 0; s < FEEDBACK_NSIGNALS; s++)
		feedback_signal(f, (enum feedback_signal)s);
	assert_int_equal(feedback_count(f, FEEDBACK_ERROR), 1);
	event_base_dispatch(base);
	feedback_close(f);
	assert_int_equal(gs.chips_open, 0);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_claims_lines_and_plays, reset),
	    cmocka_unit_test_setup(test_active_high_has_no_flag, reset),
	    cmocka_unit_test_setup(test_failed_claim_releases_everything, reset),
	    cmocka_unit_test_setup(test_failing_writes_do_not_stop_the_kiosk, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
