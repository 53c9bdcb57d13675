/*
 * store_redis.c - exactly-once writes of report records; see store.h.
 *
 * Why it is exactly once: a chunk of records is one MULTI ... EXEC
 * transaction that adds the records from marker.next on and moves the
 * marker past them.  Before each chunk, WATCH on the marker and an HMGET
 * of it say where the report stands; a chunk is sent only when it starts
 * at marker.next, and EXEC runs it only if nobody has touched the marker
 * since.  So a chunk adds exactly records the marker says are missing, and
 * when another delivery of the same report moved the marker first, EXEC
 * does nothing and this one goes on from where the marker now is.  EXEC
 * is atomic (also for replicas and the AOF): a crash leaves a chunk wholly
 * in the stream with its marker, or not at all.  A command refused while
 * queued (OOM, READONLY, NOPERM) makes Redis refuse the whole EXEC.
 *
 * One chunk is one batch, one round trip:
 *   MULTI, XADD x n, HSET marker, EXPIRE|PERSIST marker, EXEC, WATCH marker, HMGET marker
 * whose last reply is the marker the next chunk depends on; the next batch
 * is built while Redis runs this one.  Plain XADDs cost Redis about what
 * they cost outside a transaction, which a Lua script could not match.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "fields.h"
#include "log.h"
#include "redis.h"
#include "store.h"

#define WHAT_LOOKUP "looking up a report"
#define WHAT_STORE "storing a chunk"
#define WHAT_REPLICAS "waiting for replicas"
/* Other deliveries of the report move its marker; something else touching it this often is wrong. */
#define MAX_MISSES 1000

/* Field and value arguments in RESP, and how many. */
struct resp_fields {
	struct buf resp;
	unsigned args;
};

struct store {
	const struct conf *conf;	/* not owned */
	struct redis *redis;		/* owned */
	char *stream_key;		/* owned: "{P}:<stream>", the stream of the report's kind filled in */
	size_t stream_at;		/* where <stream> goes in stream_key */
	char *marker_key;		/* owned: "{P}:report:<rid>", rid filled in per report */
	size_t marker_rid_at;		/* where <rid> goes in marker_key */

	struct buf batch[2];		/* RESP of the batch in flight and of the next one */
	struct resp_fields prefix;	/* an entry's leading fields: the report's, once per report */
	struct resp_fields row;		/* one record's own fields */
	struct buf scratch;		/* for the flat form of lists */

	/*
	 * Round trips saved per report.  store_lookup leaves the marker it
	 * read WATCHed: while the connection is the same and nothing else was
	 * watched since, begin_report need not watch and read it again.  A
	 * kind's stream key, once seen to hold a stream (or nothing), is not
	 * asked about again on the same connection.
	 */
	uint64_t watched_on;		/* the connection store_lookup watched on; 0: none */
	char watched_rid[RID_HEX_LEN + 1];
	struct store_marker watched;	/* what it read */
	uint64_t typed_on[KIND_COUNT];	/* per kind: the connection its stream key was checked on */
};

struct store *
store_new(const struct conf *c)
{
	struct store *s = calloc(1, sizeof *s);
	size_t prefix_len, stream_max = 0, i;

	if (!s)
		return NULL;
	s->conf = c;
	for (i = 0; i < 2; i++)
		s->batch[i] = (struct buf)BUF_INIT(0);
	s->prefix.resp = s->row.resp = s->scratch = (struct buf)BUF_INIT(0);
	prefix_len = strlen(c->key_prefix);
	for (i = 0; kinds[i]; i++)
		if (strlen(kinds[i]->stream) > stream_max)
			stream_max = strlen(kinds[i]->stream);
	if (!(s->redis = redis_new(c)) || !(s->stream_key = malloc(prefix_len + sizeof "{}:" + stream_max)) ||
	    !(s->marker_key = malloc(prefix_len + sizeof "{}:report:" + RID_HEX_LEN))) {
		store_free(s);
		return NULL;
	}
	s->stream_at = (size_t)sprintf(s->stream_key, "{%s}:", c->key_prefix);
	s->marker_rid_at = (size_t)sprintf(s->marker_key, "{%s}:report:", c->key_prefix);
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
	buf_free(&s->batch[0]);
	buf_free(&s->batch[1]);
	buf_free(&s->prefix.resp);
	buf_free(&s->row.resp);
	buf_free(&s->scratch);
	free(s);
}

