/*
 * main.c — fakemuni: the fake municipal system for the uploader's tests and
 * benchmark.  HTTPS (evhttp over OpenSSL bufferevents, a client certificate
 * required with --client-ca) on --port; a plain-HTTP control port on
 * --ctl-port for the test driver: /fault, /poison, /expire-tokens, /stats.
 * Runs until SIGTERM or SIGINT.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <sodium.h>

#include "fakemuni.h"

static void
usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: fakemuni --port N --ctl-port N --cert PEM --key PEM --db FILE [options]\n"
	    "  --listen ADDR         address for both ports (127.0.0.1)\n"
	    "  --client-ca PEM       require a client certificate signed by this CA\n"
	    "  --kiosk ID            accept only this kiosk id\n"
	    "  --roster FILE         the roster served at /v1/kiosks/ID/roster (read per request)\n"
	    "  --auth MODE           none | bearer | oauth (default none)\n"
	    "  --token T             bearer: the token expected\n"
	    "  --client-id ID        oauth: the client id\n"
	    "  --client-secret S     oauth: client credentials secret\n"
	    "  --jwt-pubkey PEM      oauth: the kiosk's public key for JWT-bearer assertions\n"
	    "  --jwt-aud AUD         oauth: the audience expected (default: any .../oauth/token)\n"
	    "  --scope S             oauth: the scope expected in assertions\n"
	    "  --token-lifetime S    oauth: seconds an access token lives (300)\n"
	    "control (GET on --ctl-port):\n"
	    "  /fault?mode=M[&count=N][&retry_after=S][&date=1][&delay_ms=D][&n=N]\n"
	    "      M: none 400 500 503 429 408 401 403 413 garbage slow reset; count -1 = until "
	    "changed\n"
	    "  /poison?id=EVENT&mode=400|422|reject   /poison?clear=1\n"
	    "  /expire-tokens   /stats   /count (events accepted since start, from memory)\n");
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	event_base_loopbreak(arg);
}

static struct bufferevent *
tls_bev(struct event_base *base, void *arg)
{
	SSL *ssl = SSL_new(arg);

	return bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
	                                      BEV_OPT_CLOSE_ON_FREE);
}

static SSL_CTX *
tls_context(const char *cert, const char *key, const char *client_ca)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (ctx == NULL || SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		fprintf(stderr, "fakemuni: %s / %s: %s\n", cert, key,
		        ERR_error_string(ERR_get_error(), NULL));
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (client_ca) {
		if (SSL_CTX_load_verify_locations(ctx, client_ca, NULL) != 1) {
			fprintf(stderr, "fakemuni: %s: %s\n", client_ca,
			        ERR_error_string(ERR_get_error(), NULL));
			SSL_CTX_free(ctx);
			return NULL;
		}
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	}
	return ctx;
}

static int
open_db(struct muni *m, const char *path)
{
	if (sqlite3_open(path, &m->db) != SQLITE_OK ||
	    sqlite3_exec(
	        m->db,
	        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
	        "CREATE TABLE IF NOT EXISTS events(kiosk_id TEXT NOT NULL, id TEXT NOT NULL,"
	        " seq INTEGER NOT NULL, type TEXT NOT NULL, body TEXT NOT NULL,"
	        " deliveries INTEGER NOT NULL DEFAULT 1, first_ms INTEGER NOT NULL,"
	        " UNIQUE(kiosk_id, id));"
	        "CREATE TABLE IF NOT EXISTS rejected(kiosk_id TEXT NOT NULL, id TEXT NOT NULL,"
	        " reason TEXT NOT NULL);",
	        NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(m->db,
	                       "INSERT OR IGNORE INTO events(kiosk_id, id, seq, type, body,"
	                       " first_ms) VALUES(?,?,?,?,?,?)",
	                       -1, &m->ins, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(m->db,
	                       "UPDATE events SET deliveries = deliveries + 1"
	                       " WHERE kiosk_id = ? AND id = ?",
	                       -1, &m->dup, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(m->db, "INSERT INTO rejected(kiosk_id, id, reason) VALUES(?,?,?)",
	                       -1, &m->rej, NULL) != SQLITE_OK) {
		fprintf(stderr, "fakemuni: %s: %s\n", path, sqlite3_errmsg(m->db));
		return -1;
	}
	return 0;
}

/* --- control --- */

static json_t *
by_status(const uint64_t *v)
{
	json_t *o = json_object();
	char k[16];

	for (int i = 0; i < 600; i++)
		if (v[i]) {
			snprintf(k, sizeof(k), "%d", i);
			json_object_set_new(o, k, json_integer((json_int_t)v[i]));
		}
	return o;
}

