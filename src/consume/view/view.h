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

#include "buf.h"
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
 * Reads sent together: commands are queued, then sent in one round trip
 * (while dmarc-consume consumes, every round trip may wait behind an
 * acknowledgement's script), and their replies kept until the batch is
 * freed.  Queueing cannot fail: running a batch that ran out of memory
 * while queueing does.
 */
struct view_batch {
	struct buf resp;		/* the commands queued, RESP, one after another */
	size_t *end;			/* owned: where each one ends in resp */
	size_t n, cap;
	struct redisReply **reply;	/* owned: one per command once run */
	bool failed;
};

void view_batch_init(struct view_batch *b);
/* Queue a command (argv copied; a NULL argument fails the batch); its slot in reply. */
size_t view_batch_add(struct view_batch *b, int argc, const char **argv);
/* Send what is queued and read every reply; an error reply fails it ("reading the rollups"). */
enum dp_status view_batch_run(struct view_batch *b, struct redis *r, struct dp_error *err);
void view_batch_free(struct view_batch *b);

/*
 * HGETALL of "{prefix}:<kind>:<day>:<domain><suffix>" for each day of
 * range queued: the slot of the first (oldest) day, range->ndays of them.
 */
size_t view_queue_days(struct view_batch *b, const struct conf *c, const char *kind, const char *domain,
		       const char *suffix, const struct view_range *range);

/*
 * The same for what is summed over the range: each whole Monday-to-Sunday
 * week of the range that the weekly rollups hold (from weekly_from, and
 * all of it still kept: rollup_days) is read as its one hash
 * "{prefix}:<kind>:week:<monday>:<domain><suffix>", the other days as
 * their own.  The first slot; *nspans of them, oldest first.
 */
size_t view_queue_sums(struct view_batch *b, const struct conf *c, const char *kind, const char *domain,
		       const char *suffix, const struct view_range *range, size_t *nspans);

/* HLEN of each day's hash as view_queue_days names them: whether the day has one. */
size_t view_queue_days_with(struct view_batch *b, const struct conf *c, const char *kind, const char *domain,
			    const char *suffix, const struct view_range *range);

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
