/*
 * board_participant.c — one participant: a week or month as a calendar grid
 * (attended, excused by category, unexcused: colour plus a mark and words),
 * quotas used and left, registered absences and cards, and each day's
 * explanation from the rules engine (which rule made a minute unexcused).
 * Days after today are shown as coming, never as absent.  Also the class view:
 * a group's participants x days, week or month, printable.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "board_int.h"
#include "html.h"
#include "log.h"
#include "paydoc.h"
#include "period.h"
#include "reports.h"
#include "web.h"

static const char *const weekday_en[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
static const char *const weekday_nb[7] = {"man", "tir", "ons", "tor", "fre", "lør", "søn"};

static const char *
weekday(const struct board_req *r, int32_t date)
{
	int w = rules_weekday(date) - 1;

	return strcmp(r->lang, "en") ? weekday_nb[w] : weekday_en[w];
}

static int64_t
excused_total(const struct rules_day *d)
{
	int64_t n = 0;

	for (int c = 0; c < RULES_CAT_COUNT; c++)
		n += d->excused_min[c];
	return n;
}

static int
main_category(const struct rules_day *d)
{
	int best = -1;

	for (int c = 0; c < RULES_CAT_COUNT; c++)
		if (d->excused_min[c] && (best < 0 || d->excused_min[c] > d->excused_min[best]))
			best = c;
	return best;
}

/* The heat map's colour class of a day. */
static const char *
day_class(const struct rules_day *d, int32_t today)
{
	int64_t exc = excused_total(d);

	if (d->date > today)
		return "d-future";
	if (d->scheduled_min == 0)
		return d->flags & (1u << RULES_FLAG_PUBLIC_HOLIDAY | 1u << RULES_FLAG_CLOSURE)
		           ? "d-hol"
		           : "d-none";
	if (d->unexcused_min * 2 >= d->scheduled_min)
		return "d-unx";
	if (d->unexcused_min > 0)
		return "d-part";
	if (exc > d->attended_min) {
		switch (main_category(d)) {
		case RULES_CAT_SICK_DOCTOR:
		case RULES_CAT_SICK_SELF_DECLARED:
			return "d-c-sick";
		case RULES_CAT_CHILD_SICK:
			return "d-c-child";
		case RULES_CAT_LEAVE_APPROVED:
		case RULES_CAT_VACATION:
		case RULES_CAT_RELIGIOUS_HOLIDAY:
		case RULES_CAT_LEAVE_UNPAID:
			return "d-c-leave";
		case RULES_CAT_PREGNANCY:
		case RULES_CAT_BIRTH_MOTHER:
		case RULES_CAT_BIRTH_FATHER:
		case RULES_CAT_NURSING:
			return "d-c-family";
		default:
			return "d-c-other";
		}
	}
	return "d-att";
}

/* A day's colour class, letter and words (the letter and words: never colour alone). */
static const struct {
	const char *cls, *mark, *en;
} day_kinds[] = {
    {"d-att", "✓", "Attended"},
    {"d-part", "½", "Late or left early"},
    {"d-unx", "✗", "Unexcused"},
    {"d-c-sick", "S", "Sick"},
    {"d-c-child", "B", "Child's illness"},
    {"d-c-leave", "F", "Leave or vacation"},
    {"d-c-family", "G", "Pregnancy, birth, nursing"},
    {"d-c-other", "E", "Excused, other"},
    {"d-hol", "H", "Holiday or closed"},
    {"d-none", "·", "Not scheduled"},
    {"d-future", "…", "Coming or not final yet"},
};

static size_t
day_kind(const char *cls)
{
	for (size_t i = 0; i < sizeof(day_kinds) / sizeof(day_kinds[0]); i++)
		if (strcmp(day_kinds[i].cls, cls) == 0)
			return i;
	return sizeof(day_kinds) / sizeof(day_kinds[0]) - 1;
}

/* The class of day k of res (with the not-final rule), or NULL if it is not in res. */
static const char *
day_cls_at(const struct attendance_days *res, int32_t date, int32_t today,
           const struct rules_day **dp)
{
	*dp = NULL;
	for (size_t k = 0; k < res->out.n_days; k++)
		if (res->out.days[k].date == date) {
			const struct rules_day *d = &res->out.days[k];

			*dp = d;
			/* A scheduled day not final yet is not judged: shown as to come. */
			if (res->state && res->state[k] != ATTENDANCE_DAY_FINAL &&
			    d->scheduled_min > 0 && d->attended_min == 0 && excused_total(d) == 0)
				return "d-future";
			return day_class(d, today);
		}
	return "d-future";
}

static void
legend(struct board_req *r, struct evbuffer *out)
{
	html_fmt(out, "<ul class=\"legend\" aria-label=\"%s\">", board_t(r, "Legend"));
	for (size_t i = 0; i < sizeof(day_kinds) / sizeof(day_kinds[0]); i++)
		html_fmt(out, "<li><span class=\"mark %s\" aria-hidden=\"true\">%s</span> %s</li>",
		         day_kinds[i].cls, day_kinds[i].mark, board_t(r, day_kinds[i].en));
	html_fmt(out, "</ul>");
}

