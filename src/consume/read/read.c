/* read.c - new entries and this consumer's own pending ones (XREADGROUP); see reader.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reader_int.h"

static void
nap_ms(unsigned ms)
{
	const struct timespec t = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	nanosleep(&t, NULL);	/* a signal cuts it short: one more look, no harm */
}

enum dp_status
reader_read(struct reader *rd, unsigned block_ms, struct entries *out, size_t *nout, struct dp_error *err)
{
	const char *argv[9 + 2 * KIND_COUNT];	/* XREADGROUP GROUP g c COUNT n BLOCK ms STREAMS keys... ids... */
	size_t idx[KIND_COUNT], n = 0, i, j;
	char count[16], block[16];
	redisReply *reply;
	int argc = 0;
	bool history = rd->recover;

	*nout = 0;
	if (reader_settle(rd, err) != DP_OK || reader_ensure_groups(rd, err) != DP_OK)
		return DP_TEMPFAIL;
	for (i = 0; i < KIND_COUNT; i++)
		if (rd->grouped[i])
			idx[n++] = i;
	if (n == 0) {
		/* No stream yet (nothing stored of any kind), so nothing pending either: wait as a blocked read would. */
		rd->recover = false;
		if (block_ms)
			nap_ms(block_ms);
		return DP_OK;
	}
	snprintf(count, sizeof count, "%u", rd->conf->consume_count);
	snprintf(block, sizeof block, "%u", block_ms);
	argv[argc++] = "XREADGROUP";
	argv[argc++] = "GROUP";
	argv[argc++] = rd->group;
	argv[argc++] = rd->consumer;
	argv[argc++] = "COUNT";
	argv[argc++] = count;
	if (block_ms && !history) {
		argv[argc++] = "BLOCK";
		argv[argc++] = block;
	}
	argv[argc++] = "STREAMS";
	for (i = 0; i < n; i++)
		argv[argc++] = rd->keys[idx[i]];
	for (i = 0; i < n; i++)
		argv[argc++] = history ? "0" : ">";
	if (!(reply = redis_commandv(rd->redis, argc, argv, "reading the streams", err)))
		return DP_TEMPFAIL;
	if (reply->type == REDIS_REPLY_NIL) {
		freeReplyObject(reply);
		if (!history)
			return DP_OK;
		rd->recover = false;	/* nothing pending for us: on to new entries */
		return reader_read(rd, block_ms, out, nout, err);
	}
	if (reply->type == REDIS_REPLY_ERROR && !strncmp(reply->str, "NOGROUP", 7))
		reader_forget_groups(rd);
	if (reply->type != REDIS_REPLY_ARRAY) {
		enum dp_status rc = redis_reply_fail(rd->redis, reply, "reading the streams", err);

		freeReplyObject(reply);
		return rc;
	}
	/* One reply holds every stream's list: each entries gets the reply, the last one owns it. */
	for (i = 0; i < reply->elements; i++) {
		const redisReply *s = reply->element[i];

		if (s->type != REDIS_REPLY_ARRAY || s->elements != 2 || s->element[0]->type != REDIS_REPLY_STRING)
			goto bad;
		for (j = 0; j < n; j++)
			if (!strcmp(s->element[0]->str, rd->keys[idx[j]]))
				break;
		if (j == n)
			goto bad;
		if (s->element[1]->type == REDIS_REPLY_ARRAY && s->element[1]->elements == 0)
			continue;	/* an empty history */
		if (entries_from_reply(&out[*nout], NULL, s->element[1]) < 0)
			goto fail_errno;
		out[*nout].kind = kind_schemas[idx[j]];
		out[*nout].stream = idx[j];
		out[*nout].recovered = history;
		(*nout)++;
	}
	if (*nout == 0) {
		freeReplyObject(reply);
		if (!history)
			return DP_OK;
		rd->recover = false;	/* our own pending entries are done: on to new ones */
		return reader_read(rd, block_ms, out, nout, err);
	}
	out[*nout - 1].reply = reply;
	/* No sink sees what is not a record. */
	for (i = 0; i < *nout; i++)
		if (reader_screen(rd, &out[i], err) != DP_OK) {
			for (i = 0; i < *nout; i++)
				entries_free(&out[i]);
			*nout = 0;
			return DP_TEMPFAIL;
		}
	return DP_OK;
bad:
	errno = EPROTO;
fail_errno:
	for (i = 0; i < *nout; i++)
		entries_free(&out[i]);
	*nout = 0;
	freeReplyObject(reply);
	return dp_fail(err, DP_TEMPFAIL, "redis: unexpected reply to XREADGROUP (%s)", strerror(errno));
}
