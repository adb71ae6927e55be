/*
 * uploader.h — store-and-forward to the municipal system (PROTOCOL.md §1):
 * the outbox goes up in batches, oldest first, over libcurl on the daemon's
 * libevent loop; the roster comes down with If-None-Match.  Delivery is at
 * least once with idempotent event ids, so the receiver sees each event once
 * in effect, whatever the network does.
 */
#ifndef STEMPEL_UPLOADER_H
#define STEMPEL_UPLOADER_H

#include <stddef.h>

#include <jansson.h>

struct cardkey;
struct config;
struct event_base;
struct evbuffer;
struct store;
struct uploader;

/* Check the [upload] keys (URL, auth modes and what each needs).  -1 with err. */
int uploader_check_config(const struct config *cfg, char *err, size_t errlen);
/*
 * Start uploading (base_url must be set) and syncing the roster; the first
 * roster request and the first batch go out at once.  NULL with err naming the
 * config key at fault.
 */
struct uploader *uploader_start(struct event_base *base, const struct config *cfg,
                                struct store *store, const struct cardkey *key, char *err,
                                size_t errlen);
/*
 * After a roster is applied: fn(arg) on the loop, so the daemon recomputes
 * everyone (the roster pull writes outside the command layer; no triggers tell).
 */
void uploader_on_roster(struct uploader *u, void (*fn)(void *arg), void *arg);
/* Abandon transfers in flight (their events stay pending) and free everything. */
void uploader_stop(struct uploader *u);
/* New events are in the outbox: send them soon (coalesced; a backoff is kept). NULL-safe. */
void uploader_kick(struct uploader *u);
/*
 * The uploader's state for /healthz and `stempelctl status`: last success,
 * last error, backoff, alarms, last dead letter, roster and token.  New reference.
 */
json_t *uploader_status_json(struct uploader *u);
/* Add uploader_status_json()'s members to the "upload" check; 0 if an alarm is raised. */
int uploader_health(struct uploader *u, json_t *check);
/* Prometheus text: requests by endpoint and status, events by result, batches, bytes,
 * backoff, alarms, roster results. */
void uploader_metrics(struct uploader *u, struct evbuffer *out);
/*
 * Where the heartbeat (a `status` event every [upload] heartbeat_s) reads the
 * kiosk's checks (reader, database): the same function /healthz uses.  NULL-safe.
 */
void uploader_set_health(struct uploader *u, int (*fn)(void *arg, json_t *checks), void *arg);

#endif
