/*
 * sdnotify.c — sd_notify() and sd_watchdog_enabled() as the protocol documents
 * them (sd_notify(3)): one datagram with the state string to the AF_UNIX socket
 * named by $NOTIFY_SOCKET, a path or "@" for the abstract namespace.  systemd
 * tells the sender by the kernel's credentials on the socket, so nothing else
 * is sent.  The environment is left as it is (unset_environment = 0).
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sdnotify.h"

int
sdnotify_send(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t n = path ? strlen(path) : 0;
	socklen_t len;
	ssize_t sent;
	int fd;

	if (n == 0)
		return 0;
	/* vsock: and other transports of newer systemd are not used on Debian 12 */
	if ((path[0] != '/' && path[0] != '@') || n >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, path, n);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (path[0] == '/'));
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	do
		sent = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa, len);
	while (sent < 0 && errno == EINTR);
	close(fd);
	return sent < 0 ? -1 : 1;
}

uint64_t
sdnotify_watchdog_usec(void)
{
	const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	unsigned long long v;
	char *end;

	if (usec == NULL || *usec == '\0')
		return 0;
	/* The watchdog is for the process systemd started, not for its children. */
	if (pid && *pid) {
		errno = 0;
		v = strtoull(pid, &end, 10);
		if (errno || *end || v != (unsigned long long)getpid())
			return 0;
	}
	errno = 0;
	v = strtoull(usec, &end, 10);
	if (errno || *end)
		return 0;
	return (uint64_t)v;
}
