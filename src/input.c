/* input.c - bounded reading of the message; see input.h. */
#include "config.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input.h"

#define READ_CHUNK (64 * 1024)

int
input_read(int fd, uint64_t max, struct buf *out, bool *too_big)
{
	struct stat st;
	uint64_t total = 0;

	*too_big = false;
	/* A regular file tells its size: allocate once. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (uint64_t)st.st_size <= max && !buf_reserve(out, (size_t)st.st_size))
		return -1;
	for (;;) {
		char *dst;
		ssize_t n;
		size_t want = READ_CHUNK;

		if (total >= max) {
			char sink[READ_CHUNK];

			n = read(fd, sink, sizeof sink);
		} else {
			if (max - total < want)
				want = (size_t)(max - total);
			if (!(dst = buf_reserve(out, want)))
				return -1;
			n = read(fd, dst, want);
			if (n > 0)
				out->len += (size_t)n;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		if (total >= max)
			*too_big = true;
		total += (uint64_t)n;
	}
	if (out->data)
		out->data[out->len] = '\0';
	return 0;
}

void
input_drain(int fd)
{
	char sink[READ_CHUNK];
	ssize_t n;

	while ((n = read(fd, sink, sizeof sink)) > 0 || (n < 0 && errno == EINTR))
		;
}
