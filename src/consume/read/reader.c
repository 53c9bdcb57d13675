/* reader.c - a sink's reader: its keys and names, and its consumer group on each stream; see reader.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "prom.h"
#include "reader_int.h"

static char *
prefixed(const struct conf *c, const char *name)
{
	size_t len = strlen(c->key_prefix) + strlen(name) + 4;
	char *s = malloc(len);

	if (s)
		snprintf(s, len, "{%s}:%s", c->key_prefix, name);
	return s;
}

static char *
consumed_label(const char *stream, const char *group)
{
	struct buf b = { 0 };

	/* With its NUL the buffer is the string. */
	if (prom_label(&b, "stream", stream, strlen(stream), 0) < 0 ||
	    prom_label(&b, "group", group, strlen(group), 1) < 0 || buf_putc(&b, '\0') < 0) {
		buf_free(&b);
		return NULL;
	}
	return b.data;
}

struct reader *
reader_new(struct redis *r, const struct conf *c, const char *sink, const char *consumer)
{
	struct reader *rd = calloc(1, sizeof *rd);
	size_t i, len;

	if (!rd)
		return NULL;
	rd->redis = r;
	rd->conf = c;
	rd->consumer = consumer;
	rd->recover = true;
	len = strlen(c->consume_group) + strlen(sink) + 2;
	if (!(rd->group = malloc(len)))
		goto fail;
	snprintf(rd->group, len, "%s:%s", c->consume_group, sink);
	if (!(rd->parked = prefixed(c, "parked")) || !(rd->consumed = prefixed(c, "consumed")) ||
	    !(rd->invalid = prefixed(c, "invalid")))
		goto fail;
	rd->ack.text = reader_ack_script;
	rd->park.text = reader_park_script;
	for (i = 0; i < KIND_COUNT; i++)
		if (!(rd->keys[i] = prefixed(c, kind_schemas[i]->stream)) ||
		    !(rd->consumed_field[i] = consumed_label(kind_schemas[i]->stream, rd->group)) ||
		    screen_init(&rd->screens[i], kind_schemas[i]) < 0)
			goto fail;
	return rd;
fail:
	reader_free(rd);
	return NULL;
}

void
reader_free(struct reader *rd)
{
	size_t i;

	if (!rd)
		return;
	for (i = 0; i < KIND_COUNT; i++) {
		free(rd->keys[i]);
		free(rd->consumed_field[i]);
	}
	free(rd->group);
	free(rd->parked);
	free(rd->consumed);
	free(rd->invalid);
	free(rd);
}

struct redis *
reader_redis(const struct reader *rd)
{
	return rd->redis;
}

const char *
reader_group(const struct reader *rd)
{
	return rd->group;
}

void
reader_recover(struct reader *rd)
{
	rd->recover = true;
}

enum dp_status
reader_ensure_groups(struct reader *rd, struct dp_error *err)
{
	size_t i;

	for (i = 0; i < KIND_COUNT; i++) {
		const char *argv[] = { "XGROUP", "CREATE", rd->keys[i], rd->group, "0" };
		redisReply *reply;

		if (rd->grouped[i])
			continue;
		if (!(reply = redis_commandv(rd->redis, 5, argv, "creating a consumer group", err)))
			return DP_TEMPFAIL;
		if (reply->type == REDIS_REPLY_STATUS ||
		    (reply->type == REDIS_REPLY_ERROR && !strncmp(reply->str, "BUSYGROUP", 9))) {
			if (reply->type == REDIS_REPLY_STATUS)
				log_info("event=group stream=%s group=%s created", rd->keys[i], rd->group);
			rd->grouped[i] = true;
		} else if (!(reply->type == REDIS_REPLY_ERROR && strstr(reply->str, "requires the key to exist"))) {
			enum dp_status rc = redis_reply_fail(rd->redis, reply, "creating a consumer group", err);

			freeReplyObject(reply);
			return rc;
		}
		/* No stream yet: nothing was ever stored of that kind; try again next time. */
		freeReplyObject(reply);
	}
	return DP_OK;
}

void
reader_forget_groups(struct reader *rd)
{
	memset(rd->grouped, 0, sizeof rd->grouped);
}
