/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Free-replica estimation from resource summaries and resource models
 * (scheduler.md §6): the general estimator, the virtual-node first-fit
 * of resource models, assumed-workload deduction and multi-template sets.
 * Quantities stay exact (util/quantity.h) until Value()/MilliValue().
 */
#include "sched/core.h"

#include <errno.h>
#include <string.h>

#define MODEL_NODE_PODS 110
#define MODEL_NODES_MAX 100000
#define MODEL_RES_MAX 32

static const struct util_quantity *
res_get(const struct sched_resource_list *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++) {
        if (l->items[i].name[0] == name[0] &&
            strcmp(l->items[i].name, name) == 0) {
            return &l->items[i].q;
        }
    }
    return NULL;
}

static int64_t
res_value(const struct sched_resource_list *l, const char *name)
{
    const struct util_quantity *q = res_get(l, name);

    return q == NULL ? 0 : util_quantity_value(q);
}

static int64_t
min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

static int64_t
cap32(int64_t v)
{
    return v > SCHED_REPLICAS_MAX ? SCHED_REPLICAS_MAX : v;
}

int64_t
sched_estimate_allowed_pods(const struct sched_summary *s)
{
    int64_t p;

    if (s->prepared) {
        return s->free_pods;
    }
    p = res_value(&s->allocatable, "pods") -
                res_value(&s->allocated, "pods") -
                res_value(&s->allocating, "pods");

    return p > 0 ? p : 0;
}

/* allocatable - allocated - allocating for @name, exactly. */
static int
res_avail(const struct sched_summary *s, const char *name,
          struct util_quantity *out)
{
    const struct util_quantity *alloc = res_get(&s->allocatable, name);
    const struct util_quantity *q;
    int rc;

    if (alloc == NULL) {
        return -ENOENT;
    }
    *out = *alloc;
    q = res_get(&s->allocated, name);
    if (q != NULL && (rc = util_quantity_sub(out, q, out)) != 0) {
        return rc;
    }
    q = res_get(&s->allocating, name);
    if (q != NULL && (rc = util_quantity_sub(out, q, out)) != 0) {
        return rc;
    }
    return 0;
}

int
sched_summary_prepare(struct sched_arena *a, struct sched_summary *s)
{
    struct sched_resource *f;

    s->prepared = false;
    f = sched_arena_alloc(a, (s->allocatable.n + 1) * sizeof(*f));
    if (f == NULL) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < s->allocatable.n; i++) {
        f[i].name = s->allocatable.items[i].name;
        if (res_avail(s, f[i].name, &f[i].q) != 0) {
            return -ERANGE;
        }
    }
    s->free_pods = sched_estimate_allowed_pods(s);
    s->free.items = f;
    s->free.n = s->allocatable.n;
    s->prepared = true;
    return 0;
}

int64_t
sched_estimate_summary(const struct sched_summary *s,
                       const struct sched_resource_list *request)
{
    int64_t n = INT64_MAX;

    for (size_t i = 0; i < request->n; i++) {
        const struct sched_resource *r = &request->items[i];
        const struct util_quantity *cached;
        struct util_quantity avail;
        int64_t k;

        if (util_quantity_value(&r->q) <= 0) {
            continue;
        }
        if (s->prepared) {
            cached = res_get(&s->free, r->name);
            if (cached == NULL) {
                return 0;
            }
            avail = *cached;
        } else if (res_avail(s, r->name, &avail) != 0) {
            return 0;
        }
        if (util_quantity_value(&avail) <= 0) {
            return 0;
        }
        if (strcmp(r->name, "cpu") == 0) {
            k = util_quantity_milli_value(&avail) /
                util_quantity_milli_value(&r->q);
        } else {
            k = util_quantity_value(&avail) / util_quantity_value(&r->q);
        }
        n = min64(n, k);
    }
    return n;
}

