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
};

/*
 * Parse and validate.  On error -1 and err names the place and what was
 * expected: "participants[3].cards[0]: expected a UID of 4, 7 or 10 bytes in hex".
 */
int roster_parse(const char *text, size_t len, struct roster **out, char *err, size_t errlen);
/*
 * Write it in one transaction of its own (the uploader's roster pull, which tells
 * the loop itself); participants missing from it become inactive.
 */
int roster_apply(const struct roster *r, struct store *s, const struct cardkey *key,
		 struct roster_stats *stats, char *err, size_t errlen);
/* The same inside the caller's transaction (cmd/cmd_roster_import.c). */
int roster_apply_in_txn(const struct roster *r, struct store *s, const struct cardkey *key,
			struct roster_stats *stats, char *err, size_t errlen);
void roster_free(struct roster *r);

/* Field checks shared with the CLI: 0 if valid. */
int roster_valid_date(const char *s);
int roster_parse_hhmm(const char *s, int *minutes);
int roster_valid_ext_id(const char *s);
int roster_valid_rate(const char *s);

#endif
