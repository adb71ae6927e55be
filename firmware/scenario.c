/*
 * scenario.c — scenario JSON to rules_input and rules_output to result JSON
 * (RULES.md, "The scenario interface").  Every error names the field's path, e.g.
 * `taps[3]: expected "YYYY-MM-DDTHH:MM"`.  Unknown fields are ignored, so scenario
 * files can carry "name", "comment" and "expect" beside the input.
 */
#include "scenario.h"

#include "regime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATH_MAX_LEN 96

/* "path.key" (or "key" at the top); a path too long is cut, never overrun. */
static void
path_join(char *out, size_t len, const char *path, const char *key)
{
	if (snprintf(out, len, "%s%s%s", path, *path ? "." : "", key) < 0)
		out[0] = 0;
}

static int
bad(char *err, size_t errlen, const char *path, const char *what)
{
	snprintf(err, errlen, "%s: expected %s", path, what);
	return -1;
}

/* The member `key` of `obj`; *out is NULL when absent or null. */
static const json_t *
member(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	return v && !json_is_null(v) ? v : NULL;
}

static int
get_date(const json_t *obj, const char *key, const char *path, bool required, int32_t *out,
         char *err, size_t errlen)
{
	char p[PATH_MAX_LEN];
	const json_t *v = member(obj, key);
	path_join(p, sizeof p, path, key);
	if (!v)
		return required ? bad(err, errlen, p, "a date \"YYYY-MM-DD\"") : 0;
	if (!json_is_string(v) || rules_date_parse(json_string_value(v), out) < 0)
		return bad(err, errlen, p, "a date \"YYYY-MM-DD\"");
	return 0;
}

static int
get_int(const json_t *obj, const char *key, const char *path, int *out, char *err, size_t errlen)
{
	char p[PATH_MAX_LEN];
	const json_t *v = member(obj, key);
	path_join(p, sizeof p, path, key);
	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 100000)
		return bad(err, errlen, p, "a whole number 0 or more");
	*out = (int)json_integer_value(v);
	return 0;
}

static int
get_bool(const json_t *obj, const char *key, const char *path, bool *out, char *err, size_t errlen)
{
	char p[PATH_MAX_LEN];
	const json_t *v = member(obj, key);
	path_join(p, sizeof p, path, key);
	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return bad(err, errlen, p, "true or false");
	*out = json_is_true(v);
	return 0;
}

/* "HH:MM" (24:00 allowed as an end) into minutes. */
static int
parse_hhmm(const char *s, int *min)
{
	int h, m, n = 0;
	if (strlen(s) != 5 || sscanf(s, "%2d:%2d%n", &h, &m, &n) != 2 || n != 5 || s[2] != ':')
		return -1;
	if (h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0))
		return -1;
	*min = h * 60 + m;
	return 0;
}

static int
get_time(const json_t *obj, const char *key, const char *path, int *out, char *err, size_t errlen)
{
	char p[PATH_MAX_LEN];
	const json_t *v = member(obj, key);
	path_join(p, sizeof p, path, key);
	if (!v || !json_is_string(v) || parse_hhmm(json_string_value(v), out) < 0)
		return bad(err, errlen, p, "a time \"HH:MM\"");
	return 0;
}

/* An array member (absent = empty); *out NULL when absent. */
static int
get_array(const json_t *obj, const char *key, const json_t **out, char *err, size_t errlen)
{
	*out = member(obj, key);
	if (*out && !json_is_array(*out))
		return bad(err, errlen, key, "an array");
	return 0;
}

static void *
alloc_n(size_t n, size_t size)
{
	return calloc(n ? n : 1, size);
}

/* Parses one array element at `path` into `elem`; 0 or -1 with err filled. */
typedef int (*elem_fn)(const json_t *e, const char *path, void *elem, char *err, size_t errlen);

/*
 * Every element of `arr` through `fn` into a new array of `size`-byte elements
 * (named "name[i]" in errors).  Returns the array (free() it) or NULL on an error.
 */
