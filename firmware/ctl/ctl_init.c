/*
 * ctl_init.c — `stempelctl init`, the first-run setup of a kiosk: writes the kiosk
 * id, upload URL, time zone and the like into the config file (every other line and
 * comment kept), creates the state dir, device key and database, and the first
 * admin account (auth.h: argon2id).  On a terminal it asks; with --non-interactive
 * (or no terminal) it takes flags only.  A file it writes is checked first.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "auth.h"
#include "cmd/cmd.h"
#include "ctl.h"
#include "regime.h"
#include "store.h"

#define VALUE_MAX 256

/* The config keys init may set, in the order it asks for them. */
enum setting_id { S_ID, S_TZ, S_LANG, S_REGIME, S_URL, S_STATE, S_DRIVER, S_CONN, S_N };

struct setting {
	const char *section, *key, *flag, *question;
	char value[VALUE_MAX];
	int set;
};

struct init_opts {
	struct setting s[S_N];
	const char *config; /* --config FILE */
	char admin[40];     /* --admin USER */
	int password_stdin; /* --admin-password-stdin */
	int non_interactive;
};

static const char *const languages[] = {"nb", "nn", "en", "ar", "uk", "so", "ti", "fa-AF", NULL};

static void
init_usage(void)
{
	ctl_error("usage: stempelctl init [--non-interactive] [--config FILE] [--kiosk-id ID]\n"
	          "         [--upload-url URL] [--timezone TZ] [--language L] [--regime R]\n"
	          "         [--state-dir DIR] [--reader-connstring CONNSTRING]\n"
	          "         [--admin USER [--admin-password-stdin]]");
}

/* --- validation: NULL if fine, else what was expected --- */

static int
only_chars(const char *v, const char *extra)
{
	for (const char *p = v; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr(extra, *p)))
			return 0;
	return 1;
}

static const char *
check_id(const char *v)
{
	return *v && strlen(v) < 64 && only_chars(v, "-_.")
	           ? NULL
	           : "1-63 letters, digits, '-', '_' or '.'";
}

/* Whether `hostpart` ("host[:port][/...]") names exactly `host`. */
static int
local_host(const char *hostpart, const char *host)
{
	size_t n = strlen(host);

	return !strncmp(hostpart, host, n) && strchr(":/", hostpart[n]) != NULL;
}

static const char *
check_url(const char *v)
{
	const char *host;

	if (*v == '\0')
		return NULL; /* uploads off */
	if (strlen(v) >= VALUE_MAX || !only_chars(v, "-._~:/?[]@!$&'()*+,=%"))
		return "an https:// URL without spaces, ';' or '#'";
	if (!strncmp(v, "https://", 8))
		host = v + 8;
	else if (local_host(v + 7, "localhost") || local_host(v + 7, "127.0.0.1") ||
	         local_host(v + 7, "[::1]"))
		return NULL; /* a receiver on this machine (tests) */
	else
		return "an https:// URL (plain http only to localhost)";
	return *host && *host != '/' ? NULL : "an https:// URL with a host";
}

static const char *
check_tz(const char *v)
{
	char path[VALUE_MAX + 32];
	struct stat st;

	if (!*v || strlen(v) >= 64 || !only_chars(v, "/_+-") || strstr(v, "..") || *v == '/')
		return "a time zone such as Europe/Oslo";
	/* Without tzdata there is nothing to check against. */
	if (stat("/usr/share/zoneinfo", &st) < 0)
		return NULL;
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", v);
	return stat(path, &st) == 0 && S_ISREG(st.st_mode)
	           ? NULL
	           : "a time zone of /usr/share/zoneinfo, such as Europe/Oslo";
}

static const char *
check_lang(const char *v)
{
	for (int i = 0; languages[i]; i++)
		if (!strcmp(v, languages[i]))
			return NULL;
	return "one of nb nn en ar uk so ti fa-AF";
}

static const char *
check_regime(const char *v, const struct config *cfg)
{
	static char msg[1200];
	struct rules_regime *r;
	char dir[CONFIG_PATH_MAX], err[1024];
	int rc;

	if (!regime_name_valid(v))
		return "a regime name ([a-z0-9-]), e.g. no-integreringsloven";
	if (config_regime_dir(cfg, dir, sizeof(dir)) < 0)
		return "a regime, but no regime directory was found";
	r = malloc(sizeof(*r));
	if (r == NULL)
		return "a regime (out of memory)";
	rc = regime_load(dir, v, r, err, sizeof(err));
	free(r);
	if (rc == 0)
		return NULL;
	snprintf(msg, sizeof(msg), "a regime that loads (%s)", err);
	return msg;
}