/*
 * The calendar as an HTML grid: each day a link to its explanation below, with its
 * mark and words in the link itself, so a tap or the keyboard reaches every detail
 * (no SVG tooltips, which tablets cannot show).
 */
static void
heatmap(struct board_req *r, struct evbuffer *out, const struct attendance_days *res, int32_t from,
        int32_t to, int32_t today)
{
	int lead = rules_weekday(from) - 1;
	int ndays = (int)(to - from + 1);
	int cells = ((lead + ndays + 6) / 7) * 7;

	html_fmt(out, "<table class=\"cal\" id=\"calendar\"><thead><tr>");
	for (int i = 0; i < 7; i++)
		html_fmt(out, "<th scope=\"col\">%s</th>", weekday(r, from + i - lead));
	html_fmt(out, "</tr></thead><tbody>");
	for (int slot = 0; slot < cells; slot++) {
		int32_t date = from + slot - lead;
		const struct rules_day *d;
		const char *cls;
		char ds[11], sch[32], att[32], unx[32];
		int dd, mm, yy;
		size_t k;

		if (slot % 7 == 0)
			html_fmt(out, "<tr>");
		if (date < from || date > to) {
			html_fmt(out, "<td></td>");
		} else {
			cls = day_cls_at(res, date, today, &d);
			k = day_kind(cls);
			rules_date_format(date, ds, sizeof(ds));
			rules_ymd(date, &yy, &mm, &dd);
			html_fmt(out,
			         "<td class=\"day %s%R\" data-date=\"%s\"><a href=\"#d-%s\">"
			         "<span class=\"dn\">%d</span><span class=\"mark\" "
			         "aria-hidden=\"true\">%s"
			         "</span><span class=\"sr\">%s %s.",
			         cls, date == today ? " today" : "", ds, ds, dd, day_kinds[k].mark,
			         ds, board_t(r, day_kinds[k].en));
			if (d && date <= today && d->scheduled_min) {
				board_duration(r, d->scheduled_min, sch, sizeof(sch));
				board_duration(r, d->attended_min, att, sizeof(att));
				board_duration(r, d->unexcused_min, unx, sizeof(unx));
				html_fmt(out, " %s %s, %s %s, %s %s.", board_t(r, "Scheduled"), sch,
				         board_t(r, "Attended"), att, board_t(r, "Unexcused"), unx);
			}
			html_fmt(out, "</span></a></td>");
		}
		if (slot % 7 == 6)
			html_fmt(out, "</tr>");
	}
	html_fmt(out, "</tbody></table>");
	legend(r, out);
}

static void
quotas(struct board_req *r, struct evbuffer *out, int64_t pid, const char *today)
{
	struct attendance_quotas q;
	char err[256];

	if (attendance_quotas(r->b->att, pid, today, &q, err, sizeof(err)) != 0) {
		html_fmt(out, "<p class=\"error\">%s</p>", err);
		return;
	}
	html_fmt(out,
	         "<table id=\"quotas\"><thead><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
	         "</tr></thead><tbody>",
	         board_t(r, "Quotas"), board_t(r, "Used"), board_t(r, "Limit"),
	         board_t(r, "Remaining"));
	for (int i = 0; i < ATTENDANCE_Q_COUNT; i++) {
		if (q.q[i].limit == 0 && q.q[i].used == 0)
			continue; /* not part of this regime */
		html_fmt(
		    out,
		    "<tr data-quota=\"%s\"><td>%s</td><td class=\"used\" data-label=\"%s\">%d</td>",
		    attendance_quota_name(i), board_quota_label(r, i), board_t(r, "Used"),
		    q.q[i].used);
		if (q.q[i].limit < 0)
			html_fmt(out,
			         "<td data-label=\"%s\">%s</td><td class=\"left\" "
			         "data-label=\"%s\">–</td>"
			         "</tr>",
			         board_t(r, "Limit"), board_t(r, "no limit"),
			         board_t(r, "Remaining"));
		else
			html_fmt(out,
			         "<td data-label=\"%s\">%d</td><td class=\"left\" "
			         "data-label=\"%s\">%d</td>"
			         "</tr>",
			         board_t(r, "Limit"), q.q[i].limit, board_t(r, "Remaining"),
			         q.q[i].left);
	}
	html_fmt(out, "</tbody></table>");
}

