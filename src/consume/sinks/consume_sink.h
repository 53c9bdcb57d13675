/*
 * consume_sink.h - what dmarc-consume writes records to (dmarc-pipe's own
 * outputs are src/sinks/).
 *
 * A sink reads every stream through its own consumer group (reader.h).
 * It makes each record's effect idempotent and acknowledges after it:
 * counters atomically with the acknowledgement (metrics), files under
 * names derived from the stream IDs (batch), lines checked against the
 * file when entries were delivered before (daily).
 */
#ifndef DP_CONSUME_SINK_H
#define DP_CONSUME_SINK_H

#include <stdbool.h>

#include "conf.h"
#include "entry.h"
#include "reader.h"
#include "sources.h"
#include "status.h"

struct consume_sink {
	const char *name;			/* its group is <consume_group>:<name> */
	bool (*enabled)(const struct conf *c);
	/* Its state; sources (shared by every sink, read only) tells who sends aggregate records. */
	void *(*open)(const struct conf *c, const struct sources *sources, struct dp_error *err);
	/* Write es (one stream's entries) and acknowledge them, now or when a batch closes. */
	enum dp_status (*take)(void *s, struct reader *rd, const struct entries *es, struct dp_error *err);
	/* Close and acknowledge what is open when it is due, or now when force. */
	enum dp_status (*flush)(void *s, struct reader *rd, bool force, struct dp_error *err);
	/* Forget what is open and unacknowledged (after an error: it is read again). */
	void (*abandon)(void *s);
	/* Reopen files (SIGHUP, after logrotate). */
	void (*reopen)(void *s);
	void (*close)(void *s);
};

extern const struct consume_sink sink_metrics, sink_batch, sink_daily, sink_sources;

#endif
