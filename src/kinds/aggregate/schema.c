/*
 * schema.c - the fields of an aggregate report's records: the only place
 * they are named.  README.md and dmarc-pipe(1) document them.
 */
#include "config.h"

#include <stddef.h>

#include "record.h"
#include "schema.h"

void
aggregate_report_fields(const struct dmarc_report *r, struct fields *f)
{
	FIELD_UINT(f, "records", true, r->nrecords);
	FIELD_STR(f, "org_name", r->org_name);
	FIELD_STR(f, "org_email", r->org_email);
	FIELD_STR(f, "report_id", r->report_id);
	FIELD_STR(f, "begin", r->begin_iso);
	FIELD_STR(f, "end", r->end_iso);
	FIELD_STR(f, "domain", r->domain);
	FIELD_STR(f, "adkim", r->adkim);
	FIELD_STR(f, "aspf", r->aspf);
	FIELD_STR(f, "p", r->p);
	FIELD_STR(f, "sp", r->sp);
	FIELD_STR(f, "np", r->np);
	FIELD_UINT(f, "pct", r->has_pct, r->pct);
	FIELD_STR(f, "fo", r->fo);
	FIELD_STR(f, "testing", r->testing);
	FIELD_STR(f, "xml_schema", r->xml_schema);
	FIELD_STR(f, "generator", r->generator);
	FIELD_STR(f, "discovery_method", r->discovery_method);
}

#define REASON(name, flat, m) COLUMN(name, flat, COLUMN_STR, offsetof(struct dmarc_reason, m))
#define AUTH(name, flat, m) COLUMN(name, flat, COLUMN_STR, offsetof(struct dmarc_auth, m))

static const struct column reason_columns[] = {
	REASON("type", "reason_types", type),
	REASON("comment", "reason_comments", comment),
};
static const struct column dkim_columns[] = {
	AUTH("domain", "dkim_domains", domain),
	AUTH("selector", "dkim_selectors", selector),
	AUTH("result", "dkim_results", result),
	AUTH("human_result", "dkim_human_results", human_result),
};
static const struct column spf_columns[] = {
	AUTH("domain", "spf_domains", domain),
	AUTH("scope", "spf_scopes", selector),
	AUTH("result", "spf_results", result),
	AUTH("human_result", "spf_human_results", human_result),
};

void
aggregate_record_fields(const struct dmarc_record *c, struct fields *f)
{
	FIELD_STR(f, "source_ip", c->source_ip);
	FIELD_UINT(f, "count", c->has_count, c->count);
	FIELD_STR(f, "disposition", c->disposition);
	FIELD_STR(f, "policy_dkim", c->policy_dkim);
	FIELD_STR(f, "policy_spf", c->policy_spf);
	FIELD_TABLE(f, "reasons", reason_columns, c->reasons, c->nreasons, sizeof *c->reasons);
	FIELD_STR(f, "header_from", c->header_from);
	FIELD_STR(f, "envelope_from", c->envelope_from);
	FIELD_STR(f, "envelope_to", c->envelope_to);
	FIELD_TABLE(f, "dkim", dkim_columns, c->dkim, c->ndkim, sizeof *c->dkim);
	FIELD_TABLE(f, "spf", spf_columns, c->spf, c->nspf, sizeof *c->spf);
}

static void
aggregate_describe(struct fields *f)
{
	struct dmarc_report r = { 0 };
	struct dmarc_record c = { 0 };

	aggregate_report_fields(&r, f);
	aggregate_record_fields(&c, f);
	origin_fields(NULL, f);
}

const struct kind_schema aggregate_schema = { AGGREGATE_NAME, AGGREGATE_STREAM, aggregate_describe };
