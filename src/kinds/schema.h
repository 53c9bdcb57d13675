/*
 * schema.h - a kind's records as a reader of its stream sees them: the
 * kind's name, its stream and its fields, without its parser.
 *
 * Each kind's schema.c names its fields once (fields.h); the kind (kind.h)
 * writes records through the same functions, and dmarc-consume, which
 * links no parser, lays the flat entries it reads out by the description.
 */
#ifndef DP_SCHEMA_H
#define DP_SCHEMA_H

#include "fields.h"
#include "kindlist.h"

struct kind_schema {
	const char *name;	/* every record's "kind" */
	const char *stream;	/* its records' stream: {key_prefix}:<stream> */
	/* Every field a record may have, the report's then its own, into a describing writer. */
	void (*describe)(struct fields *f);
};

/* Every kind's schema, k_schema for each k of KIND_LIST. */
#define KIND_SCHEMA_DECLARE_(k) extern const struct kind_schema k##_schema;
KIND_LIST(KIND_SCHEMA_DECLARE_)

/* The kinds' schemas, NULL-terminated, in KIND_LIST order (that of kinds[], kind.h). */
extern const struct kind_schema *const kind_schemas[];

/* The schema of the kind whose stream is name; NULL when none. */
const struct kind_schema *kind_schema_for_stream(const char *name);

/* The fields every record ends with: the mail it came in (struct origin, kind.h); o NULL describes them. */
struct origin;
void origin_fields(const struct origin *o, struct fields *f);

/* Aggregate reports. */
#define AGGREGATE_NAME "aggregate"
#define AGGREGATE_STREAM "records"
struct dmarc_report;
struct dmarc_record;
void aggregate_report_fields(const struct dmarc_report *r, struct fields *f);
void aggregate_record_fields(const struct dmarc_record *c, struct fields *f);

/* SMTP TLS reports. */
#define TLSRPT_NAME "tlsrpt"
#define TLSRPT_STREAM "tlsrpt"
struct tls_report;
struct tls_policy;
void tlsrpt_report_fields(const struct tls_report *r, struct fields *f);
void tlsrpt_record_fields(const struct tls_policy *p, struct fields *f);

/* Failure reports: one record per report, so every field is the record's. */
#define FAILURE_NAME "failure"
#define FAILURE_STREAM "failures"
struct arf_report;
void failure_record_fields(const struct arf_report *r, struct fields *f);
/*
 * The MTA's name in a Reporting-MTA value (RFC 3464: "dns; mx.example"
 * gives "mx.example"), for labels and the log; the record keeps the
 * value whole.  A value without a type is returned as it is.
 */
const char *failure_mta_name(const char *v, size_t len, size_t *name_len);

#endif