static void *
parse_each(const json_t *arr, const char *name, size_t size, elem_fn fn, size_t *n_out, char *err,
           size_t errlen)
{
	size_t n = json_array_size(arr);
	char p[PATH_MAX_LEN];
	char *buf = alloc_n(n, size);
	if (!buf) {
		bad(err, errlen, name, "less (out of memory)");
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (snprintf(p, sizeof p, "%s[%zu]", name, i) < 0)
			p[0] = 0;
		if (fn(json_array_get(arr, i), p, buf + i * size, err, errlen) < 0) {
			free(buf);
			return NULL;
		}
	}
	*n_out = n;
	return buf;
}

static int
one_g(const json_t *e, const char *path, void *elem, char *err, size_t errlen)
{
	struct rules_g *g = elem;
	char p[PATH_MAX_LEN];
	const json_t *a = member(e, "amount");
	if (!json_is_object(e))
		return bad(err, errlen, path, "{\"from\": \"YYYY-MM-DD\", \"amount\": 130160}");
	if (get_date(e, "from", path, true, &g->from, err, errlen) < 0)
		return -1;
	path_join(p, sizeof p, path, "amount");
	if (a && json_is_integer(a) && json_integer_value(a) > 0 &&
	    json_integer_value(a) < 100000000)
		g->amount_ore = json_integer_value(a) * 100;
	else if (!a || !json_is_string(a) ||
	         rules_ore_parse(json_string_value(a), &g->amount_ore) < 0 || g->amount_ore <= 0)
		return bad(err, errlen, p, "a positive amount such as 130160");
	return 0;
}

static int
parse_g(const json_t *arr, struct scenario *sc, char *err, size_t errlen)
{
	/* Any order (ruling 7): the engine sorts, and refuses two amounts for one date. */
	sc->g = parse_each(arr, "g", sizeof *sc->g, one_g, &sc->in.n_g, err, errlen);
	if (!sc->g)
		return -1;
	sc->in.g = sc->g;
	sc->has_g = true;
	return 0;
}

static int
parse_participant(const json_t *root, struct scenario *sc, char *err, size_t errlen)
{
	const json_t *pt = member(root, "participant"), *v;
	struct rules_participant *p = &sc->in.participant;
	if (!pt || !json_is_object(pt))
		return bad(err, errlen, "participant", "an object");
	/* Without a programme start the participant is taken as long in the programme. */
	p->programme_start = INT32_MIN / 2;
	if (get_date(pt, "programme_start", "participant", false, &p->programme_start, err,
	             errlen) < 0)
		return -1;
	/* Ruling 11: the programme's last day, where one is known. */
	if ((v = member(pt, "programme_end")) && !json_is_null(v)) {
		if (get_date(pt, "programme_end", "participant", true, &p->programme_end, err,
		             errlen) < 0)
			return -1;
		p->has_end = true;
	}
	p->rate = RULES_RATE_FULL;
	if ((v = member(pt, "rate"))) {
		int r = json_is_string(v) ? rules_rate_parse(json_string_value(v)) : -1;
		if (r < 0)
			return bad(err, errlen, "participant.rate",
			           "full | under25_alone | under25_with_parents");
		p->rate = r;
	}
	if (get_int(pt, "children", "participant", &p->children, err, errlen) < 0 ||
	    get_bool(pt, "sole_carer", "participant", &p->sole_carer, err, errlen) < 0 ||
	    get_bool(pt, "chronic_child", "participant", &p->chronic_child, err, errlen) < 0)
		return -1;
	p->monthly_benefit_ore = -1;
	if ((v = member(pt, "monthly_benefit"))) {
		if (json_is_integer(v) && json_integer_value(v) >= 0 &&
		    json_integer_value(v) < 100000000)
			p->monthly_benefit_ore = json_integer_value(v) * 100;
		else if (!json_is_string(v) ||
		         rules_ore_parse(json_string_value(v), &p->monthly_benefit_ore) < 0)
			return bad(err, errlen, "participant.monthly_benefit",
			           "null or a decimal string such as \"6500.00\"");
	}
	return 0;
}

static int
parse_weekdays(const json_t *e, const char *path, uint8_t *mask, char *err, size_t errlen)
{
	char p[PATH_MAX_LEN];
	const json_t *w = member(e, "weekdays");
	path_join(p, sizeof p, path, "weekdays");
	if (!w || !json_is_array(w) || json_array_size(w) == 0)
		return bad(err, errlen, p, "an array of ISO weekdays 1 (Monday) to 7");
	*mask = 0;
	for (size_t i = 0; i < json_array_size(w); i++) {
		const json_t *d = json_array_get(w, i);
		if (snprintf(p, sizeof p, "%s.weekdays[%zu]", path, i) < 0)
			p[0] = 0;
		if (!json_is_integer(d) || json_integer_value(d) < 1 || json_integer_value(d) > 7)
			return bad(err, errlen, p, "a weekday 1 (Monday) to 7 (Sunday)");
		*mask |= (uint8_t)(1u << json_integer_value(d));
	}
	return 0;
}

