/*
 * board_page.c — the board's look and words: one page frame (header, nav,
 * status), Norwegian bokmål and English per user, labels for statuses,
 * categories and rules, and the two static assets.  Script and style come
 * from /board/app.js and /board/app.css so the pages run under a CSP without
 * 'unsafe-inline'; the pages work without JavaScript, which only adds live
 * updates.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "board_int.h"
#include "html.h"
#include "web.h"

/* English is the key; bokmål beside it.  A missing entry shows the English. */
static const char *const nb[][2] = {
	{"Sign in", "Logg inn"},
	{"Not final yet, pending", "Ikke avsluttet ennå, ikke vurdert"},
	{"Basis for a decision (print)", "Grunnlag for vedtak (utskrift)"},
	{"No such pay period.", "Ingen slik lønnsperiode."},
	{"Sign out", "Logg ut"},
	{"Attendance board", "Oppmøtetavle"},
	{"User name", "Brukernavn"},
	{"Password", "Passord"},
	{"Today", "I dag"},
	{"Participants", "Deltakere"},
	{"Participant", "Deltaker"},
	{"Enroll card", "Registrer kort"},
	{"Audit log", "Revisjonslogg"},
	{"The address is malformed.", "Adressen er feil."},
	{"Use the form on the page.", "Bruk skjemaet på siden."},
	{"The form could not be read.", "Skjemaet kunne ikke leses."},
	{"This form has expired. Go back, reload the page and try again.",
	 "Skjemaet er utløpt. Gå tilbake, last inn siden på nytt og prøv igjen."},
	{"Only administrators can do this.", "Bare administratorer kan gjøre dette."},
	{"Not yet due", "Ikke startet"},
	{"Present", "Til stede"},
	{"Late", "Forsinket"},
	{"Left early", "Gikk tidlig"},
	{"Absent", "Fravær"},
	{"Excused", "Gyldig fravær"},
	{"Off site", "Praksis"},
	{"Reader", "Kortleser"},
	{"Upload", "Opplasting"},
	{"Clock", "Klokke"},
	{"Database", "Database"},
	{"connected", "tilkoblet"},
	{"synced", "synkronisert"},
	{"unsynced", "ikke synkronisert"},
	{"jumped", "hoppet"},
	{"off", "av"},
	{"pending", "venter"},
	{"ok", "ok"},
	{"failing", "feil"},
	{"Name", "Navn"},
	{"Status", "Status"},
	{"In", "Inn"},
	{"Out", "Ut"},
	{"Schedule", "Timeplan"},
	{"Nobody is scheduled today.", "Ingen har timeplan i dag."},
	{"Unknown cards", "Ukjente kort"},
	{"No unknown cards were tapped in the last 7 days.",
	 "Ingen ukjente kort er lest de siste 7 dagene."},
	{"Card", "Kort"},
	{"Last tapped", "Sist lest"},
	{"Taps", "Lesninger"},
	{"Enroll", "Registrer"},
	{"Register absence", "Registrer fravær"},
	{"Correct a tap", "Korriger stempling"},
	{"Week", "Uke"},
	{"Month", "Måned"},
	{"Previous", "Forrige"},
	{"Next", "Neste"},
	{"Quotas", "Kvoter"},
	{"Used", "Brukt"},
	{"Limit", "Grense"},
	{"Left", "Igjen"},
	{"no limit", "ingen grense"},
	{"Date", "Dato"},
	{"Scheduled", "Planlagt"},
	{"Attended", "Oppmøtt"},
	{"Unexcused", "Ugyldig"},
	{"Explanation", "Forklaring"},
	{"Deduction", "Trekk"},
	{"Not scheduled", "Ikke planlagt"},
	{"Coming", "Kommer"},
	{"No such participant.", "Ukjent deltaker."},
	{"Programme start", "Programstart"},
	{"Regime", "Regelverk"},
	{"Category", "Kategori"},
	{"From date", "Fra dato"},
	{"To date", "Til dato"},
	{"From time (optional)", "Fra klokken (valgfritt)"},
	{"To time (optional)", "Til klokken (valgfritt)"},
	{"Documentation", "Dokumentasjon"},
	{"Comment", "Kommentar"},
	{"None", "Ingen"},
	{"Self-declared", "Egenmelding"},
	{"Doctor's note", "Legeerklæring"},
	{"Prenatal check-up", "Svangerskapskontroll"},
	{"Other document", "Annen dokumentasjon"},
	{"Check the effect", "Se virkningen"},
	{"Save", "Lagre"},
	{"Change", "Endre"},
	{"Effect of this absence", "Virkning av fraværet"},
	{"Unexcused time", "Ugyldig fravær"},
	{"before", "før"},
	{"after", "etter"},
	{"Formal decision (enkeltvedtak) needed", "Krever enkeltvedtak"},
	{"yes", "ja"},
	{"no", "nei"},
	{"Warning: a quota would be exceeded. Some of this absence stays unexcused.",
	 "Advarsel: en kvote blir overskredet. Noe av fraværet blir ugyldig."},
	{"The absence is saved.", "Fraværet er lagret."},
	{"Could not save", "Kunne ikke lagre"},
	{"Taps on", "Stemplinger"},
	{"Time", "Klokken"},
	{"Direction", "Retning"},
	{"added by a correction", "lagt til ved korrigering"},
	{"Remove", "Fjern"},
	{"Reason (required)", "Begrunnelse (påkrevd)"},
	{"A reason is required.", "Begrunnelse er påkrevd."},
	{"Add a tap", "Legg til stempling"},
	{"Add", "Legg til"},
	{"No taps this day.", "Ingen stemplinger denne dagen."},
	{"Choose the card and the participant.", "Velg kortet og deltakeren."},
	{"The card is enrolled.", "Kortet er registrert."},
	{"Tap the new card on the kiosk reader: it appears here.",
	 "Hold det nye kortet mot leseren: det dukker opp her."},
	{"Who", "Hvem"},
	{"Action", "Handling"},
	{"Details", "Detaljer"},
	{"Older", "Eldre"},
	{"The hash chain is intact", "Hasjkjeden er intakt"},
	{"The hash chain is BROKEN at entry", "Hasjkjeden er BRUTT ved oppføring"},
	{"entries", "oppføringer"},
	{"Page not found.", "Siden finnes ikke."},
	{"Something went wrong", "Noe gikk galt"},
	{"Back", "Tilbake"},
	{"unknown card", "ukjent kort"},
	{"tapped", "stemplet"},
	{"Live", "Direkte"},
	{"Signed in as", "Logget inn som"},
	{"Flags", "Merknader"},
	{"Total", "Sum"},
	{"Search", "Søk"},
	{"h", "t"},
	{"Late or left early", "Forsinket eller gikk tidlig"},
	{"G for this period is not known yet: amounts use the last known G and may change.",
	 "G for perioden er ikke kjent ennå: beløpene bruker siste kjente G og kan endres."},
};

