/*
 * roster.c — validates the municipal roster as a whole (and its references:
 * regimes, participants of absences) and applies it in short steps, so a tap
 * never waits behind a big import.  Validation walks the JSON once and names the
 * first bad place by its path; nothing is written until every field has passed.
 * Cards follow the ownership rule of uploader/README.md (store_cards.c).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "cardkey.h"
#include "clock.h"
#include "log.h"
#include "nfc.h"
#include "regime.h"
#include "roster.h"
#include "rules/rules.h"
#include "store.h"

#define MAX_SESSIONS 16

#define DEFAULT_REGIME "no-integreringsloven"
/* A step of an import holds the write lock about this long at most (plus one participant). */
#define STEP_BUDGET_NS (15 * 1000000LL)
#define META_HASH "roster.hash"

struct roster {
	json_t *doc;
	char hash[65]; /* SHA-256 of the roster's text: the same roster twice changes nothing */
};

static const char *const categories[] = {
    "leave_approved", "religious_holiday",  "pregnancy",  "birth_mother", "birth_father", "nursing",
    "sick_doctor",    "sick_self_declared", "child_sick", "vacation",     "leave_unpaid", NULL,
};

static const char *const rates[] = {"full", "under25_alone", "under25_with_parents", NULL};

static int
in_list(const char *s, const char *const *list)
{
	for (int i = 0; list[i]; i++)
		if (strcmp(s, list[i]) == 0)
			return 1;
	return 0;
}

int
roster_valid_date(const char *s)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, m, d;
	char tail;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return -1;
	if (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
		return -1;
	if (y < 1970 || y > 2200 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return -1;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return -1;
	return 0;
}

int
roster_parse_hhmm(const char *s, int *minutes)
{
	if (strlen(s) != 5 || s[2] != ':' || !isdigit((unsigned char)s[0]) ||
	    !isdigit((unsigned char)s[1]) || !isdigit((unsigned char)s[3]) ||
	    !isdigit((unsigned char)s[4]))
		return -1;
	int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');

	if (h > 24 || m > 59 || (h == 24 && m != 0))
		return -1;
	*minutes = h * 60 + m;
	return 0;
}

int
roster_valid_ext_id(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 39)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return -1;
	return 0;
}

int
roster_valid_rate(const char *s)
{
	return in_list(s, rates) ? 0 : -1;
}

/* --- validation: each checker writes "path: expected ..." and returns -1 --- */

#define FAIL(...)                                                                                  \
	do {                                                                                       \
		snprintf(err, errlen, __VA_ARGS__);                                                \
		return -1;                                                                         \
	} while (0)

static const char *
get_str(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int
check_str(json_t *obj, const char *path, const char *key, int required, size_t maxlen, char *err,
          size_t errlen)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL || json_is_null(v)) {
		if (required)
			FAIL("%s.%s: expected a string, found nothing", path, key);
		return 0;
	}
	if (!json_is_string(v))
		FAIL("%s.%s: expected a string", path, key);
	if (json_string_length(v) == 0 && required)
		FAIL("%s.%s: expected a non-empty string", path, key);
	if (json_string_length(v) > maxlen)
		FAIL("%s.%s: expected at most %zu characters", path, key, maxlen);
	return 0;
}

static int
check_date(json_t *obj, const char *path, const char *key, int required, char *err, size_t errlen)
{
	const char *s;

	if (check_str(obj, path, key, required, 10, err, errlen) < 0)
		return -1;
	s = get_str(obj, key);
	if (s && roster_valid_date(s) < 0)
		FAIL("%s.%s: expected a date YYYY-MM-DD, found \"%s\"", path, key, s);
	return 0;
}

static int
check_bool(json_t *obj, const char *path, const char *key, char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, key);

	if (v && !json_is_boolean(v))
		FAIL("%s.%s: expected true or false", path, key);
	return 0;
}

