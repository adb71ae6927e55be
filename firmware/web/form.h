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
};

/* Parse `len` bytes of `data`; 0, or -1 (malformed, over a limit, not UTF-8) with f empty. */
int form_parse(struct form *f, const char *data, size_t len);
/* The first value of `name`, or NULL. */
const char *form_get(const struct form *f, const char *name);
void form_free(struct form *f);
/* Percent-decode in[0..len) ('+' is a space) into out; decoded length, or -1. */
long form_decode(const char *in, size_t len, char *out, size_t outlen);
/* 1 if s[0..len) is UTF-8 with no control characters other than tab, CR and LF. */
int form_text_valid(const char *s, size_t len);

#endif
