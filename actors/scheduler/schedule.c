/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One scheduling pass (scheduler.md §3.3) and the clusterAffinities
 * fall-through around it (§3.2): filter, score, estimate, order, select,
 * assign, and an explanation for every cluster left out.
 */
#include "sched/core.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int
verdict_add(struct sched_arena *a, struct sched_decision *d, size_t *cap,
            const char *cluster, const char *filter, const char *reason)
{
    if (d->n_excluded == *cap) {
        size_t ncap = *cap == 0 ? 8 : *cap * 2;
        struct sched_verdict *v = sched_arena_alloc(a, ncap * sizeof(*v));

        if (v == NULL) {
            return -ENOMEM;
        }
        if (d->n_excluded > 0) {
            memcpy(v, d->excluded, d->n_excluded * sizeof(*v));
        }
        d->excluded = v;
        *cap = ncap;
    }
    d->excluded[d->n_excluded++] = (struct sched_verdict){ cluster, filter, reason };
    return 0;
}

static int32_t
assigned_to(const struct sched_binding *b, const char *name)
{
    for (size_t i = 0; i < b->n_targets; i++) {
        if (strcmp(b->targets[i].name, name) == 0) {
            return b->targets[i].replicas;
        }
    }
    return 0;
}

/* "0/N clusters are available: k reason, ..." as Karmada words it. */
static int
no_fit(const struct sched_input *in, const struct sched_decision *d,
       struct sched_error *err)
{
    char msg[SCHED_MESSAGE_MAX];
    size_t len;

    len = (size_t)snprintf(msg, sizeof(msg), "0/%zu clusters are available:",
                           in->n_clusters);
    for (size_t i = 0; i < d->n_excluded && len < sizeof(msg); i++) {
        size_t count = 0;
        bool first = true;

        for (size_t j = 0; j < d->n_excluded; j++) {
            if (strcmp(d->excluded[j].reason, d->excluded[i].reason) == 0) {
                count++;
                first = first && j >= i;
            }
        }
        if (first) {
            len += (size_t)snprintf(msg + len, sizeof(msg) - len, "%s %zu %s",
                                    i == 0 ? "" : ",", count,
                                    d->excluded[i].reason);
        }
    }
    return sched_error_set(err, SCHED_OUTCOME_NO_CLUSTER_FIT, "%s", msg);
}

/*
 * Copies the assumed workloads of cluster @name into @mine and returns how
 * many: a binary search when the caller sorted them (the actor's burst of
 * decisions), a scan otherwise.
 */
static size_t
assumed_of(const struct sched_input *in, const char *name,
           struct sched_assumed *mine)
{
    size_t lo = 0, hi = in->n_assumed, n = 0;

    if (!in->assumed_sorted) {
        for (size_t k = 0; k < in->n_assumed; k++) {
            if (strcmp(in->assumed[k].cluster, name) == 0) {
                mine[n++] = in->assumed[k];
            }
        }
        return n;
    }
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (strcmp(in->assumed[mid].cluster, name) < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    while (lo < in->n_assumed && strcmp(in->assumed[lo].cluster, name) == 0) {
        mine[n++] = in->assumed[lo++];
    }
    return n;
}

int
sched_candidates_build(struct sched_arena *a, const struct sched_input *in,
                       const struct sched_binding *b,
                       struct sched_candidate **out, size_t *n_out,
                       struct sched_decision *d)
{
    struct sched_candidate *c;
    struct sched_assumed *mine = NULL;
    size_t n = 0, cap = d->n_excluded;
    bool unlimited = b->replicas == 0 && b->n_components == 0;
    int rc;

