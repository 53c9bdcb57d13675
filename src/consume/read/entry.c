/* entry.c - stream entries as a read returns them; see entry.h. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "entry.h"

int
stream_id_parse(const char *s, uint64_t *ms, uint64_t *seq)
{
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*ms = strtoull(s, &end, 10);
	if (errno || *end != '-' || end[1] < '0' || end[1] > '9')
		return -1;
	*seq = strtoull(end + 1, &end, 10);
	return errno || *end ? -1 : 0;
}

int
entries_from_reply(struct entries *es, redisReply *reply, const redisReply *list)
{
	size_t i;

	es->reply = reply;
	es->v = NULL;
	es->n = 0;
	if (!list || list->type != REDIS_REPLY_ARRAY)
		goto bad;
	if (list->elements && !(es->v = calloc(list->elements, sizeof *es->v)))
		return -1;
	for (i = 0; i < list->elements; i++) {
		const redisReply *item = list->element[i], *fields;
		struct entry *e = &es->v[es->n];
		uint64_t seq;

		if (item->type != REDIS_REPLY_ARRAY || item->elements != 2 ||
		    item->element[0]->type != REDIS_REPLY_STRING)
			goto bad;
		fields = item->element[1];
		e->id = item->element[0]->str;
		if (stream_id_parse(e->id, &e->ms, &seq) < 0)
			goto bad;
		if (fields->type == REDIS_REPLY_ARRAY && fields->elements % 2 == 0)
			e->fields = fields;
		else if (fields->type != REDIS_REPLY_NIL)
			goto bad;
		es->n++;
	}
	return 0;
bad:
	free(es->v);
	es->v = NULL;
	es->n = 0;
	errno = EPROTO;
	return -1;
}

void
entries_free(struct entries *es)
{
	free(es->v);
	if (es->reply)
		freeReplyObject(es->reply);
	memset(es, 0, sizeof *es);
}

/* The field named key among fields [from, to); its index, or to. */
static size_t
find(const redisReply *f, const char *key, size_t from, size_t to)
{
	size_t i;

	for (i = from; i + 1 < to; i += 2) {
		const redisReply *k = f->element[i];

		if (k->type == REDIS_REPLY_STRING && k->str[0] == key[0] && !strcmp(k->str, key) &&
		    f->element[i + 1]->type == REDIS_REPLY_STRING)
			return i;
	}
	return to;
}

const char *
entry_get_next(const struct entry *e, const char *key, size_t *len, size_t *at)
{
	size_t n, i;

	if (!e->fields)
		return NULL;
	n = e->fields->elements & ~(size_t)1;
	if (*at > n)
		*at = 0;
	i = find(e->fields, key, *at, n);
	if (i == n && *at && (i = find(e->fields, key, 0, *at)) == *at)
		return NULL;
	if (i == n)
		return NULL;
	*at = i + 2;
	*len = e->fields->element[i + 1]->len;
	return e->fields->element[i + 1]->str;
}
