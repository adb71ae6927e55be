/*
 * html.c — escaping for server-rendered pages.  The board renders every
 * page on the server; html_fmt() makes escaping the default so a forgotten
 * call cannot turn a participant's name into markup.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>

#include "html.h"

static const char *
entity(char c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&#39;";
	default:
		return NULL;
	}
}

/*
 * What html_fmt() writes goes through a small buffer first: a row of the Today page is
 * some thirty pieces, and an evbuffer_add() for each cost more than the formatting.
 */
struct out {
	struct evbuffer *b;
	size_t n;
	char buf[2048];
};

static void
out_flush(struct out *o)
{
	if (o->n)
		evbuffer_add(o->b, o->buf, o->n);
	o->n = 0;
}

static void
out_add(struct out *o, const char *s, size_t len)
{
	if (o->n + len > sizeof(o->buf)) {
		out_flush(o);
		if (len > sizeof(o->buf)) {
			evbuffer_add(o->b, s, len);
			return;
		}
	}
	memcpy(o->buf + o->n, s, len);
	o->n += len;
}

static void
out_text_n(struct out *o, const char *s, size_t max)
{
	const char *run = s, *end;

	if (s == NULL)
		return;
	end = s + strnlen(s, max);
	for (; s < end; s++) {
		const char *e = entity(*s);

		if (e == NULL)
			continue;
		out_add(o, run, (size_t)(s - run));
		out_add(o, e, strlen(e));
		run = s + 1;
	}
	out_add(o, run, (size_t)(s - run));
}

static void
text_n(struct evbuffer *b, const char *s, size_t max)
{
	struct out o;

	o.b = b;
	o.n = 0;
	out_text_n(&o, s, max);
	out_flush(&o);
}

/* A number as printf formats it with `fmt` (%d, %u, %ld, %lld, %zu). */
#define OUT_NUM(o, fmt, v)                                                                         \
	do {                                                                                       \
		char num_[32];                                                                     \
		int len_ = snprintf(num_, sizeof(num_), fmt, v);                                   \
		out_add((o), num_, (size_t)len_);                                                  \
	} while (0)

void
html_text(struct evbuffer *b, const char *s)
{
	text_n(b, s, (size_t)-1);
}

int
html_escape(char *out, size_t outlen, const char *s)
{
	size_t n = 0;

	for (; *s; s++) {
		const char *e = entity(*s);
		size_t k = e ? strlen(e) : 1;

		if (n + k >= outlen) {
			if (outlen)
				out[0] = 0;
			return -1;
		}
		memcpy(out + n, e ? e : s, k);
		n += k;
	}
	if (outlen == 0)
		return -1;
	out[n] = 0;
	return 0;
}

void
html_fmt(struct evbuffer *b, const char *fmt, ...)
{
	va_list ap;
	const char *run = fmt, *p;
	struct out o;

	o.b = b;
	o.n = 0;
	va_start(ap, fmt);
	for (p = fmt; *p; p++) {
		if (*p != '%')
			continue;
		out_add(&o, run, (size_t)(p - run));
		p++;
		if (*p == 's') {
			out_text_n(&o, va_arg(ap, const char *), (size_t)-1);
		} else if (*p == '.' && p[1] >= '0' && p[1] <= '9') {
			/* %.Ns: at most N bytes (for ASCII such as card keys) */
			size_t max = 0;

			while (p[1] >= '0' && p[1] <= '9')
				max = max * 10 + (size_t)(*++p - '0');
			if (p[1] != 's') {
				out_add(&o, "?", 1);
				run = p + 1;
				continue;
			}
			p++;
			out_text_n(&o, va_arg(ap, const char *), max);
		} else if (*p == 'R') {
			const char *r = va_arg(ap, const char *);

			if (r)
				out_add(&o, r, strlen(r));
		} else if (*p == 'd') {
			OUT_NUM(&o, "%d", va_arg(ap, int));
		} else if (*p == 'u') {
			OUT_NUM(&o, "%u", va_arg(ap, unsigned));
		} else if (*p == 'c') {
			char one[2] = {(char)va_arg(ap, int), 0};

			out_text_n(&o, one, (size_t)-1);
		} else if (*p == 'l' && p[1] == 'd') {
			OUT_NUM(&o, "%ld", va_arg(ap, long));
			p++;
		} else if (*p == 'l' && p[1] == 'l' && p[2] == 'd') {
			OUT_NUM(&o, "%lld", va_arg(ap, long long));
			p += 2;
		} else if (*p == 'z' && p[1] == 'u') {
			OUT_NUM(&o, "%zu", va_arg(ap, size_t));
			p++;
		} else if (*p == '%') {
			out_add(&o, "%", 1);
		} else {
			out_add(&o, "?", 1);
			if (*p == 0) { /* a lone '%' at the end */
				run = p;
				break;
			}
		}
		run = p + 1;
	}
	out_add(&o, run, strlen(run));
	out_flush(&o);
	va_end(ap);
}
