/* hostport.c - "host:port" and lists of them; see hostport.h. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "hostport.h"

static bool
blank(char c)
{
	return c == ' ' || c == '\t';
}

bool
hostport_next(const char **cursor, const char **item, size_t *len)
{
	const char *p = *cursor, *end;

	while (blank(*p) || *p == ',')
		p++;
	if (!*p) {
		*cursor = p;
		return false;
	}
	if (!(end = strchr(p, ',')))
		end = p + strlen(p);
	*cursor = end;
	while (end > p && blank(end[-1]))
		end--;
	*item = p;
	*len = (size_t)(end - p);
	return true;
}

int
hostport_parse(const char *s, size_t len, unsigned default_port, struct hostport *hp, char *why, size_t whylen)
{
	const char *host = s, *port = NULL, *end = s + len;
	size_t hl;
	unsigned long v = 0;

	if (len && s[0] == '[') {
		const char *close = memchr(s, ']', len);

		if (!close) {
			snprintf(why, whylen, "\"%.*s\": unclosed [", (int)len, s);
			return -1;
		}
		host = s + 1;
		hl = (size_t)(close - host);
		if (close + 1 < end) {
			if (close[1] != ':') {
				snprintf(why, whylen, "\"%.*s\": want [address]:port", (int)len, s);
				return -1;
			}
			port = close + 2;
		}
	} else {
		const char *colon = memchr(s, ':', len);

		/* A second colon without brackets is an IPv6 address whose port cannot be told apart. */
		if (colon && memchr(colon + 1, ':', (size_t)(end - colon - 1))) {
			snprintf(why, whylen, "\"%.*s\": write an IPv6 address as [address]:port", (int)len, s);
			return -1;
		}
		hl = colon ? (size_t)(colon - s) : len;
		if (colon)
			port = colon + 1;
	}
	if (hl == 0 || hl >= sizeof hp->host) {
		snprintf(why, whylen, "\"%.*s\": %s", (int)len, s, hl ? "host name too long" : "no host");
		return -1;
	}
	if (port) {
		const char *p;

		if (port == end) {
			snprintf(why, whylen, "\"%.*s\": no port after the colon", (int)len, s);
			return -1;
		}
		for (p = port; p < end; p++) {
			if (*p < '0' || *p > '9' || v > 65535) {
				snprintf(why, whylen, "\"%.*s\": the port must be a number from 0 to 65535", (int)len, s);
				return -1;
			}
			v = v * 10 + (unsigned long)(*p - '0');
		}
	} else if (!(v = default_port)) {
		snprintf(why, whylen, "\"%.*s\": want host:port", (int)len, s);
		return -1;
	}
	if (v > 65535) {
		snprintf(why, whylen, "\"%.*s\": the port must be a number from 0 to 65535", (int)len, s);
		return -1;
	}
	memcpy(hp->host, host, hl);
	hp->host[hl] = '\0';
	hp->port = (unsigned)v;
	return 0;
}
