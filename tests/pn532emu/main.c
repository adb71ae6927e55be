/*
 * pn532emu — a PN532 on a pseudo-terminal, so that libnfc's pn532_uart driver
 * (and nfc-list, and stempeld) can be tested without a reader.  This file owns
 * the pty, the symlink that names it, the control socket and the poll() loop;
 * chip.c is the chip.  See README.md beside it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "chip.h"
#include "fuzz.h"

#define MAX_CLIENTS 16
#define LINE_MAX_LEN 256

struct client {
	int fd;
	char buf[LINE_MAX_LEN];
	size_t len;
	int overlong; /* discarding up to the next newline */
};

struct emu {
	struct chip chip;
	const char *link;
	const char *control;
	int master, slave; /* -1 while "gone" */
	char pty[64];
	long long back_us; /* when a "gone" device comes back, 0 = present */
	int listen_fd;
	struct client clients[MAX_CLIENTS];
};

static volatile sig_atomic_t quit;

static long long
emu_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static void
emu_write(void *arg, const unsigned char *buf, size_t len)
{
	struct emu *e = arg;
	ssize_t n;

	if (e->master < 0)
		return;
	/*
	 * Non-blocking: if nobody reads the slave, drop rather than hang the
	 * emulator.  libnfc flushes its input before every command anyway.
	 */
	do
		n = write(e->master, buf, len);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)len)
		e->chip.dropped++;
}

/*
 * Publish the pty under e->link atomically (symlink beside it, then rename),
 * so a client never sees a missing or half-made link while we switch ptys.
 */