/* The marker key of the report rid (in s->marker_key, valid until the next call). */
static const char *
marker_of(struct store *s, const char *rid)
{
	memcpy(s->marker_key + s->marker_rid_at, rid, RID_HEX_LEN);
	s->marker_key[s->marker_rid_at + RID_HEX_LEN] = '\0';
	return s->marker_key;
}

/* The stream of kind k's records (in s->stream_key). */
static void
stream_of(struct store *s, const struct kind *k)
{
	strcpy(s->stream_key + s->stream_at, k->stream);
}

/* ---------------------------------------------------------------- RESP */

static int
resp_count(struct buf *b, char kind, size_t n)
{
	char num[24];
	size_t len = buf_uint(num, n);
	char *p = buf_reserve(b, len + 3);

	if (!p)
		return -1;
	p[0] = kind;
	memcpy(p + 1, num, len);
	memcpy(p + 1 + len, "\r\n", 2);
	b->len += len + 3;
	b->data[b->len] = '\0';
	return 0;
}

static int
resp_arg(struct buf *b, const char *p, size_t len)
{
	return resp_count(b, '$', len) < 0 || buf_append(b, p, len) < 0 || buf_append(b, "\r\n", 2) < 0 ? -1 : 0;
}

static int
resp_str(struct buf *b, const char *s)
{
	return resp_arg(b, s, strlen(s));
}

static int
resp_uint(struct buf *b, uint64_t v)
{
	char num[24];

	return resp_arg(b, num, buf_uint(num, v));
}

/* A whole command of string arguments, NULL-terminated. */
static int
resp_cmd(struct buf *b, const char *const *argv)
{
	size_t n = 0;

	while (argv[n])
		n++;
	if (resp_count(b, '*', n) < 0)
		return -1;
	for (; *argv; argv++)
		if (resp_str(b, *argv) < 0)
			return -1;
	return 0;
}

/* WATCH and HMGET of the marker: the replies that decide the next chunk. */
static int
resp_watch_marker(struct buf *b, const char *marker)
{
	const char *watch[] = { "WATCH", marker, NULL };
	const char *hmget[] = { "HMGET", marker, "next", "total", "done", NULL };

	return resp_cmd(b, watch) < 0 || resp_cmd(b, hmget) < 0 ? -1 : 0;
}

/* ---------------------------------------------------------------- entries */

/* The flat form's callback: one field into a struct resp_fields. */
static int
add_field(void *arg, const char *key, const char *value, size_t len, bool number)
{
	struct resp_fields *f = arg;

	(void)number;
	f->args += 2;
	return resp_str(&f->resp, key) < 0 || resp_arg(&f->resp, value, len) < 0 ? -1 : 0;
}

/* kind and the report's fields, the same in every entry: in RESP once per report. */
static int
build_prefix(struct store *s, const struct kind_report *r)
{
	struct fields f;

	buf_reset(&s->prefix.resp);
	s->prefix.args = 0;
	fields_flat(&f, &s->scratch, add_field, &s->prefix);
	FIELD_STR(&f, "kind", r->kind->name);
	r->kind->report_fields(r->state, &f);
	return fields_done(&f);
}

/* XADD stream [MAXLEN ~ N] * rid R ord N <kind and report fields> <record fields> */
static int
add_entry(struct store *s, struct buf *b, const struct kind_report *r, size_t ord, const void *rec)
{
	unsigned head = s->conf->stream_maxlen ? 6 : 3;
	struct fields f;

	buf_reset(&s->row.resp);
	s->row.args = 0;
	fields_flat(&f, &s->scratch, add_field, &s->row);
	r->kind->record_fields(r->state, rec, &f);
	kind_record_tail(r, &f);
	if (fields_done(&f) != 0 ||
	    resp_count(b, '*', head + 4 + s->prefix.args + s->row.args) < 0 ||
	    resp_str(b, "XADD") < 0 || resp_str(b, s->stream_key) < 0)
		return -1;
	if (s->conf->stream_maxlen &&
	    (resp_str(b, "MAXLEN") < 0 || resp_str(b, "~") < 0 || resp_uint(b, s->conf->stream_maxlen) < 0))
		return -1;
	return resp_str(b, "*") < 0 || resp_str(b, "rid") < 0 || resp_arg(b, r->rid, RID_HEX_LEN) < 0 ||
	       resp_str(b, "ord") < 0 || resp_uint(b, ord) < 0 ||
	       buf_append(b, s->prefix.resp.data, s->prefix.resp.len) < 0 ||
	       buf_append(b, s->row.resp.data, s->row.resp.len) < 0 ? -1 : 0;
}

