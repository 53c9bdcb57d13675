/*
 * health.h - each sink's state as the loop (run.h) sets it and /metrics
 * shows it: the loop's thread writes, the HTTP thread reads.
 */
#ifndef DP_HEALTH_H
#define DP_HEALTH_H

#include <stdatomic.h>
#include <stddef.h>

#define SINKS_MAX 3

struct sink_health {
	const char *name;		/* the sink's name (static) */
	atomic_int up;			/* 1: consuming; 0: failing, backing off */
	atomic_ulong failures;		/* times it went from up to failing */
};

struct health {
	struct sink_health sinks[SINKS_MAX];
	size_t n;
};

#endif
