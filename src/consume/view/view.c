/* view.c - ranges of days and pipelined reads of the rollups; see view.h. */
#include "config.h"

#include <hiredis/hiredis.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
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

/* One command queued (sent by redis_flush); on failure the connection is dropped: what is queued must not go later. */
static enum dp_status
queue(struct redis *r, int argc, const char **argv, struct dp_error *err)
{
	size_t lens[8];
	char *resp;
	long long len;
	enum dp_status rc;
	int i;

	for (i = 0; i < argc && i < 8; i++)
		lens[i] = strlen(argv[i]);
	if (argc > 8 || (len = redisFormatCommandArgv(&resp, argc, argv, lens)) < 0) {
		redis_disconnect(r);
		return dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
	}
	rc = redis_append_resp(r, resp, (size_t)len, WHAT, err);
	redisFreeCommand(resp);
	return rc;
}

/* The n replies to what was queued, of type, into out[]; on failure every out[i] is NULL. */
static enum dp_status
replies(struct redis *r, size_t n, int type, redisReply **out, struct dp_error *err)
{
	size_t i, got;

	for (i = 0; i < n; i++)
		out[i] = NULL;
	if (n && redis_flush(r, WHAT, err) != DP_OK)
		return DP_TEMPFAIL;
	for (got = 0; got < n; got++) {
		if (!(out[got] = redis_next_reply(r, WHAT, err)))
			break;
		if (out[got]->type != type) {
			redis_reply_fail(r, out[got], WHAT, err);
			freeReplyObject(out[got]);
			out[got] = NULL;
			redis_disconnect(r);	/* the replies still coming are nobody's */
			break;
		}
	}
	if (got == n)
		return DP_OK;
	for (i = 0; i < got; i++) {
		freeReplyObject(out[i]);
		out[i] = NULL;
	}
	return DP_TEMPFAIL;
}

/* cmd (HGETALL or HLEN) of n keys, pipelined, into out[]: replies of type; on failure every out[i] is NULL. */
static enum dp_status
pipelined(struct redis *r, const char *cmd, char *const *keys, size_t n, int type, redisReply **out,
	  struct dp_error *err)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const char *argv[] = { cmd, keys[i] };

		out[i] = NULL;
		if (queue(r, 2, argv, err) != DP_OK)
			return DP_TEMPFAIL;
	}
	return replies(r, n, type, out, err);
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
	redisReply *got[2] = { NULL, NULL }, *newest;
	enum dp_status rc = DP_TEMPFAIL;
	unsigned i;

	*out = (struct view_range){ -1, 0, NULL, -1 };
	if (ndays < 1 || ndays > VIEW_DAYS_MAX)
		ndays = ndays < 1 ? 1 : VIEW_DAYS_MAX;
	if (!days || !from) {
		dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
		goto out;
	}
	/* Both in one round trip: while consuming, each round trip may wait behind an acknowledgement's script. */
	if (queue(r, 5, zrange, err) != DP_OK || queue(r, 2, mget, err) != DP_OK ||
	    replies(r, 2, REDIS_REPLY_ARRAY, got, err) != DP_OK)
		goto out;
	newest = got[0];
	if (kind == VIEW_AGGREGATE)
		out->weekly_from = weekly_from(got[1]);
	rc = DP_OK;
	if (newest->type != REDIS_REPLY_ARRAY || newest->elements < 2 || newest->element[1]->type != REDIS_REPLY_STRING)
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
	for (i = 0; i < 2; i++)
		if (got[i])
			freeReplyObject(got[i]);
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
view_replies_free(redisReply **v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		if (v[i])
			freeReplyObject(v[i]);
	free(v);
}

