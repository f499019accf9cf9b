/* SPDX-License-Identifier: Apache-2.0 */
/* String-keyed hash map; see util/strmap.h. */
#include "util/strmap.h"

#include "util/hash.h"

#include <stdlib.h>
#include <string.h>

#define TOMBSTONE ((char *)&tombstone_mark)
static const char tombstone_mark;

static uint64_t
hash(const char *s)
{
    uint64_t h = util_fnv64(s, strlen(s));

    return h ^ (h >> 29);
}

void
util_strmap_release(struct strmap *m)
{
    for (size_t i = 0; i < m->cap; i++) {
        if (m->slots[i].key != NULL && m->slots[i].key != TOMBSTONE) {
            free(m->slots[i].key);
        }
    }
    free(m->slots);
    memset(m, 0, sizeof(*m));
}

static struct strmap_entry *
find(const struct strmap *m, const char *key, struct strmap_entry **free_slot)
{
    size_t mask = m->cap - 1;
    size_t i;

    *free_slot = NULL;
    if (m->cap == 0) {
        return NULL;
    }
    for (i = hash(key) & mask;; i = (i + 1) & mask) {
        struct strmap_entry *e = &m->slots[i];

        if (e->key == NULL) {
            if (*free_slot == NULL) {
                *free_slot = e;
            }
            return NULL;
        }
        if (e->key == TOMBSTONE) {
            if (*free_slot == NULL) {
                *free_slot = e;
            }
        } else if (strcmp(e->key, key) == 0) {
            return e;
        }
    }
}

struct strmap_entry *
util_strmap_get(const struct strmap *m, const char *key)
{
    struct strmap_entry *slot;

    return find(m, key, &slot);
}

static int
rehash(struct strmap *m, size_t cap)
{
    struct strmap_entry *old = m->slots;
    size_t oldcap = m->cap;

    m->slots = calloc(cap, sizeof(*m->slots));
    if (m->slots == NULL) {
        m->slots = old;
        return -1;
    }
    m->cap = cap;
    m->used = m->len;
    for (size_t i = 0; i < oldcap; i++) {
        struct strmap_entry *slot;

        if (old[i].key == NULL || old[i].key == TOMBSTONE) {
            continue;
        }
        (void)find(m, old[i].key, &slot);
        *slot = old[i];
    }
    free(old);
    return 0;
}

struct strmap_entry *
util_strmap_put(struct strmap *m, const char *key)
{
    struct strmap_entry *e;
    struct strmap_entry *slot;

    if ((m->used + 1) * 4 >= m->cap * 3) {
        size_t cap = m->cap ? m->cap : 16;

        while ((m->len + 1) * 2 >= cap) {
            cap *= 2;
        }
        if (rehash(m, cap) != 0) {
            return NULL;
        }
    }
    e = find(m, key, &slot);
    if (e != NULL) {
        return e;
    }
    slot->key = strdup(key);
    if (slot->key == NULL) {
        return NULL;
    }
    slot->ptr = NULL;
    slot->num = 0;
    m->len++;
    m->used++;
    return slot;
}

void *
util_strmap_del(struct strmap *m, const char *key)
{
    struct strmap_entry *slot;
    struct strmap_entry *e = find(m, key, &slot);
    void *ptr;

    if (e == NULL) {
        return NULL;
    }
    ptr = e->ptr;
    free(e->key);
    e->key = TOMBSTONE;
    e->ptr = NULL;
    m->len--;
    return ptr;
}

struct strmap_entry *
util_strmap_next(const struct strmap *m, size_t *i)
{
    for (; *i < m->cap; (*i)++) {
        if (m->slots[*i].key != NULL && m->slots[*i].key != TOMBSTONE) {
            return &m->slots[(*i)++];
        }
    }
    return NULL;
}

int
util_cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char **
util_strmap_sorted_keys(const struct strmap *m, size_t *n)
{
    const char **keys = calloc(m->len + 1, sizeof(*keys));
    struct strmap_entry *e;
    size_t i = 0, k = 0;

    if (keys == NULL) {
        return NULL;
    }
    while ((e = util_strmap_next(m, &i)) != NULL) {
        keys[k++] = e->key;
    }
    qsort(keys, k, sizeof(*keys), util_cmp_str);
    if (n != NULL) {
        *n = k;
    }
    return keys;
}
