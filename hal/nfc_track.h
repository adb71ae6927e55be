/*
 * nfc_track.h — turns a reader's stream of poll results into taps.  A reader
 * reports a card again on every poll while it lies on the antenna; a tap is a
 * UID that appears after the field was empty, or a different UID replacing the
 * current one.  Pure (no clock, no I/O) so it is tested exhaustively.
 */
#ifndef STEMPEL_HAL_NFC_TRACK_H
#define STEMPEL_HAL_NFC_TRACK_H

#include "nfc.h"

struct nfc_track {
	unsigned removal_polls; /* empty polls in a row that mean "card gone" */
	unsigned empty_in_row;
	char uid[NFC_UID_MAX]; /* the card in the field, "" = none */
};

enum nfc_track_event {
	NFC_TRACK_NONE,    /* nothing new */
	NFC_TRACK_TAP,     /* a card arrived: report it */
	NFC_TRACK_REMOVED, /* the card left the field */
};

/* Start with an empty field.  removal_polls < 1 counts as 1. */
void nfc_track_init(struct nfc_track *t, unsigned removal_polls);
/* One successful poll: uid is the normalised UID seen, or NULL if none. */
enum nfc_track_event nfc_track_poll(struct nfc_track *t, const char *uid);

#endif
