/*
 * test_uploader_proto.c — the uploader's pure protocol parts: the batch body and
 * its Idempotency-Key, strict reading of the receiver's answer, Retry-After in
 * both forms, backoff with full jitter inside its bounds, and batch planning
 * (bisection of a refused batch, 413 halving) against a simulated receiver.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include "store.h"
#include "uploader_int.h"

static struct store_event *
make_events(int n, int64_t first_seq)
{
	struct store_event *v = calloc((size_t)n, sizeof(*v));

	for (int i = 0; i < n; i++) {
		char json[160];

		v[i].seq = first_seq + i;
		snprintf(v[i].id, sizeof(v[i].id), "00000000-0000-4000-8000-%012d", i);
		snprintf(v[i].type, sizeof(v[i].type), "tap");
		snprintf(json, sizeof(json),
		         "{\"id\":\"%s\",\"type\":\"tap\",\"at\":\"2026-11-23T07:58:12.345Z\"}",
		         v[i].id);
		v[i].json = strdup(json);
	}
	return v;
}

/* --- batch body and key --- */

static void
test_batch_body(void **state)
{
	struct store_event *evs = make_events(3, 41);
	size_t len;
	char *body;
	json_t *doc, *events;

	free(evs[2].json);
	evs[2].json = strdup("{ }"); /* an empty object still gets its seq */
	body = uploader_batch_body("drammen-ic-1", evs, 3, &len);
	assert_non_null(body);
	assert_int_equal(len, strlen(body));
	doc = json_loads(body, JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "kiosk_id")), "drammen-ic-1");
	events = json_object_get(doc, "events");
	assert_int_equal(json_array_size(events), 3);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(events, 0), "seq")), 41);
	assert_string_equal(json_string_value(json_object_get(json_array_get(events, 1), "id")),
	                    evs[1].id);
	assert_string_equal(json_string_value(json_object_get(json_array_get(events, 1), "at")),
	                    "2026-11-23T07:58:12.345Z");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(events, 2), "seq")), 43);
	assert_int_equal(json_object_size(json_array_get(events, 2)), 1);
	json_decref(doc);
	free(body);
	/* a kiosk id with characters JSON must escape */
	body = uploader_batch_body("a\"b", evs, 0, &len);
	assert_string_equal(body, "{\"kiosk_id\":\"a\\\"b\",\"events\":[]}");
	free(body);
	store_events_free(evs, 3);
}

static void
test_sendable(void **state)
{
	assert_true(uploader_event_sendable("{\"id\":\"x\"}"));
	assert_false(uploader_event_sendable("[1]"));
	assert_false(uploader_event_sendable("{"));
	assert_false(uploader_event_sendable(""));
	assert_false(uploader_event_sendable(NULL));
}

static void
test_idempotency_key(void **state)
{
	struct store_event *evs = make_events(2, 1);
	unsigned char d[32];
	char want[65], got[65], again[65], text[100];

	snprintf(text, sizeof(text), "%s\n%s\n", evs[0].id, evs[1].id);
	crypto_hash_sha256(d, (unsigned char *)text, strlen(text));
	sodium_bin2hex(want, sizeof(want), d, sizeof(d));
	uploader_idempotency_key(evs, 2, got);
	assert_string_equal(got, want);
	uploader_idempotency_key(evs, 2, again); /* a retried batch reuses it */
	assert_string_equal(got, again);
	uploader_idempotency_key(evs, 1, again); /* a half batch has its own */
	assert_string_not_equal(got, again);
	store_events_free(evs, 2);
}

/* --- the answer --- */

static int
parse(const char *body, struct store_event *evs, int n, struct uploader_result *res, int *unknown)
{
	char err[200];

	return uploader_results_parse(body, strlen(body), evs, n, res, unknown, err, sizeof(err));
}

