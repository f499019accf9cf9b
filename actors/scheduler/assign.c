/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Replica assignment (scheduler.md §9) and Webster / Sainte-Laguë
 * apportionment with the UID-seeded tie-break (§10).
 */
#include "sched/core.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Parties whose heap fits on the stack; more use malloc. */
#define WEBSTER_STACK 256

enum sched_tie
sched_tie_from_uid(const char *uid)
{
    uint32_t h = 2166136261u;

    if (uid == NULL || uid[0] == '\0') {
        return SCHED_TIE_ASCENDING;
    }
    for (const unsigned char *p = (const unsigned char *)uid; *p != '\0'; p++) {
        h ^= *p;
        h *= 16777619u;
    }
    return (h & 1u) ? SCHED_TIE_DESCENDING : SCHED_TIE_ASCENDING;
}

/* True when @a wins an exact priority tie against @b. */
static bool
tie_wins(const struct sched_party *a, const struct sched_party *b,
         enum sched_tie tie)
{
    int c = strcmp(a->name, b->name);

    switch (tie) {
    case SCHED_TIE_NAME_ASCENDING:
        return c < 0;
    case SCHED_TIE_NAME_DESCENDING:
        return c > 0;
    default:
        break;
    }
    if (a->seats != b->seats) {
        return a->seats < b->seats;
    }
    return tie == SCHED_TIE_DESCENDING ? c > 0 : c < 0;
}

static int
party_by_name(const void *x, const void *y)
{
    return strcmp(((const struct sched_party *)x)->name,
                  ((const struct sched_party *)y)->name);
}

/* True when party @i goes before party @j for the next seat. */
static bool
party_before(const struct sched_party *p, const double *prio, size_t i,
             size_t j, enum sched_tie tie)
{
    if (prio[i] != prio[j]) {
        return prio[i] > prio[j];
    }
    return tie_wins(&p[i], &p[j], tie);
}

static void
heap_down(const struct sched_party *p, const double *prio, size_t *h, size_t n,
          size_t at, enum sched_tie tie)
{
    for (;;) {
        size_t l = 2 * at + 1, r = l + 1, best = at;

        if (l < n && party_before(p, prio, h[l], h[best], tie)) {
            best = l;
        }
        if (r < n && party_before(p, prio, h[r], h[best], tie)) {
            best = r;
        }
        if (best == at) {
            return;
        }
        size_t t = h[at];

        h[at] = h[best];
        h[best] = t;
        at = best;
    }
}

static double
priority(const struct sched_party *x)
{
    return (double)x->votes / (double)(2 * x->seats + 1);
}

/* The plain scan, for few parties (and when no scratch memory is at hand). */
static void
webster_scan(struct sched_party *p, size_t n, int64_t seats, enum sched_tie tie)
{
    for (int64_t s = 0; s < seats && n > 0; s++) {
        size_t best = 0;
        double best_prio = priority(&p[0]);

        for (size_t i = 1; i < n; i++) {
            double prio = priority(&p[i]);

            if (prio > best_prio ||
                (prio == best_prio && tie_wins(&p[i], &p[best], tie))) {
                best = i;
                best_prio = prio;
            }
        }
        p[best].seats++;
    }
}

/* Seats of party @x whose priority v/(2j+1), j >= current seats, is > @lambda. */
static int64_t
seats_above(const struct sched_party *x, double lambda)
{
    double v = (double)x->votes;
    double est;
    int64_t j;

    if (x->votes <= 0 || v / (double)(2 * x->seats + 1) <= lambda) {
        return 0;
    }
    est = (v / lambda - 1.0) / 2.0;
    if (est > 4e18) {
        return -1;
    }
    j = (int64_t)est;
    if (j < x->seats) {
        j = x->seats;
    }
    /* Land exactly on the last j whose double priority is above lambda. */
    while (j > x->seats && !(v / (double)(2 * j + 1) > lambda)) {
        j--;
    }
    while (v / (double)(2 * (j + 1) + 1) > lambda) {
        j++;
    }
    return j - x->seats + 1;
}

