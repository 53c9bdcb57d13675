/*
 * trim.h - the consumer trims the streams, not the producer: XTRIM MINID
 * below every group's oldest pending and last-delivered entry (Redis 7.0
 * trims regardless of groups), and only entries older than retain_days.
 * Streams nobody has made a group on are left alone.
 */
#ifndef DP_TRIM_H
#define DP_TRIM_H

#include "conf.h"
#include "redis.h"
#include "status.h"

/* Trim every kind's stream; how many entries went, in *removed. */
enum dp_status trim_streams(struct redis *r, const struct conf *c, unsigned long long *removed, struct dp_error *err);

#endif
