/* status.c - first-failure-wins error recording; see status.h. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "status.h"

enum dp_status
dp_vfail(struct dp_error *err, enum dp_status status, const char *fmt, va_list ap)
{
	/* A tempfail outranks a refusal: retrying is the safe choice. */
	if (err->status != DP_OK &&
	    !(status == DP_TEMPFAIL && err->status == DP_REFUSE))
		return err->status;
	err->status = status;
	vsnprintf(err->reason, sizeof err->reason, fmt, ap);
	return status;
}

enum dp_status
dp_fail(struct dp_error *err, enum dp_status status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	status = dp_vfail(err, status, fmt, ap);
	va_end(ap);
	return status;
}

enum dp_status
dp_fail_errno(struct dp_error *err, enum dp_status status, const char *what)
{
	if (errno == ENOMEM)
		return dp_fail(err, status, "%s", DP_REASON_OOM);
	return dp_fail(err, status, "%s: %s", what, strerror(errno));
}

void
dp_error_clear(struct dp_error *err)
{
	err->status = DP_OK;
	err->reason[0] = '\0';
}
