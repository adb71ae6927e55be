/*
 * nfc_track.c — the tap state machine of nfc_track.h.  Failed polls are not fed
 * in: an error says nothing about the field, so it neither ends nor starts a tap.
 */
#include <stdio.h>
#include <string.h>

#include "nfc_track.h"

void
nfc_track_init(struct nfc_track *t, unsigned removal_polls)
{
	memset(t, 0, sizeof(*t));
	t->removal_polls = removal_polls ? removal_polls : 1;
}

enum nfc_track_event
nfc_track_poll(struct nfc_track *t, const char *uid)
{
	if (uid == NULL || uid[0] == '\0') {
		if (t->uid[0] == '\0')
			return NFC_TRACK_NONE;
		/* One empty poll may be a card at the edge of the field: wait for more. */
		if (++t->empty_in_row < t->removal_polls)
			return NFC_TRACK_NONE;
		t->uid[0] = '\0';
		t->empty_in_row = 0;
		return NFC_TRACK_REMOVED;
	}
	t->empty_in_row = 0;
	if (strcmp(t->uid, uid) == 0)
		return NFC_TRACK_NONE;
	snprintf(t->uid, sizeof(t->uid), "%s", uid);
	return NFC_TRACK_TAP;
}
