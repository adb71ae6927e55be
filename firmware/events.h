/*
 * events.h — every outbox event's envelope is built here, taps included: a UUID v4
 * id made once, the PROTOCOL.md §1 envelope (id, type, at, clock, participant,
 * data) as compact JSON with sorted keys, for store_record_tap()/store_event_add().
 */
#ifndef STEMPEL_EVENTS_H
#define STEMPEL_EVENTS_H

#include <stdint.h>

#include <jansson.h>

/* A fresh UUID v4 ("0b6c...-..."), 37 bytes with the NUL.  The program's only UUID maker. */
void events_uuid(char out[40]);
/*
 * The envelope: event `id` of `type` for `participant` (external id, NULL for none)
 * at `wall_ms` with clock quality `clock`, carrying `data` (stolen; NULL = {}).
 * malloc'd JSON, NULL on out of memory.  The one constructor of outbox events.
 */
char *events_envelope(const char *id, const char *type, int64_t wall_ms, const char *clock,
                      const char *participant, json_t *data);
/*
 * events_envelope() stamped now (clock.c) with a fresh id written to id_out
 * (40 bytes).  malloc'd, NULL on out of memory.
 */
char *events_make(const char *type, const char *participant, json_t *data, char id_out[40]);

#endif
