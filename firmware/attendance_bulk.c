/*
 * attendance_bulk.c — a month's documents in bulk: every participant's engine input
 * rows for a date range read with a handful of queries over all participants, kept
 * while a document computes each participant.  attendance.c's loaders ask here
 * first and get exactly the rows their per-participant query would give (the same
 * filters, the same order); a request the bulk does not cover goes to the query.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attendance_int.h"
#include "errbuf.h"
#include "rules/rules.h"
#include "store.h"

/*
 * A participant's saved state is normally the first day of the period (states are
 * saved at each payout start); an older one within this many days still has its
 * taps read in bulk, older ones go to the per-participant queries.
 */
#define BULK_BACK_DAYS 62

struct attendance_bulk {
	int32_t from, to;
	char lo_s[11], to_s[11]; /* taps, corrections and absences cover [lo_s, to_s] */
	int32_t state_max;       /* the states answer store_quota_state_get(pid, state_max) */
	struct store_participant *p;
	size_t n_p;
	struct store_pid_session *sess;
	size_t n_sess;
	struct store_pid_exception *exc;
	size_t n_exc;
	struct store_pid_tap *taps;
	size_t n_taps;
	struct store_correction *corr;
	size_t n_corr;
	struct store_absence_row *abs;
	size_t n_abs;
	struct store_pid_state *st;
	size_t n_st;
	struct store_g *g;
	size_t n_g;
	char (*cl)[11];
	size_t n_cl;
	int since_rc; /* store_meta_get()'s answer for the results' first date */
	char since[11];
};