    c = sched_arena_alloc(a, (in->n_clusters + 1) * sizeof(*c));
    if (in->n_assumed > 0) {
        mine = sched_arena_alloc(a, in->n_assumed * sizeof(*mine));
    }
    if (c == NULL || (in->n_assumed > 0 && mine == NULL)) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < in->n_clusters; i++) {
        const struct sched_cluster *cl = &in->clusters[i];
        const char *filter = NULL, *reason = NULL;
        struct sched_candidate *x = &c[n];
        bool given = in->use_given;

        if (!sched_filter_all(b, cl, a, &filter, &reason)) {
            rc = verdict_add(a, d, &cap, cl->name, filter, reason);
            if (rc != 0) {
                return rc;
            }
            continue;
        }
        x->cluster = cl;
        x->score = given && (cl->given & SCHED_GIVEN_SCORE)
                       ? cl->given_score
                       : sched_score_locality(b, cl);
        x->overflow_order = given && (cl->given & SCHED_GIVEN_OVERFLOW)
                                ? cl->given_overflow
                                : sched_overflow_order(b, cl);
        if (given && (cl->given & SCHED_GIVEN_ALLOCATABLE)) {
            x->allocatable = cl->given_allocatable;
        } else if (unlimited) {
            x->allocatable = SCHED_REPLICAS_MAX;
        } else {
            size_t n_mine = 0;
            int64_t est;

            /* Karmada builds the assumed list only under the overcommit gate. */
            if (in->gates.overcommit_protection) {
                n_mine = assumed_of(in, cl->name, mine);
            }
            est = sched_estimate_general(a, cl, b, mine, n_mine, &in->gates);
            x->allocatable = est >= SCHED_REPLICAS_MAX ? b->replicas : est;
        }
        x->available = given && (cl->given & SCHED_GIVEN_AVAILABLE)
                           ? cl->given_available
                           : x->allocatable + assigned_to(b, cl->name);
        n++;
    }
    if (n == 0) {
        return no_fit(in, d, &d->error);
    }
    sched_candidates_sort(c, n, true);
    *out = c;
    *n_out = n;
    return 0;
}

/*
 * Which candidates were selected and which got replicas, in O(n): names in
 * selections and assignments are (almost always) the very pointers of the
 * candidates' cluster names, so a pointer-keyed table finds them; a name
 * that is a different pointer falls back to comparing strings.
 */
struct name_index {
    const char **keys;
    size_t *vals;
    size_t mask;
    const struct sched_candidate *c;
    size_t n;
};

static size_t
ptr_hash(const void *p)
{
    uint64_t x = (uint64_t)(uintptr_t)p;

    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return (size_t)x;
}

static int
name_index_build(struct sched_arena *a, const struct sched_candidate *c,
                 size_t n, struct name_index *ix)
{
    size_t cap = 16;

    while (cap < 2 * n) {
        cap *= 2;
    }
    ix->keys = sched_arena_alloc(a, cap * sizeof(*ix->keys));
    ix->vals = sched_arena_alloc(a, cap * sizeof(*ix->vals));
    if (ix->keys == NULL || ix->vals == NULL) {
        return -ENOMEM;
    }
    ix->mask = cap - 1;
    ix->c = c;
    ix->n = n;
    for (size_t i = 0; i < n; i++) {
        size_t h = ptr_hash(c[i].cluster->name) & ix->mask;

        while (ix->keys[h] != NULL) {
            h = (h + 1) & ix->mask;
        }
        ix->keys[h] = c[i].cluster->name;
        ix->vals[h] = i;
    }
    return 0;
}

/* Index of the candidate named @name, or ix->n. */
static size_t
name_index_find(const struct name_index *ix, const char *name)
{
    size_t h = ptr_hash(name) & ix->mask;

    while (ix->keys[h] != NULL) {
        if (ix->keys[h] == name) {
            return ix->vals[h];
        }
        h = (h + 1) & ix->mask;
    }
    for (size_t i = 0; i < ix->n; i++) {
        if (strcmp(ix->c[i].cluster->name, name) == 0) {
            return i;
        }
    }
    return ix->n;
}

/* Adds a verdict for every feasible cluster that was not selected or got
 * no replica. */
static int
explain_leftovers(struct sched_arena *a, const struct sched_binding *b,
                  const struct sched_candidate *c, size_t n,
                  const struct sched_candidate *sel, size_t n_sel,
                  struct sched_decision *d)
{
    bool workload = (b->replicas > 0 || b->has_requirements) &&
                    b->n_components <= 1;
    unsigned char *mark = sched_arena_alloc(a, n + 1);
    struct name_index ix;
    size_t cap = d->n_excluded;
    int rc;

