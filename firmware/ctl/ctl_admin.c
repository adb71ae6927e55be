/*
 * ctl_admin.c — stempelctl's admin commands: participant, card, roster, tap
 * and status (init is in ctl_init.c).  Every change is written to the audit
 * log with who did it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "clock.h"
#include "curl_dl.h"
#include "ctl.h"
#include "nfc.h"
#include "roster.h"
#include "store.h"

static int
participant_add(struct ctl *c, int argc, char **argv)
{
	json_t *args;

	if (argc < 4) {
		ctl_error("usage: stempelctl participant add ID NAME [--language L] [--regime R] "
		          "[--rate R] [--start YYYY-MM-DD] [--group G] [--schedule SPEC]");
		return 2;
	}
	if ((args = json_pack("{s:s, s:s}", "id", argv[2], "name", argv[3])) == NULL) {
		ctl_error("out of memory");
		return 1;
	}
	for (int i = 4; i < argc; i += 2) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		static const char *const keys[][2] = {
		    {"--language", "language"}, {"--regime", "regime"},     {"--rate", "rate"},
		    {"--start", "start"},       {"--schedule", "schedule"}, {"--group", "group"},
		};
		size_t k;

		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (!strcmp(opt, keys[k][0]))
				break;
		if (val == NULL || k == sizeof(keys) / sizeof(keys[0])) {
			ctl_error("%s%s: expected --language L, --regime R, --rate "
			          "full|under25_alone|under25_with_parents, --start YYYY-MM-DD, "
			          "--group G or "
			          "--schedule \"1-5 08:30-14:30\", each with a value",
			          opt, val ? "" : " (no value)");
			json_decref(args);
			return 2;
		}
		json_object_set_new(args, keys[k][1], json_string(val));
	}
	/* The values are checked by the command (cmd/cmd_participant_add.c). */
	return ctl_cmd(c, "participant.add", args);
}

static int
print_participant(void *arg, const struct store_participant *p)
{
	printf("%-12s %-30s %-6s %-22s %s%s\n", p->ext_id, p->name, p->language, p->regime,
	       p->programme_start, p->active ? "" : "  (inactive)");
	return 0;
}

int
ctl_participant(struct ctl *c, int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "add"))
		return participant_add(c, argc, argv);
	if (argc == 2 && !strcmp(argv[1], "list")) {
		if (ctl_open(c) < 0)
			return 1;
		return store_participant_each(c->store, print_participant, NULL) < 0 ? 1 : 0;
	}
	ctl_error("usage: stempelctl participant add|list ...");
	return 2;
}

int
ctl_card(struct ctl *c, int argc, char **argv)
{
	int revoke_ok = argc == 3 || (argc == 5 && !strcmp(argv[3], "--reason"));

	if (argc < 3 || (strcmp(argv[1], "enroll") && strcmp(argv[1], "revoke")) ||
	    (!strcmp(argv[1], "enroll") && argc != 4) ||
	    (!strcmp(argv[1], "revoke") && !revoke_ok)) {
		ctl_error("usage: stempelctl card enroll UID PARTICIPANT-ID | card revoke UID "
		          "[--reason TEXT]");
		return 2;
	}
	/* The UID is keyed by the command (cmd_card.c): it never reaches the database. */
	if (!strcmp(argv[1], "enroll"))
		return ctl_cmd(c, "card.enroll",
		               json_pack("{s:s, s:s}", "uid", argv[2], "participant", argv[3]));
	if (argc == 5)
		return ctl_cmd(c, "card.revoke",
		               json_pack("{s:s, s:s}", "uid", argv[2], "reason", argv[4]));
	return ctl_cmd(c, "card.revoke", json_pack("{s:s}", "uid", argv[2]));
}

/* closure add DATE --reason TEXT: the whole centre is closed that day (closure.add). */
int
ctl_closure(struct ctl *c, int argc, char **argv)
{
	if (argc != 5 || strcmp(argv[1], "add") || strcmp(argv[3], "--reason")) {
		ctl_error("usage: stempelctl closure add YYYY-MM-DD --reason TEXT");
		return 2;
	}
	return ctl_cmd(c, "closure.add",
	               json_pack("{s:s, s:s}", "date", argv[2], "reason", argv[4]));
}

static char *
read_file(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	char *buf = NULL;
	size_t cap = 0, n;

	*len = 0;
	if (f == NULL)
		return NULL;
	do {
		if (*len + 65536 > cap) {
			char *nb = realloc(buf, cap = cap * 2 + 65536);

			if (nb == NULL) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
		}
		n = fread(buf + *len, 1, cap - *len, f);
		*len += n;
	} while (n > 0);
	if (f != stdin)
		fclose(f);
	return buf;
}

/* Rosters larger than this go to a running daemon as a path, not in the request. */
#define ROSTER_INLINE_MAX (8u * 1024 * 1024)