static int
emu_publish(struct emu *e)
{
	char tmp[4096];

	snprintf(tmp, sizeof(tmp), "%s.tmp%ld", e->link, (long)getpid());
	unlink(tmp);
	if (symlink(e->pty, tmp) < 0 || rename(tmp, e->link) < 0) {
		fprintf(stderr, "pn532emu: cannot link %s -> %s: %s\n", e->link, e->pty,
		        strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int
emu_pty_open(struct emu *e)
{
	struct termios t;
	const char *name;

	e->master = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (e->master < 0 || grantpt(e->master) < 0 || unlockpt(e->master) < 0 ||
	    (name = ptsname(e->master)) == NULL) {
		fprintf(stderr, "pn532emu: cannot create a pty: %s\n", strerror(errno));
		return -1;
	}
	snprintf(e->pty, sizeof(e->pty), "%s", name);
	/*
	 * Keep a slave fd of our own: with no slave open, read(master) fails with
	 * EIO between one libnfc client closing and the next opening (NFC.md A5).
	 */
	e->slave = open(e->pty, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (e->slave < 0 || tcgetattr(e->slave, &t) < 0) {
		fprintf(stderr, "pn532emu: cannot open %s: %s\n", e->pty, strerror(errno));
		return -1;
	}
	cfmakeraw(&t);
	tcsetattr(e->slave, TCSANOW, &t);
	chip_unplug(&e->chip);
	return emu_publish(e);
}

static void
emu_pty_close(struct emu *e)
{
	if (e->master >= 0)
		close(e->master);
	if (e->slave >= 0)
		close(e->slave);
	e->master = e->slave = -1;
	chip_unplug(&e->chip);
}

static int
emu_listen(struct emu *e)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};

	if (strlen(e->control) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "pn532emu: control path too long: %s\n", e->control);
		return -1;
	}
	strcpy(sun.sun_path, e->control);
	unlink(e->control);
	e->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (e->listen_fd < 0 || bind(e->listen_fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    listen(e->listen_fd, 8) < 0) {
		fprintf(stderr, "pn532emu: cannot listen on %s: %s\n", e->control, strerror(errno));
		return -1;
	}
	return 0;
}

static void
emu_accept(struct emu *e)
{
	int fd = accept4(e->listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	for (int i = 0; i < MAX_CLIENTS; i++) {
		if (e->clients[i].fd < 0) {
			e->clients[i] = (struct client){.fd = fd};
			return;
		}
	}
	dprintf(fd, "error too many control clients\n");
	close(fd);
}

static void
emu_client_line(struct emu *e, struct client *cl, const char *line)
{
	char reply[512];
	long long gone_ms = 0;
	enum chip_ctl r;

	r = chip_control(&e->chip, line, emu_now_us(), reply, sizeof(reply), &gone_ms);
	if (r == CTL_GONE) {
		emu_pty_close(e);
		unlink(e->link);
		e->back_us = emu_now_us() + gone_ms * 1000;
	}
	if (strncmp(reply, "ok card=", 8) == 0) { /* status: add what only we know */
		size_t n = strlen(reply);

		snprintf(reply + n, sizeof(reply) - n, " pty=%s present=%d",
		         e->master >= 0 ? e->pty : "none", e->master >= 0);
	}
	if (dprintf(cl->fd, "%s\n", reply) < 0) {
		close(cl->fd);
		cl->fd = -1;
	}
}

static void
emu_client_read(struct emu *e, struct client *cl)
{
	char buf[512];
	ssize_t n = read(cl->fd, buf, sizeof(buf));

	if (n <= 0) {
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			return;
		close(cl->fd);
		cl->fd = -1;
		return;
	}
	for (ssize_t i = 0; i < n && cl->fd >= 0; i++) {
		if (buf[i] == '\n') {
			cl->buf[cl->len] = '\0';
			if (cl->overlong)
				dprintf(cl->fd, "error line too long\n");
			else
				emu_client_line(e, cl, cl->buf);
			cl->len = 0;
			cl->overlong = 0;
		} else if (cl->len + 1 < sizeof(cl->buf)) {
			cl->buf[cl->len++] = buf[i] ? buf[i] : ' ';
		} else {
			cl->overlong = 1;
		}
	}
}

static void
emu_on_signal(int sig)
{
	quit = 1;
}

static int
emu_run(struct emu *e)
{
	while (!quit) {
		struct pollfd pfd[2 + MAX_CLIENTS];
		int nfd = 0, timeout = -1, master_at = -1;
		long long now = emu_now_us(), due = chip_deadline(&e->chip);
		unsigned char buf[512];

		if (e->back_us && (due < 0 || e->back_us < due))
			due = e->back_us;
		if (due >= 0)
			timeout = due <= now ? 0 : (int)((due - now + 999) / 1000);
		pfd[nfd++] = (struct pollfd){.fd = e->listen_fd, .events = POLLIN};
		if (e->master >= 0) {
			master_at = nfd;
			pfd[nfd++] = (struct pollfd){.fd = e->master, .events = POLLIN};
		}
		for (int i = 0; i < MAX_CLIENTS; i++)
			pfd[nfd++] = (struct pollfd){.fd = e->clients[i].fd, .events = POLLIN};
		if (poll(pfd, nfd, timeout) < 0 && errno != EINTR) {
			fprintf(stderr, "pn532emu: poll: %s\n", strerror(errno));
			return -1;
		}
		now = emu_now_us();
		if (master_at >= 0 && (pfd[master_at].revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t n = read(e->master, buf, sizeof(buf));

			if (n > 0)
				chip_input(&e->chip, buf, (size_t)n, now);
		}
		chip_tick(&e->chip, now);
		if (e->back_us && now >= e->back_us) {
			e->back_us = 0;
			if (emu_pty_open(e) < 0)
				return -1;
			fprintf(stderr, "pn532emu: back on %s\n", e->pty);
		}
		if (pfd[0].revents & POLLIN)
			emu_accept(e);
		for (int i = 0; i < MAX_CLIENTS; i++) {
			struct pollfd *p = &pfd[nfd - MAX_CLIENTS + i];

			if (p->fd >= 0 && p->fd == e->clients[i].fd &&
			    (p->revents & (POLLIN | POLLHUP | POLLERR)))
				emu_client_read(e, &e->clients[i]);
		}
	}
	return 0;
}

static void
emu_usage(void)
{
	fprintf(stderr,
	        "usage: pn532emu --link PATH [--control SOCKET] [--delay MS] [--hitdelay MS]\n"
	        "                [--insert UID] [--verbose]\n"
	        "       pn532emu --selftest-fuzz ITERATIONS [--seed N]\n");
}

int
main(int argc, char **argv)
{
	static struct emu e; /* big (the register file): not on the stack */
	struct sigaction sa = {.sa_handler = emu_on_signal};
	const char *insert = NULL;
	long iterations = -1;
	unsigned seed = 1;
	int rc;

	e.master = e.slave = e.listen_fd = -1;
	for (int i = 0; i < MAX_CLIENTS; i++)
		e.clients[i].fd = -1;
	e.chip.delay_us = 15000;
	e.chip.hit_delay_us = 3000;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--verbose") == 0) {
			e.chip.verbose = 1;
			continue;
		}
		if (v == NULL) {
			emu_usage();
			return 2;
		}
		i++;
		if (strcmp(a, "--link") == 0)
			e.link = v;
		else if (strcmp(a, "--control") == 0)
			e.control = v;
		else if (strcmp(a, "--delay") == 0)
			e.chip.delay_us = (long long)(atof(v) * 1000);
		else if (strcmp(a, "--hitdelay") == 0)
			e.chip.hit_delay_us = (long long)(atof(v) * 1000);
		else if (strcmp(a, "--insert") == 0)
			insert = v;
		else if (strcmp(a, "--selftest-fuzz") == 0)
			iterations = atol(v);
		else if (strcmp(a, "--seed") == 0)
			seed = (unsigned)strtoul(v, NULL, 0);
		else {
			emu_usage();
			return 2;
		}
	}
	if (iterations >= 0)
		return fuzz_run(iterations, seed);
	if (e.link == NULL) {
		emu_usage();
		return 2;
	}
	chip_init(&e.chip, emu_write, &e);
	if (insert) {
		char reply[256], line[128];
		long long unused;

		snprintf(line, sizeof(line), "insert %s", insert);
		if (chip_control(&e.chip, line, emu_now_us(), reply, sizeof(reply), &unused) !=
		    CTL_OK) {
			fprintf(stderr, "pn532emu: --insert: %s\n", reply);
			return 2;
		}
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((e.control && emu_listen(&e) < 0) || emu_pty_open(&e) < 0)
		return 1;
	printf("pn532emu: ready pty=%s link=%s control=%s\n", e.pty, e.link,
	       e.control ? e.control : "none");
	fflush(stdout);
	rc = emu_run(&e);
	emu_pty_close(&e);
	unlink(e.link);
	if (e.control)
		unlink(e.control);
	return rc < 0 ? 1 : 0;
}
