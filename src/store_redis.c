/*
 * store_redis.c - exactly-once writes of report records; see store.h.
 *
 * Why it is exactly once: the chunk script checks the marker, appends
 * only the records at or after marker.next, and advances the marker, all
 * inside one script, which Redis runs atomically.  Redis does not roll
 * back a script that fails half-way, so the script checks its whole
 * argument list before its first write, and the "#!lua" shebang makes
 * Redis refuse it up front when over maxmemory.  A chunk whose start lies
 * beyond marker.next (the marker expired, or another writer is behind us)
 * writes nothing and the caller resumes from marker.next.
 */
#include "config.h"

#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "flatten.h"
#include "log.h"
#include "redis.h"
#include "store.h"

static const char chunk_script[] =
	"#!lua\n"
	"-- dmarc-pipe: add one chunk of a report's records to the stream, exactly once.\n"
	"-- KEYS[1] stream, KEYS[2] the report's marker (hash: next, total, done).\n"
	"-- ARGV[1] rid, [2] ord of the chunk's first record, [3] records in the report,\n"
	"-- [4] stream MAXLEN (0: no trimming), [5] marker TTL in seconds (0: none),\n"
	"-- [6] records in the chunk, then per record: the number N of field and value\n"
	"-- strings, and those N strings.\n"
	"-- Returns {state, next, first ord written, records written, total}; state is\n"
	"-- 'ok', 'dup' (complete already) or 'conflict' (same rid, other total).\n"
	"local stream, marker = KEYS[1], KEYS[2]\n"
	"local start, total = tonumber(ARGV[2]), tonumber(ARGV[3])\n"
	"local maxlen, ttl, nrec = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])\n"
	"if not (start and total and maxlen and ttl and nrec) then\n"
	"  return redis.error_reply('ERR dmarc-pipe: bad chunk header')\n"
	"end\n"
	"-- Check everything before the first write: Redis does not roll back.\n"
	"local at, pos = {}, 7\n"
	"for i = 1, nrec do\n"
	"  local n = tonumber(ARGV[pos])\n"
	"  if not n or n < 2 or n % 2 ~= 0 or pos + n > #ARGV then\n"
	"    return redis.error_reply('ERR dmarc-pipe: bad chunk record ' .. i)\n"
	"  end\n"
	"  at[i] = pos\n"
	"  pos = pos + 1 + n\n"
	"end\n"
	"if pos ~= #ARGV + 1 then return redis.error_reply('ERR dmarc-pipe: bad chunk length') end\n"
	"local st = redis.call('HMGET', marker, 'next', 'total', 'done')\n"
	"local nxt = tonumber(st[1]) or 0\n"
	"local had = tonumber(st[2])\n"
	"if had and had ~= total then return {'conflict', nxt, 0, 0, had} end\n"
	"if st[3] == '1' then return {'dup', nxt, 0, 0, total} end\n"
	"if start > nxt then return {'ok', nxt, nxt, 0, total} end\n"
	"local first, wrote = nxt, 0\n"
	"for i = 1, nrec do\n"
	"  if start + i - 1 >= nxt then\n"
	"    local p = at[i]\n"
	"    local last = p + tonumber(ARGV[p])\n"
	"    if maxlen > 0 then\n"
	"      redis.call('XADD', stream, 'MAXLEN', '~', maxlen, '*', unpack(ARGV, p + 1, last))\n"
	"    else\n"
	"      redis.call('XADD', stream, '*', unpack(ARGV, p + 1, last))\n"
	"    end\n"
	"    wrote = wrote + 1\n"
	"  end\n"
	"end\n"
	"if start + nrec > nxt then nxt = start + nrec end\n"
	"redis.call('HSET', marker, 'next', nxt, 'total', total, 'done', nxt >= total and 1 or 0)\n"
	"if ttl > 0 then redis.call('EXPIRE', marker, ttl) else redis.call('PERSIST', marker) end\n"
	"return {'ok', nxt, first, wrote, total}\n";

/* Fixed arguments before the records: command, script, numkeys, 2 keys, 6 ARGV. */
#define FIXED_ARGS 11

