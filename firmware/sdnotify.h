/*
 * sdnotify.h — systemd's service notification (sd_notify(3)) through libsystemd,
 * loaded by soname only when systemd supervises the daemon ($NOTIFY_SOCKET set):
 * stempel.service is Type=notify with a watchdog; a daemon started by hand, by the
 * demo or by the tests does not map libsystemd and what it pulls in (1 MiB,
 * firmware/README.md "Memory").
 */
#ifndef STEMPEL_SDNOTIFY_H
#define STEMPEL_SDNOTIFY_H

#include <stdint.h>

/*
 * Send `state` ("READY=1", "WATCHDOG=1", ...) with sd_notify().  1 if sent, 0 if
 * there is no socket (not under systemd), -1 if sending failed or libsystemd could
 * not be loaded (logged once, naming the package).
 */
int sdnotify_send(const char *state);
/* The watchdog interval systemd asks for (sd_watchdog_enabled()) in µs; 0 if none. */
uint64_t sdnotify_watchdog_usec(void);

#endif
