/*
 * pages.h - the overview pages dmarc-consume serves next to /metrics,
 * each from the rollups of its range (view.h) and nothing else:
 *
 *   /                 our domains: messages, DMARC pass, published
 *                     policy, messages by class each day, reporters
 *   /domain/<domain>  one domain: its chart, what stands between it and
 *                     p=reject, its sources, its DKIM and SPF domains
 *   /tls              TLS policy domains: sessions, failures by result
 *                     type, MX host and sending address
 *   /failures         the newest failure reports, as stored
 */
#ifndef DP_PAGES_H
#define DP_PAGES_H

#include "conf.h"
#include "html.h"
#include "redis.h"
#include "status.h"

/* The ranges a page offers (?days=); the first is the default. */
#define PAGE_DAYS_DEFAULT 30
extern const unsigned page_days[3];

/* Rows of the longer tables, and the failure reports shown. */
#define PAGE_SOURCES_MAX 200
#define PAGE_LIST_MAX 25
#define PAGE_FAILURES_MAX 50

enum page_result { PAGE_OK, PAGE_NOT_FOUND, PAGE_FAILED };

struct page_args {
	struct redis *redis;
	const struct conf *conf;
	unsigned days;		/* one of page_days */
};

enum page_result page_overview(struct html *h, const struct page_args *a, struct dp_error *err);
/* domain: lower case, a host name; not one of ours is PAGE_NOT_FOUND. */
enum page_result page_domain(struct html *h, const struct page_args *a, const char *domain, struct dp_error *err);
enum page_result page_tls(struct html *h, const struct page_args *a, struct dp_error *err);
enum page_result page_failures(struct html *h, const struct page_args *a, struct dp_error *err);

/* Shared by the pages: the links to the other ranges of path. */
void page_ranges(struct html *h, const char *path, unsigned days);
/* A class's name in its colour. */
void page_class(struct html *h, int cls);
struct domain_summary;
struct view_range;
/* A domain's facts line (messages, pass, policy, newest report), and its chart of classes by day (-1: ENOMEM). */
void page_domain_facts(struct html *h, const struct domain_summary *s);
int page_domain_chart(struct html *h, const struct domain_summary *s, const struct view_range *range, unsigned width,
		      unsigned height);

#endif
