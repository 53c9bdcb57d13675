/*
 * status.h - how a pipeline step ends, and why.
 *
 * Every module returns an enum dp_status and, when it is not DP_OK, fills a
 * struct dp_error with a short reason for the log.  The first reason set
 * wins: later steps that fail because an earlier one did keep the cause.
 * Only main() turns a status into an exit code.
 */
#ifndef DP_STATUS_H
#define DP_STATUS_H

#include <stdarg.h>

enum dp_status {
	DP_OK = 0,
	DP_REFUSE,	/* permanent: this input will never work; log it, drop it */
	DP_TEMPFAIL,	/* may work later: the MTA must retry (exit 75) */
};

#define DP_REASON_MAX 200

/* The one way every module says memory ran out (the MTA sees it as "4.3.0 dmarc-pipe: out of memory"). */
#define DP_REASON_OOM "out of memory"

struct dp_error {
	enum dp_status status;
	char reason[DP_REASON_MAX];
};

/* Record a failure unless one is already recorded; returns the status kept. */
enum dp_status dp_fail(struct dp_error *err, enum dp_status status,
		       const char *fmt, ...) __attribute__((format(printf, 3, 4)));

enum dp_status dp_vfail(struct dp_error *err, enum dp_status status,
			const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));

/* DP_REASON_OOM when errno is ENOMEM, else "what: strerror(errno)". */
enum dp_status dp_fail_errno(struct dp_error *err, enum dp_status status, const char *what);

/* Forget a recorded failure (a refused report does not spoil the next). */
void dp_error_clear(struct dp_error *err);

#endif
