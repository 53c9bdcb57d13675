/*
 * arena.h - memory for one report's values, freed all at once.
 *
 * Blocks are never moved, so a pointer into the arena stays valid until
 * arena_reset() or arena_free(); a ceiling bounds the total.  Small
 * reports (TLS, failure) keep their strings and tables here.
 */
#ifndef DP_ARENA_H
#define DP_ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
	struct arena_block *head;	/* owned: the block being filled, then older ones */
	size_t used;			/* bytes handed out since the last reset */
	size_t max;			/* ceiling on used */
};

#define ARENA_INIT(ceiling) { NULL, 0, (ceiling) }

/* size bytes aligned for any type; NULL with errno ENOMEM or EFBIG (the ceiling). */
void *arena_alloc(struct arena *a, size_t size);
/* A NUL-terminated copy of s[0..len); NULL with errno as arena_alloc. */
char *arena_strndup(struct arena *a, const char *s, size_t len);
/* Forget everything handed out, keeping one block for reuse. */
void arena_reset(struct arena *a);
void arena_free(struct arena *a);

#endif
