/*
 * events.c — the envelope of every outbox event (taps, absences, corrections, day
 * results, pay periods, alarms).  The id is made here, once, and stored with the
 * event: a retried upload sends the same id, so the receiver can treat
 * (kiosk_id, id) as unique forever.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <sodium.h>

#include "clock.h"
#include "events.h"

void
events_uuid(char out[40])
{
	unsigned char b[16];

	randombytes_buf(b, sizeof(b));
	b[6] = (b[6] & 0x0f) | 0x40; /* version 4 */
	b[8] = (b[8] & 0x3f) | 0x80; /* RFC 4122 variant */
	snprintf(out, 40, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	         b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
	         b[13], b[14], b[15]);
}

char *
events_envelope(const char *id, const char *type, int64_t wall_ms, const char *clock,
                const char *participant, json_t *data)
{
	time_t secs = (time_t)(wall_ms / 1000);
	struct tm tm;
	char at[64];
	json_t *ev;
	char *s;

	gmtime_r(&secs, &tm);
	snprintf(at, sizeof(at), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	         (int)(wall_ms % 1000));
	ev = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:o}", "id", id, "type", type, "at", at, "clock",
	               clock, "participant", participant, "data", data ? data : json_object());
	if (ev == NULL)
		return NULL;
	s = json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(ev);
	return s;
}

char *
events_make(const char *type, const char *participant, json_t *data, char id_out[40])
{
	struct clock_reading now;

	clock_read(&now);
	events_uuid(id_out);
	return events_envelope(id_out, type, now.wall_ms, clock_quality_name(now.quality),
	                       participant, data);
}
