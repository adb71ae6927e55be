/*
 * log.h — one logging entry point for the daemon, the CLI and the hal.
 * Goes to stderr (with a timestamp) or to syslog/journald, chosen at start-up.
 * Every library failure is logged once, at the boundary, with the library's message.
 */
#ifndef STEMPEL_LOG_H
#define STEMPEL_LOG_H

enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* Send logs to syslog (1) or stderr (0), dropping messages above `level`. */
void log_open(const char *ident, int use_syslog, enum log_level level);
/* Parse "error|warn|info|debug"; -1 if unknown. */
int log_level_parse(const char *s);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A line longer than this is cut (and ends in " ..."). */
#define LOG_LINE_MAX 4096
#define LOG_NOTICE_MAX 160 /* "log: N lines dropped" */
/* Lines waiting for the writer thread; a full ring drops new lines (log_dropped). */
#define LOG_RING_BYTES (256 * 1024)
/* log_async_stop() waits this long for the writer to write what is left. */
#define LOG_STOP_WAIT_S 1
/*
 * The daemon's lines are written by a thread of their own: a write to stderr or
 * syslog can block (a journald that does not read, an ext4 journal commit under a
 * log file), and the event loop must not wait for it before a tap's answer.
 * log_msg() then only makes the line and puts it in a ring.  0, or -1 (no thread:
 * lines are written in place, as before the call).  Register log_async_stop() with
 * atexit() or call it before the process ends, or the last lines are lost.
 */
int log_async_start(void);
/* Write what waits (up to LOG_STOP_WAIT_S), stop the thread, write in place again. */
void log_async_stop(void);
/* Lines dropped because the ring was full, since the process started. */
unsigned long log_dropped(void);

#define log_err(...) log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
