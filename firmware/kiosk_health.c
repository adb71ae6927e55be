/*
 * kiosk_health.c — how the kiosk reports on itself: /healthz (database, reader,
 * clock, uploads), /metrics (taps, reader, clock, storage, outbox, feedback,
 * uploads), and the check of the database file before or after start-up.
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
#include "loop.h"
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

#include "web/kiosk_screen.h"

#include "kiosk_int.h"

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

int
kiosk_damage_marked(struct kiosk *k, char *err, size_t errlen)
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
	snprintf(err, errlen,
	         "%s is marked damaged (%s); refusing to start: " DAMAGED_ADVICE ", then remove %s",
	         k->db_path, why, m);
	return 1;
}

/* Check now, or leave it to check_later() for a big file. */
int
kiosk_check_now(struct kiosk *k, char *err, size_t errlen)
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

int
kiosk_check_later(struct kiosk *k)
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
 * The backlog as a caller counted it off the loop (the board's Today page, on the
 * reports thread: with 100,000 events pending the count takes 50+ ms, too long to
 * hold up a tap): checks."outbox_backlog" {ok, pending, dead, oldest_pending_ms},
 * taken out of checks.  1 given and counted, -1 given and failed, 0 not given.
 */
static int
backlog_given(json_t *checks, struct store_outbox_stats *ob)
{
	json_t *g = json_object_get(checks, "outbox_backlog");
	int rc;

	if (!json_is_object(g))
		return 0;
	memset(ob, 0, sizeof(*ob));
	rc = json_is_true(json_object_get(g, "ok")) ? 1 : -1;
	if (rc > 0) {
		ob->pending = json_integer_value(json_object_get(g, "pending"));
		ob->delivered = -1;
		ob->dead = json_integer_value(json_object_get(g, "dead"));
		ob->oldest_pending_ms = json_integer_value(json_object_get(g, "oldest_pending_ms"));
	}
	json_object_del(checks, "outbox_backlog");
	return rc;
}

int
kiosk_health(void *arg, json_t *checks)
{
	struct kiosk *k = arg;
	struct nfc_reader_status rs = {.state = NFC_STATE_STOPPED};
	struct store_outbox_stats ob;
	enum clock_quality cq = clock_quality_now();
	int db_ok, reader_ok, clock_ok, upload_ok = 1;
	json_t *up;
	int64_t age_s = 0;
	int given = backlog_given(checks, &ob);

	if (k->reader)
		nfc_reader_status(k->reader, &rs);
	reader_ok = rs.state == NFC_STATE_CONNECTED;
	json_object_set_new(checks, "reader",
	                    json_pack("{s:b, s:s, s:I, s:I, s:s, s:s}", "ok", reader_ok, "state",
	                              nfc_reader_state_name(rs.state), "errors",
	                              (json_int_t)rs.errors_total, "reopens",
	                              (json_int_t)rs.reopens, "last_card",
	                              rs.last_uid[0] ? "seen" : "none", "message", rs.message));

	db_ok = (given ? given > 0 : store_outbox_backlog(k->store, &ob) == 0) &&
	        !(k->last_storage_error_ns &&
	          clock_mono_ns() - k->last_storage_error_ns < STORAGE_ERROR_HOLD_NS);
	json_object_set_new(
	    checks, "database",
	    json_pack("{s:b, s:I}", "ok", db_ok, "storage_errors", (json_int_t)k->storage_errors));

	clock_ok = cq == CLOCK_SYNCED;
	json_object_set_new(
	    checks, "clock",
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
	/* Participants waiting to be recomputed: 0 = day results current (web.c lifts it). */
	json_object_set_new(checks, "recompute_queue",
	                    json_integer((json_int_t)recompute_pending(k->recompute)));
	return db_ok && reader_ok && clock_ok && upload_ok;
}

void
kiosk_metrics(void *arg, struct evbuffer *out)
{
	struct kiosk *k = arg;
	struct nfc_reader_status rs = {.state = NFC_STATE_STOPPED};
	struct store_outbox_stats ob = {0};
	enum clock_quality cq = clock_quality_now();
	struct clock_reading now;

	clock_read(&now);
	metrics_render(&k->metrics, out);
	loop_lag_render(k->lag, out);
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
	metrics_gauge(out, "stempel_outbox_pending", "Events waiting for upload.",
	              (double)ob.pending);
	metrics_gauge(out, "stempel_outbox_dead", "Events the receiver rejected.", (double)ob.dead);
	evbuffer_add_printf(out,
	                    "# HELP stempel_outbox_loop_counts_total Outbox backlog counts on the "
	                    "loop's connection (this scrape's included).\n"
	                    "# TYPE stempel_outbox_loop_counts_total counter\n"
	                    "stempel_outbox_loop_counts_total %llu\n",
	                    (unsigned long long)store_outbox_backlog_counts(k->store));
	evbuffer_add_printf(out,
	                    "# HELP stempel_log_lines_dropped_total Log lines dropped because "
	                    "they came faster than stderr or syslog took them.\n"
	                    "# TYPE stempel_log_lines_dropped_total counter\n"
	                    "stempel_log_lines_dropped_total %lu\n",
	                    log_dropped());
	if (k->ckpt) {
		struct checkpoint_counts n;

		checkpointer_counts(k->ckpt, &n);
		evbuffer_add_printf(
		    out,
		    "# HELP stempel_checkpoints_total WAL checkpoints run by the "
		    "checkpoint thread.\n# TYPE stempel_checkpoints_total counter\n"
		    "stempel_checkpoints_total %lu\n"
		    "# HELP stempel_checkpoints_busy_total Checkpoints not run because "
		    "another connection (not the kiosk's) was checkpointing.\n"
		    "# TYPE stempel_checkpoints_busy_total counter\n"
		    "stempel_checkpoints_busy_total %lu\n"
		    "# HELP stempel_wal_cuts_total Times a big, quiet WAL file was cut "
		    "back to nothing.\n# TYPE stempel_wal_cuts_total counter\n"
		    "stempel_wal_cuts_total %lu\n"
		    "# HELP stempel_checkpoint_steps_total Steps of a checkpoint's writes "
		    "synced before the next (a tap's commit comes between them).\n"
		    "# TYPE stempel_checkpoint_steps_total counter\n"
		    "stempel_checkpoint_steps_total %lu\n",
		    n.runs, n.busy, n.cuts, n.steps);
	}
	metrics_gauge(out, "stempel_recompute_queue",
	              "Participants waiting to be recomputed (0: day results are current).",
	              (double)recompute_pending(k->recompute));
	evbuffer_add_printf(out,
	                    "# HELP stempel_engine_day_walks_total Days the rules engine walked "
	                    "since start.\n# TYPE stempel_engine_day_walks_total counter\n"
	                    "stempel_engine_day_walks_total %llu\n",
	                    (unsigned long long)attendance_engine_days(k->att));
	metrics_gauge(out, "stempel_outbox_oldest_age_seconds", "Age of the oldest pending event.",
	              ob.oldest_pending_ms ? (now.wall_ms - ob.oldest_pending_ms) / 1000.0 : 0);
	evbuffer_add_printf(out, "# HELP stempel_feedback_total Light and sound signals given, "
	                         "by signal.\n# TYPE stempel_feedback_total counter\n");
	for (int i = 0; i < FEEDBACK_NSIGNALS; i++)
		evbuffer_add_printf(out, "stempel_feedback_total{signal=\"%s\"} %u\n",
		                    feedback_signal_name(i), feedback_count(k->feedback, i));
	if (k->uploader)
		uploader_metrics(k->uploader, out);
	kiosk_screen_metrics(k->screen, out);
}
