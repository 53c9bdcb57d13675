/* isotime.c - ISO 8601 times in UTC; see isotime.h. */
#include "config.h"

#include <string.h>
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

/* Digits of a fixed width, as a number; -1 when they are not all digits. */
static int
digits(const char *s, int width)
{
	int v = 0, i;

	for (i = 0; i < width; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int
iso8601_parse(const char *s, int64_t *out)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y = digits(s, 4), mo, d, h, mi, sec, off = 0;
	struct tm tm;
	const char *p;

	if (y < 1970 || s[4] != '-' || (mo = digits(s + 5, 2)) < 1 || mo > 12 || s[7] != '-' ||
	    (d = digits(s + 8, 2)) < 1 || d > mdays[mo - 1] || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    (h = digits(s + 11, 2)) < 0 || h > 23 || s[13] != ':' || (mi = digits(s + 14, 2)) < 0 || mi > 59 ||
	    s[16] != ':' || (sec = digits(s + 17, 2)) < 0 || sec > 60)
		return -1;
	p = s + 19;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh = digits(p + 1, 2), om = 0;
		const char *q = p + 3;

		if (oh < 0 || oh > 23)
			return -1;
		if (*q == ':')
			q++;
		if (*q && ((om = digits(q, 2)) < 0 || om > 59))
			return -1;
		off = (oh * 60 + om) * 60 * (*p == '-' ? -1 : 1);
		p = *q ? q + 2 : q;
	}
	if (*p == ' ' && !strcmp(p + 1, "UTC"))
		p += 4;
	if (*p)
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec > 59 ? 59 : sec;	/* a leap second is the second before */
	*out = (int64_t)timegm(&tm) - off;
	return *out < 0 || *out > ISO8601_MAX ? -1 : 0;
}

int64_t
iso8601_monday(int64_t day)
{
	int64_t since = (day + 3) % 7;	/* days since Monday; C's % keeps the sign of day + 3 */

	return day - (since < 0 ? since + 7 : since);
}
