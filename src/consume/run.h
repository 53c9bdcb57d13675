/*
 * run.h - the consumer's loop: each sink in a thread of its own, with its
 * own Redis connection, reads its group, writes and acknowledges, until
 * SIGTERM (or, with --once, until nothing is left).  The main thread
 * reopens files on SIGHUP (through the sinks' threads), trims the streams,
 * and tells the service manager how the sinks are doing (notify.h).
 *
 * The sinks are independent: each has its own consumer group, and a sink
 * that fails (Redis away, a directory it may not write, a full disk)
 * drops what it holds unacknowledged (still pending in Redis), backs off
 * on its own (1, 2, 4 ... 30 s) and is retried, while the others go on
 * at full speed: in their own threads, on the machine's other cores,
 * while Redis works for one of them.  Its error is logged when it
 * changes, its recovery once, and its state is in health
 * (dmarc_consume_sink_up).
 */
#ifndef DP_RUN_H
#define DP_RUN_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

#include "conf.h"
#include "consume_sink.h"
#include "health.h"
#include "reader.h"
#include "redis.h"
#include "sources.h"

/* Set by the signal handlers: SIGTERM/SIGINT stop, SIGHUP reopens the files. */
extern atomic_int run_stopping, run_reopening;

/* One sink as its thread drives it; the thread's alone but where noted. */
struct run_sink {
	const struct consume_sink *sink;
	void *state;			/* the sink's; NULL until it opens */
	struct redis *redis;		/* owned: its own connection */
	struct reader *reader;		/* owned */
	struct sink_health *health;	/* not owned: shared with the other threads */
	struct health *all;		/* not owned: health's lock and version */
	const struct conf *conf;	/* not owned */
	const struct sources *sources;	/* not owned: shared, read only */
	bool once;			/* --once: drain, close the batches, end */
	pthread_t thread;
	atomic_int reopen;		/* set by the main thread on SIGHUP */
	atomic_int done;		/* its thread has ended */
	int result;			/* --once: EX_OK, or EX_TEMPFAIL when it failed; read after the join */
	time_t next_claim;		/* when to look for others' abandoned entries */
	time_t retry_at;		/* failing: when to try again */
	unsigned backoff;		/* failing: seconds of the last wait (0: up) */
	unsigned repeats;		/* failing: times it came again since */
	char error[DP_REASON_MAX];	/* failing: the error last logged */
};

/*
 * Start a thread for each sink (each with its redis and reader set) and
 * wait for them; redis is the main thread's own connection, for trimming.
 * Until stopped: EX_OK; with once, EX_OK when every sink consumed
 * everything and closed its batches, EX_TEMPFAIL when one failed (the
 * others still drained).
 */
int run_sinks(struct run_sink *sinks, size_t n, struct health *health, struct redis *redis, const struct conf *c,
	      bool once);

#endif