/* Either a weekly template entry or, with "date", a dated exception. */
static int
parse_schedule(const json_t *arr, struct scenario *sc, char *err, size_t errlen)
{
	size_t n = json_array_size(arr);
	char p[PATH_MAX_LEN];
	sc->templ = alloc_n(n, sizeof *sc->templ);
	sc->exceptions = alloc_n(n, sizeof *sc->exceptions);
	if (!sc->templ || !sc->exceptions)
		return bad(err, errlen, "schedule", "less (out of memory)");
	for (size_t i = 0; i < n; i++) {
		const json_t *e = json_array_get(arr, i);
		int start = 0, end = 0;
		bool off_site = false, cancelled = false;
		snprintf(p, sizeof p, "schedule[%zu]", i);
		if (!json_is_object(e))
			return bad(err, errlen, p, "an object");
		if (get_bool(e, "off_site", p, &off_site, err, errlen) < 0 ||
		    get_bool(e, "cancelled", p, &cancelled, err, errlen) < 0)
			return -1;
		if (!cancelled && (get_time(e, "start", p, &start, err, errlen) < 0 ||
		                   get_time(e, "end", p, &end, err, errlen) < 0))
			return -1;
		if (!cancelled && start >= end) {
			snprintf(p, sizeof p, "schedule[%zu].end", i);
			return bad(err, errlen, p, "a time after start");
		}
		if (member(e, "date")) {
			struct rules_exception *x = &sc->exceptions[sc->in.n_exceptions++];
			if (get_date(e, "date", p, true, &x->date, err, errlen) < 0)
				return -1;
			if (cancelled && (member(e, "start") || member(e, "end"))) {
				/* Ruling 8: cancelled and a session at once is a contradiction. */
				char d[16], what[64];
				rules_date_format(x->date, d, sizeof d);
				snprintf(what, sizeof what, "%s either cancelled or with start/end",
				         d);
				return bad(err, errlen, p, what);
			}
			*x = (struct rules_exception){x->date, cancelled, (int16_t)start,
			                              (int16_t)end, off_site};
			continue;
		}
		struct rules_template *t = &sc->templ[sc->in.n_templ++];
		t->from = INT32_MIN;
		t->to = INT32_MAX;
		if (cancelled)
			return bad(err, errlen, p, "\"cancelled\" only with \"date\"");
		if (parse_weekdays(e, p, &t->weekdays, err, errlen) < 0 ||
		    get_date(e, "from", p, false, &t->from, err, errlen) < 0 ||
		    get_date(e, "to", p, false, &t->to, err, errlen) < 0)
			return -1;
		t->start = (int16_t)start;
		t->end = (int16_t)end;
		t->off_site = off_site;
	}
	sc->in.templ = sc->templ;
	sc->in.exceptions = sc->exceptions;
	return 0;
}

static int
one_closure(const json_t *e, const char *path, void *elem, char *err, size_t errlen)
{
	if (!json_is_string(e) || rules_date_parse(json_string_value(e), elem) < 0)
		return bad(err, errlen, path, "a date \"YYYY-MM-DD\"");
	return 0;
}

/* "YYYY-MM-DDTHH:MM", seconds (":SS") allowed and dropped. */
static int
parse_tap(const char *s, struct rules_tap *t)
{
	char date[11];
	int min;
	size_t len = strlen(s);
	if ((len != 16 && len != 19) || s[10] != 'T')
		return -1;
	memcpy(date, s, 10);
	date[10] = 0;
	char hhmm[6];
	memcpy(hhmm, s + 11, 5);
	hhmm[5] = 0;
	if (rules_date_parse(date, &t->date) < 0 || parse_hhmm(hhmm, &min) < 0 || min >= 1440)
		return -1;
	if (len == 19 && (s[16] != ':' || s[17] < '0' || s[17] > '5' || s[18] < '0' || s[18] > '9'))
		return -1;
	t->minute = (int16_t)min;
	return 0;
}