    if (mark == NULL || name_index_build(a, c, n, &ix) != 0) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < n_sel; i++) {
        size_t k = name_index_find(&ix, sel[i].cluster->name);

        if (k < n) {
            mark[k] = 1;
        }
    }
    for (size_t i = 0; i < d->assignment.n; i++) {
        size_t k;

        if (d->assignment.items[i].replicas <= 0) {
            continue;
        }
        k = name_index_find(&ix, d->assignment.items[i].name);
        if (k < n) {
            mark[k] = 2;
        }
    }
    for (size_t i = 0; i < n; i++) {
        rc = 0;
        if (mark[i] == 0) {
            rc = verdict_add(a, d, &cap, c[i].cluster->name, "SpreadConstraint",
                             "not selected: spread constraints chose other clusters");
        } else if (mark[i] == 1 && workload) {
            rc = verdict_add(a, d, &cap, c[i].cluster->name, "ReplicaDivision",
                             "selected, but the division gave it no replica");
        }
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

int
sched_pass(struct sched_arena *a, const struct sched_input *in,
           const struct sched_binding *b, struct sched_decision *d)
{
    struct sched_candidate *c = NULL, *sel = NULL;
    size_t n = 0, n_sel = 0;
    int64_t need = b->n_components > 1 ? 1 : b->replicas;
    int rc;

    d->error.outcome = SCHED_OUTCOME_SUCCESS;
    d->error.message[0] = '\0';
    rc = sched_candidates_build(a, in, b, &c, &n, d);
    if (rc != 0) {
        return rc;
    }
    rc = sched_select_best(a, b, c, n, need, &sel, &n_sel, &d->error);
    if (rc != 0) {
        return rc;
    }
    rc = sched_assign(a, b, sel, n_sel, &in->gates, &d->assignment, &d->error);
    if (rc != 0) {
        return rc;
    }
    if (in->gates.empty_workload_propagate) {
        rc = sched_attach_zero(a, sel, n_sel, &d->assignment);
        if (rc != 0) {
            return rc;
        }
    }
    /* Explain the feasible clusters that got nothing. */
    return explain_leftovers(a, b, c, n, sel, n_sel, d);
}

size_t
sched_affinities_start(const struct sched_binding *b)
{
    const struct sched_placement *p = &b->placement;

    if (b->fresh || b->observed_affinity == NULL ||
        b->observed_affinity[0] == '\0') {
        return 0;
    }
    for (size_t i = 0; i < p->n_terms; i++) {
        if (p->terms[i].name != NULL &&
            strcmp(p->terms[i].name, b->observed_affinity) == 0) {
            return i;
        }
    }
    return 0;
}

struct default_pass {
    const struct sched_input *in;
};

static int
run_default(void *ctx, struct sched_arena *a, const struct sched_binding *b,
            struct sched_decision *d)
{
    const struct default_pass *dp = ctx;

    return sched_pass(a, dp->in, b, d);
}

int
sched_affinities_run(struct sched_arena *a, const struct sched_input *in,
                     sched_pass_fn *pass, void *ctx, struct sched_decision *d)
{
    const struct sched_binding *b = in->binding;
    const struct sched_placement *p = &b->placement;
    struct default_pass dp = { in };
    struct sched_decision first;
    int first_rc = 0;
    int rc;

    memset(d, 0, sizeof(*d));
    memset(&first, 0, sizeof(first));
    d->observed_affinity = b->observed_affinity;
    if (pass == NULL) {
        pass = run_default;
        ctx = &dp;
    }
    if (!b->has_placement || !p->has_terms) {
        rc = pass(ctx, a, b, d);
        d->observed_affinity = b->observed_affinity;
        /* "No cluster fits" still clears spec.clusters; other errors write nothing. */
        d->write = rc == 0 || rc == -ENODEV;
        if (rc == -ENODEV) {
            d->assignment.n = 0;
        }
        return rc;
    }
    d->tried = sched_arena_alloc(a, (p->n_terms + 1) * sizeof(*d->tried));
    if (d->tried == NULL) {
        return -ENOMEM;
    }
    for (size_t i = sched_affinities_start(b); i < p->n_terms; i++) {
        struct sched_binding tb = *b;
        struct sched_decision one;

        memset(&one, 0, sizeof(one));
        tb.observed_affinity = p->terms[i].name;
        d->tried[d->n_tried++] = p->terms[i].name;
        rc = pass(ctx, a, &tb, &one);
        if (rc == -ENOMEM) {
            return rc;
        }
        if (rc == 0) {
            const char **tried = d->tried;
            size_t n_tried = d->n_tried;

            *d = one;
            d->tried = tried;
            d->n_tried = n_tried;
            d->write = true;
            d->observed_affinity = p->terms[i].name;
            return 0;
        }
        if (first_rc == 0) {
            first_rc = rc;
            first = one;
        }
    }
    {
        const char **tried = d->tried;
        size_t n_tried = d->n_tried;

        *d = first;
        d->tried = tried;
        d->n_tried = n_tried;
    }
    d->observed_affinity = b->observed_affinity;
    d->write = first_rc == -ENODEV;
    d->assignment.n = 0;
    if (first_rc == 0) {
        /* No term to try (an empty clusterAffinities list). */
        return sched_error_set(&d->error, SCHED_OUTCOME_NO_CLUSTER_FIT,
                               "0/%zu clusters are available: no cluster affinity term",
                               in->n_clusters);
    }
    return first_rc;
}

int
sched_schedule(struct sched_arena *a, const struct sched_input *in,
               struct sched_decision *d)
{
    return sched_affinities_run(a, in, NULL, NULL, d);
}
