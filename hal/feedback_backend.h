/*
 * feedback_backend.h — what a feedback backend sees.  Only hal/feedback*.c include it.
 */
#ifndef STEMPEL_HAL_FEEDBACK_BACKEND_H
#define STEMPEL_HAL_FEEDBACK_BACKEND_H

#include "feedback.h"

struct feedback_ops {
	const char *name;
	int (*open)(struct feedback *f); /* 0 or -1 (logged) */
	void (*signal)(struct feedback *f, enum feedback_signal s);
	void (*close)(struct feedback *f);
};

extern const struct feedback_ops feedback_sim_ops;
extern const struct feedback_ops feedback_gpio_ops;

struct feedback {
	const struct feedback_ops *ops;
	struct event_base *base;
	const struct config *cfg;
	void *priv;
	unsigned count[FEEDBACK_NSIGNALS];
};

#endif
