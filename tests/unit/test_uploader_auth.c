/*
 * test_uploader_auth.c — the uploader's credentials without a network: the
 * JWT-bearer assertion (RS256 and ES256 signatures verified with the public
 * key, claims as Maskinporten wants them), key loading and refusal, token
 * responses, the auth mode grammar and the config errors that name their key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <sodium.h>

#include "config.h"
#include "testutil.h"
#include "uploader.h"
#include "uploader_int.h"

static char dir[256];

static int
setup(void **state)
{
	return tu_tempdir(dir, sizeof(dir)) ? 0 : -1;
}

static int
teardown(void **state)
{
	tu_rmtree(dir);
	return 0;
}

/* Write a fresh key of `type` to dir/name; returns the key (caller frees). */
static EVP_PKEY *
write_key(const char *name, EVP_PKEY *k, char *path, size_t pathlen)
{
	FILE *f;

	snprintf(path, pathlen, "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
	return k;
}

static unsigned char *
unb64(const char *s, size_t len, size_t *outlen)
{
	unsigned char *out = malloc(len + 1);

	assert_int_equal(sodium_base642bin(out, len + 1, s, len, NULL, outlen, NULL,
	                                   sodium_base64_VARIANT_URLSAFE_NO_PADDING),
	                 0);
	out[*outlen] = '\0';
	return out;
}

/* Verify header.claims.signature with the key's public half; 1 if it verifies. */
static int
jwt_verifies(EVP_PKEY *k, const char *jwt)
{
	const char *d2 = strrchr(jwt, '.');
	size_t sl, dl = 0;
	unsigned char *sig = unb64(d2 + 1, strlen(d2 + 1), &sl), *der = NULL;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok;

	if (EVP_PKEY_get_base_id(k) == EVP_PKEY_EC) {
		ECDSA_SIG *es = ECDSA_SIG_new();

		assert_int_equal(sl, 64);
		ECDSA_SIG_set0(es, BN_bin2bn(sig, 32, NULL), BN_bin2bn(sig + 32, 32, NULL));
		dl = (size_t)i2d_ECDSA_SIG(es, &der);
		ECDSA_SIG_free(es);
	}
	ok = EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, k) == 1 &&
	     EVP_DigestVerify(md, der ? der : sig, der ? dl : sl, (const unsigned char *)jwt,
	                      (size_t)(d2 - jwt)) == 1;
	EVP_MD_CTX_free(md);
	OPENSSL_free(der);
	free(sig);
	return ok;
}

static json_t *
jwt_part(const char *jwt, int which)
{
	const char *a = jwt, *b;
	unsigned char *raw;
	size_t n;
	json_t *j;

	for (int i = 0; i < which; i++)
		a = strchr(a, '.') + 1;
	b = strchr(a, '.');
	raw = unb64(a, (size_t)(b - a), &n);
	j = json_loads((char *)raw, JSON_REJECT_DUPLICATES, NULL);
	free(raw);
	assert_non_null(j);
	return j;
}

static void
check_jwt(EVP_PKEY *generated, const char *name, const char *alg, const char *kid)
{
	char path[300], err[300];
	EVP_PKEY *k;
	struct uploader_jwt_claims c = {
	    .iss = "stempel-drammen",
	    .aud = "https://maskinporten.example/token",
	    .scope = "kommune:fravaer",
	    .kid = kid,
	    .jti = "6c4a2f8e-1111-4222-8333-444455556666",
	    .iat = 1795000000,
	    .lifetime_s = 120,
	};
	json_t *hdr, *cl;
	char *jwt;

	write_key(name, generated, path, sizeof(path));
	k = uploader_jwt_load_key(path, err, sizeof(err));
	assert_non_null(k);
	assert_string_equal(uploader_jwt_alg(k), alg);
	jwt = uploader_jwt_build(k, &c, err, sizeof(err));
	assert_non_null(jwt);
	assert_true(jwt_verifies(generated, jwt));

	hdr = jwt_part(jwt, 0);
	assert_string_equal(json_string_value(json_object_get(hdr, "alg")), alg);
	assert_string_equal(json_string_value(json_object_get(hdr, "typ")), "JWT");
	if (kid)
		assert_string_equal(json_string_value(json_object_get(hdr, "kid")), kid);
	else
		assert_null(json_object_get(hdr, "kid"));
	cl = jwt_part(jwt, 1);
	assert_string_equal(json_string_value(json_object_get(cl, "iss")), "stempel-drammen");
	assert_string_equal(json_string_value(json_object_get(cl, "aud")),
	                    "https://maskinporten.example/token");
	assert_string_equal(json_string_value(json_object_get(cl, "scope")), "kommune:fravaer");
	assert_string_equal(json_string_value(json_object_get(cl, "jti")), c.jti);
	assert_int_equal(json_integer_value(json_object_get(cl, "iat")), 1795000000);
	assert_int_equal(json_integer_value(json_object_get(cl, "exp")), 1795000120);

	/* a changed claim no longer verifies */
	{
		char *dot = strchr(jwt, '.') + 3;

		*dot = *dot == 'A' ? 'B' : 'A';
		assert_false(jwt_verifies(generated, jwt));
	}
	json_decref(hdr);
	json_decref(cl);
	free(jwt);
	EVP_PKEY_free(k);
	EVP_PKEY_free(generated);
}

