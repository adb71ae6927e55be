/*
 * feedback.c — picks the feedback backend and counts signals; feedback_sim.c
 * (logging only) and feedback_gpio.c (libgpiod) do the work.
 */
#include <stdlib.h>

#include "config.h"
#include "feedback_backend.h"
#include "log.h"

struct feedback *
feedback_open(struct event_base *base, const struct config *cfg)
{
	struct feedback *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return NULL;
	f->base = base;
	f->cfg = cfg;
	f->ops = cfg->feedback.driver == FEEDBACK_GPIO ? &feedback_gpio_ops : &feedback_sim_ops;
	if (f->ops->open(f) < 0) {
		free(f);
		return NULL;
	}
	return f;
}

void
feedback_signal(struct feedback *f, enum feedback_signal s)
{
	if (f == NULL || s < 0 || s >= FEEDBACK_NSIGNALS)
		return;
	f->count[s]++;
	f->ops->signal(f, s);
}

unsigned
feedback_count(const struct feedback *f, enum feedback_signal s)
{
	return (f && s >= 0 && s < FEEDBACK_NSIGNALS) ? f->count[s] : 0;
}

void
feedback_close(struct feedback *f)
{
	if (f == NULL)
		return;
	f->ops->close(f);
	free(f);
}

const char *
feedback_signal_name(enum feedback_signal s)
{
	static const char *names[FEEDBACK_NSIGNALS] = {"accepted", "already", "rejected", "error",
	                                               "out_of_order"};

	return (s >= 0 && s < FEEDBACK_NSIGNALS) ? names[s] : "unknown";
}
