/*
 * fuzz_upload.c — libFuzzer harness for what the municipal system answers:
 * the per-event results of an events batch, OAuth2 token responses and
 * Retry-After headers.  Malformed answers must be refused with a reason.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "uploader_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a batch of three events the answer may talk about */
	static struct store_event evs[3] = {
	    {.seq = 1, .id = "0b6c0d2e-1111-4111-8111-111111111111", .type = "tap"},
	    {.seq = 2, .id = "0b6c0d2e-2222-4222-8222-222222222222", .type = "tap"},
	    {.seq = 3, .id = "0b6c0d2e-3333-4333-8333-333333333333", .type = "alarm"},
	};
	struct uploader_result res[3];
	char err[256], token[512], *text;
	int64_t v;
	int unknown = 0;

	err[0] = '\0';
	if (uploader_results_parse((const char *)data, size, evs, 3, res, &unknown, err,
	                           sizeof(err)) < 0 &&
	    err[0] == '\0')
		__builtin_trap();
	err[0] = '\0';
	if (uploader_token_parse((const char *)data, size, token, sizeof(token), &v, err,
	                         sizeof(err)) < 0 &&
	    err[0] == '\0')
		__builtin_trap();
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (uploader_retry_after_parse(text, 1795420800, &v) == 0 && v < 0)
		__builtin_trap(); /* a delay is never negative */
	free(text);
	return 0;
}
