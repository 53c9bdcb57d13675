/*
 * tally.h - what a backfill has done so far: the progress line and the
 * end summary.
 *
 * The backfill's parent adds up the outcome of every message its workers
 * report.  On a terminal the progress line is redrawn in place; elsewhere
 * (--progress into a file or a pipe) it is written as a plain line every
 * few seconds.  The summary is always written, and logged.
 */
#ifndef DP_TALLY_H
#define DP_TALLY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "kind.h"
#include "status.h"

struct message_result;

/*
 * The outcomes of a run of messages, as a worker adds them up and sends
 * them: one note for many messages, not a wake-up of the parent each.
 */
struct outcomes {
	uint32_t messages;
	uint32_t per_kind[KIND_COUNT];	/* reports of each kind */
	uint32_t duplicates, refused, rejected, deferred;
	uint32_t deferred_tail;		/* of the deferred, how many in a row at the end */
	uint64_t records;
	char first_deferral[DP_REASON_MAX];	/* why the first deferred one was */
};

/* One message's result added to o. */
void outcomes_add(struct outcomes *o, const struct message_result *r);

struct tally {
	uint64_t total;			/* messages found, once counted; 0 until then */
	bool counted;
	uint64_t done;			/* messages handled or deferred */
	uint64_t per_kind[KIND_COUNT];
	uint64_t records, duplicates, refused, rejected, deferred;
	uint64_t unreadable;		/* files and directories that could not be read */
	unsigned deferred_in_a_row;
	char first_deferral[DP_REASON_MAX];
	char first_unreadable[DP_REASON_MAX];
	double started;			/* monotonic seconds */
};

void tally_init(struct tally *t);
void tally_add(struct tally *t, const struct outcomes *o);
void tally_unreadable(struct tally *t, const char *path, int err);

/* The progress line to fp: redrawn in place when tty. */
void tally_progress(const struct tally *t, FILE *fp, bool tty);
/* Clear the progress line on a terminal before other output. */
void tally_progress_clear(FILE *fp, bool tty);

/* The end summary, one line, into line. */
void tally_summary(const struct tally *t, char *line, size_t len);

/* The summary as the log's event=backfill line: key=value, values escaped. */
void tally_log_line(const struct tally *t, bool stopped, char *line, size_t len);

/* Monotonic seconds. */
double tally_now(void);

#endif
