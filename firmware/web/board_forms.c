/*
 * board_forms.c — the board's three changes: register an absence (with its
 * effect on quotas and the deduction shown before saving), correct a tap
 * (add or remove, always with a reason) and enroll an unknown card.  Each
 * change goes to the audit log with who, when and why: absences and
 * corrections through attendance.c's transaction, enrollment here.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "board_int.h"
#include "cardkey.h"
#include "cmd/cmd.h"
#include "html.h"
#include "log.h"
#include "web.h"

static const struct {
	const char *value, *label;
} documentation[] = {
    {"", "None"},
    {"self_declared", "Self-declared"},
    {"doctor_note", "Doctor's note"},
    {"checkup", "Prenatal check-up"},
    {"other", "Other document"},
};

/* "HH:MM" -> minute of the day; "" -> -1; -2 if malformed. */
static int
parse_hhmm(const char *s)
{
	int h, m;
	char tail;

	if (s == NULL || *s == 0)
		return -1;
	if (sscanf(s, "%2d:%2d%c", &h, &m, &tail) != 2 || h < 0 || h > 24 || m < 0 || m > 59 ||
	    (h == 24 && m))
		return -2;
	return h * 60 + m;
}

/* A correction's reason: the forms' maxlength, in characters. */
#define REASON_MAX_CHARS 250
/* The message of a field over its limit (form_too_long); one request at a time on the loop. */
static char why_buf[256];

static const char *
fget(const struct form *f, const char *name)
{
	const char *v = form_get(f, name);

	return v ? v : "";
}

static void
participant_head(struct board_req *r, struct evbuffer *out, const char *title,
                 const struct store_participant *p)
{
	html_fmt(out,
	         "<h1>%s</h1><p><a class=\"name\" dir=\"auto\" href=\"/board/participant?id=%s\">"
	         "%s</a> <span class=\"muted\">%s</span></p>",
	         title, p->ext_id, p->name, p->ext_id);
}

/* --- absence --- */

static void
absence_form(struct board_req *r, struct evbuffer *out, const struct store_participant *p,
             const struct form *f, int confirm)
{
	const char *cat = fget(f, "category"), *doc = fget(f, "documentation");
	char today[11];
	int minute;

	board_now(today, &minute);
	html_fmt(
	    out,
	    "<form class=\"grid card\" method=\"post\" action=\"/board/absence\" id=\"absence\">");
	board_csrf_field(r, out);
	html_fmt(out,
	         "<input type=\"hidden\" name=\"id\" value=\"%s\">"
	         "<label class=\"full\">%s<select name=\"category\" required>",
	         p->ext_id, board_t(r, "Category"));
	for (int c = 0; c < RULES_CAT_COUNT; c++)
		html_fmt(out, "<option value=\"%s\"%R>%s</option>", rules_category_name(c),
		         strcmp(cat, rules_category_name(c)) ? "" : " selected",
		         board_category_label(r, c));
	html_fmt(out,
	         "</select></label>"
	         "<label>%s<input type=\"date\" name=\"from\" required value=\"%s\"></label>"
	         "<label>%s<input type=\"date\" name=\"to\" required value=\"%s\"></label>"
	         "<label>%s<input type=\"time\" name=\"start\" value=\"%s\"></label>"
	         "<label>%s<input type=\"time\" name=\"end\" value=\"%s\"></label>"
	         "<label class=\"full\">%s<select name=\"documentation\">",
	         board_t(r, "From date"), *fget(f, "from") ? fget(f, "from") : today,
	         board_t(r, "To date"),
	         *fget(f, "to")       ? fget(f, "to")
	         : fget(f, "from")[0] ? fget(f, "from")
	                              : today,
	         board_t(r, "From time (optional)"), fget(f, "start"),
	         board_t(r, "To time (optional)"), fget(f, "end"), board_t(r, "Documentation"));
	for (size_t i = 0; i < sizeof(documentation) / sizeof(documentation[0]); i++)
		html_fmt(out, "<option value=\"%s\"%R>%s</option>", documentation[i].value,
		         strcmp(doc, documentation[i].value) ? "" : " selected",
		         board_t(r, documentation[i].label));
	html_fmt(out,
	         "</select></label><label class=\"full\">%s<textarea name=\"comment\" "
	         "maxlength=\"250\" dir=\"auto\">%s</textarea></label>",
	         board_t(r, "Comment"), fget(f, "comment"));
	/* Changing a registered absence: it is withdrawn and registered again, with a reason. */
	if (*fget(f, "replaces"))
		html_fmt(
		    out,
		    "<input type=\"hidden\" name=\"replaces\" value=\"%s\">"
		    "<label class=\"full\">%s<input name=\"reason\" required maxlength=\"250\" "
		    "dir=\"auto\" value=\"%s\"></label>",
		    fget(f, "replaces"), board_t(r, "Why is it changed? (required)"),
		    fget(f, "reason"));
	html_fmt(out, "<p class=\"full\">");
	if (confirm)
		html_fmt(out,
		         "<button type=\"submit\" name=\"step\" value=\"save\" class=\"primary\">"
		         "%s</button> <button type=\"submit\" name=\"step\" value=\"preview\">%s"
		         "</button>",
		         board_t(r, "Save"), board_t(r, "Check the effect"));
	else
		html_fmt(
		    out,
		    "<button type=\"submit\" name=\"step\" value=\"preview\" class=\"primary\">"
		    "%s</button>",
		    board_t(r, "Check the effect"));
	html_fmt(out, "</p></form>");
}

