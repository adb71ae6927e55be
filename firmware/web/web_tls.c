/*
 * web_tls.c — TLS for evhttp.  Each accepted connection gets an OpenSSL
 * bufferevent (libevent does the non-blocking handshake on the loop), so the
 * board, API and kiosk screen are HTTPS-only once [web] cert and key are set.
 * TLS 1.2 is the floor; older protocols and compression stay off.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/http.h>

#include "config.h"
#include "log.h"
#include "web_tls.h"

struct bufferevent *
web_tls_bev(struct event_base *base, void *arg)
{
	SSL *ssl = SSL_new(arg);

	if (ssl == NULL) {
		log_err("web: SSL_new failed");
		return NULL;
	}
	return bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
	                                      BEV_OPT_CLOSE_ON_FREE);
}

void *
web_tls_setup(struct evhttp *http, const struct config *cfg, char *err, size_t errlen)
{
	SSL_CTX *ctx;
	unsigned long e;

	/* OpenSSL's reasons for a missing file are NULL or vague: name the system error. */
	if (access(cfg->web.cert, R_OK) < 0) {
		snprintf(err, errlen, "[web] cert %s: %s", cfg->web.cert, strerror(errno));
		return NULL;
	}
	if (access(cfg->web.key, R_OK) < 0) {
		snprintf(err, errlen, "[web] key %s: %s", cfg->web.key, strerror(errno));
		return NULL;
	}
	ctx = SSL_CTX_new(TLS_server_method());
	if (ctx == NULL) {
		snprintf(err, errlen, "[web] TLS: cannot create a context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
	                             SSL_OP_CIPHER_SERVER_PREFERENCE);
	/* TLS 1.2: forward-secret AEAD suites only (TLS 1.3's defaults are all fine). */
	SSL_CTX_set_cipher_list(ctx, "ECDHE+AESGCM:ECDHE+CHACHA20");
	if (SSL_CTX_use_certificate_chain_file(ctx, cfg->web.cert) != 1) {
		e = ERR_get_error();
		snprintf(err, errlen, "[web] cert %s: %s", cfg->web.cert,
		         ERR_reason_error_string(e) ? ERR_reason_error_string(e)
		                                    : "not a PEM certificate");
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, cfg->web.key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		e = ERR_get_error();
		snprintf(err, errlen, "[web] key %s: %s", cfg->web.key,
		         ERR_reason_error_string(e) ? ERR_reason_error_string(e)
		                                    : "not a PEM key matching the certificate");
		goto fail;
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

void
web_tls_free(void *ctx)
{
	SSL_CTX_free(ctx);
}
