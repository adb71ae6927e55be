/*
 * ctl.h — stempelctl's sub-commands.  main.c dispatches on argv[1]; each
 * ctl_*.c file owns one command group and returns the process exit code
 * (0 ok, 1 failure, 2 bad usage or bad input).
 */
#ifndef STEMPEL_CTL_H
#define STEMPEL_CTL_H

struct config;

/* argv[0] is the group name ("rules"), argv[1] the verb. */
int ctl_rules(int argc, char **argv, const struct config *cfg);

#endif
