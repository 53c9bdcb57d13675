/* input.c - bounded reading of the message; see input.h. */
#include "config.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input.h"

#define READ_CHUNK (64 * 1024)
#define READ_RETRIES 3	/* after a read error other than EINTR */

enum input_result
input_read(int fd, uint64_t max, struct buf *out)
{
	struct stat st;
	uint64_t total = 0;

	/* A regular file tells its size: allocate once. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (uint64_t)st.st_size <= max && !buf_reserve(out, (size_t)st.st_size))
		return INPUT_ERROR;
	/* One byte past max tells an oversized message from one of exactly max bytes. */
	while (total <= max) {
		size_t want = max - total + 1 < READ_CHUNK ? (size_t)(max - total + 1) : READ_CHUNK;
		char *dst;
		ssize_t n;

		if (!(dst = buf_reserve(out, want)))
			return INPUT_ERROR;
		if ((n = read(fd, dst, want)) < 0) {
			if (errno == EINTR)
				continue;
			return INPUT_ERROR;
		}
		if (n == 0)
			return INPUT_WHOLE;
		out->len += (size_t)n;
		out->data[out->len] = '\0';
		total += (uint64_t)n;
	}
	return INPUT_TOO_BIG;
}

int
input_drain(int fd)
{
	char sink[READ_CHUNK];
	unsigned errors = 0;
	ssize_t n;

	while ((n = read(fd, sink, sizeof sink)) != 0) {
		if (n < 0 && errno != EINTR && ++errors > READ_RETRIES)
			return -1;
	}
	return 0;
}
