/* sources.c - loading what is known about senders; see sources.h. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <libpsl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sources.h"

/* Where Debian's publicsuffix package puts the list; libpsl's own copy when it is not there. */
#define PSL_FILE "/usr/share/publicsuffix/public_suffix_list.dafsa"

void
sources_close(struct sources *s)
{
	if (!s)
		return;
	services_free(s->services);
	approved_free(s->approved);
	geo_close(s->geo);
	if (s->psl_loaded)
		psl_free(s->psl_loaded);
	free(s);
}

struct sources *
sources_open(const struct conf *c, char *err, size_t errlen)
{
	struct sources *s = calloc(1, sizeof *s);
	const char *table;

	if (!s) {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		return NULL;
	}
	s->conf = c;
	table = c->services_file;
	/*
	 * The shipped table where it was to be installed, and it is not there
	 * (a build not installed, a package without it): services go unnamed,
	 * said once; a table the operator names must be there.
	 */
	if (table && !strcmp(table, SERVICES_TABLE_DEFAULT) && access(table, F_OK) < 0 && errno == ENOENT) {
		log_warn("event=config reason=\"%s: %s: sending services go unnamed (set services_table)\"", table,
			 strerror(errno));
		table = NULL;
	}
	if (!(s->services = services_load(table, c->services_extra, err, errlen)))
		goto fail;
	if (c->approved_senders && !(s->approved = approved_load(c->approved_senders, s->services, err, errlen)))
		goto fail;
	if (!(s->geo = geo_open(c->geoip_db, c->asn_db, err, errlen)))
		goto fail;
	/* The newer of the installed list and the built-in one. */
	s->psl_loaded = psl_latest(PSL_FILE);
	s->psl = s->psl_loaded ? s->psl_loaded : psl_builtin();
	return s;
fail:
	sources_close(s);
	return NULL;
}

void
sources_base_domain(const struct sources *s, const char *name, size_t len, char *out, size_t outlen)
{
	char lower[256];
	const char *base;
	size_t i;

	out[0] = '\0';
	if (len && name[len - 1] == '.')
		len--;	/* a trailing dot gives wrong answers */
	if (!s->psl || len == 0 || len >= sizeof lower)
		return;
	for (i = 0; i < len; i++)	/* and so does upper case */
		lower[i] = (char)tolower((unsigned char)name[i]);
	lower[len] = '\0';
	if ((base = psl_registrable_domain(s->psl, lower)))
		snprintf(out, outlen, "%s", base);
}
