/*
 * classify.h - the class of an aggregate record: what its messages were,
 * from the operator's side.  The rules, in order (dmarc-consume(8),
 * CLASSES; each has a unit test):
 *
 *  1. pass           the receiver's policy_evaluated dkim or spf passed;
 *  2. forwarded      it failed, but forwarding explains it: a reason of
 *                    forwarded, trusted_forwarder or mailing_list, or
 *                    local_policy whose comment says arc=pass; or a
 *                    source the services table calls a forwarder; or a
 *                    DKIM signature of the header-from domain that still
 *                    passed while SPF failed;
 *  3. approved-fail  a source approved for the domain failed: a
 *                    configuration of yours to fix;
 *  4. service-fail   a known sending service, not approved for the
 *                    domain, failed;
 *  5. unknown-fail   anything else: likely spoofing.
 */
#ifndef DP_CLASSIFY_H
#define DP_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>

enum source_class {
	CLASS_PASS,
	CLASS_FORWARDED,
	CLASS_APPROVED_FAIL,
	CLASS_SERVICE_FAIL,
	CLASS_UNKNOWN_FAIL,
	CLASS_COUNT
};

struct class_facts {
	bool policy_pass;	/* policy_evaluated dkim or spf is pass */
	bool forward_reason;	/* a reason that says forwarding (above) */
	bool forwarder;		/* the source is a forwarder of the services table */
	bool dkim_from_pass;	/* a DKIM signature of the header-from domain passed */
	bool spf_pass;		/* an SPF result passed */
	bool approved;		/* the source is approved for the header-from domain */
	bool service;		/* the source is a known service */
};

enum source_class classify(const struct class_facts *f);

/* "pass", "forwarded", "approved-fail", "service-fail", "unknown-fail". */
const char *class_name(enum source_class c);

/* Whether reason type[0..tlen) with comment[0..clen) says the message was forwarded. */
bool class_forward_reason(const char *type, size_t tlen, const char *comment, size_t clen);

#endif
