/*
 * tap.c — the tap path, top to bottom, as DESIGN.md describes it:
 *
 *   1. key the UID with the device secret (the UID itself is never stored)
 *   2. debounce: the same card within debounce_s gets the same answer, no record
 *   3. look up card -> participant (unknown and revoked cards are recorded too)
 *   4. is the participant scheduled today?
 *   5. direction: in_out toggles; in_only counts the first tap of a session.
 *      In in_out, a tap within min_presence_min of the check-in is not "out"
 *      but "already in since 08:31" (an accidental second tap), and an "out"
 *      while a session is still running is marked early ("class ends 14:30")
 *   6. commit the tap and its outbox event in one transaction (an "already in"
 *      tap is kept as a direction "none" row, so the board shows it)
 *   7. only then return the answer; the caller shows it
 *
 * Everything here runs on the loop thread; nothing blocks but the COMMIT.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "clock.h"
#include "config.h"
#include "events.h"
#include "log.h"
#include "store.h"
#include "tap.h"

#define DEBOUNCE_SLOTS 64
#define SESSIONS_MAX 16
/* in_only: a tap up to this long before a session starts belongs to it */
#define SESSION_EARLY_MIN 60

struct recent {
	char card_key[CARDKEY_MAX];
	int64_t mono_ns;
	struct tap_answer ans;
};

struct tap_ctx {
	struct store *st;
	const struct cardkey *key;
	const struct config *cfg;
	struct recent recent[DEBOUNCE_SLOTS]; /* ring of the last answers */
	unsigned next;
	tap_holiday_fn holiday; /* the rules calendar (kiosk.c: the regime's holidays) */
	void *holiday_arg;
};

static const char *const outcome_names[TAP_NOUTCOMES] = {
    [TAP_ACCEPTED_IN] = "accepted_in",
    [TAP_ACCEPTED_OUT] = "accepted_out",
    [TAP_ALREADY_REGISTERED] = "already_registered",
    [TAP_UNKNOWN_CARD] = "unknown_card",
    [TAP_REVOKED_CARD] = "revoked_card",
    [TAP_NOT_SCHEDULED] = "not_scheduled",
    [TAP_STORAGE_ERROR] = "storage_error",
};

const char *
tap_outcome_name(enum tap_outcome o)
{
	return (o >= 0 && o < TAP_NOUTCOMES) ? outcome_names[o] : "unknown";
}

int
tap_outcome_parse(const char *name)
{
	for (int i = 0; i < TAP_NOUTCOMES; i++)
		if (strcmp(name, outcome_names[i]) == 0)
			return i;
	return -1;
}

struct tap_ctx *
tap_new(struct store *st, const struct cardkey *key, const struct config *cfg)
{
	struct tap_ctx *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->st = st;
	t->key = key;
	t->cfg = cfg;
	return t;
}

void
tap_on_holiday(struct tap_ctx *t, tap_holiday_fn fn, void *arg)
{
	t->holiday = fn;
	t->holiday_arg = arg;
}

void
tap_free(struct tap_ctx *t)
{
	free(t);
}

/* --- debounce --- */

static const struct recent *
debounce_find(const struct tap_ctx *t, const char *card_key, int64_t mono_ns)
{
	int64_t window = (int64_t)t->cfg->tap.debounce_s * 1000000000LL;

	for (unsigned i = 0; i < DEBOUNCE_SLOTS; i++) {
		const struct recent *r = &t->recent[i];

		if (r->mono_ns && mono_ns - r->mono_ns < window &&
		    strcmp(r->card_key, card_key) == 0)
			return r;
	}
	return NULL;
}

static void
debounce_remember(struct tap_ctx *t, const struct tap_answer *ans, int64_t mono_ns)
{
	struct recent *r = &t->recent[t->next++ % DEBOUNCE_SLOTS];

	snprintf(r->card_key, sizeof(r->card_key), "%s", ans->card_key);
	r->mono_ns = mono_ns;
	r->ans = *ans;
}

/* --- helpers --- */

