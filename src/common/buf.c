/* buf.c - growable byte buffer with a ceiling; see buf.h. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "buf.h"

/* Below this, ordinary pages: the hint costs a system call. */
#define HUGE_HINT_MIN (2u << 20)

void
mem_hint_huge(void *p, size_t len)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t start = ((uintptr_t)p + page - 1) & ~(page - 1);
	uintptr_t end = ((uintptr_t)p + len) & ~(page - 1);

	if (len >= HUGE_HINT_MIN && end > start)
		madvise((void *)start, end - start, MADV_HUGEPAGE);	/* only a hint: failure is fine */
}

char *
buf_reserve(struct buf *b, size_t n)
{
	size_t max = b->max ? b->max : SIZE_MAX / 2;
	size_t need, cap;
	char *p;

	if (n > max || b->len > max - n) {
		errno = EFBIG;
		return NULL;
	}
	need = b->len + n + 1;
	if (need <= b->cap)
		return b->data + b->len;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (cap > max + 1)	/* never beyond the ceiling: buf_append's fast path relies on it */
		cap = max + 1;
	if (!(p = realloc(b->data, cap))) {
		errno = ENOMEM;
		return NULL;
	}
	b->data = p;
	b->cap = cap;
	mem_hint_huge(p, cap);
	return b->data + b->len;
}

int
buf_append_slow(struct buf *b, const void *p, size_t n)
{
	char *dst = buf_reserve(b, n);

	if (!dst)
		return -1;
	if (n)
		memcpy(dst, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}


size_t
buf_uint(char *dst, uint64_t v)
{
	char tmp[21];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		dst[i] = tmp[n - 1 - i];
	dst[n] = '\0';
	return n;
}

int
buf_putu(struct buf *b, uint64_t v)
{
	char num[21];

	return buf_append(b, num, buf_uint(num, v));
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char *room;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !(room = buf_reserve(b, (size_t)n + 1)))
		return -1;
	va_start(ap, fmt);
	vsnprintf(room, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
