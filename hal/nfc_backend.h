/*
 * nfc_backend.h — what a reader backend sees of struct nfc_reader.
 * Only hal/nfc*.c include this.  Backends run their blocking work in their own
 * thread and talk to the loop only through nfc_reader_post_*(), which are
 * thread-safe (one atomic write into a pipe each); the sim, which runs on the
 * loop, hands taps over with nfc_reader_deliver_tap().
 */
#ifndef STEMPEL_HAL_NFC_BACKEND_H
#define STEMPEL_HAL_NFC_BACKEND_H

#include "nfc.h"

struct nfc_reader_ops {
	const char *name;
	/* Open the device or socket and start reading.  0 or -1 (logged). */
	int (*start)(struct nfc_reader *r);
	/* Stop reading, abort a blocked call, join threads, free private state. */
	void (*stop)(struct nfc_reader *r);
};

extern const struct nfc_reader_ops nfc_sim_ops;
extern const struct nfc_reader_ops nfc_libnfc_ops;

struct nfc_reader {
	const struct nfc_reader_ops *ops;
	struct event_base *base;
	const struct config *cfg;
	void *priv; /* the backend's own state */

	/* loop side */
	nfc_tap_fn on_tap;
	nfc_status_fn on_status;
	void *arg;
	struct nfc_reader_status status;
	int pipe_rd, pipe_wr;
	struct event *pipe_ev;
};

/* Thread-safe: hand a normalised UID to the loop. */
void nfc_reader_post_tap(struct nfc_reader *r, const char *uid, long long seen_ns);
/*
 * Loop thread only: hand a UID to the tap pipeline at once.  For a backend that runs
 * on the loop itself (sim): its blocking write into the pipe would stop the loop on
 * itself once the pipe is full (a few hundred UIDs queued while the loop was busy).
 */
void nfc_reader_deliver_tap(struct nfc_reader *r, const char *uid, long long seen_ns);
/* Thread-safe: publish the backend's state to the loop. */
void nfc_reader_post_status(struct nfc_reader *r, const struct nfc_reader_status *st);
/* CLOCK_MONOTONIC in nanoseconds. */
long long nfc_now_ns(void);

#endif
