/*
 * form.h — application/x-www-form-urlencoded bodies and query strings,
 * parsed with hard limits (fields, lengths) and checked to be UTF-8 without
 * control characters, so nothing downstream sees a NUL or a stray byte.
 */
#ifndef STEMPEL_FORM_H
#define STEMPEL_FORM_H

#include <stddef.h>

#define FORM_MAX_FIELDS 32
#define FORM_MAX_BODY (64 * 1024)
#define FORM_MAX_NAME 64
#define FORM_MAX_VALUE 4096

struct form {
	size_t n;
	struct {
		char *name;
		char *value;
	} f[FORM_MAX_FIELDS];
	/* after form_parse() failed: which field and which limit, e.g. "comment: at most 4096
	 * bytes" */
	char error[FORM_MAX_NAME + 64];
};

/*
 * Parse `len` bytes of `data`; 0, or -1 (malformed, over a limit, not UTF-8)
 * with f empty and f->error naming the field and the limit.
 */
int form_parse(struct form *f, const char *data, size_t len);
/* The first value of `name`, or NULL. */
const char *form_get(const struct form *f, const char *name);
void form_free(struct form *f);
/* Percent-decode in[0..len) ('+' is a space) into out; decoded length, or -1. */
long form_decode(const char *in, size_t len, char *out, size_t outlen);
/* Characters (code points) in a valid UTF-8 string. */
size_t form_chars(const char *s);
/*
 * If field `name` is longer than `max_bytes` bytes or `max_chars` characters
 * (0 = no such limit), a message naming `label` and the limit, in English or
 * Norwegian (lang "en" or "nb"), written into buf; else NULL.
 */
const char *form_too_long(const struct form *f, const char *name, const char *label,
                          size_t max_bytes, size_t max_chars, const char *lang, char *buf,
                          size_t buflen);
/* 1 if s[0..len) is UTF-8 with no control characters other than tab, CR and LF. */
int form_text_valid(const char *s, size_t len);

#endif
