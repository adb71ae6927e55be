/*
 * test_rules_scenario.c — the scenario JSON of RULES.md: the spec's example parses
 * into the engine's structs, every malformed field is refused with its path, and the
 * rendered result has integer minutes, money strings with two decimals and excused
 * minutes as an object by category.
 */
#include "rules_fixture.h"
#include "scenario.h"

static const char example[] =
    "{\"regime\": \"no-integreringsloven\","
    " \"g\": [{\"from\": \"2024-05-01\", \"amount\": 124028}, {\"from\": \"2025-05-01\", "
    "\"amount\": 130160}],"
    " \"participant\": {\"programme_start\": \"2025-01-06\", \"rate\": \"full\", \"children\": 2,"
    "   \"sole_carer\": false, \"chronic_child\": false, \"monthly_benefit\": null},"
    " \"schedule\": [{\"weekdays\": [1, 2, 3, 4, 5], \"start\": \"08:00\", \"end\": \"15:30\"}],"
    " \"period\": {\"from\": \"2025-10-13\", \"to\": \"2025-10-17\"},"
    " \"history\": {\"self_declared\": [{\"from\": \"2024-11-04\", \"to\": \"2024-11-04\"}],"
    "   \"child_sick_days\": 0, \"religious_days\": 0},"
    " \"taps\": [\"2025-10-13T15:31\", \"2025-10-13T07:58\"],"
    " \"absences\": [{\"category\": \"sick_self_declared\", \"from\": \"2025-10-14\", \"to\": "
    "\"2025-10-15\"}]}";

static json_t *
load(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);
	if (!j)
		fail_msg("test JSON: %s", je.text);
	return j;
}

static void
test_parse_example(void **state)
{
	(void)state;
	struct scenario sc;
	char err[256];
	json_t *j = load(example);
	assert_int_equal(scenario_parse(j, &sc, err, sizeof err), 0);
	assert_string_equal(sc.regime, "no-integreringsloven");
	assert_true(sc.has_g);
	assert_int_equal(sc.in.n_g, 2);
	assert_int_equal(sc.in.g[1].amount_ore, 13016000);
	assert_int_equal(sc.in.participant.children, 2);
	assert_int_equal(sc.in.participant.monthly_benefit_ore, -1);
	assert_int_equal(sc.in.n_templ, 1);
	assert_int_equal(sc.in.templ[0].weekdays, 0x3e);
	assert_int_equal(sc.in.n_taps, 2);
	assert_int_equal(sc.in.taps[0].minute, 7 * 60 + 58); /* sorted */
	assert_int_equal(sc.in.n_absences, 1);
	assert_int_equal(sc.in.absences[0].category, RULES_CAT_SICK_SELF_DECLARED);
	assert_int_equal(sc.in.history.n_self_declared, 1);
	assert_int_equal(sc.in.as_of, INT32_MIN);
	scenario_free(&sc);
	json_decref(j);
}

/* Replace the first `from` in the example by `to`; parsing must fail with `want`. */
static void
refused(const char *from, const char *to, const char *want)
{
	char text[sizeof example + 256], err[256];
	const char *at = strstr(example, from);
	assert_non_null(at);
	snprintf(text, sizeof text, "%.*s%s%s", (int)(at - example), example, to,
	         at + strlen(from));
	json_t *j = load(text);
	struct scenario sc;
	assert_int_equal(scenario_parse(j, &sc, err, sizeof err), -1);
	if (!strstr(err, want))
		fail_msg("expected \"%s\" in \"%s\"", want, err);
	scenario_free(&sc);
	json_decref(j);
}