/*
 * The batch for the records from c on, at most redis_chunk_records of
 * them, into b; c moves past them.  Returns the number of records, or -1
 * with errno.
 */
static long
build_batch(struct store *s, struct buf *b, const struct kind_report *r, struct kind_cursor *c,
	    const char *marker)
{
	const char *multi[] = { "MULTI", NULL }, *exec[] = { "EXEC", NULL };
	const void *rec;
	uint64_t ttl = (uint64_t)s->conf->dedup_ttl_days * 86400;
	size_t n = 0, end;
	int more = 1;
	char next[24], total[24];

	buf_reset(b);
	if (resp_cmd(b, multi) < 0)
		return -1;
	while (n < s->conf->redis_chunk_records && (more = r->kind->next(r->state, c, &rec)) > 0) {
		if (add_entry(s, b, r, c->ord - 1, rec) < 0)
			return -1;
		n++;
	}
	if (more < 0)
		return -1;
	end = c->ord;
	buf_uint(next, end);
	buf_uint(total, r->nrecords);
	{
		const char *hset[] = { "HSET", marker, "next", next, "total", total, "done",
				       end >= r->nrecords ? "1" : "0", NULL };
		const char *persist[] = { "PERSIST", marker, NULL };

		if (resp_cmd(b, hset) < 0)
			return -1;
		if (ttl) {
			if (resp_count(b, '*', 3) < 0 || resp_str(b, "EXPIRE") < 0 || resp_str(b, marker) < 0 ||
			    resp_uint(b, ttl) < 0)
				return -1;
		} else if (resp_cmd(b, persist) < 0) {
			return -1;
		}
	}
	if (resp_cmd(b, exec) < 0 || resp_watch_marker(b, marker) < 0)
		return -1;
	return (long)n;
}

/* ---------------------------------------------------------------- replies */

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

/* The reply to HMGET marker next total done. */
static int
parse_marker(const redisReply *reply, struct store_marker *m)
{
	size_t done;

	memset(m, 0, sizeof *m);
	if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3 ||
	    marker_field(reply->element[0], &m->next) < 0 || marker_field(reply->element[1], &m->total) < 0 ||
	    marker_field(reply->element[2], &done) < 0)
		return -1;
	m->found = reply->element[1]->type != REDIS_REPLY_NIL;
	m->done = m->found && done == 1;
	return 0;
}

/* The next reply, which must be of type want (0: any); DP_TEMPFAIL naming the error otherwise. */
static redisReply *
expect(struct store *s, int want, const char *what, struct dp_error *err)
{
	redisReply *reply = redis_next_reply(s->redis, what, err);

	if (reply && want && reply->type != want) {
		redis_reply_fail(s->redis, reply, what, err);
		freeReplyObject(reply);
		return NULL;
	}
	return reply;
}

/* UNWATCH what an earlier report left watched, WATCH marker and read it into m: one round trip. */
static enum dp_status
watch_marker(struct store *s, const char *marker, struct store_marker *m, struct dp_error *err)
{
	const char *unwatch[] = { "UNWATCH", NULL };
	struct buf *b = &s->batch[0];
	redisReply *reply;
	enum dp_status rc = DP_OK;
	int i;

	memset(m, 0, sizeof *m);
	buf_reset(b);
	if (resp_cmd(b, unwatch) < 0 || resp_watch_marker(b, marker) < 0)
		return dp_fail_errno(err, DP_TEMPFAIL, "cannot build a Redis command");
	if (redis_append_resp(s->redis, b->data, b->len, WHAT_LOOKUP, err) != DP_OK)
		return DP_TEMPFAIL;
	for (i = 0; i < 2; i++) {
		if (!(reply = expect(s, REDIS_REPLY_STATUS, WHAT_LOOKUP, err)))
			return DP_TEMPFAIL;
		freeReplyObject(reply);
	}
	if (!(reply = expect(s, 0, WHAT_LOOKUP, err)))
		return DP_TEMPFAIL;
	if (parse_marker(reply, m) < 0)
		rc = redis_reply_fail(s->redis, reply, WHAT_LOOKUP, err);
	freeReplyObject(reply);
	return rc;
}