static json_t *
stats(struct muni *m)
{
	sqlite3_stmt *st;
	json_t *types = json_object();
	json_int_t events = 0, deliveries = 0;

	if (sqlite3_prepare_v2(m->db,
	                       "SELECT type, count(*), sum(deliveries) FROM events GROUP BY type",
	                       -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			json_object_set_new(types, (const char *)sqlite3_column_text(st, 0),
			                    json_integer(sqlite3_column_int64(st, 1)));
			events += sqlite3_column_int64(st, 1);
			deliveries += sqlite3_column_int64(st, 2);
		}
		sqlite3_finalize(st);
	}
	json_t *o = json_object(), *req = json_object();
	const struct {
		const char *name;
		uint64_t v;
	} n[] = {
	    {"received", m->received},           {"accepted", m->accepted},
	    {"duplicates", m->duplicates},       {"rejected", m->rejected},
	    {"out_of_order", m->out_of_order},   {"idempotency_mismatch", m->idem_bad},
	    {"faults_served", m->faults_served}, {"resets", m->resets},
	    {"slow_replies", m->slow_replies},   {"tokens_issued", m->tokens_issued},
	    {"token_refused", m->token_refused}, {"jwt_ok", m->jwt_ok},
	};

	json_object_set_new(o, "events", json_integer(events));
	json_object_set_new(o, "deliveries", json_integer(deliveries));
	json_object_set_new(o, "by_type", types);
	json_object_set_new(req, "events", by_status(m->req_events));
	json_object_set_new(req, "roster", by_status(m->req_roster));
	json_object_set_new(req, "token", by_status(m->req_token));
	json_object_set_new(o, "requests", req);
	for (size_t i = 0; i < sizeof(n) / sizeof(n[0]); i++)
		json_object_set_new(o, n[i].name, json_integer((json_int_t)n[i].v));
	json_object_set_new(o, "fault", json_string(m->fault.mode));
	json_object_set_new(o, "last_idempotency_key", json_string(m->last_idem));
	json_object_set_new(o, "last_client_cn", json_string(m->last_client_cn));
	json_object_set_new(o, "last_grant", json_string(m->last_grant));
	return o;
}

static const char *
qget(struct evkeyvalq *q, const char *k, const char *dflt)
{
	const char *v = evhttp_find_header(q, k);

	return v ? v : dflt;
}

static void
on_ctl(struct evhttp_request *req, void *arg)
{
	struct muni *m = arg;
	const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(req);
	const char *path = u ? evhttp_uri_get_path(u) : NULL;
	const char *query = u ? evhttp_uri_get_query(u) : NULL;
	struct evkeyvalq q;
	json_t *out = NULL;
	struct evbuffer *b = evbuffer_new();
	char *s;

	TAILQ_INIT(&q);
	if (query)
		evhttp_parse_query_str(query, &q);
	if (path && strcmp(path, "/fault") == 0) {
		snprintf(m->fault.mode, sizeof(m->fault.mode), "%s", qget(&q, "mode", "none"));
		m->fault.count = atoi(qget(&q, "count", "-1"));
		m->fault.retry_after = atoi(qget(&q, "retry_after", "-1"));
		m->fault.http_date = atoi(qget(&q, "date", "0"));
		m->fault.delay_ms = atoi(qget(&q, "delay_ms", "3000"));
		m->fault.n = atoi(qget(&q, "n", "100"));
		out = json_pack("{s:s, s:i}", "fault", m->fault.mode, "count", m->fault.count);
	} else if (path && strcmp(path, "/poison") == 0) {
		if (evhttp_find_header(&q, "clear")) {
			memset(m->poison, 0, sizeof(m->poison));
		} else {
			for (int i = 0; i < MUNI_POISONS; i++)
				if (m->poison[i].id[0] == '\0') {
					snprintf(m->poison[i].id, sizeof(m->poison[i].id), "%s",
					         qget(&q, "id", ""));
					snprintf(m->poison[i].mode, sizeof(m->poison[i].mode), "%s",
					         qget(&q, "mode", "400"));
					break;
				}
		}
		out = json_pack("{s:b}", "ok", 1);
	} else if (path && strcmp(path, "/expire-tokens") == 0) {
		memset(m->tokens, 0, sizeof(m->tokens));
		out = json_pack("{s:b}", "ok", 1);
	} else if (path && strcmp(path, "/stats") == 0) {
		out = stats(m);
	} else if (path && strcmp(path, "/count") == 0) {
		/* in memory, for polling while events arrive (stats counts in sqlite) */
		out = json_pack("{s:I, s:I}", "accepted", (json_int_t)m->accepted, "received",
		                (json_int_t)m->received);
	}
	evhttp_clear_headers(&q);
	if (out == NULL) {
		evhttp_send_error(req, 404, "no such control");
		evbuffer_free(b);
		return;
	}
	s = json_dumps(out, JSON_COMPACT);
	evbuffer_add_printf(b, "%s\n", s ? s : "null");
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
	                  "application/json");
	evhttp_send_reply(req, 200, "OK", b);
	free(s);
	json_decref(out);
	evbuffer_free(b);
}