/* The hashes "{prefix}:<kind>:<span>:<domain><suffix>" of n domains over nspans spans, as view_days says. */
static enum dp_status
span_hashes(struct redis *r, const struct conf *c, const char *kind, char *const *domains, size_t n,
	    const char *suffix, const char *const *spans, size_t nspans, redisReply ***out, struct dp_error *err)
{
	size_t nk = n * nspans, i, d;
	char **keys = calloc(nk ? nk : 1, sizeof *keys);
	enum dp_status rc = DP_TEMPFAIL;

	if (!keys || !(*out = calloc(nk ? nk : 1, sizeof **out))) {
		free(keys);
		*out = NULL;
		return dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
	}
	for (i = 0; i < n; i++)
		for (d = 0; d < nspans; d++)
			if (!(keys[i * nspans + d] = view_key(c, "%s:%s:%s%s", kind, spans[d], domains[i], suffix))) {
				dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
				goto out;
			}
	rc = pipelined(r, "HGETALL", keys, nk, REDIS_REPLY_ARRAY, *out, err);
out:
	for (i = 0; i < nk; i++)
		free(keys[i]);
	free(keys);
	if (rc != DP_OK) {
		view_replies_free(*out, nk);
		*out = NULL;
	}
	return rc;
}

enum dp_status
view_days(struct redis *r, const struct conf *c, const char *kind, char *const *domains, size_t n,
	  const char *suffix, const struct view_range *range, redisReply ***out, struct dp_error *err)
{
	const char **spans = calloc(range->ndays ? range->ndays : 1, sizeof *spans);
	enum dp_status rc;
	size_t d;

	if (!spans) {
		*out = NULL;
		return dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
	}
	for (d = 0; d < range->ndays; d++)
		spans[d] = range->day[d];
	rc = span_hashes(r, c, kind, domains, n, suffix, spans, range->ndays, out, err);
	free(spans);
	return rc;
}

enum dp_status
view_sums(struct redis *r, const struct conf *c, const char *kind, char *const *domains, size_t n,
	  const char *suffix, const struct view_range *range, redisReply ***out, size_t *nspans, struct dp_error *err)
{
	/* "week:YYYY-MM-DD" or a day's "YYYY-MM-DD" */
	char (*span)[16] = calloc(range->ndays ? range->ndays : 1, sizeof *span);
	const char **spans = calloc(range->ndays ? range->ndays : 1, sizeof *spans);
	long long oldest = range->newest - (long long)range->ndays + 1, kept = range->newest - (long long)c->rollup_days + 1;
	enum dp_status rc = DP_TEMPFAIL;
	size_t d, k = 0;

	*out = NULL;
	*nspans = 0;
	if (!span || !spans) {
		dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
		goto out;
	}
	for (d = 0; d < range->ndays; k++) {
		long long day = oldest + (long long)d;

		if (range->weekly_from >= 0 && iso8601_monday(day) == day && d + 7 <= range->ndays &&
		    day >= range->weekly_from && day >= kept) {
			snprintf(span[k], sizeof span[k], "week:%s", range->day[d]);
			d += 7;
		} else
			memcpy(span[k], range->day[d++], 11);
		spans[k] = span[k];
	}
	if ((rc = span_hashes(r, c, kind, domains, n, suffix, spans, k, out, err)) == DP_OK)
		*nspans = k;
out:
	free(span);
	free(spans);
	return rc;
}

enum dp_status
view_days_with(struct redis *r, const struct conf *c, const char *kind, const char *domain, const char *suffix,
	       const struct view_range *range, bool *with, struct dp_error *err)
{
	size_t n = range->ndays, d;
	char **keys = calloc(n ? n : 1, sizeof *keys);
	redisReply **replies = calloc(n ? n : 1, sizeof *replies);
	enum dp_status rc = DP_TEMPFAIL;

	if (!keys || !replies) {
		dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
		goto out;
	}
	for (d = 0; d < n; d++)
		if (!(keys[d] = view_key(c, "%s:%s:%s%s", kind, range->day[d], domain, suffix))) {
			dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
			goto out;
		}
	if ((rc = pipelined(r, "HLEN", keys, n, REDIS_REPLY_INTEGER, replies, err)) == DP_OK)
		for (d = 0; d < n; d++)
			with[d] = replies[d]->integer > 0;
out:
	for (d = 0; keys && d < n; d++)
		free(keys[d]);
	free(keys);
	if (replies)
		view_replies_free(replies, rc == DP_OK ? n : 0);
	return rc;
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