static const char *
check_state(const char *v)
{
	return *v == '/' && strlen(v) < CONFIG_PATH_MAX && only_chars(v, "/-_.+")
	           ? NULL
	           : "an absolute directory path";
}

static const char *
check_conn(const char *v)
{
	return *v && strlen(v) < CONFIG_STR_MAX && only_chars(v, "_:/.-")
	           ? NULL
	           : "a libnfc connstring such as pn532_uart:/dev/stempel-reader or acr122_usb";
}

static const char *
check_setting(enum setting_id id, const char *v, const struct config *cfg)
{
	switch (id) {
	case S_ID:
		return check_id(v);
	case S_TZ:
		return check_tz(v);
	case S_LANG:
		return check_lang(v);
	case S_REGIME:
		return check_regime(v, cfg);
	case S_URL:
		return check_url(v);
	case S_STATE:
		return check_state(v);
	case S_DRIVER:
		return strcmp(v, "sim") && strcmp(v, "libnfc") ? "sim or libnfc" : NULL;
	case S_CONN:
		return check_conn(v);
	case S_N:
		break;
	}
	return "?";
}

static const char *
check_admin(const char *v)
{
	return auth_username_valid(v) == 0 ? NULL : "1-32 of a-z 0-9 . _ - (lower case)";
}

/* --- reading answers --- */

/* One line from stdin without its newline; -1 at EOF or if too long. */
static int
read_line(char *out, size_t outlen)
{
	size_t n;

	if (fgets(out, (int)outlen, stdin) == NULL)
		return -1;
	n = strcspn(out, "\r\n");
	if (out[n] == '\0' && n == outlen - 1 && !feof(stdin))
		return -1;
	out[n] = '\0';
	return 0;
}

/* Ask on the terminal; an empty answer takes `def`.  Echo off for secrets. */
static int
ask(const char *question, const char *def, char *out, size_t outlen, int secret)
{
	struct termios old, quiet;
	int rc, echo_off = 0;

	if (def && *def)
		printf("%s [%s]: ", question, def);
	else
		printf("%s: ", question);
	fflush(stdout);
	if (secret && tcgetattr(STDIN_FILENO, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		echo_off = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
	}
	rc = read_line(out, outlen);
	if (echo_off) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		printf("\n");
	}
	if (rc == 0 && *out == '\0' && def)
		snprintf(out, outlen, "%s", def);
	return rc;
}

/* --- editing the config file --- */

struct lines {
	char **v;
	size_t n, cap;
};

static void
lines_add(struct lines *l, size_t at, const char *text)
{
	char *copy = strdup(text);

	if (copy == NULL ||
	    (l->n == l->cap &&
	     (l->v = realloc(l->v, (l->cap = l->cap * 2 + 64) * sizeof(char *))) == NULL)) {
		ctl_error("out of memory");
		exit(1);
	}
	memmove(l->v + at + 1, l->v + at, (l->n - at) * sizeof(char *));
	l->v[at] = copy;
	l->n++;
}

static void
lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* "[name]" → name into sec; 1 if the line is a section header. */
static int
line_section(const char *line, char *sec, size_t seclen)
{
	const char *p = line + strspn(line, " \t"), *end;

	if (*p != '[' || (end = strchr(p, ']')) == NULL)
		return 0;
	snprintf(sec, seclen, "%.*s", (int)(end - p - 1), p + 1);
	return 1;
}

/* 1 if the line sets `key` ("key = ..."), not a comment. */
static int
line_is_key(const char *line, const char *key)
{
	const char *p = line + strspn(line, " \t");
	size_t n = strlen(key);

	if (strncmp(p, key, n))
		return 0;
	p += n;
	p += strspn(p, " \t");
	return *p == '=' || *p == ':';
}

static int
line_is_setting(const char *line)
{
	const char *p = line + strspn(line, " \t");

	return *p && *p != '#' && *p != ';' && *p != '[' && strchr(p, '=');
}

