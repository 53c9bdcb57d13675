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

struct dp_error {
	enum dp_status status;
	char reason[DP_REASON_MAX];
};

/* Record a failure unless one is already recorded; returns the status kept. */
enum dp_status dp_fail(struct dp_error *err, enum dp_status status,
		       const char *fmt, ...) __attribute__((format(printf, 3, 4)));

enum dp_status dp_vfail(struct dp_error *err, enum dp_status status,
			const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));

/* Forget a recorded failure (a refused report does not spoil the next). */
void dp_error_clear(struct dp_error *err);

#endif
