/*
 * test_board_helpers.c — the board's pure helpers: HTML escaping, form and
 * percent decoding with their limits, cookie parsing, CSRF comparison, the
 * login rate limiter, password hashing and token shapes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>

#include "auth.h"
#include "web/form.h"
#include "web/html.h"

static char *
drain(struct evbuffer *b)
{
	size_t n = evbuffer_get_length(b);
	char *s = malloc(n + 1);

	evbuffer_remove(b, s, n);
	s[n] = 0;
	return s;
}

static void
test_html_escape(void **state)
{
	struct evbuffer *b = evbuffer_new();
	char out[64], *s;

	html_text(b, "<script>alert('x') & \"y\"</script>");
	s = drain(b);
	assert_string_equal(s,
	                    "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;");
	free(s);
	/* UTF-8 names pass through untouched: Arabic, Tigrinya, Dari */
	html_text(b, "فاطمة ሰላም احمد");
	s = drain(b);
	assert_string_equal(s, "فاطمة ሰላም احمد");
	free(s);
	assert_int_equal(html_escape(out, sizeof(out), "a<b"), 0);
	assert_string_equal(out, "a&lt;b");
	assert_int_equal(html_escape(out, 5, "a<b"), -1);
	assert_string_equal(out, "");
	assert_int_equal(html_escape(out, 4, "abc"), 0);
	assert_int_equal(html_escape(out, 3, "abc"), -1);
	evbuffer_free(b);
}

static void
test_html_fmt(void **state)
{
	struct evbuffer *b = evbuffer_new();
	char *s;

	html_fmt(b, "<td dir=\"auto\">%s</td>%R %d %u %lld %zu %ld 100%% %c%q", "<b>", "<i>", -3,
	         7u, 1234567890123LL, (size_t)42, 9L, '&');
	s = drain(b);
	assert_string_equal(
	    s, "<td dir=\"auto\">&lt;b&gt;</td><i> -3 7 1234567890123 42 9 100% &amp;?");
	free(s);
	html_fmt(b, "%s|%R|end", NULL, NULL);
	s = drain(b);
	assert_string_equal(s, "||end");
	free(s);
	html_fmt(b, "[%.5s][%.2s][%.9s][%.3d]", "hmac:abcdef", "<<<", "short", 1);
	s = drain(b);
	assert_string_equal(s, "[hmac:][&lt;&lt;][short][?d]");
	free(s);
	html_fmt(b, "trailing %");
	s = drain(b);
	assert_string_equal(s, "trailing ?");
	free(s);
	evbuffer_free(b);
}

/*
 * html_fmt() gathers its pieces in a buffer of its own: text longer than the buffer,
 * and entities on each side of its edge, come out whole and in order.
 */
static void
test_html_fmt_long(void **state)
{
	struct evbuffer *b = evbuffer_new();
	static char in[6001], want[6001 * 5 + 64];
	char *s;
	size_t n = 0;

	(void)state;
	for (size_t len = 1; len < sizeof(in); len += 997) {
		n = 0;
		for (size_t i = 0; i < len; i++) {
			in[i] = "ab<&\"x"[(i * 7 + len) % 6];
			n += (size_t)snprintf(want + n, sizeof(want) - n, "%s",
			                      in[i] == '<'   ? "&lt;"
			                      : in[i] == '&' ? "&amp;"
			                      : in[i] == '"' ? "&quot;"
			                                     : (char[]){in[i], 0});
		}
		in[len] = '\0';
		snprintf(want + n, sizeof(want) - n, "|%d|<raw>", (int)len);
		html_fmt(b, "%s|%d|%R", in, (int)len, "<raw>");
		s = drain(b);
		assert_string_equal(s, want);
		free(s);
		html_text(b, in);
		s = drain(b);
		want[n] = '\0';
		assert_string_equal(s, want);
		free(s);
	}
	evbuffer_free(b);
}

