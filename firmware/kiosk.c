/*
 * kiosk.c — the daemon's wiring.  A UID from the reader goes to tap_handle(); its
 * answer goes to the LED/buzzer, the kiosk screen (server-sent event) and the
 * metrics, in that order, and only after tap_handle() has committed the tap.
 * Commands (board, API, control socket) tell the loop here what they changed.
 * The screen's JSON is in kiosk_answer.c, /healthz and /metrics in
 * kiosk_health.c; kiosk_int.h is what the three share.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <sodium.h>

#include "attendance.h"
#include "cardkey.h"
#include "checkpoint.h"
#include "cmd/cmd.h"
#include "clock.h"
#include "config.h"
#include "ctlsock.h"
#include "feedback.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "nfc.h"
#include "period.h"
#include "recompute.h"
#include "roster_run.h"
#include "reports.h"
#include "store.h"
#include "tap.h"
#include "uploader.h"
#include "web/api.h"
#include "web/board.h"
#include "web/i18n.h"
#include "web/kiosk_screen.h"
#include "web/web.h"

#include "kiosk_int.h"

static enum feedback_signal
outcome_signal(const struct tap_answer *a)
{
	if (a->outcome == TAP_STORAGE_ERROR)
		return FEEDBACK_ERROR;
	if (a->repeat || a->outcome == TAP_ALREADY_REGISTERED)
		return FEEDBACK_ALREADY;
	if (a->outcome == TAP_ACCEPTED_IN || a->outcome == TAP_ACCEPTED_OUT)
		return FEEDBACK_ACCEPTED;
	return FEEDBACK_REJECTED;
}

static void
recompute_tap(struct kiosk *k, const struct tap_answer *ans)
{
	struct store_participant p;
	time_t secs = (time_t)(ans->wall_ms / 1000);
	struct tm tm;
	char date[11];

	if (ans->repeat || (ans->outcome != TAP_ACCEPTED_IN && ans->outcome != TAP_ACCEPTED_OUT) ||
	    store_participant_by_ext(k->store, ans->participant, &p) != 0)
		return;
	localtime_r(&secs, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	recompute_queue(k->recompute, p.id, date);
}

/* The tap's step 4 asks the rules calendar (tap_on_holiday). */
static int
tap_holiday(void *arg, const char *regime, const char *date)
{
	return attendance_is_holiday(arg, regime, date);
}

static void
on_tap(void *arg, const char *uid, long long seen_ns)
{
	struct kiosk *k = arg;
	struct tap_answer ans;
	long long latency_us;
	json_t *j;

	/* No checkpoint starts while taps come: its writes would be this fsync's to flush. */
	checkpointer_hold(k->ckpt);
	if (tap_handle(k->tap, uid, &ans) < 0) {
		k->storage_errors++;
		k->last_storage_error_ns = clock_mono_ns();
	} else if (k->last_storage_error_ns && !ans.repeat) {
		/* a tap was committed again: storage works, clear the alarm */
		log_info("tap: storage works again");
		k->last_storage_error_ns = 0;
		if ((j = kiosk_status_json(k)) != NULL) {
			web_kiosk_publish(k->web, "status", j);
			json_decref(j);
		}
	}
	/* The tap is committed (or refused): now, and only now, answer. */
	feedback_signal(k->feedback, outcome_signal(&ans));
	latency_us = (clock_mono_ns() - seen_ns) / 1000;
	j = kiosk_answer_json(k, &ans, seen_ns, latency_us);
	if (j)
		web_kiosk_publish(k->web, "tap", j);
	json_decref(j);
	/* the participant's week follows on a later loop turn, off this path */
	kiosk_screen_after_tap(k->screen, &ans);
	latency_us = (clock_mono_ns() - seen_ns) / 1000;
	metrics_tap(&k->metrics, ans.outcome, ans.repeat,
	            (uint64_t)(latency_us < 0 ? 0 : latency_us));
	log_info("tap: %s%s %s %s", tap_outcome_name(ans.outcome), ans.repeat ? " (repeat)" : "",
	         ans.participant[0] ? ans.participant : "-", ans.direction);
	/* The participant has their answer; now the teachers' boards. */
	board_tap(k->board, &ans);
	recompute_tap(k, &ans);
	/* A new outbox event: let the uploader send it soon (it coalesces bursts). */
	if (!ans.repeat && ans.event_id[0])
		uploader_kick(k->uploader);
}

