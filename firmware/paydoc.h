/*
 * paydoc.h — the payroll documents made from a period's stipend document
 * (period_stipend): the CSV for people and spreadsheets, the basis for a formal
 * decision (enkeltvedtak) per participant in HTML and JSON, and the NIR summary.
 * Pure formatting: nothing here reads the database or the clock.
 */
#ifndef STEMPEL_PAYDOC_H
#define STEMPEL_PAYDOC_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "rules/rules.h"

struct config;

struct paydoc_csv_format {
	char sep;         /* field separator */
	char mark;        /* decimal mark */
	const char *lang; /* nb | nn | en: headers, booleans, kinds and states */
	bool bom;         /* start with a UTF-8 byte-order mark */
};

/* [payroll] csv_separator, decimal_mark, language and csv_bom (auto: BOM when ';'). */
void paydoc_csv_format(const struct config *cfg, struct paydoc_csv_format *f);
/*
 * The stipend document as CSV: RFC 4180 with CRLF, headers in the language with
 * their units, a net column, booleans as words of that language, and every text
 * cell that starts with = + - @ tab or CR neutralised as OWASP advises (a leading
 * apostrophe, the cell quoted).  malloc'd; NULL out of memory.
 */
char *paydoc_csv(const json_t *doc, const struct paydoc_csv_format *f);

/*
 * The NIR summary of a stipend document: per participant line, scheduled and
 * attended hours, valid and invalid absence in hours and as a share of scheduled,
 * unpaid leave in calendar and in working days.  `days` maps each participant's
 * external id to the days of the period (attendance_days_json "days").
 */
json_t *paydoc_nir(const json_t *doc, const json_t *days);
/* The NIR summary as CSV (same format rules as paydoc_csv). */
char *paydoc_nir_csv(const json_t *nir, const struct paydoc_csv_format *f);

/*
 * The basis for a decision (JSON `basis`, see kiosk-api.yaml) as a printable A4
 * HTML page in `lang` (nb | nn | en).  malloc'd; NULL out of memory.
 */
char *paydoc_basis_html(const json_t *basis, const char *lang);
/* The Content-Security-Policy the page is served with: its inline style, nothing else. */
/*
 * The same documents, byte for byte, handed to `sink` in pieces as they are made
 * (a streamed answer): the whole never lies in memory.  0, or -1 when out of memory
 * or the sink said -1 (the rest is not made).
 */
typedef int (*paydoc_sink_fn)(void *arg, const char *data, size_t len);
int paydoc_csv_to(const json_t *doc, const struct paydoc_csv_format *f, paydoc_sink_fn sink,
                  void *arg);
int paydoc_nir_csv_to(const json_t *nir, const struct paydoc_csv_format *f, paydoc_sink_fn sink,
                      void *arg);
int paydoc_basis_html_to(const json_t *basis, const char *lang, paydoc_sink_fn sink, void *arg);

/*
 * The stipend CSV from its lines without the JSON document: the bytes paydoc_csv
 * makes of the same document (test_month_bulk, test_period compare both).  A cell is
 * what the line's JSON holds: a string, a boolean, neither, or an amount in øre
 * (the decimal line_json would have printed with rules_ore_format).
 */
enum paydoc_cell_type { PAYDOC_CELL_NONE, PAYDOC_CELL_STR, PAYDOC_CELL_BOOL, PAYDOC_CELL_ORE };
struct paydoc_cell {
	enum paydoc_cell_type type;
	const char *s; /* STR: not owned (the line's text, the document's keep, config) */
	bool b;        /* BOOL */
	int64_t ore;   /* ORE: øre or centi-hours */
};
/* The CSV's columns in order; "status" and the excused group have no cell. */
#define PAYDOC_STIPEND_COLS 24
struct paydoc_line {
	bool preliminary;
	struct paydoc_cell cell[PAYDOC_STIPEND_COLS]; /* by column (paydoc.c stipend_cols) */
	struct paydoc_cell excused[RULES_CAT_UNEXCUSED];
	char *text; /* malloc'd strings the cells point into, or NULL */
};
/* The column numbers period.c fills. */
enum paydoc_col {
	PAYDOC_KIND = 1,
	PAYDOC_PERIOD_FROM,
	PAYDOC_PERIOD_TO,
	PAYDOC_PARTICIPANT,
	PAYDOC_NAME,
	PAYDOC_SCHEDULED_HOURS,
	PAYDOC_ATTENDED_HOURS,
	PAYDOC_PENDING_HOURS,
	PAYDOC_EXCUSED_HOURS, /* no cell: excused[] */
	PAYDOC_UNEXCUSED_HOURS,
	PAYDOC_HOUR_VALUE,
	PAYDOC_GROSS,
	PAYDOC_DEDUCTION,
	PAYDOC_UNPAID_LEAVE,
	PAYDOC_NET,
	PAYDOC_DECISION_REQUIRED,
	PAYDOC_NEEDS_ASSESSMENT,
	PAYDOC_PAST_DEADLINE,
	PAYDOC_PAY_CODE,
	PAYDOC_CURRENCY,
	PAYDOC_CORRECTS_PERIOD_FROM,
	PAYDOC_CORRECTS_PERIOD_TO,
	PAYDOC_CORRECTS_DATE,
};
struct paydoc_lines {
	bool preliminary; /* the document's */
	char from[11], to[11];
	struct paydoc_line *v;
	size_t n, cap;
	json_t *keep; /* stored lines' JSON, which STR cells point into */
};
/* A line stored as JSON (a closed period's, an adjustment) as cells pointing into it. */
void paydoc_line_of_json(const json_t *line, struct paydoc_line *out);
/* One more zeroed line at the end; NULL out of memory. */
struct paydoc_line *paydoc_lines_add(struct paydoc_lines *d);
void paydoc_lines_free(struct paydoc_lines *d);
char *paydoc_lines_csv(const struct paydoc_lines *d, const struct paydoc_csv_format *f);
int paydoc_lines_csv_to(const struct paydoc_lines *d, const struct paydoc_csv_format *f,
                        paydoc_sink_fn sink, void *arg);

#define PAYDOC_HTML_CSP                                                                            \
	"default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none';"      \
	" frame-ancestors 'none'"

#endif
