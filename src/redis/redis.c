/* redis.c - the hiredis connection; see redis.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dial.h"
#include "log.h"
#include "redis.h"
#include "sentinel.h"

struct redis {
	const struct conf *conf;	/* not owned */
	redisContext *ctx;		/* NULL when not connected */
	char addr[300];			/* the server, for messages: where we are or were last connected */
};

struct redis *
redis_new(const struct conf *c)
{
	struct redis *r = calloc(1, sizeof *r);

	if (!r)
		return NULL;
	r->conf = c;
	/* Until a connection says more: the socket, the host, or the master's name. */
	if (c->redis_socket)
		snprintf(r->addr, sizeof r->addr, "%s", c->redis_socket);
	else if (c->redis_host)
		dial_addr(r->addr, sizeof r->addr, c->redis_host, c->redis_port);
	else
		snprintf(r->addr, sizeof r->addr, "master \"%s\"", c->redis_master_name ? c->redis_master_name : "");
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

/*
 * Server errors in words: Redis says "NOAUTH" to a small command and
 * "Protocol error: unauthenticated multibulk length" to a large one when
 * it wants a password nobody configured.
 */
/*
 * A server that turned replica (a failover), or is loading or cut off from
 * its master, will not take our writes: drop the connection so that the
 * next one finds the master anew.  Pipelines drop theirs on any failure.
 */
static bool
not_the_master(const char *error)
{
	return !strncmp(error, "READONLY", 8) || !strncmp(error, "LOADING", 7) || !strncmp(error, "MASTERDOWN", 10);
}

enum dp_status
redis_reply_fail(struct redis *r, const redisReply *reply, const char *what, struct dp_error *err)
{
	if (!reply || reply->type != REDIS_REPLY_ERROR)
		return dp_fail(err, DP_TEMPFAIL, "redis at %s: unexpected reply (%s)", r->addr, what);
	if (!strncmp(reply->str, "NOAUTH", 6) || strstr(reply->str, "unauthenticated"))
		return dp_fail(err, DP_TEMPFAIL, "redis at %s: NOAUTH: password required%s (%s)", r->addr,
			       r->conf->redis_password ? "" : ", and redis_password is not set", what);
	return dp_fail(err, DP_TEMPFAIL, "redis at %s: %.*s (%s)", r->addr, (int)reply->len, reply->str, what);
}

/*
 * The connection failed during a command: whether it ran is unknown, so
 * the connection is dropped.  saved_errno is errno right after the call.
 */
static void
connection_failed(struct redis *r, const char *what, int saved_errno, struct dp_error *err)
{
	char why[200];

	dial_failure(r->ctx, saved_errno, r->conf->redis_timeout_ms, why, sizeof why);
	if (!strcmp(why, DP_REASON_OOM))
		dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
	else
		dp_fail(err, DP_TEMPFAIL, "redis at %s: %s (%s)", r->addr, why, what);
	redis_disconnect(r);
}

static enum dp_status
redis_connect(struct redis *r, struct dp_error *err)
{
	const struct conf *c = r->conf;
	struct dial_opts o = { c->redis_username, c->redis_password, c->redis_db, c->redis_connect_timeout_ms,
			       c->redis_timeout_ms, "redis" };

	if (c->redis_socket)
		r->ctx = dial_unix(c->redis_socket, &o, err);
	else if (c->redis_host)
		r->ctx = dial_tcp(c->redis_host, c->redis_port, &o, err);
	else
		r->ctx = sentinel_connect(c, &o, r->addr, sizeof r->addr, err);
	if (!r->ctx)
		return DP_TEMPFAIL;
	log_debug("connected to redis at %s", r->addr);
	return DP_OK;
}

redisReply *
redis_command(struct redis *r, int argc, const char **argv, const size_t *lens, const char *what,
	      struct dp_error *err)
{
	redisReply *reply;

	if (!r->ctx && redis_connect(r, err) != DP_OK)
		return NULL;
	if (!(reply = redisCommandArgv(r->ctx, argc, argv, lens)))
		connection_failed(r, what, errno, err);
	else if (reply->type == REDIS_REPLY_ERROR && not_the_master(reply->str))
		redis_disconnect(r);	/* no replies are owed: safe to drop here */
	return reply;
}

redisReply *
redis_commandv(struct redis *r, int argc, const char **argv, const char *what, struct dp_error *err)
{
	size_t lens[16];
	int i;

	if (argc > 16) {
		dp_fail(err, DP_TEMPFAIL, "redis: too many arguments (%s)", what);
		return NULL;
	}
	for (i = 0; i < argc; i++)
		lens[i] = strlen(argv[i]);
	return redis_command(r, argc, argv, lens, what, err);
}

const redisReply *
redis_reply_field(const redisReply *reply, const char *name)
{
	size_t i;

	for (i = 0; reply && reply->type == REDIS_REPLY_ARRAY && i + 1 < reply->elements; i += 2)
		if (reply->element[i]->type == REDIS_REPLY_STRING && !strcmp(reply->element[i]->str, name))
			return reply->element[i + 1];
	return NULL;
}

enum dp_status
redis_append_resp(struct redis *r, const char *resp, size_t len, const char *what, struct dp_error *err)
{
	if (!r->ctx && redis_connect(r, err) != DP_OK)
		return DP_TEMPFAIL;
	if (redisAppendFormattedCommand(r->ctx, resp, len) != REDIS_OK) {
		connection_failed(r, what, errno, err);
		return DP_TEMPFAIL;
	}
	return DP_OK;
}

enum dp_status
redis_flush(struct redis *r, const char *what, struct dp_error *err)
{
	int done = 0;

	if (!r->ctx)
		return dp_fail(err, DP_TEMPFAIL, "redis: no connection to send on (%s)", what);
	while (!done)
		if (redisBufferWrite(r->ctx, &done) != REDIS_OK) {
			connection_failed(r, what, errno, err);
			return DP_TEMPFAIL;
		}
	return DP_OK;
}

redisReply *
redis_next_reply(struct redis *r, const char *what, struct dp_error *err)
{
	void *reply = NULL;

	if (!r->ctx) {
		dp_fail(err, DP_TEMPFAIL, "redis: no connection for the reply (%s)", what);
		return NULL;
	}
	if (redisGetReply(r->ctx, &reply) != REDIS_OK || !reply) {
		int saved_errno = errno;

		if (reply)
			freeReplyObject(reply);
		connection_failed(r, what, saved_errno, err);
		return NULL;
	}
	return reply;
}

enum dp_status
redis_wait_replicas(struct redis *r, const char *what, struct dp_error *err)
{
	const struct conf *c = r->conf;
	char n[16], ms[16];
	const char *argv[] = { "WAIT", n, ms };
	redisReply *reply;
	enum dp_status rc = DP_OK;

	if (!c->redis_min_replicas)
		return DP_OK;
	snprintf(n, sizeof n, "%u", c->redis_min_replicas);
	snprintf(ms, sizeof ms, "%u", c->redis_wait_timeout_ms);
	if (!(reply = redis_commandv(r, 3, argv, what, err)))
		return DP_TEMPFAIL;
	if (reply->type != REDIS_REPLY_INTEGER)
		rc = redis_reply_fail(r, reply, what, err);
	else if (reply->integer < (long long)c->redis_min_replicas)
		rc = dp_fail(err, DP_TEMPFAIL, "redis at %s: %lld of redis_min_replicas = %u replicas acknowledged "
			     "within %u ms (%s)", r->addr, reply->integer, c->redis_min_replicas,
			     c->redis_wait_timeout_ms, what);
	freeReplyObject(reply);
	return rc;
}
