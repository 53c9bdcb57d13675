/* hash.c - SipHash with a per-process random key; see hash.h. */
#include "config.h"

#include <stdbool.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "hash.h"

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

struct sip { uint64_t v0, v1, v2, v3; };

static inline void
sip_round(struct sip *s)
{
	s->v0 += s->v1; s->v1 = ROTL(s->v1, 13); s->v1 ^= s->v0; s->v0 = ROTL(s->v0, 32);
	s->v2 += s->v3; s->v3 = ROTL(s->v3, 16); s->v3 ^= s->v2;
	s->v0 += s->v3; s->v3 = ROTL(s->v3, 21); s->v3 ^= s->v0;
	s->v2 += s->v1; s->v1 = ROTL(s->v1, 17); s->v1 ^= s->v2; s->v2 = ROTL(s->v2, 32);
}

static inline uint64_t
load_le64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

uint64_t
hash_siphash(unsigned c_rounds, unsigned d_rounds, const uint64_t key[2], const void *data, size_t len)
{
	uint64_t k0 = key[0], k1 = key[1];
	const unsigned char *p = data, *end = p + (len & ~(size_t)7);
	struct sip s = { k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL,
			 k0 ^ 0x6c7967656e657261ULL, k1 ^ 0x7465646279746573ULL };
	uint64_t m, last = (uint64_t)len << 56;
	unsigned i;

	for (; p < end; p += 8) {
		m = load_le64(p);
		s.v3 ^= m;
		for (i = 0; i < c_rounds; i++)
			sip_round(&s);
		s.v0 ^= m;
	}
	for (i = 0; i < (len & 7); i++)
		last |= (uint64_t)p[i] << (8 * i);
	s.v3 ^= last;
	for (i = 0; i < c_rounds; i++)
		sip_round(&s);
	s.v0 ^= last;
	s.v2 ^= 0xff;
	for (i = 0; i < d_rounds; i++)
		sip_round(&s);
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

static uint64_t key[2];
static bool keyed;

/* The key, drawn once; without getrandom() (an old kernel), the clock, pid and ASLR still vary it. */
static void
draw_key(void)
{
	struct timespec ts;

	if (getrandom(key, sizeof key, GRND_NONBLOCK) != (ssize_t)sizeof key) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		key[0] = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)(uintptr_t)&ts;
		key[1] = ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)draw_key;
	}
	keyed = true;
}

uint64_t
hash_keyed(const void *p, size_t len)
{
	if (!keyed)
		draw_key();
	return hash_siphash(1, 3, key, p, len);
}
