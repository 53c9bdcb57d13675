/* Unit tests: sniffing, streams, gzip/zlib and tar decoding (sniff.c, stream.c, inflate.c, untar.c). */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "archive.h"
#include "buf.h"
#include "inflate.h"
#include "readahead.h"
#include "sniff.h"
#include "stream.h"
#include "unit.h"

/* Compress data as gzip (windowbits 31) or zlib (15) into out. */
static void
deflate_to(struct buf *out, const char *data, size_t len, int windowbits)
{
	z_stream z = { 0 };
	char *dst;

	ck_assert_int_eq(deflateInit2(&z, 9, Z_DEFLATED, windowbits, 8, Z_DEFAULT_STRATEGY), Z_OK);
	dst = buf_reserve(out, deflateBound(&z, len) + 32);
	z.next_in = (Bytef *)data;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)dst;
	z.avail_out = (uInt)(deflateBound(&z, len) + 32);
	ck_assert_int_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
	out->len += z.total_out;
	deflateEnd(&z);
}

/* Inflate in[0..len) completely; returns the status, output in out. */
static enum dp_status
inflate_all(const struct buf *in, enum inflate_format fmt, uint64_t budget_max, struct buf *out,
	    struct dp_error *err)
{
	struct budget budget = { 0, budget_max, 0 };
	struct stream *src = stream_mem(in->data, in->len, err);
	struct stream *s = inflate_open(src, fmt, &budget);
	const uint8_t *p;
	ssize_t n;

	ck_assert_ptr_nonnull(s);
	while ((n = stream_next(s, &p)) > 0)
		buf_append(out, p, (size_t)n);
	stream_free(s);
	stream_free(src);
	return err->status;
}

static const char report[] = "<?xml version=\"1.0\"?><feedback><record/></feedback>\n";

START_TEST(sniff_kinds)
{
	uint8_t tar[512] = { 0 };

	memcpy(tar + 257, "ustar", 5);
	ck_assert_int_eq(sniff((const uint8_t *)"PK\3\4rest", 8), BLOB_ZIP);
	ck_assert_int_eq(sniff((const uint8_t *)"\x1f\x8b\x08", 3), BLOB_GZIP);
	ck_assert_int_eq(sniff((const uint8_t *)"\x78\x9c", 2), BLOB_ZLIB);
	ck_assert_int_eq(sniff((const uint8_t *)"\x78\x9d", 2), BLOB_UNKNOWN);	/* header check fails */
	ck_assert_int_eq(sniff((const uint8_t *)"\xef\xbb\xbf \r\n\t<?xml", 10), BLOB_XML);
	ck_assert_int_eq(sniff((const uint8_t *)"\xff\xfe<\0?\0", 6), BLOB_XML);
	ck_assert_int_eq(sniff(tar, sizeof tar), BLOB_TAR);
	ck_assert_int_eq(sniff((const uint8_t *)"unused", 6), BLOB_UNKNOWN);
	ck_assert_int_eq(sniff((const uint8_t *)"", 0), BLOB_UNKNOWN);
	ck_assert_int_eq(sniff((const uint8_t *)"From: a@b\n", 10), BLOB_UNKNOWN);
}
END_TEST

START_TEST(stream_peek_keeps_bytes)
{
	struct dp_error err = { 0 };
	struct stream *s = stream_mem("abcdef", 6, &err);
	const uint8_t *p;

	ck_assert_int_eq(stream_peek(s, 2, &p), 6);
	ck_assert_int_eq(memcmp(p, "abcdef", 6), 0);
	stream_skip(s, 4);
	ck_assert_int_eq(stream_next(s, &p), 2);
	ck_assert_int_eq(memcmp(p, "ef", 2), 0);
	ck_assert_int_eq(stream_next(s, &p), 0);
	stream_free(s);
}
END_TEST

/* A source of size bytes, byte i being pattern_byte(i), in uneven pieces; it fails at fail_at if set. */
struct pattern {
	uint64_t pos, size, fail_at;
	struct dp_error *err;
};

static uint8_t
pattern_byte(uint64_t i)
{
	return (uint8_t)(i * 7 + (i >> 10));
}

