/*
 * board_audit.c — the audit log for administrators, newest first, with the
 * state of its hash chain on top (the same walk as `stempelctl audit verify`).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "board_int.h"
#include "html.h"
#include "web.h"

#define AUDIT_PAGE 100

struct audit_ctx {
	struct board_req *r;
	struct evbuffer *out;
	int64_t last_id;
	int n;
};

static int
audit_row(void *arg, const struct store_audit_entry *e)
{
	struct audit_ctx *a = arg;
	char when[32];

	board_when(e->at_ms, "%Y-%m-%d %H:%M:%S", when, sizeof(when));
	html_fmt(a->out, "<tr><td>%lld</td><td>%s</td><td dir=\"auto\">%s</td><td>%s</td>"
			 "<td dir=\"auto\">%s</td></tr>",
		 (long long)e->id, when, e->who ? e->who : "", e->action ? e->action : "",
		 e->detail ? e->detail : "");
	a->last_id = e->id;
	a->n++;
	return 0;
}

static void
on_audit(struct evhttp_request *req, void *arg)
{
	struct board_req r;
	struct audit_ctx a = {&r, NULL, 0, 0};
	int64_t entries, bad;
	char why[256] = "";
	int rc;

	if (board_begin(arg, req, BOARD_HTML, &r) < 0)
		return;
	if (board_need_admin(&r) < 0 ||
	    (a.out = board_page_new(&r, board_t(&r, "Audit log"), "audit")) == NULL) {
		board_end(&r);
		return;
	}
	html_fmt(a.out, "<h1>%s</h1>", board_t(&r, "Audit log"));
	rc = store_audit_verify(r.b->store, &entries, &bad, why, sizeof(why));
	if (rc == 0)
		html_fmt(a.out, "<p class=\"notice\" id=\"chain\">%s: %lld %s</p>",
			 board_t(&r, "The hash chain is intact"), (long long)entries, board_t(&r, "entries"));
	else
		html_fmt(a.out, "<p class=\"error\" id=\"chain\">%s %lld: %s</p>",
			 board_t(&r, "The hash chain is BROKEN at entry"), (long long)bad, why);
	html_fmt(a.out, "<table><thead><tr><th>#</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
			"</tr></thead><tbody>",
		 board_t(&r, "Time"), board_t(&r, "Who"), board_t(&r, "Action"), board_t(&r, "Details"));
	store_audit_page(r.b->store, strtoll(board_arg(&r, "before"), NULL, 10), AUDIT_PAGE, audit_row,
			 &a);
	html_fmt(a.out, "</tbody></table>");
	if (a.n == AUDIT_PAGE)
		html_fmt(a.out, "<p><a class=\"button\" href=\"/board/audit?before=%lld\">%s</a></p>",
			 (long long)a.last_id, board_t(&r, "Older"));
	board_page_finish(&r, a.out, 200);
	board_end(&r);
}

void
board_audit_routes(struct board *b)
{
	web_route(b->web, "/board/audit", on_audit, b);
}
