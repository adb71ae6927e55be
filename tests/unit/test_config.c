/*
 * test_config.c — the config file: defaults, every kind of bad value, and that
 * each error names file:line, the section and key, and what was expected.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "config.h"
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
				 "[web]\nport = 9090\n[feedback]\nactive_low = yes\n", &c), "");
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
	assert_non_null(strstr(load("[tap]\ndebounce_s = -1\n", &c), "t.conf:2: [tap] debounce_s:"));
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
	assert_non_null(strstr(load("[payroll]\ncsv_separator = ;;\n", &c),
			       "t.conf:2: [payroll] csv_separator: expected a single character"));
	assert_string_equal(load("[payroll]\ncsv_separator = tab\ndecimal_mark = period\n", &c), "");
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
	assert_non_null(strstr(load("[payroll]\ncsv_separator = comma\n", &c),
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
	assert_non_null(strstr(load(text, &c), "t.conf:2: [kiosk] id: expected at most 63 characters"));
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
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
