/*
 * inflate.h - gzip and zlib streams.
 *
 * gzip: every member in turn (a gzip file may hold several), the CRC of
 * each checked by zlib; the trailer's ISIZE is never used.  Bytes after
 * the last member that do not start another one (Mimecast appends CRLF)
 * are ignored.  zlib: one stream with a zlib header.
 */
#ifndef DP_INFLATE_H
#define DP_INFLATE_H

#include "budget.h"
#include "stream.h"

enum inflate_format { INFLATE_GZIP, INFLATE_ZLIB };

/*
 * A stream of src's bytes inflated.  src is borrowed: it must outlive the
 * new stream, and stays the caller's to free.  Errors go to src's
 * dp_error.  Returns NULL on ENOMEM.
 */
struct stream *inflate_open(struct stream *src, enum inflate_format fmt, struct budget *budget);

#endif
