/*
 * hostport.h - "host:port" as operators write it in the settings:
 * "mx1.example.net:6379", "192.0.2.7:26379", "[2001:db8::7]:26379", and
 * comma-separated lists of them.
 */
#ifndef DP_HOSTPORT_H
#define DP_HOSTPORT_H

#include <stdbool.h>
#include <stddef.h>

#define HOSTPORT_HOST_MAX 256

struct hostport {
	char host[HOSTPORT_HOST_MAX];	/* without IPv6 brackets */
	unsigned port;
};

/*
 * Split s[0..len) into host and port.  A missing ":port" takes
 * default_port, or is an error when default_port is 0.  Port 0 is
 * accepted (a listener's "any port"); a caller connecting refuses it.
 * 0, or -1 with the reason in why ("want host:port", ...).
 */
int hostport_parse(const char *s, size_t len, unsigned default_port, struct hostport *hp, char *why, size_t whylen);

/*
 * The next item of a comma-separated list, blanks around it trimmed:
 * *cursor starts at the list and moves past the item.  False at the end.
 */
bool hostport_next(const char **cursor, const char **item, size_t *len);

#endif
