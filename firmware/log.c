/*
 * log.c — stderr or syslog.  On systemd, stderr lines reach the journal anyway;
 * syslog is for boards without journald.
 *
 * A line is made whole on the caller's thread (timestamp, level, text) and then
 * either written in place or, once log_async_start() ran (the daemon), put in a
 * ring of LOG_RING_BYTES that a writer thread empties: a write to stderr or syslog
 * can block (a journald that does not read its socket, an ext4 journal commit under
 * a log file: tapload saw the loop held up 101 ms, 4 of them on the CPU, with the
 * debug log in a file), and the loop must not wait for it before the next tap's
 * answer.  A full ring drops the new line and counts it; the writer says how many
 * were dropped as soon as it can write again.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

static int log_syslog;
static enum log_level log_max = LOG_LVL_INFO;

/* One record in the ring: this header, then `len` bytes of text (no NUL). */
struct rec {
	uint16_t len;
	uint8_t level;
};

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;   /* lines to write, or stopping (the writer waits) */
	pthread_cond_t done; /* the ring ran empty (log_async_stop waits; monotonic) */
	pthread_t thread;
	int on, stopping, writing, stuck, done_ready;
	char ring[LOG_RING_BYTES];
	size_t head, used;             /* the oldest byte; bytes in the ring */
	unsigned long dropped, unsaid; /* since start; not yet said in a line */
} w = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

