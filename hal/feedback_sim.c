/*
 * feedback_sim.c — no LED, no buzzer: each signal is a debug log line.  The
 * kiosk screen still shows every answer; this backend is for boards and tests
 * without GPIO.
 */
#include "feedback_backend.h"
#include "log.h"

static int
sim_open(struct feedback *f)
{
	return 0;
}

static void
sim_signal(struct feedback *f, enum feedback_signal s)
{
	log_debug("feedback: %s", feedback_signal_name(s));
}

static void
sim_close(struct feedback *f)
{
}

const struct feedback_ops feedback_sim_ops = {
    .name = "sim",
    .open = sim_open,
    .signal = sim_signal,
    .close = sim_close,
};
