/*
 * flatten.h - a record as flat key/value pairs (syslog, the Redis stream).
 *
 * Keys come in a fixed order; null values are left out.  Lists become
 * aligned comma-joined fields (dkim_domains, dkim_selectors, ...): item i
 * of each belongs together, a null item is empty, and inside an item '\'
 * is written "\\" and ',' is written "\x2c" so that splitting on commas is
 * always right.  An empty list is left out.
 */
#ifndef DP_FLATTEN_H
#define DP_FLATTEN_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "record.h"

/* Called once per field; value is not NUL-terminated data of len bytes. */
typedef int (*flat_fn)(void *arg, const char *key, const char *value, size_t len, bool number);

/*
 * Call fn for each non-null field, in order; scratch is working space
 * owned by the caller.  Returns 0, or the first non-zero value fn
 * returned, or -1 with errno when scratch could not grow.  A record's
 * fields are rid and ord (the outputs write those themselves), then
 * flatten_report (records ... discovery_method), the same for every record
 * of a report, then flatten_row (source_ip ... spf_human_results).
 */
int flatten_report(const struct dmarc_report *rep, struct buf *scratch, flat_fn fn, void *arg);
int flatten_row(const struct dmarc_record *rec, struct buf *scratch, flat_fn fn, void *arg);

#endif