static int
check_session(json_t *s, const char *path, int need_weekdays, char *err, size_t errlen)
{
	int a, b;
	const char *start, *end;

	if (!json_is_object(s))
		FAIL("%s: expected an object with start and end", path);
	if (need_weekdays) {
		json_t *wd = json_object_get(s, "weekdays"), *d;
		size_t i;

		if (!json_is_array(wd) || json_array_size(wd) == 0)
			FAIL("%s.weekdays: expected a list of weekdays 1 (Monday) to 7 (Sunday)",
			     path);
		json_array_foreach(wd, i, d) if (!json_is_integer(d) || json_integer_value(d) < 1 ||
		                                 json_integer_value(d) > 7)
		    FAIL("%s.weekdays[%zu]: expected a weekday 1 (Monday) to 7 (Sunday)", path, i);
	}
	start = get_str(s, "start");
	end = get_str(s, "end");
	if (start == NULL || roster_parse_hhmm(start, &a) < 0)
		FAIL("%s.start: expected a time HH:MM", path);
	if (end == NULL || roster_parse_hhmm(end, &b) < 0)
		FAIL("%s.end: expected a time HH:MM", path);
	if (b <= a)
		FAIL("%s.end: expected a time after start (%s)", path, start);
	return check_bool(s, path, "offsite", err, errlen);
}

static int
check_participant(json_t *p, size_t idx, json_t *seen_cards, json_t *seen_ids, char *err,
                  size_t errlen)
{
	char path[64], sub[128];
	json_t *v, *cards, *sched, *x;
	const char *id, *rate, *lang;
	size_t i;

	snprintf(path, sizeof(path), "participants[%zu]", idx);
	if (!json_is_object(p))
		FAIL("%s: expected an object", path);
	if (check_str(p, path, "id", 1, 39, err, errlen) < 0 ||
	    check_str(p, path, "name", 1, 127, err, errlen) < 0 ||
	    check_str(p, path, "language", 0, 15, err, errlen) < 0 ||
	    check_str(p, path, "regime", 0, 63, err, errlen) < 0 ||
	    check_str(p, path, "group", 0, 39, err, errlen) < 0 ||
	    check_date(p, path, "programme_start", 1, err, errlen) < 0 ||
	    check_date(p, path, "programme_end", 0, err, errlen) < 0 ||
	    check_bool(p, path, "sole_carer", err, errlen) < 0 ||
	    check_bool(p, path, "chronic_child", err, errlen) < 0)
		return -1;
	if (get_str(p, "programme_end") &&
	    strcmp(get_str(p, "programme_end"), get_str(p, "programme_start")) < 0)
		FAIL("%s.programme_end: expected a date on or after programme_start (%s)", path,
		     get_str(p, "programme_start"));
	id = get_str(p, "id");
	if (roster_valid_ext_id(id) < 0)
		FAIL("%s.id: expected letters, digits, '-', '_' or '.'", path);
	if (json_object_get(seen_ids, id))
		FAIL("%s.id: \"%s\" appears twice", path, id);
	json_object_set_new(seen_ids, id, json_true());
	rate = get_str(p, "rate");
	if (json_object_get(p, "rate") && (rate == NULL || roster_valid_rate(rate) < 0))
		FAIL("%s.rate: expected full | under25_alone | under25_with_parents", path);
	lang = get_str(p, "language");
	if (lang)
		for (const char *c = lang; *c; c++)
			if (!isalnum((unsigned char)*c) && *c != '-')
				FAIL("%s.language: expected a language code like nb, ar or fa-AF",
				     path);
	v = json_object_get(p, "children");
	if (v && (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 30))
		FAIL("%s.children: expected a whole number 0 to 30", path);
	v = json_object_get(p, "monthly_benefit");
	if (v && !json_is_null(v)) {
		const char *m = json_string_value(v);
		char *end;

		if (m == NULL || strtod(m, &end) < 0 || *end || end == m || strlen(m) > 20)
			FAIL("%s.monthly_benefit: expected null or a decimal string like "
			     "\"6500.00\"",
			     path);
	}

	cards = json_object_get(p, "cards");
	if (cards && !json_is_array(cards))
		FAIL("%s.cards: expected a list of card UIDs", path);
	json_array_foreach(cards, i, x)
	{
		char uid[NFC_UID_MAX];

		if (!json_is_string(x) ||
		    nfc_uid_normalize(json_string_value(x), uid, sizeof(uid)) < 0)
			FAIL("%s.cards[%zu]: expected a UID of 4, 7 or 10 bytes in hex", path, i);
		if (json_object_get(seen_cards, uid))
			FAIL("%s.cards[%zu]: card %s is also given to %s", path, i, uid,
			     json_string_value(json_object_get(seen_cards, uid)));
		json_object_set_new(seen_cards, uid, json_string(id));
	}

	sched = json_object_get(p, "schedule");
	if (sched == NULL)
		return 0;
	if (!json_is_object(sched))
		FAIL("%s.schedule: expected an object with template and exceptions", path);
	v = json_object_get(sched, "template");
	if (v && !json_is_array(v))
		FAIL("%s.schedule.template: expected a list of sessions", path);
	if (json_array_size(v) > MAX_SESSIONS)
		FAIL("%s.schedule.template: expected at most %d sessions", path, MAX_SESSIONS);
	json_array_foreach(v, i, x)
	{
		snprintf(sub, sizeof(sub), "%s.schedule.template[%zu]", path, i);
		if (check_session(x, sub, 1, err, errlen) < 0)
			return -1;
	}
	v = json_object_get(sched, "exceptions");
	if (v && !json_is_array(v))
		FAIL("%s.schedule.exceptions: expected a list", path);
	json_array_foreach(v, i, x)
	{
		json_t *ss = json_object_get(x, "sessions"), *s1;
		size_t j;

		snprintf(sub, sizeof(sub), "%s.schedule.exceptions[%zu]", path, i);
		if (!json_is_object(x))
			FAIL("%s: expected an object with date and sessions", sub);
		if (check_date(x, sub, "date", 1, err, errlen) < 0)
			return -1;
		if (!json_is_array(ss) || json_array_size(ss) > MAX_SESSIONS)
			FAIL("%s.sessions: expected a list of at most %d sessions ([] = free day)",
			     sub, MAX_SESSIONS);
		json_array_foreach(ss, j, s1)
		{
			char sub2[160];

			snprintf(sub2, sizeof(sub2), "%s.sessions[%zu]", sub, j);
			if (check_session(s1, sub2, 0, err, errlen) < 0)
				return -1;
		}
	}
	return 0;
}

