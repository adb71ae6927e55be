/*
 * ctl_rules.c — `stempelctl rules eval FILE.json|-`: one scenario of RULES.md through
 * the rules engine, with no database and no daemon.  The result JSON goes to stdout
 * (exit 0); a scenario that cannot be computed (malformed, unknown regime, G unknown
 * for a date it needs) gets one clear line on stderr and exit 2.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ctl/ctl.h"
#include "regime.h"
#include "rules/rules.h"
#include "scenario.h"

static int
usage(void)
{
	fprintf(stderr, "usage: stempelctl rules eval FILE.json   (or - for stdin)\n");
	return 2;
}

static json_t *
load_json(const char *path, const char *label, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root =
	    strcmp(path, "-") == 0 ? json_loadf(stdin, 0, &je) : json_load_file(path, 0, &je);
	if (!root) {
		if (je.line > 0)
			snprintf(err, errlen, "%s:%d:%d: %s", label, je.line, je.column, je.text);
		else
			snprintf(err, errlen, "%s: %s", label, je.text);
	}
	return root;
}

/* Parse, load the regime, compute and print; 0 or 2 with a message in err. */
static int
eval(const char *path, const struct config *cfg, char *err, size_t errlen)
{
	char dir[1024], msg[512];
	struct scenario sc;
	struct rules_output out;
	struct rules_regime *regime = NULL;
	const char *label = strcmp(path, "-") == 0 ? "<stdin>" : path;
	json_t *root = load_json(path, label, err, errlen), *res = NULL;
	int rc = 2;
	memset(&sc, 0, sizeof sc);
	memset(&out, 0, sizeof out);
	if (!root)
		return 2;
	if (scenario_parse(root, &sc, msg, sizeof msg) < 0) {
		snprintf(err, errlen, "%s: %s", label, msg);
		goto done;
	}
	regime = malloc(sizeof *regime);
	if (!regime || config_regime_dir(cfg, dir, sizeof dir) < 0) {
		snprintf(err, errlen, "%s",
		         regime ? "cannot find the regime directory" : "out of memory");
		goto done;
	}
	if (regime_load(dir, sc.regime, regime, err, errlen) < 0)
		goto done;
	if (scenario_apply(&sc, regime, msg, sizeof msg) < 0) {
		snprintf(err, errlen, "%s: %s", label, msg);
		goto done;
	}
	sc.in.regime = regime;
	if (!sc.has_g) {
		sc.in.g = regime->g;
		sc.in.n_g = regime->n_g;
	}
	if (rules_compute(&sc.in, &out, msg, sizeof msg) < 0) {
		snprintf(err, errlen, "%s: %s", label, msg);
		goto done;
	}
	res = scenario_render(regime, &out);
	if (!res || json_dumpf(res, stdout, JSON_INDENT(2)) < 0 || fputc('\n', stdout) == EOF ||
	    fflush(stdout) != 0) {
		snprintf(err, errlen, "cannot write the result");
		rc = 1;
		goto done;
	}
	rc = 0;
done:
	json_decref(res);
	rules_output_free(&out);
	scenario_free(&sc);
	free(regime);
	json_decref(root);
	return rc;
}

int
ctl_rules(int argc, char **argv, const struct config *cfg)
{
	char err[1024] = "";
	if (argc != 3 || strcmp(argv[1], "eval") != 0)
		return usage();
	int rc = eval(argv[2], cfg, err, sizeof err);
	if (rc != 0)
		fprintf(stderr, "stempelctl rules eval: %s\n", err);
	return rc;
}
