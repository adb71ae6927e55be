/*
 * feedback_pattern.h — what each feedback signal looks like on the LEDs and the
 * buzzer, and a player that runs a pattern on libevent timers through any line
 * setter.  feedback_gpio.c hands it libgpiod lines; the unit tests hand it a
 * recorder, so every pattern is tested without hardware.
 */
#ifndef STEMPEL_HAL_FEEDBACK_PATTERN_H
#define STEMPEL_HAL_FEEDBACK_PATTERN_H

#include <stddef.h>

#include "feedback.h"

struct event_base;

enum feedback_output { FEEDBACK_GREEN, FEEDBACK_RED, FEEDBACK_BUZZER, FEEDBACK_NOUTPUTS };
#define FEEDBACK_OUT(o) (1u << (o))

/* One step: these outputs on (a FEEDBACK_OUT mask), the others off, for ms. */
struct feedback_step {
	unsigned char on;
	unsigned short ms;
};

/* The steps of a signal's pattern (NULL for a bad signal); all off after the last. */
const struct feedback_step *feedback_pattern(enum feedback_signal s, size_t *n);
/* Total length of a signal's pattern in ms. */
unsigned feedback_pattern_ms(enum feedback_signal s);

typedef void (*feedback_set_fn)(void *arg, enum feedback_output o, int on);
struct feedback_player;

/* A player that drives set() from timers on base; turns every output off first. */
struct feedback_player *feedback_player_new(struct event_base *base, feedback_set_fn set,
                                            void *arg);
/* Start s's pattern now, cutting short whatever is playing.  0 or -1. */
int feedback_player_play(struct feedback_player *p, enum feedback_signal s);
/* 1 while a pattern is running. */
int feedback_player_busy(const struct feedback_player *p);
/* Stop, turn every output off, free. */
void feedback_player_free(struct feedback_player *p);

#endif
