/*
 * dnscache.h - reverse DNS results shared by every dmarc-consume through
 * Redis: {P}:rdns:<address> = "<state> <name>" (rdns.h's words), expiring
 * after dns_cache_days for a name, a day for "none" and ten minutes for
 * "unresolved", so that a DNS outage is asked again soon and a flood of
 * addresses leaves no key behind for longer than that.
 */
#ifndef DP_DNSCACHE_H
#define DP_DNSCACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "rdns.h"
#include "redis.h"
#include "status.h"

#define DNSCACHE_NONE_SECONDS 86400
#define DNSCACHE_UNRESOLVED_SECONDS 600

/* Fill q[i] and set hit[i] for each cached address (q[i].addr set). */
enum dp_status dnscache_get(struct redis *r, const struct conf *c, struct rdns_query *q, size_t n, bool *hit,
			    struct dp_error *err);

/* Cache q[0..n) (those not RDNS_OFF). */
enum dp_status dnscache_put(struct redis *r, const struct conf *c, const struct rdns_query *q, size_t n,
			    struct dp_error *err);

#endif