static int
tap_cmp(const void *a, const void *b)
{
	const struct rules_tap *x = a, *y = b;
	if (x->date != y->date)
		return x->date < y->date ? -1 : 1;
	return (x->minute > y->minute) - (x->minute < y->minute);
}

static int
one_tap(const json_t *e, const char *path, void *elem, char *err, size_t errlen)
{
	if (!json_is_string(e) || parse_tap(json_string_value(e), elem) < 0)
		return bad(err, errlen, path, "\"YYYY-MM-DDTHH:MM\"");
	return 0;
}

/* Documentation and bookkeeping fields of an absence. */
static int
absence_extras(const json_t *e, const char *p, struct rules_absence *a, char *err, size_t errlen)
{
	static const char *const registered_keys[] = {"registered_on", "registered",
	                                              "registered_at"};
	if (get_bool(e, "doctor_note", p, &a->doctor_note, err, errlen) < 0 ||
	    get_bool(e, "checkup", p, &a->checkup, err, errlen) < 0)
		return -1;
	/* When the absence was registered: a date, or a date and time (its date counts). */
	for (size_t k = 0; k < sizeof registered_keys / sizeof *registered_keys; k++) {
		const json_t *r = member(e, registered_keys[k]);
		struct rules_tap at;
		if (!r || json_is_null(r))
			continue;
		if (json_is_string(r) && parse_tap(json_string_value(r), &at) == 0)
			a->registered_on = at.date;
		else if (get_date(e, registered_keys[k], p, true, &a->registered_on, err, errlen) <
		         0)
			return -1;
	}
	/* "documentation": "doctor_note" (also "doctors_note", "doctor", "medical_certificate"). */
	const json_t *v = member(e, "documentation");
	if (v && json_is_string(v)) {
		const char *d = json_string_value(v);
		if (strstr(d, "doctor") || strstr(d, "medical") || strcmp(d, "sick_note") == 0)
			a->doctor_note = true;
	}
	return 0;
}

/* "from"/"to" given as "YYYY-MM-DDTHH:MM" (hours): one stretch of time.  0 if so and valid,
 * -1 otherwise (then they are read as dates, which reports any error). */
static int
absence_stretch(const json_t *e, struct rules_absence *a)
{
	const json_t *f = member(e, "from"), *t = member(e, "to");
	struct rules_tap tf, tt;
	if (!f || !t || !json_is_string(f) || !json_is_string(t) ||
	    parse_tap(json_string_value(f), &tf) < 0 || parse_tap(json_string_value(t), &tt) < 0)
		return -1;
	int end = tt.minute;
	if (end == 0) { /* until midnight: the end of the day before */
		tt.date--;
		end = RULES_MIN_PER_DAY;
	}
	if (tt.date < tf.date || (tt.date == tf.date && end <= tf.minute))
		return -1;
	a->from = tf.date;
	a->to = tt.date;
	a->start = tf.minute;
	a->end = (int16_t)end;
	a->continuous = true;
	return 0;
}

/* "hours": 1.5 or "minutes": 90 — an amount per day instead of a time of day. */
static int
absence_amount(const json_t *e, const char *p, struct rules_absence *a, char *err, size_t errlen)
{
	const json_t *h = member(e, "hours"), *m = member(e, "minutes");
	char q[PATH_MAX_LEN];
	long long min = -1;
	path_join(q, sizeof q, p, h ? "hours" : "minutes");
	if (h && m)
		return bad(err, errlen, q, "either hours or minutes, not both");
	if (m && json_is_integer(m))
		min = json_integer_value(m);
	/* Hours are a count of time, not money: 1.25 h is exactly 75 minutes in a double. */
	if (h && json_is_number(h)) {
		double x = json_number_value(h) * 60;
		if (x >= 0 && x <= RULES_MIN_PER_DAY && x == (double)(long long)x)
			min = (long long)x;
	}
	if (min <= 0 || min > RULES_MIN_PER_DAY)
		return bad(err, errlen, q,
		           h ? "hours of a day, a whole number of minutes (e.g. 1.5)"
		             : "minutes of a day (1 to 1440)");
	a->minutes = (int16_t)min;
	return 0;
}

