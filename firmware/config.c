/*
 * config.c — reads the one INI file (inih) into struct config.  Every key has a
 * default here and a line in board/stempel.conf.  Unknown sections and keys are
 * errors, not warnings: a typo in a kiosk's config must stop it at start-up, not
 * silently run with a default.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "addrlist.h"
#include "config.h"
#include "inilines.h"
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
	c->tap.min_presence_min = 20;
	c->kiosk.volume = 80;

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
	c->web.max_connections = 256;
	c->web.max_streams = 64;

	snprintf(c->upload.auth, sizeof(c->upload.auth), "none");
	c->upload.batch_max = 500;
	c->upload.interval_s = 10;
	c->upload.roster_interval_s = 300;
	c->upload.connect_timeout_s = 10;
	c->upload.timeout_s = 30;
	c->upload.backoff_max_s = 600;
	c->upload.heartbeat_s = 900;
	c->upload.keep_delivered_days = 30;

	snprintf(c->payroll.pay_code, sizeof(c->payroll.pay_code), "INTRO");
	c->payroll.csv_separator = ';';
	c->payroll.decimal_mark = ',';
	snprintf(c->payroll.language, sizeof(c->payroll.language), "nb");
	snprintf(c->payroll.csv_bom, sizeof(c->payroll.csv_bom), "auto");
	snprintf(c->payroll.payout, sizeof(c->payroll.payout), "monthly");
}

/* --- one table drives parsing: section, key, type, where, limits --- */

/* K_FILE: the value is a file whose content (one line) goes into the string field. */
enum kind { K_STR, K_INT, K_BOOL, K_CHAR, K_ENUM, K_FILE };

struct key {
	const char *section, *name;
	enum kind kind;
	size_t off, size;         /* offset into struct config; size for strings */
	long min, max;            /* ints; for K_ENUM, index into enum_sets */
	const char *const *words; /* K_ENUM: accepted words, value = index */
};

static const char *const w_tap_mode[] = {"in_out", "in_only", NULL};
static const char *const w_reader[] = {"sim", "libnfc", NULL};
static const char *const w_feedback[] = {"sim", "gpio", NULL};
static const char *const w_sound[] = {"on", "off", "tones", NULL};
static const char *const w_log[] = {"stderr", "syslog", NULL};
static const char *const w_level[] = {"error", "warn", "info", "debug", NULL};

#define S(sec, k, field)                                                                           \
	{                                                                                          \
#sec, #k, K_STR, offsetof(struct config, sec.field),                               \
		    sizeof(((struct config *)0)->sec.field), 0, 0, NULL                            \
	}
#define I(sec, k, field, lo, hi)                                                                   \
	{                                                                                          \
#sec, #k, K_INT, offsetof(struct config, sec.field), sizeof(int), lo, hi, NULL     \
	}
#define B(sec, k, field)                                                                           \
	{                                                                                          \
#sec, #k, K_BOOL, offsetof(struct config, sec.field), sizeof(int), 0, 1, NULL      \
	}
#define C(sec, k, field)                                                                           \
	{                                                                                          \
#sec, #k, K_CHAR, offsetof(struct config, sec.field), 1, 0, 0, NULL                \
	}
#define F(sec, k, field)                                                                           \
	{                                                                                          \
#sec, #k, K_FILE, offsetof(struct config, sec.field),                              \
		    sizeof(((struct config *)0)->sec.field), 0, 0, NULL                            \
	}
