/*
 * test_log.c — log lines, written in place and by the writer thread.  The thread's
 * point: a stderr nobody reads (a pipe whose reader stopped, as a journald that
 * hangs) must not block the caller.  The test fills such a pipe and the ring
 * behind it; with lines written in place the logging call would block for ever and
 * the test would hang (the runner's timeout fails it).  Then every line is either
 * read back, in order, or counted in the notice of how many were dropped, which
 * stands where they would have.
 */
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"

/* stderr into a pipe; what comes out is collected by a thread once it is started. */
struct capture {
	int pipe[2], saved;
	pthread_t reader;
	char *buf;
	size_t len, cap;
};

static void
capture_begin(struct capture *c)
{
	memset(c, 0, sizeof(*c));
	assert_int_equal(pipe(c->pipe), 0);
	c->saved = dup(STDERR_FILENO);
	assert_true(c->saved >= 0);
	assert_int_equal(dup2(c->pipe[1], STDERR_FILENO), STDERR_FILENO);
}

static void *
reader_main(void *arg)
{
	struct capture *c = arg;
	char chunk[65536];
	ssize_t n;

	while ((n = read(c->pipe[0], chunk, sizeof(chunk))) > 0) {
		if (c->len + (size_t)n + 1 > c->cap) {
			c->cap = (c->len + (size_t)n + 1) * 2;
			c->buf = realloc(c->buf, c->cap);
			if (c->buf == NULL)
				abort();
		}
		memcpy(c->buf + c->len, chunk, (size_t)n);
		c->len += (size_t)n;
		c->buf[c->len] = '\0';
	}
	return NULL;
}

static void
capture_read(struct capture *c)
{
	assert_int_equal(pthread_create(&c->reader, NULL, reader_main, c), 0);
}

/* stderr back; the pipe closed; everything written is in c->buf. */
static void
capture_end(struct capture *c)
{
	assert_int_equal(dup2(c->saved, STDERR_FILENO), STDERR_FILENO);
	close(c->saved);
	close(c->pipe[1]);
	pthread_join(c->reader, NULL);
	close(c->pipe[0]);
	if (c->buf == NULL)
		c->buf = calloc(1, 1);
}

static int
count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void
test_in_place(void **state)
{
	struct capture c;
	(void)state;

	log_open("test", 0, LOG_LVL_INFO);
	capture_begin(&c);
	capture_read(&c);
	log_info("hello %d", 42);
	log_debug("not at info");
	log_warn("second");
	capture_end(&c);
	/* "2026-12-04T15:48:30.123Z info: hello 42" */
	assert_int_equal(count_lines(c.buf), 2);
	assert_int_equal(c.buf[4], '-');
	assert_int_equal(c.buf[10], 'T');
	assert_int_equal(c.buf[23], 'Z');
	assert_non_null(strstr(c.buf, "Z info: hello 42\n"));
	assert_non_null(strstr(c.buf, "Z warn: second\n"));
	assert_null(strstr(c.buf, "not at info"));
	free(c.buf);
}

static void
test_long_line_cut(void **state)
{
	struct capture c;
	char *big = malloc(3 * LOG_LINE_MAX);
	(void)state;

	assert_non_null(big);
	memset(big, 'x', 3 * LOG_LINE_MAX - 1);
	big[3 * LOG_LINE_MAX - 1] = '\0';
	log_open("test", 0, LOG_LVL_INFO);
	capture_begin(&c);
	capture_read(&c);
	log_info("%s", big);
	log_info("next");
	capture_end(&c);
	assert_int_equal(count_lines(c.buf), 2);
	assert_int_equal((int)(strchr(c.buf, '\n') - c.buf + 1), LOG_LINE_MAX);
	assert_memory_equal(c.buf + LOG_LINE_MAX - 5, " ...\n", 5);
	assert_non_null(strstr(c.buf, "info: next\n"));
	free(c.buf);
	free(big);
}

static void
test_stop_writes_what_waits(void **state)
{
	struct capture c;
	char want[64];
	(void)state;

	log_open("test", 0, LOG_LVL_INFO);
	capture_begin(&c);
	capture_read(&c);
	assert_int_equal(log_async_start(), 0);
	for (int i = 0; i < 500; i++)
		log_info("line %d", i);
	log_async_stop();
	log_info("in place again");
	capture_end(&c);
	assert_int_equal(count_lines(c.buf), 501);
	snprintf(want, sizeof(want), "info: line %d\n", 499);
	assert_non_null(strstr(c.buf, want));
	assert_true(strstr(c.buf, "line 499\n") < strstr(c.buf, "in place again\n"));
	free(c.buf);
}

/* The line numbers read back: ascending, each once; their count. */
static int
numbers_in_order(const char *s, int total)
{
	int last = -1, n = 0, i;
	const char *p = s;

	while ((p = strstr(p, "info: line ")) != NULL) {
		assert_int_equal(sscanf(p, "info: line %d", &i), 1);
		assert_true(i > last && i < total);
		last = i;
		n++;
		p++;
	}
	return n;
}

static void
test_blocked_stderr_drops_and_says_so(void **state)
{
	struct capture c;
	unsigned long before = log_dropped(), dropped = 0, said = 0;
	const char *note = NULL, *after, *p;
	int sent = 0, got, tries;
	(void)state;

	log_open("test", 0, LOG_LVL_INFO);
	capture_begin(&c); /* nobody reads the pipe yet: the writer blocks once it is full */
	assert_int_equal(log_async_start(), 0);
	/* Pipe (64 KiB) and ring (LOG_RING_BYTES) full: lines are dropped, nothing blocks. */
	while (log_dropped() - before < 100) {
		log_info("line %d %0200d", sent++, 0);
		assert_true(sent < 100000); /* the ring never filled: no drop counted */
	}
	dropped = log_dropped() - before;
	capture_read(&c); /* the reader is back: the ring empties */
	/* until the line fits (each try that does not is one more line dropped) */
	for (tries = 1;; tries++) {
		unsigned long d = log_dropped();

		log_info("after the drops");
		if (log_dropped() == d)
			break;
		assert_true(tries < 1000);
		usleep(10000);
	}
	log_async_stop();
	capture_end(&c);

	got = numbers_in_order(c.buf, sent);
	/*
	 * Each run of drops is said once, before the next line that fits (more than one
	 * run when the writer freed room while the lines still came): together they
	 * count every line not read back.
	 */
	for (p = c.buf; (p = strstr(p, "warn: log: ")) != NULL; p++) {
		said += strtoul(p + strlen("warn: log: "), NULL, 10);
		note = p;
	}
	assert_non_null(note);
	assert_int_equal(said, log_dropped() - before);
	assert_int_equal(got + (int)dropped, sent);
	assert_int_equal(log_dropped() - before, dropped + (unsigned long)(tries - 1));
	after = strstr(c.buf, "info: after the drops\n");
	assert_non_null(after);
	assert_true(note < after);
	free(c.buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_in_place),
	    cmocka_unit_test(test_long_line_cut),
	    cmocka_unit_test(test_stop_writes_what_waits),
	    cmocka_unit_test(test_blocked_stderr_drops_and_says_so),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