static int
one_absence(const json_t *e, const char *p, void *elem, char *err, size_t errlen)
{
	struct rules_absence *a = elem;
	char q[PATH_MAX_LEN];
	if (!json_is_object(e))
		return bad(err, errlen, p, "an object");
	const json_t *v = member(e, "category");
	int c = v && json_is_string(v) ? rules_category_parse(json_string_value(v)) : -1;
	path_join(q, sizeof q, p, "category");
	if (c < 0)
		return bad(
		    err, errlen, q,
		    "a category (leave_approved, religious_holiday, pregnancy, birth_mother, "
		    "birth_father, nursing, sick_doctor, sick_self_declared, child_sick, "
		    "vacation, leave_unpaid, unexcused)");
	a->category = c;
	a->registered_on = INT32_MIN;
	a->start = a->end = -1;
	if (member(e, "date")) {
		if (get_date(e, "date", p, true, &a->from, err, errlen) < 0)
			return -1;
		a->to = a->from;
	} else if (absence_stretch(e, a) == 0) {
		return absence_extras(e, p, a, err, errlen);
	} else if (get_date(e, "from", p, true, &a->from, err, errlen) < 0 ||
	           get_date(e, "to", p, true, &a->to, err, errlen) < 0) {
		return -1;
	}
	if (a->from > a->to) {
		path_join(q, sizeof q, p, "to");
		return bad(err, errlen, q, "a date on or after from");
	}
	if (member(e, "hours") || member(e, "minutes")) {
		if (absence_amount(e, p, a, err, errlen) < 0)
			return -1;
	} else if (member(e, "start") || member(e, "end")) {
		int s, en;
		if (get_time(e, "start", p, &s, err, errlen) < 0 ||
		    get_time(e, "end", p, &en, err, errlen) < 0)
			return -1;
		if (s >= en) {
			path_join(q, sizeof q, p, "end");
			return bad(err, errlen, q, "a time after start");
		}
		a->start = (int16_t)s;
		a->end = (int16_t)en;
	}
	return absence_extras(e, p, a, err, errlen);
}

static int
one_range(const json_t *e, const char *path, void *elem, char *err, size_t errlen)
{
	struct rules_range *r = elem;
	char p[PATH_MAX_LEN];
	if (!json_is_object(e))
		return bad(err, errlen, path, "{\"from\": \"YYYY-MM-DD\", \"to\": \"YYYY-MM-DD\"}");
	if (get_date(e, "from", path, true, &r->from, err, errlen) < 0 ||
	    get_date(e, "to", path, true, &r->to, err, errlen) < 0)
		return -1;
	path_join(p, sizeof p, path, "to");
	return r->from > r->to ? bad(err, errlen, p, "a date on or after from") : 0;
}

static int
parse_history(const json_t *root, struct scenario *sc, char *err, size_t errlen)
{
	const json_t *h = member(root, "history"), *sd;
	struct rules_history *hi = &sc->in.history;
	if (!h)
		return 0;
	if (!json_is_object(h))
		return bad(err, errlen, "history", "an object");
	if (get_int(h, "child_sick_days", "history", &hi->child_sick_days, err, errlen) < 0 ||
	    get_int(h, "religious_days", "history", &hi->religious_days, err, errlen) < 0 ||
	    get_int(h, "vacation_days", "history", &hi->vacation_days, err, errlen) < 0 ||
	    get_int(h, "leave_approved_days", "history", &hi->leave_approved_days, err, errlen) <
	        0 ||
	    get_int(h, "pregnancy_days", "history", &hi->pregnancy_days, err, errlen) < 0 ||
	    get_int(h, "birth_mother_days", "history", &hi->birth_mother_days, err, errlen) < 0 ||
	    get_int(h, "birth_father_days", "history", &hi->birth_father_days, err, errlen) < 0)
		return -1;
	if (!(sd = member(h, "self_declared")))
		return 0;
	if (!json_is_array(sd))
		return bad(err, errlen, "history.self_declared", "an array of {from, to}");
	sc->self_declared = parse_each(sd, "history.self_declared", sizeof *sc->self_declared,
	                               one_range, &hi->n_self_declared, err, errlen);
	hi->self_declared = sc->self_declared;
	return sc->self_declared ? 0 : -1;
}