#define E(sec, k, field, w)                                                                        \
	{                                                                                          \
#sec, #k, K_ENUM, offsetof(struct config, sec.field), sizeof(int), 0, 0, w         \
	}

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
    B(kiosk, show_quotas, show_quotas),
    E(kiosk, sound, sound, w_sound),
    I(kiosk, volume, volume, 0, 100),
    S(kiosk, sound_dir, sound_dir),

    I(tap, debounce_s, debounce_s, 0, 3600),
    E(tap, tap_mode, mode, w_tap_mode),
    I(tap, min_presence_min, min_presence_min, 0, 24 * 60),

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
    I(web, max_connections, max_connections, 1, 100000),
    I(web, max_streams, max_streams, 1, 10000),
    S(web, kiosk_from, kiosk_from),
    S(web, kiosk_token, kiosk_token),
    F(web, kiosk_token_file, kiosk_token),

    S(upload, base_url, base_url),
    S(upload, auth, auth),
    S(upload, token, token),
    F(upload, token_file, token),
    S(upload, ca_file, ca_file),
    S(upload, client_cert, client_cert),
    S(upload, client_key, client_key),
    S(upload, token_url, token_url),
    S(upload, client_id, client_id),
    S(upload, client_secret, client_secret),
    F(upload, client_secret_file, client_secret),
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
    I(upload, heartbeat_s, heartbeat_s, 0, 86400),
    I(upload, keep_delivered_days, keep_delivered_days, 0, 3650),

    S(payroll, pay_code, pay_code),
    C(payroll, csv_separator, csv_separator),
    C(payroll, decimal_mark, decimal_mark),
    S(payroll, payout, payout),
    S(payroll, anchor, anchor),
    S(payroll, language, language),
    S(payroll, csv_bom, csv_bom),
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

struct parse_state {
	struct config *c;
	char err[512];
	int failed;
	const struct key *seen[NKEYS]; /* which key set each field (value or _file) */
};

static int
fail(struct parse_state *ps, const char *section, const char *name, const char *fmt,
     const char *arg)
{
	char what[400];

	if (!ps->failed) {
		snprintf(what, sizeof(what), fmt, arg);
		snprintf(ps->err, sizeof(ps->err), "[%s] %s: %s", section, name, what);
		ps->failed = 1;
	}
	return 0; /* inih records the line of the first handler that returns 0 */
}

static int timezone_known(const char *tz);
static int date_valid(const char *s);

/* Values with a form of their own, checked here so that the error has its line. */
static int
check_value(struct parse_state *ps, const struct key *k, const char *value)
{
	char why[256];

	if (!strcmp(k->section, "kiosk") && !strcmp(k->name, "timezone") &&
	    !timezone_known(value)) {
		snprintf(why, sizeof(why), "\"%.60s\" is not one (see /usr/share/zoneinfo)", value);
		return fail(ps, k->section, k->name,
		            "expected a zone of the tz database such as Europe/Oslo; %s", why);
	}
	if (!strcmp(k->section, "payroll") && !strcmp(k->name, "anchor") && value[0] &&
	    !date_valid(value)) {
		snprintf(why, sizeof(why), "\"%.60s\"", value);
		return fail(ps, k->section, k->name, "expected a date YYYY-MM-DD, got %s", why);
	}
	if (!strcmp(k->section, "web") && !strcmp(k->name, "kiosk_from") &&
	    addrlist_check(value, why, sizeof(why)) < 0)
		return fail(ps, k->section, k->name, "%s", why);
	return 1;
}

