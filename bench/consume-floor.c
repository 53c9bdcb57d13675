/*
 * consume-floor.c - the floor for reading a stream through consumer
 * groups: XREADGROUP and XACK of the same entries, nothing else.  No
 * consumer can do less per entry and group.
 *
 *   consume-floor SOCKET STREAM COUNT GROUP...
 *
 * For each GROUP in turn (dmarc-consume reads through one group per sink):
 * creates it at the start of STREAM, reads COUNT entries at a time and
 * acknowledges them until the stream is drained.  Prints the entries read.
 */
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Read and acknowledge the whole stream through group; the entries read. */
static unsigned long long
drain(redisContext *c, const char *stream, const char *count, const char *group)
{
	unsigned long long total = 0;
	redisReply *r;

	freeReplyObject(redisCommand(c, "XGROUP CREATE %s %s 0", stream, group));
	for (;;) {
		const redisReply *list;
		const char **av;
		size_t *lens, n, i;

		r = redisCommand(c, "XREADGROUP GROUP %s floor COUNT %s STREAMS %s >", group, count, stream);
		if (!r || r->type != REDIS_REPLY_ARRAY || r->elements == 0)
			break;
		list = r->element[0]->element[1];
		n = list->elements;
		av = malloc((n + 3) * sizeof *av);
		lens = malloc((n + 3) * sizeof *lens);
		if (!av || !lens)
			abort();
		av[0] = "XACK", av[1] = stream, av[2] = group;
		for (i = 0; i < n; i++)
			av[3 + i] = list->element[i]->element[0]->str;
		for (i = 0; i < n + 3; i++)
			lens[i] = strlen(av[i]);
		freeReplyObject(redisCommandArgv(c, (int)(n + 3), av, lens));
		total += n;
		free(av);
		free(lens);
		freeReplyObject(r);
	}
	if (r)
		freeReplyObject(r);
	return total;
}

int
main(int argc, char **argv)
{
	redisContext *c;
	unsigned long long total = 0;
	int g;

	if (argc < 5) {
		fprintf(stderr, "usage: consume-floor SOCKET STREAM COUNT GROUP...\n");
		return 2;
	}
	if (!(c = redisConnectUnix(argv[1])) || c->err) {
		fprintf(stderr, "consume-floor: cannot connect to %s\n", argv[1]);
		return 1;
	}
	for (g = 4; g < argc; g++)
		total += drain(c, argv[2], argv[3], argv[g]);
	printf("%llu\n", total);
	redisFree(c);
	return 0;
}
