/*
 * test_config.c — the config file: defaults, every kind of bad value, and that
 * each error names file:line, the section and key, and what was expected.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "config.h"
#include <stdlib.h>
#include <string.h>

#include "addrlist.h"
#include "regime.h"
#include "testutil.h"

static char dir[256];

static int
setup(void **state)
{
	return tu_tempdir(dir, sizeof(dir)) ? 0 : -1;
}

static int
teardown(void **state)
{
	tu_rmtree(dir);
	return 0;
}

/* Load `text` and return the error message ("" if it loaded). */
static const char *
load(const char *text, struct config *c)
{
	static char err[1024];
	char path[512];

	tu_write(dir, "t.conf", text, path, sizeof(path));
	config_defaults(c);
	err[0] = '\0';
	if (config_load(c, path, err, sizeof(err)) == 0)
		err[0] = '\0';
	return err;
}

static void
test_defaults(void **state)
{
	struct config c;

	config_defaults(&c);
	assert_string_equal(c.kiosk.state_dir, "run");
	assert_int_equal(c.tap.debounce_s, 10);
	assert_int_equal(c.tap.mode, TAP_MODE_IN_OUT);
	assert_int_equal(c.reader.driver, READER_SIM);
	assert_int_equal(c.web.port, 8080);
	assert_int_equal(c.upload.batch_max, 500);
	assert_int_equal(c.payroll.csv_separator, ';');
}

static void
test_good_file(void **state)
{
	struct config c;

	assert_string_equal(load("; comment\n[kiosk]\nid = drammen-1\nstate_dir = /var/lib/x\n"
	                         "[tap]\ndebounce_s = 0\ntap_mode = in_only\n"
	                         "[web]\nport = 9090\n[feedback]\nactive_low = yes\n",
	                         &c),
	                    "");
	assert_string_equal(c.kiosk.id, "drammen-1");
	assert_int_equal(c.tap.debounce_s, 0);
	assert_int_equal(c.tap.mode, TAP_MODE_IN_ONLY);
	assert_int_equal(c.web.port, 9090);
	assert_int_equal(c.feedback.active_low, 1);
}

static void
test_unknown_key(void **state)
{
	struct config c;

	assert_non_null(strstr(load("[kiosk]\nid = a\n\ndebounce = 3\n", &c),
	                       "t.conf:4: [kiosk] debounce: unknown key in [kiosk]"));
}

static void
test_unknown_section(void **state)
{
	struct config c;

	assert_non_null(strstr(load("[kiosk]\nid = a\n[kisok]\nid = b\n", &c),
	                       "t.conf:4: [kisok] id: unknown section [kisok]"));
}

static void
test_bad_int(void **state)
{
	struct config c;

	assert_non_null(strstr(load("[web]\nport = 80x\n", &c),
	                       "t.conf:2: [web] port: expected a whole number from 1 to 65535"));
	assert_non_null(strstr(load("[web]\nport = 70000\n", &c), "t.conf:2: [web] port:"));
	assert_non_null(
	    strstr(load("[tap]\ndebounce_s = -1\n", &c), "t.conf:2: [tap] debounce_s:"));
}

static void
test_bad_enum(void **state)
{
	struct config c;

	assert_non_null(strstr(load("[tap]\n\ntap_mode = toggle\n", &c),
	                       "t.conf:3: [tap] tap_mode: expected one of in_out | in_only"));
	assert_non_null(strstr(load("[reader]\ndriver = pcsc\n", &c),
	                       "t.conf:2: [reader] driver: expected one of sim | libnfc"));
}

static void
test_bad_bool_char(void **state)
{
	struct config c;

	assert_non_null(strstr(load("[feedback]\nactive_low = maybe\n", &c),
	                       "t.conf:2: [feedback] active_low: expected true or false"));
	assert_non_null(
	    strstr(load("[payroll]\ncsv_separator = ;;\n", &c),
	           "t.conf:2: [payroll] csv_separator: expected semicolon, comma, tab or pipe"));
	assert_string_equal(load("[payroll]\ncsv_separator = tab\ndecimal_mark = period\n", &c),
	                    "");
	assert_int_equal(c.payroll.csv_separator, '\t');
	assert_int_equal(c.payroll.decimal_mark, '.');
}

