/* base64.c - lenient base64 decoding; see base64.h. */
#include "config.h"

#include <string.h>

#include "base64.h"

#define SKIP 0xff
#define PAD 0xfe

/* Digit values, PAD for '=', SKIP for everything else. */
static uint8_t rank[256];

static void
fill_rank(void)
{
	static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned i;

	memset(rank, SKIP, sizeof rank);
	for (i = 0; i < 64; i++)
		rank[(uint8_t)digits[i]] = (uint8_t)i;
	rank['='] = PAD;
}

size_t
base64_decode(const uint8_t *in, size_t len, uint8_t *out)
{
	const uint8_t *p = in, *end = in + len;
	uint8_t *o = out;
	uint32_t saved = 0;
	unsigned n = 0;

	/* Only the MIME walk decodes base64, in the main thread. */
	if (rank[0] != SKIP)
		fill_rank();
	while (p < end) {
		uint32_t c;

		/* Whole quartets of digits, the common case, four characters at a time. */
		if (n == 0) {
			while (end - p >= 4) {
				uint32_t a = rank[p[0]], b = rank[p[1]], d2 = rank[p[2]], d3 = rank[p[3]];

				if ((a | b | d2 | d3) & 0xc0)	/* '=' or a character to skip */
					break;
				saved = a << 18 | b << 12 | d2 << 6 | d3;
				o[0] = (uint8_t)(saved >> 16);
				o[1] = (uint8_t)(saved >> 8);
				o[2] = (uint8_t)saved;
				o += 3;
				p += 4;
			}
			if (p == end)
				break;
		}
		c = rank[*p++];
		if (c == SKIP)
			continue;
		if (c == PAD) {
			/* The end: two digits hold one byte, three hold two. */
			if (n >= 2)
				*o++ = (uint8_t)(saved >> (n == 2 ? 4 : 10));
			if (n == 3)
				*o++ = (uint8_t)(saved >> 2);
			return (size_t)(o - out);
		}
		saved = saved << 6 | c;
		if (++n == 4) {
			o[0] = (uint8_t)(saved >> 16);
			o[1] = (uint8_t)(saved >> 8);
			o[2] = (uint8_t)saved;
			o += 3;
			n = 0;
		}
	}
	return (size_t)(o - out);
}
