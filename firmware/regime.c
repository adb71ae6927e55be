/*
 * regime.c — reads a regime file with inih.  Layout: a [regime] section (name, title,
 * currency, holidays), a [g] section (date = amount), and one section per parameter
 * holding one or more versions, each `valid_from`, `value`, `status` in that order.
 * Debian's inih handler gets no line number, so the handler records the first error
 * and returns 0; ini_parse() then returns that line.
 */
#include "regime.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parse {
	struct rules_regime *r;
	char msg[256];   /* first error, without the "file:line: " prefix */
	int param;       /* parameter of the version being read, -1 if none */
	bool has_value;  /* the version being read has its value */
	bool has_status; /* ... and its status */
	bool seen_regime[4];
};

static const char *const regime_keys[] = {"name", "title", "currency", "holidays"};

static int parse_value(struct parse *ps, const char *section, const char *value,
                       struct rules_param_version *v);

static int
fail(struct parse *ps, const char *section, const char *key, const char *fmt, const char *value)
{
	if (!ps->msg[0]) {
		char what[160];
		snprintf(what, sizeof what, fmt, value);
		snprintf(ps->msg, sizeof ps->msg, "[%s] %s: %s", section, key, what);
	}
	return 0;
}

int
regime_override(struct rules_regime *r, const char *param, const char *value, char *err,
                size_t errlen)
{
	struct parse ps = {.r = r};
	struct rules_param_version v = {.valid_from = INT32_MIN, .confirmed = true};
	ps.param = rules_param_lookup(param);
	if (ps.param < 0) {
		snprintf(err, errlen, "%s: not a regime parameter", param);
		return -1;
	}
	if (!parse_value(&ps, param, value, &v)) {
		snprintf(err, errlen, "%s", ps.msg);
		return -1;
	}
	r->n_versions[ps.param] = 1;
	r->versions[ps.param][0] = v;
	return 0;
}

int
regime_name_valid(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 63)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(islower((unsigned char)name[i]) || isdigit((unsigned char)name[i]) ||
		      name[i] == '-'))
			return 0;
	return 1;
}

/* "12", "160.33" or "2/3" into num/den (positive, exact). */
static int
parse_rational(const char *s, int64_t *num, int64_t *den)
{
	const char *slash = strchr(s, '/');
	char *end;
	if (slash) {
		if (!isdigit((unsigned char)*s) || !isdigit((unsigned char)slash[1]))
			return -1;
		errno = 0;
		long long a = strtoll(s, &end, 10);
		if (end != slash || errno)
			return -1;
		long long b = strtoll(slash + 1, &end, 10);
		if (*end || errno || b <= 0 || a > 1000000000 || b > 1000000000)
			return -1;
		*num = a;
		*den = b;
		return 0;
	}
	int64_t ore;
	if (rules_ore_parse(s, &ore) < 0 || ore > 100000000000LL)
		return -1;
	*num = ore;
	*den = 100;
	return 0;
}

static int
parse_uint(const char *s, int64_t *v)
{
	char *end;
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	long long x = strtoll(s, &end, 10);
	if (*end || errno || x > 100000000000LL)
		return -1;
	*v = x;
	return 0;
}

/* Parse a parameter value by its kind into the version. */
static int
parse_value(struct parse *ps, const char *section, const char *value, struct rules_param_version *v)
{
	const struct rules_param_info *info = rules_param_info(ps->param);
	v->den = 1;
	if (info->allow_none && strcmp(value, "none") == 0) {
		v->num = 0;
		v->den = 0;
		return 1;
	}
	switch (info->kind) {
	case RULES_KIND_INT:
		if (parse_uint(value, &v->num) < 0)
			return fail(ps, section, "value",
			            info->allow_none ? "expected a whole number or none, got \"%s\""
			                             : "expected a whole number, got \"%s\"",
			            value);
		return 1;
	case RULES_KIND_RAT:
		if (parse_rational(value, &v->num, &v->den) < 0 || v->num == 0)
			return fail(
			    ps, section, "value",
			    "expected a positive number such as 2, 160.33 or 2/3, got \"%s\"",
			    value);
		return 1;
	case RULES_KIND_DATE: {
		int32_t d;
		if (rules_date_parse(value, &d) < 0)
			return fail(ps, section, "value", "expected a date YYYY-MM-DD, got \"%s\"",
			            value);
		v->num = d;
		return 1;
	}
	case RULES_KIND_ENUM:
		for (int i = 0; info->choices[i]; i++) {
			if (strcmp(info->choices[i], value) == 0) {
				v->num = i;
				return 1;
			}
		}
		char expect[160] = "expected one of";
		for (int i = 0; info->choices[i]; i++) {
			strncat(expect, i ? " | " : " ", sizeof expect - strlen(expect) - 1);
			strncat(expect, info->choices[i], sizeof expect - strlen(expect) - 1);
		}
		strncat(expect, ", got \"%s\"", sizeof expect - strlen(expect) - 1);
		return fail(ps, section, "value", expect, value);
	}
	return 0;
}