static int
set_key(struct parse_state *ps, const struct key *k, const char *value)
{
	char *field = (char *)ps->c + k->off;
	char *end;
	long v;

	switch (k->kind) {
	case K_STR:
		if (strlen(value) >= k->size) {
			char most[24];

			snprintf(most, sizeof(most), "%zu", k->size - 1);
			return fail(ps, k->section, k->name, "expected at most %s characters",
			            most);
		}
		memcpy(field, value, strlen(value) + 1);
		return check_value(ps, k, value);
	case K_INT:
		errno = 0;
		v = strtol(value, &end, 10);
		if (errno || end == value || *end || v < k->min || v > k->max) {
			char range[64];

			snprintf(range, sizeof(range), "%ld to %ld", k->min, k->max);
			return fail(ps, k->section, k->name, "expected a whole number from %s",
			            range);
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
		/*
		 * Payroll files go to spreadsheets and pay systems: only the separators
		 * and decimal marks they read.  ';' starts a comment in INI files, so
		 * each also goes by name.
		 */
		static const struct {
			const char *name;
			char c;
		} names[] = {
		    {"semicolon", ';'}, {"comma", ','},  {"tab", '\t'},
		    {"pipe", '|'},      {"period", '.'}, {"dot", '.'},
		    {",", ','},         {"|", '|'},      {".", '.'},
		};
		int mark = !strcmp(k->name, "decimal_mark");

		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (!strcmp(value, names[i].name) &&
			    (mark ? strchr(",.", names[i].c) : strchr(";,\t|", names[i].c))) {
				*field = names[i].c;
				return 1;
			}
		return fail(ps, k->section, k->name, "expected %s",
		            mark ? "comma or period" : "semicolon, comma, tab or pipe");
	}
	case K_FILE: {
		FILE *f;
		char *text, *tail;

		int fd;
		struct stat st;

		if (value[0] == 0)
			return 1; /* "token_file =": not given */
		/* a regular file only: a FIFO or a device would block or never end */
		fd = open(value, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
			close(fd);
			fd = -1;
			errno = EINVAL;
		}
		if (fd < 0 || (f = fdopen(fd, "r")) == NULL) {
			char why[300];

			snprintf(why, sizeof(why), "%.200s: %s", value,
			         errno == EINVAL ? "not a regular file" : strerror(errno));
			if (fd >= 0)
				close(fd);
			return fail(ps, k->section, k->name, "cannot read %s", why);
		}
		text = inilines_read(f, 64 * 1024);
		fclose(f);
		if (text == NULL)
			return fail(ps, k->section, k->name, "cannot read %s", value);
		/* One line: the secret, perhaps followed by a line end. */
		tail = text + strlen(text);
		while (tail > text && (tail[-1] == '\n' || tail[-1] == '\r' || tail[-1] == ' '))
			*--tail = 0;
		if (text[0] == 0 || strchr(text, '\n') || strlen(text) >= k->size) {
			char why[64];

			snprintf(why, sizeof(why), "one line of 1 to %zu characters", k->size - 1);
			free(text);
			return fail(ps, k->section, k->name, "expected the file to hold %s", why);
		}
		memcpy(field, text, strlen(text) + 1);
		free(text);
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
	for (size_t i = 0; i < NKEYS; i++) {
		if (strcmp(keys[i].section, section))
			continue;
		known_section = 1;
		if (!strcmp(keys[i].name, name)) {
			/* token and token_file write the same field: one of them only */
			for (size_t j = 0; j < NKEYS && value[0]; j++)
				if (j != i && keys[j].off == keys[i].off && ps->seen[j]) {
					char other[80];

					snprintf(other, sizeof(other), "%s", keys[j].name);
					return fail(ps, section, name,
					            "already given as %s: use one", other);
				}
			if (value[0])
				ps->seen[i] = &keys[i];
			return set_key(ps, &keys[i], value);
		}
	}
	if (!known_section)
		return fail(ps, section, name, "unknown section [%s]", section);
	return fail(ps, section, name, "unknown key in [%s]", section);
}

/* 1 if `tz` names a zone in the tz database (TZif file under $TZDIR or /usr/share/zoneinfo). */
static int
timezone_known(const char *tz)
{
	const char *dir = getenv("TZDIR");
	char path[CONFIG_PATH_MAX + 80], magic[4];
	struct stat st;
	FILE *f;
	int ok;

	/* glibc falls back to UTC without a word for anything it cannot find */
	if (tz[0] == 0 || tz[0] == '/' || tz[0] == ':' || strstr(tz, "..") ||
	    strspn(tz, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_+-") !=
	        strlen(tz))
		return 0;
	snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", tz);
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || (f = fopen(path, "rb")) == NULL)
		return 0;
	ok = fread(magic, 1, 4, f) == 4 && memcmp(magic, "TZif", 4) == 0;
	fclose(f);
	return ok;
}

/* 1 if s is a real calendar date YYYY-MM-DD. */
static int
date_valid(const char *s)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, m, d, n = 0;

	if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 ||
	    s[4] != '-' || s[7] != '-' || strspn(s, "0123456789-") != 10)
		return 0;
	if (y < 2000 || y > 2199 || m < 1 || m > 12 || d < 1)
		return 0;
	return d <= mdays[m - 1] + (m == 2 && (y % 4 == 0 && (y % 100 || y % 400 == 0)));
}

