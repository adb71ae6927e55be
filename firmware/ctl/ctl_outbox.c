/*
 * ctl_outbox.c — stempelctl outbox dead list | retry ID | retry --all: the
 * events the municipal system refused, and sending them again (an audited
 * command, through the daemon while it runs).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "ctl.h"
#include "store.h"

static int
print_dead(void *arg, const struct store_dead *d)
{
	char when[32] = "";
	time_t t = (time_t)(d->dead_ms / 1000);
	struct tm tm;

	if (d->dead_ms) {
		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	printf("%-36s  %8lld  %-16s  %-20s  %s\n", d->id, (long long)d->seq, d->type, when,
	       d->reason);
	return 0;
}

int
ctl_outbox(struct ctl *c, int argc, char **argv)
{
	int n;

	if (argc >= 3 && !strcmp(argv[1], "dead") && !strcmp(argv[2], "list") && argc == 3) {
		if (ctl_open(c) < 0)
			return 1;
		printf("%-36s  %8s  %-16s  %-20s  %s\n", "ID", "SEQ", "TYPE", "REFUSED AT",
		       "REASON");
		if ((n = store_outbox_dead_each(c->store, print_dead, NULL)) < 0) {
			ctl_error("database: %s", store_errmsg(c->store));
			return 1;
		}
		printf("%d dead letter%s\n", n, n == 1 ? "" : "s");
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "dead") && !strcmp(argv[2], "retry")) {
		if (!strcmp(argv[3], "--all"))
			return ctl_cmd(c, "outbox.retry", json_pack("{s:b}", "all", 1));
		return ctl_cmd(c, "outbox.retry", json_pack("{s:s}", "id", argv[3]));
	}
	ctl_error("usage: stempelctl outbox dead list | outbox dead retry ID | "
	          "outbox dead retry --all");
	return 2;
}
