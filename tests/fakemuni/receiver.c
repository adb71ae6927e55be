/*
 * receiver.c — the municipal side of PROTOCOL.md §1 as a strict receiver
 * would build it from uploader/openapi.yaml: events stored once per
 * (kiosk_id, id) and answered one by one, the roster with ETag/304, an OAuth2
 * token endpoint — plus the faults the tests switch on: error statuses,
 * Retry-After, a poison event, 413, a reply slower than the client's timeout
 * and a connection reset in the middle of the answer.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <strings.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <openssl/x509.h>
#include <sodium.h>

#include "fakemuni.h"

/* A reply held back (slow) or cut off (reset). */
struct pending {
	struct muni *m;
	struct evhttp_request *req;
	struct event *ev;
	struct evbuffer *body;
	int reset;
	struct pending *next;
};

static const char *const event_types[] = {
    "tap",          "tap_unknown_card", "absence",    "absence_revoked", "correction",
    "day_result",   "period_result",    "adjustment", "alarm",           "card_enrolled",
    "card_revoked", "status",           NULL,
};

int64_t
muni_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
count(uint64_t *by_status, int status)
{
	if (status >= 0 && status < 600)
		by_status[status]++;
}

static void
reply(struct evhttp_request *req, int status, const char *ctype, const char *body, size_t len)
{
	struct evbuffer *b = evbuffer_new();

	if (ctype)
		evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", ctype);
	if (b && body)
		evbuffer_add(b, body, len);
	evhttp_send_reply(req, status, status < 300 ? "OK" : "Error", b);
	if (b)
		evbuffer_free(b);
}

static void
reply_json(struct evhttp_request *req, int status, json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);

	reply(req, status, "application/json", s, s ? strlen(s) : 0);
	free(s);
	json_decref(j);
}

static void
reply_error(struct evhttp_request *req, int status, const char *error)
{
	reply_json(req, status, json_pack("{s:s}", "error", error));
}

/* The body as a NUL-terminated string (malloc'd). */
static char *
body_of(struct evhttp_request *req, size_t *len)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	char *s;

	*len = evbuffer_get_length(in);
	if ((s = malloc(*len + 1)) == NULL)
		return NULL;
	evbuffer_copyout(in, s, *len);
	s[*len] = '\0';
	return s;
}

/* --- auth --- */

static void
note_client_cert(struct muni *m, struct evhttp_request *req)
{
	struct bufferevent *bev =
	    evhttp_connection_get_bufferevent(evhttp_request_get_connection(req));
	SSL *ssl = bev ? bufferevent_openssl_get_ssl(bev) : NULL;
	X509 *cert = ssl ? SSL_get1_peer_certificate(ssl) : NULL;

	if (cert) {
		X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName,
		                          m->last_client_cn, sizeof(m->last_client_cn));
		X509_free(cert);
	}
}

/* 0 if the request may pass; otherwise the 401 has been sent. */
static int
check_auth(struct muni *m, struct evhttp_request *req)
{
	const char *h = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
	const char *tok;
	int64_t now = muni_now_ms();

	note_client_cert(m, req);
	if (m->auth == MUNI_AUTH_NONE)
		return 0;
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		goto refuse;
	tok = h + 7;
	if (m->auth == MUNI_AUTH_BEARER && strcmp(tok, m->bearer) == 0)
		return 0;
	if (m->auth == MUNI_AUTH_OAUTH)
		for (int i = 0; i < MUNI_TOKENS; i++)
			if (m->tokens[i].tok[0] && strcmp(m->tokens[i].tok, tok) == 0 &&
			    m->tokens[i].exp_ms > now)
				return 0;
refuse:
	evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate",
	                  "Bearer error=\"invalid_token\"");
	reply_error(req, 401, "invalid_token");
	return -1;
}

/* --- faults --- */

/* The fault for this request, counted down; NULL if none. */
static const char *
take_fault(struct muni *m)
{
	if (strcmp(m->fault.mode, "none") == 0 || m->fault.count == 0)
		return NULL;
	if (m->fault.count > 0 && --m->fault.count == 0) {
		static char mode[16];

		snprintf(mode, sizeof(mode), "%s", m->fault.mode);
		snprintf(m->fault.mode, sizeof(m->fault.mode), "none");
		return mode;
	}
	return m->fault.mode;
}

