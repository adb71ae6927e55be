/*
 * testutil.h — small helpers shared by the cmocka unit tests: temporary
 * directories and files.  Header-only so each test stays one .c file.
 */
#ifndef STEMPEL_TESTUTIL_H
#define STEMPEL_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* mkdtemp under $TMPDIR; the path is written into buf. */
static inline const char *
tu_tempdir(char *buf, size_t len)
{
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

	snprintf(buf, len, "%s/stempel-test-XXXXXX", tmp);
	return mkdtemp(buf);
}

/* Write `text` to dir/name; the full path goes into out. */
static inline void
tu_write(const char *dir, const char *name, const char *text, char *out, size_t outlen)
{
	FILE *f;

	snprintf(out, outlen, "%s/%s", dir, name);
	f = fopen(out, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* rm -rf dir (test temp dirs only). */
static inline void
tu_rmtree(const char *dir)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

#endif