/* The form's absence; -1 with a message if a field is wrong. */
static int
absence_from_form(struct board_req *r, const struct form *f, const struct store_participant *p,
                  struct store_absence_row *a, const char **why)
{
	int32_t d1, d2;
	int cat = rules_category_parse(fget(f, "category"));
	size_t i;

	memset(a, 0, sizeof(*a));
	a->a.participant_id = p->id;
	a->a.minutes = -1;
	a->start_min = parse_hhmm(fget(f, "start"));
	a->end_min = parse_hhmm(fget(f, "end"));
	for (i = 0; i < sizeof(documentation) / sizeof(documentation[0]); i++)
		if (strcmp(fget(f, "documentation"), documentation[i].value) == 0)
			break;
	if (cat < 0) {
		*why = board_t(r, "Category");
		return -1;
	}
	if (rules_date_parse(fget(f, "from"), &d1) < 0) {
		*why = board_t(r, "From date");
		return -1;
	}
	if (rules_date_parse(fget(f, "to"), &d2) < 0 || d2 < d1 || d2 - d1 > 366) {
		/* the limit too: one absence spans at most a year */
		snprintf(why_buf, sizeof(why_buf), "%s: %s", board_t(r, "To date"),
		         strcmp(r->lang, "en")
		             ? "fra og med fradato, høyst 366 dager etter"
		             : "on or after the from date, at most 366 days after");
		*why = why_buf;
		return -1;
	}
	if (a->start_min == -2 || a->end_min == -2 || (a->start_min < 0) != (a->end_min < 0) ||
	    (a->start_min >= 0 && a->start_min >= a->end_min)) {
		*why = board_t(r, "From time (optional)");
		return -1;
	}
	if (i == sizeof(documentation) / sizeof(documentation[0])) {
		*why = board_t(r, "Documentation");
		return -1;
	}
	if ((*why = form_too_long(f, "comment", board_t(r, "Comment"), sizeof(a->a.comment) - 1, 0,
	                          r->lang, why_buf, sizeof(why_buf))) != NULL)
		return -1;
	if (a->start_min >= 0)
		a->a.minutes = a->end_min - a->start_min;
	snprintf(a->a.category, sizeof(a->a.category), "%s", rules_category_name(cat));
	snprintf(a->a.from_date, sizeof(a->a.from_date), "%s", fget(f, "from"));
	snprintf(a->a.to_date, sizeof(a->a.to_date), "%s", fget(f, "to"));
	snprintf(a->a.documentation, sizeof(a->a.documentation), "%s", fget(f, "documentation"));
	snprintf(a->a.comment, sizeof(a->a.comment), "%s", fget(f, "comment"));
	snprintf(a->a.registered_by, sizeof(a->a.registered_by), "%s", r->user.username);
	return 0;
}

static void
quota_changes(struct board_req *r, struct evbuffer *out, const struct attendance_whatif *w)
{
	for (int i = 0; i < ATTENDANCE_Q_COUNT; i++) {
		const struct attendance_quota *b = &w->quotas_before.q[i],
		                              *a = &w->quotas_after.q[i];

		if (b->used == a->used)
			continue;
		html_fmt(out, "<tr data-quota=\"%s\"><td>%s</td><td>%d → %d",
		         attendance_quota_name(i), board_quota_label(r, i), b->used, a->used);
		if (a->limit >= 0)
			html_fmt(out, " / %d%R", a->limit, a->used > a->limit ? " ⚠" : "");
		html_fmt(out, "</td></tr>");
	}
}