/* Checks that need more than one key. */
static int
validate(const struct config *c, char *err, size_t errlen)
{
	char why[256];

	if (!timezone_known(c->kiosk.timezone)) {
		snprintf(err, errlen,
		         "[kiosk] timezone: expected a zone of the tz database such as "
		         "Europe/Oslo; \"%s\" is not one (see /usr/share/zoneinfo)",
		         c->kiosk.timezone);
		return -1;
	}
	if (addrlist_check(c->web.kiosk_from, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "[web] kiosk_from: %s", why);
		return -1;
	}
	if (c->web.kiosk_token[0] && strlen(c->web.kiosk_token) < 16) {
		snprintf(err, errlen, "[web] kiosk_token: expected at least 16 characters");
		return -1;
	}
	if (c->payroll.anchor[0] && !date_valid(c->payroll.anchor)) {
		snprintf(err, errlen, "[payroll] anchor: expected a date YYYY-MM-DD, got \"%s\"",
		         c->payroll.anchor);
		return -1;
	}
	if (c->kiosk.state_dir[0] == '\0') {
		snprintf(err, errlen, "[kiosk] state_dir: expected a directory");
		return -1;
	}
	if (c->reader.driver == READER_LIBNFC && c->reader.connstring[0] == '\0') {
		snprintf(err, errlen,
		         "[reader] connstring: expected a libnfc connstring "
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
		snprintf(err, errlen,
		         "[payroll] anchor: expected a date YYYY-MM-DD when payout = biweekly");
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
		snprintf(err, errlen,
		         "[payroll] csv_separator: expected a character other than decimal_mark");
		return -1;
	}
	return 0;
}

int
config_load_stream(struct config *c, FILE *f, const char *label, char *err, size_t errlen)
{
	struct parse_state ps = {.c = c};
	char *text = inilines_read(f, 1024 * 1024);
	int line;

	if (text == NULL) {
		snprintf(err, errlen, "%s: cannot read: %s", label, strerror(errno));
		return -1;
	}
	if (inilines_check(text, label, err, errlen) > 0) {
		free(text);
		return -1;
	}
	line = ini_parse_string(text, handler, &ps);
	free(text);
	if (line < 0) {
		snprintf(err, errlen, "%s: cannot read", label);
		return -1;
	}
	if (line > 0) {
		if (ps.failed)
			snprintf(err, errlen, "%s:%d: %s", label, line, ps.err);
		else
			snprintf(err, errlen, "%s:%d: expected \"key = value\" or \"[section]\"",
			         label, line);
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

/* A file the daemon will open: readable now, or its name and the system's reason. */
static int
readable(const char *what, const char *path, char *err, size_t errlen)
{
	FILE *f;

	if (path[0] == 0)
		return 0;
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
		return -1;
	}
	fclose(f);
	return 0;
}

int
config_check_files(const struct config *c, char *err, size_t errlen)
{
	if (readable("[web] cert", c->web.cert, err, errlen) < 0 ||
	    readable("[web] key", c->web.key, err, errlen) < 0)
		return -1;
	if (c->upload.base_url[0] == 0)
		return 0;
	if (readable("[upload] ca_file", c->upload.ca_file, err, errlen) < 0 ||
	    readable("[upload] client_cert", c->upload.client_cert, err, errlen) < 0 ||
	    readable("[upload] client_key", c->upload.client_key, err, errlen) < 0 ||
	    readable("[upload] jwt_key", c->upload.jwt_key, err, errlen) < 0)
		return -1;
	return 0;
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
