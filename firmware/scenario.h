/*
 * scenario.h — the scenario JSON of RULES.md ("stempelctl rules eval"): parsed with
 * jansson into the rules engine's input structs, and the engine's output rendered
 * back as JSON (minutes as integers, money as strings with two decimals).
 */
#ifndef STEMPEL_SCENARIO_H
#define STEMPEL_SCENARIO_H

#include <jansson.h>
#include <stddef.h>

#include "rules/rules.h"

/* A parsed scenario: the engine input plus the arrays it points into. */
struct scenario {
	char regime[64];
	struct rules_input in; /* in.regime and (without "g") in.g are the caller's to set */
	bool has_g;
	size_t n_overrides; /* "regime_overrides": parameter = value, for all dates */
	char (*override_name)[64];
	char (*override_value)[64];
	struct rules_g *g;
	struct rules_template *templ;
	struct rules_exception *exceptions;
	int32_t *closures;
	struct rules_tap *taps;
	struct rules_absence *absences;
	struct rules_range *self_declared;
};

/* Parse `root` into sc.  -1 with "field.path: expected ..." in err. */
int scenario_parse(const json_t *root, struct scenario *sc, char *err, size_t errlen);
/* Apply the scenario's "regime_overrides" to (a copy of) its regime. */
int scenario_apply(const struct scenario *sc, struct rules_regime *r, char *err, size_t errlen);
/* Release what scenario_parse() allocated. */
void scenario_free(struct scenario *sc);
/* One payout as in the result JSON (month, from, to, gross, deduction, flags). */
json_t *scenario_render_payout(const struct rules_payout *p);
/* The result JSON of RULES.md; NULL when out of memory. */
json_t *scenario_render(const struct rules_regime *r, const struct rules_output *out);
/* One day of that JSON (the daemon's stored day results use the same shape). */
json_t *scenario_render_day(const struct rules_day *d);
/* The pieces, for other JSON in the same format: "YYYY-MM-DD", "1234.50" (øre),
 * and note and flag names of a day's bits. */
json_t *scenario_date_json(int32_t d);
json_t *scenario_money_json(int64_t ore);
json_t *scenario_notes_json(uint32_t notes);
json_t *scenario_flags_json(uint32_t flags);

#endif
