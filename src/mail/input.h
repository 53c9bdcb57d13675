/*
 * input.h - reading one message, bounded.
 *
 * The whole input is always read to its end (procmail and Sieve count an
 * unread pipe as a failure), but at most max bytes are kept in memory.
 * The rest of an oversized message stays unread for the caller, who
 * copies it to the quarantine or drains it.
 */
#ifndef DP_INPUT_H
#define DP_INPUT_H

#include <stdint.h>

#include "buf.h"

enum input_result {
	INPUT_ERROR = -1,	/* errno: ENOMEM, or the read error; the rest is unread */
	INPUT_WHOLE = 0,	/* out holds the whole input, up to EOF */
	INPUT_TOO_BIG = 1,	/* out holds the first max + 1 bytes; the rest is unread */
};

/* Read fd into out (which the caller frees), at most max + 1 bytes. */
enum input_result input_read(int fd, uint64_t max, struct buf *out);

/*
 * Read and discard the rest of fd.  A read error is retried a few times
 * before giving up: an unread pipe fails the delivery under procmail and
 * Sieve.  Returns 0 at EOF, -1 with errno when it gave up.
 */
int input_drain(int fd);

#endif
