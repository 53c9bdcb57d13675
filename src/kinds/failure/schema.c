/*
 * schema.c - the fields of a failure report's record: the only place they
 * are named.  README.md and dmarc-pipe(1) document them.
 */
#include "config.h"

#include <string.h>

#include "arf.h"
#include "schema.h"

void
failure_record_fields(const struct arf_report *r, struct fields *f)
{
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

static void
failure_describe(struct fields *f)
{
	struct arf_report r = { 0 };

	failure_record_fields(&r, f);
	origin_fields(NULL, f);
}

const struct kind_schema failure_schema = { FAILURE_NAME, FAILURE_STREAM, failure_describe };

const char *
failure_mta_name(const char *v, size_t len, size_t *name_len)
{
	const char *semi = v ? memchr(v, ';', len) : NULL;
	size_t i;

	*name_len = len;
	if (!semi)
		return v;
	/* The type is an atom: letters, digits and '-' (RFC 3464 section 2.1.2). */
	for (i = 0; v + i < semi; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z') || (v[i] >= '0' && v[i] <= '9') ||
		      v[i] == '-' || (v[i] == ' ' && v + i + 1 == semi)))
			return v;
	for (semi++; semi < v + len && (*semi == ' ' || *semi == '\t'); semi++)
		;
	if (semi == v + len)
		return v;	/* a type and no name: the value is all there is */
	*name_len = (size_t)(v + len - semi);
	return semi;
}
