/* normalize.c - canonical values; see normalize.h. */
#include "config.h"

#include <arpa/inet.h>
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

int
norm_ip(const char *s, char out[NORM_IP_MAX])
{
	uint8_t addr[16];
	int family;

	if (norm_ip_parse(s, &family, addr) < 0)
		return -1;
	return inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, out, NORM_IP_MAX) ? 0 : -1;
}

int
norm_uint(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (unsigned)(s[i] - '0');
		if (v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}
