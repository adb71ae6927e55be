/*
 * kiosk.h — the running kiosk: owns the store, the tap pipeline, the reader,
 * the feedback, the web server and the metrics, and wires their callbacks
 * together on one libevent loop.  main.c only parses arguments and runs the loop.
 */
#ifndef STEMPEL_KIOSK_H
#define STEMPEL_KIOSK_H

#include <stddef.h>

struct event_base;
struct config;
struct kiosk;

/* Open everything; NULL with a one-line reason in err. */
struct kiosk *kiosk_start(struct event_base *base, const struct config *cfg, char *err,
                          size_t errlen);
/* Stop the reader first (no new taps), then the rest; closes the database last. */
void kiosk_stop(struct kiosk *k);
/* 1 if the kiosk stopped its loop because it cannot go on (a damaged database). */
int kiosk_failed(const struct kiosk *k);

#endif