/* One override "name = value" (value a string or a whole number) at `path`. */
static int
add_override(struct scenario *sc, const char *path, const char *name, const json_t *v, char *err,
             size_t errlen)
{
	size_t i = sc->n_overrides;
	if (strlen(name) >= sizeof sc->override_name[i])
		return bad(err, errlen, path, "a regime parameter");
	if (json_is_string(v) && strlen(json_string_value(v)) < sizeof sc->override_value[i])
		snprintf(sc->override_value[i], sizeof sc->override_value[i], "%s",
		         json_string_value(v));
	else if (json_is_integer(v))
		snprintf(sc->override_value[i], sizeof sc->override_value[i], "%lld",
		         (long long)json_integer_value(v));
	else
		return bad(err, errlen, path, "a string or a whole number");
	snprintf(sc->override_name[i], sizeof sc->override_name[i], "%s", name);
	sc->n_overrides++;
	return 0;
}

/*
 * Regime parameters set by the scenario, for all dates: every key of
 * "regime_overrides": {"tap_mode": "in_only", ...}, and any top-level key that is a
 * parameter's name ("tap_mode": "in_only", "payout": "biweekly", ...).
 */
static int
parse_overrides(const json_t *root, struct scenario *sc, char *err, size_t errlen)
{
	const json_t *o = member(root, "regime_overrides"), *v;
	const char *key;
	char p[PATH_MAX_LEN];
	if (o && !json_is_object(o))
		return bad(err, errlen, "regime_overrides", "an object of parameter: value");
	size_t n = json_object_size(root) + (o ? json_object_size(o) : 0);
	sc->override_name = alloc_n(n, sizeof *sc->override_name);
	sc->override_value = alloc_n(n, sizeof *sc->override_value);
	if (!sc->override_name || !sc->override_value)
		return bad(err, errlen, "regime_overrides", "less (out of memory)");
	json_object_foreach((json_t *)root, key, v)
	{
		if (rules_param_lookup(key) >= 0 && !json_is_null(v) &&
		    add_override(sc, key, key, v, err, errlen) < 0)
			return -1;
	}
	if (!o)
		return 0;
	json_object_foreach((json_t *)o, key, v)
	{
		path_join(p, sizeof p, "regime_overrides", key);
		if (add_override(sc, p, key, v, err, errlen) < 0)
			return -1;
	}
	return 0;
}

int
scenario_parse(const json_t *root, struct scenario *sc, char *err, size_t errlen)
{
	const json_t *v, *arr;
	memset(sc, 0, sizeof *sc);
	sc->in.as_of = INT32_MIN;
	if (!json_is_object(root))
		return bad(err, errlen, "scenario", "a JSON object");
	v = member(root, "regime");
	if (!v || !json_is_string(v) || strlen(json_string_value(v)) >= sizeof sc->regime)
		return bad(err, errlen, "regime", "a regime name such as \"no-integreringsloven\"");
	snprintf(sc->regime, sizeof sc->regime, "%s", json_string_value(v));

	v = member(root, "period");
	if (!v || !json_is_object(v))
		return bad(err, errlen, "period",
		           "{\"from\": \"YYYY-MM-DD\", \"to\": \"YYYY-MM-DD\"}");
	if (get_date(v, "from", "period", true, &sc->in.from, err, errlen) < 0 ||
	    get_date(v, "to", "period", true, &sc->in.to, err, errlen) < 0)
		return -1;
	if (sc->in.from > sc->in.to)
		return bad(err, errlen, "period.to", "a date on or after period.from");
	if (sc->in.to - sc->in.from >= RULES_MAX_DAYS)
		return bad(err, errlen, "period", "at most 3700 days");
	if ((v = member(root, "service_start")) && !json_is_null(v)) {
		if (get_date(root, "service_start", "", true, &sc->in.service_start, err, errlen) <
		    0)
			return -1;
		sc->in.has_service_start = true;
	}
	if ((v = member(root, "now")) && !json_is_null(v)) {
		struct rules_tap now;
		if (!json_is_string(v) || parse_tap(json_string_value(v), &now) < 0)
			return bad(err, errlen, "now", "\"YYYY-MM-DDTHH:MM\" (local time)");
		sc->in.has_now = true;
		sc->in.now_date = now.date;
		sc->in.now_minute = now.minute;
	}
	if (get_date(root, "as_of", "", false, &sc->in.as_of, err, errlen) < 0 ||
	    parse_participant(root, sc, err, errlen) < 0 ||
	    parse_history(root, sc, err, errlen) < 0 || parse_overrides(root, sc, err, errlen) < 0)
		return -1;

	if (get_array(root, "g", &arr, err, errlen) < 0 ||
	    (arr && parse_g(arr, sc, err, errlen) < 0))
		return -1;
	if (get_array(root, "schedule", &arr, err, errlen) < 0)
		return -1;
	if (!arr)
		return bad(err, errlen, "schedule", "an array of sessions");
	if (parse_schedule(arr, sc, err, errlen) < 0)
		return -1;
	if (get_array(root, "closures", &arr, err, errlen) < 0 ||
	    (arr && !(sc->closures = parse_each(arr, "closures", sizeof *sc->closures, one_closure,
	                                        &sc->in.n_closures, err, errlen))))
		return -1;
	if (get_array(root, "taps", &arr, err, errlen) < 0 ||
	    (arr && !(sc->taps = parse_each(arr, "taps", sizeof *sc->taps, one_tap, &sc->in.n_taps,
	                                    err, errlen))))
		return -1;
	if (get_array(root, "absences", &arr, err, errlen) < 0 ||
	    (arr && !(sc->absences = parse_each(arr, "absences", sizeof *sc->absences, one_absence,
	                                        &sc->in.n_absences, err, errlen))))
		return -1;
	/* The engine wants taps in time order; files may list them any way. */
	if (sc->taps)
		qsort(sc->taps, sc->in.n_taps, sizeof *sc->taps, tap_cmp);
	sc->in.closures = sc->closures;
	sc->in.taps = sc->taps;
	sc->in.absences = sc->absences;
	return 0;
}