/* Adds @add to the resource @name of list @l (allocated in @a if new). */
static int
res_add(struct sched_arena *a, struct sched_resource_list *l, size_t *cap,
        const char *name, const struct util_quantity *add)
{
    struct sched_resource *items;

    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->items[i].name, name) == 0) {
            return util_quantity_add(&l->items[i].q, add, &l->items[i].q);
        }
    }
    if (l->n == *cap) {
        size_t ncap = *cap == 0 ? 8 : *cap * 2;

        items = sched_arena_alloc(a, ncap * sizeof(*items));
        if (items == NULL) {
            return -ENOMEM;
        }
        if (l->n > 0) {
            memcpy(items, l->items, l->n * sizeof(*items));
        }
        l->items = items;
        *cap = ncap;
    }
    l->items[l->n].name = name;
    l->items[l->n].q = *add;
    l->n++;
    return 0;
}

int
sched_estimate_deduct(struct sched_arena *a,
                      const struct sched_resource_list *allocating,
                      const struct sched_assumed *assumed, size_t n_assumed,
                      struct sched_resource_list *out)
{
    struct sched_resource_list l = { NULL, 0 };
    size_t cap = 0;
    int rc;

    for (size_t i = 0; i < allocating->n; i++) {
        rc = res_add(a, &l, &cap, allocating->items[i].name,
                     &allocating->items[i].q);
        if (rc != 0) {
            return rc;
        }
    }
    for (size_t w = 0; w < n_assumed; w++) {
        for (size_t k = 0; k < assumed[w].n_components; k++) {
            const struct sched_component *comp = &assumed[w].components[k];
            struct util_quantity q;

            if (comp->replicas <= 0) {
                continue;
            }
            util_quantity_from_int(&q, comp->replicas);
            if ((rc = res_add(a, &l, &cap, "pods", &q)) != 0) {
                return rc;
            }
            for (size_t r = 0; r < comp->request.n; r++) {
                const struct sched_resource *res = &comp->request.items[r];

                if (strcmp(res->name, "cpu") == 0) {
                    util_quantity_from_milli(
                        &q, util_quantity_milli_value(&res->q) * comp->replicas);
                } else {
                    util_quantity_from_int(
                        &q, util_quantity_value(&res->q) * comp->replicas);
                }
                if ((rc = res_add(a, &l, &cap, res->name, &q)) != 0) {
                    return rc;
                }
            }
        }
    }
    *out = l;
    return 0;
}

/* ---- resource models: virtual nodes ---- */

/* Resource names the model simulation looks at; index 0 is pods. */
struct model_table {
    const char *names[MODEL_RES_MAX];
    size_t n;
};

struct model_nodes {
    struct model_table t;
    int64_t *cap; /* n_nodes rows of t.n columns */
    size_t n_nodes;
};

static bool
res_is_scalar(const char *name)
{
    return strchr(name, '/') != NULL || strncmp(name, "hugepages-", 10) == 0 ||
           strncmp(name, "attachable-volumes-", 19) == 0;
}

static bool
res_considered(const char *name)
{
    return strcmp(name, "cpu") == 0 || strcmp(name, "memory") == 0 ||
           strcmp(name, "ephemeral-storage") == 0 || res_is_scalar(name);
}

static int64_t
res_units(const char *name, const struct util_quantity *q)
{
    return strcmp(name, "cpu") == 0 ? util_quantity_milli_value(q)
                                    : util_quantity_value(q);
}

static int
table_index(struct model_table *t, const char *name)
{
    for (size_t i = 0; i < t->n; i++) {
        if (strcmp(t->names[i], name) == 0) {
            return (int)i;
        }
    }
    if (t->n == MODEL_RES_MAX) {
        return -1;
    }
    t->names[t->n] = name;
    return (int)t->n++;
}

/* Per-replica demand of @request in table units; pods = 1. */
static int
demand_of(struct model_table *t, const struct sched_resource_list *request,
          int64_t *demand)
{
    memset(demand, 0, sizeof(int64_t) * MODEL_RES_MAX);
    demand[0] = 1;
    for (size_t i = 0; request != NULL && i < request->n; i++) {
        const char *name = request->items[i].name;
        int idx;

        if (!res_considered(name)) {
            continue;
        }
        idx = table_index(t, name);
        if (idx < 0) {
            return -E2BIG;
        }
        demand[idx] += res_units(name, &request->items[i].q);
    }
    return 0;
}

