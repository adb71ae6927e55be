/*
 * kiosk.c — wiring.  A UID from the reader goes to tap_handle(); its answer goes
 * to the LED/buzzer, the kiosk screen (server-sent event) and the metrics, in
 * that order, and only after tap_handle() has committed the tap.  Health and
 * metrics pages ask this file for the state of every part.
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
#include "kiosk.h"
#include "log.h"
#include "metrics.h"
#include "nfc.h"
#include "period.h"
#include "recompute.h"
#include "reports.h"
#include "store.h"
#include "tap.h"
#include "uploader.h"
#include "web/api.h"
#include "web/board.h"
#include "web/i18n.h"
#include "web/web.h"

/*
 * /healthz reports the database failing after a storage error until a tap is
 * committed again, or at most this long when no tap comes to prove it.
 */
#define STORAGE_ERROR_HOLD_NS (600LL * 1000000000LL)

struct kiosk {
	struct event_base *base;
	const struct config *cfg;
	struct cardkey key;
	struct store *store;
	struct tap_ctx *tap;
	struct feedback *feedback;
	struct web *web;
	struct attendance *att;
	struct board *board;
	struct period *period;	     /* pay periods and their adjustments */
	struct api *api;	     /* /api/v1 for payroll */
	struct recompute *recompute; /* day results after taps, session ends, midnight */
	struct reports *reports;     /* long reads on a second connection and thread */
	struct nfc_reader *reader;
	struct uploader *uploader; /* NULL when uploads are off */
	struct checkpointer *ckpt; /* the WAL is full: checkpoint on a thread of its own */
	struct cmd_env cmd;	   /* what the board, the API and the control socket change through */
	struct ctlsock *ctlsock;   /* stempelctl's commands while we run */
	struct metrics metrics;
	enum nfc_reader_state reader_state; /* the last one logged */
	long long last_storage_error_ns;
	unsigned long long storage_errors;
	char db_path[CONFIG_PATH_MAX + 32];
	int check_later; /* too big to check before start-up: the reports thread does */
	int failed;	 /* the loop was stopped: the database is damaged */
};

static const char *
outcome_color(enum tap_outcome o)
{
	switch (o) {
	case TAP_ACCEPTED_IN:
	case TAP_ACCEPTED_OUT:
	case TAP_ALREADY_REGISTERED:
		return "green";
	case TAP_NOT_SCHEDULED:
		return "amber";
	default:
		return "red";
	}
}

static const char *
outcome_icon(enum tap_outcome o)
{
	static const char *const icons[TAP_NOUTCOMES] = {
		[TAP_ACCEPTED_IN] = "check",       [TAP_ACCEPTED_OUT] = "door",
		[TAP_ALREADY_REGISTERED] = "check", [TAP_UNKNOWN_CARD] = "teacher",
		[TAP_REVOKED_CARD] = "cross",      [TAP_NOT_SCHEDULED] = "calendar",
		[TAP_STORAGE_ERROR] = "warning",
	};
	return (o >= 0 && o < TAP_NOUTCOMES) ? icons[o] : "warning";
}

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

