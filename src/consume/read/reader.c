/* reader.c - one sink's consumer group on every kind's stream; see reader.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "escape.h"
#include "log.h"
#include "prom.h"
#include "reader.h"

struct reader {
	struct redis *redis;		/* not owned */
	const struct conf *conf;	/* not owned */
	char *group;			/* owned: <consume_group>:<sink> */
	const char *consumer;		/* not owned */
	char *keys[KIND_COUNT];		/* owned: {P}:<stream> */
	char *parked;			/* owned: {P}:parked */
	char *consumed;			/* owned: {P}:consumed */
	char *consumed_field[KIND_COUNT];	/* owned: the label set of the entries-consumed counter */
	bool grouped[KIND_COUNT];	/* the group exists on that stream */
	bool recover;			/* read our own pending entries before new ones */
	char sha[41];			/* the ack script's, once loaded */
};

/*
 * The acknowledgement, atomically with the counters.  KEYS: the stream,
 * the consumed-entries hash, the counter hashes.  ARGV: group, consumer,
 * consumed field, cap (0: no counters), the number of IDs, the IDs (in
 * ID order), one overflow field per counter hash, then (counter index,
 * field, increment) triples.  With counters, when an entry is no longer
 * pending for this consumer (another took it over), nothing is written
 * and the IDs still ours are returned: the caller retries with those and
 * their increments alone.  Returns how many were acknowledged.
 */
static const char ack_script[] =
	"local group, me, cfield, cap, n = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])\n"
	"if cap > 0 and n > 0 then\n"
	/* Which of the IDs are still pending for us: one range query, or one per ID when the range is crowded. */
	"  local limit = 2 * n + 1000\n"
	"  local p = redis.call('XPENDING', KEYS[1], group, ARGV[6], ARGV[5 + n], limit, me)\n"
	"  local mine, lost, ours = {}, false, {}\n"
	"  if #p < limit then\n"
	"    for _, e in ipairs(p) do ours[e[1]] = true end\n"
	"  else\n"
	"    for i = 1, n do\n"
	"      local q = redis.call('XPENDING', KEYS[1], group, ARGV[5 + i], ARGV[5 + i], 1, me)\n"
	"      if q[1] then ours[ARGV[5 + i]] = true end\n"
	"    end\n"
	"  end\n"
	"  for i = 1, n do\n"
	"    if ours[ARGV[5 + i]] then mine[#mine + 1] = ARGV[5 + i] else lost = true end\n"
	"  end\n"
	"  if lost then return mine end\n"
	"end\n"
	"local acked = 0\n"
	"for i = 1, n, 500 do\n"
	"  local args = { KEYS[1], group }\n"
	"  for j = i, math.min(i + 499, n) do args[#args + 1] = ARGV[5 + j] end\n"
	"  acked = acked + redis.call('XACK', unpack(args))\n"
	"end\n"
	"local nk = #KEYS - 2\n"
	"local at = 6 + n + nk\n"
	"while at + 2 <= #ARGV do\n"
	"  local k = tonumber(ARGV[at])\n"
	"  local key, f = KEYS[2 + k], ARGV[at + 1]\n"
	"  if redis.call('HEXISTS', key, f) == 0 and redis.call('HLEN', key) >= cap then f = ARGV[6 + n + k - 1] end\n"
	"  redis.call('HINCRBY', key, f, ARGV[at + 2])\n"
	"  at = at + 3\n"
	"end\n"
	"if acked > 0 then redis.call('HINCRBY', KEYS[2], cfield, acked) end\n"
	"return acked\n";

static char *
prefixed(const struct conf *c, const char *name)
{
	size_t len = strlen(c->key_prefix) + strlen(name) + 4;
	char *s = malloc(len);

	if (s)
		snprintf(s, len, "{%s}:%s", c->key_prefix, name);
	return s;
}

static char *
consumed_label(const char *stream, const char *group)
{
	struct buf b = { 0 };

	/* With its NUL the buffer is the string. */
	if (prom_label(&b, "stream", stream, strlen(stream), 0) < 0 ||
	    prom_label(&b, "group", group, strlen(group), 1) < 0 || buf_putc(&b, '\0') < 0) {
		buf_free(&b);
		return NULL;
	}
	return b.data;
}

