/*
 * inilines.c — reads an INI file whole and finds lines libinih would cut
 * (see inilines.h), so the message names the right line and says why.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "inilines.h"

/* fgets(buf, INI_MAX_LINE) keeps INI_MAX_LINE - 1 bytes: the text and its '\n'. */
_Static_assert(INILINES_MAX <= INI_MAX_LINE - 2, "libinih's line buffer is smaller than assumed");

int
inilines_check(const char *text, const char *label, char *err, size_t errlen)
{
	int line = 1;

	for (const char *p = text; *p; line++) {
		size_t n = strcspn(p, "\n");

		if (n > INILINES_MAX) {
			snprintf(err, errlen,
			         "%s:%d: line is %zu characters long; the longest line this reader "
			         "takes is %d (put a long secret in a file: token_file, "
			         "client_secret_file, kiosk_token_file)",
			         label, line, n, INILINES_MAX);
			return line;
		}
		p += n;
		if (*p == '\n')
			p++;
	}
	return 0;
}

char *
inilines_read(FILE *f, size_t max)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap), *bigger;

	if (buf == NULL)
		return NULL;
	for (;;) {
		size_t n;

		if (len + 1 >= cap) {
			if (cap >= max) {
				free(buf);
				errno = EFBIG;
				return NULL;
			}
			cap *= 2;
			if ((bigger = realloc(buf, cap)) == NULL) {
				free(buf);
				return NULL;
			}
			buf = bigger;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0) {
			if (ferror(f)) {
				free(buf);
				errno = EIO;
				return NULL;
			}
			break;
		}
	}
	buf[len] = 0;
	if (strlen(buf) != len) {
		/* A NUL byte: inih would stop there; call it unreadable rather than half-read. */
		free(buf);
		errno = EILSEQ;
		return NULL;
	}
	return buf;
}
