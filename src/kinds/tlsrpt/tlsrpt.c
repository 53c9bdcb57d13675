/*
 * tlsrpt.c - SMTP TLS reports (RFC 8460) as a kind: JSON documents read
 * by tlsreport.c, one record per entry of "policies".  The schema below
 * is the only place the records' fields are named; README.md and
 * dmarc-pipe(1) document it.
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "tlsreport.h"
#include "tlsrpt.h"

struct tlsrpt {
	struct arena arena;		/* the report's values */
	struct tls_report rep;
};

static void *
tlsrpt_new(const struct conf *c)
{
	struct tlsrpt *t = calloc(1, sizeof *t);

	if (t)
		t->arena = (struct arena)ARENA_INIT(c->max_tlsrpt_size * 4);
	return t;
}

static void
tlsrpt_free(void *state)
{
	struct tlsrpt *t = state;

	if (!t)
		return;
	arena_free(&t->arena);
	free(t);
}

static enum dp_status
tlsrpt_parse(void *state, const struct kind_input *in, const struct conf *c, const struct kind_hook *hook,
	     struct kind_parse *out, struct dp_error *err)
{
	struct tlsrpt *t = state;

	(void)hook;	/* a TLS report is small: parsed whole, then looked up */
	arena_reset(&t->arena);
	return tls_report_read(in->doc, c, &t->arena, &t->rep, out, err);
}

static void
tlsrpt_view(void *state, struct kind_report *out)
{
	struct tlsrpt *t = state;

	memset(out, 0, sizeof *out);
	out->kind = &kind_tlsrpt;
	out->state = t;
	memcpy(out->rid, t->rep.rid, sizeof out->rid);
	out->nrecords = t->rep.npolicies;
	out->org_name = t->rep.org_name;
	out->report_id = t->rep.report_id;
}

static int
tlsrpt_next(void *state, struct kind_cursor *c, const void **rec)
{
	struct tlsrpt *t = state;

	if (c->ord >= t->rep.npolicies)
		return 0;
	*rec = &t->rep.policies[c->ord++];
	return 1;
}

static void
tlsrpt_report_fields(void *state, struct fields *f)
{
	const struct tls_report *r = &((struct tlsrpt *)state)->rep;

	FIELD_UINT(f, "records", true, r->npolicies);
	FIELD_STR(f, "org_name", r->org_name);
	FIELD_STR(f, "contact_info", r->contact_info);
	FIELD_STR(f, "report_id", r->report_id);
	FIELD_STR(f, "begin", r->begin);
	FIELD_STR(f, "end", r->end);
}

#define DETAIL(name, flat, type, m) COLUMN(name, flat, type, offsetof(struct tls_detail, m))

static const struct column detail_columns[] = {
	DETAIL("result_type", "failure_result_types", COLUMN_STR, result_type),
	DETAIL("sending_mta_ip", "failure_sending_mta_ips", COLUMN_STR, sending_mta_ip),
	DETAIL("receiving_mx_hostname", "failure_receiving_mx_hostnames", COLUMN_STR, receiving_mx_hostname),
	DETAIL("receiving_mx_helo", "failure_receiving_mx_helos", COLUMN_STR, receiving_mx_helo),
	DETAIL("receiving_ip", "failure_receiving_ips", COLUMN_STR, receiving_ip),
	DETAIL("failed_sessions", "failure_failed_sessions", COLUMN_COUNT, failed_sessions),
	DETAIL("additional_information", "failure_additional_information", COLUMN_STR, additional_information),
	DETAIL("failure_reason_code", "failure_reason_codes", COLUMN_STR, failure_reason_code),
};

static void
tlsrpt_record_fields(void *state, const void *rec, struct fields *f)
{
	const struct tls_policy *p = rec;

	(void)state;
	FIELD_STR(f, "policy_type", p->policy_type);
	FIELD_STR(f, "policy_domain", p->policy_domain);
	FIELD_STRS(f, "policy_strings", p->policy_strings, p->npolicy_strings);
	FIELD_STRS(f, "mx_hosts", p->mx_hosts, p->nmx_hosts);
	FIELD_UINT(f, "successful_sessions", p->has_successful, p->successful_sessions);
	FIELD_UINT(f, "failed_sessions", p->has_failed, p->failed_sessions);
	FIELD_TABLE(f, "failure_details", detail_columns, p->details, p->ndetails, sizeof *p->details);
}

const struct kind kind_tlsrpt = {
	.name = "tlsrpt",
	.stream = "tlsrpt",
	.event = "tlsrpt",
	.source = SOURCE_JSON,
	.state_new = tlsrpt_new,
	.state_free = tlsrpt_free,
	.parse = tlsrpt_parse,
	.view = tlsrpt_view,
	.seek = kind_seek_index,
	.next = tlsrpt_next,
	.report_fields = tlsrpt_report_fields,
	.record_fields = tlsrpt_record_fields,
};
