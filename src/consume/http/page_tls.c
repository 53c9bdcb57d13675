/* page_tls.c - /tls: the TLS policy domains over the range; see pages.h. */
#include "config.h"

#include "chart.h"
#include "pages.h"
#include "tls_view.h"

/* A list of failed sessions by name: result types, MX hosts, sending addresses. */
static void
list(struct html *h, const char *title, const char *id, const struct tally *t)
{
	size_t i;

	html_raw(h, "<div class=\"scroll\">");
	html_printf(h, "<table class=\"%s\"><thead><tr><th>%s</th><th class=\"n\">Failed sessions</th></tr></thead><tbody>",
		    id, title);
	for (i = 0; i < t->n && i < PAGE_LIST_MAX; i++) {
		html_raw(h, "<tr><td>");
		html_str(h, t->v[i].name);
		html_raw(h, "</td><td class=\"n\">");
		html_count(h, t->v[i].a);
		html_raw(h, "</td></tr>");
	}
	if (!t->n)
		html_raw(h, "<tr><td class=\"muted\">none</td><td></td></tr>");
	html_raw(h, "</tbody></table></div>");
	if (t->n > PAGE_LIST_MAX)
		html_printf(h, "<p class=\"muted\">And %zu more.</p>", t->n - PAGE_LIST_MAX);
}

enum page_result
page_tls(struct html *h, const struct page_args *a, struct dp_error *err)
{
	struct view_range range;
	struct tls_list l;
	enum page_result rc = PAGE_FAILED;
	size_t i, k;

	if (view_range(a->redis, a->conf, VIEW_TLS, a->days, &range, err) != DP_OK)
		return PAGE_FAILED;
	if (tls_view_read(a->redis, a->conf, &range, &l, err) != DP_OK)
		goto out;
	html_begin(h, "TLS", "/tls");
	if (!range.ndays || !l.n) {
		html_raw(h, "<h1>TLS</h1><p>No SMTP TLS report has been rolled up yet.</p>");
		html_end(h);
		rc = PAGE_OK;
		goto done;
	}
	html_printf(h, "<h1>TLS, %s to %s</h1>", range.day[0], range.day[range.ndays - 1]);
	page_ranges(h, "/tls", a->days);
	for (i = 0; i < l.n; i++) {
		const struct tls_summary *s = &l.v[i];
		struct chart_series series[] = { { "successful", "c-ok", s->ok }, { "failed", "c-failed", s->failed } };
		char label[300];

		html_raw(h, "<section class=\"domain tls\"><h2>");
		html_str(h, s->name);
		html_raw(h, "</h2><div class=\"facts\"><div><span>Sessions</span> ");
		html_count(h, s->total_ok + s->total_failed);
		html_raw(h, "</div><div><span>Successful</span> ");
		html_percent(h, s->total_ok, s->total_ok + s->total_failed);
		html_raw(h, "</div><div><span>Failed</span> ");
		html_count(h, s->total_failed);
		html_raw(h, "</div><div><span>Reporters</span> ");
		for (k = 0; k < s->reporters.n && k < PAGE_LIST_MAX; k++) {
			html_raw(h, k ? ", " : "");
			html_str(h, s->reporters.v[k].name);
		}
		html_raw(h, "</div></div>");
		snprintf(label, sizeof label, "TLS sessions of %s each day", s->name);
		chart_bars(h, &range, series, 2, 720, 140, label);
		chart_legend(h, series, 2);
		html_raw(h, "<div class=\"lists\">");
		list(h, "Result type", "results", &s->results);
		list(h, "Receiving MX", "mx", &s->mx);
		list(h, "Sending address", "senders", &s->senders);
		html_raw(h, "</div></section>");
	}
	if (l.left_out)
		html_printf(h, "<p class=\"muted\">And %zu more policy domains.</p>", l.left_out);
	html_end(h);
	rc = PAGE_OK;
done:
	tls_list_free(&l);
out:
	view_range_free(&range);
	return rc;
}
