/* kind.c - the registry of report kinds; see kind.h. */
#include "config.h"

#include "kind.h"

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

size_t
kind_index(const struct kind *k)
{
	size_t i;

	for (i = 0; kinds[i] && kinds[i] != k; i++)
		;
	return i;
}
