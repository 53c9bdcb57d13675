/*
 * sink.h - where records go once a report is accepted.
 *
 * A sink is a small ops table; each output (NDJSON, syslog, and the Redis
 * stream) is one file implementing it.  Sinks see only complete, valid
 * reports.  They return DP_OK, or DP_TEMPFAIL when the output failed and
 * the message must be retried.
 */
#ifndef DP_SINK_H
#define DP_SINK_H

#include "record.h"
#include "status.h"

struct sink;

struct sink_ops {
	const char *name;
	enum dp_status (*record)(struct sink *s, const struct dmarc_report *rep,
				 const struct dmarc_record *rec, struct dp_error *err);
	/* After the last record of a report (flush). */
	enum dp_status (*report_end)(struct sink *s, const struct dmarc_report *rep,
				     struct dp_error *err);
	void (*close)(struct sink *s);
};

struct sink {
	const struct sink_ops *ops;
	void *state;
};

/* NDJSON to fd (not closed by the sink); NULL on ENOMEM. */
struct sink *sink_ndjson_new(int fd, const char *path);
/* One key=value line per record through log.h. */
struct sink *sink_syslog_new(void);

void sink_free(struct sink *s);

#endif
