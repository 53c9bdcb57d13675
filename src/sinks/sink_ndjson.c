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
#include "escape.h"
#include "sink.h"

#define NDJSON_FLUSH_AT (32 * 1024)

struct ndjson {
	int fd;
	const char *path;	/* for messages */
	struct buf line;
	struct buf report;	/* the report's fields, built once per batch of records */
	bool have_report;
};

/*
 * Keys are ours and need no escaping.  Each is written together with the
 * punctuation before it, as one literal: KEY("org_name") is ,"org_name":
 * and OPEN("domain") is {"domain": for an object's first member.
 */
#define KEY(k) ",\"" k "\":"
#define OPEN(k) "{\"" k "\":"
#define LIT(s) s, sizeof(s) - 1

static int
put_str(struct buf *b, const char *key, size_t keylen, const char *v)
{
	if (buf_append(b, key, keylen) < 0)
		return -1;
	if (!v)
		return buf_append(b, "null", 4);
	if (buf_putc(b, '"') < 0 || esc_json(b, v, strlen(v)) < 0)
		return -1;
	return buf_putc(b, '"');
}

static int
put_uint(struct buf *b, const char *key, size_t keylen, bool has, uint64_t v)
{
	if (buf_append(b, key, keylen) < 0)
		return -1;
	return has ? buf_putu(b, v) : buf_append(b, "null", 4);
}

static int
put_auth_list(struct buf *b, const char *key, size_t keylen, const char *selector_key, size_t selector_keylen,
	      const struct dmarc_auth *a, size_t n)
{
	size_t i;

	if (buf_append(b, key, keylen) < 0 || buf_putc(b, '[') < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if ((i && buf_putc(b, ',') < 0) ||
		    put_str(b, LIT(OPEN("domain")), a[i].domain) < 0 ||
		    put_str(b, selector_key, selector_keylen, a[i].selector) < 0 ||
		    put_str(b, LIT(KEY("result")), a[i].result) < 0 ||
		    put_str(b, LIT(KEY("human_result")), a[i].human_result) < 0 ||
		    buf_putc(b, '}') < 0)
			return -1;
	}
	return buf_putc(b, ']');
}

/* The report's fields, from "records" to "discovery_method": the same in each of its records. */
static int
format_report(struct buf *b, const struct dmarc_report *r)
{
	if (put_uint(b, LIT(KEY("records")), true, r->nrecords) < 0 ||
	    put_str(b, LIT(KEY("org_name")), r->org_name) < 0 ||
	    put_str(b, LIT(KEY("org_email")), r->org_email) < 0 ||
	    put_str(b, LIT(KEY("report_id")), r->report_id) < 0 ||
	    put_str(b, LIT(KEY("begin")), r->begin_iso) < 0 ||
	    put_str(b, LIT(KEY("end")), r->end_iso) < 0 ||
	    put_str(b, LIT(KEY("domain")), r->domain) < 0 ||
	    put_str(b, LIT(KEY("adkim")), r->adkim) < 0 ||
	    put_str(b, LIT(KEY("aspf")), r->aspf) < 0 ||
	    put_str(b, LIT(KEY("p")), r->p) < 0 ||
	    put_str(b, LIT(KEY("sp")), r->sp) < 0 ||
	    put_str(b, LIT(KEY("np")), r->np) < 0)
		return -1;
	if (put_uint(b, LIT(KEY("pct")), r->has_pct, r->pct) < 0 ||
	    put_str(b, LIT(KEY("fo")), r->fo) < 0 ||
	    put_str(b, LIT(KEY("testing")), r->testing) < 0 ||
	    put_str(b, LIT(KEY("xml_schema")), r->xml_schema) < 0 ||
	    put_str(b, LIT(KEY("generator")), r->generator) < 0 ||
	    put_str(b, LIT(KEY("discovery_method")), r->discovery_method) < 0)
		return -1;
	return 0;
}

static int
format_record(struct buf *b, const struct buf *report, const struct dmarc_report *r,
	      const struct dmarc_record *c)
{
	size_t i;

	if (buf_append(b, LIT("{\"rid\":\"")) < 0 || buf_append(b, r->rid, RID_HEX_LEN) < 0 ||
	    buf_putc(b, '"') < 0 || put_uint(b, LIT(KEY("ord")), true, c->ord) < 0 ||
	    buf_append(b, report->data, report->len) < 0 ||
	    put_str(b, LIT(KEY("source_ip")), c->source_ip) < 0)
		return -1;
	if (put_uint(b, LIT(KEY("count")), c->has_count, c->count) < 0 ||
	    put_str(b, LIT(KEY("disposition")), c->disposition) < 0 ||
	    put_str(b, LIT(KEY("policy_dkim")), c->policy_dkim) < 0 ||
	    put_str(b, LIT(KEY("policy_spf")), c->policy_spf) < 0 ||
	    buf_append(b, LIT(KEY("reasons") "[")) < 0)
		return -1;
	for (i = 0; i < c->nreasons; i++) {
		if ((i && buf_putc(b, ',') < 0) ||
		    put_str(b, LIT(OPEN("type")), c->reasons[i].type) < 0 ||
		    put_str(b, LIT(KEY("comment")), c->reasons[i].comment) < 0 ||
		    buf_putc(b, '}') < 0)
			return -1;
	}
	if (buf_putc(b, ']') < 0 ||
	    put_str(b, LIT(KEY("header_from")), c->header_from) < 0 ||
	    put_str(b, LIT(KEY("envelope_from")), c->envelope_from) < 0 ||
	    put_str(b, LIT(KEY("envelope_to")), c->envelope_to) < 0 ||
	    put_auth_list(b, LIT(KEY("dkim")), LIT(KEY("selector")), c->dkim, c->ndkim) < 0 ||
	    put_auth_list(b, LIT(KEY("spf")), LIT(KEY("scope")), c->spf, c->nspf) < 0)
		return -1;
	return buf_append(b, LIT("}\n"));
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
ndjson_record(struct sink *s, const struct dmarc_report *rep, const struct dmarc_record *rec,
	      struct dp_error *err)
{
	struct ndjson *nj = s->state;

	if (!nj->have_report) {
		buf_reset(&nj->report);
		if (format_report(&nj->report, rep) < 0)
			return dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
		nj->have_report = true;
	}
	if (format_record(&nj->line, &nj->report, rep, rec) < 0)
		return dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
	if (nj->line.len >= NDJSON_FLUSH_AT)
		return ndjson_flush(nj, err);
	return DP_OK;
}

static enum dp_status
ndjson_report_end(struct sink *s, const struct dmarc_report *rep, struct dp_error *err)
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