static void
day_rows(struct board_req *r, struct evbuffer *out, const struct attendance_days *res,
         int32_t today)
{
	char dur[32], ds[11], money[32];

	html_fmt(out,
	         "<table id=\"days\"><thead><tr><th>%s</th><th class=\"opt\">%s</th><th>%s</th>"
	         "<th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody>",
	         board_t(r, "Date"), board_t(r, "Scheduled"), board_t(r, "Attended"),
	         board_t(r, "Excused"), board_t(r, "Unexcused"), board_t(r, "Explanation"));
	for (size_t i = 0; i < res->out.n_days; i++) {
		const struct rules_day *d = &res->out.days[i];

		if (d->date > today || (d->scheduled_min == 0 && d->flags == 0))
			continue;
		rules_date_format(d->date, ds, sizeof(ds));
		html_fmt(out,
		         "<tr id=\"d-%s\" data-date=\"%s\"><td>%s %s<div><a href=\"/board/correct?"
		         "id=%s&amp;date=%s\">%s</a></div></td>",
		         ds, ds, weekday(r, d->date), ds, res->participant.ext_id, ds,
		         board_t(r, "Correct a tap"));
		board_duration(r, d->scheduled_min, dur, sizeof(dur));
		html_fmt(out, "<td class=\"opt\" data-label=\"%s\">%s</td>",
		         board_t(r, "Scheduled"), dur);
		board_duration(r, d->attended_min, dur, sizeof(dur));
		html_fmt(out, "<td data-label=\"%s\">%s</td><td data-label=\"%s\">",
		         board_t(r, "Attended"), dur, board_t(r, "Excused"));
		for (int c = 0; c < RULES_CAT_COUNT; c++)
			if (d->excused_min[c]) {
				board_duration(r, d->excused_min[c], dur, sizeof(dur));
				html_fmt(out, "<div data-category=\"%s\">%s: %s</div>",
				         rules_category_name(c), board_category_label(r, c), dur);
			}
		board_duration(r, d->unexcused_min, dur, sizeof(dur));
		html_fmt(out, "</td><td class=\"%s\" data-label=\"%s\">%s",
		         d->unexcused_min ? "error" : "", board_t(r, "Unexcused"), dur);
		if (d->unexcused_min) {
			board_money(rules_rat_round(d->deduction), money, sizeof(money));
			html_fmt(out, "<div class=\"muted\">%s %s %s</div>",
			         board_t(r, "Deduction"), money, res->currency);
		}
		html_fmt(out, "</td><td>");
		/* A day not final yet is not judged: its missing minutes are pending. */
		if (res->state && res->state[i] != ATTENDANCE_DAY_FINAL) {
			board_duration(r, res->pending_min[i], dur, sizeof(dur));
			html_fmt(out, "<div class=\"muted\" data-state=\"%s\">%s: %s</div>",
			         attendance_day_state_name(res->state[i]),
			         board_t(r, "Not final yet, pending"), dur);
		}
		for (int n = 0; n < RULES_NOTE_COUNT; n++)
			if (d->notes & (1u << n))
				html_fmt(out, "<div class=\"note\" data-note=\"%s\">%s</div>",
				         rules_note_name(n), board_note_label(r, n));
		for (int f = 0; f < RULES_FLAG_COUNT; f++)
			if (d->flags & (1u << f))
				html_fmt(out, "<div class=\"muted\" data-flag=\"%s\">%s</div>",
				         rules_flag_name(f), board_flag_label(r, f));
		html_fmt(out, "</td></tr>");
	}
	board_money(res->out.totals.deduction_ore, money, sizeof(money));
	html_fmt(out, "</tbody></table><p><strong>%s %s: %s %s</strong></p>", board_t(r, "Total"),
	         board_t(r, "Deduction"), money, res->currency);
	if (res->g_missing != INT32_MIN)
		html_fmt(out, "<p class=\"muted\">%s</p>",
		         board_t(r, "G for this period is not known yet: amounts use the last "
		                    "known G and may change."));
}

/* A documentation value as people say it. */
const char *
board_doc_label(const struct board_req *r, const char *doc)
{
	static const char *const t[][2] = {
	    {"self_declared", "Self-declared"},
	    {"doctor_note", "Doctor's note"},
	    {"checkup", "Prenatal check-up"},
	    {"other", "Other document"},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(doc, t[i][0]) == 0)
			return board_t(r, t[i][1]);
	return *doc ? doc : board_t(r, "None");
}

/* "user:kari" -> "kari", "cli:root" -> "root (command line)", "roster" as it is. */
void
board_who(const struct board_req *r, const char *actor, char *out, size_t outlen)
{
	if (strncmp(actor, "user:", 5) == 0)
		snprintf(out, outlen, "%s", actor + 5);
	else if (strncmp(actor, "cli:", 4) == 0)
		snprintf(out, outlen, "%s (%s)", actor + 4, board_t(r, "command line"));
	else if (strncmp(actor, "token:", 6) == 0)
		snprintf(out, outlen, "%s (%s)", actor + 6, board_t(r, "payroll API"));
	else
		snprintf(out, outlen, "%s", *actor ? actor : board_t(r, "the roster"));
}

