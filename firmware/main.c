/*
 * main.c — stempeld: read the config, open the kiosk, run the loop until
 * SIGINT or SIGTERM.  Exit codes: 0 clean stop, 1 runtime failure at start
 * (database, port, reader), 2 bad command line or config.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "config.h"
#include "kiosk.h"
#include "log.h"
#include "loop.h"
#include "memtrim.h"
#include "uploader.h"
#include "regime.h"
#include "sdnotify.h"

static void
usage(FILE *f)
{
	fprintf(f, "usage: stempeld [-c FILE] [--check-config] [-V]\n"
	           "  -c, --config FILE  config file (default: $STEMPEL_CONFIG, then\n"
	           "                     /etc/stempel/stempel.conf, else embedded defaults)\n"
	           "      --check-config validate the config and the regime files, and exit\n"
	           "  -V, --version      print the version\n");
}

/*
 * --check-config: the default regime ([kiosk] regime) and every other regime
 * file of the regime dir must load.  0, or 2 with the file, line and key printed.
 */
static int
check_regimes(const struct config *cfg)
{
	struct rules_regime *r = malloc(sizeof(*r));
	char dir[CONFIG_PATH_MAX], name[256], err[1024];
	struct dirent *e;
	int rc = 0, n = 0;
	DIR *d;

	if (r == NULL || config_regime_dir(cfg, dir, sizeof(dir)) < 0 ||
	    (d = opendir(dir)) == NULL) {
		fprintf(stderr, "stempeld: %s: no regime directory (%s)\n",
		        r ? dir : "out of memory",
		        "[kiosk] regime_dir, $STEMPEL_REGIME_DIR, "
		        "/usr/share/stempel/regimes");
		free(r);
		return 2;
	}
	if (regime_load(dir, cfg->kiosk.regime, r, err, sizeof(err)) < 0) {
		fprintf(stderr, "stempeld: [kiosk] regime: %s\n", err);
		rc = 2;
	}
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);

		if (len <= 4 || len >= sizeof(name) || strcmp(e->d_name + len - 4, ".ini"))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(len - 4), e->d_name);
		if (regime_load(dir, name, r, err, sizeof(err)) < 0) {
			fprintf(stderr, "stempeld: %s\n", err);
			rc = 2;
		}
		n++;
	}
	closedir(d);
	free(r);
	if (rc == 0)
		printf("%s: ok (%d regimes, default %s)\n", dir, n, cfg->kiosk.regime);
	return rc;
}

/* The daemon needs at least its default regime: refuse to start without it (exit 2). */
static int
check_default_regime(const struct config *cfg)
{
	struct rules_regime *r = malloc(sizeof(*r));
	char dir[CONFIG_PATH_MAX], err[1024];
	int rc = 0;

	if (r == NULL)
		return 1;
	if (config_regime_dir(cfg, dir, sizeof(dir)) < 0) {
		fprintf(stderr,
		        "stempeld: %s: no regime directory ([kiosk] regime_dir, "
		        "$STEMPEL_REGIME_DIR, /usr/share/stempel/regimes)\n",
		        dir);
		rc = 2;
	} else if (regime_load(dir, cfg->kiosk.regime, r, err, sizeof(err)) < 0) {
		fprintf(stderr, "stempeld: [kiosk] regime: %s\n", err);
		rc = 2;
	}
	free(r);
	return rc;
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	log_info("stempeld: %s, stopping", strsignal((int)sig));
	event_base_loopbreak(arg);
}

/* systemd watchdog: a ping from the loop proves the loop is alive. */
static void
on_watchdog(evutil_socket_t fd, short what, void *arg)
{
	sdnotify_send("WATCHDOG=1");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"check-config", no_argument, NULL, 'C'},
	    {"version", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *path = NULL;
	struct config cfg;
	struct event_base *base;
	struct event *sigint, *sigterm, *wd = NULL;
	struct memtrim *trim;
	int failed;
	struct kiosk *k;
	char err[1024];
	uint64_t wd_usec = 0;
	int c, check_only = 0;

	while ((c = getopt_long(argc, argv, "c:Vh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'C':
			check_only = 1;
			break;
		case 'V':
			printf("stempeld %s\n", STEMPEL_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (config_init(&cfg, path, err, sizeof(err)) < 0) {
		fprintf(stderr, "stempeld: %s\n", err);
		return 2;
	}
	/* cert, key and CA files: named with the system's reason, before anything starts */
	if (config_check_files(&cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "stempeld: %s: %s\n", cfg.path[0] ? cfg.path : "config", err);
		return 2;
	}
	if (check_only) {
		/* the upload settings, when uploads are on: URL, auth mode, key files */
		if (cfg.upload.base_url[0] && uploader_check_config(&cfg, err, sizeof(err)) < 0) {
			fprintf(stderr, "stempeld: %s: %s\n", cfg.path[0] ? cfg.path : "config",
			        err);
			return 2;
		}
		printf("%s: ok\n", cfg.path[0] ? cfg.path : "(embedded defaults)");
		return check_regimes(&cfg);
	}
	if ((c = check_default_regime(&cfg)) != 0)
		return c;
	log_open("stempeld", cfg.kiosk.log_syslog, cfg.kiosk.log_level);
	/* Lines are written off the loop from here on; what waits is written at exit. */
	if (log_async_start() == 0)
		atexit(log_async_stop);
	else
		log_warn("stempeld: no log thread; lines are written on the loop");
	if (cfg.path[0] == '\0')
		log_info("stempeld: no config file; embedded defaults, state in ./%s",
		         cfg.kiosk.state_dir);
	/* Rules and the screen work in the centre's zone, whatever the board's. */
	setenv("TZ", cfg.kiosk.timezone, 1);
	tzset();
	signal(SIGPIPE, SIG_IGN);

	if (evthread_use_pthreads() < 0 || (base = loop_base_new()) == NULL) {
		log_err("stempeld: cannot create the event loop");
		return 1;
	}
	k = kiosk_start(base, &cfg, err, sizeof(err));
	if (k == NULL) {
		log_err("stempeld: %s", err);
		event_base_free(base);
		return 1;
	}
	sigint = evsignal_new(base, SIGINT, on_signal, base);
	sigterm = evsignal_new(base, SIGTERM, on_signal, base);
	evsignal_add(sigint, NULL);
	evsignal_add(sigterm, NULL);
	if ((wd_usec = sdnotify_watchdog_usec()) > 0) {
		struct timeval tv = {(time_t)(wd_usec / 2000000),
		                     (suseconds_t)(wd_usec / 2 % 1000000)};

		wd = event_new(base, -1, EV_PERSIST, on_watchdog, NULL);
		event_add(wd, &tv);
	}
	/* Memory freed after a big answer goes back to the kernel (memtrim.c). */
	trim = memtrim_start(base, 5000);
	sdnotify_send("READY=1");
	log_info("stempeld %s: ready (kiosk %s)", STEMPEL_VERSION, cfg.kiosk.id);

	event_base_dispatch(base);

	sdnotify_send("STOPPING=1");
	failed = kiosk_failed(k);
	kiosk_stop(k);
	memtrim_stop(trim);
	if (wd)
		event_free(wd);
	event_free(sigint);
	event_free(sigterm);
	event_base_free(base);
	libevent_global_shutdown();
	log_info("stempeld: stopped");
	return failed;
}
