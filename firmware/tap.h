/*
 * tap.h — the tap pipeline: UID -> card -> participant -> debounce -> direction
 * -> durable record -> answer.  tap_handle() is the whole hot path; the caller
 * shows the answer (screen, LED, buzzer) only after it returns.
 */
#ifndef STEMPEL_TAP_H
#define STEMPEL_TAP_H

#include <stdint.h>

#include "cardkey.h"

struct store;
struct config;
struct tap_ctx;

enum tap_outcome {
	TAP_ACCEPTED_IN,
	TAP_ACCEPTED_OUT,
	TAP_ALREADY_REGISTERED, /* already in (since `since`): in_only's session tap, or
	                         * in_out's tap within min_presence_min of the check-in */
	TAP_UNKNOWN_CARD,
	TAP_REVOKED_CARD,
	TAP_NOT_SCHEDULED, /* recorded, but no session today */
	TAP_STORAGE_ERROR, /* NOT recorded: tell a teacher */
	TAP_NOUTCOMES
};

struct tap_answer {
	enum tap_outcome outcome;
	int repeat;           /* same card again within debounce_s: same answer, no record */
	char event_id[40];    /* the tap's UUID ("" on storage error) */
	char participant[40]; /* external id, "" for unknown cards */
	char name[128];
	char language[16];
	char direction[8]; /* in | out | none */
	char card_key[CARDKEY_MAX];
	int64_t wall_ms;
	char local_time[6]; /* HH:MM in the centre's zone */
	char since[6];      /* already_registered: HH:MM of the check-in */
	int early;          /* accepted_out while a session is running */
	char until[6];      /* early: HH:MM the running session ends */
	char clock[12];     /* synced | unsynced | jumped */
};

/* The pipeline borrows store, key and config; they must outlive it. */
struct tap_ctx *tap_new(struct store *st, const struct cardkey *key, const struct config *cfg);
void tap_free(struct tap_ctx *t);
/*
 * Whether `date` (YYYY-MM-DD) is a public holiday in the calendar of `regime` (the
 * participant's; "" is the kiosk's): 1 yes, 0 no.  Unset (tests), none is.
 */
typedef int (*tap_holiday_fn)(void *arg, const char *regime, const char *date);
void tap_on_holiday(struct tap_ctx *t, tap_holiday_fn fn, void *arg);
/* Handle one UID (normalised hex).  Always fills `ans`; 0, or -1 on storage error. */
int tap_handle(struct tap_ctx *t, const char *uid, struct tap_answer *ans);
const char *tap_outcome_name(enum tap_outcome o);
/* Parse a name back ("accepted_in"); -1 if unknown. */
int tap_outcome_parse(const char *name);

#endif
