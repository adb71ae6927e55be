/*
 * auth.c — how the kiosk proves who it is to the municipal system, in any
 * combination the config names: a client certificate (mtls), a static bearer
 * token, or an OAuth2 access token from token_url by client credentials or by
 * a signed JWT assertion.  The token is cached and fetched again shortly before
 * it expires and once after a 401.  Tokens and secrets never reach the log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <sodium.h>

#include "clock.h"
#include "config.h"
#include "events.h"
#include "log.h"
#include "uploader_int.h"

/* Maskinporten accepts assertions at most 120 s long. */
#define JWT_LIFETIME_S 120
#define TOKEN_RESP_MAX (64 * 1024)
#define TOKEN_MAX 8192

struct uploader_auth {
	const struct config *cfg;
	unsigned modes;
	EVP_PKEY *jwt_key;
	char token[TOKEN_MAX];
	int have_token;
	int64_t refresh_ms; /* monotonic: fetch a new one from here on */
	int64_t expires_ms; /* monotonic: the server stops taking it */
};

static const struct {
	const char *name;
	unsigned bit;
} mode_names[] = {
    {"bearer", UPLOADER_AUTH_BEARER},
    {"mtls", UPLOADER_AUTH_MTLS},
    {"oauth_client", UPLOADER_AUTH_OAUTH_CLIENT},
    {"oauth_jwt", UPLOADER_AUTH_OAUTH_JWT},
};

int
uploader_auth_modes(const char *s, unsigned *modes, char *err, size_t errlen)
{
	char buf[64], *save = NULL, *w;

	*modes = 0;
	if (strcmp(s, "none") == 0)
		return 0;
	snprintf(buf, sizeof(buf), "%s", s);
	for (w = strtok_r(buf, "+", &save); w; w = strtok_r(NULL, "+", &save)) {
		unsigned bit = 0;

		for (size_t i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++)
			if (strcmp(w, mode_names[i].name) == 0)
				bit = mode_names[i].bit;
		if (bit == 0) {
			snprintf(err, errlen,
			         "[upload] auth: expected none or bearer, mtls, "
			         "oauth_client, oauth_jwt joined by '+'; found \"%s\"",
			         w);
			return -1;
		}
		if (*modes & bit) {
			snprintf(err, errlen, "[upload] auth: \"%s\" is named twice", w);
			return -1;
		}
		*modes |= bit;
	}
	if (*modes == 0) {
		snprintf(err, errlen,
		         "[upload] auth: expected none or bearer, mtls, oauth_client, "
		         "oauth_jwt joined by '+'");
		return -1;
	}
	if ((*modes & UPLOADER_AUTH_OAUTH) == UPLOADER_AUTH_OAUTH) {
		snprintf(err, errlen,
		         "[upload] auth: oauth_client and oauth_jwt both fetch the "
		         "access token; choose one");
		return -1;
	}
	if ((*modes & UPLOADER_AUTH_BEARER) && (*modes & UPLOADER_AUTH_OAUTH)) {
		snprintf(err, errlen,
		         "[upload] auth: bearer and oauth_* both set the "
		         "Authorization header; choose one");
		return -1;
	}
	return 0;
}

/* -1 with "[upload] key: expected ..." if `value` is empty. */
static int
need(const char *value, const char *key, const char *why, char *err, size_t errlen)
{
	if (value[0])
		return 0;
	snprintf(err, errlen, "[upload] %s: expected %s", key, why);
	return -1;
}

static int
need_https(const char *url, const char *key, char *err, size_t errlen)
{
	if (strncmp(url, "https://", 8) == 0 && url[8])
		return 0;
	snprintf(err, errlen,
	         "[upload] %s: expected an https:// URL (the kiosk talks to the "
	         "municipality over verified TLS only)",
	         key);
	return -1;
}