int
scenario_apply(const struct scenario *sc, struct rules_regime *r, char *err, size_t errlen)
{
	char msg[256];
	for (size_t i = 0; i < sc->n_overrides; i++) {
		if (regime_override(r, sc->override_name[i], sc->override_value[i], msg,
		                    sizeof msg) < 0) {
			snprintf(err, errlen, "regime parameter %s", msg);
			return -1;
		}
	}
	return 0;
}

void
scenario_free(struct scenario *sc)
{
	free(sc->g);
	free(sc->templ);
	free(sc->exceptions);
	free(sc->closures);
	free(sc->taps);
	free(sc->absences);
	free(sc->self_declared);
	free(sc->override_name);
	free(sc->override_value);
	memset(sc, 0, sizeof *sc);
}

/* Rendering: every helper returns the new value or NULL, and json_object_set_new()
 * takes NULL as a failure, so one check at the end catches out-of-memory. */

static json_t *
date_json(int32_t d)
{
	char buf[16];
	rules_date_format(d, buf, sizeof buf);
	return json_string(buf);
}

static json_t *
money_json(int64_t ore)
{
	char buf[32];
	rules_ore_format(ore, buf, sizeof buf);
	return json_string(buf);
}

static json_t *
excused_json(const int64_t *min)
{
	json_t *o = json_object();
	for (int c = 0; o && c < RULES_CAT_COUNT; c++)
		if (min[c] && json_object_set_new(o, rules_category_name(c), json_integer(min[c])))
			return json_decref(o), NULL;
	return o;
}

static json_t *
names_json(uint32_t bits, int count, const char *(*name)(int))
{
	json_t *a = json_array();
	for (int i = 0; a && i < count; i++)
		if ((bits & (1u << i)) && json_array_append_new(a, json_string(name(i))))
			return json_decref(a), NULL;
	return a;
}

static const char *
note_name(int i)
{
	return rules_note_name(i);
}

static const char *
flag_name(int i)
{
	return rules_flag_name(i);
}

