/* page_domain.c - /domain/<domain>: one of our domains over the range; see pages.h. */
#include "config.h"

#include <string.h>

#include "domains_view.h"
#include "pages.h"
#include "sources_view.h"

/* How a source is named in a sentence: its service, else its PTR's base domain, else its address. */
static const char *
source_label(const struct source_row *r, char buf[256])
{
	const char *v = source_field(r, SF_SERVICE, buf);

	if (*v)
		return v;
	if (!strcmp(source_field(r, SF_CONFIRMED, buf), "yes") && *(v = source_field(r, SF_BASE, buf)))
		return v;
	return r->addr;
}

/* "X (n messages), Y (m messages) and k more": the failing sources of class cls, by label. */
static void
name_sources(struct html *h, const struct source_list *l, enum source_class cls)
{
	struct tally by = { 0 };
	char b[256];
	size_t i, shown;

	for (i = 0; i < l->n; i++) {
		struct tally_row *t;
		const char *label;

		if (source_class_of(&l->v[i]) != cls)
			continue;
		label = source_label(&l->v[i], b);
		if (!(t = tally_get(&by, label, strlen(label)))) {
			html_raw(h, "\u2026");
			tally_free(&by);
			return;
		}
		t->a += source_failing(&l->v[i]);
	}
	tally_sort(&by);
	for (shown = 0; shown < by.n && shown < 3; shown++) {
		html_raw(h, shown == 0 ? "" : shown + 1 == by.n ? " and " : ", ");
		html_str(h, by.v[shown].name);
		html_raw(h, " (");
		html_count(h, by.v[shown].a);
		html_raw(h, by.v[shown].a == 1 ? " message)" : " messages)");
	}
	if (by.n > shown)
		html_printf(h, " and %zu more", by.n - shown);
	tally_free(&by);
}

/* What stands between the domain and p=reject, in one sentence from the data. */
static void
verdict(struct html *h, const struct domain_summary *s, const struct source_list *l)
{
	unsigned long long failing[CLASS_COUNT] = { 0 };
	size_t sources[CLASS_COUNT] = { 0 }, i;
	bool at_reject = !strcmp(s->p, "reject") && s->pct == 100;

	for (i = 0; i < l->n; i++) {
		failing[source_class_of(&l->v[i])] += source_failing(&l->v[i]);
		sources[source_class_of(&l->v[i])]++;
	}
	if (failing[CLASS_APPROVED_FAIL]) {
		html_printf(h, "<p class=\"verdict\">%s%zu approved source%s fail%s DMARC: ",
			    at_reject ? "p=reject refuses mail of your own: " : "Before p=reject: ",
			    sources[CLASS_APPROVED_FAIL], sources[CLASS_APPROVED_FAIL] == 1 ? "" : "s",
			    sources[CLASS_APPROVED_FAIL] == 1 ? "s" : "");
		name_sources(h, l, CLASS_APPROVED_FAIL);
		html_raw(h, ". Have them sign with DKIM for ");
		html_str(h, s->name);
		html_raw(h, " or send from an SPF-aligned envelope domain.</p>");
	} else if (failing[CLASS_SERVICE_FAIL]) {
		html_printf(h, "<p class=\"verdict\">Nothing you approved fails, but %zu source%s of sending services "
			    "not approved for ", sources[CLASS_SERVICE_FAIL], sources[CLASS_SERVICE_FAIL] == 1 ? "" : "s");
		html_str(h, s->name);
		html_printf(h, " fail%s: ", sources[CLASS_SERVICE_FAIL] == 1 ? "s" : "");
		name_sources(h, l, CLASS_SERVICE_FAIL);
		html_raw(h, ". If they send for you, approve them (approved_senders) and set up DKIM; if not, "
			    "p=reject refuses their mail.</p>");
	} else if (failing[CLASS_UNKNOWN_FAIL]) {
		html_raw(h, "<p class=\"verdict good\">Nothing of yours fails: the failing mail (");
		html_count(h, failing[CLASS_UNKNOWN_FAIL]);
		html_printf(h, " message%s from %zu unknown source%s) is what p=reject %s.</p>",
			    failing[CLASS_UNKNOWN_FAIL] == 1 ? "" : "s", sources[CLASS_UNKNOWN_FAIL],
			    sources[CLASS_UNKNOWN_FAIL] == 1 ? "" : "s", at_reject ? "refuses" : "would refuse");
	} else if (s->total.m)
		html_raw(h, at_reject ? "<p class=\"verdict good\">Every message passes DMARC or was forwarded, under p=reject.</p>"
				      : "<p class=\"verdict good\">Every message passes DMARC or was forwarded: "
					"nothing stands in the way of p=reject.</p>");
}

