/*
 * feedback_pattern.c — the pattern table and its player.  Patterns differ in
 * colour, rhythm and beeps so that a participant who cannot read the screen
 * still knows the answer: one beep = registered, no beep = already registered,
 * two beeps = not accepted, a long beep = fetch a teacher, slow red pulses
 * again and again = out of order.
 */
#include <stdlib.h>

#include <event2/event.h>

#include "feedback_pattern.h"
#include "log.h"
#include "loop.h"

#define G FEEDBACK_OUT(FEEDBACK_GREEN)
#define R FEEDBACK_OUT(FEEDBACK_RED)
#define B FEEDBACK_OUT(FEEDBACK_BUZZER)

/* accepted: green 1 s with one short beep at the start */
static const struct feedback_step pat_accepted[] = {{G | B, 120}, {G, 880}};
/* already registered: green blinks three times, silent */
static const struct feedback_step pat_already[] = {
    {G, 150}, {0, 150}, {G, 150}, {0, 150}, {G, 150},
};
/* rejected (unknown or revoked card, not scheduled): red 1.5 s, two beeps */
static const struct feedback_step pat_rejected[] = {
    {R | B, 120}, {R, 120}, {R | B, 120}, {R, 1140}};
/* error (the tap could not be stored): red blinks for 3 s, the first second beeping */
static const struct feedback_step pat_error[] = {
    {R | B, 250}, {B, 250}, {R | B, 250}, {B, 250}, {R, 250}, {0, 250},
    {R, 250},     {0, 250}, {R, 250},     {0, 250}, {R, 250}, {0, 250},
};

/* out of order: two slow red pulses, no beep (it repeats every few seconds) */
static const struct feedback_step pat_out_of_order[] = {{R, 400}, {0, 300}, {R, 400}};

#undef G
#undef R
#undef B

static const struct {
	const struct feedback_step *steps;
	size_t n;
} patterns[FEEDBACK_NSIGNALS] = {
    [FEEDBACK_ACCEPTED] = {pat_accepted, sizeof(pat_accepted) / sizeof(*pat_accepted)},
    [FEEDBACK_ALREADY] = {pat_already, sizeof(pat_already) / sizeof(*pat_already)},
    [FEEDBACK_REJECTED] = {pat_rejected, sizeof(pat_rejected) / sizeof(*pat_rejected)},
    [FEEDBACK_ERROR] = {pat_error, sizeof(pat_error) / sizeof(*pat_error)},
    [FEEDBACK_OUT_OF_ORDER] = {pat_out_of_order,
                               sizeof(pat_out_of_order) / sizeof(*pat_out_of_order)},
};

struct feedback_player {
	struct event *timer;
	feedback_set_fn set;
	void *arg;
	const struct feedback_step *steps;
	size_t n, next;
	unsigned mask; /* outputs on now */
};

const struct feedback_step *
feedback_pattern(enum feedback_signal s, size_t *n)
{
	if (s < 0 || s >= FEEDBACK_NSIGNALS) {
		*n = 0;
		return NULL;
	}
	*n = patterns[s].n;
	return patterns[s].steps;
}

unsigned
feedback_pattern_ms(enum feedback_signal s)
{
	size_t n;
	const struct feedback_step *st = feedback_pattern(s, &n);
	unsigned ms = 0;

	for (size_t i = 0; i < n; i++)
		ms += st[i].ms;
	return ms;
}

/* Change only the outputs that differ: a GPIO write per step, not three. */
static void
player_apply(struct feedback_player *p, unsigned mask)
{
	for (int o = 0; o < FEEDBACK_NOUTPUTS; o++) {
		unsigned bit = FEEDBACK_OUT(o);

		if ((p->mask ^ mask) & bit)
			p->set(p->arg, (enum feedback_output)o, (mask & bit) != 0);
	}
	p->mask = mask;
}

static void
player_step(evutil_socket_t fd, short what, void *arg)
{
	struct feedback_player *p = arg;
	struct timeval tv;

	if (p->steps == NULL || p->next >= p->n) {
		player_apply(p, 0);
		p->steps = NULL;
		return;
	}
	player_apply(p, p->steps[p->next].on);
	tv.tv_sec = p->steps[p->next].ms / 1000;
	tv.tv_usec = p->steps[p->next].ms % 1000 * 1000;
	p->next++;
	evtimer_add(p->timer, &tv);
}

struct feedback_player *
feedback_player_new(struct event_base *base, feedback_set_fn set, void *arg)
{
	struct feedback_player *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->set = set;
	p->arg = arg;
	p->timer = evtimer_new(base, player_step, p);
	if (p->timer == NULL) {
		log_err("feedback: cannot create a timer");
		free(p);
		return NULL;
	}
	/* the LED and buzzer are the tap's answer: the tap's priority (firmware/loop.h) */
	loop_prio(p->timer, LOOP_PRIO_TAP);
	/* Known state whatever the lines held before (a crashed run, a reboot). */
	p->mask = FEEDBACK_OUT(FEEDBACK_NOUTPUTS) - 1;
	player_apply(p, 0);
	return p;
}

int
feedback_player_play(struct feedback_player *p, enum feedback_signal s)
{
	size_t n;
	const struct feedback_step *st = feedback_pattern(s, &n);

	if (p == NULL || st == NULL)
		return -1;
	evtimer_del(p->timer);
	p->steps = st;
	p->n = n;
	p->next = 0;
	player_step(-1, 0, p);
	return 0;
}

int
feedback_player_busy(const struct feedback_player *p)
{
	return p && p->steps != NULL;
}

void
feedback_player_free(struct feedback_player *p)
{
	if (p == NULL)
		return;
	event_free(p->timer);
	player_apply(p, 0);
	free(p);
}
