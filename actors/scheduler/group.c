/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Ordering, topology groups and candidate selection under spread
 * constraints (scheduler.md §7, §8). Every sort here is stable over a
 * total order, so results never depend on the input order (Karmada's Go
 * sorts are unstable beyond 12 items; see docs/scheduler.md).
 */
#include "sched/core.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Candidates sorted through a stack buffer; more go through qsort directly. */
#define SORT_STACK 256

static int
cmp_candidates(const struct sched_candidate *a, const struct sched_candidate *b,
               bool compare_available)
{
    if (a->overflow_order != b->overflow_order) {
        return a->overflow_order < b->overflow_order ? -1 : 1;
    }
    if (a->score != b->score) {
        return a->score > b->score ? -1 : 1;
    }
    if (compare_available && a->available != b->available) {
        return a->available > b->available ? -1 : 1;
    }
    return strcmp(a->cluster->name, b->cluster->name);
}

static int
cmp_with_available(const void *x, const void *y)
{
    return cmp_candidates(x, y, true);
}

static int
cmp_without_available(const void *x, const void *y)
{
    return cmp_candidates(x, y, false);
}

/* Bottom-up merge sort of @n pointers with the comparator inlined. */
static void
sort_ptrs(const struct sched_candidate **v, const struct sched_candidate **tmp,
          size_t n, bool compare_available)
{
    const struct sched_candidate **src = v, **dst = tmp;

    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;

            while (i < mid && j < hi) {
                if (cmp_candidates(src[j], src[i], compare_available) < 0) {
                    dst[k++] = src[j++];
                } else {
                    dst[k++] = src[i++];
                }
            }
            while (i < mid) {
                dst[k++] = src[i++];
            }
            while (j < hi) {
                dst[k++] = src[j++];
            }
        }
        const struct sched_candidate **t = src;

        src = dst;
        dst = t;
    }
    if (src != v) {
        memcpy(v, src, n * sizeof(*v));
    }
}

void
sched_candidates_sort(struct sched_candidate *c, size_t n, bool compare_available)
{
    struct sched_candidate tmp[SORT_STACK];
    const struct sched_candidate *ptr[SORT_STACK];
    const struct sched_candidate *scratch[SORT_STACK];

    /*
     * The order ends in the cluster name, which is unique, so it is total
     * and any sort gives the one result (no stability needed). Sorting
     * pointers and permuting once beats moving 40-byte elements around.
     */
    if (n < 2) {
        return;
    }
    if (n > SORT_STACK) {
        qsort(c, n, sizeof(*c),
              compare_available ? cmp_with_available : cmp_without_available);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        ptr[i] = &c[i];
    }
    sort_ptrs(ptr, scratch, n, compare_available);
    for (size_t i = 0; i < n; i++) {
        tmp[i] = *ptr[i];
    }
    memcpy(c, tmp, n * sizeof(*c));
}

static bool
is_duplicated(const struct sched_binding *b)
{
    const struct sched_placement *p = &b->placement;

    return !b->has_placement || !p->has_replica_scheduling ||
           p->rs_type == NULL || strcmp(p->rs_type, "Duplicated") == 0;
}

static const struct sched_spread *
spread_for(const struct sched_binding *b, enum sched_spread_field f)
{
    const struct sched_spread *found = NULL;

    for (size_t i = 0; i < b->placement.n_spreads; i++) {
        if (b->placement.spreads[i].field == f) {
            found = &b->placement.spreads[i]; /* a later duplicate wins */
        }
    }
    return found;
}

int64_t
sched_group_score_duplicated(int32_t replicas, const struct sched_candidate *c,
                             size_t n)
{
    int64_t sum = 0;
    int64_t k = 0;

    for (size_t i = 0; i < n; i++) {
        if (c[i].available >= replicas) {
            sum += c[i].score;
            k++;
        }
    }
    return k == 0 ? 0 : 1000 * k + sum / k;
}

