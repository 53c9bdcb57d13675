/*
 * sink_ndjson.c - records as JSON objects, one per line.
 *
 * Lines are built in a buffer and written whole, so that with O_APPEND
 * several dmarc-pipe processes may share one file without interleaving
 * parts of lines.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "fields.h"
#include "sink.h"

#define NDJSON_FLUSH_AT (32 * 1024)

struct ndjson {
	int fd;
	const char *path;	/* for messages */
	struct buf line;
	struct buf report;	/* the report's fields, built once per batch of records */
	bool have_report;
};

/* The leading fields of a record of r: rid and ord are written before them. */
static int
format_report(struct buf *b, const struct kind_report *r)
{
	struct fields f;

	fields_json(&f, b);
	FIELD_STR(&f, "kind", r->kind->name);
	r->kind->report_fields(r->state, &f);
	return fields_done(&f);
}

static int
format_record(struct buf *b, const struct buf *report, const struct kind_report *r, size_t ord,
	      const void *rec)
{
	struct fields f;

	if (buf_append(b, "{\"rid\":\"", 8) < 0 || buf_append(b, r->rid, RID_HEX_LEN) < 0 ||
	    buf_append(b, "\",\"ord\":", 8) < 0 || buf_putu(b, ord) < 0 ||
	    buf_append(b, report->data, report->len) < 0)
		return -1;
	fields_json(&f, b);
	r->kind->record_fields(r->state, rec, &f);
	kind_record_tail(r, &f);
	if (fields_done(&f))
		return -1;
	return buf_append(b, "}\n", 2);
}

/* One write(2) per batch of whole lines. */
static enum dp_status
ndjson_flush(struct ndjson *nj, struct dp_error *err)
{
	const char *p = nj->line.data;
	size_t left = nj->line.len;

	while (left > 0) {
		ssize_t n = write(nj->fd, p, left);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			buf_reset(&nj->line);
			return dp_fail(err, DP_TEMPFAIL, "cannot write NDJSON to %s: %s", nj->path,
				       n < 0 ? strerror(errno) : "short write");
		}
		p += n;
		left -= (size_t)n;
	}
	buf_reset(&nj->line);
	return DP_OK;
}

static enum dp_status
ndjson_record(struct sink *s, const struct kind_report *rep, size_t ord, const void *rec,
	      struct dp_error *err)
{
	struct ndjson *nj = s->state;

	if (!nj->have_report) {
		buf_reset(&nj->report);
		if (format_report(&nj->report, rep) < 0)
			return dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
		nj->have_report = true;
	}
	if (format_record(&nj->line, &nj->report, rep, ord, rec) < 0)
		return dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
	if (nj->line.len >= NDJSON_FLUSH_AT)
		return ndjson_flush(nj, err);
	return DP_OK;
}

static enum dp_status
ndjson_report_end(struct sink *s, const struct kind_report *rep, struct dp_error *err)
{
	struct ndjson *nj = s->state;

	(void)rep;
	nj->have_report = false;
	return ndjson_flush(nj, err);
}

static void
ndjson_close(struct sink *s)
{
	struct ndjson *nj = s->state;

	buf_free(&nj->line);
	buf_free(&nj->report);
	free(nj);
}

static const struct sink_ops ndjson_ops = {
	.name = "ndjson",
	.record = ndjson_record,
	.report_end = ndjson_report_end,
	.close = ndjson_close,
};

struct sink *
sink_ndjson_new(int fd, const char *path)
{
	struct sink *s = calloc(1, sizeof *s);
	struct ndjson *nj = calloc(1, sizeof *nj);

	if (!s || !nj) {
		free(s);
		free(nj);
		return NULL;
	}
	nj->fd = fd;
	nj->path = path;
	nj->line = (struct buf)BUF_INIT(0);
	nj->report = (struct buf)BUF_INIT(0);
	s->ops = &ndjson_ops;
	s->state = nj;
	return s;
}

void
sink_free(struct sink *s)
{
	if (!s)
		return;
	if (s->ops->close)
		s->ops->close(s);
	free(s);
}
