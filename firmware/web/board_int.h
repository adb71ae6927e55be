/*
 * board_int.h — what the board's files share: the board itself, one
 * authenticated request, page layout and translations.  Only board*.c
 * include it.
 */
#ifndef STEMPEL_BOARD_INT_H
#define STEMPEL_BOARD_INT_H

#include <stdint.h>

#include "attendance.h"
#include "auth.h"
#include "form.h"
#include "store.h"

struct evbuffer;
struct evhttp_request;
struct cmd_env;
struct cmd_result;
struct login_queue;
struct reports;
struct today_batch;
struct web;
struct web_stream;

struct board {
	struct web *web;
	struct store *store;
	struct attendance *att;
	struct reports *reports;        /* long reads: the Today page */
	const struct cmd_env *cmd;      /* every change goes through a command */
	struct today_batch *today_next; /* a Today computation not started yet */
	const struct config *cfg;
	int secure; /* served over TLS: cookies get Secure */
	/* failures per account, per address, per account from one address (board.c) */
	struct auth_limiter by_user, by_addr, by_pair;
	struct login_queue *logins; /* password checks waiting their turn */
};

/* One request of a signed-in user. */
struct board_req {
	struct board *b;
	struct evhttp_request *req;
	struct store_user user;
	struct store_login login;
	char token_hash[AUTH_DIGEST_MAX];
	const char *lang; /* nb | en */
	struct form query;
	struct web_stream *stream; /* board_stream_page: the page being streamed */
};

enum board_kind { BOARD_HTML, BOARD_API };

/* board.c */
/* The actor of the signed-in user for the command layer: "user:<name>". */
void board_actor(const struct board_req *r, char *out, size_t outlen);
/*
 * Authenticate `req`.  0: r is filled (call board_end).  -1: the answer was
 * sent already (HTML: redirect to the login page; API and events: 401).
 */
int board_begin(struct board *b, struct evhttp_request *req, enum board_kind kind,
                struct board_req *r);
void board_end(struct board_req *r);
/* A POST body parsed into f with its CSRF token checked; -1: 400/403/405 was sent. */
int board_post(struct board_req *r, struct form *f);
/* Admins only: -1 and a 403 page for anyone else. */
int board_need_admin(struct board_req *r);
/* Today's date (YYYY-MM-DD) and minute of the day in the centre's zone. */
void board_now(char date[11], int *minute);
int64_t board_now_ms(void);
/* The query parameter `name`, or "" if absent. */
const char *board_arg(const struct board_req *r, const char *name);

/* board_page.c */
const char *board_t(const struct board_req *r, const char *english);
void board_page_begin(struct board_req *r, struct evbuffer *out, const char *title,
                      const char *page);
void board_page_end(struct board_req *r, struct evbuffer *out);
/* A new buffer with the page's head written (NULL: 503 sent), and its end, reply and free. */
struct evbuffer *board_page_new(struct board_req *r, const char *title, const char *page);
void board_page_finish(struct board_req *r, struct evbuffer *out, int status);
/*
 * A page whose body is a long read (the participant page, the class view): `head`
 * (made on the loop: what reads loop state or writes) goes first, then `render`
 * runs on the reports thread with r->b's store and engine being the thread's own
 * read-only ones, and the page is streamed as it is made (web/stream.h).  `r` and
 * `arg` are the job's from here (board_end and `free_arg` are called for them);
 * `head` is taken.  The page's status is 200.
 */
typedef void (*board_render_fn)(struct board_req *r, struct evbuffer *out, void *arg);
void board_stream_page(struct board_req *r, struct evbuffer *head, board_render_fn render,
                       void *arg, void (*free_arg)(void *));
/* In a render: hand what is made so far to the stream if it is large; -1: client gone. */
int board_stream_some(struct board_req *r, struct evbuffer *out);
/* A wall-clock time (ms) in the centre's zone, strftime-formatted. */
void board_when(int64_t ms, const char *fmt, char *out, size_t outlen);
void board_send_html(struct evhttp_request *req, int status, struct evbuffer *out);
void board_redirect(struct evhttp_request *req, const char *location);
void board_fail(struct board_req *r, int status, const char *message);
/* The HTTP status of a refused command on the board: 503 when the store failed, else 422. */
int board_cmd_status(const struct cmd_result *res);
/* The hidden CSRF field of every form. */
void board_csrf_field(struct board_req *r, struct evbuffer *out);
void board_hhmm(int minute, char out[8]);
/* `s` percent-encoded for a query string (a group or a search in a link). */
void board_url_part(const char *s, char *out, size_t outlen);
const char *board_status_label(const struct board_req *r, enum attendance_status st);
const char *board_category_label(const struct board_req *r, int category);
const char *board_note_label(const struct board_req *r, int note);
const char *board_flag_label(const struct board_req *r, int flag);
const char *board_quota_label(const struct board_req *r, int quota);
/* Money in øre as "1 234,56" */
void board_money(int64_t ore, char *out, size_t outlen);
/* Minutes as "7 t 30 min" / "7 h 30 min". */
void board_duration(const struct board_req *r, int64_t minutes, char *out, size_t outlen);
void board_page_headers(struct evhttp_request *req);
/* Static assets: /board/app.css and /board/app.js */
void board_page_routes(struct board *b);

/* A card's short code for people: its key's last 4 hex digits (board_today.c). */
void board_card_code(const char *key, char out[8]);

/* board_participant.c: a documentation value and an actor ("user:kari") for people. */
const char *board_doc_label(const struct board_req *r, const char *doc);
void board_who(const struct board_req *r, const char *actor, char *out, size_t outlen);

/* board_today.c, board_participant.c, board_forms.c, board_audit.c */
void board_today_routes(struct board *b);
void board_participant_routes(struct board *b);
void board_forms_routes(struct board *b);
void board_audit_routes(struct board *b);
void board_i18n_routes(struct board *b);
void board_dead_routes(struct board *b);
void board_admin_routes(struct board *b); /* board_admin.c: pay periods, closed days */

#endif