static int
check_absence(json_t *a, size_t idx, json_t *ids, char *err, size_t errlen)
{
	char path[64];
	const char *cat, *from, *to;
	json_t *m;

	snprintf(path, sizeof(path), "absences[%zu]", idx);
	if (!json_is_object(a))
		FAIL("%s: expected an object", path);
	if (check_str(a, path, "id", 1, 39, err, errlen) < 0 ||
	    check_str(a, path, "participant", 1, 39, err, errlen) < 0 ||
	    check_str(a, path, "category", 1, 31, err, errlen) < 0 ||
	    check_date(a, path, "from", 1, err, errlen) < 0 ||
	    check_date(a, path, "to", 1, err, errlen) < 0 ||
	    check_str(a, path, "documentation", 0, 63, err, errlen) < 0 ||
	    check_str(a, path, "comment", 0, 255, err, errlen) < 0)
		return -1;
	if (!json_object_get(ids, get_str(a, "participant")))
		FAIL("%s.participant: expected the id of a participant in this roster", path);
	cat = get_str(a, "category");
	if (!in_list(cat, categories))
		FAIL("%s.category: expected one of leave_approved, religious_holiday, pregnancy, "
		     "birth_mother, birth_father, nursing, sick_doctor, sick_self_declared, "
		     "child_sick, vacation, leave_unpaid; found \"%s\"",
		     path, cat);
	from = get_str(a, "from");
	to = get_str(a, "to");
	if (strcmp(from, to) > 0)
		FAIL("%s.to: expected a date on or after from (%s)", path, from);
	m = json_object_get(a, "minutes");
	if (m && !json_is_null(m) &&
	    (!json_is_integer(m) || json_integer_value(m) < 1 || json_integer_value(m) > 1440))
		FAIL("%s.minutes: expected null (whole days) or 1 to 1440", path);
	return 0;
}

