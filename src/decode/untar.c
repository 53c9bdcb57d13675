/*
 * untar.c - tar archives (ustar, GNU, pax) read as a stream.
 *
 * Every header's checksum is verified; regular files are handed to the
 * visitor, everything else (directories, links, pax and GNU long-name
 * records) is skipped by its size.  Sizes in base-256 (over 8 GB) are
 * refused.  Nothing is ever written to the filesystem.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive.h"

#define TAR_BLOCK 512

struct tar_entry_state {
	struct stream *src;	/* not owned: the archive's stream */
	uint64_t left;
};

static ssize_t
tar_entry_fill(struct stream *s, uint8_t *dst, size_t room)
{
	struct tar_entry_state *st = s->state;
	const uint8_t *p;
	ssize_t n;

	if (st->left == 0)
		return 0;
	if ((n = stream_peek(st->src, 1, &p)) < 0)
		return -1;
	if (n == 0) {
		dp_fail(s->err, DP_REFUSE, "tar archive is truncated");
		return -1;
	}
	if ((size_t)n > room)
		n = (ssize_t)room;
	if ((uint64_t)n > st->left)
		n = (ssize_t)st->left;
	memcpy(dst, p, (size_t)n);
	stream_skip(st->src, (size_t)n);
	st->left -= (uint64_t)n;
	return n;
}

static const struct stream_ops tar_entry_ops = {
	.name = "tar entry",
	.fill = tar_entry_fill,
	.close = NULL,	/* state lives on tar_walk's stack */
};

/* An octal header field; -1 if it is not one (or is base-256). */
static int
tar_octal(const uint8_t *f, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;

	if (f[0] & 0x80)
		return -1;
	while (i < len && f[i] == ' ')
		i++;
	for (; i < len && f[i] >= '0' && f[i] <= '7'; i++) {
		if (v > (UINT64_MAX >> 3))
			return -1;
		v = v << 3 | (uint64_t)(f[i] - '0');
	}
	for (; i < len; i++)
		if (f[i] != ' ' && f[i] != '\0')
			return -1;
	*out = v;
	return 0;
}

static bool
tar_checksum_ok(const uint8_t *h)
{
	uint64_t want;
	unsigned long usum = 0;
	long ssum = 0;
	size_t i;

	if (tar_octal(h + 148, 8, &want) < 0)
		return false;
	for (i = 0; i < TAR_BLOCK; i++) {
		unsigned char c = (i >= 148 && i < 156) ? ' ' : h[i];
		usum += c;
		ssum += (signed char)c;	/* some old tars summed signed bytes */
	}
	return want == usum || (long)want == ssum;
}

static bool
all_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

enum dp_status
tar_walk(struct stream *src, const struct archive_visitor *v, struct dp_error *err)
{
	unsigned entries = 0;

	for (;;) {
		const uint8_t *h;
		char name[260];
		uint64_t size, left, pad;
		uint8_t type;
		ssize_t n = stream_peek(src, TAR_BLOCK, &h);

		if (n < 0)
			return err->status;
		if (n == 0)
			return DP_OK;	/* no end-of-archive blocks: tolerated */
		if (n < TAR_BLOCK)
			return dp_fail(err, DP_REFUSE, "tar archive is truncated");
		if (all_zero(h, TAR_BLOCK))
			return DP_OK;	/* end of archive */
		if (!tar_checksum_ok(h))
			return dp_fail(err, DP_REFUSE, "tar header checksum mismatch");
		if (tar_octal(h + 124, 12, &size) < 0)
			return dp_fail(err, DP_REFUSE, "tar entry size is not valid");
		if (++entries > v->max_entries)
			return dp_fail(err, DP_REFUSE, "tar archive has more than max_archive_entries (%u) entries",
				       v->max_entries);
		type = h[156];
		/* ustar splits long names into prefix "/" name. */
		if (!memcmp(h + 257, "ustar", 5) && h[345])
			snprintf(name, sizeof name, "%.155s/%.100s", (const char *)h + 345, (const char *)h);
		else
			snprintf(name, sizeof name, "%.100s", (const char *)h);
		stream_skip(src, TAR_BLOCK);
		left = size;
		pad = (TAR_BLOCK - size % TAR_BLOCK) % TAR_BLOCK;

		if (type == '0' || type == '\0' || type == '7') {
			struct tar_entry_state st = { src, size };
			struct stream *es = stream_new(&tar_entry_ops, &st, err);
			enum dp_status rc;

			if (!es)
				return dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
			rc = v->entry(v->arg, name, es);
			stream_free(es);
			if (rc == DP_TEMPFAIL)
				return DP_TEMPFAIL;
			left = st.left;	/* what the visitor did not read */
		}
		/* Skip the rest of the data and the padding to the next block. */
		if (stream_discard(src, left + pad) < 0)
			return err->status != DP_OK ? err->status : dp_fail(err, DP_REFUSE, "tar archive is truncated");
	}
}