/* The outbox event for this tap (PROTOCOL.md §1), built by events.c like every event. */
static char *
event_json(const struct tap_answer *a, const char *type)
{
	json_t *data = json_pack("{s:s, s:s, s:s}", "direction", a->direction, "card", a->card_key,
	                         "outcome", tap_outcome_name(a->outcome));

	if (data == NULL)
		return NULL;
	return events_envelope(a->event_id, type, a->wall_ms, a->clock,
	                       a->participant[0] ? a->participant : NULL, data);
}

/*
 * Step 4: the sessions the participant has today.  Closure days and the public
 * holidays of the participant's regime have none, as the rules see them (RULES.md:
 * neither is scheduled), so the answer is "no class today" on both.
 */
static int
sessions_today(struct tap_ctx *t, const struct store_participant *p, const char *date, int weekday,
               struct store_session *ss, size_t *n)
{
	int closed = store_is_closed(t->st, date);

	*n = 0;
	if (closed < 0)
		return -1;
	if (closed || (t->holiday && t->holiday(t->holiday_arg, p->regime, date) == 1))
		return 0;
	return store_sessions_on(t->st, p->id, date, weekday, ss, SESSIONS_MAX, n);
}

/* Step 5 for in_only: the window of the session this tap belongs to. */
static int
session_window_start(const struct store_session *ss, size_t n, int now_min)
{
	for (size_t i = 0; i < n; i++)
		if (now_min <= ss[i].end_min)
			return ss[i].start_min - SESSION_EARLY_MIN;
	return n ? ss[n - 1].start_min - SESSION_EARLY_MIN : 0;
}

/* "08:31" from minutes after midnight (a session to midnight ends at "24:00") */
static void
hhmm(int min, char out[6])
{
	unsigned m = min < 0 ? 0 : min > 1440 ? 1440 : (unsigned)min;

	snprintf(out, 6, "%02u:%02u", m / 60, m % 60);
}

/* The session running at now_min, or NULL (between sessions, before, after). */
static const struct store_session *
session_running(const struct store_session *ss, size_t n, int now_min)
{
	for (size_t i = 0; i < n; i++)
		if (ss[i].start_min <= now_min && now_min < ss[i].end_min)
			return &ss[i];
	return NULL;
}

/* Set the outcome and direction; returns 0 so that each decision reads as one line. */
static int
answer(struct tap_answer *ans, enum tap_outcome outcome, const char *direction)
{
	ans->outcome = outcome;
	snprintf(ans->direction, sizeof(ans->direction), "%s", direction);
	return 0;
}

/*
 * Step 5: which way did the participant go?  Also fills `since` (the check-in
 * time of an "already in") and `until` (the session end of an early "out").
 * -1 on a database error.
 */
static int
direction_for(struct tap_ctx *t, int64_t pid, const char *date, int now_min,
              const struct store_session *ss, size_t n, struct tap_answer *ans)
{
	const struct store_session *running;
	char last[8] = "";
	int last_min = 0;
	int rc = store_last_accepted(t->st, pid, date, last, sizeof(last), &last_min);

	if (rc < 0)
		return -1;
	if (t->cfg->tap.mode == TAP_MODE_IN_ONLY) {
		if (rc == 1 || last_min < session_window_start(ss, n, now_min))
			return answer(ans, TAP_ACCEPTED_IN, "in");
		hhmm(last_min, ans->since);
		return answer(ans, TAP_ALREADY_REGISTERED, "none");
	}
	/* in_out: not in yet (today), or out: this tap is "in" */
	if (rc == 1 || strcmp(last, "in") != 0)
		return answer(ans, TAP_ACCEPTED_IN, "in");
	/* in, but so recently that this is an accidental second tap, not a check-out
	 * (a clock set back counts as recent) */
	if (now_min - last_min < t->cfg->tap.min_presence_min) {
		hhmm(last_min, ans->since);
		return answer(ans, TAP_ALREADY_REGISTERED, "none");
	}
	/* out; early if a session is still running */
	if ((running = session_running(ss, n, now_min)) != NULL) {
		ans->early = 1;
		hhmm(running->end_min, ans->until);
	}
	return answer(ans, TAP_ACCEPTED_OUT, "out");
}