static void
whatif(struct board_req *r, struct evbuffer *out, const struct store_absence_row *a,
       const char *replaces)
{
	struct attendance_whatif w;
	char today[11], err[256], m1[32], m2[32], d1[32], d2[32];
	int minute;

	board_now(today, &minute);
	/* A change is previewed without the absence it replaces. */
	if ((replaces && *replaces
	         ? attendance_whatif_replace(r->b->att, a, replaces, today, &w, err, sizeof(err))
	         : attendance_whatif(r->b->att, a, today, &w, err, sizeof(err))) != 0) {
		html_fmt(out, "<p class=\"error\" role=\"alert\">%s</p>", err);
		return;
	}
	html_fmt(out, "<section class=\"card\" id=\"effect\"><h2>%s</h2>",
	         board_t(r, "Effect of this absence"));
	if (w.quota_exceeded) {
		html_fmt(out, "<p class=\"warn\" role=\"alert\" id=\"quota-warning\">%s</p>",
		         board_t(r, "Warning: a quota would be exceeded. Some of this absence "
		                    "stays unexcused."));
		for (int n = 0; n < RULES_NOTE_COUNT; n++)
			if (w.notes_after & (1u << n))
				html_fmt(out, "<p class=\"note\" data-note=\"%s\">%s</p>",
				         rules_note_name(n), board_note_label(r, n));
	}
	for (int f = 0; f < RULES_FLAG_COUNT; f++)
		if (w.flags_after & (1u << f) && f == RULES_FLAG_RELIGIOUS_SHORT_NOTICE)
			html_fmt(out, "<p class=\"warn\">%s</p>", board_flag_label(r, f));
	board_duration(r, w.unexcused_before_min, m1, sizeof(m1));
	board_duration(r, w.unexcused_after_min, m2, sizeof(m2));
	board_money(w.deduction_before_ore, d1, sizeof(d1));
	board_money(w.deduction_after_ore, d2, sizeof(d2));
	html_fmt(out,
	         "<table><tbody><tr><td>%s</td><td>%s → <strong>%s</strong></td></tr>"
	         "<tr id=\"deduction\"><td>%s</td><td>%s → <strong>%s</strong></td></tr>"
	         "<tr><td>%s</td><td>%s → %s</td></tr>",
	         board_t(r, "Unexcused time"), m1, m2, board_t(r, "Deduction"), d1, d2,
	         board_t(r, "Formal decision (enkeltvedtak) needed"),
	         board_t(r, w.decision_before ? "yes" : "no"),
	         board_t(r, w.decision_after ? "yes" : "no"));
	quota_changes(r, out, &w);
	html_fmt(out, "</tbody></table></section>");
}

static int
load_participant(struct board_req *r, const char *ext, struct store_participant *p)
{
	if (ext && store_participant_by_ext(r->b->store, ext, p) == 0)
		return 0;
	board_fail(r, 404, board_t(r, "No such participant."));
	return -1;
}

