/*
 * approved.h - the operator's approved senders: per domain of ours, the
 * sources that are ours.
 *
 * One line per domain, '#' starts a comment:
 *
 *	example.com  192.0.2.0/24  2001:db8::/32  service:Google  dkim:crm.example.net
 *
 * An address or network, a service of the table (services.h), or a DKIM
 * domain whose passing signature marks the source as ours.  A line
 * covers its domain and the subdomains no line of their own names.
 */
#ifndef DP_APPROVED_H
#define DP_APPROVED_H

#include <stdbool.h>
#include <stddef.h>

#include "services.h"

struct approved;

/* What is known of one record's source. */
struct approved_facts {
	const char *addr;			/* source_ip as the report gave it */
	const struct service *service;		/* NULL: none known */
	const char *const *dkim_pass;		/* domains of the DKIM signatures that passed */
	size_t ndkim_pass;
};

/* The file at path, its service: names checked against services.  NULL with "FILE:LINE: why" in err. */
struct approved *approved_load(const char *path, const struct services *services, char *err, size_t errlen);
void approved_free(struct approved *a);

/* Whether the source is one of from_domain[0..len)'s. */
bool approved_match(const struct approved *a, const char *from_domain, size_t len, const struct approved_facts *f);

#endif
