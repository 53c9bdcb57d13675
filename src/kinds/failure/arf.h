/*
 * arf.h - one failure or feedback report (ARF: RFC 5965, RFC 6591) from
 * the fields the MIME walk found (mime.h).
 *
 * Values are copied into an arena: unfolded and decoded by GMime,
 * invalid UTF-8 mended; with failure_redact, the subject is dropped and
 * the local parts of addresses are removed (redact.h).  The reported
 * message's body is never read.
 */
#ifndef DP_ARF_H
#define DP_ARF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "conf.h"
#include "kind.h"
#include "mime.h"

struct arf_list {
	const char **v;
	size_t n;
};

struct arf_report {
	/* The feedback part. */
	const char *feedback_type;		/* lower case */
	struct arf_list auth_failure;		/* lower case */
	struct arf_list identity_alignment;	/* lower case */
	const char *version, *user_agent;
	const char *arrival_date;		/* ISO 8601 UTC; the carrier's Date: when absent or unreadable */
	const char *source_ip;			/* canonical; NULL when absent or not an address */
	const char *reported_domain;		/* the first, lower case */
	const char *original_mail_from;
	struct arf_list original_rcpt_to;
	const char *reporting_mta, *delivery_result;
	const char *dkim_domain, *dkim_identity, *dkim_selector, *spf_dns;
	const char *authentication_results;
	bool has_incidents;
	uint64_t incidents;
	/* The reported message's header. */
	const char *header_from, *to, *subject, *message_id, *date;	/* date: ISO 8601 UTC */
	/* The carrier's header. */
	const char *sender;			/* its From: */
	const char *report_message_id;		/* its Message-ID: (for the log) */
	char rid[RID_HEX_LEN + 1];
};

/* Read fb into r, its values in a; DP_OK, DP_REFUSE or DP_TEMPFAIL as kind.h's parse. */
enum dp_status arf_read(const struct mime_feedback *fb, const struct conf *c, struct arena *a, struct arf_report *r,
			struct kind_parse *out, struct dp_error *err);

#endif