/* The PTR cell: the name, marked when it does not resolve back. */
static void
ptr_cell(struct html *h, const struct source_row *r)
{
	char b[256], c[256];
	const char *confirmed = source_field(r, SF_CONFIRMED, c);

	html_raw(h, "<td>");
	if (!strcmp(confirmed, "yes") || !strcmp(confirmed, "no")) {
		html_str(h, source_field(r, SF_RDNS, b));
		if (!strcmp(confirmed, "no"))
			html_raw(h, " <span class=\"muted\">(unconfirmed)</span>");
	} else
		html_printf(h, "<span class=\"muted\">%s</span>", !strcmp(confirmed, "unresolved") ? "(unresolved)"
								  : !strcmp(confirmed, "none") ? "(none)" : "\u2013");
	html_raw(h, "</td>");
}

static void
cell(struct html *h, const char *v)
{
	html_raw(h, "<td>");
	if (*v)
		html_str(h, v);
	else
		html_raw(h, "\u2013");
	html_raw(h, "</td>");
}

static void
sources_table(struct html *h, const struct source_list *l, const struct view_range *range, const char *domain,
	      unsigned days)
{
	size_t i;

	html_printf(h, "<h2>Sources</h2>");
	if (!l->n) {
		html_raw(h, "<p class=\"muted\">None in this range.</p>");
		return;
	}
	html_raw(h, "<div class=\"scroll\"><table id=\"sources\"><thead><tr><th>Source</th><th>PTR</th><th>Service</th>"
		    "<th>Country</th><th>AS</th><th class=\"n\">Messages</th><th class=\"n\">Pass</th><th>Class</th>"
		    "<th>First seen</th></tr></thead><tbody>");
	for (i = 0; i < l->n && i < PAGE_SOURCES_MAX; i++) {
		const struct source_row *r = &l->v[i];
		char b[256], o[256];
		bool fresh = r->first[0] && strcmp(r->first, range->day[0]) >= 0;

		html_raw(h, fresh ? "<tr class=\"new\">" : "<tr>");
		cell(h, r->addr);
		ptr_cell(h, r);
		cell(h, source_field(r, SF_SERVICE, b));
		cell(h, source_field(r, SF_COUNTRY, b));
		html_raw(h, "<td>");
		if (*source_field(r, SF_ASN, b)) {
			html_raw(h, "AS");
			html_str(h, b);
			html_raw(h, " ");
			html_str(h, source_field(r, SF_AS_ORG, o));
		} else
			html_raw(h, "\u2013");
		html_raw(h, "</td><td class=\"n\">");
		html_count(h, r->m);
		html_raw(h, "</td><td class=\"n\">");
		html_percent(h, r->by_class[CLASS_PASS], r->m);
		html_raw(h, "</td><td>");
		page_class(h, source_class_of(r));
		if (source_approved(r))
			html_raw(h, " <span class=\"muted\">(approved)</span>");
		html_raw(h, "</td>");
		cell(h, r->first);
		html_raw(h, "</tr>");
	}
	html_raw(h, "</tbody></table></div>");
	if (l->n > PAGE_SOURCES_MAX) {
		html_printf(h, "<p class=\"muted\">And %zu more: <code>dmarc-consume --sources ", l->n - PAGE_SOURCES_MAX);
		html_str(h, domain);
		html_printf(h, " --days %u</code> lists them all.</p>", days);
	}
}

