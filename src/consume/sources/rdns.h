/*
 * rdns.h - forward-confirmed reverse DNS of many addresses at once.
 *
 * For each address: its PTR names, then the A and AAAA records of each
 * name; a name whose addresses include the source is confirmed.  Anyone
 * who controls a PTR can claim any name, so an unconfirmed name is
 * shown as such and never identifies a service.
 *
 * All queries of a batch are in flight together on one c-ares channel,
 * and the batch ends at the deadline whatever is still out: what did not
 * finish is "unresolved" (never "no name").  A channel is one thread's.
 */
#ifndef DP_RDNS_H
#define DP_RDNS_H

#include <stddef.h>

enum rdns_state {
	RDNS_OFF,		/* not looked up (dns_lookups = no, or no address) */
	RDNS_CONFIRMED,		/* the name resolves back to the address */
	RDNS_UNCONFIRMED,	/* it does not: the name is the PTR's claim alone */
	RDNS_NONE,		/* no PTR record (or none with a valid host name) */
	RDNS_UNRESOLVED,	/* the DNS failed or did not answer in time */
};

/* The word for a state in records ("yes", "no", "none", "unresolved", "off"); rdns_state_parse is its inverse (-1: none). */
const char *rdns_state_word(enum rdns_state s);
int rdns_state_parse(const char *word, size_t len);

#define RDNS_NAME_MAX 254

#define RDNS_ADDR_MAX 64

struct rdns_query {
	char addr[RDNS_ADDR_MAX];	/* in: the address as text */
	enum rdns_state state;		/* out */
	char name[RDNS_NAME_MAX];	/* out: lower case, no trailing dot; "" when none */
};

struct rdns;

/* A channel asking servers ("host:port, ..."; NULL: /etc/resolv.conf).  NULL with why in err. */
struct rdns *rdns_new(const char *servers, unsigned timeout_ms, char *err, size_t errlen);
void rdns_free(struct rdns *r);

/*
 * Resolve q[0..n) together, within the channel's timeout.  *inflight is
 * set to the most queries that were in flight at once.
 */
void rdns_resolve(struct rdns *r, struct rdns_query *q, size_t n, unsigned *inflight);

/* Whether s[0..len) is a host name (letters, digits, '-' and '_'; labels of 1-63; at most 253). */
int rdns_valid_name(const char *s, size_t len);

#endif
