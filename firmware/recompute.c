/*
 * recompute.c — when the daemon recomputes.  A day's result is stored once its last
 * session has ended, so a timer fires at each session end of today and at midnight;
 * a tap, absence or correction queues its participant.  Each loop turn works one
 * queued participant and yields, so the reader's next card is answered first.
 * A participant resumes from its latest saved quota state (attendance.c), so the
 * start and midnight's "everyone" walk only the days since the last run.
 * Timers never sleep more than 10 s, so a wall clock that jumps is caught up.
 * Changes arrive as calls: a command tells the loop after its COMMIT
 * (kiosk.c on_cmd_changed), the uploader after a roster pull; there is no other
 * writer while the daemon runs (stempelctl goes through the control socket).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "attendance.h"
#include "clock.h"
#include "log.h"
#include "loop.h"
#include "recompute.h"
#include "rules/rules.h"

/* The longest timer sleep: a jump of the wall clock is noticed within it. */
#define MAX_SLEEP_S 10
#define MAX_ENDS 128

struct job {
	int64_t pid;
	char from[11]; /* "" = from the first date */
};

struct recompute {
	struct attendance *a;
	struct event *work;  /* zero-timeout: one job per loop turn */
	struct event *clock; /* the next session end or midnight */
	struct job *jobs;
	size_t n, cap;
	char day[11]; /* the local date the timer last looked at */
	int minute;   /* and the minute */
	int waiting;  /* work held back while the wall clock is not trusted */
	int checked;  /* saved states after the trusted today dropped (once) */
	int served;   /* the service date was looked at (once) */
};

/*
 * The kiosk goes into service now (its first trusted start, RULES.md): its service
 * date is today, so today's sessions count, even one that ended before this moment
 * and was never observed (no taps: unexcused).  Say so, with the way out for a
 * kiosk put up after today's classes.
 */
static void
first_service(struct recompute *r, const char *day, int min)
{
	int ends[MAX_ENDS], first = 24 * 60;
	int32_t d;
	size_t n = 0;
	char err[256], next[11] = "YYYY-MM-DD";

	if (attendance_session_ends(r->a, day, ends, MAX_ENDS, &n, err, sizeof(err)) < 0)
		n = 0;
	for (size_t i = 0; i < n; i++)
		first = ends[i] < first ? ends[i] : first;
	if (first > min) {
		log_info("attendance: in service from %s %02d:%02d (the first trusted start)", day,
		         min / 60, min % 60);
		return;
	}
	if (rules_date_parse(day, &d) == 0)
		rules_date_format(d + 1, next, sizeof(next));
	log_warn("attendance: in service from %s %02d:%02d (the first trusted start), after a "
	         "session of today ended at %02d:%02d: today counts, and a participant without "
	         "taps today is absent.  If the kiosk was not in use today, start its service "
	         "tomorrow: stempelctl attendance results-from %s",
	         day, min / 60, min % 60, first / 60, first % 60, next);
}

/*
 * Day results book absences, and absences cost money: they wait while the wall
 * clock is untrusted (before its build date, or within an hour of a jump).  Taps
 * are still recorded and flagged meanwhile; the work resumes when the clock is
 * trusted again.  The first trusted moment is also when the kiosk's service
 * date is recorded, never a 1970 date.
 */
static int
clock_trusted(struct recompute *r)
{
	char day[11], have[11], err[256];
	int min;

	if (clock_quality_now() != CLOCK_SYNCED) {
		if (!r->waiting)
			log_warn(
			    "recompute: the clock is not trusted; day results wait until it is");
		r->waiting = 1;
		return 0;
	}
	if (r->waiting)
		log_info("recompute: the clock is trusted again; catching up");
	r->waiting = 0;
	attendance_local_now(day, &min);
	if (!r->served && attendance_results_from(r->a, have) == 1)
		first_service(r, day, min);
	r->served = 1;
	if (attendance_set_results_from(r->a, day, 1, err, sizeof(err)) < 0)
		log_warn("recompute: %s", err);
	/* The clock may have gone back while the daemon was stopped: states after today go. */
	if (!r->checked && attendance_results_check(r->a, day, err, sizeof(err)) < 0)
		log_warn("recompute: saved states: %s", err);
	r->checked = 1;
	return 1;
}