const char *
board_t(const struct board_req *r, const char *english)
{
	if (r == NULL || r->lang == NULL || strcmp(r->lang, "en") == 0)
		return english;
	for (size_t i = 0; i < sizeof(nb) / sizeof(nb[0]); i++)
		if (strcmp(nb[i][0], english) == 0)
			return nb[i][1];
	return english;
}

const char *
board_status_label(const struct board_req *r, enum attendance_status st)
{
	static const char *const en[ATTENDANCE_STATUS_COUNT] = {
		[ATTENDANCE_NOT_YET_DUE] = "Not yet due", [ATTENDANCE_PRESENT] = "Present",
		[ATTENDANCE_LATE] = "Late",		  [ATTENDANCE_LEFT_EARLY] = "Left early",
		[ATTENDANCE_ABSENT] = "Absent",		  [ATTENDANCE_EXCUSED] = "Excused",
		[ATTENDANCE_OFF_SITE] = "Off site",
	};
	return (unsigned)st < ATTENDANCE_STATUS_COUNT ? board_t(r, en[st]) : "?";
}

const char *
board_category_label(const struct board_req *r, int c)
{
	static const char *const en[RULES_CAT_COUNT][2] = {
		[RULES_CAT_LEAVE_APPROVED] = {"Approved leave (welfare)", "Velferdspermisjon"},
		[RULES_CAT_RELIGIOUS_HOLIDAY] = {"Religious holiday", "Religiøs høytid"},
		[RULES_CAT_PREGNANCY] = {"Pregnancy", "Svangerskap"},
		[RULES_CAT_BIRTH_MOTHER] = {"Birth (mother)", "Fødsel (mor)"},
		[RULES_CAT_BIRTH_FATHER] = {"Birth (father / co-parent)", "Fødsel (far / medmor)"},
		[RULES_CAT_NURSING] = {"Nursing", "Amming"},
		[RULES_CAT_SICK_DOCTOR] = {"Sick, doctor's note", "Syk med legeerklæring"},
		[RULES_CAT_SICK_SELF_DECLARED] = {"Sick, self-declared", "Egenmelding"},
		[RULES_CAT_CHILD_SICK] = {"Child's illness", "Barns sykdom"},
		[RULES_CAT_VACATION] = {"Vacation", "Ferie"},
		[RULES_CAT_LEAVE_UNPAID] = {"Unpaid leave", "Permisjon uten stønad"},
		[RULES_CAT_UNEXCUSED] = {"Unexcused (was not there)", "Ugyldig fravær (var ikke der)"},
	};
	if (c < 0 || c >= RULES_CAT_COUNT)
		return "?";
	return en[c][r && r->lang && strcmp(r->lang, "en") ? 1 : 0];
}

