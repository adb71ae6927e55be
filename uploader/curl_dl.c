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

/* X(name): every libcurl function the tree calls. */
#define CURL_FUNCS                                                                                 \
	X(curl_global_init)                                                                        \
	X(curl_global_cleanup)                                                                     \
	X(curl_easy_init)                                                                          \
	X(curl_easy_cleanup)                                                                       \
	X(curl_easy_setopt)                                                                        \
	X(curl_easy_getinfo)                                                                       \
	X(curl_easy_perform)                                                                       \
	X(curl_easy_strerror)                                                                      \
	X(curl_easy_escape)                                                                        \
	X(curl_free)                                                                               \
	X(curl_getdate)                                                                            \
	X(curl_slist_append)                                                                       \
	X(curl_slist_free_all)                                                                     \
	X(curl_multi_init)                                                                         \
	X(curl_multi_cleanup)                                                                      \
	X(curl_multi_setopt)                                                                       \
	X(curl_multi_add_handle)                                                                   \
	X(curl_multi_remove_handle)                                                                \
	X(curl_multi_assign)                                                                       \
	X(curl_multi_info_read)                                                                    \
	X(curl_multi_socket_action)                                                                \
	X(curl_multi_strerror)

/* The pointers take their types from curl.h's own declarations. */
static struct {
#define X(f) __typeof__(f) *f;
	CURL_FUNCS
#undef X
} fn;

static const struct dynlib_sym syms[] = {
#define X(f) {#f, (void **)&fn.f},
    CURL_FUNCS
#undef X
};

static struct dynlib lib = {
    .soname = CURL_DL_SONAME,
    .package = CURL_DL_PACKAGE,
    .feature = "[upload] base_url",
    .syms = syms,
    .nsyms = sizeof(syms) / sizeof(syms[0]),
    .once = PTHREAD_ONCE_INIT,
};

int
curl_dl_load(char *err, size_t errlen)
{
	return dynlib_load(&lib, err, errlen);
}

#define NEED() dynlib_need(&lib)

CURLcode
curl_global_init(long flags)
{
	NEED();
	return fn.curl_global_init(flags);
}

void
curl_global_cleanup(void)
{
	NEED();
	fn.curl_global_cleanup();
}

CURL *
curl_easy_init(void)
{
	NEED();
	return fn.curl_easy_init();
}

void
curl_easy_cleanup(CURL *curl)
{
	NEED();
	fn.curl_easy_cleanup(curl);
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
	FORWARD_OPT(fn.curl_easy_setopt, curl, tag, ap);
}

CURLcode
curl_easy_setopt(CURL *curl, CURLoption tag, ...)
{
	va_list ap;
	CURLcode rc;

	NEED();
	va_start(ap, tag);
	rc = easy_setopt_va(curl, tag, ap);
	va_end(ap);
	return rc;
}

static CURLMcode
multi_setopt_va(CURLM *m, CURLMoption tag, va_list ap)
{
	FORWARD_OPT(fn.curl_multi_setopt, m, tag, ap);
}

CURLMcode
curl_multi_setopt(CURLM *m, CURLMoption tag, ...)
{
	va_list ap;
	CURLMcode rc;

	NEED();
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

	NEED();
	va_start(ap, info);
	p = va_arg(ap, void *);
	va_end(ap);
	return fn.curl_easy_getinfo(curl, info, p);
}

CURLcode
curl_easy_perform(CURL *curl)
{
	NEED();
	return fn.curl_easy_perform(curl);
}

const char *
curl_easy_strerror(CURLcode code)
{
	NEED();
	return fn.curl_easy_strerror(code);
}

char *
curl_easy_escape(CURL *handle, const char *string, int length)
{
	NEED();
	return fn.curl_easy_escape(handle, string, length);
}

void
curl_free(void *p)
{
	NEED();
	fn.curl_free(p);
}

time_t
curl_getdate(const char *p, const time_t *unused)
{
	NEED();
	return fn.curl_getdate(p, unused);
}

struct curl_slist *
curl_slist_append(struct curl_slist *list, const char *data)
{
	NEED();
	return fn.curl_slist_append(list, data);
}

void
curl_slist_free_all(struct curl_slist *list)
{
	NEED();
	fn.curl_slist_free_all(list);
}

CURLM *
curl_multi_init(void)
{
	NEED();
	return fn.curl_multi_init();
}

CURLMcode
curl_multi_cleanup(CURLM *m)
{
	NEED();
	return fn.curl_multi_cleanup(m);
}

CURLMcode
curl_multi_add_handle(CURLM *m, CURL *curl)
{
	NEED();
	return fn.curl_multi_add_handle(m, curl);
}

CURLMcode
curl_multi_remove_handle(CURLM *m, CURL *curl)
{
	NEED();
	return fn.curl_multi_remove_handle(m, curl);
}

CURLMcode
curl_multi_assign(CURLM *m, curl_socket_t s, void *p)
{
	NEED();
	return fn.curl_multi_assign(m, s, p);
}

CURLMsg *
curl_multi_info_read(CURLM *m, int *left)
{
	NEED();
	return fn.curl_multi_info_read(m, left);
}

CURLMcode
curl_multi_socket_action(CURLM *m, curl_socket_t s, int ev_bitmask, int *running)
{
	NEED();
	return fn.curl_multi_socket_action(m, s, ev_bitmask, running);
}

const char *
curl_multi_strerror(CURLMcode code)
{
	NEED();
	return fn.curl_multi_strerror(code);
}
