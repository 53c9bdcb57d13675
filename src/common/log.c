/* log.c - syslog and stderr diagnostics; see log.h. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static bool log_to_syslog;
static bool log_to_stderr;
static const char *log_ident = "dmarc-pipe";
static int log_facility = LOG_MAIL;
static int log_sock = -1;	/* syslog_socket, when configured */

void
log_open(const char *ident, int facility, bool to_syslog, bool to_stderr, const char *socket_path)
{
	log_ident = ident;
	log_facility = facility;
	log_to_syslog = to_syslog;
	log_to_stderr = to_stderr;
	if (!to_syslog)
		return;
	if (socket_path) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };

		/* Like syslog(3): if the socket is not there, lines are lost, not fatal. */
		if (strlen(socket_path) < sizeof sun.sun_path &&
		    (log_sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) >= 0) {
			memcpy(sun.sun_path, socket_path, strlen(socket_path) + 1);
			if (connect(log_sock, (struct sockaddr *)&sun, sizeof sun) < 0) {
				close(log_sock);
				log_sock = -1;
			}
		}
		if (log_sock < 0 && to_stderr)
			fprintf(stderr, "%s: cannot connect to syslog socket %s\n", ident, socket_path);
		return;
	}
	openlog(ident, LOG_PID | LOG_NDELAY, facility);
}

void
log_close(void)
{
	if (log_sock >= 0)
		close(log_sock);
	else if (log_to_syslog)
		closelog();
	log_sock = -1;
	log_to_syslog = false;
}

/* One RFC 3164 datagram, as syslog(3) would send it. */
static void
socket_line(int pri, const char *line)
{
	char head[128], stamp[32];
	struct iovec iov[2];
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%b %e %H:%M:%S", &tm);
	snprintf(head, sizeof head, "<%d>%s %s[%ld]: ", log_facility | pri, stamp, log_ident, (long)getpid());
	iov[0].iov_base = head;
	iov[0].iov_len = strlen(head);
	iov[1].iov_base = (void *)line;
	iov[1].iov_len = strlen(line);
	(void)sendmsg(log_sock, &mh, MSG_NOSIGNAL);
}

void
log_line(int pri, const char *line)
{
	/* Debug chatter stays on stderr: syslog gets what an operator needs. */
	if (log_to_syslog && pri != LOG_DEBUG) {
		if (log_sock >= 0)
			socket_line(pri, line);
		else
			syslog(pri, "%s", line);
	}
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
