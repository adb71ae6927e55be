/*
 * paydoc.c — payroll documents for people: the stipend CSV a payroll clerk opens
 * in a spreadsheet, the NIR summary and the printable basis for an enkeltvedtak.
 * Everything is made from the JSON documents of period.c, so every format shows
 * the same figures (the stipend CSV also from its lines as cells, paydoc_lines:
 * one row writer for both); text cells are neutralised against CSV injection (OWASP).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "paydoc.h"
#include "rules/rules.h"

/* --- strings --- */

/*
 * A growing string; out of memory is remembered and reported once at the end.  With
 * a sink, what has grown past SB_FLUSH goes to the sink and the string starts again:
 * a streamed document is never whole in memory.  A sink's -1 stops it like an oom.
 */
#define SB_FLUSH (16 * 1024)

struct sbuf {
	char *s;
	size_t n, cap;
	int oom;
	paydoc_sink_fn sink;
	void *arg;
};

static void
sb_flush(struct sbuf *b)
{
	if (b->oom || b->n == 0)
		return;
	if (b->sink(b->arg, b->s, b->n) < 0)
		b->oom = 1;
	b->n = 0;
	b->s[0] = '\0';
}

static void
sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t c = b->cap ? b->cap : 4096;
		char *t;

		while (c < b->n + n + 1)
			c *= 2;
		if ((t = realloc(b->s, c)) == NULL) {
			b->oom = 1;
			return;
		}
		b->s = t;
		b->cap = c;
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
	if (b->sink && b->n >= SB_FLUSH)
		sb_flush(b);
}

static void
sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
sb_printf(struct sbuf *b, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	sb_add(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static char *
sb_done(struct sbuf *b)
{
	if (b->oom || b->s == NULL) {
		free(b->s);
		return b->oom ? NULL : strdup("");
	}
	return b->s;
}

/* A sink's end: the rest flushed, the buffer freed; 0, or -1 (out of memory or the sink). */
static int
sb_end(struct sbuf *b)
{
	if (b->s)
		sb_flush(b);
	free(b->s);
	return b->oom ? -1 : 0;
}

/* --- languages --- */

enum lang { L_NB, L_NN, L_EN };

static enum lang
lang_of(const char *s)
{
	return s && !strcmp(s, "en") ? L_EN : s && !strcmp(s, "nn") ? L_NN : L_NB;
}

/* One text in nb, nn and en. */
struct tr {
	const char *key;
	const char *t[3];
};

static const char *
tr_find(const struct tr *v, size_t n, const char *key, enum lang l)
{
	if (key == NULL)
		return "";
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].key, key))
			return v[i].t[l];
	return key;
}

/* Column headers with their units. */
static const struct tr csv_heads[] = {
    {"status", {"Status", "Status", "Status"}},
    {"kind", {"Type", "Type", "Kind"}},
    {"period_from", {"Periode fra", "Periode frå", "Period from"}},
    {"period_to", {"Periode til", "Periode til", "Period to"}},
    {"participant", {"Deltaker-ID", "Deltakar-ID", "Participant ID"}},
    {"name", {"Navn", "Namn", "Name"}},
    {"scheduled_hours", {"Planlagt (timer)", "Planlagt (timar)", "Scheduled (hours)"}},
    {"attended_hours", {"Til stede (timer)", "Til stades (timar)", "Attended (hours)"}},
    {"pending_hours",
     {"Ikke vurdert ennå (timer)", "Ikkje vurdert enno (timar)", "Pending (hours)"}},
    {"unexcused_hours",
     {"Ugyldig fravær (timer)", "Ugyldig fråvær (timar)", "Unexcused absence (hours)"}},
    {"hour_value", {"Timesats (kr)", "Timesats (kr)", "Hour value (kr)"}},
    {"gross", {"Brutto (kr)", "Brutto (kr)", "Gross (kr)"}},
    {"deduction", {"Trekk (kr)", "Trekk (kr)", "Deduction (kr)"}},
    {"unpaid_leave", {"Ulønnet permisjon (kr)", "Ulønt permisjon (kr)", "Unpaid leave (kr)"}},
    {"net", {"Netto (kr)", "Netto (kr)", "Net (kr)"}},
    {"decision_required",
     {"Enkeltvedtak kreves", "Enkeltvedtak krevst", "Formal decision required"}},
    {"needs_assessment", {"Må vurderes", "Må vurderast", "Needs assessment"}},
    {"past_deadline", {"Fristen er ute", "Fristen er ute", "Past deadline"}},
    {"pay_code", {"Lønnsart", "Lønsart", "Pay code"}},
    {"currency", {"Valuta", "Valuta", "Currency"}},
    {"corrects_period_from", {"Retter periode fra", "Rettar periode frå", "Corrects period from"}},
    {"corrects_period_to", {"Retter periode til", "Rettar periode til", "Corrects period to"}},
    {"corrects_date", {"Retter dato", "Rettar dato", "Corrects date"}},
    /* values */
    {"line", {"linje", "linje", "line"}},
    {"adjustment", {"justering", "justering", "adjustment"}},
    {"preliminary", {"foreløpig", "førebels", "preliminary"}},
    {"final", {"endelig", "endeleg", "final"}},
    {"true", {"ja", "ja", "yes"}},
    {"false", {"nei", "nei", "no"}},
    /* NIR */
    {"valid_absence_hours",
     {"Gyldig fravær (timer)", "Gyldig fråvær (timar)", "Valid absence (hours)"}},
    {"valid_absence_share",
     {"Gyldig fravær (% av planlagt)", "Gyldig fråvær (% av planlagt)",
      "Valid absence (% of scheduled)"}},
    {"invalid_absence_hours",
     {"Ugyldig fravær (timer)", "Ugyldig fråvær (timar)", "Invalid absence (hours)"}},
    {"invalid_absence_share",
     {"Ugyldig fravær (% av planlagt)", "Ugyldig fråvær (% av planlagt)",
      "Invalid absence (% of scheduled)"}},
    {"leave_calendar_days",
     {"Permisjon (kalenderdager)", "Permisjon (kalenderdagar)", "Leave (calendar days)"}},
    {"leave_working_days",
     {"Permisjon (arbeidsdager)", "Permisjon (arbeidsdagar)", "Leave (working days)"}},
};

