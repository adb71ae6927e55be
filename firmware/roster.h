/*
 * roster.h — the roster from the municipal system (PROTOCOL.md §1): participants,
 * cards, schedules, absences, G values and closure days, as one JSON document.
 * It is validated whole before anything is written, and applied in one
 * transaction: a bad roster changes nothing.  Card UIDs are keyed on arrival.
 */
#ifndef STEMPEL_ROSTER_H
#define STEMPEL_ROSTER_H

#include <stddef.h>

struct store;
struct cardkey;
struct roster;

struct roster_stats {
	int participants;
	int cards;
	int absences;
	int g_values;
	int closures;
	int deactivated;
	int unchanged;          /* the roster in force, imported again: nothing written */
	int card_conflicts;     /* cards changed on the kiosk that a newer roster contradicts */
	int cards_acknowledged; /* cards changed on the kiosk that the roster now agrees with */
};

/*
 * Parse and validate.  On error -1 and err names the place and what was
 * expected: "participants[3].cards[0]: expected a UID of 4, 7 or 10 bytes in hex".
 */
int roster_parse(const char *text, size_t len, struct roster **out, char *err, size_t errlen);
/*
 * References outside the roster: every participant's regime (default
 * no-integreringsloven) is a regime file in regime_dir that loads.  -1 with the
 * path of the first bad field: "participants[3].regime: \"x\" is not a regime ...".
 */
int roster_check_refs(const struct roster *r, const char *regime_dir, char *err, size_t errlen);
/* A roster file's whole text, NUL-terminated (malloc'd, length in *len); NULL with err. */
char *roster_read_file(const char *path, size_t *len, char *err, size_t errlen);
/* Hex SHA-256 of the roster's text. */
const char *roster_hash(const struct roster *r);
void roster_text_hash(const char *text, size_t len, char out[65]);
/* 1 if `hash` is the roster in force's. */
int roster_hash_in_force(const char *hash, struct store *s);
/* How many participants it has. */
size_t roster_participants(const struct roster *r);
/* 1 if it is the roster in force (the last one applied whole): importing it writes nothing. */
int roster_in_force(const struct roster *r, struct store *s);
/* All of it inside the caller's transaction (cmd/cmd_roster_import.c). */
int roster_apply_in_txn(const struct roster *r, struct store *s, const struct cardkey *key,
                        struct roster_stats *stats, char *err, size_t errlen);
void roster_free(struct roster *r);

/*
 * In short steps, each its own transaction of about 15 ms, for the daemon's loop
 * (one step per turn): participants missing from it become inactive, cards follow
 * the ownership rule (uploader/README.md), the roster in force again writes nothing.
 */
struct roster_job;
int roster_job_new(const struct roster *r, struct store *s, const struct cardkey *key,
                   struct roster_job **out, char *err, size_t errlen);
/* One step: 1 more to do, 0 done, -1 failed (err). */
int roster_job_step(struct roster_job *j, char *err, size_t errlen);
const struct roster_stats *roster_job_stats(const struct roster_job *j);
void roster_job_free(struct roster_job *j);

/* Field checks shared with the CLI: 0 if valid. */
int roster_valid_date(const char *s);
int roster_parse_hhmm(const char *s, int *minutes);
int roster_valid_ext_id(const char *s);
int roster_valid_rate(const char *s);

#endif
