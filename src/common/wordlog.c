/* wordlog.c - word store with a spill file; see wordlog.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wordlog.h"

void
wordlog_init(struct wordlog *w)
{
	memset(w, 0, sizeof *w);
	w->fd = -1;
	w->mem_max = WORDLOG_MEM_WORDS;
}

void
wordlog_reset(struct wordlog *w)
{
	w->len = 0;
	w->spilled = 0;
	w->win_len = 0;
	if (w->fd >= 0 && ftruncate(w->fd, 0) < 0) {
		close(w->fd);	/* start a new file at the next spill */
		w->fd = -1;
	}
}

void
wordlog_free(struct wordlog *w)
{
	size_t mem_max = w->mem_max;

	free(w->mem);
	free(w->win);
	if (w->fd >= 0)
		close(w->fd);
	wordlog_init(w);
	w->mem_max = mem_max;
}

/* An anonymous file: O_TMPFILE where the filesystem has it, else create and unlink. */
static int
spill_file(void)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
#ifdef O_TMPFILE
	if ((fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)) >= 0)
		return fd;
#endif
	if (snprintf(path, sizeof path, "%s/dmarc-pipe.XXXXXX", dir) >= (int)sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = mkstemp(path)) < 0)
		return -1;
	unlink(path);
	return fd;
}

static int
spill(struct wordlog *w)
{
	const char *p = (const char *)w->mem;
	size_t left = w->len * sizeof *w->mem;
	off_t at = (off_t)(w->spilled * sizeof *w->mem);

	if (w->fd < 0 && (w->fd = spill_file()) < 0)
		return -1;
	while (left > 0) {
		ssize_t n = pwrite(w->fd, p, left, at);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		p += n;
		left -= (size_t)n;
		at += n;
	}
	w->spilled += w->len;
	w->len = 0;
	return 0;
}

int
wordlog_append(struct wordlog *w, const uint32_t *words, size_t n)
{
	if (n > WORDLOG_RUN_MAX) {
		errno = EFBIG;
		return -1;
	}
	if (w->len + n > w->mem_max && spill(w) < 0)
		return -1;
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 4096;
		uint32_t *mem;

		while (cap < w->len + n)
			cap *= 2;
		if (!(mem = realloc(w->mem, cap * sizeof *mem)))
			return -1;
		w->mem = mem;
		w->cap = cap;
	}
	memcpy(w->mem + w->len, words, n * sizeof *words);
	w->len += n;
	return 0;
}


const uint32_t *
wordlog_get(struct wordlog *w, uint64_t off, size_t n)
{
	ssize_t got;

	if (off >= w->spilled)
		return w->mem + (off - w->spilled);
	if (off >= w->win_off && off + n <= w->win_off + w->win_len)
		return w->win + (off - w->win_off);
	if (!w->win && !(w->win = malloc(WORDLOG_RUN_MAX * 4 * sizeof *w->win)))
		return NULL;
	/* Read ahead: records are mostly read in order. */
	do
		got = pread(w->fd, w->win, WORDLOG_RUN_MAX * 4 * sizeof *w->win, (off_t)(off * sizeof *w->win));
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return NULL;
	w->win_off = off;
	w->win_len = (size_t)got / sizeof *w->win;
	if (w->win_len < n) {
		errno = EIO;
		return NULL;
	}
	return w->win;
}