/* The participant's registered absences, each with withdraw and change. */
static void
absences(struct board_req *r, struct evbuffer *out, const struct store_participant *p)
{
	struct store_absence_row *rows = NULL;
	size_t n = 0;
	char who[96], when[32], hm1[8], hm2[8];

	html_fmt(out, "<h2 id=\"absences-h\">%s</h2>", board_t(r, "Registered absences"));
	if (store_absences_active(r->b->store, p->id, &rows, &n) < 0) {
		html_fmt(out, "<p class=\"error\">%s</p>", board_t(r, "Something went wrong"));
		return;
	}
	if (n == 0) {
		html_fmt(out, "<p class=\"muted\" id=\"absences\">%s</p>",
		         board_t(r, "No absences are registered."));
		free(rows);
		return;
	}
	html_fmt(out, "<ul class=\"items\" id=\"absences\">");
	for (size_t i = n; i-- > 0;) {
		const struct store_absence_row *a = &rows[i];
		int cat = rules_category_parse(a->a.category);

		board_who(r, a->a.registered_by, who, sizeof(who));
		board_when(a->created_ms, "%d.%m.%Y %H:%M", when, sizeof(when));
		html_fmt(out,
		         "<li class=\"card\" data-absence=\"%s\" data-category=\"%s\"><h3>%s</h3>"
		         "<p><strong>%s</strong>%R%s",
		         a->a.uuid, a->a.category,
		         cat >= 0 ? board_category_label(r, cat) : a->a.category, a->a.from_date,
		         strcmp(a->a.from_date, a->a.to_date) ? " – " : "",
		         strcmp(a->a.from_date, a->a.to_date) ? a->a.to_date : "");
		if (a->start_min >= 0) {
			board_hhmm(a->start_min, hm1);
			board_hhmm(a->end_min, hm2);
			html_fmt(out, " %s–%s", hm1, hm2);
		}
		html_fmt(out, "</p><dl class=\"facts\"><dt>%s</dt><dd>%s</dd>",
		         board_t(r, "Documentation"), board_doc_label(r, a->a.documentation));
		if (a->a.comment[0])
			html_fmt(out, "<dt>%s</dt><dd dir=\"auto\">%s</dd>", board_t(r, "Comment"),
			         a->a.comment);
		html_fmt(out, "<dt>%s</dt><dd>%s, %s</dd></dl>", board_t(r, "Registered by"), who,
		         when);
		html_fmt(out,
		         "<details class=\"act\"><summary>%s</summary>"
		         "<form method=\"post\" action=\"/board/absence/withdraw\">",
		         board_t(r, "Withdraw"));
		board_csrf_field(r, out);
		html_fmt(
		    out,
		    "<input type=\"hidden\" name=\"id\" value=\"%s\">"
		    "<input type=\"hidden\" name=\"absence\" value=\"%s\">"
		    "<label>%s<input name=\"reason\" required maxlength=\"250\" "
		    "dir=\"auto\"></label>"
		    "<button type=\"submit\" class=\"danger\">%s</button></form></details> "
		    "<a class=\"button\" href=\"/board/absence?id=%s&amp;edit=%s\">%s</a></li>",
		    p->ext_id, a->a.uuid, board_t(r, "Reason (required)"),
		    board_t(r, "Withdraw the absence"), p->ext_id, a->a.uuid, board_t(r, "Change"));
	}
	html_fmt(out, "</ul>");
	free(rows);
}

struct cards_ctx {
	struct board_req *r;
	struct evbuffer *out;
	const struct store_participant *p;
	int n;
};

static int
card_item(void *arg, const struct store_card_row *c)
{
	struct cards_ctx *k = arg;
	struct board_req *r = k->r;
	char code[8], who[96], when[32];

	if (k->n++ == 0)
		html_fmt(k->out, "<ul class=\"items\" id=\"cards\">");
	board_card_code(c->key, code);
	board_who(r, c->enrolled_by, who, sizeof(who));
	board_when(c->enrolled_ms, "%d.%m.%Y %H:%M", when, sizeof(when));
	html_fmt(k->out,
	         "<li class=\"card\" data-card=\"%s\" data-revoked=\"%d\"><h3>%s "
	         "<span class=\"key\">…%s</span> <span class=\"tag %s\">%s</span></h3>"
	         "<dl class=\"facts\"><dt>%s</dt><dd>%s, %s</dd>",
	         c->key, c->revoked, board_t(r, "Card"), code, c->revoked ? "tag-off" : "tag-on",
	         board_t(r, c->revoked ? "Revoked" : "In use"), board_t(r, "Enrolled"), when, who);
	if (c->revoked && c->revoked_ms) {
		board_who(r, c->revoked_by, who, sizeof(who));
		board_when(c->revoked_ms, "%d.%m.%Y %H:%M", when, sizeof(when));
		html_fmt(k->out, "<dt>%s</dt><dd>%s, %s</dd>", board_t(r, "Revoked"), when, who);
		if (c->revoke_reason[0])
			html_fmt(k->out, "<dt>%s</dt><dd dir=\"auto\">%s</dd>",
			         board_t(r, "Reason"), c->revoke_reason);
	}
	html_fmt(k->out, "</dl>");
	if (!c->revoked) {
		html_fmt(k->out,
		         "<a class=\"button\" href=\"/board/enroll?participant=%s&amp;replace=%s\">"
		         "%s</a> <details class=\"act\"><summary>%s</summary>"
		         "<form method=\"post\" action=\"/board/card/revoke\">",
		         k->p->ext_id, c->key, board_t(r, "Replace"), board_t(r, "Revoke"));
		board_csrf_field(r, k->out);
		html_fmt(k->out,
		         "<input type=\"hidden\" name=\"id\" value=\"%s\">"
		         "<input type=\"hidden\" name=\"card\" value=\"%s\">"
		         "<label>%s<input name=\"reason\" required maxlength=\"250\" "
		         "dir=\"auto\"></label>"
		         "<button type=\"submit\" class=\"danger\">%s</button></form></details>",
		         k->p->ext_id, c->key, board_t(r, "Reason (required)"),
		         board_t(r, "Revoke the card"));
	}
	html_fmt(k->out, "</li>");
	return 0;
}

