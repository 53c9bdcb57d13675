/* page_overview.c - /: our domains over the range; see pages.h. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "domains_view.h"
#include "pages.h"

const unsigned page_days[3] = { 30, 7, 90 };

void
page_ranges(struct html *h, const char *path, unsigned days)
{
	static const unsigned order[] = { 7, 30, 90 };
	size_t i;

	html_raw(h, "<p class=\"ranges\">");
	for (i = 0; i < 3; i++) {
		html_raw(h, "<a href=\"");
		html_str(h, path);
		html_printf(h, "?days=%u\"%s>%u days</a>", order[i], order[i] == days ? " class=\"here\"" : "", order[i]);
	}
	html_raw(h, "</p>");
}

void
page_class(struct html *h, int cls)
{
	const char *name = class_name((enum source_class)cls);

	html_printf(h, "<span class=\"cls c-%s\">%s</span>", name, name);
}

/* The classes' series of a domain's days (v: CLASS_COUNT arrays of ndays, owned by the caller). */
static int
class_series(const struct domain_summary *s, size_t ndays, struct chart_series out[CLASS_COUNT],
	     unsigned long long **v)
{
	static const char *const css[CLASS_COUNT] = {
		"c-pass", "c-forwarded", "c-approved-fail", "c-service-fail", "c-unknown-fail",
	};
	size_t k, d;

	if (!(*v = calloc(CLASS_COUNT * (ndays ? ndays : 1), sizeof **v)))
		return -1;
	for (k = 0; k < CLASS_COUNT; k++) {
		for (d = 0; d < ndays; d++)
			(*v)[k * ndays + d] = s->days[d].by_class[k];
		out[k] = (struct chart_series){ class_name((enum source_class)k), css[k], *v + k * ndays };
	}
	return 0;
}

/* A domain's chart and legend; -1 on ENOMEM. */
int
page_domain_chart(struct html *h, const struct domain_summary *s, const struct view_range *range, unsigned width,
		  unsigned height)
{
	struct chart_series series[CLASS_COUNT];
	unsigned long long *v;
	char label[300];

	if (class_series(s, range->ndays, series, &v) < 0)
		return -1;
	snprintf(label, sizeof label, "messages of %s by class each day", s->name);
	chart_bars(h, range, series, CLASS_COUNT, width, height, label);
	chart_legend(h, series, CLASS_COUNT);
	free(v);
	return 0;
}

/* The facts line of a domain: messages, pass, policy, newest report. */
void
page_domain_facts(struct html *h, const struct domain_summary *s)
{
	html_raw(h, "<div class=\"facts\"><div><span>Messages</span> ");
	html_count(h, s->total.m);
	html_raw(h, "</div><div><span>DMARC pass</span> ");
	html_percent(h, s->total.by_class[CLASS_PASS], s->total.m);
	html_raw(h, "</div><div><span>Policy</span> ");
	if (s->has_policy) {
		html_raw(h, "p=");
		html_str(h, s->p[0] ? s->p : "?");
		if (s->sp[0]) {
			html_raw(h, " sp=");
			html_str(h, s->sp);
		}
		html_printf(h, " pct=%u", s->pct);
	} else
		html_raw(h, "<span class=\"muted\">unknown</span>");
	html_raw(h, "</div><div><span>Newest report</span> ");
	html_time(h, s->newest_end);
	html_raw(h, "</div></div>");
}

static void
reporters(struct html *h, const struct tally *r)
{
	size_t i;

	html_raw(h, "<p><span class=\"muted\">Reporters:</span> ");
	for (i = 0; i < r->n && i < PAGE_LIST_MAX; i++) {
		if (i)
			html_raw(h, ", ");
		html_str(h, r->v[i].name);
	}
	if (r->n > PAGE_LIST_MAX)
		html_printf(h, " and %zu more", r->n - PAGE_LIST_MAX);
	if (!r->n)
		html_raw(h, "\u2013");
	html_raw(h, "</p>");
}

enum page_result
page_overview(struct html *h, const struct page_args *a, struct dp_error *err)
{
	struct view_range range;
	struct domain_list l;
	enum page_result rc = PAGE_FAILED;
	size_t i;

	if (view_range(a->redis, a->conf, VIEW_AGGREGATE, a->days, &range, err) != DP_OK)
		return PAGE_FAILED;
	if (domains_view_read(a->redis, a->conf, &range, NULL, &l, err) != DP_OK)
		goto out;
	html_begin(h, "Our domains", "/");
	if (!range.ndays || !l.n) {
		html_raw(h, "<h1>Our domains</h1><p>No aggregate report has been rolled up yet. Reports arrive once a day "
			    "from each receiver; dmarc-consume's sources sink rolls them up (rollup_days).</p>");
		html_end(h);
		rc = PAGE_OK;
		goto done;
	}
	html_printf(h, "<h1>Our domains, %s to %s</h1>", range.day[0], range.day[range.ndays - 1]);
	page_ranges(h, "/", a->days);
	for (i = 0; i < l.n; i++) {
		const struct domain_summary *s = &l.v[i];

		html_raw(h, "<section class=\"domain\"><h2><a href=\"/domain/");
		html_str(h, s->name);
		html_printf(h, "?days=%u\">", a->days);
		html_str(h, s->name);
		html_raw(h, "</a></h2>");
		page_domain_facts(h, s);
		if (page_domain_chart(h, s, &range, 720, 140) < 0)
			goto oom;
		reporters(h, &s->reporters);
		html_raw(h, "</section>");
	}
	if (l.left_out)
		html_printf(h, "<p class=\"muted\">And %zu more domains (the first %d by name are shown).</p>", l.left_out,
			    VIEW_DOMAINS_MAX);
	html_end(h);
	rc = PAGE_OK;
	goto done;
oom:
	dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
done:
	domain_list_free(&l);
out:
	view_range_free(&range);
	return rc;
}
