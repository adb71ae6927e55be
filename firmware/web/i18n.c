/*
 * i18n.c — the kiosk's sentences.  Short, plain, one idea each: they are read in
 * the two seconds a participant looks at the screen.  Add a language by adding a
 * column to `cat` and its code to i18n_languages (and fonts: board/package).
 *
 * Review status, honestly: U() marks text written by the engineers (often with a
 * dictionary or machine help) that no native speaker has checked yet; R() marks
 * text a native speaker has read and approved.  Only change U to R when that has
 * happened, and say who in the commit message.  /board/translations lists every
 * U() string for an administrator.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "i18n.h"

/*
 * clang-format off: the catalogue keeps one sentence a line with its language, as
 * board/sounds/mksounds.py and board/package/mkkiosktext.py read it.
 */
/* clang-format off */
const char *const i18n_languages[I18N_NLANG] = {"nb", "nn", "en", "ar", "uk", "so",
						 "ti", "fa-AF", "ru", "ps", "kmr"};

struct i18n_str {
	const char *text;
	int reviewed; /* 1: a native speaker approved it */
};

#define U(s) {s, 0}
#define R(s) {s, 1}

/* [message][language], languages in the order above */
static const struct i18n_str cat[I18N_NMSG][I18N_NLANG] = {
	[I18N_ACCEPTED_IN] = {
		U("Velkommen! Du er registrert inn."), /* nb */
		U("Velkomen! Du er registrert inn."), /* nn */
		U("Welcome! You are checked in."), /* en */
		U("أهلاً وسهلاً! تم تسجيل دخولك."), /* ar */
		U("Ласкаво просимо! Ваш прихід зареєстровано."), /* uk */
		U("Soo dhawoow! Imaanshahaaga waa la diiwaangeliyey."), /* so */
		U("እንቋዕ ብደሓን መጻእኩም! ምምጻእኩም ተመዝጊቡ።"), /* ti */
		U("خوش آمدید! آمدن شما ثبت شد."), /* fa-AF */
		U("Добро пожаловать! Ваш приход отмечен."), /* ru */
		U("ښه راغلاست! ستاسو راتګ ثبت شو."), /* ps */
		U("Bi xêr hatî! Hatina te hat tomarkirin."), /* kmr */
	},
	[I18N_ACCEPTED_OUT] = {
		U("Ha det! Du er registrert ut."), /* nb */
		U("Ha det! Du er registrert ut."), /* nn */
		U("Goodbye! You are checked out."), /* en */
		U("مع السلامة! تم تسجيل خروجك."), /* ar */
		U("До побачення! Ваш вихід зареєстровано."), /* uk */
		U("Nabadgelyo! Bixitaankaaga waa la diiwaangeliyey."), /* so */
		U("ብደሓን ኪዱ! ምውጻእኩም ተመዝጊቡ።"), /* ti */
		U("خدا حافظ! رفتن شما ثبت شد."), /* fa-AF */
		U("До свидания! Ваш уход отмечен."), /* ru */
		U("په مخه مو ښه! ستاسو وتل ثبت شول."), /* ps */
		U("Bi xatirê te! Derketina te hat tomarkirin."), /* kmr */
	},
	[I18N_ALREADY_REGISTERED] = {
		U("Du er allerede registrert."), /* nb */
		U("Du er alt registrert."), /* nn */
		U("You are already registered."), /* en */
		U("أنت مسجَّل بالفعل."), /* ar */
		U("Ви вже зареєстровані."), /* uk */
		U("Horay ayaa laguu diiwaangeliyey."), /* so */
		U("ድሮ ተመዝጊብኩም ኢኹም።"), /* ti */
		U("شما قبلاً ثبت شده اید."), /* fa-AF */
		U("Вы уже отмечены."), /* ru */
		U("تاسو دمخه ثبت شوي یاست."), /* ps */
		U("Tu berê hatî tomarkirin."), /* kmr */
	},
	[I18N_UNKNOWN_CARD] = {
		U("Ukjent kort. Spør en lærer."), /* nb */
		U("Ukjent kort. Spør ein lærar."), /* nn */
		U("Unknown card. Ask a teacher."), /* en */
		U("بطاقة غير معروفة. اسأل المعلم."), /* ar */
		U("Невідома картка. Зверніться до вчителя."), /* uk */
		U("Kaar aan la aqoon. Weydii macallinka."), /* so */
		U("ዘይፍለጥ ካርድ። መምህር ሕተቱ።"), /* ti */
		U("کارت ناشناخته. از استاد بپرسید."), /* fa-AF */
		U("Неизвестная карта. Обратитесь к учителю."), /* ru */
		U("نامعلوم کارت. له ښوونکي وپوښتئ."), /* ps */
		U("Karta nenas. Ji mamoste bipirse."), /* kmr */
	},
	[I18N_REVOKED_CARD] = {
		U("Kortet er sperret. Spør en lærer."), /* nb */
		U("Kortet er sperra. Spør ein lærar."), /* nn */
		U("This card is blocked. Ask a teacher."), /* en */
		U("هذه البطاقة موقوفة. اسأل المعلم."), /* ar */
		U("Картку заблоковано. Зверніться до вчителя."), /* uk */
		U("Kaarkan waa la xannibay. Weydii macallinka."), /* so */
		U("እዚ ካርድ ተዓጽዩ ኣሎ። መምህር ሕተቱ።"), /* ti */
		U("این کارت مسدود است. از استاد بپرسید."), /* fa-AF */
		U("Эта карта заблокирована. Обратитесь к учителю."), /* ru */
		U("دا کارت بند شوی دی. له ښوونکي وپوښتئ."), /* ps */
		U("Ev kart hatiye astengkirin. Ji mamoste bipirse."), /* kmr */
	},
	[I18N_NOT_SCHEDULED] = {
		U("Du har ingen undervisning i dag. Registreringen er lagret."), /* nb */
		U("Du har inga undervisning i dag. Registreringa er lagra."), /* nn */
		U("You have no class today. Your tap is saved."), /* en */
		U("ليس لديك درس اليوم. تم حفظ التسجيل."), /* ar */
		U("Сьогодні у вас немає занять. Відмітку збережено."), /* uk */
		U("Maanta fasal ma lihid. Taabashadaada waa la kaydiyey."), /* so */
		U("ሎሚ ትምህርቲ የብልኩምን። ተመዝጊቡ ኣሎ።"), /* ti */
		U("امروز درس ندارید. ثبت شما ذخیره شد."), /* fa-AF */
		U("Сегодня у вас нет занятий. Отметка сохранена."), /* ru */
		U("نن تاسو ټولګی نه لرئ. ستاسو ثبت خوندي شو."), /* ps */
		U("Îro dersa te tune. Tomarkirina te hat parastin."), /* kmr */
	},
	[I18N_STORAGE_ERROR] = {
		U("IKKE LAGRET! Si fra til en lærer."), /* nb */
		U("IKKJE LAGRA! Sei frå til ein lærar."), /* nn */
		U("NOT SAVED! Tell a teacher."), /* en */
		U("لم يتم الحفظ! أخبر المعلم."), /* ar */
		U("НЕ ЗБЕРЕЖЕНО! Повідомте вчителя."), /* uk */
		U("LAMA KAYDIN! U sheeg macallinka."), /* so */
		U("ኣይተዓቀበን! ንመምህር ንገሩ።"), /* ti */
		U("ذخیره نشد! به استاد بگویید."), /* fa-AF */
		U("НЕ СОХРАНЕНО! Сообщите учителю."), /* ru */
		U("خوندي نه شو! ښوونکي ته ووایاست."), /* ps */
		U("NEHAT TOMARKIRIN! Ji mamoste re bêje."), /* kmr */
	},
	[I18N_ALREADY_SINCE] = {
		U("Du er allerede registrert inn, fra kl. {time}."), /* nb */
		U("Du er alt registrert inn, frå kl. {time}."), /* nn */
		U("You are already checked in, since {time}."), /* en */
		U("أنت مسجَّل بالفعل منذ الساعة {time}."), /* ar */
		U("Ви вже зареєстровані, з {time}."), /* uk */
		U("Horay ayaa laguu diiwaangeliyey, laga bilaabo {time}."), /* so */
		U("ካብ ሰዓት {time} ጀሚርኩም ድሮ ተመዝጊብኩም ኢኹም።"), /* ti */
		U("شما از ساعت {time} ثبت شده اید."), /* fa-AF */
		U("Вы уже отмечены, с {time}."), /* ru */
		U("تاسو له {time} بجو راهیسې ثبت شوي یاست."), /* ps */
		U("Tu ji saet {time} ve hatî tomarkirin."), /* kmr */
	},
	[I18N_EARLY_OUT] = {
		U("Du går tidlig. Undervisningen slutter kl. {time}."), /* nb */
		U("Du går tidleg. Undervisninga sluttar kl. {time}."), /* nn */
		U("You are leaving early. Class ends at {time}."), /* en */
		U("أنت تغادر مبكراً. ينتهي الدرس الساعة {time}."), /* ar */
		U("Ви йдете раніше. Заняття закінчується о {time}."), /* uk */
		U("Waad goor hore tagaysaa. Fasalku wuxuu dhammaanayaa {time}."), /* so */
		U("ቀልጢፍኩም ትኸዱ ኣለኹም። ትምህርቲ ሰዓት {time} ይውዳእ።"), /* ti */
		U("شما زودتر می روید. درس ساعت {time} ختم می شود."), /* fa-AF */
		U("Вы уходите раньше. Занятие заканчивается в {time}."), /* ru */
		U("تاسو وختي ځئ. ټولګی په {time} بجو پای ته رسېږي."), /* ps */
		U("Tu zû diçî. Ders saet {time} diqede."), /* kmr */
	},
	[I18N_PROMPT] = {
		U("Hold kortet ditt her"), /* nb */
		U("Hald kortet ditt her"), /* nn */
		U("Tap your card"), /* en */
		U("ضع بطاقتك هنا"), /* ar */
		U("Прикладіть картку"), /* uk */
		U("Halkan ku taabo kaarkaaga"), /* so */
		U("ካርድኩም ኣብዚ ኣቕርቡ"), /* ti */
		U("کارت خود را اینجا بگذارید"), /* fa-AF */
		U("Приложите карту"), /* ru */
		U("خپل کارت دلته کېږدئ"), /* ps */
		U("Karta xwe li vir bide ber"), /* kmr */
	},
	[I18N_OUT_OF_ORDER] = {
		U("Ute av drift – si fra til en lærer"), /* nb */
		U("Ute av drift – sei frå til ein lærar"), /* nn */
		U("Out of order – tell a teacher"), /* en */
		U("معطّل – أخبر المعلم"), /* ar */
		U("Не працює – повідомте вчителя"), /* uk */
		U("Ma shaqaynayo – u sheeg macallinka"), /* so */
		U("ኣይሰርሕን እዩ – ንመምህር ንገሩ"), /* ti */
		U("خراب است – به استاد بگویید"), /* fa-AF */
		U("Не работает – сообщите учителю"), /* ru */
		U("خراب دی – ښوونکي ته ووایاست"), /* ps */
		U("Naxebite – ji mamoste re bêje"), /* kmr */
	},
	[I18N_OFFSITE] = {
		U("Praksis"), /* nb */
		U("Praksis"), /* nn */
		U("Work placement"), /* en */
		U("تدريب عملي"), /* ar */
		U("Практика"), /* uk */
		U("Tababar shaqo"), /* so */
		U("ልምምድ ስራሕ"), /* ti */
		U("کارآموزی"), /* fa-AF */
		U("Практика"), /* ru */
		U("عملي زده کړه"), /* ps */
		U("Praktîk"), /* kmr */
	},
	[I18N_SICK_LEFT] = {
		U("Egenmeldinger igjen"), /* nb */
		U("Eigenmeldingar att"), /* nn */
		U("Sick notes left"), /* en */
		U("أيام المرض المتبقية"), /* ar */
		U("Залишилось днів хвороби"), /* uk */
		U("Maalmaha jirada ee haray"), /* so */
		U("ዝተረፈ መዓልታት ሕማም"), /* ti */
		U("روزهای مریضی باقی مانده"), /* fa-AF */
		U("Осталось дней болезни"), /* ru */
		U("پاتې د ناروغۍ ورځې"), /* ps */
		U("Rojên nexweşiyê yên mayî"), /* kmr */
	},
	[I18N_CHILD_SICK_LEFT] = {
		U("Dager igjen med sykt barn"), /* nb */
		U("Dagar att med sjukt barn"), /* nn */
		U("Child sick days left"), /* en */
		U("أيام مرض الطفل المتبقية"), /* ar */
		U("Залишилось днів догляду за хворою дитиною"), /* uk */
		U("Maalmaha jirada ilmaha ee haray"), /* so */
		U("ዝተረፈ መዓልታት ሕማም ቆልዓ"), /* ti */
		U("روزهای مریضی طفل باقی مانده"), /* fa-AF */
		U("Осталось дней по уходу за больным ребёнком"), /* ru */
		U("د ماشوم د ناروغۍ پاتې ورځې"), /* ps */
		U("Rojên nexweşiya zarokê yên mayî"), /* kmr */
	},

};
/* clang-format on */

