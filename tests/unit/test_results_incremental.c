/*
 * test_results_incremental.c — saved quota states (incremental results) give exactly
 * the numbers of a walk from the first date: generated histories (four regimes,
 * absences of every category, corrections, closures, G values, exceptions) under a
 * seeded random sequence of changes at past dates, clock steps and refreshes; after
 * each step every view is compared with the same view computed with states bypassed,
 * and a whole refresh must change no stored day result and no saved state.  And
 * every command that changes an engine input deletes the states after its date in
 * its own transaction.
 */
#include "attendance_fixture.h"

#include <stdbool.h>

#define SEED_DEFAULT 20261203u
#define STEPS 14
#define MAX_ABS 256

static const char *const categories[] = {
    "leave_approved", "religious_holiday", "pregnancy",    "birth_mother",
    "birth_father",   "nursing",           "sick_doctor",  "sick_self_declared",
    "child_sick",     "vacation",          "leave_unpaid", "unexcused",
};

struct world {
	struct afx *f;
	uint64_t rng;
	int64_t pid[4];
	char ext[4][16];
	int32_t start[4];
	int32_t today;
	char uuid[MAX_ABS][40];
	int64_t abs_pid[MAX_ABS];
	int n_abs;
	int compared_days, compared_states;
	/* Changes told after COMMIT, not yet recomputed: views read meanwhile must not
	 * resume from a state the change made stale (the reports thread does that). */
	struct cmd_change pending[8];
	int n_pending;
	int32_t changed_on; /* the date of the last change */
};

static void
world_changed(void *arg, const struct cmd_change *c)
{
	struct world *w = arg;

	if (w->n_pending < 8)
		w->pending[w->n_pending++] = *c;
}

static void
world_flush(struct world *w)
{
	for (int i = 0; i < w->n_pending; i++)
		if (w->pending[i].what & CMD_CHANGED_ATTENDANCE)
			attendance_after_write(w->f->att, w->pending[i].pid, w->pending[i].from);
	w->n_pending = 0;
}

static uint32_t
rnd(struct world *w)
{
	/* xorshift64*: the same sequence for a seed on every machine */
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return (uint32_t)((w->rng * 2685821657736338717ull) >> 32);
}

static int
rr(struct world *w, int n)
{
	return n > 0 ? (int)(rnd(w) % (uint32_t)n) : 0;
}

static void
fmt(int32_t d, char out[11])
{
	rules_date_format(d, out, 11);
}

static void
set_today(struct world *w, int32_t d, int hh, int mm)
{
	char s[11];

	w->today = d;
	fmt(d, s);
	afx_clock(s, hh, mm);
}

static int64_t
add_participant(struct world *w, int i, const char *regime, const char *start, const char *rate,
                int children, int sole, const char *benefit)
{
	struct store_participant p = {.active = 1};
	struct store_session ss[8];
	size_t n = 0;
	int64_t id;

	snprintf(w->ext[i], sizeof(w->ext[i]), "P%d", i);
	snprintf(p.ext_id, sizeof(p.ext_id), "%s", w->ext[i]);
	snprintf(p.name, sizeof(p.name), "Name %d", i);
	snprintf(p.language, sizeof(p.language), "nb");
	snprintf(p.regime, sizeof(p.regime), "%s", regime);
	snprintf(p.rate, sizeof(p.rate), "%s", rate);
	snprintf(p.programme_start, sizeof(p.programme_start), "%s", start);
	snprintf(p.monthly_benefit, sizeof(p.monthly_benefit), "%s", benefit ? benefit : "");
	p.children = children;
	p.sole_carer = sole;
	assert_int_equal(store_participant_upsert(w->f->s, &p, &id), 0);
	for (int d = 1; d <= 5; d++) {
		if (i == 1 && d == 5)
			continue; /* Fridays off */
		if (i == 1) {
			ss[n++] = (struct store_session){d, 9 * 60, 12 * 60, 0};
			ss[n++] = (struct store_session){d, 12 * 60 + 30, 15 * 60, d == 3};
		} else {
			ss[n++] =
			    (struct store_session){d, 8 * 60 + 30, 14 * 60 + 30, i == 2 && d == 4};
		}
	}
	assert_int_equal(store_schedule_set(w->f->s, id, ss, n), 0);
	assert_int_equal(rules_date_parse(start, &w->start[i]), 0);
	return id;
}

static int
cmd_run(struct world *w, int rc, struct cmd_result *r)
{
	if (rc != 0)
		print_message("  (command refused: %s)\n", r->msg);
	cmd_result_free(r);
	return rc;
}

