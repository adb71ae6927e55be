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

#include "cmd/cmd.h"
#include "board_int.h"
#include "html.h"
#include "reports.h"
#include "stream.h"
#include "web.h"

/* English is the key; bokmål beside it.  A missing entry shows the English. */
static const char *const nb[][2] = {
    {"Sign in", "Logg inn"},
    {"Not yet arrived", "Ikke kommet ennå"},
    {"Left", "Gått"},
    {"Came late", "Kom for sent"},
    {"Counts", "Antall"},
    {"Nobody matches the search.", "Ingen passer med søket."},
    {"Search name or id", "Søk navn eller id"},
    {"Group", "Gruppe"},
    {"All groups", "Alle grupper"},
    {"Show", "Vis"},
    {"Class view", "Klasseoversikt"},
    {"Action", "Handling"},
    {"Tapped", "Lest"},
    {"card", "kort"},
    {"tap", "lesning"},
    {"taps", "lesninger"},
    {"Note:", "Merk:"},
    {"already has a card", "har allerede et kort"},
    {"Replace the old card instead", "Bytt ut det gamle kortet i stedet"},
    {"The new card replaces card", "Det nye kortet erstatter kort"},
    {"Replace a card", "Bytt kort"},
    {"Replace the card", "Bytt kortet"},
    {"Enroll as well", "Registrer likevel"},
    {"Registered absences", "Registrert fravær"},
    {"No absences are registered.", "Ingen fravær er registrert."},
    {"Registered by", "Registrert av"},
    {"Withdraw", "Trekk tilbake"},
    {"Withdraw the absence", "Trekk tilbake fraværet"},
    {"Cards", "Kort"},
    {"Revoked", "Sperret"},
    {"In use", "I bruk"},
    {"Enrolled", "Registrert"},
    {"Reason", "Begrunnelse"},
    {"Replace", "Bytt"},
    {"Revoke", "Sperr"},
    {"Revoke the card", "Sperr kortet"},
    {"No card yet.", "Ingen kort ennå."},
    {"Enroll a new card", "Registrer et nytt kort"},
    {"The absence is changed.", "Fraværet er endret."},
    {"The absence is withdrawn.", "Fraværet er trukket tilbake."},
    {"The card is revoked.", "Kortet er sperret."},
    {"The new card replaces the old one.", "Det nye kortet erstatter det gamle."},
    {"command line", "kommandolinje"},
    {"payroll API", "lønns-API"},
    {"the roster", "deltakerlisten"},
    {"Saved: the tap is added.", "Lagret: stemplingen er lagt til."},
    {"Saved: the tap is removed.", "Lagret: stemplingen er fjernet."},
    {"Why is it changed? (required)", "Hvorfor endres det? (påkrevd)"},
    {"Change the absence", "Endre fraværet"},
    {"Legend", "Forklaring"},
    {"Sick", "Syk"},
    {"Child's illness", "Barns sykdom"},
    {"Leave or vacation", "Permisjon eller ferie"},
    {"Pregnancy, birth, nursing", "Svangerskap, fødsel, amming"},
    {"Excused, other", "Gyldig, annet"},
    {"Holiday or closed", "Helligdag eller stengt"},
    {"Coming or not final yet", "Kommer, eller ikke avsluttet"},
    {"Nobody is in this group.", "Ingen er i denne gruppen."},
    {"Print", "Skriv ut"},
    {"Pay periods", "Lønnsperioder"},
    {"Closed days", "Stengte dager"},
    {"Period", "Periode"},
    {"State", "Tilstand"},
    {"Closed", "Lukket"},
    {"Running", "Pågår"},
    {"Ended, not closed", "Avsluttet, ikke lukket"},
    {"No pay periods yet.", "Ingen lønnsperioder ennå."},
    {"A period is closed with stempelctl payroll close, once every day in it is final.",
     "En periode lukkes med stempelctl payroll close når alle dagene i den er avsluttet."},
    {"Saved: the centre is closed that day.", "Lagret: senteret er stengt den dagen."},
    {"On a closed day nobody is expected: nobody is absent, nothing is deducted.",
     "En stengt dag er ingen forventet: ingen har fravær, ingenting trekkes."},
    {"Close the centre", "Steng senteret"},
    {"out", "ut"},
    {"in", "inn"},
    {"Tap outside the schedule", "Stempling utenfor timeplanen"},
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
    {"Kiosk translations", "Oversettelser på kiosken"},
    {"Tapped again while checked in (nothing changed)",
     "Stemplet igjen mens innstemplet (ingenting endret)"},
    {"Not yet reviewed by a native speaker", "Ikke gjennomgått av en som har språket som morsmål"},
    {"String", "Tekst-ID"},
    {"Language", "Språk"},
    {"Text", "Tekst"},
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
    {"Remaining", "Igjen"},
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
	    [ATTENDANCE_NOT_YET_DUE] = "Not yet due",
	    [ATTENDANCE_PRESENT] = "Present",
	    [ATTENDANCE_LATE] = "Late",
	    [ATTENDANCE_LEFT_EARLY] = "Left early",
	    [ATTENDANCE_ABSENT] = "Absent",
	    [ATTENDANCE_EXCUSED] = "Excused",
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
	    [RULES_NOTE_PREGNANCY_QUOTA_EXHAUSTED] = {"Pregnancy: the days are used",
	                                              "Svangerskap: dagene er brukt opp"},
	    [RULES_NOTE_BIRTH_MOTHER_QUOTA_EXHAUSTED] = {"Birth (mother): the days are used",
	                                                 "Fødsel (mor): dagene er brukt opp"},
	    [RULES_NOTE_BIRTH_FATHER_QUOTA_EXHAUSTED] = {"Birth (father): the days are used",
	                                                 "Fødsel (far): dagene er brukt opp"},
	    [RULES_NOTE_VACATION_QUOTA_EXHAUSTED] = {"Vacation: the days this year are used",
	                                             "Ferie: dagene i år er brukt opp"},
	    [RULES_NOTE_LEAVE_APPROVED_QUOTA_EXHAUSTED] =
	        {"Approved leave: the days this year are used",
	         "Velferdspermisjon: dagene i år er brukt opp"},
	    [RULES_NOTE_REGISTERED_UNEXCUSED] = {"Registered by a teacher as unexcused",
	                                         "Registrert som ugyldig av lærer"},
	};
	if (n < 0 || n >= RULES_NOTE_COUNT)
		return "?";
	return t[n][r && r->lang && strcmp(r->lang, "en") ? 1 : 0];
}