/* Earlier `from` wins: "" (everything) is earliest. */
static void
merge_from(char *have, const char *from)
{
	if (!*have || !*from)
		*have = '\0';
	else if (strcmp(from, have) < 0)
		snprintf(have, 11, "%s", from);
}

/* Add a job at the end; -1 (logged) if out of memory. */
static int
append(struct recompute *r, int64_t pid, const char *from)
{
	if (r->n == r->cap) {
		size_t c = r->cap ? r->cap * 2 : 64;
		struct job *j = realloc(r->jobs, c * sizeof(*j));

		if (j == NULL) {
			log_err("recompute: out of memory; participant %lld not recomputed",
			        (long long)pid);
			return -1;
		}
		r->jobs = j;
		r->cap = c;
	}
	r->jobs[r->n].pid = pid;
	snprintf(r->jobs[r->n++].from, sizeof(r->jobs[0].from), "%s", from ? from : "");
	return 0;
}

static void
push(struct recompute *r, int64_t pid, const char *from)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->jobs[i].pid == pid) {
			merge_from(r->jobs[i].from, from);
			return;
		}
	append(r, pid, from);
}

static int
cmp_pid(const void *a, const void *b)
{
	int64_t x = ((const struct job *)a)->pid, y = ((const struct job *)b)->pid;

	return x < y ? -1 : x > y;
}

/*
 * Everyone: jobs already queued keep their place (their `from` merged); the
 * other ids are appended.  push() per id would look through the whole growing
 * queue each time: for 100,000 participants 5e9 comparisons, seconds on the loop.
 */
static void
queue_all(struct recompute *r, const int64_t *ids, size_t n, const char *from)
{
	size_t had = r->n;
	struct job *old = had ? malloc(had * sizeof(*old)) : NULL;

	if (had && old == NULL) {
		for (size_t i = 0; i < n; i++)
			push(r, ids[i], from);
		return;
	}
	if (had) {
		memcpy(old, r->jobs, had * sizeof(*old));
		qsort(old, had, sizeof(*old), cmp_pid);
		for (size_t i = 0; i < had; i++)
			merge_from(r->jobs[i].from, from);
	}
	for (size_t i = 0; i < n; i++) {
		struct job key = {.pid = ids[i]};

		if (had && bsearch(&key, old, had, sizeof(*old), cmp_pid))
			continue;
		if (append(r, ids[i], from) < 0)
			break;
	}
	free(old);
}

void
recompute_queue(struct recompute *r, int64_t pid, const char *from)
{
	struct timeval now = {0, 0};

	if (r == NULL)
		return;
	if (pid == 0) {
		int64_t *ids;
		size_t n;
		char err[256];

		if (attendance_participants(r->a, &ids, &n, err, sizeof(err)) < 0) {
			log_err("recompute: %s", err);
			return;
		}
		queue_all(r, ids, n, from);
		free(ids);
	} else {
		push(r, pid, from);
	}
	if (r->n)
		event_add(r->work, &now);
}

size_t
recompute_pending(const struct recompute *r)
{
	return r ? r->n : 0;
}

static void
on_work(evutil_socket_t fd, short what, void *arg)
{
	struct recompute *r = arg;
	struct timeval now = {0, 0};
	struct job j;
	char today[11], walked[11], err[512];
	int min, changed = 0;

	if (r->n == 0 || !clock_trusted(r))
		return; /* on_clock looks again */
	j = r->jobs[0];
	memmove(r->jobs, r->jobs + 1, (r->n - 1) * sizeof(*r->jobs));
	r->n--;
	attendance_local_now(today, &min);
	if (attendance_refresh(r->a, j.pid, j.from, today, min, &changed, err, sizeof(err)) < 0)
		log_warn("recompute: %s", err);
	else if (changed)
		log_info("recompute: participant %lld: %d day result(s) changed", (long long)j.pid,
		         changed);
	/*
	 * Adjustments for closed pay periods hang on the change hook.  "Everything not
	 * current" (start, midnight, a roster): from where the walk resumed, since nothing
	 * before a saved state changed; not every closed period of three years again.
	 */
	if (!j.from[0] && attendance_refresh_walked(r->a, walked) == 0)
		snprintf(j.from, sizeof(j.from), "%s", walked);
	attendance_changed(r->a, j.pid, j.from);
	if (r->n)
		event_add(r->work, &now);
}

