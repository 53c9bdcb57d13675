/* grow.c - room in a growing array; see grow.h. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "grow.h"

int
grow(void **v, size_t *cap, size_t n, size_t size, size_t first)
{
	size_t want = *cap ? *cap : first;
	void *p;

	if (n < *cap)
		return 0;
	while (want <= n)
		want = want > SIZE_MAX / 2 ? n + 1 : want * 2;
	if (want > SIZE_MAX / size || !(p = realloc(*v, want * size))) {
		errno = ENOMEM;
		return -1;
	}
	*v = p;
	*cap = want;
	return 0;
}
