/* fatal.c - exit 75 when a library gives up; see fatal.h. */
#include "config.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "fatal.h"
#include "log.h"
#include "status.h"

/* Until main() knows better, stdin is the message and is still unread. */
static volatile sig_atomic_t stdin_pending = 1;
static volatile sig_atomic_t exiting;
/* Whether the MTA line ends in a newline: only on a terminal (see fatal.h). */
static volatile sig_atomic_t line_end;

void
fatal_stdin_pending(bool pending)
{
	stdin_pending = pending;
}

static void
write_all(const char *s, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(STDOUT_FILENO, s, len)) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		s += n;
		len -= (size_t)n;
	}
}

/* Async-signal-safe, as emergency_exit() needs. */
void
fatal_mta_line(const char *reason)
{
	static const char head[] = "4.3.0 dmarc-pipe: ";

	write_all(head, sizeof head - 1);
	write_all(reason, strlen(reason));
	if (line_end)
		write_all("\n", 1);
}

/* Async-signal-safe: no allocation, no stdio, no locks. */
static void __attribute__((noreturn))
emergency_exit(const char *reason)
{
	static char sink[16384];
	ssize_t n;

	/* Another thread may be on its way out already: one line only, and time for it to finish. */
	if (__atomic_exchange_n(&exiting, 1, __ATOMIC_SEQ_CST)) {
		struct timespec wait = { 5, 0 };

		nanosleep(&wait, NULL);
		_exit(EX_TEMPFAIL);
	}
	fatal_mta_line(reason);
	if (stdin_pending)
		while ((n = read(STDIN_FILENO, sink, sizeof sink)) > 0 || (n < 0 && errno == EINTR))
			;
	_exit(EX_TEMPFAIL);
}

void
fatal_oom(void)
{
	emergency_exit(DP_REASON_OOM);
}

/*
 * SIGABRT and SIGTRAP come from libraries giving up: GSlice and GLib's
 * thread code abort with errno ENOMEM when memory is gone, g_error()
 * traps.  Anything else is a bug, still better deferred with a reason
 * than killed by a signal.
 */
static void
on_abort(int sig)
{
	if (errno == ENOMEM)
		fatal_oom();
	emergency_exit(sig == SIGTRAP ? "internal error (SIGTRAP)" : "internal error (SIGABRT)");
}

/*
 * GLib's messages: the fatal ones (g_error(), which GLib uses when an
 * allocation fails) end the run here, before GLib traps; the others are
 * debug chatter, never written to stdout or stderr under the MTA.
 */
static void
glib_log(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer data)
{
	(void)data;
	if (level & G_LOG_LEVEL_ERROR) {
		/* g_malloc(): "failed to allocate N bytes"; msg is NULL when even that could not be built. */
		if (!msg || strstr(msg, "allocate"))
			fatal_oom();
		emergency_exit("internal error (GLib)");
	}
	log_debug("%s: %s", domain ? domain : "glib", msg ? msg : "");
}

void
fatal_init(void)
{
	struct sigaction sa;

	line_end = isatty(STDOUT_FILENO);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_abort;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGABRT, &sa, NULL);
	sigaction(SIGTRAP, &sa, NULL);
	g_log_set_default_handler(glib_log, NULL);
}

#ifndef DP_SANITIZERS
/*
 * GSlice (GLib before 2.76) takes its pages from posix_memalign() and
 * aborts when that fails, after printing "***MEMORY-ERROR***" to stderr,
 * which Postfix would put in front of our line.  A definition in the
 * executable comes first in the dynamic symbol lookup, so GLib's call
 * lands here: the same allocation through memalign(), and our exit when
 * it fails.  Sanitizers bring their own allocator: left alone there.
 */
int
posix_memalign(void **out, size_t alignment, size_t size)
{
	void *p;

	if (alignment < sizeof(void *) || (alignment & (alignment - 1)))
		return EINVAL;
	if (!(p = memalign(alignment, size)) && size > 0)
		fatal_oom();
	*out = p;
	return 0;
}
#endif
