/*
 * base64.h - decoding a base64 MIME part, as GMime does but faster.
 *
 * GMime's decoder, behind its stream filters, costs about 15 instructions
 * a byte: most of what a redelivered report mail costs.  This one gives
 * the bytes GMime 3.2 gives: characters outside the alphabet (line ends,
 * junk) are skipped; the first '=' ends the data, the digits of its
 * quartet giving what they hold; without '=', a last incomplete quartet
 * is dropped.
 */
#ifndef DP_BASE64_H
#define DP_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Room out needs for len bytes of input. */
#define BASE64_DECODED_MAX(len) ((len) / 4 * 3 + 3)

/* Decode in[0..len) into out; returns the bytes written. */
size_t base64_decode(const uint8_t *in, size_t len, uint8_t *out);

#endif