enum dp_status
store_lookup(struct store *s, const char *rid, struct store_marker *m, struct dp_error *err)
{
	enum dp_status rc;
	unsigned attempt;

	s->watched_on = 0;
	/* A cluster slot that moved: ask where it is now. */
	for (attempt = 0;; attempt++) {
		rc = watch_marker(s, marker_of(s, rid), m, err);
		if (rc == DP_OK || !redis_follow_redirect(s->redis, attempt))
			break;
		dp_error_clear(err);
	}
	if (rc != DP_OK) {
		/* Replies may still be owed: start afresh. */
		redis_disconnect(s->redis);
		return rc;
	}
	s->watched_on = redis_connection(s->redis);
	memcpy(s->watched_rid, rid, sizeof s->watched_rid);
	s->watched = *m;
	return DP_OK;
}

/*
 * Before the first chunk: UNWATCH what an earlier report left watched,
 * WATCH this marker, read it, and check that the stream key holds a
 * stream (a string there would fail the XADDs after the marker moved).
 * What store_lookup did for this report on this connection is not done
 * again, nor the check of a stream key already checked on it.
 */
static enum dp_status
begin_report(struct store *s, const struct kind_report *r, const char *marker, struct store_marker *m,
	     struct dp_error *err)
{
	const char *unwatch[] = { "UNWATCH", NULL }, *type[] = { "TYPE", s->stream_key, NULL };
	struct buf *b = &s->batch[0];
	redisReply *reply;
	enum dp_status rc = DP_OK;
	uint64_t conn = redis_connection(s->redis);
	size_t k = kind_index(r->kind);
	bool watched = conn && s->watched_on == conn && !strcmp(s->watched_rid, r->rid);
	int i;

	if (watched && s->typed_on[k] == conn) {
		*m = s->watched;
		return DP_OK;
	}
	buf_reset(b);
	if ((!watched && (resp_cmd(b, unwatch) < 0 || resp_watch_marker(b, marker) < 0)) || resp_cmd(b, type) < 0)
		return dp_fail_errno(err, DP_TEMPFAIL, "cannot build a Redis command");
	if (redis_append_resp(s->redis, b->data, b->len, WHAT_LOOKUP, err) != DP_OK)
		return DP_TEMPFAIL;
	if (watched) {
		*m = s->watched;
	} else {
		for (i = 0; i < 2; i++) {
			if (!(reply = expect(s, REDIS_REPLY_STATUS, WHAT_LOOKUP, err)))
				return DP_TEMPFAIL;
			freeReplyObject(reply);
		}
		if (!(reply = expect(s, 0, WHAT_LOOKUP, err)))
			return DP_TEMPFAIL;
		if (parse_marker(reply, m) < 0)
			rc = redis_reply_fail(s->redis, reply, WHAT_LOOKUP, err);
		freeReplyObject(reply);
	}
	if (!(reply = expect(s, REDIS_REPLY_STATUS, WHAT_LOOKUP, err)))
		return DP_TEMPFAIL;
	if (rc == DP_OK && strcmp(reply->str, "stream") && strcmp(reply->str, "none"))
		rc = dp_fail(err, DP_TEMPFAIL, "redis: %s holds a %s, not a stream", s->stream_key, reply->str);
	freeReplyObject(reply);
	if (rc == DP_OK)
		s->typed_on[k] = redis_connection(s->redis);
	return rc;
}

/*
 * The replies to one batch of n records: whether EXEC applied it, and the
 * marker after it.  A command refused while queued names the failure
 * better than EXEC's EXECABORT: the first is kept.
 */
