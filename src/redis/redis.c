/* redis.c - the hiredis connection; see redis.h. */
#include "config.h"

#include <errno.h>
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

/*
 * Server errors in words: Redis says "NOAUTH" to a small command and
 * "Protocol error: unauthenticated multibulk length" to a large one when
 * it wants a password nobody configured.
 */
enum dp_status
redis_reply_fail(struct redis *r, const redisReply *reply, const char *what, struct dp_error *err)
{
	char addr[300];

	where(r->conf, addr, sizeof addr);
	if (!reply || reply->type != REDIS_REPLY_ERROR)
		return dp_fail(err, DP_TEMPFAIL, "redis at %s: unexpected reply (%s)", addr, what);
	if (!strncmp(reply->str, "NOAUTH", 6) || strstr(reply->str, "unauthenticated"))
		return dp_fail(err, DP_TEMPFAIL, "redis at %s: NOAUTH: password required%s (%s)", addr,
			       r->conf->redis_password ? "" : ", and redis_password is not set", what);
	return dp_fail(err, DP_TEMPFAIL, "redis at %s: %.*s (%s)", addr, (int)reply->len, reply->str, what);
}

/*
 * The connection failed during a command: whether it ran is unknown, so
 * the connection is dropped.  saved_errno is errno right after the call:
 * hiredis reports a timeout as the EAGAIN of its read or write.
 */
static void
connection_failed(struct redis *r, const char *what, int saved_errno, struct dp_error *err)
{
	redisContext *c = r->ctx;
	char addr[300];

	where(r->conf, addr, sizeof addr);
	if (c->err == REDIS_ERR_OOM)
		dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
	else if (c->err == REDIS_ERR_IO && (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK))
		dp_fail(err, DP_TEMPFAIL, "redis at %s: timed out after %u ms (%s)", addr,
			r->conf->redis_timeout_ms, what);
	else if (c->err == REDIS_ERR_EOF ||
		 (c->err == REDIS_ERR_IO && (saved_errno == ECONNRESET || saved_errno == EPIPE)))
		dp_fail(err, DP_TEMPFAIL, "redis at %s: connection closed by the server (%s)", addr, what);
	else
		dp_fail(err, DP_TEMPFAIL, "redis at %s: %s (%s)", addr, c->errstr[0] ? c->errstr : "no reply", what);
	redis_disconnect(r);
}

/* A command on a fresh connection that must answer OK. */
static enum dp_status
setup_command(struct redis *r, int argc, const char **argv, const char *what, struct dp_error *err)
{
	redisReply *reply;
	enum dp_status rc = DP_OK;

	if (!(reply = redis_commandv(r, argc, argv, what, err)))
		return DP_TEMPFAIL;
	if (reply->type != REDIS_REPLY_STATUS)
		rc = redis_reply_fail(r, reply, what, err);
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
		return dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
	if (r->ctx->err == REDIS_ERR_OOM) {
		dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
		redis_disconnect(r);
		return DP_TEMPFAIL;
	}
	if (r->ctx->err) {
		dp_fail(err, DP_TEMPFAIL, "redis at %s: cannot connect: %s", addr, r->ctx->errstr);
		redis_disconnect(r);
		return DP_TEMPFAIL;
	}
	/* The connect timeout does not cover commands: without this a silent server hangs us. */
	if (redisSetTimeout(r->ctx, tv) != REDIS_OK) {
		dp_fail(err, DP_TEMPFAIL, "redis at %s: cannot set the command timeout", addr);
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

redisReply *
redis_command(struct redis *r, int argc, const char **argv, const size_t *lens, const char *what,
	      struct dp_error *err)
{
	redisReply *reply;

	if (!r->ctx && redis_connect(r, err) != DP_OK)
		return NULL;
	if (!(reply = redisCommandArgv(r->ctx, argc, argv, lens)))
		connection_failed(r, what, errno, err);
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
