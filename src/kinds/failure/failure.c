/*
 * failure.c - DMARC failure reports (RFC 6591) and other ARF feedback
 * reports as a kind: one record per message/feedback-report part, read
 * by arf.c.  Its fields are named in schema.c.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "arf.h"
#include "domain.h"
#include "kind.h"
#include "schema.h"

struct failure {
	struct arena arena;		/* the report's values */
	struct arf_report rep;
};

static void *
failure_new(const struct conf *c)
{
	struct failure *f = calloc(1, sizeof *f);

	/*
	 * At most max_header_fields fields in each of two header blocks, each
	 * value at most max_field_length bytes, tripled at worst by mending
	 * invalid UTF-8.
	 */
	if (f)
		f->arena = (struct arena)ARENA_INIT(2 * (size_t)c->max_header_fields * (3 * (size_t)c->max_field_length + 1) +
						    65536);
	return f;
}

static void
failure_free(void *state)
{
	struct failure *f = state;

	if (!f)
		return;
	arena_free(&f->arena);
	free(f);
}

/* With report_domains: the Reported-Domain, or else the reported message's From domain, must be ours. */
static bool
failure_ours(const struct arf_report *r, const struct conf *c, struct kind_parse *out)
{
	const char *d = r->reported_domain;
	size_t len = d ? strlen(d) : 0;

	if (!d)
		d = domain_of_address(r->header_from, &len);
	return kind_domain_ours(c, d, len, out);
}

static enum dp_status
failure_parse(void *state, const struct kind_input *in, const struct conf *c, const struct kind_hook *hook,
	      struct kind_parse *out, struct dp_error *err)
{
	struct failure *f = state;

	enum dp_status rc;

	(void)hook;	/* one record: parsed whole, then looked up */
	arena_reset(&f->arena);
	rc = arf_read(in->feedback, c, &f->arena, &f->rep, out, err);
	if (rc == DP_OK && out->complete && c->report_domains && !failure_ours(&f->rep, c, out)) {
		out->meant = true;
		out->complete = false;
		rc = dp_fail(err, DP_REFUSE, "not one of report_domains");
	}
	return rc;
}

static void
failure_view(void *state, struct kind_report *out)
{
	struct failure *f = state;

	memset(out, 0, sizeof *out);
	out->kind = &kind_failure;
	out->state = f;
	memcpy(out->rid, f->rep.rid, sizeof out->rid);
	out->nrecords = 1;
	if (f->rep.reporting_mta) {
		size_t len;

		/* The name without its type ("dns; mx.example"): a suffix, so still a string. */
		out->org_name = failure_mta_name(f->rep.reporting_mta, strlen(f->rep.reporting_mta), &len);
	} else
		out->org_name = f->rep.sender;
	out->report_id = f->rep.report_message_id;
}

static int
failure_next(void *state, struct kind_cursor *c, const void **rec)
{
	struct failure *f = state;

	if (c->ord >= 1)
		return 0;
	c->ord++;
	*rec = &f->rep;
	return 1;
}

static void
failure_report(void *state, struct fields *f)
{
	(void)state;
	(void)f;	/* one record per report: all its fields are the record's */
}

static void
failure_record(void *state, const void *rec, struct fields *f)
{
	(void)state;
	failure_record_fields(rec, f);
}

const struct kind kind_failure = {
	.name = FAILURE_NAME,
	.stream = FAILURE_STREAM,
	.event = "failure",
	.source = SOURCE_FEEDBACK,
	.state_new = failure_new,
	.state_free = failure_free,
	.parse = failure_parse,
	.view = failure_view,
	.seek = kind_seek_index,
	.next = failure_next,
	.report_fields = failure_report,
	.record_fields = failure_record,
};
