/*
 * run.h - the consumer's loop: every sink in turn reads its group,
 * writes and acknowledges, until SIGTERM (or, with --once, until nothing
 * is left).
 *
 * The sinks are independent: each has its own consumer group, and a sink
 * that fails (Redis away, a directory it may not write, a full disk)
 * drops what it holds unacknowledged (still pending in Redis), backs off
 * on its own (1, 2, 4 ... 30 s) and is retried, while the others go on
 * at full speed.  Its error is logged when it changes, its recovery once,
 * and its state is in health (dmarc_consume_sink_up).
 */
#ifndef DP_RUN_H
#define DP_RUN_H

#include <signal.h>
#include <stdbool.h>
#include <time.h>

#include "conf.h"
#include "consume_sink.h"
#include "health.h"
#include "reader.h"
#include "redis.h"

/* Set by the signal handlers: SIGTERM/SIGINT stop, SIGHUP reopens the files. */
extern volatile sig_atomic_t run_stopping, run_reopening;

/* One sink as the loop drives it. */
struct run_sink {
	const struct consume_sink *sink;
	void *state;			/* the sink's; NULL until it opens */
	struct reader *reader;		/* owned */
	struct sink_health *health;	/* not owned */
	time_t next_claim;		/* when to look for others' abandoned entries */
	time_t retry_at;		/* failing: when to try again */
	unsigned backoff;		/* failing: seconds of the last wait (0: up) */
	bool gave_up;			/* --once: it failed and is not tried again */
	char error[DP_REASON_MAX];	/* failing: the error last logged */
	unsigned repeats;		/* failing: times it came again since */
};

/*
 * Drive the sinks until stopped: EX_OK; with once, until every sink has
 * consumed what is there and closed its batches: EX_OK, or EX_TEMPFAIL
 * when a sink failed (the others still drained).
 */
int run_sinks(struct run_sink *sinks, size_t n, struct redis *redis, const struct conf *c, bool once);

#endif
