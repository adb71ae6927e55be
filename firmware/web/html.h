/*
 * html.h — building HTML into an evbuffer with everything escaped by
 * default.  Names come from the roster in any script (Arabic, Tigrinya, Dari):
 * they are UTF-8 and passed through untouched except for the five characters
 * that mean something in HTML.
 */
#ifndef STEMPEL_HTML_H
#define STEMPEL_HTML_H

#include <stddef.h>

struct evbuffer;

/* Append `s` with & < > " ' escaped (safe in text and quoted attributes). */
void html_text(struct evbuffer *b, const char *s);
/*
 * printf for HTML: %s is escaped (%.Ns: at most N bytes), %R is raw (trusted markup only), and
 * %d %u %ld %lld %zu %c %% as usual.  Anything else is a programming error
 * and appears as "?" in the output.
 */
void html_fmt(struct evbuffer *b, const char *fmt, ...);
/* Escape `s` into out; -1 if it did not fit (out is then empty). */
int html_escape(char *out, size_t outlen, const char *s);

#endif
