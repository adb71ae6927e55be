/*
 * ctl_payroll.c — stempelctl's attendance and payroll commands: API tokens, G
 * values, pay periods, absences, tap corrections and a participant's days.  They
 * change the database the daemon uses, with the same recomputation, adjustments,
 * audit entries and outbox events as the daemon's own paths.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "attendance.h"
#include "cmd/cmd.h"
#include "ctl.h"
#include "paydoc.h"
#include "period.h"
#include "roster.h"
#include "store.h"
#include "tokens.h"

/* The attendance and period contexts, wired as in the daemon. */
struct payroll_ctx {
	struct attendance *att;
	struct period *period;
};

static int
ctx_open(struct ctl *c, struct payroll_ctx *x)
{
	char err[512];

	memset(x, 0, sizeof(*x));
	if (ctl_open(c) < 0)
		return -1;
	if (attendance_open(&x->att, c->store, &c->cfg, err, sizeof(err)) < 0 ||
	    period_open(&x->period, c->store, x->att, &c->cfg, err, sizeof(err)) < 0) {
		ctl_error("%s", err);
		attendance_close(x->att);
		return -1;
	}
	attendance_on_change(x->att, period_on_change, x->period);
	return 0;
}

static void
ctx_close(struct payroll_ctx *x)
{
	period_free(x->period);
	attendance_close(x->att);
}

/* "--name value" options after the positional arguments; NULL if absent. */
static const char *
opt(int argc, char **argv, int first, const char *name)
{
	for (int i = first; i + 1 < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	return NULL;
}

/* Positional arguments must come before options; the count of them. */
static int
positional(int argc, char **argv)
{
	int n = 0;

	while (n < argc && strncmp(argv[n], "--", 2) != 0)
		n++;
	return n;
}

static int
print_json(json_t *j)
{
	char *s = j ? json_dumps(j, JSON_INDENT(2)) : NULL;

	if (s == NULL) {
		ctl_error("out of memory");
		json_decref(j);
		return 1;
	}
	printf("%s\n", s);
	free(s);
	json_decref(j);
	return 0;
}

static int
participant_id(struct ctl *c, const char *ext, int64_t *id)
{
	struct store_participant p;

	if (store_participant_by_ext(c->store, ext, &p) != 0) {
		ctl_error("participant '%s': no such participant", ext);
		return -1;
	}
	*id = p.id;
	return 0;
}

/* --- token --- */

static int
token_list(struct ctl *c)
{
	struct store_token *t;
	size_t n;

	if (ctl_open(c) < 0)
		return 1;
	if (store_tokens(c->store, &t, &n) < 0) {
		ctl_error("database: %s", store_errmsg(c->store));
		return 1;
	}
	printf("%-4s %-24s %-10s %s\n", "ID", "NAME", "SCOPE", "STATE");
	for (size_t i = 0; i < n; i++)
		printf("%-4lld %-24s %-10s %s\n", (long long)t[i].id, t[i].name, t[i].scope,
		       t[i].revoked ? "revoked" : "active");
	free(t);
	return 0;
}

int
ctl_token(struct ctl *c, int argc, char **argv)
{
	const char *verb = argc > 1 ? argv[1] : "";
	int64_t id;

	if (!strcmp(verb, "list"))
		return token_list(c);
	if (!strcmp(verb, "create")) {
		const char *scope = opt(argc, argv, 2, "--scope"),
		           *name = opt(argc, argv, 2, "--name");
		struct cmd_result r;
		json_t *tok;

		if (!tokens_scope_valid(scope)) {
			ctl_error("usage: stempelctl token create --scope payroll [--name NAME]");
			return 2;
		}
		if (ctl_cmd_run(c, "token.create",
		                json_pack("{s:s, s:s?}", "scope", scope, "name", name), &r) < 0) {
			ctl_error("%s", r.msg);
			return ctl_exit_code(r.status);
		}
		/* The only time the token is shown: the database keeps its hash. */
		tok = json_object_get(r.data, "token");
		printf("%s\n", json_string_value(tok) ? json_string_value(tok) : "");
		fprintf(stderr, "%s\n", r.msg);
		cmd_result_free(&r);
		return 0;
	}
	if (!strcmp(verb, "revoke") && argc == 3) {
		char *end;

		id = strtoll(argv[2], &end, 10);
		if (*end || id <= 0) {
			ctl_error("token revoke: expected a token id (stempelctl token list)");
			return 2;
		}
		return ctl_cmd_nf(c, "token.revoke", json_pack("{s:I}", "id", (json_int_t)id), 1);
	}
	ctl_error(
	    "usage: stempelctl token create --scope payroll [--name NAME] | list | revoke ID");
	return 2;
}

/* --- g --- */

static int
g_add(struct ctl *c, const char *date, const char *amount)
{
	/* The command recomputes from the date and adjusts closed pay periods after COMMIT. */
	return ctl_cmd(c, "g.add", json_pack("{s:s, s:s}", "from", date, "amount", amount));
}

int
ctl_g(struct ctl *c, int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "add"))
		return g_add(c, argv[2], argv[3]);
	if (argc == 2 && !strcmp(argv[1], "list")) {
		struct store_g *g;
		size_t n;

		if (ctl_open(c) < 0)
			return 1;
		if (store_g_values(c->store, &g, &n) < 0) {
			ctl_error("database: %s", store_errmsg(c->store));
			return 1;
		}
		for (size_t i = 0; i < n; i++)
			printf("%s %lld\n", g[i].from, (long long)g[i].amount);
		free(g);
		return 0;
	}
	ctl_error("usage: stempelctl g add DATE AMOUNT | g list");
	return 2;
}

