/*
 * enrich.h - the sources stage: each aggregate record's source, who it
 * is and its class, before the sinks write it.
 *
 * A batch's distinct addresses are looked up together: first in the
 * shared DNS cache (dnscache.h), then, for those it lacks, in the DNS
 * all at once (rdns.h), within dns_timeout_ms; then the MMDB files, the
 * Public Suffix List, the services table and the approved senders, all
 * in memory.  One enricher is one sink thread's.
 */
#ifndef DP_ENRICH_H
#define DP_ENRICH_H

#include <stdbool.h>
#include <stddef.h>

#include "classify.h"
#include "entry.h"
#include "geo.h"
#include "rdns.h"
#include "redis.h"
#include "sources.h"
#include "status.h"

/* One distinct source address of a batch. */
struct source_addr {
	struct rdns_query dns;		/* the address, its name and whether it is confirmed */
	char base[RDNS_NAME_MAX];	/* registrable domain of a confirmed name; "" */
	struct geo_info geo;
	const struct service *by_ptr;	/* the service its confirmed name belongs to */
	const struct service *by_asn;	/* ... its AS */
};

/* One record's source. */
struct source_info {
	const struct source_addr *addr;	/* the batch's; NULL when the record has no address */
	const struct service *service;	/* by name, else by a passing DKIM domain, else by AS */
	bool approved;
	enum source_class cls;
};

/* The columns the stage adds after a record's own, in order (dmarc-consume(8)). */
#define SOURCE_COLUMNS 10
extern const char *const source_columns[SOURCE_COLUMNS];
/* Which of them are numbers in JSON (the rest are strings). */
extern const bool source_column_numeric[SOURCE_COLUMNS];

struct enricher;

struct enricher *enricher_new(const struct sources *s, char *err, size_t errlen);
void enricher_free(struct enricher *en);

/*
 * Fill out[i] for each of es's entries (es must be aggregate records);
 * out and what it points to live until the next call.  A Redis error
 * is a tempfail; a DNS failure is not (the records say "unresolved").
 */
enum dp_status enrich_entries(struct enricher *en, struct redis *r, const struct entries *es,
			      struct source_info **out, struct dp_error *err);

/*
 * A record's values for source_columns, as text; NULL for none.  num is
 * room for the AS number's digits.
 */
void source_values(const struct source_info *si, const char *v[SOURCE_COLUMNS], char num[12]);

/* The most DNS queries one batch had in flight at once (for the log and the benchmark). */
unsigned enricher_inflight_max(const struct enricher *en);

#endif