/* Seconds into the local day now (zones are whole minutes off UTC). */
static int
local_seconds(char day[11])
{
	struct clock_reading c;
	int min;

	attendance_local_now(day, &min);
	clock_read(&c);
	return min * 60 + (int)((c.wall_ms / 1000) % 60);
}

static void
arm(struct recompute *r)
{
	int ends[MAX_ENDS];
	size_t n = 0;
	char day[11], err[256];
	int sod = local_seconds(day), next = 86400;
	struct timeval tv;

	if (attendance_session_ends(r->a, day, ends, MAX_ENDS, &n, err, sizeof(err)) < 0)
		log_warn("recompute: %s", err);
	for (size_t i = 0; i < n; i++)
		if (ends[i] * 60 > sod) {
			next = ends[i] * 60;
			break;
		}
	/* One second past the boundary, so the minute read then is the session's end. */
	tv.tv_sec = next - sod + 1;
	if (tv.tv_sec > MAX_SLEEP_S)
		tv.tv_sec = MAX_SLEEP_S;
	tv.tv_usec = 0;
	event_add(r->clock, &tv);
}

static void
on_clock(evutil_socket_t fd, short what, void *arg)
{
	struct recompute *r = arg;
	int ends[MAX_ENDS];
	size_t n = 0;
	char day[11], err[256];
	int min = local_seconds(day) / 60;

	if (strcmp(day, r->day) != 0) {
		/*
		 * Midnight (or a clock jump): settle the last day, and recheck everything
		 * once a day (holidays and quotas move with the date).
		 */
		recompute_queue(r, 0, "");
	} else if (attendance_session_ends(r->a, day, ends, MAX_ENDS, &n, err, sizeof(err)) == 0) {
		for (size_t i = 0; i < n; i++)
			if (ends[i] > r->minute && ends[i] <= min) {
				recompute_queue(r, 0, day);
				break;
			}
	}
	snprintf(r->day, sizeof(r->day), "%s", day);
	r->minute = min;
	if (r->n && clock_trusted(r)) {
		struct timeval now = {0, 0};

		event_add(r->work, &now);
	}
	arm(r);
}

struct recompute *
recompute_start(struct event_base *base, struct attendance *a)
{
	struct recompute *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->a = a;
	r->work = event_new(base, -1, 0, on_work, r);
	r->clock = event_new(base, -1, 0, on_clock, r);
	if (r->work == NULL || r->clock == NULL) {
		recompute_stop(r);
		return NULL;
	}
	loop_prio(r->work, LOOP_PRIO_BACKGROUND);
	loop_prio(r->clock, LOOP_PRIO_BACKGROUND);
	r->minute = local_seconds(r->day) / 60;
	/*
	 * Saved states made under other regime files, payroll calendar or results
	 * version are dropped before anything reads them: everyone is then computed
	 * from the first date, once.
	 */
	{
		char err[256];

		if (attendance_results_check(a, NULL, err, sizeof(err)) < 0)
			log_warn("recompute: saved states: %s", err);
	}
	/* The first trusted start is the day this kiosk went into service. */
	clock_trusted(r);
	/* Whatever changed while the daemon was down (stempelctl offline) is caught up. */
	recompute_queue(r, 0, "");
	arm(r);
	return r;
}

void
recompute_stop(struct recompute *r)
{
	if (r == NULL)
		return;
	if (r->work)
		event_free(r->work);
	if (r->clock)
		event_free(r->clock);
	free(r->jobs);
	free(r);
}