/*
 * For a large number of seats: every seat whose priority is strictly above
 * some lambda is among the first seats handed out, whatever the order of
 * ties below it, so those can be given in one step; the remaining few go
 * through the per-seat loop. The result is the same as giving every seat
 * one at a time. Returns the seats still to hand out.
 */
static int64_t
webster_jump(struct sched_party *p, size_t n, int64_t seats)
{
    double total_votes = 0;
    double lambda;

    if (seats <= (int64_t)(4 * n) + 64) {
        return seats;
    }
    for (size_t i = 0; i < n; i++) {
        total_votes += p[i].votes > 0 ? (double)p[i].votes : 0;
    }
    if (total_votes <= 0) {
        return seats;
    }
    lambda = total_votes / (2.0 * (double)(seats - (int64_t)n));
    for (int round = 0; round < 200; round++) {
        int64_t given = 0;
        bool over = false;

        for (size_t i = 0; i < n && !over; i++) {
            int64_t k = seats_above(&p[i], lambda);

            over = k < 0 || given > seats - k;
            given += k < 0 ? 0 : k;
        }
        if (!over) {
            for (size_t i = 0; i < n; i++) {
                p[i].seats += seats_above(&p[i], lambda);
            }
            return seats - given;
        }
        lambda *= 1.02;
    }
    return seats;
}

void
sched_webster(struct sched_party *p, size_t n, int64_t seats, enum sched_tie tie)
{
    size_t hbuf[WEBSTER_STACK];
    double pbuf[WEBSTER_STACK];
    size_t *h = hbuf;
    double *prio = pbuf;
    bool heap;

    seats = webster_jump(p, n, seats);
    heap = n > 8 && seats > 1;

    /*
     * A max-heap over (priority, tie order) hands out the same seats as
     * scanning every party per seat: only the winner's key changes.
     */
    if (heap && n > WEBSTER_STACK) {
        h = malloc(n * sizeof(*h));
        prio = malloc(n * sizeof(*prio));
    }
    if (!heap || h == NULL || prio == NULL) {
        webster_scan(p, n, seats, tie);
    } else {
        for (size_t i = 0; i < n; i++) {
            h[i] = i;
            prio[i] = priority(&p[i]);
        }
        for (size_t i = n / 2; i-- > 0;) {
            heap_down(p, prio, h, n, i, tie);
        }
        for (int64_t s = 0; s < seats; s++) {
            size_t w = h[0];

            p[w].seats++;
            prio[w] = priority(&p[w]);
            heap_down(p, prio, h, n, 0, tie);
        }
    }
    if (h != hbuf) {
        free(h);
        free(prio);
    }
    qsort(p, n, sizeof(*p), party_by_name);
}

static struct sched_party *
party_find(struct sched_party *p, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(p[i].name, name) == 0) {
            return &p[i];
        }
    }
    return NULL;
}

int
sched_dispense(struct sched_arena *a, int64_t new_replicas,
               const struct sched_target *init, size_t n_init,
               const struct sched_party *weights, size_t n_weights,
               const char *uid, struct sched_target **out, size_t *n_out)
{
    struct sched_party *p;
    struct sched_target *t;
    int64_t sum = 0;
    size_t n = 0;

    for (size_t i = 0; i < n_weights; i++) {
        sum += weights[i].votes;
    }
    p = sched_arena_alloc(a, (n_init + n_weights + 1) * sizeof(*p));
    t = sched_arena_alloc(a, (n_init + n_weights + 1) * sizeof(*t));
    if (p == NULL || t == NULL) {
        return -ENOMEM;
    }
    if ((new_replicas == 0 && n_init > 0) || sum == 0) {
        if (n_init > 0) {
            memcpy(t, init, n_init * sizeof(*t));
        }
        *out = t;
        *n_out = n_init;
        return 0;
    }
    for (size_t i = 0; i < n_weights; i++) {
        struct sched_party *x = party_find(p, n, weights[i].name);

        if (x == NULL) {
            x = &p[n++];
            x->name = weights[i].name;
        }
        x->votes = weights[i].votes;
    }
    for (size_t i = 0; i < n_init; i++) {
        struct sched_party *x = party_find(p, n, init[i].name);

        if (x == NULL) {
            x = &p[n++];
            x->name = init[i].name;
        }
        x->seats = init[i].replicas;
    }
    sched_webster(p, n, new_replicas, sched_tie_from_uid(uid));
    for (size_t i = 0; i < n; i++) {
        t[i].name = p[i].name;
        t[i].replicas = (int32_t)p[i].seats;
    }
    *out = t;
    *n_out = n;
    return 0;
}