const char *
board_flag_label(const struct board_req *r, int f)
{
	static const char *const t[RULES_FLAG_COUNT][2] = {
	    [RULES_FLAG_MISSING_TAP_OUT] = {"No tap out", "Mangler utstempling"},
	    [RULES_FLAG_PUBLIC_HOLIDAY] = {"Public holiday", "Helligdag"},
	    [RULES_FLAG_CLOSURE] = {"Centre closed", "Senteret stengt"},
	    [RULES_FLAG_LATENESS] = {"Late or left early", "Forsinket eller gikk tidlig"},
	    [RULES_FLAG_RELIGIOUS_SHORT_NOTICE] = {"Religious holiday notified late",
	                                           "Religiøs høytid meldt sent"},
	    [RULES_FLAG_PAST_DEADLINE] = {"Past the deduction deadline", "Etter trekkfristen"},
	    [RULES_FLAG_TAP_OUTSIDE_SCHEDULE] = {"Tap outside the schedule",
	                                         "Stempling utenfor timeplanen"},
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
board_url_part(const char *s, char *out, size_t outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (; *s && n + 4 < outlen; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("-._~", c)) {
			out[n++] = (char)c;
		} else {
			out[n++] = '%';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		}
	}
	if (outlen)
		out[n < outlen ? n : outlen - 1] = 0;
}

void
board_hhmm(int minute, char out[8])
{
	int h = (minute / 60) % 100, m = minute % 60;

	/* By hand: four of these a row on the Today page, and snprintf showed in the profile. */
	if (minute < 0) {
		memcpy(out, "–", sizeof("–"));
		return;
	}
	out[0] = (char)('0' + h / 10);
	out[1] = (char)('0' + h % 10);
	out[2] = ':';
	out[3] = (char)('0' + m / 10);
	out[4] = (char)('0' + m % 10);
	out[5] = '\0';
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
	    {"200", "OK"},
	    {"400", "Bad Request"},
	    {"401", "Unauthorized"},
	    {"403", "Forbidden"},
	    {"404", "Not Found"},
	    {"405", "Method Not Allowed"},
	    {"409", "Conflict"},
	    {"422", "Unprocessable Entity"},
	    {"429", "Too Many Requests"},
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
	html_fmt(out,
	         "<!doctype html><html lang=\"%s\"><head><meta charset=\"utf-8\">"
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
			nav_link(r, out, "/board/dead", "Dead letters", page, "dead");
			nav_link(r, out, "/board/translations", "Kiosk translations", page,
			         "translations");
		}
		html_fmt(out,
		         "</nav><form class=\"who\" method=\"post\" action=\"/board/logout\">"
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

struct page_job {
	struct board_req r;
	struct evbuffer *head;
	board_render_fn render;
	void *arg;
	void (*free_arg)(void *);
};

static void
page_run(struct reports_ctx *ctx, void *arg)
{
	struct page_job *j = arg;
	struct board tb = *j->r.b; /* the thread's own connection and engine */
	struct board *loop_b = j->r.b;
	struct evbuffer *out = evbuffer_new();

	if (out == NULL)
		return; /* not ended: a 503 */
	tb.store = ctx->store;
	tb.att = ctx->att;
	j->r.b = &tb;
	evbuffer_add_buffer(out, j->head);
	j->render(&j->r, out, j->arg);
	if (web_stream_add_buffer(j->r.stream, out) == 0)
		web_stream_end(j->r.stream);
	j->r.b = loop_b;
	evbuffer_free(out);
}

static void
page_done(void *arg, int ran)
{
	struct page_job *j = arg;

	(void)ran; /* a page not ended is cut off (or a 503) by web_stream_done */
	web_stream_done(j->r.stream);
	board_end(&j->r);
	evbuffer_free(j->head);
	if (j->free_arg)
		j->free_arg(j->arg);
	free(j);
}

void
board_stream_page(struct board_req *r, struct evbuffer *head, board_render_fn render, void *arg,
                  void (*free_arg)(void *))
{
	struct page_job *j = calloc(1, sizeof(*j));

	if (j == NULL) {
		evhttp_send_error(r->req, 503, NULL);
		goto fail;
	}
	j->r = *r;
	j->head = head;
	j->render = render;
	j->arg = arg;
	j->free_arg = free_arg;
	board_page_headers(r->req);
	evhttp_add_header(evhttp_request_get_output_headers(r->req), "Content-Type",
	                  "text/html; charset=utf-8");
	if ((j->r.stream = web_stream_new(web_base(r->b->web), r->req, r->b->reports)) == NULL) {
		evhttp_send_error(r->req, 503, NULL);
		free(j);
		goto fail;
	}
	if (reports_submit(r->b->reports, page_run, page_done, j) < 0)
		page_done(j, 0); /* nothing sent: a 503 */
	return;
fail:
	board_end(r);
	evbuffer_free(head);
	if (free_arg)
		free_arg(arg);
}

int
board_stream_some(struct board_req *r, struct evbuffer *out)
{
	if (evbuffer_get_length(out) < WEB_STREAM_CHUNK / 4)
		return 0;
	return web_stream_add_buffer(r->stream, out);
}

void
board_when(int64_t ms, const char *fmt, char *out, size_t outlen)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(out, outlen, fmt, &tm);
}

int
board_cmd_status(const struct cmd_result *res)
{
	return web_cmd_status(res->status);
}

void
board_fail(struct board_req *r, int status, const char *message)
{
	struct evbuffer *out = board_page_new(r, board_t(r, "Something went wrong"), "error");

	if (out == NULL)
		return;
	html_fmt(out,
	         "<h1>%s</h1><p class=\"error\" role=\"alert\">%s</p>"
	         "<p><a class=\"button\" href=\"/board\">%s</a></p>",
	         board_t(r, "Something went wrong"), message, board_t(r, "Back"));
	board_page_finish(r, out, status);
}

/* --- static assets --- */

static const char app_css[] =
    /* Text colours reach 4.5:1 on their backgrounds (WCAG 2.1 AA); status is a word, never a colour
       alone. */
    ":root{--bg:#f6f7f9;--fg:#1b1f24;--muted:#4b5563;--line:#c9ced6;--card:#fff;--link:#1a4f9c;"
    "--ok:#1f7a3a;--late:#8a4b00;--bad:#b3261e;--exc:#2457a6;--off:#6d4c9f;--left:#4b5563}"
    "*{box-sizing:border-box}"
    "html{-webkit-text-size-adjust:100%}"
    "body{margin:0;font:17px/1.45 system-ui,-apple-system,'Segoe UI','Noto Sans',"
    "'Noto Sans Arabic','Noto Sans Ethiopic',sans-serif;background:var(--bg);color:var(--fg);"
    "overflow-wrap:anywhere}"
    "main{max-width:1180px;margin:0 auto;padding:12px 16px 48px}"
    "h1{font-size:1.5rem;margin:.6em 0 .4em}h2{font-size:1.2rem;margin:1.2em 0 .4em}"
    "h3{font-size:1.05rem;margin:0 0 .3em}"
    "a{color:var(--link)}"
    ":focus-visible{outline:3px solid #b35c00;outline-offset:2px}"
    ".sr{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;"
    "clip:rect(0,0,0,0);white-space:nowrap;border:0}"
    ".top{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;"
    "gap:4px 8px;background:#1b2a41;color:#fff;padding:4px 8px}"
    ".top nav{display:flex;flex-wrap:wrap;gap:2px}"
    ".top nav a{color:#fff;text-decoration:none;padding:12px 12px;border-radius:8px;"
    "min-height:48px;display:inline-block}"
    ".top nav a[aria-current]{background:#2f4a72;text-decoration:underline}"
    ".top :focus-visible{outline-color:#ffd27a}"
    ".who{display:flex;flex-wrap:wrap;align-items:center;gap:8px;margin:0}"
    ".who button{background:transparent;color:#fff;border:1px solid #a9bbd6}"
    "button,.button,input,select,textarea{font:inherit}"
    "button,.button{min-height:48px;padding:10px 16px;border-radius:8px;border:1px solid #6b7480;"
    "background:#fff;color:var(--fg);cursor:pointer;text-decoration:none;display:inline-block;"
    "max-width:100%}"
    "button.primary,.button.primary{background:#1a4f9c;border-color:#1a4f9c;color:#fff}"
    "button.danger{border-color:var(--bad);color:var(--bad)}"
    "button[disabled]{opacity:.6;cursor:not-allowed}"
    "input,select,textarea{min-height:48px;padding:8px 10px;border:1px solid #6b7480;"
    "border-radius:8px;background:#fff;color:var(--fg);width:100%;max-width:100%}"
    "input[type=radio]{width:auto;min-height:0;height:22px;width:22px;vertical-align:middle}"
    "textarea{min-height:90px}"
    "label{display:block;margin:.7em 0 .2em;font-weight:600}"
    "label input,label select,label textarea{margin-top:4px;font-weight:400}"
    "label.choice{font-weight:400;padding:8px 0}"
    "fieldset{border:1px solid var(--line);border-radius:10px;min-width:0}"
    "form.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(240px,100%),1fr));"
    "gap:0 16px}"
    "form.grid .full{grid-column:1/-1}"
    ".filter{display:flex;flex-wrap:wrap;gap:0 12px;align-items:flex-end;margin:0 0 8px}"
    ".filter label{flex:1 1 200px}.filter button,.filter .button{margin:.7em 0 .2em}"
    ".card{background:var(--card);border:1px solid var(--line);border-radius:12px;"
    "padding:12px 16px;margin:12px 0}"
    ".login{max-width:420px;margin:8vh auto}"
    ".login form button{width:100%;margin-top:16px}"
    ".error{color:var(--bad);font-weight:600}.notice{color:var(--ok);font-weight:600}"
    ".warn{background:#fff4e5;border:1px solid #c77800;border-radius:10px;padding:10px 14px}"
    ".muted{color:var(--muted)}"
    ".statusbar{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0}"
    ".pill{display:inline-block;padding:4px 12px;border-radius:999px;border:1px solid var(--line);"
    "background:#fff;font-size:.95rem}"
    ".pill.good{border-color:#7cc193;background:#eaf7ee}.pill.bad{border-color:#e08a84;"
    "background:#fdecea;color:var(--bad);font-weight:600}"
    ".counts{list-style:none;padding:0;margin:8px 0 12px;display:grid;gap:8px;"
    "grid-template-columns:repeat(auto-fit,minmax(104px,1fr))}"
    ".counts li{background:#fff;border:1px solid var(--line);border-inline-start:6px solid "
    "var(--left);"
    "border-radius:10px;padding:6px 10px;font-size:.95rem}"
    ".counts strong{display:block;font-size:1.5rem;line-height:1.2}"
    ".counts a{display:block;color:inherit;text-decoration:none;min-height:44px}"
    ".counts li:has(a[aria-current]){outline:3px solid #1a4f9c}"
    ".counts .c-present{border-inline-start-color:var(--ok)}.counts "
    ".c-late{border-inline-start-color:var(--late)}"
    ".counts .c-absent{border-inline-start-color:var(--bad)}.counts "
    ".c-excused{border-inline-start-color:var(--exc)}"
    ".counts .c-not_arrived{border-inline-start-color:#9aa3af}"
    "table{border-collapse:collapse;width:100%;background:#fff;border:1px solid var(--line)}"
    "th,td{text-align:start;padding:10px 12px;border-bottom:1px solid var(--line);"
    "vertical-align:top}"
    "th{background:#eef1f5;font-weight:600}"
    "td.actions a{margin:0 6px 6px 0}"
    ".st{display:inline-block;min-width:7em;text-align:center;padding:6px 10px;"
    "border-radius:8px;font-weight:600;color:#fff;background:var(--left)}"
    ".st-present{background:var(--ok)}.st-late{background:var(--late)}"
    ".st-absent{background:var(--bad)}.st-excused{background:var(--exc)}"
    ".st-not_arrived{background:#e5e7eb;color:#1f2937;border:1px dashed #6b7280}"
    ".st-left{background:var(--left)}"
    ".flag{color:var(--late);font-weight:600;font-size:.95rem}"
    "tr.flash td{animation:flash 2s ease-out}"
    "@keyframes flash{from{background:#fff3b0}to{background:transparent}}"
    ".name{font-weight:600;unicode-bidi:plaintext}"
    ".key{font-family:ui-monospace,monospace}"
    ".items{list-style:none;padding:0;margin:0}"
    ".items h3 .key{font-weight:400}"
    ".facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:6px 0}"
    ".facts dt{color:var(--muted)}.facts dd{margin:0}"
    "details.act{display:inline-block;vertical-align:top;margin:4px 0}"
    "details.act summary,details summary{cursor:pointer;min-height:48px;padding:10px "
    "0;color:var(--link)}"
    "details.act[open]{display:block}"
    ".tag{display:inline-block;padding:2px 8px;border-radius:6px;font-size:.9rem;font-weight:600;"
    "border:1px solid currentColor}"
    ".tag-on,.p-running{color:var(--ok)}.tag-off,.p-closed{color:var(--muted)}.p-ended{color:var(--"
    "late)}"
    /* The calendar and the class grid: light colours under dark marks, plus words for screen
       readers. */
    ".d-att{background:#cdebd6}.d-part{background:#fde2b8}.d-unx{background:#f7cdca}"
    ".d-c-sick{background:#d3e1f7}.d-c-child{background:#e4d9f7}.d-c-leave{background:#cbece8}"
    ".d-c-family{background:#f6d6e8}.d-c-other{background:#dde4ee}.d-hol{background:#d7dbe1}"
    ".d-none{background:#f1f3f5}.d-future{background:#fff}"
    "table.cal{table-layout:fixed;max-width:640px}"
    "table.cal th{text-align:center;padding:6px 2px;font-size:.9rem}"
    "table.cal td{padding:0;text-align:center;border:2px solid #fff}"
    "table.cal td a{display:block;min-height:48px;padding:4px "
    "2px;color:var(--fg);text-decoration:none}"
    "table.cal .dn{display:block;font-size:.85rem}table.cal td "
    ".mark{font-weight:700;font-size:1.1rem}"
    "table.cal td.today{outline:3px solid #1b2a41;outline-offset:-3px}"
    ".legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:6px "
    "14px;font-size:.95rem;margin:8px 0}"
    ".legend .mark{display:inline-block;min-width:1.8em;text-align:center;border:1px solid #8b949e;"
    "border-radius:4px;font-weight:700}"
    ".scroll{overflow-x:auto;max-width:100%;position:relative}"
    "table.grid th,table.grid td{padding:0;text-align:center;min-width:2.2em;border:1px solid "
    "var(--line)}"
    "table.grid th[scope=row],table.grid thead th:first-child{text-align:start;padding:4px 8px;"
    "position:sticky;inset-inline-start:0;background:#fff;min-width:8em;z-index:1}"
    "table.grid td "
    "a{display:block;min-height:44px;line-height:44px;color:var(--fg);text-decoration:none;"
    "font-weight:700}"
    "table.grid thead th{font-size:.85rem;padding:4px 2px}"
    "ol.audit{list-style:none;padding:0}ol.audit li{background:#fff;border:1px solid var(--line);"
    "border-radius:10px;padding:8px 12px;margin:8px 0}"
    "ol.audit .what{margin:.2em 0}.raw dd{overflow-wrap:anywhere}"
    ".tabs{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:8px 0}"
    ".tabs a[aria-current]{background:#1a4f9c;color:#fff;border-color:#1a4f9c}"
    ".tabs label{flex:1 1 180px}"
    ".toast{position:fixed;inset-inline-end:16px;bottom:16px;background:#1b2a41;color:#fff;"
    "padding:12px 16px;border-radius:10px;max-width:90vw;opacity:0;transition:opacity .3s}"
    ".toast.show{opacity:1}"
    "@media (max-width:900px){th.opt,td.opt{display:none}}"
    /* Phones: tables become one card per row, each cell with its column's name. */
    "@media (max-width:700px){body{font-size:16px}main{padding:8px 10px 40px}"
    "table:not(.cal):not(.grid),table:not(.cal):not(.grid) tbody,table:not(.cal):not(.grid) tr,"
    "table:not(.cal):not(.grid) td{display:block;width:100%}"
    "table:not(.cal):not(.grid){border:0;background:transparent}"
    "table:not(.cal):not(.grid) thead{position:absolute;width:1px;height:1px;overflow:hidden;"
    "clip:rect(0,0,0,0)}"
    "table:not(.cal):not(.grid) tr{background:#fff;border:1px solid var(--line);border-radius:10px;"
    "margin:0 0 10px;padding:4px 0}"
    "table:not(.cal):not(.grid) td{border:0;padding:4px 12px}"
    "table:not(.cal):not(.grid) td[data-label]:not(:first-child)::before{content:attr(data-label) "
    "': ';"
    "color:var(--muted);font-weight:600}"
    "td.actions a,td.actions .button{display:inline-block;margin:4px 6px 4px 0}"
    "#today td:nth-child(3),#today td:nth-child(4),#today td:nth-child(5){display:inline-block;"
    "width:auto;padding-inline-end:2px}"
    "table.cal td a{min-height:44px}}"
    /* Print: the page itself, no navigation or buttons; colours kept, marks carry the meaning. */
    "@media print{body{background:#fff;font-size:11pt}.top,.noprint,form,button,.button,.statusbar,"
    "details.act,.toast{display:none!important}main{max-width:none;padding:0}"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}"
    ".scroll{overflow:visible}table.grid td a{min-height:0;line-height:1.6}"
    "table.grid th[scope=row]{position:static}a{color:inherit;text-decoration:none}"
    "@page{size:A4 landscape;margin:12mm}}";

/* Live updates: Today reloads its rows when a tap arrives; print buttons print. */
static const char app_js[] =
    "'use strict';\n"
    "(function(){\n"
    "document.addEventListener('click',function(e){var "
    "b=e.target.closest&&e.target.closest('[data-print]');\n"
    " if(b){e.preventDefault();window.print()}});\n"
    "var main=document.getElementById('main');\n"
    "if(!main||document.body.dataset.page!=='today')return;\n"
    "var pending=null,toast=null;\n"
    "var q=location.search.replace(/^\\?/,'').split('&').filter(function(p){return "
    "/^(q|group|state)=/.test(p)}).join('&');\n"
    "function refresh(){pending=null;\n"
    " fetch('/board/today?part=1'+(q?'&'+q:''),{credentials:'same-origin',cache:'no-store'})\n"
    "  .then(function(r){if(r.status===401){location.href='/board/login';throw 0}return "
    "r.text()})\n"
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
    " say((d.time||'')+' '+(d.name||'')+' "
    "'+(d.direction&&d.direction!=='none'?d.direction:d.outcome||'')+(d.since?' "
    "('+d.since+')':''));\n"
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
