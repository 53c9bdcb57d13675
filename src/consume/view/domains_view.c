/* domains_view.c - our domains over a range of days; see domains_view.h. */
#include "config.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domains_view.h"

static bool
field_is(const redisReply *f, const char *prefix, const char **rest)
{
	size_t len = strlen(prefix);

	if (f->len < len || memcmp(f->str, prefix, len))
		return false;
	*rest = f->str + len;
	return true;
}

/* One day's hash of one domain added to s (day d of the range). */
static int
add_day(struct domain_summary *s, size_t d, const redisReply *h)
{
	static const char *const disp[] = { "none", "quarantine", "reject" };
	size_t i, k;

	for (i = 0; i + 1 < h->elements; i += 2) {
		const redisReply *f = h->element[i], *v = h->element[i + 1];
		unsigned long long n;
		const char *rest;

		if (f->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
			continue;
		n = view_count(v->str);
		if (!strcmp(f->str, "messages")) {
			s->days[d].m += n;
			s->total.m += n;
		} else if (field_is(f, "class:", &rest)) {
			for (k = 0; k < CLASS_COUNT; k++)
				if (!strcmp(rest, class_name((enum source_class)k))) {
					s->days[d].by_class[k] += n;
					s->total.by_class[k] += n;
				}
		} else if (field_is(f, "disposition:", &rest)) {
			for (k = 0; k < 3; k++)
				if (!strcmp(rest, disp[k]))
					s->disposition[k] += n;
		} else if (!strcmp(f->str, "dkim:pass"))
			s->dkim_pass += n;
		else if (!strcmp(f->str, "spf:pass"))
			s->spf_pass += n;
		else if (field_is(f, "reporter:", &rest)) {
			struct tally_row *t = tally_get(&s->reporters, rest, f->len - 9);

			if (!t)
				return -1;
			if (n > t->a)
				t->a = n;
			if ((long long)n > s->newest_end)
				s->newest_end = (long long)n;
		}
	}
	return 0;
}

/* What the newest reports say each domain publishes (the reply to HMGET policy:published of every name). */
static void
policies(const redisReply *p, struct domain_list *l)
{
	size_t i;

	for (i = 0; p->type == REDIS_REPLY_ARRAY && i < p->elements && i < l->n; i++) {
		struct domain_summary *s = &l->v[i];
		const char *v = p->element[i]->str, *tab1, *tab2;

		/* "p\tsp\tpct", p and sp possibly empty */
		if (p->element[i]->type != REDIS_REPLY_STRING || !(tab1 = strchr(v, '\t')) || !(tab2 = strchr(tab1 + 1, '\t')))
			continue;
		snprintf(s->p, sizeof s->p, "%.*s", (int)(tab1 - v), v);
		snprintf(s->sp, sizeof s->sp, "%.*s", (int)(tab2 - tab1 - 1), tab1 + 1);
		s->pct = (unsigned)view_count(tab2 + 1);
		if (s->pct > 100)
			s->pct = 100;
		s->has_policy = true;
	}
}

void
domains_view_queue(struct view_batch *b, const struct conf *c, const struct view_range *range, char *const *names,
		   size_t n, struct domains_reads *q)
{
	const char **argv = calloc(n + 2, sizeof *argv);
	char *key = view_key(c, "policy:published");
	size_t i;

	q->days = b->n;
	q->policy = (size_t)-1;
	if (!range->ndays || !n)
		goto out;
	for (i = 0; i < n; i++)
		view_queue_days(b, c, "rollup", names[i], "", range);
	if (!argv) {
		b->failed = true;
		goto out;
	}
	argv[0] = "HMGET";
	argv[1] = key;
	for (i = 0; i < n; i++)
		argv[i + 2] = names[i];
	q->policy = view_batch_add(b, (int)n + 2, argv);
out:
	free(argv);
	free(key);
}

enum dp_status
domains_view_take(const struct view_batch *b, const struct view_range *range, char *const *names, size_t n,
		  const struct domains_reads *q, struct domain_list *l, struct dp_error *err)
{
	size_t i, d;

	memset(l, 0, sizeof *l);
	if (q->policy == (size_t)-1)
		return DP_OK;	/* nothing was asked: no days or no domains */
	if (!(l->v = calloc(n, sizeof *l->v)))
		goto oom;
	for (i = 0; i < n; i++) {
		struct domain_summary *s = &l->v[l->n++];

		s->newest_end = -1;
		if (!(s->name = strdup(names[i])) || !(s->days = calloc(range->ndays, sizeof *s->days)))
			goto oom;
		for (d = 0; d < range->ndays; d++) {
			const redisReply *h = b->reply[q->days + i * range->ndays + d];

			if (h->type == REDIS_REPLY_ARRAY && add_day(s, d, h) < 0)
				goto oom;
		}
		tally_sort(&s->reporters);
	}
	policies(b->reply[q->policy], l);
	return DP_OK;
oom:
	domain_list_free(l);
	return dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
}

enum dp_status
domains_view_read(struct redis *r, const struct conf *c, const struct view_range *range, const char *only,
		  struct domain_list *l, struct dp_error *err)
{
	char **names = NULL, *one[] = { (char *)only };
	size_t n = 0, total = 0, i;
	struct domains_reads q;
	struct view_batch b;
	enum dp_status rc;

	memset(l, 0, sizeof *l);
	if (!range->ndays)
		return DP_OK;
	if (only)
		n = total = 1;
	else if (view_domains(r, c, VIEW_AGGREGATE, range, &names, &n, &total, err) != DP_OK)
		return DP_TEMPFAIL;
	view_batch_init(&b);
	domains_view_queue(&b, c, range, only ? one : names, n, &q);
	if ((rc = view_batch_run(&b, r, err)) == DP_OK &&
	    (rc = domains_view_take(&b, range, only ? one : names, n, &q, l, err)) == DP_OK)
		l->left_out = total - n;
	view_batch_free(&b);
	for (i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

void
domain_list_free(struct domain_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].days);
		tally_free(&l->v[i].reporters);
	}
	free(l->v);
	memset(l, 0, sizeof *l);
}

