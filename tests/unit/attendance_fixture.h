/*
 * attendance_fixture.h — a database with participants, taps and a faked clock for
 * the attendance and pay-period unit tests (header-only, like testutil.h).  TZ is
 * UTC, the regime files come from the checkout, the clock is set per test.
 */
#ifndef STEMPEL_ATTENDANCE_FIXTURE_H
#define STEMPEL_ATTENDANCE_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "attendance.h"
#include "auth.h"
#include "cmd/cmd.h"
#include "clock.h"
#include "config.h"
#include "period.h"
#include "store.h"
#include "testutil.h"

struct afx {
	char dir[256];
	char db[300];
	struct config cfg;
	struct store *s;
	struct attendance *att;
	struct period *per;
	int taps;
	struct cmd_env env;        /* the commands run as stempelctl runs them offline */
	struct cmd_change changed; /* the last change a command told */
	int n_changed;
};

/* Set the wall clock to a local (UTC) date and time. */
static inline void
afx_clock(const char *date, int hh, int mm)
{
	static struct clock_reading r;
	int32_t d;

	assert_int_equal(rules_date_parse(date, &d), 0);
	r.wall_ms = ((int64_t)d * 86400 + hh * 3600 + mm * 60) * 1000;
	r.mono_ns = r.wall_ms * 1000000;
	r.quality = CLOCK_SYNCED;
	clock_fake(&r);
}

/* After a command's COMMIT: recompute as the daemon does, and remember what was told. */
static inline void
afx_changed(void *arg, const struct cmd_change *c)
{
	struct afx *f = arg;

	f->changed = *c;
	f->n_changed++;
	if (c->what & CMD_CHANGED_ATTENDANCE)
		attendance_after_write(f->att, c->pid, c->from);
}

