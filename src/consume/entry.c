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

const char *
entry_get(const struct entry *e, const char *key, size_t *len)
{
	size_t i;

	if (!e->fields)
		return NULL;
	for (i = 0; i + 1 < e->fields->elements; i += 2) {
		const redisReply *k = e->fields->element[i], *v = e->fields->element[i + 1];

		if (k->type == REDIS_REPLY_STRING && v->type == REDIS_REPLY_STRING && !strcmp(k->str, key)) {
			*len = v->len;
			return v->str;
		}
	}
	return NULL;
}
