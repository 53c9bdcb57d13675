/*
 * floor.c - the start-up floor for one message into Redis: a program linked
 * against the same libraries as dmarc-pipe that only initializes them and
 * sends one PING.  Nothing per message can cost less than this.
 *
 *   floor SOCKET
 */
#include <gmime/gmime.h>
#include <hiredis/hiredis.h>
#include <libxml/parser.h>
#include <stdio.h>
#include <zip.h>
#include <zlib.h>

int
main(int argc, char **argv)
{
	redisContext *c;
	redisReply *r;
	int ok;

	if (argc != 2) {
		fprintf(stderr, "usage: floor REDIS_SOCKET\n");
		return 2;
	}
	g_mime_init();
	xmlInitParser();
	(void)zlibVersion();
	(void)zip_libzip_version();
	if (!(c = redisConnectUnix(argv[1])) || c->err)
		return 75;
	r = redisCommand(c, "PING");
	ok = r && r->type == REDIS_REPLY_STATUS;
	freeReplyObject(r);
	redisFree(c);
	return ok ? 0 : 75;
}
