/*
 * board_admin.c — the administrators' pages besides the audit log: pay periods
 * with their state (running, ended, closed) and the centre's closed days, where
 * a closure for everyone is added (closure.add, with a reason).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>

#include "board_int.h"
#include "cmd/cmd.h"
#include "html.h"
#include "period.h"
#include "web.h"

static void
on_periods(struct evhttp_request *req, void *arg)
{
	static const char *const state_en[][2] = {
	    {"running", "Running"}, {"ended", "Ended, not closed"}, {"closed", "Closed"}};
	struct board_req r;
	struct store_period *ps = NULL;
	struct period *per = NULL;
	struct evbuffer *out;
	char who[96], when[32], err[512];
	size_t n = 0;

	if (board_begin(arg, req, BOARD_HTML, &r) < 0)
		return;
	if (board_need_admin(&r) < 0 ||
	    (out = board_page_new(&r, board_t(&r, "Pay periods"), "periods")) == NULL) {
		board_end(&r);
		return;
	}
	html_fmt(out, "<h1>%s</h1>", board_t(&r, "Pay periods"));
	/* As the payroll API lists them: missing periods up to today's are created first. */
	if (period_open(&per, r.b->store, r.b->att, r.b->cfg, err, sizeof(err)) < 0 ||
	    period_list(per, &ps, &n, err, sizeof(err)) < 0) {
		html_fmt(out, "<p class=\"error\">%s</p>", err);
	} else if (n == 0) {
		html_fmt(out, "<p class=\"muted\">%s</p>", board_t(&r, "No pay periods yet."));
	} else {
		html_fmt(out,
		         "<table id=\"periods\" class=\"stack\"><thead><tr><th>%s</th><th>%s</th>"
		         "<th>%s</th></tr></thead><tbody>",
		         board_t(&r, "Period"), board_t(&r, "State"), board_t(&r, "Closed"));
		for (size_t i = n; i-- > 0;) {
			json_t *j = period_json(&ps[i]);
			const char *st = json_string_value(json_object_get(j, "state"));
			const char *label = st ? st : "?";

			for (size_t k = 0; k < 3; k++)
				if (st && strcmp(st, state_en[k][0]) == 0)
					label = board_t(&r, state_en[k][1]);
			html_fmt(out,
			         "<tr data-period=\"%lld\" data-state=\"%s\"><td data-label=\"%s\">"
			         "%s – %s</td><td data-label=\"%s\"><span class=\"tag "
			         "p-%s\">%s</span></td>"
			         "<td data-label=\"%s\">",
			         (long long)ps[i].id, st ? st : "", board_t(&r, "Period"),
			         ps[i].from, ps[i].to, board_t(&r, "State"), st ? st : "", label,
			         board_t(&r, "Closed"));
			if (ps[i].closed_ms) {
				board_who(&r, ps[i].closed_by, who, sizeof(who));
				board_when(ps[i].closed_ms, "%d.%m.%Y %H:%M", when, sizeof(when));
				html_fmt(out, "%s, %s", when, who);
			} else {
				html_fmt(out, "–");
			}
			html_fmt(out, "</td></tr>");
			json_decref(j);
		}
		html_fmt(out, "</tbody></table>");
	}
	html_fmt(out, "<p class=\"muted\">%s</p>",
	         board_t(&r, "A period is closed with stempelctl payroll close, once every day in "
	                     "it is final."));
	free(ps);
	period_free(per);
	board_page_finish(&r, out, 200);
	board_end(&r);
}

static void
closures_page(struct board_req *r, const char *error, int status)
{
	struct evbuffer *out;
	char(*dates)[11] = NULL;
	size_t n = 0;

	if ((out = board_page_new(r, board_t(r, "Closed days"), "closures")) == NULL)
		return;
	html_fmt(out, "<h1>%s</h1>", board_t(r, "Closed days"));
	if (error)
		html_fmt(out, "<p class=\"error\" role=\"alert\">%s</p>", error);
	if (strcmp(board_arg(r, "saved"), "1") == 0)
		html_fmt(out, "<p class=\"notice\" role=\"status\" id=\"flash\">✓ %s</p>",
		         board_t(r, "Saved: the centre is closed that day."));
	html_fmt(
	    out,
	    "<p>%s</p><form class=\"grid card\" method=\"post\" action=\"/board/closures\" "
	    "id=\"closure\">",
	    board_t(r,
	            "On a closed day nobody is expected: nobody is absent, nothing is deducted."));
	board_csrf_field(r, out);
	html_fmt(
	    out,
	    "<label>%s<input type=\"date\" name=\"date\" required></label>"
	    "<label>%s<input name=\"reason\" required maxlength=\"250\" dir=\"auto\"></label>"
	    "<p class=\"full\"><button type=\"submit\" class=\"primary\">%s</button></p></form>",
	    board_t(r, "Date"), board_t(r, "Reason (required)"), board_t(r, "Close the centre"));
	if (store_closure_dates(r->b->store, &dates, &n) == 0 && n) {
		html_fmt(out, "<h2>%s</h2><ul id=\"closures\">", board_t(r, "Closed days"));
		for (size_t i = n; i-- > 0;)
			html_fmt(out, "<li>%s</li>", dates[i]);
		html_fmt(out, "</ul>");
	}
	free(dates);
	board_page_finish(r, out, status);
}

static void
on_closures(struct evhttp_request *req, void *arg)
{
	struct board_req r;
	struct form f = {0};
	struct cmd_ctx ctx;
	struct cmd_result res = {0};
	struct cmd_closure_add_args a;
	char actor[96];

	if (board_begin(arg, req, BOARD_HTML, &r) < 0)
		return;
	if (board_need_admin(&r) < 0)
		goto done;
	if (evhttp_request_get_command(req) == EVHTTP_REQ_GET) {
		closures_page(&r, NULL, 200);
		goto done;
	}
	if (board_post(&r, &f) < 0)
		goto done;
	a = (struct cmd_closure_add_args){.date = form_get(&f, "date"),
	                                  .reason = form_get(&f, "reason")};
	board_actor(&r, actor, sizeof(actor));
	cmd_ctx_init(&ctx, r.b->cmd, actor);
	if (cmd_closure_add(&ctx, &a, &res) < 0)
		closures_page(&r, res.msg, board_cmd_status(&res));
	else
		board_redirect(req, "/board/closures?saved=1");
	cmd_result_free(&res);
	form_free(&f);
done:
	board_end(&r);
}

void
board_admin_routes(struct board *b)
{
	web_route(b->web, "/board/periods", on_periods, b);
	web_route(b->web, "/board/closures", on_closures, b);
}