static void
test_results_parse(void **state)
{
	struct store_event *evs = make_events(4, 1);
	struct uploader_result res[4];
	char body[1024];
	int unknown;

	snprintf(
	    body, sizeof(body),
	    "{\"results\": [{\"id\": \"%s\", \"status\": \"accepted\"},"
	    " {\"id\": \"%s\", \"status\": \"rejected\", \"reason\": \"data.card: bad\\u0007\"},"
	    " {\"id\": \"%s\", \"status\": \"duplicate\", \"reason\": null},"
	    " {\"id\": \"not-in-the-batch\", \"status\": \"accepted\"}], \"extra\": 1}",
	    evs[0].id, evs[1].id, evs[3].id);
	assert_int_equal(parse(body, evs, 4, res, &unknown), 0);
	assert_int_equal(res[0].status, UPLOADER_ACCEPTED);
	assert_int_equal(res[1].status, UPLOADER_REJECTED);
	assert_string_equal(res[1].reason, "data.card: bad?"); /* control characters cleaned */
	assert_int_equal(res[2].status, UPLOADER_MISSING);     /* stays pending */
	assert_int_equal(res[3].status, UPLOADER_DUPLICATE);
	assert_int_equal(unknown, 1);

	/* rejected without a reason still gets one */
	snprintf(body, sizeof(body), "{\"results\": [{\"id\": \"%s\", \"status\": \"rejected\"}]}",
	         evs[2].id);
	assert_int_equal(parse(body, evs, 4, res, &unknown), 0);
	assert_int_equal(res[2].status, UPLOADER_REJECTED);
	assert_true(strlen(res[2].reason) > 0);
	store_events_free(evs, 4);
}

static void
test_results_parse_rejects_garbage(void **state)
{
	struct store_event *evs = make_events(2, 1);
	struct uploader_result res[2];
	char twice[512], badstatus[256], badreason[256];
	const char *bad[] = {
	    "",
	    "{\"results\": [{\"id\": 12", /* cut off */
	    "<html>502 Bad Gateway</html>",
	    "[]",
	    "{}",
	    "{\"results\": {}}",
	    "{\"results\": [1]}",
	    "{\"results\": [{\"status\": \"accepted\"}]}",
	    "{\"results\": [], \"results\": []}", /* duplicate key */
	    twice,
	    badstatus,
	    badreason,
	};
	int unknown;

	snprintf(twice, sizeof(twice),
	         "{\"results\": [{\"id\": \"%s\", \"status\": \"accepted\"},"
	         " {\"id\": \"%s\", \"status\": \"rejected\"}]}",
	         evs[0].id, evs[0].id);
	snprintf(badstatus, sizeof(badstatus),
	         "{\"results\": [{\"id\": \"%s\", \"status\": \"ok\"}]}", evs[0].id);
	snprintf(badreason, sizeof(badreason),
	         "{\"results\": [{\"id\": \"%s\", \"status\": \"rejected\", \"reason\": 4}]}",
	         evs[0].id);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		res[0].status = UPLOADER_ACCEPTED;
		assert_int_equal(parse(bad[i], evs, 2, res, &unknown), -1);
	}
	store_events_free(evs, 2);
}

/* --- Retry-After --- */

static void
test_retry_after(void **state)
{
	/* Sun, 06 Nov 1994 08:49:37 GMT */
	const int64_t t = 784111777;
	int64_t d;

	assert_int_equal(uploader_retry_after_parse("120", t, &d), 0);
	assert_int_equal(d, 120);
	assert_int_equal(uploader_retry_after_parse(" 0 ", t, &d), 0);
	assert_int_equal(d, 0);
	assert_int_equal(uploader_retry_after_parse("Sun, 06 Nov 1994 08:49:37 GMT", t - 30, &d),
	                 0);
	assert_int_equal(d, 30);
	assert_int_equal(uploader_retry_after_parse("Sunday, 06-Nov-94 08:49:37 GMT", t - 5, &d),
	                 0);
	assert_int_equal(d, 5);
	assert_int_equal(uploader_retry_after_parse("Sun Nov  6 08:49:37 1994", t - 7, &d), 0);
	assert_int_equal(d, 7);
	/* a date in the past: no wait, never a negative one */
	assert_int_equal(uploader_retry_after_parse("Sun, 06 Nov 1994 08:49:37 GMT", t + 99, &d),
	                 0);
	assert_int_equal(d, 0);
	assert_int_equal(uploader_retry_after_parse("-3", t, &d), -1);
	assert_int_equal(uploader_retry_after_parse("soon", t, &d), -1);
	assert_int_equal(uploader_retry_after_parse("", t, &d), -1);
	assert_int_equal(uploader_retry_after_parse("12abc", t, &d), -1);
	assert_int_equal(uploader_retry_after_parse("99999999999999999999999999", t, &d), -1);
}

