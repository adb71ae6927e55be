/*
 * kiosk_int.h — private to kiosk*.c: the running kiosk's parts and the functions
 * the wiring (kiosk.c), the screen JSON (kiosk_answer.c) and the health and
 * metrics pages (kiosk_health.c) share.
 */
#ifndef STEMPEL_KIOSK_INT_H
#define STEMPEL_KIOSK_INT_H

#include <jansson.h>

#include "cardkey.h"
#include "cmd/cmd.h"
#include "config.h"
#include "kiosk.h"
#include "metrics.h"
#include "nfc.h"
#include "tap.h"

struct evbuffer;

/*
 * /healthz reports the database failing after a storage error until a tap is
 * committed again, or at most this long when no tap comes to prove it.
 */
#define STORAGE_ERROR_HOLD_NS (600LL * 1000000000LL)
/* While out of order the red LED repeats its pattern this often (the screen says it too). */
#define OUT_OF_ORDER_EVERY_S 3
/*
 * The loop-lag probe's period: a step of the loop longer than this always shows;
 * a shorter one shows in proportion to its length (40 wake-ups a second).
 */
#define KIOSK_LAG_PROBE_MS 25

struct kiosk {
	struct event_base *base;
	const struct config *cfg;
	struct cardkey key;
	struct store *store;
	struct tap_ctx *tap;
	struct feedback *feedback;
	struct web *web;
	struct kiosk_screen *screen; /* the participant screen's extras and sounds */
	struct attendance *att;
	struct board *board;
	struct period *period;       /* pay periods and their adjustments */
	struct api *api;             /* /api/v1 for payroll */
	struct recompute *recompute; /* day results after taps, session ends, midnight */
	struct reports *reports;     /* long reads on a second connection and thread */
	struct nfc_reader *reader;
	struct uploader *uploader;     /* NULL when uploads are off */
	struct checkpointer *ckpt;     /* the WAL is full: checkpoint on a thread of its own */
	struct roster_run *roster_run; /* roster.import in steps on the loop */
	struct cmd_env cmd;      /* what the board, the API and the control socket change through */
	struct ctlsock *ctlsock; /* stempelctl's commands while we run */
	struct event *ooo_timer; /* red LED while the reader or storage fails */
	struct metrics metrics;
	struct loop_lag *lag;               /* the loop-lag probe for /metrics (NULL: none) */
	enum nfc_reader_state reader_state; /* the last one logged */
	long long last_storage_error_ns;
	unsigned long long storage_errors;
	char db_path[CONFIG_PATH_MAX + 32];
	int check_later; /* too big to check before start-up: the reports thread does */
	int failed;      /* the loop was stopped: the database is damaged */
};

/* kiosk_answer.c: the screen's view of an answer (no card key or UID) and the status bar. */
json_t *kiosk_answer_json(const struct kiosk *k, const struct tap_answer *a, long long seen_ns,
                          long long latency_us);
json_t *kiosk_status_json(void *arg);
/* kiosk_health.c: /healthz checks and /metrics lines (web_hooks). */
int kiosk_health(void *arg, json_t *checks);
void kiosk_metrics(void *arg, struct evbuffer *out);
/* kiosk_health.c: the database check before or after start-up; damage stops the daemon. */
int kiosk_damage_marked(struct kiosk *k, char *err, size_t errlen);
int kiosk_check_now(struct kiosk *k, char *err, size_t errlen);
int kiosk_check_later(struct kiosk *k);

#endif