const char *
board_note_label(const struct board_req *r, int n)
{
	static const char *const t[RULES_NOTE_COUNT][2] = {
		[RULES_NOTE_SELF_DECLARED_QUOTA_EXHAUSTED] =
			{"Self-declared sick leave: 4 occurrences in 12 months are used",
			 "Egenmelding: 4 tilfeller på 12 måneder er brukt opp"},
		[RULES_NOTE_SELF_DECLARED_FIRST_8_WEEKS] =
			{"Self-declared sick leave is not allowed in the first 8 weeks",
			 "Egenmelding er ikke tillatt de første 8 ukene"},
		[RULES_NOTE_SELF_DECLARED_OVER_3_DAYS] =
			{"Self-declared sick leave over 3 days needs a doctor's note",
			 "Egenmelding over 3 dager krever legeerklæring"},
		[RULES_NOTE_CHILD_SICK_QUOTA_EXHAUSTED] =
			{"Child's illness: the days for 12 months are used",
			 "Barns sykdom: dagene for 12 måneder er brukt opp"},
		[RULES_NOTE_CHILD_SICK_OVER_3_DAYS] =
			{"Child's illness over 3 days needs a doctor's note",
			 "Barns sykdom over 3 dager krever legeerklæring"},
		[RULES_NOTE_RELIGIOUS_QUOTA_EXHAUSTED] =
			{"Religious holidays: 2 days this year are used",
			 "Religiøse høytider: 2 dager i år er brukt opp"},
		[RULES_NOTE_PREGNANCY_QUOTA_EXHAUSTED] =
			{"Pregnancy: the days are used", "Svangerskap: dagene er brukt opp"},
		[RULES_NOTE_BIRTH_MOTHER_QUOTA_EXHAUSTED] =
			{"Birth (mother): the days are used", "Fødsel (mor): dagene er brukt opp"},
		[RULES_NOTE_BIRTH_FATHER_QUOTA_EXHAUSTED] =
			{"Birth (father): the days are used", "Fødsel (far): dagene er brukt opp"},
		[RULES_NOTE_VACATION_QUOTA_EXHAUSTED] =
			{"Vacation: the days this year are used", "Ferie: dagene i år er brukt opp"},
		[RULES_NOTE_LEAVE_APPROVED_QUOTA_EXHAUSTED] =
			{"Approved leave: the days this year are used",
			 "Velferdspermisjon: dagene i år er brukt opp"},
		[RULES_NOTE_REGISTERED_UNEXCUSED] =
			{"Registered by a teacher as unexcused", "Registrert som ugyldig av lærer"},
	};
	if (n < 0 || n >= RULES_NOTE_COUNT)
		return "?";
	return t[n][r && r->lang && strcmp(r->lang, "en") ? 1 : 0];
}

const char *
board_flag_label(const struct board_req *r, int f)
{
	static const char *const t[RULES_FLAG_COUNT][2] = {
		[RULES_FLAG_MISSING_TAP_OUT] = {"No tap out: counted to the session end",
						"Mangler utstempling: regnet til slutt"},
		[RULES_FLAG_PUBLIC_HOLIDAY] = {"Public holiday", "Helligdag"},
		[RULES_FLAG_CLOSURE] = {"Centre closed", "Senteret stengt"},
		[RULES_FLAG_LATENESS] = {"Late or left early", "Forsinket eller gikk tidlig"},
		[RULES_FLAG_RELIGIOUS_SHORT_NOTICE] = {"Religious holiday notified late",
						       "Religiøs høytid meldt sent"},
		[RULES_FLAG_PAST_DEADLINE] = {"Past the deduction deadline", "Etter trekkfristen"},
	};
	if (f < 0 || f >= RULES_FLAG_COUNT)
		return "?";
	return t[f][r && r->lang && strcmp(r->lang, "en") ? 1 : 0];
}