static void
test_errors_name_the_field(void **state)
{
	(void)state;
	refused("\"2025-10-13T07:58\"", "\"2025-10-13 07:58\"",
	        "taps[1]: expected \"YYYY-MM-DDTHH:MM\"");
	refused("\"2025-10-13T07:58\"", "\"2025-10-13T25:00\"", "taps[1]: expected");
	refused("\"2025-10-13T07:58\"", "42", "taps[1]: expected");
	refused("\"rate\": \"full\"", "\"rate\": \"half\"",
	        "participant.rate: expected full | under25_alone | under25_with_parents");
	refused("\"from\": \"2025-10-13\"", "\"from\": \"13.10.2025\"",
	        "period.from: expected a date \"YYYY-MM-DD\"");
	refused("\"to\": \"2025-10-17\"", "\"to\": \"2025-10-12\"",
	        "period.to: expected a date on or after");
	refused("\"category\": \"sick_self_declared\"", "\"category\": \"hangover\"",
	        "absences[0].category: expected a category");
	refused("[1, 2, 3, 4, 5]", "[1, 8]", "schedule[0].weekdays[1]: expected a weekday");
	refused("\"end\": \"15:30\"", "\"end\": \"07:00\"",
	        "schedule[0].end: expected a time after start");
	refused("\"start\": \"08:00\"", "\"start\": \"8\"",
	        "schedule[0].start: expected a time \"HH:MM\"");
	refused("\"amount\": 124028", "\"amount\": -5", "g[0].amount: expected a positive amount");
	refused("\"monthly_benefit\": null", "\"monthly_benefit\": \"6.500,00\"",
	        "participant.monthly_benefit: expected null or a decimal string");
	refused("\"children\": 2", "\"children\": -1",
	        "participant.children: expected a whole number");
	refused("\"sole_carer\": false", "\"sole_carer\": \"no\"",
	        "participant.sole_carer: expected true or false");
	refused("\"regime\": \"no-integreringsloven\"", "\"regime\": 7",
	        "regime: expected a regime name");
	refused("{\"from\": \"2024-11-04\", \"to\": \"2024-11-04\"}", "{\"from\": \"2024-11-04\"}",
	        "history.self_declared[0].to: expected a date");
	refused("\"child_sick_days\": 0", "\"child_sick_days\": 1.5",
	        "history.child_sick_days: expected");
	refused("\"schedule\": [", "\"schedule\": 5, \"x\": [", "schedule: expected an array");
	refused("\"taps\": [", "\"as_of\": \"soon\", \"taps\": [", "as_of: expected a date");
	refused("\"to\": \"2025-10-15\"}", "\"to\": \"2025-10-15\", \"hours\": 0.001}",
	        "absences[0].hours: expected hours of a day");
	refused("\"regime\"", "\"regime_overrides\": [1], \"regime\"",
	        "regime_overrides: expected an object");
}

/* Absences by hours, a date shorthand, doctor's notes, off-site sessions, exceptions. */
static void
test_parse_extensions(void **state)
{
	(void)state;
	struct scenario sc;
	char err[256];
	json_t *j =
	    load("{\"regime\": \"dk-integrationsprogram\", \"as_of\": \"2026-01-02\","
	         " \"participant\": {\"programme_start\": \"2025-03-03\", "
	         "\"monthly_benefit\": \"6500.5\"},"
	         " \"schedule\": [{\"weekdays\": [5], \"start\": \"09:00\", \"end\": "
	         "\"15:00\", \"off_site\": true},"
	         "   {\"date\": \"2025-09-16\", \"cancelled\": true},"
	         "   {\"date\": \"2025-09-17\", \"start\": \"10:00\", \"end\": \"12:00\"}],"
	         " \"closures\": [\"2025-09-18\"],"
	         " \"period\": {\"from\": \"2025-09-15\", \"to\": \"2025-09-19\"},"
	         " \"regime_overrides\": {\"grace_minutes\": 5, \"tap_mode\": \"in_only\"},"
	         " \"absences\": [{\"category\": \"nursing\", \"date\": \"2025-09-15\", "
	         "\"start\": \"12:00\","
	         "   \"end\": \"13:00\"}, {\"category\": \"sick_self_declared\", \"from\": "
	         "\"2025-09-15\","
	         "   \"to\": \"2025-09-15\", \"documentation\": \"doctor_note\"},"
	         "   {\"category\": \"sick_doctor\", \"from\": \"2025-09-17T11:00\","
	         "   \"to\": \"2025-09-19T00:00\"},"
	         "   {\"category\": \"nursing\", \"date\": \"2025-09-15\", \"hours\": 1.5}]}");
	assert_int_equal(scenario_parse(j, &sc, err, sizeof err), 0);
	assert_int_equal(sc.in.participant.monthly_benefit_ore, 650050);
	assert_false(sc.has_g);
	assert_int_equal(sc.in.n_templ, 1);
	assert_true(sc.in.templ[0].off_site);
	assert_int_equal(sc.in.n_exceptions, 2);
	assert_true(sc.in.exceptions[0].cancelled);
	assert_int_equal(sc.in.exceptions[1].start, 600);
	assert_int_equal(sc.in.n_closures, 1);
	assert_int_equal(sc.in.absences[0].start, 720);
	assert_int_equal(sc.in.absences[0].from, sc.in.absences[0].to);
	assert_true(sc.in.absences[1].doctor_note);
	assert_true(sc.in.absences[2].continuous);
	assert_int_equal(sc.in.absences[2].start, 660);
	assert_int_equal(sc.in.absences[2].end, 1440); /* until midnight = end of the 18th */
	assert_int_equal(sc.in.absences[2].to - sc.in.absences[2].from, 1);
	assert_int_equal(sc.in.absences[3].minutes, 90);
	assert_int_equal(sc.in.absences[3].start, -1);
	assert_int_equal(sc.n_overrides, 2);
	struct rules_regime *r = calloc(1, sizeof *r);
	assert_int_equal(regime_load("board/regimes", sc.regime, r, err, sizeof err), 0);
	assert_int_equal(scenario_apply(&sc, r, err, sizeof err), 0);
	assert_int_equal(r->versions[RULES_P_TAP_MODE][0].num, RULES_TAP_IN_ONLY);
	assert_int_equal(r->versions[RULES_P_GRACE_MINUTES][0].num, 5);
	free(r);
	scenario_free(&sc);
	json_decref(j);
}

