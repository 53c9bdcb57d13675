/*
 * input.h - reading one message, bounded.
 *
 * The whole input is always read to its end (procmail and Sieve count an
 * unread pipe as a failure), but at most max bytes are kept.
 */
#ifndef DP_INPUT_H
#define DP_INPUT_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"

/*
 * Read fd to EOF into out (which the caller frees).  *too_big is set when
 * more than max bytes came; out then holds the first max.  Returns 0, or
 * -1 with errno on a read error or ENOMEM.
 */
int input_read(int fd, uint64_t max, struct buf *out, bool *too_big);

/* Read and discard the rest of fd (on the way out after an early failure). */
void input_drain(int fd);

#endif