static struct sched_target *
targets_new(struct sched_arena *a, size_t n)
{
    return sched_arena_alloc(a, (n + 1) * sizeof(struct sched_target));
}

int
sched_assign_duplicated(struct sched_arena *a, const struct sched_binding *b,
                        const struct sched_candidate *c, size_t n,
                        struct sched_assignment *out)
{
    out->items = targets_new(a, n);
    if (out->items == NULL) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        out->items[i].name = c[i].cluster->name;
        out->items[i].replicas = b->replicas;
    }
    out->n = n;
    return 0;
}

int
sched_assign_static(struct sched_arena *a, const struct sched_binding *b,
                    const struct sched_candidate *c, size_t n,
                    struct sched_assignment *out)
{
    const struct sched_placement *pl = &b->placement;
    struct sched_party *p = sched_arena_alloc(a, (n + 1) * sizeof(*p));
    int64_t sum = 0;
    size_t np = 0;

    out->items = targets_new(a, n);
    if (p == NULL || out->items == NULL) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        int64_t w = 0;

        if (!pl->has_weight_preference) {
            w = 1;
        }
        for (size_t r = 0; pl->has_weight_preference && r < pl->n_static_weights;
             r++) {
            const struct sched_static_weight *sw = &pl->static_weights[r];

            if (sw->weight > w && sched_affinity_matches(c[i].cluster, &sw->target)) {
                w = sw->weight;
            }
        }
        if (w > 0) {
            p[np].name = c[i].cluster->name;
            p[np].votes = w;
            p[np].seats = 0;
            sum += w;
            np++;
        }
    }
    if (sum == 0) {
        for (size_t i = 0; i < n; i++) {
            p[i] = (struct sched_party){ c[i].cluster->name, 1, 0 };
        }
        np = n;
    }
    sched_webster(p, np, b->replicas, sched_tie_from_uid(b->uid));
    for (size_t i = 0; i < np; i++) {
        out->items[i].name = p[i].name;
        out->items[i].replicas = (int32_t)p[i].seats;
    }
    out->n = np;
    return 0;
}

struct ranked {
    struct sched_target t;
    size_t pos;
};

static int
by_replicas_then_pos(const void *x, const void *y)
{
    const struct ranked *a = x, *b = y;

    if (a->t.replicas != b->t.replicas) {
        return a->t.replicas > b->t.replicas ? -1 : 1;
    }
    return a->pos < b->pos ? -1 : (a->pos > b->pos ? 1 : 0);
}

/*
 * Stable sort by replicas ↓. Karmada uses Go's sort.Sort, stable only up to
 * 12 items; we are stable always (docs/scheduler.md).
 */
static int
sort_by_replicas(struct sched_arena *a, struct sched_target *t, size_t n)
{
    struct ranked *r;

    if (n < 2) {
        return 0;
    }
    r = sched_arena_alloc(a, n * sizeof(*r));
    if (r == NULL) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        r[i].t = t[i];
        r[i].pos = i;
    }
    qsort(r, n, sizeof(*r), by_replicas_then_pos);
    for (size_t i = 0; i < n; i++) {
        t[i] = r[i].t;
    }
    return 0;
}

static const struct sched_target *
target_find(const struct sched_target *t, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(t[i].name, name) == 0) {
            return &t[i];
        }
    }
    return NULL;
}

int
sched_divide(struct sched_arena *a, bool aggregated, int64_t target,
             const struct sched_target *avail_in, size_t n_avail,
             const struct sched_target *scheduled, size_t n_scheduled,
             const char *uid, struct sched_assignment *out,
             struct sched_error *err)
{
    struct sched_target *avail = targets_new(a, n_avail);
    struct sched_party *p = sched_arena_alloc(a, (n_avail + 1) * sizeof(*p));
    struct sched_target *res = targets_new(a, n_avail + n_scheduled);
    int64_t sum = 0;
    size_t n = 0;

