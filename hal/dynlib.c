/*
 * dynlib.c — load a runtime library by soname on first use (see dynlib.h); the
 * shims' definitions come from DYNLIB_SHIM() there.
 * RTLD_NOW: a missing symbol is found at load time, where the message can name
 * the library, not at the first call deep inside a transfer.  The library stays
 * loaded until exit: its callers may hold its objects until then.
 */
#include <dlfcn.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynlib.h"
#include "log.h"

/* pthread_once() takes no argument: the library being loaded, per thread. */
static _Thread_local struct dynlib *loading;

/* "libfoo.so.2 or libfoo.so.1": every soname, for the messages. */
static void
names(const struct dynlib *d, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; d->sonames[i] != NULL && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? " or " : "", d->sonames[i]);
}

static void
dynlib_load_once(void)
{
	struct dynlib *d = loading;
	char first_err[160] = "", all[96];
	void *h = NULL;

	/* The first soname that loads; dlerror() of the first that did not, if none. */
	for (size_t i = 0; h == NULL && d->sonames[i] != NULL; i++) {
		h = dlopen(d->sonames[i], RTLD_NOW | RTLD_LOCAL);
		if (h != NULL)
			d->soname = d->sonames[i];
		else if (i == 0)
			snprintf(first_err, sizeof(first_err), "%s", dlerror());
	}
	if (h == NULL) {
		names(d, all, sizeof(all));
		snprintf(d->err, sizeof(d->err),
		         "%s needs %s, which cannot be loaded (%s): install the Debian package %s",
		         d->feature, all, first_err, d->package);
		return;
	}
	for (size_t i = 0; i < d->nsyms; i++) {
		void *p = dlsym(h, d->syms[i].name);

		if (p == NULL) {
			snprintf(d->err, sizeof(d->err),
			         "%s needs %s, but it has no %s (too old? install the Debian "
			         "package %s)",
			         d->feature, d->soname, d->syms[i].name, d->package);
			d->soname = NULL;
			dlclose(h);
			return;
		}
		*d->syms[i].ptr = p;
	}
	d->ok = 1;
}

int
dynlib_load(struct dynlib *d, char *err, size_t errlen)
{
	loading = d;
	pthread_once(&d->once, dynlib_load_once);
	loading = NULL;
	if (d->ok)
		return 0;
	snprintf(err, errlen, "%s", d->err);
	return -1;
}

void
dynlib_need(struct dynlib *d)
{
	char err[sizeof(d->err)];

	if (dynlib_load(d, err, sizeof(err)) < 0) {
		log_err("%s", err);
		abort();
	}
}

static int
find_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	const char *soname = arg, *base = strrchr(info->dlpi_name, '/');

	base = base ? base + 1 : info->dlpi_name;
	return strcmp(base, soname) == 0;
}

int
dynlib_is_mapped(const char *soname)
{
	return dl_iterate_phdr(find_cb, (void *)soname);
}
