/*
 * board.c — the teacher board's front door: sessions, login and logout, the
 * CSRF check of every POST, the live event stream and the routes of the
 * other board files.  Only the SHA-256 of a session token is stored; the
 * token itself lives in an HttpOnly, SameSite=Strict cookie.  Nothing here
 * logs a password, a token or a session id.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <sodium.h>

#include "board.h"
#include "board_int.h"
#include "clock.h"
#include "cmd/cmd.h"
#include "config.h"
#include "html.h"
#include "log.h"
#include "tap.h"
#include "web.h"

#define LOGIN_COOKIE "stempel_login"
/* Login attempts: failures per user and per address, and all verifications. */
#define LOGIN_WINDOW_MS (5 * 60 * 1000)
#define LOGIN_FAIL_PER_USER 10
#define LOGIN_FAIL_PER_ADDR 30
/* ~45 ms each on the loop (auth.c): at most ~5% of a minute spent hashing. */
#define LOGIN_VERIFY_PER_MIN 60
/* Move a session's idle deadline at most once a minute (each move is a write). */
#define TOUCH_SLACK_MS (60 * 1000)

int64_t
board_now_ms(void)
{
	return clock_wall_ms(); /* sessions expire on the kiosk's clock, like its taps */
}

/* The kiosk's clock (clock.c), as the taps and day results have it: one "today". */
void
board_now(char date[11], int *minute)
{
	attendance_local_now(date, minute);
}

const char *
board_arg(const struct board_req *r, const char *name)
{
	const char *v = form_get(&r->query, name);

	return v ? v : "";
}

static void
set_cookie(struct board *b, struct evhttp_request *req, const char *name, const char *value,
	   const char *path, int max_age)
{
	char c[256];

	snprintf(c, sizeof(c), "%s=%s; Path=%s; Max-Age=%d; HttpOnly; SameSite=Strict%s", name, value,
		 path, max_age, b->secure ? "; Secure" : "");
	evhttp_add_header(evhttp_request_get_output_headers(req), "Set-Cookie", c);
}

static void
deny(struct evhttp_request *req, enum board_kind kind)
{
	if (kind == BOARD_HTML && evhttp_request_get_command(req) == EVHTTP_REQ_GET) {
		board_redirect(req, "/board/login");
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req), "Cache-Control", "no-store");
	web_reply_json(req, 401, json_pack("{s:s}", "error", "login required"));
}

int
board_begin(struct board *b, struct evhttp_request *req, enum board_kind kind,
	    struct board_req *r)
{
	const char *cookies = evhttp_find_header(evhttp_request_get_input_headers(req), "Cookie");
	const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	char token[AUTH_TOKEN_MAX + 8];
	int64_t now = board_now_ms(), idle = b->cfg->web.session_idle_s * 1000LL;
	int64_t max_age = b->cfg->web.session_max_s * 1000LL;

	memset(r, 0, sizeof(*r));
	r->b = b;
	r->req = req;
	if (auth_cookie_get(cookies, AUTH_COOKIE, token, sizeof(token)) != 0 ||
	    strlen(token) != AUTH_TOKEN_LEN) {
		deny(req, kind);
		return -1;
	}
	auth_token_hash(token, r->token_hash);
	sodium_memzero(token, sizeof(token));
	if (store_session_get(b->store, r->token_hash, &r->login) != 0) {
		deny(req, kind);
		return -1;
	}
	if (now >= r->login.expires_ms || now >= r->login.created_ms + max_age ||
	    store_user_get_id(b->store, r->login.user_id, &r->user) != 0 || r->user.disabled) {
		store_session_delete(b->store, r->token_hash);
		deny(req, kind);
		return -1;
	}
	sodium_memzero(r->user.pwhash, sizeof(r->user.pwhash));
	/* Short idle times (tests) move the deadline on every request past half of it. */
	if (r->login.expires_ms - now < idle - (idle / 2 < TOUCH_SLACK_MS ? idle / 2 : TOUCH_SLACK_MS)) {
		int64_t until = now + idle;

		if (until > r->login.created_ms + max_age)
			until = r->login.created_ms + max_age;
		store_session_touch(b->store, r->token_hash, until);
	}
	r->lang = strcmp(r->user.language, "en") == 0 ? "en" : "nb";
	if (q && form_parse(&r->query, q, strlen(q)) < 0) {
		board_fail(r, 400, board_t(r, "The address is malformed."));
		return -1;
	}
	return 0;
}