#define TR(key, l) tr_find(csv_heads, sizeof(csv_heads) / sizeof(csv_heads[0]), key, l)

/* Absence categories: "Gyldig fravær: sykdom med legeerklæring (timer)". */
static const struct tr cat_names[] = {
    {"leave_approved", {"innvilget permisjon", "innvilga permisjon", "approved leave"}},
    {"religious_holiday", {"religiøs høytid", "religiøs høgtid", "religious holiday"}},
    {"pregnancy", {"svangerskap", "svangerskap", "pregnancy"}},
    {"birth_mother", {"fødsel (mor)", "fødsel (mor)", "birth (mother)"}},
    {"birth_father", {"fødsel (far)", "fødsel (far)", "birth (father)"}},
    {"nursing", {"amming", "amming", "nursing"}},
    {"sick_doctor",
     {"sykdom med legeerklæring", "sjukdom med legeerklæring", "sick, doctor's note"}},
    {"sick_self_declared", {"egenmelding", "eigenmelding", "sick, self-declared"}},
    {"child_sick", {"barns sykdom", "barns sjukdom", "child's illness"}},
    {"vacation", {"ferie", "ferie", "vacation"}},
    {"leave_unpaid", {"ulønnet permisjon", "ulønt permisjon", "unpaid leave"}},
    {"unexcused", {"ugyldig", "ugyldig", "unexcused"}},
};

static const char *
cat_name(const char *key, enum lang l)
{
	return tr_find(cat_names, sizeof(cat_names) / sizeof(cat_names[0]), key, l);
}

void
paydoc_csv_format(const struct config *cfg, struct paydoc_csv_format *f)
{
	f->sep = cfg->payroll.csv_separator;
	f->mark = cfg->payroll.decimal_mark;
	f->lang = cfg->payroll.language;
	f->bom = !strcmp(cfg->payroll.csv_bom, "yes") ||
	         (!strcmp(cfg->payroll.csv_bom, "auto") && f->sep == ';');
}

/* --- CSV cells --- */

/*
 * A text cell.  OWASP CSV injection: a cell starting with = + - @ tab or CR is a
 * formula to a spreadsheet; it gets a leading apostrophe and quotes, so it stays
 * text.  RFC 4180: a cell holding the separator, a quote, CR or LF is quoted and
 * its quotes doubled.
 */
static void
csv_text(struct sbuf *b, const char *s, char sep)
{
	bool formula = strchr("=+-@\t\r", s[0]) != NULL && s[0] != '\0';

	if (!formula && strchr(s, sep) == NULL && strpbrk(s, "\"\r\n") == NULL) {
		sb_str(b, s);
		return;
	}
	sb_add(b, "\"", 1);
	if (formula)
		sb_add(b, "'", 1);
	for (const char *q = s; *q; q++) {
		sb_add(b, q, 1);
		if (*q == '"')
			sb_add(b, "\"", 1);
	}
	sb_add(b, "\"", 1);
}

/* A decimal as the JSON prints it ("-12.50") with the decimal mark; anything else is text. */
static void
csv_decimal(struct sbuf *b, const char *s, const struct paydoc_csv_format *f)
{
	char buf[48];
	size_t n = strlen(s), i = s[0] == '-';
	bool num = n > i && n < sizeof(buf);

	for (size_t k = i; num && k < n; k++)
		num = (s[k] >= '0' && s[k] <= '9') || (s[k] == '.' && k > i && k + 1 < n);
	if (!num) {
		csv_text(b, s, f->sep);
		return;
	}
	memcpy(buf, s, n + 1);
	for (char *q = buf; *q; q++)
		if (*q == '.')
			*q = f->mark;
	/* No quotes needed: config.c refuses a decimal mark equal to the separator. */
	sb_str(b, buf);
}

static void
csv_sep(struct sbuf *b, const struct paydoc_csv_format *f)
{
	sb_add(b, &f->sep, 1);
}

static const char *const stipend_cols[] = {
    "status",
    "kind",
    "period_from",
    "period_to",
    "participant",
    "name",
    "scheduled_hours",
    "attended_hours",
    "pending_hours",
    NULL /* excused_hours_<category> */,
    "unexcused_hours",
    "hour_value",
    "gross",
    "deduction",
    "unpaid_leave",
    "net",
    "decision_required",
    "needs_assessment",
    "past_deadline",
    "pay_code",
    "currency",
    "corrects_period_from",
    "corrects_period_to",
    "corrects_date",
};

_Static_assert(sizeof(stipend_cols) / sizeof(stipend_cols[0]) == PAYDOC_STIPEND_COLS,
               "paydoc.h's column count");

/* The columns of amounts and hours (the excused group is one too). */
static bool
col_is_decimal(size_t k)
{
	switch (k) {
	case PAYDOC_SCHEDULED_HOURS:
	case PAYDOC_ATTENDED_HOURS:
	case PAYDOC_PENDING_HOURS:
	case PAYDOC_UNEXCUSED_HOURS:
	case PAYDOC_HOUR_VALUE:
	case PAYDOC_GROSS:
	case PAYDOC_DEDUCTION:
	case PAYDOC_UNPAID_LEAVE:
	case PAYDOC_NET:
		return true;
	default:
		return false;
	}
}

/* "Gyldig fravær: egenmelding (timer)" */
static void
excused_head(char *buf, size_t len, int c, enum lang l)
{
	static const char *const pre[3] = {"Gyldig fravær", "Gyldig fråvær", "Valid absence"};
	static const char *const unit[3] = {"timer", "timar", "hours"};

	snprintf(buf, len, "%s: %s (%s)", pre[l], cat_name(rules_category_name(c), l), unit[l]);
}

