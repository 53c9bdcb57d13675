/*
 * strtab.h - string interning for the records of one report.
 *
 * A report repeats the same few strings (its domain, "pass", "none") in
 * every record; interning keeps each once, so records are arrays of
 * 32-bit ids and a 100,000-record report stays a few megabytes.  Id 0 is
 * the absent value (null).  Pointers from strtab_get() stay valid until
 * the next strtab_intern() or strtab_reset().
 */
#ifndef DP_STRTAB_H
#define DP_STRTAB_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct strtab {
	struct buf arena;	/* NUL-terminated strings back to back; id = offset + 1 */
	struct strtab_slot { uint32_t id, hash; } *slots;
	size_t nslots;		/* a power of two, or 0 */
	size_t count;
	uint64_t probes;	/* occupied slots looked at by strtab_intern(): stays near count unless hashes collide */
};

#define STRTAB_INIT { BUF_INIT(UINT32_MAX - 1), NULL, 0, 0, 0 }

/* Intern s[0..len); 0 with *id set (never 0), or -1 with errno. */
int strtab_intern(struct strtab *t, const char *s, size_t len, uint32_t *id);
/* The id of s[0..len) when it was interned, else 0. */
uint32_t strtab_find(const struct strtab *t, const char *s, size_t len);

/* The string for id, or NULL for id 0. */
const char *strtab_get(const struct strtab *t, uint32_t id);
void strtab_reset(struct strtab *t);
void strtab_free(struct strtab *t);

#endif
