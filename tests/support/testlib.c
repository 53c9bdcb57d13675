/* testlib.c - helpers for the tests; see testlib.h. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "testlib.h"

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
unesc_syslog(struct buf *out, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c != '\\') {
			if (buf_putc(out, c) < 0)
				return -1;
			continue;
		}
		if (++i >= len)
			return -1;
		switch (s[i]) {
		case 't': c = '\t'; break;
		case 'n': c = '\n'; break;
		case 'r': c = '\r'; break;
		case '\\': case '"': case ']': c = s[i]; break;
		case 'x': {
			int hi, lo;
			if (i + 2 >= len)
				return -1;
			hi = hexval((unsigned char)s[i + 1]);
			lo = hexval((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = (char)(hi << 4 | lo);
			i += 2;
			break;
		}
		default:
			return -1;
		}
		if (buf_putc(out, c) < 0)
			return -1;
	}
	return 0;
}

enum dp_status
report_each_record(struct report *r, const struct dmarc_report *view, report_record_fn fn, void *arg)
{
	struct report_cursor c = { 0, 0 };
	struct dmarc_record rec;
	enum dp_status rc;
	int more;

	while ((more = report_next(r, &c, &rec)) > 0)
		if ((rc = fn(arg, view, &rec)) != DP_OK)
			return rc;
	return more < 0 ? DP_TEMPFAIL : DP_OK;
}

int
record_flatten(const struct dmarc_report *r, const struct dmarc_record *c,
	       struct buf *scratch, flat_fn fn, void *arg)
{
	char ord[24];
	int rc;

	if ((rc = fn(arg, "rid", r->rid, strlen(r->rid), false)) != 0 ||
	    (rc = fn(arg, "ord", ord, buf_uint(ord, c->ord), true)) != 0 ||
	    (rc = flatten_report(r, scratch, fn, arg)) != 0)
		return rc;
	return flatten_row(c, scratch, fn, arg);
}

int
norm_ip(const char *s, char out[NORM_IP_MAX])
{
	uint8_t addr[16];
	int family;

	if (norm_ip_parse(s, &family, addr) < 0)
		return -1;
	norm_ip_format(family, addr, out);
	return 0;
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char *dst;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if (!(dst = buf_reserve(b, (size_t)n)))
		return -1;
	va_start(ap, fmt);
	vsnprintf(dst, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}
