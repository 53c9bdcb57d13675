/* metrics.c - the Prometheus metrics; see metrics.h and dmarc-consume(8). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "metrics.h"
#include "prom.h"

#define AGG_LABELS_OTHER "reporter=\"other\",from_domain=\"other\",dkim_domain=\"other\",spf_domain=\"other\""

const struct metric_def metric_defs[M_COUNT] = {
	[M_DMARC_TOTAL] = { "dmarc_total", "Messages in DMARC aggregate reports (the sum of count).", AGG_LABELS_OTHER },
	[M_DMARC_COMPLIANT] = { "dmarc_compliant_total",
		"Messages the receiver found DMARC-compliant: policy_evaluated dkim or spf pass.", AGG_LABELS_OTHER },
	[M_DMARC_QUARANTINE] = { "dmarc_quarantine_total", "Messages the receiver quarantined.", AGG_LABELS_OTHER },
	[M_DMARC_REJECT] = { "dmarc_reject_total", "Messages the receiver rejected.", AGG_LABELS_OTHER },
	[M_DMARC_SPF_ALIGNED] = { "dmarc_spf_aligned_total",
		"Messages whose SPF result was aligned and passed (policy_evaluated spf pass).", AGG_LABELS_OTHER },
	[M_DMARC_SPF_PASS] = { "dmarc_spf_pass_total", "Messages with an SPF pass, aligned or not.", AGG_LABELS_OTHER },
	[M_DMARC_DKIM_ALIGNED] = { "dmarc_dkim_aligned_total",
		"Messages with an aligned passing DKIM signature (policy_evaluated dkim pass).", AGG_LABELS_OTHER },
	[M_DMARC_DKIM_PASS] = { "dmarc_dkim_pass_total", "Messages with at least one passing DKIM signature.",
		AGG_LABELS_OTHER },
	[M_TLS_SESSIONS] = { "tlsrpt_sessions_total", "TLS sessions in SMTP TLS reports, by outcome.",
		"reporter=\"other\",policy_domain=\"other\",policy_type=\"other\",outcome=\"other\"" },
	[M_TLS_FAILED_SESSIONS] = { "tlsrpt_failed_sessions_total",
		"Failed TLS sessions in SMTP TLS reports' failure details, by result type.",
		"reporter=\"other\",policy_domain=\"other\",result_type=\"other\"" },
	[M_FAILURE_REPORTS] = { "dmarc_failure_reports_total", "DMARC failure (and other ARF) reports received.",
		"reporter=\"other\",reported_domain=\"other\",auth_failure=\"other\",feedback_type=\"other\"" },
};

char **
metric_keys(const struct conf *c)
{
	char **keys = calloc(M_COUNT + 1, sizeof *keys);
	size_t i, len;

	if (!keys)
		return NULL;
	for (i = 0; i < M_COUNT; i++) {
		len = strlen(c->key_prefix) + strlen(metric_defs[i].name) + 12;
		if (!(keys[i] = malloc(len))) {
			metric_keys_free(keys);
			return NULL;
		}
		snprintf(keys[i], len, "{%s}:metric:%s", c->key_prefix, metric_defs[i].name);
	}
	return keys;
}

void
metric_keys_free(char **keys)
{
	size_t i;

	if (!keys)
		return;
	for (i = 0; keys[i]; i++)
		free(keys[i]);
	free(keys);
}

/* ------------------------------------------------------------ increments */

struct adder {
	struct buf *labels;
	struct buf *scratch;
	struct ack_incr **v;
	size_t *n, *cap;
	size_t entry;
	size_t at;	/* the look-up cursor in the entry's fields */
};

static int
add(struct adder *a, enum metric_id m, size_t label, unsigned long long value)
{
	if (*a->n == *a->cap) {
		size_t cap = *a->cap ? *a->cap * 2 : 256;
		struct ack_incr *v = realloc(*a->v, cap * sizeof *v);

		if (!v)
			return -1;
		*a->v = v;
		*a->cap = cap;
	}
	(*a->v)[(*a->n)++] = (struct ack_incr){ m, label, value, a->entry };
	return 0;
}

