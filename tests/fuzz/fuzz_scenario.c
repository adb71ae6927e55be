/*
 * fuzz_scenario.c — libFuzzer harness for the scenario JSON of `stempelctl
 * rules eval`: parse, apply to a fixed regime and compute.  Malformed input
 * must be refused with a message; valid input must compute or say why not.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "regime.h"
#include "rules/rules.h"
#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct rules_regime *regime;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scenario sc;
	struct rules_output out;
	char err[512];
	json_t *root, *res;

	if (regime == NULL) {
		const char *dir =
		    getenv("STEMPEL_REGIME_DIR") ? getenv("STEMPEL_REGIME_DIR") : "board/regimes";

		regime = calloc(1, sizeof(*regime));
		if (regime == NULL ||
		    regime_load(dir, "no-integreringsloven", regime, err, sizeof(err)) < 0)
			abort(); /* run from the repository root */
	}
	root = json_loadb((const char *)data, size, 0, NULL);
	if (root == NULL)
		return 0;
	memset(&sc, 0, sizeof(sc));
	memset(&out, 0, sizeof(out));
	err[0] = '\0';
	if (scenario_parse(root, &sc, err, sizeof(err)) == 0) {
		struct rules_regime *r = malloc(sizeof(*r));

		if (r == NULL)
			abort();
		*r = *regime;
		if (scenario_apply(&sc, r, err, sizeof(err)) == 0) {
			sc.in.regime = r;
			if (!sc.has_g) {
				sc.in.g = r->g;
				sc.in.n_g = r->n_g;
			}
			if (rules_compute(&sc.in, &out, err, sizeof(err)) == 0) {
				res = scenario_render(r, &out);
				json_decref(res);
			} else if (err[0] == '\0') {
				__builtin_trap();
			}
			rules_output_free(&out);
		}
		free(r);
	} else if (err[0] == '\0') {
		__builtin_trap();
	}
	scenario_free(&sc);
	json_decref(root);
	return 0;
}
