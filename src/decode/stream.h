/*
 * stream.h - buffered pull streams, stacked: memory -> inflate -> tar ...
 *
 * A stream hands out bytes from a window that its fill operation refills.
 * Decoders read their input through stream_peek()/stream_skip(), so the
 * bytes they have not consumed stay in the source's window and nothing is
 * copied twice.  A stream built on another one borrows it: whoever made
 * the stack frees it, top first.
 *
 * Fill operations return bytes produced, 0 at end of data, or -1 after
 * recording the reason in the dp_error the stream was created with.
 */
#ifndef DP_STREAM_H
#define DP_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "status.h"

#define STREAM_BUFSIZE (64 * 1024)

struct stream;

struct stream_ops {
	const char *name;
	ssize_t (*fill)(struct stream *s, uint8_t *dst, size_t room);
	void (*close)(struct stream *s);	/* frees s->state */
};

struct stream {
	const struct stream_ops *ops;	/* NULL for a memory stream */
	void *state;			/* owned by ops */
	const uint8_t *win;		/* unread bytes are win[pos..len) */
	size_t pos, len;
	uint8_t *own;			/* window storage when ops != NULL */
	bool eof;
	struct dp_error *err;		/* not owned */
};

/* A stream over data[0..len), which must outlive it; never fails but for ENOMEM (NULL). */
struct stream *stream_mem(const void *data, size_t len, struct dp_error *err);

/* A stream driven by ops with its own window; NULL on ENOMEM (state is not freed then). */
struct stream *stream_new(const struct stream_ops *ops, void *state, struct dp_error *err);

/*
 * Make at least want bytes available (fewer only at end of data, want at
 * most STREAM_BUFSIZE) and point *p at them.  Returns how many are
 * available (possibly more than want), or -1 on error.
 */
ssize_t stream_peek(struct stream *s, size_t want, const uint8_t **p);

/* Consume n bytes of those stream_peek() made available. */
void stream_skip(struct stream *s, size_t n);

/* Return the next run of bytes (consumed), 0 at end, -1 on error. */
ssize_t stream_next(struct stream *s, const uint8_t **p);

/* Discard n bytes; returns 0, or -1 on error or early end (reason set). */
int stream_discard(struct stream *s, uint64_t n);

/* For a memory stream: the unread bytes without copying; false otherwise. */
bool stream_mem_remaining(const struct stream *s, const uint8_t **p, size_t *len);

/* Free s (not the stream it reads from); NULL is fine. */
void stream_free(struct stream *s);

#endif
