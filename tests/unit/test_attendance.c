/*
 * test_attendance.c — the rules engine fed from a real database: days from taps
 * with corrections and absences, today's statuses at a given minute, quota use
 * (self-declared occurrences joined as the engine joins them), the what-if of an
 * absence, day results written once and only when they change, provisional G.
 */
#include "attendance_fixture.h"

static const struct rules_day *
day_of(const struct attendance_days *r, const char *date)
{
	int32_t d;

	rules_date_parse(date, &d);
	for (size_t i = 0; i < r->out.n_days; i++)
		if (r->out.days[i].date == d)
			return &r->out.days[i];
	fail_msg("no day %s", date);
	return NULL;
}

static void
test_days_from_taps(void **state)
{
	struct afx *f = *state;
	struct attendance_days r;
	char err[512];
	int64_t p = afx_participant(f, "P-1", "2025-09-01", 480, 930, 0);

	afx_tap(f, p, "2026-03-09", 478, "in");
	afx_tap(f, p, "2026-03-09", 931, "out");
	afx_tap(f, p, "2026-03-11", 500, "in"); /* 20 minutes late, no tap out */
	assert_int_equal(
	    attendance_days(f->att, p, "2026-03-09", "2026-03-15", &r, err, sizeof(err)), 0);
	assert_int_equal(r.out.n_days, 7);
	assert_int_equal(day_of(&r, "2026-03-09")->attended_min, 450);
	assert_int_equal(day_of(&r, "2026-03-09")->unexcused_min, 0);
	assert_int_equal(day_of(&r, "2026-03-10")->unexcused_min, 450);
	assert_int_equal(day_of(&r, "2026-03-11")->unexcused_min, 20);
	assert_true(day_of(&r, "2026-03-11")->flags & (1u << RULES_FLAG_MISSING_TAP_OUT));
	assert_int_equal(day_of(&r, "2026-03-14")->scheduled_min, 0);
	assert_int_equal(r.out.totals.scheduled_min, 5 * 450);
	assert_int_equal(r.g_missing, INT32_MIN);
	/* The totals' deduction is the exact sum of the days, rounded once. */
	{
		struct rules_rat sum = {0, 1};

		for (size_t i = 0; i < r.out.n_days; i++)
			assert_int_equal(rules_rat_add(sum, r.out.days[i].deduction, &sum), 0);
		assert_int_equal(r.out.totals.deduction_ore, rules_rat_round(sum));
	}
	attendance_days_free(&r);
	assert_int_equal(
	    attendance_days(f->att, 999, "2026-03-09", "2026-03-15", &r, err, sizeof(err)), 1);
	assert_int_equal(
	    attendance_days(f->att, p, "2026-03-15", "2026-03-09", &r, err, sizeof(err)), -1);
}

