/*
 * board_today.c — the Today page: every participant scheduled today with
 * their status from the rules engine, the reader, upload and clock state, and
 * unknown cards waiting to be enrolled.  The part inside #live is also served
 * alone (?part=1) so that app.js can swap it in when a tap event arrives.
 * Counts on top, a group filter and a search (?group=, ?q=) narrow the list.
 */
#include <ctype.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>

#include "board_int.h"
#include "html.h"
#include "log.h"
#include "reports.h"
#include "web.h"
#include "web/stream.h"

#define UNKNOWN_CARD_DAYS 7
#define UNKNOWN_CARD_MAX 20

static const char *
jstr(json_t *o, const char *a, const char *b)
{
	const char *s = json_string_value(json_object_get(json_object_get(o, a), b));

	return s ? s : "?";
}

/* o[key] as a string, "" if absent. */
static const char *
jval(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static void
pill(struct board_req *r, struct evbuffer *out, const char *what, const char *value, int good)
{
	html_fmt(out, "<span class=\"pill %s\">%s: %s</span>", good ? "good" : "bad",
	         board_t(r, what), board_t(r, value));
}

/*
 * What the teacher must know from the upload: cards changed here that a newer
 * roster contradicts (the kiosk keeps its change), and events the municipal
 * system refused (dead letters; an administrator can send them again).
 */
static void
upload_notices(struct board_req *r, struct evbuffer *out, json_t *up)
{
	json_t *list = json_object_get(up, "card_conflict_list"), *x;
	json_int_t dead = json_integer_value(json_object_get(up, "dead"));
	size_t i;

	if (json_array_size(list)) {
		html_fmt(out,
		         "<section class=\"notice\" id=\"card-conflicts\"><h2>%s</h2><p>%s</p>"
		         "<table><thead><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
		         "<th class=\"opt\">%s</th></tr></thead><tbody>",
		         board_t(r, "Card conflicts"),
		         board_t(r, "The roster contradicts a card change made on this kiosk. The "
		                    "kiosk keeps its own change until the roster agrees."),
		         board_t(r, "Participant"), board_t(r, "Card"), board_t(r, "On this kiosk"),
		         board_t(r, "The roster says"), board_t(r, "Changed by"));
		json_array_foreach(list, i, x) html_fmt(
		    out,
		    "<tr data-card=\"%s\"><td>%s</td><td class=\"key\">%.18s…</td>"
		    "<td>%s</td><td>%s</td><td class=\"opt\">%s</td></tr>",
		    jval(x, "card"), jval(x, "participant"), jval(x, "card"),
		    board_t(r, jval(x, "kiosk")), board_t(r, jval(x, "roster")), jval(x, "who"));
		html_fmt(out, "</tbody></table></section>");
	}
	if (dead > 0)
		html_fmt(out,
		         "<section class=\"notice\" id=\"dead-letters\"><p>%lld %s "
		         "<a href=\"/board/dead\">%s</a></p></section>",
		         (long long)dead,
		         board_t(r, "events were refused by the municipal system (dead letters)."),
		         board_t(r, "Show them"));
}

/* ob: the outbox backlog counted on the reports thread (today_run); ob_ok 0: it failed. */
static void
status_bar(struct board_req *r, struct evbuffer *out, const struct store_outbox_stats *ob,
           int ob_ok)
{
	json_t *c = json_object();
	json_t *up;
	char pend[64];

	/* kiosk_health takes these numbers instead of counting on the loop */
	if (c)
		json_object_set_new(c, "outbox_backlog",
		                    json_pack("{s:b, s:I, s:I, s:I}", "ok", ob_ok, "pending",
		                              (json_int_t)ob->pending, "dead", (json_int_t)ob->dead,
		                              "oldest_pending_ms",
		                              (json_int_t)ob->oldest_pending_ms));
	web_health(r->b->web, c);
	html_fmt(out, "<div class=\"statusbar\" id=\"status\">");
	pill(r, out, "Reader", jstr(c, "reader", "state"),
	     json_is_true(json_object_get(json_object_get(c, "reader"), "ok")));
	up = json_object_get(c, "upload");
	if (json_is_true(json_object_get(up, "enabled")))
		snprintf(pend, sizeof(pend), "%lld %s",
		         (long long)json_integer_value(json_object_get(up, "pending")),
		         board_t(r, "pending"));
	else
		snprintf(pend, sizeof(pend), "%s", board_t(r, "off"));
	html_fmt(out, "<span class=\"pill %s\">%s: %s</span>",
	         json_is_false(json_object_get(up, "ok")) ? "bad" : "good", board_t(r, "Upload"),
	         pend);
	pill(r, out, "Clock", jstr(c, "clock", "state"),
	     json_is_true(json_object_get(json_object_get(c, "clock"), "ok")));
	pill(r, out, "Database",
	     json_is_true(json_object_get(json_object_get(c, "database"), "ok")) ? "ok" : "failing",
	     json_is_true(json_object_get(json_object_get(c, "database"), "ok")));
	html_fmt(out, "</div>");
	upload_notices(r, out, up);
	json_decref(c);
}

/*
 * The board's word for a row: the engine's status, except that somebody who has
 * tapped out (or been corrected out) and is not in now has "left", and nobody is
 * "absent" before the first start plus grace (attendance.c: not yet arrived).
 */
enum today_state { T_PRESENT, T_LATE, T_NOT_ARRIVED, T_ABSENT, T_EXCUSED, T_LEFT, T_COUNT };

static const char *const state_key[T_COUNT] = {"present", "late",    "not_arrived",
                                               "absent",  "excused", "left"};
static const char *const state_en[T_COUNT] = {"Present", "Late",    "Not yet arrived",
                                              "Absent",  "Excused", "Left"};

static enum today_state
today_state(const struct attendance_today *t)
{
	int gone = !t->in_now && t->last_out >= 0;

	switch (t->status) {
	case ATTENDANCE_NOT_YET_DUE:
		return T_NOT_ARRIVED;
	case ATTENDANCE_LATE:
		return gone ? T_LEFT : T_LATE;
	case ATTENDANCE_LEFT_EARLY:
		return T_LEFT;
	case ATTENDANCE_ABSENT:
		return T_ABSENT;
	case ATTENDANCE_EXCUSED:
		return T_EXCUSED;
	default:
		return gone ? T_LEFT : T_PRESENT;
	}
}

/* The stray-tap flags of the day so far: the engine's, and what the taps show now. */
static uint32_t
stray_flags(const struct attendance_today *t, int now_min)
{
	uint32_t f = t->flags & (1u << RULES_FLAG_TAP_OUTSIDE_SCHEDULE);

	/* A tap out is missing only once the day's last session is over. */
	if (now_min >= t->end_min && (t->in_now || t->flags & (1u << RULES_FLAG_MISSING_TAP_OUT)))
		f |= 1u << RULES_FLAG_MISSING_TAP_OUT;
	if ((t->first_in >= 0 && (t->first_in >= t->end_min)) ||
	    (t->last_out >= 0 && t->last_out < t->start_min))
		f |= 1u << RULES_FLAG_TAP_OUTSIDE_SCHEDULE;
	return f;
}

/*
 * The words of the rows in the page's language, looked up once per page (board_t
 * searches its table with strcmp: ten words a row, 2,000 rows).
 */
struct today_words {
	const char *name, *status, *in, *out, *schedule, *absence, *correct, *came_late,
	    *left_early;
	const char *state[T_COUNT];
	const char *flag[RULES_FLAG_COUNT];
	const char *category[RULES_CAT_COUNT];
};

static void
words_init(struct board_req *r, struct today_words *w)
{
	w->name = board_t(r, "Name");
	w->status = board_t(r, "Status");
	w->in = board_t(r, "In");
	w->out = board_t(r, "Out");
	w->schedule = board_t(r, "Schedule");
	w->absence = board_t(r, "Register absence");
	w->correct = board_t(r, "Correct a tap");
	w->came_late = board_t(r, "Came late");
	w->left_early = board_t(r, "Left early");
	for (int k = 0; k < T_COUNT; k++)
		w->state[k] = board_t(r, state_en[k]);
	for (int f = 0; f < RULES_FLAG_COUNT; f++)
		w->flag[f] = board_flag_label(r, f);
	for (int c = 0; c < RULES_CAT_COUNT; c++)
		w->category[c] = board_category_label(r, c);
}

static void
row(const struct today_words *w, struct evbuffer *out, const struct attendance_today *t,
    const char *date, const char *group, int now_min)
{
	char in[8], outm[8], s[8], e[8];
	enum today_state ts = today_state(t);
	uint32_t stray = stray_flags(t, now_min);

	board_hhmm(t->first_in, in);
	board_hhmm(t->last_out, outm);
	board_hhmm(t->start_min, s);
	board_hhmm(t->end_min, e);
	html_fmt(out,
	         "<tr data-pid=\"%s\" data-status=\"%s\" data-state=\"%s\" data-group=\"%s\">"
	         "<td data-label=\"%s\"><a class=\"name\" dir=\"auto\" "
	         "href=\"/board/participant?id=%s\">"
	         "%s</a><div class=\"muted\">%s%R%s</div></td>"
	         "<td data-label=\"%s\"><span class=\"st st-%s\">%s</span>",
	         t->ext_id, attendance_status_name(t->status), state_key[ts], group, w->name,
	         t->ext_id, t->name, t->ext_id, *group ? " · " : "", group, w->status,
	         state_key[ts], w->state[ts]);
	if (t->status == ATTENDANCE_EXCUSED && t->excused_category >= 0)
		html_fmt(out, "<div class=\"muted\">%s</div>",
		         t->excused_category < RULES_CAT_COUNT ? w->category[t->excused_category]
		                                               : "?");
	if (t->status == ATTENDANCE_LATE && ts == T_LEFT)
		html_fmt(out, "<div class=\"muted\">%s</div>", w->came_late);
	if (t->status == ATTENDANCE_LEFT_EARLY)
		html_fmt(out, "<div class=\"muted\">%s</div>", w->left_early);
	for (int f = 0; f < RULES_FLAG_COUNT; f++)
		if (stray & (1u << f))
			html_fmt(out, "<div class=\"flag\" data-flag=\"%s\">⚠ %s</div>",
			         rules_flag_name(f), w->flag[f]);
	html_fmt(
	    out,
	    "</td><td data-label=\"%s\">%s</td><td data-label=\"%s\">%s</td>"
	    "<td class=\"opt\" data-label=\"%s\">%s–%s</td>"
	    "<td class=\"actions\"><a class=\"button\" href=\"/board/absence?id=%s&amp;from=%s\">"
	    "%s</a><a class=\"button\" href=\"/board/correct?id=%s&amp;date=%s\">%s</a></td></tr>",
	    w->in, in, w->out, outm, w->schedule, s, e, t->ext_id, date, w->absence, t->ext_id,
	    date, w->correct);
}

struct unknown_ctx {
	struct board_req *r;
	struct evbuffer *out;
	int n;
};

/* A card told apart on the board by its last 4 hex digits, never the whole key. */
void
board_card_code(const char *key, char out[8])
{
	size_t n = strlen(key);

	snprintf(out, 8, "%s", n >= 4 ? key + n - 4 : key);
	for (char *c = out; *c; c++)
		*c = (char)toupper((unsigned char)*c);
}

static int
unknown_row(void *arg, const char *key, int64_t last_ms, int taps)
{
	struct unknown_ctx *u = arg;
	char when[32], code[8];

	board_when(last_ms, "%d.%m. %H:%M", when, sizeof(when));
	board_card_code(key, code);
	if (u->n++ == 0)
		html_fmt(u->out,
		         "<table id=\"unknown\"><thead><tr><th>%s</th><th>%s</th>"
		         "<th class=\"opt\">%s</th><th><span "
		         "class=\"sr\">%s</span></th></tr></thead><tbody>",
		         board_t(u->r, "Last tapped"), board_t(u->r, "Card"), board_t(u->r, "Taps"),
		         board_t(u->r, "Action"));
	html_fmt(u->out,
	         "<tr data-card=\"%s\"><td data-label=\"%s\">%s</td><td data-label=\"%s\">"
	         "<span class=\"key\">…%s</span></td><td class=\"opt\">%d</td>"
	         "<td class=\"actions\"><a class=\"button primary\" href=\"/board/enroll?card=%s\">"
	         "%s</a></td></tr>",
	         key, board_t(u->r, "Last tapped"), when, board_t(u->r, "Card"), code, taps, key,
	         board_t(u->r, "Enroll"));
	return 0;
}

/*
 * Every participant's status is a long read (each through the rules engine from the
 * programme start), so it is computed on the reports thread.  Requests that arrive
 * before that computation has started share it: they wait in one batch, and one
 * computation answers all of them.  A request that arrives after it has started
 * waits for the next one, so it never gets statuses older than itself.
 */
struct today_waiter {
	struct board_req r;
	int full;           /* the whole page, not only #live */
	int64_t arrived_us; /* Server-Timing's total runs from here (web/stream.h) */
	struct today_waiter *next;
};

struct today_batch {
	struct board *b;
	atomic_int started; /* set by the reports thread before it reads anything */
	struct today_waiter *waiters;
	/* The result, written on the reports thread. */
	char date[11];
	int minute;
	struct attendance_today *rows;
	size_t n;
	int failed;
	struct store_outbox_stats ob; /* the status bar's backlog, counted here, not on the loop */
	int ob_ok;
	int64_t began_us, computed_us; /* the computation's span (reports thread) */
	int renders;                   /* render jobs still reading the rows (loop only) */
};

/* The Today view's filter: a group and a search in names and ids. */
static int
shown(const struct board_req *r, const struct attendance_today *t, const char *group)
{
	const char *g = board_arg(r, "group"), *q = board_arg(r, "q");

	if (*g && strcmp(g, group))
		return 0;
	return !*q || strcasestr(t->name, q) || strcasestr(t->ext_id, q);
}

/* The row also has the state asked for (?state=absent: tap a count to see who). */
static int
shown_state(const struct board_req *r, const struct attendance_today *t, const char *group)
{
	const char *st = board_arg(r, "state");

	return shown(r, t, group) && (!*st || strcmp(st, state_key[today_state(t)]) == 0);
}

static void
counts(struct board_req *r, struct evbuffer *out, const struct today_batch *t)
{
	int c[T_COUNT] = {0};

	for (size_t i = 0; i < t->n; i++)
		if (shown(r, &t->rows[i], t->rows[i].group))
			c[today_state(&t->rows[i])]++;
	html_fmt(out, "<ul class=\"counts\" id=\"counts\" aria-label=\"%s\">",
	         board_t(r, "Counts"));
	char gq[128], qq[256];

	board_url_part(board_arg(r, "group"), gq, sizeof(gq));
	board_url_part(board_arg(r, "q"), qq, sizeof(qq));
	for (int k = 0; k < T_COUNT; k++) {
		int here = strcmp(board_arg(r, "state"), state_key[k]) == 0;

		/* Each count is a link to its rows (again: everyone). */
		html_fmt(out,
		         "<li class=\"c-%s\" data-count=\"%s\"><a href=\"/board/today?group=%s&amp;"
		         "q=%s&amp;state=%s\"%R><strong>%d</strong> %s</a></li>",
		         state_key[k], state_key[k], gq, qq, here ? "" : state_key[k],
		         here ? " aria-current=\"true\"" : "", c[k], board_t(r, state_en[k]));
	}
	html_fmt(out, "</ul>");
}

/*
 * The rows go to the stream as they are made: a page of 2,000 participants is never
 * whole in memory.  -1: the client has gone (the rest is not made).
 */
static int
flush_some(struct web_stream *s, struct evbuffer *out)
{
	if (evbuffer_get_length(out) < WEB_STREAM_CHUNK / 4)
		return 0;
	return web_stream_add_buffer(s, out);
}

static int
render_table(struct board_req *r, struct evbuffer *out, const struct today_batch *t,
             struct web_stream *s)
{
	struct today_words w;
	size_t shown_n = 0;

	if (t->n == 0) {
		html_fmt(out, "<p class=\"muted\">%s</p>",
		         board_t(r, "Nobody is scheduled today."));
		return 0;
	}
	counts(r, out, t);
	html_fmt(out,
	         "<table id=\"today\" class=\"stack\"><thead><tr><th>%s</th><th>%s</th><th>%s</th>"
	         "<th>%s</th><th class=\"opt\">%s</th><th><span class=\"sr\">%s</span></th></tr>"
	         "</thead><tbody>",
	         board_t(r, "Name"), board_t(r, "Status"), board_t(r, "In"), board_t(r, "Out"),
	         board_t(r, "Schedule"), board_t(r, "Action"));
	words_init(r, &w);
	for (size_t i = 0; i < t->n; i++)
		if (shown_state(r, &t->rows[i], t->rows[i].group)) {
			row(&w, out, &t->rows[i], t->date, t->rows[i].group, t->minute);
			shown_n++;
			if (flush_some(s, out) < 0)
				return -1;
		}
	html_fmt(out, "</tbody></table>");
	if (shown_n == 0)
		html_fmt(out, "<p class=\"muted\" id=\"none\">%s</p>",
		         board_t(r, "Nobody matches the search."));
	return 0;
}

/* On the reports thread. */
static void
today_run(struct reports_ctx *ctx, void *arg)
{
	struct today_batch *t = arg;
	char err[256];

	atomic_store(&t->started, 1);
	t->began_us = web_stream_clock_us();
	t->ob_ok = store_outbox_backlog(ctx->store, &t->ob) == 0;
	attendance_local_now(t->date, &t->minute);
	if (attendance_today(ctx->att, t->date, t->minute, &t->rows, &t->n, err, sizeof(err)) < 0) {
		log_err("board: today: %s", err);
		t->failed = 1;
		return;
	}
	t->computed_us = web_stream_clock_us();
}

/*
 * What the live part shows besides the table comes from the loop (reader, upload and
 * clock state, the unknown cards of the loop's connection): small, made on the loop
 * before the page is rendered on the reports thread.  The outbox backlog is not
 * small (a count over every pending event): today_run counts it with the rows.
 */
static void
render_status(struct board_req *r, struct evbuffer *out, const struct today_batch *t)
{
	status_bar(r, out, &t->ob, t->ob_ok);
}

static void
render_unknown(struct board_req *r, struct evbuffer *out)
{
	struct unknown_ctx u = {r, out, 0};

	store_unknown_cards(r->b->store, board_now_ms() - UNKNOWN_CARD_DAYS * 86400000LL,
	                    UNKNOWN_CARD_MAX, unknown_row, &u);
	if (u.n)
		html_fmt(out, "</tbody></table>");
	else
		html_fmt(out, "<p class=\"muted\" id=\"unknown\">%s</p>",
		         board_t(r, "No unknown cards were tapped in the last 7 days."));
}

/* The search and group filter (a GET form: works without script). */
static void
filter_form(struct board_req *r, struct evbuffer *out, const struct today_batch *t)
{
	const char *g = board_arg(r, "group");
	char gq[128];

	html_fmt(
	    out,
	    "<form class=\"filter\" method=\"get\" action=\"/board/today\" role=\"search\">"
	    "<label>%s<input type=\"search\" name=\"q\" value=\"%s\" autocomplete=\"off\"></label>"
	    "<label>%s<select name=\"group\"><option value=\"\">%s</option>",
	    board_t(r, "Search name or id"), board_arg(r, "q"), board_t(r, "Group"),
	    board_t(r, "All groups"));
	for (size_t i = 0; i < t->n; i++) {
		size_t k;

		if (!t->rows[i].group[0])
			continue;
		for (k = 0; k < i; k++)
			if (strcmp(t->rows[k].group, t->rows[i].group) == 0)
				break;
		if (k == i)
			html_fmt(out, "<option value=\"%s\"%R>%s</option>", t->rows[i].group,
			         strcmp(g, t->rows[i].group) ? "" : " selected", t->rows[i].group);
	}
	/* A search looks at everyone again: a count's state is not kept. */
	html_fmt(out, "</select></label><button type=\"submit\">%s</button>", board_t(r, "Show"));
	/* The week grid of the group shown (or everyone), printable. */
	board_url_part(g, gq, sizeof(gq));
	html_fmt(out, "<a class=\"button\" href=\"/board/class?group=%s\">%s</a>", gq,
	         board_t(r, "Class view"));
	html_fmt(out, "</form>");
}

/* One waiter's page (or only its #live part), rendered on the reports thread. */
struct today_render {
	struct today_waiter *w;
	struct today_batch *t;
	struct evbuffer *status, *unknown; /* made on the loop */
	struct web_stream *stream;
};

static void
render_run(struct reports_ctx *ctx, void *arg)
{
	struct today_render *j = arg;
	struct board_req *r = &j->w->r;
	const struct today_batch *t = j->t;
	struct evbuffer *out = evbuffer_new();
	int64_t began = web_stream_clock_us();

	(void)ctx;
	if (out == NULL)
		return; /* not ended: web_stream_done answers 503 */
	/* Waiting for the reports thread, the rows (shared by a batch), this page. */
	if (t->computed_us) {
		int64_t wait = t->began_us - j->w->arrived_us;

		web_stream_timing(j->stream, "queue", (double)(wait > 0 ? wait : 0) / 1000.0);
		web_stream_timing(j->stream, "compute",
		                  (double)(t->computed_us - t->began_us) / 1000.0);
	}
	if (j->w->full) {
		board_page_begin(r, out, board_t(r, "Today"), "today");
		html_fmt(out, "<h1>%s <span class=\"muted\">%s</span></h1>", board_t(r, "Today"),
		         t->date);
		if (!t->failed)
			filter_form(r, out, t);
	}
	html_fmt(out, "<div id=\"live\">");
	evbuffer_add_buffer(out, j->status);
	if (t->failed)
		html_fmt(out, "<p class=\"error\">%s</p>", board_t(r, "Something went wrong"));
	else if (render_table(r, out, t, j->stream) < 0)
		goto out;
	html_fmt(out, "<h2>%s</h2>", board_t(r, "Unknown cards"));
	evbuffer_add_buffer(out, j->unknown);
	html_fmt(out, "</div>");
	if (j->w->full)
		board_page_end(r, out);
	web_stream_timing(j->stream, "render", (double)(web_stream_clock_us() - began) / 1000.0);
	if (web_stream_add_buffer(j->stream, out) == 0)
		web_stream_end(j->stream);
out:
	evbuffer_free(out);
}

static void
batch_free(struct today_batch *t)
{
	free(t->rows);
	free(t);
}

static void
render_done(void *arg, int ran)
{
	struct today_render *j = arg;

	(void)ran; /* a page not ended is cut off (or a 503) by web_stream_done */
	web_stream_done(j->stream);
	board_end(&j->w->r);
	free(j->w);
	evbuffer_free(j->status);
	evbuffer_free(j->unknown);
	if (--j->t->renders == 0 && j->t->waiters == NULL)
		batch_free(j->t);
	free(j);
}

/*
 * On the loop: the parts that read loop state, then the page goes to the reports
 * thread and is streamed from there.  0, or -1 (nothing sent, `w` still ours).
 */
static int
answer(struct today_waiter *w, struct today_batch *t)
{
	struct board_req *r = &w->r;
	struct today_render *j = calloc(1, sizeof(*j));

	if (j == NULL)
		return -1;
	j->w = w;
	j->t = t;
	if ((j->status = evbuffer_new()) == NULL || (j->unknown = evbuffer_new()) == NULL)
		goto fail;
	render_status(r, j->status, t);
	render_unknown(r, j->unknown);
	board_page_headers(r->req);
	evhttp_add_header(evhttp_request_get_output_headers(r->req), "Content-Type",
	                  "text/html; charset=utf-8");
	if ((j->stream = web_stream_new(web_base(r->b->web), r->req, r->b->reports)) == NULL)
		goto fail;
	web_stream_since(j->stream, w->arrived_us);
	if (reports_submit(r->b->reports, render_run, render_done, j) < 0) {
		web_stream_done(j->stream); /* nothing sent: a 503 */
		j->stream = NULL;
		board_end(r);
		free(w);
		evbuffer_free(j->status);
		evbuffer_free(j->unknown);
		free(j);
		return 0;
	}
	t->renders++;
	return 0;
fail:
	if (j->status)
		evbuffer_free(j->status);
	if (j->unknown)
		evbuffer_free(j->unknown);
	free(j);
	return -1;
}

/*
 * On the loop: answer everyone who waited for this computation, each with their own
 * filter and language, rendered and sent as a stream.
 */
static void
today_done(void *arg, int ran)
{
	struct today_batch *t = arg;
	struct today_waiter *w, *next;

	if (t->b->today_next == t)
		t->b->today_next = NULL;
	w = t->waiters;
	t->waiters = NULL;
	for (; w; w = next) {
		next = w->next;
		if (ran && answer(w, t) == 0)
			continue;
		if (!ran)
			board_fail(&w->r, 503, board_t(&w->r, "The kiosk is stopping."));
		else
			evhttp_send_error(w->r.req, 503, NULL);
		board_end(&w->r);
		free(w);
	}
	if (t->renders == 0)
		batch_free(t);
}

static void
on_today(struct evhttp_request *req, void *arg)
{
	struct board *b = arg;
	struct today_waiter *w;
	struct today_batch *t = b->today_next;

	if ((w = calloc(1, sizeof(*w))) == NULL) {
		evhttp_send_error(req, 503, NULL);
		return;
	}
	w->arrived_us = web_stream_clock_us();
	if (board_begin(b, req, BOARD_HTML, &w->r) < 0) {
		free(w);
		return;
	}
	w->full = strcmp(board_arg(&w->r, "part"), "1") != 0;
	if (t == NULL || atomic_load(&t->started)) {
		if ((t = calloc(1, sizeof(*t))) != NULL)
			t->b = b;
		if (t == NULL || reports_submit(b->reports, today_run, today_done, t) < 0) {
			free(t);
			board_fail(&w->r, 503, board_t(&w->r, "Something went wrong"));
			board_end(&w->r);
			free(w);
			return;
		}
		b->today_next = t;
	}
	w->next = t->waiters;
	t->waiters = w;
}

struct list_ctx {
	struct board_req *r;
	struct evbuffer *out;
};

static int
list_row(void *arg, const struct store_participant *p)
{
	struct list_ctx *l = arg;

	if (!p->active)
		return 0;
	html_fmt(l->out,
	         "<tr><td><a class=\"name\" dir=\"auto\" href=\"/board/participant?id=%s\">"
	         "%s</a></td><td>%s</td><td>%s</td><td class=\"opt\">%s</td>"
	         "<td class=\"opt\">%s</td></tr>",
	         p->ext_id, p->name, p->ext_id, p->group, p->regime, p->programme_start);
	return 0;
}

static void
on_participants(struct evhttp_request *req, void *arg)
{
	struct board_req r;
	struct evbuffer *out;
	struct list_ctx l;

	if (board_begin(arg, req, BOARD_HTML, &r) < 0)
		return;
	if ((out = board_page_new(&r, board_t(&r, "Participants"), "participants")) == NULL) {
		board_end(&r);
		return;
	}
	l = (struct list_ctx){&r, out};
	html_fmt(out,
	         "<h1>%s</h1><table><thead><tr><th>%s</th><th>ID</th><th>%s</th>"
	         "<th class=\"opt\">%s</th><th class=\"opt\">%s</th></tr></thead><tbody>",
	         board_t(&r, "Participants"), board_t(&r, "Name"), board_t(&r, "Group"),
	         board_t(&r, "Regime"), board_t(&r, "Programme start"));
	store_participant_each(r.b->store, list_row, &l);
	html_fmt(out, "</tbody></table>");
	board_page_finish(&r, out, 200);
	board_end(&r);
}

void
board_today_routes(struct board *b)
{
	web_route(b->web, "/board", on_today, b);
	web_route(b->web, "/board/", on_today, b);
	web_route(b->web, "/board/today", on_today, b);
	web_route(b->web, "/board/participants", on_participants, b);
}