/* The version still being read must be complete before another begins.  The error
 * names the parameter's own section; the line is where the gap was noticed. */
static int
close_version(struct parse *ps)
{
	if (ps->param < 0)
		return 1;
	const char *name = rules_param_info(ps->param)->name;
	if (!ps->has_value || !ps->has_status)
		return fail(ps, name, ps->has_value ? "status" : "value",
		            "expected in every version (missing before this line)%s", "");
	ps->param = -1;
	return 1;
}

static int
handle_regime(struct parse *ps, const char *key, const char *value)
{
	struct rules_regime *r = ps->r;
	int k = -1;
	for (int i = 0; i < 4; i++)
		if (strcmp(key, regime_keys[i]) == 0)
			k = i;
	if (k < 0)
		return fail(ps, "regime", key,
		            "unknown key (expected name, title, currency, holidays)%s", "");
	if (ps->seen_regime[k])
		return fail(ps, "regime", key, "given twice%s", "");
	ps->seen_regime[k] = true;
	switch (k) {
	case 0:
		if (!regime_name_valid(value))
			return fail(ps, "regime", key, "expected [a-z0-9-]+, got \"%s\"", value);
		snprintf(r->name, sizeof r->name, "%s", value);
		break;
	case 1:
		snprintf(r->title, sizeof r->title, "%s", value);
		break;
	case 2:
		if (strlen(value) != 3 || !isupper((unsigned char)value[0]) ||
		    !isupper((unsigned char)value[1]) || !isupper((unsigned char)value[2]))
			return fail(ps, "regime", key,
			            "expected a currency code like NOK, got \"%s\"", value);
		snprintf(r->currency, sizeof r->currency, "%s", value);
		break;
	default:
		if (strcmp(value, "no") == 0)
			r->holidays = RULES_HOLIDAYS_NO;
		else if (strcmp(value, "dk") == 0)
			r->holidays = RULES_HOLIDAYS_DK;
		else
			return fail(ps, "regime", key, "expected no | dk, got \"%s\"", value);
	}
	return 1;
}

static int
handle_g(struct parse *ps, const char *key, const char *value)
{
	struct rules_regime *r = ps->r;
	int32_t d;
	int64_t amount;
	if (rules_date_parse(key, &d) < 0)
		return fail(ps, "g", key, "expected a date YYYY-MM-DD as the key%s", "");
	if (rules_ore_parse(value, &amount) < 0 || amount <= 0)
		return fail(ps, "g", key, "expected an amount such as 130160, got \"%s\"", value);
	/* Ruling 7: any order; one amount per date (the same line twice is harmless). */
	size_t i = 0;
	while (i < r->n_g && r->g[i].from < d)
		i++;
	if (i < r->n_g && r->g[i].from == d) {
		if (r->g[i].amount_ore == amount)
			return 1;
		return fail(ps, "g", key, "given twice with different amounts (%s)", value);
	}
	if (r->n_g == RULES_MAX_G)
		return fail(ps, "g", key, "too many G values%s", "");
	memmove(&r->g[i + 1], &r->g[i], (r->n_g - i) * sizeof r->g[0]);
	r->g[i].from = d;
	r->g[i].amount_ore = amount;
	r->n_g++;
	return 1;
}

static int
handle_param(struct parse *ps, int p, const char *section, const char *key, const char *value)
{
	struct rules_regime *r = ps->r;
	if (strcmp(key, "valid_from") == 0) {
		int32_t d;
		if (!close_version(ps))
			return 0;
		if (rules_date_parse(value, &d) < 0)
			return fail(ps, section, key, "expected a date YYYY-MM-DD, got \"%s\"",
			            value);
		if (r->n_versions[p] == RULES_MAX_VERSIONS)
			return fail(ps, section, key, "too many versions%s", "");
		if (r->n_versions[p] && r->versions[p][r->n_versions[p] - 1].valid_from >= d)
			return fail(ps, section, key,
			            "expected dates later than the version above, got %s", value);
		r->versions[p][r->n_versions[p]++] = (struct rules_param_version){.valid_from = d};
		ps->param = p;
		ps->has_value = ps->has_status = false;
		return 1;
	}
	bool is_value = strcmp(key, "value") == 0, is_status = strcmp(key, "status") == 0;
	if (!is_value && !is_status)
		return fail(ps, section, key, "unknown key (expected valid_from, value, status)%s",
		            "");
	if (ps->param != p)
		return fail(ps, section, key, "expected valid_from before %s", key);
	struct rules_param_version *v = &r->versions[p][r->n_versions[p] - 1];
	if (is_value) {
		if (ps->has_value)
			return fail(ps, section, key, "given twice in one version%s", "");
		ps->has_value = true;
		return parse_value(ps, section, value, v);
	}
	if (ps->has_status)
		return fail(ps, section, key, "given twice in one version%s", "");
	ps->has_status = true;
	if (strcmp(value, "confirmed") == 0)
		v->confirmed = true;
	else if (strcmp(value, "unconfirmed") != 0)
		return fail(ps, section, key, "expected confirmed | unconfirmed, got \"%s\"",
		            value);
	return 1;
}