static void
cards(struct board_req *r, struct evbuffer *out, const struct store_participant *p)
{
	struct cards_ctx k = {r, out, p, 0};

	html_fmt(out, "<h2>%s</h2>", board_t(r, "Cards"));
	store_cards_of(r->b->store, p->id, card_item, &k);
	if (k.n)
		html_fmt(out, "</ul>");
	else
		html_fmt(out, "<p class=\"muted\" id=\"cards\">%s</p>", board_t(r, "No card yet."));
	html_fmt(out, "<p><a class=\"button\" href=\"/board/enroll?participant=%s\">%s</a></p>",
	         p->ext_id, board_t(r, "Enroll a new card"));
}

/* The message after a change made from or for this page: says what happened. */
static void
flash(struct board_req *r, struct evbuffer *out, const struct store_participant *p)
{
	static const char *const said[][2] = {
	    {"1", "The absence is saved."},
	    {"absence", "The absence is saved."},
	    {"updated", "The absence is changed."},
	    {"withdrawn", "The absence is withdrawn."},
	    {"revoked", "The card is revoked."},
	    {"replaced", "The new card replaces the old one."},
	    {"enrolled", "The card is enrolled."},
	};
	const char *s = board_arg(r, "saved");

	for (size_t i = 0; i < sizeof(said) / sizeof(said[0]); i++)
		if (strcmp(s, said[i][0]) == 0)
			html_fmt(out,
			         "<p class=\"notice\" role=\"status\" id=\"flash\">✓ %s "
			         "<span dir=\"auto\">(%s, %s)</span></p>",
			         board_t(r, said[i][1]), p->name, p->ext_id);
}

/* The range a view shows around `at`: Monday-Sunday, or the calendar month. */
static void
view_range(int month, int32_t at, int32_t *from, int32_t *to, int32_t *prev, int32_t *next)
{
	int y, m, d;

	if (!month) {
		*from = at - (rules_weekday(at) - 1);
		*to = *from + 6;
		*prev = *from - 7;
		*next = *from + 7;
		return;
	}
	rules_ymd(at, &y, &m, &d);
	*from = rules_date(y, m, 1);
	*to = *from + rules_days_in_month(y, m) - 1;
	*prev = rules_add_months(*from, -1);
	*next = rules_add_months(*from, 1);
}

/* Taps that changed nothing: a second tap soon after checking in ([tap] min_presence_min). */
static void
already_rows(struct board_req *r, struct evbuffer *out, int64_t pid, const char *from,
             const char *to)
{
	struct store_day_tap *t;
	char hhmm[8];
	size_t n;

	if (store_taps_already(r->b->store, pid, from, to, &t, &n) < 0 || n == 0) {
		free(n ? t : NULL);
		return;
	}
	html_fmt(out, "<h2>%s</h2><ul id=\"already\">",
	         board_t(r, "Tapped again while checked in (nothing changed)"));
	for (size_t i = 0; i < n; i++) {
		board_hhmm(t[i].minute, hhmm);
		html_fmt(out, "<li>%s %s</li>", t[i].date, hhmm);
	}
	html_fmt(out, "</ul>");
	free(t);
}

/* What the participant page's long part needs, from the loop. */
struct participant_page {
	struct store_participant p;
	int32_t today, from, to;
	char today_s[11], from_s[11], to_s[11]; /* to_s: never after today */
};

/*
 * On the reports thread: the participant's days through the rules engine, the quotas
 * and the lists below, then the end of the page.
 */
static void
participant_render(struct board_req *r, struct evbuffer *out, void *arg)
{
	struct participant_page *pg = arg;
	struct attendance_days res;
	char err[256];
	int rc;

	memset(&res, 0, sizeof(res));
	rc = pg->from <= pg->today ? attendance_days(r->b->att, pg->p.id, pg->from_s, pg->to_s,
	                                             &res, err, sizeof(err))
	                           : 1;
	if (rc == 1)
		res.participant = pg->p;
	if (rc < 0) {
		html_fmt(out, "<p class=\"error\">%s</p>", err);
	} else {
		html_fmt(out, "<div class=\"card\">");
		heatmap(r, out, &res, pg->from, pg->to, pg->today);
		html_fmt(out, "</div>");
		already_rows(r, out, pg->p.id, pg->from_s, pg->to_s);
		html_fmt(out, "<h2>%s</h2>", board_t(r, "Quotas"));
		quotas(r, out, pg->p.id, pg->today_s);
		absences(r, out, &pg->p);
		cards(r, out, &pg->p);
		html_fmt(out, "<h2>%s</h2>", board_t(r, "Explanation"));
		if (rc == 0)
			day_rows(r, out, &res, pg->today);
	}
	board_page_end(r, out);
	if (rc == 0)
		attendance_days_free(&res);
}

