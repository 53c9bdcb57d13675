/*
 * record.h - an aggregate report and its records, normalized: what the
 * aggregate schema (aggregate.c) writes for every output.
 *
 * These are read-only views: every pointer belongs to the report being
 * emitted and is valid only during the sink call.  NULL means the report
 * did not say (never an invented value).  The schema is documented in
 * dmarc-pipe(1) and README.md.
 */
#ifndef DP_RECORD_H
#define DP_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "isotime.h"
#include "kind.h"

struct dmarc_report {
	const char *org_name, *org_email, *report_id;
	const char *domain, *adkim, *aspf, *p, *sp, *np, *fo, *testing;
	const char *xml_schema;		/* "rfc7489" or "dmarcbis" */
	const char *generator, *discovery_method;	/* DMARCbis only */
	bool has_begin, has_end, has_pct;
	int64_t begin, end;		/* seconds since the epoch, UTC */
	unsigned pct;
	size_t nrecords;
	char rid[RID_HEX_LEN + 1];	/* report identity, see record_rid() */
	const char *begin_iso, *end_iso;	/* begin/end as ISO 8601, or NULL */
	char iso_buf[2][21];		/* storage for begin_iso and end_iso */
};

struct dmarc_reason {
	const char *type, *comment;
};

/* A dkim or spf result; "selector" is the dkim selector or the spf scope. */
struct dmarc_auth {
	const char *domain, *selector, *result, *human_result;
};

struct dmarc_record {
	size_t ord;			/* 0-based index in the report */
	const char *source_ip;		/* canonical text form */
	bool has_count;
	uint64_t count;
	const char *disposition, *policy_dkim, *policy_spf;
	const char *header_from, *envelope_from, *envelope_to;
	size_t nreasons, ndkim, nspf;
	const struct dmarc_reason *reasons;
	const struct dmarc_auth *dkim, *spf;
};

/*
 * The report's identity (rid.h) over the tag "dmarc-aggregate" and the
 * texts org_name, report_id, domain, begin and end (decimal).
 */
void record_rid(const struct dmarc_report *r, char out[RID_HEX_LEN + 1]);

#endif
