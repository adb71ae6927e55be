/*
 * board_audit.c — the audit log for administrators, newest first, with the
 * state of its hash chain on top (the same walk as `stempelctl audit verify`).
 * Each entry reads as one sentence in the reader's language; the raw actor,
 * action and details stay one tap away (<details>).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>

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

/* One sentence per action, English and bokmål; {key} is a value of the entry. */
static const struct {
	const char *action, *en, *nb;
} sentences[] = {
    {"absence.register", "{who} registered {category} for {name}, {dates}.",
     "{who} registrerte {category} for {name}, {dates}."},
    {"absence.revoke", "{who} withdrew an absence of {name}. Reason: {reason}",
     "{who} trakk tilbake et fravær for {name}. Begrunnelse: {reason}"},
    {"absence.update",
     "{who} changed an absence of {name} to {category}, {dates}. Reason: {reason}",
     "{who} endret et fravær for {name} til {category}, {dates}. Begrunnelse: {reason}"},
    {"card.enroll", "{who} enrolled card …{card} for {name}.",
     "{who} registrerte kort …{card} for {name}."},
    {"card.replace",
     "{who} replaced card …{old_card} of {name} with card …{new_card}. Reason: {reason}",
     "{who} byttet kort …{old_card} for {name} med kort …{new_card}. Begrunnelse: {reason}"},
    {"card.revoke", "{who} revoked card …{card}. {reason}", "{who} sperret kort …{card}. {reason}"},
    {"closure.add", "{who} closed the centre on {date}. Reason: {reason}",
     "{who} stengte senteret {date}. Begrunnelse: {reason}"},
    {"correction.add",
     "{who} added a tap ({direction}) at {time} on {date} for {name}. Reason: {reason}",
     "{who} la til en stempling ({direction}) kl. {time} {date} for {name}. Begrunnelse: {reason}"},
    {"correction.remove", "{who} removed a tap on {date} for {name}. Reason: {reason}",
     "{who} fjernet en stempling {date} for {name}. Begrunnelse: {reason}"},
    {"session.login", "{who} signed in to the board.", "{who} logget inn på tavla."},
    {"session.logout", "{who} signed out of the board.", "{who} logget ut av tavla."},
    {"user.add", "{who} created the account {user} ({role}).",
     "{who} opprettet kontoen {user} ({role})."},
    {"user.passwd", "{who} set a new password for {user}.", "{who} satte nytt passord for {user}."},
    {"user.disable", "{who} disabled the account {user}.", "{who} sperret kontoen {user}."},
    {"user.enable", "{who} enabled the account {user}.", "{who} åpnet kontoen {user}."},
    {"participant.add", "{who} added or updated a participant: {text}",
     "{who} la til eller endret en deltaker: {text}"},
    {"roster.import", "{who} imported the roster: {text}",
     "{who} importerte deltakerlisten: {text}"},
    {"period.close", "{who} closed a pay period.", "{who} lukket en lønnsperiode."},
    {"g.add", "{who} set G to {amount} kr from {from}.",
     "{who} satte G til {amount} kr fra {from}."},
    {"service_date.set", "{who} set the service date to {from}.",
     "{who} satte driftsstart til {from}."},
    {"token.create", "{who} created an API token.", "{who} opprettet en API-nøkkel."},
    {"token.revoke", "{who} revoked an API token.", "{who} trakk tilbake en API-nøkkel."},
    {"kiosk.init", "{who} set up the kiosk.", "{who} satte opp kiosken."},
};

/* The entry's details as an object: JSON as it is, "k=v k=v" split, else {"text": ...}. */
static json_t *
detail_object(const char *d)
{
	json_t *o = NULL;

	if (d && *d == '{')
		o = json_loads(d, 0, NULL);
	if (json_is_object(o))
		return o;
	json_decref(o);
	o = json_object();
	if (d && strspn(d, "abcdefghijklmnopqrstuvwxyz_") > 0 &&
	    d[strspn(d, "abcdefghijklmnopqrstuvwxyz_")] == '=') {
		char buf[1024], *save = NULL;

		snprintf(buf, sizeof(buf), "%s", d);
		for (char *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
			char *eq = strchr(t, '=');

			if (eq) {
				*eq = 0;
				json_object_set_new(o, t, json_string(eq + 1));
			}
		}
	} else {
		json_object_set_new(o, "text", json_string(d ? d : ""));
	}
	return o;
}