/* A cell of a line as the line's JSON holds it: a string, a boolean, or neither. */
static struct paydoc_cell
cell_of(const json_t *v)
{
	if (json_is_boolean(v))
		return (struct paydoc_cell){.type = PAYDOC_CELL_BOOL, .b = json_is_true(v)};
	if (json_is_string(v))
		return (struct paydoc_cell){.type = PAYDOC_CELL_STR, .s = json_string_value(v)};
	return (struct paydoc_cell){.type = PAYDOC_CELL_NONE};
}

void
paydoc_line_of_json(const json_t *l, struct paydoc_line *out)
{
	const json_t *cp = json_object_get(l, "corrects_period");
	const json_t *ex = json_object_get(l, "excused_hours");

	memset(out, 0, sizeof(*out));
	out->preliminary = json_is_true(json_object_get(l, "preliminary"));
	for (size_t k = 0; k < PAYDOC_STIPEND_COLS; k++) {
		const char *col = stipend_cols[k];

		if (col == NULL || !strcmp(col, "status"))
			continue;
		if (!strcmp(col, "corrects_period_from") || !strcmp(col, "corrects_period_to"))
			out->cell[k] = cell_of(json_object_get(cp, col[16] == 'f' ? "from" : "to"));
		else
			out->cell[k] = cell_of(json_object_get(l, col));
	}
	for (int c = 0; c < RULES_CAT_UNEXCUSED; c++)
		out->excused[c] = cell_of(json_object_get(ex, rules_category_name(c)));
}

/* A decimal cell: an amount in øre, or a string as csv_decimal takes it ("0.00" if neither). */
static void
csv_decimal_cell(struct sbuf *b, const struct paydoc_cell *v, const struct paydoc_csv_format *f)
{
	char buf[32];

	if (v->type == PAYDOC_CELL_ORE) {
		rules_ore_format(v->ore, buf, sizeof(buf));
		csv_decimal(b, buf, f);
	} else {
		csv_decimal(b, v->type == PAYDOC_CELL_STR ? v->s : "0.00", f);
	}
}

/* The header row: every category has its column, so the layout never depends on the data. */
static void
csv_head(struct sbuf *b, const struct paydoc_csv_format *f)
{
	enum lang lg = lang_of(f->lang);

	if (f->bom)
		sb_str(b, "\xEF\xBB\xBF");
	for (size_t k = 0; k < PAYDOC_STIPEND_COLS; k++) {
		if (k)
			csv_sep(b, f);
		if (stipend_cols[k]) {
			csv_text(b, TR(stipend_cols[k], lg), f->sep);
			continue;
		}
		for (int c = 0; c < RULES_CAT_UNEXCUSED; c++) {
			char name[128];

			excused_head(name, sizeof(name), c, lg);
			if (c)
				csv_sep(b, f);
			csv_text(b, name, f->sep);
		}
	}
	sb_add(b, "\r\n", 2);
}

/* The words every row uses, looked up once per document. */
struct row_words {
	enum lang lg;
	const char *preliminary, *final, *yes, *no;
};

static void
row_words(const struct paydoc_csv_format *f, struct row_words *w)
{
	w->lg = lang_of(f->lang);
	w->preliminary = TR("preliminary", w->lg);
	w->final = TR("final", w->lg);
	w->yes = TR("true", w->lg);
	w->no = TR("false", w->lg);
}

/* One line; `prelim`: the document is preliminary, and so is each of its lines. */
static void
csv_row(struct sbuf *b, const struct paydoc_line *l, bool prelim, const struct row_words *w,
        const struct paydoc_csv_format *f)
{
	for (size_t k = 0; k < PAYDOC_STIPEND_COLS; k++) {
		const struct paydoc_cell *v = &l->cell[k];

		if (k)
			csv_sep(b, f);
		if (k == PAYDOC_EXCUSED_HOURS) {
			for (int c = 0; c < RULES_CAT_UNEXCUSED; c++) {
				if (c)
					csv_sep(b, f);
				csv_decimal_cell(b, &l->excused[c], f);
			}
			continue;
		}
		if (k == 0) { /* status */
			csv_text(b, prelim || l->preliminary ? w->preliminary : w->final, f->sep);
			continue;
		}
		if (col_is_decimal(k))
			csv_decimal_cell(b, v, f);
		else if (v->type == PAYDOC_CELL_BOOL)
			csv_text(b, v->b ? w->yes : w->no, f->sep);
		else if (k == PAYDOC_KIND)
			csv_text(b, TR(v->type == PAYDOC_CELL_STR ? v->s : "", w->lg), f->sep);
		else
			csv_text(b, v->type == PAYDOC_CELL_STR ? v->s : "", f->sep);
	}
	sb_add(b, "\r\n", 2);
}

static void
csv_into(struct sbuf *b, const json_t *doc, const struct paydoc_csv_format *f)
{
	const json_t *l;
	bool prelim = json_is_true(json_object_get(doc, "preliminary"));
	struct row_words w;
	size_t i;

	row_words(f, &w);
	csv_head(b, f);
	json_array_foreach(json_object_get(doc, "lines"), i, l)
	{
		struct paydoc_line row;

		paydoc_line_of_json(l, &row);
		csv_row(b, &row, prelim, &w, f);
	}
}

/* --- the NIR summary as CSV --- */

static const char *const nir_cols[] = {
    "status",
    "participant",
    "name",
    "period_from",
    "period_to",
    "scheduled_hours",
    "attended_hours",
    "valid_absence_hours",
    "valid_absence_share",
    "invalid_absence_hours",
    "invalid_absence_share",
    "leave_calendar_days",
    "leave_working_days",
};