static void
test_corrections(void **state)
{
	struct afx *f = *state;
	struct attendance_days r;
	struct attendance_tap *t;
	char err[512], uuid[40];
	size_t n;
	int64_t p = afx_participant(f, "P-1", "2025-09-01", 480, 930, 0);
	int64_t in = afx_tap(f, p, "2026-03-10", 470, "in");
	int64_t out = afx_tap(f, p, "2026-03-10", 700, "out"); /* tapped out at 11:40 by mistake */
	struct attendance_correction rm = {
	    .participant_id = p, .action = "remove", .tap_id = out, .reason = "tapped by mistake"};
	struct attendance_correction add = {.participant_id = p,
	                                    .action = "add",
	                                    .date = "2026-03-10",
	                                    .minute = 930,
	                                    .direction = "out",
	                                    .reason = "forgot to tap out"};

	(void)in;
	rm.reason = "";
	assert_int_equal(afx_correct_tap(f, &rm, "teacher", uuid, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "reason"));
	rm.reason = "tapped by mistake";
	assert_int_equal(afx_correct_tap(f, &rm, "teacher", uuid, err, sizeof(err)), 0);
	/* A tap already removed cannot be removed again. */
	assert_int_equal(afx_correct_tap(f, &rm, "teacher", uuid, err, sizeof(err)), -1);
	assert_int_equal(afx_correct_tap(f, &add, "teacher", uuid, err, sizeof(err)), 0);
	assert_int_equal(attendance_taps_on(f->att, p, "2026-03-10", &t, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_int_equal(t[0].tap_id, in);
	assert_int_equal(t[1].corrected, 1);
	assert_int_equal(t[1].minute, 930);
	free(t);
	assert_int_equal(
	    attendance_days(f->att, p, "2026-03-10", "2026-03-10", &r, err, sizeof(err)), 0);
	assert_int_equal(r.out.days[0].attended_min, 450);
	assert_int_equal(r.out.days[0].flags & (1u << RULES_FLAG_MISSING_TAP_OUT), 0);
	attendance_days_free(&r);
	/* Another participant's tap, a bad direction: refused. */
	add.direction = "sideways";
	assert_int_equal(afx_correct_tap(f, &add, "teacher", uuid, err, sizeof(err)), -1);
	rm.participant_id = afx_participant(f, "P-2", "2025-09-01", 480, 930, 0);
	rm.tap_id = in;
	assert_int_equal(afx_correct_tap(f, &rm, "teacher", uuid, err, sizeof(err)), -1);
	assert_int_equal(afx_sql(f, "SELECT count(*) FROM corrections"), 2);
	assert_int_equal(afx_sql(f, "SELECT count(*) FROM outbox WHERE type = 'correction'"), 2);
	/* One command each, one action each. */
	assert_int_equal(afx_sql(f, "SELECT count(*) FROM audit WHERE action = 'correction.remove'"
	                            " AND who = 'teacher'"),
	                 1);
	assert_int_equal(afx_sql(f, "SELECT count(*) FROM audit WHERE action = 'correction.add'"
	                            " AND who = 'teacher'"),
	                 1);
}

static void
test_absences(void **state)
{
	struct afx *f = *state;
	struct attendance_days r;
	char err[512];
	int64_t p = afx_participant(f, "P-1", "2025-09-01", 480, 930, 0);
	struct store_absence_row a =
	    afx_absence(p, "sick_doctor", "2026-03-10", "2026-03-11", "doctor_note");
	struct store_absence_row bad = afx_absence(p, "sick_cat", "2026-03-10", "2026-03-10", NULL);
	struct store_absence_row hours =
	    afx_absence(p, "nursing", "2026-03-12", "2026-03-12", NULL);

	assert_int_equal(afx_register_absence(f, &bad, "teacher", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "category"));
	hours.start_min = 600;
	hours.end_min = 540;
	assert_int_equal(afx_register_absence(f, &hours, "teacher", err, sizeof(err)), -1);
	hours.end_min = 660;
	assert_int_equal(afx_register_absence(f, &hours, "teacher", err, sizeof(err)), 0);
	assert_int_equal(afx_register_absence(f, &a, "teacher", err, sizeof(err)), 0);
	assert_int_equal(strlen(a.a.uuid), 36);
	assert_int_equal(
	    attendance_days(f->att, p, "2026-03-10", "2026-03-12", &r, err, sizeof(err)), 0);
	assert_int_equal(r.out.days[0].excused_min[RULES_CAT_SICK_DOCTOR], 450);
	assert_int_equal(r.out.days[0].unexcused_min, 0);
	assert_int_equal(r.out.days[2].excused_min[RULES_CAT_NURSING], 60);
	assert_int_equal(r.out.days[2].unexcused_min, 390);
	attendance_days_free(&r);
	assert_int_equal(afx_revoke_absence(f, a.a.uuid, "teacher", "", err, sizeof(err)), -1);
	assert_int_equal(
	    afx_revoke_absence(f, a.a.uuid, "teacher", "wrong person", err, sizeof(err)), 0);
	assert_int_equal(afx_revoke_absence(f, a.a.uuid, "teacher", "again", err, sizeof(err)), 1);
	assert_int_equal(
	    attendance_days(f->att, p, "2026-03-10", "2026-03-10", &r, err, sizeof(err)), 0);
	assert_int_equal(r.out.days[0].unexcused_min, 450);
	attendance_days_free(&r);
	assert_int_equal(afx_sql(f, "SELECT count(*) FROM outbox WHERE type = 'absence'"), 2);
	assert_int_equal(afx_sql(f, "SELECT count(*) FROM outbox WHERE type = 'absence_revoked'"),
	                 1);
	assert_int_equal(afx_sql(f, "SELECT count(*) FROM absences WHERE revoked = 1"
	                            " AND revoked_by = 'teacher'"),
	                 1);
}

static void
sick(struct afx *f, int64_t p, const char *from, const char *to)
{
	struct store_absence_row a = afx_absence(p, "sick_self_declared", from, to, NULL);
	char err[512];

	assert_int_equal(afx_register_absence(f, &a, "teacher", err, sizeof(err)), 0);
}

static void
test_quotas(void **state)
{
	struct afx *f = *state;
	struct attendance_quotas q;
	char err[512];
	int64_t p = afx_participant(f, "P-1", "2025-06-02", 480, 930, 0);

	sick(f, p, "2026-01-05", "2026-01-05");
	sick(f, p, "2026-02-02", "2026-02-03");
	sick(f, p, "2026-03-02", "2026-03-02");
	/* Friday, then Monday: one run over the weekend, one occurrence */
	sick(f, p, "2026-03-06", "2026-03-06");
	sick(f, p, "2026-03-09", "2026-03-09");
	assert_int_equal(attendance_quotas(f->att, p, "2026-03-16", &q, err, sizeof(err)), 0);
	/* 2026-03-02 and 03-06/09: within 16 days of each other, joined */
	assert_int_equal(q.q[ATTENDANCE_Q_SELF_DECLARED].used, 3);
	assert_int_equal(q.q[ATTENDANCE_Q_SELF_DECLARED].limit, 4);
	assert_int_equal(q.q[ATTENDANCE_Q_SELF_DECLARED].left, 1);
	assert_int_equal(q.q[ATTENDANCE_Q_CHILD_SICK].used, 0);
	assert_int_equal(q.q[ATTENDANCE_Q_CHILD_SICK].limit, 10);
	assert_int_equal(q.q[ATTENDANCE_Q_RELIGIOUS].limit, 2);
	/* As of a date before the later ones, they do not count yet. */
	assert_int_equal(attendance_quotas(f->att, p, "2026-02-15", &q, err, sizeof(err)), 0);
	assert_int_equal(q.q[ATTENDANCE_Q_SELF_DECLARED].used, 2);
	{
		json_t *j = attendance_quotas_json(&q);

		assert_int_equal(json_integer_value(json_object_get(
		                     json_object_get(j, "self_declared_occurrences"), "used")),
		                 2);
		json_decref(j);
	}
}

static void
test_whatif(void **state)
{
	struct afx *f = *state;
	struct attendance_whatif w;
	char err[512];
	int64_t p = afx_participant(f, "P-1", "2025-06-02", 480, 930, 0);
	struct store_absence_row a =
	    afx_absence(p, "sick_self_declared", "2026-03-12", "2026-03-13", NULL);

	assert_int_equal(attendance_whatif(f->att, &a, "2026-03-16", &w, err, sizeof(err)), 0);
	assert_int_equal(w.unexcused_before_min, 900);
	assert_int_equal(w.unexcused_after_min, 0);
	assert_int_equal(w.excused_after_min[RULES_CAT_SICK_SELF_DECLARED], 900);
	assert_true(w.deduction_before_ore > 0);
	assert_int_equal(w.deduction_after_ore, 0);
	assert_int_equal(w.quota_exceeded, 0);
	assert_int_equal(w.quotas_before.q[ATTENDANCE_Q_SELF_DECLARED].used, 0);
	assert_int_equal(w.quotas_after.q[ATTENDANCE_Q_SELF_DECLARED].used, 1);
	/* Nothing was saved. */
	assert_int_equal(afx_sql(f, "SELECT count(*) FROM absences"), 0);
	/* Four occurrences used: a fifth is unexcused, and the board is told why. */
	sick(f, p, "2025-10-06", "2025-10-06");
	sick(f, p, "2025-11-03", "2025-11-03");
	sick(f, p, "2026-01-05", "2026-01-05");
	sick(f, p, "2026-02-02", "2026-02-02");
	assert_int_equal(attendance_whatif(f->att, &a, "2026-03-16", &w, err, sizeof(err)), 0);
	assert_int_equal(w.quota_exceeded, 1);
	assert_true(w.notes_after & (1u << RULES_NOTE_SELF_DECLARED_QUOTA_EXHAUSTED));
	assert_int_equal(w.unexcused_after_min, 900);
	assert_int_equal(w.deduction_after_ore, w.deduction_before_ore);
	{
		json_t *j = attendance_whatif_json(&w);

		assert_true(json_is_true(json_object_get(j, "quota_exceeded")));
		json_decref(j);
	}
	a.a.participant_id = 999;
	assert_int_equal(attendance_whatif(f->att, &a, "2026-03-16", &w, err, sizeof(err)), 1);
}

static const struct attendance_today *
row_of(const struct attendance_today *rows, size_t n, const char *ext)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[i].ext_id, ext) == 0)
			return &rows[i];
	return NULL;
}