static void
add_retry_after(struct muni *m, struct evhttp_request *req)
{
	char v[64];

	if (m->fault.retry_after < 0)
		return;
	if (m->fault.http_date) {
		time_t t = time(NULL) + m->fault.retry_after;
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(v, sizeof(v), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	} else {
		snprintf(v, sizeof(v), "%d", m->fault.retry_after);
	}
	evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", v);
}

static void
on_pending(evutil_socket_t fd, short what, void *arg)
{
	struct pending *p = arg, **pp;
	struct muni *m = p->m;

	for (pp = &m->pending; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	if (p->reset) {
		/* Cut the answer off: SO_LINGER 0 makes close() send a RST. */
		struct evhttp_connection *evcon = evhttp_request_get_connection(p->req);
		struct bufferevent *bev = evhttp_connection_get_bufferevent(evcon);
		struct linger lg = {1, 0};
		evutil_socket_t s = bufferevent_getfd(bev);

		setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		evhttp_connection_free(evcon);
	} else {
		evhttp_send_reply(p->req, 200, "OK", p->body);
	}
	evbuffer_free(p->body);
	event_free(p->ev);
	free(p);
}

void
muni_free_pending(struct muni *m)
{
	while (m->pending) {
		struct pending *p = m->pending;

		m->pending = p->next;
		evbuffer_free(p->body);
		event_free(p->ev);
		free(p);
	}
}

/* Send the answer now, after delay_ms, or half of it and then a reset. */
static void
send_results(struct muni *m, struct evhttp_request *req, json_t *j, const char *fault)
{
	struct pending *p;
	char *s = json_dumps(j, JSON_COMPACT);
	size_t len = s ? strlen(s) : 0;
	struct timeval tv = {0, 100000};

	json_decref(j);
	if (fault == NULL || (strcmp(fault, "slow") && strcmp(fault, "reset"))) {
		reply(req, 200, "application/json", s, len);
		free(s);
		return;
	}
	p = calloc(1, sizeof(*p));
	p->m = m;
	p->req = req;
	p->body = evbuffer_new();
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
	                  "application/json");
	if (strcmp(fault, "reset") == 0) {
		char cl[32];

		/* The length of the whole answer, then half of it, then the RST. */
		p->reset = 1;
		m->resets++;
		snprintf(cl, sizeof(cl), "%zu", len);
		evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Length", cl);
		evbuffer_add(p->body, s, len / 2);
		evhttp_send_reply_start(req, 200, "OK");
		evhttp_send_reply_chunk(req, p->body);
	} else {
		m->slow_replies++;
		evbuffer_add(p->body, s, len);
		tv.tv_sec = m->fault.delay_ms / 1000;
		tv.tv_usec = (m->fault.delay_ms % 1000) * 1000;
	}
	free(s);
	p->ev = evtimer_new(m->base, on_pending, p);
	evtimer_add(p->ev, &tv);
	p->next = m->pending;
	m->pending = p;
}

/* --- events --- */

static const char *
poisoned(struct muni *m, const char *id)
{
	for (int i = 0; i < MUNI_POISONS; i++)
		if (m->poison[i].id[0] && strcmp(m->poison[i].id, id) == 0)
			return m->poison[i].mode;
	return NULL;
}

/* Why an event cannot be taken, or NULL if it can. */
static const char *
invalid_event(json_t *e)
{
	const char *type = json_string_value(json_object_get(e, "type"));
	const char *id = json_string_value(json_object_get(e, "id"));
	json_t *seq = json_object_get(e, "seq");
	int known = 0;

	if (!json_is_object(e))
		return "expected an object";
	if (id == NULL || strlen(id) < 8 || strlen(id) > 64)
		return "id: expected a string";
	if (!json_is_integer(seq) || json_integer_value(seq) < 1)
		return "seq: expected a positive whole number";
	for (int i = 0; type && event_types[i]; i++)
		known |= strcmp(type, event_types[i]) == 0;
	if (!known)
		return "type: expected one of the event types";
	if (!json_is_string(json_object_get(e, "at")))
		return "at: expected a timestamp";
	return NULL;
}

static void
idempotency_key(json_t *events, char out[65])
{
	unsigned char d[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state h;
	size_t i;
	json_t *e;

	crypto_hash_sha256_init(&h);
	json_array_foreach(events, i, e)
	{
		const char *id = json_string_value(json_object_get(e, "id"));

		if (id)
			crypto_hash_sha256_update(&h, (const unsigned char *)id, strlen(id));
		crypto_hash_sha256_update(&h, (const unsigned char *)"\n", 1);
	}
	crypto_hash_sha256_final(&h, d);
	sodium_bin2hex(out, 65, d, sizeof(d));
}

static int
store_event(struct muni *m, const char *kiosk, json_t *e, const char *why, json_t *results)
{
	const char *id = json_string_value(json_object_get(e, "id"));
	char *text;
	int rc;

	if (why) {
		sqlite3_reset(m->rej);
		sqlite3_bind_text(m->rej, 1, kiosk, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(m->rej, 2, id ? id : "", -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(m->rej, 3, why, -1, SQLITE_TRANSIENT);
		sqlite3_step(m->rej);
		m->rejected++;
		json_array_append_new(results, json_pack("{s:s, s:s, s:s}", "id", id ? id : "",
		                                         "status", "rejected", "reason", why));
		return 0;
	}
	text = json_dumps(e, JSON_COMPACT);
	sqlite3_reset(m->ins);
	sqlite3_bind_text(m->ins, 1, kiosk, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(m->ins, 2, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(m->ins, 3, json_integer_value(json_object_get(e, "seq")));
	sqlite3_bind_text(m->ins, 4, json_string_value(json_object_get(e, "type")), -1,
	                  SQLITE_TRANSIENT);
	sqlite3_bind_text(m->ins, 5, text, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(m->ins, 6, muni_now_ms());
	rc = sqlite3_step(m->ins);
	free(text);
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "fakemuni: insert: %s\n", sqlite3_errmsg(m->db));
		return -1;
	}
	if (sqlite3_changes(m->db) == 1) {
		int64_t seq = json_integer_value(json_object_get(e, "seq"));

		if (seq < m->max_seq)
			m->out_of_order++;
		else
			m->max_seq = seq;
		m->accepted++;
		json_array_append_new(results,
		                      json_pack("{s:s, s:s}", "id", id, "status", "accepted"));
		return 0;
	}
	sqlite3_reset(m->dup);
	sqlite3_bind_text(m->dup, 1, kiosk, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(m->dup, 2, id, -1, SQLITE_TRANSIENT);
	sqlite3_step(m->dup);
	m->duplicates++;
	json_array_append_new(results, json_pack("{s:s, s:s}", "id", id, "status", "duplicate"));
	return 0;
}

static void
on_events(struct muni *m, struct evhttp_request *req, const char *kiosk)
{
	const char *idem =
	    evhttp_find_header(evhttp_request_get_input_headers(req), "Idempotency-Key");
	const char *fault = take_fault(m);
	json_t *doc, *events, *results, *e;
	char *body, key[65];
	size_t len, i;
	int status = 200;

	if (fault && (!strcmp(fault, "500") || !strcmp(fault, "503") || !strcmp(fault, "429") ||
	              !strcmp(fault, "408") || !strcmp(fault, "401") || !strcmp(fault, "403") ||
	              !strcmp(fault, "400"))) {
		m->faults_served++;
		status = atoi(fault);
		if (status == 503 || status == 429)
			add_retry_after(m, req);
		count(m->req_events, status);
		reply_error(req, status, "fault injected");
		return;
	}
	if (fault && strcmp(fault, "garbage") == 0) {
		m->faults_served++;
		count(m->req_events, 200);
		const char *cut = "{\"results\": [{\"id\": 12";

		reply(req, 200, "application/json", cut, strlen(cut));
		return;
	}
	body = body_of(req, &len);
	doc = body ? json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL) : NULL;
	free(body);
	events = json_object_get(doc, "events");
	if (!json_is_object(doc) || !json_is_array(events) ||
	    !json_is_string(json_object_get(doc, "kiosk_id")) ||
	    strcmp(json_string_value(json_object_get(doc, "kiosk_id")), kiosk) != 0) {
		count(m->req_events, 400);
		reply_error(req, 400,
		            "expected {\"kiosk_id\": <the kiosk in the path>, \"events\": [...]}");
		json_decref(doc);
		return;
	}
	idempotency_key(events, key);
	snprintf(m->last_idem, sizeof(m->last_idem), "%s", idem ? idem : "");
	if (idem == NULL || strcmp(idem, key) != 0) {
		m->idem_bad++;
		count(m->req_events, 400);
		reply_error(req, 400,
		            "Idempotency-Key: expected the SHA-256 of the batch's event ids");
		json_decref(doc);
		return;
	}
	if (fault && strcmp(fault, "413") == 0 && json_array_size(events) > (size_t)m->fault.n) {
		m->faults_served++;
		count(m->req_events, 413);
		reply_error(req, 413, "batch too large");
		json_decref(doc);
		return;
	}
	/* A poison event in batch mode refuses the whole batch, as a strict schema check would. */
	json_array_foreach(events, i, e)
	{
		const char *id = json_string_value(json_object_get(e, "id"));
		const char *pm = id ? poisoned(m, id) : NULL;

		if (pm && strcmp(pm, "reject") != 0) {
			char why[120];

			snprintf(why, sizeof(why), "events[%zu]: event %s does not validate", i,
			         id);
			count(m->req_events, atoi(pm));
			reply_error(req, atoi(pm), why);
			json_decref(doc);
			return;
		}
	}
	results = json_array();
	sqlite3_exec(m->db, "BEGIN", NULL, NULL, NULL);
	json_array_foreach(events, i, e)
	{
		const char *why = invalid_event(e);
		const char *id = json_string_value(json_object_get(e, "id"));

		m->received++;
		if (why == NULL && id && poisoned(m, id))
			why = "data: does not validate (poisoned by the test)";
		if (store_event(m, kiosk, e, why, results) < 0) {
			sqlite3_exec(m->db, "ROLLBACK", NULL, NULL, NULL);
			count(m->req_events, 500);
			reply_error(req, 500, "database");
			json_decref(results);
			json_decref(doc);
			return;
		}
	}
	sqlite3_exec(m->db, "COMMIT", NULL, NULL, NULL);
	json_decref(doc);
	count(m->req_events, 200);
	if (fault && (strcmp(fault, "slow") == 0 || strcmp(fault, "reset") == 0))
		m->faults_served++;
	/* Stored and committed: a slow or cut-off answer now makes the kiosk send it again. */
	send_results(m, req, json_pack("{s:o}", "results", results), fault);
}

/* --- roster --- */

static int
etag_listed(const char *inm, const char *etag)
{
	const char *p = inm;

	while (*p) {
		const char *q;
		size_t n;

		while (*p == ' ' || *p == ',')
			p++;
		if (*p == '*')
			return 1;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		q = p;
		while (*q && *q != ',')
			q++;
		n = (size_t)(q - p);
		while (n && p[n - 1] == ' ')
			n--;
		if (n == strlen(etag) && strncmp(p, etag, n) == 0)
			return 1;
		p = q;
	}
	return 0;
}

static void
on_roster(struct muni *m, struct evhttp_request *req)
{
	FILE *f = m->roster_path ? fopen(m->roster_path, "rb") : NULL;
	unsigned char d[crypto_hash_sha256_BYTES];
	char hex[65], etag[72];
	const char *inm;
	char *buf = NULL;
	long n;

	if (f == NULL) {
		count(m->req_roster, 404);
		reply_error(req, 404, "no roster for this kiosk");
		return;
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(buf);
		count(m->req_roster, 500);
		reply_error(req, 500, "cannot read the roster");
		return;
	}
	fclose(f);
	crypto_hash_sha256(d, (unsigned char *)buf, (unsigned long long)n);
	sodium_bin2hex(hex, sizeof(hex), d, 16);
	snprintf(etag, sizeof(etag), "\"%s\"", hex);
	evhttp_add_header(evhttp_request_get_output_headers(req), "ETag", etag);
	inm = evhttp_find_header(evhttp_request_get_input_headers(req), "If-None-Match");
	if (inm && etag_listed(inm, etag)) {
		count(m->req_roster, 304);
		evhttp_send_reply(req, 304, "Not Modified", NULL);
	} else {
		count(m->req_roster, 200);
		reply(req, 200, "application/json", buf, (size_t)n);
	}
	free(buf);
}

/* --- token endpoint --- */

static void
issue_token(struct muni *m, struct evhttp_request *req)
{
	unsigned char r[24];
	char *slot = m->tokens[m->next_token % MUNI_TOKENS].tok;

	randombytes_buf(r, sizeof(r));
	sodium_bin2base64(slot, 48, r, sizeof(r), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	m->tokens[m->next_token % MUNI_TOKENS].exp_ms =
	    muni_now_ms() + m->token_lifetime_s * 1000LL;
	m->next_token++;
	m->tokens_issued++;
	count(m->req_token, 200);
	reply_json(req, 200,
	           json_pack("{s:s, s:s, s:i, s:s}", "access_token", slot, "token_type", "Bearer",
	                     "expires_in", m->token_lifetime_s, "scope", m->scope ? m->scope : ""));
}

static void
token_refuse(struct muni *m, struct evhttp_request *req, int status, const char *error,
             const char *why)
{
	m->token_refused++;
	count(m->req_token, status);
	fprintf(stderr, "fakemuni: token refused: %s: %s\n", error, why);
	reply_json(req, status, json_pack("{s:s, s:s}", "error", error, "error_description", why));
}

/* client_secret_basic: "Basic base64(urlenc(id):urlenc(secret))". */
static int
basic_matches(struct muni *m, const char *h)
{
	unsigned char dec[512];
	size_t n;
	char *colon, *id, *secret;
	int ok;

	if (h == NULL || strncasecmp(h, "Basic ", 6) != 0 ||
	    sodium_base642bin(dec, sizeof(dec) - 1, h + 6, strlen(h + 6), NULL, &n, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) != 0)
		return 0;
	dec[n] = '\0';
	if ((colon = strchr((char *)dec, ':')) == NULL)
		return 0;
	*colon = '\0';
	id = evhttp_uridecode((char *)dec, 1, NULL);
	secret = evhttp_uridecode(colon + 1, 1, NULL);
	ok = id && secret && strcmp(id, m->client_id) == 0 && strcmp(secret, m->client_secret) == 0;
	free(id);
	free(secret);
	return ok;
}

static void
on_token(struct muni *m, struct evhttp_request *req)
{
	struct evkeyvalq form;
	const char *grant;
	char *body;
	size_t len;
	char err[200];

	TAILQ_INIT(&form);
	body = body_of(req, &len);
	if (body == NULL || evhttp_parse_query_str(body, &form) < 0) {
		free(body);
		token_refuse(m, req, 400, "invalid_request", "form body expected");
		return;
	}
	free(body);
	grant = evhttp_find_header(&form, "grant_type");
	snprintf(m->last_grant, sizeof(m->last_grant), "%s", grant ? grant : "");
	if (m->auth != MUNI_AUTH_OAUTH) {
		token_refuse(m, req, 400, "unauthorized_client", "no OAuth on this receiver");
	} else if (grant && strcmp(grant, "client_credentials") == 0) {
		const char *h =
		    evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
		const char *id = evhttp_find_header(&form, "client_id");
		const char *sec = evhttp_find_header(&form, "client_secret");

		if (m->client_secret &&
		    (basic_matches(m, h) ||
		     (id && sec && !strcmp(id, m->client_id) && !strcmp(sec, m->client_secret))))
			issue_token(m, req);
		else
			token_refuse(m, req, 401, "invalid_client",
			             "unknown client or wrong secret");
	} else if (grant && strcmp(grant, "urn:ietf:params:oauth:grant-type:jwt-bearer") == 0) {
		const char *a = evhttp_find_header(&form, "assertion");

		if (a && muni_jwt_verify(m, a, err, sizeof(err)) == 0) {
			m->jwt_ok++;
			issue_token(m, req);
		} else {
			token_refuse(m, req, 400, "invalid_grant", a ? err : "assertion missing");
		}
	} else {
		token_refuse(m, req, 400, "unsupported_grant_type", grant ? grant : "(none)");
	}
	evhttp_clear_headers(&form);
}

/* --- routing --- */

void
muni_on_request(struct evhttp_request *req, void *arg)
{
	struct muni *m = arg;
	const char *uri = evhttp_request_get_uri(req);
	enum evhttp_cmd_type cmd;
	char kiosk[80], what[16];
	int n = 0;

	if (uri == NULL)
		return; /* evhttp tells us of a broken connection this way: nothing to answer */
	{
		/*
		 * An answer leaves in several TLS records; with Nagle on, the last one
		 * waits for the client's delayed ACK (40 ms a request).  A real
		 * receiver does this too.
		 */
		struct bufferevent *bev =
		    evhttp_connection_get_bufferevent(evhttp_request_get_connection(req));
		int one = 1;

		setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	cmd = evhttp_request_get_command(req);
	if (strcmp(uri, "/oauth/token") == 0 && cmd == EVHTTP_REQ_POST) {
		on_token(m, req);
		return;
	}
	if (sscanf(uri, "/v1/kiosks/%79[A-Za-z0-9._~-]/%15[a-z]%n", kiosk, what, &n) != 2 ||
	    uri[n] != '\0') {
		reply_error(req, 404, "no such endpoint");
		return;
	}
	if (m->kiosk[0] && strcmp(kiosk, m->kiosk) != 0) {
		reply_error(req, 404, "unknown kiosk");
		return;
	}
	if (strcmp(what, "events") == 0 && cmd == EVHTTP_REQ_POST) {
		if (check_auth(m, req) == 0)
			on_events(m, req, kiosk);
		else
			count(m->req_events, 401);
	} else if (strcmp(what, "roster") == 0 && cmd == EVHTTP_REQ_GET) {
		if (check_auth(m, req) == 0)
			on_roster(m, req);
		else
			count(m->req_roster, 401);
	} else {
		reply_error(req, 405, "method not allowed");
	}
}
