/*
 * kiosk_screen.c — the participant screen's extras.  The tap answer itself is
 * built in kiosk.c and sent right after the COMMIT; this file adds the sentence
 * for "already in since 08:31" and "leaving early", the sound clip, and then,
 * on a later loop turn, the participant's week: today's sessions, this week's
 * days (attended / excused / unexcused / coming) and, with [kiosk] show_quotas,
 * sick days left.  Read-only: stored day results, schedules and quotas.  No
 * money ever goes to the screen.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "attendance.h"
#include "clock.h"
#include "config.h"
#include "i18n.h"
#include "kiosk_screen.h"
#include "log.h"
#include "store.h"
#include "web.h"

#define WEEK_SESSIONS_MAX 16
/* Clips: one per outcome, plus the tone set under the pseudo-language "tone". */
#define NCLIPS TAP_NOUTCOMES

struct week_job {
	char ext_id[40];
	char event_id[40];
	char date[11];
	int now_min;
};

struct kiosk_screen {
	struct event_base *base;
	struct event *week_ev; /* computes `job` on a later loop turn */
	struct week_job job;   /* the last tap's: a burst of taps computes one week */
	struct web *web;
	struct store *st;
	struct attendance *att;
	const struct config *cfg;
	char recorded[CONFIG_PATH_MAX]; /* recorded clips: override the generated ones */
	char generated[CONFIG_PATH_MAX];
	/* [language][clip]: a spoken clip exists (recorded or generated) */
	unsigned char voice[I18N_NLANG][NCLIPS];
	/* what the weeks cost the loop (they run on it, after the answers) */
	unsigned long long weeks;
	long long week_ns_total, week_ns_max;
};

/* --- sound clips --- */

