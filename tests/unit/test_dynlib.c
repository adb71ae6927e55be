/*
 * test_dynlib.c — libraries loaded by soname on demand (hal/dynlib.c): a missing
 * library or symbol is refused with a message that names the library, the
 * package to install and the feature; a soname list takes the first that loads; a
 * good load fills every pointer, happens once; a shim made by DYNLIB_SHIM()
 * forwards its F, V and P entries, a forwarder with nothing to load dies with the
 * message, and the shims for libcurl and libnfc load what they forward to.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <cmocka.h>

#include <gnu/libc-version.h>

#include <curl/curl.h>

#include "curl_dl.h"
#include "dynlib.h"
#include "nfc_dl.h"

static void *p_strlen, *p_missing;

/*
 * A shim of this test's own over libc, through a soname list whose first name is
 * missing: gnu_get_libc_version() and tzset() are defined here (hidden) and
 * forwarded, gnu_get_libc_release() is only a pointer.
 */
#pragma GCC visibility push(hidden)
#define TEST_FUNCS(F, V, P)                                                                        \
	F(const char *, gnu_get_libc_version, (void), ())                                          \
	V(tzset, (void), ())                                                                       \
	P(gnu_get_libc_release)
DYNLIB_SHIM(TEST_FUNCS, "[test] shim", "libc6", "libstempel-absent.so.9", "libc.so.6");
#pragma GCC visibility pop

#define SONAMES(...) ((const char *const[]){__VA_ARGS__, NULL})
/* A library of this test's own: the sonames to try, the package named, the symbols. */
#define TEST_LIB(sonames_, package_, syms_, nsyms_)                                                \
	{                                                                                          \
		.sonames = sonames_, .package = package_, .feature = "[test] feature",             \
		.syms = syms_, .nsyms = nsyms_, .once = PTHREAD_ONCE_INIT                          \
	}

static void
test_missing_library(void **state)
{
	const struct dynlib_sym syms[] = {{"strlen", &p_strlen}};
	struct dynlib d =
	    TEST_LIB(SONAMES("libstempel-absent.so.9"), "libstempel-absent9", syms, 1);
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
	struct dynlib d = TEST_LIB(SONAMES("libc.so.6"), "libc6", syms, 2);
	char err[256] = "";

	assert_int_equal(dynlib_load(&d, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "stempel_no_such_function"));
	assert_non_null(strstr(err, "needs libc.so.6, but it has no stempel_no_such_function"));
	assert_non_null(strstr(err, "libc6"));
	assert_null(d.soname);
}

/* A list: the first soname that loads; when none does, the message names them all. */
static void
test_soname_list(void **state)
{
	const struct dynlib_sym syms[] = {{"strlen", &p_strlen}};
	struct dynlib d =
	    TEST_LIB(SONAMES("libstempel-absent.so.9", "libc.so.6"), "libc6", syms, 1);
	struct dynlib none = TEST_LIB(SONAMES("libstempel-absent.so.9", "libstempel-absent.so.8"),
	                              "libstempel-absent9", syms, 1);
	char err[256] = "";

	p_strlen = NULL;
	assert_int_equal(dynlib_load(&d, err, sizeof(err)), 0);
	assert_string_equal(d.soname, "libc.so.6");
	assert_non_null(p_strlen);

	assert_int_equal(dynlib_load(&none, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "[test] feature needs libstempel-absent.so.9 or "
	                            "libstempel-absent.so.8, which cannot be loaded ("));
	assert_non_null(strstr(err, "install the Debian package libstempel-absent9"));
	assert_null(none.soname);
}

/* The shim above: nothing loaded until the first call, then every entry filled. */
static void
test_shim_macro(void **state)
{
	char want[64], err[256] = "";

	assert_false(shim_lib.ok);
	assert_null(shim_fn.gnu_get_libc_release);
	/* F: loads on the first call and answers what libc answers */
	assert_true(confstr(_CS_GNU_LIBC_VERSION, want, sizeof(want)) > 0);
	assert_int_equal(strncmp(want, "glibc ", 6), 0);
	assert_string_equal(strchr(want, ' ') + 1, gnu_get_libc_version());
	assert_true(shim_lib.ok);
	assert_string_equal(shim_lib.soname, "libc.so.6");
	/* P: only the pointer, filled by the same load */
	assert_non_null(shim_fn.gnu_get_libc_release);
	assert_non_null(shim_fn.gnu_get_libc_release());
	/* V: forwards and returns nothing */
	assert_non_null(shim_fn.tzset);
	tzset();
	assert_int_equal(dynlib_load(&shim_lib, err, sizeof(err)), 0);
}

/*
 * A forwarder whose library cannot be loaded is a bug (its feature's start loads it
 * first): dynlib_need() logs the message and aborts.  In a child, stderr to a pipe.
 */
static void
test_need_dies_with_message(void **state)
{
	const struct dynlib_sym syms[] = {{"strlen", &p_strlen}};
	struct dynlib d =
	    TEST_LIB(SONAMES("libstempel-absent.so.9"), "libstempel-absent9", syms, 1);
	char out[1024] = "";
	size_t n = 0;
	ssize_t r;
	int fds[2], status;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], 2);
		close(fds[0]);
		dynlib_need(&d);
		_exit(0); /* not reached if dynlib_need() works */
	}
	close(fds[1]);
	while (n < sizeof(out) - 1 && (r = read(fds[0], out + n, sizeof(out) - 1 - n)) > 0)
		n += (size_t)r;
	out[n] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	assert_non_null(strstr(out, "[test] feature needs libstempel-absent.so.9, which cannot "
	                            "be loaded"));
	assert_non_null(strstr(out, "install the Debian package libstempel-absent9"));
}

static void
test_load_fills_pointers(void **state)
{
	const struct dynlib_sym syms[] = {{"strlen", &p_strlen}};
	struct dynlib d = TEST_LIB(SONAMES("libc.so.6"), "libc6", syms, 1);
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
	    cmocka_unit_test(test_soname_list),
	    cmocka_unit_test(test_shim_macro),
	    cmocka_unit_test(test_need_dies_with_message),
	    cmocka_unit_test(test_shims_load_on_demand),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
