/*
 * deadline.h - the wall-clock limit on one message (max_message_seconds).
 *
 * Set once per message; the decoders, the MIME walk and the XML parser
 * look at it as they go (a clock read is a few nanoseconds) and refuse the
 * input once it has passed.
 */
#ifndef DP_DEADLINE_H
#define DP_DEADLINE_H

#include <stdbool.h>

/* Start the clock: the deadline is seconds from now (0: none). */
void deadline_start(unsigned seconds);

/* True once the deadline has passed. */
bool deadline_passed(void);

/* Milliseconds left (0 once passed; UINT_MAX without a deadline). */
unsigned deadline_remaining_ms(void);

/* The configured seconds, for messages. */
unsigned deadline_seconds(void);

#endif
