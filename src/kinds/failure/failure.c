/*
 * failure.c - DMARC failure reports (RFC 6591) and other ARF feedback
 * reports as a kind: one record per message/feedback-report part, read
 * by arf.c.  The schema below is the only place the records' fields are
 * named; README.md and dmarc-pipe(1) document it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "arf.h"
#include "failure.h"

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

static enum dp_status
failure_parse(void *state, const struct kind_input *in, const struct conf *c, const struct kind_hook *hook,
	      struct kind_parse *out, struct dp_error *err)
{
	struct failure *f = state;

	(void)hook;	/* one record: parsed whole, then looked up */
	arena_reset(&f->arena);
	return arf_read(in->feedback, c, &f->arena, &f->rep, out, err);
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
	out->org_name = f->rep.reporting_mta ? f->rep.reporting_mta : f->rep.sender;
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
failure_report_fields(void *state, struct fields *f)
{
	(void)state;
	(void)f;	/* one record per report: all its fields are the record's */
}

static void
failure_record_fields(void *state, const void *rec, struct fields *f)
{
	const struct arf_report *r = rec;

	(void)state;
	FIELD_STR(f, "feedback_type", r->feedback_type);
	FIELD_STRS(f, "auth_failure", r->auth_failure.v, r->auth_failure.n);
	FIELD_STRS(f, "identity_alignment", r->identity_alignment.v, r->identity_alignment.n);
	FIELD_STR(f, "version", r->version);
	FIELD_STR(f, "user_agent", r->user_agent);
	FIELD_STR(f, "arrival_date", r->arrival_date);
	FIELD_STR(f, "source_ip", r->source_ip);
	FIELD_STR(f, "reported_domain", r->reported_domain);
	FIELD_STR(f, "original_mail_from", r->original_mail_from);
	FIELD_STRS(f, "original_rcpt_to", r->original_rcpt_to.v, r->original_rcpt_to.n);
	FIELD_STR(f, "reporting_mta", r->reporting_mta);
	FIELD_STR(f, "delivery_result", r->delivery_result);
	FIELD_STR(f, "dkim_domain", r->dkim_domain);
	FIELD_STR(f, "dkim_identity", r->dkim_identity);
	FIELD_STR(f, "dkim_selector", r->dkim_selector);
	FIELD_STR(f, "spf_dns", r->spf_dns);
	FIELD_STR(f, "authentication_results", r->authentication_results);
	FIELD_UINT(f, "incidents", r->has_incidents, r->incidents);
	FIELD_STR(f, "header_from", r->header_from);
	FIELD_STR(f, "to", r->to);
	FIELD_STR(f, "subject", r->subject);
	FIELD_STR(f, "message_id", r->message_id);
	FIELD_STR(f, "date", r->date);
	FIELD_STR(f, "sender", r->sender);
}

const struct kind kind_failure = {
	.name = "failure",
	.stream = "failures",
	.event = "failure",
	.source = SOURCE_FEEDBACK,
	.state_new = failure_new,
	.state_free = failure_free,
	.parse = failure_parse,
	.view = failure_view,
	.seek = kind_seek_index,
	.next = failure_next,
	.report_fields = failure_report_fields,
	.record_fields = failure_record_fields,
};
