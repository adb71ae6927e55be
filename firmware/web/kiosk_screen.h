/*
 * kiosk_screen.h — what the participant screen is told beyond the bare answer:
 * the "already in since" / "leaving early" sentence, the sound clip to play,
 * the kiosk's time zone and out-of-order texts, and, off the tap's critical
 * path, the participant's own week.  Also serves the sound clips.
 */
#ifndef STEMPEL_KIOSK_SCREEN_H
#define STEMPEL_KIOSK_SCREEN_H

#include <jansson.h>

#include "tap.h"

struct event_base;
struct evbuffer;
struct config;
struct store;
struct attendance;
struct web;
struct kiosk_screen;

/* Routes /kiosk/sound/; NULL out of memory.  Borrows everything. */
struct kiosk_screen *kiosk_screen_new(struct event_base *base, struct web *web, struct store *st,
                                      struct attendance *att, const struct config *cfg);
void kiosk_screen_free(struct kiosk_screen *ks);
/* Add since/until/early/note/sound to the screen's view `j` of answer `a` (cheap). */
void kiosk_screen_answer(struct kiosk_screen *ks, json_t *j, const struct tap_answer *a);
/* Add the time zone, sound settings and "out of order" texts to a status event. */
void kiosk_screen_status(const struct kiosk_screen *ks, json_t *j);
/*
 * After the answer has been sent: compute the participant's week on a later loop
 * turn and publish it as a "week" event.  Nothing for unknown cards and repeats.
 */
void kiosk_screen_after_tap(struct kiosk_screen *ks, const struct tap_answer *a);
/*
 * The week of participant `ext_id` around local `date` (YYYY-MM-DD) at local
 * minute now_min, as the "week" event's JSON; NULL if unknown or on error.
 */
json_t *kiosk_screen_week(struct kiosk_screen *ks, const char *ext_id, const char *date,
                          int now_min);
/* Prometheus text: weeks computed, their total and slowest loop time. */
void kiosk_screen_metrics(const struct kiosk_screen *ks, struct evbuffer *out);
/* The clip name of an answer ("accepted_in", ...). */
const char *kiosk_screen_clip(const struct tap_answer *a);

#endif