/* Regime parameters at the top level or under "regime_overrides". */
static void
test_overrides(void **state)
{
	(void)state;
	struct scenario sc;
	char err[256];
	struct rules_regime *r = calloc(1, sizeof *r);
	json_t *j =
	    load("{\"regime\": \"no-integreringsloven\", \"payout\": \"biweekly\","
	         " \"payout_anchor\": \"2025-01-06\", \"regime_overrides\": {\"grace_minutes\": 5},"
	         " \"participant\": {}, \"schedule\": [],"
	         " \"period\": {\"from\": \"2025-10-13\", \"to\": \"2025-10-13\"}}");
	assert_int_equal(scenario_parse(j, &sc, err, sizeof err), 0);
	assert_int_equal(sc.n_overrides, 3);
	assert_int_equal(regime_load("board/regimes", sc.regime, r, err, sizeof err), 0);
	assert_int_equal(scenario_apply(&sc, r, err, sizeof err), 0);
	assert_int_equal(r->versions[RULES_P_PAYOUT][0].num, RULES_PAYOUT_BIWEEKLY);
	assert_int_equal(r->versions[RULES_P_PAYOUT_ANCHOR][0].num, rules_date(2025, 1, 6));
	assert_int_equal(r->versions[RULES_P_GRACE_MINUTES][0].num, 5);
	scenario_free(&sc);
	json_decref(j);
	j = load("{\"regime\": \"no-integreringsloven\", \"tap_mode\": \"sometimes\","
	         " \"participant\": {}, \"schedule\": [],"
	         " \"period\": {\"from\": \"2025-10-13\", \"to\": \"2025-10-13\"}}");
	assert_int_equal(scenario_parse(j, &sc, err, sizeof err), 0);
	assert_int_equal(scenario_apply(&sc, r, err, sizeof err), -1);
	assert_non_null(strstr(err, "[tap_mode] value: expected one of in_out | in_only"));
	scenario_free(&sc);
	json_decref(j);
	free(r);
}

static void
test_render(void **state)
{
	(void)state;
	struct scenario sc;
	struct rules_output out;
	char err[256];
	json_t *j = load(example);
	struct rules_regime *r = calloc(1, sizeof *r);
	assert_int_equal(scenario_parse(j, &sc, err, sizeof err), 0);
	assert_int_equal(regime_load("board/regimes", sc.regime, r, err, sizeof err), 0);
	sc.in.regime = r;
	if (rules_compute(&sc.in, &out, err, sizeof err) < 0)
		fail_msg("%s", err);
	json_t *res = scenario_render(r, &out);
	assert_non_null(res);
	json_t *days = json_object_get(res, "days"), *d0 = json_array_get(days, 0),
	       *d1 = json_array_get(days, 1),
	       *p0 = json_array_get(json_object_get(res, "payouts"), 0),
	       *tot = json_object_get(res, "totals");
	assert_int_equal(json_array_size(days), 5);
	assert_string_equal(json_string_value(json_object_get(d0, "date")), "2025-10-13");
	assert_int_equal(json_integer_value(json_object_get(d0, "attended_min")), 450);
	assert_true(json_is_object(json_object_get(d0, "excused_min")));
	assert_int_equal(json_object_size(json_object_get(d0, "excused_min")), 0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(d1, "excused_min"),
	                                                    "sick_self_declared")),
	                 450);
	assert_true(json_is_array(json_object_get(d1, "notes")));
	assert_string_equal(json_string_value(json_object_get(p0, "month")), "2025-10");
	assert_string_equal(json_string_value(json_object_get(p0, "gross")), "21693.33");
	assert_true(json_is_false(json_object_get(p0, "decision_required")));
	assert_true(json_is_false(json_object_get(p0, "needs_assessment")));
	assert_int_equal(json_integer_value(json_object_get(tot, "scheduled_min")), 2250);
	/* Oct 16 and 17 have no taps: 900 unexcused minutes = 2110.70. */
	assert_string_equal(json_string_value(json_object_get(tot, "deduction")), "2110.70");
	json_decref(res);
	rules_output_free(&out);
	free(r);
	scenario_free(&sc);
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_example),    cmocka_unit_test(test_errors_name_the_field),
	    cmocka_unit_test(test_parse_extensions), cmocka_unit_test(test_overrides),
	    cmocka_unit_test(test_render),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