static void
test_form_parse(void **state)
{
	struct form f;
	const char *body = "csrf=abc&name=Fatima+Al-Hassan&note=%D9%81%D8%A7%D8%B7%D9%85%D8%A9"
	                   "&empty=&flag&&last=a%26b%3Dc";

	assert_int_equal(form_parse(&f, body, strlen(body)), 0);
	assert_int_equal(f.n, 6);
	assert_string_equal(form_get(&f, "csrf"), "abc");
	assert_string_equal(form_get(&f, "name"), "Fatima Al-Hassan");
	assert_string_equal(form_get(&f, "note"), "فاطمة");
	assert_string_equal(form_get(&f, "empty"), "");
	assert_string_equal(form_get(&f, "flag"), "");
	assert_string_equal(form_get(&f, "last"), "a&b=c");
	assert_null(form_get(&f, "missing"));
	form_free(&f);
	assert_int_equal(form_parse(&f, "", 0), 0);
	assert_int_equal(f.n, 0);
	/* length is taken from len, not from a NUL */
	assert_int_equal(form_parse(&f, "a=1&b=2", 3), 0);
	assert_int_equal(f.n, 1);
	form_free(&f);
}

static void
test_form_rejects(void **state)
{
	struct form f;
	char big[FORM_MAX_VALUE + 16], *many;
	size_t n = 0;

	/* bad percent escapes */
	assert_int_equal(form_parse(&f, "a=%zz", 5), -1);
	assert_int_equal(form_parse(&f, "a=%4", 4), -1);
	assert_int_equal(form_parse(&f, "a=%", 3), -1);
	/* NUL, control characters, invalid / overlong UTF-8, surrogates */
	assert_int_equal(form_parse(&f, "a=x%00y", 7), -1);
	assert_int_equal(form_parse(&f, "a=%1b", 5), -1);
	assert_int_equal(form_parse(&f, "a=%C0%AF", 8), -1);
	assert_int_equal(form_parse(&f, "a=%FF", 5), -1);
	assert_int_equal(form_parse(&f, "a=%ED%A0%80", 11), -1);
	assert_int_equal(form_parse(&f, "a=%E2%82", 8), -1);
	assert_int_equal(form_parse(&f, "a=line%0Abreak", 14), 0);
	form_free(&f);
	/* an empty name */
	assert_int_equal(form_parse(&f, "=x", 2), -1);
	/* a value over the limit */
	memcpy(big, "v=", 2);
	memset(big + 2, 'x', FORM_MAX_VALUE + 1);
	assert_int_equal(form_parse(&f, big, FORM_MAX_VALUE + 3), -1);
	assert_int_equal(form_parse(&f, big, FORM_MAX_VALUE + 2), 0);
	form_free(&f);
	/* too many fields */
	many = malloc(8 * (FORM_MAX_FIELDS + 2));
	for (int i = 0; i <= FORM_MAX_FIELDS; i++)
		n += (size_t)sprintf(many + n, "k%d=1&", i);
	assert_int_equal(form_parse(&f, many, n), -1);
	assert_int_equal(f.n, 0);
	free(many);
	/* the whole body */
	assert_int_equal(form_parse(&f, "a=1", FORM_MAX_BODY + 1), -1);
}

static void
test_form_decode(void **state)
{
	char out[8];

	assert_int_equal(form_decode("a%20b+c", 7, out, sizeof(out)), 5);
	assert_string_equal(out, "a b c");
	assert_int_equal(form_decode("abcdefgh", 8, out, sizeof(out)), -1);
	assert_int_equal(form_decode("abcdefg", 7, out, sizeof(out)), 7);
	assert_int_equal(form_text_valid("ok\t\r\n", 5), 1);
	assert_int_equal(form_text_valid("\x7f", 1), 0);
	assert_int_equal(form_text_valid("\xf4\x90\x80\x80", 4), 0); /* > U+10FFFF */
	assert_int_equal(form_text_valid("\xf0\x9f\x98\x80", 4), 1); /* emoji */
}