static void
test_jwt_rs256(void **state)
{
	check_jwt(EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048), "rsa.key", "RS256", NULL);
}

static void
test_jwt_es256(void **state)
{
	check_jwt(EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"), "ec.key", "ES256", "kiosk-key-1");
}

static void
test_jwt_refuses_weak_keys(void **state)
{
	char path[300], err[300];
	EVP_PKEY *weak = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	EVP_PKEY *p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");

	write_key("weak.key", weak, path, sizeof(path));
	assert_null(uploader_jwt_load_key(path, err, sizeof(err)));
	assert_non_null(strstr(err, "2048"));
	write_key("p384.key", p384, path, sizeof(path));
	assert_null(uploader_jwt_load_key(path, err, sizeof(err)));
	assert_null(uploader_jwt_load_key("/nonexistent/key.pem", err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/key.pem"));
	tu_write(dir, "garbage.key", "not a key\n", path, sizeof(path));
	assert_null(uploader_jwt_load_key(path, err, sizeof(err)));
	assert_non_null(strstr(err, "PEM"));
	EVP_PKEY_free(weak);
	EVP_PKEY_free(p384);
}

/* --- token responses --- */

static int
token(const char *body, char *tok, int64_t *exp)
{
	char err[200];

	return uploader_token_parse(body, strlen(body), tok, 64, exp, err, sizeof(err));
}

static void
test_token_parse(void **state)
{
	char tok[64], msg[200];
	int64_t exp;

	assert_int_equal(token("{\"access_token\": \"abc.DEF-_~+/=\", \"token_type\": \"Bearer\","
	                       " \"expires_in\": 120, \"scope\": \"x\"}",
	                       tok, &exp),
	                 0);
	assert_string_equal(tok, "abc.DEF-_~+/=");
	assert_int_equal(exp, 120);
	assert_int_equal(token("{\"access_token\": \"t\", \"token_type\": \"bearer\"}", tok, &exp),
	                 0);
	assert_int_equal(exp, 300); /* no expires_in: a short life is assumed */
	assert_int_equal(token("{\"access_token\": \"t\", \"token_type\": \"mac\"}", tok, &exp),
	                 -1);
	assert_int_equal(token("{\"access_token\": \"\", \"token_type\": \"Bearer\"}", tok, &exp),
	                 -1);
	assert_int_equal(
	    token("{\"access_token\": \"a b\", \"token_type\": \"Bearer\"}", tok, &exp), -1);
	assert_int_equal(
	    token("{\"access_token\": \"a\\r\\nX: y\", \"token_type\": \"Bearer\"}", tok, &exp),
	    -1);
	assert_int_equal(
	    token("{\"access_token\": \"t\", \"token_type\": \"Bearer\", \"expires_in\": -5}", tok,
	          &exp),
	    -1);
	assert_int_equal(
	    token("{\"access_token\": \"t\", \"token_type\": \"Bearer\", \"expires_in\": \"9\"}",
	          tok, &exp),
	    -1);
	assert_int_equal(token("{\"access_token\": \"0123456789012345678901234567890123456789"
	                       "01234567890123456789012345\", \"token_type\": \"Bearer\"}",
	                       tok, &exp),
	                 -1); /* longer than the buffer */
	assert_int_equal(token("<html>", tok, &exp), -1);
	uploader_token_error(
	    "{\"error\": \"invalid_client\", \"error_description\": \"no\\nsuch\"}", 60, msg,
	    sizeof(msg));
	assert_string_equal(msg, "invalid_client: no?such");
	uploader_token_error("<html>", 6, msg, sizeof(msg));
	assert_string_equal(msg, "no OAuth2 error given");
}

/* --- modes and config --- */

static void
test_auth_modes(void **state)
{
	unsigned m;
	char err[300];

	assert_int_equal(uploader_auth_modes("none", &m, err, sizeof(err)), 0);
	assert_int_equal(m, 0);
	assert_int_equal(uploader_auth_modes("mtls+oauth_jwt", &m, err, sizeof(err)), 0);
	assert_int_equal(m, UPLOADER_AUTH_MTLS | UPLOADER_AUTH_OAUTH_JWT);
	assert_int_equal(uploader_auth_modes("bearer+mtls", &m, err, sizeof(err)), 0);
	assert_int_equal(m, UPLOADER_AUTH_BEARER | UPLOADER_AUTH_MTLS);
	assert_int_equal(uploader_auth_modes("oauth_client", &m, err, sizeof(err)), 0);
	assert_int_equal(uploader_auth_modes("bearer+oauth_client", &m, err, sizeof(err)), -1);
	assert_int_equal(uploader_auth_modes("oauth_client+oauth_jwt", &m, err, sizeof(err)), -1);
	assert_int_equal(uploader_auth_modes("mtls+mtls", &m, err, sizeof(err)), -1);
	assert_int_equal(uploader_auth_modes("none+mtls", &m, err, sizeof(err)), -1);
	assert_int_equal(uploader_auth_modes("", &m, err, sizeof(err)), -1);
	assert_int_equal(uploader_auth_modes("kerberos", &m, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "[upload] auth"));
	assert_non_null(strstr(err, "kerberos"));
}

/* Set `field` to `value`; the config check must then fail naming `key`. */
static void
expect_error_after(struct config *c, char *field, size_t size, const char *value, const char *key)
{
	char err[512];

	snprintf(field, size, "%s", value);
	assert_int_equal(uploader_check_config(c, err, sizeof(err)), -1);
	if (strstr(err, key) == NULL)
		fail_msg("expected the error to name %s: %s", key, err);
}

/* Each step adds to the one before: the key named is the next one missing. */
#define STEP(field, value, key) expect_error_after(&c, field, sizeof(field), value, key)

static void
test_config_errors(void **state)
{
	struct config c;
	char err[512], missing[300];

	config_defaults(&c);
	snprintf(c.upload.base_url, sizeof(c.upload.base_url), "https://muni.example/api/");
	assert_int_equal(uploader_check_config(&c, err, sizeof(err)), 0);

	STEP(c.upload.base_url, "http://muni.example", "[upload] base_url");
	snprintf(c.upload.base_url, sizeof(c.upload.base_url), "https://muni.example");
	STEP(c.upload.auth, "bearer", "[upload] token");
	STEP(c.upload.auth, "mtls", "[upload] client_cert");
	STEP(c.upload.client_cert, "/etc/stempel/client.pem", "[upload] client_key");
	STEP(c.upload.auth, "oauth_client", "[upload] token_url");
	STEP(c.upload.token_url, "http://idp.example/token", "[upload] token_url");
	STEP(c.upload.token_url, "https://idp.example/token", "[upload] client_id");
	STEP(c.upload.client_id, "kiosk", "[upload] client_secret");
	STEP(c.upload.auth, "oauth_jwt", "[upload] jwt_key");
	snprintf(missing, sizeof(missing), "%s/missing.key", dir);
	STEP(c.upload.jwt_key, missing, "[upload] jwt_key");
	STEP(c.upload.auth, "bogus+mtls", "[upload] auth");
	snprintf(c.upload.auth, sizeof(c.upload.auth), "none");
	STEP(c.kiosk.id, "kiosk 1/../x", "[kiosk] id");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_jwt_rs256),
	    cmocka_unit_test(test_jwt_es256),
	    cmocka_unit_test(test_jwt_refuses_weak_keys),
	    cmocka_unit_test(test_token_parse),
	    cmocka_unit_test(test_auth_modes),
	    cmocka_unit_test(test_config_errors),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
