/*
 * sdnotify.h — systemd's service notification protocol (sd_notify(3)) without
 * libsystemd: stempel.service is Type=notify with a watchdog, and these two
 * calls are all the daemon needs of a library that maps 1 MiB with what it pulls
 * in (firmware/README.md, "Memory").
 */
#ifndef STEMPEL_SDNOTIFY_H
#define STEMPEL_SDNOTIFY_H

#include <stdint.h>

/*
 * Send `state` ("READY=1", "WATCHDOG=1", ...) to $NOTIFY_SOCKET.  1 if sent, 0 if
 * there is no socket (not under systemd), -1 if sending failed.
 */
int sdnotify_send(const char *state);
/*
 * The watchdog interval systemd asks for ($WATCHDOG_USEC, if $WATCHDOG_PID is
 * unset or this process) in microseconds; 0 if none.
 */
uint64_t sdnotify_watchdog_usec(void);

#endif
