/*
 * chart.h - bar charts as inline SVG: one bar a day, the series stacked
 * in the order given, each series a CSS class of the page's style
 * (html.c), each bar's numbers in its <title> (a tooltip, and what a
 * screen reader says).
 */
#ifndef DP_CHART_H
#define DP_CHART_H

#include <stddef.h>

#include "html.h"
#include "view.h"

struct chart_series {
	const char *name;		/* in the legend and tooltips */
	const char *css;		/* its class: "c-pass", ... */
	const unsigned long long *v;	/* one value a day of the range */
};

/* A chart of range's days, width x height in SVG units; label names it for screen readers. */
void chart_bars(struct html *h, const struct view_range *range, const struct chart_series *s, size_t ns,
		unsigned width, unsigned height, const char *label);

/* The series' legend. */
void chart_legend(struct html *h, const struct chart_series *s, size_t ns);

#endif
