/*
 * i18n.h — what the kiosk says, in the participant's language.  Participants
 * often read little Norwegian, so every sentence exists in nb, nn, en, ar, uk,
 * so, ti, fa-AF (Dari), ru, ps (Pashto) and kmr (Kurmanji); ar, fa-AF and ps
 * are written right to left.  Each string records whether a native speaker
 * has reviewed it; the board lists the ones nobody has (/board/translations).
 */
#ifndef STEMPEL_I18N_H
#define STEMPEL_I18N_H

#include "tap.h"

#define I18N_NLANG 11

/* The catalogue's sentences.  The first ones are the tap outcomes, in their order. */
enum i18n_msg {
	I18N_ACCEPTED_IN = TAP_ACCEPTED_IN,
	I18N_ACCEPTED_OUT = TAP_ACCEPTED_OUT,
	I18N_ALREADY_REGISTERED = TAP_ALREADY_REGISTERED,
	I18N_UNKNOWN_CARD = TAP_UNKNOWN_CARD,
	I18N_REVOKED_CARD = TAP_REVOKED_CARD,
	I18N_NOT_SCHEDULED = TAP_NOT_SCHEDULED,
	I18N_STORAGE_ERROR = TAP_STORAGE_ERROR,
	I18N_ALREADY_SINCE = TAP_NOUTCOMES, /* "already checked in, since {time}" */
	I18N_EARLY_OUT,                     /* "leaving early; class ends at {time}" */
	I18N_PROMPT,                        /* "tap your card" */
	I18N_OUT_OF_ORDER,                  /* "out of order – tell a teacher" */
	I18N_OFFSITE,                       /* an off-site session (work placement) */
	I18N_SICK_LEFT,                     /* self-declared sick days left */
	I18N_CHILD_SICK_LEFT,               /* child-sick days left */
	I18N_NMSG
};

/* The languages in screen order. */
extern const char *const i18n_languages[I18N_NLANG];
/* The message for `outcome` in `lang` (falls back to `fallback`, then nb). */
const char *i18n_tap_message(const char *lang, const char *fallback, enum tap_outcome outcome);
/* Message `m` in `lang` (falls back to `fallback`, then nb); "" for a bad m. */
const char *i18n_text(const char *lang, const char *fallback, enum i18n_msg m);
/*
 * Message `m` in `lang` with "{time}" replaced by `time` into out (truncated to
 * outlen); returns out.
 */
char *i18n_format(const char *lang, const char *fallback, enum i18n_msg m, const char *time,
                  char *out, size_t outlen);
/* "Tap your card" in `lang`. */
const char *i18n_prompt(const char *lang);
/* 1 if `lang` is written right to left. */
int i18n_rtl(const char *lang);
/* The canonical code if `lang` is supported ("fa-af" -> "fa-AF"), else NULL. */
const char *i18n_lookup(const char *lang);
/* The message's key for people ("early_out"); "" for a bad m. */
const char *i18n_msg_name(enum i18n_msg m);
/* 1 if a native speaker has reviewed message `m` in language index `li`. */
int i18n_reviewed(int li, enum i18n_msg m);
/* The text of message `m` in language index `li` (no fallback), "" for bad input. */
const char *i18n_at(int li, enum i18n_msg m);

#endif
