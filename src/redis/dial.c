/* dial.c - one connection made ready; see dial.h. */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "deadline.h"
#include "dial.h"

static struct timeval
ms_to_tv(unsigned ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };

	return tv;
}

void
dial_addr(char *buf, size_t len, const char *host, unsigned port)
{
	snprintf(buf, len, strchr(host, ':') ? "[%s]:%u" : "%s:%u", host, port);
}

void
dial_failure(const redisContext *ctx, int saved_errno, unsigned command_ms, char *buf, size_t len)
{
	/* hiredis reports a timeout as the EAGAIN of its read or write. */
	if (ctx->err == REDIS_ERR_OOM)
		snprintf(buf, len, "%s", DP_REASON_OOM);
	else if (ctx->err == REDIS_ERR_IO && (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK))
		snprintf(buf, len, "timed out after %u ms", command_ms);
	else if (ctx->err == REDIS_ERR_EOF ||
		 (ctx->err == REDIS_ERR_IO && (saved_errno == ECONNRESET || saved_errno == EPIPE)))
		snprintf(buf, len, "connection closed by the server");
	else
		snprintf(buf, len, "%s", ctx->errstr[0] ? ctx->errstr : "no reply");
}

redisReply *
dial_command(redisContext **ctx, const struct dial_opts *o, const char *addr, int argc, const char **argv,
	     const char *what, struct dp_error *err)
{
	size_t lens[16];
	redisReply *reply;
	char why[200];
	int i;

	if (argc > 16) {
		dp_fail(err, DP_TEMPFAIL, "%s: too many arguments (%s)", o->role, what);
		return NULL;
	}
	for (i = 0; i < argc; i++)
		lens[i] = strlen(argv[i]);
	if ((reply = redisCommandArgv(*ctx, argc, argv, lens)))
		return reply;
	dial_failure(*ctx, errno, o->command_ms, why, sizeof why);
	if (!strcmp(why, DP_REASON_OOM))
		dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
	else
		dp_fail(err, DP_TEMPFAIL, "%s at %s: %s (%s)", o->role, addr, why, what);
	redisFree(*ctx);
	*ctx = NULL;
	return NULL;
}

/* A command of the handshake, which must answer +OK. */
static int
handshake(redisContext **ctx, const struct dial_opts *o, const char *addr, int argc, const char **argv,
	  struct dp_error *err)
{
	redisReply *reply = dial_command(ctx, o, addr, argc, argv, argv[0], err);
	int rc = 0;

	if (!reply)
		return -1;
	if (reply->type != REDIS_REPLY_STATUS) {
		if (reply->type == REDIS_REPLY_ERROR)
			dp_fail(err, DP_TEMPFAIL, "%s at %s: %s (%s)", o->role, addr, reply->str, argv[0]);
		else
			dp_fail(err, DP_TEMPFAIL, "%s at %s: unexpected reply (%s)", o->role, addr, argv[0]);
		rc = -1;
	}
	freeReplyObject(reply);
	return rc;
}

/* Timeout, keepalive, AUTH, SELECT on a fresh connection; NULL (ctx freed) on failure. */
static redisContext *
make_ready(redisContext *ctx, bool tcp, const struct dial_opts *o, const char *addr, struct dp_error *err)
{
	if (redisSetTimeout(ctx, ms_to_tv(o->command_ms)) != REDIS_OK ||
	    (tcp && redisEnableKeepAlive(ctx) != REDIS_OK)) {
		dp_fail(err, DP_TEMPFAIL, "%s at %s: cannot set socket options: %s", o->role, addr, ctx->errstr);
		redisFree(ctx);
		return NULL;
	}
	if (o->password) {
		const char *argv[3] = { "AUTH", o->username ? o->username : o->password, o->password };

		if (handshake(&ctx, o, addr, o->username ? 3 : 2, argv, err) < 0)
			goto fail;
	}
	if (o->db) {
		char db[16];
		const char *argv[2] = { "SELECT", db };

		snprintf(db, sizeof db, "%u", o->db);
		if (handshake(&ctx, o, addr, 2, argv, err) < 0)
			goto fail;
	}
	return ctx;
fail:
	if (ctx)
		redisFree(ctx);
	return NULL;
}

redisContext *
dial_unix(const char *path, const struct dial_opts *o, struct dp_error *err)
{
	redisContext *ctx = redisConnectUnixWithTimeout(path, ms_to_tv(o->connect_ms));

	if (!ctx || ctx->err == REDIS_ERR_OOM) {
		dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
		if (ctx)
			redisFree(ctx);
		return NULL;
	}
	if (ctx->err) {
		dp_fail(err, DP_TEMPFAIL, "%s at %s: cannot connect: %s", o->role, path, ctx->errstr);
		redisFree(ctx);
		return NULL;
	}
	return make_ready(ctx, false, o, path, err);
}

redisContext *
dial_tcp(const char *host, unsigned port, const struct dial_opts *o, struct dp_error *err)
{
	struct addrinfo hints = { 0 }, *res, *ai;
	char addr[300], service[8], last[300] = "", lastaddr[NI_MAXHOST] = "", numeric[NI_MAXHOST];
	unsigned tried = 0;
	int rc;

	dial_addr(addr, sizeof addr, host, port);
	snprintf(service, sizeof service, "%u", port);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, service, &hints, &res))) {
		dp_fail(err, DP_TEMPFAIL, "%s at %s: cannot resolve: %s", o->role, addr,
			rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return NULL;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		unsigned left = deadline_remaining_ms(), ms = o->connect_ms < left ? o->connect_ms : left;
		redisContext *ctx;

		if (ms == 0) {
			snprintf(last, sizeof last, "no time left within max_message_seconds");
			break;
		}
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, numeric, sizeof numeric, NULL, 0, NI_NUMERICHOST))
			continue;
		tried++;
		ctx = redisConnectWithTimeout(numeric, (int)port, ms_to_tv(ms));
		if (!ctx || ctx->err == REDIS_ERR_OOM) {
			if (ctx)
				redisFree(ctx);
			freeaddrinfo(res);
			dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
			return NULL;
		}
		if (!ctx->err) {
			freeaddrinfo(res);
			return make_ready(ctx, true, o, addr, err);
		}
		snprintf(last, sizeof last, "%s", ctx->errstr);
		snprintf(lastaddr, sizeof lastaddr, "%s", numeric);
		redisFree(ctx);
	}
	freeaddrinfo(res);
	if (tried > 1)
		dp_fail(err, DP_TEMPFAIL, "%s at %s: cannot connect to any of its %u addresses (last: %s: %s)", o->role,
			addr, tried, lastaddr, last);
	else
		dp_fail(err, DP_TEMPFAIL, "%s at %s: cannot connect: %s", o->role, addr, last[0] ? last : "no address");
	return NULL;
}
