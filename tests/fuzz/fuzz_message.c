/*
 * Fuzz target: one whole message through the pipeline (MIME, archives,
 * XML, records) into an in-memory sink that formats every record as
 * NDJSON and as a syslog line.
 */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "escape.h"
#include "log.h"
#include "message.h"
#include "testlib.h"

struct memsink {
	struct buf line, scratch;
};

static int
check_pair(void *arg, const char *key, const char *value, size_t len, bool number)
{
	struct buf *line = arg;

	(void)number;
	if (buf_printf(line, " %s=\"", key) < 0 || esc_syslog(line, value, len, 256) < 0)
		return -1;
	return buf_putc(line, '"');
}

static enum dp_status
mem_record(struct sink *s, const struct kind_report *rep, size_t ord, const void *rec, struct dp_error *err)
{
	struct memsink *m = s->state;
	const unsigned char *p;

	(void)err;
	buf_reset(&m->line);
	if (record_flatten(rep, ord, rec, &m->scratch, check_pair, &m->line) != 0)
		abort();
	for (p = (const unsigned char *)m->line.data; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			abort();	/* a raw control byte would forge syslog lines */
	return DP_OK;
}

static const struct sink_ops mem_ops = { "memory", mem_record, NULL, NULL };

static struct conf conf;
static struct memsink memsink;
static struct sink sink = { &mem_ops, &memsink };
static struct sink *sinks[2];
static struct pipeline pl;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc; (void)argv;
	conf_defaults(&conf, CONF_PIPE);
	/* Smaller limits keep each run fast; the code paths are the same. */
	conf.max_total_size = 32 << 20;
	conf.max_report_size = 16 << 20;
	log_open("fuzz", 0, false, false, NULL);
	kinds_init();
	mime_init();
	sinks[0] = &sink;
	memsink.line = (struct buf)BUF_INIT(0);
	memsink.scratch = (struct buf)BUF_INIT(0);
	/* NDJSON formatting too, written to /dev/null. */
	if (!(sinks[1] = sink_ndjson_new(open("/dev/null", O_WRONLY), "/dev/null")) ||
	    pipeline_init(&pl, &conf, NULL, sinks, 2) < 0)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct message_result res;
	uint8_t *copy = malloc(size ? size : 1);

	/* A private copy: GMime borrows the buffer, and overreads must show. */
	memcpy(copy, data, size);
	message_process(&pl, copy, size, &res);
	if (res.status != MSG_TEMPFAIL && res.status != MSG_OK && res.status != MSG_REJECTED &&
	    res.status != MSG_DUPLICATE)
		abort();
	free(copy);
	return 0;
}
