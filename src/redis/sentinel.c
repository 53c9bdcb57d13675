/* sentinel.c - the master, as the sentinels see it; see sentinel.h. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "hostport.h"
#include "log.h"
#include "sentinel.h"

/* What the sentinel at sp says the master's address is; 0, or -1 with a reason. */
static int
ask(const struct conf *c, const struct hostport *sp, struct hostport *master, struct dp_error *err)
{
	/* A sentinel answers at once or not at all: the connect timeout serves for both. */
	struct dial_opts o = { c->redis_sentinel_username, c->redis_sentinel_password, 0, c->redis_connect_timeout_ms,
			       c->redis_connect_timeout_ms, "sentinel" };
	const char *argv[] = { "SENTINEL", "get-master-addr-by-name", c->redis_master_name };
	redisContext *ctx;
	redisReply *reply;
	char addr[300];
	int rc = -1;

	dial_addr(addr, sizeof addr, sp->host, sp->port);
	if (!(ctx = dial_tcp(sp->host, sp->port, &o, err)))
		return -1;
	if (!(reply = dial_command(&ctx, &o, addr, 3, argv, "asking for the master", err)))
		return -1;
	if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 &&
	    reply->element[0]->type == REDIS_REPLY_STRING && reply->element[1]->type == REDIS_REPLY_STRING &&
	    reply->element[0]->len < sizeof master->host) {
		char *end;
		unsigned long port = strtoul(reply->element[1]->str, &end, 10);

		if (!*end && port > 0 && port <= 65535) {
			memcpy(master->host, reply->element[0]->str, reply->element[0]->len + 1);
			master->port = (unsigned)port;
			rc = 0;
		} else {
			dp_fail(err, DP_TEMPFAIL, "sentinel at %s: a master port of \"%s\"", addr, reply->element[1]->str);
		}
	} else if (reply->type == REDIS_REPLY_NIL) {
		dp_fail(err, DP_TEMPFAIL, "sentinel at %s: knows no master named \"%s\"", addr, c->redis_master_name);
	} else if (reply->type == REDIS_REPLY_ERROR) {
		dp_fail(err, DP_TEMPFAIL, "sentinel at %s: %s (asking for the master)", addr, reply->str);
	} else {
		dp_fail(err, DP_TEMPFAIL, "sentinel at %s: unexpected reply (asking for the master)", addr);
	}
	freeReplyObject(reply);
	redisFree(ctx);
	return rc;
}

/* The master's own view: ROLE's first element is "master"; 0, or -1 with a reason. */
static int
check_role(redisContext **ctx, const struct dial_opts *data, const char *addr, struct dp_error *err)
{
	const char *argv[] = { "ROLE" };
	redisReply *reply = dial_command(ctx, data, addr, 1, argv, "checking the master's role", err);
	int rc = -1;

	if (!reply)
		return -1;
	if (reply->type == REDIS_REPLY_ARRAY && reply->elements > 0 && reply->element[0]->type == REDIS_REPLY_STRING) {
		if (!strcmp(reply->element[0]->str, "master"))
			rc = 0;
		else
			dp_fail(err, DP_TEMPFAIL, "redis at %s: named master by a sentinel, but says it is a %s", addr,
				reply->element[0]->str);
	} else {
		dp_fail(err, DP_TEMPFAIL, "redis at %s: %s (checking the master's role)", addr,
			reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected reply");
	}
	freeReplyObject(reply);
	return rc;
}

redisContext *
sentinel_connect(const struct conf *c, const struct dial_opts *data, char *addr, size_t addrlen,
		 struct dp_error *err)
{
	const char *cur = c->redis_sentinels, *item;
	struct dp_error why = { DP_OK, "" };
	size_t len;
	unsigned asked = 0;

	while (hostport_next(&cur, &item, &len)) {
		struct hostport sp, master;
		char unused[1];
		redisContext *ctx;

		/* conf_check() has parsed the list already. */
		if (hostport_parse(item, len, SENTINEL_PORT, &sp, unused, sizeof unused) < 0)
			continue;
		asked++;
		dp_error_clear(&why);
		if (ask(c, &sp, &master, &why) == 0) {
			dial_addr(addr, addrlen, master.host, master.port);
			if ((ctx = dial_tcp(master.host, master.port, data, &why)) &&
			    check_role(&ctx, data, addr, &why) == 0)
				return ctx;
			if (ctx)
				redisFree(ctx);
		}
		log_debug("sentinel %.*s: %s", (int)len, item, why.reason);
	}
	dp_fail(err, DP_TEMPFAIL, "no sentinel named a usable master \"%s\" (%u asked; the last: %s)",
		c->redis_master_name, asked, asked ? why.reason : "none");
	return NULL;
}