/* A random absence of a random category over 1-4 days after `lo`. */
static int
register_random(struct world *w, int i, int32_t lo, int32_t hi)
{
	struct cmd_absence_register_args a = {.participant = w->ext[i]};
	const char *cat = categories[rr(w, 12)];
	char from[11], to[11], s[16], e[16];
	int32_t d = lo + rr(w, hi - lo + 1);
	struct cmd_result r;

	w->changed_on = d;
	struct cmd_ctx ctx;
	int rc;

	if (rr(w, 4) == 0)
		cat = "sick_self_declared"; /* self-declared runs: more of them */
	fmt(d, from);
	fmt(d + rr(w, 4), to);
	a.category = cat;
	a.from = from;
	a.to = to;
	a.documentation = rr(w, 3) == 0 ? "doctor_note" : "";
	if (strcmp(cat, "nursing") == 0 || rr(w, 6) == 0) {
		int st = 8 * 60 + 30 + 30 * rr(w, 8);

		snprintf(s, sizeof(s), "%02d:%02d", st / 60, st % 60);
		snprintf(e, sizeof(e), "%02d:%02d", (st + 60) / 60, (st + 60) % 60);
		a.start = s;
		a.end = e;
	}
	cmd_ctx_init(&ctx, &w->f->env, "teacher");
	rc = cmd_absence_register(&ctx, &a, &r);
	if (rc == 0 && w->n_abs < MAX_ABS) {
		snprintf(w->uuid[w->n_abs], 40, "%.36s", r.msg);
		w->abs_pid[w->n_abs++] = w->pid[i];
	}
	return cmd_run(w, rc, &r);
}

/* Taps of a history in one transaction of their own (afx_tap's one fsync each is slow). */
static sqlite3 *bulk;