static void
on_absence(struct evhttp_request *req, void *arg)
{
	struct board_req r;
	struct store_participant p;
	struct store_absence_row a;
	struct form f = {0};
	struct evbuffer *out;
	const char *why = NULL;
	char err[sizeof(((struct cmd_result *)0)->msg)], loc[128];

	if (board_begin(arg, req, BOARD_HTML, &r) < 0)
		return;
	if (evhttp_request_get_command(req) == EVHTTP_REQ_GET) {
		/* The query prefills the form (from=DATE from Today or the calendar). */
		struct store_absence_row old;
		struct form pre = {0};
		const struct form *use = &r.query;
		const char *title = "Register absence";
		char hm1[8] = "", hm2[8] = "";

		if (*board_arg(&r, "edit") &&
		    store_absence_find(r.b->store, board_arg(&r, "edit"), &old) == 0 &&
		    !old.revoked) {
			/* Change: the form starts from the registered absence. */
			const char *kv[][2] = {
			    {"category", old.a.category},
			    {"from", old.a.from_date},
			    {"to", old.a.to_date},
			    {"start", hm1},
			    {"end", hm2},
			    {"documentation", old.a.documentation},
			    {"comment", old.a.comment},
			    {"replaces", old.a.uuid},
			};

			if (old.start_min >= 0) {
				board_hhmm(old.start_min, hm1);
				board_hhmm(old.end_min, hm2);
			}
			for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++) {
				pre.f[i].name = (char *)kv[i][0];
				pre.f[i].value = (char *)kv[i][1];
			}
			pre.n = sizeof(kv) / sizeof(kv[0]);
			use = &pre;
			title = "Change the absence";
			if (load_participant(&r, form_get(&r.query, "id"), &p) == 0 &&
			    (out = board_page_new(&r, board_t(&r, title), "absence"))) {
				participant_head(&r, out, board_t(&r, title), &p);
				absence_form(&r, out, &p, use, 0);
				board_page_finish(&r, out, 200);
			}
			board_end(&r);
			return;
		}
		if (load_participant(&r, form_get(&r.query, "id"), &p) == 0 &&
		    (out = board_page_new(&r, board_t(&r, title), "absence"))) {
			participant_head(&r, out, board_t(&r, title), &p);
			absence_form(&r, out, &p, use, 0);
			board_page_finish(&r, out, 200);
		}
		board_end(&r);
		return;
	}
	if (board_post(&r, &f) < 0) {
		board_end(&r);
		return;
	}
	if (load_participant(&r, form_get(&f, "id"), &p) < 0)
		goto out;
	if (absence_from_form(&r, &f, &p, &a, &why) == 0 && strcmp(fget(&f, "step"), "save") == 0) {
		struct cmd_absence_register_args args = {.participant = p.ext_id,
		                                         .category = a.a.category,
		                                         .from = a.a.from_date,
		                                         .to = a.a.to_date,
		                                         .documentation = a.a.documentation,
		                                         .comment = a.a.comment};
		struct cmd_result res;
		struct cmd_ctx ctx;
		char actor[96], start[24], end[24];
		int rc;

		if (a.start_min >= 0) {
			snprintf(start, sizeof(start), "%02d:%02d", a.start_min / 60,
			         a.start_min % 60);
			snprintf(end, sizeof(end), "%02d:%02d", a.end_min / 60, a.end_min % 60);
			args.start = start;
			args.end = end;
		}
		board_actor(&r, actor, sizeof(actor));
		cmd_ctx_init(&ctx, r.b->cmd, actor);
		if (*fget(&f, "replaces")) {
			struct cmd_absence_update_args u = {.absence = fget(&f, "replaces"),
			                                    .reason = fget(&f, "reason"),
			                                    .now = args};

			rc = cmd_absence_update(&ctx, &u, &res);
		} else {
			rc = cmd_absence_register(&ctx, &args, &res);
		}
		if (rc == 0) {
			cmd_result_free(&res);
			snprintf(loc, sizeof(loc),
			         "/board/participant?id=%s&date=%s&saved=%s#absences-h", p.ext_id,
			         a.a.from_date, *fget(&f, "replaces") ? "updated" : "absence");
			board_redirect(req, loc);
			goto out;
		}
		snprintf(err, sizeof(err), "%s", res.msg);
		why = err;
	}
	if ((out = board_page_new(&r, board_t(&r, "Register absence"), "absence")) == NULL)
		goto out;
	participant_head(
	    &r, out, board_t(&r, *fget(&f, "replaces") ? "Change the absence" : "Register absence"),
	    &p);
	if (why)
		html_fmt(out, "<p class=\"error\" role=\"alert\">%s: %s</p>",
		         board_t(&r, "Could not save"), why);
	else
		whatif(&r, out, &a, fget(&f, "replaces"));
	absence_form(&r, out, &p, &f, why == NULL);
	board_page_finish(&r, out, why ? 422 : 200);
out:
	form_free(&f);
	board_end(&r);
}

/* --- correct a tap --- */

/* Taps in time order, corrected ones among the real ones. */
static int
tap_cmp(const void *a, const void *b)
{
	const struct attendance_tap *x = a, *y = b;

	if (x->minute != y->minute)
		return x->minute < y->minute ? -1 : 1;
	return (x->tap_id > y->tap_id) - (x->tap_id < y->tap_id);
}