static ssize_t
pattern_fill(struct stream *s, uint8_t *dst, size_t room)
{
	struct pattern *pt = s->state;
	size_t n = 1 + (size_t)(pt->pos % 9973), i;

	if (pt->fail_at && pt->pos == pt->fail_at) {
		dp_fail(pt->err, DP_REFUSE, "pattern broken at %llu", (unsigned long long)pt->pos);
		return -1;
	}
	if (n > room)
		n = room;
	if (n > pt->size - pt->pos)
		n = (size_t)(pt->size - pt->pos);
	if (pt->fail_at && n > pt->fail_at - pt->pos)
		n = (size_t)(pt->fail_at - pt->pos);
	for (i = 0; i < n; i++)
		dst[i] = pattern_byte(pt->pos + i);
	pt->pos += n;
	return (ssize_t)n;
}

static const struct stream_ops pattern_ops = { "pattern", pattern_fill, NULL };

/* Read a pattern through readahead in pieces of varying size; returns the bytes read correctly. */
static uint64_t
read_ahead(struct pattern *pt, struct dp_error *err, uint64_t stop_after, ssize_t *last)
{
	struct stream *below = stream_new(&pattern_ops, pt, err);
	struct stream *s = readahead_open(below);
	uint64_t got = 0;
	const uint8_t *p;
	ssize_t n;

	ck_assert_ptr_nonnull(s);
	while (got < stop_after && (n = stream_peek(s, 1, &p)) > 0) {
		ssize_t i, take = (ssize_t)(1 + got % 5000);

		if (take > n)
			take = n;

		if ((uint64_t)take > stop_after - got)
			take = (ssize_t)(stop_after - got);
		for (i = 0; i < take && p[i] == pattern_byte(got + (uint64_t)i); i++)
			;
		ck_assert_msg(i == take, "byte %llu differs", (unsigned long long)(got + (uint64_t)i));
		stream_skip(s, (size_t)take);
		got += (uint64_t)take;
	}
	*last = got < stop_after ? n : 1;
	readahead_close(s);
	stream_free(below);
	return got;
}

START_TEST(readahead_same_bytes_and_errors)
{
	struct dp_error err = { 0 };
	struct pattern pt = { 0, 5 * 1024 * 1024 + 17, 0, &err };
	ssize_t last;

	/* Past READAHEAD_AFTER the worker reads; every byte arrives once, in order, then the end. */
	ck_assert_uint_eq(read_ahead(&pt, &err, UINT64_MAX, &last), pt.size);
	ck_assert_int_eq(last, 0);
	ck_assert_int_eq(err.status, DP_OK);

	/* A failure in the worker shows exactly where it happened in the data, reason and all. */
	pt = (struct pattern){ 0, 5 * 1024 * 1024, 3 * 1024 * 1024 + 5, &err };
	ck_assert_uint_eq(read_ahead(&pt, &err, UINT64_MAX, &last), pt.fail_at);
	ck_assert_int_eq(last, -1);
	ck_assert_int_eq(err.status, DP_REFUSE);
	ck_assert_str_eq(err.reason, "pattern broken at 3145733");

	/* Small inputs are read directly, the same way. */
	dp_error_clear(&err);
	pt = (struct pattern){ 0, 1000, 0, &err };
	ck_assert_uint_eq(read_ahead(&pt, &err, UINT64_MAX, &last), 1000);
	ck_assert_int_eq(last, 0);
}
END_TEST

START_TEST(readahead_stops_early)
{
	struct dp_error err = { 0 };
	struct pattern pt = { 0, 64 * 1024 * 1024, 0, &err };
	ssize_t last;
	unsigned k;

	/* The reader gives up while the worker is busy or waiting for room: close must stop it. */
	for (k = 0; k < 20; k++) {
		pt.pos = 0;
		ck_assert_uint_eq(read_ahead(&pt, &err, 1024 * 1024 + k * 70001, &last), 1024 * 1024 + k * 70001);
		ck_assert_uint_lt(pt.pos, pt.size);	/* the worker did not read everything */
	}
	ck_assert_int_eq(err.status, DP_OK);
}
END_TEST

