/* trim.c - trimming what every group has consumed; see trim.h. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "entry.h"
#include "log.h"
#include "schema.h"
#include "trim.h"

struct sid {
	uint64_t ms, seq;
};

static int
sid_lt(struct sid a, struct sid b)
{
	return a.ms < b.ms || (a.ms == b.ms && a.seq < b.seq);
}

/* The lowest ID any group on key still needs; *any false when there is no group. */
static enum dp_status
needed(struct redis *r, const char *key, struct sid *low, bool *any, struct dp_error *err)
{
	const char *xg[] = { "XINFO", "GROUPS", key };
	redisReply *g = redis_commandv(r, 3, xg, "trimming a stream", err);
	size_t i;

	*any = false;
	if (!g)
		return DP_TEMPFAIL;
	for (i = 0; g->type == REDIS_REPLY_ARRAY && i < g->elements; i++) {
		const redisReply *name = redis_reply_field(g->element[i], "name"), *last = redis_reply_field(g->element[i], "last-delivered-id");
		const redisReply *pending = redis_reply_field(g->element[i], "pending");
		struct sid s;

		if (!name || !last || last->type != REDIS_REPLY_STRING || stream_id_parse(last->str, &s.ms, &s.seq) < 0) {
			*any = false;	/* a group we cannot read: trim nothing */
			break;
		}
		if (pending && pending->type == REDIS_REPLY_INTEGER && pending->integer > 0) {
			const char *xp[] = { "XPENDING", key, name->str };
			redisReply *p = redis_commandv(r, 3, xp, "trimming a stream", err);
			struct sid o;

			if (!p) {
				freeReplyObject(g);
				return DP_TEMPFAIL;
			}
			if (p->type == REDIS_REPLY_ARRAY && p->elements >= 2 && p->element[1]->type == REDIS_REPLY_STRING &&
			    stream_id_parse(p->element[1]->str, &o.ms, &o.seq) == 0 && sid_lt(o, s))
				s = o;
			freeReplyObject(p);
		}
		if (!*any || sid_lt(s, *low))
			*low = s;
		*any = true;
	}
	freeReplyObject(g);
	return DP_OK;
}

enum dp_status
trim_streams(struct redis *r, const struct conf *c, unsigned long long *removed, struct dp_error *err)
{
	struct timeval now;
	size_t k;

	*removed = 0;
	gettimeofday(&now, NULL);
	for (k = 0; kind_schemas[k]; k++) {
		char key[300], minid[48];
		const char *xt[] = { "XTRIM", key, "MINID", minid };
		struct sid low = { 0, 0 };
		uint64_t cutoff;
		bool any;
		redisReply *t;

		snprintf(key, sizeof key, "{%s}:%s", c->key_prefix, kind_schemas[k]->stream);
		if (needed(r, key, &low, &any, err) != DP_OK)
			return DP_TEMPFAIL;
		if (!any)
			continue;
		cutoff = (uint64_t)now.tv_sec * 1000 - (uint64_t)c->retain_days * 86400000;
		if (c->retain_days && cutoff < low.ms)
			low = (struct sid){ cutoff, 0 };
		snprintf(minid, sizeof minid, "%llu-%llu", (unsigned long long)low.ms, (unsigned long long)low.seq);
		if (!(t = redis_commandv(r, 4, xt, "trimming a stream", err)))
			return DP_TEMPFAIL;
		if (t->type == REDIS_REPLY_INTEGER && t->integer > 0) {
			*removed += (unsigned long long)t->integer;
			log_info("event=trim stream=%s below=%s removed=%lld", key, minid, t->integer);
		}
		freeReplyObject(t);
	}
	return DP_OK;
}
