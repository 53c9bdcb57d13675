/*
 * cidr.h - addresses and networks, IPv4 and IPv6 alike: an IPv4 address
 * is held as ::ffff:a.b.c.d, so one comparison serves both.
 */
#ifndef DP_CIDR_H
#define DP_CIDR_H

#include <stdbool.h>
#include <stddef.h>

struct cidr {
	unsigned char addr[16];
	unsigned prefix;	/* bits of addr that count, 0..128 */
};

/* An address s[0..len) into out; 0, or -1 when it is none. */
int cidr_addr(const char *s, size_t len, unsigned char out[16]);
/* "192.0.2.0/24", "2001:db8::/32" or one address (NUL-terminated); 0, or -1 when it is none. */
int cidr_parse(const char *s, struct cidr *n);
/* Whether address a is in n. */
bool cidr_has(const struct cidr *n, const unsigned char a[16]);

/*
 * A list of networks separated by commas or spaces ("127.0.0.1,
 * 192.0.2.0/24 ::1") into *out (owned by the caller; NULL for an empty
 * list), *n of them.  0, or -1 with the first that is none in why.
 */
int cidr_list_parse(const char *s, struct cidr **out, size_t *n, char *why, size_t whylen);
/* Whether address a is in one of the n networks. */
bool cidr_list_has(const struct cidr *v, size_t n, const unsigned char a[16]);

#endif
