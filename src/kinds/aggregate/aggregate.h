/* aggregate.h - the DMARC aggregate report kind (kind.h). */
#ifndef DP_AGGREGATE_H
#define DP_AGGREGATE_H

#include "kind.h"

extern const struct kind kind_aggregate;

#endif