/* --- period --- */

static int
period_id_arg(const char *s, int64_t *id)
{
	char *end;

	*id = strtoll(s, &end, 10);
	if (*end || *id <= 0) {
		ctl_error("expected a period id (stempelctl period list), got '%s'", s);
		return -1;
	}
	return 0;
}

static int
has_flag(int argc, char **argv, int first, const char *flag)
{
	for (int i = first; i < argc; i++)
		if (strcmp(argv[i], flag) == 0)
			return 1;
	return 0;
}

/* Print a malloc'd document and free it; 0, or 1 if it is NULL (out of memory). */
static int
print_text(char *s)
{
	if (s == NULL) {
		ctl_error("out of memory");
		return 1;
	}
	fputs(s, stdout);
	free(s);
	return 0;
}

#define PERIOD_USAGE                                                                               \
	"usage: stempelctl period list | show ID [--csv] | nir ID [--csv] |"                       \
	" basis ID PARTICIPANT [--json] [--lang nb|nn|en] | close ID [--reason R]"

int
ctl_period(struct ctl *c, int argc, char **argv)
{
	const char *verb = argc > 1 ? argv[1] : "";
	struct paydoc_csv_format f;
	struct payroll_ctx x;
	struct store_period *v;
	char err[1024];
	int64_t id = 0;
	size_t n;
	int rc = 1, npos = positional(argc, argv);

	if (!strcmp(verb, "list") && argc == 2) {
	} else if ((!strcmp(verb, "show") || !strcmp(verb, "close") || !strcmp(verb, "nir")) &&
	           argc >= 3 && npos == 3) {
		if (period_id_arg(argv[2], &id) < 0)
			return 2;
	} else if (!strcmp(verb, "basis") && npos == 4) {
		if (period_id_arg(argv[2], &id) < 0)
			return 2;
	} else {
		ctl_error(PERIOD_USAGE);
		return 2;
	}
	if (!strcmp(verb, "close")) {
		const char *why = opt(argc, argv, 3, "--reason");

		return ctl_cmd_nf(c, "period.close",
		                  json_pack("{s:I, s:s}", "id", (json_int_t)id, "reason",
		                            why ? why : "closed with stempelctl"),
		                  1);
	}
	if (ctx_open(c, &x) < 0)
		return 1;
	paydoc_csv_format(&c->cfg, &f);
	if (!strcmp(verb, "list")) {
		if (period_list(x.period, &v, &n, err, sizeof(err)) < 0) {
			ctl_error("%s", err);
			goto out;
		}
		printf("%-4s %-10s %-10s %-8s %s\n", "ID", "FROM", "TO", "STATE", "CLOSED BY");
		for (size_t i = 0; i < n; i++) {
			json_t *pj = period_json(&v[i]);

			printf("%-4lld %-10s %-10s %-8s %s\n", (long long)v[i].id, v[i].from,
			       v[i].to, json_string_value(json_object_get(pj, "state")),
			       v[i].closed_by);
			json_decref(pj);
		}
		free(v);
		rc = 0;
	} else if (!strcmp(verb, "show") || !strcmp(verb, "nir")) {
		json_t *doc;
		int csv = has_flag(argc, argv, 3, "--csv");
		int r = verb[0] == 's' ? period_stipend(x.period, id, &doc, err, sizeof(err))
		                       : period_nir(x.period, id, &doc, err, sizeof(err));

		if (r != 0) {
			ctl_error("period %lld: %s", (long long)id,
			          r == 1 ? "no such period" : err);
			goto out;
		}
		if (csv) {
			rc = print_text(verb[0] == 's' ? paydoc_csv(doc, &f)
			                               : paydoc_nir_csv(doc, &f));
			json_decref(doc);
		} else {
			rc = print_json(doc);
		}
	} else if (!strcmp(verb, "basis")) {
		const char *lang = opt(argc, argv, 4, "--lang");
		json_t *doc;
		int r = period_basis(x.period, id, argv[3], &doc, err, sizeof(err));

		if (r != 0) {
			ctl_error("period %lld, participant %s: %s", (long long)id, argv[3],
			          r == 1 ? "no such period or participant" : err);
			goto out;
		}
		if (lang && strcmp(lang, "nb") && strcmp(lang, "nn") && strcmp(lang, "en")) {
			ctl_error("--lang: expected nb, nn or en, got '%s'", lang);
			json_decref(doc);
			rc = 2;
			goto out;
		}
		if (has_flag(argc, argv, 4, "--json")) {
			rc = print_json(doc);
		} else {
			rc = print_text(
			    paydoc_basis_html(doc, lang ? lang : c->cfg.payroll.language));
			json_decref(doc);
		}
	}
out:
	ctx_close(&x);
	return rc;
}

