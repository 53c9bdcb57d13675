/* isotime.c - ISO 8601 times in UTC; see isotime.h. */
#include "config.h"

#include <time.h>

#include "isotime.h"

int
iso8601_utc(int64_t t, char out[ISO8601_LEN + 1])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t < 0 || !gmtime_r(&tt, &tm) ||
	    strftime(out, ISO8601_LEN + 1, "%Y-%m-%dT%H:%M:%SZ", &tm) != ISO8601_LEN)
		return -1;
	return 0;
}