int64_t
sched_group_score(const struct sched_binding *b, const struct sched_candidate *c,
                  size_t n, int32_t min_groups)
{
    const struct sched_spread *cs;
    int64_t target, cluster_min, sum_avail = 0, sum_score = 0, k = 0;

    if (is_duplicated(b)) {
        return sched_group_score_duplicated(b->replicas, c, n);
    }
    if (min_groups <= 0) {
        /* Karmada divides by zero here (quirk 4); the webhook prevents it. */
        min_groups = 1;
    }
    target = (int64_t)ceil((double)b->replicas / (double)min_groups);
    cs = spread_for(b, SCHED_SPREAD_CLUSTER);
    cluster_min = cs != NULL ? cs->min_groups : 0;
    if (cluster_min < min_groups) {
        cluster_min = min_groups;
    }
    for (size_t i = 0; i < n; i++) {
        sum_avail += c[i].available;
        sum_score += c[i].score;
        k++;
        if (k >= cluster_min && sum_avail >= target) {
            break;
        }
    }
    if (sum_avail < target) {
        return 1000 * sum_avail + (n == 0 ? 0 : sum_score / (int64_t)n);
    }
    return 1000 * target + sum_score / k;
}

bool
sched_spread_ignored(const struct sched_binding *b)
{
    const struct sched_placement *p = &b->placement;

    if (!b->has_placement || !p->has_replica_scheduling || p->rs_type == NULL ||
        strcmp(p->rs_type, "Divided") != 0 || p->division == NULL ||
        strcmp(p->division, "Weighted") != 0) {
        return false;
    }
    if (!p->has_weight_preference) {
        return true;
    }
    return p->n_static_weights > 0 &&
           (p->dynamic_weight == NULL || p->dynamic_weight[0] == '\0');
}

/* True when §7.2 builds topology groups at all. */
static bool
topology_used(const struct sched_binding *b)
{
    const struct sched_placement *p = &b->placement;

    if (p->n_spreads == 0 || sched_spread_ignored(b)) {
        return false;
    }
    for (size_t i = 0; i < p->n_spreads; i++) {
        if (p->spreads[i].field != SCHED_SPREAD_CLUSTER) {
            return true;
        }
    }
    return false;
}

static size_t
count_distinct(const struct sched_candidate *c, size_t n,
               enum sched_spread_field f)
{
    size_t count = 0;

    for (size_t i = 0; i < n; i++) {
        const struct sched_cluster *x = c[i].cluster;

        if (f == SCHED_SPREAD_ZONE) {
            for (size_t z = 0; z < x->n_zones; z++) {
                bool seen = false;

                for (size_t j = 0; j <= i && !seen; j++) {
                    const struct sched_cluster *y = c[j].cluster;
                    size_t lim = j == i ? z : y->n_zones;

                    for (size_t k = 0; k < lim && !seen; k++) {
                        seen = strcmp(y->zones[k], x->zones[z]) == 0;
                    }
                }
                count += seen ? 0 : 1;
            }
            continue;
        }
        const char *v = f == SCHED_SPREAD_REGION ? x->region : x->provider;
        bool seen = false;

        if (v == NULL || v[0] == '\0') {
            continue;
        }
        for (size_t j = 0; j < i && !seen; j++) {
            const char *w = f == SCHED_SPREAD_REGION ? c[j].cluster->region
                                                     : c[j].cluster->provider;
            seen = w != NULL && strcmp(v, w) == 0;
        }
        count += seen ? 0 : 1;
    }
    return count;
}

void
sched_group_count(const struct sched_binding *b, const struct sched_candidate *c,
                  size_t n, struct sched_group_counts *out)
{
    memset(out, 0, sizeof(*out));
    if (!topology_used(b)) {
        return;
    }
    if (spread_for(b, SCHED_SPREAD_ZONE) != NULL) {
        out->zones = count_distinct(c, n, SCHED_SPREAD_ZONE);
    }
    if (spread_for(b, SCHED_SPREAD_REGION) != NULL) {
        out->regions = count_distinct(c, n, SCHED_SPREAD_REGION);
    }
    if (spread_for(b, SCHED_SPREAD_PROVIDER) != NULL) {
        out->providers = count_distinct(c, n, SCHED_SPREAD_PROVIDER);
    }
}

/* ---- selectGroups (§8.4) ---- */

struct path {
    size_t *members; /* indexes into the sorted groups */
    size_t n;
    int64_t weight;
    int64_t value;
    size_t id;
};

struct dfs {
    struct sched_arena *a;
    struct sched_group *g;
    size_t n;
    int32_t min;
    int32_t max;
    int64_t target;
    size_t *stack;
    struct path *paths;
    size_t n_paths;
    size_t cap_paths;
    size_t budget; /* nodes left to visit before giving up */
    int rc;
};

/*
 * Karmada enumerates every combination; with many regions and a large
 * maxGroups that is exponential. Past this many nodes the selection fails
 * with an error instead of running for hours.
 */