/* The screen's view of an answer.  No card key or UID: the kiosk stream is public. */
static json_t *
answer_json(const struct kiosk *k, const struct tap_answer *a, long long seen_ns,
	    long long latency_us)
{
	const char *lang = i18n_lookup(a->language) ? i18n_lookup(a->language) : k->cfg->kiosk.language;
	json_t *j = json_pack("{s:s, s:b, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I}",
			      "outcome", tap_outcome_name(a->outcome), "repeat", a->repeat,
			      "color", outcome_color(a->outcome), "icon", outcome_icon(a->outcome),
			      "participant", a->participant, "name", a->name, "time", a->local_time,
			      "lang", lang, "dir", i18n_rtl(lang) ? "rtl" : "ltr",
			      "message", i18n_tap_message(lang, k->cfg->kiosk.language, a->outcome),
			      "direction", a->direction, "clock", a->clock,
			      "seen_ns", (json_int_t)seen_ns, "latency_us", (json_int_t)latency_us);

	if (j && a->event_id[0])
		json_object_set_new(j, "event_id", json_string(a->event_id));
	/* Nobody knows an unknown card's language: say it in all of them. */
	if (j && (a->outcome == TAP_UNKNOWN_CARD || a->outcome == TAP_STORAGE_ERROR)) {
		json_t *all = json_array();

		for (int i = 0; i < I18N_NLANG; i++)
			json_array_append_new(all, json_pack("{s:s, s:s, s:s}", "lang",
							     i18n_languages[i], "dir",
							     i18n_rtl(i18n_languages[i]) ? "rtl" : "ltr",
							     "text",
							     i18n_tap_message(i18n_languages[i], NULL,
									      a->outcome)));
		json_object_set_new(j, "messages", all);
		json_object_set_new(j, "message", json_string(""));
	}
	return j;
}

static json_t *
status_json(void *arg)
{
	struct kiosk *k = arg;
	struct nfc_reader_status rs = {.state = NFC_STATE_STOPPED};
	json_t *prompts = json_array();

	if (k->reader)
		nfc_reader_status(k->reader, &rs);
	for (int i = 0; i < I18N_NLANG; i++)
		json_array_append_new(prompts, json_pack("{s:s, s:s, s:s}", "lang", i18n_languages[i],
							 "dir", i18n_rtl(i18n_languages[i]) ? "rtl" : "ltr",
							 "text", i18n_prompt(i18n_languages[i])));
	return json_pack("{s:s, s:s, s:s, s:b, s:o}", "reader", nfc_reader_state_name(rs.state),
			 "reader_message", rs.message, "clock",
			 clock_quality_name(clock_quality_now()), "storage_error",
			 k->last_storage_error_ns &&
				 clock_mono_ns() - k->last_storage_error_ns < STORAGE_ERROR_HOLD_NS,
			 "prompts", prompts);
}

/* An accepted tap changes its participant's day: recompute it on a later loop turn. */
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

static void
on_tap(void *arg, const char *uid, long long seen_ns)
{
	struct kiosk *k = arg;
	struct tap_answer ans;
	long long latency_us;
	json_t *j;

	if (tap_handle(k->tap, uid, &ans) < 0) {
		k->storage_errors++;
		k->last_storage_error_ns = clock_mono_ns();
	} else if (k->last_storage_error_ns && !ans.repeat) {
		/* a tap was committed again: storage works, clear the alarm */
		log_info("tap: storage works again");
		k->last_storage_error_ns = 0;
		if ((j = status_json(k)) != NULL) {
			web_kiosk_publish(k->web, "status", j);
			json_decref(j);
		}
	}
	/* The tap is committed (or refused): now, and only now, answer. */
	feedback_signal(k->feedback, outcome_signal(&ans));
	latency_us = (clock_mono_ns() - seen_ns) / 1000;
	j = answer_json(k, &ans, seen_ns, latency_us);
	if (j)
		web_kiosk_publish(k->web, "tap", j);
	json_decref(j);
	latency_us = (clock_mono_ns() - seen_ns) / 1000;
	metrics_tap(&k->metrics, ans.outcome, ans.repeat, (uint64_t)(latency_us < 0 ? 0 : latency_us));
	log_info("tap: %s%s %s %s", tap_outcome_name(ans.outcome), ans.repeat ? " (repeat)" : "",
		 ans.participant[0] ? ans.participant : "-", ans.direction);
	/* The participant has their answer; now the teachers' boards. */
	board_tap(k->board, &ans);
	recompute_tap(k, &ans);
	/* A new outbox event: let the uploader send it soon (it coalesces bursts). */
	if (!ans.repeat && ans.event_id[0])
		uploader_kick(k->uploader);
}