void
board_end(struct board_req *r)
{
	form_free(&r->query);
}

static int
read_body(struct evhttp_request *req, struct form *f)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	const char *ct = evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
	unsigned char *data;

	memset(f, 0, sizeof(*f));
	if (ct == NULL || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0 ||
	    len > FORM_MAX_BODY)
		return -1;
	data = evbuffer_pullup(in, -1);
	return form_parse(f, (const char *)data, len);
}

int
board_post(struct board_req *r, struct form *f)
{
	const char *got;

	if (evhttp_request_get_command(r->req) != EVHTTP_REQ_POST) {
		board_fail(r, 405, board_t(r, "Use the form on the page."));
		return -1;
	}
	if (read_body(r->req, f) < 0) {
		board_fail(r, 400, board_t(r, "The form could not be read."));
		return -1;
	}
	got = form_get(f, "csrf");
	if (got == NULL)
		got = evhttp_find_header(evhttp_request_get_input_headers(r->req), "X-CSRF-Token");
	if (auth_csrf_check(r->login.csrf, got) < 0) {
		form_free(f);
		log_warn("board: refused a form from %s without a valid CSRF token", r->user.username);
		board_fail(r, 403, board_t(r, "This form has expired. Go back, reload the page and try again."));
		return -1;
	}
	return 0;
}

void
board_actor(const struct board_req *r, char *out, size_t outlen)
{
	snprintf(out, outlen, "user:%s", r->user.username);
}

int
board_need_admin(struct board_req *r)
{
	if (strcmp(r->user.role, "admin") == 0)
		return 0;
	board_fail(r, 403, board_t(r, "Only administrators can do this."));
	return -1;
}

/* --- login, logout --- */

static void
client_key(struct evhttp_request *req, char *out, size_t outlen)
{
	struct evhttp_connection *conn = evhttp_request_get_connection(req);
	char *addr = NULL;
	ev_uint16_t port;

	if (conn)
		evhttp_connection_get_peer(conn, &addr, &port);
	snprintf(out, outlen, "addr:%s", addr ? addr : "?");
}

static void
login_page(struct board *b, struct evhttp_request *req, int status, const char *lang,
	   const char *error, const char *username)
{
	struct board_req r = {.b = b, .req = req, .lang = lang};
	struct evbuffer *out;
	char token[AUTH_TOKEN_MAX];

	/* Login CSRF: a double-submitted random value, cookie and hidden field. */
	auth_token_new(token);
	set_cookie(b, req, LOGIN_COOKIE, token, "/board/login", 900);
	if ((out = board_page_new(&r, board_t(&r, "Sign in"), "login")) == NULL)
		return;
	html_fmt(out, "<section class=\"login\"><h1>%s</h1>", board_t(&r, "Attendance board"));
	if (error)
		html_fmt(out, "<p class=\"error\" role=\"alert\">%s</p>", error);
	html_fmt(out, "<form method=\"post\" action=\"/board/login\">"
		      "<input type=\"hidden\" name=\"login_csrf\" value=\"%s\">"
		      "<input type=\"hidden\" name=\"lang\" value=\"%s\">"
		      "<label>%s<input name=\"username\" autocomplete=\"username\" "
		      "autocapitalize=\"none\" required value=\"%s\"></label>"
		      "<label>%s<input name=\"password\" type=\"password\" "
		      "autocomplete=\"current-password\" required></label>"
		      "<button type=\"submit\" class=\"primary\">%s</button></form>",
		 token, lang, board_t(&r, "User name"), username ? username : "",
		 board_t(&r, "Password"), board_t(&r, "Sign in"));
	html_fmt(out, "<p class=\"muted\"><a href=\"/board/login?lang=%s\">%s</a></p></section>",
		 strcmp(lang, "en") ? "en" : "nb", strcmp(lang, "en") ? "English" : "Norsk bokmål");
	board_page_finish(&r, out, status);
}

