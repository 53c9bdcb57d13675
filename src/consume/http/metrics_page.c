/* metrics_page.c - the /metrics page from the counters in Redis and the streams' state; see metrics_page.h. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "metrics_page.h"
#include "prom.h"

/* A hash field made into a label set: 0, or -1 on ENOMEM. */
typedef int (*labels_fn)(struct buf *labels, const char *field, size_t len);

/*
 * {P}:refused's fields: "kind" for a broken report (as they were before
 * there were other reasons), "kind/reason" for the others.
 */
static int
refused_labels(struct buf *labels, const char *field, size_t len)
{
	const char *slash = memchr(field, '/', len);
	size_t klen = slash ? (size_t)(slash - field) : len;

	return prom_label(labels, "kind", field, klen, 0) < 0 ||
	       (slash ? prom_label(labels, "reason", slash + 1, len - klen - 1, 1)
		      : prom_label(labels, "reason", "broken", 6, 1)) < 0 ? -1 : 0;
}

/* A hash of label set (or, with labels, of what labels makes one of) -> number as samples of name. */
static enum dp_status
hash_samples(struct redis *r, const char *key, const char *name, labels_fn label, const char *help,
	     const char *type, struct buf *out, struct dp_error *err)
{
	struct buf labels = { 0 };
	const char *argv[] = { "HGETALL", key };
	redisReply *reply = redis_commandv(r, 2, argv, "serving /metrics", err);
	size_t i;
	int rc = 0;

	if (!reply)
		return DP_TEMPFAIL;
	if (reply->type == REDIS_REPLY_ERROR && !strncmp(reply->str, "WRONGTYPE", 9)) {
		/* Someone wrote another type there: the other metrics are still worth serving. */
		rc = buf_puts(out, "# ") < 0 || buf_puts(out, name) < 0 || buf_puts(out, ": left out, ") < 0 ||
		     buf_puts(out, key) < 0 || buf_puts(out, " holds no hash\n") < 0 ? -1 : 0;
		freeReplyObject(reply);
		return rc < 0 ? dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM) : DP_OK;
	}
	if (reply->type != REDIS_REPLY_ARRAY) {
		enum dp_status st = redis_reply_fail(r, reply, "serving /metrics", err);

		freeReplyObject(reply);
		return st;
	}
	rc = prom_header(out, name, help, type);
	for (i = 0; rc == 0 && i + 1 < reply->elements; i += 2) {
		const redisReply *f = reply->element[i], *v = reply->element[i + 1];

		buf_reset(&labels);
		if (label && label(&labels, f->str, f->len) < 0)
			rc = -1;
		else
			rc = prom_sample(out, name, label ? labels.data : f->str, label ? labels.len : f->len, v->str,
					 v->len);
	}
	buf_free(&labels);
	freeReplyObject(reply);
	return rc < 0 ? dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM) : DP_OK;
}

static int
number(struct buf *b, const redisReply *v)
{
	if (v && v->type == REDIS_REPLY_INTEGER)
		return buf_putu(b, v->integer < 0 ? 0 : (uint64_t)v->integer);
	if (v && v->type == REDIS_REPLY_STRING)
		return buf_append(b, v->str, v->len);
	return buf_append(b, "NaN", 3);
}

/* Per stream: its length and newest entry; per group on it: pending entries and lag. */
static enum dp_status
stream_gauges(struct redis *r, const struct conf *c, struct buf *len_s, struct buf *newest_s, struct buf *pending_s,
	      struct buf *lag_s, struct dp_error *err)
{
	size_t k, i;

	for (k = 0; kind_schemas[k]; k++) {
		const char *stream = kind_schemas[k]->stream;
		char key[300];
		const char *xs[] = { "XINFO", "STREAM", key }, *xg[] = { "XINFO", "GROUPS", key };
		redisReply *s, *g;
		const redisReply *last;
		uint64_t ms, seq;
		int rc = 0;

		snprintf(key, sizeof key, "{%s}:%s", c->key_prefix, stream);
		if (!(s = redis_commandv(r, 3, xs, "serving /metrics", err)))
			return DP_TEMPFAIL;
		if (s->type == REDIS_REPLY_ERROR) {	/* no such stream yet */
			freeReplyObject(s);
			continue;
		}
		if (!(g = redis_commandv(r, 3, xg, "serving /metrics", err))) {
			freeReplyObject(s);
			return DP_TEMPFAIL;
		}
		last = redis_reply_field(s, "last-generated-id");
		rc |= prom_label(len_s, "stream", stream, strlen(stream), 0) | buf_append(len_s, "} ", 2) |
		      number(len_s, redis_reply_field(s, "length")) | buf_putc(len_s, '\n');
		if (last && last->type == REDIS_REPLY_STRING && stream_id_parse(last->str, &ms, &seq) == 0 && ms) {
			char t[48];

			snprintf(t, sizeof t, "} %llu.%03llu\n", (unsigned long long)(ms / 1000),
				 (unsigned long long)(ms % 1000));
			rc |= prom_label(newest_s, "stream", stream, strlen(stream), 0) | buf_puts(newest_s, t);
		}
		for (i = 0; g->type == REDIS_REPLY_ARRAY && i < g->elements; i++) {
			const redisReply *name = redis_reply_field(g->element[i], "name");

			if (!name || name->type != REDIS_REPLY_STRING)
				continue;
			rc |= prom_label(pending_s, "stream", stream, strlen(stream), 0) |
			      prom_label(pending_s, "group", name->str, name->len, 1) | buf_append(pending_s, "} ", 2) |
			      number(pending_s, redis_reply_field(g->element[i], "pending")) | buf_putc(pending_s, '\n');
			rc |= prom_label(lag_s, "stream", stream, strlen(stream), 0) |
			      prom_label(lag_s, "group", name->str, name->len, 1) | buf_append(lag_s, "} ", 2) |
			      number(lag_s, redis_reply_field(g->element[i], "lag")) | buf_putc(lag_s, '\n');
		}
		freeReplyObject(s);
		freeReplyObject(g);
		if (rc)
			return dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
	}
	return DP_OK;
}