#undef U
#undef R

static const char *const msg_names[I18N_NMSG] = {
    [I18N_ACCEPTED_IN] = "accepted_in",
    [I18N_ACCEPTED_OUT] = "accepted_out",
    [I18N_ALREADY_REGISTERED] = "already_registered",
    [I18N_UNKNOWN_CARD] = "unknown_card",
    [I18N_REVOKED_CARD] = "revoked_card",
    [I18N_NOT_SCHEDULED] = "not_scheduled",
    [I18N_STORAGE_ERROR] = "storage_error",
    [I18N_ALREADY_SINCE] = "already_since",
    [I18N_EARLY_OUT] = "early_out",
    [I18N_PROMPT] = "prompt",
    [I18N_OUT_OF_ORDER] = "out_of_order",
    [I18N_OFFSITE] = "offsite",
    [I18N_SICK_LEFT] = "sick_left",
    [I18N_CHILD_SICK_LEFT] = "child_sick_left",
};

static int
lang_index(const char *lang)
{
	if (lang == NULL)
		return -1;
	for (int i = 0; i < I18N_NLANG; i++)
		if (strcasecmp(lang, i18n_languages[i]) == 0)
			return i;
	/* "fa" alone is Dari on this kiosk; "no" is bokmål; "ku" is Kurmanji */
	if (strcasecmp(lang, "fa") == 0 || strcasecmp(lang, "prs") == 0)
		return 7;
	if (strcasecmp(lang, "no") == 0)
		return 0;
	if (strcasecmp(lang, "ku") == 0)
		return 10;
	return -1;
}

