/*
 * board_today.c — the Today page: every participant scheduled today with
 * their status from the rules engine, the reader, upload and clock state, and
 * unknown cards waiting to be enrolled.  The part inside #live is also served
 * alone (?part=1) so that app.js can swap it in when a tap event arrives.
 */
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
		html_fmt(out, "<section class=\"notice\" id=\"card-conflicts\"><h2>%s</h2><p>%s</p>"
			      "<table><thead><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
			      "<th class=\"opt\">%s</th></tr></thead><tbody>",
			 board_t(r, "Card conflicts"),
			 board_t(r, "The roster contradicts a card change made on this kiosk. The "
				    "kiosk keeps its own change until the roster agrees."),
			 board_t(r, "Participant"), board_t(r, "Card"), board_t(r, "On this kiosk"),
			 board_t(r, "The roster says"), board_t(r, "Changed by"));
		json_array_foreach(list, i, x)
			html_fmt(out, "<tr data-card=\"%s\"><td>%s</td><td class=\"key\">%.18s…</td>"
				      "<td>%s</td><td>%s</td><td class=\"opt\">%s</td></tr>",
				 jval(x, "card"), jval(x, "participant"),
				 jval(x, "card"), board_t(r, jval(x, "kiosk")),
				 board_t(r, jval(x, "roster")), jval(x, "who"));
		html_fmt(out, "</tbody></table></section>");
	}
	if (dead > 0)
		html_fmt(out, "<section class=\"notice\" id=\"dead-letters\"><p>%lld %s "
			      "<a href=\"/board/dead\">%s</a></p></section>",
			 (long long)dead,
			 board_t(r, "events were refused by the municipal system (dead letters)."),
			 board_t(r, "Show them"));
}

static void
status_bar(struct board_req *r, struct evbuffer *out)
{
	json_t *c = json_object();
	json_t *up;
	char pend[64];

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
		 json_is_false(json_object_get(up, "ok")) ? "bad" : "good", board_t(r, "Upload"), pend);
	pill(r, out, "Clock", jstr(c, "clock", "state"),
	     json_is_true(json_object_get(json_object_get(c, "clock"), "ok")));
	pill(r, out, "Database",
	     json_is_true(json_object_get(json_object_get(c, "database"), "ok")) ? "ok" : "failing",
	     json_is_true(json_object_get(json_object_get(c, "database"), "ok")));
	html_fmt(out, "</div>");
	upload_notices(r, out, up);
	json_decref(c);
}

static void
row(struct board_req *r, struct evbuffer *out, const struct attendance_today *t, const char *date)
{
	char in[8], outm[8], s[8], e[8];
	const char *st = attendance_status_name(t->status);

	board_hhmm(t->first_in, in);
	board_hhmm(t->last_out, outm);
	board_hhmm(t->start_min, s);
	board_hhmm(t->end_min, e);
	html_fmt(out, "<tr data-pid=\"%s\" data-status=\"%s\"><td><a class=\"name\" dir=\"auto\" "
		      "href=\"/board/participant?id=%s\">%s</a><div class=\"muted\">%s</div></td>"
		      "<td><span class=\"st st-%s\">%s</span>",
		 t->ext_id, st, t->ext_id, t->name, t->ext_id, st, board_status_label(r, t->status));
	if (t->status == ATTENDANCE_EXCUSED && t->excused_category >= 0)
		html_fmt(out, "<div class=\"muted\">%s</div>",
			 board_category_label(r, t->excused_category));
	html_fmt(out, "</td><td>%s</td><td>%s</td><td class=\"opt\">%s–%s</td>"
		      "<td class=\"actions\"><a class=\"button\" href=\"/board/absence?id=%s&amp;from=%s\">"
		      "%s</a><a class=\"button\" href=\"/board/correct?id=%s&amp;date=%s\">%s</a></td></tr>",
		 in, outm, s, e, t->ext_id, date, board_t(r, "Register absence"), t->ext_id, date,
		 board_t(r, "Correct a tap"));
}

struct unknown_ctx {
	struct board_req *r;
	struct evbuffer *out;
	int n;
};

static int
unknown_row(void *arg, const char *key, int64_t last_ms, int taps)
{
	struct unknown_ctx *u = arg;
	char when[32];

	board_when(last_ms, "%d.%m. %H:%M", when, sizeof(when));
	if (u->n++ == 0)
		html_fmt(u->out, "<table id=\"unknown\"><thead><tr><th>%s</th><th>%s</th>"
				 "<th class=\"opt\">%s</th><th></th></tr></thead><tbody>",
			 board_t(u->r, "Card"), board_t(u->r, "Last tapped"), board_t(u->r, "Taps"));
	/* The card key is an HMAC of the UID; the first hex digits tell cards apart. */
	html_fmt(u->out, "<tr data-card=\"%s\"><td class=\"key\">%.18s…</td><td>%s</td>"
			 "<td class=\"opt\">%d</td><td class=\"actions\"><a class=\"button primary\" "
			 "href=\"/board/enroll?card=%s\">%s</a></td></tr>",
		 key, key, when, taps, key, board_t(u->r, "Enroll"));
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
	int full; /* the whole page, not only #live */
	struct today_waiter *next;
};

struct today_batch {
	struct board *b;
	atomic_int started; /* set by the reports thread before it reads anything */
	struct today_waiter *waiters;
	/* The result, written on the reports thread: the table in nb and in en. */
	char date[11];
	struct evbuffer *table[2];
	int failed;
};

static const char *const batch_lang[2] = {"nb", "en"};

