/*
 * rid.h - a report's identity: the first 128 bits of SHA-256 over a tag
 * naming the kind and the parts that name one report, in hex.
 *
 * Each text part is preceded by a NUL (an absent one is empty); a byte
 * part by a NUL, its decimal length and a NUL, so no two sequences of
 * byte parts hash the same input.
 */
#ifndef DP_RID_H
#define DP_RID_H

#include <stddef.h>

#include "kind.h"

struct rid;

/*
 * GLib allocates the hash state and aborts when memory runs out, which
 * ends the process with the tempfail exit (fatal.h): these never fail.
 */
struct rid *rid_begin(const char *tag);
void rid_text(struct rid *r, const char *s);
void rid_bytes(struct rid *r, const void *p, size_t len);
/* Write the identity to out and free r. */
void rid_end(struct rid *r, char out[RID_HEX_LEN + 1]);

#endif
