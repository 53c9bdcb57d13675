/* quarantine.c - saving refused messages; see quarantine.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "quarantine.h"

static int
write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Copy at most max bytes of from, up to its end, into fd. */
static int
copy_rest(int from, uint64_t max, int fd)
{
	char chunk[64 * 1024];
	ssize_t n;

	while (max > 0 && (n = read(from, chunk, max < sizeof chunk ? (size_t)max : sizeof chunk)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || write_all(fd, chunk, (size_t)n) < 0)
			return -1;
		max -= (uint64_t)n;
	}
	return 0;
}

int
quarantine_save(const char *dir, const void *data, size_t len, int rest_fd, uint64_t rest_max, char *path,
		size_t pathlen)
{
	time_t now = time(NULL);
	struct tm tm;
	char stamp[32];
	unsigned attempt;
	int fd = -1, saved;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	for (attempt = 0; attempt < 100; attempt++) {
		snprintf(path, pathlen, "%s/%s.%ld.%u.eml", dir, stamp, (long)getpid(), attempt);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0)
		return -1;
	if (write_all(fd, data, len) < 0 || (rest_fd >= 0 && copy_rest(rest_fd, rest_max, fd) < 0) || fsync(fd) < 0) {
		saved = errno;
		close(fd);
		unlink(path);
		errno = saved;
		return -1;
	}
	if (close(fd) < 0) {
		saved = errno;
		unlink(path);
		errno = saved;
		return -1;
	}
	return 0;
}