/* --- absence --- */

static int
absence_add(struct ctl *c, int argc, char **argv)
{
	const char *start = opt(argc, argv, 4, "--start"), *end = opt(argc, argv, 4, "--end");
	const char *doc = opt(argc, argv, 4, "--documentation");
	const char *comment = opt(argc, argv, 4, "--comment");
	int npos = positional(argc, argv);

	if (npos < 5 || npos > 6) {
		ctl_error(
		    "usage: stempelctl absence add PARTICIPANT CATEGORY FROM [TO] [--start HH:MM"
		    " --end HH:MM] [--documentation D] [--comment C]");
		return 2;
	}
	/* The absence's id is printed: the command's message. */
	return ctl_cmd(c, "absence.register",
	               json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s?}", "participant",
	                         argv[2], "category", argv[3], "from", argv[4], "to",
	                         npos == 6 ? argv[5] : argv[4], "start", start, "end", end,
	                         "documentation", doc, "comment", comment));
}

int
ctl_absence(struct ctl *c, int argc, char **argv)
{
	const char *verb = argc > 1 ? argv[1] : "";

	if (!strcmp(verb, "add"))
		return absence_add(c, argc, argv);
	if (!strcmp(verb, "revoke") && positional(argc, argv) == 3) {
		const char *why = opt(argc, argv, 3, "--reason");
		struct cmd_result r;

		if (why == NULL || !*why) {
			ctl_error("absence revoke: --reason is required");
			return 2;
		}
		if (ctl_cmd_run(c, "absence.revoke",
		                json_pack("{s:s, s:s}", "absence", argv[2], "reason", why),
		                &r) < 0) {
			ctl_error("absence revoke: %s", r.msg);
			return 1;
		}
		printf("%s\n", r.msg);
		cmd_result_free(&r);
		return 0;
	}
	ctl_error("usage: stempelctl absence add PARTICIPANT CATEGORY FROM [TO] [options]"
	          " | revoke UUID --reason R");
	return 2;
}

