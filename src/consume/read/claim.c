/* claim.c - taking over what dead consumers left pending, and forgetting them; see reader.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "reader_int.h"

/*
 * Forget consumers that hold nothing and have been idle longer than
 * claim_idle_seconds: with the default names (host name and PID) every
 * restart adds one, and XINFO CONSUMERS would list them forever.
 */
static enum dp_status
forget_idle_consumers(struct reader *rd, size_t stream, struct dp_error *err)
{
	const char *argv[] = { "XINFO", "CONSUMERS", rd->keys[stream], rd->group };
	redisReply *reply = redis_commandv(rd->redis, 4, argv, "listing consumers", err);
	size_t i, k;

	if (!reply)
		return DP_TEMPFAIL;
	for (i = 0; reply->type == REDIS_REPLY_ARRAY && i < reply->elements; i++) {
		const redisReply *c = reply->element[i], *name = NULL;
		long long pending = -1, idle = -1;

		for (k = 0; c->type == REDIS_REPLY_ARRAY && k + 1 < c->elements; k += 2) {
			const redisReply *key = c->element[k], *v = c->element[k + 1];

			if (key->type != REDIS_REPLY_STRING)
				continue;
			if (!strcmp(key->str, "name") && v->type == REDIS_REPLY_STRING)
				name = v;
			else if (!strcmp(key->str, "pending") && v->type == REDIS_REPLY_INTEGER)
				pending = v->integer;
			else if (!strcmp(key->str, "idle") && v->type == REDIS_REPLY_INTEGER)
				idle = v->integer;
		}
		if (name && pending == 0 && idle > (long long)rd->conf->claim_idle_seconds * 1000 &&
		    strcmp(name->str, rd->consumer)) {
			const char *del[] = { "XGROUP", "DELCONSUMER", rd->keys[stream], rd->group, name->str };
			redisReply *r = redis_commandv(rd->redis, 5, del, "forgetting an idle consumer", err);

			if (!r) {
				freeReplyObject(reply);
				return DP_TEMPFAIL;
			}
			if (r->type == REDIS_REPLY_INTEGER)
				log_info("event=forget stream=%s group=%s consumer=\"%s\" reason=\"idle, nothing pending\"",
					 rd->keys[stream], rd->group, name->str);
			freeReplyObject(r);
		}
	}
	freeReplyObject(reply);
	return DP_OK;
}

enum dp_status
reader_claim(struct reader *rd, size_t stream, unsigned count, struct entries *out, bool *found,
	     struct dp_error *err)
{
	char idle[24], cnt[16];
	const char *pend[] = { "XPENDING", rd->keys[stream], rd->group, "IDLE", idle, "-", "+", cnt };
	const char **argv = NULL;
	redisReply *reply, *claimed;
	const char *owner = NULL;
	size_t i, n = 0;
	int argc = 0;
	enum dp_status rc = DP_OK;

	*found = false;
	memset(out, 0, sizeof *out);
	if (reader_settle(rd, err) != DP_OK || reader_ensure_groups(rd, err) != DP_OK)
		return DP_TEMPFAIL;
	if (!rd->grouped[stream])
		return DP_OK;
	snprintf(idle, sizeof idle, "%llu", (unsigned long long)rd->conf->claim_idle_seconds * 1000);
	snprintf(cnt, sizeof cnt, "%u", count);
	if (!(reply = redis_commandv(rd->redis, 8, pend, "looking for abandoned entries", err)))
		return DP_TEMPFAIL;
	if (reply->type != REDIS_REPLY_ARRAY) {
		if (reply->type == REDIS_REPLY_ERROR && !strncmp(reply->str, "NOGROUP", 7))
			reader_forget_groups(rd);
		rc = redis_reply_fail(rd->redis, reply, "looking for abandoned entries", err);
		freeReplyObject(reply);
		return rc;
	}
	if (!(argv = calloc(reply->elements + 8, sizeof *argv))) {
		freeReplyObject(reply);
		return dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
	}
	argv[argc++] = "XCLAIM";
	argv[argc++] = rd->keys[stream];
	argv[argc++] = rd->group;
	argv[argc++] = rd->consumer;
	argv[argc++] = idle;
	/* One owner's entries at a time, in ID order: the batches it may have written are rebuilt alike. */
	for (i = 0; i < reply->elements && rc == DP_OK; i++) {
		const redisReply *p = reply->element[i];

		if (p->type != REDIS_REPLY_ARRAY || p->elements != 4 || p->element[0]->type != REDIS_REPLY_STRING ||
		    p->element[1]->type != REDIS_REPLY_STRING || p->element[3]->type != REDIS_REPLY_INTEGER)
			continue;
		if (!strcmp(p->element[1]->str, rd->consumer))
			continue;	/* ours: read again by reader_read() */
		if (!owner)
			owner = p->element[1]->str;
		if (strcmp(p->element[1]->str, owner))
			continue;
		if (p->element[3]->integer >= (long long)rd->conf->max_deliveries)
			rc = reader_park(rd, stream, p->element[0]->str, p->element[3]->integer, err);
		else
			argv[argc++] = p->element[0]->str, n++;
	}
	if (rc != DP_OK || n == 0) {
		free(argv);
		freeReplyObject(reply);
		*found = rc == DP_OK && owner;
		/* Nothing (more) to take over: the dead consumers can go. */
		return rc == DP_OK && !owner ? forget_idle_consumers(rd, stream, err) : rc;
	}
	{
		size_t *lens = calloc((size_t)argc, sizeof *lens);

		if (!lens) {
			free(argv);
			freeReplyObject(reply);
			return dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
		}
		for (i = 0; i < (size_t)argc; i++)
			lens[i] = strlen(argv[i]);
		claimed = redis_command(rd->redis, argc, argv, lens, "taking over abandoned entries", err);
		free(lens);
	}
	if (claimed)
		log_notice("event=claim stream=%s group=%s from=\"%s\" entries=%zu", rd->keys[stream], rd->group, owner, n);
	free(argv);
	freeReplyObject(reply);
	if (!claimed)
		return DP_TEMPFAIL;
	if (claimed->type != REDIS_REPLY_ARRAY) {
		rc = redis_reply_fail(rd->redis, claimed, "taking over abandoned entries", err);
		freeReplyObject(claimed);
		return rc;
	}
	if (entries_from_reply(out, claimed, claimed) < 0) {
		freeReplyObject(claimed);
		return dp_fail(err, DP_TEMPFAIL, "redis: unexpected reply to XCLAIM (%s)", strerror(errno));
	}
	out->kind = kind_schemas[stream];
	out->stream = stream;
	out->recovered = true;
	*found = true;
	if (reader_screen(rd, out, err) != DP_OK) {	/* no sink sees what is not a record */
		entries_free(out);
		return DP_TEMPFAIL;
	}
	return DP_OK;
}
