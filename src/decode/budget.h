/*
 * budget.h - how much decompressed data one message may produce.
 *
 * Every decoder charges what it actually produced (never what a header
 * claims) to the message's budget: past max_total_size the input is
 * refused.  Each decoding layer also checks its own ratio of output to
 * input once it has produced RATIO_GRACE bytes (small outputs compress
 * absurdly well and are harmless).  Nested layers are each charged, which
 * only errs on the safe side.  Charging also looks at the message's
 * deadline, as it is done at every 64 KB of output.
 */
#ifndef DP_BUDGET_H
#define DP_BUDGET_H

#include <inttypes.h>
#include <stdint.h>

#include "deadline.h"
#include "status.h"

#define RATIO_GRACE (10ULL << 20)

struct budget {
	uint64_t used;
	uint64_t max;
	unsigned max_ratio;	/* output/input of one layer; 0 = unchecked */
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
	if (deadline_passed()) {
		dp_fail(err, DP_REFUSE, "message takes longer than max_message_seconds (%u s)", deadline_seconds());
		return -1;
	}
	return 0;
}

/* One layer has turned in bytes into out so far; 0, or -1 when the ratio is absurd. */
static inline int
budget_ratio(const struct budget *b, uint64_t in, uint64_t out, struct dp_error *err)
{
	if (b->max_ratio && out > RATIO_GRACE && out / (in ? in : 1) > b->max_ratio) {
		dp_fail(err, DP_REFUSE, "compression ratio above max_compression_ratio (%u)", b->max_ratio);
		return -1;
	}
	return 0;
}

#endif