static inline int
afx_setup(void **state)
{
	struct afx *f = calloc(1, sizeof(*f));
	char err[512];

	setenv("TZ", "UTC", 1);
	tzset();
	if (f == NULL || !tu_tempdir(f->dir, sizeof(f->dir)))
		return -1;
	snprintf(f->db, sizeof(f->db), "%s/s.db", f->dir);
	config_defaults(&f->cfg);
	snprintf(f->cfg.kiosk.regime_dir, sizeof(f->cfg.kiosk.regime_dir), "board/regimes");
	if (store_open(&f->s, f->db, err, sizeof(err)) < 0 ||
	    attendance_open(&f->att, f->s, &f->cfg, err, sizeof(err)) < 0 ||
	    period_open(&f->per, f->s, f->att, &f->cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	attendance_on_change(f->att, period_on_change, f->per);
	f->env = (struct cmd_env){.store = f->s,
	                          .cfg = &f->cfg,
	                          .att = f->att,
	                          .period = f->per,
	                          .changed = afx_changed,
	                          .changed_arg = f};
	afx_clock("2026-03-16", 16, 0);
	*state = f;
	return 0;
}

static inline int
afx_teardown(void **state)
{
	struct afx *f = *state;

	clock_fake(NULL);
	period_free(f->per);
	attendance_close(f->att);
	store_close(f->s);
	tu_rmtree(f->dir);
	free(f);
	return 0;
}

/* A participant (regime no-integreringsloven) on Mon-Fri `start`-`end` minutes. */
static inline int64_t
afx_participant(struct afx *f, const char *ext, const char *programme_start, int start, int end,
                int offsite)
{
	struct store_participant p = {.active = 1};
	struct store_session ss[5];
	int64_t id;

	snprintf(p.ext_id, sizeof(p.ext_id), "%s", ext);
	snprintf(p.name, sizeof(p.name), "Name of %s", ext);
	snprintf(p.language, sizeof(p.language), "nb");
	snprintf(p.regime, sizeof(p.regime), "no-integreringsloven");
	snprintf(p.rate, sizeof(p.rate), "full");
	snprintf(p.programme_start, sizeof(p.programme_start), "%s", programme_start);
	assert_int_equal(store_participant_upsert(f->s, &p, &id), 0);
	for (int d = 0; d < 5; d++)
		ss[d] = (struct store_session){d + 1, start, end, offsite};
	assert_int_equal(store_schedule_set(f->s, id, ss, 5), 0);
	return id;
}

/* An accepted tap as the tap pipeline would store it; its taps.id. */
static inline int64_t
afx_tap(struct afx *f, int64_t pid, const char *date, int minute, const char *dir)
{
	char uuid[40], json[128];
	int64_t id;
	struct store_tap t = {.uuid = uuid,
	                      .card_key = "hmac:test",
	                      .participant_id = pid,
	                      .direction = dir,
	                      .outcome = strcmp(dir, "in") == 0 ? "accepted_in" : "accepted_out",
	                      .clock = "synced",
	                      .local_date = date,
	                      .local_min = minute,
	                      .event_type = "tap",
	                      .event_json = json};

	snprintf(uuid, sizeof(uuid), "tap-%d", ++f->taps);
	snprintf(json, sizeof(json), "{\"id\":\"%s\",\"type\":\"tap\"}", uuid);
	assert_int_equal(store_record_tap(f->s, &t, &id), 0);
	return id;
}

/* One integer from SQL on the fixture's own connection file. */
static inline long long
afx_sql(struct afx *f, const char *sql)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	long long v = -1;

	assert_int_equal(sqlite3_open(f->db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

/* A whole-day (or start/end minutes) absence row for attendance_register_absence(). */
static inline struct store_absence_row
afx_absence(int64_t pid, const char *cat, const char *from, const char *to, const char *doc)
{
	struct store_absence_row a = {.start_min = -1, .end_min = -1};

	a.a.participant_id = pid;
	snprintf(a.a.category, sizeof(a.a.category), "%s", cat);
	snprintf(a.a.from_date, sizeof(a.a.from_date), "%s", from);
	snprintf(a.a.to_date, sizeof(a.a.to_date), "%s", to);
	snprintf(a.a.documentation, sizeof(a.a.documentation), "%s", doc ? doc : "");
	return a;
}

/* The commands with the old call shapes: 0 done, 1 not found, -1 with err. */
static inline int
afx_result(struct cmd_result *r, int rc, char *err, size_t errlen)
{
	snprintf(err, errlen, "%.250s", r->msg);
	cmd_result_free(r);
	return rc == 0 ? 0 : r->status == CMD_NOT_FOUND ? 1 : -1;
}

static inline int
afx_register_absence(struct afx *f, struct store_absence_row *a, const char *who, char *err,
                     size_t errlen)
{
	struct store_participant p;
	struct cmd_absence_register_args args = {.participant = p.ext_id,
	                                         .category = a->a.category,
	                                         .from = a->a.from_date,
	                                         .to = a->a.to_date,
	                                         .documentation = a->a.documentation,
	                                         .comment = a->a.comment};
	char s[16], e[16];
	struct cmd_result r;
	struct cmd_ctx ctx;
	int rc;

	assert_int_equal(store_participant_get(f->s, a->a.participant_id, &p), 0);
	if (a->start_min >= 0) {
		snprintf(s, sizeof(s), "%02d:%02d", a->start_min / 60, a->start_min % 60);
		snprintf(e, sizeof(e), "%02d:%02d", a->end_min / 60, a->end_min % 60);
		args.start = s;
		args.end = e;
	}
	cmd_ctx_init(&ctx, &f->env, who);
	rc = cmd_absence_register(&ctx, &args, &r);
	if (rc == 0)
		snprintf(a->a.uuid, sizeof(a->a.uuid), "%.36s", r.msg);
	return afx_result(&r, rc, err, errlen);
}

static inline int
afx_revoke_absence(struct afx *f, const char *uuid, const char *who, const char *reason, char *err,
                   size_t errlen)
{
	struct cmd_absence_revoke_args args = {.absence = uuid, .reason = reason};
	struct cmd_result r;
	struct cmd_ctx ctx;

	cmd_ctx_init(&ctx, &f->env, who);
	return afx_result(&r, cmd_absence_revoke(&ctx, &args, &r), err, errlen);
}

static inline int
afx_correct_tap(struct afx *f, const struct attendance_correction *c, const char *who, char *uuid,
                char *err, size_t errlen)
{
	struct store_participant p;
	struct cmd_correction_args args = {.participant = p.ext_id,
	                                   .date = c->date,
	                                   .minute = c->minute,
	                                   .direction = c->direction,
	                                   .tap_id = c->tap_id,
	                                   .reason = c->reason};
	struct cmd_result r;
	struct cmd_ctx ctx;
	int rc;

	assert_int_equal(store_participant_get(f->s, c->participant_id, &p), 0);
	cmd_ctx_init(&ctx, &f->env, who);
	rc = strcmp(c->action, "add") == 0 ? cmd_correction_add(&ctx, &args, &r)
	                                   : cmd_correction_remove(&ctx, &args, &r);
	if (rc == 0)
		snprintf(uuid, 40, "%.36s", r.msg);
	return afx_result(&r, rc, err, errlen);
}

/* 0 closed, 1 no such period, 2 already closed, 3 not started, -1 with err. */
static inline int
afx_period_close(struct afx *f, int64_t id, const char *who, const char *why, char *err,
                 size_t errlen)
{
	struct cmd_period_close_args args = {.id = id, .reason = why};
	struct cmd_result r;
	struct cmd_ctx ctx;
	int rc;

	cmd_ctx_init(&ctx, &f->env, who);
	rc = cmd_period_close(&ctx, &args, &r);
	if (rc < 0 && r.status == CMD_CONFLICT)
		rc = strstr(r.msg, "already closed") ? 2 : strstr(r.msg, "not final yet") ? 4 : 3;
	else
		rc = rc == 0 ? 0 : r.status == CMD_NOT_FOUND ? 1 : -1;
	snprintf(err, errlen, "%s", r.msg);
	cmd_result_free(&r);
	return rc;
}

static inline int
afx_token_create(struct afx *f, const char *name, const char *scope, const char *who, char *token,
                 int64_t *id, char *err, size_t errlen)
{
	struct cmd_token_create_args args = {.scope = scope, .name = name};
	struct cmd_result r;
	struct cmd_ctx ctx;
	int rc;

	*id = 0;
	cmd_ctx_init(&ctx, &f->env, who);
	rc = cmd_token_create(&ctx, &args, &r);
	if (rc == 0) {
		snprintf(token, AUTH_TOKEN_MAX, "%s",
		         json_string_value(json_object_get(r.data, "token")));
		*id = json_integer_value(json_object_get(r.data, "id"));
	}
	return afx_result(&r, rc, err, errlen);
}

static inline int
afx_token_revoke(struct afx *f, int64_t id, const char *who, char *err, size_t errlen)
{
	struct cmd_token_revoke_args args = {.id = id};
	struct cmd_result r;
	struct cmd_ctx ctx;

	cmd_ctx_init(&ctx, &f->env, who);
	return afx_result(&r, cmd_token_revoke(&ctx, &args, &r), err, errlen);
}

#endif
