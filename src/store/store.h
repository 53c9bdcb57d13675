/*
 * store.h - keeping each report exactly once, in a Redis stream.
 *
 * A report is written in chunks, each one MULTI/EXEC transaction that
 * adds the chunk's records to the stream and moves the report's marker
 * forward in the same atomic step, run only if the marker is where the
 * chunk starts (WATCH).  The marker says how many records are in the
 * stream already, so the same report delivered again (in sequence, in
 * parallel, or after a crash part-way) adds only what is missing.
 * Keys (all with the Redis Cluster hash tag {key_prefix}):
 *   {P}:<stream>      a kind's stream (kind.h), one entry per record, its
 *                     fields in their flat form (fields.h)
 *   {P}:report:<rid>  the report's marker: a hash of next, total, done
 *   {P}:replicated    the time a delivery last waited for replicas
 */
#ifndef DP_STORE_H
#define DP_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "kind.h"
#include "status.h"

struct store;

/* Records from..from+count-1 are now in the stream: tell the other outputs. */
typedef enum dp_status (*store_announce_fn)(void *arg, size_t from, size_t count);

/* Where a report stands in Redis, from its marker. */
struct store_marker {
	bool found;		/* the report has a marker */
	bool done;		/* all its records are in the stream */
	size_t next;		/* records in the stream so far */
	size_t total;		/* records the report has */
};

struct store_result {
	size_t written;		/* records this call added to the stream */
	bool duplicate;		/* the report was complete already: nothing added */
	bool conflict;		/* the same rid was stored with another record count */
};

/* A store for the Redis server c names (c must outlive it); NULL on ENOMEM. */
struct store *store_new(const struct conf *c);
void store_free(struct store *s);

/*
 * One round trip: the marker of the report whose identity is rid.  A
 * report found done need not be parsed any further (a redelivery).
 */
enum dp_status store_lookup(struct store *s, const char *rid, struct store_marker *m, struct dp_error *err);

/*
 * Store every record of r in its kind's stream (m is its marker as
 * store_lookup() found it, a moment ago).  Records before m->next are
 * not sent again; each chunk checks the marker itself (WATCH), so a marker
 * that moved since is harmless.  announce is called after each chunk
 * that added records.  DP_OK when the report is complete in the stream
 * (by this call or an earlier one); DP_TEMPFAIL otherwise (connection,
 * timeout, OOM, READONLY, auth): then some chunks may be stored and a
 * redelivery completes the report.
 */
enum dp_status store_report(struct store *s, const struct kind_report *r, const struct store_marker *m,
			    store_announce_fn announce, void *arg, struct store_result *res, struct dp_error *err);

/*
 * With redis_min_replicas: once a message's reports are complete (stored
 * now or before), wait until that many replicas hold them (WAIT after a
 * write of {P}:replicated, which follows every write the master applied
 * before it).  DP_TEMPFAIL when fewer acknowledged in time: the MTA
 * retries, and the retry stores nothing twice and waits again.
 */
enum dp_status store_replicated(struct store *s, struct dp_error *err);

/*
 * Count refused reports for dmarc-consume's dmarc_invalid_reports_total:
 * HINCRBY {P}:refused <field> n[i][why], where i is kinds[i] or, for
 * KIND_COUNT, "none" (archives, whole messages), and the field is the
 * kind's name for REFUSED_BROKEN (as before there were other reasons)
 * and "<kind>/<refusal_name>" for the others.  Best effort: the
 * message's outcome never depends on it; a failure is logged.
 */
void store_count_refused(struct store *s, const unsigned n[KIND_COUNT + 1][REFUSAL_COUNT]);

#endif
