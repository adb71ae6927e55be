/*
 * fakemuni.h — the fake municipal system the uploader tests run against: a
 * real HTTPS receiver (evhttp over OpenSSL bufferevents) that stores events in
 * its own sqlite with UNIQUE(kiosk_id, id), serves a roster with ETag, issues
 * OAuth2 tokens, and misbehaves on request through a plain-HTTP control port.
 */
#ifndef FAKEMUNI_H
#define FAKEMUNI_H

#include <stdint.h>

#include <event2/event.h>
#include <event2/http.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <sqlite3.h>

#define MUNI_TOKENS 256
#define MUNI_JTIS 1024
#define MUNI_POISONS 16

enum muni_auth { MUNI_AUTH_NONE, MUNI_AUTH_BEARER, MUNI_AUTH_OAUTH };

/* What the receiver does to the next events requests (control: /fault). */
struct muni_fault {
	char mode[16];   /* none 400 500 503 429 408 401 403 413 garbage slow reset */
	int count;       /* requests it applies to; -1 = until changed */
	int retry_after; /* seconds for 503/429; -1 = no header */
	int http_date;   /* Retry-After as an HTTP date */
	int delay_ms;    /* slow */
	int n;           /* 413: refuse batches above n events */
};

struct muni {
	struct event_base *base;
	struct evhttp *https, *ctl;
	SSL_CTX *ssl;
	sqlite3 *db;
	sqlite3_stmt *ins, *dup, *rej;
	const char *roster_path;
	const char *kiosk; /* "" = any kiosk id */

	enum muni_auth auth;
	const char *bearer;
	const char *client_id, *client_secret, *scope, *jwt_aud;
	EVP_PKEY *jwt_pub;
	int token_lifetime_s;
	struct {
		char tok[48];
		int64_t exp_ms;
	} tokens[MUNI_TOKENS];
	unsigned next_token;
	char jtis[MUNI_JTIS][40];
	unsigned next_jti;

	struct muni_fault fault;
	struct {
		char id[40];
		char mode[8]; /* 400 422 reject */
	} poison[MUNI_POISONS];

	/* counters for /stats */
	uint64_t req_events[600], req_roster[600], req_token[600];
	uint64_t faults_served, resets, slow_replies;
	uint64_t received, accepted, duplicates, rejected, out_of_order, idem_bad;
	uint64_t tokens_issued, token_refused, jwt_ok;
	int64_t max_seq;
	char last_idem[80], last_client_cn[128], last_grant[64];
	struct pending *pending; /* delayed replies */
};

/* receiver.c */
void muni_on_request(struct evhttp_request *req, void *arg);
void muni_free_pending(struct muni *m);
int64_t muni_now_ms(void);

/* jwtcheck.c: verify a JWT-bearer assertion; 0 or -1 with the reason. */
int muni_jwt_verify(struct muni *m, const char *jwt, char *err, size_t errlen);

#endif