    if (avail == NULL || p == NULL || res == NULL) {
        return -ENOMEM;
    }
    if (n_avail > 0) {
        memcpy(avail, avail_in, n_avail * sizeof(*avail));
    }
    for (size_t i = 0; i < n_avail; i++) {
        sum += avail[i].replicas;
    }
    if (sum < target) {
        return sched_error_set(err, SCHED_OUTCOME_UNSCHEDULABLE,
                               "Clusters available replicas %lld are not enough to schedule.",
                               (long long)sum);
    }
    if (aggregated) {
        size_t front = 0;
        int64_t run = 0;

        /* Previously used clusters first, keeping relative order. */
        for (size_t i = 0; i < n_avail; i++) {
            const struct sched_target *s =
                target_find(scheduled, n_scheduled, avail[i].name);

            if (s != NULL && s->replicas > 0) {
                struct sched_target x = avail[i];

                memmove(&avail[front + 1], &avail[front],
                        (i - front) * sizeof(*avail));
                avail[front++] = x;
            }
        }
        for (size_t i = 0; i < n_avail; i++) {
            run += avail[i].replicas;
            if (run >= target) {
                n_avail = i + 1;
                break;
            }
        }
    }
    for (size_t i = 0; i < n_avail; i++) {
        p[i] = (struct sched_party){ avail[i].name, avail[i].replicas, 0 };
    }
    /* The dispenser leaves everything unchanged when no party has votes. */
    for (size_t i = 0; i < n_avail; i++) {
        if (p[i].votes > 0) {
            sched_webster(p, n_avail, target, sched_tie_from_uid(uid));
            n = n_avail;
            break;
        }
    }
    /* merge(scheduled, new) */
    for (size_t i = 0; i < n; i++) {
        const struct sched_target *s = target_find(scheduled, n_scheduled, p[i].name);

        res[i].name = p[i].name;
        res[i].replicas = (int32_t)p[i].seats + (s != NULL ? s->replicas : 0);
    }
    for (size_t i = 0; i < n_scheduled; i++) {
        bool in_new = false;

        for (size_t k = 0; k < n && !in_new; k++) {
            in_new = strcmp(p[k].name, scheduled[i].name) == 0;
        }
        if (!in_new) {
            res[n++] = scheduled[i];
        }
    }
    out->items = res;
    out->n = n;
    return 0;
}

int
sched_assign_dynamic(struct sched_arena *a, const struct sched_binding *b,
                     const struct sched_candidate *c, size_t n, bool aggregated,
                     struct sched_assignment *out, struct sched_error *err)
{
    struct sched_target *scheduled = targets_new(a, b->n_targets);
    struct sched_target *avail = targets_new(a, n + b->n_targets);
    size_t n_scheduled = 0, n_avail = 0;
    int64_t assigned = 0, target;

    if (scheduled == NULL || avail == NULL) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < b->n_targets; i++) {
        for (size_t k = 0; k < n; k++) {
            if (strcmp(c[k].cluster->name, b->targets[i].name) == 0) {
                scheduled[n_scheduled++] = b->targets[i];
                assigned += b->targets[i].replicas;
                break;
            }
        }
    }
    if (b->fresh) {
        target = b->replicas;
        for (size_t k = 0; k < n; k++) {
            const struct sched_target *s =
                target_find(scheduled, n_scheduled, c[k].cluster->name);
            int64_t v = c[k].allocatable + (s != NULL ? s->replicas : 0);

            avail[n_avail++] = (struct sched_target){
                c[k].cluster->name, (int32_t)(v > INT32_MAX ? INT32_MAX : v),
                NULL, 0 };
        }
        n_scheduled = 0;
    } else if (assigned > b->replicas) {
        target = b->replicas;
        if (n_scheduled > 0) {
            memcpy(avail, scheduled, n_scheduled * sizeof(*avail));
        }
        n_avail = n_scheduled;
        n_scheduled = 0;
    } else if (assigned < b->replicas) {
        target = b->replicas - assigned;
        for (size_t k = 0; k < n; k++) {
            int64_t v = c[k].allocatable;

            avail[n_avail++] = (struct sched_target){
                c[k].cluster->name, (int32_t)(v > INT32_MAX ? INT32_MAX : v),
                NULL, 0 };
        }
    } else {
        out->items = scheduled;
        out->n = n_scheduled;
        return 0;
    }
    if (sort_by_replicas(a, avail, n_avail) != 0) {
        return -ENOMEM;
    }
    return sched_divide(a, aggregated, target, avail, n_avail, scheduled,
                        n_scheduled, b->uid, out, err);
}

