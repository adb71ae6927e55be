/*
 * fuzz_form.c — libFuzzer harness for the board's form and cookie parsing
 * (application/x-www-form-urlencoded bodies and query strings, Cookie headers):
 * any bytes are parsed within the limits or refused, never read out of bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "web/form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct form f;
	char *text, out[256];

	if (form_parse(&f, (const char *)data, size) == 0) {
		for (size_t i = 0; i < f.n; i++)
			if (form_get(&f, f.f[i].name) == NULL)
				__builtin_trap(); /* every parsed name can be found */
		form_free(&f);
	}
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	auth_cookie_get(text, "stempel_session", out, sizeof(out));
	form_decode(text, size, out, sizeof(out));
	free(text);
	return 0;
}
