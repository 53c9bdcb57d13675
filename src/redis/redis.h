/*
 * redis.h - one hiredis connection, made when first needed: to
 * redis_socket, to redis_host (every address it resolves to), or to the
 * master the sentinels of redis_sentinels name (sentinel.h), asked again
 * on every reconnect.
 *
 * Every command runs under redis_timeout_ms.  After any I/O error or
 * timeout the outcome of the command is unknown: the connection is
 * dropped and the caller must tempfail, so that the MTA redelivers and the
 * idempotent writes finish the job.
 */
#ifndef DP_REDIS_H
#define DP_REDIS_H

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "status.h"

struct redis;

/* A handle for the server c names (c must outlive it); no connection yet.  NULL on ENOMEM. */
struct redis *redis_new(const struct conf *c);
void redis_free(struct redis *r);

/*
 * Failures become tempfails whose reason says where and what, in words
 * for the operator's log and the MTA's "4.3.0" line: "redis at SOCKET:
 * timed out after 300 ms (storing a chunk)".  "what" is a fixed phrase
 * naming the step; a command's arguments (record content) never appear.
 * The client's own out of memory is DP_REASON_OOM, blaming no server.
 */

/*
 * Send one command (binary-safe arguments) and return its reply, which the
 * caller frees with freeReplyObject().  On a connection problem returns
 * NULL with a tempfail in err.  Error replies are returned as replies.
 */
redisReply *redis_command(struct redis *r, int argc, const char **argv, const size_t *lens,
			  const char *what, struct dp_error *err);

/* The same with NUL-terminated arguments (at most 16). */
redisReply *redis_commandv(struct redis *r, int argc, const char **argv, const char *what, struct dp_error *err);

/* In a reply that is a flat [name, value, ...] array (XINFO), the value of name; NULL when absent. */
const redisReply *redis_reply_field(const redisReply *reply, const char *name);

/*
 * Pipelining: queue commands already in RESP (resp[0..len), copied) and
 * send all that is queued without waiting, then collect replies in order.
 * Failures are as for redis_command(); after one, the queued commands'
 * outcomes are unknown and the connection is gone.
 */
redisReply *redis_next_reply(struct redis *r, const char *what, struct dp_error *err);
enum dp_status redis_append_resp(struct redis *r, const char *resp, size_t len, const char *what,
				 struct dp_error *err);
enum dp_status redis_flush(struct redis *r, const char *what, struct dp_error *err);

/* Turn an error reply (or an unexpected one) into a tempfail; returns DP_TEMPFAIL. */
enum dp_status redis_reply_fail(struct redis *r, const redisReply *reply, const char *what,
				struct dp_error *err);

/*
 * With redis_min_replicas set: WAIT until that many replicas have
 * acknowledged this connection's writes so far, else a tempfail saying
 * how many did.  The replication stream is ordered, so this covers every
 * write the master applied before ours too.  DP_OK at once without
 * redis_min_replicas.
 */
enum dp_status redis_wait_replicas(struct redis *r, const char *what, struct dp_error *err);

/*
 * Redis Cluster.  redis_command() follows MOVED, ASK and TRYAGAIN itself,
 * except inside MULTI, where the transaction must fail whole.  A caller
 * of the pipeline whose work failed on such a reply (seen by
 * redis_reply_fail()) asks here whether to start its work again:
 * attempt counts from 0.  True when it may: the connection is dropped
 * and the next command goes where the reply pointed (after a short pause
 * for TRYAGAIN); false when the failure was no redirection or attempts
 * are used up.
 */
bool redis_follow_redirect(struct redis *r, unsigned attempt);

/*
 * Which connection is open: a number that changes with every new one, 0
 * when none is.  State a server keeps per connection (WATCH) holds while
 * it stays the same.
 */
uint64_t redis_connection(const struct redis *r);

/* Drop the connection (the next command reconnects). */
void redis_disconnect(struct redis *r);

#endif
