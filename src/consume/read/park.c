/*
 * park.c - entries set aside in {P}:parked: those delivered too often
 * (reader_park) and those that are no record (reader_screen); see
 * reader_int.h.  A parked copy holds where the entry was (stream, group,
 * id), why it was parked, and the entry's own fields.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "prom.h"
#include "reader_int.h"

/* Fields of an entry copied at most: a hostile entry may have any number. */
#define PARK_FIELDS_MAX 512
/* How long the first group's parking of an invalid entry is remembered (the others skip it). */
#define PARK_ONCE_SECONDS "604800"

/*
 * KEYS: the stream, {P}:parked, {P}:invalid, the entry's once-key.  ARGV:
 * group, id, the counter's field ("": count nothing, park every time),
 * then the parked copy's fields and values.  With a counter field only
 * the first call for the entry copies and counts it.  The entry is
 * acknowledged in any case.  Returns 1 when this call copied it.
 */
const char reader_park_script[] =
	/* A script that fails halfway keeps what it did: check the keys it writes first. */
	"local want = { [2] = 'stream', [3] = 'hash' }\n"
	"for i, w in pairs(want) do\n"
	"  local t = redis.call('TYPE', KEYS[i]).ok\n"
	"  if t ~= w and t ~= 'none' then return redis.error_reply('WRONGTYPE ' .. KEYS[i] .. ' is a ' .. t .. ', not a ' .. w) end\n"
	"end\n"
	"local first = true\n"
	"if ARGV[3] ~= '' then first = redis.call('SET', KEYS[4], '1', 'NX', 'EX', " PARK_ONCE_SECONDS ") end\n"
	"if first then\n"
	"  redis.call('XADD', KEYS[2], '*', unpack(ARGV, 4))\n"
	"  if ARGV[3] ~= '' then redis.call('HINCRBY', KEYS[3], ARGV[3], 1) end\n"
	"end\n"
	"redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])\n"
	"if first then return 1 end\n"
	"return 0\n";

/*
 * Park id of stream with its fields (NULL: none left), the parked copy
 * headed by the pairs head[0..nhead) (name, value, ...) after stream,
 * group and id; counter NULL parks every time, else once.  *copied: this
 * call copied it.
 */
static enum dp_status
park(struct reader *rd, size_t stream, const char *id, const redisReply *fields, const char *const *head,
     size_t nhead, const char *counter, bool *copied, struct dp_error *err)
{
	size_t nfields = fields ? fields->elements : 0, max, k;
	const char **argv;
	size_t *lens;
	char *once = NULL, skipped[64];
	redisReply *reply;
	int argc = 0;
	enum dp_status rc = DP_TEMPFAIL;

	if (nfields > 2 * PARK_FIELDS_MAX)
		nfields = 2 * PARK_FIELDS_MAX;
	max = 16 + nhead + nfields;
	argv = calloc(max, sizeof *argv);
	lens = calloc(max, sizeof *lens);
	if (asprintf(&once, "%s:%s:%s", rd->invalid, kind_schemas[stream]->stream, id) < 0)
		once = NULL;
	if (!argv || !lens || !once) {
		dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
		goto out;
	}
	argc = 2;	/* EVALSHA sha */
	argv[argc++] = "4";
	argv[argc++] = rd->keys[stream];
	argv[argc++] = rd->parked;
	argv[argc++] = rd->invalid;
	argv[argc++] = once;
	argv[argc++] = rd->group;
	argv[argc++] = id;
	argv[argc++] = counter ? counter : "";
	argv[argc++] = "stream";
	argv[argc++] = rd->keys[stream];
	argv[argc++] = "group";
	argv[argc++] = rd->group;
	argv[argc++] = "id";
	argv[argc++] = id;
	for (k = 0; k < nhead; k++)
		argv[argc++] = head[k];
	for (k = 2; k < (size_t)argc; k++)
		lens[k] = strlen(argv[k]);
	if (fields && fields->elements > nfields) {
		snprintf(skipped, sizeof skipped, "%zu", fields->elements / 2 - PARK_FIELDS_MAX);
		argv[argc] = "fields_not_copied", lens[argc++] = 17;
		argv[argc] = skipped, lens[argc++] = strlen(skipped);
	}
	for (k = 0; k < nfields; k++) {
		const redisReply *f = fields->element[k];

		argv[argc] = f->type == REDIS_REPLY_STRING ? f->str : "";
		lens[argc++] = f->type == REDIS_REPLY_STRING ? f->len : 0;
	}
	if (!(reply = script_run(rd->redis, &rd->park, argc, argv, lens, "parking an entry", err)))
		goto out;
	if (reply->type == REDIS_REPLY_INTEGER) {
		*copied = reply->integer == 1;
		rc = DP_OK;
	} else
		rc = redis_reply_fail(rd->redis, reply, "parking an entry", err);
	freeReplyObject(reply);
out:
	free(once);
	free(argv);
	free(lens);
	return rc;
}

