/* inflate.c - gzip (multi-member) and zlib decoding streams; see inflate.h. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "inflate.h"
#include "log.h"

struct inflate_state {
	z_stream z;
	struct stream *src;		/* borrowed */
	enum inflate_format fmt;
	struct budget *budget;		/* not owned */
	bool done;
	unsigned members;
};

static const char *
format_name(enum inflate_format fmt)
{
	return fmt == INFLATE_GZIP ? "gzip" : "zlib";
}

/* After the end of a gzip member: is another one next? */
static int
next_member(struct inflate_state *st)
{
	const uint8_t *p;
	ssize_t n = stream_peek(st->src, 2, &p);

	if (n < 0)
		return -1;
	if (st->fmt == INFLATE_GZIP && n >= 2 && p[0] == 0x1f && p[1] == 0x8b) {
		inflateReset(&st->z);
		st->members++;
		return 0;
	}
	if (n > 0)
		log_debug("ignoring %zd%s bytes after the %s data", n, st->src->eof ? "" : "+",
			  format_name(st->fmt));
	st->done = true;
	return 0;
}

static ssize_t
inflate_fill(struct stream *s, uint8_t *dst, size_t room)
{
	struct inflate_state *st = s->state;
	z_stream *z = &st->z;

	z->next_out = dst;
	z->avail_out = (uInt)room;
	while (!st->done && z->avail_out == room) {
		const uint8_t *in;
		ssize_t n = stream_peek(st->src, 1, &in);
		int rc;

		if (n < 0)
			return -1;
		if (n == 0) {
			dp_fail(s->err, DP_REFUSE, "%s data is truncated", format_name(st->fmt));
			return -1;
		}
		if ((size_t)n > UINT32_MAX)
			n = UINT32_MAX;
		z->next_in = (Bytef *)in;
		z->avail_in = (uInt)n;
		rc = inflate(z, Z_NO_FLUSH);
		stream_skip(st->src, (size_t)n - z->avail_in);
		switch (rc) {
		case Z_OK:
			break;
		case Z_STREAM_END:
			if (next_member(st) < 0)
				return -1;
			break;
		case Z_MEM_ERROR:
			dp_fail(s->err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
			return -1;
		case Z_BUF_ERROR:	/* no progress possible: input ended mid-stream */
			if (z->avail_in == 0)
				break;
			/* fall through */
		default:
			dp_fail(s->err, DP_REFUSE, "corrupt %s data: %s", format_name(st->fmt),
				z->msg ? z->msg : "inflate failed");
			return -1;
		}
	}
	size_t produced = room - z->avail_out;
	if (produced && (budget_take(st->budget, produced, s->err) < 0 ||
			 budget_ratio(st->budget, z->total_in, z->total_out, s->err) < 0))
		return -1;
	return (ssize_t)produced;
}

static void
inflate_close(struct stream *s)
{
	struct inflate_state *st = s->state;

	inflateEnd(&st->z);
	free(st);
}

static const struct stream_ops inflate_ops = {
	.name = "inflate",
	.fill = inflate_fill,
	.close = inflate_close,
};

struct stream *
inflate_open(struct stream *src, enum inflate_format fmt, struct budget *budget)
{
	struct inflate_state *st = calloc(1, sizeof *st);
	struct stream *s;

	if (!st)
		return NULL;
	st->src = src;
	st->fmt = fmt;
	st->budget = budget;
	st->members = 1;
	/* 15 window bits; +16 accepts only a gzip header, plain 15 only zlib's. */
	if (inflateInit2(&st->z, fmt == INFLATE_GZIP ? 15 + 16 : 15) != Z_OK) {
		free(st);
		return NULL;
	}
	if (!(s = stream_new(&inflate_ops, st, src->err))) {
		inflate_close(&(struct stream){ .state = st });
		return NULL;
	}
	return s;
}
