/*
 * script.h - a Lua script run by its SHA1 (EVALSHA), loaded on first use
 * and again when the server forgot it (a restart, a failover: NOSCRIPT).
 */
#ifndef DP_SCRIPT_H
#define DP_SCRIPT_H

#include <hiredis/hiredis.h>
#include <stddef.h>

#include "redis.h"
#include "status.h"

struct script {
	const char *text;
	char sha[41];		/* "" until loaded */
};

/*
 * Run sc with argv[2..argc) (numkeys, keys, arguments); argv[0] and
 * argv[1] are filled in here (EVALSHA and the SHA1), lens[] likewise.
 * The reply (any type, an error reply too but NOSCRIPT), or NULL with
 * err set.
 */
redisReply *script_run(struct redis *r, struct script *sc, int argc, const char **argv, size_t *lens,
		       const char *what, struct dp_error *err);

#endif
