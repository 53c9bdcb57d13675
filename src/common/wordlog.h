/*
 * wordlog.h - an append-only store of 32-bit words that spills to disk.
 *
 * A report's records are kept until the report is known to be whole.  Up
 * to WORDLOG_MEM_WORDS they stay in memory; beyond that the words go to an
 * unlinked file in $TMPDIR (or /tmp), so that memory stays flat however
 * many records a report has.  Runs of words appended in one call are never
 * split between memory and the file, so they can be read back in one piece.
 */
#ifndef DP_WORDLOG_H
#define DP_WORDLOG_H

#include <stddef.h>
#include <stdint.h>

#define WORDLOG_MEM_WORDS (2u << 20)	/* 8 MB in memory before spilling */
#define WORDLOG_RUN_MAX 16384		/* the longest run that can be read back */

struct wordlog {
	uint32_t *mem;		/* owned: the words after the spilled ones */
	size_t len, cap;
	size_t mem_max;		/* spill beyond this (WORDLOG_MEM_WORDS; tests set less) */
	int fd;			/* the spill file, or -1 */
	uint64_t spilled;	/* words in the file */
	uint32_t *win;		/* owned: a read window over the file */
	uint64_t win_off;
	size_t win_len;
};

void wordlog_init(struct wordlog *w);
/* Forget every word (the spill file is truncated, not closed). */
void wordlog_reset(struct wordlog *w);
void wordlog_free(struct wordlog *w);

/* Append n (at most WORDLOG_RUN_MAX) words; 0, or -1 with errno. */
int wordlog_append(struct wordlog *w, const uint32_t *words, size_t n);


/*
 * n words from offset off, which must lie within one appended run (or a
 * prefix of one).  The pointer is valid until the next call.  NULL with
 * errno on a read error.
 */
const uint32_t *wordlog_get(struct wordlog *w, uint64_t off, size_t n);

#endif
