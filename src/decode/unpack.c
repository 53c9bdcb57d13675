/* unpack.c - sniff and unwrap nested containers; see unpack.h. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "archive.h"
#include "buf.h"
#include "inflate.h"
#include "sniff.h"
#include "unpack.h"

#define LABEL_MAX 300

struct unpack {
	const struct unpack_visitor *v;
	struct dp_error *err;
	const char *label;	/* of the archive being walked */
	unsigned depth;		/* of its entries */
};

static enum dp_status unpack_stream(const struct unpack_visitor *v, struct stream *s,
				    const char *label, unsigned depth);

/* Report what went wrong at this layer and carry on, unless it was a tempfail. */
static enum dp_status
settle(const struct unpack_visitor *v, struct stream *s, const char *label, enum unpack_problem kind)
{
	if (s->err->status == DP_TEMPFAIL)
		return DP_TEMPFAIL;
	if (s->err->status == DP_REFUSE) {
		v->problem(v->arg, label, kind, s->err->reason);
		dp_error_clear(s->err);
	}
	return DP_OK;
}

static enum dp_status
archive_entry(void *arg, const char *name, struct stream *s)
{
	struct unpack *u = arg;
	char label[LABEL_MAX];

	snprintf(label, sizeof label, "%s > %s", u->label, name);
	return unpack_stream(u->v, s, label, u->depth);
}

static void
archive_skipped(void *arg, const char *name, const char *why)
{
	struct unpack *u = arg;
	char label[LABEL_MAX];

	snprintf(label, sizeof label, "%s > %s", u->label, name);
	u->v->problem(u->v->arg, label, UP_BROKEN, why);
}

static enum dp_status
unpack_zip(const struct unpack_visitor *v, struct stream *s, const char *label, unsigned depth)
{
	struct unpack u = { v, s->err, label, depth + 1 };
	struct archive_visitor av = { archive_entry, archive_skipped, &u, v->conf->max_archive_entries,
				      v->budget };
	struct buf whole = BUF_INIT(v->conf->max_total_size);
	const uint8_t *data;
	size_t len;
	enum dp_status rc;

	/* libzip needs the whole archive; a zip inside something else is read in first. */
	if (!stream_mem_remaining(s, &data, &len)) {
		const uint8_t *p;
		ssize_t n;

		while ((n = stream_next(s, &p)) > 0) {
			if (buf_append(&whole, p, (size_t)n) < 0) {
				buf_free(&whole);
				return dp_fail(s->err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
			}
		}
		if (n < 0) {
			buf_free(&whole);
			return settle(v, s, label, UP_BROKEN);
		}
		data = (const uint8_t *)whole.data;
		len = whole.len;
	}
	rc = zip_walk(data, len, &av, s->err);
	buf_free(&whole);
	return rc == DP_TEMPFAIL ? DP_TEMPFAIL : settle(v, s, label, UP_BROKEN);
}

static enum dp_status
unpack_stream(const struct unpack_visitor *v, struct stream *s, const char *label, unsigned depth)
{
	const uint8_t *p;
	ssize_t n = stream_peek(s, SNIFF_BYTES, &p);
	enum blob_kind kind;
	enum dp_status rc;

	if (n < 0)
		return settle(v, s, label, UP_BROKEN);
	kind = sniff(p, (size_t)n);
	if (kind == BLOB_XML || kind == BLOB_JSON)
		return v->document(v->arg, s, kind, label, depth);
	if (kind == BLOB_UNKNOWN) {
		v->problem(v->arg, label, UP_NOT_REPORT, n == 0 ? "empty" : "not XML, JSON, gzip, zlib, zip or tar");
		return DP_OK;
	}
	if (depth >= v->conf->max_archive_depth) {
		dp_fail(s->err, DP_REFUSE, "archives nested deeper than max_archive_depth (%u)",
			v->conf->max_archive_depth);
		return settle(v, s, label, UP_BROKEN);
	}
	switch (kind) {
	case BLOB_GZIP:
	case BLOB_ZLIB: {
		struct stream *in = inflate_open(s, kind == BLOB_GZIP ? INFLATE_GZIP : INFLATE_ZLIB, v->budget);

		if (!in)
			return dp_fail(s->err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
		rc = unpack_stream(v, in, label, depth + 1);
		stream_free(in);
		return rc;
	}
	case BLOB_TAR: {
		struct unpack u = { v, s->err, label, depth + 1 };
		struct archive_visitor av = { archive_entry, archive_skipped, &u,
					      v->conf->max_archive_entries, v->budget };

		rc = tar_walk(s, &av, s->err);
		return rc == DP_TEMPFAIL ? DP_TEMPFAIL : settle(v, s, label, UP_BROKEN);
	}
	case BLOB_ZIP:
		return unpack_zip(v, s, label, depth);
	default:
		return DP_OK;
	}
}

enum dp_status
unpack_blob(const struct unpack_visitor *v, const uint8_t *data, size_t len, const char *label,
	    struct dp_error *err)
{
	struct stream *s = stream_mem(data, len, err);
	enum dp_status rc;

	if (!s)
		return dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
	rc = unpack_stream(v, s, label, 0);
	stream_free(s);
	return rc;
}
