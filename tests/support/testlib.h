/*
 * testlib.h - helpers only the tests use (unit tests and fuzz harnesses):
 * reading escaped syslog values back, walking a report's records,
 * flattening one whole record, an address's canonical text, printf into
 * a buffer.  Kept out of the program's library.
 */
#ifndef DP_TESTLIB_H
#define DP_TESTLIB_H

#include <stddef.h>

#include "buf.h"
#include "flatten.h"
#include "normalize.h"
#include "record.h"
#include "report.h"
#include "status.h"

/* Reverse of esc_syslog (without truncation): 0, or -1 on bad input or ENOMEM. */
int unesc_syslog(struct buf *out, const char *s, size_t len);

/* Call fn for each record of r in order, stopping at the first status that is not DP_OK. */
typedef enum dp_status (*report_record_fn)(void *arg, const struct dmarc_report *rep,
					   const struct dmarc_record *rec);
enum dp_status report_each_record(struct report *r, const struct dmarc_report *view,
				  report_record_fn fn, void *arg);

/* Every field of one record as the stream holds it: rid, ord, the report's, the row's. */
int record_flatten(const struct dmarc_report *rep, const struct dmarc_record *rec,
		   struct buf *scratch, flat_fn fn, void *arg);

/* An IPv4 or IPv6 address in canonical text form (RFC 5952); 0 or -1. */
int norm_ip(const char *s, char out[NORM_IP_MAX]);

int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
