/*
 * geo.h - country, AS number and AS organisation of an address, from
 * MaxMind-format databases the operator supplies (GeoLite2, DB-IP lite,
 * IPinfo lite: README says where they come from).
 *
 * Their layouts differ, so the keys are probed: country.iso_code or a
 * flat country_code; autonomous_system_number or a flat "AS123" asn;
 * autonomous_system_organization or as_name.  One file may serve both.
 */
#ifndef DP_GEO_H
#define DP_GEO_H

#include <stdint.h>
#include <stddef.h>

struct geo;

struct geo_info {
	char country[4];	/* ISO 3166 code, upper case; "" unknown */
	uint32_t asn;		/* 0 unknown */
	char as_org[128];	/* "" unknown; printable ASCII and UTF-8 only */
};

/* Open what is set (either may be NULL); NULL with "FILE: why" in err. */
struct geo *geo_open(const char *country_db, const char *asn_db, char *err, size_t errlen);
void geo_close(struct geo *g);

/* What the databases say of addr (text); all unknown when g is NULL or addr is none. */
void geo_lookup(const struct geo *g, const char *addr, struct geo_info *out);

#endif
