/*
 * curl_dl.c — libcurl loaded only when an upload is configured.  libcurl and what
 * it pulls in (GnuTLS, Kerberos, LDAP, SSH, ...) are 3.8 MiB of resident file
 * pages and 27 mappings in a kiosk that does not upload.  This file defines the
 * libcurl functions the tree calls and forwards each to the library, loaded by
 * soname on the first call; uploader_start() loads it first so that a missing
 * library is a clear start-up error.  The definitions are hidden: libcurl's own
 * calls must never land here.
 */
#pragma GCC visibility push(hidden)
/* This file defines curl_easy_setopt() itself; the callers keep the type checks. */
#define CURL_DISABLE_TYPECHECK
#include <stdarg.h>

#include <curl/curl.h>

#include "curl_dl.h"
#include "dynlib.h"

/*
 * Every libcurl function the tree calls (dynlib.h: F returns, V is void).  The
 * three taking varargs are only pointers here and written out below.
 */
#define CURL_FUNCS(F, V, P)                                                                        \
	F(CURLcode, curl_global_init, (long flags), (flags))                                       \
	V(curl_global_cleanup, (void), ())                                                         \
	F(CURL *, curl_easy_init, (void), ())                                                      \
	V(curl_easy_cleanup, (CURL * curl), (curl))                                                \
	P(curl_easy_setopt)                                                                        \
	P(curl_easy_getinfo)                                                                       \
	F(CURLcode, curl_easy_perform, (CURL * curl), (curl))                                      \
	F(const char *, curl_easy_strerror, (CURLcode code), (code))                               \
	F(char *, curl_easy_escape, (CURL * handle, const char *string, int length),               \
	  (handle, string, length))                                                                \
	V(curl_free, (void *p), (p))                                                               \
	F(time_t, curl_getdate, (const char *p, const time_t *unused), (p, unused))                \
	F(struct curl_slist *, curl_slist_append, (struct curl_slist * list, const char *data),    \
	  (list, data))                                                                            \
	V(curl_slist_free_all, (struct curl_slist * list), (list))                                 \
	F(CURLM *, curl_multi_init, (void), ())                                                    \
	F(CURLMcode, curl_multi_cleanup, (CURLM * m), (m))                                         \
	P(curl_multi_setopt)                                                                       \
	F(CURLMcode, curl_multi_add_handle, (CURLM * m, CURL * curl), (m, curl))                   \
	F(CURLMcode, curl_multi_remove_handle, (CURLM * m, CURL * curl), (m, curl))                \
	F(CURLMcode, curl_multi_assign, (CURLM * m, curl_socket_t s, void *p), (m, s, p))          \
	F(CURLMsg *, curl_multi_info_read, (CURLM * m, int *left), (m, left))                      \
	F(CURLMcode, curl_multi_socket_action,                                                     \
	  (CURLM * m, curl_socket_t s, int ev_bitmask, int *running), (m, s, ev_bitmask, running)) \
	F(const char *, curl_multi_strerror, (CURLMcode code), (code))

DYNLIB_SHIM(CURL_FUNCS, "[upload] base_url", CURL_DL_PACKAGE, CURL_DL_SONAME);

int
curl_dl_load(char *err, size_t errlen)
{
	return dynlib_load(&shim_lib, err, errlen);
}

/*
 * The option number says the type of its one argument (curl.h, CURLOPTTYPE_*),
 * which is how libcurl itself reads it; the same holds for the multi options.
 */
#define FORWARD_OPT(call, h, tag, ap)                                                              \
	do {                                                                                       \
		if ((tag) < CURLOPTTYPE_OBJECTPOINT)                                               \
			return call(h, tag, va_arg(ap, long));                                     \
		if ((tag) < CURLOPTTYPE_FUNCTIONPOINT)                                             \
			return call(h, tag, va_arg(ap, void *));                                   \
		if ((tag) < CURLOPTTYPE_OFF_T)                                                     \
			return call(h, tag, va_arg(ap, void (*)(void)));                           \
		if ((tag) < CURLOPTTYPE_BLOB)                                                      \
			return call(h, tag, va_arg(ap, curl_off_t));                               \
		return call(h, tag, va_arg(ap, void *));                                           \
	} while (0)

static CURLcode
easy_setopt_va(CURL *curl, CURLoption tag, va_list ap)
{
	FORWARD_OPT(shim_fn.curl_easy_setopt, curl, tag, ap);
}

CURLcode
curl_easy_setopt(CURL *curl, CURLoption tag, ...)
{
	va_list ap;
	CURLcode rc;

	dynlib_need(&shim_lib);
	va_start(ap, tag);
	rc = easy_setopt_va(curl, tag, ap);
	va_end(ap);
	return rc;
}

static CURLMcode
multi_setopt_va(CURLM *m, CURLMoption tag, va_list ap)
{
	FORWARD_OPT(shim_fn.curl_multi_setopt, m, tag, ap);
}

CURLMcode
curl_multi_setopt(CURLM *m, CURLMoption tag, ...)
{
	va_list ap;
	CURLMcode rc;

	dynlib_need(&shim_lib);
	va_start(ap, tag);
	rc = multi_setopt_va(m, tag, ap);
	va_end(ap);
	return rc;
}

/* Every CURLINFO_* takes one pointer to where the answer goes. */
CURLcode
curl_easy_getinfo(CURL *curl, CURLINFO info, ...)
{
	va_list ap;
	void *p;

	dynlib_need(&shim_lib);
	va_start(ap, info);
	p = va_arg(ap, void *);
	va_end(ap);
	return shim_fn.curl_easy_getinfo(curl, info, p);
}
