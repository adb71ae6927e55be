/*
 * kiosk_answer.c — what the kiosk screen is sent: each tap's answer (colour, icon,
 * name, the sentence in the participant's language or in all of them) and the
 * status bar (reader, clock, storage alarm, the prompt in every language).  The
 * stream is public: no card key or UID ever goes into it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <sodium.h>

#include "attendance.h"
#include "cardkey.h"
#include "cmd/cmd.h"
#include "clock.h"
#include "config.h"
#include "ctlsock.h"
#include "feedback.h"
#include "kiosk.h"
#include "log.h"
#include "metrics.h"
#include "nfc.h"
#include "period.h"
#include "recompute.h"
#include "reports.h"
#include "store.h"
#include "tap.h"
#include "uploader.h"
#include "web/api.h"
#include "web/board.h"
#include "web/i18n.h"
#include "web/web.h"

#include "web/kiosk_screen.h"

#include "kiosk_int.h"

static const char *
outcome_color(enum tap_outcome o)
{
	switch (o) {
	case TAP_ACCEPTED_IN:
	case TAP_ACCEPTED_OUT:
		return "green";
	case TAP_ALREADY_REGISTERED:
		return "blue"; /* nothing changed: not the green of a check-in or out */
	case TAP_NOT_SCHEDULED:
		return "amber";
	default:
		return "red";
	}
}

static const char *
outcome_icon(enum tap_outcome o)
{
	static const char *const icons[TAP_NOUTCOMES] = {
	    [TAP_ACCEPTED_IN] = "check",          [TAP_ACCEPTED_OUT] = "door",
	    [TAP_ALREADY_REGISTERED] = "already", [TAP_UNKNOWN_CARD] = "teacher",
	    [TAP_REVOKED_CARD] = "cross",         [TAP_NOT_SCHEDULED] = "calendar",
	    [TAP_STORAGE_ERROR] = "warning",
	};
	return (o >= 0 && o < TAP_NOUTCOMES) ? icons[o] : "warning";
}

/* The screen's view of an answer.  No card key or UID: the kiosk stream is public. */
json_t *
kiosk_answer_json(const struct kiosk *k, const struct tap_answer *a, long long seen_ns,
                  long long latency_us)
{
	const char *lang =
	    i18n_lookup(a->language) ? i18n_lookup(a->language) : k->cfg->kiosk.language;
	json_t *j = json_pack(
	    "{s:s, s:b, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "outcome",
	    tap_outcome_name(a->outcome), "repeat", a->repeat, "color", outcome_color(a->outcome),
	    "icon", outcome_icon(a->outcome), "participant", a->participant, "name", a->name,
	    "time", a->local_time, "lang", lang, "dir", i18n_rtl(lang) ? "rtl" : "ltr", "message",
	    i18n_tap_message(lang, k->cfg->kiosk.language, a->outcome), "direction", a->direction,
	    "clock", a->clock, "seen_ns", (json_int_t)seen_ns, "latency_us",
	    (json_int_t)latency_us);

	if (j && a->event_id[0])
		json_object_set_new(j, "event_id", json_string(a->event_id));
	/* Nobody knows an unknown card's language: say it in all of them. */
	if (j && (a->outcome == TAP_UNKNOWN_CARD || a->outcome == TAP_STORAGE_ERROR)) {
		json_t *all = json_array();

		for (int i = 0; i < I18N_NLANG; i++)
			json_array_append_new(
			    all, json_pack("{s:s, s:s, s:s}", "lang", i18n_languages[i], "dir",
			                   i18n_rtl(i18n_languages[i]) ? "rtl" : "ltr", "text",
			                   i18n_tap_message(i18n_languages[i], NULL, a->outcome)));
		json_object_set_new(j, "messages", all);
		json_object_set_new(j, "message", json_string(""));
	}
	if (j && k->screen)
		kiosk_screen_answer(k->screen, j, a);
	return j;
}

json_t *
kiosk_status_json(void *arg)
{
	struct kiosk *k = arg;
	struct nfc_reader_status rs = {.state = NFC_STATE_STOPPED};
	json_t *prompts = json_array(), *j;

	if (k->reader)
		nfc_reader_status(k->reader, &rs);
	for (int i = 0; i < I18N_NLANG; i++)
		json_array_append_new(prompts,
		                      json_pack("{s:s, s:s, s:s}", "lang", i18n_languages[i], "dir",
		                                i18n_rtl(i18n_languages[i]) ? "rtl" : "ltr", "text",
		                                i18n_prompt(i18n_languages[i])));
	j = json_pack("{s:s, s:s, s:s, s:b, s:o}", "reader", nfc_reader_state_name(rs.state),
	              "reader_message", rs.message, "clock",
	              clock_quality_name(clock_quality_now()), "storage_error",
	              k->last_storage_error_ns &&
	                  clock_mono_ns() - k->last_storage_error_ns < STORAGE_ERROR_HOLD_NS,
	              "prompts", prompts);
	if (j && k->screen)
		kiosk_screen_status(k->screen, j);
	return j;
}

/* An accepted tap changes its participant's day: recompute it on a later loop turn. */