static void
correct_page(struct board_req *r, const struct store_participant *p, const char *date,
             const char *error, int status)
{
	struct attendance_tap *taps = NULL;
	struct evbuffer *out;
	char err[256], hm[8];
	size_t n = 0;

	if ((out = board_page_new(r, board_t(r, "Correct a tap"), "correct")) == NULL)
		return;
	participant_head(r, out, board_t(r, "Correct a tap"), p);
	if (error)
		html_fmt(out, "<p class=\"error\" role=\"alert\">%s</p>", error);
	if (strcmp(board_arg(r, "done"), "add") == 0 || strcmp(board_arg(r, "done"), "1") == 0)
		html_fmt(out, "<p class=\"notice\" role=\"status\" id=\"flash\">✓ %s</p>",
		         board_t(r, "Saved: the tap is added."));
	else if (strcmp(board_arg(r, "done"), "remove") == 0)
		html_fmt(out, "<p class=\"notice\" role=\"status\" id=\"flash\">✓ %s</p>",
		         board_t(r, "Saved: the tap is removed."));
	html_fmt(out,
	         "<form class=\"tabs\" method=\"get\" action=\"/board/correct\">"
	         "<input type=\"hidden\" name=\"id\" value=\"%s\"><label>%s %s"
	         "<input type=\"date\" name=\"date\" value=\"%s\"></label>"
	         "<button type=\"submit\">%s</button></form>",
	         p->ext_id, board_t(r, "Taps on"), "", date, board_t(r, "Search"));
	if (attendance_taps_on(r->b->att, p->id, date, &taps, &n, err, sizeof(err)) < 0) {
		html_fmt(out, "<p class=\"error\">%s</p>", err);
	} else if (n == 0) {
		html_fmt(out, "<p class=\"muted\" id=\"taps\">%s</p>",
		         board_t(r, "No taps this day."));
	} else {
		qsort(taps, n, sizeof(*taps), tap_cmp);
		html_fmt(out,
		         "<table id=\"taps\"><thead><tr><th>%s</th><th>%s</th><th><span "
		         "class=\"sr\">%s</span></th></tr>"
		         "</thead><tbody>",
		         board_t(r, "Time"), board_t(r, "Direction"), board_t(r, "Action"));
		for (size_t i = 0; i < n; i++) {
			board_hhmm(taps[i].minute, hm);
			html_fmt(out, "<tr data-time=\"%s\"><td>%s</td><td>%s%R%s%R</td><td>", hm,
			         hm, board_t(r, strcmp(taps[i].direction, "out") ? "In" : "Out"),
			         taps[i].corrected ? " <span class=\"muted\">(" : "",
			         taps[i].corrected ? board_t(r, "added by a correction") : "",
			         taps[i].corrected ? ")</span>" : "");
			if (taps[i].tap_id > 0) {
				html_fmt(out, "<form method=\"post\" action=\"/board/correct\" "
				              "class=\"tabs\">");
				board_csrf_field(r, out);
				html_fmt(
				    out,
				    "<input type=\"hidden\" name=\"id\" value=\"%s\">"
				    "<input type=\"hidden\" name=\"date\" value=\"%s\">"
				    "<input type=\"hidden\" name=\"action\" value=\"remove\">"
				    "<input type=\"hidden\" name=\"tap\" value=\"%lld\">"
				    "<input name=\"reason\" required maxlength=\"250\" "
				    "dir=\"auto\" "
				    "placeholder=\"%s\" aria-label=\"%s\">"
				    "<button type=\"submit\" class=\"danger\">%s</button></form>",
				    p->ext_id, date, (long long)taps[i].tap_id,
				    board_t(r, "Reason (required)"),
				    board_t(r, "Reason (required)"), board_t(r, "Remove"));
			}
			html_fmt(out, "</td></tr>");
		}
		html_fmt(out, "</tbody></table>");
	}
	free(taps);
	html_fmt(out,
	         "<h2>%s</h2><form class=\"grid card\" method=\"post\" action=\"/board/correct\" "
	         "id=\"add-tap\">",
	         board_t(r, "Add a tap"));
	board_csrf_field(r, out);
	html_fmt(out,
	         "<input type=\"hidden\" name=\"id\" value=\"%s\">"
	         "<input type=\"hidden\" name=\"date\" value=\"%s\">"
	         "<input type=\"hidden\" name=\"action\" value=\"add\">"
	         "<label>%s<input type=\"time\" name=\"time\" required></label>"
	         "<label>%s<select name=\"direction\"><option value=\"in\">%s</option>"
	         "<option value=\"out\">%s</option></select></label>"
	         "<label class=\"full\">%s<input name=\"reason\" required maxlength=\"250\" "
	         "dir=\"auto\"></label><p class=\"full\"><button type=\"submit\" class=\"primary\">"
	         "%s</button></p></form>",
	         p->ext_id, date, board_t(r, "Time"), board_t(r, "Direction"), board_t(r, "In"),
	         board_t(r, "Out"), board_t(r, "Reason (required)"), board_t(r, "Add"));
	board_page_finish(r, out, status);
}

