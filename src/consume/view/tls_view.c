/* tls_view.c - the TLS policy domains over a range of days; see tls_view.h. */
#include "config.h"

#include <hiredis/hiredis.h>
#include <stdlib.h>
#include <string.h>

#include "tls_view.h"

/* A failure detail's count, under its kind. */
static int
count(struct tally *t, const char *name, size_t len, unsigned long long n)
{
	struct tally_row *row = tally_get(t, name, len);

	if (!row)
		return -1;
	row->a += n;
	return 0;
}

/* One day's hash of one policy domain added to s (day d of the range). */
static int
add_day(struct tls_summary *s, size_t d, const redisReply *h)
{
	static const char *const prefix[] = { "result:", "mx:", "sender:" };
	struct tally *lists[] = { &s->results, &s->mx, &s->senders };
	size_t i, k;

	for (i = 0; i + 1 < h->elements; i += 2) {
		const redisReply *f = h->element[i], *v = h->element[i + 1];
		unsigned long long n;

		if (f->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
			continue;
		n = view_count(v->str);
		if (!strcmp(f->str, "successful")) {
			s->ok[d] += n;
			s->total_ok += n;
		} else if (!strcmp(f->str, "failed")) {
			s->failed[d] += n;
			s->total_failed += n;
		} else if (!strncmp(f->str, "reporter:", 9)) {
			struct tally_row *row = tally_get(&s->reporters, f->str + 9, f->len - 9);

			if (!row)
				return -1;
			if (n > row->a)
				row->a = n;
		} else
			for (k = 0; k < 3; k++) {
				size_t pl = strlen(prefix[k]);

				if (!strncmp(f->str, prefix[k], pl) && count(lists[k], f->str + pl, f->len - pl, n) < 0)
					return -1;
			}
	}
	return 0;
}

enum dp_status
tls_view_read(struct redis *r, const struct conf *c, const struct view_range *range, struct tls_list *l,
	      struct dp_error *err)
{
	char **names = NULL;
	struct view_batch b;
	size_t n = 0, total = 0, i, d;
	enum dp_status rc = DP_TEMPFAIL;

	memset(l, 0, sizeof *l);
	if (!range->ndays)
		return DP_OK;
	if (view_domains(r, c, VIEW_TLS, range, &names, &n, &total, err) != DP_OK)
		return DP_TEMPFAIL;
	l->left_out = total - n;
	view_batch_init(&b);
	for (i = 0; i < n; i++)
		view_queue_days(&b, c, "tls", names[i], "", range);
	if (view_batch_run(&b, r, err) != DP_OK)
		goto out;
	if (!(l->v = calloc(n ? n : 1, sizeof *l->v)))
		goto oom;
	for (i = 0; i < n; i++) {
		struct tls_summary *s = &l->v[l->n++];

		s->name = names[i];
		names[i] = NULL;
		if (!(s->ok = calloc(range->ndays, sizeof *s->ok)) || !(s->failed = calloc(range->ndays, sizeof *s->failed)))
			goto oom;
	}
	for (i = 0; i < n; i++) {
		for (d = 0; d < range->ndays; d++)
			if (b.reply[i * range->ndays + d]->type == REDIS_REPLY_ARRAY &&
			    add_day(&l->v[i], d, b.reply[i * range->ndays + d]) < 0)
				goto oom;
		tally_sort(&l->v[i].results);
		tally_sort(&l->v[i].mx);
		tally_sort(&l->v[i].senders);
		tally_sort(&l->v[i].reporters);
	}
	rc = DP_OK;
	goto out;
oom:
	rc = dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
out:
	view_batch_free(&b);
	for (i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
	if (rc != DP_OK)
		tls_list_free(l);
	return rc;
}

void
tls_list_free(struct tls_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		struct tls_summary *s = &l->v[i];

		free(s->name);
		free(s->ok);
		free(s->failed);
		tally_free(&s->results);
		tally_free(&s->mx);
		tally_free(&s->senders);
		tally_free(&s->reporters);
	}
	free(l->v);
	memset(l, 0, sizeof *l);
}