/* --- backoff --- */

static void
test_backoff_bounds(void **state)
{
	const int64_t base = 1000, cap = 60000;

	/* the extremes of the random number reach both ends of the window */
	assert_int_equal(uploader_backoff_ms(0, base, cap, 0), 0);
	assert_int_equal(uploader_backoff_ms(0, base, cap, UINT32_MAX), base);
	assert_int_equal(uploader_backoff_ms(3, base, cap, UINT32_MAX), 8 * base);
	assert_int_equal(uploader_backoff_ms(6, base, cap, UINT32_MAX), cap); /* 64 s capped */
	assert_int_equal(uploader_backoff_ms(1000, base, cap, UINT32_MAX), cap);
	assert_int_equal(uploader_backoff_ms(5, base, 0, UINT32_MAX), 0);
	/* full jitter: every draw inside [0, min(cap, base * 2^attempt)], and spread out */
	for (int attempt = 0; attempt < 12; attempt++) {
		int64_t ceil = base << attempt, lo = INT64_MAX, hi = 0;

		if (ceil > cap)
			ceil = cap;
		for (int i = 0; i < 2000; i++) {
			int64_t d = uploader_backoff_ms(attempt, base, cap, randombytes_random());

			assert_true(d >= 0 && d <= ceil);
			lo = d < lo ? d : lo;
			hi = d > hi ? d : hi;
		}
		assert_true(lo < ceil / 10 + 1);
		assert_true(hi > ceil - ceil / 10 - 1);
	}
}

/* --- planning against a simulated receiver --- */

struct sim {
	int n; /* events */
	const int *poison;
	int npoison;
	int max_batch; /* the receiver answers 413 above this; 0 = no limit */
	int all_413;   /* the first this many requests get 413 whatever their size */
	char *state;   /* per event: 'p' pending, 'd' delivered, 'x' dead */
	int requests;
	int backoffs; /* 413 to a single event: backed off, event kept */
};

static int
is_poison(const struct sim *s, int i)
{
	for (int k = 0; k < s->npoison; k++)
		if (s->poison[k] == i)
			return 1;
	return 0;
}

/* What the uploader does, with a receiver that refuses a batch holding a poison event. */
static void
run_sim(struct sim *s, int batch_max)
{
	struct store_event *all = make_events(s->n, 1);
	struct uploader_plan p;
	struct store_event *batch = calloc((size_t)s->n, sizeof(*batch));

	uploader_plan_init(&p, batch_max);
	s->state = malloc((size_t)s->n);
	memset(s->state, 'p', (size_t)s->n);
	for (int guard = 0; guard < 100000; guard++) {
		int size = uploader_plan_size(&p, 0), n = 0, take, bad = 0;

		for (int i = 0; i < s->n && n < size; i++)
			if (s->state[i] == 'p')
				batch[n++] = all[i];
		if (n == 0)
			break;
		take = uploader_plan_take(&p, batch, n);
		assert_true(take >= 1 && take <= n);
		s->requests++;
		if ((s->max_batch && take > s->max_batch) || s->requests <= s->all_413) {
			/* never a dead letter: alone, the event waits for a backoff */
			if (uploader_plan_too_large(&p, take, 0)) {
				assert_int_equal(take, 1);
				assert_int_equal(uploader_plan_size(&p, 0), 1);
				s->backoffs++;
			}
			continue;
		}
		for (int i = 0; i < take; i++)
			bad |= is_poison(s, (int)batch[i].seq - 1);
		if (bad) {
			if (uploader_plan_refused(&p, take, batch[take - 1].seq))
				s->state[batch[0].seq - 1] = 'x';
			continue;
		}
		for (int i = 0; i < take; i++)
			s->state[batch[i].seq - 1] = 'd';
		uploader_plan_success(&p);
	}
	for (int i = 0; i < s->n; i++)
		assert_int_equal(s->state[i], is_poison(s, i) ? 'x' : 'd');
	free(batch);
	free(s->state);
	store_events_free(all, s->n);
}