/*
 * Set each chosen key in place: the existing line of its section is replaced;
 * a key the section lacks goes after the section's last setting; a missing
 * section is appended.  Everything else, comments included, stays as it was.
 */
static void
edit_lines(struct lines *l, const struct setting *s, size_t n)
{
	char line[VALUE_MAX + 80], sec[64];

	for (size_t k = 0; k < n; k++) {
		size_t last = (size_t)-1, i;
		int in = 0, done = 0;

		if (!s[k].set)
			continue;
		snprintf(line, sizeof(line), "%s = %s", s[k].key, s[k].value);
		for (i = 0; i < l->n && !done; i++) {
			if (line_section(l->v[i], sec, sizeof(sec))) {
				if (in)
					break;
				in = !strcmp(sec, s[k].section);
				if (in)
					last = i;
			} else if (in && line_is_key(l->v[i], s[k].key)) {
				free(l->v[i]);
				if ((l->v[i] = strdup(line)) == NULL) {
					ctl_error("out of memory");
					exit(1);
				}
				done = 1;
			} else if (in && line_is_setting(l->v[i])) {
				last = i;
			}
		}
		if (done)
			continue;
		if (last != (size_t)-1) {
			lines_add(l, last + 1, line);
			continue;
		}
		snprintf(sec, sizeof(sec), "[%s]", s[k].section);
		if (l->n && l->v[l->n - 1][0])
			lines_add(l, l->n, "");
		lines_add(l, l->n, sec);
		lines_add(l, l->n, line);
	}
}

static int
read_lines(const char *path, struct lines *l)
{
	char buf[4096];
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return errno == ENOENT ? 0 : -1;
	while (fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\r\n")] = '\0';
		lines_add(l, l->n, buf);
	}
	fclose(f);
	return 0;
}

/*
 * Write `path` with the settings applied: a temporary file beside it (same
 * mode and owner), fsynced, checked with config_load(), then renamed over.
 * 0, or -1 with a message printed (2 if the result does not validate).
 */
static int
write_config(const char *path, const struct setting *s, size_t n, struct config *out)
{
	struct lines l = {0};
	struct stat st;
	char tmp[CONFIG_PATH_MAX + 16], dir[CONFIG_PATH_MAX], err[1024];
	int fd, exists, bad, rc = 1;
	FILE *f;

	if (strlen(path) >= CONFIG_PATH_MAX) {
		ctl_error("%s: path too long", path);
		return 2;
	}
	exists = stat(path, &st) == 0;
	if (read_lines(path, &l) < 0) {
		ctl_error("%s: %s", path, strerror(errno));
		return 1;
	}
	if (!exists)
		lines_add(
		    &l, 0,
		    "# Stempel kiosk config, written by stempelctl init.  Every key and "
		    "its default:\n# /usr/share/doc/stempel/examples/stempel.conf, stempeld(8).");
	edit_lines(&l, s, n);

	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		ctl_error("%s: %s", tmp, strerror(errno));
		lines_free(&l);
		return 1;
	}
	/* The file may hold upload secrets: keep its mode and owner, or 0640 when new. */
	if (fchmod(fd, exists ? st.st_mode & 07777 : 0640) < 0 ||
	    (exists && geteuid() == 0 && fchown(fd, st.st_uid, st.st_gid) < 0)) {
		ctl_error("%s: %s", tmp, strerror(errno));
		goto out;
	}
	f = fdopen(fd, "w");
	if (f == NULL) {
		ctl_error("%s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	for (size_t i = 0; i < l.n; i++)
		fprintf(f, "%s\n", l.v[i]);
	bad = fflush(f) != 0 || fsync(fileno(f)) < 0;
	if (fclose(f) != 0 || bad) {
		ctl_error("%s: %s", tmp, strerror(errno));
		goto out;
	}
	config_defaults(out);
	if (config_load(out, tmp, err, sizeof(err)) < 0) {
		ctl_error("%s would not be valid: %s", path, err);
		rc = 2;
		goto out;
	}
	if (rename(tmp, path) < 0) {
		ctl_error("%s: %s", path, strerror(errno));
		goto out;
	}
	tmp[0] = '\0';
	snprintf(out->path, sizeof(out->path), "%s", path);
	snprintf(dir, sizeof(dir), "%s", path);
	fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		fsync(fd);
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (tmp[0])
		unlink(tmp);
	lines_free(&l);
	return rc;
}

/* --- the state dir --- */

/*
 * Run as root on a packaged kiosk, init creates the key and database in a state
 * dir the service user owns: give them to that owner, or stempeld cannot open them.
 */
static void
match_state_owner(const struct config *cfg)
{
	static const char *const names[] = {"device.key", "stempel.db", "stempel.db-wal",
	                                    "stempel.db-shm"};
	char path[CONFIG_PATH_MAX + 32];
	struct stat st;

	if (geteuid() != 0 || stat(cfg->kiosk.state_dir, &st) < 0 || st.st_uid == 0)
		return;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		config_state_path(cfg, names[i], path, sizeof(path));
		if (lchown(path, st.st_uid, st.st_gid) < 0 && errno != ENOENT)
			ctl_error("%s: %s", path, strerror(errno));
	}
}