struct store {
	const struct conf *conf;	/* not owned */
	struct redis *redis;		/* owned */
	char sha[41];			/* SHA1 of chunk_script, for EVALSHA */
	char *stream_key;		/* owned: "{P}:records" */
	char *marker_key;		/* owned: "{P}:report:<rid>", rid filled in per report */
	size_t marker_rid_at;		/* where <rid> goes in marker_key */

	/* One chunk's arguments: the bytes in arena, each argument an (offset, length). */
	struct buf arena;
	struct buf scratch;		/* for record_flatten */
	size_t *off, *len;		/* owned, cap entries */
	size_t nargs, cap;
	/* The report's fields, the same for each record: bytes in arena, listed once. */
	size_t tmpl_off[64], tmpl_len[64];
	size_t ntmpl;
};

struct store *
store_new(const struct conf *c)
{
	struct store *s = calloc(1, sizeof *s);
	GChecksum *ck;
	size_t prefix_len;

	if (!s)
		return NULL;
	s->conf = c;
	s->arena = (struct buf)BUF_INIT(0);
	s->scratch = (struct buf)BUF_INIT(0);
	prefix_len = strlen(c->key_prefix);
	if (!(s->redis = redis_new(c)) || !(s->stream_key = malloc(prefix_len + sizeof "{}:records")) ||
	    !(s->marker_key = malloc(prefix_len + sizeof "{}:report:" + RID_HEX_LEN))) {
		store_free(s);
		return NULL;
	}
	sprintf(s->stream_key, "{%s}:records", c->key_prefix);
	s->marker_rid_at = (size_t)sprintf(s->marker_key, "{%s}:report:", c->key_prefix);
	ck = g_checksum_new(G_CHECKSUM_SHA1);
	g_checksum_update(ck, (const guchar *)chunk_script, sizeof chunk_script - 1);
	snprintf(s->sha, sizeof s->sha, "%s", g_checksum_get_string(ck));
	g_checksum_free(ck);
	return s;
}

void
store_free(struct store *s)
{
	if (!s)
		return;
	redis_free(s->redis);
	free(s->stream_key);
	free(s->marker_key);
	buf_free(&s->arena);
	buf_free(&s->scratch);
	free(s->off);
	free(s->len);
	free(s);
}

/* Append one argument; returns its index or -1 on ENOMEM. */
static long
add_arg(struct store *s, const char *p, size_t n)
{
	if (s->nargs == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		size_t *off = realloc(s->off, cap * sizeof *off), *len;

		if (!off)
			return -1;
		s->off = off;
		if (!(len = realloc(s->len, cap * sizeof *len)))
			return -1;
		s->len = len;
		s->cap = cap;
	}
	s->off[s->nargs] = s->arena.len;
	s->len[s->nargs] = n;
	if (buf_append(&s->arena, p, n) < 0)
		return -1;
	return (long)s->nargs++;
}

/* Append an argument whose bytes are already in the arena. */
static long
add_ref(struct store *s, size_t off, size_t len)
{
	long i = add_arg(s, "", 0);

	if (i >= 0) {
		s->off[i] = off;
		s->len[i] = len;
	}
	return i;
}

/* Keep the bytes of one report field in the arena, listed in the template. */
static int
add_template(void *arg, const char *key, const char *value, size_t len, bool number)
{
	struct store *s = arg;
	const char *part[2] = { key, value };
	size_t plen[2] = { strlen(key), len }, k;

	(void)number;
	for (k = 0; k < 2; k++) {
		if (s->ntmpl >= sizeof s->tmpl_off / sizeof s->tmpl_off[0])
			return -1;
		s->tmpl_off[s->ntmpl] = s->arena.len;
		s->tmpl_len[s->ntmpl++] = plen[k];
		if (buf_append(&s->arena, part[k], plen[k]) < 0)
			return -1;
	}
	return 0;
}

static long
add_num(struct store *s, uint64_t v)
{
	char num[24];
	int n = snprintf(num, sizeof num, "%" PRIu64, v);

	return add_arg(s, num, (size_t)n);
}

static int
add_field(void *arg, const char *key, const char *value, size_t len, bool number)
{
	struct store *s = arg;

	(void)number;
	return add_arg(s, key, strlen(key)) < 0 || add_arg(s, value, len) < 0 ? -1 : 0;
}

