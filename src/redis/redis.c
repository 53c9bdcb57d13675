/* redis.c - the hiredis connection; see redis.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "cluster.h"
#include "deadline.h"
#include "dial.h"
#include "log.h"
#include "redis.h"
#include "sentinel.h"

/* Redirections one command follows before its reply goes to the caller. */
#define MAX_REDIRECTS 5

struct redis {
	const struct conf *conf;	/* not owned */
	redisContext *ctx;		/* NULL when not connected */
	char addr[300];			/* the server, for messages: where we are or were last connected */
	bool in_multi;			/* a MULTI is open on this connection */
	uint64_t connections;		/* connections made so far: which one ctx is */
	/* Redis Cluster (cluster.h) */
	unsigned slot;			/* of {key_prefix} */
	struct hostport node;		/* where ctx is connected */
	struct hostport owner;		/* the slot's master as last learnt; port 0: ask redis_cluster */
	struct hostport ask_to;		/* port not 0: connect here next, and send ASKING */
	bool asking;			/* ctx is to an ASK target: ASKING before every command */
	struct buf marks;		/* per command awaiting its reply: 1 when an ASKING reply comes first */
	size_t marks_read;
	struct buf with_asking;		/* commands rewritten with their ASKINGs */
	enum cluster_reply redirect;	/* the last redirection a reply gave, not yet followed */
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
	else if (c->redis_cluster)
		snprintf(r->addr, sizeof r->addr, "redis_cluster");
	else
		snprintf(r->addr, sizeof r->addr, "master \"%s\"", c->redis_master_name ? c->redis_master_name : "");
	if (c->redis_cluster)
		r->slot = cluster_slot(c->key_prefix, strlen(c->key_prefix));
	return r;
}

uint64_t
redis_connection(const struct redis *r)
{
	return r->ctx ? r->connections : 0;
}

void
redis_disconnect(struct redis *r)
{
	if (r->ctx)
		redisFree(r->ctx);
	r->ctx = NULL;
	r->in_multi = false;
	r->asking = false;
	buf_reset(&r->marks);
	r->marks_read = 0;
}

void
redis_free(struct redis *r)
{
	if (!r)
		return;
	redis_disconnect(r);
	buf_free(&r->marks);
	buf_free(&r->with_asking);
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
	return !strncmp(error, "READONLY", 8) || !strncmp(error, "LOADING", 7) || !strncmp(error, "MASTERDOWN", 10) ||
	       !strncmp(error, "CLUSTERDOWN", 11);
}