static void
on_participant(struct evhttp_request *req, void *arg)
{
	struct board_req r;
	struct participant_page *pg;
	struct store_participant p;
	struct evbuffer *out;
	char prev_s[11], next_s[11], to_s[11];
	int32_t at, prev, next;
	int minute, month;

	if (board_begin(arg, req, BOARD_HTML, &r) < 0)
		return;
	if (store_participant_by_ext(r.b->store, board_arg(&r, "id"), &p) != 0) {
		board_fail(&r, 404, board_t(&r, "No such participant."));
		board_end(&r);
		return;
	}
	if ((pg = calloc(1, sizeof(*pg))) == NULL) {
		evhttp_send_error(req, 503, NULL);
		board_end(&r);
		return;
	}
	pg->p = p;
	board_now(pg->today_s, &minute);
	rules_date_parse(pg->today_s, &pg->today);
	if (rules_date_parse(board_arg(&r, "date"), &at) < 0)
		at = pg->today;
	month = strcmp(board_arg(&r, "view"), "month") == 0;
	view_range(month, at, &pg->from, &pg->to, &prev, &next);
	rules_date_format(pg->from, pg->from_s, sizeof(pg->from_s));
	/* Never compute the future: a day not yet come is not an absence. */
	rules_date_format(pg->to < pg->today ? pg->to : pg->today, pg->to_s, sizeof(pg->to_s));
	rules_date_format(prev, prev_s, sizeof(prev_s));
	rules_date_format(next, next_s, sizeof(next_s));
	if ((out = evbuffer_new()) == NULL) {
		evhttp_send_error(req, 503, NULL);
		free(pg);
		board_end(&r);
		return;
	}
	board_page_begin(&r, out, p.name, "participant");
	html_fmt(out,
	         "<h1><span class=\"name\" dir=\"auto\">%s</span> <span class=\"muted\">%s</span>"
	         "</h1><p class=\"muted\">%s: %s · %s: %s%R%s</p>",
	         p.name, p.ext_id, board_t(&r, "Regime"), p.regime, board_t(&r, "Programme start"),
	         p.programme_start, p.group[0] ? " · " : "", p.group);
	flash(&r, out, &p);
	html_fmt(out,
	         "<p><a class=\"button primary\" href=\"/board/absence?id=%s&amp;from=%s\">%s</a> "
	         "<a class=\"button\" href=\"/board/correct?id=%s&amp;date=%s\">%s</a></p>",
	         p.ext_id, pg->today_s, board_t(&r, "Register absence"), p.ext_id, pg->today_s,
	         board_t(&r, "Correct a tap"));
	html_fmt(out,
	         "<div class=\"tabs\"><a class=\"button\" href=\"?id=%s&amp;view=week&amp;date=%s\""
	         "%R>%s</a><a class=\"button\" href=\"?id=%s&amp;view=month&amp;date=%s\"%R>%s</a>"
	         "<a class=\"button\" href=\"?id=%s&amp;view=%s&amp;date=%s\">‹ %s</a>"
	         "<a class=\"button\" href=\"?id=%s&amp;view=%s&amp;date=%s\">%s ›</a>"
	         "<strong>%s – </strong>",
	         p.ext_id, pg->from_s, month ? "" : " aria-current=\"page\"", board_t(&r, "Week"),
	         p.ext_id, pg->from_s, month ? " aria-current=\"page\"" : "", board_t(&r, "Month"),
	         p.ext_id, month ? "month" : "week", prev_s, board_t(&r, "Previous"), p.ext_id,
	         month ? "month" : "week", next_s, board_t(&r, "Next"), pg->from_s);
	rules_date_format(pg->to, to_s, sizeof(to_s));
	html_fmt(out, "<strong>%s</strong></div>", to_s);
	/* The pay period of the viewed date: its basis for a decision, printable. */
	{
		struct store_period sp;
		char at_s[11];

		struct period *per = NULL;
		char perr[256];
		int found;

		rules_date_format(at, at_s, sizeof(at_s));
		/*
		 * As the payroll API does: the period of a day up to today exists once asked
		 * for.  A write: here on the loop, before the long read goes to the thread.
		 */
		found = store_period_at(r.b->store, at_s, &sp) == 0;
		if (!found && at <= pg->today &&
		    period_open(&per, r.b->store, r.b->att, r.b->cfg, perr, sizeof(perr)) == 0)
			found = period_ensure(per, at_s, &sp, perr, sizeof(perr)) == 0;
		period_free(per);
		if (found)
			html_fmt(
			    out,
			    "<p><a class=\"button\" id=\"basis\" href=\"/board/basis?id=%s&amp;"
			    "period=%lld\" target=\"_blank\">%s %s – %s</a></p>",
			    p.ext_id, (long long)sp.id, board_t(&r, "Basis for a decision (print)"),
			    sp.from, sp.to);
	}
	board_stream_page(&r, out, participant_render, pg, free);
}

/* --- the class view --- */

struct class_ctx {
	struct board_req *r;
	struct evbuffer *out;
	const char *group;
	char *group_copy;
	int32_t from, to, today;
	int n;
};

