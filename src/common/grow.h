/*
 * grow.h - room in a growing array: doubling from a first size, with the
 * size multiplication checked.
 */
#ifndef DP_GROW_H
#define DP_GROW_H

#include <stddef.h>

/*
 * Make room in *v (an array of elements of size bytes, *cap allocated)
 * for at least n + 1 of them, doubling from first.  0, or -1 on ENOMEM
 * with *v and *cap unchanged.
 */
int grow(void **v, size_t *cap, size_t n, size_t size, size_t first);

#endif
