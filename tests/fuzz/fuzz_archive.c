/* Fuzz target: zip (built with -DFUZZ_ZIP) or tar archives, every entry read to its end. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "archive.h"

struct counts {
	uint64_t bytes;
	unsigned entries;
};

static enum dp_status
read_entry(void *arg, const char *name, struct stream *s)
{
	struct counts *c = arg;
	const uint8_t *p;
	ssize_t n;

	(void)name;
	c->entries++;
	while ((n = stream_next(s, &p)) > 0)
		c->bytes += (uint64_t)n;
	return n < 0 ? DP_REFUSE : DP_OK;
}

static void
skipped(void *arg, const char *name, const char *why)
{
	(void)arg; (void)name; (void)why;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dp_error err = { 0 };
	struct budget budget = { 0, 8 << 20 };
	struct counts c = { 0, 0 };
	struct archive_visitor v = { read_entry, skipped, &c, 64, &budget };
#ifdef FUZZ_ZIP
	zip_walk(data, size, &v, &err);
#else
	struct stream *s = stream_mem(data, size, &err);

	tar_walk(s, &v, &err);
	stream_free(s);
#endif
	if (c.entries > v.max_entries || budget.used > budget.max)
		abort();
	return 0;
}
