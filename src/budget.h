/*
 * budget.h - how many decompressed bytes one message may produce.
 *
 * Every decoder charges what it actually produced (never what a header
 * claims) to the message's budget; past max_total_size the input is
 * refused.  Nested layers are each charged, which only errs on the safe side.
 */
#ifndef DP_BUDGET_H
#define DP_BUDGET_H

#include <inttypes.h>
#include <stdint.h>

#include "status.h"

struct budget {
	uint64_t used;
	uint64_t max;
};

/* Charge n bytes; 0, or -1 with the refusal recorded in err. */
static inline int
budget_take(struct budget *b, uint64_t n, struct dp_error *err)
{
	if (n > b->max - b->used) {
		b->used = b->max;
		dp_fail(err, DP_REFUSE, "decompressed data exceeds max_total_size (%" PRIu64 " bytes)", b->max);
		return -1;
	}
	b->used += n;
	return 0;
}

#endif
