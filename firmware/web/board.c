/*
 * board.c — the teacher board's front door: sessions, login and logout, the
 * CSRF check of every POST, the live event stream and the routes of the
 * other board files.  Only the SHA-256 of a session token is stored; the
 * token itself lives in an HttpOnly, SameSite=Strict cookie.  Nothing here
 * logs a password, a token or a session id.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>

#include <event2/event.h>

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
/*
 * Login limits, per account and per address only: nothing anyone else does
 * can lock a teacher out from an address that has not failed.  An address
 * gets LOGIN_FAIL_PER_ADDR failures per window (over all accounts).  An
 * account that had LOGIN_FAIL_PER_USER failures in the window is then tried
 * only from addresses that have not failed on it, once each: a guesser who
 * spreads over many addresses gets one more try per fresh address, and the
 * teacher at the next desk still signs in.
 */
#define LOGIN_WINDOW_MS (5 * 60 * 1000)
#define LOGIN_FAIL_PER_USER 10
#define LOGIN_FAIL_PER_ADDR 30
#define LOGIN_FAIL_PER_PAIR 1
/*
 * The CPU: each check is one argon2id verification (~45 ms on a desktop core,
 * ~150 ms on the board, auth.c) on the loop.  Checks wait in a queue and run
 * one per turn of the loop, each followed by a pause as long as it took, so
 * password checks get at most half of the loop however many arrive and a tap
 * waits for at most one of them.  A full queue answers 503 with Retry-After;
 * one address holds at most LOGIN_QUEUE_PER_ADDR places.
 */
