/* tally.c - counts by name; see tally.h. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "tally.h"

static const char *
row_name(const void *rows, size_t i)
{
	return ((const struct tally_row *)rows)[i].name;
}

struct tally_row *
tally_get(struct tally *t, const char *name, size_t len)
{
	size_t i = index_find(&t->ix, name, len, row_name, t->v);

	if (i != (size_t)-1)
		return &t->v[i];
	if (grow((void **)&t->v, &t->cap, t->n, sizeof *t->v, 16) < 0)
		return NULL;
	t->v[t->n] = (struct tally_row){ strndup(name, len), 0, 0 };
	if (!t->v[t->n].name)
		return NULL;
	if (index_add(&t->ix, t->n, row_name, t->v) < 0) {
		free(t->v[t->n].name);
		return NULL;
	}
	return &t->v[t->n++];
}

static int
by_size(const void *a, const void *b)
{
	const struct tally_row *x = a, *y = b;
	unsigned long long sx = x->a + x->b, sy = y->a + y->b;

	if (sx != sy)
		return sx > sy ? -1 : 1;
	return strcmp(x->name, y->name);
}

void
tally_sort(struct tally *t)
{
	if (t->n)
		qsort(t->v, t->n, sizeof *t->v, by_size);
	index_free(&t->ix);	/* rows moved: the index no longer says where they are */
}

void
tally_free(struct tally *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->v[i].name);
	free(t->v);
	index_free(&t->ix);
	*t = (struct tally){ 0 };
}
