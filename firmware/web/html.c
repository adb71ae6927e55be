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

static void
text_n(struct evbuffer *b, const char *s, size_t max)
{
	const char *run = s, *end;

	if (s == NULL)
		return;
	end = s + strnlen(s, max);
	for (; s < end; s++) {
		const char *e = entity(*s);

		if (e == NULL)
			continue;
		evbuffer_add(b, run, (size_t)(s - run));
		evbuffer_add(b, e, strlen(e));
		run = s + 1;
	}
	evbuffer_add(b, run, (size_t)(s - run));
}

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

	va_start(ap, fmt);
	for (p = fmt; *p; p++) {
		if (*p != '%')
			continue;
		evbuffer_add(b, run, (size_t)(p - run));
		p++;
		if (*p == 's') {
			html_text(b, va_arg(ap, const char *));
		} else if (*p == '.' && p[1] >= '0' && p[1] <= '9') {
			/* %.Ns: at most N bytes (for ASCII such as card keys) */
			size_t max = 0;

			while (p[1] >= '0' && p[1] <= '9')
				max = max * 10 + (size_t)(*++p - '0');
			if (p[1] != 's') {
				evbuffer_add(b, "?", 1);
				run = p + 1;
				continue;
			}
			p++;
			text_n(b, va_arg(ap, const char *), max);
		} else if (*p == 'R') {
			const char *r = va_arg(ap, const char *);

			if (r)
				evbuffer_add(b, r, strlen(r));
		} else if (*p == 'd') {
			evbuffer_add_printf(b, "%d", va_arg(ap, int));
		} else if (*p == 'u') {
			evbuffer_add_printf(b, "%u", va_arg(ap, unsigned));
		} else if (*p == 'c') {
			char c = (char)va_arg(ap, int);
			char one[2] = {c, 0};

			html_text(b, one);
		} else if (*p == 'l' && p[1] == 'd') {
			evbuffer_add_printf(b, "%ld", va_arg(ap, long));
			p++;
		} else if (*p == 'l' && p[1] == 'l' && p[2] == 'd') {
			evbuffer_add_printf(b, "%lld", va_arg(ap, long long));
			p += 2;
		} else if (*p == 'z' && p[1] == 'u') {
			evbuffer_add_printf(b, "%zu", va_arg(ap, size_t));
			p++;
		} else if (*p == '%') {
			evbuffer_add(b, "%", 1);
		} else {
			evbuffer_add(b, "?", 1);
			if (*p == 0) { /* a lone '%' at the end */
				run = p;
				break;
			}
		}
		run = p + 1;
	}
	evbuffer_add(b, run, strlen(run));
	va_end(ap);
}
