/*
 * fuzz_regime.c — libFuzzer harness for regime files (board/regimes/NAME.ini):
 * any bytes are a checked regime or a "file:line: [section] key: expected" error.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "regime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rules_regime *r = malloc(sizeof(*r));
	char *text = malloc(size + 1), err[512];

	if (r == NULL || text == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	err[0] = '\0';
	if (regime_load_string(text, "fuzz.ini", r, err, sizeof(err)) < 0 && err[0] == '\0')
		__builtin_trap();
	free(text);
	free(r);
	return 0;
}
