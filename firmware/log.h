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

#define log_err(...) log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