int
ctl_roster(struct ctl *c, int argc, char **argv)
{
	struct roster *r;
	char err[1024], *text, *nt;
	json_t *args;
	size_t len;

	if (argc != 3 || strcmp(argv[1], "import")) {
		ctl_error("usage: stempelctl roster import FILE.json");
		return 2;
	}
	text = read_file(argv[2], &len);
	if (text == NULL) {
		ctl_error("%s: %s", argv[2], strerror(errno));
		return 2;
	}
	if ((nt = realloc(text, len + 1)) == NULL) {
		free(text);
		ctl_error("out of memory");
		return 1;
	}
	text = nt;
	text[len] = '\0';
	/* Checked here too, so a bad file is named before anything is sent. */
	if (roster_parse(text, len, &r, err, sizeof(err)) < 0) {
		ctl_error("%s: %s", argv[2], err);
		free(text);
		return 2;
	}
	{
		char dir[CONFIG_PATH_MAX] = "";

		if (config_regime_dir(&c->cfg, dir, sizeof(dir)) < 0 ||
		    roster_check_refs(r, dir, err, sizeof(err)) < 0) {
			ctl_error("%s: %s", argv[2], dir[0] ? err : "no regime directory found");
			roster_free(r);
			free(text);
			return 2;
		}
	}
	roster_free(r);
	if (len > ROSTER_INLINE_MAX) {
		/* Past what one control-socket request carries: the daemon reads the file. */
		char *abs = realpath(argv[2], NULL);

		free(text);
		if (abs == NULL) {
			ctl_error("%s: %s", argv[2], strerror(errno));
			return 2;
		}
		args = json_pack("{s:s, s:s}", "path", abs, "source", argv[2]);
		free(abs);
		return ctl_cmd(c, "roster.import", args);
	}
	args = json_pack("{s:s, s:s}", "text", text, "source", argv[2]);
	free(text);
	return ctl_cmd(c, "roster.import", args);
}

int
ctl_tap(struct ctl *c, int argc, char **argv)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	char uid[NFC_UID_MAX], path[CONFIG_PATH_MAX + 32], reply[128];
	ssize_t n;
	int fd;

	if (argc != 2) {
		ctl_error("usage: stempelctl tap UID");
		return 2;
	}
	if (nfc_uid_normalize(argv[1], uid, sizeof(uid)) < 0) {
		ctl_error("UID '%s': expected 4, 7 or 10 bytes in hex (e.g. 04A1B2C3)", argv[1]);
		return 2;
	}
	if (c->cfg.reader.socket[0])
		snprintf(path, sizeof(path), "%s", c->cfg.reader.socket);
	else
		config_state_path(&c->cfg, "reader.sock", path, sizeof(path));
	if (strlen(path) >= sizeof(sun.sun_path)) {
		ctl_error("%s: path too long", path);
		return 1;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		ctl_error("%s: %s (is stempeld running with [reader] driver = sim?)", path,
		          strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	dprintf(fd, "%s\n", uid);
	n = read(fd, reply, sizeof(reply) - 1);
	close(fd);
	if (n <= 0) {
		ctl_error("%s: no answer from the simulated reader", path);
		return 1;
	}
	reply[n] = '\0';
	reply[strcspn(reply, "\n")] = '\0';
	if (strncmp(reply, "ok", 2)) {
		ctl_error("reader: %s", reply);
		return 1;
	}
	printf("tapped %s (the answer is on the kiosk screen)\n", uid);
	return 0;
}

static size_t
collect(char *data, size_t size, size_t nmemb, void *arg)
{
	json_t **out = arg;
	json_error_t jerr;

	/* /healthz answers in one small body; a partial parse is a failure below. */
	*out = json_loadb(data, size * nmemb, 0, &jerr);
	return size * nmemb;
}

int
ctl_status(struct ctl *c, int argc, char **argv)
{
	struct store_outbox_stats ob;
	struct store_counts n;
	char url[128], today[11];
	time_t now = (time_t)(clock_wall_ms() / 1000);
	struct tm tm;
	json_t *health = NULL;
	long code = 0;
	CURL *curl;
	char why[256];
	int rc = 0;

	if (argc != 1) {
		ctl_error("usage: stempelctl status");
		return 2;
	}
	if (ctl_open(c) < 0)
		return 1;
	localtime_r(&now, &tm);
	strftime(today, sizeof(today), "%Y-%m-%d", &tm);
	if (store_counts(c->store, today, &n) < 0 || store_outbox_stats(c->store, &ob) < 0) {
		ctl_error("database: %s", store_errmsg(c->store));
		return 1;
	}
	printf("kiosk          %s\n", c->cfg.kiosk.id);
	printf("state dir      %s\n", c->cfg.kiosk.state_dir);
	printf("participants   %lld active, %lld cards\n", (long long)n.participants_active,
	       (long long)n.cards_active);
	printf("taps           %lld today, %lld in all\n", (long long)n.taps_today,
	       (long long)n.taps);
	printf("outbox         %lld pending, %lld delivered, %lld dead letters",
	       (long long)ob.pending, (long long)ob.delivered, (long long)ob.dead);
	if (ob.oldest_pending_ms)
		printf(", oldest pending %lld s", (long long)(now - ob.oldest_pending_ms / 1000));
	printf("\n");

	snprintf(url, sizeof(url), "http://%s:%d/healthz",
	         strchr(c->cfg.web.listen, ':') ? "[::1]" : c->cfg.web.listen, c->cfg.web.port);
	/* libcurl is loaded on demand (uploader/curl_dl.c): a missing one is said, not fatal */
	if (curl_dl_load(why, sizeof(why)) < 0) {
		printf("daemon         not asked: %s\n", why);
		return 1;
	}
	curl = curl_easy_init();
	if (curl) {
		curl_easy_setopt(curl, CURLOPT_URL, url);
		curl_easy_setopt(curl, CURLOPT_TIMEOUT, 3L);
		curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
		curl_easy_setopt(curl, CURLOPT_WRITEDATA, &health);
		if (curl_easy_perform(curl) == CURLE_OK)
			curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
		curl_easy_cleanup(curl);
	}
	if (health == NULL) {
		printf("daemon         not reachable at %s\n", url);
		return 1;
	}
	printf("daemon         %s (%s)\n", code == 200 ? "healthy" : "FAILING", url);
	json_dumpf(json_object_get(health, "checks"), stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
	printf("\n");
	rc = code == 200 ? 0 : 1;
	json_decref(health);
	return rc;
}
