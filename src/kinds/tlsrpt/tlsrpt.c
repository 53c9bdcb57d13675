/*
 * tlsrpt.c - SMTP TLS reports (RFC 8460) as a kind: JSON documents read
 * by tlsreport.c, one record per entry of "policies".  Its fields are named in schema.c.
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "schema.h"
#include "tlsreport.h"
#include "kind.h"

struct tlsrpt {
	struct arena arena;		/* the report's values */
	struct tls_report rep;
};

static void *
tlsrpt_new(const struct conf *c)
{
	struct tlsrpt *t = calloc(1, sizeof *t);

	if (t)
		t->arena = (struct arena)ARENA_INIT(c->max_tlsrpt_size * 4);
	return t;
}

static void
tlsrpt_free(void *state)
{
	struct tlsrpt *t = state;

	if (!t)
		return;
	arena_free(&t->arena);
	free(t);
}

/*
 * With report_domains: a TLS report may cover several of the sender's
 * policy domains; the policies about ours are kept (in their order, as
 * records 0..), the others dropped; none left refuses the report.
 */
static enum dp_status
tlsrpt_ours(struct tls_report *r, const struct conf *c, struct kind_parse *out, struct dp_error *err)
{
	size_t i, kept = 0;

	for (i = 0; i < r->npolicies; i++) {
		const char *d = r->policies[i].policy_domain;

		if (kind_domain_ours(c, d, d ? strlen(d) : 0, out))
			r->policies[kept++] = r->policies[i];
	}
	out->dropped = r->npolicies - kept;
	r->npolicies = kept;
	if (kept)
		return DP_OK;
	out->meant = true;
	out->complete = false;
	return dp_fail(err, DP_REFUSE, "not one of report_domains");
}

static enum dp_status
tlsrpt_parse(void *state, const struct kind_input *in, const struct conf *c, const struct kind_hook *hook,
	     struct kind_parse *out, struct dp_error *err)
{
	struct tlsrpt *t = state;

	enum dp_status rc;

	(void)hook;	/* a TLS report is small: parsed whole, then looked up */
	arena_reset(&t->arena);
	rc = tls_report_read(in->doc, c, &t->arena, &t->rep, out, err);
	if (rc == DP_OK && out->complete && c->report_domains)
		rc = tlsrpt_ours(&t->rep, c, out, err);
	return rc;
}

static void
tlsrpt_view(void *state, struct kind_report *out)
{
	struct tlsrpt *t = state;

	memset(out, 0, sizeof *out);
	out->kind = &kind_tlsrpt;
	out->state = t;
	memcpy(out->rid, t->rep.rid, sizeof out->rid);
	out->nrecords = t->rep.npolicies;
	out->org_name = t->rep.org_name;
	out->report_id = t->rep.report_id;
}

static int
tlsrpt_next(void *state, struct kind_cursor *c, const void **rec)
{
	struct tlsrpt *t = state;

	if (c->ord >= t->rep.npolicies)
		return 0;
	*rec = &t->rep.policies[c->ord++];
	return 1;
}

static void
tlsrpt_report(void *state, struct fields *f)
{
	tlsrpt_report_fields(&((struct tlsrpt *)state)->rep, f);
}

static void
tlsrpt_record(void *state, const void *rec, struct fields *f)
{
	(void)state;
	tlsrpt_record_fields(rec, f);
}

const struct kind kind_tlsrpt = {
	.name = TLSRPT_NAME,
	.stream = TLSRPT_STREAM,
	.event = "tlsrpt",
	.source = SOURCE_JSON,
	.state_new = tlsrpt_new,
	.state_free = tlsrpt_free,
	.parse = tlsrpt_parse,
	.view = tlsrpt_view,
	.seek = kind_seek_index,
	.next = tlsrpt_next,
	.report_fields = tlsrpt_report,
	.record_fields = tlsrpt_record,
};
