/* view.c - ranges of days and pipelined reads of the rollups; see view.h. */
#include "config.h"

#include <hiredis/hiredis.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "grow.h"
#include "isotime.h"
#include "view.h"

#define WHAT "reading the rollups"

char *
view_key(const struct conf *c, const char *fmt, ...)
{
	struct buf k = BUF_INIT(0);
	va_list ap;
	char *rest;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&rest, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	if (buf_printf(&k, "{%s}:%s", c->key_prefix, rest) < 0)
		buf_free(&k);
	free(rest);
	return k.data;
}

unsigned long long
view_count(const char *s)
{
	unsigned long long n = 0;

	for (; *s >= '0' && *s <= '9'; s++)
		n = n * 10 + (unsigned long long)(*s - '0');
	return n;
}

redisReply *
view_command(struct redis *r, int argc, const char **argv, const size_t *lens, struct dp_error *err)
{
	size_t own[16];
	redisReply *reply;
	int i;

	if (!lens && argc <= 16) {
		for (i = 0; i < argc; i++)
			own[i] = strlen(argv[i]);
		lens = own;
	}
	reply = redis_command(r, argc, argv, lens, WHAT, err);
	if (reply && reply->type == REDIS_REPLY_ERROR) {
		redis_reply_fail(r, reply, WHAT, err);
		freeReplyObject(reply);
		return NULL;
	}
	return reply;
}

/* What rollup:weekly-from says (an MGET reply), -1 when it is not set. */
static long long
weekly_from(const redisReply *m)
{
	const redisReply *v = m->elements == 1 ? m->element[0] : NULL;

	return v && v->type == REDIS_REPLY_STRING && v->len && v->str[0] >= '0' && v->str[0] <= '9'
		       ? (long long)view_count(v->str)
		       : -1;
}

enum dp_status
view_range(struct redis *r, const struct conf *c, enum view_kind kind, unsigned ndays, struct view_range *out,
	   struct dp_error *err)
{
	char *days = view_key(c, "%s:days", kind == VIEW_TLS ? "tls" : "rollup"), *from = view_key(c, "rollup:weekly-from");
	const char *zrange[] = { "ZRANGE", days, "-1", "-1", "WITHSCORES" }, *mget[] = { "MGET", from };
	struct view_batch b;
	const redisReply *newest;
	enum dp_status rc = DP_TEMPFAIL;
	unsigned i;

	view_batch_init(&b);
	*out = (struct view_range){ -1, 0, NULL, -1 };
	if (ndays < 1 || ndays > VIEW_DAYS_MAX)
		ndays = ndays < 1 ? 1 : VIEW_DAYS_MAX;
	if (!days || !from) {
		dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
		goto out;
	}
	/* Both in one round trip: while consuming, each round trip may wait behind an acknowledgement's script. */
	view_batch_add(&b, 5, zrange);
	view_batch_add(&b, 2, mget);
	if (view_batch_run(&b, r, err) != DP_OK)
		goto out;
	newest = b.reply[0];
	if (newest->type != REDIS_REPLY_ARRAY || b.reply[1]->type != REDIS_REPLY_ARRAY) {
		rc = redis_reply_fail(r, newest->type != REDIS_REPLY_ARRAY ? newest : b.reply[1], WHAT, err);
		goto out;
	}
	if (kind == VIEW_AGGREGATE)
		out->weekly_from = weekly_from(b.reply[1]);
	rc = DP_OK;
	if (newest->elements < 2 || newest->element[1]->type != REDIS_REPLY_STRING)
		goto out;	/* no rollups at all */
	out->newest = atoll(newest->element[1]->str);
	if (!(out->day = calloc(ndays, sizeof *out->day))) {
		rc = dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
		goto out;
	}
	out->ndays = ndays;
	for (i = 0; i < ndays; i++) {
		char iso[ISO8601_LEN + 1];

		iso8601_utc((out->newest - (long long)(ndays - 1 - i)) * 86400, iso);
		memcpy(out->day[i], iso, 10);
		out->day[i][10] = '\0';
	}
out:
	view_batch_free(&b);
	free(days);
	free(from);
	return rc;
}

void
view_range_free(struct view_range *v)
{
	free(v->day);
	*v = (struct view_range){ -1, 0, NULL, -1 };
}

void
view_batch_init(struct view_batch *b)
{
	memset(b, 0, sizeof *b);
	b->resp = (struct buf)BUF_INIT(0);
}

size_t
view_batch_add(struct view_batch *b, int argc, const char **argv)
{
	size_t *lens = calloc(argc > 0 ? (size_t)argc : 1, sizeof *lens), slot = b->n;
	char *resp = NULL;
	long long len = -1;
	int i;

	for (i = 0; lens && i < argc && argv[i]; i++)
		lens[i] = strlen(argv[i]);
	/* A NULL argument is a key that could not be named (ENOMEM). */
	if (b->failed || !lens || i < argc || grow((void **)&b->end, &b->cap, b->n, sizeof *b->end, 64) < 0 ||
	    (len = redisFormatCommandArgv(&resp, argc, argv, lens)) < 0 || buf_append(&b->resp, resp, (size_t)len) < 0)
		b->failed = true;
	else
		b->end[b->n++] = b->resp.len;
	if (len >= 0)
		redisFreeCommand(resp);
	free(lens);
	return slot;
}