static void
nir_csv_into(struct sbuf *b, const json_t *nir, const struct paydoc_csv_format *f)
{
	bool prelim = json_is_true(json_object_get(nir, "preliminary"));
	enum lang lg = lang_of(f->lang);
	const json_t *r;
	size_t i;

	if (f->bom)
		sb_str(b, "\xEF\xBB\xBF");
	for (size_t k = 0; k < sizeof(nir_cols) / sizeof(nir_cols[0]); k++) {
		if (k)
			csv_sep(b, f);
		csv_text(b, TR(nir_cols[k], lg), f->sep);
	}
	sb_add(b, "\r\n", 2);
	json_array_foreach(json_object_get(nir, "participants"), i, r)
	{
		for (size_t k = 0; k < sizeof(nir_cols) / sizeof(nir_cols[0]); k++) {
			const char *col = nir_cols[k];
			const json_t *v = json_object_get(r, col);

			if (k)
				csv_sep(b, f);
			if (!strcmp(col, "status"))
				csv_text(
				    b,
				    TR(prelim || json_is_true(json_object_get(r, "preliminary"))
				           ? "preliminary"
				           : "final",
				       lg),
				    f->sep);
			else if (json_is_integer(v))
				sb_printf(b, "%lld", (long long)json_integer_value(v));
			else if (strstr(col, "_hours") || strstr(col, "_share"))
				csv_decimal(b, json_string_value(v) ? json_string_value(v) : "0.00",
				            f);
			else
				csv_text(b, json_string_value(v) ? json_string_value(v) : "",
				         f->sep);
		}
		sb_add(b, "\r\n", 2);
	}
}

/* --- the basis for a decision, printable HTML --- */

static void
html_esc(struct sbuf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&':
			sb_str(b, "&amp;");
			break;
		case '<':
			sb_str(b, "&lt;");
			break;
		case '>':
			sb_str(b, "&gt;");
			break;
		case '"':
			sb_str(b, "&quot;");
			break;
		case '\'':
			sb_str(b, "&#39;");
			break;
		default:
			sb_add(b, s, 1);
		}
	}
}

