/*
 * test_nfc_track.c — the tap state machine: a held card is one tap, removal
 * needs removal_polls empty polls in a row, a new UID is a new tap.  Besides the
 * named cases, every poll sequence up to length 8 over {empty, A, B} is checked
 * against a reference written independently from the history.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "nfc_track.h"

#define A "04A1B2C3"
#define B "04112233445566"

static void
test_held_card_is_one_tap(void **state)
{
	struct nfc_track t;

	nfc_track_init(&t, 3);
	assert_int_equal(nfc_track_poll(&t, NULL), NFC_TRACK_NONE);
	assert_int_equal(nfc_track_poll(&t, A), NFC_TRACK_TAP);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(nfc_track_poll(&t, A), NFC_TRACK_NONE);
	assert_string_equal(t.uid, A);
}

static void
test_short_gaps_do_not_end_a_tap(void **state)
{
	struct nfc_track t;

	nfc_track_init(&t, 3);
	assert_int_equal(nfc_track_poll(&t, A), NFC_TRACK_TAP);
	assert_int_equal(nfc_track_poll(&t, NULL), NFC_TRACK_NONE);
	assert_int_equal(nfc_track_poll(&t, ""), NFC_TRACK_NONE);
	assert_int_equal(nfc_track_poll(&t, A), NFC_TRACK_NONE); /* card at the edge */
	assert_int_equal(nfc_track_poll(&t, NULL), NFC_TRACK_NONE);
	assert_int_equal(nfc_track_poll(&t, NULL), NFC_TRACK_NONE);
	assert_int_equal(nfc_track_poll(&t, NULL), NFC_TRACK_REMOVED);
	assert_int_equal(nfc_track_poll(&t, NULL), NFC_TRACK_NONE);
	assert_string_equal(t.uid, "");
	assert_int_equal(nfc_track_poll(&t, A), NFC_TRACK_TAP);
}

static void
test_new_uid_is_a_new_tap(void **state)
{
	struct nfc_track t;

	nfc_track_init(&t, 5);
	assert_int_equal(nfc_track_poll(&t, A), NFC_TRACK_TAP);
	assert_int_equal(nfc_track_poll(&t, B), NFC_TRACK_TAP);
	assert_int_equal(nfc_track_poll(&t, B), NFC_TRACK_NONE);
	assert_int_equal(nfc_track_poll(&t, A), NFC_TRACK_TAP);
}

static void
test_removal_polls_zero_means_one(void **state)
{
	struct nfc_track t;

	nfc_track_init(&t, 0);
	assert_int_equal(nfc_track_poll(&t, A), NFC_TRACK_TAP);
	assert_int_equal(nfc_track_poll(&t, NULL), NFC_TRACK_REMOVED);
	assert_int_equal(nfc_track_poll(&t, A), NFC_TRACK_TAP);
}

/* The reference: decide poll i from the whole history, not from a state. */
static enum nfc_track_event
reference(const int *seq, int i, unsigned removal)
{
	int j = i - 1;

	if (removal == 0)
		removal = 1;
	while (j >= 0 && seq[j] == 0)
		j--;
	if (seq[i] == 0)
		return (j >= 0 && (unsigned)(i - j) == removal) ? NFC_TRACK_REMOVED
		                                                : NFC_TRACK_NONE;
	if (j < 0 || seq[j] != seq[i] || (unsigned)(i - j - 1) >= removal)
		return NFC_TRACK_TAP;
	return NFC_TRACK_NONE;
}

static void
test_every_short_sequence(void **state)
{
	static const char *const uids[] = {NULL, A, B};
	enum { LEN = 8 };
	int seq[LEN];
	long checked = 0;

	for (unsigned removal = 0; removal <= 4; removal++) {
		for (int code = 0; code < 6561; code++) { /* 3^8 */
			struct nfc_track t;
			int c = code;

			for (int i = 0; i < LEN; i++, c /= 3)
				seq[i] = c % 3;
			nfc_track_init(&t, removal);
			for (int i = 0; i < LEN; i++) {
				enum nfc_track_event got = nfc_track_poll(&t, uids[seq[i]]);

				if (got != reference(seq, i, removal))
					fail_msg(
					    "removal_polls %u, code %d, poll %d: got %d, want %d",
					    removal, code, i, got, reference(seq, i, removal));
				checked++;
			}
		}
	}
	assert_int_equal(checked, 5L * 6561 * LEN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_held_card_is_one_tap),
	    cmocka_unit_test(test_short_gaps_do_not_end_a_tap),
	    cmocka_unit_test(test_new_uid_is_a_new_tap),
	    cmocka_unit_test(test_removal_polls_zero_means_one),
	    cmocka_unit_test(test_every_short_sequence),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
