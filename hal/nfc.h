/*
 * nfc.h — card readers behind one ops table (simulated, libnfc).
 * A backend may block in its own thread; it hands every UID and every state change
 * to the libevent loop through nfc_reader_post_*(), and the loop calls the owner's
 * callbacks.  Nothing above hal/ includes <nfc/nfc.h>.
 */
#ifndef STEMPEL_HAL_NFC_H
#define STEMPEL_HAL_NFC_H

#include <stddef.h>

struct event_base;
struct config;
struct nfc_reader;

/* Longest UID is 10 bytes = 20 hex digits. */
#define NFC_UID_MAX 21

enum nfc_reader_state {
	NFC_STATE_STARTING,  /* opening the device for the first time */
	NFC_STATE_CONNECTED, /* polling */
	NFC_STATE_REOPENING, /* lost the device or too many errors; retrying with backoff */
	NFC_STATE_STOPPED,
};

struct nfc_reader_status {
	enum nfc_reader_state state;
	unsigned errors_total;  /* errors since start */
	unsigned errors_in_row; /* errors since the last good poll */
	unsigned reopens;       /* successful reopens since start */
	char last_uid[NFC_UID_MAX];
	long long last_seen_ns; /* CLOCK_MONOTONIC of the last card, 0 = none */
	char message[160];      /* last error, "" if none */
};

/* Called on the loop thread.  uid is normalised upper-case hex. */
typedef void (*nfc_tap_fn)(void *arg, const char *uid, long long seen_ns);
typedef void (*nfc_status_fn)(void *arg, const struct nfc_reader_status *st);

/* Open the backend chosen by cfg->reader.driver and start reading. NULL on error. */
struct nfc_reader *nfc_reader_open(struct event_base *base, const struct config *cfg,
                                   nfc_tap_fn on_tap, nfc_status_fn on_status, void *arg);
/* Stop the backend (aborting a blocked call), drain the queue, free. */
void nfc_reader_close(struct nfc_reader *r);
/* The latest status as seen by the loop. */
void nfc_reader_status(const struct nfc_reader *r, struct nfc_reader_status *st);
const char *nfc_reader_state_name(enum nfc_reader_state s);

/*
 * Normalise a UID written as hex (any case, optional ':', '-' or ' ' separators)
 * to upper-case hex of 4, 7 or 10 bytes.  0 or -1.
 */
int nfc_uid_normalize(const char *in, char *out, size_t outlen);
/* Same for raw bytes from a reader. 0 or -1 (bad length). */
int nfc_uid_from_bytes(const unsigned char *uid, size_t len, char *out, size_t outlen);

#endif
