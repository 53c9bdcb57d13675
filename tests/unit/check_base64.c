/* Unit tests: base64 decoding gives what GMime's decoder gives (base64.c). */
#include "config.h"

#include <check.h>
#include <gmime/gmime.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "unit.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* GMime's decoder in one step, the reference. */
static size_t
gmime_decode(const uint8_t *in, size_t len, uint8_t *out)
{
	int state = 0;
	guint32 save = 0;

	return g_mime_encoding_base64_decode_step(in, len, out, &state, &save);
}

static void
same_as_gmime(const uint8_t *in, size_t len)
{
	uint8_t *ours = malloc(BASE64_DECODED_MAX(len)), *theirs = malloc(BASE64_DECODED_MAX(len) + 16);
	size_t n = base64_decode(in, len, ours), m = gmime_decode(in, len, theirs);

	ck_assert_uint_eq(n, m);
	ck_assert_int_eq(memcmp(ours, theirs, n), 0);
	free(ours);
	free(theirs);
}

START_TEST(known_answers)
{
	uint8_t out[32];

	ck_assert_uint_eq(base64_decode((const uint8_t *)"aGVsbG8=", 8, out), 5);
	ck_assert_int_eq(memcmp(out, "hello", 5), 0);
	ck_assert_uint_eq(base64_decode((const uint8_t *)"aGVs\r\nbG8h\r\n", 12, out), 6);
	ck_assert_int_eq(memcmp(out, "hello!", 6), 0);
	ck_assert_uint_eq(base64_decode((const uint8_t *)"aGk=\r\n", 6, out), 2);
	ck_assert_uint_eq(base64_decode((const uint8_t *)"aA==", 4, out), 1);
	ck_assert_uint_eq(base64_decode((const uint8_t *)"", 0, out), 0);
}
END_TEST

/* Encoded text as mail carries it, with junk, padding and cuts anywhere: the same bytes as GMime. */
START_TEST(random_inputs_match_gmime)
{
	uint8_t buf[4096];
	unsigned round;

	srand(12345);
	for (round = 0; round < 20000; round++) {
		size_t len = (size_t)rand() % sizeof buf, i;
		unsigned junk = (unsigned)rand() % 4;

		for (i = 0; i < len; i++) {
			unsigned r = (unsigned)rand() % 100;

			if (r < 2 && junk)
				buf[i] = (uint8_t)(rand() % 256);	/* any byte at all */
			else if (r == 2 && junk == 3)
				buf[i] = '=';				/* padding in the middle */
			else if (r < 4)
				buf[i] = "\r\n \t"[rand() % 4];
			else
				buf[i] = (uint8_t)alphabet[rand() % 64];
		}
		/* Padding at the end, as encoders write it (sometimes more than is right). */
		for (i = 0; i < (size_t)(rand() % 3) && len > i; i++)
			buf[len - 1 - i] = '=';
		same_as_gmime(buf, len);
	}
}
END_TEST

/* A real attachment's shape: 76-character lines with CRLF. */
START_TEST(mime_lines_match_gmime)
{
	size_t raw_len, i;
	uint8_t raw[200] = { 0 };
	gchar *enc;

	for (raw_len = 0; raw_len < 200; raw_len++) {
		for (i = 0; i < raw_len; i++)
			raw[i] = (uint8_t)(i * 7 + raw_len);
		enc = g_base64_encode(raw, raw_len);
		same_as_gmime((const uint8_t *)enc, strlen(enc));
		{
			uint8_t out[400];

			ck_assert_uint_eq(base64_decode((const uint8_t *)enc, strlen(enc), out), raw_len);
			ck_assert_int_eq(memcmp(out, raw, raw_len), 0);
		}
		g_free(enc);
	}
}
END_TEST

UNIT_SUITE("base64", known_answers, random_inputs_match_gmime, mime_lines_match_gmime)
