/*
 * ctlsock.h — the control socket: stempelctl's way in while stempeld runs.  A Unix
 * socket STATE_DIR/stempeld.sock (mode 0660, group stempel when that group
 * exists) on the daemon's loop; one request line = one JSON command
 * {"cmd": NAME, "args": {...}}, one answer line {"status": N, "message": ...}.
 * Peers are checked with SO_PEERCRED: root, the daemon's own user, or members of
 * the group stempel.
 */
#ifndef STEMPEL_CTLSOCK_H
#define STEMPEL_CTLSOCK_H

#include <stddef.h>

struct event_base;
struct config;
struct cmd_env;
struct ctlsock;

/* The socket's path for `cfg` (also what stempelctl connects to). */
void ctlsock_path(const struct config *cfg, char *out, size_t outlen);
/* Listen; commands run with `env`.  NULL with err on failure. */
struct ctlsock *ctlsock_start(struct event_base *base, const struct config *cfg,
                              const struct cmd_env *env, char *err, size_t errlen);
void ctlsock_stop(struct ctlsock *c);

#endif
