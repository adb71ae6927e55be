/*
 * sdnotify.c — sd_notify() and sd_watchdog_enabled() from libsystemd, loaded by
 * soname (hal/dynlib.h) the first time systemd is there to listen: without
 * $NOTIFY_SOCKET nothing is loaded and nothing is sent.  Under systemd the library
 * is mapped as if linked; a missing libsystemd0 is logged once and the daemon runs
 * on (systemd then restarts it for the missing READY, which the log explains).
 */
#include <stdlib.h>

#include <systemd/sd-daemon.h>

#include "dynlib.h"
#include "log.h"
#include "sdnotify.h"

/* Pointers only: sdnotify_send() decides when the library is worth loading. */
#define SD_FUNCS(F, V, P)                                                                          \
	P(sd_notify)                                                                               \
	P(sd_watchdog_enabled)

DYNLIB_SHIM(SD_FUNCS, "running under systemd ($NOTIFY_SOCKET)", "libsystemd0", "libsystemd.so.0");

/* 1 loaded, 0 not under systemd, -1 wanted but missing (logged once). */
static int
loaded(void)
{
	static int logged;
	char err[256];
	const char *sock = getenv("NOTIFY_SOCKET");

	if (sock == NULL || *sock == '\0')
		return 0;
	if (dynlib_load(&shim_lib, err, sizeof(err)) == 0)
		return 1;
	if (!logged)
		log_err("sdnotify: %s", err);
	logged = 1;
	return -1;
}

int
sdnotify_send(const char *state)
{
	int rc = loaded();

	if (rc <= 0)
		return rc;
	rc = shim_fn.sd_notify(0, state);
	return rc < 0 ? -1 : rc > 0;
}

uint64_t
sdnotify_watchdog_usec(void)
{
	uint64_t usec = 0;

	/* The watchdog belongs to the service systemd supervises: no socket, no watchdog. */
	if (loaded() <= 0 || shim_fn.sd_watchdog_enabled(0, &usec) <= 0)
		return 0;
	return usec;
}
