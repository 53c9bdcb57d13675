/* metrics.c - the Prometheus counters and what each record adds to them; see metrics.h and dmarc-consume(8). */
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
	[M_SOURCE_MESSAGES] = { "dmarc_source_messages_total",
		"Messages in aggregate reports by header-from domain, the class of their source and its sending service.",
		"from_domain=\"other\",source_class=\"other\",source_service=\"other\"" },
	[M_NEW_SOURCES] = { "dmarc_new_sources_total",
		"Source addresses seen sending as a domain for the first time, by the class of their mail.",
		"from_domain=\"other\",source_class=\"other\"" },
	[M_REPORTER_LAST] = { "dmarc_reporter_last_report_timestamp_seconds",
		"End of the newest aggregate report's period, per reporter (Unix time).", "reporter=\"other\"", "gauge" },
	[M_POLICY] = { "dmarc_published_policy",
		"The domain's published DMARC policy in its newest report: 0 none, 1 quarantine, 2 reject.",
		"domain=\"other\"", "gauge" },
	[M_POLICY_PCT] = { "dmarc_published_policy_pct", "The pct of the domain's newest report's published policy.",
		"domain=\"other\"", "gauge" },
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

	if (len)
		v = failure_mta_name(v, len, &len);	/* the name, without "dns;" */
	else
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