struct uploader_auth *
uploader_auth_new(const struct config *cfg, char *err, size_t errlen)
{
	const struct config *c = cfg;
	struct uploader_auth *a;
	unsigned modes;

	if (uploader_auth_modes(c->upload.auth, &modes, err, errlen) < 0)
		return NULL;
	if ((modes & UPLOADER_AUTH_BEARER) &&
	    need(c->upload.token, "token", "a bearer token when auth includes bearer", err,
	         errlen) < 0)
		return NULL;
	if ((modes & UPLOADER_AUTH_MTLS) &&
	    (need(c->upload.client_cert, "client_cert",
	          "a PEM certificate file when auth includes mtls", err, errlen) < 0 ||
	     need(c->upload.client_key, "client_key", "a PEM key file when auth includes mtls", err,
	          errlen) < 0))
		return NULL;
	if ((modes & UPLOADER_AUTH_OAUTH) &&
	    (need(c->upload.token_url, "token_url",
	          "the OAuth2 token endpoint when auth "
	          "includes oauth_client or oauth_jwt",
	          err, errlen) < 0 ||
	     need_https(c->upload.token_url, "token_url", err, errlen) < 0 ||
	     need(c->upload.client_id, "client_id",
	          "the OAuth2 client id when auth includes "
	          "oauth_client or oauth_jwt",
	          err, errlen) < 0))
		return NULL;
	if ((modes & UPLOADER_AUTH_OAUTH_CLIENT) &&
	    need(c->upload.client_secret, "client_secret",
	         "the OAuth2 client secret when auth includes oauth_client", err, errlen) < 0)
		return NULL;
	if ((modes & UPLOADER_AUTH_OAUTH_JWT) && need(c->upload.jwt_key, "jwt_key",
	                                              "the PEM private key that signs the JWT "
	                                              "assertion when auth includes oauth_jwt",
	                                              err, errlen) < 0)
		return NULL;
	if ((a = calloc(1, sizeof(*a))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	a->cfg = cfg;
	a->modes = modes;
	if (modes & UPLOADER_AUTH_OAUTH_JWT) {
		char kerr[600];

		a->jwt_key = uploader_jwt_load_key(c->upload.jwt_key, kerr, sizeof(kerr));
		if (a->jwt_key == NULL) {
			snprintf(err, errlen, "[upload] jwt_key: %s", kerr);
			free(a);
			return NULL;
		}
	}
	return a;
}

void
uploader_auth_free(struct uploader_auth *a)
{
	if (a == NULL)
		return;
	EVP_PKEY_free(a->jwt_key);
	sodium_memzero(a->token, sizeof(a->token));
	free(a);
}

unsigned
uploader_auth_bits(const struct uploader_auth *a)
{
	return a->modes;
}

void
uploader_auth_tls(const struct uploader_auth *a, struct uploader_tls *tls)
{
	tls->ca_file = a->cfg->upload.ca_file;
	tls->client_cert = (a->modes & UPLOADER_AUTH_MTLS) ? a->cfg->upload.client_cert : "";
	tls->client_key = (a->modes & UPLOADER_AUTH_MTLS) ? a->cfg->upload.client_key : "";
}

int
uploader_auth_need_token(const struct uploader_auth *a, int64_t now_ms)
{
	return (a->modes & UPLOADER_AUTH_OAUTH) && (!a->have_token || now_ms >= a->refresh_ms);
}

int
uploader_auth_apply(const struct uploader_auth *a, struct uploader_xfer *x)
{
	if (a->modes & UPLOADER_AUTH_BEARER)
		return uploader_xfer_header(x, "Authorization: Bearer %s", a->cfg->upload.token);
	if ((a->modes & UPLOADER_AUTH_OAUTH) && a->have_token)
		return uploader_xfer_header(x, "Authorization: Bearer %s", a->token);
	return 0;
}

/* Append "&name=value" (form-encoded) to the body being built. */
static int
form_add(CURL *e, char **body, const char *name, const char *value)
{
	char *v = curl_easy_escape(e, value, 0), *nb;
	size_t old = *body ? strlen(*body) : 0;
	size_t n = old + strlen(name) + (v ? strlen(v) : 0) + 3;

	if (v == NULL || (nb = realloc(*body, n)) == NULL) {
		curl_free(v);
		return -1;
	}
	snprintf(nb + old, n - old, "%s%s=%s", old ? "&" : "", name, v);
	*body = nb;
	curl_free(v);
	return 0;
}

struct uploader_xfer *
uploader_auth_token_request(struct uploader_auth *a, struct uploader_http *h, char *err,
                            size_t errlen)
{
	const struct config *c = a->cfg;
	struct uploader_tls tls;
	struct uploader_xfer *x;
	char *body = NULL, *assertion = NULL;
	int rc = 0;

	uploader_auth_tls(a, &tls);
	x = uploader_xfer_new(h, c->upload.token_url, &tls, c->upload.connect_timeout_s,
	                      c->upload.timeout_s, TOKEN_RESP_MAX);
	if (x == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (a->modes & UPLOADER_AUTH_OAUTH_JWT) {
		struct uploader_jwt_claims cl = {
		    .iss = c->upload.client_id,
		    .aud = c->upload.jwt_audience[0] ? c->upload.jwt_audience : c->upload.token_url,
		    .scope = c->upload.scope,
		    .kid = c->upload.jwt_kid,
		    .iat = clock_wall_ms() / 1000,
		    .lifetime_s = JWT_LIFETIME_S,
		};
		char jti[40];

		events_uuid(jti);
		cl.jti = jti;
		if ((assertion = uploader_jwt_build(a->jwt_key, &cl, err, errlen)) == NULL) {
			uploader_xfer_free(x);
			return NULL;
		}
		rc |= form_add(x->easy, &body, "grant_type",
		               "urn:ietf:params:oauth:grant-type:jwt-bearer");
		rc |= form_add(x->easy, &body, "assertion", assertion);
		free(assertion);
	} else {
		char *id = curl_easy_escape(x->easy, c->upload.client_id, 0);
		char *secret = curl_easy_escape(x->easy, c->upload.client_secret, 0);

		/* client_secret_basic (RFC 6749 §2.3.1): both parts form-encoded first */
		curl_easy_setopt(x->easy, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(x->easy, CURLOPT_USERNAME, id ? id : "");
		curl_easy_setopt(x->easy, CURLOPT_PASSWORD, secret ? secret : "");
		curl_free(id);
		curl_free(secret);
		rc |= form_add(x->easy, &body, "grant_type", "client_credentials");
	}
	if (c->upload.scope[0])
		rc |= form_add(x->easy, &body, "scope", c->upload.scope);
	rc |= uploader_xfer_header(x, "Content-Type: application/x-www-form-urlencoded");
	if (rc != 0 || body == NULL) {
		snprintf(err, errlen, "out of memory");
		free(body);
		uploader_xfer_free(x);
		return NULL;
	}
	uploader_xfer_post(x, body, strlen(body));
	return x;
}

int
uploader_auth_token_done(struct uploader_auth *a, const struct uploader_xfer *x, int64_t now_ms,
                         int *refused, char *err, size_t errlen)
{
	int64_t life_s, margin_ms;
	char why[256];

	*refused = 0;
	if (x->code != CURLE_OK || x->too_big) {
		snprintf(err, errlen, "token request: %s", uploader_xfer_strerror(x));
		return -1;
	}
	if (x->status != 200) {
		uploader_token_error(x->resp, x->resp_len, why, sizeof(why));
		snprintf(err, errlen, "token endpoint answered HTTP %ld: %s", x->status, why);
		*refused = x->status == 400 || x->status == 401 || x->status == 403;
		return -1;
	}
	if (uploader_token_parse(x->resp ? x->resp : "", x->resp_len, a->token, sizeof(a->token),
	                         &life_s, err, errlen) < 0)
		return -1;
	a->have_token = 1;
	a->expires_ms = now_ms + life_s * 1000;
	/* Shortly before expiry: a fifth of its life, at most a minute. */
	margin_ms = life_s * 1000 / 5;
	if (margin_ms > 60000)
		margin_ms = 60000;
	a->refresh_ms = a->expires_ms - margin_ms;
	log_info("upload: new access token, valid for %lld s", (long long)life_s);
	return 0;
}

void
uploader_auth_invalidate(struct uploader_auth *a)
{
	a->have_token = 0;
	sodium_memzero(a->token, sizeof(a->token));
}

int64_t
uploader_auth_token_left_s(const struct uploader_auth *a, int64_t now_ms)
{
	if (!a->have_token)
		return -1;
	return a->expires_ms > now_ms ? (a->expires_ms - now_ms) / 1000 : 0;
}
