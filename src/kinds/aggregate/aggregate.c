/*
 * aggregate.c - DMARC aggregate reports (RFC 7489, DMARCbis) as a kind:
 * XML documents, parsed by xmlreport.c into a struct report, one record
 * per <record>.  The schema below is the only place the records' fields
 * are named; README.md and dmarc-pipe(1) document it.
 */
#include "config.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "report.h"
#include "xmlreport.h"

struct aggregate {
	struct report *rep;		/* owned */
	struct dmarc_report view;	/* of rep, as of the last view() */
	struct dmarc_record cur;	/* the record next() decoded last */
	const struct kind_hook *hook;	/* during a parse */
};

static void *
aggregate_new(const struct conf *c)
{
	struct aggregate *a = calloc(1, sizeof *a);

	if (a && !(a->rep = report_new(c->max_auth_results))) {
		free(a);
		return NULL;
	}
	return a;
}

static void
aggregate_free(void *state)
{
	struct aggregate *a = state;

	if (!a)
		return;
	report_free(a->rep);
	free(a);
}

/* The XML parser's identity hook, passed on with the report's rid. */
static enum dp_status
identity_known(void *arg, struct report *rep, bool *skip, struct dp_error *err)
{
	struct aggregate *a = arg;

	report_view(rep, &a->view);
	return a->hook->fn(a->hook->arg, a->view.rid, skip, err);
}

static enum dp_status
aggregate_parse(void *state, const struct kind_input *in, const struct conf *c,
		const struct kind_hook *hook, struct kind_parse *out, struct dp_error *err)
{
	struct aggregate *a = state;
	struct xml_identity_hook xh = { identity_known, a };
	struct xml_result xr;
	enum dp_status rc;

	memset(out, 0, sizeof *out);
	a->hook = hook;
	rc = xml_report_parse(in->doc, c, a->rep, hook ? &xh : NULL, &xr, err);
	a->hook = NULL;
	out->meant = xr.saw_feedback;
	out->complete = xr.complete;
	out->skipped = xr.skipped;
	out->hostile = xr.forbidden;
	if (xr.mended)
		snprintf(out->repaired, sizeof out->repaired, "%" PRIu64 " bytes of invalid UTF-8 replaced by U+FFFD",
			 xr.mended);
	if (rc == DP_OK && !xr.complete && !xr.skipped)
		out->not_report = "XML without a <feedback> report";
	return rc;
}

static void
aggregate_view(void *state, struct kind_report *out)
{
	struct aggregate *a = state;

	report_view(a->rep, &a->view);
	out->kind = &kind_aggregate;
	out->state = a;
	memcpy(out->rid, a->view.rid, sizeof out->rid);
	out->nrecords = a->view.nrecords;
	out->org_name = a->view.org_name;
	out->report_id = a->view.report_id;
}

static int
aggregate_seek(void *state, struct kind_cursor *c, size_t ord)
{
	return report_seek(((struct aggregate *)state)->rep, c, ord);
}

static int
aggregate_next(void *state, struct kind_cursor *c, const void **rec)
{
	struct aggregate *a = state;
	int rc = report_next(a->rep, c, &a->cur);

	*rec = &a->cur;
	return rc;
}

static void
aggregate_report_fields(void *state, struct fields *f)
{
	const struct dmarc_report *r = &((struct aggregate *)state)->view;

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

static void
aggregate_record_fields(void *state, const void *rec, struct fields *f)
{
	const struct dmarc_record *c = rec;

	(void)state;
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

const struct kind kind_aggregate = {
	.name = "aggregate",
	.stream = "records",
	.event = "record",
	.source = SOURCE_XML,
	.init = xml_report_init,
	.state_new = aggregate_new,
	.state_free = aggregate_free,
	.parse = aggregate_parse,
	.view = aggregate_view,
	.seek = aggregate_seek,
	.next = aggregate_next,
	.report_fields = aggregate_report_fields,
	.record_fields = aggregate_record_fields,
};
