/*
 * domain.h - domain names as report_domains and authserv_id compare them.
 *
 * Comparison is ASCII case-insensitive and ignores one trailing dot; a
 * name is within a parent when it is the parent or a subdomain of it
 * (a label boundary, so "notexample.com" is not within "example.com").
 */
#ifndef DP_DOMAIN_H
#define DP_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>

/* Whether name[0..len) is parent[0..plen) or below it. */
bool domain_within(const char *name, size_t len, const char *parent, size_t plen);

/* The domain of an address in text ("Name <a@b.example>", "a@b.example"): *len bytes at the result, or NULL. */
const char *domain_of_address(const char *text, size_t *len);

/*
 * A list of domains is text, "example.com, example.org" (commas or
 * spaces).  domain_list_check: 0, or -1 with a reason in err when an item
 * is no domain name.  domain_list_has: whether name[0..len) is within
 * one of list's items.
 */
int domain_list_check(const char *list, char *err, size_t errlen);
bool domain_list_has(const char *list, const char *name, size_t len);

#endif
