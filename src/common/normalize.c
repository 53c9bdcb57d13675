/* normalize.c - canonical values; see normalize.h. */
#include "config.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>

#include "normalize.h"

static int
is_xml_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

char *
norm_trim(char *s, size_t *len)
{
	size_t n = *len;

	while (n && is_xml_space(*s)) {
		s++;
		n--;
	}
	while (n && is_xml_space(s[n - 1]))
		n--;
	s[n] = '\0';
	*len = n;
	return s;
}

void
norm_lower(char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] = (char)(s[i] + ('a' - 'A'));
}

int
norm_ip_parse(const char *s, int *family, uint8_t addr[16])
{
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, s, addr) == 1) {
		*family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, addr) == 1) {
		*family = 6;
		return 0;
	}
	return -1;
}

/* Dotted quad of a[0..3] at out; returns the end. */
static char *
format_ipv4(const uint8_t a[4], char *out)
{
	int i;

	for (i = 0; i < 4; i++) {
		unsigned v = a[i];

		if (i)
			*out++ = '.';
		if (v >= 100)
			*out++ = (char)('0' + v / 100);
		if (v >= 10)
			*out++ = (char)('0' + v / 10 % 10);
		*out++ = (char)('0' + v % 10);
	}
	return out;
}

/*
 * RFC 5952 text, as glibc's inet_ntop() writes it (the unit tests compare
 * the two): lower-case hex without leading zeros, the first longest run of
 * two or more zero groups as "::", and the IPv4-compatible and IPv4-mapped
 * forms in dotted-quad notation.
 */
static char *
format_ipv6(const uint8_t a[16], char *out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned words[8];
	int i, best = -1, bestlen = 0, cur = -1;

	for (i = 0; i < 8; i++)
		words[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
	for (i = 0; i <= 8; i++) {
		if (i < 8 && words[i] == 0) {
			if (cur < 0)
				cur = i;
		} else if (cur >= 0) {
			if (i - cur > bestlen) {
				best = cur;
				bestlen = i - cur;
			}
			cur = -1;
		}
	}
	if (bestlen < 2)
		best = -1;
	for (i = 0; i < 8; i++) {
		unsigned w = words[i];
		int shift;

		if (best >= 0 && i >= best && i < best + bestlen) {
			if (i == best)
				*out++ = ':';
			continue;
		}
		if (i)
			*out++ = ':';
		if (i == 6 && best == 0 && (bestlen == 6 || (bestlen == 5 && words[5] == 0xffff)))
			return format_ipv4(a + 12, out);
		for (shift = 12; shift > 0 && !(w >> shift); shift -= 4)
			;
		for (; shift >= 0; shift -= 4)
			*out++ = hex[(w >> shift) & 15];
	}
	if (best >= 0 && best + bestlen == 8)
		*out++ = ':';
	return out;
}

size_t
norm_ip_format(int family, const uint8_t addr[16], char out[NORM_IP_MAX])
{
	char *end = family == 4 ? format_ipv4(addr, out) : format_ipv6(addr, out);

	*end = '\0';
	return (size_t)(end - out);
}


void
norm_domain(char *s)
{
	size_t len;

	if (!s)
		return;
	len = strlen(s);
	norm_lower(s, len);
	while (len > 0 && s[len - 1] == '.')
		s[--len] = '\0';
}

int
norm_number(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	const char *end = s + len;
	uint64_t v = 0;
	bool digits = false;

	while (s < end && is_xml_space(*s))
		s++;
	while (end > s && is_xml_space(end[-1]))
		end--;
	if (s < end && *s == '+')
		s++;
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned)(*s - '0');

		if (v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
		digits = true;
	}
	/* "1337270400.0": a fraction of zeros says nothing more. */
	if (digits && s < end && *s == '.')
		for (s++; s < end && *s == '0'; s++)
			;
	if (!digits || s != end)
		return -1;
	*out = v;
	return 0;
}