/* Look-ups through the adder's cursor: in schema order they cost one comparison each. */
static const char *
get(struct adder *a, const struct entry *e, const char *key, size_t *len)
{
	const char *v = entry_get_next(e, key, len, &a->at);

	if (!v)
		*len = 0;
	return v ? v : "";
}

static unsigned long long
get_uint(struct adder *a, const struct entry *e, const char *key)
{
	size_t len;
	const char *v = entry_get_next(e, key, &len, &a->at);
	unsigned long long n = 0;

	for (; v && len && *v >= '0' && *v <= '9'; v++, len--)
		n = n * 10 + (unsigned long long)(*v - '0');
	return n;
}

static bool
is(struct adder *a, const struct entry *e, const char *key, const char *want)
{
	size_t len;
	const char *v = entry_get_next(e, key, &len, &a->at);

	return v && len == strlen(want) && !strncasecmp(v, want, len);
}

/*
 * Of an auth table (dkim or spf): whether any result passed, and the
 * domain to label with: the first passing result's, else the first's.
 */
static int
auth_pick(struct adder *a, const struct entry *e, const char *domains_key, const char *results_key, struct buf *domain,
	  struct buf *scratch, bool *pass)
{
	struct flat_items d, r;
	size_t dl, rl;
	const char *dv = entry_get_next(e, domains_key, &dl, &a->at), *rv = entry_get_next(e, results_key, &rl, &a->at);
	bool first = true;
	int rc;

	*pass = false;
	buf_reset(domain);
	if (!dv)
		return 0;
	fields_items(&d, dv, dl);
	fields_items(&r, rv ? rv : "", rv ? rl : 0);
	while ((rc = fields_item(&d, scratch)) > 0) {
		bool ok = false;
		struct buf res = { 0 };

		if (fields_item(&r, &res) < 0) {
			buf_free(&res);
			return -1;
		}
		ok = res.len == 4 && !strncasecmp(res.data, "pass", 4);
		buf_free(&res);
		if (first || (ok && !*pass)) {
			buf_reset(domain);
			if (buf_append(domain, scratch->data ? scratch->data : "", scratch->len) < 0)
				return -1;
		}
		first = false;
		*pass |= ok;
	}
	return rc;
}

/* Label set of an aggregate record, NUL-terminated, at its offset in labels. */
static int
aggregate_labels(struct adder *a, const struct entry *e, size_t *off, bool *dkim_pass, bool *spf_pass)
{
	struct buf dkim = { 0 }, spf = { 0 };
	const char *v;
	size_t len;
	int rc = -1;

	if (auth_pick(a, e, "dkim_domains", "dkim_results", &dkim, a->scratch, dkim_pass) < 0 ||
	    auth_pick(a, e, "spf_domains", "spf_results", &spf, a->scratch, spf_pass) < 0)
		goto out;
	*off = a->labels->len;
	v = get(a, e, "org_name", &len);
	if (prom_label(a->labels, "reporter", v, len, 0) < 0)
		goto out;
	v = get(a, e, "header_from", &len);
	if (prom_label(a->labels, "from_domain", v, len, 1) < 0 ||
	    prom_label(a->labels, "dkim_domain", dkim.data ? dkim.data : "", dkim.len, 1) < 0 ||
	    prom_label(a->labels, "spf_domain", spf.data ? spf.data : "", spf.len, 1) < 0 ||
	    buf_putc(a->labels, '\0') < 0)
		goto out;
	rc = 0;
out:
	buf_free(&dkim);
	buf_free(&spf);
	return rc;
}

