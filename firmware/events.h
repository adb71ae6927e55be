/*
 * events.h — outbox events made outside the tap path (absences, corrections,
 * day results, pay periods): a UUID v4 id made once, the PROTOCOL.md §1 envelope
 * (id, type, at, clock, participant, data) as compact JSON for store_event_add().
 */
#ifndef STEMPEL_EVENTS_H
#define STEMPEL_EVENTS_H

#include <jansson.h>

/* A fresh UUID v4 ("0b6c...-..."), 37 bytes with the NUL. */
void events_uuid(char out[40]);
/*
 * The event `type` for `participant` (external id, NULL for none) with `data`
 * (stolen), stamped now; id written to id_out (40 bytes).  malloc'd, NULL on
 * out of memory.
 */
char *events_make(const char *type, const char *participant, json_t *data, char id_out[40]);

#endif
