/*
 * board_i18n.c — the kiosk's translations for administrators: every string of
 * the kiosk catalogue (i18n.c) that no native speaker has reviewed yet, by
 * language, with the English text beside it, so a reviewer knows what to check.
 */
#include <stdio.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "board_int.h"
#include "html.h"
#include "i18n.h"
#include "web.h"

static void
on_translations(struct evhttp_request *req, void *arg)
{
	struct board_req r;
	struct evbuffer *out;
	int unreviewed = 0, en = 2;

	if (board_begin(arg, req, BOARD_HTML, &r) < 0)
		return;
	if (board_need_admin(&r) < 0 ||
	    (out = board_page_new(&r, board_t(&r, "Kiosk translations"), "translations")) == NULL) {
		board_end(&r);
		return;
	}
	for (int l = 0; l < I18N_NLANG; l++)
		for (int m = 0; m < I18N_NMSG; m++)
			unreviewed += !i18n_reviewed(l, m);
	html_fmt(out, "<h1>%s</h1><p id=\"unreviewed-count\">%s: %d / %d</p>",
	         board_t(&r, "Kiosk translations"),
	         board_t(&r, "Not yet reviewed by a native speaker"), unreviewed,
	         I18N_NLANG * I18N_NMSG);
	html_fmt(out,
	         "<table id=\"unreviewed\"><thead><tr><th>%s</th><th>%s</th><th>%s</th>"
	         "<th>%s</th></tr></thead><tbody>",
	         board_t(&r, "Language"), board_t(&r, "String"), "English", board_t(&r, "Text"));
	for (int l = 0; l < I18N_NLANG; l++)
		for (int m = 0; m < I18N_NMSG; m++) {
			if (i18n_reviewed(l, m))
				continue;
			html_fmt(out,
			         "<tr data-lang=\"%s\" data-msg=\"%s\"><td>%s</td><td>%s</td>"
			         "<td>%s</td><td lang=\"%s\" dir=\"%s\">%s</td></tr>",
			         i18n_languages[l], i18n_msg_name(m), i18n_languages[l],
			         i18n_msg_name(m), i18n_at(en, m), i18n_languages[l],
			         i18n_rtl(i18n_languages[l]) ? "rtl" : "ltr", i18n_at(l, m));
		}
	html_fmt(out, "</tbody></table>");
	board_page_finish(&r, out, 200);
	board_end(&r);
}

void
board_i18n_routes(struct board *b)
{
	web_route(b->web, "/board/translations", on_translations, b);
}
