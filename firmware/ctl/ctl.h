/*
 * ctl.h — stempelctl's sub-commands.  main.c dispatches on argv[1]; each
 * ctl_*.c file owns one command group and returns the process exit code
 * (0 ok, 1 failure, 2 bad usage or bad input).
 */
#ifndef STEMPEL_CTL_H
#define STEMPEL_CTL_H

#include <jansson.h>

#include "cardkey.h"
#include "config.h"

struct store;

/* What every command may need; opened lazily by ctl_open(). */
struct ctl {
	struct config cfg;
	struct store *store;
	struct cardkey key;
	char who[64]; /* for the audit log: "cli:<user>" */
};

/* Open the state dir, device key and database (creating them if needed). 0 or -1 (printed). */
int ctl_open(struct ctl *c);
/*
 * Run command `name` (cmd.h) with `args` (stolen): over the control socket while
 * stempeld runs, else directly on the database.  Prints the answer; returns the
 * exit code.
 */
int ctl_cmd(struct ctl *c, const char *name, json_t *args);
/* ctl_cmd() where "not found" exits with not_found_exit (the command's historic code). */
int ctl_cmd_nf(struct ctl *c, const char *name, json_t *args, int not_found_exit);
/* The same without printing: 0 ok, -1 failed; r says what (cmd_result_free it). */
struct cmd_result;
int ctl_cmd_run(struct ctl *c, const char *name, json_t *args, struct cmd_result *r);
/* A connected control socket of the running daemon, or -1 (errno ENOENT/ECONNREFUSED: none). */
int ctl_connect(struct ctl *c);
/* A cmd_status as stempelctl's exit code. */
int ctl_exit_code(int status);
/* Print "stempelctl: <msg>" on stderr. */
void ctl_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* argv[0] is the group name ("rules"), argv[1] the verb. */
int ctl_rules(int argc, char **argv, const struct config *cfg);
int ctl_init(struct ctl *c, int argc, char **argv);
int ctl_participant(struct ctl *c, int argc, char **argv);
int ctl_card(struct ctl *c, int argc, char **argv);
int ctl_closure(struct ctl *c, int argc, char **argv);
int ctl_roster(struct ctl *c, int argc, char **argv);
int ctl_tap(struct ctl *c, int argc, char **argv);
int ctl_status(struct ctl *c, int argc, char **argv);
int ctl_user(struct ctl *c, int argc, char **argv);
int ctl_audit(struct ctl *c, int argc, char **argv);
/* ctl_payroll.c: attendance and payroll */
int ctl_token(struct ctl *c, int argc, char **argv);
int ctl_g(struct ctl *c, int argc, char **argv);
int ctl_period(struct ctl *c, int argc, char **argv);
int ctl_absence(struct ctl *c, int argc, char **argv);
int ctl_correction(struct ctl *c, int argc, char **argv);
int ctl_attendance(struct ctl *c, int argc, char **argv);
int ctl_outbox(struct ctl *c, int argc, char **argv);

#endif
