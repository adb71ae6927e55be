/*
 * api.c — /api/v1/periods for payroll.  Authentication first, then the route:
 * a missing, unknown or revoked token is 401 and a token of another scope 403,
 * whatever the path.  A closed period is served from its frozen lines, so the same
 * request gives the same bytes for ever; closing is audited with the token's name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "cmd/cmd.h"
#include "config.h"
#include "log.h"
#include "paydoc.h"
#include "period.h"
#include "reports.h"
#include "store.h"
#include "tokens.h"
#include "web/api.h"
#include "web/stream.h"
#include "web/web.h"

#define API_PREFIX "/api/v1/periods"

struct api {
	struct web *web;
	const struct cmd_env *cmd; /* period.close goes through the command layer */
	struct store *s;
	struct period *p;
	struct reports *reports;
	const struct config *cfg;
};

static void
reply_error(struct evhttp_request *req, int status, const char *msg)
{
	if (status == 401)
		evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate",
		                  "Bearer realm=\"stempel\"");
	web_reply_json(req, status, json_pack("{s:s}", "error", msg));
}

/* The caller's token, or an answer (401/403/500) already sent: 0 or -1. */
static int
authenticate(struct api *api, struct evhttp_request *req, struct store_token *tok)
{
	const char *h = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
	int rc;

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0) {
		reply_error(req, 401, "a bearer token is required (stempelctl token create)");
		return -1;
	}
	for (h += 7; *h == ' '; h++)
		;
	if ((rc = tokens_check(api->s, h, tok)) < 0) {
		reply_error(req, 500, "database error");
		return -1;
	}
	if (rc == 1) {
		reply_error(req, 401, "unknown or revoked token");
		return -1;
	}
	if (strcmp(tok->scope, "payroll") != 0) {
		reply_error(req, 403, "this token's scope does not allow payroll");
		return -1;
	}
	return 0;
}

static void
list_periods(struct api *api, struct evhttp_request *req)
{
	struct store_period *v;
	char err[512];
	size_t n;
	json_t *arr;

	if (period_list(api->p, &v, &n, err, sizeof(err)) < 0) {
		reply_error(req, 500, err);
		return;
	}
	arr = json_array();
	for (size_t i = 0; arr && i < n; i++)
		json_array_append_new(arr, period_json(&v[i]));
	free(v);
	web_reply_json(req, 200, json_pack("{s:o}", "periods", arr));
}

/*
 * A payroll document is a long read (participants of the period through the rules
 * engine) and a long answer (megabytes of CSV): both happen on the reports thread.
 * First the document is computed (doc_run); on the loop its status and headers are
 * set (an error is still a proper status then), and the answer is rendered on the
 * reports thread again (render_run) straight into a stream that the loop sends in
 * chunks as the client takes them.
 */
enum doc_kind {
	DOC_STIPEND_JSON,
	DOC_STIPEND_CSV,
	DOC_NIR_JSON,
	DOC_NIR_CSV,
	DOC_BASIS_JSON,
	DOC_BASIS_HTML
};

struct doc_job {
	struct api *api;
	struct evhttp_request *req;
	const struct config *cfg;
	enum doc_kind kind;
	int64_t id;
	char pid[40];              /* basis: the participant's external id */
	char lang[8];              /* basis HTML: nb | nn | en */
	int rc;                    /* 0, 1 no such period or participant, -1 err */
	json_t *doc;               /* the computed document, rendered by render_run */
	struct paydoc_lines lines; /* stipend.csv's instead: no JSON per line */
	struct web_stream *stream;
	int64_t arrived_us; /* Server-Timing (web/stream.h) */
	double compute_ms;
	char name[128];
	char err[1024];
};

static int
stream_sink(void *arg, const char *data, size_t len)
{
	return web_stream_write(arg, data, len);
}

/* json_dump_callback's writer: the same bytes json_dumps makes, streamed. */
static int
json_sink(const char *data, size_t len, void *arg)
{
	return web_stream_write(arg, data, len);
}