static void
test_cookie(void **state)
{
	char v[AUTH_TOKEN_MAX];
	char tiny[4];

	assert_int_equal(
	    auth_cookie_get("a=1; stempel_session=tok_EN-9; b=2", AUTH_COOKIE, v, sizeof(v)), 0);
	assert_string_equal(v, "tok_EN-9");
	assert_int_equal(auth_cookie_get("stempel_session=\"quoted\"", AUTH_COOKIE, v, sizeof(v)),
	                 0);
	assert_string_equal(v, "quoted");
	/* a name that only ends like ours is not ours */
	assert_int_equal(auth_cookie_get("xstempel_session=evil", AUTH_COOKIE, v, sizeof(v)), 1);
	assert_int_equal(auth_cookie_get("other=1", AUTH_COOKIE, v, sizeof(v)), 1);
	assert_int_equal(auth_cookie_get(NULL, AUTH_COOKIE, v, sizeof(v)), 1);
	assert_int_equal(auth_cookie_get("", AUTH_COOKIE, v, sizeof(v)), 1);
	assert_int_equal(auth_cookie_get(";;; ", AUTH_COOKIE, v, sizeof(v)), 1);
	/* too long, or characters a cookie value cannot hold */
	assert_int_equal(auth_cookie_get("stempel_session=12345", AUTH_COOKIE, tiny, sizeof(tiny)),
	                 -1);
	assert_int_equal(auth_cookie_get("stempel_session=a\\b", AUTH_COOKIE, v, sizeof(v)), -1);
	assert_int_equal(auth_cookie_get("stempel_session=a,b", AUTH_COOKIE, v, sizeof(v)), -1);
	/* first one wins; empty value is a value */
	assert_int_equal(
	    auth_cookie_get("stempel_session=; stempel_session=x", AUTH_COOKIE, v, sizeof(v)), 0);
	assert_string_equal(v, "");
}