void
log_open(const char *ident, int use_syslog, enum log_level level)
{
	log_syslog = use_syslog;
	log_max = level;
	if (use_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

int
log_level_parse(const char *s)
{
	static const char *names[] = {"error", "warn", "info", "debug"};
	for (int i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

/* Write a whole line where it goes (stderr: one write, so threads' lines never mix). */
static void
emit(enum log_level level, const char *line, size_t len)
{
	static const int prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};

	if (log_syslog) {
		syslog(prio[level], "%.*s", (int)len, line);
		return;
	}
	while (len > 0) {
		ssize_t n = write(STDERR_FILENO, line, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* nowhere to write: nothing else to do with the line */
		line += n;
		len -= (size_t)n;
	}
}

/* Copy n bytes into / out of the ring at offset `at` (mod its size), under w.mu. */
static void
ring_put(size_t at, const void *src, size_t n)
{
	size_t i = at % LOG_RING_BYTES, first = n < LOG_RING_BYTES - i ? n : LOG_RING_BYTES - i;

	memcpy(w.ring + i, src, first);
	memcpy(w.ring, (const char *)src + first, n - first);
}

static void
ring_get(size_t at, void *dst, size_t n)
{
	size_t i = at % LOG_RING_BYTES, first = n < LOG_RING_BYTES - i ? n : LOG_RING_BYTES - i;

	memcpy(dst, w.ring + i, first);
	memcpy((char *)dst + first, w.ring, n - first);
}

/* A line's start on stderr: "2026-03-18T09:00:00.123Z info: " (syslog: nothing). */
static size_t
stamp(char *buf, size_t size, enum log_level level)
{
	static const char *tag[] = {"error", "warn", "info", "debug"};
	int64_t ms;
	time_t secs;
	struct tm tm;
	size_t len;

	if (log_syslog) /* syslog stamps its own lines */
		return 0;
	ms = clock_log_ms(); /* the program's clock (clock.c), offsets included */
	secs = (time_t)(ms / 1000);
	gmtime_r(&secs, &tm);
	len = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	return len + (size_t)snprintf(buf + len, size - len, ".%03ldZ %s: ", (long)(ms % 1000),
	                              tag[level]);
}

/* The whole line that says how many lines the ring could not hold. */
static size_t
notice(char *buf, size_t size, unsigned long n)
{
	size_t len = stamp(buf, size, LOG_LVL_WARN);

	return len + (size_t)snprintf(buf + len, size - len,
	                              "log: %lu lines dropped (written slower than they came)%s", n,
	                              log_syslog ? "" : "\n");
}

/* Under w.mu: a record at the ring's end (the caller made room). */
static void
put(enum log_level level, const char *line, size_t len)
{
	struct rec r = {.len = (uint16_t)len, .level = (uint8_t)level};

	ring_put(w.head + w.used, &r, sizeof(r));
	ring_put(w.head + w.used + sizeof(r), line, len);
	w.used += sizeof(r) + len;
}

/*
 * Under w.mu: the line in the ring, or counted as dropped.  After a drop, the next
 * line that fits goes in behind the notice of how many were dropped, so the notice
 * stands where the lines would have.  0 queued, -1 dropped.
 */
static int
enqueue(enum log_level level, const char *line, size_t len)
{
	char note[LOG_NOTICE_MAX];
	size_t nlen = w.unsaid ? notice(note, sizeof(note), w.unsaid) : 0;
	size_t need = sizeof(struct rec) + len + (nlen ? sizeof(struct rec) + nlen : 0);

	if (w.used + need > LOG_RING_BYTES) {
		w.dropped++;
		w.unsaid++;
		return -1;
	}
	if (nlen) {
		put(LOG_LVL_WARN, note, nlen);
		w.unsaid = 0;
	}
	put(level, line, len);
	pthread_cond_signal(&w.cv);
	return 0;
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	size_t len;
	va_list ap;
	int n;

	if (level > log_max)
		return;
	len = stamp(line, sizeof(line), level);
	va_start(ap, fmt);
	n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(line) - len) { /* cut: say so at the end */
		len = sizeof(line) - 1;
		memcpy(line + len - 4, " ...", 4);
	} else {
		len += (size_t)n;
	}
	if (!log_syslog)
		line[len++] = '\n'; /* in the NUL's place: len < sizeof(line) */
	pthread_mutex_lock(&w.mu);
	if (w.on) {
		(void)enqueue(level, line, len);
		pthread_mutex_unlock(&w.mu);
		return;
	}
	pthread_mutex_unlock(&w.mu);
	emit(level, line, len);
}

static void *
writer_main(void *arg)
{
	char line[LOG_LINE_MAX + 128];
	(void)arg;

	pthread_mutex_lock(&w.mu);
	for (;;) {
		struct rec r;
		size_t len;
		enum log_level level;

		while (w.used == 0 && w.unsaid == 0 && !w.stopping)
			pthread_cond_wait(&w.cv, &w.mu);
		if (w.used == 0 && w.unsaid == 0)
			break; /* stopping, and everything written */
		if (w.used > 0) {
			ring_get(w.head, &r, sizeof(r));
			ring_get(w.head + sizeof(r), line, r.len);
			w.head = (w.head + sizeof(r) + r.len) % LOG_RING_BYTES;
			w.used -= sizeof(r) + r.len;
			len = r.len;
			level = (enum log_level)r.level;
		} else { /* the ring ran empty with no line after the drop: say it now */
			len = notice(line, sizeof(line), w.unsaid);
			w.unsaid = 0;
			level = LOG_LVL_WARN;
		}
		w.writing = 1;
		pthread_mutex_unlock(&w.mu);
		emit(level, line, len);
		pthread_mutex_lock(&w.mu);
		w.writing = 0;
		if (w.used == 0 && w.unsaid == 0)
			pthread_cond_broadcast(&w.done);
	}
	pthread_cond_broadcast(&w.done);
	pthread_mutex_unlock(&w.mu);
	return NULL;
}

int
log_async_start(void)
{
	sigset_t all, old;
	int rc;

	pthread_mutex_lock(&w.mu);
	if (w.on || w.stuck) { /* running; or a writer left stuck in a write still owns the ring */
		pthread_mutex_unlock(&w.mu);
		return w.on ? 0 : -1;
	}
	if (!w.done_ready) { /* its timed wait on the monotonic clock, as no wall clock here */
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&w.done, &ca);
		pthread_condattr_destroy(&ca);
		w.done_ready = 1;
	}
	w.head = w.used = 0;
	w.stopping = 0;
	/* signals are the loop's (libevent's handlers): none for the writer */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&w.thread, NULL, writer_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	w.on = rc == 0;
	pthread_mutex_unlock(&w.mu);
	if (rc != 0)
		return -1;
	(void)pthread_setname_np(w.thread, "log");
	return 0;
}

void
log_async_stop(void)
{
	struct timespec until;
	int drained = 1;

	pthread_mutex_lock(&w.mu);
	if (!w.on) {
		pthread_mutex_unlock(&w.mu);
		return;
	}
	w.stopping = 1;
	pthread_cond_signal(&w.cv);
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += LOG_STOP_WAIT_S;
	while ((w.used > 0 || w.unsaid > 0 || w.writing) && drained)
		drained = pthread_cond_timedwait(&w.done, &w.mu, &until) != ETIMEDOUT;
	w.on = 0; /* from here on, lines are written in place */
	w.stuck = !drained;
	pthread_mutex_unlock(&w.mu);
	if (drained)
		pthread_join(w.thread, NULL);
	else /* the writer is stuck in a write: leave it (the process is ending) */
		pthread_detach(w.thread);
}

unsigned long
log_dropped(void)
{
	unsigned long n;

	pthread_mutex_lock(&w.mu);
	n = w.dropped;
	pthread_mutex_unlock(&w.mu);
	return n;
}
