/*
 * aggregate.c - DMARC aggregate reports (RFC 7489, DMARCbis) as a kind:
 * XML documents, parsed by xmlreport.c into a struct report, one record
 * per <record>.  Its fields are named in schema.c.
 */
#include "config.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kind.h"
#include "report.h"
#include "schema.h"
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

/*
 * With report_domains: the report's policy domain and every record's
 * header_from must be ours.  A report about us names no other domain in
 * header_from (the policy was found from it), so one that does is not a
 * reporter's honest report: refused whole.
 */
static enum dp_status
aggregate_ours(struct aggregate *a, const struct conf *c, struct kind_parse *out, struct dp_error *err)
{
	struct kind_cursor cur = { 0, 0 };
	const char *name = NULL;
	int more;

	report_view(a->rep, &a->view);
	if (!kind_domain_ours(c, a->view.domain, a->view.domain ? strlen(a->view.domain) : 0, out))
		goto refuse;
	if (report_seek(a->rep, &cur, 0) < 0)
		return dp_fail_errno(err, DP_TEMPFAIL, "cannot read back the report's records");
	while ((more = report_next(a->rep, &cur, &a->cur)) > 0)
		if ((name = a->cur.header_from) && !kind_domain_ours(c, name, strlen(name), out))
			goto refuse;
	if (more < 0)
		return dp_fail_errno(err, DP_TEMPFAIL, "cannot read back the report's records");
	return DP_OK;
refuse:
	out->meant = true;
	out->complete = false;
	return dp_fail(err, DP_REFUSE, "not one of report_domains");
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
	if (rc == DP_OK && xr.complete && c->report_domains)
		rc = aggregate_ours(a, c, out, err);
	return rc;
}

static void
aggregate_view(void *state, struct kind_report *out)
{
	struct aggregate *a = state;

	memset(out, 0, sizeof *out);	/* origin: the pipeline's to set */
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
aggregate_report(void *state, struct fields *f)
{
	aggregate_report_fields(&((struct aggregate *)state)->view, f);
}

static void
aggregate_record(void *state, const void *rec, struct fields *f)
{
	(void)state;
	aggregate_record_fields(rec, f);
}

const struct kind kind_aggregate = {
	.name = AGGREGATE_NAME,
	.stream = AGGREGATE_STREAM,
	.event = "record",
	.source = SOURCE_XML,
	.init = xml_report_init,
	.state_new = aggregate_new,
	.state_free = aggregate_free,
	.parse = aggregate_parse,
	.view = aggregate_view,
	.seek = aggregate_seek,
	.next = aggregate_next,
	.report_fields = aggregate_report,
	.record_fields = aggregate_record,
};
