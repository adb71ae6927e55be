/*
 * feedback_gpio.c — a green LED, a red LED and a buzzer on GPIO lines, through
 * libgpiod's v1 API (Debian 12 ships 1.6).  Lines set to -1 are not wired; with
 * active_low the kernel inverts every line, so the patterns stay "1 = on".
 * The patterns and their timers live in feedback_pattern.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <gpiod.h>

#include "config.h"
#include "feedback_backend.h"
#include "feedback_pattern.h"
#include "log.h"

struct gpio {
	struct gpiod_chip *chip;
	struct gpiod_line *line[FEEDBACK_NOUTPUTS]; /* NULL = not wired */
	int warned[FEEDBACK_NOUTPUTS];
	struct feedback_player *player;
};

static const char *const output_names[FEEDBACK_NOUTPUTS] = {"green_line", "red_line",
                                                            "buzzer_line"};

static void
gpio_set(void *arg, enum feedback_output o, int on)
{
	struct gpio *g = arg;

	if (g->line[o] == NULL)
		return;
	/* A failing line must not stop the answer on screen: log it once, go on. */
	if (gpiod_line_set_value(g->line[o], on) < 0 && !g->warned[o]) {
		log_warn("feedback: cannot set %s: %s", output_names[o], strerror(errno));
		g->warned[o] = 1;
	}
}

static void
gpio_release(struct gpio *g)
{
	for (int o = 0; o < FEEDBACK_NOUTPUTS; o++)
		if (g->line[o])
			gpiod_line_release(g->line[o]);
	if (g->chip)
		gpiod_chip_close(g->chip);
	free(g);
}

static int
gpio_open(struct feedback *f)
{
	const struct config *cfg = f->cfg;
	const int offsets[FEEDBACK_NOUTPUTS] = {cfg->feedback.green_line, cfg->feedback.red_line,
	                                        cfg->feedback.buzzer_line};
	int flags = cfg->feedback.active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0;
	struct gpio *g = calloc(1, sizeof(*g));

	if (g == NULL)
		return -1;
	/* Takes "gpiochip0", "/dev/gpiochip0", a chip label or a number. */
	g->chip = gpiod_chip_open_lookup(cfg->feedback.chip);
	if (g->chip == NULL) {
		log_err("feedback: cannot open GPIO chip %s: %s", cfg->feedback.chip,
		        strerror(errno));
		gpio_release(g);
		return -1;
	}
	for (int o = 0; o < FEEDBACK_NOUTPUTS; o++) {
		struct gpiod_line *l;

		if (offsets[o] < 0)
			continue;
		l = gpiod_chip_get_line(g->chip, (unsigned)offsets[o]);
		if (l == NULL || gpiod_line_request_output_flags(l, "stempeld", flags, 0) < 0) {
			log_err("feedback: cannot claim %s %d on %s: %s", output_names[o],
			        offsets[o], cfg->feedback.chip, strerror(errno));
			gpio_release(g);
			return -1;
		}
		g->line[o] = l;
	}
	if (!g->line[FEEDBACK_GREEN] && !g->line[FEEDBACK_RED] && !g->line[FEEDBACK_BUZZER])
		log_warn(
		    "feedback: driver = gpio but no line is wired; answers show on screen only");
	g->player = feedback_player_new(f->base, gpio_set, g);
	if (g->player == NULL) {
		gpio_release(g);
		return -1;
	}
	f->priv = g;
	log_info("feedback: GPIO on %s (green %d, red %d, buzzer %d%s)", cfg->feedback.chip,
	         offsets[0], offsets[1], offsets[2], flags ? ", active low" : "");
	return 0;
}

static void
gpio_signal(struct feedback *f, enum feedback_signal s)
{
	struct gpio *g = f->priv;

	if (g)
		feedback_player_play(g->player, s);
}

static void
gpio_close(struct feedback *f)
{
	struct gpio *g = f->priv;

	if (g == NULL)
		return;
	feedback_player_free(g->player); /* everything off before the lines go */
	gpio_release(g);
	f->priv = NULL;
}

const struct feedback_ops feedback_gpio_ops = {
    .name = "gpio",
    .open = gpio_open,
    .signal = gpio_signal,
    .close = gpio_close,
};
