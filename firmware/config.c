/*
 * config.c — reads the one INI file (inih) into struct config.  Every key has a
 * default here and a line in board/stempel.conf.  Unknown sections and keys are
 * errors, not warnings: a typo in a kiosk's config must stop it at start-up, not
 * silently run with a default.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "config.h"
#include "log.h"

void
config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->kiosk.id, sizeof(c->kiosk.id), "demo-kiosk-1");
	snprintf(c->kiosk.state_dir, sizeof(c->kiosk.state_dir), "run");
	c->kiosk.check_at_start_mb = 64;
	snprintf(c->kiosk.timezone, sizeof(c->kiosk.timezone), "Europe/Oslo");
	snprintf(c->kiosk.language, sizeof(c->kiosk.language), "nb");
	snprintf(c->kiosk.regime, sizeof(c->kiosk.regime), "no-integreringsloven");
	c->kiosk.log_level = LOG_LVL_INFO;

	c->tap.debounce_s = 10;
	c->tap.mode = TAP_MODE_IN_OUT;

	c->reader.driver = READER_SIM;
	c->reader.poll_interval_ms = 0;
	c->reader.removal_polls = 3;
	c->reader.error_threshold = 3;
	c->reader.reopen_max_ms = 30000;

	c->feedback.driver = FEEDBACK_SIM;
	c->feedback.green_line = c->feedback.red_line = c->feedback.buzzer_line = -1;

	snprintf(c->web.listen, sizeof(c->web.listen), "127.0.0.1");
	c->web.port = 8080;
	c->web.session_idle_s = 2 * 3600;
	c->web.session_max_s = 12 * 3600;

	snprintf(c->upload.auth, sizeof(c->upload.auth), "none");
	c->upload.batch_max = 500;
	c->upload.interval_s = 10;
	c->upload.roster_interval_s = 300;
	c->upload.connect_timeout_s = 10;
	c->upload.timeout_s = 30;
	c->upload.backoff_max_s = 600;

	snprintf(c->payroll.pay_code, sizeof(c->payroll.pay_code), "INTRO");
	c->payroll.csv_separator = ';';
	c->payroll.decimal_mark = ',';
	snprintf(c->payroll.language, sizeof(c->payroll.language), "nb");
	snprintf(c->payroll.csv_bom, sizeof(c->payroll.csv_bom), "auto");
	snprintf(c->payroll.payout, sizeof(c->payroll.payout), "monthly");
}

/* --- one table drives parsing: section, key, type, where, limits --- */

enum kind { K_STR, K_INT, K_BOOL, K_CHAR, K_ENUM };

struct key {
	const char *section, *name;
	enum kind kind;
	size_t off, size; /* offset into struct config; size for strings */
	long min, max;    /* ints; for K_ENUM, index into enum_sets */
	const char *const *words; /* K_ENUM: accepted words, value = index */
};

static const char *const w_tap_mode[] = {"in_out", "in_only", NULL};
static const char *const w_reader[] = {"sim", "libnfc", NULL};
static const char *const w_feedback[] = {"sim", "gpio", NULL};
static const char *const w_log[] = {"stderr", "syslog", NULL};
static const char *const w_level[] = {"error", "warn", "info", "debug", NULL};

#define S(sec, k, field) {#sec, #k, K_STR, offsetof(struct config, sec.field), \
			  sizeof(((struct config *)0)->sec.field), 0, 0, NULL}
#define I(sec, k, field, lo, hi) {#sec, #k, K_INT, offsetof(struct config, sec.field), \
				  sizeof(int), lo, hi, NULL}
#define B(sec, k, field) {#sec, #k, K_BOOL, offsetof(struct config, sec.field), sizeof(int), \
			  0, 1, NULL}
#define C(sec, k, field) {#sec, #k, K_CHAR, offsetof(struct config, sec.field), 1, 0, 0, NULL}
#define E(sec, k, field, w) {#sec, #k, K_ENUM, offsetof(struct config, sec.field), \
			     sizeof(int), 0, 0, w}

