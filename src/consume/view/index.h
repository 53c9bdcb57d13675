/*
 * index.h - which row of a table holds a name: names come from reports
 * (addresses, domains, MX hosts), so the hash is keyed (hash.h) and a
 * sender cannot make every look-up walk the table.
 */
#ifndef DP_INDEX_H
#define DP_INDEX_H

#include <stddef.h>

struct index {
	size_t *slot;		/* owned: row + 1, 0 empty */
	size_t nslot;		/* a power of two, or 0 */
	size_t n;
};

/*
 * The row of name[0..len) in rows (n of them, names(row) giving each
 * row's NUL-terminated name), or (size_t)-1 when none has it.
 */
size_t index_find(const struct index *ix, const char *name, size_t len, const char *(*names)(const void *rows, size_t row),
		  const void *rows);
/* Record that row holds its name (not there yet); 0, or -1 on ENOMEM. */
int index_add(struct index *ix, size_t row, const char *(*names)(const void *rows, size_t row), const void *rows);
void index_free(struct index *ix);

#endif
