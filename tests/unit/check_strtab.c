/* Unit tests: the keyed hash (hash.c) and string interning under hash flooding (strtab.c). */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "strtab.h"
#include "unit.h"

/* The reference vectors of SipHash-2-4 (key 00..0f): the same code runs 1-3. */
START_TEST(siphash_reference_vectors)
{
	uint64_t key[2] = { 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL };
	unsigned char msg[15];
	unsigned i;

	for (i = 0; i < sizeof msg; i++)
		msg[i] = (unsigned char)i;
	ck_assert_uint_eq(hash_siphash(2, 4, key, msg, 0), 0x726fdb47dd0e0e31ULL);
	ck_assert_uint_eq(hash_siphash(2, 4, key, msg, 15), 0xa129ca6149be45e5ULL);
}
END_TEST

/* FNV-1a, 32 bits, from a given state: the unkeyed hash interning used to have. */
static uint32_t
fnv1a(uint32_t h, const char *s, size_t len)
{
	while (len--) {
		h ^= (unsigned char)*s++;
		h *= 16777619u;
	}
	return h;
}

#define BLOCK 6		/* bytes of one colliding block */
#define BLOCKS 14	/* 2^14 strings */
#define CANDIDATES 300000

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Candidate n: six letters or digits, all of them varying with n. */
static void
candidate(unsigned n, char out[BLOCK])
{
	static const char digits[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	uint64_t v = (uint64_t)n * 2654435761u % 56800235584ULL;	/* 62^6 */
	unsigned i;

	for (i = 0; i < BLOCK; i++, v /= 62)
		out[i] = digits[v % 62];
}

/*
 * Two blocks that take FNV-1a from state h to the same state (a birthday
 * search); every string made of one of each pair, block after block,
 * then has the same full 32-bit hash.
 */
static uint32_t
colliding_pair(uint32_t h, char a[BLOCK], char b[BLOCK], uint64_t *scratch)
{
	unsigned i;
	char blk[BLOCK];

	for (i = 0; i < CANDIDATES; i++) {
		candidate(i, blk);
		scratch[i] = (uint64_t)fnv1a(h, blk, BLOCK) << 32 | i;
	}
	qsort(scratch, CANDIDATES, sizeof *scratch, cmp_u64);
	for (i = 1; i < CANDIDATES; i++)
		if (scratch[i] >> 32 == scratch[i - 1] >> 32) {
			candidate((unsigned)scratch[i - 1], a);
			candidate((unsigned)scratch[i], b);
			return (uint32_t)(scratch[i] >> 32);
		}
	ck_abort_msg("no FNV-1a collision among %u candidates", CANDIDATES);
	return 0;
}

START_TEST(crafted_collisions_stay_linear)
{
	static char pair[BLOCKS][2][BLOCK];
	uint64_t *scratch = malloc(CANDIDATES * sizeof *scratch);
	struct strtab t = STRTAB_INIT;
	uint32_t h = 2166136261u, first = 0;
	unsigned n = 1u << BLOCKS, k, b;
	char s[BLOCKS * BLOCK];

	ck_assert_ptr_nonnull(scratch);
	for (b = 0; b < BLOCKS; b++)
		h = colliding_pair(h, pair[b][0], pair[b][1], scratch);
	for (k = 0; k < n; k++) {
		uint32_t id;

		for (b = 0; b < BLOCKS; b++)
			memcpy(s + b * BLOCK, pair[b][(k >> b) & 1], BLOCK);
		/* The set is hostile: one FNV-1a hash for all. */
		if (k == 0)
			first = fnv1a(2166136261u, s, sizeof s);
		ck_assert_uint_eq(fnv1a(2166136261u, s, sizeof s), first);
		ck_assert_int_eq(strtab_intern(&t, s, sizeof s, &id), 0);
	}
	ck_assert_uint_eq(t.count, n);
	/* Unkeyed, each insertion would walk all the earlier ones: n * n / 2 probes. */
	printf("# %u colliding strings interned with %llu probes\n", n, (unsigned long long)t.probes);
	ck_assert_uint_le(t.probes, 4ULL * n);
	strtab_free(&t);
	free(scratch);
}
END_TEST

START_TEST(interning_finds_equal_strings)
{
	struct strtab t = STRTAB_INIT;
	uint32_t a, b, c;

	ck_assert_int_eq(strtab_intern(&t, "pass", 4, &a), 0);
	ck_assert_int_eq(strtab_intern(&t, "fail", 4, &b), 0);
	ck_assert_int_eq(strtab_intern(&t, "passed", 4, &c), 0);
	ck_assert_uint_eq(a, c);
	ck_assert_uint_ne(a, b);
	ck_assert_str_eq(strtab_get(&t, b), "fail");
	ck_assert_ptr_null(strtab_get(&t, 0));
	strtab_free(&t);
}
END_TEST

UNIT_SUITE("strtab", siphash_reference_vectors, crafted_collisions_stay_linear, interning_finds_equal_strings)