#define DFS_BUDGET 2000000

static int
group_order(const void *x, const void *y)
{
    const struct sched_group *a = x, *b = y;

    if (a->value != b->value) {
        return a->value < b->value ? -1 : 1;
    }
    if (a->weight != b->weight) {
        return a->weight > b->weight ? -1 : 1;
    }
    return strcmp(a->name, b->name);
}

static void
dfs_record(struct dfs *d, size_t len)
{
    struct path *p;

    if (d->n_paths == d->cap_paths) {
        size_t cap = d->cap_paths == 0 ? 16 : d->cap_paths * 2;
        struct path *np = sched_arena_alloc(d->a, cap * sizeof(*np));

        if (np == NULL) {
            d->rc = -ENOMEM;
            return;
        }
        if (d->n_paths > 0) {
            memcpy(np, d->paths, d->n_paths * sizeof(*np));
        }
        d->paths = np;
        d->cap_paths = cap;
    }
    p = &d->paths[d->n_paths];
    p->members = sched_arena_alloc(d->a, (len + 1) * sizeof(size_t));
    if (p->members == NULL) {
        d->rc = -ENOMEM;
        return;
    }
    if (len > 0) {
        memcpy(p->members, d->stack, len * sizeof(size_t));
    }
    p->n = len;
    p->weight = 0;
    p->value = 0;
    for (size_t i = 0; i < len; i++) {
        p->weight += d->g[d->stack[i]].weight;
        p->value += d->g[d->stack[i]].value;
    }
    /* Members by weight ↓, name ↑ (insertion sort, paths are short). */
    for (size_t i = 1; i < len; i++) {
        size_t x = p->members[i];
        size_t j = i;

        while (j > 0) {
            const struct sched_group *prev = &d->g[p->members[j - 1]];
            const struct sched_group *cur = &d->g[x];

            if (prev->weight > cur->weight ||
                (prev->weight == cur->weight &&
                 strcmp(prev->name, cur->name) <= 0)) {
                break;
            }
            p->members[j] = p->members[j - 1];
            j--;
        }
        p->members[j] = x;
    }
    p->id = ++d->n_paths;
}

static void
dfs_walk(struct dfs *d, size_t start, size_t len, int64_t sum)
{
    if (d->rc != 0) {
        return;
    }
    if (d->budget-- == 0) {
        d->rc = -E2BIG;
        return;
    }
    if (sum >= d->target && (int64_t)len >= d->min && (int64_t)len <= d->max) {
        dfs_record(d, len);
        return;
    }
    if ((int64_t)len >= d->max) {
        return;
    }
    for (size_t i = start; i < d->n; i++) {
        d->stack[len] = i;
        dfs_walk(d, i + 1, len + 1, sum + d->g[i].value);
        if ((int64_t)d->n == d->min) {
            break; /* only the one full combination exists */
        }
    }
}

static bool
path_better(const struct path *a, const struct path *b)
{
    if (a->weight != b->weight) {
        return a->weight > b->weight;
    }
    if (a->value != b->value) {
        return a->value > b->value;
    }
    return a->id < b->id;
}

/* True when @p is a strict prefix of @best, compared by member name. */
static bool
path_strict_prefix(const struct sched_group *g, const struct path *p,
                   const struct path *best)
{
    if (p->n >= best->n) {
        return false;
    }
    for (size_t i = 0; i < p->n; i++) {
        if (strcmp(g[p->members[i]].name, g[best->members[i]].name) != 0) {
            return false;
        }
    }
    return true;
}

int
sched_select_groups(struct sched_arena *a, struct sched_group *groups, size_t n,
                    int32_t min_groups, int32_t max_groups, int64_t target,
                    struct sched_group **out, size_t *n_out)
{
    struct dfs d = { a, groups, n, min_groups, max_groups, target,
                     NULL, NULL, 0, 0, DFS_BUDGET, 0 };
    struct path *best;
    struct sched_group *sel;

