/*
 * board_dead.c — dead letters for administrators: the events the municipal
 * system refused (with its reason), and a button to send one, or all, again
 * (the audited outbox.retry command, the same as `stempelctl outbox dead retry`).
 */
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "board_int.h"
#include "cmd/cmd.h"
#include "form.h"
#include "html.h"
#include "web.h"

struct dead_ctx {
	struct board_req *r;
	struct evbuffer *out;
};

static int
dead_row(void *arg, const struct store_dead *d)
{
	struct dead_ctx *c = arg;
	char when[32];

	board_when(d->dead_ms, "%Y-%m-%d %H:%M", when, sizeof(when));
	html_fmt(c->out,
	         "<tr data-id=\"%s\"><td>%lld</td><td>%s</td><td>%s</td>"
	         "<td dir=\"auto\">%s</td><td class=\"actions\"><form method=\"post\" "
	         "action=\"/board/dead\"><input type=\"hidden\" name=\"id\" value=\"%s\">",
	         d->id, (long long)d->seq, d->type, when, d->reason, d->id);
	board_csrf_field(c->r, c->out);
	html_fmt(c->out, "<button type=\"submit\">%s</button></form></td></tr>",
	         board_t(c->r, "Send again"));
	return 0;
}

static void
dead_page(struct board_req *r, const char *error, const char *notice, int status)
{
	struct dead_ctx c = {r, board_page_new(r, board_t(r, "Dead letters"), "dead")};
	int n;

	if (c.out == NULL)
		return;
	html_fmt(
	    c.out, "<h1>%s</h1><p>%s</p>", board_t(r, "Dead letters"),
	    board_t(r, "Events the municipal system refused, with its reason. Send one again "
	               "once the reason is fixed; it keeps its id, so nothing is counted twice."));
	if (error)
		html_fmt(c.out, "<p class=\"error\" role=\"alert\">%s</p>", error);
	if (notice)
		html_fmt(c.out, "<p class=\"notice\" role=\"status\">%s</p>", notice);
	html_fmt(c.out,
	         "<table id=\"dead\"><thead><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
	         "<th></th></tr></thead><tbody>",
	         board_t(r, "Seq"), board_t(r, "Type"), board_t(r, "Refused"),
	         board_t(r, "Reason"));
	n = store_outbox_dead_each(r->b->store, dead_row, &c);
	html_fmt(c.out, "</tbody></table>");
	if (n > 1) {
		html_fmt(c.out, "<form method=\"post\" action=\"/board/dead\">"
		                "<input type=\"hidden\" name=\"all\" value=\"1\">");
		board_csrf_field(r, c.out);
		html_fmt(c.out, "<button type=\"submit\">%s</button></form>",
		         board_t(r, "Send all again"));
	} else if (n == 0) {
		html_fmt(c.out, "<p>%s</p>", board_t(r, "No dead letters."));
	}
	board_page_finish(r, c.out, status);
}

static void
on_dead(struct evhttp_request *req, void *arg)
{
	struct board_req r;
	struct form f = {0};
	struct cmd_outbox_retry_args a = {0};
	struct cmd_ctx ctx;
	struct cmd_result res;
	char actor[96];
	const char *v;

	if (board_begin(arg, req, BOARD_HTML, &r) < 0)
		return;
	if (board_need_admin(&r) < 0) {
		board_end(&r);
		return;
	}
	if (evhttp_request_get_command(req) == EVHTTP_REQ_GET) {
		dead_page(&r, NULL, NULL, 200);
		board_end(&r);
		return;
	}
	if (board_post(&r, &f) < 0) {
		board_end(&r);
		return;
	}
	v = form_get(&f, "all");
	a.all = v && strcmp(v, "1") == 0;
	a.id = a.all ? NULL : form_get(&f, "id");
	board_actor(&r, actor, sizeof(actor));
	cmd_ctx_init(&ctx, r.b->cmd, actor);
	if (cmd_outbox_retry(&ctx, &a, &res) < 0) {
		dead_page(&r, res.msg, NULL, board_cmd_status(&res));
	} else {
		dead_page(&r, NULL, res.msg, 200);
		cmd_result_free(&res);
	}
	form_free(&f);
	board_end(&r);
}

void
board_dead_routes(struct board *b)
{
	web_route(b->web, "/board/dead", on_dead, b);
}