static const struct key keys[] = {
	S(kiosk, id, id),
	S(kiosk, state_dir, state_dir),
	S(kiosk, timezone, timezone),
	S(kiosk, language, language),
	S(kiosk, regime, regime),
	S(kiosk, regime_dir, regime_dir),
	E(kiosk, log, log_syslog, w_log),
	E(kiosk, log_level, log_level, w_level),
	I(kiosk, check_at_start_mb, check_at_start_mb, 0, 1000000),

	I(tap, debounce_s, debounce_s, 0, 3600),
	E(tap, tap_mode, mode, w_tap_mode),

	E(reader, driver, driver, w_reader),
	S(reader, socket, socket),
	S(reader, connstring, connstring),
	I(reader, poll_interval_ms, poll_interval_ms, 0, 1000),
	I(reader, removal_polls, removal_polls, 1, 100),
	I(reader, error_threshold, error_threshold, 1, 1000),
	I(reader, reopen_max_ms, reopen_max_ms, 100, 3600000),

	E(feedback, driver, driver, w_feedback),
	S(feedback, chip, chip),
	I(feedback, green_line, green_line, -1, 1023),
	I(feedback, red_line, red_line, -1, 1023),
	I(feedback, buzzer_line, buzzer_line, -1, 1023),
	B(feedback, active_low, active_low),

	S(web, listen, listen),
	I(web, port, port, 1, 65535),
	S(web, cert, cert),
	S(web, key, key),
	I(web, session_idle_s, session_idle_s, 1, 7 * 86400),
	I(web, session_max_s, session_max_s, 1, 30 * 86400),

	S(upload, base_url, base_url),
	S(upload, auth, auth),
	S(upload, token, token),
	S(upload, ca_file, ca_file),
	S(upload, client_cert, client_cert),
	S(upload, client_key, client_key),
	S(upload, token_url, token_url),
	S(upload, client_id, client_id),
	S(upload, client_secret, client_secret),
	S(upload, jwt_key, jwt_key),
	S(upload, jwt_audience, jwt_audience),
	S(upload, jwt_kid, jwt_kid),
	S(upload, scope, scope),
	I(upload, batch_max, batch_max, 1, 10000),
	I(upload, interval_s, interval_s, 1, 86400),
	I(upload, roster_interval_s, roster_interval_s, 10, 86400),
	I(upload, connect_timeout_s, connect_timeout_s, 1, 600),
	I(upload, timeout_s, timeout_s, 1, 3600),
	I(upload, backoff_max_s, backoff_max_s, 1, 86400),

	S(payroll, pay_code, pay_code),
	C(payroll, csv_separator, csv_separator),
	C(payroll, decimal_mark, decimal_mark),
	S(payroll, payout, payout),
	S(payroll, anchor, anchor),
	S(payroll, language, language),
	S(payroll, csv_bom, csv_bom),
};

struct parse_state {
	struct config *c;
	char err[512];
	int failed;
};

static int
fail(struct parse_state *ps, const char *section, const char *name, const char *fmt, const char *arg)
{
	char what[300];

	if (!ps->failed) {
		snprintf(what, sizeof(what), fmt, arg);
		snprintf(ps->err, sizeof(ps->err), "[%s] %s: %s", section, name, what);
		ps->failed = 1;
	}
	return 0; /* inih records the line of the first handler that returns 0 */
}

