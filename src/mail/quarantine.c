/* quarantine.c - saving refused messages; see quarantine.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "quarantine.h"

/* Hex digits of the SHA-256 that name a file: 128 bits, as a report's identity. */
#define NAME_HEX 32

static int
write_all(int fd, const char *p, size_t len, GChecksum *ck)
{
	g_checksum_update(ck, (const guchar *)p, len);
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
copy_rest(int from, uint64_t max, int fd, GChecksum *ck)
{
	char chunk[64 * 1024];
	ssize_t n;

	while (max > 0 && (n = read(from, chunk, max < sizeof chunk ? (size_t)max : sizeof chunk)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || write_all(fd, chunk, (size_t)n, ck) < 0)
			return -1;
		max -= (uint64_t)n;
	}
	return 0;
}

/* Write the message into fd, synced, and name it by its hash in path. */
static int
write_named(int fd, const char *dir, const void *data, size_t len, int rest_fd, uint64_t rest_max, char *path,
	    size_t pathlen)
{
	GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);
	int rc = -1;

	if (write_all(fd, data, len, ck) == 0 && (rest_fd < 0 || copy_rest(rest_fd, rest_max, fd, ck) == 0) &&
	    fsync(fd) == 0) {
		snprintf(path, pathlen, "%s/%.*s.eml", dir, NAME_HEX, g_checksum_get_string(ck));
		rc = 0;
	}
	g_checksum_free(ck);
	return rc;
}

int
quarantine_save(const char *dir, const void *data, size_t len, int rest_fd, uint64_t rest_max, char *path,
		size_t pathlen)
{
	char tmp[4096];
	unsigned attempt;
	int fd = -1, saved;

	/* Written under a name of its own first: a file under the final name is always whole. */
	for (attempt = 0; attempt < 100; attempt++) {
		snprintf(tmp, sizeof tmp, "%s/.new.%ld.%u", dir, (long)getpid(), attempt);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0)
		return -1;
	if (write_named(fd, dir, data, len, rest_fd, rest_max, path, pathlen) < 0) {
		saved = errno;
		close(fd);
		goto fail;
	}
	/* The same content has the same name: kept again, it replaces itself. */
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		saved = errno;
		goto fail;
	}
	return 0;
fail:
	unlink(tmp);
	errno = saved;
	return -1;
}
