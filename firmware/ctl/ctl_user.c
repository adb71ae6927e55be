/*
 * ctl_user.c — stempelctl user and audit: teacher and admin accounts for the
 * board (no account exists until an administrator makes one here), and the
 * audit log's hash-chain check.  Passwords are read from the terminal with
 * echo off, or from stdin with --password-stdin; they are never printed.
 */
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "auth.h"
#include "ctl.h"
#include "store.h"

/* One line from f without its newline; -1 on EOF or a line too long. */
static int
read_line(FILE *f, char *out, size_t outlen)
{
	size_t n;

	if (fgets(out, (int)outlen, f) == NULL)
		return -1;
	n = strlen(out);
	if (n && out[n - 1] == '\n')
		out[--n] = 0;
	else if (!feof(f))
		return -1;
	if (n && out[n - 1] == '\r')
		out[--n] = 0;
	return 0;
}

static int
prompt_hidden(const char *prompt, char *out, size_t outlen)
{
	struct termios old, quiet;
	int rc;

	fputs(prompt, stderr);
	fflush(stderr);
	if (tcgetattr(STDIN_FILENO, &old) < 0)
		return read_line(stdin, out, outlen);
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	rc = read_line(stdin, out, outlen);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	fputc('\n', stderr);
	return rc;
}

/* Read a new password (stdin, or the terminal twice) and hash it into pwhash. */
static int
new_password(int from_stdin, char *pwhash, size_t hashlen)
{
	char pw[AUTH_PASSWORD_MAX + 2], again[AUTH_PASSWORD_MAX + 2];
	int rc = 1;

	if (from_stdin) {
		if (read_line(stdin, pw, sizeof(pw)) < 0) {
			ctl_error("--password-stdin: expected one line with the password");
			return 2;
		}
	} else {
		if (!isatty(STDIN_FILENO)) {
			ctl_error("no terminal to ask for a password: use --password-stdin");
			return 2;
		}
		if (prompt_hidden("New password: ", pw, sizeof(pw)) < 0 ||
		    prompt_hidden("Again: ", again, sizeof(again)) < 0)
			return 2;
		if (strcmp(pw, again) != 0) {
			ctl_error("the passwords differ");
			rc = 2;
			goto out;
		}
	}
	if (auth_password_acceptable(pw) < 0) {
		ctl_error("password: expected %d-%d characters, no control characters",
		          AUTH_PASSWORD_MIN, AUTH_PASSWORD_MAX);
		rc = 2;
		goto out;
	}
	if (auth_init() < 0 || auth_password_hash(pw, pwhash, hashlen) < 0) {
		ctl_error("cannot hash the password (out of memory?)");
		goto out;
	}
	rc = 0;
out:
	sodium_memzero(pw, sizeof(pw));
	sodium_memzero(again, sizeof(again));
	return rc;
}

static int
user_add(struct ctl *c, int argc, char **argv)
{
	struct store_user u = {0};
	const char *role = NULL, *lang = "nb", *name = NULL;
	int from_stdin = 0, rc, bad = 0;

	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--role") && i + 1 < argc)
			role = argv[++i];
		else if (!strcmp(argv[i], "--language") && i + 1 < argc)
			lang = argv[++i];
		else if (!strcmp(argv[i], "--password-stdin"))
			from_stdin = 1;
		else if (argv[i][0] != '-' && name == NULL)
			name = argv[i];
		else
			bad = 1;
	}
	if (bad || name == NULL || role == NULL) {
		ctl_error("usage: stempelctl user add NAME --role teacher|admin [--language nb|en] "
		          "[--password-stdin]");
		return 2;
	}
	if (auth_username_valid(name) < 0) {
		ctl_error("user name '%s': expected 1-32 of a-z 0-9 . _ - (lower case)", name);
		return 2;
	}
	if (auth_role_parse(role) < 0) {
		ctl_error("--role %s: expected teacher or admin", role);
		return 2;
	}
	if (strcmp(lang, "nb") && strcmp(lang, "en")) {
		ctl_error("--language %s: expected nb or en", lang);
		return 2;
	}
	snprintf(u.username, sizeof(u.username), "%s", name);
	snprintf(u.role, sizeof(u.role), "%s", role);
	snprintf(u.language, sizeof(u.language), "%s", lang);
	if (ctl_open(c) < 0)
		return 1;
	if (store_user_get(c->store, u.username, &u) == 0) {
		ctl_error("user '%s' exists (use: stempelctl user passwd %s)", name, name);
		return 1;
	}
	if ((rc = new_password(from_stdin, u.pwhash, sizeof(u.pwhash))) != 0)
		return rc;
	/* The hash travels, never the password (cmd/cmd_user_add.c). */
	rc = ctl_cmd_nf(c, "user.add",
	                json_pack("{s:s, s:s, s:s, s:s}", "username", u.username, "role", u.role,
	                          "language", u.language, "pwhash", u.pwhash),
	                1);
	sodium_memzero(u.pwhash, sizeof(u.pwhash));
	return rc;
}

