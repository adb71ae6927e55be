/*
 * board.h — the teacher board (/board/...): login, Today, participant
 * calendars and quotas, absences, tap corrections, card enrollment and the
 * audit log, with a live event stream.  kiosk.c starts it beside the kiosk
 * screen and tells it about every committed tap.
 */
#ifndef STEMPEL_BOARD_H
#define STEMPEL_BOARD_H

#include <stddef.h>

struct attendance;
struct config;
struct store;
struct tap_answer;
struct web;
struct board;
struct cmd_env;
struct reports;

/*
 * Register the /board routes on `w`; the Today page is computed on `reports`.
 * NULL with err on failure.
 */
struct board *board_start(struct web *w, struct store *s, struct attendance *att,
                          struct reports *reports, const struct cmd_env *cmd,
                          const struct config *cfg, char *err, size_t errlen);
void board_stop(struct board *b);
/*
 * A tap was answered (called after the kiosk's answer is out): open boards
 * refresh Today; an unknown card is offered for enrollment by its card key.
 */
void board_tap(struct board *b, const struct tap_answer *ans);
/* The reader or clock changed state: open boards refresh their status bar. */
void board_status(struct board *b);

#endif
