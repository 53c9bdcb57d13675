/* tlsrpt.h - the SMTP TLS report kind (kind.h). */
#ifndef DP_TLSRPT_H
#define DP_TLSRPT_H

#include "kind.h"

extern const struct kind kind_tlsrpt;

#endif