static enum dp_status
finish_batch(struct store *s, size_t n, bool *applied, struct store_marker *m, struct dp_error *err)
{
	struct dp_error queued = { DP_OK, "" };
	redisReply *reply;
	size_t i;
	enum dp_status rc = DP_OK;

	*applied = false;
	if (!(reply = expect(s, REDIS_REPLY_STATUS, WHAT_STORE, err)))		/* MULTI */
		return DP_TEMPFAIL;
	freeReplyObject(reply);
	for (i = 0; i < n + 2; i++) {						/* QUEUED */
		if (!(reply = expect(s, 0, WHAT_STORE, err)))
			return DP_TEMPFAIL;
		if (reply->type != REDIS_REPLY_STATUS)
			redis_reply_fail(s->redis, reply, WHAT_STORE, &queued);
		freeReplyObject(reply);
	}
	if (!(reply = expect(s, 0, WHAT_STORE, err)))				/* EXEC */
		return DP_TEMPFAIL;
	if (reply->type == REDIS_REPLY_ARRAY) {
		*applied = true;
		for (i = 0; i < reply->elements; i++)
			if (reply->element[i]->type == REDIS_REPLY_ERROR) {
				rc = redis_reply_fail(s->redis, reply->element[i], WHAT_STORE, err);
				break;
			}
	} else if (reply->type != REDIS_REPLY_NIL) {
		rc = queued.status != DP_OK ? dp_fail(err, DP_TEMPFAIL, "%s", queued.reason)
					    : redis_reply_fail(s->redis, reply, WHAT_STORE, err);
	}
	freeReplyObject(reply);
	if (!(reply = expect(s, REDIS_REPLY_STATUS, WHAT_STORE, err)))		/* WATCH */
		return DP_TEMPFAIL;
	freeReplyObject(reply);
	if (!(reply = expect(s, 0, WHAT_STORE, err)))				/* HMGET */
		return DP_TEMPFAIL;
	if (parse_marker(reply, m) < 0 && rc == DP_OK)
		rc = redis_reply_fail(s->redis, reply, WHAT_STORE, err);
	freeReplyObject(reply);
	return rc;
}

/* ---------------------------------------------------------------- a report */

/* The marker says this report is complete, or stored with another record count. */
static bool
settled(const struct store_marker *m, const struct kind_report *r, struct store_result *res)
{
	if (m->found && m->total != r->nrecords) {
		res->conflict = true;
		res->duplicate = res->written == 0;
		log_warn("event=conflict rid=%s records=%zu stored_records=%zu: the same report identity "
			 "was stored with another number of records; nothing added", r->rid,
			 r->nrecords, m->total);
		return true;
	}
	if (m->done) {
		res->duplicate = res->written == 0;
		return true;
	}
	return false;
}

/* The batch for the records from pos on, built into b; its record count in *n. */
static enum dp_status
prepare(struct store *s, struct buf *b, const struct kind_report *r, struct kind_cursor *c, size_t pos,
	const char *marker, size_t *n, struct dp_error *err)
{
	long built;

	if (c->ord != pos && r->kind->seek(r->state, c, pos) < 0)
		return dp_fail_errno(err, DP_TEMPFAIL, "cannot read back the report's records");
	if ((built = build_batch(s, b, r, c, marker)) < 0)
		return dp_fail_errno(err, DP_TEMPFAIL, "cannot build a Redis chunk");
	*n = (size_t)built;
	return DP_OK;
}

/* One go at store_report(), adding to res. */
static enum dp_status
store_attempt(struct store *s, const struct kind_report *r, const struct store_marker *known,
	      store_announce_fn announce, void *arg, struct store_result *res, struct dp_error *err)
{
	const char *marker = marker_of(s, r->rid);
	struct kind_cursor c = { 0, 0 };
	struct store_marker m;
	size_t start, n, next_n = 0;
	unsigned misses = 0;	/* batches in a row that EXEC did not apply */
	int cur = 0;
	bool applied, have_next;
	enum dp_status rc;

	if (settled(known, r, res) || r->nrecords == 0)
		return DP_OK;
	stream_of(s, r->kind);
	rc = begin_report(s, r, marker, &m, err);
	s->watched_on = 0;	/* used, or stale: the batches below watch and unwatch */
	if (rc != DP_OK)
		goto out;
	if (settled(&m, r, res))
		goto out;
	start = m.next < r->nrecords ? m.next : 0;
	if (build_prefix(s, r) != 0) {
		rc = dp_fail_errno(err, DP_TEMPFAIL, "cannot build a Redis chunk");
		goto out;
	}
	if ((rc = prepare(s, &s->batch[cur], r, &c, start, marker, &n, err)) != DP_OK)
		goto out;
	for (;;) {
		if ((rc = redis_append_resp(s->redis, s->batch[cur].data, s->batch[cur].len, WHAT_STORE, err)) != DP_OK ||
		    (rc = redis_flush(s->redis, WHAT_STORE, err)) != DP_OK)
			goto out;
		/* While Redis runs this batch, build the next one, as if it succeeds. */
		have_next = c.ord < r->nrecords;
		if (have_next &&
		    (rc = prepare(s, &s->batch[!cur], r, &c, c.ord, marker, &next_n, err)) != DP_OK)
			goto out;
		if ((rc = finish_batch(s, n, &applied, &m, err)) != DP_OK)
			goto out;
		if (applied) {
			misses = 0;
			res->written += n;
			if ((rc = announce(arg, start, n)) != DP_OK)
				goto out;
		} else if (++misses > MAX_MISSES) {
			rc = dp_fail(err, DP_TEMPFAIL, "redis: the report's marker keeps changing under us (%s)", WHAT_STORE);
			goto out;
		}
		if (settled(&m, r, res))
			break;
		if (have_next && m.next == start + n) {
			start += n;
			n = next_n;
			cur = !cur;
			continue;
		}
		/* Another delivery moved the marker: go on from where it is. */
		log_debug("rid %s: marker at %zu, not at %zu: resuming there", r->rid, m.next, start + n);
		start = m.next < r->nrecords ? m.next : 0;
		if ((rc = prepare(s, &s->batch[cur], r, &c, start, marker, &n, err)) != DP_OK)
			goto out;
	}
out:
	/* After a failure the connection's state (replies owed, keys watched) is unknown. */
	if (rc != DP_OK)
		redis_disconnect(s->redis);
	return rc;
}

