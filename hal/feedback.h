/*
 * feedback.h — LED and buzzer behind one ops table (simulated, GPIO via libgpiod).
 * The tap pipeline calls feedback_signal() once per answer; patterns run on
 * loop timers, so nothing blocks.
 */
#ifndef STEMPEL_HAL_FEEDBACK_H
#define STEMPEL_HAL_FEEDBACK_H

struct event_base;
struct config;
struct feedback;

enum feedback_signal {
	FEEDBACK_ACCEPTED,     /* green, one short beep */
	FEEDBACK_ALREADY,      /* green blink, no beep */
	FEEDBACK_REJECTED,     /* red, two beeps: unknown / revoked card, not scheduled */
	FEEDBACK_ERROR,        /* red blinking, long beep: storage error, tell a teacher */
	FEEDBACK_OUT_OF_ORDER, /* two slow red pulses, silent: repeated while the reader or
	                        * storage fails (the screen says "out of order") */
	FEEDBACK_NSIGNALS
};

/* Open the backend chosen by cfg->feedback.driver.  NULL on error (logged). */
struct feedback *feedback_open(struct event_base *base, const struct config *cfg);
void feedback_signal(struct feedback *f, enum feedback_signal s);
/* How many times each signal was given (tests and metrics). */
unsigned feedback_count(const struct feedback *f, enum feedback_signal s);
void feedback_close(struct feedback *f);
const char *feedback_signal_name(enum feedback_signal s);

#endif