enum dp_status
view_batch_run(struct view_batch *b, struct redis *r, struct dp_error *err)
{
	size_t i, at = 0;

	if (b->failed || !(b->reply = calloc(b->n ? b->n : 1, sizeof *b->reply)))
		return dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
	for (i = 0; i < b->n; at = b->end[i++])
		if (redis_append_resp(r, b->resp.data + at, b->end[i] - at, WHAT, err) != DP_OK)
			return DP_TEMPFAIL;
	if (b->n && redis_flush(r, WHAT, err) != DP_OK)
		return DP_TEMPFAIL;
	for (i = 0; i < b->n; i++) {
		if (!(b->reply[i] = redis_next_reply(r, WHAT, err)))
			return DP_TEMPFAIL;
		if (b->reply[i]->type == REDIS_REPLY_ERROR) {
			redis_reply_fail(r, b->reply[i], WHAT, err);
			redis_disconnect(r);	/* the replies still coming are nobody's */
			return DP_TEMPFAIL;
		}
	}
	return DP_OK;
}

void
view_batch_free(struct view_batch *b)
{
	size_t i;

	for (i = 0; b->reply && i < b->n; i++)
		if (b->reply[i])
			freeReplyObject(b->reply[i]);
	free(b->reply);
	free(b->end);
	buf_free(&b->resp);
	memset(b, 0, sizeof *b);
}

/* cmd (HGETALL or HLEN) of "{prefix}:<kind>:<span>:<domain><suffix>" queued. */
static size_t
queue_hash(struct view_batch *b, const struct conf *c, const char *cmd, const char *kind, const char *span,
	   const char *domain, const char *suffix)
{
	char *key = view_key(c, "%s:%s:%s%s", kind, span, domain, suffix);
	const char *argv[] = { cmd, key };
	size_t slot = view_batch_add(b, 2, argv);

	free(key);
	return slot;
}

size_t
view_queue_days(struct view_batch *b, const struct conf *c, const char *kind, const char *domain, const char *suffix,
		const struct view_range *range)
{
	size_t first = b->n, d;

	for (d = 0; d < range->ndays; d++)
		queue_hash(b, c, "HGETALL", kind, range->day[d], domain, suffix);
	return first;
}

size_t
view_queue_sums(struct view_batch *b, const struct conf *c, const char *kind, const char *domain, const char *suffix,
		const struct view_range *range, size_t *nspans)
{
	long long oldest = range->newest - (long long)range->ndays + 1, kept = range->newest - (long long)c->rollup_days + 1;
	size_t first = b->n, d, k = 0;

	for (d = 0; d < range->ndays; k++) {
		long long day = oldest + (long long)d;
		char week[16];

		if (range->weekly_from >= 0 && iso8601_monday(day) == day && d + 7 <= range->ndays &&
		    day >= range->weekly_from && day >= kept) {
			snprintf(week, sizeof week, "week:%s", range->day[d]);
			queue_hash(b, c, "HGETALL", kind, week, domain, suffix);
			d += 7;
		} else
			queue_hash(b, c, "HGETALL", kind, range->day[d++], domain, suffix);
	}
	*nspans = k;
	return first;
}

size_t
view_queue_days_with(struct view_batch *b, const struct conf *c, const char *kind, const char *domain,
		     const char *suffix, const struct view_range *range)
{
	size_t first = b->n, d;

	for (d = 0; d < range->ndays; d++)
		queue_hash(b, c, "HLEN", kind, range->day[d], domain, suffix);
	return first;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

enum dp_status
view_domains(struct redis *r, const struct conf *c, enum view_kind kind, const struct view_range *range, char ***names,
	     size_t *n, size_t *total, struct dp_error *err)
{
	const char **argv = calloc(range->ndays + 1, sizeof *argv);
	size_t *lens = calloc(range->ndays + 1, sizeof *lens), i, k = 0;
	redisReply *u = NULL;
	char **v = NULL;
	enum dp_status rc = DP_TEMPFAIL;

	if (!argv || !lens)
		goto oom;
	argv[0] = "SUNION";
	for (i = 0; i < range->ndays; i++)
		if (!(argv[i + 1] = view_key(c, "%s:%s", kind == VIEW_TLS ? "tls" : "rollup", range->day[i])))
			goto oom;
	for (i = 0; i <= range->ndays; i++)
		lens[i] = strlen(argv[i]);
	if (!(u = view_command(r, (int)range->ndays + 1, argv, lens, err)))
		goto out;
	if (u->type == REDIS_REPLY_ARRAY && !(v = calloc(u->elements + 1, sizeof *v)))
		goto oom;
	for (i = 0; u->type == REDIS_REPLY_ARRAY && i < u->elements; i++)
		if (u->element[i]->type == REDIS_REPLY_STRING && !memchr(u->element[i]->str, '\0', u->element[i]->len) &&
		    !(v[k++] = strdup(u->element[i]->str)))
			goto oom;
	if (k)
		qsort(v, k, sizeof *v, by_name);
	for (i = VIEW_DOMAINS_MAX; i < k; i++) {	/* counted, not shown */
		free(v[i]);
		v[i] = NULL;
	}
	*names = v;
	*total = k;
	*n = k < VIEW_DOMAINS_MAX ? k : VIEW_DOMAINS_MAX;
	v = NULL;
	rc = DP_OK;
	goto out;
oom:
	rc = dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
out:
	for (i = 0; v && i < k; i++)
		free(v[i]);
	free(v);
	if (u)
		freeReplyObject(u);
	for (i = 1; argv && i <= range->ndays; i++)
		free((char *)argv[i]);
	free(argv);
	free(lens);
	return rc;
}
