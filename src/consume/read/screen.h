/*
 * screen.h - is a stream entry a record of its stream's kind?
 *
 * Anything in a stream is input: whoever may XADD to it (a mistake by
 * hand, another program, an attacker with the key) can put there what no
 * dmarc-pipe writes.  Every entry read is checked here before a sink sees
 * it, against what dmarc-pipe guarantees: the kind's name, a rid of 32
 * hex digits, an ord, numbers as decimal digits no larger than 2^53 - 1
 * (what a JSON reader keeps exactly), text as valid UTF-8.  Fields the
 * schema does not name are left alone: a newer dmarc-pipe may add some.
 * An entry that fails is parked (reader_int.h) and never reaches a sink.
 */
#ifndef DP_SCREEN_H
#define DP_SCREEN_H

#include <stddef.h>

#include "entry.h"
#include "schema.h"

#define SCREEN_FIELDS_MAX 128

/* How a field's flat value must look. */
enum screen_type {
	SCREEN_TEXT,		/* valid UTF-8 (a list's items too) */
	SCREEN_NUMBER,		/* one number */
	SCREEN_NUMBERS,		/* comma-separated numbers, an item may be empty (a table's count column) */
};

struct screen {
	const struct kind_schema *kind;
	size_t kind_len;			/* of kind->name */
	const char *keys[SCREEN_FIELDS_MAX];	/* the flat keys, in schema order (the schema's strings) */
	size_t lens[SCREEN_FIELDS_MAX];		/* their lengths */
	enum screen_type types[SCREEN_FIELDS_MAX];
	size_t n;
};

/* The rules of kind k's entries; 0, or -1 when the schema has more fields than room (a programming error). */
int screen_init(struct screen *s, const struct kind_schema *k);

/*
 * NULL when e is a record of s's kind (an entry deleted from the stream,
 * e->fields NULL, is left for the sinks to skip); else why it is not, a
 * static string from a short fixed list (a metric label): "no rid",
 * "bad rid", "no ord", "bad ord", "wrong kind", "bad number", "bad text".
 * When detail is not NULL, the offending key is put there (at most len bytes).
 */
const char *screen_entry(const struct screen *s, const struct entry *e, char *detail, size_t len);

#endif
