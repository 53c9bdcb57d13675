/*
 * fatal.h - the last way out, for failures no function can return.
 *
 * Our own code returns ENOMEM up to main(), which exits 75 with the line
 * "4.3.0 dmarc-pipe: out of memory".  GLib, and GMime through it, do not
 * return: g_malloc() logs a fatal error and traps (SIGTRAP), GSlice prints
 * to stderr and aborts (SIGABRT).  Under the MTA that would be a signal
 * with no reason instead of the exit status the MTA needs.  fatal_init()
 * routes those failures to fatal_oom(), which writes the same line with
 * write(2), reads the rest of stdin if it is still unread, and _exit()s
 * with 75.  Like a kill -9, this leaves Redis consistent: every chunk is
 * atomic and a redelivery stores only what is missing.
 */
#ifndef DP_FATAL_H
#define DP_FATAL_H

#include <stdbool.h>

/* First thing in main(): GLib's log handler and the SIGABRT/SIGTRAP handlers. */
void fatal_init(void);

/* Memory is gone where no error can be returned: exit 75 now. */
void fatal_oom(void) __attribute__((noreturn));

/*
 * The one line the MTA reads on exit 75: "4.3.0 dmarc-pipe: " and the
 * reason (escaped already), written with write(2).  It ends in a newline
 * only when stdout is a terminal: Postfix's pipe(8) turns a newline into
 * a space, which would end every deferral in its log with " )".
 */
void fatal_mta_line(const char *reason);

/* Whether stdin is still to be read to its end on the way out (procmail and Sieve need that). */
void fatal_stdin_pending(bool pending);

#endif