/*
 * Out of order: the daemon runs but cannot take a tap, because the reader is gone
 * or storage fails.  The kiosk screen shows "out of order" from the same status;
 * the LED repeats FEEDBACK_OUT_OF_ORDER.  (With the daemon down, nothing drives
 * the LED: it stays dark, and the screen says out of order after 3 s.)
 */
static void
on_ooo_tick(evutil_socket_t fd, short what, void *arg)
{
	struct kiosk *k = arg;
	struct nfc_reader_status rs = {.state = NFC_STATE_STOPPED};

	if (k->reader)
		nfc_reader_status(k->reader, &rs);
	if ((rs.state != NFC_STATE_CONNECTED && rs.state != NFC_STATE_STARTING) ||
	    (k->last_storage_error_ns &&
	     clock_mono_ns() - k->last_storage_error_ns < STORAGE_ERROR_HOLD_NS))
		feedback_signal(k->feedback, FEEDBACK_OUT_OF_ORDER);
}

/* A commit (often a tap's) filled the WAL: checkpoint in the next gap between taps. */
static void
on_wal_full(void *arg, int frames)
{
	struct kiosk *k = arg;

	checkpointer_kick(k->ckpt, frames);
}

static void
on_reader_status(void *arg, const struct nfc_reader_status *st)
{
	struct kiosk *k = arg;
	json_t *j;

	/* the backend posts on every error count; the log wants state changes only */
	if (st->state != k->reader_state) {
		if (st->state == NFC_STATE_CONNECTED)
			log_info("reader: connected");
		else if (st->state != NFC_STATE_STARTING)
			log_warn("reader: %s%s%s", nfc_reader_state_name(st->state),
			         st->message[0] ? ": " : "", st->message);
		k->reader_state = st->state;
	}
	if (k->web && (j = kiosk_status_json(k)) != NULL) {
		web_kiosk_publish(k->web, "status", j);
		json_decref(j);
	}
	board_status(k->board);
}

/*
 * A command committed (board, API or control socket): the loop learns what
 * changed here, directly, instead of from database triggers and a poll.
 */
static void
on_cmd_changed(void *arg, const struct cmd_change *c)
{
	struct kiosk *k = arg;

	if (!(c->what & CMD_CHANGED_ATTENDANCE))
		return;
	/*
	 * One participant (an absence, a correction): now, so the board's next page
	 * shows it.  Everyone (G, a roster): one per loop turn, taps first.
	 */
	if (c->pid)
		attendance_after_write(k->att, c->pid, c->from);
	else
		recompute_queue(k->recompute, 0, c->from);
}

/* The uploader applied a roster from the municipality: everyone may have changed. */
static void
on_roster(void *arg)
{
	struct kiosk *k = arg;

	recompute_queue(k->recompute, 0, "");
}

int
kiosk_failed(const struct kiosk *k)
{
	return k->failed;
}

