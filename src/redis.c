/* redis.c - the hiredis connection; see redis.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "log.h"
#include "redis.h"

struct redis {
	const struct conf *conf;	/* not owned */
	redisContext *ctx;		/* NULL when not connected */
};

static struct timeval
ms_to_tv(unsigned ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };

	return tv;
}

struct redis *
redis_new(const struct conf *c)
{
	struct redis *r = calloc(1, sizeof *r);

	if (r)
		r->conf = c;
	return r;
}

void
redis_disconnect(struct redis *r)
{
	if (r->ctx)
		redisFree(r->ctx);
	r->ctx = NULL;
}

void
redis_free(struct redis *r)
{
	if (!r)
		return;
	redis_disconnect(r);
	free(r);
}

/* Where we connect, for messages. */
static void
where(const struct conf *c, char *buf, size_t len)
{
	if (c->redis_socket)
		snprintf(buf, len, "%s", c->redis_socket);
	else
		snprintf(buf, len, "%s:%u", c->redis_host, c->redis_port);
}

enum dp_status
redis_reply_fail(const redisReply *reply, const char *what, struct dp_error *err)
{
	if (reply && reply->type == REDIS_REPLY_ERROR)
		return dp_fail(err, DP_TEMPFAIL, "redis: %s: %.*s", what, (int)reply->len, reply->str);
	return dp_fail(err, DP_TEMPFAIL, "redis: %s: unexpected reply", what);
}

/* A command on a fresh connection that must answer OK. */
static enum dp_status
setup_command(struct redis *r, int argc, const char **argv, const char *what, struct dp_error *err)
{
	size_t lens[4];
	redisReply *reply;
	enum dp_status rc = DP_OK;
	int i;

	for (i = 0; i < argc; i++)
		lens[i] = strlen(argv[i]);
	if (!(reply = redis_command(r, argc, argv, lens, err)))
		return DP_TEMPFAIL;
	if (reply->type != REDIS_REPLY_STATUS)
		rc = redis_reply_fail(reply, what, err);
	freeReplyObject(reply);
	return rc;
}

static enum dp_status
redis_connect(struct redis *r, struct dp_error *err)
{
	const struct conf *c = r->conf;
	struct timeval ctv = ms_to_tv(c->redis_connect_timeout_ms);
	struct timeval tv = ms_to_tv(c->redis_timeout_ms);
	char addr[300];

	where(c, addr, sizeof addr);
	r->ctx = c->redis_socket ? redisConnectUnixWithTimeout(c->redis_socket, ctv)
				 : redisConnectWithTimeout(c->redis_host, (int)c->redis_port, ctv);
	if (!r->ctx)
		return dp_fail(err, DP_TEMPFAIL, "redis: out of memory");
	if (r->ctx->err) {
		dp_fail(err, DP_TEMPFAIL, "redis: cannot connect to %s: %s", addr, r->ctx->errstr);
		redis_disconnect(r);
		return DP_TEMPFAIL;
	}
	/* The connect timeout does not cover commands: without this a silent server hangs us. */
	if (redisSetTimeout(r->ctx, tv) != REDIS_OK) {
		dp_fail(err, DP_TEMPFAIL, "redis: cannot set the command timeout");
		redis_disconnect(r);
		return DP_TEMPFAIL;
	}
	if (c->redis_password) {
		const char *argv[3] = { "AUTH", c->redis_username ? c->redis_username : c->redis_password,
					c->redis_password };

		if (setup_command(r, c->redis_username ? 3 : 2, argv, "AUTH", err) != DP_OK)
			goto fail;
	}
	if (c->redis_db) {
		char db[16];
		const char *argv[2] = { "SELECT", db };

		snprintf(db, sizeof db, "%u", c->redis_db);
		if (setup_command(r, 2, argv, "SELECT", err) != DP_OK)
			goto fail;
	}
	log_debug("connected to redis at %s", addr);
	return DP_OK;
fail:
	redis_disconnect(r);
	return DP_TEMPFAIL;
}

/* Timeout or lost connection: whether the command ran is unknown. */
static void
connection_failed(struct redis *r, const char *command, struct dp_error *err)
{
	char addr[300];

	where(r->conf, addr, sizeof addr);
	dp_fail(err, DP_TEMPFAIL, "redis at %s: %s (%s)", addr,
		r->ctx->errstr[0] ? r->ctx->errstr : "no reply", command);
	redis_disconnect(r);
}

redisReply *
redis_command(struct redis *r, int argc, const char **argv, const size_t *lens, struct dp_error *err)
{
	redisReply *reply;

	if (!r->ctx && redis_connect(r, err) != DP_OK)
		return NULL;
	if (!(reply = redisCommandArgv(r->ctx, argc, argv, lens)))
		connection_failed(r, argv[0], err);
	return reply;
}

enum dp_status
redis_append(struct redis *r, int argc, const char **argv, const size_t *lens, struct dp_error *err)
{
	if (!r->ctx && redis_connect(r, err) != DP_OK)
		return DP_TEMPFAIL;
	if (redisAppendCommandArgv(r->ctx, argc, argv, lens) != REDIS_OK) {
		connection_failed(r, argv[0], err);
		return DP_TEMPFAIL;
	}
	return DP_OK;
}

redisReply *
redis_next_reply(struct redis *r, const char *command, struct dp_error *err)
{
	void *reply = NULL;

	if (!r->ctx) {
		dp_fail(err, DP_TEMPFAIL, "redis: no connection for the reply to %s", command);
		return NULL;
	}
	if (redisGetReply(r->ctx, &reply) != REDIS_OK || !reply) {
		if (reply)
			freeReplyObject(reply);
		connection_failed(r, command, err);
		return NULL;
	}
	return reply;
}