static void
test_plan_isolates_poison(void **state)
{
	static const int where[] = {0, 1, 249, 250, 251, 498, 499, 777, 1999};

	for (size_t w = 0; w < sizeof(where) / sizeof(where[0]); w++) {
		struct sim s = {.n = 2000, .poison = &where[w], .npoison = 1};

		run_sim(&s, 500);
		/* 4 batches, and about two requests per halving of 500 */
		assert_true(s.requests <= 4 + 2 * 9 + 2);
	}
	{
		static const int several[] = {3, 4, 100, 1500};
		struct sim s = {.n = 2000, .poison = several, .npoison = 4};

		run_sim(&s, 500);
		assert_true(s.requests < 100);
	}
	{
		static const int one[] = {0};
		struct sim s = {.n = 1, .poison = one, .npoison = 1};

		run_sim(&s, 500);
		assert_int_equal(s.requests, 1);
	}
}

static void
test_plan_too_large(void **state)
{
	struct uploader_plan p;

	uploader_plan_init(&p, 500);
	assert_int_equal(uploader_plan_too_large(&p, 500, 1000), 0);
	assert_int_equal(uploader_plan_size(&p, 1000), 250);
	/* kept, however long, until a batch succeeds */
	assert_int_equal(uploader_plan_size(&p, 1000 + 7200 * 1000LL), 250);
	assert_int_equal(uploader_plan_too_large(&p, 250, 0), 0);
	assert_int_equal(uploader_plan_size(&p, 0), 125);
	uploader_plan_success(&p);
	assert_int_equal(uploader_plan_size(&p, 0), 500);
	/* one event too large on its own: reported, and the size stays at one */
	assert_int_equal(uploader_plan_too_large(&p, 1, 0), 1);
	assert_int_equal(uploader_plan_size(&p, 0), 1);
	uploader_plan_success(&p);
	assert_int_equal(uploader_plan_size(&p, 0), 500);

	{
		/* a receiver limited to 60: every event delivered, none dead */
		struct sim s = {.n = 1000, .max_batch = 60};

		run_sim(&s, 500);
		assert_int_equal(s.backoffs, 0);
		/* 500 -> 250 -> 125 -> 62 -> 31 refused or taken, per 31 events */
		assert_true(s.requests <= (1000 / 31 + 1) * 5);
	}
	{
		/* 413 to everything for 40 requests, single events included, then normal */
		struct sim s = {.n = 1000, .all_413 = 40};

		run_sim(&s, 500);
		assert_true(s.backoffs >= 30);
		/* after the first success the full size is tried again: few requests */
		assert_true(s.requests <= 40 + 1 + 2);
	}
	{
		/* a bisection's small size does not stick once a batch succeeds */
		static const int bad[] = {0};
		struct sim s = {.n = 2000, .poison = bad, .npoison = 1, .max_batch = 300};

		run_sim(&s, 500);
		assert_true(s.requests < 60);
	}
}

static void
test_plan_bisect_bounds(void **state)
{
	struct uploader_plan p;
	struct store_event *evs = make_events(10, 101);

	uploader_plan_init(&p, 8);
	assert_int_equal(uploader_plan_refused(&p, 8, 108), 0);
	assert_int_equal(uploader_plan_size(&p, 0), 4);
	/* only events of the refused range go into a batch while bisecting */
	assert_int_equal(uploader_plan_take(&p, evs + 6, 4), 2);
	/* past the range: bisection over */
	assert_int_equal(uploader_plan_take(&p, evs + 8, 2), 2);
	assert_int_equal(uploader_plan_size(&p, 0), 8);
	store_events_free(evs, 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_batch_body),
	    cmocka_unit_test(test_sendable),
	    cmocka_unit_test(test_idempotency_key),
	    cmocka_unit_test(test_results_parse),
	    cmocka_unit_test(test_results_parse_rejects_garbage),
	    cmocka_unit_test(test_retry_after),
	    cmocka_unit_test(test_backoff_bounds),
	    cmocka_unit_test(test_plan_isolates_poison),
	    cmocka_unit_test(test_plan_too_large),
	    cmocka_unit_test(test_plan_bisect_bounds),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
