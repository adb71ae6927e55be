/*
 * fuzz_uid.c — libFuzzer harness for UID normalisation, which takes every line
 * of the simulated reader's socket and every UID typed into stempelctl.
 */
#include <stdint.h>
#include <string.h>

#include "nfc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[256], out[NFC_UID_MAX], again[NFC_UID_MAX];

	if (size >= sizeof(in))
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	if (nfc_uid_normalize(in, out, sizeof(out)) == 0) {
		size_t n = strlen(out);

		/* a normalised UID is 8, 14 or 20 upper-case hex digits and a fixed point */
		if ((n != 8 && n != 14 && n != 20) ||
		    nfc_uid_normalize(out, again, sizeof(again)) || strcmp(out, again))
			__builtin_trap();
	}
	return 0;
}
