/* geo.c - MMDB look-ups of country and AS; see geo.h. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <maxminddb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "geo.h"

struct geo {
	MMDB_s country, asn;
	bool has_country, has_asn;
};

void
geo_close(struct geo *g)
{
	if (!g)
		return;
	if (g->has_country)
		MMDB_close(&g->country);
	if (g->has_asn)
		MMDB_close(&g->asn);
	free(g);
}

static int
open_db(const char *path, MMDB_s *db, char *err, size_t errlen)
{
	int rc;

	/* libmaxminddb says "Error opening the specified MaxMind DB file" for any reason: say which. */
	if (access(path, R_OK) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((rc = MMDB_open(path, MMDB_MODE_MMAP, db)) == MMDB_SUCCESS)
		return 0;
	snprintf(err, errlen, "%s: %s", path, MMDB_strerror(rc));
	return -1;
}

struct geo *
geo_open(const char *country_db, const char *asn_db, char *err, size_t errlen)
{
	struct geo *g = calloc(1, sizeof *g);

	if (!g) {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		return NULL;
	}
	if (country_db) {
		if (open_db(country_db, &g->country, err, errlen) < 0)
			goto fail;
		g->has_country = true;
	}
	if (asn_db) {
		if (open_db(asn_db, &g->asn, err, errlen) < 0)
			goto fail;
		g->has_asn = true;
	}
	return g;
fail:
	geo_close(g);
	return NULL;
}

/* A string value at path into out (printable, at most outlen - 1 bytes); 0 when found. */
static int
get_string(MMDB_entry_s *e, char *out, size_t outlen, const char *const *path)
{
	MMDB_entry_data_s d;
	size_t i, n = 0;

	if (MMDB_aget_value(e, &d, path) != MMDB_SUCCESS || !d.has_data || d.type != MMDB_DATA_TYPE_UTF8_STRING)
		return -1;
	/* Not NUL-terminated, and the database's: control characters stay out of records and labels. */
	for (i = 0; i < d.data_size && n + 1 < outlen; i++) {
		unsigned char c = (unsigned char)d.utf8_string[i];

		out[n++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
	}
	if (i < d.data_size) {	/* cut short: not in the middle of a UTF-8 sequence */
		while (n && ((unsigned char)out[n - 1] & 0xc0) == 0x80)
			n--;
		if (n && ((unsigned char)out[n - 1] & 0x80))
			n--;
	}
	out[n] = '\0';
	return n ? 0 : -1;
}

static uint32_t
get_asn(MMDB_entry_s *e)
{
	static const char *const number[] = { "autonomous_system_number", NULL };
	static const char *const flat[] = { "asn", NULL };
	MMDB_entry_data_s d;
	char text[16];
	const char *p;

	if (MMDB_aget_value(e, &d, number) == MMDB_SUCCESS && d.has_data) {
		if (d.type == MMDB_DATA_TYPE_UINT32)
			return d.uint32;
		if (d.type == MMDB_DATA_TYPE_UINT16)
			return d.uint16;
	}
	if (get_string(e, text, sizeof text, flat) < 0 && get_string(e, text, sizeof text, number) < 0)
		return 0;
	p = text + (strncasecmp(text, "AS", 2) ? 0 : 2);	/* IPinfo: "AS13335" */
	return (uint32_t)strtoul(p, NULL, 10);
}

static void
get_country(MMDB_entry_s *e, char out[4])
{
	static const char *const nested[] = { "country", "iso_code", NULL };
	static const char *const flat[] = { "country_code", NULL };
	char code[8];
	size_t i;

	out[0] = '\0';
	if (get_string(e, code, sizeof code, nested) < 0 && get_string(e, code, sizeof code, flat) < 0)
		return;
	for (i = 0; i < 2; i++)
		if (!isalpha((unsigned char)code[i]))
			return;
	if (code[2])
		return;
	out[0] = (char)toupper((unsigned char)code[0]);
	out[1] = (char)toupper((unsigned char)code[1]);
	out[2] = '\0';
}

static bool
find(const MMDB_s *db, const char *addr, MMDB_entry_s *e)
{
	int gai, rc;
	MMDB_lookup_result_s r = MMDB_lookup_string((MMDB_s *)db, addr, &gai, &rc);

	if (gai || rc != MMDB_SUCCESS || !r.found_entry)
		return false;
	*e = r.entry;
	return true;
}

void
geo_lookup(const struct geo *g, const char *addr, struct geo_info *out)
{
	static const char *const org[] = { "autonomous_system_organization", NULL };
	static const char *const as_name[] = { "as_name", NULL };
	MMDB_entry_s e;

	memset(out, 0, sizeof *out);
	if (!g || !addr || !*addr)
		return;
	if (g->has_country && find(&g->country, addr, &e))
		get_country(&e, out->country);
	if (g->has_asn && find(&g->asn, addr, &e)) {
		out->asn = get_asn(&e);
		if (get_string(&e, out->as_org, sizeof out->as_org, org) < 0 &&
		    get_string(&e, out->as_org, sizeof out->as_org, as_name) < 0)
			out->as_org[0] = '\0';
	}
}