static void
auth_table(struct html *h, const struct tally *auth)
{
	size_t i;

	html_raw(h, "<h2>DKIM and SPF domains</h2>");
	if (!auth->n) {
		html_raw(h, "<p class=\"muted\">None in this range.</p>");
		return;
	}
	html_raw(h, "<div class=\"scroll\"><table id=\"auth\"><thead><tr><th>Method</th><th>Domain</th>"
		    "<th class=\"n\">Messages</th><th class=\"n\">Pass</th></tr></thead><tbody>");
	for (i = 0; i < auth->n && i < PAGE_LIST_MAX; i++) {
		const struct tally_row *t = &auth->v[i];
		const char *space = strchr(t->name, ' ');

		html_raw(h, "<tr><td>");
		html_text(h, t->name, space ? (size_t)(space - t->name) : strlen(t->name));
		html_raw(h, "</td><td>");
		html_str(h, space ? space + 1 : "");
		html_raw(h, "</td><td class=\"n\">");
		html_count(h, t->a + t->b);
		html_raw(h, "</td><td class=\"n\">");
		html_percent(h, t->a, t->a + t->b);
		html_raw(h, "</td></tr>");
	}
	html_raw(h, "</tbody></table></div>");
	if (auth->n > PAGE_LIST_MAX)
		html_printf(h, "<p class=\"muted\">And %zu more.</p>", auth->n - PAGE_LIST_MAX);
}

enum page_result
page_domain(struct html *h, const struct page_args *a, const char *domain, struct dp_error *err)
{
	struct view_range range;
	struct domain_list l = { 0 };
	struct source_list sources = { 0 };
	struct tally auth = { 0 };
	struct domains_reads dq;
	struct sources_reads sq;
	struct auth_reads aq;
	struct view_batch b;
	char *const names[] = { (char *)domain };
	enum page_result rc = PAGE_FAILED;
	bool known;
	char path[300];

	if (!conf_report_domain_ok(a->conf, domain, strlen(domain)))
		return PAGE_NOT_FOUND;
	if (domain_known(a->redis, a->conf, domain, &known, err) != DP_OK)
		return PAGE_FAILED;
	if (!known)
		return PAGE_NOT_FOUND;
	if (view_range(a->redis, a->conf, VIEW_AGGREGATE, a->days, &range, err) != DP_OK)
		return PAGE_FAILED;
	/* The days, the sources and the DKIM and SPF domains in one round trip. */
	view_batch_init(&b);
	domains_view_queue(&b, a->conf, &range, names, 1, &dq);
	sources_view_queue(&b, a->conf, domain, &range, &sq);
	auth_view_queue(&b, a->conf, domain, &range, &aq);
	if (view_batch_run(&b, a->redis, err) != DP_OK ||
	    domains_view_take(&b, &range, names, 1, &dq, &l, err) != DP_OK ||
	    sources_view_take(&b, a->redis, a->conf, domain, &sq, PAGE_SOURCES_MAX, &sources, err) != DP_OK ||
	    auth_view_take(&b, &aq, &auth, err) != DP_OK)
		goto out;
	html_begin(h, domain, NULL);
	html_raw(h, "<h1>");
	html_str(h, domain);
	if (range.ndays)
		html_printf(h, ", %s to %s", range.day[0], range.day[range.ndays - 1]);
	html_raw(h, "</h1>");
	snprintf(path, sizeof path, "/domain/%s", domain);
	page_ranges(h, path, a->days);
	if (l.n) {
		page_domain_facts(h, &l.v[0]);
		verdict(h, &l.v[0], &sources);
		if (page_domain_chart(h, &l.v[0], &range, 960, 240) < 0) {
			dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
			goto out;
		}
	}
	sources_table(h, &sources, &range, domain, a->days);
	auth_table(h, &auth);
	html_end(h);
	rc = PAGE_OK;
out:
	view_batch_free(&b);
	tally_free(&auth);
	source_list_free(&sources);
	domain_list_free(&l);
	view_range_free(&range);
	return rc;
}
