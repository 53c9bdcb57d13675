/* Unit tests: the word log that spills a report's records to disk (wordlog.c). */
#include "config.h"

#include <check.h>
#include <stdlib.h>

#include "wordlog.h"
#include "unit.h"

/* Runs of 1..50 words, word k of the whole log holding k, past several spills. */
static uint64_t
fill(struct wordlog *w, unsigned runs, uint64_t *starts)
{
	uint32_t buf[64];
	uint64_t next = 0;
	unsigned r, k, n;

	for (r = 0; r < runs; r++) {
		n = 1 + r % 50;
		for (k = 0; k < n; k++)
			buf[k] = (uint32_t)(next + k);
		starts[r] = next;
		ck_assert_int_eq(wordlog_append(w, buf, n), 0);
		next += n;
	}
	return next;
}

START_TEST(spills_and_reads_back)
{
	struct wordlog w;
	uint64_t starts[2000], total;
	unsigned r, k;

	wordlog_init(&w);
	w.mem_max = 100;	/* spill after 100 words */
	total = fill(&w, 2000, starts);
	ck_assert_uint_eq((w.spilled + w.len), total);
	ck_assert_int_ge(w.fd, 0);
	ck_assert_uint_gt(w.spilled, total / 2);
	/* In order, backwards, and every run whole. */
	for (r = 0; r < 2000; r++) {
		unsigned i = r % 2 ? r : 1999 - r;
		const uint32_t *p = wordlog_get(&w, starts[i], 1 + i % 50);

		ck_assert_ptr_nonnull(p);
		for (k = 0; k < 1 + i % 50; k++)
			ck_assert_uint_eq(p[k], starts[i] + k);
	}
	/* Reset and reuse the same file. */
	wordlog_reset(&w);
	ck_assert_uint_eq((w.spilled + w.len), 0);
	total = fill(&w, 300, starts);
	ck_assert_uint_eq(*wordlog_get(&w, starts[299], 1), starts[299]);
	ck_assert_uint_eq(*wordlog_get(&w, starts[3], 1), starts[3]);
	wordlog_free(&w);
}
END_TEST

START_TEST(run_too_long)
{
	struct wordlog w;
	uint32_t *big = calloc(WORDLOG_RUN_MAX + 1, sizeof *big);

	wordlog_init(&w);
	ck_assert_int_eq(wordlog_append(&w, big, WORDLOG_RUN_MAX + 1), -1);
	ck_assert_int_eq(wordlog_append(&w, big, WORDLOG_RUN_MAX), 0);
	wordlog_free(&w);
	free(big);
}
END_TEST

UNIT_SUITE("wordlog", spills_and_reads_back, run_too_long)
