/*
 * buf.h - growable byte buffer with a ceiling.
 *
 * The buffer owns data; buf_free() releases it.  Every append checks the
 * ceiling and for size overflow: on failure nothing is appended and errno
 * is ENOMEM (allocation failed) or EFBIG (the ceiling would be passed).
 * data is always NUL-terminated after a successful append.
 */
#ifndef DP_BUF_H
#define DP_BUF_H

#include <stddef.h>

struct buf {
	char *data;
	size_t len;	/* bytes in use, not counting the terminating NUL */
	size_t cap;	/* bytes allocated */
	size_t max;	/* ceiling on len; 0 means SIZE_MAX / 2 */
};

#define BUF_INIT(ceiling) { NULL, 0, 0, (ceiling) }

int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Make room for n more bytes without adding them; returns a pointer to the room. */
char *buf_reserve(struct buf *b, size_t n);
void buf_reset(struct buf *b);
void buf_free(struct buf *b);

#endif
