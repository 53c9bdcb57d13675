/* script.c - running Lua scripts by SHA1; see script.h. */
#include "config.h"

#include <string.h>

#include "script.h"

static enum dp_status
load(struct redis *r, struct script *sc, const char *what, struct dp_error *err)
{
	const char *argv[] = { "SCRIPT", "LOAD", sc->text };
	redisReply *reply = redis_commandv(r, 3, argv, what, err);
	enum dp_status rc = DP_OK;

	if (!reply)
		return DP_TEMPFAIL;
	if (reply->type == REDIS_REPLY_STRING && reply->len == 40)
		memcpy(sc->sha, reply->str, 41);
	else
		rc = redis_reply_fail(r, reply, what, err);
	freeReplyObject(reply);
	return rc;
}

redisReply *
script_run(struct redis *r, struct script *sc, int argc, const char **argv, size_t *lens, const char *what,
	   struct dp_error *err)
{
	int attempt;

	for (attempt = 0; attempt < 2; attempt++) {
		redisReply *reply;

		if (!sc->sha[0] && load(r, sc, what, err) != DP_OK)
			return NULL;
		argv[0] = "EVALSHA", lens[0] = 7;
		argv[1] = sc->sha, lens[1] = 40;
		if (!(reply = redis_command(r, argc, argv, lens, what, err)))
			return NULL;
		if (reply->type != REDIS_REPLY_ERROR || strncmp(reply->str, "NOSCRIPT", 8))
			return reply;
		sc->sha[0] = '\0';	/* a restarted or failed-over server: load it again */
		freeReplyObject(reply);
	}
	dp_fail(err, DP_TEMPFAIL, "redis: %s: the script was lost twice in a row", what);
	return NULL;
}