static void
start_session(struct board *b, struct evhttp_request *req, const struct store_user *u)
{
	struct store_login l = {.user_id = u->id};
	struct cmd_session_args args;
	struct cmd_result res;
	struct cmd_ctx ctx;
	char token[AUTH_TOKEN_MAX], hash[AUTH_DIGEST_MAX], actor[96];
	int64_t now = board_now_ms();

	auth_token_new(token);
	auth_token_hash(token, hash);
	auth_token_new(l.csrf);
	l.created_ms = now;
	l.expires_ms = now + b->cfg->web.session_idle_s * 1000LL;
	snprintf(actor, sizeof(actor), "user:%s", u->username);
	cmd_ctx_init(&ctx, b->cmd, actor);
	args = (struct cmd_session_args){.token_hash = hash, .login = &l,
					 .max_age_ms = b->cfg->web.session_max_s * 1000LL};
	if (cmd_session_login(&ctx, &args, &res) < 0) {
		sodium_memzero(token, sizeof(token));
		evhttp_send_error(req, 503, "cannot start a session");
		return;
	}
	set_cookie(b, req, AUTH_COOKIE, token, "/", b->cfg->web.session_max_s);
	set_cookie(b, req, LOGIN_COOKIE, "", "/board/login", 0);
	sodium_memzero(token, sizeof(token));
	board_redirect(req, "/board");
}

static void
too_many(struct board *b, struct evhttp_request *req, const char *lang, int retry_s)
{
	char s[16];

	snprintf(s, sizeof(s), "%d", retry_s > 0 ? retry_s : 60);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", s);
	login_page(b, req, 429, lang,
		   strcmp(lang, "en") ? "For mange forsøk. Vent noen minutter og prøv igjen."
				      : "Too many attempts. Wait a few minutes and try again.",
		   NULL);
}

static void
on_login_post(struct board *b, struct evhttp_request *req)
{
	const char *cookies = evhttp_find_header(evhttp_request_get_input_headers(req), "Cookie");
	char cookie[AUTH_TOKEN_MAX + 8], ukey[AUTH_LIMIT_KEY], akey[AUTH_LIMIT_KEY];
	const char *user, *pass, *lang;
	struct store_user u;
	struct form f;
	int64_t now = board_now_ms();
	int found, ok = 0;

	if (read_body(req, &f) < 0) {
		login_page(b, req, 400, "nb", "Skjemaet kunne ikke leses / The form could not be read.",
			   NULL);
		return;
	}
	lang = form_get(&f, "lang") && !strcmp(form_get(&f, "lang"), "en") ? "en" : "nb";
	if (auth_cookie_get(cookies, LOGIN_COOKIE, cookie, sizeof(cookie)) != 0 ||
	    auth_csrf_check(cookie, form_get(&f, "login_csrf")) < 0) {
		login_page(b, req, 403, lang,
			   strcmp(lang, "en") ? "Skjemaet er utløpt. Prøv igjen."
					      : "The form has expired. Try again.",
			   NULL);
		goto out;
	}
	user = form_get(&f, "username");
	pass = form_get(&f, "password");
	if (user == NULL || pass == NULL || strlen(pass) > AUTH_PASSWORD_MAX) {
		login_page(b, req, 400, lang, NULL, NULL);
		goto out;
	}
	client_key(req, akey, sizeof(akey));
	snprintf(ukey, sizeof(ukey), "user:%.60s", user);
	if (auth_limit_blocked(&b->by_addr, akey, now) || auth_limit_blocked(&b->by_user, ukey, now) ||
	    auth_limit_blocked(&b->verifies, "all", now)) {
		int ra = auth_limit_retry_after(&b->by_user, ukey, now);

		if (auth_limit_retry_after(&b->by_addr, akey, now) > ra)
			ra = auth_limit_retry_after(&b->by_addr, akey, now);
		log_warn("board: login attempts from %s rate limited", akey + 5);
		too_many(b, req, lang, ra);
		goto out;
	}
	auth_limit_hit(&b->verifies, "all", now);
	found = auth_username_valid(user) == 0 && store_user_get(b->store, user, &u) == 0;
	if (found && !u.disabled)
		ok = auth_password_verify(u.pwhash, pass) == 0;
	else
		auth_password_dummy(pass); /* the same time whether or not the user exists */
	if (found)
		sodium_memzero(u.pwhash, sizeof(u.pwhash));
	if (!ok) {
		auth_limit_hit(&b->by_user, ukey, now);
		auth_limit_hit(&b->by_addr, akey, now);
		log_warn("board: failed sign-in from %s", akey + 5);
		login_page(b, req, 401, lang,
			   strcmp(lang, "en") ? "Feil brukernavn eller passord."
					      : "Wrong user name or password.",
			   user);
		goto out;
	}
	auth_limit_reset(&b->by_user, ukey);
	log_info("board: %s signed in", u.username);
	start_session(b, req, &u);
out:
	/* The password was in the form: wipe every value before freeing. */
	for (size_t i = 0; i < f.n; i++)
		sodium_memzero(f.f[i].value, strlen(f.f[i].value));
	form_free(&f);
}

