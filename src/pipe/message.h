/*
 * message.h - one input message from bytes to emitted records.
 *
 * The message is either a bare report file (sniffed) or a mail message
 * whose MIME parts are searched.  Each report found is parsed, and when it
 * is complete and valid its records go to every sink.  The result says
 * what the MTA and the log need to know.
 */
#ifndef DP_MESSAGE_H
#define DP_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "kind.h"
#include "mime.h"
#include "sink.h"
#include "status.h"
#include "store.h"

/* What lives across messages: settings, store, sinks and each kind's state. */
struct pipeline {
	const struct conf *conf;
	void *state[KIND_COUNT];	/* owned: each kind's, as kinds[] lists them */
	struct store *store;	/* not owned; NULL: records go straight to the sinks */
	struct sink **sinks;	/* not owned */
	size_t nsinks;
};

enum message_status {
	MSG_OK,		/* at least one report's records stored or emitted */
	MSG_DUPLICATE,	/* every report in it was stored before */
	MSG_REJECTED,	/* nothing usable; permanent */
	MSG_TEMPFAIL,	/* retry later */
};

struct message_result {
	enum message_status status;
	char reason[DP_REASON_MAX];	/* why rejected/tempfail, or the first refused report */
	int reason_rank;		/* how telling reason is; a better one replaces it */
	unsigned reports;		/* valid reports found */
	unsigned per_kind[KIND_COUNT];	/* of those, how many of each kind (kinds[]) */
	unsigned duplicates;		/* of those, stored before: nothing added */
	unsigned refused;		/* reports and archives refused: broken, or not ours */
	/* Of those, of each kind (the last: of no kind, archives and the message), by why. */
	unsigned refused_per_kind[KIND_COUNT + 1][REFUSAL_COUNT];
	uint64_t records;		/* records newly stored (or emitted, without a store) */
	struct mime_info mime;
	const char *mail_auth;		/* how the mail was authenticated (authres.h), for the log */
};

/* 0, or -1 on ENOMEM. */
int pipeline_init(struct pipeline *pl, const struct conf *conf, struct store *store,
		  struct sink **sinks, size_t nsinks);
void pipeline_free(struct pipeline *pl);

/* Process msg[0..len) (which may be lent to GMime but is not changed). */
void message_process(struct pipeline *pl, const uint8_t *msg, size_t len, struct message_result *res);

const char *message_status_name(enum message_status s);

#endif