static void
on_correct(struct evhttp_request *req, void *arg)
{
	struct board_req r;
	struct store_participant p;
	struct attendance_correction c = {0};
	struct cmd_correction_args args;
	struct cmd_result res;
	struct cmd_ctx ctx;
	struct form f = {0};
	char today[11], actor[96], loc[160];
	const char *date;
	int32_t d;
	int minute;

	if (board_begin(arg, req, BOARD_HTML, &r) < 0)
		return;
	board_now(today, &minute);
	if (evhttp_request_get_command(req) == EVHTTP_REQ_GET) {
		date = board_arg(&r, "date");
		if (load_participant(&r, form_get(&r.query, "id"), &p) == 0)
			correct_page(&r, &p, rules_date_parse(date, &d) == 0 ? date : today, NULL,
			             200);
		board_end(&r);
		return;
	}
	if (board_post(&r, &f) < 0) {
		board_end(&r);
		return;
	}
	if (load_participant(&r, form_get(&f, "id"), &p) < 0)
		goto out;
	date = fget(&f, "date");
	if (rules_date_parse(date, &d) < 0)
		date = today;
	c.participant_id = p.id;
	c.action = fget(&f, "action");
	c.date = date;
	c.reason = fget(&f, "reason");
	c.direction = strcmp(fget(&f, "direction"), "out") ? "in" : "out";
	c.minute = parse_hhmm(fget(&f, "time"));
	c.tap_id = strtoll(fget(&f, "tap"), NULL, 10);
	if (*c.reason == 0) {
		correct_page(&r, &p, date, board_t(&r, "A reason is required."), 422);
		goto out;
	}
	if (form_too_long(&f, "reason", board_t(&r, "Reason (required)"), 0, REASON_MAX_CHARS,
	                  r.lang, why_buf, sizeof(why_buf))) {
		correct_page(&r, &p, date, why_buf, 422);
		goto out;
	}
	if ((strcmp(c.action, "add") || c.minute < 0 || c.minute >= 1440) &&
	    (strcmp(c.action, "remove") || c.tap_id <= 0)) {
		correct_page(&r, &p, date, board_t(&r, "The form could not be read."), 422);
		goto out;
	}
	board_actor(&r, actor, sizeof(actor));
	cmd_ctx_init(&ctx, r.b->cmd, actor);
	args = (struct cmd_correction_args){.participant = p.ext_id,
	                                    .date = c.date,
	                                    .minute = c.minute,
	                                    .direction = c.direction,
	                                    .tap_id = c.tap_id,
	                                    .reason = c.reason};
	if ((strcmp(c.action, "add") == 0 ? cmd_correction_add(&ctx, &args, &res)
	                                  : cmd_correction_remove(&ctx, &args, &res)) != 0) {
		correct_page(&r, &p, date, res.msg, board_cmd_status(&res));
		goto out;
	}
	cmd_result_free(&res);
	snprintf(loc, sizeof(loc), "/board/correct?id=%s&date=%s&done=%s", p.ext_id, date,
	         strcmp(c.action, "add") == 0 ? "add" : "remove");
	board_redirect(req, loc);
out:
	form_free(&f);
	board_end(&r);
}

/* --- enroll, replace and revoke a card --- */

struct enroll_ctx {
	struct board_req *r;
	struct evbuffer *out;
	const char *chosen;      /* the card key picked, or NULL: the newest */
	const char *participant; /* the participant picked, or NULL */
	int n;
};

static int
enroll_card_option(void *arg, const char *key, int64_t last_ms, int taps)
{
	struct enroll_ctx *e = arg;
	char when[32], code[8];

	board_when(last_ms, "%d.%m. %H:%M", when, sizeof(when));
	board_card_code(key, code);
	html_fmt(e->out,
	         "<label class=\"full choice\"><input type=\"radio\" name=\"card\" value=\"%s\"%R> "
	         "%s %s — %s <span class=\"key\">…%s</span> (%d %s)</label>",
	         key, (e->chosen ? strcmp(e->chosen, key) == 0 : e->n == 0) ? " checked" : "",
	         board_t(e->r, "Tapped"), when, board_t(e->r, "card"), code, taps,
	         board_t(e->r, taps == 1 ? "tap" : "taps"));
	e->n++;
	return 0;
}

static int
enroll_participant_option(void *arg, const struct store_participant *p)
{
	struct enroll_ctx *e = arg;

	if (p->active)
		html_fmt(e->out, "<option value=\"%s\" dir=\"auto\"%R>%s (%s)</option>", p->ext_id,
		         e->participant && strcmp(e->participant, p->ext_id) == 0 ? " selected"
		                                                                  : "",
		         p->name, p->ext_id);
	return 0;
}

struct active_card {
	char key[80];
	int n;
};

static int
first_active_card(void *arg, const struct store_card_row *c)
{
	struct active_card *a = arg;

	if (!c->revoked && a->n++ == 0)
		snprintf(a->key, sizeof(a->key), "%s", c->key);
	return 0;
}

/* The participant's cards in use: how many, and the newest one's key. */
static int
active_cards(struct board_req *r, int64_t pid, char *key, size_t keylen)
{
	struct active_card a = {"", 0};

	store_cards_of(r->b->store, pid, first_active_card, &a);
	snprintf(key, keylen, "%s", a.key);
	return a.n;
}

/*
 * The enrol page.  With participant=P the participant is chosen; with replace=KEY
 * the card picked replaces KEY (card.replace, with a reason); warn=1 says that P
 * already has a card and asks again.
 */
