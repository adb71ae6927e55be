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

#include "ctl.h"
#include "nfc.h"
#include "roster.h"
#include "store.h"

#define SESSIONS_MAX 64

/*
 * "1-5 08:30-14:30; 6 10:00-12:00 offsite": groups separated by ';', each a
 * weekday range or list (1 = Monday) and a time range.
 */
static int
parse_schedule(const char *spec, struct store_session *out, size_t *n)
{
	char buf[512], *save = NULL, *grp;

	*n = 0;
	if (strlen(spec) >= sizeof(buf))
		return -1;
	strcpy(buf, spec);
	for (grp = strtok_r(buf, ";", &save); grp; grp = strtok_r(NULL, ";", &save)) {
		char days[64], times[64], extra[16] = "";
		char from[8], to[8];
		int d1, d2, a, b, k;
		int mask = 0;

		k = sscanf(grp, " %63s %63s %15s", days, times, extra);
		if (k < 2 || (k == 3 && strcmp(extra, "offsite")))
			return -1;
		for (char *p = days; *p;) {
			if (sscanf(p, "%d-%d", &d1, &d2) == 2) {
			} else if (sscanf(p, "%d", &d1) == 1) {
				d2 = d1;
			} else {
				return -1;
			}
			if (d1 < 1 || d2 > 7 || d1 > d2)
				return -1;
			for (int d = d1; d <= d2; d++)
				mask |= 1 << d;
			p = strchr(p, ',');
			if (p == NULL)
				break;
			p++;
		}
		if (sscanf(times, "%7[0-9:]-%7[0-9:]", from, to) != 2 ||
		    roster_parse_hhmm(from, &a) < 0 || roster_parse_hhmm(to, &b) < 0 || b <= a)
			return -1;
		for (int d = 1; d <= 7; d++)
			if (mask & (1 << d)) {
				if (*n == SESSIONS_MAX)
					return -1;
				out[(*n)++] = (struct store_session){d, a, b, k == 3};
			}
	}
	return *n ? 0 : -1;
}

static int
participant_add(struct ctl *c, int argc, char **argv)
{
	struct store_participant p = {.active = 1};
	struct store_session ss[SESSIONS_MAX];
	const char *schedule = NULL;
	size_t n = 0;
	int64_t id;
	char detail[256];

	if (argc < 4) {
		ctl_error("usage: stempelctl participant add ID NAME [--language L] [--regime R] "
			  "[--rate R] [--start YYYY-MM-DD] [--schedule SPEC]");
		return 2;
	}
	if (roster_valid_ext_id(argv[2]) < 0) {
		ctl_error("participant id '%s': expected 1-39 letters, digits, '-', '_' or '.'", argv[2]);
		return 2;
	}
	snprintf(p.ext_id, sizeof(p.ext_id), "%s", argv[2]);
	snprintf(p.name, sizeof(p.name), "%s", argv[3]);
	snprintf(p.language, sizeof(p.language), "nb");
	snprintf(p.regime, sizeof(p.regime), "%s", c->cfg.kiosk.regime);
	snprintf(p.rate, sizeof(p.rate), "full");
	{
		time_t now = time(NULL);
		struct tm tm;

		localtime_r(&now, &tm);
		strftime(p.programme_start, sizeof(p.programme_start), "%Y-%m-%d", &tm);
	}
	for (int i = 4; i < argc; i += 2) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (val == NULL) {
			ctl_error("%s: expected a value", opt);
			return 2;
		}
		if (!strcmp(opt, "--language"))
			snprintf(p.language, sizeof(p.language), "%s", val);
		else if (!strcmp(opt, "--regime"))
			snprintf(p.regime, sizeof(p.regime), "%s", val);
		else if (!strcmp(opt, "--rate") && roster_valid_rate(val) == 0)
			snprintf(p.rate, sizeof(p.rate), "%s", val);
		else if (!strcmp(opt, "--start") && roster_valid_date(val) == 0)
			snprintf(p.programme_start, sizeof(p.programme_start), "%s", val);
		else if (!strcmp(opt, "--schedule"))
			schedule = val;
		else {
			ctl_error("%s %s: expected --language L, --regime R, --rate "
				  "full|under25_alone|under25_with_parents, --start YYYY-MM-DD or "
				  "--schedule \"1-5 08:30-14:30\"", opt, val);
			return 2;
		}
	}
	if (schedule && parse_schedule(schedule, ss, &n) < 0) {
		ctl_error("--schedule '%s': expected \"DAYS HH:MM-HH:MM[ offsite]; ...\" with DAYS "
			  "like 1-5 or 1,3 (1 = Monday)", schedule);
		return 2;
	}
	if (ctl_open(c) < 0)
		return 1;
	if (store_begin(c->store) < 0 || store_participant_upsert(c->store, &p, &id) < 0 ||
	    (schedule && store_schedule_set(c->store, id, ss, n) < 0)) {
		store_rollback(c->store);
		ctl_error("database: %s", store_errmsg(c->store));
		return 1;
	}
	snprintf(detail, sizeof(detail), "%s %s", p.ext_id, schedule ? schedule : "");
	store_audit(c->store, c->who, "participant.add", detail);
	if (store_commit(c->store) < 0) {
		ctl_error("database: %s", store_errmsg(c->store));
		return 1;
	}
	printf("participant %s saved\n", p.ext_id);
	return 0;
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
	if (argc < 3 || (strcmp(argv[1], "enroll") && strcmp(argv[1], "revoke")) ||
	    (!strcmp(argv[1], "enroll") && argc != 4) || (!strcmp(argv[1], "revoke") && argc != 3)) {
		ctl_error("usage: stempelctl card enroll UID PARTICIPANT-ID | card revoke UID");
		return 2;
	}
	/* The UID is keyed by the command (cmd_card.c): it never reaches the database. */
	if (!strcmp(argv[1], "enroll"))
		return ctl_cmd(c, "card.enroll",
			       json_pack("{s:s, s:s}", "uid", argv[2], "participant", argv[3]));
	return ctl_cmd(c, "card.revoke", json_pack("{s:s}", "uid", argv[2]));
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