START_TEST(gzip_members_and_trailing_junk)
{
	struct buf in = BUF_INIT(0), out = BUF_INIT(0);
	struct dp_error err = { 0 };
	size_t half = sizeof report / 2;

	/* Two members, then CRLF as Mimecast sends it. */
	deflate_to(&in, report, half, 31);
	deflate_to(&in, report + half, sizeof report - 1 - half, 31);
	buf_append(&in, "\r\n", 2);
	ck_assert_int_eq(inflate_all(&in, INFLATE_GZIP, 1 << 20, &out, &err), DP_OK);
	ck_assert_uint_eq(out.len, sizeof report - 1);
	ck_assert_int_eq(memcmp(out.data, report, out.len), 0);
	buf_free(&in);
	buf_free(&out);
}
END_TEST

START_TEST(gzip_in_gzip_is_one_layer_at_a_time)
{
	struct buf inner = BUF_INIT(0), outer = BUF_INIT(0), out = BUF_INIT(0);
	struct dp_error err = { 0 };

	deflate_to(&inner, report, sizeof report - 1, 31);
	deflate_to(&outer, inner.data, inner.len, 31);
	ck_assert_int_eq(inflate_all(&outer, INFLATE_GZIP, 1 << 20, &out, &err), DP_OK);
	ck_assert_uint_eq(out.len, inner.len);
	ck_assert_int_eq(sniff((const uint8_t *)out.data, out.len), BLOB_GZIP);
	buf_free(&inner);
	buf_free(&outer);
	buf_free(&out);
}
END_TEST

START_TEST(zlib_stream)
{
	struct buf in = BUF_INIT(0), out = BUF_INIT(0);
	struct dp_error err = { 0 };

	deflate_to(&in, report, sizeof report - 1, 15);
	ck_assert_int_eq(sniff((const uint8_t *)in.data, in.len), BLOB_ZLIB);
	ck_assert_int_eq(inflate_all(&in, INFLATE_ZLIB, 1 << 20, &out, &err), DP_OK);
	ck_assert_uint_eq(out.len, sizeof report - 1);
	buf_free(&in);
	buf_free(&out);
}
END_TEST

START_TEST(gzip_truncated_and_corrupt)
{
	struct buf in = BUF_INIT(0), out = BUF_INIT(0);
	struct dp_error err = { 0 };

	deflate_to(&in, report, sizeof report - 1, 31);
	in.len -= 6;	/* cut into the trailer */
	ck_assert_int_eq(inflate_all(&in, INFLATE_GZIP, 1 << 20, &out, &err), DP_REFUSE);
	ck_assert_msg(strstr(err.reason, "truncated"), "got '%s'", err.reason);
	in.len += 6;
	in.data[in.len - 6] ^= 0x55;	/* break the CRC */
	dp_error_clear(&err);
	buf_reset(&out);
	ck_assert_int_eq(inflate_all(&in, INFLATE_GZIP, 1 << 20, &out, &err), DP_REFUSE);
	ck_assert_msg(strstr(err.reason, "corrupt gzip data"), "got '%s'", err.reason);
	buf_free(&in);
	buf_free(&out);
}
END_TEST

START_TEST(gzip_bomb_hits_budget)
{
	struct buf in = BUF_INIT(0), out = BUF_INIT(0);
	struct dp_error err = { 0 };
	size_t big = 8 << 20;
	char *zeros = calloc(1, big);

	deflate_to(&in, zeros, big, 31);
	ck_assert_uint_lt(in.len, 64 * 1024);
	ck_assert_int_eq(inflate_all(&in, INFLATE_GZIP, 1 << 20, &out, &err), DP_REFUSE);
	ck_assert_msg(strstr(err.reason, "max_total_size"), "got '%s'", err.reason);
	ck_assert_uint_le(out.len, 1 << 20);
	free(zeros);
	buf_free(&in);
	buf_free(&out);
}
END_TEST

/* A ustar header for name with size bytes of type t, checksum filled in. */
static void
tar_header(struct buf *b, const char *name, size_t size, char t, int break_checksum)
{
	char h[512] = { 0 };
	unsigned sum = 0;
	size_t i;

	snprintf(h, 100, "%s", name);
	snprintf(h + 100, 8, "%07o", 0644);
	{
		char octal[24];	/* a test entry's size fits the field's 11 digits */

		snprintf(octal, sizeof octal, "%011zo", size);
		memcpy(h + 124, octal, 12);
	}
	snprintf(h + 136, 12, "%011o", 0);
	h[156] = t;
	memcpy(h + 257, "ustar\0" "00", 8);
	memset(h + 148, ' ', 8);
	for (i = 0; i < sizeof h; i++)
		sum += (unsigned char)h[i];
	snprintf(h + 148, 8, "%06o", sum + (break_checksum ? 1 : 0));
	buf_append(b, h, sizeof h);
}