/* Arguments for the records from c on, at most chunk of them; c moves past them. */
static int
build_chunk(struct store *s, struct report *rep, const struct dmarc_report *view,
	    struct report_cursor *c, const char *marker)
{
	const struct conf *conf = s->conf;
	struct dmarc_record rec;
	size_t start = c->ord, nrec = 0;
	long nrec_arg;
	int more = 1;

	buf_reset(&s->arena);
	s->nargs = 0;
	if (add_arg(s, "EVALSHA", 7) < 0 || add_arg(s, s->sha, 40) < 0 || add_arg(s, "2", 1) < 0 ||
	    add_arg(s, s->stream_key, strlen(s->stream_key)) < 0 || add_arg(s, marker, strlen(marker)) < 0 ||
	    add_arg(s, view->rid, RID_HEX_LEN) < 0 || add_num(s, start) < 0 || add_num(s, view->nrecords) < 0 ||
	    add_num(s, conf->stream_maxlen) < 0 || add_num(s, (uint64_t)conf->dedup_ttl_days * 86400) < 0 ||
	    (nrec_arg = add_num(s, 0)) < 0)
		return -1;
	s->ntmpl = 0;
	if (flatten_report(view, &s->scratch, add_template, s) != 0)
		return -1;
	while (nrec < conf->redis_chunk_records && (more = report_next(rep, c, &rec)) > 0) {
		long count_arg = add_num(s, 0);
		size_t before = s->nargs, k;
		char num[24];

		if (count_arg < 0 || add_arg(s, "rid", 3) < 0 || add_arg(s, view->rid, RID_HEX_LEN) < 0 ||
		    add_arg(s, "ord", 3) < 0 || add_num(s, rec.ord) < 0)
			return -1;
		for (k = 0; k < s->ntmpl; k++)
			if (add_ref(s, s->tmpl_off[k], s->tmpl_len[k]) < 0)
				return -1;
		if (flatten_row(&rec, &s->scratch, add_field, s) != 0)
			return -1;
		/* Fill in the field count now that it is known (the slot holds "0"). */
		snprintf(num, sizeof num, "%zu", s->nargs - before);
		s->off[count_arg] = s->arena.len;
		s->len[count_arg] = strlen(num);
		if (buf_append(&s->arena, num, strlen(num)) < 0)
			return -1;
		nrec++;
	}
	if (more < 0)
		return -1;
	{
		char num[24];

		snprintf(num, sizeof num, "%zu", nrec);
		s->off[nrec_arg] = s->arena.len;
		s->len[nrec_arg] = strlen(num);
		if (buf_append(&s->arena, num, strlen(num)) < 0)
			return -1;
	}
	return 0;
}

/* Queue the chunk built in the arena. */
static enum dp_status
send_chunk(struct store *s, struct dp_error *err)
{
	const char **argv = malloc(s->nargs * sizeof *argv);
	enum dp_status rc;
	size_t i;

	if (!argv)
		return dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
	for (i = 0; i < s->nargs; i++)
		argv[i] = s->arena.data + s->off[i];
	rc = redis_append(s->redis, (int)s->nargs, argv, s->len, "storing a chunk", err);
	free(argv);
	return rc;
}

struct chunk_reply {
	char state[16];
	long long next, first, wrote, total;
};

static int
parse_reply(const redisReply *r, struct chunk_reply *out)
{
	size_t i;

	if (r->type != REDIS_REPLY_ARRAY || r->elements != 5 || r->element[0]->type != REDIS_REPLY_STRING)
		return -1;
	for (i = 1; i < 5; i++)
		if (r->element[i]->type != REDIS_REPLY_INTEGER)
			return -1;
	snprintf(out->state, sizeof out->state, "%s", r->element[0]->str);
	out->next = r->element[1]->integer;
	out->first = r->element[2]->integer;
	out->wrote = r->element[3]->integer;
	out->total = r->element[4]->integer;
	return 0;
}

/*
 * Chunks in flight at once: while Redis runs one, the next is built and
 * on its way.  Each script checks the marker itself, so a queued chunk
 * can never write twice; the replies say what each one wrote.
 */