/* A commit (often a tap's) filled the WAL: checkpoint once its caller is done. */
static void
on_wal_full(void *arg)
{
	struct kiosk *k = arg;

	checkpointer_kick(k->ckpt);
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
	if (k->web && (j = status_json(k)) != NULL) {
		web_kiosk_publish(k->web, "status", j);
		json_decref(j);
	}
	board_status(k->board);
}

static int
health(void *arg, json_t *checks)
{
	struct kiosk *k = arg;
	struct nfc_reader_status rs = {.state = NFC_STATE_STOPPED};
	struct store_outbox_stats ob;
	enum clock_quality cq = clock_quality_now();
	int db_ok, reader_ok, clock_ok, upload_ok = 1;
	json_t *up;
	int64_t age_s = 0;

	if (k->reader)
		nfc_reader_status(k->reader, &rs);
	reader_ok = rs.state == NFC_STATE_CONNECTED;
	json_object_set_new(checks, "reader",
			    json_pack("{s:b, s:s, s:I, s:I, s:s, s:s}", "ok", reader_ok, "state",
				      nfc_reader_state_name(rs.state), "errors",
				      (json_int_t)rs.errors_total, "reopens", (json_int_t)rs.reopens,
				      "last_card", rs.last_uid[0] ? "seen" : "none", "message",
				      rs.message));

	db_ok = store_outbox_backlog(k->store, &ob) == 0 &&
		!(k->last_storage_error_ns &&
		  clock_mono_ns() - k->last_storage_error_ns < STORAGE_ERROR_HOLD_NS);
	json_object_set_new(checks, "database",
			    json_pack("{s:b, s:I}", "ok", db_ok, "storage_errors",
				      (json_int_t)k->storage_errors));

	clock_ok = cq == CLOCK_SYNCED;
	json_object_set_new(checks, "clock",
			    json_pack("{s:b, s:s}", "ok", clock_ok, "state", clock_quality_name(cq)));

	if (ob.oldest_pending_ms) {
		struct clock_reading now;

		clock_read(&now);
		age_s = (now.wall_ms - ob.oldest_pending_ms) / 1000;
	}
	/* Uploads off: the backlog only grows, and that is expected. */
	if (k->cfg->upload.base_url[0])
		upload_ok = age_s < 24 * 3600;
	up = json_pack("{s:b, s:b, s:I, s:I, s:I}", "ok", upload_ok, "enabled",
		       k->cfg->upload.base_url[0] != 0, "pending", (json_int_t)ob.pending, "dead",
		       (json_int_t)ob.dead, "oldest_pending_age_s", (json_int_t)age_s);
	/* The uploader adds its own state; a raised alarm fails the check. */
	if (up && k->uploader && !uploader_health(k->uploader, up)) {
		upload_ok = 0;
		json_object_set_new(up, "ok", json_false());
	}
	json_object_set_new(checks, "upload", up);
	return db_ok && reader_ok && clock_ok && upload_ok;
}

static void
metrics(void *arg, struct evbuffer *out)
{
	struct kiosk *k = arg;
	struct nfc_reader_status rs = {.state = NFC_STATE_STOPPED};
	struct store_outbox_stats ob = {0};
	enum clock_quality cq = clock_quality_now();
	struct clock_reading now;

	clock_read(&now);
	metrics_render(&k->metrics, out);
	if (k->reader)
		nfc_reader_status(k->reader, &rs);
	metrics_gauge(out, "stempel_reader_connected", "1 if the card reader is polling.",
		      rs.state == NFC_STATE_CONNECTED);
	metrics_gauge(out, "stempel_reader_errors", "Reader errors since start.", rs.errors_total);
	metrics_gauge(out, "stempel_reader_reopens", "Reader reopens since start.", rs.reopens);
	metrics_gauge(out, "stempel_clock_synced", "1 if the wall clock is trusted.",
		      cq == CLOCK_SYNCED);
	metrics_gauge(out, "stempel_clock_jumped", "1 if the wall clock jumped in the last hour.",
		      cq == CLOCK_JUMPED);
	metrics_gauge(out, "stempel_storage_errors", "Taps that could not be stored.",
		      (double)k->storage_errors);
	metrics_gauge(out, "stempel_tap_db_wait_max_seconds",
		      "The longest a tap waited for the database's write lock.",
		      store_tap_wait_max_ns(k->store) / 1e9);
	store_outbox_backlog(k->store, &ob);
	metrics_gauge(out, "stempel_outbox_pending", "Events waiting for upload.", (double)ob.pending);
	metrics_gauge(out, "stempel_outbox_dead", "Events the receiver rejected.", (double)ob.dead);
	metrics_gauge(out, "stempel_outbox_oldest_age_seconds", "Age of the oldest pending event.",
		      ob.oldest_pending_ms ? (now.wall_ms - ob.oldest_pending_ms) / 1000.0 : 0);
	for (int i = 0; i < FEEDBACK_NSIGNALS; i++)
		evbuffer_add_printf(out, "stempel_feedback_total{signal=\"%s\"} %u\n",
				    feedback_signal_name(i), feedback_count(k->feedback, i));
	if (k->uploader)
		uploader_metrics(k->uploader, out);
}

