/*
 * dial.h - one connection to one server (a Redis node or a Sentinel),
 * made ready for commands.
 *
 * A host name's addresses are tried in turn, IPv4 and IPv6 alike (hiredis
 * gives up after the first), each within connect_ms and all within what is
 * left of the message's max_message_seconds; TCP connections get
 * keepalive.  Then the command timeout is set (hiredis applies the connect
 * timeout to connecting only) and AUTH and SELECT are sent.
 */
#ifndef DP_DIAL_H
#define DP_DIAL_H

#include <hiredis/hiredis.h>

#include "status.h"

struct dial_opts {
	const char *username;	/* NULL: the default user */
	const char *password;	/* NULL: no AUTH */
	unsigned db;		/* 0: no SELECT */
	unsigned connect_ms;	/* each address */
	unsigned command_ms;	/* each command afterwards */
	const char *role;	/* "redis" or "sentinel", for messages */
};

/* A ready context, or NULL with a tempfail naming the address. */
redisContext *dial_unix(const char *path, const struct dial_opts *o, struct dp_error *err);
redisContext *dial_tcp(const char *host, unsigned port, const struct dial_opts *o, struct dp_error *err);

/*
 * One command on a context (NUL-terminated arguments, at most 16).  A
 * connection failure frees *ctx and sets it to NULL; returns NULL with a
 * tempfail "<role> at <addr>: timed out after N ms (<what>)".  Error
 * replies are returned as replies.
 */
redisReply *dial_command(redisContext **ctx, const struct dial_opts *o, const char *addr, int argc,
			 const char **argv, const char *what, struct dp_error *err);

/* The failure of a context whose last call failed, in words; saved_errno is errno right after the call. */
void dial_failure(const redisContext *ctx, int saved_errno, unsigned command_ms, char *buf, size_t len);

/* "host:port", or "[v6]:port" when host has a colon. */
void dial_addr(char *buf, size_t len, const char *host, unsigned port);

#endif
