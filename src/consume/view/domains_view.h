/*
 * domains_view.h - our domains over a range of days, from the rollups:
 * messages by class for each day, what the receivers' policy evaluation
 * found, the reporters heard from and the policy the newest report says
 * is published; the authentication domains seen for one domain.  What
 * the overview pages show.
 */
#ifndef DP_DOMAINS_VIEW_H
#define DP_DOMAINS_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "classify.h"
#include "tally.h"
#include "view.h"

struct day_counts {
	unsigned long long m, by_class[CLASS_COUNT];
};

struct domain_summary {
	char *name;			/* owned */
	struct day_counts *days;	/* owned: one per day of the range */
	struct day_counts total;
	unsigned long long dkim_pass, spf_pass, disposition[3];	/* none, quarantine, reject */
	struct tally reporters;		/* a: the end of each one's newest report */
	long long newest_end;		/* of any report, -1 none */
	char p[11], sp[11];		/* as published ("" unknown) */
	unsigned pct;
	bool has_policy;
};

struct domain_list {
	struct domain_summary *v;	/* owned, by name */
	size_t n;
	size_t left_out;		/* domains past VIEW_DOMAINS_MAX (view.h) */
};

/* Every domain with rollups in range (only: that one alone, when it has any). */
enum dp_status domains_view_read(struct redis *r, const struct conf *c, const struct view_range *range,
				 const char *only, struct domain_list *out, struct dp_error *err);
void domain_list_free(struct domain_list *l);

/* Whether domain has rollups at all (any day kept). */
enum dp_status domain_known(struct redis *r, const struct conf *c, const char *domain, bool *known,
			    struct dp_error *err);

/* The DKIM and SPF domains seen for domain over range: name "dkim d=" or "spf domain", a passing, b failing. */
enum dp_status auth_view_read(struct redis *r, const struct conf *c, const char *domain,
			      const struct view_range *range, struct tally *out, struct dp_error *err);

#endif
