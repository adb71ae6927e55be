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

#define PAYDOC_HTML_CSP                                                                            \
	"default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none';"      \
	" frame-ancestors 'none'"

#endif
