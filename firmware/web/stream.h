/*
 * stream.h — a long answer produced on the reports thread and sent by the loop in
 * chunks as the connection drains (evhttp_send_reply_start / _chunk_with_cb / _end).
 * The loop never renders or copies the whole answer, and an answer to a slow client
 * never lies whole in memory: the producer waits while WEB_STREAM_QUEUED bytes are
 * queued and not yet taken by the connection.
 */
#ifndef STEMPEL_WEB_STREAM_H
#define STEMPEL_WEB_STREAM_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;
struct evhttp_request;
struct event_base;
struct reports;
struct web_stream;

/* One chunk handed to the loop; a chunk is sent once the previous one has left. */
#define WEB_STREAM_CHUNK (48 * 1024)
/* Handed over but not yet written to the connection: beyond this the producer waits. */
#define WEB_STREAM_QUEUED (2 * WEB_STREAM_CHUNK)
/* A client that takes nothing for this long ends its answer (it holds the reports thread). */
#define WEB_STREAM_STALL_MS 15000

/*
 * On the loop: a stream for `req`, whose status is 200 and whose headers the caller has
 * set.  Nothing is sent before the first chunk.  `reports` is asked whether the daemon
 * is stopping while the producer waits.  NULL: out of memory (nothing sent).
 */
struct web_stream *web_stream_new(struct event_base *base, struct evhttp_request *req,
                                  struct reports *reports);

/*
 * On the producer's thread.  Append bytes (or move a buffer's contents); whole chunks
 * go to the loop, waiting while the client has not taken the earlier ones.  -1: the
 * client went away, stopped reading or the daemon stops: stop producing.
 */
int web_stream_write(struct web_stream *s, const void *data, size_t len);
int web_stream_add_buffer(struct web_stream *s, struct evbuffer *buf);
/* The answer is complete: the rest goes out, then the end of the reply.  0 or -1. */
int web_stream_end(struct web_stream *s);

/*
 * On the loop, once, when the producer is finished (the reports job's done): an answer
 * not ended by web_stream_end (ran = 0, or an error) is cut off — the client sees an
 * incomplete answer, never a short one that looks whole.  The stream is freed when
 * the reply is sent or the client has gone.
 */
void web_stream_done(struct web_stream *s);

/*
 * Server-Timing (web/README.md): the head of a streamed answer leaves before the
 * answer is made, so its time goes in an HTTP trailer after the last chunk
 * (HTTP/1.1 GET only; the head announces it with "Trailer: Server-Timing"):
 * "Server-Timing: <span>;dur=<ms>, ..., total;dur=<ms>", total from the request's
 * arrival to the moment the last chunk has been written to the connection.
 *
 * On the loop, before the answer ends: when the request arrived (web_stream_clock_us()),
 * if that was before the stream was made (the default).
 */
void web_stream_since(struct web_stream *s, int64_t arrived_us);
/* Any thread, before web_stream_end: one named part of the time, e.g. "compute". */
void web_stream_timing(struct web_stream *s, const char *name, double ms);
/* The monotonic clock the timings use, in microseconds. */
int64_t web_stream_clock_us(void);

/* For tests and metrics: streams alive, chunks sent and producer waits since start. */
size_t web_stream_alive(void);
unsigned long web_stream_chunks_sent(void);
unsigned long web_stream_waits(void);

#endif
