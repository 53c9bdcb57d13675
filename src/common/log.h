/*
 * log.h - diagnostics to syslog and, when asked, to stderr.
 *
 * Under the MTA stdout and stderr end up in bounce messages, so nothing
 * goes there unless -v (or --dry-run, run by a person) asked for it.
 * Callers escape untrusted text before it reaches these functions.
 */
#ifndef DP_LOG_H
#define DP_LOG_H

#include <stdbool.h>
#include <syslog.h>

/*
 * to_syslog: openlog(ident, LOG_PID, facility), or, when socket_path is
 * set, RFC 3164 datagrams to that Unix socket instead of /dev/log (for a
 * chroot, or a dedicated syslog input); to_stderr: also copy to stderr.
 */
void log_open(const char *ident, int facility, bool to_syslog, bool to_stderr, const char *socket_path);
void log_close(void);

void log_msg(int pri, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_err(...)	log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...)	log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_DEBUG, __VA_ARGS__)

/* A line already built and escaped by the caller (record and summary lines). */
void log_line(int pri, const char *line);

#endif
