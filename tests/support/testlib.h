/*
 * testlib.h - helpers only the tests use (unit tests and fuzz harnesses):
 * reading escaped syslog values back, walking a report's records,
 * flattening one whole record, parsing a document from memory, an address's canonical text, printf into
 * a buffer.  Kept out of the program's library.
 */
#ifndef DP_TESTLIB_H
#define DP_TESTLIB_H

#include <stddef.h>

#include "buf.h"
#include "conf.h"
#include "fields.h"
#include "kind.h"
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

/* The same for a report of any kind, through its kind's next(). */
typedef enum dp_status (*kind_record_fn)(void *arg, const struct kind_report *r, size_t ord, const void *rec);
enum dp_status kind_each_record(const struct kind_report *r, kind_record_fn fn, void *arg);

/* Every field of one record as the stream holds it: rid, ord, kind, the report's, the record's. */
int record_flatten(const struct kind_report *r, size_t ord, const void *rec, struct buf *scratch, flat_fn fn,
		   void *arg);

/* Parse len bytes of a document with kind k, no identity hook. */
enum dp_status kind_parse_bytes(const struct kind *k, void *state, const void *data, size_t len,
				const struct conf *c, struct kind_parse *kp, struct dp_error *err);

/* An IPv4 or IPv6 address in canonical text form (RFC 5952); 0 or -1. */
int norm_ip(const char *s, char out[NORM_IP_MAX]);

/* A flat_fn that abort()s on a field no writer should produce: no key, a NULL value, an empty number. */
int check_flat_pair(void *arg, const char *key, const char *value, size_t len, bool number);

/*
 * A fuzz target's body for a document kind: parse data, then read every
 * record back in both forms; abort() on a broken promise (a refusal
 * without a reason, a record count that does not add up).
 */
void fuzz_document(const struct kind *k, void *state, const struct conf *c, const uint8_t *data, size_t size);

/* A flat_fn appending " key=value" (unescaped) to the struct buf arg. */
int flat_pair(void *arg, const char *key, const char *value, size_t len, bool number);

#endif