enum dp_status
store_report(struct store *s, const struct kind_report *r, const struct store_marker *known,
	     store_announce_fn announce, void *arg, struct store_result *res, struct dp_error *err)
{
	enum dp_status rc;
	unsigned attempt;

	memset(res, 0, sizeof *res);
	/* A cluster slot that moved or is migrating: start again from the marker, where the slot is now. */
	for (attempt = 0;; attempt++) {
		rc = store_attempt(s, r, known, announce, arg, res, err);
		if (rc == DP_OK || !redis_follow_redirect(s->redis, attempt))
			return rc;
		dp_error_clear(err);
	}
}

void
store_count_refused(struct store *s, const unsigned n[KIND_COUNT + 1][REFUSAL_COUNT])
{
	char key[300], num[16], field[64];
	size_t i, why;

	snprintf(key, sizeof key, "{%s}:refused", s->conf->key_prefix);
	for (i = 0; i <= KIND_COUNT; i++)
	for (why = 0; why < REFUSAL_COUNT; why++) {
		const char *kind = i < KIND_COUNT ? kinds[i]->name : "none";
		const char *argv[] = { "HINCRBY", key, field, num };
		struct dp_error err = { 0 };
		redisReply *reply;

		if (!n[i][why])
			continue;
		if (why == REFUSED_BROKEN)
			snprintf(field, sizeof field, "%s", kind);
		else
			snprintf(field, sizeof field, "%s/%s", kind, refusal_name((enum refusal)why));
		snprintf(num, sizeof num, "%u", n[i][why]);
		if (!(reply = redis_commandv(s->redis, 4, argv, "counting refused reports", &err))) {
			log_warn("event=count reason=\"%s\"", err.reason);
			return;
		}
		if (reply->type == REDIS_REPLY_ERROR)
			log_warn("event=count reason=\"redis: %s (counting refused reports)\"", reply->str);
		freeReplyObject(reply);
	}
}

enum dp_status
store_replicated(struct store *s, struct dp_error *err)
{
	char key[300], now[24];
	const char *argv[] = { "SET", key, now };
	redisReply *reply;
	enum dp_status rc = DP_OK;

	if (!s->conf->redis_min_replicas)
		return DP_OK;
	/* WAIT counts replicas that have this connection's last write: make one, after everything relied on. */
	snprintf(key, sizeof key, "{%s}:replicated", s->conf->key_prefix);
	snprintf(now, sizeof now, "%lld", (long long)time(NULL));
	if (!(reply = redis_commandv(s->redis, 3, argv, WHAT_REPLICAS, err)))
		return DP_TEMPFAIL;
	if (reply->type != REDIS_REPLY_STATUS)
		rc = redis_reply_fail(s->redis, reply, WHAT_REPLICAS, err);
	freeReplyObject(reply);
	if (rc == DP_OK)
		rc = redis_wait_replicas(s->redis, WHAT_REPLICAS, err);
	return rc;
}
