/*
 * sink.h - where records go once a report is accepted.
 *
 * A sink is a small ops table; each output (NDJSON, syslog) is one file
 * implementing it.  Sinks see only complete, valid reports, of any kind,
 * through kind.h: the fields they write are the kind's schema.  They
 * return DP_OK, or DP_TEMPFAIL when the output failed and the message
 * must be retried.
 */
#ifndef DP_SINK_H
#define DP_SINK_H

#include "kind.h"
#include "status.h"

struct sink;

struct sink_ops {
	const char *name;
	/* Record ord of report r, as the kind's next() decoded it. */
	enum dp_status (*record)(struct sink *s, const struct kind_report *r, size_t ord, const void *rec,
				 struct dp_error *err);
	/* After the last record of a batch of r's records (flush). */
	enum dp_status (*report_end)(struct sink *s, const struct kind_report *r, struct dp_error *err);
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