enum strategy {
    STRATEGY_DUPLICATED,
    STRATEGY_STATIC,
    STRATEGY_DYNAMIC,
    STRATEGY_AGGREGATED,
    STRATEGY_UNSUPPORTED,
};

static enum strategy
strategy_of(const struct sched_binding *b)
{
    const struct sched_placement *p = &b->placement;

    if (!b->has_placement || !p->has_replica_scheduling || p->rs_type == NULL ||
        p->rs_type[0] == '\0' || strcmp(p->rs_type, "Duplicated") == 0) {
        return STRATEGY_DUPLICATED;
    }
    if (strcmp(p->rs_type, "Divided") != 0 || p->division == NULL) {
        return STRATEGY_UNSUPPORTED;
    }
    if (strcmp(p->division, "Aggregated") == 0) {
        return STRATEGY_AGGREGATED;
    }
    if (strcmp(p->division, "Weighted") != 0) {
        return STRATEGY_UNSUPPORTED;
    }
    if (p->has_weight_preference && p->dynamic_weight != NULL &&
        p->dynamic_weight[0] != '\0') {
        return STRATEGY_DYNAMIC;
    }
    return STRATEGY_STATIC;
}

static int
assign_strategy(struct sched_arena *a, const struct sched_binding *b,
                const struct sched_candidate *c, size_t n,
                struct sched_assignment *out, struct sched_error *err)
{
    const struct sched_placement *p = &b->placement;

    switch (strategy_of(b)) {
    case STRATEGY_DUPLICATED:
        return sched_assign_duplicated(a, b, c, n, out);
    case STRATEGY_STATIC:
        return sched_assign_static(a, b, c, n, out);
    case STRATEGY_DYNAMIC:
        return sched_assign_dynamic(a, b, c, n, false, out, err);
    case STRATEGY_AGGREGATED:
        return sched_assign_dynamic(a, b, c, n, true, out, err);
    default:
        return sched_error_set(
            err, SCHED_OUTCOME_ERROR,
            "unsupported replica scheduling strategy, replicaSchedulingType: %s, replicaDivisionPreference: %s",
            p->rs_type != NULL ? p->rs_type : "",
            p->division != NULL ? p->division : "");
    }
}

static const struct sched_affinity *
overflow_term(const struct sched_binding *b)
{
    const struct sched_placement *p = &b->placement;

    if (!b->has_placement || p->cluster_affinity != NULL || !p->has_terms ||
        b->observed_affinity == NULL || b->observed_affinity[0] == '\0') {
        return NULL;
    }
    for (size_t i = 0; i < p->n_terms; i++) {
        if (p->terms[i].name != NULL &&
            strcmp(p->terms[i].name, b->observed_affinity) == 0) {
            return p->terms[i].n_overflow > 0 ? &p->terms[i] : NULL;
        }
    }
    return NULL;
}

static int
append(struct sched_arena *a, struct sched_assignment *dst,
       const struct sched_assignment *src)
{
    struct sched_target *t = targets_new(a, dst->n + src->n);

    if (t == NULL) {
        return -ENOMEM;
    }
    if (dst->n > 0) {
        memcpy(t, dst->items, dst->n * sizeof(*t));
    }
    if (src->n > 0) {
        memcpy(t + dst->n, src->items, src->n * sizeof(*t));
    }
    dst->items = t;
    dst->n += src->n;
    return 0;
}

