/* escape.c - escaping for syslog and JSON; see escape.h. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "escape.h"

size_t
utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len, i;
	unsigned cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2; cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3; cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4; cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and code points past U+10FFFF. */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

static const char hexdigits[] = "0123456789abcdef";

/* The escaped form of one character for syslog, into esc; returns its length. */
static size_t
syslog_char(const unsigned char *p, size_t n, char esc[16], size_t *consumed)
{
	unsigned c = p[0];
	size_t len = utf8_seq_len(p, n), i, o = 0;

	*consumed = len ? len : 1;
	if (len == 0 || c < 0x20 || c == 0x7f || (len == 2 && c == 0xc2 && p[1] < 0xa0)) {
		/* Invalid byte, control character or C1 control: hex. */
		switch (c) {
		case '\t': memcpy(esc, "\\t", 2); return 2;
		case '\n': memcpy(esc, "\\n", 2); return 2;
		case '\r': memcpy(esc, "\\r", 2); return 2;
		}
		for (i = 0; i < *consumed; i++) {
			esc[o++] = '\\';
			esc[o++] = 'x';
			esc[o++] = hexdigits[p[i] >> 4];
			esc[o++] = hexdigits[p[i] & 15];
		}
		return o;
	}
	if (c == '\\' || c == '"' || c == ']') {
		esc[0] = '\\';
		esc[1] = (char)c;
		return 2;
	}
	memcpy(esc, p, len);
	return len;
}

int
esc_syslog(struct buf *out, const char *s, size_t len, size_t cap)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	size_t written = 0;
	char esc[16];

	while (p < end) {
		size_t consumed, n = syslog_char(p, (size_t)(end - p), esc, &consumed);

		if (cap && written + n > cap)
			return buf_append(out, "...", 3);
		if (buf_append(out, esc, n) < 0)
			return -1;
		written += n;
		p += consumed;
	}
	return 0;
}

const char *
esc_log(char *dst, size_t size, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0, left = s ? strlen(s) : 0;
	char esc[16];

	if (size < 4) {
		if (size)
			dst[0] = '\0';
		return dst;
	}
	while (left > 0) {
		size_t consumed, n = syslog_char(p, left, esc, &consumed);

		if (o + n > size - 4) {
			memcpy(dst + o, "...", 3);
			o += 3;
			break;
		}
		memcpy(dst + o, esc, n);
		o += n;
		p += consumed;
		left -= consumed;
	}
	dst[o] = '\0';
	return dst;
}



/* JSON's escape for a control character that has no short form. */
static char *
json_u00(char *d, unsigned c)
{
	memcpy(d, "\\u00", 4);
	d[4] = hexdigits[c >> 4];
	d[5] = hexdigits[c & 15];
	return d + 6;
}

#define BYTES(x) (0x0101010101010101ULL * (x))

/* Whether none of the 8 bytes in w needs escaping in JSON: all printable ASCII but '"' and '\\'. */
static inline int
json_plain8(uint64_t w)
{
	uint64_t q = w ^ BYTES('"'), b = w ^ BYTES('\\');

	if (w & BYTES(0x80))
		return 0;
	/* With no high bit set, each test is exact: a byte below 0x20, 0x7f, a zero byte of q or b. */
	return ((((w - BYTES(0x20)) & ~w) | (w + BYTES(0x01)) |
		 ((q - BYTES(0x01)) & ~q) | ((b - BYTES(0x01)) & ~b)) & BYTES(0x80)) == 0;
}

int
esc_json(struct buf *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	char *d, *start;

	/* No input byte takes more than 6 output bytes: room once, then plain stores. */
	if (len > SIZE_MAX / 6) {
		errno = EFBIG;
		return -1;
	}
	if (!(start = d = buf_reserve(out, len * 6)))
		return -1;
	while (p < end) {
		unsigned c;
		size_t n;

		/* Eight plain bytes at a time, then one byte at a time. */
		for (; end - p >= 8; p += 8, d += 8) {
			uint64_t w;

			memcpy(&w, p, 8);
			if (!json_plain8(w))
				break;
			memcpy(d, &w, 8);
		}
		if (p == end)
			break;
		c = *p;
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			*d++ = (char)c;	/* printable ASCII: the common case */
			p++;
			continue;
		}
		if (c < 0x80) {
			*d++ = '\\';
			switch (c) {
			case '"': *d++ = '"'; break;
			case '\\': *d++ = '\\'; break;
			case '\n': *d++ = 'n'; break;
			case '\r': *d++ = 'r'; break;
			case '\t': *d++ = 't'; break;
			default: d = json_u00(d - 1, c); break;
			}
			p++;
			continue;
		}
		n = utf8_seq_len(p, (size_t)(end - p));
		if (n == 0) {
			memcpy(d, "\\ufffd", 6);
			d += 6;
			p++;
			continue;
		}
		/* U+2028 and U+2029 end lines in JavaScript. */
		if (n == 3 && p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) {
			memcpy(d, p[2] == 0xa8 ? "\\u2028" : "\\u2029", 6);
			d += 6;
		} else {
			memcpy(d, p, n);
			d += n;
		}
		p += n;
	}
	out->len += (size_t)(d - start);
	out->data[out->len] = '\0';
	return 0;
}

size_t
utf8_repaired_len(const char *s, size_t len, size_t *invalid)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n = 0, bad = 0;

	while (i < len) {
		size_t k = utf8_seq_len(p + i, len - i);

		if (k == 0) {
			bad++;
			n += 3;
			i++;
		} else {
			n += k;
			i += k;
		}
	}
	*invalid = bad;
	return n;
}

void
utf8_repair(char *dst, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		size_t k = utf8_seq_len(p + i, len - i);

		if (k == 0) {
			memcpy(dst, "\xef\xbf\xbd", 3);
			dst += 3;
			i++;
		} else {
			memcpy(dst, p + i, k);
			dst += k;
			i += k;
		}
	}
	*dst = '\0';
}

int
esc_html(struct buf *out, const char *s, size_t len)
{
	static const char replacement[] = "\xef\xbf\xbd";	/* U+FFFD */
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end) {
		const unsigned char *run = p;
		size_t n;

		/* Plain printable ASCII, appended in one piece. */
		while (p < end && *p >= 0x20 && *p < 0x7f && *p != '&' && *p != '<' && *p != '>' && *p != '"' && *p != '\'')
			p++;
		if (p > run && buf_append(out, run, (size_t)(p - run)) < 0)
			return -1;
		if (p == end)
			break;
		switch (*p) {
		case '&': n = 1; if (buf_puts(out, "&amp;") < 0) return -1; break;
		case '<': n = 1; if (buf_puts(out, "&lt;") < 0) return -1; break;
		case '>': n = 1; if (buf_puts(out, "&gt;") < 0) return -1; break;
		case '"': n = 1; if (buf_puts(out, "&quot;") < 0) return -1; break;
		case '\'': n = 1; if (buf_puts(out, "&#39;") < 0) return -1; break;
		case '\t':
		case '\n': n = 1; if (buf_putc(out, (char)*p) < 0) return -1; break;
		default:	/* other controls, and what is not ASCII */
			n = *p < 0x80 ? 0 : utf8_seq_len(p, (size_t)(end - p));
			if (n && !(n == 2 && p[0] == 0xc2 && p[1] < 0xa0)) {	/* C1 controls are 0xC2 0x80..0x9F */
				if (buf_append(out, p, n) < 0)
					return -1;
				break;
			}
			if (buf_puts(out, replacement) < 0)
				return -1;
			n = n ? n : 1;
			break;
		}
		p += n;
	}
	return 0;
}
