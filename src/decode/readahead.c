/*
 * readahead.c - decode a stream in a second thread; see readahead.h.
 *
 * The worker and the reader share a ring of RING_SLOTS windows.  A slot
 * belongs to the worker while it is free and to the reader from the moment
 * it is counted in nfull, so the bytes themselves are copied outside the
 * lock; only the counters are shared.  A slot that carries the end of the
 * data or an error stays at the head, so every later read sees it again.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "readahead.h"

#define RING_SLOTS 8
/* The worker sleeps on a full ring until this many slots are free: fewer wake-ups. */
#define WAKE_AT_FREE (RING_SLOTS / 2)

struct slot {
	ssize_t len;		/* bytes, 0 at the end of data, -1 after an error */
	size_t off;		/* bytes the reader has taken */
	uint8_t data[STREAM_BUFSIZE];
};

struct readahead {
	struct stream *below;
	uint64_t taken;		/* by the reader before the worker started */
	bool tried;		/* to start the worker */
	bool started;		/* and succeeded */

	pthread_t worker;
	pthread_mutex_t lock;
	pthread_cond_t filled;	/* a slot became full */
	pthread_cond_t freed;	/* WAKE_AT_FREE slots are free, or stop was set */
	unsigned head, nfull;	/* the oldest full slot; how many are full */
	bool stop;

	struct slot *ring;	/* RING_SLOTS of them, made when the worker starts */
};

static void *
worker_main(void *arg)
{
	struct readahead *ra = arg;
	unsigned tail = 0;
	ssize_t n;

	do {
		struct slot *sl = &ra->ring[tail];
		const uint8_t *p;

		pthread_mutex_lock(&ra->lock);
		while (ra->nfull == RING_SLOTS && !ra->stop)
			pthread_cond_wait(&ra->freed, &ra->lock);
		if (ra->stop) {
			pthread_mutex_unlock(&ra->lock);
			break;
		}
		pthread_mutex_unlock(&ra->lock);

		/* The slot at tail is free: ours until it is counted full. */
		if ((n = stream_peek(ra->below, 1, &p)) > 0) {
			if (n > STREAM_BUFSIZE)
				n = STREAM_BUFSIZE;
			memcpy(sl->data, p, (size_t)n);
			stream_skip(ra->below, (size_t)n);
		}
		sl->len = n;
		sl->off = 0;

		pthread_mutex_lock(&ra->lock);
		ra->nfull++;
		pthread_cond_signal(&ra->filled);
		pthread_mutex_unlock(&ra->lock);
		tail = (tail + 1) % RING_SLOTS;
	} while (n > 0);
	return NULL;
}

/* Before the worker runs: read below directly, and start it once past READAHEAD_AFTER. */
static ssize_t
fill_direct(struct readahead *ra, uint8_t *dst, size_t room)
{
	const uint8_t *p;
	ssize_t n = stream_peek(ra->below, 1, &p);

	if (n <= 0)
		return n;
	if ((size_t)n > room)
		n = (ssize_t)room;
	memcpy(dst, p, (size_t)n);
	stream_skip(ra->below, (size_t)n);
	ra->taken += (uint64_t)n;
	if (ra->taken >= READAHEAD_AFTER && !ra->tried) {
		/* Without memory or a thread (EAGAIN) the reader simply goes on reading directly. */
		ra->tried = true;
		if ((ra->ring = malloc(RING_SLOTS * sizeof *ra->ring)) != NULL)
			ra->started = pthread_create(&ra->worker, NULL, worker_main, ra) == 0;
	}
	return n;
}

static ssize_t
readahead_fill(struct stream *s, uint8_t *dst, size_t room)
{
	struct readahead *ra = s->state;
	struct slot *sl;
	size_t n;

	if (!ra->started)
		return fill_direct(ra, dst, room);

	pthread_mutex_lock(&ra->lock);
	while (ra->nfull == 0)
		pthread_cond_wait(&ra->filled, &ra->lock);
	pthread_mutex_unlock(&ra->lock);

	/* The head slot is ours to read until we hand it back. */
	sl = &ra->ring[ra->head];
	if (sl->len <= 0)
		return sl->len;	/* the end, or the worker's error (its reason is in s->err) */
	n = (size_t)sl->len - sl->off;
	if (n > room)
		n = room;
	memcpy(dst, sl->data + sl->off, n);
	sl->off += n;
	if (sl->off == (size_t)sl->len) {
		pthread_mutex_lock(&ra->lock);
		ra->head = (ra->head + 1) % RING_SLOTS;
		if (--ra->nfull == RING_SLOTS - WAKE_AT_FREE)
			pthread_cond_signal(&ra->freed);
		pthread_mutex_unlock(&ra->lock);
	}
	return (ssize_t)n;
}

static void
readahead_free_state(struct readahead *ra)
{
	pthread_cond_destroy(&ra->freed);
	pthread_cond_destroy(&ra->filled);
	pthread_mutex_destroy(&ra->lock);
	free(ra->ring);
	free(ra);
}

static void
readahead_stop(struct stream *s)
{
	struct readahead *ra = s->state;

	if (ra->started) {
		pthread_mutex_lock(&ra->lock);
		ra->stop = true;
		pthread_cond_signal(&ra->freed);
		pthread_mutex_unlock(&ra->lock);
		pthread_join(ra->worker, NULL);
	}
	readahead_free_state(ra);
}

static const struct stream_ops readahead_ops = {
	.name = "readahead",
	.fill = readahead_fill,
	.close = readahead_stop,
};

struct stream *
readahead_open(struct stream *below)
{
	struct readahead *ra = calloc(1, sizeof *ra);
	struct stream *s;

	if (!ra)
		return NULL;
	ra->below = below;
	if (pthread_mutex_init(&ra->lock, NULL) != 0) {
		free(ra);
		return NULL;
	}
	pthread_cond_init(&ra->filled, NULL);
	pthread_cond_init(&ra->freed, NULL);
	if (!(s = stream_new(&readahead_ops, ra, below->err))) {
		readahead_free_state(ra);
		return NULL;
	}
	return s;
}

void
readahead_close(struct stream *s)
{
	stream_free(s);
}
