/*
 * tally.h - counts by name over the days of a range: authentication
 * domains (passing, failing), TLS result types, MX hosts and sending
 * addresses (failed sessions), reporters (their newest report).
 */
#ifndef DP_TALLY_H
#define DP_TALLY_H

#include <stddef.h>

#include "index.h"

struct tally_row {
	char *name;			/* owned */
	unsigned long long a, b;	/* what the caller counts */
};

struct tally {
	struct tally_row *v;		/* owned */
	size_t n, cap;
	struct index ix;
};

/* The row of name[0..len), added with zero counts when new; NULL on ENOMEM. */
struct tally_row *tally_get(struct tally *t, const char *name, size_t len);
/* Largest a + b first, then by name; tally_get() is not for a sorted tally. */
void tally_sort(struct tally *t);
void tally_free(struct tally *t);

#endif