struct reader *
reader_new(struct redis *r, const struct conf *c, const char *sink, const char *consumer)
{
	struct reader *rd = calloc(1, sizeof *rd);
	size_t i, len;

	if (!rd)
		return NULL;
	rd->redis = r;
	rd->conf = c;
	rd->consumer = consumer;
	rd->recover = true;
	len = strlen(c->consume_group) + strlen(sink) + 2;
	if (!(rd->group = malloc(len)))
		goto fail;
	snprintf(rd->group, len, "%s:%s", c->consume_group, sink);
	if (!(rd->parked = prefixed(c, "parked")) || !(rd->consumed = prefixed(c, "consumed")))
		goto fail;
	for (i = 0; i < KIND_COUNT; i++)
		if (!(rd->keys[i] = prefixed(c, kind_schemas[i]->stream)) ||
		    !(rd->consumed_field[i] = consumed_label(kind_schemas[i]->stream, rd->group)))
			goto fail;
	return rd;
fail:
	reader_free(rd);
	return NULL;
}

void
reader_free(struct reader *rd)
{
	size_t i;

	if (!rd)
		return;
	for (i = 0; i < KIND_COUNT; i++) {
		free(rd->keys[i]);
		free(rd->consumed_field[i]);
	}
	free(rd->group);
	free(rd->parked);
	free(rd->consumed);
	free(rd);
}

const char *
reader_group(const struct reader *rd)
{
	return rd->group;
}

void
reader_recover(struct reader *rd)
{
	rd->recover = true;
}

/* Create the group on each stream that exists and has none. */
static enum dp_status
ensure_groups(struct reader *rd, struct dp_error *err)
{
	size_t i;

	for (i = 0; i < KIND_COUNT; i++) {
		const char *argv[] = { "XGROUP", "CREATE", rd->keys[i], rd->group, "0" };
		redisReply *reply;

		if (rd->grouped[i])
			continue;
		if (!(reply = redis_commandv(rd->redis, 5, argv, "creating a consumer group", err)))
			return DP_TEMPFAIL;
		if (reply->type == REDIS_REPLY_STATUS ||
		    (reply->type == REDIS_REPLY_ERROR && !strncmp(reply->str, "BUSYGROUP", 9))) {
			if (reply->type == REDIS_REPLY_STATUS)
				log_info("event=group stream=%s group=%s created", rd->keys[i], rd->group);
			rd->grouped[i] = true;
		} else if (!(reply->type == REDIS_REPLY_ERROR && strstr(reply->str, "requires the key to exist"))) {
			enum dp_status rc = redis_reply_fail(rd->redis, reply, "creating a consumer group", err);

			freeReplyObject(reply);
			return rc;
		}
		/* No stream yet: nothing was ever stored of that kind; try again next time. */
		freeReplyObject(reply);
	}
	return DP_OK;
}

