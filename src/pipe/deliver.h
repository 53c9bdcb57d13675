/*
 * deliver.h - one message through the pipeline to its final outcome.
 *
 * Whether the message came from the MTA on stdin, from a file, or from
 * an mbox being backfilled, the same happens to it: it is read bounded,
 * processed (message.h), kept in the quarantine when it could not be
 * used and quarantine_dir is set, counted as refused in Redis once its
 * outcome is final, and summed up in one event=summary log line.
 */
#ifndef DP_DELIVER_H
#define DP_DELIVER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf.h"
#include "message.h"

/* What the command line says about every message. */
struct deliver_opts {
	bool dry_run;		/* parse only: no quarantine, no store */
	/* What the MTA tells us about the delivery, for the summary line; may be NULL. */
	const char *queue_id, *sender, *recipient;
};

/* The message in fd, read to its end; name is how the log calls it. */
void deliver_fd(struct pipeline *pl, const struct deliver_opts *o, int fd, const char *name,
		struct message_result *res);

/* The message of an mbox whose bytes are len at off in fd (mbox.h unquotes them). */
void deliver_mbox_message(struct pipeline *pl, const struct deliver_opts *o, int fd, off_t off, uint64_t len,
			  const char *name, struct message_result *res);

#endif
