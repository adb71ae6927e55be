/*
 * reports.c — the reports thread (see reports.h).  Two queues under one mutex:
 * `todo` (submitted, oldest first) and `done` (run, waiting for the loop).  The
 * thread wakes on a condition variable; the loop wakes on an eventfd the thread
 * writes after each job.  Only these queues are shared: a job's memory belongs to
 * the thread while it is running and to the loop before and after.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <event2/event.h>

#include "attendance.h"
#include "log.h"
#include "loop.h"
#include "period.h"
#include "reports.h"
#include "store.h"

struct job {
	reports_run_fn run;
	reports_done_fn done;
	void *arg;
	int ran;
	struct job *next;
};

struct queue {
	struct job *head, *tail;
};

struct reports {
	struct reports_ctx ctx;
	struct event *wake; /* the eventfd: jobs are done */
	int efd;
	pthread_t thread;
	int started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct queue todo, done;
	size_t pending; /* queued, running or done-not-delivered */
	int stopping;
};

static void
push(struct queue *q, struct job *j)
{
	j->next = NULL;
	if (q->tail)
		q->tail->next = j;
	else
		q->head = j;
	q->tail = j;
}

static struct job *
pop(struct queue *q)
{
	struct job *j = q->head;

	if (j && (q->head = j->next) == NULL)
		q->tail = NULL;
	return j;
}

static void *
thread_main(void *arg)
{
	struct reports *r = arg;

	/* Below the loop: on two cores a report must not take the CPU a tap needs. */
	(void)loop_thread_background("reports");
	pthread_mutex_lock(&r->mu);
	for (;;) {
		struct job *j;

		while (!r->stopping && r->todo.head == NULL)
			pthread_cond_wait(&r->cv, &r->mu);
		if (r->stopping)
			break;
		j = pop(&r->todo);
		pthread_mutex_unlock(&r->mu);
		/* One snapshot per job: a document is consistent and pays the WAL lock once. */
		(void)store_read_begin(r->ctx.store); /* failing, it logs; the reads autocommit */
		j->run(&r->ctx, j->arg);
		store_read_end(r->ctx.store);
		pthread_mutex_lock(&r->mu);
		/* Interrupted by reports_stop(): its result is not one. */
		j->ran = !r->stopping;
		push(&r->done, j);
		loop_wake(r->efd, "reports");
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

/* Hand every finished job to its `done`, on the loop. */
static void
deliver(struct reports *r)
{
	struct job *j;

	for (;;) {
		pthread_mutex_lock(&r->mu);
		if ((j = pop(&r->done)) != NULL)
			r->pending--;
		pthread_mutex_unlock(&r->mu);
		if (j == NULL)
			return;
		j->done(j->arg, j->ran);
		free(j);
	}
}

static void
on_wake(evutil_socket_t fd, short what, void *arg)
{
	(void)what;
	loop_woken(fd, "reports");
	deliver(arg);
}

struct reports *
reports_start(struct event_base *base, const struct config *cfg, const char *path, char *err,
              size_t errlen)
{
	struct reports *r = calloc(1, sizeof(*r));

	if (r == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->efd = -1;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	r->ctx.cfg = cfg;
	if (store_open_readonly(&r->ctx.store, path, err, errlen) < 0 ||
	    attendance_open(&r->ctx.att, r->ctx.store, cfg, err, errlen) < 0 ||
	    period_open(&r->ctx.period, r->ctx.store, r->ctx.att, cfg, err, errlen) < 0)
		goto fail;
	if ((r->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0 ||
	    (r->wake = event_new(base, r->efd, EV_READ | EV_PERSIST, on_wake, r)) == NULL ||
	    event_add(r->wake, NULL) < 0) {
		snprintf(err, errlen, "reports: eventfd: %s", strerror(errno));
		goto fail;
	}
	if ((errno = pthread_create(&r->thread, NULL, thread_main, r)) != 0) {
		snprintf(err, errlen, "reports: cannot start the thread: %s", strerror(errno));
		goto fail;
	}
	r->started = 1;
	return r;
fail:
	reports_stop(r);
	return NULL;
}

void
reports_stop(struct reports *r)
{
	struct job *j;

	if (r == NULL)
		return;
	if (r->started) {
		pthread_mutex_lock(&r->mu);
		r->stopping = 1;
		pthread_cond_signal(&r->cv);
		pthread_mutex_unlock(&r->mu);
		/* A long read (the check of a cold gigabyte) must not hold up the stop. */
		store_interrupt(r->ctx.store);
		pthread_join(r->thread, NULL);
	}
	/* What never ran goes to `done` too: its requests are answered, its memory freed. */
	while ((j = pop(&r->todo)) != NULL)
		push(&r->done, j);
	deliver(r);
	if (r->wake)
		event_free(r->wake);
	if (r->efd >= 0)
		close(r->efd);
	period_free(r->ctx.period);
	attendance_close(r->ctx.att);
	store_close(r->ctx.store);
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

int
reports_submit(struct reports *r, reports_run_fn run, reports_done_fn done, void *arg)
{
	struct job *j = calloc(1, sizeof(*j));

	if (j == NULL)
		return -1;
	j->run = run;
	j->done = done;
	j->arg = arg;
	pthread_mutex_lock(&r->mu);
	push(&r->todo, j);
	r->pending++;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	return 0;
}

int
reports_stopping(struct reports *r)
{
	int stop;

	if (r == NULL)
		return 0;
	pthread_mutex_lock(&r->mu);
	stop = r->stopping;
	pthread_mutex_unlock(&r->mu);
	return stop;
}

size_t
reports_pending(struct reports *r)
{
	size_t n;

	pthread_mutex_lock(&r->mu);
	n = r->pending;
	pthread_mutex_unlock(&r->mu);
	return n;
}