static int
set_key(struct parse_state *ps, const struct key *k, const char *value)
{
	char *field = (char *)ps->c + k->off;
	char *end;
	long v;

	switch (k->kind) {
	case K_STR:
		if (strlen(value) >= k->size)
			return fail(ps, k->section, k->name, "expected at most %s characters",
				    k->size <= 64 ? "63" : k->size <= 256 ? "255" : "511");
		memcpy(field, value, strlen(value) + 1);
		return 1;
	case K_INT:
		errno = 0;
		v = strtol(value, &end, 10);
		if (errno || end == value || *end || v < k->min || v > k->max) {
			char range[64];

			snprintf(range, sizeof(range), "%ld to %ld", k->min, k->max);
			return fail(ps, k->section, k->name, "expected a whole number from %s", range);
		}
		*(int *)field = (int)v;
		return 1;
	case K_BOOL:
		if (!strcmp(value, "true") || !strcmp(value, "yes") || !strcmp(value, "1"))
			*(int *)field = 1;
		else if (!strcmp(value, "false") || !strcmp(value, "no") || !strcmp(value, "0"))
			*(int *)field = 0;
		else
			return fail(ps, k->section, k->name, "expected %s", "true or false");
		return 1;
	case K_CHAR: {
		/* ';' starts a comment in INI files, so separators also go by name. */
		static const struct { const char *name; char c; } names[] = {
			{"semicolon", ';'}, {"comma", ','}, {"tab", '\t'}, {"period", '.'},
			{"dot", '.'}, {"pipe", '|'}, {"colon", ':'}, {"space", ' '},
		};
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (!strcmp(value, names[i].name)) {
				*field = names[i].c;
				return 1;
			}
		if (strlen(value) != 1)
			return fail(ps, k->section, k->name, "expected %s",
				    "a single character or semicolon | comma | tab | period | pipe");
		*field = value[0];
		return 1;
	}
	case K_ENUM:
		for (int i = 0; k->words[i]; i++)
			if (!strcmp(value, k->words[i])) {
				*(int *)field = i;
				return 1;
			}
		{
			char list[128] = "";

			for (int i = 0; k->words[i]; i++) {
				strncat(list, i ? " | " : "", sizeof(list) - strlen(list) - 1);
				strncat(list, k->words[i], sizeof(list) - strlen(list) - 1);
			}
			return fail(ps, k->section, k->name, "expected one of %s", list);
		}
	}
	return 0;
}

static int
handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse_state *ps = user;
	int known_section = 0;

	if (ps->failed)
		return 1; /* report only the first error; keep inih's line for it */
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcmp(keys[i].section, section))
			continue;
		known_section = 1;
		if (!strcmp(keys[i].name, name))
			return set_key(ps, &keys[i], value);
	}
	if (!known_section)
		return fail(ps, section, name, "unknown section [%s]", section);
	return fail(ps, section, name, "unknown key in [%s]", section);
}

/* Checks that need more than one key. */
static int
validate(const struct config *c, char *err, size_t errlen)
{
	if (c->kiosk.state_dir[0] == '\0') {
		snprintf(err, errlen, "[kiosk] state_dir: expected a directory");
		return -1;
	}
	if (c->reader.driver == READER_LIBNFC && c->reader.connstring[0] == '\0') {
		snprintf(err, errlen, "[reader] connstring: expected a libnfc connstring "
				      "(e.g. pn532_uart:/dev/ttyUSB0) when driver = libnfc");
		return -1;
	}
	if (c->feedback.driver == FEEDBACK_GPIO && c->feedback.chip[0] == '\0') {
		snprintf(err, errlen, "[feedback] chip: expected a GPIO chip when driver = gpio");
		return -1;
	}
	if (!!c->web.cert[0] != !!c->web.key[0]) {
		snprintf(err, errlen, "[web] cert, key: expected both or neither");
		return -1;
	}
	if (strcmp(c->payroll.payout, "monthly") && strcmp(c->payroll.payout, "biweekly")) {
		snprintf(err, errlen, "[payroll] payout: expected one of monthly | biweekly");
		return -1;
	}
	if (!strcmp(c->payroll.payout, "biweekly") && strlen(c->payroll.anchor) != 10) {
		snprintf(err, errlen, "[payroll] anchor: expected a date YYYY-MM-DD when payout = biweekly");
		return -1;
	}
	if (strcmp(c->payroll.language, "nb") && strcmp(c->payroll.language, "nn") &&
	    strcmp(c->payroll.language, "en")) {
		snprintf(err, errlen, "[payroll] language: expected one of nb | nn | en");
		return -1;
	}
	if (strcmp(c->payroll.csv_bom, "auto") && strcmp(c->payroll.csv_bom, "yes") &&
	    strcmp(c->payroll.csv_bom, "no")) {
		snprintf(err, errlen, "[payroll] csv_bom: expected one of auto | yes | no");
		return -1;
	}
	if (c->payroll.csv_separator == c->payroll.decimal_mark) {
		snprintf(err, errlen, "[payroll] csv_separator: expected a character other than decimal_mark");
		return -1;
	}
	return 0;
}