static int
is_file(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

static int
is_dir(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/*
 * Generated clips: $STEMPEL_SOUND_DIR, else build/sounds of a checkout, else the
 * package's /usr/share/stempel/sounds (or make install's /usr/local/share/...).
 * Recorded ones: [kiosk] sound_dir, else /etc/stempel/sounds.  Both hold
 * LANG/CLIP.wav (tone/CLIP.wav for the tones).
 */
static void
sound_dirs(struct kiosk_screen *ks)
{
	const char *env = getenv("STEMPEL_SOUND_DIR");

	snprintf(ks->recorded, sizeof(ks->recorded), "%s",
	         ks->cfg->kiosk.sound_dir[0] ? ks->cfg->kiosk.sound_dir : "/etc/stempel/sounds");
	if (env && *env)
		snprintf(ks->generated, sizeof(ks->generated), "%s", env);
	else if (is_dir("build/sounds/tone"))
		snprintf(ks->generated, sizeof(ks->generated), "build/sounds");
	else if (!is_dir("/usr/share/stempel/sounds") && is_dir("/usr/local/share/stempel/sounds"))
		snprintf(ks->generated, sizeof(ks->generated), "/usr/local/share/stempel/sounds");
	else
		snprintf(ks->generated, sizeof(ks->generated), "/usr/share/stempel/sounds");
}

/* The file of clip `clip` in `lang` ("tone" for tones); 0 found, -1 none. */
static int
clip_path(const struct kiosk_screen *ks, const char *lang, const char *clip, char *out,
          size_t outlen)
{
	snprintf(out, outlen, "%s/%s/%s.wav", ks->recorded, lang, clip);
	if (is_file(out))
		return 0;
	snprintf(out, outlen, "%s/%s/%s.wav", ks->generated, lang, clip);
	return is_file(out) ? 0 : -1;
}

static void
sound_scan(struct kiosk_screen *ks)
{
	char path[2 * CONFIG_PATH_MAX + 64];
	int voices = 0;

	for (int l = 0; l < I18N_NLANG; l++)
		for (int c = 0; c < NCLIPS; c++) {
			ks->voice[l][c] = clip_path(ks, i18n_languages[l], tap_outcome_name(c),
			                            path, sizeof(path)) == 0;
			voices += ks->voice[l][c];
		}
	if (ks->cfg->kiosk.sound != KIOSK_SOUND_OFF &&
	    clip_path(ks, "tone", "accepted_in", path, sizeof(path)) < 0)
		log_warn("kiosk: no sound clips in %s or %s: the screen stays silent", ks->recorded,
		         ks->generated);
	else
		log_info("kiosk: %d spoken clips (%s, recorded in %s)", voices, ks->generated,
		         ks->recorded);
}

const char *
kiosk_screen_clip(const struct tap_answer *a)
{
	return tap_outcome_name(a->outcome);
}

/* GET /kiosk/sound/LANG/CLIP.wav: only known languages and clips, so no path games. */
static void
on_sound(struct evhttp_request *req, void *arg)
{
	struct kiosk_screen *ks = arg;
	const char *uri = evhttp_request_get_uri(req);
	const char *rest = uri + strlen("/kiosk/sound/");
	char lang[16], clip[32], path[2 * CONFIG_PATH_MAX + 64];
	struct evbuffer *buf;
	int known = 0, fd;
	struct stat sb;

	if (sscanf(rest, "%15[a-zA-Z-]/%31[a-z_].wav", lang, clip) != 2 ||
	    strlen(rest) != strlen(lang) + strlen(clip) + 5) {
		evhttp_send_error(req, 404, "no such clip");
		return;
	}
	known = strcmp(lang, "tone") == 0 || i18n_lookup(lang) != NULL;
	if (!known || tap_outcome_parse(clip) < 0 ||
	    clip_path(ks, strcmp(lang, "tone") ? i18n_lookup(lang) : "tone", clip, path,
	              sizeof(path)) < 0 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		evhttp_send_error(req, 404, "no such clip");
		return;
	}
	if (fstat(fd, &sb) < 0 || (buf = evbuffer_new()) == NULL) {
		close(fd);
		evhttp_send_error(req, 500, "cannot read the clip");
		return;
	}
	/* evbuffer_add_file() owns fd from here, also on failure */
	if (evbuffer_add_file(buf, fd, 0, sb.st_size) < 0) {
		evbuffer_free(buf);
		evhttp_send_error(req, 500, "cannot read the clip");
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "audio/wav");
	evhttp_add_header(evhttp_request_get_output_headers(req), "Cache-Control", "max-age=3600");
	evhttp_send_reply(req, 200, "OK", buf);
	evbuffer_free(buf);
}

/* --- the answer --- */

static int
lang_index(const char *lang)
{
	const char *canon = i18n_lookup(lang);

	for (int i = 0; canon && i < I18N_NLANG; i++)
		if (strcmp(canon, i18n_languages[i]) == 0)
			return i;
	return -1;
}

void
kiosk_screen_answer(struct kiosk_screen *ks, json_t *j, const struct tap_answer *a)
{
	const char *lang = json_string_value(json_object_get(j, "lang"));
	const char *fallback = ks->cfg->kiosk.language;
	const char *clip = kiosk_screen_clip(a);
	char text[512], url[96];
	int li = lang_index(lang), c = (int)a->outcome;

	if (a->outcome == TAP_ALREADY_REGISTERED && a->since[0]) {
		json_object_set_new(j, "since", json_string(a->since));
		json_object_set_new(j, "message",
		                    json_string(i18n_format(lang, fallback, I18N_ALREADY_SINCE,
		                                            a->since, text, sizeof(text))));
	}
	json_object_set_new(j, "early", json_boolean(a->early && a->outcome == TAP_ACCEPTED_OUT));
	if (a->early && a->outcome == TAP_ACCEPTED_OUT) {
		/* a real check-out, but not a normal one: amber, with the session's end */
		json_object_set_new(j, "color", json_string("amber"));
		json_object_set_new(j, "until", json_string(a->until));
		json_object_set_new(j, "note",
		                    json_string(i18n_format(lang, fallback, I18N_EARLY_OUT,
		                                            a->until, text, sizeof(text))));
	}
	/* A voice in the participant's language if there is one, else the outcome's tone;
	 * an unknown card has no language: its tone. */
	if (ks->cfg->kiosk.sound == KIOSK_SOUND_OFF || c < 0 || c >= NCLIPS)
		return;
	if (ks->cfg->kiosk.sound == KIOSK_SOUND_ON && li >= 0 && a->participant[0] &&
	    ks->voice[li][c])
		snprintf(url, sizeof(url), "/kiosk/sound/%s/%s.wav", i18n_languages[li], clip);
	else
		snprintf(url, sizeof(url), "/kiosk/sound/tone/%s.wav", clip);
	json_object_set_new(j, "sound", json_string(url));
}

void
kiosk_screen_status(const struct kiosk_screen *ks, json_t *j)
{
	static const char *const modes[] = {"on", "off", "tones"};
	json_t *ooo = json_array();
	time_t now = (time_t)(clock_wall_ms() / 1000); /* the kiosk's clock, as the taps have it */
	struct tm tm;

	/* The page shows these when the daemon is gone, so they come while it is not. */
	for (int i = 0; ooo && i < I18N_NLANG; i++)
		json_array_append_new(ooo,
		                      json_pack("{s:s, s:s, s:s}", "lang", i18n_languages[i], "dir",
		                                i18n_rtl(i18n_languages[i]) ? "rtl" : "ltr", "text",
		                                i18n_at(i, I18N_OUT_OF_ORDER)));
	localtime_r(&now, &tm);
	json_object_set_new(j, "out_of_order", ooo ? ooo : json_array());
	json_object_set_new(j, "timezone", json_string(ks->cfg->kiosk.timezone));
	/* for a browser without that zone: the offset now (sent again with every status) */
	json_object_set_new(j, "utc_offset_min", json_integer(tm.tm_gmtoff / 60));
	json_object_set_new(j, "sound", json_string(modes[ks->cfg->kiosk.sound % 3]));
	json_object_set_new(j, "volume", json_integer(ks->cfg->kiosk.volume));
}

/* --- the week --- */

static void
date_add(const char *date, int days, char out[11], int *weekday)
{
	struct tm tm = {0};

	sscanf(date, "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_mday += days;
	tm.tm_hour = 12; /* noon: no DST edge moves the date */
	tm.tm_isdst = -1;
	mktime(&tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
	*weekday = tm.tm_wday ? tm.tm_wday : 7;
}

/*
 * A past day from its stored result.  A day the engine has not made final (no
 * result yet, or h15's "state" other than "final") is pending, never unexcused.
 */
static const char *
past_state(const char *json)
{
	json_t *d = json ? json_loads(json, 0, NULL) : NULL;
	const char *state = "pending", *st;
	json_int_t excused = 0;
	const char *k;
	json_t *v;

	if (d == NULL)
		return state;
	st = json_string_value(json_object_get(d, "state"));
	json_object_foreach(json_object_get(d, "excused_min"), k, v) excused +=
	    json_integer_value(v);
	if (st && strcmp(st, "final") != 0)
		state = "pending";
	else if (json_integer_value(json_object_get(d, "scheduled_min")) == 0)
		state = "free";
	else if (json_integer_value(json_object_get(d, "unexcused_min")) > 0)
		state = "unexcused";
	else if (excused > 0)
		state = "excused";
	else
		state = "attended";
	json_decref(d);
	return state;
}

static json_t *
sessions_json(const struct store_session *ss, size_t n)
{
	json_t *arr = json_array();
	char a[8], b[8];

	for (size_t i = 0; arr && i < n; i++) {
		snprintf(a, sizeof(a), "%02d:%02d", ss[i].start_min / 60 % 24,
		         ss[i].start_min % 60);
		snprintf(b, sizeof(b), "%02d:%02d", ss[i].end_min / 60 % 25, ss[i].end_min % 60);
		json_array_append_new(arr, json_pack("{s:s, s:s, s:b}", "start", a, "end", b,
		                                     "offsite", ss[i].offsite));
	}
	return arr;
}

static json_t *
quotas_json(struct kiosk_screen *ks, int64_t pid, const char *date, const char *lang)
{
	struct attendance_quotas q;
	char err[256] = "";
	const struct attendance_quota *sd, *cs;

	if (attendance_quotas(ks->att, pid, date, &q, err, sizeof(err)) != 0) {
		if (err[0])
			log_warn("kiosk: week: quotas: %s", err);
		return NULL;
	}
	sd = &q.q[ATTENDANCE_Q_SELF_DECLARED];
	cs = &q.q[ATTENDANCE_Q_CHILD_SICK];
	return json_pack("{s:{s:i, s:i, s:s}, s:{s:i, s:i, s:s}}", "sick", "left", sd->left,
	                 "limit", sd->limit, "label", i18n_text(lang, NULL, I18N_SICK_LEFT),
	                 "child_sick", "left", cs->left, "limit", cs->limit, "label",
	                 i18n_text(lang, NULL, I18N_CHILD_SICK_LEFT));
}

json_t *
kiosk_screen_week(struct kiosk_screen *ks, const char *ext_id, const char *date, int now_min)
{
	struct store_session ss[WEEK_SESSIONS_MAX];
	struct store_participant p;
	json_t *week, *days, *today_sessions = NULL, *q;
	const char *lang;
	char monday[11], d[11], observed[11] = "";
	int wd, dwd;
	size_t n;

	if (store_participant_by_ext(ks->st, ext_id, &p) != 0)
		return NULL;
	/* days before the kiosk's service date were not observed: no result will come */
	if (attendance_results_from(ks->att, observed) != 0)
		observed[0] = '\0';
	lang = i18n_lookup(p.language) ? i18n_lookup(p.language) : ks->cfg->kiosk.language;
	date_add(date, 0, d, &wd);
	date_add(date, 1 - wd, monday, &dwd);
	if ((days = json_array()) == NULL)
		return NULL;
	for (int i = 0; i < 7; i++) {
		const char *state;
		char *res = NULL;
		int closed, cmp;

		date_add(monday, i, d, &dwd);
		n = 0;
		closed = store_is_closed(ks->st, d);
		if (closed < 0 || (!closed && store_sessions_on(ks->st, p.id, d, dwd, ss,
		                                                WEEK_SESSIONS_MAX, &n) < 0))
			goto fail;
		cmp = strcmp(d, date);
		if (cmp == 0)
			today_sessions = sessions_json(ss, n);
		/* weekends only when scheduled */
		if (dwd >= 6 && n == 0)
			continue;
		if (cmp > 0)
			state = n ? "coming" : "free";
		else if (cmp == 0)
			state = "today";
		else if (strcmp(d, p.programme_start) < 0 ||
		         (observed[0] && strcmp(d, observed) < 0))
			state = "free";
		else if (store_day_result_get(ks->st, p.id, d, &res) < 0)
			goto fail;
		else
			state = n == 0 && res == NULL ? "free" : past_state(res);
		free(res);
		json_array_append_new(days, json_pack("{s:s, s:i, s:i, s:s, s:b}", "date", d,
		                                      "weekday", dwd, "day", atoi(d + 8), "state",
		                                      state, "offsite", n > 0 && ss[0].offsite));
	}
	week = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:s}", "participant", p.ext_id, "lang",
	                 lang, "dir", i18n_rtl(lang) ? "rtl" : "ltr", "date", date, "days", days,
	                 "today", today_sessions ? today_sessions : json_array(), "offsite_label",
	                 i18n_text(lang, NULL, I18N_OFFSITE));
	if (week && ks->cfg->kiosk.show_quotas && (q = quotas_json(ks, p.id, date, lang)))
		json_object_set_new(week, "quotas", q);
	return week;
fail:
	json_decref(days);
	json_decref(today_sessions);
	return NULL;
}

static void
week_run(evutil_socket_t fd, short what, void *arg)
{
	struct kiosk_screen *ks = arg;
	long long t0 = clock_mono_ns(), dt;
	json_t *w = kiosk_screen_week(ks, ks->job.ext_id, ks->job.date, ks->job.now_min);

	dt = clock_mono_ns() - t0;
	ks->weeks++;
	ks->week_ns_total += dt;
	ks->week_ns_max = dt > ks->week_ns_max ? dt : ks->week_ns_max;
	if (w) {
		json_object_set_new(w, "event_id", json_string(ks->job.event_id));
		web_kiosk_publish(ks->web, "week", w);
		json_decref(w);
	}
}

void
kiosk_screen_after_tap(struct kiosk_screen *ks, const struct tap_answer *a)
{
	struct week_job *job;
	struct tm tm;
	time_t secs = (time_t)(a->wall_ms / 1000);

	if (ks == NULL || a->repeat || !a->participant[0] || a->outcome == TAP_REVOKED_CARD ||
	    a->outcome == TAP_STORAGE_ERROR || web_kiosk_clients(ks->web) == 0)
		return;
	job = &ks->job;
	snprintf(job->ext_id, sizeof(job->ext_id), "%s", a->participant);
	snprintf(job->event_id, sizeof(job->event_id), "%s", a->event_id);
	localtime_r(&secs, &tm);
	strftime(job->date, sizeof(job->date), "%Y-%m-%d", &tm);
	job->now_min = tm.tm_hour * 60 + tm.tm_min;
	/* a later loop turn: the answer goes out first; a pending one just takes this job */
	if (!event_pending(ks->week_ev, EV_TIMEOUT, NULL))
		event_active(ks->week_ev, EV_TIMEOUT, 0);
}

void
kiosk_screen_metrics(const struct kiosk_screen *ks, struct evbuffer *out)
{
	if (ks == NULL)
		return;
	evbuffer_add_printf(
	    out,
	    "# HELP stempel_kiosk_week_views_total Weeks computed for the kiosk screen.\n"
	    "# TYPE stempel_kiosk_week_views_total counter\n"
	    "stempel_kiosk_week_views_total %llu\n"
	    "# HELP stempel_kiosk_week_seconds_total Loop time spent computing them.\n"
	    "# TYPE stempel_kiosk_week_seconds_total counter\n"
	    "stempel_kiosk_week_seconds_total %.6f\n"
	    "# HELP stempel_kiosk_week_seconds_max The slowest one.\n"
	    "# TYPE stempel_kiosk_week_seconds_max gauge\n"
	    "stempel_kiosk_week_seconds_max %.6f\n",
	    ks->weeks, ks->week_ns_total / 1e9, ks->week_ns_max / 1e9);
}

struct kiosk_screen *
kiosk_screen_new(struct event_base *base, struct web *web, struct store *st, struct attendance *att,
                 const struct config *cfg)
{
	struct kiosk_screen *ks = calloc(1, sizeof(*ks));

	if (ks == NULL)
		return NULL;
	*ks = (struct kiosk_screen){.base = base, .web = web, .st = st, .att = att, .cfg = cfg};
	sound_dirs(ks);
	sound_scan(ks);
	/* low priority would be nicer; the loop has one priority, so "next turn" it is */
	if ((ks->week_ev = event_new(base, -1, 0, week_run, ks)) == NULL ||
	    web_route_prefix(web, "/kiosk/sound/", on_sound, ks) < 0) {
		kiosk_screen_free(ks);
		return NULL;
	}
	return ks;
}

void
kiosk_screen_free(struct kiosk_screen *ks)
{
	if (ks == NULL)
		return;
	if (ks->week_ev)
		event_free(ks->week_ev);
	free(ks);
}
