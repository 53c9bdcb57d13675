/* Fuzz target: gzip (first byte even) or zlib (odd) decoding of the rest. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "inflate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dp_error err = { 0 };
	struct budget budget = { 0, 8 << 20 };
	struct stream *src, *s;
	const uint8_t *p;
	ssize_t n;
	uint64_t total = 0;

	if (size < 1)
		return 0;
	src = stream_mem(data + 1, size - 1, &err);
	s = inflate_open(src, data[0] & 1 ? INFLATE_ZLIB : INFLATE_GZIP, &budget);
	while ((n = stream_next(s, &p)) > 0)
		total += (uint64_t)n;
	if (total > budget.max || (n < 0 && err.status == DP_OK))
		abort();	/* over budget, or an error without a reason */
	stream_free(s);
	stream_free(src);
	return 0;
}