static void
test_today(void **state)
{
	struct afx *f = *state;
	struct attendance_today *rows, one;
	struct store_absence_row a;
	char err[512];
	size_t n;
	const char *day = "2026-03-16";
	int64_t late = afx_participant(f, "P-late", "2025-09-01", 480, 930, 0);
	int64_t early = afx_participant(f, "P-early", "2025-09-01", 480, 930, 0);
	int64_t sick_p = afx_participant(f, "P-sick", "2025-09-01", 480, 930, 0);
	int64_t ok = afx_participant(f, "P-ok", "2025-09-01", 480, 930, 0);

	afx_participant(f, "P-none", "2025-09-01", 480, 930, 0);
	afx_participant(f, "P-work", "2025-09-01", 480, 930, 1);
	afx_tap(f, late, day, 490, "in");
	afx_tap(f, early, day, 478, "in");
	afx_tap(f, early, day, 720, "out");
	afx_tap(f, ok, day, 475, "in");
	a = afx_absence(sick_p, "sick_doctor", day, day, "doctor_note");
	assert_int_equal(afx_register_absence(f, &a, "teacher", err, sizeof(err)), 0);

	assert_int_equal(attendance_today(f->att, day, 470, &rows, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 6);
	assert_int_equal(row_of(rows, n, "P-none")->status, ATTENDANCE_NOT_YET_DUE);
	assert_int_equal(row_of(rows, n, "P-late")->status, ATTENDANCE_NOT_YET_DUE);
	assert_int_equal(row_of(rows, n, "P-sick")->status, ATTENDANCE_EXCUSED);
	assert_int_equal(row_of(rows, n, "P-sick")->excused_category, RULES_CAT_SICK_DOCTOR);
	assert_int_equal(row_of(rows, n, "P-work")->status, ATTENDANCE_OFF_SITE);
	free(rows);

	assert_int_equal(attendance_today(f->att, day, 780, &rows, &n, err, sizeof(err)), 0);
	assert_int_equal(row_of(rows, n, "P-none")->status, ATTENDANCE_ABSENT);
	assert_int_equal(row_of(rows, n, "P-late")->status, ATTENDANCE_LATE);
	assert_int_equal(row_of(rows, n, "P-late")->first_in, 490);
	assert_int_equal(row_of(rows, n, "P-early")->status, ATTENDANCE_LEFT_EARLY);
	assert_int_equal(row_of(rows, n, "P-early")->last_out, 720);
	assert_int_equal(row_of(rows, n, "P-ok")->status, ATTENDANCE_PRESENT);
	assert_int_equal(row_of(rows, n, "P-ok")->in_now, 1);
	assert_int_equal(row_of(rows, n, "P-ok")->start_min, 480);
	assert_int_equal(row_of(rows, n, "P-ok")->end_min, 930);
	{
		json_t *j = attendance_today_json(row_of(rows, n, "P-late"));

		assert_string_equal(json_string_value(json_object_get(j, "status")), "late");
		assert_string_equal(json_string_value(json_object_get(j, "first_in")), "08:10");
		json_decref(j);
	}
	free(rows);
	/* At 11:00 the early leaver was still in. */
	assert_int_equal(attendance_today_one(f->att, early, day, 660, &one, err, sizeof(err)), 0);
	assert_int_equal(one.status, ATTENDANCE_PRESENT);
	/* Saturday: nobody is scheduled. */
	assert_int_equal(attendance_today(f->att, "2026-03-14", 600, &rows, &n, err, sizeof(err)),
	                 0);
	assert_int_equal(n, 0);
	free(rows);
}

/* RULES.md "The life of a day": future, open (settle_minutes), final. */
static void
test_day_states(void **state)
{
	struct afx *f = *state;
	struct attendance_days res;
	char err[512];
	int64_t p = afx_participant(f, "P-1", "2026-03-02", 480, 930, 0);
	json_t *j, *d;

	afx_tap(f, p, "2026-03-16", 480, "in"); /* in today, no tap-out yet */
	afx_clock("2026-03-16", 16, 0);
	assert_int_equal(
	    attendance_days(f->att, p, "2026-03-13", "2026-03-17", &res, err, sizeof(err)), 0);
	/* Friday the 13th: final, unexcused, with a deduction. */
	assert_int_equal(res.state[0], ATTENDANCE_DAY_FINAL);
	assert_int_equal(res.out.days[0].unexcused_min, 450);
	assert_true(res.out.days[0].deduction.num > 0);
	/*
	 * Today 16:00: the session ended at 15:30, open until 16:30: presence runs to the
	 * session end (a tap-out may still come), nothing unexcused, no flag yet.
	 */
	assert_int_equal(res.state[3], ATTENDANCE_DAY_OPEN);
	assert_int_equal(res.out.days[3].unexcused_min, 0);
	assert_int_equal(res.out.days[3].attended_min, 450);
	assert_int_equal(res.out.days[3].flags & (1u << RULES_FLAG_MISSING_TAP_OUT), 0);
	assert_int_equal(res.pending_min[3], 0);
	/* Tomorrow: future, every scheduled minute pending. */
	assert_int_equal(res.state[4], ATTENDANCE_DAY_FUTURE);
	assert_int_equal(res.pending_min[4], 450);
	assert_int_equal(res.out.days[4].unexcused_min, 0);
	assert_int_equal(res.pending_total, 450);
	assert_true(res.preliminary);
	/* The payout counts final days only: one day's deduction. */
	assert_int_equal(res.out.totals.unexcused_min, 450);
	j = attendance_days_json(&res);
	d = json_array_get(json_object_get(j, "days"), 4);
	assert_string_equal(json_string_value(json_object_get(d, "state")), "future");
	assert_int_equal(json_integer_value(json_object_get(d, "pending_min")), 450);
	assert_true(json_is_true(json_object_get(j, "preliminary")));
	json_decref(j);
	attendance_days_free(&res);
	/* 16:30: today is final; the forgotten tap-out is judged and flagged. */
	afx_clock("2026-03-16", 16, 30);
	assert_int_equal(
	    attendance_days(f->att, p, "2026-03-16", "2026-03-16", &res, err, sizeof(err)), 0);
	assert_int_equal(res.state[0], ATTENDANCE_DAY_FINAL);
	assert_int_equal(res.out.days[0].attended_min, 450);
	assert_true(res.out.days[0].flags & (1u << RULES_FLAG_MISSING_TAP_OUT));
	assert_false(res.preliminary);
	attendance_days_free(&res);
}

static void
test_day_results(void **state)
{
	struct afx *f = *state;
	char err[512];
	int changed = -1;
	int64_t p = afx_participant(f, "P-1", "2026-03-02", 480, 930, 0);
	long long events;

	/* 16:00: today's session ended at 15:30 but is open for settle_minutes (60). */
	assert_int_equal(
	    attendance_refresh(f->att, 0, "", "2026-03-16", 960, &changed, err, sizeof(err)), 0);
	assert_int_equal(changed, 10);
	/* 16:30: today is final too: 11 weekdays. */
	assert_int_equal(
	    attendance_refresh(f->att, 0, "", "2026-03-16", 990, &changed, err, sizeof(err)), 0);
	assert_int_equal(changed, 1);
	assert_int_equal(afx_sql(f, "SELECT count(*) FROM day_results"), 11);
	events = afx_sql(f, "SELECT count(*) FROM outbox WHERE type = 'day_result'");
	assert_int_equal(events, 11);
	/* Deterministic: nothing changes, nothing is sent again. */
	assert_int_equal(
	    attendance_refresh(f->att, 0, "", "2026-03-16", 990, &changed, err, sizeof(err)), 0);
	assert_int_equal(changed, 0);
	/* A tap on one day changes that day only. */
	afx_tap(f, p, "2026-03-04", 480, "in");
	assert_int_equal(attendance_refresh(f->att, p, "2026-03-04", "2026-03-16", 990, &changed,
	                                    err, sizeof(err)),
	                 0);
	assert_int_equal(changed, 1);
	assert_int_equal(afx_sql(f, "SELECT count(*) FROM outbox WHERE type = 'day_result'"),
	                 events + 1);
	/* Before the session ends, today is not stored. */
	assert_int_equal(attendance_refresh(f->att, 0, "2026-03-17", "2026-03-17", 600, &changed,
	                                    err, sizeof(err)),
	                 0);
	assert_int_equal(afx_sql(f, "SELECT count(*) FROM day_results WHERE date = '2026-03-17'"),
	                 0);
	{
		int ends[8];
		size_t n;

		assert_int_equal(
		    attendance_session_ends(f->att, "2026-03-17", ends, 8, &n, err, sizeof(err)),
		    0);
		/* The session end, and the moment the day is final (settle_minutes 60). */
		assert_int_equal(n, 2);
		assert_int_equal(ends[0], 930);
		assert_int_equal(ends[1], 990);
		assert_int_equal(
		    attendance_session_ends(f->att, "2026-03-14", ends, 8, &n, err, sizeof(err)),
		    0);
		assert_int_equal(n, 0);
	}
}

/* A command tells the loop what changed after its COMMIT (no triggers, no polling). */
static void
test_changes_told(void **state)
{
	struct afx *f = *state;
	struct store_absence_row a;
	struct cmd_g_add_args g = {.from = "2026-05-01", .amount = "135000"};
	struct cmd_result r;
	struct cmd_ctx ctx;
	char err[512];
	int64_t p = afx_participant(f, "P-1", "2025-09-01", 480, 930, 0);

	a = afx_absence(p, "vacation", "2026-03-10", "2026-03-11", NULL);
	assert_int_equal(afx_register_absence(f, &a, "teacher", err, sizeof(err)), 0);
	assert_int_equal(f->n_changed, 1);
	assert_int_equal(f->changed.pid, p);
	assert_string_equal(f->changed.from, "2026-03-10");
	assert_true(f->changed.what & CMD_CHANGED_ATTENDANCE);
	cmd_ctx_init(&ctx, &f->env, "cli:test");
	assert_int_equal(cmd_g_add(&ctx, &g, &r), 0);
	cmd_result_free(&r);
	assert_int_equal(f->n_changed, 2);
	assert_int_equal(f->changed.pid, 0);
	assert_string_equal(f->changed.from, "2026-05-01");
	/* A refused command tells nothing. */
	g.amount = "12.50";
	assert_int_equal(cmd_g_add(&ctx, &g, &r), -1);
	assert_int_equal(r.status, CMD_INVALID);
	assert_int_equal(f->n_changed, 2);
	/* The change triggers are gone (schema 8). */
	assert_int_equal(afx_sql(f, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"),
	                 0);
}

static void
test_g_unknown(void **state)
{
	struct afx *f = *state;
	struct attendance_days r;
	char err[512];
	int32_t from, to;
	int64_t p = afx_participant(f, "P-1", "2026-03-02", 480, 930, 0);

	afx_clock("2026-06-15", 12, 0);
	/* The board carries the last G forward and says from when. */
	assert_int_equal(
	    attendance_days(f->att, p, "2026-05-04", "2026-05-08", &r, err, sizeof(err)), 0);
	assert_int_equal(r.g_missing, rules_date(2026, 5, 1));
	{
		json_t *j = attendance_days_json(&r);

		assert_string_equal(json_string_value(json_object_get(j, "g_missing")),
		                    "2026-05-01");
		assert_true(json_is_true(json_object_get(j, "money_provisional")));
		json_decref(j);
	}
	attendance_days_free(&r);
	/* Pay periods never guess: a clear refusal naming the date. */
	rules_date_parse("2026-05-01", &from);
	rules_date_parse("2026-05-31", &to);
	assert_int_equal(attendance_compute(f->att, p, from, to, &r, err, sizeof(err)), -1);
	if (strstr(err, "unknown for 2026-05-0") == NULL)
		fail_msg("%s", err);
	assert_int_equal(store_g_set(f->s, "2026-05-01", 135000), 0);
	assert_int_equal(attendance_compute(f->att, p, from, to, &r, err, sizeof(err)), 0);
	assert_int_equal(r.g_missing, INT32_MIN);
	attendance_days_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_days_from_taps, afx_setup, afx_teardown),
	    cmocka_unit_test_setup_teardown(test_corrections, afx_setup, afx_teardown),
	    cmocka_unit_test_setup_teardown(test_absences, afx_setup, afx_teardown),
	    cmocka_unit_test_setup_teardown(test_quotas, afx_setup, afx_teardown),
	    cmocka_unit_test_setup_teardown(test_whatif, afx_setup, afx_teardown),
	    cmocka_unit_test_setup_teardown(test_today, afx_setup, afx_teardown),
	    cmocka_unit_test_setup_teardown(test_day_states, afx_setup, afx_teardown),
	    cmocka_unit_test_setup_teardown(test_day_results, afx_setup, afx_teardown),
	    cmocka_unit_test_setup_teardown(test_changes_told, afx_setup, afx_teardown),
	    cmocka_unit_test_setup_teardown(test_g_unknown, afx_setup, afx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