int
ctl_roster(struct ctl *c, int argc, char **argv)
{
	struct roster *r;
	struct roster_stats st;
	char err[1024], detail[256];
	size_t len;
	char *text;

	if (argc != 3 || strcmp(argv[1], "import")) {
		ctl_error("usage: stempelctl roster import FILE.json");
		return 2;
	}
	text = read_file(argv[2], &len);
	if (text == NULL) {
		ctl_error("%s: %s", argv[2], strerror(errno));
		return 2;
	}
	if (roster_parse(text, len, &r, err, sizeof(err)) < 0) {
		ctl_error("%s: %s", argv[2], err);
		free(text);
		return 2;
	}
	free(text);
	if (ctl_open(c) < 0 || roster_apply(r, c->store, &c->key, &st, err, sizeof(err)) < 0) {
		if (c->store)
			ctl_error("%s: %s", argv[2], err);
		roster_free(r);
		return 1;
	}
	roster_free(r);
	snprintf(detail, sizeof(detail), "%s: %d participants, %d cards, %d absences", argv[2],
		 st.participants, st.cards, st.absences);
	store_audit(c->store, c->who, "roster.import", detail);
	printf("roster imported: %d participants, %d cards, %d absences, %d G values, "
	       "%d closure days\n", st.participants, st.cards, st.absences, st.g_values, st.closures);
	return 0;
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
	time_t now = time(NULL);
	struct tm tm;
	json_t *health = NULL;
	long code = 0;
	CURL *curl;
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
	printf("taps           %lld today, %lld in all\n", (long long)n.taps_today, (long long)n.taps);
	printf("outbox         %lld pending, %lld delivered, %lld dead letters",
	       (long long)ob.pending, (long long)ob.delivered, (long long)ob.dead);
	if (ob.oldest_pending_ms)
		printf(", oldest pending %lld s", (long long)(now - ob.oldest_pending_ms / 1000));
	printf("\n");

	snprintf(url, sizeof(url), "http://%s:%d/healthz",
		 strchr(c->cfg.web.listen, ':') ? "[::1]" : c->cfg.web.listen, c->cfg.web.port);
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