#define LOGIN_QUEUE_MAX 16
#define LOGIN_QUEUE_PER_ADDR 2
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

	snprintf(c, sizeof(c), "%s=%s; Path=%s; Max-Age=%d; HttpOnly; SameSite=Strict%s", name,
	         value, path, max_age, b->secure ? "; Secure" : "");
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
board_begin(struct board *b, struct evhttp_request *req, enum board_kind kind, struct board_req *r)
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
	if (r->login.expires_ms - now <
	    idle - (idle / 2 < TOUCH_SLACK_MS ? idle / 2 : TOUCH_SLACK_MS)) {
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
	if (ct == NULL || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0) {
		snprintf(f->error, sizeof(f->error), "expected an HTML form");
		return -1;
	}
	if (len > FORM_MAX_BODY) {
		snprintf(f->error, sizeof(f->error), "the form: at most %d bytes", FORM_MAX_BODY);
		return -1;
	}
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
		char msg[sizeof(f->error) + 96];

		/* name the field and its limit: "comment: at most 4096 bytes" */
		snprintf(msg, sizeof(msg), "%s (%s)", board_t(r, "The form could not be read."),
		         f->error);
		board_fail(r, 400, msg);
		return -1;
	}
	got = form_get(f, "csrf");
	if (got == NULL)
		got = evhttp_find_header(evhttp_request_get_input_headers(r->req), "X-CSRF-Token");
	if (auth_csrf_check(r->login.csrf, got) < 0) {
		form_free(f);
		log_warn("board: refused a form from %s without a valid CSRF token",
		         r->user.username);
		board_fail(
		    r, 403,
		    board_t(r, "This form has expired. Go back, reload the page and try again."));
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
	unsigned char a6[16];
	char *addr = NULL;
	ev_uint16_t port;

	if (conn)
		evhttp_connection_get_peer(conn, &addr, &port);
	if (addr && strchr(addr, ':') && strncmp(addr, "::ffff:", 7) != 0 &&
	    inet_pton(AF_INET6, addr, a6) == 1) {
		/* one IPv6 client owns a whole /64: count its addresses as one */
		char net[INET6_ADDRSTRLEN];

		memset(a6 + 8, 0, 8);
		if (inet_ntop(AF_INET6, a6, net, sizeof(net))) {
			snprintf(out, outlen, "addr:%s/64", net);
			return;
		}
	}
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
	html_fmt(out,
	         "<form method=\"post\" action=\"/board/login\">"
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
	args = (struct cmd_session_args){
	    .token_hash = hash, .login = &l, .max_age_ms = b->cfg->web.session_max_s * 1000LL};
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

struct login_job {
	struct evhttp_request *req;
	struct form f; /* holds the password: wiped when the job ends */
	char akey[AUTH_LIMIT_KEY], ukey[AUTH_LIMIT_KEY], pkey[AUTH_LIMIT_KEY];
	const char *lang;
	TAILQ_ENTRY(login_job) link;
};

struct login_queue {
	TAILQ_HEAD(, login_job) jobs;
	int n;
	struct event *run;
	struct board *b;
	int64_t rest_until_ms; /* no check before this: the rest after the last one */
	int64_t refused_logged_ms;
	unsigned long refused; /* refused since the last log line */
};

/*
 * Refused sign-ins cost nothing, so they can come by the thousand: one log line
 * a minute says how many there were and the last address.
 */
static void
refused_log(struct login_queue *q, const char *why, const char *addr)
{
	int64_t now = board_now_ms();

	q->refused++;
	if (q->refused_logged_ms && now - q->refused_logged_ms < 60 * 1000 &&
	    now >= q->refused_logged_ms)
		return;
	log_warn("board: sign-in refused (%s) from %s; %lu refused since the last such line", why,
	         addr, q->refused);
	q->refused_logged_ms = now;
	q->refused = 0;
}

/* Run the next check now, or when the rest after the last one is over. */
static void
login_schedule(struct login_queue *q)
{
	int64_t wait = q->rest_until_ms - board_now_ms();
	struct timeval tv = {0, 0};

	if (wait > 1000)
		wait = 1000; /* the wall clock moved back: do not stall */
	if (wait > 0)
		tv.tv_usec = (suseconds_t)(wait * 1000);
	event_add(q->run, &tv);
}

static void
wipe_form(struct form *f)
{
	for (size_t i = 0; i < f->n; i++)
		sodium_memzero(f->f[i].value, strlen(f->f[i].value));
	form_free(f);
}

/* One password check: the oldest job in the queue. */
static void
login_check(struct board *b, struct login_job *j)
{
	const char *user = form_get(&j->f, "username"), *pass = form_get(&j->f, "password");
	int64_t now = board_now_ms();
	struct store_user u;
	int found, ok = 0;

	found = auth_username_valid(user) == 0 && store_user_get(b->store, user, &u) == 0;
	if (found && !u.disabled)
		ok = auth_password_verify(u.pwhash, pass) == 0;
	else
		auth_password_dummy(pass); /* the same time whether or not the user exists */
	if (found)
		sodium_memzero(u.pwhash, sizeof(u.pwhash));
	if (!ok) {
		auth_limit_hit(&b->by_user, j->ukey, now);
		auth_limit_hit(&b->by_addr, j->akey, now);
		auth_limit_hit(&b->by_pair, j->pkey, now);
		log_warn("board: failed sign-in from %s", j->akey + 5);
		login_page(b, j->req, 401, j->lang,
		           strcmp(j->lang, "en") ? "Feil brukernavn eller passord."
		                                 : "Wrong user name or password.",
		           user);
		return;
	}
	/*
	 * Only this address's record is cleared: the account's failures stay for
	 * the window, so the addresses that guessed stay refused after the
	 * teacher signs in.
	 */
	auth_limit_reset(&b->by_pair, j->pkey);
	log_info("board: %s signed in", u.username);
	start_session(b, j->req, &u);
}

static void
login_run(evutil_socket_t fd, short what, void *arg)
{
	struct login_queue *q = arg;
	struct login_job *j = TAILQ_FIRST(&q->jobs);
	int64_t t0 = board_now_ms(), took;

	if (j == NULL)
		return;
	TAILQ_REMOVE(&q->jobs, j, link);
	q->n--;
	login_check(q->b, j);
	wipe_form(&j->f);
	free(j);
	/* rest as long as the check took: hashing gets at most half of the loop */
	took = board_now_ms() - t0;
	q->rest_until_ms = t0 + took + (took < 1 ? 1 : took > 900 ? 900 : took);
	if (q->n > 0)
		login_schedule(q);
}

static void
busy(struct board *b, struct evhttp_request *req, const char *lang)
{
	evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "5");
	login_page(b, req, 503, lang,
	           strcmp(lang, "en") ? "Innloggingen er opptatt. Prøv igjen om noen sekunder."
	                              : "Sign-in is busy. Try again in a few seconds.",
	           NULL);
}

static void
on_login_post(struct board *b, struct evhttp_request *req)
{
	const char *cookies = evhttp_find_header(evhttp_request_get_input_headers(req), "Cookie");
	char cookie[AUTH_TOKEN_MAX + 8];
	const char *user, *pass, *lang;
	struct login_queue *q = b->logins;
	struct login_job *j = NULL, *o;
	struct form f;
	int64_t now = board_now_ms();
	int mine = 0;

	if (read_body(req, &f) < 0) {
		char msg[sizeof(f.error) + 80];

		/* the field and the limit it broke, e.g. "password: at most 4096 bytes" */
		snprintf(msg, sizeof(msg),
		         "Skjemaet kunne ikke leses / The form could not be read (%s).", f.error);
		login_page(b, req, 400, "nb", msg, NULL);
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
	if (user == NULL || pass == NULL) {
		login_page(b, req, 400, lang, NULL, NULL);
		goto out;
	}
	if (strlen(pass) > AUTH_PASSWORD_MAX) {
		char msg[96];

		snprintf(msg, sizeof(msg),
		         strcmp(lang, "en") ? "Passord: høyst %d tegn."
		                            : "Password: at most %d characters.",
		         AUTH_PASSWORD_MAX);
		login_page(b, req, 400, lang, msg, user);
		goto out;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		busy(b, req, lang);
		goto out;
	}
	client_key(req, j->akey, sizeof(j->akey));
	snprintf(j->ukey, sizeof(j->ukey), "user:%.60s", user);
	snprintf(j->pkey, sizeof(j->pkey), "pair:%.30s@%.40s", user, j->akey + 5);
	if (auth_limit_blocked(&b->by_addr, j->akey, now) ||
	    (auth_limit_blocked(&b->by_user, j->ukey, now) &&
	     auth_limit_blocked(&b->by_pair, j->pkey, now))) {
		int ra = auth_limit_retry_after(&b->by_addr, j->akey, now);

		if (auth_limit_blocked(&b->by_user, j->ukey, now) &&
		    auth_limit_retry_after(&b->by_pair, j->pkey, now) > ra)
			ra = auth_limit_retry_after(&b->by_pair, j->pkey, now);
		refused_log(q, "rate limited", j->akey + 5);
		too_many(b, req, lang, ra);
		goto out;
	}
	TAILQ_FOREACH(o, &q->jobs, link)
	mine += strcmp(o->akey, j->akey) == 0;
	if (q->n >= LOGIN_QUEUE_MAX || mine >= LOGIN_QUEUE_PER_ADDR) {
		refused_log(q, "queue full", j->akey + 5);
		busy(b, req, lang);
		goto out;
	}
	/* The job owns the form (and the password) from here. */
	j->req = req;
	j->f = f;
	f.n = 0;
	j->lang = lang;
	TAILQ_INSERT_TAIL(&q->jobs, j, link);
	if (q->n++ == 0 && !evtimer_pending(q->run, NULL))
		login_schedule(q);
	j = NULL;
out:
	free(j);
	/* The password was in the form: wipe every value before freeing. */
	wipe_form(&f);
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
	/* "already in since 08:31": the second tap changed nothing */
	if (j && ans->since[0])
		json_object_set_new(j, "since", json_string(ans->since));
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
	auth_limit_init(&b->by_pair, LOGIN_FAIL_PER_PAIR, LOGIN_WINDOW_MS);
	b->logins = calloc(1, sizeof(*b->logins));
	if (b->logins == NULL ||
	    (b->logins->run = evtimer_new(web_base(w), login_run, b->logins)) == NULL) {
		snprintf(err, errlen, "board: out of memory");
		free(b->logins);
		free(b);
		return NULL;
	}
	TAILQ_INIT(&b->logins->jobs);
	b->logins->b = b;
	if (web_route(w, "/board/login", on_login, b) < 0 ||
	    web_route(w, "/board/logout", on_logout, b) < 0 ||
	    web_route(w, "/board/events", on_events, b) < 0) {
		snprintf(err, errlen, "board: cannot register routes");
		event_free(b->logins->run);
		free(b->logins);
		free(b);
		return NULL;
	}
	board_page_routes(b);
	board_today_routes(b);
	board_participant_routes(b);
	board_forms_routes(b);
	board_audit_routes(b);
	board_i18n_routes(b);
	board_dead_routes(b);
	board_admin_routes(b);
	return b;
}

void
board_stop(struct board *b)
{
	struct login_job *j;

	if (b == NULL)
		return;
	/* Requests still queued went with evhttp (web_stop): only the passwords are left. */
	while ((j = TAILQ_FIRST(&b->logins->jobs)) != NULL) {
		TAILQ_REMOVE(&b->logins->jobs, j, link);
		wipe_form(&j->f);
		free(j);
	}
	event_free(b->logins->run);
	free(b->logins);
	free(b);
}
