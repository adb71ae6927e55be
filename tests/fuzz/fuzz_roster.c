/*
 * fuzz_roster.c — libFuzzer harness for the municipal roster parser: any bytes
 * are either a valid roster or rejected with a message naming the place.
 */
#include <stdint.h>
#include <string.h>

#include "roster.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct roster *r = NULL;
	char err[1024];

	if (roster_parse((const char *)data, size, &r, err, sizeof(err)) == 0)
		roster_free(r);
	else if (err[0] == '\0')
		__builtin_trap();
	return 0;
}
