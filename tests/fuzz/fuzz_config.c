/*
 * fuzz_config.c — libFuzzer harness for the config parser (inih + validation):
 * any bytes must give either a config or a one-line error, never a crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c;
	char err[1024];
	FILE *f;

	if (size == 0)
		return 0;
	f = fmemopen((void *)data, size, "r");
	if (f == NULL)
		return 0;
	config_defaults(&c);
	if (config_load_stream(&c, f, "fuzz.conf", err, sizeof(err)) < 0 && err[0] == '\0')
		__builtin_trap(); /* an error must always say what is wrong */
	fclose(f);
	return 0;
}