static void
tap_row(struct world *w, int64_t pid, const char *date, int minute, const char *dir)
{
	sqlite3_stmt *st;
	char uuid[40];

	if (bulk == NULL) {
		afx_tap(w->f, pid, date, minute, dir);
		return;
	}
	snprintf(uuid, sizeof(uuid), "bulk-%d", ++w->f->taps);
	assert_int_equal(sqlite3_prepare_v2(bulk,
	                                    "INSERT INTO taps(uuid, card_key, participant_id,"
	                                    " direction, outcome, wall_ms, mono_ns, clock,"
	                                    " local_date, local_min) VALUES(?,'hmac:test',?,?,?,"
	                                    "0,0,'synced',?,?)",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	sqlite3_bind_text(st, 1, uuid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, pid);
	sqlite3_bind_text(st, 3, dir, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, strcmp(dir, "in") == 0 ? "accepted_in" : "accepted_out", -1,
	                  SQLITE_STATIC);
	sqlite3_bind_text(st, 5, date, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, minute);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
}

static void
taps_for_day(struct world *w, int i, int32_t d)
{
	char date[11];
	int k = rr(w, 20);

	if (rules_weekday(d) > 5 || d < w->start[i])
		return;
	fmt(d, date);
	if (k < 2)
		return; /* not there */
	tap_row(w, w->pid[i], date, 8 * 60 + 20 + rr(w, 40), "in");
	if (k < 4)
		return; /* forgot to tap out */
	tap_row(w, w->pid[i], date, 14 * 60 + 40 - rr(w, 90), "out");
}

/* --- comparing --- */

static void
cmp_days(struct world *w, const struct attendance_days *x, const struct attendance_days *y,
         const char *what)
{
	if (x->out.n_days != y->out.n_days || x->out.n_payouts != y->out.n_payouts)
		fail_msg("%s: %zu/%zu days, %zu/%zu payouts", what, x->out.n_days, y->out.n_days,
		         x->out.n_payouts, y->out.n_payouts);
	for (size_t i = 0; i < x->out.n_days; i++) {
		const struct rules_day *a = &x->out.days[i], *b = &y->out.days[i];
		char d[11];

		fmt(a->date, d);
		if (memcmp(a, b, sizeof(*a)) != 0)
			fail_msg("%s: day %s differs resumed/whole: attended %d/%d unexcused "
			         "%d/%d deduction %lld/%lld notes %u/%u",
			         what, d, a->attended_min, b->attended_min, a->unexcused_min,
			         b->unexcused_min, (long long)a->deduction.num,
			         (long long)b->deduction.num, a->notes, b->notes);
		if (x->state[i] != y->state[i] || x->pending_min[i] != y->pending_min[i] ||
		    memcmp(&x->sessions[i], &y->sessions[i], sizeof(x->sessions[i])) != 0)
			fail_msg("%s: day %s: state, pending or sessions differ", what, d);
	}
	for (size_t i = 0; i < x->out.n_payouts; i++)
		if (memcmp(&x->out.payouts[i], &y->out.payouts[i], sizeof(x->out.payouts[i])) != 0)
			fail_msg("%s: payout %zu differs: gross %lld/%lld deduction %lld/%lld",
			         what, i, (long long)x->out.payouts[i].gross_ore,
			         (long long)y->out.payouts[i].gross_ore,
			         (long long)x->out.payouts[i].deduction_ore,
			         (long long)y->out.payouts[i].deduction_ore);
	if (memcmp(&x->out.totals, &y->out.totals, sizeof(x->out.totals)) != 0 ||
	    x->final_at != y->final_at || x->preliminary != y->preliminary ||
	    x->pending_total != y->pending_total || x->g_missing != y->g_missing)
		fail_msg("%s: totals differ", what);
	w->compared_days += (int)x->out.n_days;
}

/* The same call with states and without; both must agree (return code and numbers). */
static void
check_days(struct world *w, int i, int32_t from, int32_t to, bool pay)
{
	struct attendance_days x, y;
	char f[11], t[11], what[96], e1[512], e2[512];
	int r1, r2;

	fmt(from, f);
	fmt(to, t);
	snprintf(what, sizeof(what), "%s %s %s..%s", pay ? "compute" : "days", w->ext[i], f, t);
	attendance_set_resume(w->f->att, true);
	r1 = pay ? attendance_compute(w->f->att, w->pid[i], from, to, &x, e1, sizeof(e1))
	         : attendance_days(w->f->att, w->pid[i], f, t, &x, e1, sizeof(e1));
	attendance_set_resume(w->f->att, false);
	r2 = pay ? attendance_compute(w->f->att, w->pid[i], from, to, &y, e2, sizeof(e2))
	         : attendance_days(w->f->att, w->pid[i], f, t, &y, e2, sizeof(e2));
	attendance_set_resume(w->f->att, true);
	if (r1 != r2)
		fail_msg("%s: rc %d (%s) resumed, %d (%s) whole", what, r1, e1, r2, e2);
	if (r1 == 0)
		cmp_days(w, &x, &y, what);
	else if (strcmp(e1, e2) != 0)
		fail_msg("%s: errors differ: %s / %s", what, e1, e2);
	attendance_days_free(&x);
	attendance_days_free(&y);
}

static void
check_quotas(struct world *w, int i, int32_t as_of)
{
	struct attendance_quotas x, y;
	char d[11], e[512];

	fmt(as_of, d);
	attendance_set_resume(w->f->att, true);
	int r1 = attendance_quotas(w->f->att, w->pid[i], d, &x, e, sizeof(e));
	attendance_set_resume(w->f->att, false);
	int r2 = attendance_quotas(w->f->att, w->pid[i], d, &y, e, sizeof(e));
	attendance_set_resume(w->f->att, true);
	assert_int_equal(r1, r2);
	for (int q = 0; r1 == 0 && q < ATTENDANCE_Q_COUNT; q++)
		if (memcmp(&x.q[q], &y.q[q], sizeof(x.q[q])) != 0)
			fail_msg("quotas %s as of %s: %s used %d resumed, %d whole", w->ext[i], d,
			         attendance_quota_name(q), x.q[q].used, y.q[q].used);
}

static void
check_today(struct world *w, int i, int now_min)
{
	struct attendance_today x, y;
	char d[11], e[512];

	fmt(w->today, d);
	attendance_set_resume(w->f->att, true);
	int r1 = attendance_today_one(w->f->att, w->pid[i], d, now_min, &x, e, sizeof(e));
	attendance_set_resume(w->f->att, false);
	int r2 = attendance_today_one(w->f->att, w->pid[i], d, now_min, &y, e, sizeof(e));
	attendance_set_resume(w->f->att, true);
	assert_int_equal(r1, r2);
	if (r1 == 0 && memcmp(&x, &y, sizeof(x)) != 0)
		fail_msg("today %s at %d: differs", w->ext[i], now_min);
}

static void
check_whatif(struct world *w, int i)
{
	struct store_absence_row a;
	struct attendance_whatif x, y;
	char from[11], to[11], today[11], e[512];
	int32_t d = w->today - 5 - rr(w, 150);

	fmt(d, from);
	fmt(d + rr(w, 3), to);
	fmt(w->today, today);
	a = afx_absence(w->pid[i], categories[rr(w, 12)], from, to, NULL);
	a.created_ms = 1; /* the same registration day for both */
	attendance_set_resume(w->f->att, true);
	int r1 = attendance_whatif(w->f->att, &a, today, &x, e, sizeof(e));
	attendance_set_resume(w->f->att, false);
	int r2 = attendance_whatif(w->f->att, &a, today, &y, e, sizeof(e));
	attendance_set_resume(w->f->att, true);
	assert_int_equal(r1, r2);
	if (r1 == 0 && memcmp(&x, &y, sizeof(x)) != 0)
		fail_msg("whatif %s %s..%s %s: differs (deduction after %lld/%lld)", w->ext[i],
		         from, to, a.a.category, (long long)x.deduction_after_ore,
		         (long long)y.deduction_after_ore);
}

struct saved {
	int64_t pid;
	int32_t day;
	int len;
	unsigned char *data;
};

/*
 * The stored results are the whole walk's: a refresh of everyone without states
 * changes no day result, and the states it saves are byte for byte those stored.
 */
static void
check_stored(struct world *w)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	struct saved *v = NULL;
	size_t n = 0, cap = 0;
	char today[11], err[512];
	int changed = -1, min;

	assert_int_equal(sqlite3_open(w->f->db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT participant_id, day, state FROM quota_state",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			v = realloc(v, cap * sizeof(*v));
			assert_non_null(v);
		}
		v[n].pid = sqlite3_column_int64(st, 0);
		v[n].day = sqlite3_column_int(st, 1);
		v[n].len = sqlite3_column_bytes(st, 2);
		v[n].data = malloc((size_t)v[n].len);
		memcpy(v[n].data, sqlite3_column_blob(st, 2), (size_t)v[n].len);
		n++;
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
	assert_true(n > 0);

	attendance_local_now(today, &min);
	attendance_set_resume(w->f->att, false);
	assert_int_equal(
	    attendance_refresh(w->f->att, 0, "", today, min, &changed, err, sizeof(err)), 0);
	attendance_set_resume(w->f->att, true);
	if (changed != 0)
		fail_msg("a whole refresh changed %d stored day result(s)", changed);
	for (size_t i = 0; i < n; i++) {
		unsigned char *data;
		size_t len;
		int32_t day;

		if (store_quota_state_get(w->f->s, v[i].pid, v[i].day, &day, &data, &len) == 0) {
			if (day == v[i].day) {
				if (len != (size_t)v[i].len || memcmp(data, v[i].data, len) != 0)
					fail_msg(
					    "saved state of participant %lld day %d is not the "
					    "whole walk's",
					    (long long)v[i].pid, (int)v[i].day);
				w->compared_states++;
			}
			free(data);
		}
		free(v[i].data);
	}
	free(v);
}

static void
check_views(struct world *w)
{
	for (int i = 0; i < 4; i++) {
		for (int k = 0; k < 2; k++) {
			int32_t from = w->start[i] - 5 + rr(w, w->today - w->start[i] + 30);
			int32_t to = from + rr(w, k ? 20 : 120);

			check_days(w, i, from, to, false);
		}
		{
			/* A pay period (a calendar month, the default payout) in the past. */
			int y, m, d;
			int32_t at = w->today - 20 - rr(w, 300), first;

			rules_ymd(at, &y, &m, &d);
			first = rules_date(y, m, 1);
			check_days(w, i, first, rules_add_months(first, 1) - 1, true);
		}
		check_quotas(w, i, w->today - rr(w, 200));
		check_quotas(w, i, w->today);
		check_today(w, i, 8 * 60 + rr(w, 10 * 60));
		check_whatif(w, i);
	}
}

static void
check_all(struct world *w)
{
	check_views(w);
	check_stored(w);
}

/* --- the changes --- */

static void
change(struct world *w)
{
	struct cmd_result r;
	struct cmd_ctx ctx;
	int i = rr(w, 4);
	int32_t past = w->today - 1 - rr(w, 240);
	char date[11];

	fmt(past, date);
	w->changed_on = past;
	cmd_ctx_init(&ctx, &w->f->env, "admin");
	switch (rr(w, 9)) {
	case 0:
	case 1:
		register_random(w, i, w->today - 120, w->today - 1);
		break;
	case 2:
		if (w->n_abs) {
			int k = rr(w, w->n_abs);
			struct cmd_absence_revoke_args a = {.absence = w->uuid[k],
			                                    .reason = "wrong"};

			cmd_run(w, cmd_absence_revoke(&ctx, &a, &r), &r);
		}
		break;
	case 3:
		if (w->n_abs) {
			int k = rr(w, w->n_abs);
			char to[11];
			struct cmd_absence_update_args a = {
			    .absence = w->uuid[k],
			    .reason = "dates",
			    .now = {.category = "sick_self_declared",
			            .from = date,
			            .to = to,
			            .documentation = ""}};

			fmt(past + rr(w, 3), to);
			cmd_run(w, cmd_absence_update(&ctx, &a, &r), &r);
		}
		break;
	case 4: {
		struct cmd_correction_args a = {.participant = w->ext[i],
		                                .date = date,
		                                .minute = 8 * 60 + rr(w, 400),
		                                .direction = rr(w, 2) ? "in" : "out",
		                                .reason = "forgot"};

		cmd_run(w, cmd_correction_add(&ctx, &a, &r), &r);
		break;
	}
	case 5: {
		struct attendance_tap *t;
		size_t n = 0;
		char e[256];

		if (attendance_taps_on(w->f->att, w->pid[i], date, &t, &n, e, sizeof(e)) == 0 &&
		    n > 0 && t[0].tap_id) {
			struct cmd_correction_args a = {
			    .participant = w->ext[i], .tap_id = t[0].tap_id, .reason = "not mine"};

			cmd_run(w, cmd_correction_remove(&ctx, &a, &r), &r);
		}
		free(t);
		break;
	}
	case 6: {
		struct cmd_closure_add_args a = {.date = date, .reason = "burst pipe"};

		cmd_run(w, cmd_closure_add(&ctx, &a, &r), &r);
		break;
	}
	case 7: {
		char amount[16];
		struct cmd_g_add_args a = {.from = date, .amount = amount};

		snprintf(amount, sizeof(amount), "%d", 118000 + rr(w, 20000));
		cmd_run(w, cmd_g_add(&ctx, &a, &r), &r);
		break;
	}
	case 8: {
		/* The clock moves on 1-3 days, with the taps of each day and its refreshes. */
		int days = 1 + rr(w, 3);

		for (int k = 0; k < days; k++) {
			char today[11], err[512];

			set_today(w, w->today + 1, 7, 0);
			fmt(w->today, today);
			/* midnight: everyone */
			assert_int_equal(attendance_refresh(w->f->att, 0, "", today, 7 * 60, NULL,
			                                    err, sizeof(err)),
			                 0);
			for (int p = 0; p < 4; p++) {
				taps_for_day(w, p, w->today);
				attendance_after_write(w->f->att, w->pid[p], today);
			}
			set_today(w, w->today, 16, 0);
			assert_int_equal(attendance_refresh(w->f->att, 0, today, today, 16 * 60,
			                                    NULL, err, sizeof(err)),
			                 0);
		}
		break;
	}
	}
}

static void
test_resumed_equals_whole(void **state)
{
	struct world *w = calloc(1, sizeof(*w));
	const char *seed = getenv("STEMPEL_TEST_SEED");
	char err[512], today[11];
	int32_t d0;

	w->f = *state;
	w->rng = seed ? strtoull(seed, NULL, 10) : SEED_DEFAULT;
	print_message("seed %llu (STEMPEL_TEST_SEED)\n", (unsigned long long)w->rng);
	set_today(w, rules_date(2026, 4, 20), 16, 0);
	assert_int_equal(attendance_set_results_from(w->f->att, "2025-01-01", 0, err, sizeof(err)),
	                 0);
	w->pid[0] = add_participant(w, 0, "no-integreringsloven", "2025-01-06", "full", 0, 0, NULL);
	w->pid[1] = add_participant(w, 1, "no-introduksjonsloven", "2025-03-03", "under25_alone", 1,
	                            0, NULL);
	w->pid[2] =
	    add_participant(w, 2, "no-kvalifiseringsprogram", "2025-02-03", "full", 3, 1, NULL);
	w->pid[3] =
	    add_participant(w, 3, "dk-integrationsprogram", "2025-01-06", "full", 0, 0, "12000.00");
	/* Exceptions: a cancelled day and a short day each. */
	for (int i = 0; i < 4; i++) {
		struct store_session s = {0, 10 * 60, 12 * 60, 0};
		char d[11];

		fmt(rules_date(2025, 9, 10 + i), d);
		assert_int_equal(store_schedule_exception_set(w->f->s, w->pid[i], d, NULL, 0), 0);
		fmt(rules_date(2026, 2, 3 + i), d);
		assert_int_equal(store_schedule_exception_set(w->f->s, w->pid[i], d, &s, 1), 0);
	}
	/* Taps of every day so far. */
	assert_int_equal(sqlite3_open(w->f->db, &bulk), SQLITE_OK);
	assert_int_equal(sqlite3_exec(bulk, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
	for (int i = 0; i < 4; i++)
		for (d0 = w->start[i]; d0 < w->today; d0++)
			taps_for_day(w, i, d0);
	assert_int_equal(sqlite3_exec(bulk, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(bulk);
	bulk = NULL;
	/* Absences of every category over the programme, self-declared runs among them. */
	for (int i = 0; i < 4; i++) {
		for (int k = 0; k < 14; k++)
			register_random(w, i, w->start[i], w->today - 1);
		for (int k = 0; k < 4; k++) {
			int32_t d = w->start[i] + 60 + rr(w, 300);
			struct store_absence_row a;
			char f[11], t[11];

			fmt(d, f);
			fmt(d + 2, t);
			a = afx_absence(w->pid[i], "sick_self_declared", f, t, NULL);
			assert_int_equal(
			    afx_register_absence(w->f, &a, "teacher", err, sizeof(err)), 0);
		}
	}
	fmt(w->today, today);
	assert_int_equal(
	    attendance_refresh(w->f->att, 0, "", today, 16 * 60, NULL, err, sizeof(err)), 0);
	assert_true(store_quota_state_count(w->f->s, 0, INT32_MIN) > 0);
	check_all(w);
	w->f->env.changed = world_changed;
	w->f->env.changed_arg = w;
	for (int s = 0; s < STEPS; s++) {
		change(w);
		/* Before the recomputation the change asked for, then after it. */
		for (int i = 0; i < 4; i++) {
			int32_t from = w->changed_on + 1 + rr(w, 60);

			check_days(w, i, from < w->today ? from : w->today, w->today + 5, false);
		}
		check_views(w);
		world_flush(w);
		check_all(w);
	}
	w->f->env.changed = afx_changed;
	w->f->env.changed_arg = w->f;
	print_message("%d days and %d saved states compared; %llu computations resumed\n",
	              w->compared_days, w->compared_states,
	              (unsigned long long)attendance_resumed(w->f->att));
	assert_true(attendance_resumed(w->f->att) > 100);
	free(w);
}

/* --- invalidation in the command's transaction --- */

struct inval {
	struct afx *f;
	int checked;
	int64_t roster_states[4]; /* counted when the roster's change is told */
	int64_t p1, p2;
};

static struct inval *inval_now;

/* After COMMIT, before any recomputation: no state of the pid after the change's date. */
static void
inval_changed(void *arg, const struct cmd_change *c)
{
	struct afx *f = arg;
	int32_t after = INT32_MIN;

	if (c->what & CMD_CHANGED_STATES_KEPT) {
		/* A roster: roster.c deleted what it changed, participant by participant. */
		inval_now->roster_states[0] =
		    store_quota_state_count(f->s, inval_now->p1, rules_date(2026, 2, 10));
		inval_now->roster_states[1] =
		    store_quota_state_count(f->s, inval_now->p1, rules_date(2026, 1, 20));
		inval_now->roster_states[2] =
		    store_quota_state_count(f->s, inval_now->p2, rules_date(2026, 1, 20));
		inval_now->roster_states[3] =
		    store_quota_state_count(f->s, inval_now->p2, INT32_MIN);
		inval_now->checked++;
		attendance_after_write(f->att, c->pid, c->from);
	} else if (c->what & CMD_CHANGED_ATTENDANCE) {
		if (c->from[0])
			assert_int_equal(rules_date_parse(c->from, &after), 0);
		if (store_quota_state_count(f->s, c->pid, after) != 0)
			fail_msg("states of participant %lld after %s remain after COMMIT",
			         (long long)c->pid, c->from);
		inval_now->checked++;
		attendance_after_write(f->att, c->pid, c->from);
	}
}

/* Every participant's states present again, and some after `date` for `pid`. */
static void
states_after(struct afx *f, int64_t pid, const char *date)
{
	char today[11], err[512];
	int32_t d;
	int min;

	attendance_local_now(today, &min);
	assert_int_equal(attendance_refresh(f->att, 0, "", today, min, NULL, err, sizeof(err)), 0);
	assert_int_equal(rules_date_parse(date, &d), 0);
	assert_true(store_quota_state_count(f->s, pid, d) > 0);
}

static void
test_invalidation_in_txn(void **state)
{
	struct afx *f = *state;
	struct inval iv = {.f = f};
	struct cmd_result r;
	struct cmd_ctx ctx;
	char err[512];
	int64_t p1, p2;
	int n = 0;

	inval_now = &iv;
	f->env.changed = inval_changed;
	afx_clock("2026-04-20", 16, 0);
	assert_int_equal(attendance_set_results_from(f->att, "2025-01-01", 0, err, sizeof(err)), 0);
	p1 = afx_participant(f, "A1", "2025-08-04", 510, 870, 0);
	p2 = afx_participant(f, "A2", "2025-08-04", 510, 870, 0);
	for (int32_t d = rules_date(2025, 8, 4); d < rules_date(2026, 4, 20); d++) {
		char s[11];

		if (rules_weekday(d) > 5)
			continue;
		fmt(d, s);
		afx_tap(f, p1, s, 500, "in");
		afx_tap(f, p2, s, 505, "in");
	}

	/* absence.register */
	states_after(f, p1, "2026-01-12");
	{
		struct store_absence_row a =
		    afx_absence(p1, "sick_self_declared", "2026-01-12", "2026-01-13", NULL);

		assert_int_equal(afx_register_absence(f, &a, "t", err, sizeof(err)), 0);
		n++;
		/* absence.revoke */
		states_after(f, p1, "2026-01-12");
		assert_int_equal(afx_revoke_absence(f, a.a.uuid, "t", "wrong", err, sizeof(err)),
		                 0);
		n++;
	}
	/* absence.update */
	{
		struct store_absence_row a =
		    afx_absence(p2, "vacation", "2026-02-02", "2026-02-03", NULL);
		struct cmd_absence_update_args u = {
		    .absence = a.a.uuid,
		    .reason = "dates",
		    .now = {.category = "vacation", .from = "2026-02-09", .to = "2026-02-10"}};

		assert_int_equal(afx_register_absence(f, &a, "t", err, sizeof(err)), 0);
		n++;
		states_after(f, p2, "2026-02-02");
		cmd_ctx_init(&ctx, &f->env, "t");
		assert_int_equal(cmd_absence_update(&ctx, &u, &r), 0);
		cmd_result_free(&r);
		n++;
	}
	/* correction.add and correction.remove */
	{
		struct attendance_correction c = {.participant_id = p1,
		                                  .action = "add",
		                                  .date = "2025-11-03",
		                                  .minute = 870,
		                                  .direction = "out",
		                                  .reason = "forgot"};
		struct attendance_tap *t;
		size_t nt;
		char uuid[40];

		states_after(f, p1, "2025-11-03");
		assert_int_equal(afx_correct_tap(f, &c, "t", uuid, err, sizeof(err)), 0);
		n++;
		states_after(f, p1, "2025-11-04");
		assert_int_equal(
		    attendance_taps_on(f->att, p1, "2025-11-04", &t, &nt, err, sizeof(err)), 0);
		assert_true(nt > 0);
		c = (struct attendance_correction){.participant_id = p1,
		                                   .action = "remove",
		                                   .tap_id = t[0].tap_id,
		                                   .reason = "not mine"};
		free(t);
		assert_int_equal(afx_correct_tap(f, &c, "t", uuid, err, sizeof(err)), 0);
		n++;
	}
	/* closure.add: everyone */
	{
		struct cmd_closure_add_args a = {.date = "2025-12-01", .reason = "pipe"};

		states_after(f, p2, "2025-12-01");
		cmd_ctx_init(&ctx, &f->env, "t");
		assert_int_equal(cmd_closure_add(&ctx, &a, &r), 0);
		cmd_result_free(&r);
		n++;
		assert_int_equal(store_quota_state_count(f->s, p1, rules_date(2025, 12, 1)) > 0, 1);
	}
	/* g.add */
	{
		struct cmd_g_add_args a = {.from = "2026-03-01", .amount = "130160"};

		states_after(f, p1, "2026-03-01");
		cmd_ctx_init(&ctx, &f->env, "t");
		assert_int_equal(cmd_g_add(&ctx, &a, &r), 0);
		cmd_result_free(&r);
		n++;
	}
	/* participant.add over an existing participant (a new rate): that participant */
	{
		struct cmd_participant_add_args a = {.id = "A1",
		                                     .name = "Name of A1",
		                                     .language = "nb",
		                                     .regime = "no-integreringsloven",
		                                     .rate = "under25_alone",
		                                     .start = "2025-08-04"};

		states_after(f, p1, "2025-09-01");
		cmd_ctx_init(&ctx, &f->env, "t");
		assert_int_equal(cmd_participant_add(&ctx, &a, &r), 0);
		cmd_result_free(&r);
		n++;
		assert_true(store_quota_state_count(f->s, p2, INT32_MIN) > 0); /* not everyone */
	}
	/* service_date.set: everyone */
	{
		struct cmd_service_date_args a = {.date = "2025-09-01"};

		states_after(f, p1, "2025-10-01");
		cmd_ctx_init(&ctx, &f->env, "t");
		assert_int_equal(cmd_service_date(&ctx, &a, &r), 0);
		cmd_result_free(&r);
		n++;
	}
	/* roster.import (offline): only what it changes, per participant */
	{
		static const char roster[] =
		    "{\"version\": 1, \"participants\": ["
		    "{\"id\": \"A1\", \"name\": \"Name of A1\", \"language\": \"nb\","
		    " \"regime\": \"no-integreringsloven\", \"rate\": \"under25_alone\","
		    " \"programme_start\": \"2025-08-04\", \"cards\": [], \"schedule\":"
		    " {\"template\": [{\"weekdays\": [1,2,3,4,5], \"start\": \"08:30\","
		    " \"end\": \"14:30\"}], \"exceptions\": [{\"date\": \"2026-02-10\","
		    " \"sessions\": []}]}},"
		    "{\"id\": \"A2\", \"name\": \"Name of A2\", \"language\": \"nb\","
		    " \"regime\": \"no-integreringsloven\", \"rate\": \"full\","
		    " \"programme_start\": \"2025-08-04\", \"cards\": [], \"schedule\":"
		    " {\"template\": [{\"weekdays\": [1,2,3,4,5], \"start\": \"08:30\","
		    " \"end\": \"14:30\"}], \"exceptions\": []}}],"
		    " \"absences\": [{\"id\": \"r-1\", \"participant\": \"A2\","
		    " \"category\": \"sick_self_declared\", \"from\": \"2026-01-20\","
		    " \"to\": \"2026-01-20\"}], \"g\": [], \"closures\": []}";
		struct cmd_roster_import_args a = {.text = roster, .source = "test"};

		iv.p1 = p1;
		iv.p2 = p2;
		states_after(f, p1, "2026-02-10");
		cmd_ctx_init(&ctx, &f->env, "t");
		assert_int_equal(cmd_roster_import(&ctx, &a, &r), 0);
		cmd_result_free(&r);
		n++;
		assert_int_equal(iv.roster_states[0], 0); /* A1: the new exception */
		assert_true(iv.roster_states[1] > 0);     /* A1: nothing else */
		assert_int_equal(iv.roster_states[2], 0); /* A2: the new absence */
		assert_true(iv.roster_states[3] > 0);     /* A2: states before it */
	}
	assert_int_equal(iv.checked, n);
	f->env.changed = afx_changed;
}

/* A refresh that changes nothing writes nothing: no transaction, states untouched. */
static void
test_restart_walks_only_new_days(void **state)
{
	struct afx *f = *state;
	char err[512];
	int64_t p;
	uint64_t before;
	int changed = -1;

	afx_clock("2026-04-20", 16, 0);
	assert_int_equal(attendance_set_results_from(f->att, "2025-01-01", 0, err, sizeof(err)), 0);
	p = afx_participant(f, "R1", "2025-01-06", 510, 870, 0);
	for (int32_t d = rules_date(2025, 1, 6); d < rules_date(2026, 4, 20); d++) {
		char s[11];

		if (rules_weekday(d) > 5)
			continue;
		fmt(d, s);
		afx_tap(f, p, s, 505, "in");
		afx_tap(f, p, s, 871, "out");
	}
	assert_int_equal(
	    attendance_refresh(f->att, 0, "", "2026-04-20", 960, NULL, err, sizeof(err)), 0);
	before = attendance_engine_days(f->att);
	assert_true(before > 400);
	/* The same moment again (a restart): only today is walked. */
	assert_int_equal(
	    attendance_refresh(f->att, 0, "", "2026-04-20", 960, &changed, err, sizeof(err)), 0);
	assert_int_equal(changed, 0);
	assert_true(attendance_engine_days(f->att) - before <= 1);
	/* Two days later: the days since. */
	afx_clock("2026-04-22", 16, 0);
	before = attendance_engine_days(f->att);
	assert_int_equal(
	    attendance_refresh(f->att, 0, "", "2026-04-22", 960, &changed, err, sizeof(err)), 0);
	assert_true(attendance_engine_days(f->att) - before <= 3);
	/* One state per pay period start and one for today; the older "today" went. */
	assert_int_equal(store_quota_state_count(f->s, p, rules_date(2026, 4, 1)), 1);
	/* A results check with the same files keeps them; states after today go. */
	assert_int_equal(attendance_results_check(f->att, "2026-04-10", err, sizeof(err)), 1);
	assert_int_equal(store_quota_state_count(f->s, p, INT32_MIN), 0);
	assert_int_equal(
	    attendance_refresh(f->att, 0, "", "2026-04-22", 960, NULL, err, sizeof(err)), 0);
	assert_int_equal(attendance_results_check(f->att, "2026-04-10", err, sizeof(err)), 0);
	assert_int_equal(store_quota_state_count(f->s, p, rules_date(2026, 4, 10)), 0);
	assert_true(store_quota_state_count(f->s, p, INT32_MIN) > 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_resumed_equals_whole, afx_setup, afx_teardown),
	    cmocka_unit_test_setup_teardown(test_invalidation_in_txn, afx_setup, afx_teardown),
	    cmocka_unit_test_setup_teardown(test_restart_walks_only_new_days, afx_setup,
	                                    afx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