int
config_load_stream(struct config *c, FILE *f, const char *label, char *err, size_t errlen)
{
	struct parse_state ps = {.c = c};
	int line;

	line = ini_parse_file(f, handler, &ps);
	if (line < 0) {
		snprintf(err, errlen, "%s: cannot read", label);
		return -1;
	}
	if (line > 0) {
		if (ps.failed)
			snprintf(err, errlen, "%s:%d: %s", label, line, ps.err);
		else
			snprintf(err, errlen, "%s:%d: expected \"key = value\" or \"[section]\"", label, line);
		return -1;
	}
	snprintf(c->path, sizeof(c->path), "%s", label);
	if (validate(c, ps.err, sizeof(ps.err)) < 0) {
		snprintf(err, errlen, "%s: %s", label, ps.err);
		return -1;
	}
	return 0;
}

int
config_load(struct config *c, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	int rc;

	if (f == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	rc = config_load_stream(c, f, path, err, errlen);
	fclose(f);
	/*
	 * A relative state_dir is relative to the config file's folder, never to the
	 * shell's: stempeld and stempelctl started anywhere find the same database.
	 */
	if (rc == 0 && c->kiosk.state_dir[0] != '/' && strchr(path, '/')) {
		char dir[sizeof(c->kiosk.state_dir)];
		int n = (int)(strrchr(path, '/') - path);

		if (snprintf(dir, sizeof(dir), "%.*s/%s", n ? n : 1, path, c->kiosk.state_dir) >=
		    (int)sizeof(dir)) {
			snprintf(err, errlen, "%s: [kiosk] state_dir: path too long", path);
			return -1;
		}
		snprintf(c->kiosk.state_dir, sizeof(c->kiosk.state_dir), "%s", dir);
	}
	return rc;
}

const char *
config_locate(const char *explicit_path)
{
	const char *env;

	if (explicit_path)
		return explicit_path;
	env = getenv("STEMPEL_CONFIG");
	if (env && *env)
		return env;
	if (access("/etc/stempel/stempel.conf", F_OK) == 0)
		return "/etc/stempel/stempel.conf";
	return NULL;
}

int
config_init(struct config *c, const char *explicit_path, char *err, size_t errlen)
{
	const char *path = config_locate(explicit_path);

	config_defaults(c);
	if (path == NULL)
		return 0;
	return config_load(c, path, err, errlen);
}

static int
is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int
config_regime_dir(const struct config *c, char *out, size_t outlen)
{
	char exe[PATH_MAX], cand[PATH_MAX + 32];
	const char *env = getenv("STEMPEL_REGIME_DIR");
	ssize_t n;

	if (c && c->kiosk.regime_dir[0]) {
		snprintf(out, outlen, "%s", c->kiosk.regime_dir);
		return is_dir(out) ? 0 : -1;
	}
	if (env && *env) {
		snprintf(out, outlen, "%s", env);
		return is_dir(out) ? 0 : -1;
	}
	if (is_dir("board/regimes")) {
		snprintf(out, outlen, "board/regimes");
		return 0;
	}
	/* build/<flavour>/stempelctl in a checkout: regimes are at ../../board/regimes */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *slash;

		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL)
			*slash = '\0';
		snprintf(cand, sizeof(cand), "%s/../../board/regimes", exe);
		if (is_dir(cand)) {
			snprintf(out, outlen, "%s", cand);
			return 0;
		}
	}
	snprintf(out, outlen, "/usr/share/stempel/regimes");
	if (is_dir(out))
		return 0;
	snprintf(out, outlen, "/usr/local/share/stempel/regimes");
	return is_dir(out) ? 0 : -1;
}

void
config_state_path(const struct config *c, const char *name, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s/%s", c->kiosk.state_dir, name);
}
