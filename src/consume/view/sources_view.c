/* sources_view.c - a domain's sources over a range of days; see sources_view.h. */
#include "config.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "sources_view.h"

static const char *
row_name(const void *rows, size_t i)
{
	return ((const struct source_row *)rows)[i].addr;
}

static struct source_row *
row_for(struct source_list *l, const char *addr, size_t len)
{
	size_t i = index_find(&l->ix, addr, len, row_name, l->v);

	if (i != (size_t)-1)
		return &l->v[i];
	if (grow((void **)&l->v, &l->cap, l->n, sizeof *l->v, 64) < 0)
		return NULL;
	memset(&l->v[l->n], 0, sizeof l->v[l->n]);
	if (!(l->v[l->n].addr = strndup(addr, len)))
		return NULL;
	if (index_add(&l->ix, l->n, row_name, l->v) < 0) {
		free(l->v[l->n].addr);
		return NULL;
	}
	return &l->v[l->n++];
}

/* One day's or week's sources hash merged in; they come newest first, so the info kept is the newest. */
static int
merge_day(struct source_list *l, const redisReply *h)
{
	size_t i, k;

	for (i = 0; i + 1 < h->elements; i += 2) {
		const redisReply *f = h->element[i], *v = h->element[i + 1];
		unsigned long long n[1 + CLASS_COUNT];
		const char *p;
		char *end;
		struct source_row *r;

		if (f->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
			continue;
		/* messages, then each class's: not what the sink writes, left out */
		for (k = 0, p = v->str; k < 1 + CLASS_COUNT; k++, p = end + (*end == '\t')) {
			n[k] = strtoull(p, &end, 10);
			if (end == p || (*end != '\t' && *end != '\0'))
				break;
		}
		if (k < 1 + CLASS_COUNT)
			continue;
		if (!(r = row_for(l, f->str, f->len)))
			return -1;
		r->m += n[0];
		for (k = 0; k < CLASS_COUNT; k++)
			r->by_class[k] += n[1 + k];
		if (!r->info && !(r->info = strdup(p)))
			return -1;
	}
	return 0;
}

unsigned long long
source_failing(const struct source_row *r)
{
	return r->m > r->by_class[CLASS_PASS] ? r->m - r->by_class[CLASS_PASS] : 0;
}

enum source_class
source_class_of(const struct source_row *r)
{
	int k, best = CLASS_PASS;

	for (k = CLASS_PASS + 1; k < CLASS_COUNT; k++)
		if (r->by_class[k] && (best == CLASS_PASS || r->by_class[k] > r->by_class[best]))
			best = k;
	return (enum source_class)best;
}

/*
 * Failing sources first, those to act on before the others: approved
 * sources that fail (a configuration to fix), services not approved (one
 * to approve, or not), unknown sources (what p=reject is for), forwarded
 * mail (explained), then passing sources; within a class, the most
 * failing messages first, then the most messages, then by address.
 */
static int
row_rank(const struct source_row *r)
{
	static const int rank[CLASS_COUNT] = {
		[CLASS_APPROVED_FAIL] = 0, [CLASS_SERVICE_FAIL] = 1, [CLASS_UNKNOWN_FAIL] = 2, [CLASS_FORWARDED] = 3,
		[CLASS_PASS] = 4,
	};

	return rank[source_class_of(r)];
}

static int
row_cmp(const void *a, const void *b)
{
	const struct source_row *x = a, *y = b;
	unsigned long long fx = source_failing(x), fy = source_failing(y);

	if (row_rank(x) != row_rank(y))
		return row_rank(x) < row_rank(y) ? -1 : 1;
	if (fx != fy)
		return fx > fy ? -1 : 1;
	if (x->m != y->m)
		return x->m > y->m ? -1 : 1;
	return strcmp(x->addr, y->addr);
}

const char *
source_field(const struct source_row *r, enum source_field k, char buf[256])
{
	const char *p = r->info, *tab;
	size_t len;
	int i;

	for (i = (int)k; p && i > 0; i--)
		p = (tab = strchr(p, '\t')) ? tab + 1 : NULL;
	if (!p)
		return "";
	len = (tab = strchr(p, '\t')) ? (size_t)(tab - p) : strlen(p);
	if (len > 255)
		len = 255;
	memcpy(buf, p, len);
	buf[len] = '\0';
	return buf;
}

bool
source_approved(const struct source_row *r)
{
	char b[256];

	return !strcmp(source_field(r, SF_APPROVED, b), "yes");
}

/* When the first n rows' sources first sent: one HMGET of firstseen:<domain>. */
static enum dp_status
first_days(struct redis *r, const struct conf *c, const char *domain, struct source_list *l, size_t n,
	   struct dp_error *err)
{
	const char **argv = calloc(n + 2, sizeof *argv);
	size_t *lens = calloc(n + 2, sizeof *lens), i;
	char **fields = calloc(n, sizeof *fields), *key = view_key(c, "firstseen:%s", domain);
	redisReply *fs = NULL;
	enum dp_status rc = DP_TEMPFAIL;

	if (!argv || !lens || !fields || !key)
		goto oom;
	argv[0] = "HMGET";
	argv[1] = key;
	for (i = 0; i < n; i++) {
		size_t len = strlen(l->v[i].addr) + 4;

		if (!(fields[i] = malloc(len)))
			goto oom;
		snprintf(fields[i], len, "ip:%s", l->v[i].addr);
		argv[i + 2] = fields[i];
	}
	for (i = 0; i < n + 2; i++)
		lens[i] = strlen(argv[i]);
	if (!(fs = view_command(r, (int)n + 2, argv, lens, err)))
		goto out;
	for (i = 0; fs->type == REDIS_REPLY_ARRAY && i < fs->elements && i < n; i++)
		if (fs->element[i]->type == REDIS_REPLY_STRING && fs->element[i]->len == 10)
			memcpy(l->v[i].first, fs->element[i]->str, 11);
	rc = DP_OK;
	goto out;
oom:
	dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
out:
	if (fs)
		freeReplyObject(fs);
	for (i = 0; fields && i < n; i++)
		free(fields[i]);
	free(fields);
	free(argv);
	free(lens);
	free(key);
	return rc;
}

void
sources_view_queue(struct view_batch *b, const struct conf *c, const char *domain, const struct view_range *range,
		   struct sources_reads *q)
{
	q->first = view_queue_sums(b, c, "rollup", domain, ":sources", range, &q->n);
}

enum dp_status
sources_view_take(const struct view_batch *b, struct redis *r, const struct conf *c, const char *domain,
		  const struct sources_reads *q, size_t dated, struct source_list *l, struct dp_error *err)
{
	size_t i;

	memset(l, 0, sizeof *l);
	for (i = q->n; i-- > 0;)	/* newest first */
		if (b->reply[q->first + i]->type == REDIS_REPLY_ARRAY && merge_day(l, b->reply[q->first + i]) < 0) {
			source_list_free(l);
			return dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
		}
	if (l->n)
		qsort(l->v, l->n, sizeof *l->v, row_cmp);
	index_free(&l->ix);	/* sorted: rows moved */
	if (dated > l->n)
		dated = l->n;
	if (dated && first_days(r, c, domain, l, dated, err) != DP_OK) {
		source_list_free(l);
		return DP_TEMPFAIL;
	}
	return DP_OK;
}

void
source_list_free(struct source_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].addr);
		free(l->v[i].info);
	}
	free(l->v);
	index_free(&l->ix);
	memset(l, 0, sizeof *l);
}
