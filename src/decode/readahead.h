/*
 * readahead.h - decode a stream in a second thread.
 *
 * On a large compressed report, inflating and checking the CRC is a tenth
 * of the work, and it need not wait for the XML parser: a worker thread
 * runs the streams below and fills a small ring of windows while the
 * caller parses.  The worker starts only once the caller has read
 * READAHEAD_AFTER bytes, so the common small report never creates a thread.
 *
 * While the worker runs it alone drives the streams below, and with them
 * the dp_error they were created with and the message's budget: the
 * caller must touch none of these until readahead_close() has returned.
 * The readahead stream reports the worker's failures (-1) in that
 * dp_error, as any stream does, at the point of the data where they were
 * met; the caller records its own failures elsewhere meanwhile.
 */
#ifndef DP_READAHEAD_H
#define DP_READAHEAD_H

#include "stream.h"

#define READAHEAD_AFTER (1024 * 1024)

/* A stream with below's remaining bytes; NULL on ENOMEM.  below must outlive it. */
struct stream *readahead_open(struct stream *below);

/* Stop the worker, wait for it, and free the stream; NULL is fine.  Unread bytes are lost. */
void readahead_close(struct stream *s);

#endif
