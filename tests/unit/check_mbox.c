/* Unit tests: an mbox split into its messages and unquoted (mbox.c). */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mbox.h"
#include "unit.h"

#define MAX_MSGS 16

/* The mbox text in a temporary file; its messages, unquoted, into msgs[]; returns how many. */
static size_t
split(const char *text, size_t len, char *msgs[MAX_MSGS])
{
	static struct mbox_scan scan;
	FILE *fp = tmpfile();
	size_t n = 0;
	off_t off;
	uint64_t mlen;
	int more;

	ck_assert_ptr_nonnull(fp);
	ck_assert_uint_eq(fwrite(text, 1, len, fp), len);
	fflush(fp);
	ck_assert(mbox_is(text, len));
	mbox_scan_init(&scan, fileno(fp));
	while ((more = mbox_scan_next(&scan, &off, &mlen)) > 0) {
		struct buf b = BUF_INIT(0);

		ck_assert_uint_lt(n, MAX_MSGS);
		ck_assert_int_eq(mbox_read(fileno(fp), off, mlen, 1 << 20, &b), INPUT_WHOLE);
		msgs[n++] = b.data ? b.data : strdup("");
	}
	ck_assert_int_eq(more, 0);
	fclose(fp);
	return n;
}

static void
free_all(char **msgs, size_t n)
{
	while (n--)
		free(msgs[n]);
}

START_TEST(splits_at_from_lines_after_empty_lines)
{
	static const char box[] =
		"From a@example.com Thu Dec  3 16:00:00 2026\n"
		"Subject: one\n\nbody one\nFrom here on, not a new message\n\n"
		"From b@example.com Thu Dec  3 16:00:01 2026\n"
		"Subject: two\n\nbody two\n\n";
	char *m[MAX_MSGS];
	size_t n = split(box, sizeof box - 1, m);

	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(m[0], "Subject: one\n\nbody one\nFrom here on, not a new message\n");
	ck_assert_str_eq(m[1], "Subject: two\n\nbody two\n");
	free_all(m, n);
}
END_TEST

START_TEST(unquotes_mboxrd_and_mboxo)
{
	static const char box[] =
		"From a Thu Dec  3 16:00:00 2026\n"
		"Subject: q\n\n>From the start\n>>From quoted once\nx>From stays\n> From stays\n\n";
	char *m[MAX_MSGS];
	size_t n = split(box, sizeof box - 1, m);

	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(m[0], "Subject: q\n\nFrom the start\n>From quoted once\nx>From stays\n> From stays\n");
	free_all(m, n);
}
END_TEST

START_TEST(crlf_mbox)
{
	static const char box[] =
		"From a Thu Dec  3 16:00:00 2026\r\nSubject: one\r\n\r\nbody\r\n\r\n"
		"From b Thu Dec  3 16:00:00 2026\r\nSubject: two\r\n\r\n>From x\r\n\r\n";
	char *m[MAX_MSGS];
	size_t n = split(box, sizeof box - 1, m);

	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(m[0], "Subject: one\r\n\r\nbody\r\n");
	ck_assert_str_eq(m[1], "Subject: two\r\n\r\nFrom x\r\n");
	free_all(m, n);
}
END_TEST

/* A file cut in the middle of its last message: that message is what is left of it. */
START_TEST(truncated_last_message)
{
	static const char box[] =
		"From a Thu Dec  3 16:00:00 2026\nSubject: one\n\nbody\n\n"
		"From b Thu Dec  3 16:00:00 2026\nSubject: two\n\nUEsDBBQAAAAIA";
	char *m[MAX_MSGS];
	size_t n = split(box, sizeof box - 1, m);

	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(m[1], "Subject: two\n\nUEsDBBQAAAAIA");
	free_all(m, n);
	/* Cut inside the "From " line: no message after it. */
	n = split("From a Thu\nSubject: one\n\nbody\n\nFrom b Th", 40, m);
	ck_assert_uint_eq(n, 1);
	free_all(m, n);
}
END_TEST

/* Lines longer than the scanner's chunk, and "From " lines right at a chunk's edge. */
START_TEST(chunk_edges)
{
	size_t pad, k;

	for (pad = MBOX_CHUNK - 70; pad < MBOX_CHUNK + 10; pad += 7) {
		struct buf box = BUF_INIT(0);
		char *m[MAX_MSGS];
		size_t n;

		ck_assert_int_eq(buf_puts(&box, "From a Thu Dec  3 16:00:00 2026\nSubject: long\n\n"), 0);
		for (k = 0; k < pad; k++)
			ck_assert_int_eq(buf_putc(&box, k % 80 == 79 ? '\n' : 'x'), 0);
		ck_assert_int_eq(buf_puts(&box, "\n\nFrom b Thu Dec  3 16:00:00 2026\nSubject: next\n\nshort\n"), 0);
		n = split(box.data, box.len, m);
		ck_assert_uint_eq(n, 2);
		ck_assert_uint_eq(strlen(m[0]), strlen("Subject: long\n\n") + pad + 1);
		ck_assert_str_eq(m[1], "Subject: next\n\nshort\n");
		free_all(m, n);
		buf_free(&box);
	}
}
END_TEST

/* Oversized: the first max + 1 bytes, as they are. */
START_TEST(too_big)
{
	static const char box[] = "From a Thu\nSubject: big\n\n>From 0123456789\n";
	FILE *fp = tmpfile();
	struct buf b = BUF_INIT(0);

	ck_assert_uint_eq(fwrite(box, 1, sizeof box - 1, fp), sizeof box - 1);
	fflush(fp);
	ck_assert_int_eq(mbox_read(fileno(fp), 11, sizeof box - 1 - 11, 20, &b), INPUT_TOO_BIG);
	ck_assert_uint_eq(b.len, 21);
	ck_assert_int_eq(memcmp(b.data, "Subject: big\n\n>From 0", 21), 0);
	buf_free(&b);
	/* The file shrank since it was scanned. */
	ck_assert_int_eq(mbox_read(fileno(fp), 11, 1000, 2000, &b), INPUT_ERROR);
	buf_free(&b);
	fclose(fp);
}
END_TEST

UNIT_SUITE("mbox", splits_at_from_lines_after_empty_lines, unquotes_mboxrd_and_mboxo, crlf_mbox,
	   truncated_last_message, chunk_edges, too_big)
