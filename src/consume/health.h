/*
 * health.h - each sink's state as its thread (run.h) sets it, for
 * /metrics (the HTTP thread) and the service manager (the main thread).
 */
#ifndef DP_HEALTH_H
#define DP_HEALTH_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "status.h"

#define SINKS_MAX 4

struct sink_health {
	const char *name;		/* the sink's name (static) */
	atomic_int up;			/* 1: consuming; 0: failing, backing off */
	atomic_int ready;		/* it has consumed (talked to Redis) at least once */
	atomic_ulong failures;		/* times it went from up to failing */
	atomic_llong heartbeat;		/* its thread's last sign of life, monotonic seconds */
	char error[DP_REASON_MAX];	/* while failing: why; under health.lock */
};

struct health {
	struct sink_health sinks[SINKS_MAX];
	size_t n;
	atomic_uint version;		/* raised whenever a sink's state or error changes */
	pthread_mutex_t lock;		/* guards the sinks' error texts (zeroed: unlocked) */
};

#endif
