/*
 * roster_run.h — a roster applied by the daemon in steps on its loop (roster_run.c).
 */
#ifndef STEMPEL_ROSTER_RUN_H
#define STEMPEL_ROSTER_RUN_H

#include <stddef.h>

struct cardkey;
struct event_base;
struct roster;
struct roster_run;
struct store;

/* `done` runs on the loop when a roster has been applied (or failed part way). */
struct roster_run *roster_run_new(struct event_base *base, struct store *s,
                                  const struct cardkey *key, void (*done)(void *arg), void *arg);
void roster_run_free(struct roster_run *rr);
/* 1 while a roster is being applied. */
int roster_run_busy(const struct roster_run *rr);
/*
 * Apply `r` (validated; taken on success) in steps from the next turn of the
 * loop on.  -1 with err if another roster is being applied.
 */
int roster_run_start(struct roster_run *rr, struct roster *r, const char *label, char *err,
                     size_t errlen);

/*
 * The same from the roster's text: parsed and validated (regimes in regime_dir)
 * on a thread, then applied in steps; a roster that fails is logged and changes
 * nothing.  -1 with err if another roster is being applied.
 */
int roster_run_start_text(struct roster_run *rr, const char *text, size_t len,
                          const char *regime_dir, const char *label, char *err, size_t errlen);
/* The same from a file the daemon reads on that thread (a roster past one request). */
int roster_run_start_file(struct roster_run *rr, const char *path, const char *regime_dir,
                          const char *label, char *err, size_t errlen);

#endif
