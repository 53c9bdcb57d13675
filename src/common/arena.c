/* arena.c - a bump allocator in unmoving blocks; see arena.h. */
#include "config.h"

#include <errno.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

#define BLOCK_SIZE (64 * 1024)
#define ALIGN alignof(max_align_t)

struct arena_block {
	struct arena_block *next;	/* older blocks */
	size_t size, fill;		/* of data */
	alignas(max_align_t) unsigned char data[];
};

void *
arena_alloc(struct arena *a, size_t size)
{
	struct arena_block *b = a->head;
	size_t need = (size + ALIGN - 1) & ~(ALIGN - 1);
	void *p;

	if (need < size || (a->max && need > a->max - a->used)) {
		errno = EFBIG;
		return NULL;
	}
	if (!b || b->size - b->fill < need) {
		size_t bs = need > BLOCK_SIZE ? need : BLOCK_SIZE;

		if (!(b = malloc(sizeof *b + bs))) {
			errno = ENOMEM;
			return NULL;
		}
		b->size = bs;
		b->fill = 0;
		b->next = a->head;
		a->head = b;
	}
	p = b->data + b->fill;
	b->fill += need;
	a->used += need;
	return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t len)
{
	char *p = len < SIZE_MAX ? arena_alloc(a, len + 1) : NULL;

	if (!p)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* Free the blocks after b. */
static void
free_after(struct arena_block *b)
{
	struct arena_block *next;

	for (b = b->next; b; b = next) {
		next = b->next;
		free(b);
	}
}

void
arena_reset(struct arena *a)
{
	/* Keep the newest block if it is an ordinary one; a giant one goes. */
	if (a->head && a->head->size == BLOCK_SIZE) {
		free_after(a->head);
		a->head->next = NULL;
		a->head->fill = 0;
	} else {
		arena_free(a);
	}
	a->used = 0;
}

void
arena_free(struct arena *a)
{
	if (a->head) {
		free_after(a->head);
		free(a->head);
	}
	a->head = NULL;
	a->used = 0;
}