enum dp_status
reader_park(struct reader *rd, size_t stream, const char *id, long long deliveries, struct dp_error *err)
{
	const char *range[] = { "XRANGE", rd->keys[stream], id, id };
	const redisReply *fields = NULL;
	redisReply *entry;
	char dl[24];
	const char *head[] = { "reason", "delivered too often", "deliveries", dl };
	bool copied = false;
	enum dp_status rc;

	snprintf(dl, sizeof dl, "%lld", deliveries);
	if (!(entry = redis_commandv(rd->redis, 4, range, "parking an entry", err)))
		return DP_TEMPFAIL;
	if (entry->type == REDIS_REPLY_ARRAY && entry->elements == 1 && entry->element[0]->type == REDIS_REPLY_ARRAY &&
	    entry->element[0]->elements == 2 && entry->element[0]->element[1]->type == REDIS_REPLY_ARRAY)
		fields = entry->element[0]->element[1];
	rc = park(rd, stream, id, fields, head, 4, NULL, &copied, err);
	freeReplyObject(entry);
	if (rc == DP_OK)
		log_err("event=parked stream=%s group=%s id=%s deliveries=%lld reason=\"delivered %lld times without "
			"being consumed; copied to %s\"", rd->keys[stream], rd->group, id, deliveries, deliveries,
			rd->parked);
	return rc;
}

/* The invalid-entries counter's field: stream="...",reason="..." (NUL-terminated in b). */
static int
invalid_label(struct buf *b, const char *stream, const char *reason)
{
	buf_reset(b);
	return prom_label(b, "stream", stream, strlen(stream), 0) < 0 ||
	       prom_label(b, "reason", reason, strlen(reason), 1) < 0 || buf_putc(b, '\0') < 0 ? -1 : 0;
}

enum dp_status
reader_screen(struct reader *rd, struct entries *es, struct dp_error *err)
{
	const struct screen *sc = &rd->screens[es->stream];
	struct buf label = { 0 };
	enum dp_status rc = DP_OK;
	size_t i, kept = 0;

	for (i = 0; i < es->n; i++) {
		char key[80], what[128];
		const char *why = screen_entry(sc, &es->v[i], key, sizeof key);
		const char *head[] = { "reason", what };
		bool copied = false;

		if (!why) {
			es->v[kept++] = es->v[i];
			continue;
		}
		snprintf(what, sizeof what, "%s%s%s", why, *key ? ": " : "", key);
		if (invalid_label(&label, kind_schemas[es->stream]->stream, why) < 0) {
			rc = dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
			break;
		}
		if ((rc = park(rd, es->stream, es->v[i].id, es->v[i].fields, head, 2, label.data, &copied, err)) != DP_OK)
			break;
		if (copied)
			log_err("event=invalid stream=%s id=%s reason=\"%s\" (not a record: parked in %s, given to no sink)",
				rd->keys[es->stream], es->v[i].id, what, rd->parked);
	}
	/* After a failure the rest stay as they were: the caller drops them all (they are read again). */
	for (; i < es->n; i++)
		es->v[kept++] = es->v[i];
	es->n = kept;
	buf_free(&label);
	return rc;
}
