/* SPDX-License-Identifier: Apache-2.0 */
/*
 * StatefulSet ordinal ranges for a StatefulSet divided over members
 * (docs/executor.md "Ordinals"); see executor/executor.h.
 */
#include "executor/executor.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool
overlap(int64_t a, int64_t alen, int64_t b, int64_t blen)
{
    return alen > 0 && blen > 0 && a < b + blen && b < a + alen;
}

/* Is [start, start+count) free for slot @self? */
static bool
range_free(const struct executor_ordinal_slot *slots, size_t n,
           const bool *assigned, size_t self, int64_t start, int64_t count)
{
    for (size_t i = 0; i < n; i++) {
        if (i == self) {
            continue;
        }
        if (slots[i].had &&
            overlap(start, count, slots[i].old_start, slots[i].old_count)) {
            return false;
        }
        if (assigned[i] &&
            overlap(start, count, slots[i].start, slots[i].count)) {
            return false;
        }
    }
    return true;
}

static int
cmp_slot_name(const void *a, const void *b)
{
    const struct executor_ordinal_slot *x =
        *(const struct executor_ordinal_slot *const *)a;
    const struct executor_ordinal_slot *y =
        *(const struct executor_ordinal_slot *const *)b;

    return strcmp(x->cluster, y->cluster);
}

static int
cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a;
    int64_t y = *(const int64_t *)b;

    return x < y ? -1 : x > y;
}

int
executor_ordinals_assign(struct executor_ordinal_slot *slots, size_t n,
                         int32_t base)
{
    struct executor_ordinal_slot **order = NULL;
    bool *assigned = NULL;
    int64_t *cand = NULL;
    size_t ncand;
    int rc = 0;

    if (n == 0) {
        return 0;
    }
    order = calloc(n, sizeof(*order));
    assigned = calloc(n, sizeof(*assigned));
    cand = calloc(2 * n + 1, sizeof(*cand));
    if (order == NULL || assigned == NULL || cand == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        order[i] = &slots[i];
    }
    qsort(order, n, sizeof(*order), cmp_slot_name);

    /* 1. Same or fewer: a subset of its own old range, always kept. */
    for (size_t k = 0; k < n; k++) {
        struct executor_ordinal_slot *s = order[k];
        size_t i = (size_t)(s - slots);

        if (s->wants && s->had && s->count <= s->old_count &&
            range_free(slots, n, assigned, i, s->old_start, s->count)) {
            s->start = s->old_start;
            assigned[i] = true;
        }
    }
    /* 2. Growing: kept when the longer range touches nobody else's. */
    for (size_t k = 0; k < n; k++) {
        struct executor_ordinal_slot *s = order[k];
        size_t i = (size_t)(s - slots);

        if (!assigned[i] && s->wants && s->had &&
            range_free(slots, n, assigned, i, s->old_start, s->count)) {
            s->start = s->old_start;
            assigned[i] = true;
        }
    }
    /* 3. The rest: the lowest free start at or after @base. */
    for (size_t k = 0; k < n; k++) {
        struct executor_ordinal_slot *s = order[k];
        size_t i = (size_t)(s - slots);

        if (assigned[i] || !s->wants) {
            continue;
        }
        ncand = 0;
        cand[ncand++] = base;
        for (size_t j = 0; j < n; j++) {
            if (j == i) {
                continue;
            }
            if (slots[j].had) {
                cand[ncand++] = (int64_t)slots[j].old_start +
                                slots[j].old_count;
            }
            if (assigned[j]) {
                cand[ncand++] = (int64_t)slots[j].start + slots[j].count;
            }
            if (ncand >= 2 * n) {
                break;
            }
        }
        qsort(cand, ncand, sizeof(*cand), cmp_i64);
        s->start = base;
        for (size_t c = 0; c < ncand; c++) {
            if (cand[c] >= base && cand[c] + s->count <= INT32_MAX &&
                range_free(slots, n, assigned, i, cand[c], s->count)) {
                s->start = (int32_t)cand[c];
                break;
            }
        }
        assigned[i] = true;
    }
out:
    free(order);
    free(assigned);
    free(cand);
    return rc;
}