    *out = NULL;
    *n_out = 0;
    if (n == 0) {
        return 0;
    }
    if (n > 1) {
        qsort(groups, n, sizeof(*groups), group_order);
    }
    d.stack = sched_arena_alloc(a, (n + 1) * sizeof(size_t));
    if (d.stack == NULL) {
        return -ENOMEM;
    }
    dfs_walk(&d, 0, 0, 0);
    if (d.rc != 0 || d.n_paths == 0) {
        return d.rc;
    }
    /* Sort paths: weight ↓, value ↓, id ↑ (insertion, stable). */
    for (size_t i = 1; i < d.n_paths; i++) {
        struct path x = d.paths[i];
        size_t j = i;

        while (j > 0 && path_better(&x, &d.paths[j - 1])) {
            d.paths[j] = d.paths[j - 1];
            j--;
        }
        d.paths[j] = x;
    }
    best = &d.paths[0];
    for (size_t i = 1; i < d.n_paths; i++) {
        if (path_strict_prefix(groups, &d.paths[i], best)) {
            best = &d.paths[i];
        }
    }
    sel = sched_arena_alloc(a, (best->n + 1) * sizeof(*sel));
    if (sel == NULL) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < best->n; i++) {
        sel[i] = groups[best->members[i]];
    }
    *out = sel;
    *n_out = best->n;
    return 0;
}

/* ---- selection (§8.2, §8.3, §8.1) ---- */

int
sched_select_by_cluster(struct sched_arena *a, const struct sched_spread *s,
                        const struct sched_candidate *c, size_t n, int64_t need,
                        struct sched_candidate **out, size_t *n_out,
                        struct sched_error *err)
{
    struct sched_candidate *all;
    size_t k;
    int64_t sum = 0;

    if ((int64_t)n < s->min_groups) {
        return sched_error_set(err, SCHED_OUTCOME_ERROR,
                               "the number of feasible clusters is less than spreadConstraint.MinGroups");
    }
    k = s->max_groups < 0 ? 0 : (size_t)s->max_groups;
    if (k > n) {
        k = n;
    }
    all = sched_arena_alloc(a, (n + 1) * sizeof(*all));
    if (all == NULL) {
        return -ENOMEM;
    }
    if (n > 0) {
        memcpy(all, c, n * sizeof(*all));
    }
    *out = all;
    *n_out = k;
    if (need == -1) {
        return 0;
    }
    for (size_t i = 0; i < k; i++) {
        sum += all[i].available;
    }
    for (size_t i = k; i-- > 0 && sum < need;) {
        size_t best = n;

        for (size_t j = k; j < n; j++) {
            if (all[j].available > all[i].available &&
                (best == n || all[j].available > all[best].available)) {
                best = j;
            }
        }
        if (best != n) {
            struct sched_candidate tmp = all[i];

            sum += all[best].available - all[i].available;
            all[i] = all[best];
            all[best] = tmp;
        }
    }
    if (sum < need) {
        return sched_error_set(err, SCHED_OUTCOME_ERROR,
                               "no enough resource when selecting %zu clusters",
                               k);
    }
    return 0;
}

int
sched_select_by_region(struct sched_arena *a, const struct sched_spread *region,
                       const struct sched_spread *cluster,
                       struct sched_region *regions, size_t n_regions,
                       struct sched_candidate **out, size_t *n_out,
                       struct sched_error *err)
{
    struct sched_group *groups, *chosen = NULL;
    struct sched_candidate *sel, *others;
    size_t n_chosen = 0, n_sel = 0, n_others = 0, total = 0;
    int64_t cluster_min = cluster != NULL ? cluster->min_groups : 0;
    int64_t cluster_max = cluster != NULL ? cluster->max_groups : 0;
    int64_t k, extra;
    int rc;