static int
validate(json_t *doc, char *err, size_t errlen)
{
	json_t *parts, *v, *x, *seen_cards, *ids;
	size_t i;
	int rc = -1;

	if (!json_is_object(doc))
		FAIL("roster: expected a JSON object");
	parts = json_object_get(doc, "participants");
	if (!json_is_array(parts))
		FAIL("participants: expected a list");
	seen_cards = json_object();
	ids = json_object();
	json_array_foreach(parts, i, x) if (check_participant(x, i, seen_cards, ids, err, errlen) <
	                                    0) goto out;
	v = json_object_get(doc, "absences");
	if (v && !json_is_array(v)) {
		snprintf(err, errlen, "absences: expected a list");
		goto out;
	}
	json_array_foreach(v, i, x) if (check_absence(x, i, ids, err, errlen) < 0) goto out;
	v = json_object_get(doc, "g");
	if (v && !json_is_array(v)) {
		snprintf(err, errlen, "g: expected a list of {from, amount}");
		goto out;
	}
	json_array_foreach(v, i, x)
	{
		char path[32];
		json_t *amt = json_object_get(x, "amount");

		snprintf(path, sizeof(path), "g[%zu]", i);
		if (!json_is_object(x) || check_date(x, path, "from", 1, err, errlen) < 0)
			goto out_msg;
		if (!json_is_integer(amt) || json_integer_value(amt) <= 0 ||
		    json_integer_value(amt) > 100000000) {
			snprintf(err, errlen, "%s.amount: expected a whole number of kroner > 0",
			         path);
			goto out;
		}
	}
	v = json_object_get(doc, "closures");
	if (v && !json_is_array(v)) {
		snprintf(err, errlen, "closures: expected a list of dates");
		goto out;
	}
	json_array_foreach(v, i, x)
	{
		const char *d = json_is_string(x) ? json_string_value(x) : get_str(x, "date");

		if (d == NULL || roster_valid_date(d) < 0) {
			snprintf(err, errlen,
			         "closures[%zu]: expected a date YYYY-MM-DD or {date, reason}", i);
			goto out;
		}
	}
	rc = 0;
	goto out;
out_msg:
	if (!err[0])
		snprintf(err, errlen, "g: expected a list of {from, amount}");
out:
	json_decref(seen_cards);
	json_decref(ids);
	return rc;
}

int
roster_parse(const char *text, size_t len, struct roster **out, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *doc;
	struct roster *r;

	*out = NULL;
	err[0] = '\0';
	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL)
		FAIL("line %d column %d: %s", jerr.line, jerr.column, jerr.text);
	if (validate(doc, err, errlen) < 0) {
		json_decref(doc);
		return -1;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		json_decref(doc);
		FAIL("out of memory");
	}
	r->doc = doc;
	roster_text_hash(text, len, r->hash);
	*out = r;
	return 0;
}