static void
enroll_page(struct board_req *r, const struct form *f, const char *error, int warn, int status)
{
	struct enroll_ctx e = {r, NULL, form_get(f, "card"), form_get(f, "participant"), 0};
	const char *replace = fget(f, "replace");
	struct store_participant p;
	int have = e.participant && store_participant_by_ext(r->b->store, e.participant, &p) == 0;
	char code[8], oldkey[80] = "";

	if ((e.out = board_page_new(r, board_t(r, *replace ? "Replace a card" : "Enroll card"),
	                            "enroll")) == NULL)
		return;
	html_fmt(e.out, "<h1>%s</h1>", board_t(r, *replace ? "Replace a card" : "Enroll card"));
	if (have)
		html_fmt(
		    e.out,
		    "<p><a class=\"name\" dir=\"auto\" href=\"/board/participant?id=%s\">%s</a> "
		    "<span class=\"muted\">%s</span></p>",
		    p.ext_id, p.name, p.ext_id);
	if (error)
		html_fmt(e.out, "<p class=\"error\" role=\"alert\">%s</p>", error);
	if (have && !*replace && active_cards(r, p.id, oldkey, sizeof(oldkey)) > 0) {
		board_card_code(oldkey, code);
		html_fmt(e.out,
		         "<div class=\"warn\" role=\"%s\" id=\"has-card\"><p>%s <span "
		         "dir=\"auto\">%s</span> "
		         "%s (<span class=\"key\">…%s</span>).</p><p><a class=\"button\" "
		         "href=\"/board/enroll?participant=%s&amp;replace=%s\">%s</a></p></div>",
		         warn ? "alert" : "note", board_t(r, "Note:"), p.name,
		         board_t(r, "already has a card"), code, p.ext_id, oldkey,
		         board_t(r, "Replace the old card instead"));
	}
	html_fmt(e.out,
	         "<p class=\"muted\">%s</p><form class=\"grid card\" method=\"post\" "
	         "action=\"/board/enroll\" id=\"enroll\">",
	         board_t(r, "Tap the new card on the kiosk reader: it appears here."));
	board_csrf_field(r, e.out);
	html_fmt(e.out, "<fieldset class=\"full\"><legend>%s</legend>",
	         board_t(r, "Unknown cards"));
	store_unknown_cards(r->b->store, board_now_ms() - 7 * 86400000LL, 20, enroll_card_option,
	                    &e);
	if (e.n == 0)
		html_fmt(e.out, "<p class=\"muted\">%s</p>",
		         board_t(r, "No unknown cards were tapped in the last 7 days."));
	html_fmt(e.out, "</fieldset>");
	if (*replace && have) {
		board_card_code(replace, code);
		html_fmt(
		    e.out,
		    "<input type=\"hidden\" name=\"participant\" value=\"%s\">"
		    "<input type=\"hidden\" name=\"replace\" value=\"%s\">"
		    "<p class=\"full\">%s <span class=\"key\">…%s</span></p>"
		    "<label class=\"full\">%s<input name=\"reason\" required maxlength=\"250\" "
		    "dir=\"auto\" value=\"%s\"></label>",
		    p.ext_id, replace, board_t(r, "The new card replaces card"), code,
		    board_t(r, "Reason (required)"), fget(f, "reason"));
	} else {
		html_fmt(e.out,
		         "<label class=\"full\">%s<select name=\"participant\" required>"
		         "<option value=\"\"></option>",
		         board_t(r, "Participant"));
		store_participant_each(r->b->store, enroll_participant_option, &e);
		html_fmt(e.out, "</select></label>");
		if (warn)
			html_fmt(e.out, "<input type=\"hidden\" name=\"confirm\" value=\"1\">");
	}
	html_fmt(e.out,
	         "<p class=\"full\"><button type=\"submit\" class=\"primary\"%R>%s</button></p>"
	         "</form>",
	         e.n ? "" : " disabled",
	         board_t(r, *replace ? "Replace the card"
	                    : warn   ? "Enroll as well"
	                             : "Enroll"));
	board_page_finish(r, e.out, status);
}

