/*
 * cmd_participant_add.c — participant.add: add a participant, or update one with
 * the same external id (stempelctl; the roster does the same in bulk).  A weekly
 * schedule comes as one text, "1-5 08:30-14:30; 6 10:00-12:00 offsite": groups
 * separated by ';', each a weekday range or list (1 = Monday) and a time range.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "roster.h"
#include "store.h"

#define SESSIONS_MAX 64

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
exec(struct cmd_ctx *ctx, const void *args, struct cmd_result *r)
{
	const struct cmd_participant_add_args *a = args;
	struct store_participant p = {.active = 1};
	struct store_session ss[SESSIONS_MAX];
	size_t n = 0;
	int64_t id;
	char detail[640];

	if (a->id == NULL || roster_valid_ext_id(a->id) < 0)
		return cmd_fail(r, CMD_INVALID,
		                "participant id '%.40s': expected 1-39 letters, digits, "
		                "'-', '_' or '.'",
		                a->id ? a->id : "");
	if (a->name == NULL || !*a->name || strlen(a->name) >= sizeof(p.name))
		return cmd_fail(r, CMD_INVALID, "name: expected 1 to %zu characters",
		                sizeof(p.name) - 1);
	if (a->rate && roster_valid_rate(a->rate) < 0)
		return cmd_fail(r, CMD_INVALID,
		                "rate %.30s: expected full|under25_alone|"
		                "under25_with_parents",
		                a->rate);
	if (a->start && roster_valid_date(a->start) < 0)
		return cmd_fail(r, CMD_INVALID, "start %.20s: expected YYYY-MM-DD", a->start);
	if (a->language && (!*a->language || strlen(a->language) >= sizeof(p.language)))
		return cmd_fail(r, CMD_INVALID, "language '%.20s': expected a language code",
		                a->language);
	if (a->regime && (!*a->regime || strlen(a->regime) >= sizeof(p.regime)))
		return cmd_fail(r, CMD_INVALID, "regime '%.70s': expected a regime name",
		                a->regime);
	if (a->group && strlen(a->group) >= sizeof(p.group))
		return cmd_fail(r, CMD_INVALID, "group: expected at most %zu characters",
		                sizeof(p.group) - 1);
	if (a->schedule && parse_schedule(a->schedule, ss, &n) < 0)
		return cmd_fail(r, CMD_INVALID,
		                "schedule '%.100s': expected \"DAYS HH:MM-HH:MM[ "
		                "offsite]; ...\" with DAYS like 1-5 or 1,3 (1 = Monday)",
		                a->schedule);
	snprintf(p.ext_id, sizeof(p.ext_id), "%s", a->id);
	snprintf(p.name, sizeof(p.name), "%s", a->name);
	snprintf(p.language, sizeof(p.language), "%s", a->language ? a->language : "nb");
	snprintf(p.regime, sizeof(p.regime), "%s",
	         a->regime       ? a->regime
	         : ctx->env->cfg ? ctx->env->cfg->kiosk.regime
	                         : "");
	snprintf(p.rate, sizeof(p.rate), "%s", a->rate ? a->rate : "full");
	snprintf(p.group, sizeof(p.group), "%s", a->group ? a->group : "");
	if (a->start)
		snprintf(p.programme_start, sizeof(p.programme_start), "%s", a->start);
	else
		cmd_local_date(ctx, p.programme_start);
	if (store_participant_upsert(ctx->st, &p, &id) < 0 ||
	    (a->schedule && store_schedule_set(ctx->st, id, ss, n) < 0))
		return cmd_fail_db(ctx, r, "participant");
	snprintf(detail, sizeof(detail), "%s %s", p.ext_id, a->schedule ? a->schedule : "");
	if (cmd_audit(ctx, r, detail) < 0)
		return -1;
	cmd_changed(ctx, CMD_CHANGED_ATTENDANCE | CMD_CHANGED_PEOPLE, id, "");
	snprintf(r->msg, sizeof(r->msg), "participant %s saved", p.ext_id);
	return 0;
}

int
cmd_participant_add(struct cmd_ctx *ctx, const struct cmd_participant_add_args *a,
                    struct cmd_result *r)
{
	return cmd_txn(ctx, "participant.add", exec, a, r);
}

int
cmd_participant_add_json(struct cmd_ctx *ctx, json_t *args, struct cmd_result *r)
{
	struct cmd_participant_add_args a;

	if (cmd_arg_str(args, "id", 1, &a.id, r) < 0 ||
	    cmd_arg_str(args, "name", 1, &a.name, r) < 0 ||
	    cmd_arg_str(args, "language", 0, &a.language, r) < 0 ||
	    cmd_arg_str(args, "regime", 0, &a.regime, r) < 0 ||
	    cmd_arg_str(args, "rate", 0, &a.rate, r) < 0 ||
	    cmd_arg_str(args, "start", 0, &a.start, r) < 0 ||
	    cmd_arg_str(args, "group", 0, &a.group, r) < 0 ||
	    cmd_arg_str(args, "schedule", 0, &a.schedule, r) < 0)
		return -1;
	return cmd_participant_add(ctx, &a, r);
}