/* --- the pipeline --- */

int
tap_handle(struct tap_ctx *t, const char *uid, struct tap_answer *ans)
{
	struct store_session ss[SESSIONS_MAX];
	struct store_participant p;
	struct clock_reading now;
	const struct recent *prev;
	struct store_tap rec;
	struct tm tm;
	time_t secs;
	char date[11];
	size_t nsessions = 0;
	int64_t pid = 0;
	int revoked = 0, rc;
	char *json;

	memset(ans, 0, sizeof(*ans));
	clock_read(&now);

	/* 1. key the UID */
	cardkey_of_uid(t->key, uid, ans->card_key);

	/* 2. debounce */
	prev = debounce_find(t, ans->card_key, now.mono_ns);
	if (prev) {
		*ans = prev->ans;
		ans->repeat = 1;
		return 0;
	}

	ans->wall_ms = now.wall_ms;
	snprintf(ans->clock, sizeof(ans->clock), "%s", clock_quality_name(now.quality));
	secs = (time_t)(now.wall_ms / 1000);
	localtime_r(&secs, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	snprintf(ans->local_time, sizeof(ans->local_time), "%02d:%02d", tm.tm_hour, tm.tm_min);
	snprintf(ans->direction, sizeof(ans->direction), "none");
	snprintf(ans->language, sizeof(ans->language), "%s", t->cfg->kiosk.language);

	/* 3. card -> participant */
	rc = store_card_lookup(t->st, ans->card_key, &pid, &revoked);
	if (rc < 0)
		goto storage_error;
	if (rc == 1 || store_participant_get(t->st, pid, &p) != 0) {
		ans->outcome = TAP_UNKNOWN_CARD;
		pid = 0;
	} else {
		snprintf(ans->participant, sizeof(ans->participant), "%s", p.ext_id);
		snprintf(ans->name, sizeof(ans->name), "%s", p.name);
		snprintf(ans->language, sizeof(ans->language), "%s", p.language);
		if (revoked || !p.active) {
			ans->outcome = TAP_REVOKED_CARD;
		} else {
			/* 4. scheduled today? */
			if (sessions_today(t, &p, date, tm.tm_wday ? tm.tm_wday : 7, ss,
			                   &nsessions) < 0)
				goto storage_error;
			/* 5. direction */
			if (direction_for(t, pid, date, tm.tm_hour * 60 + tm.tm_min, ss, nsessions,
			                  ans) < 0)
				goto storage_error;
			if (nsessions == 0) {
				ans->outcome = TAP_NOT_SCHEDULED;
				ans->early = 0;
				ans->since[0] = ans->until[0] = '\0';
			}
		}
	}

	/* 6. commit the tap and its outbox event together */
	events_uuid(ans->event_id);
	json = event_json(ans, pid ? "tap" : "tap_unknown_card");
	if (json == NULL)
		goto storage_error;
	rec = (struct store_tap){
	    .uuid = ans->event_id,
	    .card_key = ans->card_key,
	    .participant_id = pid,
	    .direction = ans->direction,
	    .outcome = tap_outcome_name(ans->outcome),
	    .wall_ms = now.wall_ms,
	    .mono_ns = now.mono_ns,
	    .clock = ans->clock,
	    .local_date = date,
	    .local_min = tm.tm_hour * 60 + tm.tm_min,
	    .event_type = pid ? "tap" : "tap_unknown_card",
	    .event_json = json,
	};
	rc = store_record_tap(t->st, &rec, NULL);
	free(json);
	if (rc < 0)
		goto storage_error;

	/* 7. durable: remember for debounce and answer */
	debounce_remember(t, ans, now.mono_ns);
	return 0;

storage_error:
	/* store.c has logged sqlite's own message */
	log_err("tap: not recorded; answering storage_error (tell a teacher)");
	ans->outcome = TAP_STORAGE_ERROR;
	ans->event_id[0] = '\0';
	ans->early = 0; /* nothing happened: no early leave, no "in since" */
	ans->since[0] = ans->until[0] = '\0';
	return -1;
}
