/* record.c - report identity and time formatting; see record.h. */
#include "config.h"

#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "record.h"

static void
rid_part(GChecksum *ck, const char *s)
{
	g_checksum_update(ck, (const guchar *)"", 1);	/* a NUL before each part */
	if (s)
		g_checksum_update(ck, (const guchar *)s, (gssize)strlen(s));
}

void
record_rid(const struct dmarc_report *r, char out[RID_HEX_LEN + 1])
{
	GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);
	char num[24];

	g_checksum_update(ck, (const guchar *)"dmarc-aggregate", 15);
	rid_part(ck, r->org_name);
	rid_part(ck, r->report_id);
	rid_part(ck, r->domain);
	snprintf(num, sizeof num, "%" PRId64, r->begin);
	rid_part(ck, r->has_begin ? num : NULL);
	snprintf(num, sizeof num, "%" PRId64, r->end);
	rid_part(ck, r->has_end ? num : NULL);
	memcpy(out, g_checksum_get_string(ck), RID_HEX_LEN);
	out[RID_HEX_LEN] = '\0';
	g_checksum_free(ck);
}

int
record_iso8601(int64_t t, char out[ISO8601_LEN + 1])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t < 0 || !gmtime_r(&tt, &tm) ||
	    strftime(out, ISO8601_LEN + 1, "%Y-%m-%dT%H:%M:%SZ", &tm) != ISO8601_LEN)
		return -1;
	return 0;
}
