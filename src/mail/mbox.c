/* mbox.c - splitting an mbox into its messages; see mbox.h. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "mbox.h"

#define FROM_ "From "
#define FROM_LEN 5

bool
mbox_is(const void *head, size_t n)
{
	return n >= FROM_LEN && memcmp(head, FROM_, FROM_LEN) == 0;
}

void
mbox_scan_init(struct mbox_scan *s, int fd)
{
	memset(s, 0, sizeof *s);
	s->fd = fd;
	s->last_blank = -1;
	s->at_line_start = true;
}

/* Move the unread bytes to the front and read more after them; sets eof. */
static int
refill(struct mbox_scan *s)
{
	ssize_t n;

	memmove(s->buf, s->buf + s->start, s->end - s->start);
	s->buf_off += (off_t)s->start;
	s->end -= s->start;
	s->start = 0;
	do
		n = pread(s->fd, s->buf + s->end, sizeof s->buf - s->end, s->buf_off + (off_t)s->end);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if (n == 0)
		s->eof = true;
	s->end += (size_t)n;
	return 0;
}

/* The message that started at msg_off ends at end: hand it out. */
static int
emit(struct mbox_scan *s, off_t end, off_t *off, uint64_t *len)
{
	s->in_message = false;
	*off = s->msg_off;
	*len = end > s->msg_off ? (uint64_t)(end - s->msg_off) : 0;
	return 1;
}

int
mbox_scan_next(struct mbox_scan *s, off_t *off, uint64_t *len)
{
	for (;;) {
		const char *p = s->buf + s->start, *nl;
		size_t avail = s->end - s->start;
		off_t here = s->buf_off + (off_t)s->start;

		/* A line's first bytes decide what it is: have enough of them. */
		if (avail < FROM_LEN && !s->eof) {
			if (refill(s) < 0)
				return -1;
			continue;
		}
		if (avail == 0) {
			off_t end = here;

			if (!s->in_message)
				return 0;
			/* The empty line that ends the file is the mbox's, like the one before each "From ". */
			if (s->blank && s->last_blank >= s->msg_off)
				end = s->last_blank;
			return emit(s, end, off, len);
		}
		if (s->at_line_start) {
			bool blank = p[0] == '\n' || (avail >= 2 && p[0] == '\r' && p[1] == '\n');

			if (avail >= FROM_LEN && !memcmp(p, FROM_, FROM_LEN) && (here == 0 || s->blank)) {
				s->at_line_start = false;
				s->in_from_line = true;
				s->blank = false;
				if (s->in_message)
					return emit(s, s->last_blank, off, len);
				continue;
			}
			if (blank)
				s->last_blank = here;
			s->blank = blank;
			s->at_line_start = false;
		}
		if (!(nl = memchr(p, '\n', avail))) {
			s->start = s->end;	/* the rest of a long line: nothing in it matters */
			continue;
		}
		s->start += (size_t)(nl - p) + 1;
		s->at_line_start = true;
		if (s->in_from_line) {
			s->in_from_line = false;
			s->in_message = true;
			s->msg_off = s->buf_off + (off_t)s->start;
		}
	}
}

/* Whether line[0..n) is '>'s, then "From ": a quoted "From " line. */
static bool
quoted_from(const char *line, size_t n)
{
	size_t i = 0;

	while (i < n && line[i] == '>')
		i++;
	return i > 0 && n - i >= FROM_LEN && !memcmp(line + i, FROM_, FROM_LEN);
}

/* Drop one '>' from every quoted "From " line of b, in place. */
static void
unquote(struct buf *b)
{
	char *r = b->data, *w = b->data, *end = b->data + b->len;

	while (r < end) {
		char *nl = memchr(r, '\n', (size_t)(end - r));
		size_t n = (size_t)((nl ? nl + 1 : end) - r);

		if (quoted_from(r, n)) {
			r++;
			n--;
		}
		if (w != r)
			memmove(w, r, n);
		w += n;
		r += n;
	}
	b->len = (size_t)(w - b->data);
	b->data[b->len] = '\0';
}

enum input_result
mbox_read(int fd, off_t off, uint64_t len, uint64_t max, struct buf *out)
{
	size_t want = len > max ? (size_t)max + 1 : (size_t)len, got = 0;
	char *dst;

	if (!(dst = buf_reserve(out, want)))
		return INPUT_ERROR;
	while (got < want) {
		ssize_t n = pread(fd, dst + got, want - got, off + (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return INPUT_ERROR;
		if (n == 0) {
			errno = ENODATA;
			return INPUT_ERROR;
		}
		got += (size_t)n;
	}
	out->len += got;
	out->data[out->len] = '\0';
	if (len > max)
		return INPUT_TOO_BIG;
	unquote(out);
	return INPUT_WHOLE;
}
