/*
 * proto.c — the upload protocol's pure parts (PROTOCOL.md §1): the batch body,
 * its Idempotency-Key, the strict reading of the receiver's answers, Retry-After,
 * backoff with full jitter and the batch planning that isolates a bad event.
 * No I/O, no clock, no randomness of its own: the unit tests drive it directly.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>

#include "store.h"
#include "uploader_int.h"

/* --- the batch --- */

int
uploader_event_sendable(const char *json)
{
	size_t n = json ? strlen(json) : 0;

	return n >= 2 && json[0] == '{' && json[n - 1] == '}';
}

char *
uploader_batch_body(const char *kiosk_id, const struct store_event *evs, int n, size_t *len)
{
	json_t *k = json_string(kiosk_id);
	char *kq = k ? json_dumps(k, JSON_ENCODE_ANY) : NULL;
	size_t cap, off = 0;
	char *buf;

	json_decref(k);
	if (kq == NULL)
		return NULL;
	cap = strlen(kq) + 32;
	for (int i = 0; i < n; i++)
		cap += strlen(evs[i].json) + 32;
	if ((buf = malloc(cap)) == NULL) {
		free(kq);
		return NULL;
	}
	off += (size_t)snprintf(buf + off, cap - off, "{\"kiosk_id\":%s,\"events\":[", kq);
	free(kq);
	/*
	 * The stored event is a complete object without "seq"; splice seq in as its
	 * first member instead of parsing and re-serialising every event.
	 */
	for (int i = 0; i < n; i++) {
		const char *rest = evs[i].json + 1;

		while (isspace((unsigned char)*rest))
			rest++;
		off += (size_t)snprintf(buf + off, cap - off, "%s{\"seq\":%" PRId64 "%s%s",
		                        i ? "," : "", evs[i].seq, *rest == '}' ? "" : ",", rest);
	}
	off += (size_t)snprintf(buf + off, cap - off, "]}");
	*len = off;
	return buf;
}