static void
on_login(struct evhttp_request *req, void *arg)
{
	struct board *b = arg;
	const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	const char *lang = q && strstr(q, "lang=en") ? "en" : "nb";

	if (evhttp_request_get_command(req) == EVHTTP_REQ_POST) {
		on_login_post(b, req);
		return;
	}
	login_page(b, req, 200, lang, NULL, NULL);
}

static void
on_logout(struct evhttp_request *req, void *arg)
{
	struct board_req r;
	struct form f;

	if (board_begin(arg, req, BOARD_HTML, &r) < 0)
		return;
	if (board_post(&r, &f) == 0) {
		struct cmd_session_args args = {.token_hash = r.token_hash};
		struct cmd_result res;
		struct cmd_ctx ctx;
		char actor[96];

		board_actor(&r, actor, sizeof(actor));
		cmd_ctx_init(&ctx, r.b->cmd, actor);
		cmd_session_logout(&ctx, &args, &res);
		set_cookie(r.b, req, AUTH_COOKIE, "", "/", 0);
		board_redirect(req, "/board/login");
		form_free(&f);
	}
	board_end(&r);
}

/* --- live events --- */

static void
on_events(struct evhttp_request *req, void *arg)
{
	struct board *b = arg;
	struct board_req r;

	if (board_begin(b, req, BOARD_API, &r) < 0)
		return;
	web_sse_open(b->web, req, WEB_SSE_BOARD);
	board_end(&r);
}

void
board_tap(struct board *b, const struct tap_answer *ans)
{
	json_t *j;

	if (b == NULL || ans->repeat)
		return;
	j = json_pack("{s:s, s:s, s:s, s:s, s:s}", "outcome", tap_outcome_name(ans->outcome),
		      "participant", ans->participant, "name", ans->name, "time", ans->local_time,
		      "direction", ans->direction);
	/* The board stream is signed-in only: it may carry the card key (never the UID). */
	if (j && ans->outcome == TAP_UNKNOWN_CARD)
		json_object_set_new(j, "card_key", json_string(ans->card_key));
	if (j)
		web_sse_publish(b->web, WEB_SSE_BOARD, "tap", j);
	json_decref(j);
}

void
board_status(struct board *b)
{
	json_t *j = json_object();

	if (b && j)
		web_sse_publish(b->web, WEB_SSE_BOARD, "status", j);
	json_decref(j);
}

struct board *
board_start(struct web *w, struct store *s, struct attendance *att, struct reports *reports,
	    const struct cmd_env *cmd, const struct config *cfg, char *err, size_t errlen)
{
	struct board *b = calloc(1, sizeof(*b));

	if (b == NULL || auth_init() < 0) {
		snprintf(err, errlen, "board: out of memory");
		free(b);
		return NULL;
	}
	b->web = w;
	b->store = s;
	b->att = att;
	b->reports = reports;
	b->cmd = cmd;
	b->cfg = cfg;
	b->secure = cfg->web.cert[0] != 0;
	auth_limit_init(&b->by_user, LOGIN_FAIL_PER_USER, LOGIN_WINDOW_MS);
	auth_limit_init(&b->by_addr, LOGIN_FAIL_PER_ADDR, LOGIN_WINDOW_MS);
	auth_limit_init(&b->verifies, LOGIN_VERIFY_PER_MIN, 60 * 1000);
	if (web_route(w, "/board/login", on_login, b) < 0 ||
	    web_route(w, "/board/logout", on_logout, b) < 0 ||
	    web_route(w, "/board/events", on_events, b) < 0) {
		snprintf(err, errlen, "board: cannot register routes");
		free(b);
		return NULL;
	}
	board_page_routes(b);
	board_today_routes(b);
	board_participant_routes(b);
	board_forms_routes(b);
	board_audit_routes(b);
	board_admin_routes(b);
	return b;
}

void
board_stop(struct board *b)
{
	free(b);
}
