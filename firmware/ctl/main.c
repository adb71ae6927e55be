/*
 * main.c — stempelctl: the administrator's tool for every admin task.  While
 * stempeld runs, every change goes to it over the control socket and reads use a
 * read-only connection; with the daemon stopped, the same commands run here on
 * the database.  Exit codes: 0 ok, 1 failed, 2 bad usage/input.
 */
#include <getopt.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <errno.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "log.h"
#include "store.h"

static void
usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: stempelctl [-c FILE] COMMAND ...\n"
	    "\n"
	    "  init [--non-interactive] [options]    first-run setup: config, state dir, device "
	    "key,\n"
	    "                                        database, admin account (stempelctl(8))\n"
	    "      --config FILE  --kiosk-id ID  --upload-url URL  --timezone TZ  --language L\n"
	    "      --regime R  --state-dir DIR  --reader-connstring CS\n"
	    "      --admin USER  --admin-password-stdin\n"
	    "  participant add ID NAME [options]     add or update a participant\n"
	    "      --language L  --regime R  --rate full|under25_alone|under25_with_parents\n"
	    "      --start YYYY-MM-DD  --group G  --schedule \"1-5 08:30-14:30[,6 10:00-12:00]\"\n"
	    "  participant list                      list participants\n"
	    "  card enroll UID PARTICIPANT-ID        give a card to a participant\n"
	    "  card revoke UID [--reason TEXT]       block a card\n"
	    "  closure add DATE --reason TEXT        the whole centre is closed that day\n"
	    "  roster import FILE.json               replace the roster (PROTOCOL.md shape)\n"
	    "  outbox dead list                      events the municipal system refused\n"
	    "  outbox dead retry ID | --all          send a dead letter (or all) again\n"
	    "  tap UID                               tap a card on the simulated reader\n"
	    "  status                                database and daemon state\n"
	    "  rules eval FILE.json|-                compute a scenario (RULES.md), print JSON\n"
	    "  user add NAME --role teacher|admin    a board account; asks for the password\n"
	    "      [--language nb|en] [--password-stdin]\n"
	    "  user list                             board accounts\n"
	    "  user passwd NAME [--password-stdin]   new password (signs the user out)\n"
	    "  user disable|enable NAME              block or unblock an account\n"
	    "  audit verify                          check the audit log's hash chain\n"
	    "  token create --scope payroll [--name N]  an API token for payroll (shown once)\n"
	    "  token list | token revoke ID          API tokens\n"
	    "  g add DATE AMOUNT | g list            base amount G (whole kroner) from DATE;\n"
	    "                                        recomputes, adjusts closed pay periods\n"
	    "  period list | show ID [--csv]         pay periods and their stipend lines\n"
	    "  period close ID [--reason R]          freeze a pay period\n"
	    "  absence add PARTICIPANT CATEGORY FROM [TO] [--start HH:MM --end HH:MM]\n"
	    "      [--documentation D] [--comment C] register an absence\n"
	    "  absence revoke UUID --reason R        withdraw an absence\n"
	    "  correction add PARTICIPANT DATE HH:MM in|out --reason R\n"
	    "  correction remove PARTICIPANT TAP-ID --reason R\n"
	    "  attendance show PARTICIPANT FROM [TO] days, minutes, deductions and quotas (JSON)\n"
	    "  attendance results-from [DATE]        first day whose results are stored and sent\n"
	    "\n"
	    "  -c, --config FILE  config file (default: $STEMPEL_CONFIG, then\n"
	    "                     /etc/stempel/stempel.conf, else embedded defaults)\n");
}

