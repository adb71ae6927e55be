/*
 * i18n.c — the kiosk's sentences.  Short, plain, one idea each: they are read in
 * the two seconds a participant looks at the screen.  Add a language by adding a
 * column to `msgs` and its code to i18n_languages.
 */
#include <strings.h>

#include "i18n.h"

const char *const i18n_languages[I18N_NLANG] = {"nb", "nn", "en", "ar", "uk", "so", "ti", "fa-AF"};

/* [outcome][language], languages in the order above */
static const char *const msgs[TAP_NOUTCOMES][I18N_NLANG] = {
	[TAP_ACCEPTED_IN] = {
		"Velkommen! Du er registrert inn.",
		"Velkomen! Du er registrert inn.",
		"Welcome! You are checked in.",
		"أهلاً وسهلاً! تم تسجيل دخولك.",
		"Ласкаво просимо! Ваш прихід зареєстровано.",
		"Soo dhawoow! Imaanshahaaga waa la diiwaangeliyey.",
		"እንቋዕ ብደሓን መጻእኩም! ምምጻእኩም ተመዝጊቡ።",
		"خوش آمدید! آمدن شما ثبت شد.",
	},
	[TAP_ACCEPTED_OUT] = {
		"Ha det! Du er registrert ut.",
		"Ha det! Du er registrert ut.",
		"Goodbye! You are checked out.",
		"مع السلامة! تم تسجيل خروجك.",
		"До побачення! Ваш вихід зареєстровано.",
		"Nabadgelyo! Bixitaankaaga waa la diiwaangeliyey.",
		"ብደሓን ኪዱ! ምውጻእኩም ተመዝጊቡ።",
		"خدا حافظ! رفتن شما ثبت شد.",
	},
	[TAP_ALREADY_REGISTERED] = {
		"Du er allerede registrert.",
		"Du er alt registrert.",
		"You are already registered.",
		"أنت مسجَّل بالفعل.",
		"Ви вже зареєстровані.",
		"Horay ayaa laguu diiwaangeliyey.",
		"ድሮ ተመዝጊብኩም ኢኹም።",
		"شما قبلاً ثبت شده اید.",
	},
	[TAP_UNKNOWN_CARD] = {
		"Ukjent kort. Spør en lærer.",
		"Ukjent kort. Spør ein lærar.",
		"Unknown card. Ask a teacher.",
		"بطاقة غير معروفة. اسأل المعلم.",
		"Невідома картка. Зверніться до вчителя.",
		"Kaar aan la aqoon. Weydii macallinka.",
		"ዘይፍለጥ ካርድ። መምህር ሕተቱ።",
		"کارت ناشناخته. از استاد بپرسید.",
	},
	[TAP_REVOKED_CARD] = {
		"Kortet er sperret. Spør en lærer.",
		"Kortet er sperra. Spør ein lærar.",
		"This card is blocked. Ask a teacher.",
		"هذه البطاقة موقوفة. اسأل المعلم.",
		"Картку заблоковано. Зверніться до вчителя.",
		"Kaarkan waa la xannibay. Weydii macallinka.",
		"እዚ ካርድ ተዓጽዩ ኣሎ። መምህር ሕተቱ።",
		"این کارت مسدود است. از استاد بپرسید.",
	},
	[TAP_NOT_SCHEDULED] = {
		"Du har ingen undervisning i dag. Registreringen er lagret.",
		"Du har inga undervisning i dag. Registreringa er lagra.",
		"You have no class today. Your tap is saved.",
		"ليس لديك درس اليوم. تم حفظ التسجيل.",
		"Сьогодні у вас немає занять. Відмітку збережено.",
		"Maanta fasal ma lihid. Taabashadaada waa la kaydiyey.",
		"ሎሚ ትምህርቲ የብልኩምን። ተመዝጊቡ ኣሎ።",
		"امروز درس ندارید. ثبت شما ذخیره شد.",
	},
	[TAP_STORAGE_ERROR] = {
		"IKKE LAGRET! Si fra til en lærer.",
		"IKKJE LAGRA! Sei frå til ein lærar.",
		"NOT SAVED! Tell a teacher.",
		"لم يتم الحفظ! أخبر المعلم.",
		"НЕ ЗБЕРЕЖЕНО! Повідомте вчителя.",
		"LAMA KAYDIN! U sheeg macallinka.",
		"ኣይተዓቀበን! ንመምህር ንገሩ።",
		"ذخیره نشد! به استاد بگویید.",
	},
};

static const char *const prompts[I18N_NLANG] = {
	"Hold kortet ditt her",
	"Hald kortet ditt her",
	"Tap your card",
	"ضع بطاقتك هنا",
	"Прикладіть картку",
	"Halkan ku taabo kaarkaaga",
	"ካርድኩም ኣብዚ ኣቕርቡ",
	"کارت خود را اینجا بگذارید",
};

static int
lang_index(const char *lang)
{
	if (lang == NULL)
		return -1;
	for (int i = 0; i < I18N_NLANG; i++)
		if (strcasecmp(lang, i18n_languages[i]) == 0)
			return i;
	/* "fa" alone is Dari on this kiosk; "no" is bokmål */
	if (strcasecmp(lang, "fa") == 0 || strcasecmp(lang, "prs") == 0)
		return 7;
	if (strcasecmp(lang, "no") == 0)
		return 0;
	return -1;
}

const char *
i18n_lookup(const char *lang)
{
	int i = lang_index(lang);

	return i < 0 ? NULL : i18n_languages[i];
}

const char *
i18n_tap_message(const char *lang, const char *fallback, enum tap_outcome outcome)
{
	int i = lang_index(lang);

	if (i < 0)
		i = lang_index(fallback);
	if (i < 0)
		i = 0;
	if (outcome < 0 || outcome >= TAP_NOUTCOMES)
		outcome = TAP_STORAGE_ERROR;
	return msgs[outcome][i];
}

const char *
i18n_prompt(const char *lang)
{
	int i = lang_index(lang);

	return prompts[i < 0 ? 0 : i];
}

int
i18n_rtl(const char *lang)
{
	int i = lang_index(lang);

	return i == 3 || i == 7;
}