static void
doc_run(struct reports_ctx *ctx, void *arg)
{
	struct doc_job *j = arg;
	const json_t *per;
	int64_t began = web_stream_clock_us();

	switch (j->kind) {
	case DOC_STIPEND_JSON:
		j->rc = period_stipend_read(ctx->period, j->id, &j->doc, j->err, sizeof(j->err));
		break;
	case DOC_STIPEND_CSV:
		j->rc = period_stipend_lines(ctx->period, j->id, &j->lines, j->err, sizeof(j->err));
		break;
	case DOC_NIR_JSON:
	case DOC_NIR_CSV:
		j->rc = period_nir(ctx->period, j->id, &j->doc, j->err, sizeof(j->err));
		break;
	default:
		j->rc = period_basis(ctx->period, j->id, j->pid, &j->doc, j->err, sizeof(j->err));
	}
	j->compute_ms = (double)(web_stream_clock_us() - began) / 1000.0;
	if (j->rc != 0)
		return;
	if (j->kind == DOC_STIPEND_CSV) {
		snprintf(j->name, sizeof(j->name), "attachment; filename=\"stipend-%s-%s.csv\"",
		         j->lines.from, j->lines.to);
		return;
	}
	if (j->kind != DOC_NIR_CSV)
		return;
	per = json_object_get(j->doc, "period");
	snprintf(j->name, sizeof(j->name), "attachment; filename=\"nir-%s-%s.csv\"",
	         json_string_value(json_object_get(per, "from")),
	         json_string_value(json_object_get(per, "to")));
}

/* On the reports thread: the document into the stream. */
static void
render_run(struct reports_ctx *ctx, void *arg)
{
	struct doc_job *j = arg;
	struct paydoc_csv_format f;
	int64_t began = web_stream_clock_us();
	int rc;

	(void)ctx;
	paydoc_csv_format(j->cfg, &f);
	switch (j->kind) {
	case DOC_STIPEND_CSV:
		rc = paydoc_lines_csv_to(&j->lines, &f, stream_sink, j->stream);
		break;
	case DOC_NIR_CSV:
		rc = paydoc_nir_csv_to(j->doc, &f, stream_sink, j->stream);
		break;
	case DOC_BASIS_HTML:
		rc = paydoc_basis_html_to(j->doc, j->lang, stream_sink, j->stream);
		break;
	default:
		rc = json_dump_callback(j->doc, json_sink, j->stream, JSON_INDENT(1));
		if (rc == 0)
			rc = web_stream_write(j->stream, "\n", 1);
	}
	web_stream_timing(j->stream, "render", (double)(web_stream_clock_us() - began) / 1000.0);
	if (rc == 0)
		web_stream_end(j->stream);
}

static void
doc_free(struct doc_job *j)
{
	json_decref(j->doc);
	paydoc_lines_free(&j->lines);
	free(j);
}

static void
render_done(void *arg, int ran)
{
	struct doc_job *j = arg;

	(void)ran; /* an answer not ended is cut off by web_stream_done */
	web_stream_done(j->stream);
	doc_free(j);
}

