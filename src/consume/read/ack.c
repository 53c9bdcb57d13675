/* ack.c - acknowledging entries atomically with the counters they add to; see reader.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "reader_int.h"

/*
 * The acknowledgement, atomically with the counters and the operations.
 * KEYS: the stream, the consumed-entries hash, the counter hashes, the
 * operations' keys.  ARGV: group, consumer, consumed field, cap (0: no
 * counters or operations, no check), the number of IDs, the number of
 * counter hashes, the IDs (in ID order), one overflow field per counter
 * hash, (counter index, field, increment) triples; then, when there are
 * operations, "|", the number of their keys, each key's type, and the
 * operations (ack_ops, reader.h).  With a cap, when an entry is no
 * longer pending for this consumer (another took it over), nothing is
 * written and the IDs still ours are returned.  Returns how many were
 * acknowledged.
 */
const char reader_ack_script[] =
	"local group, me, cfield, cap, n, nk = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])\n"
	"local ids, at = 6, 7 + n + nk\n"
	"while at <= #ARGV and ARGV[at] ~= '|' do at = at + 3 end\n"
	"local ops, base = at, 2 + nk\n"
	/* A script that fails halfway keeps what it did: check every key before the first write. */
	"for i = 2, base do\n"
	"  local t = redis.call('TYPE', KEYS[i]).ok\n"
	"  if t ~= 'hash' and t ~= 'none' then return redis.error_reply('WRONGTYPE ' .. KEYS[i] .. ' is a ' .. t .. ', not a hash') end\n"
	"end\n"
	"if ops <= #ARGV then\n"
	"  for i = 1, tonumber(ARGV[ops + 1]) do\n"
	"    local t, want = redis.call('TYPE', KEYS[base + i]).ok, ARGV[ops + 1 + i]\n"
	"    if t ~= want and t ~= 'none' then return redis.error_reply('WRONGTYPE ' .. KEYS[base + i] .. ' is a ' .. t .. ', not a ' .. want) end\n"
	"  end\n"
	"  ops = ops + 2 + tonumber(ARGV[ops + 1])\n"
	"end\n"
	"if cap > 0 and n > 0 then\n"
	/* Which of the IDs are still pending for us: one range query, or one per ID when the range is crowded. */
	"  local limit = 2 * n + 1000\n"
	"  local p = redis.call('XPENDING', KEYS[1], group, ARGV[ids + 1], ARGV[ids + n], limit, me)\n"
	"  local mine, lost, ours = {}, false, {}\n"
	"  if #p < limit then\n"
	"    for _, e in ipairs(p) do ours[e[1]] = true end\n"
	"  else\n"
	"    for i = 1, n do\n"
	"      local q = redis.call('XPENDING', KEYS[1], group, ARGV[ids + i], ARGV[ids + i], 1, me)\n"
	"      if q[1] then ours[ARGV[ids + i]] = true end\n"
	"    end\n"
	"  end\n"
	"  for i = 1, n do\n"
	"    if ours[ARGV[ids + i]] then mine[#mine + 1] = ARGV[ids + i] else lost = true end\n"
	"  end\n"
	"  if lost then return mine end\n"
	"end\n"
	"local acked = 0\n"
	"for i = 1, n, 500 do\n"
	"  local args = { KEYS[1], group }\n"
	"  for j = i, math.min(i + 499, n) do args[#args + 1] = ARGV[ids + j] end\n"
	"  acked = acked + redis.call('XACK', unpack(args))\n"
	"end\n"
	/*
	 * Whether field f may be written to hash k of at most capk fields: it
	 * exists, or there is room.  Each write is counted as a new field
	 * while that cannot be wrong (one HLEN per hash), then checked exactly.
	 */
	"local room = {}\n"
	"local function fits(k, f, capk)\n"
	"  local r = room[k] or (capk - redis.call('HLEN', k))\n"
	"  if r > 0 then room[k] = r - 1 return true end\n"
	"  if redis.call('HEXISTS', k, f) == 1 then room[k] = r return true end\n"
	"  r = capk - redis.call('HLEN', k)\n"
	"  room[k] = r > 0 and r - 1 or 0\n"
	"  return r > 0\n"
	"end\n"
	/* A new field of a capped hash goes to its overflow field once the hash is full. */
	"local function incr(key, f, overflow, by)\n"
	"  if not fits(key, f, cap) then f = overflow end\n"
	"  redis.call('HINCRBY', key, f, by)\n"
	"end\n"
	"at = 7 + n + nk\n"
	"while at <= #ARGV and ARGV[at] ~= '|' do\n"
	"  local k = tonumber(ARGV[at])\n"
	"  incr(KEYS[2 + k], ARGV[at + 1], ARGV[6 + n + k], ARGV[at + 2])\n"
	"  at = at + 3\n"
	"end\n"
	"at = ops\n"
	"local function key(i) return KEYS[base + tonumber(ARGV[at + i])] end\n"
	/* New first days counted at the end, one HINCRBY per counter field. */
	"local news, newkeys, newover = {}, {}, {}\n"
	"while at <= #ARGV do\n"
	"  local op = ARGV[at]\n"
	"  if op == 'I' then\n"		/* key, field, increment */
	"    redis.call('HINCRBY', key(1), ARGV[at + 2], ARGV[at + 3])\n"
	"    at = at + 4\n"
	"  elseif op == 'C' then\n"	/* key, field, increment, fields, overflow field: an increment in a capped hash */
	"    local k, f = key(1), ARGV[at + 2]\n"
	"    if not fits(k, f, tonumber(ARGV[at + 4])) then f = ARGV[at + 5] end\n"
	"    redis.call('HINCRBY', k, f, ARGV[at + 3])\n"
	"    at = at + 6\n"
	"  elseif op == 'M' then\n"	/* key, field, value, fields: the largest value; a new field while there are fewer */
	"    local k, f, v = key(1), ARGV[at + 2], tonumber(ARGV[at + 3])\n"
	"    local o = redis.call('HGET', k, f)\n"
	"    if (o and v > (tonumber(o) or -1)) or (not o and fits(k, f, tonumber(ARGV[at + 4]))) then\n"
	"      redis.call('HSET', k, f, ARGV[at + 3])\n"
	"    end\n"
	"    at = at + 5\n"
	"  elseif op == 'T' then\n"	/* time key, field, time, fields, pairs, (key, value)...: the values of the newest time */
	"    local tk, f, np = key(1), ARGV[at + 2], tonumber(ARGV[at + 5])\n"
	"    local o = tonumber(redis.call('HGET', tk, f))\n"
	"    if (o and tonumber(ARGV[at + 3]) >= o) or (not o and fits(tk, f, tonumber(ARGV[at + 4]))) then\n"
	"      redis.call('HSET', tk, f, ARGV[at + 3])\n"
	"      for i = 0, np - 1 do redis.call('HSET', key(6 + 2 * i), f, ARGV[at + 7 + 2 * i]) end\n"
	"    end\n"
	"    at = at + 6 + 2 * np\n"
	"  elseif op == 'F' then\n"	/* key, field, day, fields, counter key (0: none), counter field, its overflow: the first day */
	"    local k, f, d = key(1), ARGV[at + 2], ARGV[at + 3]\n"
	"    if fits(k, f, tonumber(ARGV[at + 4])) and redis.call('HSETNX', k, f, d) == 1 then\n"
	"      if ARGV[at + 5] ~= '0' then\n"
	"        local id = ARGV[at + 5] .. '\\0' .. ARGV[at + 6]\n"
	"        if not news[id] then newkeys[id] = { key(5), ARGV[at + 6] }; newover[id] = ARGV[at + 7] end\n"
	"        news[id] = (news[id] or 0) + 1\n"
	"      end\n"
	"    else\n"
	"      local o = redis.call('HGET', k, f)\n"
	"      if o and d < o then redis.call('HSET', k, f, d) end\n"
	"    end\n"
	"    at = at + 8\n"
	"  elseif op == 'U' then\n"	/* key, field, class (0-4), messages, fields, overflow field, what is known of it */
	"    local k, f, c, n, info = key(1), ARGV[at + 2], tonumber(ARGV[at + 3]), tonumber(ARGV[at + 4]), ARGV[at + 7]\n"
	"    local v = redis.call('HGET', k, f)\n"
	"    if not v and not fits(k, f, tonumber(ARGV[at + 5])) then f = ARGV[at + 6]; info = ''; v = redis.call('HGET', k, f) end\n"
	"    local m = { 0, 0, 0, 0, 0, 0 }\n"
	"    if v then\n"
	"      local a, b, c1, c2, c3, c4 = string.match(v, '^(%d+)\\t(%d+)\\t(%d+)\\t(%d+)\\t(%d+)\\t(%d+)')\n"
	"      if a then m = { tonumber(a), tonumber(b), tonumber(c1), tonumber(c2), tonumber(c3), tonumber(c4) } end\n"
	"    end\n"
	"    m[1] = m[1] + n\n"
	"    m[2 + c] = m[2 + c] + n\n"
	"    redis.call('HSET', k, f, table.concat(m, '\\t') .. '\\t' .. info)\n"
	"    at = at + 8\n"
	"  elseif op == 'A' then\n"	/* set, member */
	"    redis.call('SADD', key(1), ARGV[at + 2])\n"
	"    at = at + 3\n"
	"  elseif op == 'Z' then\n"	/* sorted set, score, member */
	"    redis.call('ZADD', key(1), ARGV[at + 2], ARGV[at + 3])\n"
	"    at = at + 4\n"
	"  else\n"
	"    return redis.error_reply('ERR no operation ' .. op)\n"
	"  end\n"
	"end\n"
	"for id, n in pairs(news) do incr(newkeys[id][1], newkeys[id][2], newover[id], n) end\n"
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
	const struct ack_ops *ops = cn ? cn->ops : NULL;
	size_t nk = cn ? cn->nkeys : 0, ninc = cn ? cn->n : 0, nok = ops ? ops->nkeys : 0,
	       max = 14 + nk * 2 + es->n + 3 * ninc + 2 * nok + (ops ? ops->nwords : 0), i, j;
	struct incr *sorted = NULL;
	const char **argv = calloc(max, sizeof *argv);
	size_t *lens = calloc(max, sizeof *lens);
	char *nums = malloc(24 * (2 * ninc + 6)), *np = nums;
	size_t nids = 0;
	int argc = 0;

	if (!argv || !lens || !nums || (ninc && !(sorted = calloc(ninc, sizeof *sorted))))
		goto fail;
	for (i = 0; i < es->n; i++)
		nids += !keep || keep[i];
	argv[argc++] = "EVALSHA";
	argv[argc++] = rd->ack.sha;	/* both set again by script_run() */
	argv[argc++] = np, np += sprintf(np, "%zu", 2 + nk + nok) + 1;
	argv[argc++] = rd->keys[es->stream];
	argv[argc++] = rd->consumed;
	for (i = 0; i < nk; i++)
		argv[argc++] = cn->keys[i];
	for (i = 0; i < nok; i++)
		argv[argc++] = ops->keys[i];
	argv[argc++] = rd->group;
	argv[argc++] = rd->consumer;
	argv[argc++] = rd->consumed_field[es->stream];
	argv[argc++] = np, np += sprintf(np, "%u", cn ? cn->cap : 0) + 1;	/* 0: no counters, no check */
	argv[argc++] = np, np += sprintf(np, "%zu", nids) + 1;
	argv[argc++] = np, np += sprintf(np, "%zu", nk) + 1;
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
	if (ops) {
		const char *w = ops->words;

		argv[argc++] = "|";
		argv[argc++] = np, np += sprintf(np, "%zu", nok) + 1;
		for (i = 0; i < nok; i++)
			argv[argc++] = ops->types[i];
		for (i = 0; i < ops->nwords; i++, w += strlen(w) + 1)
			argv[argc++] = w;
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
		if (counters && counters->ops) {
			/* Operations sum several entries: read ours again and make them anew. */
			log_warn("event=lost stream=%s group=%s entries=%zu reason=\"taken over by another consumer before "
				 "they were acknowledged\"", rd->keys[es->stream], rd->group, es->n - reply->elements);
			freeReplyObject(reply);
			dp_fail(err, DP_TEMPFAIL, "some entries were taken over by another consumer: reading ours again");
			break;
		}
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