static int
class_row(void *arg, const struct store_participant *p)
{
	struct class_ctx *c = arg;
	struct board_req *r = c->r;
	struct attendance_days res;
	char f[11], t[11], err[256], ds[11];
	int rc = 1;

	if (!p->active || (*c->group && strcmp(p->group, c->group)))
		return 0;
	c->n++;
	memset(&res, 0, sizeof(res));
	rules_date_format(c->from, f, sizeof(f));
	rules_date_format(c->to < c->today ? c->to : c->today, t, sizeof(t));
	if (c->from <= c->today)
		rc = attendance_days(r->b->att, p->id, f, t, &res, err, sizeof(err));
	html_fmt(c->out,
	         "<tr data-pid=\"%s\"><th scope=\"row\"><a class=\"name\" dir=\"auto\" "
	         "href=\"/board/participant?id=%s&amp;date=%s\">%s</a></th>",
	         p->ext_id, p->ext_id, f, p->name);
	for (int32_t d = c->from; d <= c->to; d++) {
		const struct rules_day *day = NULL;
		const char *cls = rc == 0 ? day_cls_at(&res, d, c->today, &day) : "d-future";
		size_t k = day_kind(cls);

		rules_date_format(d, ds, sizeof(ds));
		html_fmt(c->out,
		         "<td class=\"day %s\" data-date=\"%s\"><a href=\"/board/participant?id=%s"
		         "&amp;date=%s#d-%s\"><span aria-hidden=\"true\">%s</span>"
		         "<span class=\"sr\">%s %s: %s</span></a></td>",
		         cls, ds, p->ext_id, ds, ds, day_kinds[k].mark, p->name, ds,
		         board_t(r, day_kinds[k].en));
	}
	html_fmt(c->out, "</tr>");
	if (rc == 0)
		attendance_days_free(&res);
	/* Rows go out as they are made; a client that has gone stops the reading. */
	return board_stream_some(r, c->out) < 0 ? 1 : 0;
}

/* On the reports thread: every participant of the group through the rules engine. */
static void
class_render(struct board_req *r, struct evbuffer *out, void *arg)
{
	struct class_ctx *c = arg;
	char ds[11];

	c->r = r;
	c->out = out;
	html_fmt(out,
	         "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"%s\">"
	         "<table class=\"grid\" id=\"class\"><thead><tr><th scope=\"col\">%s</th>",
	         board_t(r, "Class view"), board_t(r, "Name"));
	for (int32_t d = c->from; d <= c->to; d++) {
		int y, m, dd;

		rules_ymd(d, &y, &m, &dd);
		rules_date_format(d, ds, sizeof(ds));
		html_fmt(
		    out,
		    "<th scope=\"col\" data-date=\"%s\"><abbr title=\"%s\">%s</abbr><br>%d</th>",
		    ds, ds, weekday(r, d), dd);
	}
	html_fmt(out, "</tr></thead><tbody>");
	store_participant_each(r->b->store, class_row, c);
	html_fmt(out, "</tbody></table></div>");
	if (c->n == 0)
		html_fmt(out, "<p class=\"muted\">%s</p>", board_t(r, "Nobody is in this group."));
	legend(r, out);
	html_fmt(out,
	         "<p class=\"noprint\"><button type=\"button\" data-print=\"1\">%s</button></p>",
	         board_t(r, "Print"));
	board_page_end(r, out);
}

static void
class_free(void *arg)
{
	struct class_ctx *c = arg;

	free(c->group_copy);
	free(c);
}

/* /board/class?group=G&view=week|month&date=D: a group's participants x days. */
static void
on_class(struct evhttp_request *req, void *arg)
{
	struct board_req r;
	struct class_ctx *c;
	struct evbuffer *out;
	char today_s[11], from_s[11], to_s[11], prev_s[11], next_s[11], gq[128];
	int32_t at, prev, next;
	int minute, month;
	const char *g;

	if (board_begin(arg, req, BOARD_HTML, &r) < 0)
		return;
	if ((c = calloc(1, sizeof(*c))) == NULL || (out = evbuffer_new()) == NULL) {
		free(c);
		evhttp_send_error(req, 503, NULL);
		board_end(&r);
		return;
	}
	g = board_arg(&r, "group");
	board_url_part(g, gq, sizeof(gq));
	board_now(today_s, &minute);
	rules_date_parse(today_s, &c->today);
	if (rules_date_parse(board_arg(&r, "date"), &at) < 0)
		at = c->today;
	month = strcmp(board_arg(&r, "view"), "month") == 0;
	view_range(month, at, &c->from, &c->to, &prev, &next);
	rules_date_format(c->from, from_s, sizeof(from_s));
	rules_date_format(c->to, to_s, sizeof(to_s));
	rules_date_format(prev, prev_s, sizeof(prev_s));
	rules_date_format(next, next_s, sizeof(next_s));
	board_page_begin(&r, out, board_t(&r, "Class view"), "class");
	html_fmt(out, "<h1>%s: %s <span class=\"muted\">%s – %s</span></h1>",
	         board_t(&r, "Class view"), *g ? g : board_t(&r, "All groups"), from_s, to_s);
	html_fmt(
	    out,
	    "<div class=\"tabs noprint\"><a class=\"button\" href=\"?group=%s&amp;view=week&amp;"
	    "date=%s\"%R>%s</a><a class=\"button\" href=\"?group=%s&amp;view=month&amp;date=%s\"%R>"
	    "%s</a><a class=\"button\" href=\"?group=%s&amp;view=%s&amp;date=%s\">‹ %s</a>"
	    "<a class=\"button\" href=\"?group=%s&amp;view=%s&amp;date=%s\">%s ›</a>"
	    "<a class=\"button\" href=\"/board/today?group=%s\">%s</a></div>",
	    gq, from_s, month ? "" : " aria-current=\"page\"", board_t(&r, "Week"), gq, from_s,
	    month ? " aria-current=\"page\"" : "", board_t(&r, "Month"), gq,
	    month ? "month" : "week", prev_s, board_t(&r, "Previous"), gq, month ? "month" : "week",
	    next_s, board_t(&r, "Next"), gq, board_t(&r, "Today"));
	/* The query (and so the group) belongs to r, which moves to the job: a copy. */
	c->group = c->group_copy = strdup(g);
	if (c->group == NULL)
		c->group = "";
	board_stream_page(&r, out, class_render, c, class_free);
}