static int
assign_tiers(struct sched_arena *a, const struct sched_binding *b,
             const struct sched_candidate *c, size_t n,
             struct sched_assignment *out, struct sched_error *err)
{
    struct sched_candidate *tier = sched_arena_alloc(a, (n + 1) * sizeof(*tier));
    struct sched_binding tb = *b;
    int64_t remaining = b->replicas;
    int32_t max_order = 0;
    int rc;

    if (tier == NULL) {
        return -ENOMEM;
    }
    out->items = NULL;
    out->n = 0;
    for (size_t i = 0; i < n; i++) {
        if (c[i].overflow_order > max_order) {
            max_order = c[i].overflow_order;
        }
    }
    for (int32_t t = 0; t <= max_order && remaining > 0; t++) {
        struct sched_assignment part = { NULL, 0 };
        int64_t sum = 0;
        size_t nt = 0;

        for (size_t i = 0; i < n; i++) {
            if (c[i].overflow_order == t) {
                tier[nt++] = c[i];
                sum += c[i].available;
            }
        }
        if (nt == 0) {
            continue;
        }
        tb.replicas = (int32_t)(remaining < sum ? remaining : sum);
        rc = assign_strategy(a, &tb, tier, nt, &part, err);
        if (rc == 0) {
            rc = append(a, out, &part);
        }
        if (rc != 0) {
            return rc;
        }
        remaining -= tb.replicas;
    }
    if (remaining > 0) {
        return sched_error_set(err, SCHED_OUTCOME_UNSCHEDULABLE,
                               "Clusters available replicas are not enough to schedule.");
    }
    return 0;
}

static bool
one_set_per_cluster(const struct sched_binding *b)
{
    for (size_t i = 0; i < b->placement.n_spreads; i++) {
        const struct sched_spread *s = &b->placement.spreads[i];

        if (s->field == SCHED_SPREAD_CLUSTER && s->min_groups == 1 &&
            s->max_groups == 1) {
            return true;
        }
    }
    return false;
}

static int
assign_non_workload(struct sched_arena *a, const struct sched_binding *b,
                    const struct sched_candidate *c, size_t n,
                    const struct sched_gates *g, struct sched_assignment *out)
{
    bool components = g->multiple_templates && b->n_components > 1 &&
                      one_set_per_cluster(b);

    out->items = targets_new(a, n);
    if (out->items == NULL) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        out->items[i].name = c[i].cluster->name;
        out->items[i].replicas = 0;
        if (components) {
            out->items[i].components = b->components;
            out->items[i].n_components = b->n_components;
        }
    }
    out->n = n;
    return 0;
}

int
sched_assign(struct sched_arena *a, const struct sched_binding *b,
             const struct sched_candidate *c, size_t n,
             const struct sched_gates *g, struct sched_assignment *out,
             struct sched_error *err)
{
    size_t kept = 0;
    int rc;

    if (n == 0) {
        return sched_error_set(err, SCHED_OUTCOME_ERROR,
                               "no clusters available to schedule");
    }
    if (!((b->replicas > 0 || b->has_requirements) && b->n_components <= 1)) {
        return assign_non_workload(a, b, c, n, g, out);
    }
    if (overflow_term(b) != NULL) {
        rc = assign_tiers(a, b, c, n, out, err);
    } else {
        rc = assign_strategy(a, b, c, n, out, err);
    }
    if (rc != 0) {
        return rc;
    }
    for (size_t i = 0; i < out->n; i++) {
        if (out->items[i].replicas != 0) {
            out->items[kept++] = out->items[i];
        }
    }
    out->n = kept;
    return 0;
}

int
sched_attach_zero(struct sched_arena *a, const struct sched_candidate *c,
                  size_t n, struct sched_assignment *io)
{
    struct sched_target *t = targets_new(a, io->n + n);
    size_t m = io->n;

    if (t == NULL) {
        return -ENOMEM;
    }
    if (io->n > 0) {
        memcpy(t, io->items, io->n * sizeof(*t));
    }
    for (size_t i = 0; i < n; i++) {
        if (target_find(io->items, io->n, c[i].cluster->name) == NULL) {
            t[m].name = c[i].cluster->name;
            t[m].replicas = 0;
            m++;
        }
    }
    io->items = t;
    io->n = m;
    return 0;
}