const char *
board_quota_label(const struct board_req *r, int q)
{
	static const char *const t[ATTENDANCE_Q_COUNT][2] = {
		[ATTENDANCE_Q_SELF_DECLARED] = {"Self-declared sick leave (occurrences, 12 months)",
						"Egenmeldinger (tilfeller, 12 måneder)"},
		[ATTENDANCE_Q_CHILD_SICK] = {"Child's illness (days, 12 months)",
					     "Barns sykdom (dager, 12 måneder)"},
		[ATTENDANCE_Q_RELIGIOUS] = {"Religious holidays (days this year)",
					    "Religiøse høytider (dager i år)"},
		[ATTENDANCE_Q_VACATION] = {"Vacation (days this year)", "Ferie (dager i år)"},
		[ATTENDANCE_Q_LEAVE_APPROVED] = {"Approved leave (days this year)",
						 "Velferdspermisjon (dager i år)"},
		[ATTENDANCE_Q_PREGNANCY] = {"Pregnancy (days)", "Svangerskap (dager)"},
		[ATTENDANCE_Q_BIRTH_MOTHER] = {"Birth, mother (days)", "Fødsel, mor (dager)"},
		[ATTENDANCE_Q_BIRTH_FATHER] = {"Birth, father (days)", "Fødsel, far (dager)"},
	};
	if (q < 0 || q >= ATTENDANCE_Q_COUNT)
		return "?";
	return t[q][r && r->lang && strcmp(r->lang, "en") ? 1 : 0];
}

void
board_hhmm(int minute, char out[8])
{
	if (minute < 0)
		snprintf(out, 8, "–");
	else
		snprintf(out, 8, "%02d:%02d", (minute / 60) % 100, minute % 60);
}

void
board_money(int64_t ore, char *out, size_t outlen)
{
	int64_t a = ore < 0 ? -ore : ore, kr = a / 100;
	char digits[32], grouped[48];
	size_t n, k = 0;

	snprintf(digits, sizeof(digits), "%lld", (long long)kr);
	n = strlen(digits);
	for (size_t i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			grouped[k++] = ' ';
		grouped[k++] = digits[i];
	}
	grouped[k] = 0;
	snprintf(out, outlen, "%s%s,%02lld", ore < 0 ? "-" : "", grouped, (long long)(a % 100));
}

void
board_duration(const struct board_req *r, int64_t minutes, char *out, size_t outlen)
{
	const char *h = board_t(r, "h");

	if (minutes == 0)
		snprintf(out, outlen, "0");
	else if (minutes % 60 == 0)
		snprintf(out, outlen, "%lld %s", (long long)(minutes / 60), h);
	else if (minutes < 60 && minutes > -60)
		snprintf(out, outlen, "%lld min", (long long)minutes);
	else
		snprintf(out, outlen, "%lld %s %lld min", (long long)(minutes / 60), h,
			 (long long)(llabs(minutes) % 60));
}

void
board_page_headers(struct evhttp_request *req)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	web_security_headers(req);
	/* Stricter than the kiosk's policy: no inline script or style at all. */
	evhttp_remove_header(h, "Content-Security-Policy");
	evhttp_add_header(h, "Content-Security-Policy",
			  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self';"
			  " connect-src 'self'; form-action 'self'; base-uri 'none';"
			  " frame-ancestors 'none'");
	evhttp_add_header(h, "Cache-Control", "no-store");
}

void
board_send_html(struct evhttp_request *req, int status, struct evbuffer *out)
{
	static const char *const reasons[][2] = {
		{"200", "OK"}, {"400", "Bad Request"}, {"401", "Unauthorized"}, {"403", "Forbidden"},
		{"404", "Not Found"}, {"405", "Method Not Allowed"}, {"409", "Conflict"},
		{"422", "Unprocessable Entity"}, {"429", "Too Many Requests"},
	};
	const char *reason = "Error";
	char code[8];

	snprintf(code, sizeof(code), "%d", status);
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (strcmp(reasons[i][0], code) == 0)
			reason = reasons[i][1];
	board_page_headers(req);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  "text/html; charset=utf-8");
	evhttp_send_reply(req, status, reason, out);
}

