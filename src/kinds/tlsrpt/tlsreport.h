/*
 * tlsreport.h - one SMTP TLS report (RFC 8460) read from a JSON document.
 *
 * json-c parses the document into a tree (bounded: bytes, nesting, and
 * objects and arrays per byte); the tree is then read into the struct
 * below, whose strings live in an arena, and freed.  What real reporters
 * send is tolerated where its meaning is sure (tlsreport.c lists it); a
 * report without organization-name, report-id or policies is refused.
 */
#ifndef DP_TLSREPORT_H
#define DP_TLSREPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "conf.h"
#include "kind.h"
#include "stream.h"

/* One entry of a policy's failure-details; absent values are NULL or -1. */
struct tls_detail {
	const char *result_type;		/* as given */
	const char *sending_mta_ip;		/* canonical when an address, else as given */
	const char *receiving_mx_hostname;	/* lower case, no trailing dot */
	const char *receiving_mx_helo;		/* lower case, no trailing dot */
	const char *receiving_ip;		/* canonical when an address, else as given */
	int64_t failed_sessions;
	const char *additional_information;
	const char *failure_reason_code;
};

/* One entry of policies: one record. */
struct tls_policy {
	const char *policy_type;		/* lower case */
	const char *policy_domain;		/* lower case, no trailing dot */
	const char **policy_strings;
	size_t npolicy_strings;
	const char **mx_hosts;			/* lower case, no trailing dot */
	size_t nmx_hosts;
	bool has_successful, has_failed;
	uint64_t successful_sessions, failed_sessions;
	struct tls_detail *details;
	size_t ndetails;
};

struct tls_report {
	const char *org_name, *contact_info, *report_id;
	const char *begin, *end;		/* ISO 8601 UTC */
	struct tls_policy *policies;
	size_t npolicies;
	char rid[RID_HEX_LEN + 1];
};

/*
 * Read the document in s into r, its values in a (reset by the caller).
 * Returns as kind.h's parse; out->repaired says what was mended.
 */
enum dp_status tls_report_read(struct stream *s, const struct conf *c, struct arena *a, struct tls_report *r,
			       struct kind_parse *out, struct dp_error *err);

#endif
