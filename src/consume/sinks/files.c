/* files.c - what the file sinks share; see files.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "files.h"

int
mkdir_p(const char *path)
{
	char tmp[4096], *p;

	if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(tmp, 0750) < 0 && errno != EEXIST)
				return -1;
			*p = '/';
		}
	return mkdir(tmp, 0750) < 0 && errno != EEXIST ? -1 : 0;
}

void
files_day(uint64_t ms, char day[11])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(day, 11, "%Y-%m-%d", &tm);
}

int
files_batch_paths(struct batch_paths *p, const char *batch_dir, const char *stream, const char *first_id,
		  uint64_t first_ms, const char *ext, pid_t pid)
{
	char day[11];

	files_day(first_ms, day);
	if (snprintf(p->dir, sizeof p->dir, "%s/%s/dt=%s", batch_dir, stream, day) >= (int)sizeof p->dir ||
	    snprintf(p->name, sizeof p->name, "%s-%s.%s.gz", stream, first_id, ext) >= (int)sizeof p->name ||
	    snprintf(p->tmp, sizeof p->tmp, "%s/%s/.%s-%s.%ld.tmp", batch_dir, stream, stream, first_id, (long)pid) >=
		    (int)sizeof p->tmp) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int
files_write_all(int fd, const void *p, size_t len)
{
	const char *at = p;

	while (len) {
		ssize_t n = write(fd, at, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = ENOSPC;
			return -1;
		}
		at += n;
		len -= (size_t)n;
	}
	return 0;
}
