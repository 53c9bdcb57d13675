/* log.c - syslog and stderr diagnostics; see log.h. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "log.h"

static bool log_to_syslog;
static bool log_to_stderr;
static const char *log_ident = "dmarc-pipe";

void
log_open(const char *ident, int facility, bool to_syslog, bool to_stderr)
{
	log_ident = ident;
	log_to_syslog = to_syslog;
	log_to_stderr = to_stderr;
	if (to_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, facility);
}

void
log_close(void)
{
	if (log_to_syslog)
		closelog();
	log_to_syslog = false;
}

bool
log_debug_enabled(void)
{
	return log_to_stderr;
}

void
log_line(int pri, const char *line)
{
	/* Debug chatter stays on stderr: syslog gets what an operator needs. */
	if (log_to_syslog && pri != LOG_DEBUG)
		syslog(pri, "%s", line);
	if (log_to_stderr)
		fprintf(stderr, "%s: %s\n", log_ident, line);
}

void
log_msg(int pri, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (!log_to_syslog && !log_to_stderr)
		return;
	if (pri == LOG_DEBUG && !log_to_stderr)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	log_line(pri, line);
}