static json_t *
day_json(const struct rules_day *d)
{
	int64_t ex[RULES_CAT_COUNT];
	for (int c = 0; c < RULES_CAT_COUNT; c++)
		ex[c] = d->excused_min[c];
	json_t *o = json_object();
	if (!o)
		return NULL;
	int rc = json_object_set_new(o, "date", date_json(d->date));
	rc |= json_object_set_new(o, "scheduled_min", json_integer(d->scheduled_min));
	rc |= json_object_set_new(o, "attended_min", json_integer(d->attended_min));
	rc |= json_object_set_new(o, "excused_min", excused_json(ex));
	rc |= json_object_set_new(o, "unexcused_min", json_integer(d->unexcused_min));
	rc |= json_object_set_new(o, "pending_min", json_integer(d->pending_min));
	rc |= json_object_set_new(o, "state",
	                          json_string(d->state == RULES_DAY_FINAL  ? "final"
	                                      : d->state == RULES_DAY_OPEN ? "open"
	                                                                   : "future"));
	rc |= json_object_set_new(o, "notes", names_json(d->notes, RULES_NOTE_COUNT, note_name));
	rc |= json_object_set_new(o, "flags", names_json(d->flags, RULES_FLAG_COUNT, flag_name));
	if (d->deadline != INT32_MIN)
		rc |= json_object_set_new(o, "deadline", date_json(d->deadline));
	return rc ? json_decref(o), NULL : o;
}

json_t *
scenario_render_payout(const struct rules_payout *p)
{
	json_t *o = json_object();
	char month[16];
	int rc = 0;
	if (!o)
		return NULL;
	if (p->monthly) {
		rules_date_format(p->from, month, sizeof month);
		month[7] = 0;
		rc |= json_object_set_new(o, "month", json_string(month));
	}
	rc |= json_object_set_new(o, "from", date_json(p->from));
	rc |= json_object_set_new(o, "to", date_json(p->to));
	rc |= json_object_set_new(o, "gross", money_json(p->gross_ore));
	rc |= json_object_set_new(o, "deduction", money_json(p->deduction_ore));
	rc |= json_object_set_new(o, "unpaid_leave", money_json(p->unpaid_leave_ore));
	rc |= json_object_set_new(o, "decision_required", json_boolean(p->decision_required));
	rc |= json_object_set_new(o, "needs_assessment", json_boolean(p->needs_assessment));
	rc |= json_object_set_new(o, "past_deadline", json_boolean(p->past_deadline));
	return rc ? json_decref(o), NULL : o;
}

json_t *
scenario_render(const struct rules_regime *r, const struct rules_output *out)
{
	json_t *root = json_object(), *days = json_array(), *pays = json_array(),
	       *tot = json_object();
	int rc = !root || !days || !pays || !tot;
	for (size_t i = 0; !rc && i < out->n_days; i++)
		rc |= json_array_append_new(days, day_json(&out->days[i]));
	for (size_t i = 0; !rc && i < out->n_payouts; i++)
		rc |= json_array_append_new(pays, scenario_render_payout(&out->payouts[i]));
	if (!rc) {
		const struct rules_totals *t = &out->totals;
		rc |= json_object_set_new(tot, "scheduled_min", json_integer(t->scheduled_min));
		rc |= json_object_set_new(tot, "attended_min", json_integer(t->attended_min));
		rc |= json_object_set_new(tot, "excused_min", excused_json(t->excused_min));
		rc |= json_object_set_new(tot, "unexcused_min", json_integer(t->unexcused_min));
		rc |= json_object_set_new(tot, "pending_min", json_integer(t->pending_min));
		rc |= json_object_set_new(tot, "deduction", money_json(t->deduction_ore));
		rc |= json_object_set_new(tot, "unpaid_leave", money_json(t->unpaid_leave_ore));
		rc |= json_object_set_new(root, "regime", json_string(r->name));
		rc |= json_object_set_new(root, "currency", json_string(r->currency));
		rc |= json_object_set(root, "days", days);
		rc |= json_object_set(root, "payouts", pays);
		rc |= json_object_set(root, "totals", tot);
	}
	json_decref(days);
	json_decref(pays);
	json_decref(tot);
	if (rc) {
		json_decref(root);
		return NULL;
	}
	return root;
}

json_t *
scenario_render_day(const struct rules_day *d)
{
	return day_json(d);
}

json_t *
scenario_date_json(int32_t d)
{
	return date_json(d);
}

json_t *
scenario_money_json(int64_t ore)
{
	return money_json(ore);
}

json_t *
scenario_notes_json(uint32_t notes)
{
	return names_json(notes, RULES_NOTE_COUNT, note_name);
}

json_t *
scenario_flags_json(uint32_t flags)
{
	return names_json(flags, RULES_FLAG_COUNT, flag_name);
}