static void
render_table(struct board_req *r, struct evbuffer *out, const struct attendance_today *rows,
	     size_t n, const char *date)
{
	if (n == 0) {
		html_fmt(out, "<p class=\"muted\">%s</p>", board_t(r, "Nobody is scheduled today."));
		return;
	}
	html_fmt(out, "<table id=\"today\"><thead><tr><th>%s</th><th>%s</th><th>%s</th>"
		      "<th>%s</th><th class=\"opt\">%s</th><th></th></tr></thead><tbody>",
		 board_t(r, "Name"), board_t(r, "Status"), board_t(r, "In"), board_t(r, "Out"),
		 board_t(r, "Schedule"));
	for (size_t i = 0; i < n; i++)
		row(r, out, &rows[i], date);
	html_fmt(out, "</tbody></table>");
}

/* On the reports thread. */
static void
today_run(struct reports_ctx *ctx, void *arg)
{
	struct today_batch *t = arg;
	struct attendance_today *rows = NULL;
	char err[256];
	size_t n = 0;
	int minute;

	atomic_store(&t->started, 1);
	attendance_local_now(t->date, &minute);
	if (attendance_today(ctx->att, t->date, minute, &rows, &n, err, sizeof(err)) < 0) {
		log_err("board: today: %s", err);
		t->failed = 1;
		return;
	}
	for (int i = 0; i < 2; i++) {
		struct board_req r = {.lang = batch_lang[i]};

		if ((t->table[i] = evbuffer_new()) == NULL) {
			t->failed = 1;
			break;
		}
		render_table(&r, t->table[i], rows, n, t->date);
	}
	free(rows);
}

/* The live part around the computed table: state on top, unknown cards below. */
static void
render_live(struct board_req *r, struct evbuffer *out, const struct today_batch *t)
{
	struct unknown_ctx u = {r, out, 0};
	struct evbuffer *tbl = t->table[strcmp(r->lang, "en") == 0];

	html_fmt(out, "<div id=\"live\">");
	status_bar(r, out);
	if (t->failed || tbl == NULL)
		html_fmt(out, "<p class=\"error\">%s</p>", board_t(r, "Something went wrong"));
	else
		evbuffer_add(out, evbuffer_pullup(tbl, -1), evbuffer_get_length(tbl));
	html_fmt(out, "<h2>%s</h2>", board_t(r, "Unknown cards"));
	store_unknown_cards(r->b->store, board_now_ms() - UNKNOWN_CARD_DAYS * 86400000LL,
			    UNKNOWN_CARD_MAX, unknown_row, &u);
	if (u.n)
		html_fmt(out, "</tbody></table>");
	else
		html_fmt(out, "<p class=\"muted\" id=\"unknown\">%s</p>",
			 board_t(r, "No unknown cards were tapped in the last 7 days."));
	html_fmt(out, "</div>");
}

static void
answer(struct today_waiter *w, const struct today_batch *t, struct evbuffer *live)
{
	struct board_req *r = &w->r;
	struct evbuffer *out;

	if (live == NULL) {
		evhttp_send_error(r->req, 503, NULL);
	} else if (!w->full) {
		/* Only the live part, for app.js to swap in. */
		if ((out = evbuffer_new()) != NULL) {
			evbuffer_add(out, evbuffer_pullup(live, -1), evbuffer_get_length(live));
			board_send_html(r->req, 200, out);
			evbuffer_free(out);
		} else {
			evhttp_send_error(r->req, 503, NULL);
		}
	} else if ((out = board_page_new(r, board_t(r, "Today"), "today")) != NULL) {
		html_fmt(out, "<h1>%s <span class=\"muted\">%s</span></h1>", board_t(r, "Today"),
			 t->date);
		evbuffer_add(out, evbuffer_pullup(live, -1), evbuffer_get_length(live));
		board_page_finish(r, out, 200);
	}
}

/*
 * On the loop: answer everyone who waited for this computation.  The live part is
 * the same for everyone who reads the same language: rendered once for each.
 */
static void
today_done(void *arg, int ran)
{
	struct today_batch *t = arg;
	struct today_waiter *w, *next;
	struct evbuffer *live[2] = {NULL, NULL};

	if (t->b->today_next == t)
		t->b->today_next = NULL;
	for (w = t->waiters; w; w = next) {
		int en = strcmp(w->r.lang, "en") == 0;

		next = w->next;
		if (!ran) {
			board_fail(&w->r, 503, board_t(&w->r, "The kiosk is stopping."));
		} else {
			if (live[en] == NULL && (live[en] = evbuffer_new()) != NULL)
				render_live(&w->r, live[en], t);
			answer(w, t, live[en]);
		}
		board_end(&w->r);
		free(w);
	}
	for (int i = 0; i < 2; i++) {
		if (live[i])
			evbuffer_free(live[i]);
		if (t->table[i])
			evbuffer_free(t->table[i]);
	}
	free(t);
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
	html_fmt(l->out, "<tr><td><a class=\"name\" dir=\"auto\" href=\"/board/participant?id=%s\">"
			 "%s</a></td><td>%s</td><td class=\"opt\">%s</td><td class=\"opt\">%s</td></tr>",
		 p->ext_id, p->name, p->ext_id, p->regime, p->programme_start);
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
	html_fmt(out, "<h1>%s</h1><table><thead><tr><th>%s</th><th>ID</th><th class=\"opt\">%s</th>"
		      "<th class=\"opt\">%s</th></tr></thead><tbody>",
		 board_t(&r, "Participants"), board_t(&r, "Name"), board_t(&r, "Regime"),
		 board_t(&r, "Programme start"));
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
