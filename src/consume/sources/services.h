/*
 * services.h - the sending services: who a source is, from evidence a
 * stranger cannot forge.
 *
 * A table (services.tsv, shipped; the operator's file adds to it and
 * overrides it by name) gives each service a name, a type and what
 * identifies its mail: the domain of its forward-confirmed reverse DNS
 * name (ptr:), the domain of a DKIM signature that passed (dkim:), or
 * the AS number of the source address (asn:).  A domain matches itself
 * and every name below it; the most specific match wins.
 */
#ifndef DP_SERVICES_H
#define DP_SERVICES_H

#include <stddef.h>
#include <stdint.h>

/* What a service is, in the words the records and metrics use. */
#define SERVICE_TYPES "mailbox esp crm forwarder gateway hosting other"

struct service {
	char *name;	/* owned; one word, compared without case */
	char *type;	/* owned; one of SERVICE_TYPES */
};

struct services;

/*
 * The table in path, then extra's entries (either NULL: none).  NULL on
 * error, with "FILE:LINE: why" in err.
 */
struct services *services_load(const char *path, const char *extra, char *err, size_t errlen);
void services_free(struct services *s);

size_t services_count(const struct services *s);

/* The service whose ptr: (ptr true) or dkim: domain holds name[0..len); NULL when none. */
const struct service *services_by_domain(const struct services *s, int ptr, const char *name, size_t len);
const struct service *services_by_asn(const struct services *s, uint32_t asn);
const struct service *services_by_name(const struct services *s, const char *name);

#endif
