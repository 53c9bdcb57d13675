/*
 * backfill.h - many messages in one run: files, mboxes, Maildirs, trees.
 *
 * dmarc-pipe FILE|DIR... hands every message it finds to the same
 * delivery as the MTA's (deliver.h): the same limits, the same exactly
 * once in Redis, the same quarantine, so a run can be repeated, or cut
 * short and repeated, without storing anything twice.
 *
 * One process finds the messages (a file is one message, or an mbox of
 * many; a directory is walked, walk.h) and hands them out over a socket;
 * --jobs workers, each with its own Redis connection, deliver them and
 * report each outcome to the parent, which keeps the counts, draws the
 * progress line and writes the summary.  Memory is the workers' per
 * message and does not grow with the number of messages.
 */
#ifndef DP_BACKFILL_H
#define DP_BACKFILL_H

#include <stdbool.h>

#include "deliver.h"
#include "message.h"

#define BACKFILL_MAX_JOBS 64
/* Deferrals in a row after which the run stops: Redis is down, say, and every message would wait for it. */
#define BACKFILL_STOP_AFTER 10

struct backfill_opts {
	unsigned jobs;		/* worker processes, 1..BACKFILL_MAX_JOBS */
	bool progress;		/* draw the progress line on standard error */
};

/*
 * Deliver every message under paths[0..n).  Returns the exit status:
 * EX_OK when every message was handled, EX_NOINPUT when a path could not
 * be read, else EX_TEMPFAIL when any message was deferred.
 */
int backfill_run(struct pipeline *pl, const struct deliver_opts *o, char *const *paths, int n,
		 const struct backfill_opts *bo);

#endif
