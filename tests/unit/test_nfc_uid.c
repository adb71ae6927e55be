/*
 * test_nfc_uid.c — UID normalisation: readers hand over raw bytes, people and
 * rosters write hex in every style; all must meet as one upper-case string of
 * 4, 7 or 10 bytes, or be refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "nfc.h"

static void
test_from_bytes(void **state)
{
	const unsigned char b[10] = {0x04, 0xa1, 0xb2, 0xc3, 0x00, 0x11, 0xff, 0x80, 0x7f, 0x09};
	char out[NFC_UID_MAX];

	assert_int_equal(nfc_uid_from_bytes(b, 4, out, sizeof(out)), 0);
	assert_string_equal(out, "04A1B2C3");
	assert_int_equal(nfc_uid_from_bytes(b, 7, out, sizeof(out)), 0);
	assert_string_equal(out, "04A1B2C30011FF");
	assert_int_equal(nfc_uid_from_bytes(b, 10, out, sizeof(out)), 0);
	assert_string_equal(out, "04A1B2C30011FF807F09");
}

static void
test_from_bytes_refuses_odd_lengths(void **state)
{
	const unsigned char b[12] = {0};
	char out[64];

	for (size_t len = 0; len <= sizeof(b); len++) {
		int want = (len == 4 || len == 7 || len == 10) ? 0 : -1;

		assert_int_equal(nfc_uid_from_bytes(b, len, out, sizeof(out)), want);
	}
	/* too small an output buffer is refused, not truncated */
	assert_int_equal(nfc_uid_from_bytes(b, 4, out, 8), -1);
	assert_int_equal(nfc_uid_from_bytes(b, 4, out, 9), 0);
}

static void
test_normalize_styles(void **state)
{
	static const char *const same[] = {
	    "04A1B2C3", "04a1b2c3", "04:a1:b2:c3", "04-A1-B2-C3", "04 a1 B2 c3", " 04a1b2c3 ",
	};
	char out[NFC_UID_MAX];

	for (size_t i = 0; i < sizeof(same) / sizeof(*same); i++) {
		assert_int_equal(nfc_uid_normalize(same[i], out, sizeof(out)), 0);
		assert_string_equal(out, "04A1B2C3");
	}
	assert_int_equal(nfc_uid_normalize("04:11:22:33:44:55:66", out, sizeof(out)), 0);
	assert_string_equal(out, "04112233445566");
	assert_int_equal(nfc_uid_normalize("0011223344556677889a", out, sizeof(out)), 0);
	assert_string_equal(out, "0011223344556677889A");
}

static void
test_normalize_refuses(void **state)
{
	static const char *const bad[] = {
	    "",
	    "04A1B2",
	    "04A1B2C",
	    "04A1B2C3D4",
	    "0:4A1B2C3",
	    "04A1B2C3zz",
	    "0x04A1B2C3",
	    "04A1B2C30011223344556677",
	    "\xc3\xa5"
	    "4A1B2C3",
	};
	char out[NFC_UID_MAX];

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_int_equal(nfc_uid_normalize(bad[i], out, sizeof(out)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_from_bytes),
	    cmocka_unit_test(test_from_bytes_refuses_odd_lengths),
	    cmocka_unit_test(test_normalize_styles),
	    cmocka_unit_test(test_normalize_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
