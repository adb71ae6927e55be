/*
 * test_paydoc_stream.c — a streamed payroll document is the whole document, byte for
 * byte: the CSV, the NIR CSV and the basis page of many generated documents (odd
 * names, long lists) made whole and through a sink are compared, the pieces stay
 * small, and a sink that refuses stops the rendering.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "paydoc.h"

/* What a sink got: the bytes, how many pieces, the largest piece; refuse after `stop`. */
struct got {
	char *s;
	size_t n, cap, pieces, largest, stop;
};

static int
collect(void *arg, const char *data, size_t len)
{
	struct got *g = arg;

	if (g->stop && g->pieces >= g->stop)
		return -1;
	if (g->n + len + 1 > g->cap) {
		g->cap = (g->n + len + 1) * 2;
		g->s = realloc(g->s, g->cap);
		assert_non_null(g->s);
	}
	memcpy(g->s + g->n, data, len);
	g->n += len;
	g->s[g->n] = '\0';
	g->pieces++;
	if (len > g->largest)
		g->largest = len;
	return 0;
}

static unsigned rng = 12345;

static unsigned
rnd(unsigned n)
{
	rng = rng * 1103515245u + 12345u;
	return (rng >> 8) % n;
}

/* A name a spreadsheet or a browser could trip on, now and then. */
static void
name(char *out, size_t len)
{
	static const char *const parts[] = {"Ola",  "Kari",   "\"Q\"", "=SUM(A1)", "a;b", "c,d",
	                                    "<b>&", "Øyvind", "\r\nx", "'",        "+47", "Ærlig"};
	size_t k = 0;

	out[0] = '\0';
	for (unsigned i = 0, n = 1 + rnd(4); i < n && k + 20 < len; i++)
		k += (size_t)snprintf(out + k, len - k, "%s%s", i ? " " : "", parts[rnd(12)]);
}

static json_t *
money(void)
{
	char b[32];

	snprintf(b, sizeof(b), "%s%u.%02u", rnd(5) ? "" : "-", rnd(30000), rnd(100));
	return json_string(b);
}

static json_t *
stipend_doc(unsigned lines)
{
	json_t *arr = json_array();

	for (unsigned i = 0; i < lines; i++) {
		char nm[128], pid[16];

		name(nm, sizeof(nm));
		snprintf(pid, sizeof(pid), "P-%u", i);
		json_array_append_new(
		    arr, json_pack(
		             "{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:{s:o, s:o}, s:o, s:o, s:o,"
		             " s:o, s:o, s:o, s:b, s:b, s:b, s:s, s:s, s:b}",
		             "kind", rnd(4) ? "line" : "adjustment", "period_from", "2026-02-01",
		             "period_to", "2026-02-28", "participant", pid, "name", nm,
		             "scheduled_hours", money(), "attended_hours", money(), "excused_hours",
		             "sick_doctor", money(), "child_sick", money(), "unexcused_hours",
		             money(), "hour_value", money(), "gross", money(), "deduction", money(),
		             "net", money(), "unpaid_leave", money(), "decision_required", rnd(2),
		             "needs_assessment", rnd(2), "past_deadline", rnd(2), "pay_code",
		             rnd(3) ? "INTRO" : "=1", "currency", "NOK", "preliminary", rnd(2)));
	}
	return json_pack("{s:{s:i, s:s, s:s}, s:b, s:o}", "period", "id", 1, "from", "2026-02-01",
	                 "to", "2026-02-28", "preliminary", rnd(2), "lines", arr);
}

static json_t *
nir_doc(unsigned n)
{
	json_t *arr = json_array();

	for (unsigned i = 0; i < n; i++) {
		char nm[128], pid[16];

		name(nm, sizeof(nm));
		snprintf(pid, sizeof(pid), "P-%u", i);
		json_array_append_new(
		    arr,
		    json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:i, s:i, s:b}",
		              "participant", pid, "name", nm, "period_from", "2026-02-01",
		              "period_to", "2026-02-28", "scheduled_hours", money(),
		              "attended_hours", money(), "valid_absence_hours", money(),
		              "valid_absence_share", money(), "invalid_absence_hours", money(),
		              "invalid_absence_share", money(), "leave_calendar_days", (int)rnd(20),
		              "leave_working_days", (int)rnd(15), "preliminary", rnd(2)));
	}
	return json_pack("{s:b, s:o}", "preliminary", rnd(2), "participants", arr);
}

