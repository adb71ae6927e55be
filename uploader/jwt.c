/*
 * jwt.c — the signed assertion of the OAuth2 JWT-bearer grant (RFC 7523), as
 * Maskinporten takes it: iss = client_id, aud, iat, exp (at most two minutes
 * on), a fresh jti, scope.  RS256 for an RSA key, ES256 for an EC P-256 key,
 * signed through OpenSSL's EVP interface.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <sodium.h>

#include "uploader_int.h"

static void
ssl_error(char *err, size_t errlen, const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256];

	ERR_error_string_n(e, buf, sizeof(buf));
	snprintf(err, errlen, "%s: %s", what, e ? buf : "unknown OpenSSL error");
	ERR_clear_error();
}

const char *
uploader_jwt_alg(EVP_PKEY *key)
{
	char group[64];
	size_t glen = 0;

	switch (EVP_PKEY_get_base_id(key)) {
	case EVP_PKEY_RSA:
		return EVP_PKEY_get_bits(key) >= 2048 ? "RS256" : NULL;
	case EVP_PKEY_EC:
		if (EVP_PKEY_get_group_name(key, group, sizeof(group), &glen) == 1 &&
		    (strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0))
			return "ES256";
		return NULL;
	default:
		return NULL;
	}
}

EVP_PKEY *
uploader_jwt_load_key(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *key;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (key == NULL) {
		char what[600];

		snprintf(what, sizeof(what), "%s: expected a PEM private key", path);
		ssl_error(err, errlen, what);
		return NULL;
	}
	if (uploader_jwt_alg(key) == NULL) {
		snprintf(err, errlen,
		         "%s: expected an RSA key of at least 2048 bits (RS256) or an "
		         "EC P-256 key (ES256)",
		         path);
		EVP_PKEY_free(key);
		return NULL;
	}
	return key;
}

/* base64url without padding of `len` bytes; malloc'd. */
static char *
b64url(const unsigned char *p, size_t len)
{
	size_t n = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = malloc(n);

	if (out)
		sodium_bin2base64(out, n, p, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

static char *
b64url_json(json_t *j)
{
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	char *out = s ? b64url((const unsigned char *)s, strlen(s)) : NULL;

	free(s);
	json_decref(j);
	return out;
}

/*
 * EVP signs ECDSA as DER; JWS (RFC 7518 §3.4) wants r and s as two 32-byte
 * big-endian numbers.  Rewrites sig in place; 0 or -1.
 */
static int
ecdsa_der_to_raw(unsigned char *sig, size_t *siglen)
{
	const unsigned char *p = sig;
	ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)*siglen);
	const BIGNUM *r, *s;
	int ok;

	if (es == NULL)
		return -1;
	ECDSA_SIG_get0(es, &r, &s);
	ok = BN_bn2binpad(r, sig, 32) == 32 && BN_bn2binpad(s, sig + 32, 32) == 32;
	ECDSA_SIG_free(es);
	*siglen = 64;
	return ok ? 0 : -1;
}

char *
uploader_jwt_build(EVP_PKEY *key, const struct uploader_jwt_claims *c, char *err, size_t errlen)
{
	const char *alg = uploader_jwt_alg(key);
	json_t *hdr, *claims;
	char *h64 = NULL, *c64 = NULL, *s64 = NULL, *input = NULL, *jwt = NULL;
	unsigned char *sig = NULL;
	size_t siglen = 0, inlen;
	EVP_MD_CTX *md = NULL;

	if (alg == NULL) {
		snprintf(err, errlen, "the key cannot sign a JWT (RSA >= 2048 or EC P-256 needed)");
		return NULL;
	}
	hdr = json_pack("{s:s, s:s}", "alg", alg, "typ", "JWT");
	if (hdr && c->kid && c->kid[0])
		json_object_set_new(hdr, "kid", json_string(c->kid));
	claims = json_pack("{s:s, s:s, s:I, s:I, s:s}", "iss", c->iss, "aud", c->aud, "iat",
	                   (json_int_t)c->iat, "exp", (json_int_t)(c->iat + c->lifetime_s), "jti",
	                   c->jti);
	if (claims && c->scope && c->scope[0])
		json_object_set_new(claims, "scope", json_string(c->scope));
	h64 = b64url_json(hdr);
	c64 = b64url_json(claims);
	if (h64 == NULL || c64 == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	inlen = strlen(h64) + 1 + strlen(c64);
	if ((input = malloc(inlen + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	snprintf(input, inlen + 1, "%s.%s", h64, c64);

	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestSign(md, NULL, &siglen, (const unsigned char *)input, inlen) != 1 ||
	    (sig = malloc(siglen)) == NULL ||
	    EVP_DigestSign(md, sig, &siglen, (const unsigned char *)input, inlen) != 1) {
		ssl_error(err, errlen, "signing the JWT");
		goto out;
	}
	if (strcmp(alg, "ES256") == 0 && ecdsa_der_to_raw(sig, &siglen) < 0) {
		snprintf(err, errlen, "signing the JWT: malformed ECDSA signature");
		goto out;
	}
	if ((s64 = b64url(sig, siglen)) == NULL ||
	    (jwt = malloc(inlen + 1 + strlen(s64) + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	sprintf(jwt, "%s.%s", input, s64);
out:
	EVP_MD_CTX_free(md);
	free(h64);
	free(c64);
	free(s64);
	free(input);
	free(sig);
	return jwt;
}