/*
 * A damaged database is refused, never repaired or recreated behind the
 * administrator's back: the taps in it are the product.  PRAGMA quick_check reads
 * the whole file, a second per gigabyte when it is cached and a minute when it is
 * not (after a power cut), so a database bigger than [kiosk] check_at_start_mb is
 * checked on the reports thread after start-up instead.  Damage found then stops
 * the daemon (exit 1) and leaves a marker beside the file, so every later start is
 * refused at once until an administrator has dealt with it and removed the marker.
 */
#define DAMAGED_ADVICE "keep the file, restore it from a backup or ask for help"

static void
marker_path(const struct kiosk *k, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s.damaged", k->db_path);
}

static int
damage_marked(struct kiosk *k, char *err, size_t errlen)
{
	char m[sizeof(k->db_path) + 16], why[512] = "";
	FILE *f;

	marker_path(k, m, sizeof(m));
	if ((f = fopen(m, "r")) == NULL)
		return 0;
	if (fgets(why, sizeof(why), f) == NULL)
		why[0] = '\0';
	fclose(f);
	why[strcspn(why, "\n")] = '\0';
	snprintf(err, errlen, "%s is marked damaged (%s); refusing to start: " DAMAGED_ADVICE
			      ", then remove %s", k->db_path, why, m);
	return 1;
}

/* Check now, or leave it to check_later() for a big file. */
static int
check_now(struct kiosk *k, char *err, size_t errlen)
{
	struct stat st;
	char why[512];

	if (stat(k->db_path, &st) == 0 &&
	    st.st_size > (off_t)k->cfg->kiosk.check_at_start_mb * 1024 * 1024) {
		log_info("store: %s is %lld MB: checking it after start-up", k->db_path,
			 (long long)(st.st_size >> 20));
		k->check_later = 1;
		return 0;
	}
	if (store_check(k->store, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s is damaged (%s); refusing to start: " DAMAGED_ADVICE,
			 k->db_path, why);
		return -1;
	}
	return 0;
}

struct check_job {
	struct kiosk *k;
	int rc;
	int64_t ms;
	char why[512];
};

static void
check_run(struct reports_ctx *ctx, void *arg)
{
	struct check_job *j = arg;
	int64_t t0 = clock_mono_ns();

	j->rc = store_check(ctx->store, j->why, sizeof(j->why));
	j->ms = (clock_mono_ns() - t0) / 1000000;
}