static void
doc_done(void *arg, int ran)
{
	struct doc_job *j = arg;
	static const char *const ctypes[] = {
	    [DOC_STIPEND_JSON] = "application/json",
	    [DOC_STIPEND_CSV] = "text/csv; charset=utf-8; header=present",
	    [DOC_NIR_JSON] = "application/json",
	    [DOC_NIR_CSV] = "text/csv; charset=utf-8; header=present",
	    [DOC_BASIS_JSON] = "application/json",
	    [DOC_BASIS_HTML] = "text/html; charset=utf-8",
	};
	struct evkeyvalq *h = evhttp_request_get_output_headers(j->req);

	if (!ran) {
		reply_error(j->req, 503, "the kiosk is stopping");
	} else if (j->rc == 1) {
		reply_error(j->req, 404,
		            j->kind >= DOC_BASIS_JSON ? "no such period or participant"
		                                      : "no such period");
	} else if (j->rc < 0) {
		/* Not computable now (G unknown for a date): say which, never guess. */
		reply_error(j->req, 409, j->err);
	} else {
		evhttp_add_header(h, "Content-Type", ctypes[j->kind]);
		if (j->kind == DOC_BASIS_HTML) {
			web_security_headers(j->req);
			evhttp_remove_header(h, "Content-Security-Policy");
			evhttp_add_header(h, "Content-Security-Policy", PAYDOC_HTML_CSP);
		}
		if (j->name[0])
			evhttp_add_header(h, "Content-Disposition", j->name);
		j->stream = web_stream_new(web_base(j->api->web), j->req, j->api->reports);
		if (j->stream == NULL) {
			reply_error(j->req, 500, "out of memory");
			doc_free(j);
			return;
		}
		web_stream_since(j->stream, j->arrived_us);
		web_stream_timing(j->stream, "compute", j->compute_ms);
		if (reports_submit(j->api->reports, render_run, render_done, j) < 0) {
			web_stream_done(j->stream); /* nothing sent yet: a 503 */
		} else {
			return; /* render_done frees the job */
		}
	}
	doc_free(j);
}

static void
doc_submit(struct api *api, struct evhttp_request *req, int64_t id, enum doc_kind kind,
           const char *pid)
{
	struct doc_job *j = calloc(1, sizeof(*j));

	if (j == NULL) {
		reply_error(req, 500, "out of memory");
		return;
	}
	*j = (struct doc_job){.api = api,
	                      .req = req,
	                      .cfg = api->cfg,
	                      .id = id,
	                      .kind = kind,
	                      .arrived_us = web_stream_clock_us()};
	snprintf(j->pid, sizeof(j->pid), "%s", pid ? pid : "");
	snprintf(j->lang, sizeof(j->lang), "%s", api->cfg->payroll.language);
	if (kind == DOC_BASIS_HTML) {
		/* ?lang=nb|nn|en chooses the language of the page. */
		const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
		struct evkeyvalq args;

		if (q && evhttp_parse_query_str(q, &args) == 0) {
			const char *l = evhttp_find_header(&args, "lang");

			if (l && (!strcmp(l, "nb") || !strcmp(l, "nn") || !strcmp(l, "en")))
				snprintf(j->lang, sizeof(j->lang), "%s", l);
			evhttp_clear_headers(&args);
		}
	}
	if (reports_submit(api->reports, doc_run, doc_done, j) < 0) {
		free(j);
		reply_error(req, 500, "out of memory");
	}
}

/*
 * The close body: empty, or a JSON object {"reason": "..."} and nothing else, the
 * reason a string of valid UTF-8 (JSON itself) of at most CLOSE_REASON_MAX
 * characters without control characters.  0 with the reason in `out` ("" if none),
 * -1 with what was wrong in `why`: the caller answers 400 and closes nothing.
 */
#define CLOSE_BODY_MAX PERIOD_CLOSE_BODY_MAX
#define CLOSE_REASON_MAX PERIOD_REASON_MAX

static int
body_reason(struct evhttp_request *req, char *out, size_t outlen, char *why, size_t whylen)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	char *text;
	int rc;

	out[0] = '\0';
	if (len > CLOSE_BODY_MAX) {
		snprintf(why, whylen, "body: at most %d bytes, got %zu", CLOSE_BODY_MAX, len);
		return -1;
	}
	if ((text = malloc(len + 1)) == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	evbuffer_copyout(in, text, len);
	rc = period_close_body(text, len, out, outlen, why, whylen);
	free(text);
	return rc;
}

/*
 * A close: its lines are computed ahead on the reports thread (period_close_prepare,
 * reads only), then the command runs on the loop in one transaction and uses them
 * if nothing was written in between; else it computes them itself (period.h).
 */
