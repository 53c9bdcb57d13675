/*
 * notify.h - telling the service manager how dmarc-consume is doing:
 * systemd's notify protocol (sd_notify(3)) spoken directly, one datagram
 * per message to $NOTIFY_SOCKET, so that no library is needed.  Without
 * $NOTIFY_SOCKET (not run by systemd, or Type=simple) every call does
 * nothing.
 *
 * READY=1 goes out once a sink has talked to Redis (and the HTTP listener
 * is up), STATUS= when the sinks' state changes, WATCHDOG=1 at half the
 * unit's WatchdogSec, STOPPING=1 on SIGTERM.
 */
#ifndef DP_NOTIFY_H
#define DP_NOTIFY_H

#include <stdbool.h>

/* Read $NOTIFY_SOCKET and $WATCHDOG_USEC (and unset them: no child inherits them). */
void notify_init(void);
/* Send one message ("READY=1\nSTATUS=..."); errors are ignored, as sd_notify's callers do. */
void notify_send(const char *msg);
/* Send WATCHDOG=1 when half the watchdog interval has passed since the last one. */
void notify_watchdog(void);

#endif
