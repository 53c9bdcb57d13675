/* strtab.c - string interning with open addressing; see strtab.h. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "strtab.h"

static int
strtab_grow(struct strtab *t)
{
	size_t n = t->nslots ? t->nslots * 2 : 256, i;
	struct strtab_slot *slots;

	if (n > SIZE_MAX / sizeof *slots || !(slots = calloc(n, sizeof *slots))) {
		errno = ENOMEM;
		return -1;
	}
	for (i = 0; i < t->nslots; i++) {
		size_t j;

		if (!t->slots[i].id)
			continue;
		for (j = t->slots[i].hash & (n - 1); slots[j].id; j = (j + 1) & (n - 1))
			;
		slots[j] = t->slots[i];
	}
	free(t->slots);
	t->slots = slots;
	t->nslots = n;
	return 0;
}

int
strtab_intern(struct strtab *t, const char *s, size_t len, uint32_t *id)
{
	/* Keyed: the strings are the sender's (hash.h). */
	uint32_t h = (uint32_t)hash_keyed(s, len);
	size_t j, off;

	if (t->count + 1 > t->nslots / 2 && strtab_grow(t) < 0)
		return -1;
	for (j = h & (t->nslots - 1); t->slots[j].id; j = (j + 1) & (t->nslots - 1)) {
		const char *have = t->arena.data + t->slots[j].id - 1;

		t->probes++;
		if (t->slots[j].hash == h && !memcmp(have, s, len) && have[len] == '\0') {
			*id = t->slots[j].id;
			return 0;
		}
	}
	off = t->arena.len;
	if (buf_append(&t->arena, s, len) < 0 || buf_putc(&t->arena, '\0') < 0)
		return -1;
	t->slots[j].id = (uint32_t)(off + 1);
	t->slots[j].hash = h;
	t->count++;
	*id = t->slots[j].id;
	return 0;
}

uint32_t
strtab_find(const struct strtab *t, const char *s, size_t len)
{
	uint32_t h = (uint32_t)hash_keyed(s, len);
	size_t j;

	if (!t->nslots)
		return 0;
	for (j = h & (t->nslots - 1); t->slots[j].id; j = (j + 1) & (t->nslots - 1)) {
		const char *have = t->arena.data + t->slots[j].id - 1;

		if (t->slots[j].hash == h && !memcmp(have, s, len) && have[len] == '\0')
			return t->slots[j].id;
	}
	return 0;
}

const char *
strtab_get(const struct strtab *t, uint32_t id)
{
	return id ? t->arena.data + id - 1 : NULL;
}

void
strtab_reset(struct strtab *t)
{
	buf_reset(&t->arena);
	if (t->slots)
		memset(t->slots, 0, t->nslots * sizeof *t->slots);
	t->count = 0;
}

void
strtab_free(struct strtab *t)
{
	buf_free(&t->arena);
	free(t->slots);
	t->slots = NULL;
	t->nslots = t->count = 0;
}