struct close_job {
	struct api *api;
	struct evhttp_request *req;
	int64_t id;
	int64_t token[2];
	struct period_close_prep *prep;
	char who[96], why[CLOSE_REASON_MAX * 4 + 1];
};

static void close_run_command(struct api *api, struct evhttp_request *req, int64_t id,
                              const char *who, const char *why);

static void
close_prepare_run(struct reports_ctx *ctx, void *arg)
{
	struct close_job *j = arg;

	j->prep = period_close_prepare(ctx->period, j->id, j->token);
}

static void
close_prepare_done(void *arg, int ran)
{
	struct close_job *j = arg;

	if (!ran) {
		period_close_prep_free(j->prep);
		reply_error(j->req, 503, "the kiosk is stopping");
	} else {
		period_close_offer(j->api->p, j->prep);
		close_run_command(j->api, j->req, j->id, j->who, j->why);
		period_close_offer(j->api->p, NULL);
	}
	free(j);
}

static void
close_period(struct api *api, struct evhttp_request *req, int64_t id, const struct store_token *tok)
{
	struct close_job *j = calloc(1, sizeof(*j));
	char err[1024];

	if (j == NULL) {
		reply_error(req, 500, "out of memory");
		return;
	}
	*j = (struct close_job){.api = api, .req = req, .id = id};
	snprintf(j->who, sizeof(j->who), "token:%s", tok->name);
	/* A malformed body closes nothing: 400 before the command runs. */
	if (body_reason(req, j->why, sizeof(j->why), err, sizeof(err)) < 0) {
		reply_error(req, 400, err);
		free(j);
		return;
	}
	if (!j->why[0])
		snprintf(j->why, sizeof(j->why), "closed through the payroll API");
	/* Without a token or a thread the close computes on the loop, as it always could. */
	if (store_write_token(api->s, j->token) < 0 ||
	    reports_submit(api->reports, close_prepare_run, close_prepare_done, j) < 0) {
		close_run_command(api, req, id, j->who, j->why);
		free(j);
	}
}

static void
close_run_command(struct api *api, struct evhttp_request *req, int64_t id, const char *who,
                  const char *why)
{
	struct cmd_period_close_args a = {.id = id, .reason = why};
	struct store_period sp;
	struct cmd_result r;
	struct cmd_ctx ctx;
	const char *closable;
	int rc;

	cmd_ctx_init(&ctx, api->cmd, who);
	rc = cmd_period_close(&ctx, &a, &r);
	/* Not ended yet: the message ends with the time from which it can close. */
	if (rc < 0 && r.status == CMD_CONFLICT && strstr(r.msg, "not final yet") &&
	    strlen(r.msg) >= 16) {
		closable = r.msg + strlen(r.msg) - 16;
		web_reply_json(req, 409,
		               json_pack("{s:s, s:s}", "error", r.msg, "closable_from", closable));
		cmd_result_free(&r);
		return;
	}
	cmd_result_free(&r);
	if (rc == 0 || r.status == CMD_CONFLICT) {
		if ((rc = store_period_get(api->s, id, &sp)) != 0) {
			reply_error(req, rc == 1 ? 404 : 500,
			            rc == 1 ? "no such period" : "database error");
			return;
		}
		if (r.status == CMD_OK)
			web_reply_json(req, 200, json_pack("{s:o}", "period", period_json(&sp)));
		else if (strcmp(sp.status, "open") != 0)
			web_reply_json(req, 409,
			               json_pack("{s:s, s:o}", "error",
			                         "the period is already closed", "period",
			                         period_json(&sp)));
		else
			reply_error(req, 409, "the period has not started yet");
		return;
	}
	/* a refusal's message says why; sqlite's own for a 503, copied before the rollback */
	reply_error(req, web_cmd_status(r.status),
	            r.status == CMD_NOT_FOUND ? "no such period" : r.msg);
}