static void
check_done(void *arg, int ran)
{
	struct check_job *j = arg;
	struct kiosk *k = j->k;
	char m[sizeof(k->db_path) + 16];
	FILE *f;

	if (ran && j->rc == 0) {
		log_info("store: %s checked after start-up: ok (%lld ms)", k->db_path,
			 (long long)j->ms);
	} else if (ran) {
		log_err("%s is damaged (%s); stopping: " DAMAGED_ADVICE, k->db_path, j->why);
		marker_path(k, m, sizeof(m));
		if ((f = fopen(m, "w")) == NULL || fprintf(f, "%s\n", j->why) < 0)
			log_err("store: cannot write %s: %s", m, strerror(errno));
		if (f)
			fclose(f);
		store_keep_file(k->store);
		k->failed = 1;
		event_base_loopbreak(k->base);
	}
	free(j);
}

static int
check_later(struct kiosk *k)
{
	struct check_job *j;

	if (!k->check_later)
		return 0; /* check_now() did it */
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return -1;
	j->k = k;
	if (reports_submit(k->reports, check_run, check_done, j) < 0) {
		free(j);
		return -1;
	}
	return 0;
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
		snprintf(err, errlen, "[kiosk] state_dir %s: %s", cfg->kiosk.state_dir, strerror(errno));
		goto fail;
	}
	if (access(cfg->kiosk.state_dir, W_OK) < 0) {
		snprintf(err, errlen, "[kiosk] state_dir %s is not writable (%s): taps could not be "
				      "stored, refusing to start", cfg->kiosk.state_dir, strerror(errno));
		goto fail;
	}
	if (cardkey_load(&k->key, cfg->kiosk.state_dir, err, errlen) < 0)
		goto fail;
	config_state_path(cfg, "stempel.db", path, sizeof(path));
	snprintf(k->db_path, sizeof(k->db_path), "%s", path);
	if (damage_marked(k, err, errlen) || store_open(&k->store, path, err, errlen) < 0)
		goto fail;
	if (check_now(k, err, errlen) < 0)
		goto fail;
	if ((k->ckpt = checkpointer_start(path, err, errlen)) == NULL)
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
	hooks = (struct web_hooks){.arg = k, .health = health, .metrics = metrics,
				   .kiosk_state = status_json};
	if ((k->web = web_start(base, cfg, &hooks, err, errlen)) == NULL)
		goto fail;
	if ((k->reports = reports_start(base, cfg, path, err, errlen)) == NULL)
		goto fail;
	if (check_later(k) < 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (attendance_open(&k->att, k->store, cfg, err, errlen) < 0)
		goto fail;
	k->cmd = (struct cmd_env){.store = k->store, .cfg = cfg, .key = &k->key, .att = k->att,
				  .changed = on_cmd_changed, .changed_arg = k};
	if (
	    (k->board = board_start(k->web, k->store, k->att, k->reports, &k->cmd, cfg, err, errlen)) == NULL)
		goto fail;
	if (period_open(&k->period, k->store, k->att, cfg, err, errlen) < 0 ||
	    (k->api = api_start(k->web, k->store, k->period, k->reports, &k->cmd, cfg, err, errlen)) == NULL)
		goto fail;
	/* A change to a day of a closed pay period becomes an adjustment line. */
	attendance_on_change(k->att, period_on_change, k->period);
	k->cmd.period = k->period;
	if ((k->recompute = recompute_start(base, k->att)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if ((k->ctlsock = ctlsock_start(base, cfg, &k->cmd, err, errlen)) == NULL)
		goto fail;
	if (cfg->upload.base_url[0] &&
	    (k->uploader = uploader_start(base, cfg, k->store, &k->key, err, errlen)) == NULL)
		goto fail;
	uploader_on_roster(k->uploader, on_roster, k);
	/* The reader last: from here on taps can arrive. */
	k->reader = nfc_reader_open(base, cfg, on_tap, on_reader_status, k);
	if (k->reader == NULL) {
		snprintf(err, errlen, "[reader] cannot start the %s reader (see the log above)",
			 cfg->reader.driver == READER_LIBNFC ? "libnfc" : "sim");
		goto fail;
	}
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
	nfc_reader_close(k->reader);
	/* Waiting report requests are answered while the web server still holds them. */
	reports_stop(k->reports);
	ctlsock_stop(k->ctlsock);
	web_stop(k->web);
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