static int
nodes_build(struct sched_arena *a, const struct sched_cluster *c,
            struct model_nodes *m)
{
    size_t total = 0;

    m->t.n = 0;
    m->t.names[m->t.n++] = "pods";
    if (!c->has_summary || c->n_models == 0) {
        return -EINVAL;
    }
    for (size_t g = 0; g < c->n_models; g++) {
        for (size_t r = 0; r < c->models[g].n_ranges; r++) {
            if (res_considered(c->models[g].ranges[r].name) &&
                table_index(&m->t, c->models[g].ranges[r].name) < 0) {
                return -E2BIG;
            }
        }
    }
    /*
     * Reserve every column now: demands may name resources the models do
     * not have, which then count as capacity 0 on every node.
     */
    m->cap = NULL;
    m->n_nodes = 0;
    for (uint32_t pass = 0; pass < 2; pass++) {
        size_t at = 0;

        for (size_t g = 0; g < c->n_models; g++) {
            const struct sched_model *model = NULL;
            int64_t count = 0;

            /* Ascending grade order regardless of list order. */
            for (size_t k = 0; k < c->n_models; k++) {
                size_t rank = 0;

                for (size_t j = 0; j < c->n_models; j++) {
                    if (c->models[j].grade < c->models[k].grade ||
                        (c->models[j].grade == c->models[k].grade && j < k)) {
                        rank++;
                    }
                }
                if (rank == g) {
                    model = &c->models[k];
                }
            }
            for (size_t k = 0; k < c->summary.n_modelings; k++) {
                if (c->summary.modelings[k].grade == model->grade) {
                    if (c->summary.modelings[k].count < 0) {
                        return -EINVAL;
                    }
                    count += c->summary.modelings[k].count;
                }
            }
            if (pass == 0) {
                total += (size_t)count;
                if (total > MODEL_NODES_MAX) {
                    return -E2BIG;
                }
                continue;
            }
            for (int64_t i = 0; i < count; i++, at++) {
                int64_t *row = m->cap + at * MODEL_RES_MAX;

                row[0] = MODEL_NODE_PODS;
                for (size_t r = 0; r < model->n_ranges; r++) {
                    const struct sched_model_range *rg = &model->ranges[r];
                    int idx;

                    if (!res_considered(rg->name)) {
                        continue;
                    }
                    idx = table_index(&m->t, rg->name);
                    row[idx] = res_units(rg->name, &rg->min);
                }
            }
        }
        if (pass == 0) {
            m->cap = sched_arena_alloc(a, (total > 0 ? total : 1) *
                                              MODEL_RES_MAX * sizeof(int64_t));
            if (m->cap == NULL) {
                return -ENOMEM;
            }
            m->n_nodes = total;
        }
    }
    return 0;
}

static int64_t
node_fit(const int64_t *row, const int64_t *demand, size_t n)
{
    int64_t fit = INT64_MAX;

    for (size_t i = 0; i < n; i++) {
        if (demand[i] > 0) {
            int64_t k = row[i] > 0 ? row[i] / demand[i] : 0;

            fit = min64(fit, k);
        }
    }
    return fit;
}

/* First-fit of @replicas copies of @demand; true when all were placed. */
static bool
nodes_place(struct model_nodes *m, const int64_t *demand, int64_t replicas)
{
    for (size_t i = 0; i < m->n_nodes && replicas > 0; i++) {
        int64_t *row = m->cap + i * MODEL_RES_MAX;
        int64_t k = min64(node_fit(row, demand, m->t.n), replicas);

        for (size_t r = 0; r < m->t.n; r++) {
            row[r] -= k * demand[r];
        }
        replicas -= k;
    }
    return replicas <= 0;
}