/*
 * /board/basis?id=P&period=N[&lang=nb|nn|en][&format=json]: the basis for a formal
 * decision as the payroll API gives it, in the teacher's language, for print.  The
 * participant's period through the rules engine is a long read: on the reports
 * thread, with the page (one participant, one period: small) made there too.
 */
struct basis_job {
	struct board_req r;
	int64_t id;
	char pid[40], lang[4];
	int json, rc;
	json_t *doc;
	char *html;
	char err[1024];
};

static void
basis_run(struct reports_ctx *ctx, void *arg)
{
	struct basis_job *j = arg;

	j->rc = period_basis(ctx->period, j->id, j->pid, &j->doc, j->err, sizeof(j->err));
	if (j->rc == 0 && !j->json)
		j->html = paydoc_basis_html(j->doc, j->lang);
}

static void
html_free(const void *data, size_t len, void *arg)
{
	(void)len;
	(void)arg;
	free((void *)data);
}

static void
basis_done(void *arg, int ran)
{
	struct basis_job *j = arg;
	struct board_req *r = &j->r;

	if (!ran) {
		board_fail(r, 503, board_t(r, "The kiosk is stopping."));
	} else if (j->rc < 0) {
		board_fail(r, 409, j->err);
	} else if (j->rc == 1) {
		board_fail(r, 404, board_t(r, "No such pay period."));
	} else if (j->json) {
		web_reply_json(r->req, 200, j->doc);
		j->doc = NULL;
	} else if (j->html == NULL) {
		board_fail(r, 500, "out of memory");
	} else {
		struct evbuffer *out = evbuffer_new();
		struct evkeyvalq *h = evhttp_request_get_output_headers(r->req);

		/* A standalone page for print: its own inline style, no script at all. */
		web_security_headers(r->req);
		evhttp_remove_header(h, "Content-Security-Policy");
		evhttp_add_header(h, "Content-Security-Policy", PAYDOC_HTML_CSP);
		evhttp_add_header(h, "Cache-Control", "no-store");
		evhttp_add_header(h, "Content-Type", "text/html; charset=utf-8");
		if (out) {
			/* The string becomes the buffer's (freed once written): no copy. */
			if (evbuffer_add_reference(out, j->html, strlen(j->html), html_free,
			                           NULL) == 0)
				j->html = NULL;
			evhttp_send_reply(r->req, 200, "OK", out);
			evbuffer_free(out);
		} else {
			evhttp_send_error(r->req, 503, NULL);
		}
	}
	json_decref(j->doc);
	free(j->html);
	board_end(r);
	free(j);
}

static void
on_basis(struct evhttp_request *req, void *arg)
{
	struct basis_job *j = calloc(1, sizeof(*j));
	const char *lang;
	long long id;
	char *end;

	if (j == NULL) {
		evhttp_send_error(req, 503, NULL);
		return;
	}
	if (board_begin(arg, req, BOARD_HTML, &j->r) < 0) {
		free(j);
		return;
	}
	id = strtoll(board_arg(&j->r, "period"), &end, 10);
	lang = board_arg(&j->r, "lang");
	if (strcmp(lang, "nb") && strcmp(lang, "nn") && strcmp(lang, "en"))
		lang = j->r.lang ? j->r.lang : "nb";
	if (*end || id <= 0) {
		board_fail(&j->r, 400, board_t(&j->r, "No such pay period."));
		board_end(&j->r);
		free(j);
		return;
	}
	j->id = id;
	snprintf(j->pid, sizeof(j->pid), "%s", board_arg(&j->r, "id"));
	snprintf(j->lang, sizeof(j->lang), "%s", lang);
	j->json = strcmp(board_arg(&j->r, "format"), "json") == 0;
	if (reports_submit(j->r.b->reports, basis_run, basis_done, j) < 0) {
		board_fail(&j->r, 503, board_t(&j->r, "Something went wrong"));
		board_end(&j->r);
		free(j);
	}
}

void
board_participant_routes(struct board *b)
{
	web_route(b->web, "/board/participant", on_participant, b);
	web_route(b->web, "/board/basis", on_basis, b);
	web_route(b->web, "/board/class", on_class, b);
}
