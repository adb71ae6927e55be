/*
 * web_tls.h — HTTPS for the board: evhttp over libevent's OpenSSL
 * bufferevents, switched on by [web] cert and key.
 */
#ifndef STEMPEL_WEB_TLS_H
#define STEMPEL_WEB_TLS_H

#include <stddef.h>

struct bufferevent;
struct event_base;
struct evhttp;
struct config;

/* Load [web] cert and key.  The SSL_CTX, or NULL with err (naming the file and the error). */
void *web_tls_setup(struct evhttp *http, const struct config *cfg, char *err, size_t errlen);
/* A server-side TLS bufferevent for one accepted connection (fd set later by evhttp). */
struct bufferevent *web_tls_bev(struct event_base *base, void *ctx);
/* Free what web_tls_setup() returned (NULL is fine). */
void web_tls_free(void *ctx);

#endif