static json_t *
basis_doc(unsigned days)
{
	json_t *arr = json_array();
	char nm[128];

	for (unsigned i = 0; i < days; i++) {
		char date[16], nb[128];
		json_t *taps = json_array();

		for (unsigned k = rnd(5); k > 0; k--)
			json_array_append_new(taps, json_pack("{s:s, s:s, s:b}", "time",
			                                      "08:0"
			                                      "1",
			                                      "direction", rnd(2) ? "in" : "out",
			                                      "corrected", rnd(2)));
		snprintf(date, sizeof(date), "2026-02-%02u", 1 + i % 28);
		name(nb, sizeof(nb));
		json_array_append_new(
		    arr, json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:s, s:o, s:o, s:o, s:[s]}",
		                   "date", date, "scheduled_min", (int)rnd(480), "attended_min",
		                   (int)rnd(480), "excused_min", (int)rnd(60), "unexcused_min",
		                   (int)rnd(60), "pending_min", (int)rnd(30), "state",
		                   rnd(2) ? "final" : "open", "taps", taps, "hour_value", money(),
		                   "deduction", money(), "notes", nb));
	}
	name(nm, sizeof(nm));
	return json_pack("{s:{s:s, s:s, s:s, s:s, s:s, s:o}, s:{s:s, s:s}, s:s,"
	                 " s:{s:o, s:o, s:o, s:o}, s:{s:b, s:o, s:o}, s:o}",
	                 "participant", "id", "P-1", "name", nm, "regime", "intro",
	                 "programme_start", "2026-01-05", "programme_end", "2027-01-04", "rate",
	                 money(), "period", "from", "2026-02-01", "to", "2026-02-28", "status",
	                 rnd(2) ? "preliminary" : "final", "line", "gross", money(), "deduction",
	                 money(), "net", money(), "hour_value", money(), "enkeltvedtak",
	                 "decision_required", rnd(2), "gross", money(), "deduction", money(),
	                 "days", arr);
}

/* Whole and streamed, the same bytes; pieces bounded; -1 from the sink stops it. */
static void
check(const char *whole, int (*to)(const json_t *, const void *, paydoc_sink_fn, void *),
      const json_t *doc, const void *opt)
{
	struct got g = {0}, stop = {.stop = 2};

	assert_non_null(whole);
	assert_int_equal(to(doc, opt, collect, &g), 0);
	assert_int_equal(g.n, strlen(whole));
	if (g.n)
		assert_memory_equal(g.s, whole, g.n);
	/* Never the whole of a large document at once: pieces of about 16 KiB. */
	assert_true(g.largest <= 16 * 1024 + 4096);
	if (strlen(whole) > 64 * 1024) {
		assert_true(g.pieces >= strlen(whole) / (20 * 1024));
		assert_int_equal(to(doc, opt, collect, &stop), -1);
		assert_int_equal(stop.pieces, 2);
	}
	free(g.s);
	free(stop.s);
}

static int
csv_to(const json_t *doc, const void *f, paydoc_sink_fn sink, void *arg)
{
	return paydoc_csv_to(doc, f, sink, arg);
}

static int
nir_to(const json_t *doc, const void *f, paydoc_sink_fn sink, void *arg)
{
	return paydoc_nir_csv_to(doc, f, sink, arg);
}

static int
basis_to(const json_t *doc, const void *lang, paydoc_sink_fn sink, void *arg)
{
	return paydoc_basis_html_to(doc, lang, sink, arg);
}

static void
test_csv_streamed(void **state)
{
	static const struct paydoc_csv_format fmts[] = {
	    {';', ',', "nb", true}, {',', '.', "en", false}, {';', ',', "nn", false}};

	(void)state;
	for (int i = 0; i < 60; i++) {
		json_t *doc = stipend_doc(i < 50 ? rnd(40) : 1500 + rnd(1000));
		const struct paydoc_csv_format *f = &fmts[rnd(3)];
		char *whole = paydoc_csv(doc, f);

		check(whole, csv_to, doc, f);
		free(whole);
		json_decref(doc);
	}
}

static void
test_nir_streamed(void **state)
{
	struct paydoc_csv_format f = {';', ',', "nb", true};

	(void)state;
	for (int i = 0; i < 40; i++) {
		json_t *doc = nir_doc(i < 30 ? rnd(30) : 2000 + rnd(1000));
		char *whole = paydoc_nir_csv(doc, &f);

		check(whole, nir_to, doc, &f);
		free(whole);
		json_decref(doc);
	}
}

static void
test_basis_streamed(void **state)
{
	static const char *const langs[] = {"nb", "nn", "en"};

	(void)state;
	for (int i = 0; i < 40; i++) {
		json_t *doc = basis_doc(i < 30 ? rnd(31) : 400 + rnd(400));
		const char *lang = langs[rnd(3)];
		char *whole = paydoc_basis_html(doc, lang);

		check(whole, basis_to, doc, lang);
		free(whole);
		json_decref(doc);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_csv_streamed),
	    cmocka_unit_test(test_nir_streamed),
	    cmocka_unit_test(test_basis_streamed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