void
ctl_error(const char *fmt, ...)
{
	va_list ap;

	fputs("stempelctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
ctl_open(struct ctl *c)
{
	char path[CONFIG_PATH_MAX + 32], err[1024];
	int fd, rc;

	if (c->store)
		return 0;
	if (mkdir(c->cfg.kiosk.state_dir, 0700) < 0 && errno != EEXIST) {
		ctl_error("[kiosk] state_dir %s: %s", c->cfg.kiosk.state_dir, strerror(errno));
		return -1;
	}
	if (cardkey_load(&c->key, c->cfg.kiosk.state_dir, err, sizeof(err)) < 0) {
		ctl_error("%s", err);
		return -1;
	}
	config_state_path(&c->cfg, "stempel.db", path, sizeof(path));
	/*
	 * While stempeld runs it is the only writer: we read on a read-only
	 * connection (our changes go over the control socket, ctl_cmd.c) and never
	 * migrate its database.  Stopped: read-write, created and migrated here.
	 */
	if ((fd = ctl_connect(c)) >= 0) {
		close(fd);
		rc = store_open_readonly(&c->store, path, err, sizeof(err));
	} else {
		rc = store_open(&c->store, path, err, sizeof(err));
	}
	if (rc < 0) {
		ctl_error("%s", err);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	struct ctl c = {0};
	const char *path = NULL, *user;
	char err[1024];
	int opt, rc;

	/* '+': stop at the first non-option, so sub-commands keep their own flags */
	while ((opt = getopt_long(argc, argv, "+c:hV", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("stempelctl %s\n", STEMPEL_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || !strcmp(argv[0], "help")) {
		usage(argc < 1 ? stderr : stdout);
		return argc < 1 ? 2 : 0;
	}
	if (config_init(&c.cfg, path, err, sizeof(err)) < 0) {
		ctl_error("%s", err);
		return 2;
	}
	log_open("stempelctl", 0, LOG_LVL_WARN);
	setenv("TZ", c.cfg.kiosk.timezone, 1);
	tzset();
	/*
	 * The audit log names the person: sudo's caller, else the account running
	 * us (from the password database, not $USER, which a cron job may lack).
	 */
	user = getenv("SUDO_USER");
	if (user == NULL || !*user) {
		struct passwd *pw = getpwuid(getuid());

		user = pw ? pw->pw_name : NULL;
	}
	if (user && *user)
		snprintf(c.who, sizeof(c.who), "cli:%s", user);
	else
		snprintf(c.who, sizeof(c.who), "cli:uid%ld", (long)getuid());

	if (!strcmp(argv[0], "init"))
		rc = ctl_init(&c, argc, argv);
	else if (!strcmp(argv[0], "participant"))
		rc = ctl_participant(&c, argc, argv);
	else if (!strcmp(argv[0], "card"))
		rc = ctl_card(&c, argc, argv);
	else if (!strcmp(argv[0], "roster"))
		rc = ctl_roster(&c, argc, argv);
	else if (!strcmp(argv[0], "tap"))
		rc = ctl_tap(&c, argc, argv);
	else if (!strcmp(argv[0], "status"))
		rc = ctl_status(&c, argc, argv);
	else if (!strcmp(argv[0], "rules"))
		rc = ctl_rules(argc, argv, &c.cfg);
	else if (!strcmp(argv[0], "user"))
		rc = ctl_user(&c, argc, argv);
	else if (!strcmp(argv[0], "audit"))
		rc = ctl_audit(&c, argc, argv);
	else if (!strcmp(argv[0], "token"))
		rc = ctl_token(&c, argc, argv);
	else if (!strcmp(argv[0], "g"))
		rc = ctl_g(&c, argc, argv);
	else if (!strcmp(argv[0], "period"))
		rc = ctl_period(&c, argc, argv);
	else if (!strcmp(argv[0], "absence"))
		rc = ctl_absence(&c, argc, argv);
	else if (!strcmp(argv[0], "closure"))
		rc = ctl_closure(&c, argc, argv);
	else if (!strcmp(argv[0], "correction"))
		rc = ctl_correction(&c, argc, argv);
	else if (!strcmp(argv[0], "attendance"))
		rc = ctl_attendance(&c, argc, argv);
	else if (!strcmp(argv[0], "outbox"))
		rc = ctl_outbox(&c, argc, argv);
	else {
		ctl_error("unknown command '%s' (try: stempelctl help)", argv[0]);
		rc = 2;
	}
	store_close(c.store);
	return rc;
}
