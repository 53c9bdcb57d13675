/*
 * authres.h - how the report mail was authenticated, from the
 * Authentication-Results fields (RFC 8601) our own MTA added.
 *
 * Only fields whose authserv-id is authserv_id count (OpenDMARC's
 * "id/jobid" form too); every other is a third party's claim.  Our MTA's
 * milters add their fields at the top, above the Received field of the
 * hop from outside, so the fields that count are ours from the topmost
 * one of them down to the next Received field; below that, a field with
 * our id came with the message and is ignored.  Among those that count,
 * the topmost result of each method decides, so a forged field next to
 * ours cannot turn our "fail" into "pass".
 *
 * The mail is authenticated by DMARC when dmarc=pass (for the From
 * domain, when header.from says which), else by DKIM when a dkim=pass
 * has a header.d that is the From domain or a parent of it.  This is
 * only as good as the MTA's removal of arriving fields that carry its
 * own authserv-id (RFC 8601 section 5); dmarc-pipe(1) shows how.
 */
#ifndef DP_AUTHRES_H
#define DP_AUTHRES_H

#include "mime.h"

enum mail_auth {
	MAIL_AUTH_UNCHECKED,	/* no authserv_id set */
	MAIL_AUTH_NONE,		/* not authenticated */
	MAIL_AUTH_DKIM,
	MAIL_AUTH_DMARC,
};

/* "unchecked", "none", "dkim", "dmarc": the records' mail_auth. */
const char *mail_auth_name(enum mail_auth a);

/* The header fields h (in order, top first) of a mail whose From domain is from_domain ("" if none). */
enum mail_auth authres_judge(const struct mime_fields *h, const char *authserv_id, const char *from_domain);

#endif
