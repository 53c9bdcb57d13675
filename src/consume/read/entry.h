/*
 * entry.h - stream entries as a read returns them.
 *
 * An entry points into the hiredis reply it came from: it lives as long
 * as the struct entries that holds both.  A sink that keeps anything past
 * its take() copies it.
 */
#ifndef DP_ENTRY_H
#define DP_ENTRY_H

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "schema.h"

/* Stream IDs are "<ms>-<seq>", two 64-bit numbers. */
#define STREAM_ID_MAX 42

struct entry {
	const char *id;			/* its stream ID */
	const redisReply *fields;	/* key, value, ...; NULL when the entry was deleted */
	uint64_t ms;			/* the ID's time: when dmarc-pipe stored the record */
};

/* The entries of one stream from one read, in ID order. */
struct entries {
	const struct kind_schema *kind;	/* whose stream */
	size_t stream;			/* its index in kind_schemas[] */
	struct entry *v;		/* owned */
	size_t n;
	bool recovered;			/* delivered before (claimed, or our own pending): may be written already */
	redisReply *reply;		/* owned: what v points into */
};

/*
 * The entries of a reply's [id, [field, value, ...]] array (XREADGROUP's
 * per-stream list, XCLAIM's reply).  Takes reply; 0, or -1 with errno
 * (EPROTO when the reply is not such a list).
 */
int entries_from_reply(struct entries *es, redisReply *reply, const redisReply *list);
void entries_free(struct entries *es);

/*
 * The value of key in e (len bytes, not NUL-terminated); NULL when absent.
 * The search starts at *at (then wraps to the start) and leaves *at past
 * the field found: fields are in schema order, so looking keys up in that
 * order costs one comparison each.  *at starts at 0.
 */
const char *entry_get_next(const struct entry *e, const char *key, size_t *len, size_t *at);

/* "<ms>-<seq>" read; 0, or -1 when malformed. */
int stream_id_parse(const char *s, uint64_t *ms, uint64_t *seq);

#endif
