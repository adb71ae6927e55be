/*
 * form.c — the board's only parser of outside input besides cookies.  Limits
 * are fixed and small: a teacher's form has a dozen fields; anything bigger
 * is refused whole rather than truncated.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long
form_decode(const char *in, size_t len, char *out, size_t outlen)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)in[i];

		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			int hi, lo;

			if (i + 2 >= len)
				return -1;
			hi = hexval(in[i + 1]);
			lo = hexval(in[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = hi * 16 + lo;
			i += 2;
		}
		if (n + 1 >= outlen)
			return -1;
		out[n++] = (char)c;
	}
	if (outlen == 0)
		return -1;
	out[n] = 0;
	return (long)n;
}

int
form_text_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end) {
		unsigned c = *p;
		size_t k;
		unsigned cp;

		if (c < 0x80) {
			if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f)
				return 0;
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			k = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			k = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if ((size_t)(end - p) <= k)
			return 0;
		for (size_t i = 1; i <= k; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		/* overlong, surrogates, beyond U+10FFFF */
		if ((k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		p += k + 1;
	}
	return 1;
}

void
form_free(struct form *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->f[i].name);
		free(f->f[i].value);
	}
	f->n = 0;
}

/* Decoded, or NULL with why[] saying which limit or rule it broke. */
static char *
decode_part(const char *in, size_t len, size_t max, char *why, size_t whylen)
{
	char *out;
	long n;

	if (len > 3 * max) {
		snprintf(why, whylen, "at most %zu bytes", max);
		return NULL;
	}
	if ((out = malloc(len + 1)) == NULL) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	n = form_decode(in, len, out, len + 1);
	if (n < 0 || (size_t)n > max || !form_text_valid(out, (size_t)n)) {
		snprintf(why, whylen,
		         n < 0             ? "malformed %%-escape"
		         : (size_t)n > max ? "at most %zu bytes"
		                           : "not UTF-8 text, or control characters",
		         max);
		free(out);
		return NULL;
	}
	return out;
}

int
form_parse(struct form *f, const char *data, size_t len)
{
	const char *p = data, *end = data + len;
	char why[48];

	f->n = 0;
	f->error[0] = 0;
	if (len > FORM_MAX_BODY) {
		snprintf(f->error, sizeof(f->error), "the form: at most %d bytes", FORM_MAX_BODY);
		return -1;
	}
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *fe = amp ? amp : end, *eq;
		char *name, *value = NULL;

		if (fe == p) { /* empty field ("a=1&&b=2") */
			p = fe + 1;
			continue;
		}
		if (f->n == FORM_MAX_FIELDS) {
			snprintf(f->error, sizeof(f->error), "the form: at most %d fields",
			         FORM_MAX_FIELDS);
			goto fail;
		}
		eq = memchr(p, '=', (size_t)(fe - p));
		name =
		    decode_part(p, (size_t)((eq ? eq : fe) - p), FORM_MAX_NAME, why, sizeof(why));
		if (name == NULL || name[0] == 0) {
			snprintf(f->error, sizeof(f->error), "a field name: %s",
			         name ? "empty" : why);
			free(name);
			goto fail;
		}
		value = eq ? decode_part(eq + 1, (size_t)(fe - eq - 1), FORM_MAX_VALUE, why,
		                         sizeof(why))
		           : strdup("");
		if (value == NULL) {
			snprintf(f->error, sizeof(f->error), "%s: %s", name, why);
			free(name);
			goto fail;
		}
		f->f[f->n].name = name;
		f->f[f->n].value = value;
		f->n++;
		p = amp ? amp + 1 : end;
	}
	return 0;
fail:
	form_free(f);
	return -1;
}

size_t
form_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

const char *
form_too_long(const struct form *f, const char *name, const char *label, size_t max_bytes,
              size_t max_chars, const char *lang, char *buf, size_t buflen)
{
	const char *v = form_get(f, name);
	int en = lang == NULL || strcmp(lang, "en") == 0;

	if (v == NULL)
		return NULL;
	if (max_chars && form_chars(v) > max_chars) {
		snprintf(buf, buflen,
		         en ? "%s: at most %zu characters (this has %zu)"
		            : "%s: høyst %zu tegn (dette har %zu)",
		         label, max_chars, form_chars(v));
		return buf;
	}
	if (max_bytes && strlen(v) > max_bytes) {
		snprintf(
		    buf, buflen,
		    en ? "%s: at most %zu bytes; letters such as æ, ø and å take two (this has %zu)"
		       : "%s: høyst %zu byte; bokstaver som æ, ø og å tar to (dette har %zu)",
		    label, max_bytes, strlen(v));
		return buf;
	}
	return NULL;
}

const char *
form_get(const struct form *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->f[i].name, name) == 0)
			return f->f[i].value;
	return NULL;
}
