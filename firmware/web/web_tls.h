/*
 * web_tls.h — HTTPS for the board: evhttp over libevent's OpenSSL
 * bufferevents, switched on by [web] cert and key.
 */
#ifndef STEMPEL_WEB_TLS_H
#define STEMPEL_WEB_TLS_H

#include <stddef.h>

struct evhttp;
struct config;

/* Load [web] cert and key and make `http` speak TLS only.  The SSL_CTX, or NULL with err. */
void *web_tls_setup(struct evhttp *http, const struct config *cfg, char *err, size_t errlen);
/* Free what web_tls_setup() returned (NULL is fine). */
void web_tls_free(void *ctx);

#endif