#define PIPELINE_DEPTH 2

struct pipeline {
	size_t start[PIPELINE_DEPTH], end[PIPELINE_DEPTH];	/* records of each queued chunk */
	size_t head, count;
	bool finished;		/* complete, duplicate or conflict: send no more */
	bool resync;		/* the marker is not where we are: drain, then resume */
	size_t resume_at;	/* the marker, as the latest reply saw it */
	bool load_script;	/* the server lacks the script (NOSCRIPT): load it, then resume */
};

/* What one reply means for the report; DP_TEMPFAIL on an error reply. */
static enum dp_status
take_reply(struct store *s, struct pipeline *pl, redisReply *reply, const struct dmarc_report *view,
	   store_announce_fn announce, void *arg, struct store_result *res, struct dp_error *err)
{
	size_t start = pl->start[pl->head], end = pl->end[pl->head];
	struct chunk_reply cr;

	pl->head = (pl->head + 1) % PIPELINE_DEPTH;
	pl->count--;
	if (reply->type == REDIS_REPLY_ERROR && !strncmp(reply->str, "NOSCRIPT", 8)) {
		/* After a restart, failover or SCRIPT FLUSH: this chunk did nothing. */
		pl->load_script = true;
		if (!pl->resync) {
			pl->resync = true;
			pl->resume_at = start;
		}
		return DP_OK;
	}
	if (reply->type == REDIS_REPLY_ERROR || parse_reply(reply, &cr) < 0)
		return redis_reply_fail(s->redis, reply, "storing a chunk", err);
	if (pl->finished)
		return DP_OK;	/* queued before we knew; it wrote nothing */
	if (!strcmp(cr.state, "dup")) {
		res->duplicate = res->written == 0;
		pl->finished = true;
		return DP_OK;
	}
	if (!strcmp(cr.state, "conflict")) {
		res->conflict = true;
		res->duplicate = res->written == 0;
		pl->finished = true;
		log_warn("event=conflict rid=%s records=%zu stored_records=%lld: the same report identity "
			 "was stored with another number of records; nothing added", view->rid,
			 view->nrecords, cr.total);
		return DP_OK;
	}
	if (cr.wrote > 0) {
		enum dp_status rc;

		res->written += (size_t)cr.wrote;
		if ((rc = announce(arg, (size_t)cr.first, (size_t)cr.wrote)) != DP_OK)
			return rc;
	}
	if (cr.next < 0 || (size_t)cr.next >= view->nrecords) {
		pl->finished = true;	/* complete */
		return DP_OK;
	}
	if (pl->resync || (size_t)cr.next != end) {
		if (!pl->resync)
			log_debug("rid %s: chunk at %zu, marker at %lld: resuming there", view->rid, start, cr.next);
		pl->resync = true;
		pl->resume_at = (size_t)cr.next;
	}
	return DP_OK;
}

/* The marker key of the report rid (in s->marker_key, valid until the next call). */
static const char *
marker_of(struct store *s, const char *rid)
{
	memcpy(s->marker_key + s->marker_rid_at, rid, RID_HEX_LEN);
	s->marker_key[s->marker_rid_at + RID_HEX_LEN] = '\0';
	return s->marker_key;
}

/* A marker field: absent (nil) is 0. */
static int
marker_field(const redisReply *r, size_t *out)
{
	char *end;
	unsigned long long v;

	*out = 0;
	if (r->type == REDIS_REPLY_NIL)
		return 0;
	if (r->type != REDIS_REPLY_STRING)
		return -1;
	errno = 0;
	v = strtoull(r->str, &end, 10);
	if (errno || end == r->str || *end || v > SIZE_MAX)
		return -1;
	*out = (size_t)v;
	return 0;
}