static void
value(struct audit_ctx *a, const char *key, json_t *d, const char *who)
{
	struct board_req *r = a->r;
	const char *v = json_string_value(json_object_get(d, key));
	char buf[128];

	if (strcmp(key, "who") == 0) {
		board_who(r, who, buf, sizeof(buf));
		html_fmt(a->out, "<strong>%s</strong>", buf);
	} else if (strcmp(key, "name") == 0) {
		struct store_participant p;
		const char *id = json_string_value(json_object_get(d, "participant"));

		if (id && store_participant_by_ext(r->b->store, id, &p) == 0)
			html_fmt(a->out, "<span dir=\"auto\">%s</span> (%s)", p.name, p.ext_id);
		else
			html_fmt(a->out, "%s", id ? id : "?");
	} else if (strcmp(key, "category") == 0) {
		int c = rules_category_parse(v ? v : "");

		html_fmt(a->out, "%s", c >= 0 ? board_category_label(r, c) : v ? v : "?");
	} else if (strcmp(key, "dates") == 0) {
		const char *f = json_string_value(json_object_get(d, "from"));
		const char *t = json_string_value(json_object_get(d, "to"));

		html_fmt(a->out, "%s%R%s", f ? f : "?", t && f && strcmp(f, t) ? " – " : "",
		         t && f && strcmp(f, t) ? t : "");
	} else if (strstr(key, "card")) {
		board_card_code(v ? v : "", buf);
		html_fmt(a->out, "%s", buf);
	} else if (strcmp(key, "direction") == 0) {
		html_fmt(a->out, "%s", board_t(r, v && strcmp(v, "out") == 0 ? "out" : "in"));
	} else if (strcmp(key, "reason") == 0) {
		html_fmt(a->out, "<q dir=\"auto\">%s</q>", v ? v : "");
	} else if (json_is_integer(json_object_get(d, key))) {
		html_fmt(a->out, "%lld", (long long)json_integer_value(json_object_get(d, key)));
	} else {
		html_fmt(a->out, "%s", v ? v : "");
	}
}

/* The entry as one sentence in the reader's language. */
static void
sentence(struct audit_ctx *a, const struct store_audit_entry *e)
{
	const char *tpl = NULL, *action = e->action ? e->action : "";
	json_t *d = detail_object(e->detail);
	int en = strcmp(a->r->lang, "en") == 0;

	for (size_t i = 0; i < sizeof(sentences) / sizeof(sentences[0]); i++)
		if (strcmp(sentences[i].action, action) == 0)
			tpl = en ? sentences[i].en : sentences[i].nb;
	if (tpl == NULL) {
		value(a, "who", d, e->who ? e->who : "");
		html_fmt(a->out, ": %s", action);
	}
	for (const char *p = tpl; p && *p;) {
		const char *close = *p == '{' ? strchr(p, '}') : NULL;

		if (close) {
			char key[32];

			snprintf(key, sizeof(key), "%.*s", (int)(close - p - 1), p + 1);
			/* "Reason: " only when there is one. */
			if (strcmp(key, "reason") == 0 &&
			    !json_string_value(json_object_get(d, "reason")))
				break;
			value(a, key, d, e->who ? e->who : "");
			p = close + 1;
		} else {
			const char *next = strchr(p, '{');
			size_t n = next ? (size_t)(next - p) : strlen(p);

			evbuffer_add(a->out, p, n);
			p += n;
		}
	}
	json_decref(d);
}

static int
audit_row(void *arg, const struct store_audit_entry *e)
{
	struct audit_ctx *a = arg;
	char when[32];

	board_when(e->at_ms, "%d.%m.%Y %H:%M:%S", when, sizeof(when));
	html_fmt(a->out,
	         "<li class=\"entry\" data-action=\"%s\"><div class=\"when muted\">%s · #%lld</div>"
	         "<p class=\"what\">",
	         e->action ? e->action : "", when, (long long)e->id);
	sentence(a, e);
	html_fmt(a->out,
	         "</p><details><summary>%s</summary><dl class=\"facts raw\"><dt>%s</dt><dd>%s</dd>"
	         "<dt>%s</dt><dd>%s</dd><dt>%s</dt><dd class=\"key\">%s</dd></dl></details></li>",
	         board_t(a->r, "Details"), board_t(a->r, "Who"), e->who ? e->who : "",
	         board_t(a->r, "Action"), e->action ? e->action : "", board_t(a->r, "Details"),
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
		         board_t(&r, "The hash chain is intact"), (long long)entries,
		         board_t(&r, "entries"));
	else
		html_fmt(a.out, "<p class=\"error\" id=\"chain\">%s %lld: %s</p>",
		         board_t(&r, "The hash chain is BROKEN at entry"), (long long)bad, why);
	html_fmt(a.out, "<ol class=\"audit\" id=\"audit\">");
	store_audit_page(r.b->store, strtoll(board_arg(&r, "before"), NULL, 10), AUDIT_PAGE,
	                 audit_row, &a);
	html_fmt(a.out, "</ol>");
	if (a.n == AUDIT_PAGE)
		html_fmt(a.out,
		         "<p><a class=\"button\" href=\"/board/audit?before=%lld\">%s</a></p>",
		         (long long)a.last_id, board_t(&r, "Older"));
	board_page_finish(&r, a.out, 200);
	board_end(&r);
}

void
board_audit_routes(struct board *b)
{
	web_route(b->web, "/board/audit", on_audit, b);
}
