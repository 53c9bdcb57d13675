/*
 * reader.h - one sink's consumer group on every kind's stream.
 *
 * Each sink reads through its own group, <consume_group>:<sink>, so each
 * keeps its own position; every dmarc-consume process is one consumer
 * in each group (consumer_name), so processes on several hosts share the
 * work.  Delivery is at least once; a sink makes it exactly once by
 * making its effect idempotent and acknowledging after it (reader_ack).
 *
 * A group is created at the start of its stream (ID 0: everything
 * stored so far is consumed) once the stream exists; until then the
 * reader waits for it.
 */
#ifndef DP_READER_H
#define DP_READER_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "entry.h"
#include "schema.h"
#include "redis.h"
#include "status.h"

struct reader;

/* A reader for sink over r (both must outlive it); NULL on ENOMEM. */
struct reader *reader_new(struct redis *r, const struct conf *c, const char *sink, const char *consumer);
void reader_free(struct reader *rd);

/* The connection it reads over (for a sink's own look-ups, between its reads and acknowledgements). */
struct redis *reader_redis(const struct reader *rd);

/* "<consume_group>:<sink>" */
const char *reader_group(const struct reader *rd);

/*
 * Entries for this consumer, at most consume_count per stream: first
 * those pending for it already (after a start or an error, marked
 * recovered), then new ones, waiting up to block_ms (0: not at all) when
 * there are none.  out[] has room for KIND_COUNT; *nout is how many
 * streams gave entries.
 */
enum dp_status reader_read(struct reader *rd, unsigned block_ms, struct entries *out, size_t *nout,
			   struct dp_error *err);

/*
 * Take over up to count entries of one other consumer that have been
 * pending longer than claim_idle_seconds, from one stream (marked
 * recovered).  Entries delivered max_deliveries times already are parked
 * instead (logged, copied to {P}:parked and acknowledged).  *found is
 * false when there was nothing to take; then consumers idle that long
 * with nothing pending are deleted from the group.
 */
enum dp_status reader_claim(struct reader *rd, size_t stream, unsigned count, struct entries *out, bool *found,
			    struct dp_error *err);

/* After an error: read this consumer's own pending entries again before new ones. */
void reader_recover(struct reader *rd);

/* Counter increments applied in the same atomic step as the acknowledgement. */
struct ack_incr {
	unsigned key;		/* index into ack_counters.keys */
	size_t label;		/* offset in ack_counters.labels of the hash field (NUL-terminated) */
	unsigned long long value;
	size_t entry;		/* index of the entry it comes from */
};
/*
 * Operations on other keys, applied after the counters (the sources
 * sink's rollups, rollup.h): keys and the type each must be, and words,
 * NUL-separated: each operation's letter and arguments, a key given by
 * its index in keys from 1.  With operations, a batch some of whose
 * entries another consumer took over meanwhile fails whole (DP_TEMPFAIL:
 * read ours again) instead of being acknowledged in part.
 */
struct ack_ops {
	const char *const *keys;
	const char *const *types;	/* "hash", "set", "zset" */
	size_t nkeys;
	const char *words;
	size_t nwords;
};
struct ack_counters {
	const char *const *keys;	/* hash keys */
	const char *const *overflow;	/* per key: the field for label sets past the cap */
	unsigned nkeys;
	unsigned cap;			/* fields per hash */
	const char *labels;		/* the fields' text */
	const struct ack_incr *v;
	size_t n;
	const struct ack_ops *ops;	/* NULL: none */
};

/*
 * Acknowledge es's entries and apply counters (NULL: none) in one
 * atomic step: the increments of an entry count only if the entry was
 * still pending for this consumer, so a counter never counts an entry
 * twice, even when another consumer took it over meanwhile.  *acked is
 * how many were acknowledged.
 */
enum dp_status reader_ack(struct reader *rd, const struct entries *es, const struct ack_counters *counters,
			  size_t *acked, struct dp_error *err);

#endif
