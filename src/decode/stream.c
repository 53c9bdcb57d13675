/* stream.c - buffered pull streams; see stream.h. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "stream.h"

struct stream *
stream_mem(const void *data, size_t len, struct dp_error *err)
{
	static const uint8_t empty[1];
	struct stream *s = calloc(1, sizeof *s);

	if (!s)
		return NULL;
	s->win = data ? data : empty;	/* no arithmetic on NULL, even + 0 */
	s->len = len;
	s->eof = true;
	s->err = err;
	return s;
}

struct stream *
stream_new(const struct stream_ops *ops, void *state, struct dp_error *err)
{
	struct stream *s = calloc(1, sizeof *s);

	if (!s)
		return NULL;
	if (!(s->own = malloc(STREAM_BUFSIZE))) {
		free(s);
		return NULL;
	}
	s->ops = ops;
	s->state = state;
	s->win = s->own;
	s->err = err;
	return s;
}

ssize_t
stream_peek(struct stream *s, size_t want, const uint8_t **p)
{
	if (want > STREAM_BUFSIZE)
		want = STREAM_BUFSIZE;
	while (s->len - s->pos < want && !s->eof) {
		ssize_t n;

		if (s->pos > 0) {	/* slide the unread bytes to the front */
			memmove(s->own, s->own + s->pos, s->len - s->pos);
			s->len -= s->pos;
			s->pos = 0;
		}
		n = s->ops->fill(s, s->own + s->len, STREAM_BUFSIZE - s->len);
		if (n < 0)
			return -1;
		if (n == 0)
			s->eof = true;
		s->len += (size_t)n;
	}
	*p = s->win + s->pos;
	return (ssize_t)(s->len - s->pos);
}

void
stream_skip(struct stream *s, size_t n)
{
	s->pos += n;
}

ssize_t
stream_next(struct stream *s, const uint8_t **p)
{
	ssize_t n = stream_peek(s, 1, p);

	if (n > 0)
		stream_skip(s, (size_t)n);
	return n;
}

int
stream_discard(struct stream *s, uint64_t n)
{
	while (n > 0) {
		const uint8_t *p;
		ssize_t got = stream_peek(s, 1, &p);

		if (got < 0)
			return -1;
		if (got == 0) {
			dp_fail(s->err, DP_REFUSE, "archive data ends early");
			return -1;
		}
		if ((uint64_t)got > n)
			got = (ssize_t)n;
		stream_skip(s, (size_t)got);
		n -= (uint64_t)got;
	}
	return 0;
}

bool
stream_mem_remaining(const struct stream *s, const uint8_t **p, size_t *len)
{
	if (s->ops)
		return false;
	*p = s->win + s->pos;
	*len = s->len - s->pos;
	return true;
}

void
stream_free(struct stream *s)
{
	if (!s)
		return;
	if (s->ops && s->ops->close)
		s->ops->close(s);
	free(s->own);
	free(s);
}
