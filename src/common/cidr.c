/* cidr.c - addresses and networks; see cidr.h. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"

int
cidr_addr(const char *s, size_t len, unsigned char out[16])
{
	char text[INET6_ADDRSTRLEN];
	struct in_addr v4;

	if (len == 0 || len >= sizeof text)
		return -1;
	memcpy(text, s, len);
	text[len] = '\0';
	if (inet_pton(AF_INET, text, &v4) == 1) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &v4, 4);
		return 0;
	}
	return inet_pton(AF_INET6, text, out) == 1 ? 0 : -1;
}

int
cidr_parse(const char *s, struct cidr *n)
{
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);
	bool v4 = !memchr(s, ':', len);
	unsigned max = v4 ? 32 : 128;
	char *end;
	unsigned long prefix = max;

	if (cidr_addr(s, len, n->addr) < 0)
		return -1;
	if (slash) {
		errno = 0;
		prefix = strtoul(slash + 1, &end, 10);
		if (errno || end == slash + 1 || *end || prefix > max || slash[1] < '0' || slash[1] > '9')
			return -1;
	}
	n->prefix = (unsigned)prefix + (v4 ? 96 : 0);
	return 0;
}

bool
cidr_has(const struct cidr *n, const unsigned char a[16])
{
	unsigned full = n->prefix / 8, rest = n->prefix % 8;

	if (memcmp(n->addr, a, full))
		return false;
	return !rest || ((n->addr[full] ^ a[full]) & (0xff << (8 - rest))) == 0;
}

int
cidr_list_parse(const char *s, struct cidr **out, size_t *n, char *why, size_t whylen)
{
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	while (s && *s) {
		char tok[80];
		size_t len = strcspn(s, ", \t");

		if (len == 0) {
			s++;
			continue;
		}
		if (len >= sizeof tok) {
			snprintf(why, whylen, "\"%.20s...\" is no address or network", s);
			goto fail;
		}
		memcpy(tok, s, len);
		tok[len] = '\0';
		s += len;
		if (*n == cap) {
			struct cidr *v = realloc(*out, (cap = cap ? 2 * cap : 4) * sizeof *v);

			if (!v) {
				snprintf(why, whylen, "%s", strerror(ENOMEM));
				goto fail;
			}
			*out = v;
		}
		if (cidr_parse(tok, &(*out)[*n]) < 0) {
			snprintf(why, whylen, "\"%s\" is no address or network", tok);
			goto fail;
		}
		++*n;
	}
	return 0;
fail:
	free(*out);
	*out = NULL;
	*n = 0;
	return -1;
}

bool
cidr_list_has(const struct cidr *v, size_t n, const unsigned char a[16])
{
	size_t i;

	for (i = 0; i < n; i++)
		if (cidr_has(&v[i], a))
			return true;
	return false;
}