/* --- the admin account --- */

static int
get_password(const struct init_opts *o, int interactive, char *pw, size_t pwlen)
{
	char again[AUTH_PASSWORD_MAX + 2];

	for (;;) {
		if (o->password_stdin || !interactive) {
			if (!o->password_stdin) {
				ctl_error(
				    "--admin %s: the password comes from --admin-password-stdin",
				    o->admin);
				return 2;
			}
			if (read_line(pw, pwlen) < 0) {
				ctl_error(
				    "--admin-password-stdin: expected the password on one line");
				return 2;
			}
		} else if (ask("Password for the admin", NULL, pw, pwlen, 1) < 0 ||
		           ask("The same password again", NULL, again, sizeof(again), 1) < 0) {
			return 2;
		} else if (strcmp(pw, again)) {
			printf("The two passwords differ; again.\n");
			continue;
		}
		sodium_memzero(again, sizeof(again));
		if (auth_password_acceptable(pw) == 0)
			return 0;
		if (!interactive || o->password_stdin) {
			ctl_error(
			    "admin password: expected %d-%d characters, no control characters",
			    AUTH_PASSWORD_MIN, AUTH_PASSWORD_MAX);
			return 2;
		}
		printf("The password needs %d-%d characters, no control characters.\n",
		       AUTH_PASSWORD_MIN, AUTH_PASSWORD_MAX);
	}
}

/*
 * The admin account, as `stempelctl user add NAME --role admin` makes it; run
 * again, init gives an existing admin the new password (`user passwd`) and
 * enables it.  A teacher of that name is left alone.
 */
static int
create_admin(struct ctl *c, const char *username, const char *pw, const char *language)
{
	struct store_user u = {0};
	int rc;

	rc = store_user_get(c->store, username, &u);
	if (rc < 0) {
		ctl_error("database: %s", store_errmsg(c->store));
		return 1;
	}
	if (rc == 0 && strcmp(u.role, "admin")) {
		ctl_error("--admin %s: that user is a %s (stempelctl user ...)", username, u.role);
		return 2;
	}
	if (auth_init() < 0 || auth_password_hash(pw, u.pwhash, sizeof(u.pwhash)) < 0) {
		ctl_error("cannot hash the password (out of memory?)");
		return 1;
	}
	/* The same commands as `stempelctl user passwd|enable|add` (cmd/cmd_user_*.c). */
	if (rc == 0) {
		struct cmd_result r;

		rc = ctl_cmd_run(c, "user.passwd",
		                 json_pack("{s:s, s:s}", "username", username, "pwhash", u.pwhash),
		                 &r);
		if (rc == 0) {
			cmd_result_free(&r);
			rc = ctl_cmd_run(c, "user.enable", json_pack("{s:s}", "username", username),
			                 &r);
		}
		if (rc < 0)
			ctl_error("cannot save user '%s': %s", username, r.msg);
		cmd_result_free(&r);
	} else {
		struct cmd_result r;

		rc = ctl_cmd_run(c, "user.add",
		                 json_pack("{s:s, s:s, s:s, s:s}", "username", username, "role",
		                           "admin", "language", language, "pwhash", u.pwhash),
		                 &r);
		if (rc < 0)
			ctl_error("cannot save user '%s': %s", username, r.msg);
		cmd_result_free(&r);
	}
	sodium_memzero(u.pwhash, sizeof(u.pwhash));
	return rc < 0 ? 1 : 0;
}

