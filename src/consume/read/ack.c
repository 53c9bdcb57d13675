/* ack.c - acknowledging entries atomically with the counters they add to; see reader.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "reader_int.h"

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
const char reader_ack_script[] =
	"local group, me, cfield, cap, n = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])\n"
	/* A script that fails halfway keeps what it did: check every hash before the first write. */
	"for i = 2, #KEYS do\n"
	"  local t = redis.call('TYPE', KEYS[i]).ok\n"
	"  if t ~= 'hash' and t ~= 'none' then return redis.error_reply('WRONGTYPE ' .. KEYS[i] .. ' is a ' .. t .. ', not a hash') end\n"
	"end\n"
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

int
reader_ack_args(struct reader *rd, const struct entries *es, const bool *keep, const struct ack_counters *cn,
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
	argv[argc++] = rd->ack.sha;	/* both set again by script_run() */
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
	/* A retry with the entries still ours, when another consumer took some. */
	for (attempt = 0; attempt < 3; attempt++) {
		const char **argv;
		size_t *lens, i, j;
		char *nums;
		int argc;
		redisReply *reply;

		if (reader_ack_args(rd, es, keep, counters, &argv, &lens, &nums, &argc) < 0) {
			dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
			break;
		}
		reply = script_run(rd->redis, &rd->ack, argc, argv, lens, "acknowledging entries", err);
		free(argv);
		free(lens);
		free(nums);
		if (!reply)
			break;
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
	if (rc == DP_OK && *acked && (rc = redis_wait_replicas(rd->redis, "waiting for replicas", err)) != DP_OK)
		rd->unreplicated = true;
	if (rc == DP_OK || err->status)
		return rc;
	return dp_fail(err, DP_TEMPFAIL, "redis: acknowledging entries did not settle");
}

enum dp_status
reader_settle(struct reader *rd, struct dp_error *err)
{
	if (!rd->unreplicated)
		return DP_OK;
	if (redis_wait_replicas(rd->redis, "waiting for replicas to have the last acknowledgement", err) != DP_OK)
		return DP_TEMPFAIL;
	rd->unreplicated = false;
	return DP_OK;
}