static void
test_csrf(void **state)
{
	char a[AUTH_TOKEN_MAX], b[AUTH_TOKEN_MAX];

	auth_token_new(a);
	auth_token_new(b);
	assert_int_equal(strlen(a), AUTH_TOKEN_LEN);
	assert_string_not_equal(a, b);
	assert_int_equal(auth_csrf_check(a, a), 0);
	assert_int_equal(auth_csrf_check(a, b), -1);
	assert_int_equal(auth_csrf_check(a, ""), -1);
	assert_int_equal(auth_csrf_check(a, NULL), -1);
	assert_int_equal(auth_csrf_check("", ""), -1);
	b[0] = 0;
	strcpy(b, a);
	b[AUTH_TOKEN_LEN - 1] ^= 1;
	assert_int_equal(auth_csrf_check(a, b), -1);
	b[AUTH_TOKEN_LEN - 1] = 0; /* a prefix is not a match */
	assert_int_equal(auth_csrf_check(a, b), -1);
	for (const char *p = a; *p; p++)
		assert_non_null(
		    strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", *p));
}

static void
test_token_hash(void **state)
{
	char h[AUTH_DIGEST_MAX];

	auth_token_hash("abc", h);
	assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void
test_limiter(void **state)
{
	static struct auth_limiter l;
	const int64_t w = 300000;

	auth_limit_init(&l, 10, w);
	for (int i = 0; i < 9; i++)
		auth_limit_hit(&l, "user:anna", 1000 + i);
	assert_int_equal(auth_limit_blocked(&l, "user:anna", 2000), 0);
	auth_limit_hit(&l, "user:anna", 2000);
	assert_int_equal(auth_limit_blocked(&l, "user:anna", 2000), 1);
	assert_int_equal(auth_limit_retry_after(&l, "user:anna", 2000), 299);
	assert_int_equal(auth_limit_blocked(&l, "user:bo", 2000), 0);
	/* the window ends */
	assert_int_equal(auth_limit_blocked(&l, "user:anna", 1000 + w - 1), 1);
	assert_int_equal(auth_limit_blocked(&l, "user:anna", 1000 + w), 0);
	assert_int_equal(auth_limit_retry_after(&l, "user:anna", 1000 + w), 0);
	/* a hit after the window starts a new one */
	auth_limit_hit(&l, "user:anna", 1000 + w);
	assert_int_equal(auth_limit_blocked(&l, "user:anna", 1000 + w), 0);
	/* reset */
	for (int i = 0; i < 10; i++)
		auth_limit_hit(&l, "addr:127.0.0.1", 5000);
	assert_int_equal(auth_limit_blocked(&l, "addr:127.0.0.1", 5000), 1);
	auth_limit_reset(&l, "addr:127.0.0.1");
	assert_int_equal(auth_limit_blocked(&l, "addr:127.0.0.1", 5000), 0);
}

static void
test_limiter_full_table(void **state)
{
	static struct auth_limiter l;
	char key[32];

	auth_limit_init(&l, 2, 60000);
	auth_limit_hit(&l, "victim", 0);
	auth_limit_hit(&l, "victim", 0);
	assert_int_equal(auth_limit_blocked(&l, "victim", 10), 1);
	/* A flood of new keys evicts the oldest windows first, never corrupts. */
	for (int i = 0; i < AUTH_LIMIT_SLOTS - 1; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		auth_limit_hit(&l, key, 100 + i);
	}
	assert_int_equal(auth_limit_blocked(&l, "victim", 1000), 1);
	auth_limit_hit(&l, "one-more", 2000);
	assert_int_equal(auth_limit_blocked(&l, "victim", 2000), 0);
	assert_int_equal(auth_limit_blocked(&l, "k0", 2000), 0);
	auth_limit_hit(&l, "k5", 2000);
	assert_int_equal(auth_limit_blocked(&l, "k5", 2000), 1);
}

static void
test_password(void **state)
{
	char h[AUTH_HASH_MAX];

	assert_int_equal(auth_init(), 0);
	assert_int_equal(auth_password_hash("correct horse battery", h, sizeof(h)), 0);
	assert_int_equal(strncmp(h, "$argon2id$", 10), 0);
	assert_int_equal(auth_password_verify(h, "correct horse battery"), 0);
	assert_int_equal(auth_password_verify(h, "correct horse batterY"), -1);
	assert_int_equal(auth_password_verify("$argon2i$v=19$m=4096,t=3,p=1$x$y", "x"), -1);
	assert_int_equal(auth_password_verify("plain", "plain"), -1);
	auth_password_dummy("whatever");
	assert_int_equal(auth_password_acceptable("short"), -1);
	assert_int_equal(auth_password_acceptable("long enough password"), 0);
	assert_int_equal(auth_password_acceptable("with\na newline"), -1);
	assert_int_equal(auth_password_acceptable("ፓስዎርድ ናይ መምህር"), 0);
}

static void
test_names(void **state)
{
	assert_int_equal(auth_username_valid("kari.nordmann"), 0);
	assert_int_equal(auth_username_valid("t1"), 0);
	assert_int_equal(auth_username_valid("Kari"), -1);
	assert_int_equal(auth_username_valid("-x"), -1);
	assert_int_equal(auth_username_valid(""), -1);
	assert_int_equal(auth_username_valid("a b"), -1);
	assert_int_equal(auth_username_valid("abcdefghijklmnopqrstuvwxyz0123456"), -1);
	assert_int_equal(auth_role_parse("admin"), AUTH_ADMIN);
	assert_int_equal(auth_role_parse("teacher"), AUTH_TEACHER);
	assert_int_equal(auth_role_parse("payroll"), -1);
	assert_string_equal(auth_role_name(AUTH_ADMIN), "admin");
}

/* board_page.c, board_today.c: links and card codes on the board (issue 19). */
void board_url_part(const char *s, char *out, size_t outlen);
void board_card_code(const char *key, char out[8]);

static void
test_url_part_and_card_code(void **state)
{
	char out[64], code[8];

	board_url_part("Norsk A & B/2?", out, sizeof(out));
	assert_string_equal(out, "Norsk%20A%20%26%20B%2F2%3F");
	board_url_part("Kurs-1.b_~", out, sizeof(out));
	assert_string_equal(out, "Kurs-1.b_~");
	board_url_part("æ", out, sizeof(out));
	assert_string_equal(out, "%C3%A6");
	board_url_part("abcdefghij", out, 6); /* cut, always terminated */
	assert_true(strlen(out) < 6);
	board_card_code("hmac:00112233445566778899aabbccddeeff00112233445566778899aabbccdd9e68",
	                code);
	assert_string_equal(code, "9E68");
	board_card_code("ab", code);
	assert_string_equal(code, "AB");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_html_escape),
	    cmocka_unit_test(test_html_fmt),
	    cmocka_unit_test(test_html_fmt_long),
	    cmocka_unit_test(test_form_parse),
	    cmocka_unit_test(test_form_rejects),
	    cmocka_unit_test(test_form_decode),
	    cmocka_unit_test(test_cookie),
	    cmocka_unit_test(test_csrf),
	    cmocka_unit_test(test_token_hash),
	    cmocka_unit_test(test_limiter),
	    cmocka_unit_test(test_limiter_full_table),
	    cmocka_unit_test(test_password),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_url_part_and_card_code),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
