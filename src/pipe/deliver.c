/* deliver.c - one message to its final outcome; see deliver.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "deliver.h"
#include "escape.h"
#include "input.h"
#include "kind.h"
#include "log.h"
#include "mbox.h"
#include "quarantine.h"
#include "store.h"

/* The summary line of one message: what an operator greps for. */
static void
log_summary(const struct pipeline *pl, const struct deliver_opts *o, const char *input,
	    const struct message_result *r)
{
	char in[256], why[DP_REASON_MAX * 2], mid[256], from[256], qid[64], sender[256], rcpt[256];
	int pri = r->status == MSG_REJECTED ? LOG_NOTICE : r->status == MSG_TEMPFAIL ? LOG_ERR : LOG_INFO;
	char line[2048], per_kind[128];
	size_t i, n = 0;

	/* Reports of each kind, "aggregate=1 tlsrpt=0 failure=0". */
	per_kind[0] = '\0';
	for (i = 0; kinds[i] && n < sizeof per_kind; i++)
		n += (size_t)snprintf(per_kind + n, sizeof per_kind - n, " %s=%u", kinds[i]->name, r->per_kind[i]);
	/* Every value but the counts comes from the sender or the MTA: escaped. */
	snprintf(line, sizeof line,
		 "event=summary status=%s reason=\"%s\" reports=%u%s records=%llu duplicates=%u refused=%u%s"
		 " queue_id=\"%s\" sender=\"%s\" recipient=\"%s\" input=\"%s\" message_id=\"%s\" from=\"%s\" mail_auth=%s",
		 message_status_name(r->status), esc_log(why, sizeof why, r->reason[0] ? r->reason : "-"),
		 r->reports, per_kind, (unsigned long long)r->records, r->duplicates, r->refused,
		 pl->store ? "" : " stored=no",
		 esc_log(qid, sizeof qid, o->queue_id), esc_log(sender, sizeof sender, o->sender),
		 esc_log(rcpt, sizeof rcpt, o->recipient), esc_log(in, sizeof in, input),
		 esc_log(mid, sizeof mid, r->mime.message_id), esc_log(from, sizeof from, r->mime.from),
		 r->mail_auth ? r->mail_auth : "unchecked");
	log_line(pri, line);
}

/*
 * The message as read (in) into res: processed, or judged by how the
 * reading went.  Oversized: its first bytes are in msg, and at most
 * rest_max more are still to be read from fd.
 */
static void
deliver(struct pipeline *pl, const struct deliver_opts *o, enum input_result in, struct buf *msg, int fd,
	uint64_t rest_max, const char *name, struct message_result *res)
{
	const struct conf *conf = pl->conf;
	const char *data = msg->data ? msg->data : "";

	memset(res, 0, sizeof *res);
	if (in == INPUT_ERROR) {
		res->status = MSG_TEMPFAIL;
		if (errno == ENOMEM)
			snprintf(res->reason, sizeof res->reason, "%s", DP_REASON_OOM);
		else
			snprintf(res->reason, sizeof res->reason, "cannot read %s: %s", name, strerror(errno));
	} else if (in == INPUT_TOO_BIG) {
		res->status = MSG_REJECTED;
		snprintf(res->reason, sizeof res->reason, "message exceeds max_message_size (%llu bytes)",
			 (unsigned long long)conf->max_message_size);
	} else {
		message_process(pl, (const uint8_t *)data, msg->len, res);
	}

	/* Keep what we could not use, if asked; if we cannot, retry rather than lose it. */
	if (!o->dry_run && conf->quarantine_dir && res->status != MSG_TEMPFAIL &&
	    (res->status == MSG_REJECTED || res->refused > 0)) {
		char path[4096], clean[512];

		/* An oversized message goes in whole: the rest comes straight from the input. */
		if (quarantine_save(conf->quarantine_dir, data, msg->len, in == INPUT_TOO_BIG ? fd : -1, rest_max,
				    path, sizeof path) < 0) {
			res->status = MSG_TEMPFAIL;
			snprintf(res->reason, sizeof res->reason, "cannot quarantine in %s: %s",
				 conf->quarantine_dir, strerror(errno));
		} else {
			log_notice("event=quarantine file=\"%s\"", esc_log(clean, sizeof clean, path));
		}
	}
	/* For dmarc-consume's dmarc_invalid_reports_total, once the outcome is final (a retry would count again). */
	if (pl->store && res->refused > 0 && res->status != MSG_TEMPFAIL)
		store_count_refused(pl->store, res->refused_per_kind);
	log_summary(pl, o, name, res);
}

void
deliver_fd(struct pipeline *pl, const struct deliver_opts *o, int fd, const char *name,
	   struct message_result *res)
{
	struct buf msg = BUF_INIT(0);
	enum input_result in = input_read(fd, pl->conf->max_message_size, &msg);

	deliver(pl, o, in, &msg, fd, UINT64_MAX, name, res);
	/* procmail and Sieve count an unread pipe as a failure: read what neither used. */
	if (in != INPUT_WHOLE && input_drain(fd) < 0)
		log_err("cannot read %s to its end: %s", name, strerror(errno));
	buf_free(&msg);
}

void
deliver_mbox_message(struct pipeline *pl, const struct deliver_opts *o, int fd, off_t off, uint64_t len,
		     const char *name, struct message_result *res)
{
	struct buf msg = BUF_INIT(0);
	uint64_t max = pl->conf->max_message_size;
	enum input_result in = mbox_read(fd, off, len, max, &msg);

	/* The quarantine reads the rest of an oversized one from where mbox_read stopped. */
	if (in == INPUT_TOO_BIG && lseek(fd, off + (off_t)msg.len, SEEK_SET) < 0)
		in = INPUT_ERROR;
	deliver(pl, o, in, &msg, fd, len - msg.len, name, res);
	buf_free(&msg);
}
