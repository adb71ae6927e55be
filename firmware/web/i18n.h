/*
 * i18n.h — what the kiosk says, in the participant's language.  Participants
 * often read little Norwegian, so every answer exists in nb, nn, en, ar, uk, so,
 * ti and fa-AF (Dari); ar and fa-AF are written right to left.
 */
#ifndef STEMPEL_I18N_H
#define STEMPEL_I18N_H

#include "tap.h"

#define I18N_NLANG 8

/* The languages in screen order. */
extern const char *const i18n_languages[I18N_NLANG];
/* The message for `outcome` in `lang` (falls back to `fallback`, then nb). */
const char *i18n_tap_message(const char *lang, const char *fallback, enum tap_outcome outcome);
/* "Tap your card" in `lang`. */
const char *i18n_prompt(const char *lang);
/* 1 if `lang` is written right to left. */
int i18n_rtl(const char *lang);
/* The canonical code if `lang` is supported ("fa-af" -> "fa-AF"), else NULL. */
const char *i18n_lookup(const char *lang);

#endif
