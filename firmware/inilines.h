/*
 * inilines.h — what libinih cannot say itself: Debian builds it with a fixed
 * line buffer (INI_MAX_LINE, 200 bytes), and a longer line is silently cut and
 * its rest parsed as the next line, so the error lands on the wrong line with
 * the wrong words.  The config and regime readers check the text first.
 */
#ifndef STEMPEL_INILINES_H
#define STEMPEL_INILINES_H

#include <stddef.h>
#include <stdio.h>

/* The longest line (without its line end) libinih reads whole. */
#define INILINES_MAX 198

/*
 * The first line of `text` longer than INILINES_MAX, or 0.  Writes
 * "LABEL:N: line is L characters long; ..." into err when one is found.
 */
int inilines_check(const char *text, const char *label, char *err, size_t errlen);
/* The whole stream as a NUL-terminated string (at most `max` bytes), or NULL with errno. */
char *inilines_read(FILE *f, size_t max);

#endif