static int
nodes_preplace(struct model_nodes *m, const struct sched_assumed *assumed,
               size_t n_assumed)
{
    int64_t demand[MODEL_RES_MAX];
    int rc;

    for (size_t w = 0; w < n_assumed; w++) {
        for (size_t k = 0; k < assumed[w].n_components; k++) {
            const struct sched_component *comp = &assumed[w].components[k];

            rc = demand_of(&m->t, &comp->request, demand);
            if (rc != 0) {
                return rc;
            }
            if (comp->replicas > 0) {
                (void)nodes_place(m, demand, comp->replicas);
            }
        }
    }
    return 0;
}

int
sched_estimate_models(struct sched_arena *a, const struct sched_cluster *c,
                      const struct sched_resource_list *request,
                      const struct sched_assumed *assumed, size_t n_assumed,
                      int64_t *out)
{
    int64_t demand[MODEL_RES_MAX];
    struct model_nodes m;
    int64_t total = 0;
    int rc;

    *out = -1;
    rc = nodes_build(a, c, &m);
    if (rc == 0) {
        rc = demand_of(&m.t, request, demand);
    }
    if (rc == 0) {
        rc = nodes_preplace(&m, assumed, n_assumed);
    }
    if (rc != 0) {
        return rc == -ENOMEM ? rc : -EINVAL;
    }
    for (size_t i = 0; i < m.n_nodes; i++) {
        total += node_fit(m.cap + i * MODEL_RES_MAX, demand, m.t.n);
        if (total >= SCHED_REPLICAS_MAX) {
            total = SCHED_REPLICAS_MAX;
            break;
        }
    }
    *out = total;
    return 0;
}

int
sched_estimate_component_sets_models(
    struct sched_arena *a, const struct sched_cluster *c,
    const struct sched_component *comps, size_t n_comps,
    const struct sched_assumed *assumed, size_t n_assumed, int64_t upper_bound,
    int64_t *out)
{
    int64_t(*demand)[MODEL_RES_MAX] = NULL;
    struct model_nodes m;
    int64_t sets = 0;
    int rc;

    *out = -1;
    rc = nodes_build(a, c, &m);
    if (rc == 0) {
        demand = sched_arena_alloc(a, (n_comps + 1) * sizeof(*demand));
        rc = demand == NULL ? -ENOMEM : 0;
    }
    for (size_t k = 0; rc == 0 && k < n_comps; k++) {
        rc = demand_of(&m.t, &comps[k].request, demand[k]);
    }
    if (rc == 0) {
        rc = nodes_preplace(&m, assumed, n_assumed);
    }
    if (rc != 0) {
        return rc == -ENOMEM ? rc : -EINVAL;
    }
    {
        int64_t per_set = 0;

        for (size_t k = 0; k < n_comps; k++) {
            per_set += comps[k].replicas > 0 ? comps[k].replicas : 0;
        }
        if (per_set == 0) {
            *out = upper_bound; /* an empty set always fits */
            return 0;
        }
    }
    while (sets < upper_bound) {
        bool ok = true;

        for (size_t k = 0; k < n_comps && ok; k++) {
            if (comps[k].replicas > 0) {
                ok = nodes_place(&m, demand[k], comps[k].replicas);
            }
        }
        if (!ok) {
            break;
        }
        sets++;
    }
    *out = sets;
    return 0;
}

/* int() of §6.5: MilliValue for decimal formats, Value for binary. */
static int64_t
set_units(const struct util_quantity *q)
{
    return q->format == UTIL_QUANTITY_BINARY_SI ? util_quantity_value(q)
                                                : util_quantity_milli_value(q);
}

static bool
models_usable(const struct sched_cluster *c, const struct sched_gates *g)
{
    return g->customized_modeling && c->has_summary &&
           c->summary.n_modelings > 0;
}