void
uploader_idempotency_key(const struct store_event *evs, int n, char out[65])
{
	unsigned char d[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state h;

	crypto_hash_sha256_init(&h);
	for (int i = 0; i < n; i++) {
		crypto_hash_sha256_update(&h, (const unsigned char *)evs[i].id, strlen(evs[i].id));
		crypto_hash_sha256_update(&h, (const unsigned char *)"\n", 1);
	}
	crypto_hash_sha256_final(&h, d);
	sodium_bin2hex(out, 65, d, sizeof(d));
}

/* --- the answer --- */

/* Copy a receiver's text for storage and logs: printable ASCII only, bounded. */
static void
copy_clean(char *out, size_t outlen, const char *s)
{
	size_t j = 0;

	for (; s && *s && j + 1 < outlen; s++)
		out[j++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
	out[j] = '\0';
}

static int
find_event(const struct store_event *evs, int n, int hint, const char *id)
{
	/* Receivers answer in the batch's order: try the same position first. */
	if (hint < n && strcmp(evs[hint].id, id) == 0)
		return hint;
	for (int i = 0; i < n; i++)
		if (strcmp(evs[i].id, id) == 0)
			return i;
	return -1;
}

int
uploader_results_parse(const char *body, size_t len, const struct store_event *evs, int n,
                       struct uploader_result *out, int *unknown, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *doc, *results, *r;
	unsigned char *seen = NULL;
	size_t i;
	int rc = -1;

	*unknown = 0;
	for (int k = 0; k < n; k++)
		out[k] = (struct uploader_result){.status = UPLOADER_MISSING};
	doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL) {
		snprintf(err, errlen, "response is not JSON: line %d: %s", jerr.line, jerr.text);
		return -1;
	}
	results = json_object_get(doc, "results");
	if (!json_is_object(doc) || !json_is_array(results)) {
		snprintf(err, errlen, "response: expected an object with a \"results\" list");
		goto out;
	}
	if ((seen = calloc((size_t)n + 1, 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	json_array_foreach(results, i, r)
	{
		json_t *reason = json_object_get(r, "reason");
		const char *id = json_string_value(json_object_get(r, "id"));
		const char *st = json_string_value(json_object_get(r, "status"));
		enum uploader_status s;
		int k;

		if (!json_is_object(r) || id == NULL || st == NULL) {
			snprintf(err, errlen, "results[%zu]: expected an object with id and status",
			         i);
			goto out;
		}
		if (strcmp(st, "accepted") == 0)
			s = UPLOADER_ACCEPTED;
		else if (strcmp(st, "duplicate") == 0)
			s = UPLOADER_DUPLICATE;
		else if (strcmp(st, "rejected") == 0)
			s = UPLOADER_REJECTED;
		else {
			snprintf(err, errlen,
			         "results[%zu].status: expected accepted, duplicate or "
			         "rejected",
			         i);
			goto out;
		}
		if (reason && !json_is_string(reason) && !json_is_null(reason)) {
			snprintf(err, errlen, "results[%zu].reason: expected a string", i);
			goto out;
		}
		if ((k = find_event(evs, n, (int)i, id)) < 0) {
			(*unknown)++;
			continue;
		}
		if (seen[k]) {
			snprintf(err, errlen, "results[%zu]: event %s is answered twice", i, id);
			goto out;
		}
		seen[k] = 1;
		out[k].status = s;
		if (s == UPLOADER_REJECTED)
			copy_clean(out[k].reason, sizeof(out[k].reason),
			           json_is_string(reason) ? json_string_value(reason)
			                                  : "rejected (no reason given)");
	}
	rc = 0;
out:
	free(seen);
	json_decref(doc);
	return rc;
}

int
uploader_retry_after_parse(const char *value, int64_t now_s, int64_t *delay_s)
{
	const char *p = value;
	int64_t v = 0;
	time_t t;

	while (*p == ' ' || *p == '\t')
		p++;
	if (isdigit((unsigned char)*p)) {
		for (; isdigit((unsigned char)*p); p++) {
			if (v > INT64_MAX / 100)
				return -1;
			v = v * 10 + (*p - '0');
		}
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p)
			return -1;
		*delay_s = v;
		return 0;
	}
	/* An HTTP date (IMF-fixdate, RFC 850 or asctime): curl knows all three. */
	t = curl_getdate(p, NULL);
	if (t == (time_t)-1)
		return -1;
	*delay_s = (int64_t)t > now_s ? (int64_t)t - now_s : 0;
	return 0;
}

int64_t
uploader_backoff_ms(int attempt, int64_t base_ms, int64_t cap_ms, uint32_t rnd)
{
	int64_t ceil = base_ms;

	if (cap_ms < 0)
		cap_ms = 0;
	for (int i = 0; i < attempt && ceil < cap_ms; i++)
		ceil *= 2;
	if (ceil > cap_ms)
		ceil = cap_ms;
	/* uniform in [0, ceil]: scale the 32-bit number instead of rnd % n (no bias) */
	return (int64_t)(((uint64_t)rnd * (uint64_t)(ceil + 1)) >> 32);
}

/* --- planning --- */

void
uploader_plan_init(struct uploader_plan *p, int batch_max)
{
	memset(p, 0, sizeof(*p));
	p->batch_max = batch_max > 0 ? batch_max : 1;
}

int
uploader_plan_size(struct uploader_plan *p, int64_t now_ms)
{
	int n = p->batch_max;

	(void)now_ms;
	if (p->limit && p->limit < n)
		n = p->limit;
	if (p->bisect_end && p->bisect_size < n)
		n = p->bisect_size;
	return n;
}

int
uploader_plan_take(struct uploader_plan *p, const struct store_event *evs, int n)
{
	int k = 0;

	if (!p->bisect_end || n == 0)
		return n;
	if (evs[0].seq > p->bisect_end) {
		p->bisect_end = 0; /* every event of the refused batch has been settled */
		return n;
	}
	while (k < n && evs[k].seq <= p->bisect_end)
		k++;
	return k;
}

int
uploader_plan_refused(struct uploader_plan *p, int n, int64_t last_seq)
{
	if (n <= 1) {
		/* Isolated.  The rest of the range goes at full size again; another bad
		 * event in it starts a bisection of its own. */
		p->bisect_end = 0;
		return 1;
	}
	if (last_seq > p->bisect_end)
		p->bisect_end = last_seq;
	p->bisect_size = n / 2;
	return 0;
}

int
uploader_plan_too_large(struct uploader_plan *p, int n, int64_t now_ms)
{
	(void)now_ms;
	if (n <= 1) {
		/* Too large alone: a size limit is never a reason to drop an event. */
		p->limit = 1;
		return 1;
	}
	p->limit = n / 2;
	return 0;
}

void
uploader_plan_success(struct uploader_plan *p)
{
	/*
	 * A batch went through: whatever size limit a 413 taught us is forgotten
	 * (it may have come from a batch already shrunk while bisecting).
	 */
	p->limit = 0;
}

/* --- OAuth2 token responses --- */

int
uploader_token_parse(const char *body, size_t len, char *token, size_t toklen,
                     int64_t *expires_in_s, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr), *exp;
	const char *tok, *type;
	int rc = -1;

	if (doc == NULL) {
		snprintf(err, errlen, "token response is not JSON: %s", jerr.text);
		return -1;
	}
	tok = json_string_value(json_object_get(doc, "access_token"));
	type = json_string_value(json_object_get(doc, "token_type"));
	exp = json_object_get(doc, "expires_in");
	if (!json_is_object(doc) || tok == NULL || tok[0] == '\0')
		snprintf(err, errlen, "token response: expected a non-empty access_token");
	else if (strlen(tok) >= toklen)
		snprintf(err, errlen, "token response: access_token longer than %zu bytes",
		         toklen - 1);
	else if (strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	                     "-._~+/=") != strlen(tok))
		snprintf(err, errlen,
		         "token response: access_token has characters a bearer "
		         "token cannot have");
	else if (type == NULL || strcasecmp(type, "bearer") != 0)
		snprintf(err, errlen, "token response: expected token_type Bearer");
	else if (exp && !json_is_null(exp) &&
	         (!json_is_integer(exp) || json_integer_value(exp) <= 0))
		snprintf(err, errlen, "token response: expires_in: expected a positive number");
	else {
		snprintf(token, toklen, "%s", tok);
		/* No expires_in: assume a short life and ask again soon. */
		*expires_in_s = json_is_integer(exp) ? json_integer_value(exp) : 300;
		rc = 0;
	}
	json_decref(doc);
	return rc;
}

void
uploader_token_error(const char *body, size_t len, char *out, size_t outlen)
{
	json_t *doc = body ? json_loadb(body, len, 0, NULL) : NULL;
	const char *e = json_string_value(json_object_get(doc, "error"));
	const char *d = json_string_value(json_object_get(doc, "error_description"));
	char ce[64], cd[160];

	copy_clean(ce, sizeof(ce), e ? e : "no OAuth2 error given");
	copy_clean(cd, sizeof(cd), d ? d : "");
	snprintf(out, outlen, "%s%s%s", ce, cd[0] ? ": " : "", cd);
	json_decref(doc);
}