const char *
i18n_lookup(const char *lang)
{
	int i = lang_index(lang);

	return i < 0 ? NULL : i18n_languages[i];
}

const char *
i18n_text(const char *lang, const char *fallback, enum i18n_msg m)
{
	int i = lang_index(lang);

	if (i < 0)
		i = lang_index(fallback);
	if (i < 0)
		i = 0;
	return i18n_at(i, m);
}

const char *
i18n_tap_message(const char *lang, const char *fallback, enum tap_outcome outcome)
{
	if (outcome < 0 || outcome >= TAP_NOUTCOMES)
		outcome = TAP_STORAGE_ERROR;
	return i18n_text(lang, fallback, (enum i18n_msg)outcome);
}

char *
i18n_format(const char *lang, const char *fallback, enum i18n_msg m, const char *time, char *out,
            size_t outlen)
{
	const char *s = i18n_text(lang, fallback, m);
	const char *at = strstr(s, "{time}");

	if (at == NULL)
		snprintf(out, outlen, "%s", s);
	else
		snprintf(out, outlen, "%.*s%s%s", (int)(at - s), s, time ? time : "",
		         at + strlen("{time}"));
	return out;
}

const char *
i18n_prompt(const char *lang)
{
	return i18n_text(lang, NULL, I18N_PROMPT);
}

int
i18n_rtl(const char *lang)
{
	int i = lang_index(lang);

	return i == 3 || i == 7 || i == 9;
}

const char *
i18n_msg_name(enum i18n_msg m)
{
	return (m >= 0 && m < I18N_NMSG) ? msg_names[m] : "";
}

int
i18n_reviewed(int li, enum i18n_msg m)
{
	return li >= 0 && li < I18N_NLANG && m >= 0 && m < I18N_NMSG && cat[m][li].reviewed;
}

const char *
i18n_at(int li, enum i18n_msg m)
{
	if (li < 0 || li >= I18N_NLANG || m < 0 || m >= I18N_NMSG)
		return "";
	return cat[m][li].text;
}
