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

/*
 * The same in two steps, for a page that reads more in the same round
 * trip (view.h, view_batch): the reads for names[0..n) queued on b, then,
 * once b has run, the list (names copied).
 */
struct domains_reads {
	size_t days, policy;	/* slots; policy (size_t)-1: nothing queued */
};
void domains_view_queue(struct view_batch *b, const struct conf *c, const struct view_range *range, char *const *names,
			size_t n, struct domains_reads *q);
enum dp_status domains_view_take(const struct view_batch *b, const struct view_range *range, char *const *names,
				 size_t n, const struct domains_reads *q, struct domain_list *out, struct dp_error *err);
void domain_list_free(struct domain_list *l);

/* Whether domain has rollups at all (any day kept). */
enum dp_status domain_known(struct redis *r, const struct conf *c, const char *domain, bool *known,
			    struct dp_error *err);

/*
 * The DKIM and SPF domains seen for domain over range: name "dkim d=" or
 * "spf domain", a passing, b failing.  Queued on b, then taken once b has
 * run.
 */
struct auth_reads {
	size_t first, n;	/* slots */
};
void auth_view_queue(struct view_batch *b, const struct conf *c, const char *domain, const struct view_range *range,
		     struct auth_reads *q);
enum dp_status auth_view_take(const struct view_batch *b, const struct auth_reads *q, struct tally *out,
			      struct dp_error *err);

#endif
