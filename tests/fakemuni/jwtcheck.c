/*
 * jwtcheck.c — the token endpoint's check of a JWT-bearer assertion, as a
 * strict receiver (Maskinporten) does it: RS256 or ES256 signature under the
 * kiosk's public key, iss = client id, aud, iat/exp within two minutes, a jti
 * never seen before, the scope asked for.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <sodium.h>

#include "fakemuni.h"

/* base64url (no padding) into a malloc'd buffer; NULL if malformed. */
static unsigned char *
unb64(const char *s, size_t len, size_t *outlen)
{
	unsigned char *out = malloc(len + 1);

	if (out == NULL)
		return NULL;
	if (sodium_base642bin(out, len + 1, s, len, NULL, outlen, NULL,
	                      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
		free(out);
		return NULL;
	}
	out[*outlen] = '\0';
	return out;
}

/* JWS ES256 signatures are r||s; EVP verifies DER. */
static unsigned char *
raw_to_der(const unsigned char *raw, size_t rawlen, size_t *derlen)
{
	ECDSA_SIG *es;
	BIGNUM *r, *s;
	unsigned char *der = NULL;
	int n;

	if (rawlen != 64)
		return NULL;
	es = ECDSA_SIG_new();
	r = BN_bin2bn(raw, 32, NULL);
	s = BN_bin2bn(raw + 32, 32, NULL);
	if (es == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(es, r, s) != 1) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(es);
		return NULL;
	}
	n = i2d_ECDSA_SIG(es, &der);
	ECDSA_SIG_free(es);
	if (n <= 0)
		return NULL;
	*derlen = (size_t)n;
	return der;
}

static int
aud_matches(struct muni *m, json_t *aud)
{
	const char *a = json_string_value(aud);
	size_t i;
	json_t *x;

	if (json_is_array(aud)) {
		json_array_foreach(aud, i, x) if (aud_matches(m, x)) return 1;
		return 0;
	}
	if (a == NULL)
		return 0;
	if (m->jwt_aud && m->jwt_aud[0])
		return strcmp(a, m->jwt_aud) == 0;
	return strlen(a) > 12 && strcmp(a + strlen(a) - 12, "/oauth/token") == 0;
}

int
muni_jwt_verify(struct muni *m, const char *jwt, char *err, size_t errlen)
{
	const char *d1 = strchr(jwt, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
	unsigned char *hb = NULL, *cb = NULL, *sig = NULL, *der = NULL;
	size_t hl, cl, sl, dl;
	json_t *hdr = NULL, *cl_json = NULL;
	const char *alg, *want;
	EVP_MD_CTX *md = NULL;
	int64_t now = (int64_t)time(NULL), iat, exp;
	int rc = -1;

	if (m->jwt_pub == NULL) {
		snprintf(err, errlen, "no JWT key configured");
		return -1;
	}
	if (d1 == NULL || d2 == NULL || strchr(d2 + 1, '.')) {
		snprintf(err, errlen, "not a JWS compact serialisation");
		return -1;
	}
	hb = unb64(jwt, (size_t)(d1 - jwt), &hl);
	cb = unb64(d1 + 1, (size_t)(d2 - d1 - 1), &cl);
	sig = unb64(d2 + 1, strlen(d2 + 1), &sl);
	hdr = hb ? json_loads((char *)hb, JSON_REJECT_DUPLICATES, NULL) : NULL;
	cl_json = cb ? json_loads((char *)cb, JSON_REJECT_DUPLICATES, NULL) : NULL;
	if (!json_is_object(hdr) || !json_is_object(cl_json) || sig == NULL) {
		snprintf(err, errlen, "header, claims or signature malformed");
		goto out;
	}
	alg = json_string_value(json_object_get(hdr, "alg"));
	want = EVP_PKEY_get_base_id(m->jwt_pub) == EVP_PKEY_EC ? "ES256" : "RS256";
	if (alg == NULL || strcmp(alg, want) != 0) {
		snprintf(err, errlen, "alg %s, expected %s", alg ? alg : "(none)", want);
		goto out;
	}
	if (strcmp(want, "ES256") == 0) {
		if ((der = raw_to_der(sig, sl, &dl)) == NULL) {
			snprintf(err, errlen, "ES256 signature is not 64 bytes");
			goto out;
		}
	}
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, m->jwt_pub) != 1 ||
	    EVP_DigestVerify(md, der ? der : sig, der ? dl : sl, (const unsigned char *)jwt,
	                     (size_t)(d2 - jwt)) != 1) {
		snprintf(err, errlen, "signature does not verify");
		goto out;
	}
	iat = json_integer_value(json_object_get(cl_json, "iat"));
	exp = json_integer_value(json_object_get(cl_json, "exp"));
	if (!json_is_string(json_object_get(cl_json, "iss")) ||
	    strcmp(json_string_value(json_object_get(cl_json, "iss")), m->client_id) != 0) {
		snprintf(err, errlen, "iss is not the client id");
		goto out;
	}
	if (!aud_matches(m, json_object_get(cl_json, "aud"))) {
		snprintf(err, errlen, "aud is not this token endpoint");
		goto out;
	}
	if (!json_is_integer(json_object_get(cl_json, "iat")) ||
	    !json_is_integer(json_object_get(cl_json, "exp")) || exp <= now || iat > now + 10 ||
	    exp - iat > 120) {
		snprintf(err, errlen, "iat/exp outside the allowed window");
		goto out;
	}
	{
		const char *jti = json_string_value(json_object_get(cl_json, "jti"));

		if (jti == NULL || strlen(jti) < 8 || strlen(jti) >= 40) {
			snprintf(err, errlen, "jti missing");
			goto out;
		}
		for (unsigned i = 0; i < MUNI_JTIS; i++)
			if (strcmp(m->jtis[i], jti) == 0) {
				snprintf(err, errlen, "jti used before (replay)");
				goto out;
			}
		snprintf(m->jtis[m->next_jti++ % MUNI_JTIS], 40, "%s", jti);
	}
	if (m->scope && m->scope[0]) {
		const char *sc = json_string_value(json_object_get(cl_json, "scope"));

		if (sc == NULL || strcmp(sc, m->scope) != 0) {
			snprintf(err, errlen, "scope is not %s", m->scope);
			goto out;
		}
	}
	rc = 0;
out:
	EVP_MD_CTX_free(md);
	OPENSSL_free(der);
	json_decref(hdr);
	json_decref(cl_json);
	free(hb);
	free(cb);
	free(sig);
	return rc;
}
