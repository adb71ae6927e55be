/*
 * dynlib.h — a Debian runtime library loaded by soname when a feature needs it
 * (libcurl for the upload, libnfc for a real reader, libsystemd under systemd), so
 * a kiosk that does not use the feature does not map it.  Each library has a shim
 * (uploader/curl_dl.c, hal/nfc_dl.c, firmware/sdnotify.c) that is little more than
 * its table of functions, given to DYNLIB_SHIM() below.
 */
#ifndef STEMPEL_HAL_DYNLIB_H
#define STEMPEL_HAL_DYNLIB_H

#include <pthread.h>
#include <stddef.h>

struct dynlib_sym {
	const char *name;
	void **ptr; /* where dlsym()'s answer goes */
};

struct dynlib {
	/* Tried in order, NULL-terminated: {"libcurl.so.4", NULL}. */
	const char *const *sonames;
	const char *package; /* the Debian package that ships it, e.g. "libcurl4" */
	const char *feature; /* what needs it, for the message: "[upload] base_url" */
	const struct dynlib_sym *syms;
	size_t nsyms;
	/* filled by dynlib_load() */
	pthread_once_t once;
	int ok;
	const char *soname; /* the one that loaded */
	char err[512];
};

/*
 * Load the library (the first soname that dlopen() takes) and every symbol, once
 * per process (thread-safe).  0, or -1 with a message naming the library, the
 * symbol if one is missing, the package to install and the feature.
 */
int dynlib_load(struct dynlib *d, char *err, size_t errlen);
/* For the shims: load or die.  A call into a library nobody loaded is a bug. */
void dynlib_need(struct dynlib *d);
/* 1 if `soname` is mapped into this process (tests, and the log line at start). */
int dynlib_is_mapped(const char *soname);

/*
 * A shim is its table.  FUNCS(F, V, P) names every function of the library the
 * tree calls, one entry each:
 *   F(ret, name, (params), (args))   defined by the shim: loads the library if nobody
 *                                    did, calls through and returns the answer
 *   V(name, (params), (args))        the same for a function returning void
 *   P(name)                          only the pointer; the shim writes the function
 *                                    by hand (varargs) or calls shim_fn.name itself
 * DYNLIB_SHIM(FUNCS, feature, package, soname, ...); then declares, file-local,
 *   shim_fn    one pointer per entry, typed from the library's own header
 *   shim_lib   the struct dynlib for dynlib_load() and dynlib_need()
 * and defines every F and V function.  The library's header declares the same
 * names, so a parameter list in the table that disagrees with it does not compile.
 * A shim that defines the library's functions does so under
 * `#pragma GCC visibility push(hidden)`, so the library's own calls never land in it.
 */
#define DYNLIB_SHIM(FUNCS, feature_, package_, ...)                                                \
	static struct {                                                                            \
		FUNCS(DYNLIB_PTR_F_, DYNLIB_PTR_V_, DYNLIB_PTR_P_)                                 \
	} shim_fn;                                                                                 \
	static const struct dynlib_sym shim_syms[] = {                                             \
	    FUNCS(DYNLIB_SYM_F_, DYNLIB_SYM_V_, DYNLIB_SYM_P_)};                                   \
	static struct dynlib shim_lib = {                                                          \
	    .sonames = (const char *const[]){__VA_ARGS__, NULL},                                   \
	    .package = (package_),                                                                 \
	    .feature = (feature_),                                                                 \
	    .syms = shim_syms,                                                                     \
	    .nsyms = sizeof(shim_syms) / sizeof(shim_syms[0]),                                     \
	    .once = PTHREAD_ONCE_INIT,                                                             \
	};                                                                                         \
	FUNCS(DYNLIB_FWD_F_, DYNLIB_FWD_V_, DYNLIB_NONE_)                                          \
	_Static_assert(sizeof(shim_syms) > 0, "the shim's table names its functions")

/* The pieces DYNLIB_SHIM() applies to each kind of entry. */
#define DYNLIB_PTR_F_(ret, f, params, args) __typeof__(f) *f;
#define DYNLIB_PTR_V_(f, params, args) __typeof__(f) *f;
#define DYNLIB_PTR_P_(f) __typeof__(f) *f;
#define DYNLIB_SYM_F_(ret, f, params, args) {#f, (void **)&shim_fn.f},
#define DYNLIB_SYM_V_(f, params, args) {#f, (void **)&shim_fn.f},
#define DYNLIB_SYM_P_(f) {#f, (void **)&shim_fn.f},
#define DYNLIB_FWD_F_(ret, f, params, args)                                                        \
	ret f params                                                                               \
	{                                                                                          \
		dynlib_need(&shim_lib);                                                            \
		return shim_fn.f args;                                                             \
	}
#define DYNLIB_FWD_V_(f, params, args)                                                             \
	void f params                                                                              \
	{                                                                                          \
		dynlib_need(&shim_lib);                                                            \
		shim_fn.f args;                                                                    \
	}
#define DYNLIB_NONE_(f)

#endif
