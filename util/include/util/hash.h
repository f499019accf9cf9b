/* SPDX-License-Identifier: Apache-2.0 */
/*
 * FNV-1a, 64 bits: the one fast, stable hash Flotilla uses to tell whether
 * a packed message changed and to spread strings over hash tables. Not for
 * anything an adversary chooses the input of to collide.
 */
#ifndef UTIL_HASH_H
#define UTIL_HASH_H

#include <stddef.h>
#include <stdint.h>

#define UTIL_FNV64_INIT UINT64_C(0xcbf29ce484222325)

/* Continues hash @h over @n bytes at @p (start with UTIL_FNV64_INIT). */
static inline uint64_t
util_fnv64_update(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;

    for (size_t i = 0; i < n; i++) {
        h = (h ^ b[i]) * UINT64_C(0x100000001b3);
    }
    return h;
}

/* The hash of @n bytes at @p. */
static inline uint64_t
util_fnv64(const void *p, size_t n)
{
    return util_fnv64_update(UTIL_FNV64_INIT, p, n);
}

#endif /* UTIL_HASH_H */
