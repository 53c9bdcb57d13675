/*
 * hash.h - a keyed hash for tables whose keys come from the sender.
 *
 * An unkeyed hash (FNV, djb) lets a sender pick strings that all land in
 * one bucket and make every insertion walk all the others: a cheap
 * report, expensive CPU.  SipHash-1-3 with a key drawn from getrandom()
 * once per process makes that guess hopeless.
 */
#ifndef DP_HASH_H
#define DP_HASH_H

#include <stddef.h>
#include <stdint.h>

/* SipHash-1-3 of p[0..len) under this process's random key. */
uint64_t hash_keyed(const void *p, size_t len);

/* SipHash-c-d under an explicit key: hash_keyed() is SipHash-1-3 of this under its key. */
uint64_t hash_siphash(unsigned c_rounds, unsigned d_rounds, const uint64_t key[2], const void *p, size_t len);

#endif