/* --- the command --- */

static int
parse_flags(struct init_opts *o, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		char name[64];
		size_t len = strcspn(a, "=");
		int k;

		if (!strcmp(a, "--non-interactive")) {
			o->non_interactive = 1;
			continue;
		}
		if (!strcmp(a, "--admin-password-stdin")) {
			o->password_stdin = 1;
			continue;
		}
		if (strncmp(a, "--", 2) || len >= sizeof(name)) {
			init_usage();
			return 2;
		}
		snprintf(name, sizeof(name), "%.*s", (int)len, a);
		if (a[len] == '=')
			val = a + len + 1;
		else if (i + 1 < argc)
			val = argv[++i];
		if (val == NULL) {
			ctl_error("%s: expected a value", name);
			return 2;
		}
		if (!strcmp(name, "--config")) {
			o->config = val;
			continue;
		}
		if (!strcmp(name, "--admin")) {
			if (check_admin(val)) {
				ctl_error("--admin '%s': expected %s", val, check_admin(val));
				return 2;
			}
			snprintf(o->admin, sizeof(o->admin), "%s", val);
			continue;
		}
		for (k = 0; k < S_N; k++)
			if (o->s[k].flag && !strcmp(name, o->s[k].flag))
				break;
		if (k == S_N) {
			ctl_error("init: unknown option '%s'", name);
			init_usage();
			return 2;
		}
		if (strlen(val) >= VALUE_MAX) {
			ctl_error("%s: value too long", name);
			return 2;
		}
		snprintf(o->s[k].value, VALUE_MAX, "%s", val);
		o->s[k].set = 1;
		if (k == S_CONN) { /* a connstring means a real reader */
			snprintf(o->s[S_DRIVER].value, VALUE_MAX, "libnfc");
			o->s[S_DRIVER].set = 1;
		}
	}
	if (o->password_stdin && !o->admin[0]) {
		ctl_error("--admin-password-stdin: expected --admin USER too");
		return 2;
	}
	return 0;
}

/* Current value of a setting in `cfg`, the default offered when asking. */
static const char *
current(enum setting_id id, const struct config *cfg)
{
	switch (id) {
	case S_ID:
		return cfg->kiosk.id;
	case S_TZ:
		return cfg->kiosk.timezone;
	case S_LANG:
		return cfg->kiosk.language;
	case S_REGIME:
		return cfg->kiosk.regime;
	case S_URL:
		return cfg->upload.base_url;
	case S_STATE:
		return cfg->kiosk.state_dir;
	case S_DRIVER:
		return cfg->reader.driver == READER_LIBNFC ? "libnfc" : "sim";
	case S_CONN:
		return cfg->reader.connstring;
	case S_N:
		break;
	}
	return "";
}

static int
ask_all(struct init_opts *o, const struct config *cfg)
{
	char answer[VALUE_MAX];
	const char *why;

	printf("Stempel first-run setup: Enter keeps the value in brackets.\n");
	for (int k = 0; k < S_N; k++) {
		struct setting *s = &o->s[k];

		if (!s->question || (k == S_CONN && strcmp(o->s[S_DRIVER].value, "libnfc")))
			continue;
		for (;;) {
			if (ask(s->question, s->set ? s->value : current(k, cfg), answer,
			        sizeof(answer), 0) < 0)
				return 2;
			if (k == S_URL && !strcmp(answer, "-"))
				answer[0] = '\0';
			if ((why = check_setting(k, answer, cfg)) == NULL)
				break;
			printf("  expected %s\n", why);
		}
		snprintf(s->value, VALUE_MAX, "%s", answer);
		s->set = strcmp(answer, current(k, cfg)) != 0 || s->set;
	}
	for (;;) {
		if (ask("Admin account for the teacher board (- for none)",
		        o->admin[0] ? o->admin : "admin", answer, sizeof(answer), 0) < 0)
			return 2;
		if (!strcmp(answer, "-")) {
			o->admin[0] = '\0';
			return 0;
		}
		if ((why = check_admin(answer)) == NULL)
			break;
		printf("  expected %s\n", why);
	}
	snprintf(o->admin, sizeof(o->admin), "%.32s", answer);
	return 0;
}

