/*
 * housekeeping.c — what the uploader does on its own clock: the heartbeat (a
 * `status` event every [upload] heartbeat_s, because a kiosk behind a municipal
 * NAT cannot be scraped) and retention (delivered events older than [upload]
 * keep_delivered_days deleted in small steps, so the database stays bounded).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>

#include "clock.h"
#include "config.h"
#include "events.h"
#include "log.h"
#include "loop.h"
#include "store.h"
#include "uploader.h"
#include "uploader_int.h"

/* Rows deleted per step: one small transaction, like every step of the uploader's. */
#define PRUNE_STEP UPLOADER_STEP

static void
arm(struct event *ev, int64_t ms)
{
	struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000};

	evtimer_add(ev, &tv);
}

static int64_t
file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (int64_t)st.st_size : 0;
}

/* The heartbeat's data: PROTOCOL.md §1 status, StatusData in openapi.yaml. */
static json_t *
status_data(struct uploader *u)
{
	json_t *checks = json_object(), *d, *reader, *db;
	struct store_outbox_stats ob = {0};
	struct clock_reading now;
	struct statvfs vfs;
	char path[CONFIG_PATH_MAX + 16], wall[32], etag[160] = "";
	int64_t size, age = -1;
	time_t secs;
	struct tm tm;
	int conflicts;

	if (u->health)
		u->health(u->health_arg, checks);
	reader = json_object_get(checks, "reader");
	db = json_object_get(checks, "database");
	clock_read(&now);
	secs = (time_t)(now.wall_ms / 1000);
	gmtime_r(&secs, &tm);
	strftime(wall, sizeof(wall), "%Y-%m-%dT%H:%M:%SZ", &tm);
	config_state_path(u->cfg, "stempel.db", path, sizeof(path));
	size = file_size(path);
	config_state_path(u->cfg, "stempel.db-wal", path, sizeof(path));
	size += file_size(path);
	if (store_outbox_backlog(u->store, &ob) == 0 && ob.oldest_pending_ms)
		age = (now.wall_ms - ob.oldest_pending_ms) / 1000;
	store_meta_get(u->store, "upload.roster_etag", etag, sizeof(etag));
	conflicts = store_card_conflicts(u->store, NULL, NULL);
	d = json_pack("{s:s, s:I, s:{s:b, s:s}, s:{s:s, s:s}, s:{s:b, s:I}, s:{s:I, s:o},"
	              " s:I, s:I, s:s, s:i}",
	              "version", STEMPEL_VERSION, "uptime_s",
	              (json_int_t)((uploader_mono_ms() - u->started_ms) / 1000), "reader", "ok",
	              json_is_true(json_object_get(reader, "ok")), "detail",
	              json_string_value(json_object_get(reader, "state"))
	                  ? json_string_value(json_object_get(reader, "state"))
	                  : "unknown",
	              "clock", "quality", clock_quality_name(now.quality), "wall", wall, "database",
	              "ok", db ? json_is_true(json_object_get(db, "ok")) : 1, "size_bytes",
	              (json_int_t)size, "backlog", "pending", (json_int_t)ob.pending + 1,
	              "oldest_pending_age_s", age >= 0 ? json_integer(age) : json_integer(0),
	              "dead_letters", (json_int_t)ob.dead, "disk_free_bytes",
	              (json_int_t)(statvfs(u->cfg->kiosk.state_dir, &vfs) == 0
	                               ? (int64_t)vfs.f_bavail * (int64_t)vfs.f_frsize
	                               : 0),
	              "roster_etag", etag, "card_conflicts", conflicts > 0 ? conflicts : 0);
	json_decref(checks);
	return d;
}

static void
on_heartbeat(evutil_socket_t fd, short what, void *arg)
{
	struct uploader *u = arg;
	json_t *data = status_data(u);
	char id[40], *ev = data ? events_make("status", NULL, data, id) : NULL;

	/* Not in a backlog's way: it is one event, and the outbox keeps seq order. */
	if (ev == NULL || store_event_add(u->store, id, "status", ev) < 0)
		log_err("upload: cannot queue the status event");
	else
		uploader_kick(u);
	free(ev);
	u->heartbeats++;
	arm(u->heartbeat_ev, (int64_t)u->cfg->upload.heartbeat_s * 1000);
}

static void
on_prune(evutil_socket_t fd, short what, void *arg)
{
	struct uploader *u = arg;
	struct clock_reading now;
	int64_t before;
	int n = 0;

	/* clock.c's wall clock, the one done_ms was written with */
	clock_read(&now);
	before = now.wall_ms - (int64_t)u->cfg->upload.keep_delivered_days * 86400000LL;
	if (store_outbox_prune(u->store, before, PRUNE_STEP, &n) < 0)
		log_err("upload: cannot prune delivered events");
	u->pruned += (uint64_t)n;
	/* A full step means more are due: the next one in the next turn of the loop. */
	arm(u->prune_ev, n == PRUNE_STEP ? 0 : (int64_t)u->cfg->upload.interval_s * 1000);
}

int
uploader_housekeeping_start(struct uploader *u)
{
	u->started_ms = uploader_mono_ms();
	u->heartbeat_ev = evtimer_new(u->base, on_heartbeat, u);
	u->prune_ev = evtimer_new(u->base, on_prune, u);
	loop_prio(u->heartbeat_ev, LOOP_PRIO_BACKGROUND);
	loop_prio(u->prune_ev, LOOP_PRIO_BACKGROUND);
	if (u->heartbeat_ev == NULL || u->prune_ev == NULL)
		return -1;
	/* The first one interval after start: by then the reader is up and settled. */
	if (u->cfg->upload.heartbeat_s > 0)
		arm(u->heartbeat_ev, u->cfg->upload.heartbeat_s * 1000LL);
	arm(u->prune_ev, 1000);
	return 0;
}

void
uploader_housekeeping_stop(struct uploader *u)
{
	if (u->heartbeat_ev)
		event_free(u->heartbeat_ev);
	if (u->prune_ev)
		event_free(u->prune_ev);
	u->heartbeat_ev = u->prune_ev = NULL;
}

void
uploader_set_health(struct uploader *u, int (*fn)(void *arg, json_t *checks), void *arg)
{
	if (u == NULL)
		return;
	u->health = fn;
	u->health_arg = arg;
}