static int
print_user(void *arg, const struct store_user *u)
{
	char when[32];
	time_t t = (time_t)(u->created_ms / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
	printf("%-24s %-8s %-3s %-9s %s\n", u->username, u->role, u->language,
	       u->disabled ? "disabled" : "active", when);
	return 0;
}

static int
user_change(struct ctl *c, int argc, char **argv)
{
	const char *verb = argv[1];
	char pwhash[AUTH_HASH_MAX];
	int rc, from_stdin = argc == 4 && !strcmp(argv[3], "--password-stdin");

	if (argc < 3 || (argc != 3 && !(!strcmp(verb, "passwd") && from_stdin))) {
		ctl_error("usage: stempelctl user %s NAME%s", verb,
		          strcmp(verb, "passwd") ? "" : " [--password-stdin]");
		return 2;
	}
	if (ctl_open(c) < 0)
		return 1;
	if (!strcmp(verb, "passwd")) {
		struct store_user u;

		if (store_user_get(c->store, argv[2], &u) != 0) {
			ctl_error("no user '%s'", argv[2]);
			return 1;
		}
		if ((rc = new_password(from_stdin, pwhash, sizeof(pwhash))) != 0)
			return rc;
		rc = ctl_cmd_nf(c, "user.passwd",
		                json_pack("{s:s, s:s}", "username", argv[2], "pwhash", pwhash), 1);
		sodium_memzero(pwhash, sizeof(pwhash));
		return rc;
	}
	return ctl_cmd_nf(c, !strcmp(verb, "disable") ? "user.disable" : "user.enable",
	                  json_pack("{s:s}", "username", argv[2]), 1);
}

int
ctl_user(struct ctl *c, int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "add"))
		return user_add(c, argc, argv);
	if (argc == 2 && !strcmp(argv[1], "list")) {
		if (ctl_open(c) < 0)
			return 1;
		printf("%-24s %-8s %-3s %-9s %s\n", "USER", "ROLE", "LNG", "STATE", "CREATED");
		return store_user_each(c->store, print_user, NULL) < 0 ? 1 : 0;
	}
	if (argc >= 2 && (!strcmp(argv[1], "passwd") || !strcmp(argv[1], "disable") ||
	                  !strcmp(argv[1], "enable")))
		return user_change(c, argc, argv);
	ctl_error("usage: stempelctl user add|list|passwd|disable|enable ...");
	return 2;
}

int
ctl_audit(struct ctl *c, int argc, char **argv)
{
	int64_t n, bad;
	char why[256] = "";
	int rc;

	if (argc != 2 || strcmp(argv[1], "verify")) {
		ctl_error("usage: stempelctl audit verify");
		return 2;
	}
	if (ctl_open(c) < 0)
		return 1;
	rc = store_audit_verify(c->store, &n, &bad, why, sizeof(why));
	if (rc == 0) {
		printf("audit log intact: %lld entries\n", (long long)n);
		return 0;
	}
	if (rc == 1)
		printf("audit log BROKEN at entry %lld: %s (%lld entries before it are intact)\n",
		       (long long)bad, why, (long long)n);
	else
		ctl_error("cannot read the audit log: %s", why);
	return 1;
}
