/* chart.c - bar charts as inline SVG; see chart.h. */
#include "config.h"

#include "chart.h"

/* Room for the axis labels: left of the bars, below them. */
#define LEFT 44
#define BOTTOM 18

/* A round number at or above max for the axis: 1, 2 or 5 times a power of ten. */
static unsigned long long
axis_top(unsigned long long max)
{
	unsigned long long p = 1;

	if (max <= 1)
		return 1;
	while (p <= max / 10)
		p *= 10;
	return max <= p ? p : max <= 2 * p ? 2 * p : max <= 5 * p ? 5 * p : 10 * p;
}

void
chart_bars(struct html *h, const struct view_range *range, const struct chart_series *s, size_t ns,
	   unsigned width, unsigned height, const char *label)
{
	unsigned long long max = 0, top;
	double plot_w = width - LEFT, plot_h = height - BOTTOM - 6, bar;
	size_t d, k;

	for (d = 0; d < range->ndays; d++) {
		unsigned long long sum = 0;

		for (k = 0; k < ns; k++)
			sum += s[k].v[d];
		if (sum > max)
			max = sum;
	}
	top = axis_top(max);
	bar = range->ndays ? plot_w / (double)range->ndays : plot_w;
	html_printf(h, "<svg class=\"chart\" viewBox=\"0 0 %u %u\" role=\"img\" aria-label=\"", width, height);
	html_str(h, label);
	html_raw(h, "\">");
	/* The axis: 0 and the top, a line at each. */
	html_printf(h, "<line class=\"axis\" x1=\"%d\" y1=\"6\" x2=\"%u\" y2=\"6\"/>", LEFT, width);
	html_printf(h, "<line class=\"axis\" x1=\"%d\" y1=\"%.1f\" x2=\"%u\" y2=\"%.1f\"/>", LEFT, plot_h + 6, width,
		    plot_h + 6);
	html_printf(h, "<text x=\"%d\" y=\"10\" text-anchor=\"end\">", LEFT - 4);
	html_count(h, top);
	html_printf(h, "</text><text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">0</text>", LEFT - 4, plot_h + 10);
	for (d = 0; d < range->ndays; d++) {
		double x = LEFT + bar * (double)d, y = plot_h + 6, w = bar > 3 ? bar - 1 : bar;

		html_raw(h, "<g><title>");
		html_raw(h, range->day[d]);
		for (k = 0; k < ns; k++) {
			html_raw(h, k ? ", " : ": ");
			html_count(h, s[k].v[d]);
			html_raw(h, " ");
			html_str(h, s[k].name);
		}
		html_raw(h, "</title>");
		/* An empty day still gets its tooltip: a bar of nothing, the height of the plot. */
		html_printf(h, "<rect x=\"%.1f\" y=\"6\" width=\"%.1f\" height=\"%.1f\" fill=\"transparent\"/>", x, w, plot_h);
		for (k = 0; k < ns; k++) {
			double bh = plot_h * (double)s[k].v[d] / (double)top;

			if (s[k].v[d] == 0)
				continue;
			y -= bh;
			html_printf(h, "<rect class=\"%s\" x=\"%.1f\" y=\"%.2f\" width=\"%.1f\" height=\"%.2f\"/>", s[k].css, x,
				    y, w, bh);
		}
		html_raw(h, "</g>");
	}
	if (range->ndays) {
		html_printf(h, "<text x=\"%d\" y=\"%u\">%s</text>", LEFT, height - 3, range->day[0]);
		html_printf(h, "<text x=\"%u\" y=\"%u\" text-anchor=\"end\">%s</text>", width, height - 3,
			    range->day[range->ndays - 1]);
	}
	html_raw(h, "</svg>");
}

void
chart_legend(struct html *h, const struct chart_series *s, size_t ns)
{
	size_t k;

	html_raw(h, "<div class=\"legend\">");
	for (k = 0; k < ns; k++) {
		html_printf(h, "<span class=\"%s\">", s[k].css);
		html_str(h, s[k].name);
		html_raw(h, "</span>");
	}
	html_raw(h, "</div>");
}
