/* record.c - an aggregate report's identity; see record.h. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>

#include "record.h"
#include "rid.h"

void
record_rid(const struct dmarc_report *r, char out[RID_HEX_LEN + 1])
{
	struct rid *id = rid_begin("dmarc-aggregate");
	char num[24];

	rid_text(id, r->org_name);
	rid_text(id, r->report_id);
	rid_text(id, r->domain);
	snprintf(num, sizeof num, "%" PRId64, r->begin);
	rid_text(id, r->has_begin ? num : NULL);
	snprintf(num, sizeof num, "%" PRId64, r->end);
	rid_text(id, r->has_end ? num : NULL);
	rid_end(id, out);
}