static EVP_PKEY *
load_pub(const char *path)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *k = f ? PEM_read_PUBKEY(f, NULL, NULL, NULL) : NULL;

	if (f)
		fclose(f);
	if (k == NULL)
		fprintf(stderr, "fakemuni: %s: expected a PEM public key\n", path);
	return k;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"listen", required_argument, NULL, 'l'},
	    {"port", required_argument, NULL, 'p'},
	    {"ctl-port", required_argument, NULL, 'P'},
	    {"cert", required_argument, NULL, 'c'},
	    {"key", required_argument, NULL, 'k'},
	    {"client-ca", required_argument, NULL, 'C'},
	    {"db", required_argument, NULL, 'd'},
	    {"kiosk", required_argument, NULL, 'K'},
	    {"roster", required_argument, NULL, 'r'},
	    {"auth", required_argument, NULL, 'a'},
	    {"token", required_argument, NULL, 't'},
	    {"client-id", required_argument, NULL, 'i'},
	    {"client-secret", required_argument, NULL, 's'},
	    {"jwt-pubkey", required_argument, NULL, 'j'},
	    {"jwt-aud", required_argument, NULL, 'A'},
	    {"scope", required_argument, NULL, 'S'},
	    {"token-lifetime", required_argument, NULL, 'L'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct muni m = {.kiosk = "", .token_lifetime_s = 300, .fault = {.mode = "none"}};
	const char *listen = "127.0.0.1", *cert = NULL, *key = NULL, *client_ca = NULL;
	const char *db = NULL, *jwt_pub = NULL;
	int port = 0, ctl_port = 0, c, rc = 1;
	struct event *sigint, *sigterm;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			listen = optarg;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 'P':
			ctl_port = atoi(optarg);
			break;
		case 'c':
			cert = optarg;
			break;
		case 'k':
			key = optarg;
			break;
		case 'C':
			client_ca = optarg;
			break;
		case 'd':
			db = optarg;
			break;
		case 'K':
			m.kiosk = optarg;
			break;
		case 'r':
			m.roster_path = optarg;
			break;
		case 'a':
			if (!strcmp(optarg, "none"))
				m.auth = MUNI_AUTH_NONE;
			else if (!strcmp(optarg, "bearer"))
				m.auth = MUNI_AUTH_BEARER;
			else if (!strcmp(optarg, "oauth"))
				m.auth = MUNI_AUTH_OAUTH;
			else {
				usage(stderr);
				return 2;
			}
			break;
		case 't':
			m.bearer = optarg;
			break;
		case 'i':
			m.client_id = optarg;
			break;
		case 's':
			m.client_secret = optarg;
			break;
		case 'j':
			jwt_pub = optarg;
			break;
		case 'A':
			m.jwt_aud = optarg;
			break;
		case 'S':
			m.scope = optarg;
			break;
		case 'L':
			m.token_lifetime_s = atoi(optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!port || !ctl_port || !cert || !key || !db || optind != argc ||
	    (m.auth == MUNI_AUTH_BEARER && !m.bearer) ||
	    (m.auth == MUNI_AUTH_OAUTH && !m.client_id)) {
		usage(stderr);
		return 2;
	}
	if (sodium_init() < 0)
		return 1;
	signal(SIGPIPE, SIG_IGN);
	if (jwt_pub && (m.jwt_pub = load_pub(jwt_pub)) == NULL)
		return 1;
	if ((m.ssl = tls_context(cert, key, client_ca)) == NULL || open_db(&m, db) < 0)
		goto out;
	m.base = event_base_new();
	m.https = evhttp_new(m.base);
	m.ctl = evhttp_new(m.base);
	evhttp_set_bevcb(m.https, tls_bev, m.ssl);
	evhttp_set_gencb(m.https, muni_on_request, &m);
	evhttp_set_gencb(m.ctl, on_ctl, &m);
	evhttp_set_max_body_size(m.https, 64 * 1024 * 1024);
	evhttp_set_allowed_methods(m.https, EVHTTP_REQ_GET | EVHTTP_REQ_POST);
	if (evhttp_bind_socket(m.https, listen, (ev_uint16_t)port) < 0 ||
	    evhttp_bind_socket(m.ctl, listen, (ev_uint16_t)ctl_port) < 0) {
		fprintf(stderr, "fakemuni: cannot bind %s:%d / %d\n", listen, port, ctl_port);
		goto out;
	}
	sigint = evsignal_new(m.base, SIGINT, on_signal, m.base);
	sigterm = evsignal_new(m.base, SIGTERM, on_signal, m.base);
	evsignal_add(sigint, NULL);
	evsignal_add(sigterm, NULL);
	fprintf(stderr, "fakemuni: https://%s:%d (auth %s%s), control http://%s:%d\n", listen, port,
	        m.auth == MUNI_AUTH_OAUTH    ? "oauth"
	        : m.auth == MUNI_AUTH_BEARER ? "bearer"
	                                     : "none",
	        client_ca ? ", client certificate required" : "", listen, ctl_port);
	event_base_dispatch(m.base);
	event_free(sigint);
	event_free(sigterm);
	rc = 0;
out:
	muni_free_pending(&m);
	if (m.https)
		evhttp_free(m.https);
	if (m.ctl)
		evhttp_free(m.ctl);
	if (m.base)
		event_base_free(m.base);
	sqlite3_finalize(m.ins);
	sqlite3_finalize(m.dup);
	sqlite3_finalize(m.rej);
	sqlite3_close(m.db);
	SSL_CTX_free(m.ssl);
	EVP_PKEY_free(m.jwt_pub);
	return rc;
}