void
roster_text_hash(const char *text, size_t len, char out[65])
{
	unsigned char d[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(d, (const unsigned char *)text, len);
	sodium_bin2hex(out, 65, d, sizeof(d));
}

int
roster_hash_in_force(const char *hash, struct store *s)
{
	char in_force[80] = "";

	return store_meta_get(s, META_HASH, in_force, sizeof(in_force)) == 0 &&
	       strcmp(in_force, hash) == 0;
}

/* The whole file, NUL-terminated; NULL with err. */
char *
roster_read_file(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL, *nb;
	size_t cap = 0, n = 0, got;

	if (f == NULL) {
		snprintf(err, errlen, "%.300s: %s", path, strerror(errno));
		return NULL;
	}
	do {
		if (n + 65536 + 1 > cap) {
			cap = cap ? cap * 2 : 1 << 20;
			if ((nb = realloc(buf, cap)) == NULL) {
				snprintf(err, errlen, "%.300s: out of memory", path);
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
	} while (got > 0);
	if (ferror(f)) {
		snprintf(err, errlen, "%.300s: cannot read it", path);
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

const char *
roster_hash(const struct roster *r)
{
	return r->hash;
}

size_t
roster_participants(const struct roster *r)
{
	return json_array_size(json_object_get(r->doc, "participants"));
}

int
roster_in_force(const struct roster *r, struct store *s)
{
	return roster_hash_in_force(r->hash, s);
}

int
roster_check_refs(const struct roster *r, const char *regime_dir, char *err, size_t errlen)
{
	json_t *parts = json_object_get(r->doc, "participants"), *p, *known = json_object();
	size_t i;
	int rc = 0;

	if (known == NULL)
		FAIL("out of memory");
	json_array_foreach(parts, i, p)
	{
		const char *name = get_str(p, "regime") ? get_str(p, "regime") : DEFAULT_REGIME;
		struct rules_regime reg;
		char why[512];

		if (json_object_get(known, name))
			continue;
		if (!regime_name_valid(name)) {
			snprintf(err, errlen,
			         "participants[%zu].regime: expected a regime name "
			         "(a-z, 0-9, '-'), found \"%.63s\"",
			         i, name);
			rc = -1;
			break;
		}
		if (regime_load(regime_dir, name, &reg, why, sizeof(why)) < 0) {
			snprintf(err, errlen,
			         "participants[%zu].regime: \"%s\" is not a regime "
			         "this kiosk has (%.300s)",
			         i, name, why);
			rc = -1;
			break;
		}
		json_object_set_new(known, name, json_true());
	}
	json_decref(known);
	return rc;
}

void
roster_free(struct roster *r)
{
	if (r == NULL)
		return;
	json_decref(r->doc);
	free(r);
}

/* --- apply --- */

static size_t
sessions_of(json_t *list, int weekday, struct store_session *out, size_t max)
{
	size_t n = 0, i;
	json_t *x;

	json_array_foreach(list, i, x)
	{
		json_t *wd = json_object_get(x, "weekdays"), *d;
		size_t j;
		int a, b;

		roster_parse_hhmm(get_str(x, "start"), &a);
		roster_parse_hhmm(get_str(x, "end"), &b);
		if (wd == NULL) {
			if (n < max)
				out[n++] = (struct store_session){
				    weekday, a, b, json_is_true(json_object_get(x, "offsite"))};
			continue;
		}
		json_array_foreach(wd, j, d) if (n < max) out[n++] = (struct store_session){
		    (int)json_integer_value(d), a, b, json_is_true(json_object_get(x, "offsite"))};
	}
	return n;
}

/*
 * --- what changed: saved quota states after it go in the step's transaction ---
 *
 * A roster is mostly the roster in force again with a few changes: comparing each
 * participant, schedule, exception, absence, closure and G value with what is
 * stored keeps the saved states (store_results.c) of everyone it does not change,
 * so 2,000 participants do not walk three years again for one new sick note.
 */
static int
stale(struct store *s, int64_t pid, const char *date)
{
	int32_t d = INT32_MIN;

	if (date && *date && rules_date_parse(date, &d) < 0)
		d = INT32_MIN; /* not a date: everything is safe */
	return store_quota_state_delete_after(s, pid, d);
}

/* Whether a participant's fields the rules engine reads differ. */
static int
engine_fields_differ(const struct store_participant *a, const struct store_participant *b)
{
	return strcmp(a->regime, b->regime) || strcmp(a->rate, b->rate) ||
	       strcmp(a->programme_start, b->programme_start) ||
	       strcmp(a->programme_end, b->programme_end) || a->children != b->children ||
	       a->sole_carer != b->sole_carer || a->chronic_child != b->chronic_child ||
	       strcmp(a->monthly_benefit, b->monthly_benefit) || !a->active;
}

static int
session_cmp(const void *x, const void *y)
{
	const struct store_session *a = x, *b = y;

	if (a->weekday != b->weekday)
		return a->weekday - b->weekday;
	if (a->start_min != b->start_min)
		return a->start_min - b->start_min;
	if (a->end_min != b->end_min)
		return a->end_min - b->end_min;
	return (a->offsite != 0) - (b->offsite != 0);
}

/* Whether the stored weekly template of `pid` is the roster's `ss` (any order). */
static int
template_differs(struct store *s, int64_t pid, struct store_session *ss, size_t n, int *differs)
{
	struct store_session *old;
	size_t n_old;

	if (store_schedule_rows(s, pid, &old, &n_old) < 0)
		return -1;
	qsort(old, n_old, sizeof(*old), session_cmp);
	qsort(ss, n, sizeof(*ss), session_cmp);
	*differs = n != n_old;
	for (size_t i = 0; !*differs && i < n; i++)
		*differs = session_cmp(&old[i], &ss[i]) != 0;
	free(old);
	return 0;
}

/* Whether the stored exception on `date` differs from the roster's `ss` (n 0 = a free day). */
static int
exception_differs(const struct store_exception_row *old, size_t n_old, const char *date,
                  struct store_session *ss, size_t n)
{
	struct store_session o[MAX_SESSIONS];
	size_t k = 0;
	int had = 0;

	for (size_t i = 0; i < n_old; i++) {
		if (strcmp(old[i].date, date) != 0)
			continue;
		had = 1;
		if (old[i].start_min < 0)
			continue; /* the free day's row */
		if (k == MAX_SESSIONS)
			return 1;
		o[k++] = (struct store_session){0, old[i].start_min, old[i].end_min,
		                                old[i].offsite != 0};
	}
	if (!had || k != n)
		return 1;
	qsort(o, k, sizeof(*o), session_cmp);
	qsort(ss, n, sizeof(*ss), session_cmp);
	for (size_t i = 0; i < n; i++)
		if (o[i].start_min != ss[i].start_min || o[i].end_min != ss[i].end_min ||
		    (o[i].offsite != 0) != (ss[i].offsite != 0))
			return 1;
	return 0;
}

static int
apply_participant(json_t *p, struct store *s, const struct cardkey *key, int64_t *id,
                  struct roster_stats *st)
{
	struct store_participant old;
	struct store_exception_row *old_ex = NULL;
	size_t n_old_ex = 0;
	int had, differs = 0;
	struct store_participant sp = {.active = 1};
	struct store_session ss[MAX_SESSIONS * 7];
	json_t *cards = json_object_get(p, "cards"), *sched, *v, *x;
	size_t n, i;

	snprintf(sp.ext_id, sizeof(sp.ext_id), "%s", get_str(p, "id"));
	snprintf(sp.name, sizeof(sp.name), "%s", get_str(p, "name"));
	snprintf(sp.language, sizeof(sp.language), "%s",
	         get_str(p, "language") ? get_str(p, "language") : "nb");
	snprintf(sp.regime, sizeof(sp.regime), "%s",
	         get_str(p, "regime") ? get_str(p, "regime") : DEFAULT_REGIME);
	snprintf(sp.rate, sizeof(sp.rate), "%s", get_str(p, "rate") ? get_str(p, "rate") : "full");
	snprintf(sp.programme_start, sizeof(sp.programme_start), "%s",
	         get_str(p, "programme_start"));
	if (get_str(p, "group"))
		snprintf(sp.group, sizeof(sp.group), "%s", get_str(p, "group"));
	if (get_str(p, "programme_end"))
		snprintf(sp.programme_end, sizeof(sp.programme_end), "%s",
		         get_str(p, "programme_end"));
	sp.children = (int)json_integer_value(json_object_get(p, "children"));
	sp.sole_carer = json_is_true(json_object_get(p, "sole_carer"));
	sp.chronic_child = json_is_true(json_object_get(p, "chronic_child"));
	if (get_str(p, "monthly_benefit"))
		snprintf(sp.monthly_benefit, sizeof(sp.monthly_benefit), "%s",
		         get_str(p, "monthly_benefit"));
	if ((had = store_participant_by_ext(s, sp.ext_id, &old)) < 0)
		return -1;
	had = had == 0;
	if (store_participant_upsert(s, &sp, id) < 0)
		return -1;
	/* Another rate, start, regime, ...: every day may change. */
	if (had && engine_fields_differ(&old, &sp) && stale(s, *id, "") < 0)
		return -1;

	/* The roster's cards are collected; the card pass at the end applies them whole. */
	json_array_foreach(cards, i, x)
	{
		char uid[NFC_UID_MAX], k[CARDKEY_MAX];

		nfc_uid_normalize(json_string_value(x), uid, sizeof(uid));
		cardkey_of_uid(key, uid, k);
		if (store_roster_card_add(s, k, *id) < 0)
			return -1;
		st->cards++;
	}

	sched = json_object_get(p, "schedule");
	n = sessions_of(json_object_get(sched, "template"), 0, ss, sizeof(ss) / sizeof(ss[0]));
	/* The weekly template holds from the first date: a new one changes every day. */
	if (had &&
	    (template_differs(s, *id, ss, n, &differs) < 0 || (differs && stale(s, *id, "") < 0)))
		return -1;
	if (store_schedule_set(s, *id, ss, n) < 0)
		return -1;
	v = json_object_get(sched, "exceptions");
	if (had && json_array_size(v) &&
	    store_schedule_exception_rows(s, *id, &old_ex, &n_old_ex) < 0)
		return -1;
	json_array_foreach(v, i, x)
	{
		const char *date = get_str(x, "date");

		n = sessions_of(json_object_get(x, "sessions"), 0, ss, MAX_SESSIONS);
		/* A changed exception changes its own day: states after it go. */
		if (had && exception_differs(old_ex, n_old_ex, date, ss, n) &&
		    stale(s, *id, date) < 0) {
			free(old_ex);
			return -1;
		}
		if (store_schedule_exception_set(s, *id, date, ss, n) < 0) {
			free(old_ex);
			return -1;
		}
	}
	free(old_ex);
	return 0;
}

/* An import's phases, in order; each step of the job works through them for ~20 ms. */
enum phase { PH_PARTICIPANTS, PH_DEACTIVATE, PH_CARDS, PH_ABSENCES, PH_TAIL, PH_DONE };

struct roster_job {
	const struct roster *r;
	struct store *s;
	const struct cardkey *key;
	enum phase phase;
	size_t next;    /* the next participant, card statement or absence */
	int64_t cursor; /* within a statement over a table: the rowid done up to */
	struct store_card_pass pass;
	struct roster_stats st;
};

int
roster_job_new(const struct roster *r, struct store *s, const struct cardkey *key,
               struct roster_job **out, char *err, size_t errlen)
{
	struct roster_job *j;
	*out = NULL;
	if ((j = calloc(1, sizeof(*j))) == NULL)
		FAIL("out of memory");
	j->r = r;
	j->s = s;
	j->key = key;
	if (roster_in_force(r, s)) {
		/* The roster in force, again: nothing to write (and nothing written). */
		j->st.unchanged = 1;
		j->phase = PH_DONE;
	} else if (store_roster_cards_begin(s) < 0) {
		roster_job_free(j);
		FAIL("database: %s", store_errmsg(s));
	}
	*out = j;
	return 0;
}

void
roster_job_free(struct roster_job *j)
{
	free(j);
}

const struct roster_stats *
roster_job_stats(const struct roster_job *j)
{
	return &j->st;
}

/* A new or changed absence: states after its first day (and the old one's) go. */
static int
absence_stale(struct store *s, const struct store_absence *a)
{
	struct store_absence_row old;
	int rc = store_absence_find(s, a->uuid, &old);

	if (rc < 0)
		return -1;
	if (rc == 1)
		return stale(s, a->participant_id, a->from_date);
	if (old.a.participant_id == a->participant_id && !strcmp(old.a.category, a->category) &&
	    !strcmp(old.a.from_date, a->from_date) && !strcmp(old.a.to_date, a->to_date) &&
	    old.a.minutes == a->minutes && !strcmp(old.a.documentation, a->documentation))
		return 0;
	if (stale(s, old.a.participant_id, old.a.from_date) < 0)
		return -1;
	return stale(s, a->participant_id, a->from_date);
}

static int
apply_absence(json_t *x, struct store *s)
{
	struct store_participant p;
	struct store_absence a = {.minutes = -1};
	json_t *m = json_object_get(x, "minutes");

	if (store_participant_by_ext(s, get_str(x, "participant"), &p) != 0)
		return -1;
	snprintf(a.uuid, sizeof(a.uuid), "%s", get_str(x, "id"));
	a.participant_id = p.id;
	snprintf(a.category, sizeof(a.category), "%s", get_str(x, "category"));
	snprintf(a.from_date, sizeof(a.from_date), "%s", get_str(x, "from"));
	snprintf(a.to_date, sizeof(a.to_date), "%s", get_str(x, "to"));
	if (json_is_integer(m))
		a.minutes = (int)json_integer_value(m);
	if (get_str(x, "documentation"))
		snprintf(a.documentation, sizeof(a.documentation), "%s",
		         get_str(x, "documentation"));
	if (get_str(x, "comment"))
		snprintf(a.comment, sizeof(a.comment), "%s", get_str(x, "comment"));
	snprintf(a.registered_by, sizeof(a.registered_by), "roster");
	if (absence_stale(s, &a) < 0)
		return -1;
	return store_absence_upsert(s, &a);
}

/* G values, closures, and the roster's hash: the import is complete. */
static int
apply_tail(struct roster_job *j)
{
	json_t *x;
	size_t i;

	struct store_g *g;
	size_t n_g;

	/* A new G changes money from its date (over-invalidating is safe). */
	if (store_g_values(j->s, &g, &n_g) < 0)
		return -1;
	json_array_foreach(json_object_get(j->r->doc, "g"), i, x)
	{
		const char *from = get_str(x, "from");
		int64_t amount = json_integer_value(json_object_get(x, "amount"));
		int same = 0;

		for (size_t k = 0; k < n_g && !same; k++)
			same = !strcmp(g[k].from, from) && g[k].amount == amount;
		if ((!same && stale(j->s, 0, from) < 0) || store_g_set(j->s, from, amount) < 0) {
			free(g);
			return -1;
		}
		j->st.g_values++;
	}
	free(g);
	json_array_foreach(json_object_get(j->r->doc, "closures"), i, x)
	{
		const char *d = json_is_string(x) ? json_string_value(x) : get_str(x, "date");
		int closed = store_is_closed(j->s, d);

		/* A new closure day changes everyone's day. */
		if (closed < 0 || (closed == 0 && stale(j->s, 0, d) < 0) ||
		    store_closure_add(j->s, d, json_is_string(x) ? "" : get_str(x, "reason")) < 0)
			return -1;
		j->st.closures++;
	}
	return store_meta_set(j->s, META_HASH, j->r->hash);
}

/* Some work of the current phase; 0 or -1.  Moves to the next phase when it is done. */
static int
work(struct roster_job *j)
{
	json_t *parts = json_object_get(j->r->doc, "participants");
	json_t *abs = json_object_get(j->r->doc, "absences");
	int64_t id, cursor;
	int rc;

	switch (j->phase) {
	case PH_PARTICIPANTS:
		if (j->next == json_array_size(parts)) {
			j->phase = PH_DEACTIVATE;
			return 0;
		}
		if (apply_participant(json_array_get(parts, j->next), j->s, j->key, &id, &j->st) <
		        0 ||
		    store_roster_keep(j->s, id) < 0)
			return -1;
		j->next++;
		j->st.participants++;
		return 0;
	case PH_DEACTIVATE:
		if (store_roster_deactivate_missing(j->s, j->cursor, &j->st.deactivated, &cursor) <
		    0)
			return -1;
		if (cursor >= 0) {
			j->cursor = cursor;
			return 0;
		}
		j->phase = PH_CARDS;
		j->next = 0;
		j->cursor = 0;
		return 0;
	case PH_CARDS:
		if ((rc = store_roster_cards_pass(j->s, (int)j->next, j->cursor, j->r->hash,
		                                  &j->pass, &cursor)) < 0)
			return -1;
		if (cursor >= 0) {
			j->cursor = cursor;
			return 0;
		}
		j->cursor = 0;
		j->next++;
		if (rc == 1) {
			j->st.card_conflicts = j->pass.conflicts;
			j->st.cards_acknowledged = j->pass.acknowledged;
			j->phase = PH_ABSENCES;
			j->next = 0;
		}
		return 0;
	case PH_ABSENCES:
		if (j->next == json_array_size(abs)) {
			j->phase = PH_TAIL;
			return 0;
		}
		if (apply_absence(json_array_get(abs, j->next), j->s) < 0)
			return -1;
		j->next++;
		j->st.absences++;
		return 0;
	case PH_TAIL:
		if (apply_tail(j) < 0)
			return -1;
		j->phase = PH_DONE;
		return 0;
	case PH_DONE:
		break;
	}
	return 0;
}

/* One step's work, inside store_txn()'s transaction; err filled before any rollback. */
static int
step_txn(struct store *s, void *arg, char *err, size_t errlen)
{
	struct roster_job *j = arg;
	int64_t t0 = clock_mono_ns();

	/* Work until the step's budget is spent; the rest in the next step. */
	while (j->phase != PH_DONE && clock_mono_ns() - t0 < STEP_BUDGET_NS)
		if (work(j) < 0) {
			snprintf(err, errlen,
			         "database: %s; the steps written before stay, the "
			         "roster is applied again whole by the next import",
			         store_errmsg(s));
			return -1;
		}
	return 0;
}

int
roster_job_step(struct roster_job *j, char *err, size_t errlen)
{
	if (j->phase == PH_DONE)
		return 0;
	if (store_txn(j->s, step_txn, j, err, errlen) != 0) {
		j->phase = PH_DONE;
		return -1;
	}
	return j->phase == PH_DONE ? 0 : 1;
}

int
roster_apply_in_txn(const struct roster *r, struct store *s, const struct cardkey *key,
                    struct roster_stats *st, char *err, size_t errlen)
{
	struct roster_job *j;
	int rc = 0;

	memset(st, 0, sizeof(*st));
	if (roster_job_new(r, s, key, &j, err, errlen) < 0)
		return -1;
	while (rc == 0 && j->phase != PH_DONE)
		rc = work(j);
	if (rc < 0)
		/* Read now: the caller's transaction rolls back after this returns. */
		snprintf(err, errlen, "database: %s; nothing was changed", store_errmsg(s));
	*st = j->st;
	roster_job_free(j);
	return rc;
}
