/*
 * schema.c - the fields of a TLS report's records: the only place they
 * are named.  README.md and dmarc-pipe(1) document them.
 */
#include "config.h"

#include <stddef.h>

#include "schema.h"
#include "tlsreport.h"

void
tlsrpt_report_fields(const struct tls_report *r, struct fields *f)
{
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

void
tlsrpt_record_fields(const struct tls_policy *p, struct fields *f)
{
	FIELD_STR(f, "policy_type", p->policy_type);
	FIELD_STR(f, "policy_domain", p->policy_domain);
	FIELD_STRS(f, "policy_strings", p->policy_strings, p->npolicy_strings);
	FIELD_STRS(f, "mx_hosts", p->mx_hosts, p->nmx_hosts);
	FIELD_UINT(f, "successful_sessions", p->has_successful, p->successful_sessions);
	FIELD_UINT(f, "failed_sessions", p->has_failed, p->failed_sessions);
	FIELD_TABLE(f, "failure_details", detail_columns, p->details, p->ndetails, sizeof *p->details);
}

static void
tlsrpt_describe(struct fields *f)
{
	struct tls_report r = { 0 };
	struct tls_policy p = { 0 };

	tlsrpt_report_fields(&r, f);
	tlsrpt_record_fields(&p, f);
	origin_fields(NULL, f);
}

const struct kind_schema tlsrpt_schema = { TLSRPT_NAME, TLSRPT_STREAM, tlsrpt_describe };