/* /api/v1/periods/{id}[/stipend.json|/stipend.csv|/close]: id and what; -1 if no match. */
static int
parse_path(const char *path, int64_t *id, const char **what)
{
	const char *p = path + strlen(API_PREFIX);
	char *end;
	long long v;

	if (*p != '/' || p[1] < '1' || p[1] > '9')
		return -1;
	v = strtoll(p + 1, &end, 10);
	if (v <= 0 || (*end && *end != '/'))
		return -1;
	*id = v;
	*what = *end ? end + 1 : "";
	return 0;
}

static void
on_api(struct evhttp_request *req, void *arg)
{
	struct api *api = arg;
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	struct store_token tok;
	const char *what = "";
	int64_t id = 0;
	int get = cmd == EVHTTP_REQ_GET || cmd == EVHTTP_REQ_HEAD;

	evhttp_add_header(evhttp_request_get_output_headers(req), "Cache-Control", "no-store");
	if (authenticate(api, req, &tok) < 0)
		return;
	if (path && strcmp(path, API_PREFIX) == 0) {
		if (get)
			list_periods(api, req);
		else
			reply_error(req, 405, "GET only");
		return;
	}
	if (path == NULL || parse_path(path, &id, &what) < 0) {
		reply_error(req, 404, "not found");
		return;
	}
	if (!strcmp(what, "stipend.json") || !strcmp(what, "stipend.csv") ||
	    !strcmp(what, "nir.json") || !strcmp(what, "nir.csv")) {
		enum doc_kind k = what[0] == 'n'
		                      ? (what[4] == 'c' ? DOC_NIR_CSV : DOC_NIR_JSON)
		                      : (what[8] == 'c' ? DOC_STIPEND_CSV : DOC_STIPEND_JSON);

		if (get)
			doc_submit(api, req, id, k, NULL);
		else
			reply_error(req, 405, "GET only");
	} else if (!strncmp(what, "participants/", 13)) {
		/* participants/{external id}/basis[.json] */
		const char *pid = what + 13, *slash = strchr(pid, '/');
		char ext[40];

		if (slash == NULL || slash == pid || (size_t)(slash - pid) >= sizeof(ext) ||
		    (strcmp(slash, "/basis") && strcmp(slash, "/basis.json"))) {
			reply_error(req, 404, "not found");
			return;
		}
		memcpy(ext, pid, (size_t)(slash - pid));
		ext[slash - pid] = '\0';
		if (get)
			doc_submit(api, req, id, slash[6] ? DOC_BASIS_JSON : DOC_BASIS_HTML, ext);
		else
			reply_error(req, 405, "GET only");
	} else if (!strcmp(what, "close")) {
		if (cmd == EVHTTP_REQ_POST)
			close_period(api, req, id, &tok);
		else
			reply_error(req, 405, "POST only");
	} else if (!*what) {
		struct store_period sp;
		int rc = store_period_get(api->s, id, &sp);

		if (rc == 0)
			web_reply_json(req, 200, json_pack("{s:o}", "period", period_json(&sp)));
		else
			reply_error(req, rc == 1 ? 404 : 500,
			            rc == 1 ? "no such period" : "database error");
	} else {
		reply_error(req, 404, "not found");
	}
}

struct api *
api_start(struct web *w, struct store *s, struct period *p, struct reports *reports,
          const struct cmd_env *cmd, const struct config *cfg, char *err, size_t errlen)
{
	struct api *api = calloc(1, sizeof(*api));

	if (api == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	api->web = w;
	api->cmd = cmd;
	api->s = s;
	api->p = p;
	api->reports = reports;
	api->cfg = cfg;
	if (web_route(w, API_PREFIX, on_api, api) < 0 ||
	    web_route_prefix(w, API_PREFIX "/", on_api, api) < 0) {
		snprintf(err, errlen, "cannot register %s", API_PREFIX);
		free(api);
		return NULL;
	}
	return api;
}

void
api_stop(struct api *api)
{
	free(api);
}