    if ((int64_t)n_regions < region->min_groups) {
        return sched_error_set(err, SCHED_OUTCOME_ERROR,
                               "the number of feasible region is less than spreadConstraint.MinGroups");
    }
    groups = sched_arena_alloc(a, (n_regions + 1) * sizeof(*groups));
    if (groups == NULL) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < n_regions; i++) {
        groups[i].name = regions[i].name;
        groups[i].value = (int64_t)regions[i].n_clusters;
        groups[i].weight = regions[i].score;
        total += regions[i].n_clusters;
    }
    rc = sched_select_groups(a, groups, n_regions, region->min_groups,
                             region->max_groups, cluster_min, &chosen,
                             &n_chosen);
    if (rc == -E2BIG) {
        return sched_error_set(err, SCHED_OUTCOME_ERROR,
                               "too many region combinations to enumerate (%zu regions, maxGroups %d)",
                               n_regions, region->max_groups);
    }
    if (rc != 0) {
        return rc;
    }
    if (n_chosen == 0) {
        return sched_error_set(err, SCHED_OUTCOME_ERROR,
                               "the number of clusters is less than the cluster spreadConstraint.MinGroups");
    }
    sel = sched_arena_alloc(a, (total + 1) * sizeof(*sel));
    others = sched_arena_alloc(a, (total + 1) * sizeof(*others));
    if (sel == NULL || others == NULL) {
        return -ENOMEM;
    }
    for (size_t g = 0; g < n_chosen; g++) {
        for (size_t r = 0; r < n_regions; r++) {
            if (strcmp(regions[r].name, chosen[g].name) != 0 ||
                regions[r].n_clusters == 0) {
                continue;
            }
            sel[n_sel++] = regions[r].clusters[0];
            for (size_t i = 1; i < regions[r].n_clusters; i++) {
                others[n_others++] = regions[r].clusters[i];
            }
            break;
        }
    }
    k = (int64_t)(n_sel + n_others);
    if (k > cluster_max) {
        k = cluster_max;
    }
    extra = k - (int64_t)n_sel;
    if (extra > 0) {
        sched_candidates_sort(others, n_others, true);
        for (int64_t i = 0; i < extra; i++) {
            sel[n_sel++] = others[i];
        }
    }
    *out = sel;
    *n_out = n_sel;
    return 0;
}

/* Region groups of @c (already in §7.1 order), each scored (§7.3). */
static int
build_regions(struct sched_arena *a, const struct sched_binding *b,
              const struct sched_spread *rs, const struct sched_candidate *c,
              size_t n, struct sched_region **out, size_t *n_out)
{
    struct sched_region *r = sched_arena_alloc(a, (n + 1) * sizeof(*r));
    size_t *of = sched_arena_alloc(a, (n + 1) * sizeof(*of));
    size_t nr = 0;

    if (r == NULL || of == NULL) {
        return -ENOMEM;
    }
    /* First pass: which region each cluster joins, and the region sizes. */
    for (size_t i = 0; i < n; i++) {
        const char *name = c[i].cluster->region;
        size_t j;

        of[i] = n;
        if (name == NULL || name[0] == '\0') {
            continue;
        }
        for (j = 0; j < nr && strcmp(r[j].name, name) != 0; j++) {
        }
        if (j == nr) {
            r[nr++].name = name;
        }
        r[j].n_clusters++;
        of[i] = j;
    }
    for (size_t j = 0; j < nr; j++) {
        r[j].clusters = sched_arena_alloc(a, r[j].n_clusters * sizeof(*r[j].clusters));
        if (r[j].clusters == NULL) {
            return -ENOMEM;
        }
        r[j].n_clusters = 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (of[i] < n) {
            struct sched_region *g = &r[of[i]];

            g->clusters[g->n_clusters++] = c[i];
        }
    }
    for (size_t j = 0; j < nr; j++) {
        r[j].score = sched_group_score(b, r[j].clusters, r[j].n_clusters,
                                       rs->min_groups);
    }
    *out = r;
    *n_out = nr;
    return 0;
}

int
sched_select_best(struct sched_arena *a, const struct sched_binding *b,
                  const struct sched_candidate *c, size_t n, int64_t need,
                  struct sched_candidate **out, size_t *n_out,
                  struct sched_error *err)
{
    const struct sched_spread *rs, *cs;
    struct sched_region *regions;
    size_t n_regions;
    int rc;

    if (b->placement.n_spreads == 0 || sched_spread_ignored(b)) {
        *out = sched_arena_alloc(a, (n + 1) * sizeof(**out));
        if (*out == NULL) {
            return -ENOMEM;
        }
        if (n > 0) {
            memcpy(*out, c, n * sizeof(**out));
        }
        *n_out = n;
        return 0;
    }
    if (is_duplicated(b)) {
        need = -1;
    }
    rs = spread_for(b, SCHED_SPREAD_REGION);
    cs = spread_for(b, SCHED_SPREAD_CLUSTER);
    if (rs != NULL) {
        rc = build_regions(a, b, rs, c, n, &regions, &n_regions);
        if (rc != 0) {
            return rc;
        }
        return sched_select_by_region(a, rs, cs, regions, n_regions, out, n_out,
                                      err);
    }
    if (cs != NULL) {
        return sched_select_by_cluster(a, cs, c, n, need, out, n_out, err);
    }
    return sched_error_set(err, SCHED_OUTCOME_ERROR,
                           "just support cluster and region spread constraint");
}