static void
test_first_error_wins(void **state)
{
	struct config c;

	assert_non_null(strstr(load("[web]\nport = x\nlisten = 0.0.0.0\n[x]\ny = 1\n", &c),
	                       "t.conf:2: [web] port:"));
}

static void
test_syntax_error(void **state)
{
	struct config c;

	assert_non_null(strstr(load("[kiosk]\nthis is not a key value line\n", &c),
	                       "t.conf:2: expected \"key = value\" or \"[section]\""));
}

static void
test_cross_key_checks(void **state)
{
	struct config c;

	assert_non_null(strstr(load("[reader]\ndriver = libnfc\n", &c),
	                       "[reader] connstring: expected a libnfc connstring"));
	assert_non_null(strstr(load("[web]\ncert = /x.pem\n", &c),
	                       "[web] cert, key: expected both or neither"));
	assert_non_null(
	    strstr(load("[payroll]\ncsv_separator = comma\n", &c),
	           "[payroll] csv_separator: expected a character other than decimal_mark"));
}

static void
test_missing_file(void **state)
{
	struct config c;
	char err[512];

	config_defaults(&c);
	assert_int_equal(config_load(&c, "/nonexistent/stempel.conf", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/stempel.conf: cannot open"));
}

static void
test_too_long_string(void **state)
{
	struct config c;
	char text[400];

	snprintf(text, sizeof(text), "[kiosk]\nid = %0100d\n", 7);
	assert_non_null(
	    strstr(load(text, &c), "t.conf:2: [kiosk] id: expected at most 63 characters"));
}

/* Values that used to pass and then changed money or failed later (issue 17). */
static void
test_values_checked(void **state)
{
	struct config c;

	assert_non_null(strstr(load("[kiosk]\nid = x\ntimezone = Europe/Olso\n", &c),
	                       "t.conf:3: [kiosk] timezone: expected a zone of the tz database"));
	assert_non_null(
	    strstr(load("[kiosk]\ntimezone = ../../etc/passwd\n", &c), "[kiosk] timezone:"));
	assert_non_null(strstr(load("[kiosk]\ntimezone = \n", &c), "[kiosk] timezone:"));
	assert_string_equal(load("[kiosk]\ntimezone = America/Argentina/Buenos_Aires\n", &c), "");
	assert_string_equal(load("[kiosk]\ntimezone = UTC\n", &c), "");
	assert_non_null(
	    strstr(load("[payroll]\ncsv_separator = \"\n", &c),
	           "t.conf:2: [payroll] csv_separator: expected semicolon, comma, tab or pipe"));
	assert_non_null(strstr(load("[payroll]\ncsv_separator = x\n", &c),
	                       "t.conf:2: [payroll] csv_separator: expected semicolon"));
	assert_non_null(strstr(load("[payroll]\ndecimal_mark = ;\n", &c),
	                       "[payroll] decimal_mark: expected comma or period"));
	assert_non_null(strstr(load("[payroll]\ndecimal_mark = 'x'\n", &c),
	                       "t.conf:2: [payroll] decimal_mark: expected comma or period"));
	assert_non_null(strstr(load("[payroll]\ndecimal_mark = tab\n", &c),
	                       "t.conf:2: [payroll] decimal_mark: expected comma or period"));
	assert_string_equal(load("[payroll]\ncsv_separator = pipe\ndecimal_mark = .\n", &c), "");
	assert_int_equal(c.payroll.csv_separator, '|');
	assert_non_null(strstr(load("[payroll]\nanchor = abcdefghij\n", &c),
	                       "t.conf:2: [payroll] anchor: expected a date YYYY-MM-DD"));
	assert_non_null(strstr(load("[payroll]\nanchor = 2026-02-30\n", &c),
	                       "[payroll] anchor: expected a date YYYY-MM-DD"));
	assert_non_null(strstr(load("[payroll]\npayout = biweekly\nanchor = 2026-13-01\n", &c),
	                       "[payroll] anchor:"));
	assert_string_equal(load("[payroll]\npayout = biweekly\nanchor = 2028-02-29\n", &c), "");
	assert_non_null(strstr(load("[web]\nkiosk_from = loopback, 10.0.0.0/33\n", &c),
	                       "t.conf:2: [web] kiosk_from: \"10.0.0.0/33\" is not"));
	assert_string_equal(load("[web]\nkiosk_from = loopback 10.1.2.0/24, fd00::/8 ::1\n"
	                         "max_connections = 50\nmax_streams = 5\n",
	                         &c),
	                    "");
	assert_int_equal(c.web.max_connections, 50);
	assert_non_null(strstr(load("[web]\nmax_streams = 0\n", &c), "[web] max_streams:"));
}

/* A missing cert is named with the system's reason (it used to say "(null)" at start). */
static void
test_files_checked(void **state)
{
	struct config c;
	char err[512], path[512], text[1200];

	assert_string_equal(
	    load("[web]\ncert = /nonexistent/x.pem\nkey = /nonexistent/k.pem\n", &c), "");
	assert_int_equal(config_check_files(&c, err, sizeof(err)), -1);
	assert_string_equal(err, "[web] cert /nonexistent/x.pem: No such file or directory");
	tu_write(dir, "cert.pem", "x", path, sizeof(path));
	snprintf(text, sizeof(text), "[web]\ncert = %s\nkey = %s.missing\n", path, path);
	assert_string_equal(load(text, &c), "");
	assert_int_equal(config_check_files(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "[web] key "));
	assert_non_null(strstr(err, ".missing: No such file or directory"));
	snprintf(text, sizeof(text), "[upload]\nbase_url = https://x\nca_file = %s/none.pem\n",
	         dir);
	assert_string_equal(load(text, &c), "");
	assert_int_equal(config_check_files(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "[upload] ca_file "));
	/* uploads off: their files are not needed */
	snprintf(text, sizeof(text), "[upload]\nca_file = %s/none.pem\n", dir);
	assert_string_equal(load(text, &c), "");
	assert_int_equal(config_check_files(&c, err, sizeof(err)), 0);
}

/* Secrets from files, so that no line needs to be long; long lines named as such. */
static void
test_secret_files_and_long_lines(void **state)
{
	struct config c;
	char path[512], text[2048], jwt[400];

	memset(jwt, 'j', 300);
	jwt[300] = 0;
	snprintf(text, sizeof(text), "%s\n", jwt);
	tu_write(dir, "token", text, path, sizeof(path));
	snprintf(text, sizeof(text), "[upload]\ntoken_file = %s\n", path);
	assert_string_equal(load(text, &c), "");
	assert_string_equal(c.upload.token, jwt);
	snprintf(text, sizeof(text), "[upload]\ntoken = abc\ntoken_file = %s\n", path);
	assert_non_null(
	    strstr(load(text, &c), "t.conf:3: [upload] token_file: already given as token"));
	snprintf(text, sizeof(text), "[upload]\nclient_secret_file = %s/none\n", dir);
	assert_non_null(
	    strstr(load(text, &c), "t.conf:2: [upload] client_secret_file: cannot read "));
	assert_non_null(strstr(load(text, &c), "/none: No such file or directory"));
	assert_non_null(strstr(load("[upload]\ntoken_file = /dev/zero\n", &c),
	                       "[upload] token_file: cannot read /dev/zero: not a regular file"));
	snprintf(text, sizeof(text), "[upload]\ntoken_file = %s\n", dir);
	assert_non_null(strstr(load(text, &c), "not a regular file"));
	tu_write(dir, "two", "a\nb\n", path, sizeof(path));
	snprintf(text, sizeof(text), "[web]\nkiosk_token_file = %s\n", path);
	assert_non_null(
	    strstr(load(text, &c), "[web] kiosk_token_file: expected the file to hold one line"));
	/* a 300-byte token on line 3: the message says it is too long, on line 3 */
	snprintf(text, sizeof(text), "[upload]\n; a comment\ntoken = %s\nbatch_max = 5\n", jwt);
	assert_non_null(
	    strstr(load(text, &c), "t.conf:3: line is 308 characters long; the longest"));
	/* 198 characters still fit libinih's buffer; 199 do not */
	memset(jwt, 'k', 190);
	jwt[190] = 0;
	snprintf(text, sizeof(text), "[upload]\ntoken = %s\n", jwt); /* 8 + 190 = 198 */
	assert_string_equal(load(text, &c), "");
	assert_string_equal(c.upload.token, jwt);
	snprintf(text, sizeof(text), "[upload]\ntoken = %sk\n", jwt);
	assert_non_null(strstr(load(text, &c), "t.conf:2: line is 199 characters long"));
	snprintf(text, sizeof(text), "[kiosk]\n#%s%s\nid = x\n", jwt, jwt);
	assert_non_null(strstr(load(text, &c), "t.conf:2: line is 381 characters long"));
}

/* A long comment in a regime file is reported as long, on its own line. */
static void
test_regime_long_line(void **state)
{
	struct rules_regime *r = malloc(sizeof(*r));
	char text[1024], line[300], err[512], path[512];

	assert_non_null(r);
	memset(line, 'x', 250);
	line[250] = 0;
	snprintf(text, sizeof(text), "[regime]\nname = t\n; %s\nversion = 1\n", line);
	assert_int_equal(regime_load_string(text, "t.ini", r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "t.ini:3: line is 252 characters long"));
	tu_write(dir, "t.ini", text, path, sizeof(path));
	assert_int_equal(regime_load_file(path, r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "t.ini:3: line is 252 characters long"));
	free(r);
}

/* [web] kiosk_from: who gets the kiosk's event stream. */
static void
test_addrlist(void **state)
{
	char err[200];

	assert_int_equal(addrlist_match("loopback", "127.0.0.1"), 1);
	assert_int_equal(addrlist_match("loopback", "127.8.9.10"), 1);
	assert_int_equal(addrlist_match("loopback", "::1"), 1);
	assert_int_equal(addrlist_match("loopback", "::ffff:127.0.0.1"), 1);
	assert_int_equal(addrlist_match("loopback", "10.0.0.1"), 0);
	assert_int_equal(addrlist_match("loopback", "::2"), 0);
	assert_int_equal(addrlist_match("127.0.0.1", "127.0.0.2"), 0);
	assert_int_equal(addrlist_match("10.1.2.0/24, 192.168.1.20", "10.1.2.99"), 1);
	assert_int_equal(addrlist_match("10.1.2.0/24, 192.168.1.20", "10.1.3.1"), 0);
	assert_int_equal(addrlist_match("10.1.2.0/24, 192.168.1.20", "192.168.1.20"), 1);
	assert_int_equal(addrlist_match("10.1.2.0/24 192.168.1.20", "::ffff:192.168.1.20"), 1);
	assert_int_equal(addrlist_match("10.0.0.0/9", "10.127.255.255"), 1);
	assert_int_equal(addrlist_match("10.0.0.0/9", "10.128.0.0"), 0);
	assert_int_equal(addrlist_match("fd00::/8", "fd12::1"), 1);
	assert_int_equal(addrlist_match("fd00::/8", "fe80::1"), 0);
	assert_int_equal(addrlist_match("any", "203.0.113.7"), 1);
	assert_int_equal(addrlist_match("", "127.0.0.1"), 0);
	assert_int_equal(addrlist_match("loopback", "not an address"), 0);
	assert_int_equal(addrlist_match("0.0.0.0/0", "8.8.8.8"), 1);
	assert_int_equal(addrlist_check("loopback, 10.0.0.0/8 ::1 fd00::/8 any", err, sizeof(err)),
	                 0);
	assert_int_equal(addrlist_check("loopback 10.0.0.0/33", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "\"10.0.0.0/33\""));
	assert_int_equal(addrlist_check("localhost", err, sizeof(err)), -1);
	assert_int_equal(addrlist_check("10.0.0.1/x", err, sizeof(err)), -1);
	assert_int_equal(addrlist_check("fd00::/129", err, sizeof(err)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_good_file),
	    cmocka_unit_test(test_unknown_key),
	    cmocka_unit_test(test_unknown_section),
	    cmocka_unit_test(test_bad_int),
	    cmocka_unit_test(test_bad_enum),
	    cmocka_unit_test(test_bad_bool_char),
	    cmocka_unit_test(test_first_error_wins),
	    cmocka_unit_test(test_syntax_error),
	    cmocka_unit_test(test_cross_key_checks),
	    cmocka_unit_test(test_missing_file),
	    cmocka_unit_test(test_too_long_string),
	    cmocka_unit_test(test_values_checked),
	    cmocka_unit_test(test_files_checked),
	    cmocka_unit_test(test_secret_files_and_long_lines),
	    cmocka_unit_test(test_regime_long_line),
	    cmocka_unit_test(test_addrlist),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