/* Samples built as "labels} value\n" lines: each line gets "name{" in front. */
static int
gauge(struct buf *out, const char *name, const char *help, const struct buf *lines)
{
	size_t at = 0;

	if (prom_header(out, name, help, "gauge") < 0)
		return -1;
	while (at < lines->len) {
		const char *nl = memchr(lines->data + at, '\n', lines->len - at);
		size_t n = (size_t)(nl - (lines->data + at)) + 1;

		if (buf_puts(out, name) < 0 || buf_putc(out, '{') < 0 || buf_append(out, lines->data + at, n) < 0)
			return -1;
		at += n;
	}
	return 0;
}

enum dp_status
metrics_render(struct redis *r, const struct conf *c, char *const *keys, struct buf *out, struct dp_error *err)
{
	struct buf len_s = { 0 }, newest_s = { 0 }, pending_s = { 0 }, lag_s = { 0 };
	char key[300];
	enum dp_status rc = DP_OK;
	size_t i;

	buf_reset(out);
	for (i = 0; i < M_COUNT && rc == DP_OK; i++)
		rc = hash_samples(r, keys[i], metric_defs[i].name, NULL, metric_defs[i].help,
				  metric_defs[i].type ? metric_defs[i].type : "counter", out, err);
	snprintf(key, sizeof key, "{%s}:refused", c->key_prefix);
	if (rc == DP_OK)
		rc = hash_samples(r, key, "dmarc_invalid_reports_total", refused_labels,
				  "Reports dmarc-pipe refused, by kind and reason: broken (or past a limit), "
				  "not_our_domain (report_domains), not_authenticated (report_auth).", "counter", out, err);
	snprintf(key, sizeof key, "{%s}:consumed", c->key_prefix);
	if (rc == DP_OK)
		rc = hash_samples(r, key, "dmarc_consume_entries_total", NULL,
				  "Stream entries consumed (acknowledged), by stream and group.", "counter", out, err);
	snprintf(key, sizeof key, "{%s}:invalid", c->key_prefix);
	if (rc == DP_OK)
		rc = hash_samples(r, key, "dmarc_consume_invalid_entries_total", NULL,
				  "Stream entries that were no record of their stream's kind: parked, given to no sink.",
				  "counter", out, err);
	if (rc == DP_OK)
		rc = stream_gauges(r, c, &len_s, &newest_s, &pending_s, &lag_s, err);
	if (rc == DP_OK &&
	    (gauge(out, "dmarc_stream_entries", "Entries in the stream.", &len_s) < 0 ||
	     gauge(out, "dmarc_stream_newest_entry_timestamp_seconds",
		   "When the stream's newest record was stored (Unix time).", &newest_s) < 0 ||
	     gauge(out, "dmarc_consume_pending_entries",
		   "Entries delivered to a group's consumers and not yet acknowledged.", &pending_s) < 0 ||
	     gauge(out, "dmarc_consume_lag_entries", "Entries not yet delivered to the group.", &lag_s) < 0 ||
	     prom_header(out, "dmarc_consume_build_info", "dmarc-consume's version.", "gauge") < 0 ||
	     buf_puts(out, "dmarc_consume_build_info{version=\"" PACKAGE_VERSION "\"} 1\n") < 0))
		rc = dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
	buf_free(&len_s);
	buf_free(&newest_s);
	buf_free(&pending_s);
	buf_free(&lag_s);
	return rc;
}

/* One sample per sink of name, its value the sink's up flag or its failures. */
static int
sink_samples(struct buf *out, const struct health *h, const char *name, const char *help, const char *type,
	     bool failures)
{
	char value[24];
	size_t i;

	if (prom_header(out, name, help, type) < 0)
		return -1;
	for (i = 0; i < h->n; i++) {
		const struct sink_health *s = &h->sinks[i];
		struct buf label = { 0 };
		int rc;

		if (failures)
			snprintf(value, sizeof value, "%lu", atomic_load(&s->failures));
		else
			snprintf(value, sizeof value, "%d", atomic_load(&s->up));
		rc = prom_label(&label, "sink", s->name, strlen(s->name), 0) < 0 ? -1
		     : prom_sample(out, name, label.data, label.len, value, strlen(value));
		buf_free(&label);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int
metrics_render_health(const struct health *h, struct buf *out)
{
	if (!h || !h->n)
		return 0;
	return sink_samples(out, h, "dmarc_consume_sink_up",
			    "1 while the sink consumes; 0 while it fails and backs off (this process).", "gauge", false) < 0 ||
	       sink_samples(out, h, "dmarc_consume_sink_failures_total",
			    "Times the sink went from consuming to failing (this process).", "counter", true) < 0 ? -1 : 0;
}