enum dp_status
domain_known(struct redis *r, const struct conf *c, const char *domain, bool *known, struct dp_error *err)
{
	char *key = view_key(c, "rollup:domains");
	const char *argv[] = { "SISMEMBER", key, domain };
	redisReply *reply;

	*known = false;
	if (!key)
		return dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
	reply = view_command(r, 3, argv, NULL, err);
	free(key);
	if (!reply)
		return DP_TEMPFAIL;
	*known = reply->type == REDIS_REPLY_INTEGER && reply->integer == 1;
	freeReplyObject(reply);
	return DP_OK;
}

void
auth_view_queue(struct view_batch *b, const struct conf *c, const char *domain, const struct view_range *range,
		struct auth_reads *q)
{
	q->first = view_queue_sums(b, c, "rollup", domain, ":auth", range, &q->n);
}

enum dp_status
auth_view_take(const struct view_batch *b, const struct auth_reads *q, struct tally *out, struct dp_error *err)
{
	size_t d, i;

	memset(out, 0, sizeof *out);
	for (d = 0; d < q->n; d++) {
		const redisReply *h = b->reply[q->first + d];

		for (i = 0; h->type == REDIS_REPLY_ARRAY && i + 1 < h->elements; i += 2) {
			const redisReply *f = h->element[i], *v = h->element[i + 1];
			const char *colon, *last;
			char name[300];
			struct tally_row *t;

			/* <what>:<domain>:<pass|fail> */
			if (f->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING || !(colon = memchr(f->str, ':', f->len)) ||
			    !(last = strrchr(f->str, ':')) || last == colon || f->len > 280)
				continue;
			snprintf(name, sizeof name, "%.*s %.*s", (int)(colon - f->str), f->str, (int)(last - colon - 1),
				 colon + 1);
			if (!(t = tally_get(out, name, strlen(name)))) {
				tally_free(out);
				return dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
			}
			if (!strcmp(last, ":pass"))
				t->a += view_count(v->str);
			else
				t->b += view_count(v->str);
		}
	}
	tally_sort(out);
	return DP_OK;
}