void
board_redirect(struct evhttp_request *req, const char *location)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Location", location);
	evhttp_add_header(h, "Cache-Control", "no-store");
	/* 303: after a POST the browser GETs the new page (no resubmission on reload). */
	evhttp_send_reply(req, evhttp_request_get_command(req) == EVHTTP_REQ_POST ? 303 : 302,
			  "See Other", NULL);
}

void
board_csrf_field(struct board_req *r, struct evbuffer *out)
{
	html_fmt(out, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">", r->login.csrf);
}

static void
nav_link(struct board_req *r, struct evbuffer *out, const char *href, const char *label,
	 const char *page, const char *here)
{
	html_fmt(out, "<a href=\"%s\"%R>%s</a>", href,
		 strcmp(page, here) == 0 ? " aria-current=\"page\"" : "", board_t(r, label));
}

void
board_page_begin(struct board_req *r, struct evbuffer *out, const char *title, const char *page)
{
	html_fmt(out, "<!doctype html><html lang=\"%s\"><head><meta charset=\"utf-8\">"
		      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		      "<title>%s · Stempel</title><link rel=\"stylesheet\" href=\"/board/app.css\">"
		      "<script src=\"/board/app.js\" defer></script></head>"
		      "<body data-page=\"%s\">",
		 r->lang, title, page);
	if (r->user.username[0]) {
		html_fmt(out, "<header class=\"top\"><nav>");
		nav_link(r, out, "/board", "Today", page, "today");
		nav_link(r, out, "/board/participants", "Participants", page, "participants");
		nav_link(r, out, "/board/enroll", "Enroll card", page, "enroll");
		if (strcmp(r->user.role, "admin") == 0) {
			nav_link(r, out, "/board/audit", "Audit log", page, "audit");
			nav_link(r, out, "/board/periods", "Pay periods", page, "periods");
			nav_link(r, out, "/board/closures", "Closed days", page, "closures");
		}
		html_fmt(out, "</nav><form class=\"who\" method=\"post\" action=\"/board/logout\">"
			      "<span title=\"%s\">%s</span>",
			 board_t(r, "Signed in as"), r->user.username);
		board_csrf_field(r, out);
		html_fmt(out, "<button type=\"submit\">%s</button></form></header>",
			 board_t(r, "Sign out"));
	}
	html_fmt(out, "<main id=\"main\" data-csrf=\"%s\">", r->login.csrf);
}

void
board_page_end(struct board_req *r, struct evbuffer *out)
{
	html_fmt(out, "</main></body></html>\n");
}

struct evbuffer *
board_page_new(struct board_req *r, const char *title, const char *page)
{
	struct evbuffer *out = evbuffer_new();

	if (out == NULL) {
		evhttp_send_error(r->req, 503, NULL);
		return NULL;
	}
	board_page_begin(r, out, title, page);
	return out;
}

void
board_page_finish(struct board_req *r, struct evbuffer *out, int status)
{
	board_page_end(r, out);
	board_send_html(r->req, status, out);
	evbuffer_free(out);
}

void
board_when(int64_t ms, const char *fmt, char *out, size_t outlen)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(out, outlen, fmt, &tm);
}

void
board_fail(struct board_req *r, int status, const char *message)
{
	struct evbuffer *out = board_page_new(r, board_t(r, "Something went wrong"), "error");

	if (out == NULL)
		return;
	html_fmt(out, "<h1>%s</h1><p class=\"error\" role=\"alert\">%s</p>"
		      "<p><a class=\"button\" href=\"/board\">%s</a></p>",
		 board_t(r, "Something went wrong"), message, board_t(r, "Back"));
	board_page_finish(r, out, status);
}

/* --- static assets --- */

