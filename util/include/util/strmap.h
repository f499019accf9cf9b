/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A string-keyed hash map (open addressing, linear probing) holding a
 * pointer and a 64-bit number per key. Keys are copied; values are not
 * owned. Iteration order is the slot order, so callers that need a stable
 * order sort the keys. Not thread-safe.
 */
#ifndef UTIL_STRMAP_H
#define UTIL_STRMAP_H

#include <stddef.h>
#include <stdint.h>

struct strmap_entry {
    char *key;      /* NULL: empty slot; (char *)1 would be a tombstone */
    void *ptr;
    uint64_t num;
};

struct strmap {
    struct strmap_entry *slots;
    size_t cap;     /* power of two, or 0 */
    size_t len;     /* live keys */
    size_t used;    /* live keys plus tombstones */
};

/* An empty map needs no allocation: struct strmap m = { 0 }. */
void util_strmap_release(struct strmap *m);

/* Returns the entry for @key, or NULL. */
struct strmap_entry *util_strmap_get(const struct strmap *m, const char *key);

/*
 * Returns the entry for @key, adding it (ptr NULL, num 0) when missing;
 * NULL only when out of memory.
 */
struct strmap_entry *util_strmap_put(struct strmap *m, const char *key);

/* Removes @key; returns its ptr (or NULL). */
void *util_strmap_del(struct strmap *m, const char *key);

/* Iterates: pass *@i = 0 first; returns NULL at the end. */
struct strmap_entry *util_strmap_next(const struct strmap *m, size_t *i);

/*
 * The keys of @m in byte-wise order, NULL-terminated, *@n of them (@n may be
 * NULL): a new array of borrowed pointers (free() the array only), valid
 * while no key is added or removed. NULL when out of memory.
 */
const char **util_strmap_sorted_keys(const struct strmap *m, size_t *n);

/* qsort() comparator for an array of C strings (const char *). */
int util_cmp_str(const void *a, const void *b);

#endif /* UTIL_STRMAP_H */