static const struct tr basis_tr[] = {
    {"title",
     {"Grunnlag for enkeltvedtak om trekk i stønad", "Grunnlag for enkeltvedtak om trekk i stønad",
      "Basis for a formal decision (enkeltvedtak) on a stipend deduction"}},
    {"prelim",
     {"FORELØPIG: perioden har dager som ikke er avsluttet ennå. Tallene kan endre seg "
      "og kan ikke brukes i et vedtak før perioden er avsluttet.",
      "FØREBELS: perioden har dagar som ikkje er avslutta enno. Tala kan endre seg og "
      "kan ikkje brukast i eit vedtak før perioden er avslutta.",
      "PRELIMINARY: the period has days that are not final yet. The figures may change "
      "and cannot be used in a decision until the period has ended."}},
    {"final_open",
     {"Endelig: alle dager i perioden er avsluttet (perioden er ikke lukket ennå).",
      "Endeleg: alle dagar i perioden er avslutta (perioden er ikkje lukka enno).",
      "Final: every day of the period is final (the period is not closed yet)."}},
    {"closed",
     {"Endelig: perioden er lukket", "Endeleg: perioden er lukka", "Final: the period is closed"}},
    {"participant", {"Deltaker", "Deltakar", "Participant"}},
    {"id", {"Deltaker-ID", "Deltakar-ID", "Participant ID"}},
    {"period", {"Periode", "Periode", "Period"}},
    {"regime", {"Regelverk", "Regelverk", "Regime"}},
    {"rate", {"Sats", "Sats", "Rate"}},
    {"start", {"Programstart", "Programstart", "Programme start"}},
    {"end", {"Programslutt", "Programslutt", "Programme end"}},
    {"summary", {"Sammendrag", "Samandrag", "Summary"}},
    {"scheduled", {"Planlagt", "Planlagt", "Scheduled"}},
    {"attended", {"Til stede", "Til stades", "Attended"}},
    {"valid", {"Gyldig fravær", "Gyldig fråvær", "Valid absence"}},
    {"unexcused", {"Ugyldig fravær", "Ugyldig fråvær", "Unexcused absence"}},
    {"pending", {"Ikke vurdert ennå", "Ikkje vurdert enno", "Pending"}},
    {"hours", {"timer", "timar", "hours"}},
    {"minutes", {"min", "min", "min"}},
    {"hour_value", {"Timesats", "Timesats", "Hour value"}},
    {"gross", {"Brutto stønad", "Brutto stønad", "Gross stipend"}},
    {"deduction", {"Trekk", "Trekk", "Deduction"}},
    {"unpaid", {"Ulønnet permisjon", "Ulønt permisjon", "Unpaid leave"}},
    {"net", {"Netto", "Netto", "Net"}},
    {"tests",
     {"Vilkår for enkeltvedtak", "Vilkår for enkeltvedtak", "Tests for a formal decision"}},
    {"share_test",
     {"Trekket er minst %s av brutto stønad", "Trekket er minst %s av brutto stønad",
      "The deduction is at least %s of the gross stipend"}},
    {"g_test",
     {"Trekket er minst %s G (G = %s kr)", "Trekket er minst %s G (G = %s kr)",
      "The deduction is at least %s G (G = %s kr)"}},
    {"threshold", {"grense", "grense", "threshold"}},
    {"met", {"oppfylt", "oppfylt", "met"}},
    {"not_met", {"ikke oppfylt", "ikkje oppfylt", "not met"}},
    {"decision_yes",
     {"Begge vilkår er oppfylt: enkeltvedtak kreves.",
      "Begge vilkåra er oppfylte: enkeltvedtak krevst.",
      "Both tests are met: a formal decision is required."}},
    {"decision_no",
     {"Enkeltvedtak kreves ikke.", "Enkeltvedtak krevst ikkje.",
      "No formal decision is required."}},
    {"every",
     {"Regelverket krever vedtak for hvert trekk.", "Regelverket krev vedtak for kvart trekk.",
      "The regime requires a decision for every deduction."}},
    {"quotas", {"Kvoter", "Kvotar", "Quotas"}},
    {"quota", {"Kvote", "Kvote", "Quota"}},
    {"before", {"Brukt før perioden", "Brukt før perioden", "Used before the period"}},
    {"after", {"Brukt etter perioden", "Brukt etter perioden", "Used after the period"}},
    {"limit", {"Grense", "Grense", "Limit"}},
    {"days", {"Dag for dag", "Dag for dag", "Day by day"}},
    {"date", {"Dato", "Dato", "Date"}},
    {"state", {"Status", "Status", "State"}},
    {"sessions", {"Økter", "Økter", "Sessions"}},
    {"taps", {"Stemplinger", "Stemplingar", "Taps"}},
    {"registrations", {"Registrert fravær", "Registrert fråvær", "Registered absence"}},
    {"rule", {"Regel", "Regel", "Rule"}},
    {"amount", {"Beløp", "Beløp", "Amount"}},
    {"future", {"framtidig", "framtidig", "future"}},
    {"open", {"åpen", "open", "open"}},
    {"final", {"avsluttet", "avslutta", "final"}},
    {"off_site", {"praksis", "praksis", "off-site"}},
    {"corrected", {"rettet", "retta", "corrected"}},
    {"adjustments",
     {"Justeringer i denne perioden", "Justeringar i denne perioden",
      "Adjustments in this period"}},
    {"corrects", {"retter", "rettar", "corrects"}},
    {"footer",
     {"Laget av Stempel. Minutter og beløp er regnet eksakt; bare periodens samlede "
      "trekk er avrundet.",
      "Laga av Stempel. Minutt og beløp er rekna eksakt; berre trekket for heile "
      "perioden er avrunda.",
      "Made by Stempel. Minutes and amounts are exact; only the period's total "
      "deduction is rounded."}},
    {"in", {"inn", "inn", "in"}},
    {"out", {"ut", "ut", "out"}},
    {"none", {"ingen", "ingen", "none"}},
    {"d_sched", {"Planlagt (min)", "Planlagt (min)", "Sched. (min)"}},
    {"d_att", {"Til stede (min)", "Til stades (min)", "Attended (min)"}},
    {"d_valid", {"Gyldig fravær (min)", "Gyldig fråvær (min)", "Valid absence (min)"}},
    {"d_unexc", {"Ugyldig (min)", "Ugyldig (min)", "Unexcused (min)"}},
    {"d_pend", {"Ikke vurdert (min)", "Ikkje vurdert (min)", "Pending (min)"}},
    {"d_amount", {"Trekk (kr)", "Trekk (kr)", "Deduction (kr)"}},
    {"d_hv", {"Timesats (kr)", "Timesats (kr)", "Hour value (kr)"}},
    {"full", {"full sats", "full sats", "full rate"}},
    {"under25_alone",
     {"under 25 år, bor alene", "under 25 år, bur åleine", "under 25, living alone"}},
    {"under25_with_parents",
     {"under 25 år, bor med forelder", "under 25 år, bur med forelder",
      "under 25, living with a parent"}},
    {"self_declared_occurrences",
     {"Egenmeldinger (tilfeller, 12 måneder)", "Eigenmeldingar (tilfelle, 12 månader)",
      "Self-declared sickness (occurrences, 12 months)"}},
    {"child_sick_days",
     {"Barns sykdom (dager, 12 måneder)", "Barns sjukdom (dagar, 12 månader)",
      "Child's illness (days, 12 months)"}},
    {"religious_days",
     {"Religiøse høytider (dager i år)", "Religiøse høgtider (dagar i år)",
      "Religious holidays (days this year)"}},
    {"vacation_days", {"Ferie (dager i år)", "Ferie (dagar i år)", "Vacation (days this year)"}},
    {"leave_approved_days",
     {"Innvilget permisjon (dager i år)", "Innvilga permisjon (dagar i år)",
      "Approved leave (days this year)"}},
    {"pregnancy_days", {"Svangerskap (dager)", "Svangerskap (dagar)", "Pregnancy (days)"}},
    {"birth_mother_days", {"Fødsel, mor (dager)", "Fødsel, mor (dagar)", "Birth, mother (days)"}},
    {"birth_father_days", {"Fødsel, far (dager)", "Fødsel, far (dagar)", "Birth, father (days)"}},
};

#define BT(key) tr_find(basis_tr, sizeof(basis_tr) / sizeof(basis_tr[0]), key, lg)

/* Money and hours with the language's decimal mark ("1 234,50" is left to the reader). */
static void
html_num(struct sbuf *b, const json_t *v, enum lang lg)
{
	const char *s = json_string_value(v) ? json_string_value(v) : "0.00";

	for (; *s; s++) {
		char c[2] = {*s == '.' && lg != L_EN ? ',' : *s, 0};

		html_esc(b, c);
	}
}

static const char *
str_or(const json_t *v)
{
	return json_string_value(v) ? json_string_value(v) : "";
}

static void
row2(struct sbuf *b, const char *label, const char *value)
{
	sb_str(b, "<tr><th>");
	html_esc(b, label);
	sb_str(b, "</th><td>");
	html_esc(b, value);
	sb_str(b, "</td></tr>");
}

static void
row_money(struct sbuf *b, const char *label, const json_t *v, const char *unit, enum lang lg)
{
	sb_str(b, "<tr><th>");
	html_esc(b, label);
	sb_str(b, "</th><td class=\"n\">");
	html_num(b, v, lg);
	sb_printf(b, " %s</td></tr>", unit);
}

static void
basis_test(struct sbuf *b, const json_t *t, const char *text, enum lang lg)
{
	sb_str(b, "<tr><td>");
	html_esc(b, text);
	sb_str(b, "</td><td class=\"n\">");
	html_esc(b, BT("threshold"));
	sb_str(b, " ");
	html_num(b, json_object_get(t, "threshold"), lg);
	sb_str(b, " kr</td><td>");
	html_esc(b, json_is_true(json_object_get(t, "met")) ? BT("met") : BT("not_met"));
	sb_str(b, "</td></tr>");
}