/* attendance_int.h: shared with attendance_today.c's bulk of one day. */
size_t
attendance_int_slice(const void *arr, size_t n, size_t size, size_t off, int64_t pid, size_t *first)
{
	const char *base = arr;
	size_t lo = 0, hi = n, k;

#define PID_AT(i) (*(const int64_t *)(const void *)(base + (i)*size + off))
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (PID_AT(mid) < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (k = lo; k < n && PID_AT(k) == pid; k++)
		;
#undef PID_AT
	*first = lo;
	return k - lo;
}

void
attendance_bulk_free(struct attendance_bulk *b)
{
	if (b == NULL)
		return;
	free(b->p);
	free(b->sess);
	free(b->exc);
	free(b->taps);
	free(b->corr);
	free(b->abs);
	store_range_quota_states_free(b->st, b->n_st);
	free(b->g);
	free(b->cl);
	free(b);
}

int
attendance_bulk_load(struct store *s, int32_t from, int32_t to, struct attendance_bulk **out,
                     char *err, size_t errlen)
{
	struct attendance_bulk *b = calloc(1, sizeof(*b));
	int32_t lo = from;

	*out = NULL;
	if (b == NULL)
		return errbuf_set(err, errlen, "%s", "out of memory");
	b->from = from;
	b->to = to;
	b->state_max = from;
	if (store_range_quota_states(s, from, &b->st, &b->n_st) < 0)
		goto db;
	for (size_t i = 0; i < b->n_st; i++)
		if (b->st[i].day < lo && b->st[i].day >= from - BULK_BACK_DAYS)
			lo = b->st[i].day;
	rules_date_format(lo, b->lo_s, sizeof(b->lo_s));
	rules_date_format(to, b->to_s, sizeof(b->to_s));
	if (store_participants_all(s, &b->p, &b->n_p) < 0 ||
	    store_range_sessions(s, &b->sess, &b->n_sess) < 0 ||
	    store_range_exceptions(s, &b->exc, &b->n_exc) < 0 ||
	    store_range_taps(s, b->lo_s, b->to_s, &b->taps, &b->n_taps) < 0 ||
	    store_range_corrections(s, b->lo_s, b->to_s, &b->corr, &b->n_corr) < 0 ||
	    store_range_absences(s, b->lo_s, b->to_s, &b->abs, &b->n_abs) < 0 ||
	    store_g_values(s, &b->g, &b->n_g) < 0 || store_closure_dates(s, &b->cl, &b->n_cl) < 0 ||
	    (b->since_rc =
	         store_meta_get(s, ATTENDANCE_RESULTS_FROM_KEY, b->since, sizeof(b->since))) < 0)
		goto db;
	*out = b;
	return 0;
db:
	errbuf_set(err, errlen, "database: %s", store_errmsg(s));
	attendance_bulk_free(b);
	return -1;
}

/* A malloc'd copy of n elements (never NULL when n > 0 succeeds; NULL for n == 0). */
static int
copy_out(void **out, const void *src, size_t n, size_t size)
{
	*out = NULL;
	if (n == 0)
		return 0;
	if ((*out = malloc(n * size)) == NULL)
		return -1;
	memcpy(*out, src, n * size);
	return 0;
}

/* Whether [from, to] (YYYY-MM-DD) lies within the range read in bulk. */
static bool
covers(const struct attendance_bulk *b, const char *from, const char *to)
{
	return strcmp(from, b->lo_s) >= 0 && strcmp(to, b->to_s) <= 0;
}

int
attendance_bulk_participant(const struct attendance_bulk *b, int64_t pid,
                            struct store_participant *out)
{
	size_t lo = 0, hi = b->n_p;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (b->p[mid].id < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == b->n_p || b->p[lo].id != pid)
		return 0; /* the query says "none" itself */
	*out = b->p[lo];
	return 1;
}

int
attendance_bulk_schedule(const struct attendance_bulk *b, int64_t pid, struct store_session **out,
                         size_t *n)
{
	size_t f, k = SLICE(struct store_pid_session, b->sess, b->n_sess, pid, pid, &f);

	*n = 0;
	*out = NULL;
	if (k && (*out = malloc(k * sizeof(**out))) == NULL)
		return -1;
	for (size_t i = 0; i < k; i++)
		(*out)[i] = b->sess[f + i].s;
	*n = k;
	return 1;
}

int
attendance_bulk_exceptions(const struct attendance_bulk *b, int64_t pid,
                           struct store_exception_row **out, size_t *n)
{
	size_t f, k = SLICE(struct store_pid_exception, b->exc, b->n_exc, pid, pid, &f);

	*n = 0;
	*out = NULL;
	if (k && (*out = malloc(k * sizeof(**out))) == NULL)
		return -1;
	for (size_t i = 0; i < k; i++)
		(*out)[i] = b->exc[f + i].e;
	*n = k;
	return 1;
}

int
attendance_bulk_closures(const struct attendance_bulk *b, char (**out)[11], size_t *n)
{
	*n = 0;
	if (copy_out((void **)out, b->cl, b->n_cl, sizeof(*b->cl)) < 0)
		return -1;
	*n = b->n_cl;
	return 1;
}

int
attendance_bulk_g(const struct attendance_bulk *b, struct store_g **out, size_t *n)
{
	*n = 0;
	if (copy_out((void **)out, b->g, b->n_g, sizeof(*b->g)) < 0)
		return -1;
	*n = b->n_g;
	return 1;
}

int
attendance_bulk_results_from(const struct attendance_bulk *b, char date[11])
{
	if (b->since_rc == 0)
		memcpy(date, b->since, sizeof(b->since));
	return b->since_rc;
}

int
attendance_bulk_taps(const struct attendance_bulk *b, int64_t pid, const char *from, const char *to,
                     struct store_day_tap **out, size_t *n)
{
	size_t f, k = SLICE(struct store_pid_tap, b->taps, b->n_taps, pid, pid, &f);

	*n = 0;
	*out = NULL;
	if (!covers(b, from, to))
		return 0;
	for (size_t i = 0; i < k; i++) {
		const struct store_day_tap *t = &b->taps[f + i].t;

		if (strcmp(t->date, from) < 0 || strcmp(t->date, to) > 0)
			continue;
		if (*out == NULL && (*out = malloc(k * sizeof(**out))) == NULL)
			return -1;
		(*out)[(*n)++] = *t;
	}
	return 1;
}

int
attendance_bulk_corrections(const struct attendance_bulk *b, int64_t pid, const char *from,
                            const char *to, struct store_correction **out, size_t *n)
{
	size_t f, k = SLICE(struct store_correction, b->corr, b->n_corr, participant_id, pid, &f);

	*n = 0;
	*out = NULL;
	if (!covers(b, from, to))
		return 0;
	for (size_t i = 0; i < k; i++) {
		const struct store_correction *c = &b->corr[f + i];

		if (strcmp(c->date, from) < 0 || strcmp(c->date, to) > 0)
			continue;
		if (*out == NULL && (*out = malloc(k * sizeof(**out))) == NULL)
			return -1;
		(*out)[(*n)++] = *c;
	}
	return 1;
}

int
attendance_bulk_absences(const struct attendance_bulk *b, int64_t pid, const char *from,
                         const char *to, struct store_absence_row **out, size_t *n)
{
	size_t f, k = SLICE(struct store_absence_row, b->abs, b->n_abs, a.participant_id, pid, &f);

	*n = 0;
	*out = NULL;
	if (!covers(b, from, to))
		return 0;
	for (size_t i = 0; i < k; i++) {
		const struct store_absence_row *r = &b->abs[f + i];

		/* as the query: to_date >= from AND from_date <= to */
		if (strcmp(r->a.to_date, from) < 0 || strcmp(r->a.from_date, to) > 0)
			continue;
		if (*out == NULL && (*out = malloc(k * sizeof(**out))) == NULL)
			return -1;
		(*out)[(*n)++] = *r;
	}
	return 1;
}

int
attendance_bulk_quota_state(const struct attendance_bulk *b, int64_t pid, int32_t max_day,
                            int *found, int32_t *day, unsigned char **data, size_t *len)
{
	size_t f, k;

	*found = 0;
	*data = NULL;
	*len = 0;
	if (max_day != b->state_max)
		return 0;
	if ((k = SLICE(struct store_pid_state, b->st, b->n_st, pid, pid, &f)) == 0)
		return 1;
	if ((*data = malloc(b->st[f].len ? b->st[f].len : 1)) == NULL)
		return -1;
	memcpy(*data, b->st[f].data, b->st[f].len);
	*len = b->st[f].len;
	*day = b->st[f].day;
	*found = 1;
	return 1;
}
