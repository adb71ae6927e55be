/*
 * dynlib.h — a Debian runtime library loaded by soname when a feature needs it
 * (libcurl for the upload, libnfc for a real reader), so a kiosk that does not
 * use the feature does not map it.  Each library has a shim (uploader/curl_dl.c,
 * hal/nfc_dl.c) that defines the library's own function names and forwards to the
 * pointers loaded here; the code that calls the library does not change.
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
	const char *soname;  /* e.g. "libcurl.so.4" */
	const char *package; /* the Debian package that ships it, e.g. "libcurl4" */
	const char *feature; /* what needs it, for the message: "[upload] base_url" */
	const struct dynlib_sym *syms;
	size_t nsyms;
	/* filled by dynlib_load() */
	pthread_once_t once;
	int ok;
	char err[256];
};

/*
 * Load the library and every symbol, once per process (thread-safe).  0, or -1
 * with a message naming the library, the package to install and the feature.
 */
int dynlib_load(struct dynlib *d, char *err, size_t errlen);
/* For the shims: load or die.  A call into a library nobody loaded is a bug. */
void dynlib_need(struct dynlib *d);
/* 1 if `soname` is mapped into this process (tests, and the log line at start). */
int dynlib_is_mapped(const char *soname);

#endif