static int
aggregate_incr(struct adder *a, const struct entry *e)
{
	unsigned long long count = get_uint(a, e, "count");
	bool dkim_pass, spf_pass, dkim_aligned = is(a, e, "policy_dkim", "pass"), spf_aligned = is(a, e, "policy_spf", "pass");
	size_t l;

	if (aggregate_labels(a, e, &l, &dkim_pass, &spf_pass) < 0)
		return -1;
	/* Every counter of the label set, zero or not: a series that starts late loses its first increase. */
	return add(a, M_DMARC_TOTAL, l, count) | add(a, M_DMARC_COMPLIANT, l, dkim_aligned || spf_aligned ? count : 0) |
	       add(a, M_DMARC_QUARANTINE, l, is(a, e, "disposition", "quarantine") ? count : 0) |
	       add(a, M_DMARC_REJECT, l, is(a, e, "disposition", "reject") ? count : 0) |
	       add(a, M_DMARC_SPF_ALIGNED, l, spf_aligned ? count : 0) | add(a, M_DMARC_SPF_PASS, l, spf_pass ? count : 0) |
	       add(a, M_DMARC_DKIM_ALIGNED, l, dkim_aligned ? count : 0) |
	       add(a, M_DMARC_DKIM_PASS, l, dkim_pass ? count : 0);
}

static int
tls_labels(struct adder *a, const struct entry *e, size_t *off)
{
	const char *v;
	size_t len;

	*off = a->labels->len;
	v = get(a, e, "org_name", &len);
	if (prom_label(a->labels, "reporter", v, len, 0) < 0)
		return -1;
	v = get(a, e, "policy_domain", &len);
	return prom_label(a->labels, "policy_domain", v, len, 1);
}

/* Append again the len bytes of b at off (b's own text: room is made before copying). */
static int
repeat(struct buf *b, size_t off, size_t len)
{
	char *room = buf_reserve(b, len);

	if (!room)
		return -1;
	memcpy(room, b->data + off, len);
	b->len += len;
	return 0;
}

static int
tlsrpt_incr(struct adder *a, const struct entry *e)
{
	struct flat_items types, counts;
	struct buf count = { 0 };
	size_t stem, stem_len, ok, failed, l, plen, tl, cl;
	const char *p = get(a, e, "policy_type", &plen);
	const char *t = entry_get_next(e, "failure_result_types", &tl, &a->at);
	const char *c = entry_get_next(e, "failure_failed_sessions", &cl, &a->at);
	int rc;

	if (tls_labels(a, e, &stem) < 0)
		return -1;
	stem_len = a->labels->len - stem;
	ok = stem;
	if (prom_label(a->labels, "policy_type", p, plen, 1) < 0 ||
	    prom_label(a->labels, "outcome", "successful", 10, 1) < 0 || buf_putc(a->labels, '\0') < 0)
		return -1;
	failed = a->labels->len;
	if (repeat(a->labels, stem, stem_len) < 0 || prom_label(a->labels, "policy_type", p, plen, 1) < 0 ||
	    prom_label(a->labels, "outcome", "failed", 6, 1) < 0 || buf_putc(a->labels, '\0') < 0)
		return -1;
	if (add(a, M_TLS_SESSIONS, ok, get_uint(a, e, "successful_sessions")) < 0 ||
	    add(a, M_TLS_SESSIONS, failed, get_uint(a, e, "failed_sessions")) < 0)
		return -1;
	if (!t)
		return 0;
	/* Each failure detail: its result type, its failed sessions (the aligned lists of the table). */
	fields_items(&types, t, tl);
	fields_items(&counts, c ? c : "", c ? cl : 0);
	while ((rc = fields_item(&types, a->scratch)) > 0) {
		unsigned long long n = 0;
		size_t i;

		if ((rc = fields_item(&counts, &count)) < 0)
			break;
		for (i = 0; i < count.len && count.data[i] >= '0' && count.data[i] <= '9'; i++)
			n = n * 10 + (unsigned long long)(count.data[i] - '0');
		l = a->labels->len;
		if (repeat(a->labels, stem, stem_len) < 0 ||
		    prom_label(a->labels, "result_type", a->scratch->data ? a->scratch->data : "", a->scratch->len, 1) < 0 ||
		    buf_putc(a->labels, '\0') < 0 || add(a, M_TLS_FAILED_SESSIONS, l, n) < 0) {
			rc = -1;
			break;
		}
	}
	buf_free(&count);
	return rc < 0 ? -1 : 0;
}