static int
handler(void *user, const char *section, const char *key, const char *value)
{
	struct parse *ps = user;
	int p = rules_param_lookup(section);
	if (ps->param >= 0 && ps->param != p && !close_version(ps))
		return 0;
	if (strcmp(section, "regime") == 0)
		return handle_regime(ps, key, value);
	if (strcmp(section, "g") == 0)
		return handle_g(ps, key, value);
	if (p < 0)
		return fail(ps, section, key, "unknown section (not a regime parameter)%s", "");
	return handle_param(ps, p, section, key, value);
}

/* After the last line: what must be there, and the engine's own checks. */
static int
finish(struct parse *ps, const char *label, char *err, size_t errlen)
{
	if (ps->param >= 0) {
		const char *name = rules_param_info(ps->param)->name;
		if (!ps->has_value || !ps->has_status) {
			snprintf(err, errlen,
			         "%s: [%s] %s: expected in every version (missing at the end of "
			         "the file)",
			         label, name, ps->has_value ? "status" : "value");
			return -1;
		}
	}
	for (int k = 0; k < 4; k++) {
		if (!ps->seen_regime[k]) {
			snprintf(err, errlen, "%s: [regime] %s: missing", label, regime_keys[k]);
			return -1;
		}
	}
	for (int p = 0; p < RULES_P_COUNT; p++) {
		if (ps->r->n_versions[p] == 0) {
			snprintf(
			    err, errlen,
			    "%s: [%s]: missing (every parameter needs valid_from, value, status)",
			    label, rules_param_info(p)->name);
			return -1;
		}
	}
	char msg[256];
	if (rules_regime_check(ps->r, msg, sizeof msg) < 0) {
		snprintf(err, errlen, "%s: %s", label, msg);
		return -1;
	}
	return 0;
}

static int
report(struct parse *ps, int rc, const char *label, char *err, size_t errlen)
{
	if (rc == -1) {
		snprintf(err, errlen, "%s: cannot open: %s", label, strerror(errno));
		return -1;
	}
	if (rc == -2) {
		snprintf(err, errlen, "%s: out of memory", label);
		return -1;
	}
	if (rc > 0) {
		/* A syntax error inih found itself has no message of ours. */
		snprintf(err, errlen, "%s:%d: %s", label, rc,
		         ps->msg[0] ? ps->msg : "expected [section] or key = value");
		return -1;
	}
	return finish(ps, label, err, errlen);
}

int
regime_load_string(const char *text, const char *label, struct rules_regime *r, char *err,
                   size_t errlen)
{
	struct parse ps = {.r = r, .param = -1};
	memset(r, 0, sizeof *r);
	return report(&ps, ini_parse_string(text, handler, &ps), label, err, errlen);
}

int
regime_load_file(const char *path, struct rules_regime *r, char *err, size_t errlen)
{
	struct parse ps = {.r = r, .param = -1};
	memset(r, 0, sizeof *r);
	return report(&ps, ini_parse(path, handler, &ps), path, err, errlen);
}

int
regime_load(const char *dir, const char *name, struct rules_regime *r, char *err, size_t errlen)
{
	char path[1024];
	if (!regime_name_valid(name)) {
		snprintf(err, errlen, "regime \"%s\": not a regime name ([a-z0-9-]+)", name);
		return -1;
	}
	snprintf(path, sizeof path, "%s/%s.ini", dir, name);
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "unknown regime \"%s\": cannot open %s: %s", name, path,
		         strerror(errno));
		return -1;
	}
	fclose(f);
	if (regime_load_file(path, r, err, errlen) < 0)
		return -1;
	if (strcmp(r->name, name) != 0) {
		snprintf(err, errlen, "%s: [regime] name: expected %s, got \"%s\"", path, name,
		         r->name);
		return -1;
	}
	return 0;
}