static const char app_css[] =
	":root{--bg:#f6f7f9;--fg:#1b1f24;--muted:#5b6470;--line:#d9dde3;--card:#fff;"
	"--ok:#1f7a3a;--late:#b25e00;--bad:#b3261e;--exc:#2457a6;--idle:#6b7280;--off:#6d4c9f}"
	"*{box-sizing:border-box}"
	"body{margin:0;font:17px/1.45 system-ui,-apple-system,'Segoe UI','Noto Sans',"
	"'Noto Sans Arabic','Noto Sans Ethiopic',sans-serif;background:var(--bg);color:var(--fg)}"
	"main{max-width:1100px;margin:0 auto;padding:12px 16px 48px}"
	"h1{font-size:1.5rem;margin:.6em 0 .4em}h2{font-size:1.2rem;margin:1.2em 0 .4em}"
	"a{color:#1a56b0}"
	".top{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;"
	"gap:8px;background:#1b2a41;color:#fff;padding:6px 12px}"
	".top nav{display:flex;flex-wrap:wrap;gap:4px}"
	".top nav a{color:#fff;text-decoration:none;padding:12px 14px;border-radius:8px;"
	"min-height:48px;display:inline-block}"
	".top nav a[aria-current]{background:#2f4a72}"
	".who{display:flex;align-items:center;gap:10px;margin:0}"
	".who button{background:transparent;color:#fff;border:1px solid #8aa0c0}"
	"button,.button,input,select,textarea{font:inherit}"
	"button,.button{min-height:48px;padding:10px 18px;border-radius:8px;border:1px solid #9aa4b1;"
	"background:#fff;color:var(--fg);cursor:pointer;text-decoration:none;display:inline-block}"
	"button.primary,.button.primary{background:#1a56b0;border-color:#1a56b0;color:#fff}"
	"button.danger{border-color:var(--bad);color:var(--bad)}"
	"input,select,textarea{min-height:48px;padding:8px 10px;border:1px solid #9aa4b1;"
	"border-radius:8px;background:#fff;width:100%}"
	"textarea{min-height:90px}"
	"label{display:block;margin:.7em 0 .2em;font-weight:600}"
	"label input,label select,label textarea{margin-top:4px;font-weight:400}"
	"form.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(240px,1fr));gap:0 16px}"
	"form.grid .full{grid-column:1/-1}"
	".card{background:var(--card);border:1px solid var(--line);border-radius:12px;"
	"padding:12px 16px;margin:12px 0}"
	".login{max-width:420px;margin:8vh auto}"
	".login form button{width:100%;margin-top:16px}"
	".error{color:var(--bad);font-weight:600}.notice{color:var(--ok);font-weight:600}"
	".warn{background:#fff4e5;border:1px solid #f0b35c;border-radius:10px;padding:10px 14px}"
	".muted{color:var(--muted)}"
	".statusbar{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0}"
	".pill{display:inline-block;padding:4px 12px;border-radius:999px;border:1px solid var(--line);"
	"background:#fff;font-size:.95rem}"
	".pill.good{border-color:#9bd3ad;background:#eaf7ee}.pill.bad{border-color:#f0a9a4;"
	"background:#fdecea;color:var(--bad);font-weight:600}"
	"table{border-collapse:collapse;width:100%;background:#fff;border:1px solid var(--line);"
	"border-radius:12px;overflow:hidden}"
	"th,td{text-align:start;padding:10px 12px;border-bottom:1px solid var(--line);"
	"vertical-align:top}"
	"th{background:#eef1f5;font-weight:600}"
	"td.actions{white-space:nowrap}td.actions a{margin-inline-end:6px}"
	".st{display:inline-block;min-width:7.5em;text-align:center;padding:6px 10px;"
	"border-radius:8px;font-weight:600;color:#fff}"
	".st-present{background:var(--ok)}.st-late,.st-left_early{background:var(--late)}"
	".st-absent{background:var(--bad)}.st-excused{background:var(--exc)}"
	".st-not_yet_due{background:#e5e7eb;color:#374151}.st-off_site{background:var(--off)}"
	"tr.flash td{animation:flash 2s ease-out}"
	"@keyframes flash{from{background:#fff3b0}to{background:transparent}}"
	".name{font-weight:600;unicode-bidi:plaintext}"
	".key{font-family:ui-monospace,monospace;font-size:.9rem}"
	".cal{width:100%;max-width:640px;height:auto;display:block}"
	".cal text{font:12px system-ui,sans-serif;fill:#374151}"
	".d-att{fill:#3c9d5d}.d-part{fill:#f0b35c}.d-unx{fill:#d9534f}.d-none{fill:#eceff3}"
	".d-future{fill:#fff;stroke:#cfd5dd}.d-hol{fill:#d7dbe1}"
	".d-c-sick{fill:#4f7fd1}.d-c-child{fill:#8d6cd1}.d-c-leave{fill:#2aa198}"
	".d-c-family{fill:#d16ca6}.d-c-other{fill:#7895b8}"
	".legend{display:flex;flex-wrap:wrap;gap:10px;font-size:.9rem;margin:6px 0}"
	".legend span::before{content:'';display:inline-block;width:14px;height:14px;"
	"border-radius:3px;margin-inline-end:6px;vertical-align:-2px;background:currentColor}"
	".l-att{color:#3c9d5d}.l-part{color:#f0b35c}.l-unx{color:#d9534f}.l-sick{color:#4f7fd1}"
	".l-child{color:#8d6cd1}.l-leave{color:#2aa198}.l-family{color:#d16ca6}"
	".l-other{color:#7895b8}.l-none{color:#c9ced6}"
	".tabs{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:8px 0}"
	".tabs a[aria-current]{background:#1a56b0;color:#fff;border-color:#1a56b0}"
	".toast{position:fixed;inset-inline-end:16px;bottom:16px;background:#1b2a41;color:#fff;"
	"padding:12px 16px;border-radius:10px;max-width:90vw;opacity:0;transition:opacity .3s}"
	".toast.show{opacity:1}"
	"@media (max-width:900px){th.opt,td.opt{display:none}td.actions a{display:block;"
	"margin:0 0 6px;text-align:center}}"
	"@media (max-width:600px){body{font-size:16px}th,td{padding:8px 6px}}";

