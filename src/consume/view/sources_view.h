/*
 * sources_view.h - the sources of one of our domains over a range of
 * days, from the rollups: per address, its messages by class, what is
 * known of it (its newest day's) and the first day it sent; failing
 * sources first.  What --sources prints and /domain/<d> shows.
 */
#ifndef DP_SOURCES_VIEW_H
#define DP_SOURCES_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "classify.h"
#include "index.h"
#include "view.h"

/* What is known of a source, in the order of its rollup value (rollup.h). */
enum source_field { SF_RDNS, SF_CONFIRMED, SF_BASE, SF_COUNTRY, SF_ASN, SF_AS_ORG, SF_SERVICE, SF_SERVICE_TYPE, SF_APPROVED };

struct source_row {
	char *addr;			/* owned */
	char *info;			/* owned: its newest day's fields, tab-separated */
	unsigned long long m, by_class[CLASS_COUNT];
	char first[11];			/* the first day it sent, "" unknown */
};

struct source_list {
	struct source_row *v;		/* owned */
	size_t n, cap;
	struct index ix;
};

/*
 * The sources of domain (lower case, a host name) over range, sorted:
 * approved-fail, service-fail, unknown-fail, forwarded, pass (a source's
 * class is its most frequent failing one); within a class, the most
 * failing messages first.  In two steps, so that a reader sends what else
 * it needs in the same round trip (view.h, view_batch): the sums queued
 * on b, then, once b has run, the list (with one more round trip for the
 * first days of its first `dated` rows: the rest have none).
 */
struct sources_reads {
	size_t first, n;	/* slots */
};
void sources_view_queue(struct view_batch *b, const struct conf *c, const char *domain, const struct view_range *range,
			struct sources_reads *q);
enum dp_status sources_view_take(const struct view_batch *b, struct redis *r, const struct conf *c, const char *domain,
				 const struct sources_reads *q, size_t dated, struct source_list *l, struct dp_error *err);
void source_list_free(struct source_list *l);

/* Field k of what is known of row, in buf (room for 256); "" when absent. */
const char *source_field(const struct source_row *row, enum source_field k, char buf[256]);
unsigned long long source_failing(const struct source_row *row);
enum source_class source_class_of(const struct source_row *row);
bool source_approved(const struct source_row *row);

#endif