struct kiosk *
kiosk_start(struct event_base *base, const struct config *cfg, char *err, size_t errlen)
{
	struct kiosk *k = calloc(1, sizeof(*k));
	struct web_hooks hooks;
	char path[CONFIG_PATH_MAX + 32];

	if (k == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	k->base = base;
	k->cfg = cfg;
	if (mkdir(cfg->kiosk.state_dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "[kiosk] state_dir %s: %s", cfg->kiosk.state_dir,
		         strerror(errno));
		goto fail;
	}
	if (access(cfg->kiosk.state_dir, W_OK) < 0) {
		snprintf(err, errlen,
		         "[kiosk] state_dir %s is not writable (%s): taps could not be "
		         "stored, refusing to start",
		         cfg->kiosk.state_dir, strerror(errno));
		goto fail;
	}
	if (cardkey_load(&k->key, cfg->kiosk.state_dir, err, errlen) < 0)
		goto fail;
	config_state_path(cfg, "stempel.db", path, sizeof(path));
	snprintf(k->db_path, sizeof(k->db_path), "%s", path);
	if (kiosk_damage_marked(k, err, errlen) || store_open(&k->store, path, err, errlen) < 0)
		goto fail;
	if (kiosk_check_now(k, err, errlen) < 0)
		goto fail;
	if ((k->ckpt = checkpointer_start(path, CHECKPOINT_QUIET_MS, err, errlen)) == NULL)
		goto fail;
	store_on_wal_full(k->store, on_wal_full, k);
	if ((k->tap = tap_new(k->store, &k->key, cfg)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if ((k->feedback = feedback_open(base, cfg)) == NULL) {
		snprintf(err, errlen, "[feedback] driver %s: cannot open (see the log above)",
		         cfg->feedback.driver == FEEDBACK_GPIO ? "gpio" : "sim");
		goto fail;
	}
	hooks = (struct web_hooks){.arg = k,
	                           .health = kiosk_health,
	                           .metrics = kiosk_metrics,
	                           .kiosk_state = kiosk_status_json};
	if ((k->web = web_start(base, cfg, &hooks, err, errlen)) == NULL)
		goto fail;
	if ((k->reports = reports_start(base, cfg, path, err, errlen)) == NULL)
		goto fail;
	if (kiosk_check_later(k) < 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (attendance_open(&k->att, k->store, cfg, err, errlen) < 0)
		goto fail;
	tap_on_holiday(k->tap, tap_holiday, k->att);
	if ((k->screen = kiosk_screen_new(base, k->web, k->store, k->att, cfg)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	k->cmd = (struct cmd_env){.store = k->store,
	                          .cfg = cfg,
	                          .key = &k->key,
	                          .att = k->att,
	                          .changed = on_cmd_changed,
	                          .changed_arg = k};
	if ((k->board = board_start(k->web, k->store, k->att, k->reports, &k->cmd, cfg, err,
	                            errlen)) == NULL)
		goto fail;
	if (period_open(&k->period, k->store, k->att, cfg, err, errlen) < 0 ||
	    (k->api = api_start(k->web, k->store, k->period, k->reports, &k->cmd, cfg, err,
	                        errlen)) == NULL)
		goto fail;
	/* A change to a day of a closed pay period becomes an adjustment line. */
	attendance_on_change(k->att, period_on_change, k->period);
	k->cmd.period = k->period;
	if ((k->recompute = recompute_start(base, k->att)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if ((k->roster_run = roster_run_new(base, k->store, &k->key, on_roster, k)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	k->cmd.roster_run = k->roster_run;
	if ((k->ctlsock = ctlsock_start(base, cfg, &k->cmd, err, errlen)) == NULL)
		goto fail;
	if (cfg->upload.base_url[0] &&
	    (k->uploader = uploader_start(base, cfg, k->store, &k->key, err, errlen)) == NULL)
		goto fail;
	uploader_set_health(k->uploader, kiosk_health, k);
	uploader_on_roster(k->uploader, on_roster, k);
	/* The reader last: from here on taps can arrive. */
	k->reader = nfc_reader_open(base, cfg, on_tap, on_reader_status, k);
	if (k->reader == NULL) {
		snprintf(err, errlen, "[reader] cannot start the %s reader (see the log above)",
		         cfg->reader.driver == READER_LIBNFC ? "libnfc" : "sim");
		goto fail;
	}
	if ((k->ooo_timer = event_new(base, -1, EV_PERSIST, on_ooo_tick, k)) == NULL ||
	    event_add(k->ooo_timer, &(struct timeval){OUT_OF_ORDER_EVERY_S, 0}) < 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	k->lag = loop_lag_start(base, KIOSK_LAG_PROBE_MS);
	return k;
fail:
	kiosk_stop(k);
	return NULL;
}

void
kiosk_stop(struct kiosk *k)
{
	if (k == NULL)
		return;
	if (k->ooo_timer)
		event_free(k->ooo_timer);
	loop_lag_stop(k->lag);
	nfc_reader_close(k->reader);
	/* Waiting report requests are answered while the web server still holds them. */
	reports_stop(k->reports);
	ctlsock_stop(k->ctlsock);
	roster_run_free(k->roster_run);
	web_stop(k->web);
	kiosk_screen_free(k->screen);
	board_stop(k->board);
	recompute_stop(k->recompute);
	api_stop(k->api);
	period_free(k->period);
	attendance_close(k->att);
	feedback_close(k->feedback);
	tap_free(k->tap);
	/* Transfers in flight are dropped; their events stay pending in the outbox. */
	uploader_stop(k->uploader);
	if (k->ckpt) {
		store_on_wal_full(k->store, NULL, NULL);
		checkpointer_stop(k->ckpt);
	}
	store_close(k->store);
	sodium_memzero(&k->key, sizeof(k->key));
	free(k);
}