/* Live updates: Today reloads its rows when a tap arrives; nothing else needs script. */
static const char app_js[] =
	"'use strict';\n"
	"(function(){\n"
	"var main=document.getElementById('main');\n"
	"if(!main||document.body.dataset.page!=='today')return;\n"
	"var pending=null,toast=null;\n"
	"function refresh(){pending=null;\n"
	" fetch('/board/today?part=1',{credentials:'same-origin',cache:'no-store'})\n"
	"  .then(function(r){if(r.status===401){location.href='/board/login';throw 0}return r.text()})\n"
	"  .then(function(html){var t=document.createElement('template');t.innerHTML=html;\n"
	"   var live=document.getElementById('live');var fresh=t.content.getElementById('live');\n"
	"   if(live&&fresh){live.replaceWith(fresh)}}).catch(function(){});}\n"
	"function soon(){if(!pending)pending=setTimeout(refresh,50)}\n"
	"function say(text){if(!toast){toast=document.createElement('div');toast.className='toast';\n"
	" toast.setAttribute('role','status');document.body.appendChild(toast)}\n"
	" toast.textContent=text;toast.classList.add('show');\n"
	" clearTimeout(toast.t);toast.t=setTimeout(function(){toast.classList.remove('show')},4000)}\n"
	"var es=new EventSource('/board/events');\n"
	"es.addEventListener('tap',function(e){var d={};try{d=JSON.parse(e.data)}catch(x){}\n"
	" say((d.time||'')+' '+(d.name||d.card_key||'')+' '+(d.direction||d.outcome||''));\n"
	" soon();main.dataset.lastTap=d.participant||d.card_key||'';});\n"
	"es.addEventListener('status',soon);\n"
	"es.onopen=function(){main.dataset.live='1'};\n"
	"setInterval(soon,30000);\n"
	"})();\n";

static void
asset(struct evhttp_request *req, const char *type, const char *body)
{
	struct evbuffer *out = evbuffer_new();
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	if (out == NULL) {
		evhttp_send_error(req, 503, NULL);
		return;
	}
	web_security_headers(req);
	evhttp_add_header(h, "Content-Type", type);
	evhttp_add_header(h, "Cache-Control", "no-cache");
	evbuffer_add(out, body, strlen(body));
	evhttp_send_reply(req, 200, "OK", out);
	evbuffer_free(out);
}

static void
on_css(struct evhttp_request *req, void *arg)
{
	asset(req, "text/css; charset=utf-8", app_css);
}

static void
on_js(struct evhttp_request *req, void *arg)
{
	asset(req, "text/javascript; charset=utf-8", app_js);
}

void
board_page_routes(struct board *b)
{
	web_route(b->web, "/board/app.css", on_css, b);
	web_route(b->web, "/board/app.js", on_js, b);
}