static int
failure_incr(struct adder *a, const struct entry *e)
{
	size_t l = a->labels->len, len;
	const char *v = get(a, e, "reporting_mta", &len);

	if (!len)
		v = get(a, e, "user_agent", &len);
	if (prom_label(a->labels, "reporter", v, len, 0) < 0)
		return -1;
	v = get(a, e, "reported_domain", &len);
	if (prom_label(a->labels, "reported_domain", v, len, 1) < 0)
		return -1;
	v = get(a, e, "auth_failure", &len);
	if (prom_label(a->labels, "auth_failure", v, len, 1) < 0)
		return -1;
	v = get(a, e, "feedback_type", &len);
	if (prom_label(a->labels, "feedback_type", v, len, 1) < 0 || buf_putc(a->labels, '\0') < 0)
		return -1;
	return add(a, M_FAILURE_REPORTS, l, 1);
}

int
metrics_increments(const struct entries *es, struct buf *labels, struct buf *scratch, struct ack_incr **v,
		   size_t *n, size_t *cap)
{
	struct adder a = { labels, scratch, v, n, cap, 0, 0 };
	size_t i;

	for (i = 0; i < es->n; i++) {
		const struct entry *e = &es->v[i];
		int rc = 0;

		if (!e->fields)
			continue;	/* deleted before it was read */
		a.entry = i;
		a.at = 0;
		if (es->kind == &aggregate_schema)
			rc = aggregate_incr(&a, e);
		else if (es->kind == &tlsrpt_schema)
			rc = tlsrpt_incr(&a, e);
		else if (es->kind == &failure_schema)
			rc = failure_incr(&a, e);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ the page */

/* A hash of label set (or, with label, of that label's value) -> number as samples of name. */
static enum dp_status
hash_samples(struct redis *r, const char *key, const char *name, const char *label, const char *help,
	     const char *type, struct buf *out, struct dp_error *err)
{
	struct buf labels = { 0 };
	const char *argv[] = { "HGETALL", key };
	redisReply *reply = redis_commandv(r, 2, argv, "serving /metrics", err);
	size_t i;
	int rc = 0;

	if (!reply)
		return DP_TEMPFAIL;
	if (reply->type != REDIS_REPLY_ARRAY) {
		enum dp_status st = redis_reply_fail(r, reply, "serving /metrics", err);

		freeReplyObject(reply);
		return st;
	}
	rc = prom_header(out, name, help, type);
	for (i = 0; rc == 0 && i + 1 < reply->elements; i += 2) {
		const redisReply *f = reply->element[i], *v = reply->element[i + 1];

		buf_reset(&labels);
		if (label && prom_label(&labels, label, f->str, f->len, 0) < 0)
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
		rc = hash_samples(r, keys[i], metric_defs[i].name, NULL, metric_defs[i].help, "counter", out, err);
	snprintf(key, sizeof key, "{%s}:refused", c->key_prefix);
	if (rc == DP_OK)
		rc = hash_samples(r, key, "dmarc_invalid_reports_total", "kind",
				  "Reports dmarc-pipe refused as broken or past a limit, by kind.", "counter", out, err);
	snprintf(key, sizeof key, "{%s}:consumed", c->key_prefix);
	if (rc == DP_OK)
		rc = hash_samples(r, key, "dmarc_consume_entries_total", NULL,
				  "Stream entries consumed (acknowledged), by stream and group.", "counter", out, err);
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
