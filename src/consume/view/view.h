/*
 * view.h - reading the daily rollups (rollup.h) back for people: the
 * --sources table and the overview pages.  Nothing here writes; every
 * read is bounded by the range of days asked for and the rollups' own
 * caps.
 *
 * A range is the newest day with data (of any domain; aggregate and TLS
 * rollups each have their own) and the days before it: old or backfilled reports show, and a quiet
 * last week does not empty the page.
 */
#ifndef DP_VIEW_H
#define DP_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "redis.h"
#include "status.h"

/* The most days a range has (rollup_days' own limit). */
#define VIEW_DAYS_MAX 3660

struct view_range {
	long long newest;	/* days since the epoch of the newest day with data; -1 when there is none */
	unsigned ndays;		/* days in the range, oldest first; 0 when there is no data */
	char (*day)[11];	/* owned: "YYYY-MM-DD" of each */
	long long weekly_from;	/* the first day the weekly rollups hold whole (rollup.h); -1: none */
};

/* Whose days a range counts: the aggregate rollups' or the TLS rollups'. */
enum view_kind { VIEW_AGGREGATE, VIEW_TLS };

/* The ndays (1..VIEW_DAYS_MAX) up to the newest day with data of kind into *out. */
enum dp_status view_range(struct redis *r, const struct conf *c, enum view_kind kind, unsigned ndays,
			  struct view_range *out, struct dp_error *err);
void view_range_free(struct view_range *v);

/*
 * The day hashes "{prefix}:<kind>:<day>:<domain><suffix>" of n domains
 * over range, pipelined HGETALLs: (*out)[i * range->ndays + d] is domain
 * i's on day d (an array, empty when the key is not there).  The caller
 * frees them with view_replies_free(*out, n * range->ndays).
 */
enum dp_status view_days(struct redis *r, const struct conf *c, const char *kind, char *const *domains, size_t n,
			 const char *suffix, const struct view_range *range, struct redisReply ***out,
			 struct dp_error *err);
void view_replies_free(struct redisReply **v, size_t n);

/*
 * Like view_days, for what is summed over the range: each whole
 * Monday-to-Sunday week of the range that the weekly rollups hold (from
 * weekly_from, and all of it still kept: rollup_days) is read as its one
 * hash "{prefix}:<kind>:week:<monday>:<domain><suffix>", the other days
 * as their own.  *nspans is the number of hashes per domain, at most
 * range->ndays: (*out)[i * *nspans + s].
 */
enum dp_status view_sums(struct redis *r, const struct conf *c, const char *kind, char *const *domains, size_t n,
			 const char *suffix, const struct view_range *range, struct redisReply ***out, size_t *nspans,
			 struct dp_error *err);

/* Which days of range have the hash "{prefix}:<kind>:<day>:<domain><suffix>": with[d], for each day d. */
enum dp_status view_days_with(struct redis *r, const struct conf *c, const char *kind, const char *domain,
			      const char *suffix, const struct view_range *range, bool *with, struct dp_error *err);

/* The most domains one page shows (the rest are counted). */
#define VIEW_DOMAINS_MAX 500

/*
 * The domains with rollups of kind on any day of range, sorted by name:
 * *names (owned by the caller, NULL-terminated) has the first
 * VIEW_DOMAINS_MAX, *n of them; *total counts them all.
 */
enum dp_status view_domains(struct redis *r, const struct conf *c, enum view_kind kind, const struct view_range *range,
			    char ***names, size_t *n, size_t *total, struct dp_error *err);

/* One command's reply, error replies made failures ("reading the rollups"). */
struct redisReply *view_command(struct redis *r, int argc, const char **argv, const size_t *lens,
				struct dp_error *err);

/* "{prefix}:" and the rest as fmt says, newly allocated; NULL on ENOMEM. */
char *view_key(const struct conf *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A decimal count at s (up to a tab or the end); 0 when there is none. */
unsigned long long view_count(const char *s);

#endif