int
ctl_init(struct ctl *c, int argc, char **argv)
{
	struct init_opts o = {
	    .s =
	        {
	            [S_ID] = {"kiosk", "id", "--kiosk-id",
	                      "Kiosk id (as the municipal system knows it)"},
	            [S_TZ] = {"kiosk", "timezone", "--timezone", "Time zone of the centre"},
	            [S_LANG] = {"kiosk", "language", "--language",
	                        "Screen language (nb nn en ar uk so ti fa-AF)"},
	            [S_REGIME] = {"kiosk", "regime", "--regime", "Default regime"},
	            [S_URL] = {"upload", "base_url", "--upload-url",
	                       "Upload URL of the municipal system (- for none)"},
	            [S_STATE] = {"kiosk", "state_dir", "--state-dir", NULL},
	            [S_DRIVER] = {"reader", "driver", NULL, "Card reader (sim or libnfc)"},
	            [S_CONN] = {"reader", "connstring", "--reader-connstring",
	                        "libnfc connstring of the reader"},
	        },
	};
	struct config *cfg = malloc(sizeof(*cfg));
	const char *target, *why;
	char err[1024], pw[AUTH_PASSWORD_MAX + 2] = "";
	struct cmd_result res;
	int interactive, rc, any = 0;

	if (cfg == NULL) {
		ctl_error("out of memory");
		return 1;
	}
	rc = parse_flags(&o, argc, argv);
	if (rc != 0)
		goto out;
	/* The file to write, and the values it holds now. */
	target = o.config ? o.config : c->cfg.path[0] ? c->cfg.path : NULL;
	*cfg = c->cfg;
	if (o.config) {
		config_defaults(cfg);
		if (access(o.config, F_OK) == 0 &&
		    config_load(cfg, o.config, err, sizeof(err)) < 0) {
			ctl_error("%s", err);
			rc = 2;
			goto out;
		}
	}
	interactive = !o.non_interactive && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	if (interactive && (rc = ask_all(&o, cfg)) != 0)
		goto out;
	for (int k = 0; k < S_N; k++) {
		if (!o.s[k].set)
			continue;
		if ((why = check_setting(k, o.s[k].value, cfg)) != NULL) {
			ctl_error("%s '%s': expected %s", o.s[k].flag ? o.s[k].flag : o.s[k].key,
			          o.s[k].value, why);
			rc = 2;
			goto out;
		}
		any = 1;
	}
	/* Everything asked and checked before anything is written. */
	if (o.admin[0] && (rc = get_password(&o, interactive, pw, sizeof(pw))) != 0)
		goto out;
	if (any) {
		if (target == NULL) {
			ctl_error("init: no config file to write: give --config FILE "
			          "(the package's is /etc/stempel/stempel.conf)");
			rc = 2;
			goto out;
		}
		if ((rc = write_config(target, o.s, S_N, cfg)) != 0)
			goto out;
		c->cfg = *cfg;
		printf("wrote %s\n", target);
	} else if (o.config && access(o.config, F_OK) == 0) {
		c->cfg = *cfg; /* nothing to change; still use that file's state dir */
	}

	rc = 1;
	if (ctl_open(c) < 0)
		goto out;
	/* The board speaks nb or en. */
	if (o.admin[0] &&
	    (rc = create_admin(c, o.admin, pw,
	                       strcmp(c->cfg.kiosk.language, "en") ? "nb" : "en")) != 0)
		goto out;
	snprintf(err, sizeof(err), "kiosk %s, upload %s%s%s", c->cfg.kiosk.id,
	         c->cfg.upload.base_url[0] ? c->cfg.upload.base_url : "off",
	         o.admin[0] ? ", admin " : "", o.admin);
	if (ctl_cmd_run(c, "kiosk.init", json_pack("{s:s}", "detail", err), &res) < 0) {
		ctl_error("%s", res.msg);
		goto out;
	}
	cmd_result_free(&res);
	match_state_owner(&c->cfg);
	printf("initialised %s (database, device key)\n", c->cfg.kiosk.state_dir);
	if (o.admin[0])
		printf("admin account '%s' ready for the teacher board\n", o.admin);
	if (any)
		printf("check it with: stempeld -c %s --check-config; then: systemctl restart "
		       "stempel\n",
		       c->cfg.path);
	rc = 0;
out:
	sodium_memzero(pw, sizeof(pw));
	free(cfg);
	return rc;
}
