/* failure.h - the DMARC failure (and other ARF feedback) report kind (kind.h). */
#ifndef DP_FAILURE_H
#define DP_FAILURE_H

#include "kind.h"

extern const struct kind kind_failure;

#endif