static void
tar_file(struct buf *b, const char *name, const char *data, char t)
{
	size_t len = strlen(data);
	static const char pad[512];

	tar_header(b, name, len, t, 0);
	buf_append(b, data, len);
	buf_append(b, pad, (512 - len % 512) % 512);
}

struct seen {
	char names[8][64];
	char data[8][128];
	int n;
	int skipped;
};

static enum dp_status
seen_entry(void *arg, const char *name, struct stream *s)
{
	struct seen *v = arg;
	const uint8_t *p;
	ssize_t n;

	snprintf(v->names[v->n], sizeof v->names[0], "%s", name);
	while ((n = stream_next(s, &p)) > 0)
		strncat(v->data[v->n], (const char *)p, (size_t)n);
	v->n++;
	return n < 0 ? DP_REFUSE : DP_OK;
}

static void
seen_skipped(void *arg, const char *name, const char *why)
{
	(void)name; (void)why;
	((struct seen *)arg)->skipped++;
}

static enum dp_status
walk_tar(struct buf *tar, struct seen *v, unsigned max_entries, struct dp_error *err)
{
	struct budget budget = { 0, 1 << 20, 0 };
	struct archive_visitor av = { seen_entry, seen_skipped, v, max_entries, &budget };
	struct stream *s = stream_mem(tar->data, tar->len, err);
	enum dp_status rc = tar_walk(s, &av, err);

	stream_free(s);
	return rc;
}

START_TEST(tar_regular_files_only)
{
	struct buf tar = BUF_INIT(0);
	struct dp_error err = { 0 };
	struct seen v = { 0 };
	static const char end[1024];

	tar_file(&tar, "dir/", "", '5');
	tar_file(&tar, "dir/a.xml", "<a/>", '0');
	tar_file(&tar, "dir/link", "", '2');
	tar_file(&tar, "dir/b.xml", "<b/>", '\0');
	buf_append(&tar, end, sizeof end);
	ck_assert_int_eq(walk_tar(&tar, &v, 10, &err), DP_OK);
	ck_assert_int_eq(v.n, 2);
	ck_assert_str_eq(v.names[0], "dir/a.xml");
	ck_assert_str_eq(v.data[0], "<a/>");
	ck_assert_str_eq(v.names[1], "dir/b.xml");
	ck_assert_str_eq(v.data[1], "<b/>");
	buf_free(&tar);
}
END_TEST

START_TEST(tar_refusals)
{
	struct buf tar = BUF_INIT(0);
	struct dp_error err = { 0 };
	struct seen v = { 0 };

	tar_header(&tar, "x.xml", 4, '0', 1);
	buf_append(&tar, "<x/>", 4);
	ck_assert_int_eq(walk_tar(&tar, &v, 10, &err), DP_REFUSE);
	ck_assert_msg(strstr(err.reason, "checksum"), "got '%s'", err.reason);

	buf_reset(&tar);
	dp_error_clear(&err);
	memset(&v, 0, sizeof v);
	tar_header(&tar, "x.xml", 4000, '0', 0);	/* claims more than there is */
	buf_append(&tar, "<x/>", 4);
	walk_tar(&tar, &v, 10, &err);
	ck_assert_msg(strstr(err.reason, "truncated"), "got '%s'", err.reason);

	buf_reset(&tar);
	dp_error_clear(&err);
	memset(&v, 0, sizeof v);
	tar_file(&tar, "a", "1", '0');
	tar_file(&tar, "b", "2", '0');
	tar_file(&tar, "c", "3", '0');
	ck_assert_int_eq(walk_tar(&tar, &v, 2, &err), DP_REFUSE);
	ck_assert_msg(strstr(err.reason, "max_archive_entries"), "got '%s'", err.reason);
	buf_free(&tar);
}
END_TEST

UNIT_SUITE("decode", sniff_kinds, stream_peek_keeps_bytes, readahead_same_bytes_and_errors,
	   readahead_stops_early, gzip_members_and_trailing_junk,
	   gzip_in_gzip_is_one_layer_at_a_time, zlib_stream, gzip_truncated_and_corrupt,
	   gzip_bomb_hits_budget, tar_regular_files_only, tar_refusals)
