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

/* What the newest reports say each domain publishes: one HMGET. */
static enum dp_status
policies(struct redis *r, const struct conf *c, struct domain_list *l, struct dp_error *err)
{
	const char **argv = calloc(l->n + 2, sizeof *argv);
	size_t *lens = calloc(l->n + 2, sizeof *lens), i;
	char *key = view_key(c, "policy:published");
	redisReply *p = NULL;
	enum dp_status rc = DP_TEMPFAIL;

	if (!argv || !lens || !key) {
		rc = dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
		goto out;
	}
	argv[0] = "HMGET";
	argv[1] = key;
	for (i = 0; i < l->n; i++)
		argv[i + 2] = l->v[i].name;
	for (i = 0; i < l->n + 2; i++)
		lens[i] = strlen(argv[i]);
	if (!(p = view_command(r, (int)l->n + 2, argv, lens, err)))
		goto out;
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
	rc = DP_OK;
out:
	if (p)
		freeReplyObject(p);
	free(argv);
	free(lens);
	free(key);
	return rc;
}

enum dp_status
domains_view_read(struct redis *r, const struct conf *c, const struct view_range *range, const char *only,
		  struct domain_list *l, struct dp_error *err)
{
	char **names = NULL;
	redisReply **days = NULL;
	size_t n = 0, total = 0, i, d;
	enum dp_status rc = DP_TEMPFAIL;

	memset(l, 0, sizeof *l);
	if (!range->ndays)
		return DP_OK;
	if (only) {
		if (!(names = calloc(1, sizeof *names)) || !(names[0] = strdup(only)))
			goto oom;
		n = total = 1;
	} else if (view_domains(r, c, VIEW_AGGREGATE, range, &names, &n, &total, err) != DP_OK)
		return DP_TEMPFAIL;
	l->left_out = total - n;
	if (view_days(r, c, "rollup", names, n, "", range, &days, err) != DP_OK)
		goto out;
	if (!(l->v = calloc(n ? n : 1, sizeof *l->v)))
		goto oom;
	for (i = 0; i < n; i++) {
		struct domain_summary *s = &l->v[l->n++];

		s->name = names[i];
		names[i] = NULL;
		s->newest_end = -1;
		if (!(s->days = calloc(range->ndays, sizeof *s->days)))
			goto oom;
	}
	for (i = 0; i < n; i++)
		for (d = 0; d < range->ndays; d++)
			if (add_day(&l->v[i], d, days[i * range->ndays + d]) < 0)
				goto oom;
	for (i = 0; i < n; i++)
		tally_sort(&l->v[i].reporters);
	if (n && policies(r, c, l, err) != DP_OK)
		goto out;
	rc = DP_OK;
	goto out;
oom:
	rc = dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
out:
	view_replies_free(days, days ? n * range->ndays : 0);
	for (i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
	if (rc != DP_OK)
		domain_list_free(l);
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

enum dp_status
auth_view_read(struct redis *r, const struct conf *c, const char *domain, const struct view_range *range,
	       struct tally *out, struct dp_error *err)
{
	char *const names[] = { (char *)domain };
	redisReply **days = NULL;
	enum dp_status rc = DP_TEMPFAIL;
	size_t d, i, n = 0;

	memset(out, 0, sizeof *out);
	if (view_sums(r, c, "rollup", names, 1, ":auth", range, &days, &n, err) != DP_OK)
		goto out;
	for (d = 0; d < n; d++)
		for (i = 0; i + 1 < days[d]->elements; i += 2) {
			const redisReply *f = days[d]->element[i], *v = days[d]->element[i + 1];
			const char *colon, *last;
			char name[300];
			struct tally_row *t;

			/* <what>:<domain>:<pass|fail> */
			if (f->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING || !(colon = memchr(f->str, ':', f->len)) ||
			    !(last = strrchr(f->str, ':')) || last == colon || f->len > 280)
				continue;
			snprintf(name, sizeof name, "%.*s %.*s", (int)(colon - f->str), f->str, (int)(last - colon - 1),
				 colon + 1);
			if (!(t = tally_get(out, name, strlen(name))))
				goto oom;
			if (!strcmp(last, ":pass"))
				t->a += view_count(v->str);
			else
				t->b += view_count(v->str);
		}
	tally_sort(out);
	rc = DP_OK;
	goto out;
oom:
	rc = dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
out:
	view_replies_free(days, n);
	if (rc != DP_OK)
		tally_free(out);
	return rc;
}
