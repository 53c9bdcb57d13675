/*
 * sentinel.h - finding the master through Redis Sentinel.
 *
 * Each sentinel of redis_sentinels is asked in turn, with short timeouts,
 * for the address of redis_master_name's master (SENTINEL
 * get-master-addr-by-name); the master named is connected to and must say
 * it is one (ROLE), since a sentinel on the minority side of a partition
 * can still name the old master.  The first sentinel whose answer passes
 * wins; the caller asks again on every reconnect, so a failover is
 * followed at the next connection.
 */
#ifndef DP_SENTINEL_H
#define DP_SENTINEL_H

#include <hiredis/hiredis.h>

#include "conf.h"
#include "dial.h"
#include "status.h"

/*
 * A ready connection to the master (data is how to connect to it: AUTH,
 * SELECT, timeouts), its address in addr; or NULL with a tempfail saying
 * what the last sentinel tried answered.
 */
redisContext *sentinel_connect(const struct conf *c, const struct dial_opts *data, char *addr, size_t addrlen,
			       struct dp_error *err);

#endif