static void
on_enroll(struct evhttp_request *req, void *arg)
{
	struct board_req r;
	struct store_participant p;
	struct form f = {0};
	struct cmd_ctx ctx;
	struct cmd_result res = {0};
	const char *card, *replace;
	char actor[96], loc[200], oldkey[80];
	int rc;

	if (board_begin(arg, req, BOARD_HTML, &r) < 0)
		return;
	if (evhttp_request_get_command(req) == EVHTTP_REQ_GET) {
		enroll_page(&r, &r.query, NULL, 0, 200);
		board_end(&r);
		return;
	}
	if (board_post(&r, &f) < 0) {
		board_end(&r);
		return;
	}
	card = fget(&f, "card");
	replace = fget(&f, "replace");
	if (store_participant_by_ext(r.b->store, fget(&f, "participant"), &p) != 0 || !*card) {
		enroll_page(&r, &f, board_t(&r, "Choose the card and the participant."), 0, 422);
		goto out;
	}
	/* She already has a card: say so and ask again (enrol as well, or replace). */
	if (!*replace && p.active && strcmp(fget(&f, "confirm"), "1") &&
	    active_cards(&r, p.id, oldkey, sizeof(oldkey)) > 0) {
		enroll_page(&r, &f, NULL, 1, 409);
		goto out;
	}
	board_actor(&r, actor, sizeof(actor));
	cmd_ctx_init(&ctx, r.b->cmd, actor);
	if (*replace) {
		struct cmd_card_replace_args a = {.participant = p.ext_id,
		                                  .old_card = replace,
		                                  .new_card = card,
		                                  .reason = fget(&f, "reason")};

		rc = cmd_card_replace(&ctx, &a, &res);
	} else {
		struct cmd_card_enroll_args a = {.card = card, .participant = p.ext_id};

		/* The card and its audit entry together, or neither (cmd_card_enroll.c). */
		rc = cmd_card_enroll(&ctx, &a, &res);
	}
	if (rc < 0) {
		enroll_page(&r, &f, res.msg, 0, board_cmd_status(&res));
		goto out;
	}
	cmd_result_free(&res);
	snprintf(loc, sizeof(loc), "/board/participant?id=%s&saved=%s", p.ext_id,
	         *replace ? "replaced" : "enrolled");
	board_redirect(req, loc);
out:
	form_free(&f);
	board_end(&r);
}

static void
on_card_revoke(struct evhttp_request *req, void *arg)
{
	struct board_req r;
	struct form f = {0};
	struct cmd_ctx ctx;
	struct cmd_result res = {0};
	struct cmd_card_revoke_args a;
	char actor[96], loc[200];

	if (board_begin(arg, req, BOARD_HTML, &r) < 0)
		return;
	if (board_post(&r, &f) < 0) {
		board_end(&r);
		return;
	}
	if (!*fget(&f, "reason")) {
		board_fail(&r, 422, board_t(&r, "A reason is required."));
		goto out;
	}
	a = (struct cmd_card_revoke_args){.card = fget(&f, "card"), .reason = fget(&f, "reason")};
	board_actor(&r, actor, sizeof(actor));
	cmd_ctx_init(&ctx, r.b->cmd, actor);
	if (cmd_card_revoke(&ctx, &a, &res) < 0) {
		board_fail(&r, board_cmd_status(&res), res.msg);
		goto out;
	}
	cmd_result_free(&res);
	snprintf(loc, sizeof(loc), "/board/participant?id=%.40s&saved=revoked", fget(&f, "id"));
	board_redirect(req, loc);
out:
	form_free(&f);
	board_end(&r);
}

/* Withdraw a registered absence, with a reason (absence.revoke). */
static void
on_absence_withdraw(struct evhttp_request *req, void *arg)
{
	struct board_req r;
	struct form f = {0};
	struct cmd_ctx ctx;
	struct cmd_result res = {0};
	struct cmd_absence_revoke_args a;
	char actor[96], loc[200];

	if (board_begin(arg, req, BOARD_HTML, &r) < 0)
		return;
	if (board_post(&r, &f) < 0) {
		board_end(&r);
		return;
	}
	if (!*fget(&f, "reason")) {
		board_fail(&r, 422, board_t(&r, "A reason is required."));
		goto out;
	}
	a = (struct cmd_absence_revoke_args){.absence = fget(&f, "absence"),
	                                     .reason = fget(&f, "reason")};
	board_actor(&r, actor, sizeof(actor));
	cmd_ctx_init(&ctx, r.b->cmd, actor);
	if (cmd_absence_revoke(&ctx, &a, &res) < 0) {
		board_fail(&r, board_cmd_status(&res), res.msg);
		goto out;
	}
	cmd_result_free(&res);
	snprintf(loc, sizeof(loc), "/board/participant?id=%.40s&saved=withdrawn#absences-h",
	         fget(&f, "id"));
	board_redirect(req, loc);
out:
	form_free(&f);
	board_end(&r);
}

void
board_forms_routes(struct board *b)
{
	web_route(b->web, "/board/absence", on_absence, b);
	web_route(b->web, "/board/correct", on_correct, b);
	web_route(b->web, "/board/enroll", on_enroll, b);
	web_route(b->web, "/board/card/revoke", on_card_revoke, b);
	web_route(b->web, "/board/absence/withdraw", on_absence_withdraw, b);
}
