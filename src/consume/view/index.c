/* index.c - rows by name, open addressing; see index.h. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "index.h"

size_t
index_find(const struct index *ix, const char *name, size_t len, const char *(*names)(const void *, size_t),
	   const void *rows)
{
	size_t mask = ix->nslot - 1, i;

	if (!ix->nslot)
		return (size_t)-1;
	for (i = (size_t)hash_keyed(name, len) & mask; ix->slot[i]; i = (i + 1) & mask) {
		const char *s = names(rows, ix->slot[i] - 1);

		if (strlen(s) == len && !memcmp(s, name, len))
			return ix->slot[i] - 1;
	}
	return (size_t)-1;
}

static void
place(size_t *slot, size_t mask, size_t row, const char *name)
{
	size_t i;

	for (i = (size_t)hash_keyed(name, strlen(name)) & mask; slot[i]; i = (i + 1) & mask)
		;
	slot[i] = row + 1;
}

int
index_add(struct index *ix, size_t row, const char *(*names)(const void *, size_t), const void *rows)
{
	if (2 * (ix->n + 1) > ix->nslot) {	/* at most half full: probes stay short */
		size_t nslot = ix->nslot ? 2 * ix->nslot : 64, i;
		size_t *slot = calloc(nslot, sizeof *slot);

		if (!slot)
			return -1;
		for (i = 0; i < ix->nslot; i++)
			if (ix->slot[i])
				place(slot, nslot - 1, ix->slot[i] - 1, names(rows, ix->slot[i] - 1));
		free(ix->slot);
		ix->slot = slot;
		ix->nslot = nslot;
	}
	place(ix->slot, ix->nslot - 1, row, names(rows, row));
	ix->n++;
	return 0;
}

void
index_free(struct index *ix)
{
	free(ix->slot);
	*ix = (struct index){ NULL, 0, 0 };
}
