/*
 * fuzz_paydoc.c — libFuzzer harness for the payroll API's close body
 * (period_close_body: JSON, the reason's UTF-8 and length) and for the documents
 * made from JSON (paydoc_csv, paydoc_nir_csv, paydoc_basis_html): any bytes are
 * refused with a message or give a document, never read out of bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "paydoc.h"
#include "period.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char reason[PERIOD_REASON_MAX * 4 + 1], err[512];
	struct paydoc_csv_format f = {.sep = ';', .mark = ',', .lang = "nb", .bom = true};
	json_t *doc;

	err[0] = '\0';
	if (period_close_body((const char *)data, size, reason, sizeof(reason), err, sizeof(err)) <
	        0 &&
	    err[0] == '\0')
		__builtin_trap(); /* a refusal always says why */
	if ((doc = json_loadb((const char *)data, size, 0, NULL)) != NULL) {
		char *a = paydoc_csv(doc, &f), *b = paydoc_nir_csv(doc, &f);
		char *c = paydoc_basis_html(doc, size % 3 == 0   ? "en"
		                                 : size % 3 == 1 ? "nn"
		                                                 : "nb");

		free(a);
		free(b);
		free(c);
		json_decref(doc);
	}
	return 0;
}
