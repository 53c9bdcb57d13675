/*
 * metrics.h - the Prometheus counters: their names, their keys in Redis,
 * and what each record adds to which (the page is http/metrics_page.h).
 *
 * Counters live in Redis, one hash per metric ({P}:metric:<name>, a field
 * per label set), so they survive restarts and every dmarc-consume serves
 * the same numbers; the metrics sink adds to them atomically with the
 * acknowledgement of the entries they come from (reader_ack).  The names
 * and labels of the aggregate-report counters are dmarc-metrics-exporter's;
 * dmarc-consume(8) documents where their meaning differs.
 */
#ifndef DP_METRICS_H
#define DP_METRICS_H

#include <stddef.h>

#include "buf.h"
#include "conf.h"
#include "entry.h"
#include "reader.h"
#include "redis.h"
#include "status.h"

enum metric_id {
	M_DMARC_TOTAL,
	M_DMARC_COMPLIANT,
	M_DMARC_QUARANTINE,
	M_DMARC_REJECT,
	M_DMARC_SPF_ALIGNED,
	M_DMARC_SPF_PASS,
	M_DMARC_DKIM_ALIGNED,
	M_DMARC_DKIM_PASS,
	M_TLS_SESSIONS,
	M_TLS_FAILED_SESSIONS,
	M_FAILURE_REPORTS,
	/* The sources sink's (rollup.h): who sends, and what reporters and policies say. */
	M_SOURCE_MESSAGES,
	M_NEW_SOURCES,
	M_REPORTER_LAST,
	M_POLICY,
	M_POLICY_PCT,
	M_COUNT
};

struct metric_def {
	const char *name;
	const char *help;
	const char *overflow;	/* the label set that label sets past metrics_max_series fold into */
	const char *type;	/* "counter", or "gauge" (set, not added to: the sources sink's) */
};

extern const struct metric_def metric_defs[M_COUNT];

/* The counters' hash keys, {P}:metric:<name>; NULL on ENOMEM.  Free with metric_keys_free(). */
char **metric_keys(const struct conf *c);
void metric_keys_free(char **keys);

/*
 * Append to *v (n used, cap allocated; the caller frees *v) the
 * increments es's records make; label text goes into labels, which must
 * not be touched until the increments are used (they point into it).
 * 0, or -1 on ENOMEM.
 */
int metrics_increments(const struct entries *es, struct buf *labels, struct buf *scratch, struct ack_incr **v,
		       size_t *n, size_t *cap);

#endif
