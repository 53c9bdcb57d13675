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
#include <stdint.h>
#include <string.h>

struct buf {
	char *data;
	size_t len;	/* bytes in use, not counting the terminating NUL */
	size_t cap;	/* bytes allocated */
	size_t max;	/* ceiling on len; 0 means SIZE_MAX / 2 */
};

#define BUF_INIT(ceiling) { NULL, 0, 0, (ceiling) }

int buf_append_slow(struct buf *b, const void *p, size_t n);

/* The common case inline: room is there (cap never exceeds the ceiling + 1). */
static inline int
buf_append(struct buf *b, const void *p, size_t n)
{
	if (b->cap - b->len > n) {
		memcpy(b->data + b->len, p, n);
		b->len += n;
		b->data[b->len] = '\0';
		return 0;
	}
	return buf_append_slow(b, p, n);
}

static inline int
buf_putc(struct buf *b, char c)
{
	return buf_append(b, &c, 1);
}

static inline int
buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

/* Decimal digits of v into dst (at least 21 bytes), NUL-terminated; returns the length. */
size_t buf_uint(char *dst, uint64_t v);
/* Append v in decimal. */
int buf_putu(struct buf *b, uint64_t v);

/* Append printf-formatted text (for numbers and fixed words: text from outside is escaped first). */
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Make room for n more bytes without adding them; returns a pointer to the room. */
char *buf_reserve(struct buf *b, size_t n);
void buf_reset(struct buf *b);

/*
 * Ask for transparent huge pages on a block of memory of 2 MB or more: a
 * large message read into fresh memory otherwise costs a page fault every
 * 4 KB, measured as most of the system time of a redelivered report mail.
 */
void mem_hint_huge(void *p, size_t len);
void buf_free(struct buf *b);

#endif
