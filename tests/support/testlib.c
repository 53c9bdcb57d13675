/* testlib.c - helpers for the tests; see testlib.h. */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
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
	struct kind_cursor c = { 0, 0 };
	struct dmarc_record rec;
	enum dp_status rc;
	int more;

	while ((more = report_next(r, &c, &rec)) > 0)
		if ((rc = fn(arg, view, &rec)) != DP_OK)
			return rc;
	return more < 0 ? DP_TEMPFAIL : DP_OK;
}

enum dp_status
kind_each_record(const struct kind_report *r, kind_record_fn fn, void *arg)
{
	struct kind_cursor c = { 0, 0 };
	const void *rec;
	enum dp_status rc;
	int more;

	while ((more = r->kind->next(r->state, &c, &rec)) > 0)
		if ((rc = fn(arg, r, c.ord - 1, rec)) != DP_OK)
			return rc;
	return more < 0 ? DP_TEMPFAIL : DP_OK;
}

int
record_flatten(const struct kind_report *r, size_t ord, const void *rec, struct buf *scratch, flat_fn fn,
	       void *arg)
{
	struct fields f;
	char num[24];
	int rc;

	if ((rc = fn(arg, "rid", r->rid, strlen(r->rid), false)) != 0 ||
	    (rc = fn(arg, "ord", num, buf_uint(num, ord), true)) != 0)
		return rc;
	fields_flat(&f, scratch, fn, arg);
	FIELD_STR(&f, "kind", r->kind->name);
	r->kind->report_fields(r->state, &f);
	r->kind->record_fields(r->state, rec, &f);
	return fields_done(&f);
}

enum dp_status
kind_parse_bytes(const struct kind *k, void *state, const void *data, size_t len, const struct conf *c,
		 struct kind_parse *kp, struct dp_error *err)
{
	struct stream *s = stream_mem(data, len, err);
	struct kind_input in = { .doc = s };
	enum dp_status rc;

	if (!s)
		return dp_fail(err, DP_TEMPFAIL, "out of memory");
	rc = k->parse(state, &in, c, NULL, kp, err);
	stream_free(s);
	return rc;
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
check_flat_pair(void *arg, const char *key, const char *value, size_t len, bool number)
{
	(void)arg;
	if (!key || !*key || (len && !value) || (number && len == 0))
		abort();
	return 0;
}

void
fuzz_document(const struct kind *k, void *state, const struct conf *c, const uint8_t *data, size_t size)
{
	struct dp_error err = { DP_OK, "" };
	struct kind_parse kp;
	struct buf scratch = BUF_INIT(0), json = BUF_INIT(0);
	enum dp_status rc = kind_parse_bytes(k, state, data, size, c, &kp, &err);

	if (rc != DP_OK && err.reason[0] == '\0')
		abort();	/* every refusal has a reason */
	if (rc == DP_OK && kp.complete) {
		struct kind_report r;
		struct kind_cursor cur = { 0, 0 };
		struct fields f;
		const void *rec;
		size_t n = 0;

		k->view(state, &r);
		while (k->next(state, &cur, &rec) > 0) {
			if (cur.ord != ++n || record_flatten(&r, n - 1, rec, &scratch, check_flat_pair, NULL) != 0)
				abort();
			buf_reset(&json);
			fields_json(&f, &json);
			k->record_fields(state, rec, &f);
			if (fields_done(&f))
				abort();
		}
		if (n != r.nrecords)
			abort();
	}
	buf_free(&scratch);
	buf_free(&json);
}

int
flat_pair(void *arg, const char *key, const char *value, size_t len, bool number)
{
	struct buf *b = arg;

	(void)number;
	return buf_putc(b, ' ') < 0 || buf_puts(b, key) < 0 || buf_putc(b, '=') < 0 ||
	       buf_append(b, value, len) < 0 ? -1 : 0;
}