static void
basis_html_into(struct sbuf *b, const json_t *basis, const char *lang)
{
	enum lang lg = lang_of(lang);
	const json_t *pt = json_object_get(basis, "participant");
	const json_t *per = json_object_get(basis, "period");
	const json_t *line = json_object_get(basis, "line");
	const json_t *ev = json_object_get(basis, "enkeltvedtak");
	const json_t *d, *qb = json_object_get(basis, "quotas_before");
	const json_t *qa = json_object_get(basis, "quotas_after");
	const char *status = json_string_value(json_object_get(basis, "status"));
	int prelim, closed;
	const char *key;
	json_t *v;
	size_t i;

	sb_printf(b, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">",
	          lg == L_EN   ? "en"
	          : lg == L_NN ? "nn"
	                       : "nb");
	sb_str(b,
	       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>");
	html_esc(b, BT("title"));
	sb_str(b, ": ");
	html_esc(b, json_string_value(json_object_get(pt, "name")));
	sb_str(b, "</title><style>"
	          "@page{size:A4;margin:14mm 12mm}"
	          "body{font:10pt/1.35 'DejaVu Sans',sans-serif;color:#000;max-width:186mm;"
	          "margin:1em auto;padding:0 1em}"
	          "h1{font-size:15pt;margin:0 0 .4em}h2{font-size:12pt;margin:1.1em 0 .3em}"
	          "table{border-collapse:collapse;width:100%;margin:.3em 0}"
	          "th,td{border:1px solid #888;padding:2px 4px;text-align:left;vertical-align:top}"
	          "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}"
	          "td.n{white-space:nowrap}"
	          "table.days{font-size:7.5pt}table.days th{font-size:7pt}"
	          "td.date{white-space:nowrap}"
	          ".status{border:2px solid #000;padding:.4em .6em;font-weight:bold;margin:.6em 0}"
	          ".status.preliminary{border-color:#b00000;color:#b00000}"
	          "footer{margin-top:1.5em;font-size:8pt;color:#333}"
	          "@media print{body{margin:0;padding:0;max-width:none}"
	          "thead{display:table-header-group}tr{page-break-inside:avoid}"
	          "h2{page-break-after:avoid}.status.preliminary{border-width:3px}}"
	          "</style></head><body>\n");
	sb_str(b, "<h1>");
	html_esc(b, BT("title"));
	sb_str(b, "</h1>\n");
	/*
	 * Only the three known states reach the attribute.  Compared once: comparing the
	 * chosen literal again made aarch64 gcc 12 see a constant strcmp (-Wstring-compare).
	 */
	prelim = status && !strcmp(status, "preliminary");
	closed = !prelim && status && !strcmp(status, "closed");
	status = prelim ? "preliminary" : closed ? "closed" : "final";
	sb_printf(b, "<p class=\"status %s\" id=\"status\" data-status=\"%s\">",
	          prelim ? "preliminary" : "final", status);
	if (prelim) {
		html_esc(b, BT("prelim"));
	} else if (closed) {
		html_esc(b, BT("closed"));
		sb_str(b, " (");
		html_esc(b, str_or(json_object_get(per, "closed_at")));
		sb_str(b, ").");
	} else {
		html_esc(b, BT("final_open"));
	}
	sb_str(b, "</p>\n<table class=\"meta\">");
	row2(b, BT("participant"), json_string_value(json_object_get(pt, "name")));
	row2(b, BT("id"), json_string_value(json_object_get(pt, "id")));
	{
		char pr[32];

		snprintf(pr, sizeof(pr), "%.11s – %.11s", str_or(json_object_get(per, "from")),
		         str_or(json_object_get(per, "to")));
		row2(b, BT("period"), pr);
	}
	row2(b, BT("regime"), json_string_value(json_object_get(pt, "regime")));
	row2(b, BT("rate"), BT(str_or(json_object_get(pt, "rate"))));
	row2(b, BT("start"), json_string_value(json_object_get(pt, "programme_start")));
	if (json_is_string(json_object_get(pt, "programme_end")))
		row2(b, BT("end"), json_string_value(json_object_get(pt, "programme_end")));
	sb_str(b, "</table>\n");

	/* Summary: the line exactly as payroll gets it. */
	sb_printf(b, "<h2>%s</h2><table class=\"summary\" id=\"summary\">", BT("summary"));
	if (json_is_object(line)) {
		char lab[160];

		snprintf(lab, sizeof(lab), "%s (%s)", BT("scheduled"), BT("hours"));
		row_money(b, lab, json_object_get(line, "scheduled_hours"), "", lg);
		snprintf(lab, sizeof(lab), "%s (%s)", BT("attended"), BT("hours"));
		row_money(b, lab, json_object_get(line, "attended_hours"), "", lg);
		json_object_foreach(json_object_get(line, "excused_min"), key, v)
		{
			snprintf(lab, sizeof(lab), "%s: %s (%s)", BT("valid"), cat_name(key, lg),
			         BT("hours"));
			row_money(b, lab,
			          json_object_get(json_object_get(line, "excused_hours"), key), "",
			          lg);
		}
		snprintf(lab, sizeof(lab), "%s (%s)", BT("unexcused"), BT("hours"));
		row_money(b, lab, json_object_get(line, "unexcused_hours"), "", lg);
		snprintf(lab, sizeof(lab), "%s (%s)", BT("pending"), BT("hours"));
		row_money(b, lab, json_object_get(line, "pending_hours"), "", lg);
		row_money(b, BT("hour_value"), json_object_get(line, "hour_value"), "kr", lg);
		row_money(b, BT("gross"), json_object_get(line, "gross"), "kr", lg);
		row_money(b, BT("deduction"), json_object_get(line, "deduction"), "kr", lg);
		row_money(b, BT("unpaid"), json_object_get(line, "unpaid_leave"), "kr", lg);
		row_money(b, BT("net"), json_object_get(line, "net"), "kr", lg);
	}
	sb_str(b, "</table>\n");

	/* Both tests with their numbers. */
	sb_printf(b, "<h2>%s</h2><table class=\"tests\" id=\"tests\">", BT("tests"));
	sb_str(b, "<tr><td>");
	html_esc(b, BT("deduction"));
	sb_str(b, "</td><td class=\"n\">");
	html_num(b, json_object_get(ev, "deduction"), lg);
	sb_str(b, " kr</td><td>");
	html_esc(b, BT("gross"));
	sb_str(b, " ");
	html_num(b, json_object_get(ev, "gross"), lg);
	sb_str(b, " kr</td></tr>");
	if (json_is_object(json_object_get(ev, "share_test"))) {
		const json_t *t = json_object_get(ev, "share_test");
		char text[200];

		snprintf(text, sizeof(text), BT("share_test"), str_or(json_object_get(t, "share")));
		basis_test(b, t, text, lg);
	}
	if (json_is_object(json_object_get(ev, "g_test"))) {
		const json_t *t = json_object_get(ev, "g_test");
		char text[200], g[32];

		snprintf(g, sizeof(g), "%s", str_or(json_object_get(t, "g")));
		for (char *q = g; *q; q++)
			if (*q == '.' && lg != L_EN)
				*q = ',';
		snprintf(text, sizeof(text), BT("g_test"), str_or(json_object_get(t, "fraction")),
		         g);
		basis_test(b, t, text, lg);
	}
	sb_str(b, "</table><p id=\"decision\">");
	if (!strcmp(str_or(json_object_get(ev, "rule")), "every_deduction")) {
		html_esc(b, BT("every"));
		sb_str(b, " ");
	}
	html_esc(b, json_is_true(json_object_get(ev, "decision_required")) ? BT("decision_yes")
	                                                                   : BT("decision_no"));
	sb_str(b, "</p>\n");

	/* Quotas before and after. */
	sb_printf(b,
	          "<h2>%s</h2><table class=\"quotas\"><thead><tr><th>%s</th><th class=\"n\">%s"
	          "</th><th class=\"n\">%s</th><th class=\"n\">%s</th></tr></thead>",
	          BT("quotas"), BT("quota"), BT("before"), BT("after"), BT("limit"));
	json_object_foreach((json_t *)qa, key, v)
	{
		const json_t *bq = json_object_get(qb, key);
		json_int_t lim = json_integer_value(json_object_get(v, "limit"));

		if (!json_is_object(v))
			continue;
		sb_str(b, "<tr><td>");
		html_esc(b, BT(key));
		sb_printf(b,
		          "</td><td class=\"n\">%lld</td><td class=\"n\">%lld</td><td class=\"n\">",
		          (long long)json_integer_value(json_object_get(bq, "used")),
		          (long long)json_integer_value(json_object_get(v, "used")));
		if (json_is_integer(json_object_get(v, "limit")) && lim >= 0)
			sb_printf(b, "%lld", (long long)lim);
		else
			sb_str(b, "–");
		sb_str(b, "</td></tr>");
	}
	sb_str(b, "</table>\n");

	/* Day by day. */
	sb_printf(b,
	          "<h2>%s</h2><table class=\"days\" id=\"days\"><thead><tr><th>%s</th><th>%s</th>"
	          "<th>%s</th><th>%s</th><th>%s</th><th class=\"n\">%s</th><th class=\"n\">%s"
	          "</th><th>%s</th><th class=\"n\">%s</th><th class=\"n\">%s</th><th>%s</th>"
	          "<th class=\"n\">%s</th><th class=\"n\">%s</th></tr></thead><tbody>",
	          BT("days"), BT("date"), BT("state"), BT("sessions"), BT("taps"),
	          BT("registrations"), BT("d_sched"), BT("d_att"), BT("d_valid"), BT("d_unexc"),
	          BT("d_pend"), BT("rule"), BT("d_hv"), BT("d_amount"));
	json_array_foreach(json_object_get(basis, "days"), i, d)
	{
		const json_t *x;
		size_t k;
		int any = 0;

		if (json_integer_value(json_object_get(d, "scheduled_min")) == 0 &&
		    json_array_size(json_object_get(d, "taps")) == 0 &&
		    json_array_size(json_object_get(d, "registrations")) == 0)
			continue;
		sb_str(b, "<tr data-date=\"");
		html_esc(b, str_or(json_object_get(d, "date")));
		sb_str(b, "\"><td class=\"date\">");
		html_esc(b, str_or(json_object_get(d, "date")));
		sb_str(b, "</td><td>");
		html_esc(b, BT(json_string_value(json_object_get(d, "state"))
		                   ? json_string_value(json_object_get(d, "state"))
		                   : "final"));
		sb_str(b, "</td><td>");
		json_array_foreach(json_object_get(d, "sessions"), k, x)
		{
			sb_str(b, k ? "<br>" : "");
			html_esc(b, str_or(json_object_get(x, "start")));
			sb_str(b, "–");
			html_esc(b, str_or(json_object_get(x, "end")));
			if (json_is_true(json_object_get(x, "off_site")))
				sb_printf(b, " (%s)", BT("off_site"));
		}
		sb_str(b, "</td><td>");
		json_array_foreach(json_object_get(d, "taps"), k, x)
		{
			sb_str(b, k ? "<br>" : "");
			html_esc(b, str_or(json_object_get(x, "time")));
			sb_str(b, " ");
			html_esc(b, BT(json_string_value(json_object_get(x, "direction"))));
			if (json_is_true(json_object_get(x, "corrected")))
				sb_printf(b, " (%s)", BT("corrected"));
		}
		sb_str(b, "</td><td>");
		json_array_foreach(json_object_get(d, "registrations"), k, x)
		{
			sb_str(b, k ? "<br>" : "");
			html_esc(b,
			         cat_name(json_string_value(json_object_get(x, "category")), lg));
			if (json_string_value(json_object_get(x, "documentation")) &&
			    *json_string_value(json_object_get(x, "documentation"))) {
				sb_str(b, " (");
				html_esc(b, json_string_value(json_object_get(x, "documentation")));
				sb_str(b, ")");
			}
		}
		sb_printf(b, "</td><td class=\"n\">%lld</td><td class=\"n\">%lld</td><td>",
		          (long long)json_integer_value(json_object_get(d, "scheduled_min")),
		          (long long)json_integer_value(json_object_get(d, "attended_min")));
		json_object_foreach(json_object_get(d, "excused_min"), key, v)
		{
			sb_str(b, any++ ? "<br>" : "");
			html_esc(b, cat_name(key, lg));
			sb_printf(b, " %lld", (long long)json_integer_value(v));
		}
		sb_printf(b, "</td><td class=\"n\">%lld</td><td class=\"n\">%lld</td><td>",
		          (long long)json_integer_value(json_object_get(d, "unexcused_min")),
		          (long long)json_integer_value(json_object_get(d, "pending_min")));
		json_array_foreach(json_object_get(d, "notes"), k, x)
		{
			sb_str(b, k ? "<br>" : "");
			html_esc(b, json_string_value(x));
		}
		sb_str(b, "</td><td class=\"n\">");
		if (json_is_string(json_object_get(d, "hour_value")))
			html_num(b, json_object_get(d, "hour_value"), lg);
		sb_str(b, "</td><td class=\"n\">");
		html_num(b, json_object_get(d, "deduction"), lg);
		sb_str(b, "</td></tr>\n");
	}
	sb_str(b, "</tbody></table>\n");

	if (json_array_size(json_object_get(basis, "adjustments"))) {
		sb_printf(b,
		          "<h2>%s</h2><table class=\"adjustments\"><thead><tr><th>%s</th><th>%s"
		          "</th><th class=\"n\">%s</th><th class=\"n\">%s</th></tr></thead>",
		          BT("adjustments"), BT("corrects"), BT("date"), BT("unexcused"),
		          BT("deduction"));
		json_array_foreach(json_object_get(basis, "adjustments"), i, d)
		{
			const json_t *cp = json_object_get(d, "corrects_period");

			sb_str(b, "<tr><td>");
			html_esc(b, str_or(json_object_get(cp, "from")));
			sb_str(b, " – ");
			html_esc(b, str_or(json_object_get(cp, "to")));
			sb_str(b, "</td><td>");
			html_esc(b, str_or(json_object_get(d, "corrects_date")));
			sb_printf(
			    b, "</td><td class=\"n\">%lld</td><td class=\"n\">",
			    (long long)json_integer_value(json_object_get(d, "unexcused_min")));
			html_num(b, json_object_get(d, "deduction"), lg);
			sb_str(b, "</td></tr>");
		}
		sb_str(b, "</table>\n");
	}
	sb_str(b, "<footer>");
	html_esc(b, BT("footer"));
	sb_str(b, "</footer>\n</body></html>\n");
}

/* --- whole, or through a sink --- */

char *
paydoc_csv(const json_t *doc, const struct paydoc_csv_format *f)
{
	struct sbuf b = {0};

	csv_into(&b, doc, f);
	return sb_done(&b);
}

int
paydoc_csv_to(const json_t *doc, const struct paydoc_csv_format *f, paydoc_sink_fn sink, void *arg)
{
	struct sbuf b = {.sink = sink, .arg = arg};

	csv_into(&b, doc, f);
	return sb_end(&b);
}

/* The stipend CSV from lines made without JSON (period_stipend_lines). */
static void
lines_csv_into(struct sbuf *b, const struct paydoc_lines *d, const struct paydoc_csv_format *f)
{
	struct row_words w;

	row_words(f, &w);
	csv_head(b, f);
	for (size_t i = 0; i < d->n; i++)
		csv_row(b, &d->v[i], d->preliminary, &w, f);
}

char *
paydoc_lines_csv(const struct paydoc_lines *d, const struct paydoc_csv_format *f)
{
	struct sbuf b = {0};

	lines_csv_into(&b, d, f);
	return sb_done(&b);
}

int
paydoc_lines_csv_to(const struct paydoc_lines *d, const struct paydoc_csv_format *f,
                    paydoc_sink_fn sink, void *arg)
{
	struct sbuf b = {.sink = sink, .arg = arg};

	lines_csv_into(&b, d, f);
	return sb_end(&b);
}

struct paydoc_line *
paydoc_lines_add(struct paydoc_lines *d)
{
	if (d->n == d->cap) {
		size_t c = d->cap ? d->cap * 2 : 256;
		struct paydoc_line *v = realloc(d->v, c * sizeof(*v));

		if (v == NULL)
			return NULL;
		d->v = v;
		d->cap = c;
	}
	memset(&d->v[d->n], 0, sizeof(d->v[d->n]));
	return &d->v[d->n++];
}

void
paydoc_lines_free(struct paydoc_lines *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].text);
	free(d->v);
	json_decref(d->keep);
	memset(d, 0, sizeof(*d));
}

char *
paydoc_nir_csv(const json_t *nir, const struct paydoc_csv_format *f)
{
	struct sbuf b = {0};

	nir_csv_into(&b, nir, f);
	return sb_done(&b);
}

int
paydoc_nir_csv_to(const json_t *nir, const struct paydoc_csv_format *f, paydoc_sink_fn sink,
                  void *arg)
{
	struct sbuf b = {.sink = sink, .arg = arg};

	nir_csv_into(&b, nir, f);
	return sb_end(&b);
}

char *
paydoc_basis_html(const json_t *basis, const char *lang)
{
	struct sbuf b = {0};

	basis_html_into(&b, basis, lang);
	return sb_done(&b);
}

int
paydoc_basis_html_to(const json_t *basis, const char *lang, paydoc_sink_fn sink, void *arg)
{
	struct sbuf b = {.sink = sink, .arg = arg};

	basis_html_into(&b, basis, lang);
	return sb_end(&b);
}
