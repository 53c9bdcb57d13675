/* flatten.c - records as flat key/value pairs; see flatten.h. */
#include "config.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "flatten.h"

struct flat {
	struct buf *scratch;
	flat_fn fn;
	void *arg;
	int rc;
};

static void
emit_str(struct flat *f, const char *key, const char *v)
{
	if (f->rc || !v)
		return;
	f->rc = f->fn(f->arg, key, v, strlen(v), false);
}

static void
emit_num(struct flat *f, const char *key, uint64_t v)
{
	char num[24];
	size_t n;

	if (f->rc)
		return;
	n = buf_uint(num, v);
	f->rc = f->fn(f->arg, key, num, n, true);
}

static int
append_item(struct buf *b, const char *item)
{
	for (; item && *item; item++) {
		int rc = *item == ',' ? buf_puts(b, "\\x2c")
		       : *item == '\\' ? buf_puts(b, "\\\\") : buf_putc(b, *item);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* One aligned list field: the member at offset off of each of n items of size sz. */
static void
emit_list(struct flat *f, const char *key, const void *items, size_t n, size_t sz, size_t off)
{
	const char *base = items;
	size_t i;

	if (f->rc || n == 0)
		return;
	buf_reset(f->scratch);
	for (i = 0; i < n; i++) {
		const char *item;

		memcpy(&item, base + i * sz + off, sizeof item);
		if ((i && buf_putc(f->scratch, ',') < 0) || append_item(f->scratch, item) < 0) {
			f->rc = -1;
			return;
		}
	}
	f->rc = f->fn(f->arg, key, f->scratch->data, f->scratch->len, false);
}

#define AUTH(field) sizeof(struct dmarc_auth), offsetof(struct dmarc_auth, field)
#define REASON(field) sizeof(struct dmarc_reason), offsetof(struct dmarc_reason, field)

int
flatten_report(const struct dmarc_report *r, struct buf *scratch, flat_fn fn, void *arg)
{
	struct flat f = { scratch, fn, arg, 0 };

	emit_num(&f, "records", r->nrecords);
	emit_str(&f, "org_name", r->org_name);
	emit_str(&f, "org_email", r->org_email);
	emit_str(&f, "report_id", r->report_id);
	emit_str(&f, "begin", r->begin_iso);
	emit_str(&f, "end", r->end_iso);
	emit_str(&f, "domain", r->domain);
	emit_str(&f, "adkim", r->adkim);
	emit_str(&f, "aspf", r->aspf);
	emit_str(&f, "p", r->p);
	emit_str(&f, "sp", r->sp);
	emit_str(&f, "np", r->np);
	if (r->has_pct)
		emit_num(&f, "pct", r->pct);
	emit_str(&f, "fo", r->fo);
	emit_str(&f, "testing", r->testing);
	emit_str(&f, "xml_schema", r->xml_schema);
	emit_str(&f, "generator", r->generator);
	emit_str(&f, "discovery_method", r->discovery_method);
	return f.rc;
}

int
flatten_row(const struct dmarc_record *c, struct buf *scratch, flat_fn fn, void *arg)
{
	struct flat f = { scratch, fn, arg, 0 };

	emit_str(&f, "source_ip", c->source_ip);
	if (c->has_count)
		emit_num(&f, "count", c->count);
	emit_str(&f, "disposition", c->disposition);
	emit_str(&f, "policy_dkim", c->policy_dkim);
	emit_str(&f, "policy_spf", c->policy_spf);
	emit_list(&f, "reason_types", c->reasons, c->nreasons, REASON(type));
	emit_list(&f, "reason_comments", c->reasons, c->nreasons, REASON(comment));
	emit_str(&f, "header_from", c->header_from);
	emit_str(&f, "envelope_from", c->envelope_from);
	emit_str(&f, "envelope_to", c->envelope_to);
	emit_list(&f, "dkim_domains", c->dkim, c->ndkim, AUTH(domain));
	emit_list(&f, "dkim_selectors", c->dkim, c->ndkim, AUTH(selector));
	emit_list(&f, "dkim_results", c->dkim, c->ndkim, AUTH(result));
	emit_list(&f, "dkim_human_results", c->dkim, c->ndkim, AUTH(human_result));
	emit_list(&f, "spf_domains", c->spf, c->nspf, AUTH(domain));
	emit_list(&f, "spf_scopes", c->spf, c->nspf, AUTH(selector));
	emit_list(&f, "spf_results", c->spf, c->nspf, AUTH(result));
	emit_list(&f, "spf_human_results", c->spf, c->nspf, AUTH(human_result));
	return f.rc;
}

