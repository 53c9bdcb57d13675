/*
 * tls_view.h - the TLS policy domains over a range of days, from the TLS
 * rollups: sessions that succeeded and failed each day, and the failed
 * sessions of the failure details by result type, receiving MX host and
 * sending address.  What /tls shows.
 */
#ifndef DP_TLS_VIEW_H
#define DP_TLS_VIEW_H

#include <stddef.h>

#include "tally.h"
#include "view.h"

struct tls_summary {
	char *name;				/* owned */
	unsigned long long *ok, *failed;	/* owned: sessions, one per day of the range */
	unsigned long long total_ok, total_failed;
	struct tally results, mx, senders;	/* a: failed sessions */
	struct tally reporters;			/* a: the end of each one's newest report */
};

struct tls_list {
	struct tls_summary *v;			/* owned, by name */
	size_t n;
	size_t left_out;			/* domains past VIEW_DOMAINS_MAX */
};

enum dp_status tls_view_read(struct redis *r, const struct conf *c, const struct view_range *range,
			     struct tls_list *out, struct dp_error *err);
void tls_list_free(struct tls_list *l);

#endif