/* Sleep ms, but not past the message's deadline. */
static void
pause_ms(unsigned ms)
{
	unsigned left = deadline_remaining_ms();
	struct timespec ts;

	if (ms > left)
		ms = left;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * In a cluster, what an error reply redirects us to: MOVED updates the
 * slot's owner at once; ASK and TRYAGAIN wait for redis_follow_redirect().
 */
static enum cluster_reply
note_redirect(struct redis *r, const redisReply *reply)
{
	struct hostport to;
	enum cluster_reply kind;

	if (!r->conf->redis_cluster || reply->type != REDIS_REPLY_ERROR)
		return CLUSTER_OTHER;
	kind = cluster_reply_parse(reply->str, reply->len, &to);
	if (kind != CLUSTER_MOVED && kind != CLUSTER_ASK && kind != CLUSTER_TRYAGAIN)
		return kind;
	if (!to.host[0])
		memcpy(to.host, r->node.host, sizeof to.host);
	if (kind == CLUSTER_MOVED)
		r->owner = to;
	else if (kind == CLUSTER_ASK)
		r->ask_to = to;
	r->redirect = kind;
	return kind;
}

bool
redis_follow_redirect(struct redis *r, unsigned attempt)
{
	enum cluster_reply kind = r->redirect;

	r->redirect = CLUSTER_OTHER;
	if (kind == CLUSTER_OTHER || attempt >= MAX_REDIRECTS)
		return false;
	log_debug("redis at %s: %s: trying again", r->addr,
		  kind == CLUSTER_MOVED ? "the slot moved" : kind == CLUSTER_ASK ? "the slot is migrating" : "TRYAGAIN");
	/* TRYAGAIN: a migration is moving our keys; give it 50, 100, 200 ... ms. */
	if (kind == CLUSTER_TRYAGAIN)
		pause_ms(50u << attempt);
	redis_disconnect(r);
	return true;
}

enum dp_status
redis_reply_fail(struct redis *r, const redisReply *reply, const char *what, struct dp_error *err)
{
	if (!reply || reply->type != REDIS_REPLY_ERROR)
		return dp_fail(err, DP_TEMPFAIL, "redis at %s: unexpected reply (%s)", r->addr, what);
	note_redirect(r, reply);
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

/* In a cluster: the ASK target once, else the slot's owner as last learnt, else whom the nodes name. */
static redisContext *
cluster_dial(struct redis *r, const struct dial_opts *o, struct dp_error *err)
{
	redisContext *ctx;

	if (r->ask_to.port) {
		r->node = r->ask_to;
		r->ask_to.port = 0;
		dial_addr(r->addr, sizeof r->addr, r->node.host, r->node.port);
		if ((ctx = dial_tcp(r->node.host, r->node.port, o, err))) {
			r->asking = true;
			return ctx;
		}
		log_debug("%s", err->reason);
	} else if (r->owner.port) {
		r->node = r->owner;
		dial_addr(r->addr, sizeof r->addr, r->node.host, r->node.port);
		if ((ctx = dial_tcp(r->node.host, r->node.port, o, err)))
			return ctx;
		log_debug("%s", err->reason);
	}
	dp_error_clear(err);
	r->owner.port = 0;
	if (!(ctx = cluster_connect(r->conf, o, r->slot, &r->owner, r->addr, sizeof r->addr, err)))
		return NULL;
	r->node = r->owner;
	return ctx;
}

static enum dp_status
redis_connect(struct redis *r, struct dp_error *err)
{
	const struct conf *c = r->conf;
	struct dial_opts o = { c->redis_username, c->redis_password, c->redis_db, c->redis_connect_timeout_ms,
			       c->redis_timeout_ms, "redis" };

	redis_disconnect(r);
	if (c->redis_socket)
		r->ctx = dial_unix(c->redis_socket, &o, err);
	else if (c->redis_host)
		r->ctx = dial_tcp(c->redis_host, c->redis_port, &o, err);
	else if (c->redis_cluster)
		r->ctx = cluster_dial(r, &o, err);
	else
		r->ctx = sentinel_connect(c, &o, r->addr, sizeof r->addr, err);
	if (!r->ctx)
		return DP_TEMPFAIL;
	r->connections++;
	log_debug("connected to redis at %s%s", r->addr, r->asking ? " (ASKING)" : "");
	return DP_OK;
}

static bool
is_word(const char *arg, size_t len, const char *word)
{
	return len == strlen(word) && !strncasecmp(arg, word, len);
}

/* One command sent and its reply read, through the pipeline, so that ASKING is added where needed. */
static redisReply *
command_once(struct redis *r, int argc, const char **argv, const size_t *lens, const char *what,
	     struct dp_error *err)
{
	char *cmd;
	long long len;
	enum dp_status rc;

	if ((len = redisFormatCommandArgv(&cmd, argc, argv, lens)) < 0) {
		dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
		return NULL;
	}
	rc = redis_append_resp(r, cmd, (size_t)len, what, err);
	redisFreeCommand(cmd);
	if (rc != DP_OK || redis_flush(r, what, err) != DP_OK)
		return NULL;
	return redis_next_reply(r, what, err);
}

redisReply *
redis_command(struct redis *r, int argc, const char **argv, const size_t *lens, const char *what,
	      struct dp_error *err)
{
	redisReply *reply;
	unsigned attempt;

	for (attempt = 0;; attempt++) {
		/* A redirection inside MULTI must fail the transaction, not move half of it. */
		bool was_in_multi = r->in_multi;

		if (!r->ctx && redis_connect(r, err) != DP_OK)
			return NULL;
		if (argc > 0 && is_word(argv[0], lens[0], "MULTI"))
			r->in_multi = true;
		else if (argc > 0 && (is_word(argv[0], lens[0], "EXEC") || is_word(argv[0], lens[0], "DISCARD")))
			r->in_multi = false;
		if (!(reply = command_once(r, argc, argv, lens, what, err)))
			return NULL;
		if (reply->type != REDIS_REPLY_ERROR)
			return reply;
		if (note_redirect(r, reply) == CLUSTER_OTHER || was_in_multi || !redis_follow_redirect(r, attempt)) {
			if (not_the_master(reply->str))
				redis_disconnect(r);	/* no replies are owed: safe to drop here */
			return reply;
		}
		freeReplyObject(reply);
	}
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
	r->redirect = CLUSTER_OTHER;	/* what these commands' replies say counts from here */
	if (r->asking) {
		buf_reset(&r->with_asking);
		if (cluster_add_asking(resp, len, &r->in_multi, &r->with_asking, &r->marks) < 0) {
			dp_fail(err, DP_TEMPFAIL, "%s", errno == ENOMEM ? DP_REASON_OOM : "redis: a malformed command");
			redis_disconnect(r);
			return DP_TEMPFAIL;
		}
		resp = r->with_asking.data;
		len = r->with_asking.len;
	}
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

/* The next reply as it comes, or NULL with the connection dropped. */
static redisReply *
read_reply(struct redis *r, const char *what, struct dp_error *err)
{
	void *reply = NULL;

	if (redisGetReply(r->ctx, &reply) != REDIS_OK || !reply) {
		int saved_errno = errno;

		if (reply)
			freeReplyObject(reply);
		connection_failed(r, what, saved_errno, err);
		return NULL;
	}
	return reply;
}

redisReply *
redis_next_reply(struct redis *r, const char *what, struct dp_error *err)
{
	redisReply *asking, *reply;
	char first;

	if (!r->ctx) {
		dp_fail(err, DP_TEMPFAIL, "redis: no connection for the reply (%s)", what);
		return NULL;
	}
	if (r->marks_read >= r->marks.len)
		return read_reply(r, what, err);
	first = r->marks.data[r->marks_read++];
	if (r->marks_read == r->marks.len) {
		buf_reset(&r->marks);
		r->marks_read = 0;
	}
	if (!first)
		return read_reply(r, what, err);
	/* An ASKING went first: its +OK, then the reply; a refused ASKING stands for both. */
	if (!(asking = read_reply(r, what, err)))
		return NULL;
	if (!(reply = read_reply(r, what, err))) {
		freeReplyObject(asking);
		return NULL;
	}
	if (asking->type == REDIS_REPLY_ERROR) {
		freeReplyObject(reply);
		return asking;
	}
	freeReplyObject(asking);
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
