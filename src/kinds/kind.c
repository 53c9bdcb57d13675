/* kind.c - the registry of report kinds; see kind.h. */
#include "config.h"

#include "kind.h"
#include "schema.h"

#define KIND_ENTRY_(k) &kind_##k,
const struct kind *const kinds[] = { KIND_LIST(KIND_ENTRY_) NULL };

void
kinds_init(void)
{
	size_t i;

	for (i = 0; kinds[i]; i++)
		if (kinds[i]->init)
			kinds[i]->init();
}

int
kind_seek_index(void *state, struct kind_cursor *c, size_t ord)
{
	(void)state;
	c->ord = ord;
	return 0;
}

const struct kind *
kind_for(enum kind_source src)
{
	size_t i;

	for (i = 0; kinds[i]; i++)
		if (kinds[i]->source == src)
			return kinds[i];
	return NULL;
}

const char *
refusal_name(enum refusal r)
{
	switch (r) {
	case REFUSED_DOMAIN: return "not_our_domain";
	case REFUSED_AUTH: return "not_authenticated";
	default: return "broken";
	}
}

void
kind_record_tail(const struct kind_report *r, struct fields *f)
{
	origin_fields(r->origin, f);
}

bool
kind_domain_ours(const struct conf *c, const char *name, size_t len, struct kind_parse *out)
{
	if (name && conf_report_domain_ok(c, name, len))
		return true;
	out->refusal = REFUSED_DOMAIN;
	out->domain = name;
	out->domain_len = name ? len : 0;
	return false;
}

size_t
kind_index(const struct kind *k)
{
	size_t i;

	for (i = 0; kinds[i] && kinds[i] != k; i++)
		;
	return i;
}