enum dp_status
store_lookup(struct store *s, const char *rid, struct store_marker *m, struct dp_error *err)
{
	const char *argv[5] = { "HMGET", marker_of(s, rid), "next", "total", "done" };
	size_t lens[5] = { 5, strlen(argv[1]), 4, 5, 4 }, done;
	redisReply *reply = redis_command(s->redis, 5, argv, lens, "looking up a report", err);
	enum dp_status rc = DP_OK;

	memset(m, 0, sizeof *m);
	if (!reply)
		return DP_TEMPFAIL;
	if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3 ||
	    marker_field(reply->element[0], &m->next) < 0 || marker_field(reply->element[1], &m->total) < 0 ||
	    marker_field(reply->element[2], &done) < 0) {
		rc = redis_reply_fail(s->redis, reply, "looking up a report", err);
	} else {
		m->found = reply->element[1]->type != REDIS_REPLY_NIL;
		m->done = m->found && done == 1;
	}
	freeReplyObject(reply);
	return rc;
}

/* After NOSCRIPT: load the script once, so later chunks go back to EVALSHA. */
static enum dp_status
load_script(struct store *s, struct dp_error *err)
{
	const char *argv[3] = { "SCRIPT", "LOAD", chunk_script };
	size_t lens[3] = { 6, 4, sizeof chunk_script - 1 };
	redisReply *reply = redis_command(s->redis, 3, argv, lens, "loading the script", err);
	enum dp_status rc = DP_OK;

	if (!reply)
		return DP_TEMPFAIL;
	if (reply->type != REDIS_REPLY_STRING || reply->len != 40 || memcmp(reply->str, s->sha, 40))
		rc = redis_reply_fail(s->redis, reply, "loading the script", err);
	freeReplyObject(reply);
	return rc;
}

enum dp_status
store_report(struct store *s, struct report *rep, const struct dmarc_report *view,
	     const struct store_marker *m, store_announce_fn announce, void *arg,
	     struct store_result *res, struct dp_error *err)
{
	struct report_cursor c = { 0, 0 };
	const char *marker = marker_of(s, view->rid);
	struct pipeline pl = { .head = 0 };
	enum dp_status rc = DP_OK;

	memset(res, 0, sizeof *res);
	if (m->found && m->total != view->nrecords) {
		res->conflict = res->duplicate = true;
		log_warn("event=conflict rid=%s records=%zu stored_records=%zu: the same report identity "
			 "was stored with another number of records; nothing added", view->rid,
			 view->nrecords, m->total);
		return DP_OK;
	}
	if (m->done) {
		res->duplicate = true;
		return DP_OK;
	}
	/* A delivery cut short stored the records before m->next: start after them. */
	if (m->next > 0 && m->next < view->nrecords && report_seek(rep, &c, m->next) < 0)
		return dp_fail_errno(err, DP_TEMPFAIL, "cannot read back the report's records");
	for (;;) {
		redisReply *reply;

		while (!pl.finished && !pl.resync && pl.count < PIPELINE_DEPTH && c.ord < view->nrecords) {
			size_t slot = (pl.head + pl.count) % PIPELINE_DEPTH;

			pl.start[slot] = c.ord;
			if (build_chunk(s, rep, view, &c, marker) < 0) {
				rc = dp_fail_errno(err, DP_TEMPFAIL, "cannot build a Redis chunk");
				goto out;
			}
			pl.end[slot] = c.ord;
			if ((rc = send_chunk(s, err)) != DP_OK)
				goto out;
			pl.count++;
		}
		if (pl.count == 0) {
			if (pl.finished || !pl.resync)
				break;
			/* Everything queued is answered: go on from where the marker is. */
			pl.resync = false;
			if (pl.load_script) {
				if ((rc = load_script(s, err)) != DP_OK)
					goto out;
				pl.load_script = false;
			}
			if (report_seek(rep, &c, pl.resume_at) < 0) {
				rc = dp_fail_errno(err, DP_TEMPFAIL, "cannot read back the report's records");
				goto out;
			}
			continue;
		}
		if (!(reply = redis_next_reply(s->redis, "storing a chunk", err))) {
			rc = DP_TEMPFAIL;
			goto out;
		}
		rc = take_reply(s, &pl, reply, view, announce, arg, res, err);
		freeReplyObject(reply);
		if (rc != DP_OK)
			goto out;
	}
out:
	/* After a failure, or with replies still owed, the connection is not to be trusted. */
	if (rc != DP_OK || pl.count > 0)
		redis_disconnect(s->redis);
	return rc;
}