/* --- correction --- */

int
ctl_correction(struct ctl *c, int argc, char **argv)
{
	const char *verb = argc > 1 ? argv[1] : "";
	const char *reason;
	int npos = positional(argc, argv);
	char *end;
	long long tap;

	reason = opt(argc, argv, npos, "--reason");
	if (!((!strcmp(verb, "add") && npos == 6) || (!strcmp(verb, "remove") && npos == 4)) ||
	    reason == NULL) {
		ctl_error(
		    "usage: stempelctl correction add PARTICIPANT DATE HH:MM in|out --reason R"
		    " | remove PARTICIPANT TAP-ID --reason R");
		return 2;
	}
	/* The correction's id is printed: the command's message. */
	if (!strcmp(verb, "add"))
		return ctl_cmd(c, "correction.add",
		               json_pack("{s:s, s:s, s:s, s:s, s:s}", "participant", argv[2],
		                         "date", argv[3], "time", argv[4], "direction", argv[5],
		                         "reason", reason));
	tap = strtoll(argv[3], &end, 10);
	if (*end || tap <= 0) {
		ctl_error("correction remove: expected a tap id, got '%s'", argv[3]);
		return 2;
	}
	return ctl_cmd(c, "correction.remove",
	               json_pack("{s:s, s:I, s:s}", "participant", argv[2], "tap", (json_int_t)tap,
	                         "reason", reason));
}

/* --- attendance --- */

static int
attendance_show(struct payroll_ctx *x, struct ctl *c, int argc, char **argv)
{
	struct attendance_days res;
	struct attendance_quotas q;
	const char *to = argc == 5 ? argv[4] : argv[3];
	char err[1024];
	int64_t pid;
	int r;

	if (participant_id(c, argv[2], &pid) < 0)
		return 2;
	r = attendance_days(x->att, pid, argv[3], to, &res, err, sizeof(err));
	if (r == 0) {
		json_t *j = attendance_days_json(&res);

		attendance_days_free(&res);
		if (j && attendance_quotas(x->att, pid, to, &q, err, sizeof(err)) == 0)
			json_object_set_new(j, "quotas", attendance_quotas_json(&q));
		return print_json(j);
	}
	ctl_error("attendance: %s", r == 1 ? "no such participant" : err);
	return strncmp(err, "database", 8) ? 2 : 1;
}

static int
attendance_results_from_cmd(struct payroll_ctx *x, int argc, char **argv)
{
	char date[11];
	int r;

	if ((r = attendance_results_from(x->att, date)) < 0) {
		ctl_error("database error");
		return 1;
	}
	printf("%s\n", r == 0 ? date : "not set (the daemon's first start sets it)");
	return 0;
}

int
ctl_attendance(struct ctl *c, int argc, char **argv)
{
	const char *verb = argc > 1 ? argv[1] : "";
	struct payroll_ctx x;
	int rc;

	if (!((!strcmp(verb, "show") && (argc == 4 || argc == 5)) ||
	      (!strcmp(verb, "results-from") && (argc == 2 || argc == 3)))) {
		ctl_error("usage: stempelctl attendance show PARTICIPANT FROM [TO]"
		          " | results-from [DATE]");
		return 2;
	}
	if (!strcmp(verb, "results-from") && argc == 3)
		return ctl_cmd(c, "service_date.set", json_pack("{s:s}", "date", argv[2]));
	if (ctx_open(c, &x) < 0)
		return 1;
	rc = !strcmp(verb, "show") ? attendance_show(&x, c, argc, argv)
	                           : attendance_results_from_cmd(&x, argc, argv);
	ctx_close(&x);
	return rc;
}
