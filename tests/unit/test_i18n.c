/*
 * test_i18n.c — the kiosk catalogue: every sentence exists in every language, in
 * the right script and direction ({time} where the sentence needs it), language
 * codes and their aliases resolve, and the review status answers for every cell.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "web/i18n.h"

/* 1 if UTF-8 `s` has a code point in [lo, hi] */
static int
has_range(const char *s, unsigned lo, unsigned hi)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		unsigned cp = *p, n = 0;

		if (cp >= 0xF0)
			cp &= 0x07, n = 3;
		else if (cp >= 0xE0)
			cp &= 0x0F, n = 2;
		else if (cp >= 0xC0)
			cp &= 0x1F, n = 1;
		p++;
		while (n-- && *p)
			cp = (cp << 6) | (*p++ & 0x3F);
		if (cp >= lo && cp <= hi)
			return 1;
	}
	return 0;
}

static int
lang(const char *code)
{
	for (int i = 0; i < I18N_NLANG; i++)
		if (strcmp(i18n_languages[i], code) == 0)
			return i;
	fail_msg("no language %s", code);
	return -1;
}

static void
test_every_sentence_in_every_language(void **state)
{
	for (int l = 0; l < I18N_NLANG; l++)
		for (int m = 0; m < I18N_NMSG; m++) {
			const char *s = i18n_at(l, m);

			if (s == NULL || strlen(s) < 2)
				fail_msg("%s: %s is missing", i18n_languages[l], i18n_msg_name(m));
			if ((m == I18N_ALREADY_SINCE || m == I18N_EARLY_OUT) !=
			    (strstr(s, "{time}") != NULL))
				fail_msg("%s: %s: {time} where (and only where) it belongs",
				         i18n_languages[l], i18n_msg_name(m));
			assert_true(i18n_reviewed(l, m) == 0 || i18n_reviewed(l, m) == 1);
			assert_true(i18n_msg_name(m)[0] != '\0');
		}
	assert_string_equal(i18n_at(I18N_NLANG, 0), "");
	assert_string_equal(i18n_at(0, I18N_NMSG), "");
	assert_int_equal(i18n_reviewed(-1, 0), 0);
}

/* New arrivals read their own script: the sentence must be in it. */
static void
test_scripts(void **state)
{
	static const struct {
		const char *lang;
		unsigned lo, hi;
	} scripts[] = {
	    {"ar", 0x0600, 0x06FF}, {"fa-AF", 0x0600, 0x06FF}, {"ps", 0x0600, 0x06FF},
	    {"uk", 0x0400, 0x04FF}, {"ru", 0x0400, 0x04FF},    {"ti", 0x1200, 0x137F},
	};

	for (size_t i = 0; i < sizeof(scripts) / sizeof(*scripts); i++)
		for (int m = 0; m < I18N_NMSG; m++)
			if (!has_range(i18n_at(lang(scripts[i].lang), m), scripts[i].lo,
			               scripts[i].hi))
				fail_msg("%s: %s is not in its script", scripts[i].lang,
				         i18n_msg_name(m));
	/* Kurmanji is written in Latin letters here: no Arabic, no Cyrillic */
	for (int m = 0; m < I18N_NMSG; m++) {
		const char *s = i18n_at(lang("kmr"), m);

		assert_false(has_range(s, 0x0400, 0x06FF));
	}
	/* Pashto has letters of its own (ښ ګ ړ ټ ...): at least one of them somewhere */
	assert_true(has_range(i18n_text("ps", NULL, I18N_ACCEPTED_IN), 0x0680, 0x06BF) ||
	            has_range(i18n_text("ps", NULL, I18N_ACCEPTED_IN), 0x06C0, 0x06FF));
}

static void
test_codes_and_direction(void **state)
{
	assert_string_equal(i18n_lookup("RU"), "ru");
	assert_string_equal(i18n_lookup("ps"), "ps");
	assert_string_equal(i18n_lookup("kmr"), "kmr");
	assert_string_equal(i18n_lookup("ku"), "kmr");
	assert_string_equal(i18n_lookup("fa"), "fa-AF");
	assert_string_equal(i18n_lookup("no"), "nb");
	assert_null(i18n_lookup("xx"));
	assert_null(i18n_lookup(NULL));
	assert_true(i18n_rtl("ar") && i18n_rtl("fa-AF") && i18n_rtl("ps") && i18n_rtl("prs"));
	assert_false(i18n_rtl("kmr") || i18n_rtl("ru") || i18n_rtl("ti") || i18n_rtl("nb"));
	/* an unknown language falls back to the kiosk's, then to bokmål */
	assert_string_equal(i18n_tap_message("xx", "en", TAP_ACCEPTED_IN),
	                    "Welcome! You are checked in.");
	assert_string_equal(i18n_tap_message("xx", "yy", TAP_ACCEPTED_IN),
	                    "Velkommen! Du er registrert inn.");
	assert_string_equal(i18n_prompt("ru"), "Приложите карту");
}

static void
test_format(void **state)
{
	char out[256], tiny[12];

	assert_string_equal(i18n_format("en", NULL, I18N_ALREADY_SINCE, "08:31", out, sizeof(out)),
	                    "You are already checked in, since 08:31.");
	assert_string_equal(i18n_format("en", NULL, I18N_EARLY_OUT, "14:30", out, sizeof(out)),
	                    "You are leaving early. Class ends at 14:30.");
	assert_non_null(strstr(
	    i18n_format("ps", NULL, I18N_ALREADY_SINCE, "08:31", out, sizeof(out)), "08:31"));
	/* no {time}: the sentence as it is; a short buffer truncates, never overflows */
	assert_string_equal(i18n_format("en", NULL, I18N_PROMPT, "08:31", out, sizeof(out)),
	                    "Tap your card");
	i18n_format("en", NULL, I18N_ALREADY_SINCE, "08:31", tiny, sizeof(tiny));
	assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_sentence_in_every_language),
	    cmocka_unit_test(test_scripts),
	    cmocka_unit_test(test_codes_and_direction),
	    cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