/* Σ over components of int(request[name]) · replicas. */
static int64_t
per_set(const struct sched_component *comps, size_t n, const char *name)
{
    int64_t sum = 0;

    for (size_t k = 0; k < n; k++) {
        const struct util_quantity *q = res_get(&comps[k].request, name);

        if (q != NULL) {
            sum += set_units(q) * comps[k].replicas;
        }
    }
    return sum;
}

int64_t
sched_estimate_component_sets(struct sched_arena *a,
                              const struct sched_cluster *c,
                              const struct sched_component *comps,
                              size_t n_comps, const struct sched_assumed *assumed,
                              size_t n_assumed, const struct sched_gates *g)
{
    bool deduct = g->overcommit_protection && n_assumed > 0;
    int64_t pods_per_set = 0;
    int64_t sets, p;

    if (!c->has_summary) {
        return 0;
    }
    p = sched_estimate_allowed_pods(&c->summary);
    if (p <= 0) {
        return 0;
    }
    if (deduct) {
        for (size_t w = 0; w < n_assumed; w++) {
            for (size_t k = 0; k < assumed[w].n_components; k++) {
                p -= assumed[w].components[k].replicas;
            }
        }
        if (p <= 0) {
            return 0;
        }
    }
    for (size_t k = 0; k < n_comps; k++) {
        pods_per_set += comps[k].replicas;
    }
    if (pods_per_set == 0) {
        return p;
    }
    sets = p / pods_per_set;

    /* Every resource any component asks for, once. */
    for (size_t k = 0; k < n_comps; k++) {
        for (size_t r = 0; r < comps[k].request.n; r++) {
            const char *name = comps[k].request.items[r].name;
            struct util_quantity q;
            int64_t need = per_set(comps, n_comps, name);
            int64_t avail;
            bool seen = false;

            for (size_t j = 0; j < k && !seen; j++) {
                seen = res_get(&comps[j].request, name) != NULL;
            }
            for (size_t j = 0; j < r && !seen; j++) {
                seen = strcmp(comps[k].request.items[j].name, name) == 0;
            }
            if (seen || need <= 0) {
                continue;
            }
            avail = res_avail(&c->summary, name, &q) == 0 ? set_units(&q) : 0;
            if (deduct) {
                for (size_t w = 0; w < n_assumed; w++) {
                    avail -= per_set(assumed[w].components,
                                     assumed[w].n_components, name);
                }
            }
            if (avail <= 0) {
                return 0;
            }
            sets = min64(sets, avail / need);
        }
    }
    if (models_usable(c, g)) {
        int64_t m;

        if (sched_estimate_component_sets_models(a, c, comps, n_comps, assumed,
                                                 n_assumed, sets, &m) == 0) {
            sets = min64(sets, m);
        }
    }
    return sets;
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

int64_t
sched_estimate_general(struct sched_arena *a, const struct sched_cluster *c,
                       const struct sched_binding *b,
                       const struct sched_assumed *assumed, size_t n_assumed,
                       const struct sched_gates *g)
{
    struct sched_summary s;
    int64_t p, n;

    if (g->multiple_templates && b->n_components > 0 &&
        one_set_per_cluster(b)) {
        return cap32(sched_estimate_component_sets(a, c, b->components,
                                                   b->n_components, assumed,
                                                   n_assumed, g));
    }
    if (!c->has_summary) {
        return 0;
    }
    s = c->summary;
    if (g->overcommit_protection && n_assumed > 0) {
        s.prepared = false; /* the cache does not know the reservations */
        if (sched_estimate_deduct(a, &c->summary.allocating, assumed,
                                  n_assumed, &s.allocating) != 0) {
            return 0;
        }
    }
    p = sched_estimate_allowed_pods(&s);
    if (p <= 0) {
        return 0;
    }
    if (!b->has_requirements) {
        return cap32(p);
    }
    if (models_usable(c, g) &&
        sched_estimate_models(a, c, &b->requests, assumed, n_assumed, &n) == 0) {
        return cap32(min64(p, n));
    }
    return cap32(min64(p, sched_estimate_summary(&s, &b->requests)));
}