/* A stream or its group vanished (deleted, or a Redis without its data): create them anew next time. */
static void
forget_groups(struct reader *rd)
{
	memset(rd->grouped, 0, sizeof rd->grouped);
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
	if (ensure_groups(rd, err) != DP_OK)
		return DP_TEMPFAIL;
	for (i = 0; i < KIND_COUNT; i++)
		if (rd->grouped[i])
			idx[n++] = i;
	if (n == 0)
		return DP_OK;	/* no stream yet */
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
		forget_groups(rd);
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

/* Copy an entry nobody could consume to {P}:parked and acknowledge it, in one transaction. */
static enum dp_status
park(struct reader *rd, size_t stream, const char *id, long long deliveries, struct dp_error *err)
{
	const char *range[] = { "XRANGE", rd->keys[stream], id, id };
	const char **argv = NULL;
	size_t *lens = NULL, k;
	redisReply *entry = NULL, *reply = NULL;
	const redisReply *fields = NULL;
	char dl[24];
	int argc = 0;
	enum dp_status rc = DP_TEMPFAIL;

	snprintf(dl, sizeof dl, "%lld", deliveries);
	if (!(entry = redis_commandv(rd->redis, 4, range, "parking an entry", err)))
		return DP_TEMPFAIL;
	if (entry->type == REDIS_REPLY_ARRAY && entry->elements == 1 && entry->element[0]->type == REDIS_REPLY_ARRAY &&
	    entry->element[0]->elements == 2 && entry->element[0]->element[1]->type == REDIS_REPLY_ARRAY)
		fields = entry->element[0]->element[1];
	k = 12 + (fields ? fields->elements : 0);
	if (!(argv = calloc(k, sizeof *argv)) || !(lens = calloc(k, sizeof *lens))) {
		dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
		goto out;
	}
	argv[argc++] = "XADD";
	argv[argc++] = rd->parked;
	argv[argc++] = "*";
	argv[argc++] = "stream";
	argv[argc++] = rd->keys[stream];
	argv[argc++] = "group";
	argv[argc++] = rd->group;
	argv[argc++] = "id";
	argv[argc++] = id;
	argv[argc++] = "deliveries";
	argv[argc++] = dl;
	for (k = 0; k < (size_t)argc; k++)
		lens[k] = strlen(argv[k]);
	for (k = 0; fields && k < fields->elements; k++) {
		argv[argc] = fields->element[k]->str ? fields->element[k]->str : "";
		lens[argc++] = fields->element[k]->str ? fields->element[k]->len : 0;
	}
	{
		const char *multi[] = { "MULTI" }, *exec[] = { "EXEC" };
		const char *ack[] = { "XACK", rd->keys[stream], rd->group, id };
		redisReply *r1, *r2, *r3;

		if (!(r1 = redis_commandv(rd->redis, 1, multi, "parking an entry", err)))
			goto out;
		freeReplyObject(r1);
		if (!(r2 = redis_command(rd->redis, argc, argv, lens, "parking an entry", err)))
			goto out;
		freeReplyObject(r2);
		if (!(r3 = redis_commandv(rd->redis, 4, ack, "parking an entry", err)))
			goto out;
		freeReplyObject(r3);
		if (!(reply = redis_commandv(rd->redis, 1, exec, "parking an entry", err)))
			goto out;
		if (reply->type != REDIS_REPLY_ARRAY) {
			rc = redis_reply_fail(rd->redis, reply, "parking an entry", err);
			goto out;
		}
	}
	log_err("event=parked stream=%s group=%s id=%s deliveries=%lld reason=\"delivered %lld times without being "
		"consumed; copied to %s\"", rd->keys[stream], rd->group, id, deliveries, deliveries, rd->parked);
	rc = DP_OK;
out:
	if (entry)
		freeReplyObject(entry);
	if (reply)
		freeReplyObject(reply);
	free(argv);
	free(lens);
	return rc;
}

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
	if (ensure_groups(rd, err) != DP_OK)
		return DP_TEMPFAIL;
	if (!rd->grouped[stream])
		return DP_OK;
	snprintf(idle, sizeof idle, "%llu", (unsigned long long)rd->conf->claim_idle_seconds * 1000);
	snprintf(cnt, sizeof cnt, "%u", count);
	if (!(reply = redis_commandv(rd->redis, 8, pend, "looking for abandoned entries", err)))
		return DP_TEMPFAIL;
	if (reply->type != REDIS_REPLY_ARRAY) {
		if (reply->type == REDIS_REPLY_ERROR && !strncmp(reply->str, "NOGROUP", 7))
			forget_groups(rd);
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
			rc = park(rd, stream, p->element[0]->str, p->element[3]->integer, err);
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
	return DP_OK;
}

/* An increment with its field resolved. */
struct incr {
	unsigned key;
	const char *label;
	unsigned long long value;
};

/* Increments in (key, label) order, so equal ones are neighbours. */
static int
incr_cmp(const void *a, const void *b)
{
	const struct incr *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return strcmp(x->label, y->label);
}

/* The script's arguments for the entries marked in keep (NULL: all), the increments summed. */
static int
ack_args(struct reader *rd, const struct entries *es, const bool *keep, const struct ack_counters *cn,
	 const char ***argvp, size_t **lensp, char **numsp, int *argcp)
{
	size_t nk = cn ? cn->nkeys : 0, ninc = cn ? cn->n : 0, max = 12 + nk * 2 + es->n + 3 * ninc, i, j;
	struct incr *sorted = NULL;
	const char **argv = calloc(max, sizeof *argv);
	size_t *lens = calloc(max, sizeof *lens);
	char *nums = malloc(24 * (2 * ninc + 4)), *np = nums;
	size_t nids = 0;
	int argc = 0;

	if (!argv || !lens || !nums || (ninc && !(sorted = calloc(ninc, sizeof *sorted))))
		goto fail;
	for (i = 0; i < es->n; i++)
		nids += !keep || keep[i];
	argv[argc++] = "EVALSHA";
	argv[argc++] = rd->sha;
	argv[argc++] = np, np += sprintf(np, "%zu", 2 + nk) + 1;
	argv[argc++] = rd->keys[es->stream];
	argv[argc++] = rd->consumed;
	for (i = 0; i < nk; i++)
		argv[argc++] = cn->keys[i];
	argv[argc++] = rd->group;
	argv[argc++] = rd->consumer;
	argv[argc++] = rd->consumed_field[es->stream];
	argv[argc++] = np, np += sprintf(np, "%u", cn ? cn->cap : 0) + 1;	/* 0: no counters, no check */
	argv[argc++] = np, np += sprintf(np, "%zu", nids) + 1;
	for (i = 0; i < es->n; i++)
		if (!keep || keep[i])
			argv[argc++] = es->v[i].id;
	for (i = 0; i < nk; i++)
		argv[argc++] = cn->overflow[i];
	/* Sum equal (key, label) increments: one HINCRBY each. */
	for (i = j = 0; i < ninc; i++)
		if (!keep || keep[cn->v[i].entry]) {
			sorted[j].key = cn->v[i].key;
			sorted[j].label = cn->labels + cn->v[i].label;
			sorted[j++].value = cn->v[i].value;
		}
	if (j)
		qsort(sorted, j, sizeof *sorted, incr_cmp);
	for (i = 0; i < j;) {
		unsigned long long sum = 0;
		size_t k = i;

		for (; k < j && incr_cmp(&sorted[i], &sorted[k]) == 0; k++)
			sum += sorted[k].value;
		argv[argc++] = np, np += sprintf(np, "%u", sorted[i].key + 1) + 1;
		argv[argc++] = sorted[i].label;
		argv[argc++] = np, np += sprintf(np, "%llu", sum) + 1;
		i = k;
	}
	for (i = 0; i < (size_t)argc; i++)
		lens[i] = strlen(argv[i]);
	free(sorted);
	*argvp = argv;
	*lensp = lens;
	*numsp = nums;
	*argcp = argc;
	return 0;
fail:
	free(sorted);
	free(argv);
	free(lens);
	free(nums);
	return -1;
}

static enum dp_status
load_script(struct reader *rd, struct dp_error *err)
{
	const char *argv[] = { "SCRIPT", "LOAD", ack_script };
	redisReply *reply = redis_commandv(rd->redis, 3, argv, "loading the acknowledgement script", err);
	enum dp_status rc = DP_OK;

	if (!reply)
		return DP_TEMPFAIL;
	if (reply->type == REDIS_REPLY_STRING && reply->len == 40)
		memcpy(rd->sha, reply->str, 41);
	else
		rc = redis_reply_fail(rd->redis, reply, "loading the acknowledgement script", err);
	freeReplyObject(reply);
	return rc;
}

enum dp_status
reader_ack(struct reader *rd, const struct entries *es, const struct ack_counters *counters, size_t *acked,
	   struct dp_error *err)
{
	bool *keep = NULL;
	enum dp_status rc = DP_TEMPFAIL;
	int attempt;

	*acked = 0;
	if (es->n == 0)
		return DP_OK;
	/* A retry: once after NOSCRIPT, once with the entries still ours. */
	for (attempt = 0; attempt < 4; attempt++) {
		const char **argv;
		size_t *lens, i, j;
		char *nums;
		int argc;
		redisReply *reply;

		if (!rd->sha[0] && load_script(rd, err) != DP_OK)
			break;
		if (ack_args(rd, es, keep, counters, &argv, &lens, &nums, &argc) < 0) {
			dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
			break;
		}
		reply = redis_command(rd->redis, argc, argv, lens, "acknowledging entries", err);
		free(argv);
		free(lens);
		free(nums);
		if (!reply)
			break;
		if (reply->type == REDIS_REPLY_ERROR && !strncmp(reply->str, "NOSCRIPT", 8)) {
			rd->sha[0] = '\0';	/* a restarted or failed-over server: load it again */
			freeReplyObject(reply);
			continue;
		}
		if (reply->type == REDIS_REPLY_INTEGER) {
			*acked = (size_t)reply->integer;
			freeReplyObject(reply);
			rc = DP_OK;
			break;
		}
		if (reply->type != REDIS_REPLY_ARRAY) {
			rc = redis_reply_fail(rd->redis, reply, "acknowledging entries", err);
			freeReplyObject(reply);
			break;
		}
		/* Some were taken over by another consumer: they are its to count now. */
		if (!keep && !(keep = calloc(es->n, sizeof *keep))) {
			freeReplyObject(reply);
			dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
			break;
		}
		memset(keep, 0, es->n * sizeof *keep);
		for (i = 0; i < es->n; i++)
			for (j = 0; j < reply->elements && !keep[i]; j++)
				keep[i] = reply->element[j]->type == REDIS_REPLY_STRING &&
					  !strcmp(reply->element[j]->str, es->v[i].id);
		log_warn("event=lost stream=%s group=%s entries=%zu reason=\"taken over by another consumer before "
			 "they were acknowledged\"", rd->keys[es->stream], rd->group, es->n - reply->elements);
		freeReplyObject(reply);
	}
	free(keep);
	/*
	 * With redis_min_replicas, a failover must not take back what the
	 * files now hold: if too few replicas have the acknowledgement, stop
	 * and retry after a pause like any Redis error, rather than write more.
	 */
	if (rc == DP_OK && *acked)
		rc = redis_wait_replicas(rd->redis, "waiting for replicas", err);
	if (rc == DP_OK || err->status)
		return rc;
	return dp_fail(err, DP_TEMPFAIL, "redis: acknowledging entries did not settle");
}
