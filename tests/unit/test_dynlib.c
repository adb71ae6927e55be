/*
 * test_dynlib.c — libraries loaded by soname on demand (hal/dynlib.c): a missing
 * library or symbol is refused with a message that names the library, the
 * package to install and the feature; a good load fills every pointer, happens
 * once, and the shims for libcurl and libnfc load what they forward to.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <curl/curl.h>

#include "curl_dl.h"
#include "dynlib.h"
#include "nfc_dl.h"

static void *p_strlen, *p_missing;

static void
test_missing_library(void **state)
{
	const struct dynlib_sym syms[] = {{"strlen", &p_strlen}};
	struct dynlib d = {.soname = "libstempel-absent.so.9",
	                   .package = "libstempel-absent9",
	                   .feature = "[test] feature",
	                   .syms = syms,
	                   .nsyms = 1,
	                   .once = PTHREAD_ONCE_INIT};
	char err[256] = "";

	assert_int_equal(dynlib_load(&d, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "libstempel-absent.so.9"));
	assert_non_null(strstr(err, "install the Debian package libstempel-absent9"));
	assert_non_null(strstr(err, "[test] feature"));
	/* a second try answers the same, without loading again */
	err[0] = '\0';
	assert_int_equal(dynlib_load(&d, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "libstempel-absent.so.9"));
	assert_false(dynlib_is_mapped("libstempel-absent.so.9"));
}

static void
test_missing_symbol(void **state)
{
	const struct dynlib_sym syms[] = {{"strlen", &p_strlen},
	                                  {"stempel_no_such_function", &p_missing}};
	struct dynlib d = {.soname = "libc.so.6",
	                   .package = "libc6",
	                   .feature = "[test] feature",
	                   .syms = syms,
	                   .nsyms = 2,
	                   .once = PTHREAD_ONCE_INIT};
	char err[256] = "";

	assert_int_equal(dynlib_load(&d, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "stempel_no_such_function"));
	assert_non_null(strstr(err, "libc6"));
}

static void
test_load_fills_pointers(void **state)
{
	const struct dynlib_sym syms[] = {{"strlen", &p_strlen}};
	struct dynlib d = {.soname = "libc.so.6",
	                   .package = "libc6",
	                   .feature = "[test] feature",
	                   .syms = syms,
	                   .nsyms = 1,
	                   .once = PTHREAD_ONCE_INIT};
	char err[256] = "";
	size_t (*f)(const char *);

	p_strlen = NULL;
	assert_int_equal(dynlib_load(&d, err, sizeof(err)), 0);
	assert_non_null(p_strlen);
	*(void **)&f = p_strlen;
	assert_int_equal(f("stempel"), 7);
	assert_true(dynlib_is_mapped("libc.so.6"));
}

/* The shims: nothing is mapped before the load, the real library after it. */
static void
test_shims_load_on_demand(void **state)
{
	char err[256] = "";
	char *esc;

	assert_false(dynlib_is_mapped(CURL_DL_SONAME));
	assert_false(dynlib_is_mapped(NFC_DL_SONAME));
	assert_int_equal(curl_dl_load(err, sizeof(err)), 0);
	assert_true(dynlib_is_mapped(CURL_DL_SONAME));
	assert_false(dynlib_is_mapped(NFC_DL_SONAME));
	/* variadic and plain calls go through to libcurl */
	assert_int_equal(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK);
	CURL *e = curl_easy_init();
	assert_non_null(e);
	assert_int_equal(curl_easy_setopt(e, CURLOPT_TIMEOUT, 3L), CURLE_OK);
	assert_int_equal(curl_easy_setopt(e, CURLOPT_URL, "https://example.invalid/"), CURLE_OK);
	assert_int_equal(curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)1 << 33),
	                 CURLE_OK);
	/* an unknown option number is refused by libcurl itself, not crashed on */
	assert_int_not_equal(curl_easy_setopt(e, (CURLoption)9999, 1L), CURLE_OK);
	esc = curl_easy_escape(e, "a b&c", 0);
	assert_string_equal(esc, "a%20b%26c");
	curl_free(esc);
	char *url = NULL;
	assert_int_equal(curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &url), CURLE_OK);
	curl_easy_cleanup(e);
	assert_int_equal(curl_getdate("Thu, 03 Dec 2026 12:00:00 GMT", NULL), 1796299200);
	curl_global_cleanup();

	assert_int_equal(nfc_dl_load(err, sizeof(err)), 0);
	assert_true(dynlib_is_mapped(NFC_DL_SONAME));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_missing_library),
	    cmocka_unit_test(test_missing_symbol),
	    cmocka_unit_test(test_load_fills_pointers),
	    cmocka_unit_test(test_shims_load_on_demand),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
