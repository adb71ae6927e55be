/*
 * errbuf.h — the "-1 with a message in err" convention in one place: modules that
 * return 0 / -1 and fill a caller's err buffer write the message with errbuf_set().
 */
#ifndef STEMPEL_ERRBUF_H
#define STEMPEL_ERRBUF_H

#include <stddef.h>

/* printf into err (truncated to errlen); returns -1 so that `return errbuf_set(...)` reads. */
int errbuf_set(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
