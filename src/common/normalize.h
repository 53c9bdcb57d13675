/*
 * normalize.h - turning report text into the record's canonical values.
 *
 * All functions work in place or into caller buffers; none allocates.
 * Return 0 on success, -1 when the text is not a valid value of its kind.
 */
#ifndef DP_NORMALIZE_H
#define DP_NORMALIZE_H

#include <stddef.h>
#include <stdint.h>

/* Largest count we accept: integers beyond 2^53 do not survive JSON readers. */
#define NORM_COUNT_MAX 9007199254740991ULL
/* 9999-12-31T23:59:59Z */
#define NORM_TIME_MAX 253402300799LL

/* Strip XML white space (space, TAB, CR, LF) from both ends; returns the new start. */
char *norm_trim(char *s, size_t *len);

/* ASCII lower case, in place (enumerations, domain names). */
void norm_lower(char *s, size_t len);

/* A domain name, in place: lower case, trailing dots dropped; NULL is left alone. */
void norm_domain(char *s);

/* Room for an IPv4 or IPv6 address in canonical text form (RFC 5952 for IPv6). */
#define NORM_IP_MAX 46

/* The same address in binary: *family 4 or 6, addr in network order. */
int norm_ip_parse(const char *s, int *family, uint8_t addr[16]);

/* The canonical text of a binary address (family 4 or 6); returns its length. */
size_t norm_ip_format(int family, const uint8_t addr[16], char out[NORM_IP_MAX]);

/*
 * A whole number 0..max in decimal, in the forms reporters write it:
 * digits with optional surrounding white space, a leading '+', and a
 * fraction of zeros ("1337270400.0").  A sign '-', an exponent, a
 * non-zero fraction or anything else is refused: its meaning is not sure.
 */
int norm_number(const char *s, size_t len, uint64_t max, uint64_t *out);

#endif
