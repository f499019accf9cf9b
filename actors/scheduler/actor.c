/* SPDX-License-Identifier: Apache-2.0 */
/* The scheduler actor around the pure core; see sched/actor.h. */
#define LOG_MODULE "scheduler"
#include "sched/actor.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus/subject.h"
#include "sched/core.h"
#include "sched/from_proto.h"
#include "util/hash.h"
#include "util/log.h"
#include "util/strmap.h"
#include "util/time.h"

#define DEFAULT_RESERVATION_TIMEOUT_NS (60 * NS_PER_S)

struct sa_cluster {
    Flotilla__V1__ClusterSpec *spec;
    Flotilla__V1__ClusterStatus *status;
    Flotilla__V1__ClusterTaints *taints;
};

/* An eviction request not yet accepted (new, or blocked). */
struct sa_request {
    Flotilla__V1__EvictionRequest *req;
    char *blocked;          /* why it is blocked, or NULL */
    int64_t blocked_since_ns;
    uint64_t seq;           /* where it was read, for causation */
    char *stream;
};

struct sa_binding {
    Flotilla__V1__BindingSpec *spec;
    Flotilla__V1__ScheduleDecision *last;   /* own last decision */
    struct strmap requests;                 /* cluster -> struct sa_request */
};

struct sa_reservation {
    char *cluster;
    char *binding;
    int32_t replicas;
    int64_t decided_ns;
    struct sched_component component;       /* requests live in res_arena */
};

/*
 * What the reservations on one cluster add up to, handed to the core as a
 * single assumed workload: one replica asking for the sum. Kept up to date
 * as reservations come and go, so a burst costs O(clusters) per decision.
 */
#define AGG_MAX 16

struct sa_agg {
    char *names[AGG_MAX];
    struct sched_resource items[AGG_MAX];
    size_t n;
    size_t holds;           /* reservations counted in */
    int64_t replicas;       /* their replicas: the pods they will take */
};

struct sched_actor_state {
    struct sched_actor_config cfg;
    struct strmap aggs;       /* cluster -> struct sa_agg */
    struct strmap clusters;   /* name -> struct sa_cluster */
    struct strmap bindings;   /* "ns/name" -> struct sa_binding */
    struct sa_reservation *res;
    size_t n_res, cap_res;
    size_t n_dead;            /* dropped entries not yet compacted away */
    struct sched_arena res_arena;
    /* The fleet in the core's form, sorted by name, rebuilt when dirty. */
    struct sched_arena fleet_arena;
    struct sched_cluster *fleet;
    size_t n_fleet;
    bool fleet_dirty;
    struct sched_arena work;  /* per decision, reset each time */
};

/* ---------------------------------------------------------------- inputs */

static const struct actor_input sa_inputs[] = {
    { "FL_CLUSTERS", "cluster.>", true },
    { "FL_BINDINGS", "binding.spec.*.*", true },
    { "FL_EVICTIONS", "binding.evict.*.*.*", false },
    { "FL_EVICTIONS", "binding.release.*.*.*", false },
    { NULL, NULL, false },
};

static const struct actor_input sa_own[] = {
    { "FL_BINDINGS", "binding.schedule.*.*", true },
    /* Requests already read are rebuilt from the log: blocked ones wait. */
    { "FL_EVICTIONS", "binding.evict.*.*.*", false },
    { NULL, NULL, false },
};

/* ---------------------------------------------------------------- state */

static void *
sa_create(const void *config)
{
    struct sched_actor_state *s = calloc(1, sizeof(*s));

    if (s == NULL) {
        return NULL;
    }
    if (config != NULL) {
        s->cfg = *(const struct sched_actor_config *)config;
    }
    if (s->cfg.reservation_timeout_ns <= 0) {
        s->cfg.reservation_timeout_ns = DEFAULT_RESERVATION_TIMEOUT_NS;
    }
    sched_arena_init(&s->res_arena);
    sched_arena_init(&s->fleet_arena);
    sched_arena_init(&s->work);
    s->fleet_dirty = true;
    return s;
}

static void
cluster_free(struct sa_cluster *c)
{
    if (c == NULL) {
        return;
    }
    if (c->spec != NULL) {
        flotilla__v1__cluster_spec__free_unpacked(c->spec, NULL);
    }
    if (c->status != NULL) {
        flotilla__v1__cluster_status__free_unpacked(c->status, NULL);
    }
    if (c->taints != NULL) {
        flotilla__v1__cluster_taints__free_unpacked(c->taints, NULL);
    }
    free(c);
}

static void
request_free(struct sa_request *r)
{
    if (r == NULL) {
        return;
    }
    flotilla__v1__eviction_request__free_unpacked(r->req, NULL);
    free(r->blocked);
    free(r->stream);
    free(r);
}

static void
binding_free(struct sa_binding *b)
{
    struct strmap_entry *e;
    size_t i = 0;

    if (b == NULL) {
        return;
    }
    if (b->spec != NULL) {
        flotilla__v1__binding_spec__free_unpacked(b->spec, NULL);
    }
    if (b->last != NULL) {
        flotilla__v1__schedule_decision__free_unpacked(b->last, NULL);
    }
    while ((e = util_strmap_next(&b->requests, &i)) != NULL) {
        request_free(e->ptr);
    }
    util_strmap_release(&b->requests);
    free(b);
}

/* Adds (@sign 1) or takes away (-1) reservation @r from its cluster's sum. */
static void
agg_account(struct sched_actor_state *s, const struct sa_reservation *r,
            int sign)
{
    struct strmap_entry *e = util_strmap_put(&s->aggs, r->cluster);
    const struct sched_resource_list *req = &r->component.request;
    struct sa_agg *g;

    if (e == NULL) {
        return;
    }
    if (e->ptr == NULL) {
        e->ptr = calloc(1, sizeof(struct sa_agg));
        if (e->ptr == NULL) {
            return;
        }
    }
    g = e->ptr;
    for (size_t i = 0; i < req->n; i++) {
        struct util_quantity delta, sum;
        size_t k = 0;

        while (k < g->n && strcmp(g->names[k], req->items[i].name) != 0) {
            k++;
        }
        if (k == g->n) {
            if (g->n == AGG_MAX || sign < 0) {
                continue;
            }
            g->names[k] = strdup(req->items[i].name);
            if (g->names[k] == NULL) {
                continue;
            }
            g->items[k].name = g->names[k];
            util_quantity_init(&g->items[k].q);
            g->n++;
        }
        util_quantity_from_milli(
            &delta, util_quantity_milli_value(&req->items[i].q) * r->replicas);
        if (sign > 0) {
            (void)util_quantity_add(&g->items[k].q, &delta, &sum);
        } else {
            (void)util_quantity_sub(&g->items[k].q, &delta, &sum);
        }
        g->items[k].q = sum;
    }
    g->holds = sign > 0 ? g->holds + 1 : g->holds - 1;
    g->replicas += sign * (int64_t)r->replicas;
    if (g->holds == 0) {
        for (size_t k = 0; k < g->n; k++) {
            free(g->names[k]);
        }
        free(util_strmap_del(&s->aggs, r->cluster));
    }
}

/*
 * Reservations stay in the order they were made (oldest first), so expiry
 * looks only at the front. A dropped one is marked dead (cluster NULL) and
 * the array is compacted once the dead outnumber the living.
 */
static void
reservation_drop(struct sched_actor_state *s, size_t i)
{
    size_t k = 0;

    if (s->res[i].cluster == NULL) {
        return;
    }
    agg_account(s, &s->res[i], -1);
    free(s->res[i].cluster);
    free(s->res[i].binding);
    s->res[i].cluster = NULL;
    s->res[i].binding = NULL;
    if (++s->n_dead * 2 < s->n_res) {
        return;
    }
    for (size_t j = 0; j < s->n_res; j++) {
        if (s->res[j].cluster != NULL) {
            s->res[k++] = s->res[j];
        }
    }
    s->n_res = k;
    s->n_dead = 0;
    if (s->n_res == 0) {
        sched_arena_reset(&s->res_arena);
    }
}

static void
sa_destroy(void *p)
{
    struct sched_actor_state *s = p;
    struct strmap_entry *e;
    size_t i = 0;

    while ((e = util_strmap_next(&s->clusters, &i)) != NULL) {
        cluster_free(e->ptr);
    }
    i = 0;
    while ((e = util_strmap_next(&s->bindings, &i)) != NULL) {
        binding_free(e->ptr);
    }
    util_strmap_release(&s->clusters);
    util_strmap_release(&s->bindings);
    for (size_t k = 0; k < s->n_res; k++) {
        free(s->res[k].cluster);
        free(s->res[k].binding);
    }
    i = 0;
    while ((e = util_strmap_next(&s->aggs, &i)) != NULL) {
        struct sa_agg *g = e->ptr;

        for (size_t k = 0; k < g->n; k++) {
            free(g->names[k]);
        }
        free(g);
    }
    util_strmap_release(&s->aggs);
    free(s->res);
    sched_arena_release(&s->res_arena);
    sched_arena_release(&s->fleet_arena);
    sched_arena_release(&s->work);
    free(s);
}

static struct sa_cluster *
cluster_get(struct sched_actor_state *s, const char *name)
{
    struct strmap_entry *e = util_strmap_put(&s->clusters, name);

    if (e == NULL) {
        return NULL;
    }
    if (e->ptr == NULL) {
        e->ptr = calloc(1, sizeof(struct sa_cluster));
    }
    return e->ptr;
}

static struct sa_binding *
binding_get(struct sched_actor_state *s, const char *key)
{
    struct strmap_entry *e = util_strmap_put(&s->bindings, key);

    if (e == NULL) {
        return NULL;
    }
    if (e->ptr == NULL) {
        e->ptr = calloc(1, sizeof(struct sa_binding));
    }
    return e->ptr;
}

static void
binding_key(const char *ns, const char *name, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s", ns != NULL ? ns : "", name != NULL ? name : "");
}

/* ---------------------------------------------------------------- helpers */

/* A digest of the placement, to tell a placement change from other edits. */
static void
placement_digest(const Flotilla__V1__BindingSpec *spec, char out[17])
{
    uint8_t *buf;
    size_t n;

    if (spec->placement == NULL) {
        snprintf(out, 17, "none");
        return;
    }
    n = flotilla__v1__placement__get_packed_size(spec->placement);
    buf = malloc(n > 0 ? n : 1);
    if (buf == NULL) {
        snprintf(out, 17, "unknown");
        return;
    }
    flotilla__v1__placement__pack(spec->placement, buf);
    snprintf(out, 17, "%016" PRIx64, util_fnv64(buf, n));
    free(buf);
}

static bool
is_duplicated(const Flotilla__V1__BindingSpec *spec)
{
    const Flotilla__V1__ReplicaSchedulingStrategy *rs =
        spec->placement != NULL ? spec->placement->replica_scheduling : NULL;

    return rs == NULL || rs->replica_scheduling_type == NULL ||
           rs->replica_scheduling_type[0] == '\0' ||
           strcmp(rs->replica_scheduling_type, "Duplicated") == 0;
}

static bool
is_workload(const Flotilla__V1__BindingSpec *spec)
{
    return spec->replicas > 0 || spec->has_replica_requirements ||
           spec->n_components > 0;
}

static bool
targets_has(const Flotilla__V1__ScheduleDecision *d, const char *cluster)
{
    for (size_t i = 0; d != NULL && i < d->n_clusters; i++) {
        if (strcmp(d->clusters[i]->name, cluster) == 0) {
            return true;
        }
    }
    return false;
}

static bool
tasks_has(const Flotilla__V1__ScheduleDecision *d, const char *cluster)
{
    for (size_t i = 0; d != NULL && i < d->n_eviction_tasks; i++) {
        if (strcmp(d->eviction_tasks[i]->from_cluster, cluster) == 0) {
            return true;
        }
    }
    return false;
}

static int32_t
targets_sum(const Flotilla__V1__ScheduleDecision *d)
{
    int32_t sum = 0;

    for (size_t i = 0; d != NULL && i < d->n_clusters; i++) {
        sum += d->clusters[i]->replicas;
    }
    return sum;
}

/*
 * Karmada's reasons to run the scheduler for a binding it has placed
 * before (failover.md §2.9), plus Flotilla's: retry while unschedulable.
 * Returns the reason, or NULL when the placement stands.
 */
static const char *
reschedule_reason(struct sched_actor_state *s, const struct sa_binding *b)
{
    const Flotilla__V1__ScheduleDecision *d = b->last;
    char digest[17];

    if (d == NULL) {
        return "first schedule";
    }
    placement_digest(b->spec, digest);
    if (d->applied_placement == NULL ||
        strcmp(d->applied_placement, digest) != 0) {
        return "placement changed";
    }
    if (b->spec->reschedule_triggered_ns > d->last_scheduled_ns) {
        return "rebalance requested";
    }
    if (!is_workload(b->spec)) {
        return "not a workload: always";
    }
    if (is_duplicated(b->spec)) {
        for (size_t i = 0; i < d->n_clusters; i++) {
            if (d->clusters[i]->replicas != b->spec->replicas) {
                return "replicas changed";
            }
        }
        return "duplicated: always";
    }
    if (targets_sum(d) != b->spec->replicas) {
        return "replica total differs";
    }
    for (size_t i = 0; i < d->n_clusters; i++) {
        struct strmap_entry *e = util_strmap_get(&s->clusters,
                                                 d->clusters[i]->name);
        struct sa_cluster *c = e != NULL ? e->ptr : NULL;

        if (c == NULL || c->spec == NULL || c->spec->deleting) {
            return "a target cluster is gone or being deleted";
        }
    }
    if (!d->schedulable) {
        return "retry: was unschedulable";
    }
    return NULL;
}

static int
cmp_cluster(const void *a, const void *b)
{
    return strcmp(((const struct sched_cluster *)a)->name,
                  ((const struct sched_cluster *)b)->name);
}

/* Converts the fleet to the core's form once per change. */
static int
fleet_build(struct sched_actor_state *s)
{
    struct strmap_entry *e;
    size_t i = 0;
    char err[256];

    if (!s->fleet_dirty) {
        return 0;
    }
    sched_arena_reset(&s->fleet_arena);
    s->fleet = sched_arena_alloc(&s->fleet_arena,
                                 (s->clusters.len + 1) * sizeof(*s->fleet));
    if (s->fleet == NULL) {
        return -ENOMEM;
    }
    s->n_fleet = 0;
    while ((e = util_strmap_next(&s->clusters, &i)) != NULL) {
        struct sa_cluster *c = e->ptr;

        if (c->spec == NULL) {
            continue;
        }
        if (sched_cluster_from_proto(&s->fleet_arena, c->spec, c->status,
                                     c->taints, &s->fleet[s->n_fleet], err,
                                     sizeof(err)) != 0) {
            log_warn("cluster left out of scheduling", "cluster=%s reason=\"%s\"",
                     e->key, err);
            continue;
        }
        s->n_fleet++;
    }
    qsort(s->fleet, s->n_fleet, sizeof(*s->fleet), cmp_cluster);
    s->fleet_dirty = false;
    return 0;
}

static int
cmp_assumed(const void *x, const void *y)
{
    return strcmp(((const struct sched_assumed *)x)->cluster,
                  ((const struct sched_assumed *)y)->cluster);
}

/* The reservations still in force, as the core's assumed workloads. */
static struct sched_assumed *
assumed_build(struct sched_actor_state *s, int64_t now, size_t *n)
{
    struct sched_assumed *a;

    for (size_t i = 0; i < s->n_res; i++) {
        if (s->res[i].cluster == NULL) {
            continue;
        }
        if (now - s->res[i].decided_ns <= s->cfg.reservation_timeout_ns) {
            break;  /* the rest are younger */
        }
        reservation_drop(s, i);
        i = s->n_dead == 0 ? (size_t)-1 : i;   /* compacted: start over */
    }
    {
        struct sched_component *comp;
        struct strmap_entry *e;
        size_t it = 0, k = 0;

        a = sched_arena_alloc(&s->work, (s->aggs.len + 1) * sizeof(*a));
        comp = sched_arena_alloc(&s->work,
                                 (2 * s->aggs.len + 1) * sizeof(*comp));
        if (a == NULL || comp == NULL) {
            *n = 0;
            return NULL;
        }
        while ((e = util_strmap_next(&s->aggs, &it)) != NULL) {
            struct sa_agg *g = e->ptr;

            /* One replica asks for the sum; the others only take pods. */
            comp[2 * k] = (struct sched_component){
                "", 1, true, { g->items, g->n }
            };
            comp[2 * k + 1] = (struct sched_component){
                "", (int32_t)(g->replicas - 1), false, { NULL, 0 }
            };
            a[k].cluster = e->key;
            a[k].namespace = "";
            a[k].components = &comp[2 * k];
            a[k].n_components = g->replicas > 1 ? 2 : 1;
            k++;
        }
        *n = k;
        qsort(a, k, sizeof(*a), cmp_assumed);
    }
    return a;
}

static void
reserve(struct sched_actor_state *s, const char *key,
        const struct sched_binding *b, const char *cluster, int32_t delta,
        int64_t now)
{
    struct sa_reservation *r;
    struct sched_resource_list req = { 0 };

    if (delta <= 0 || !b->has_requirements) {
        return;
    }
    if (s->n_res == s->cap_res) {
        size_t cap = s->cap_res ? s->cap_res * 2 : 64;
        struct sa_reservation *n = realloc(s->res, cap * sizeof(*n));

        if (n == NULL) {
            return;
        }
        s->res = n;
        s->cap_res = cap;
    }
    /* Copy the per-replica requests into the reservations' own arena. */
    req.items = sched_arena_alloc(&s->res_arena,
                                  (b->requests.n + 1) * sizeof(*req.items));
    if (req.items == NULL) {
        return;
    }
    for (size_t i = 0; i < b->requests.n; i++) {
        req.items[i] = b->requests.items[i];
        req.items[i].name = sched_arena_strdup(&s->res_arena,
                                               b->requests.items[i].name);
    }
    req.n = b->requests.n;
    r = &s->res[s->n_res];
    r->cluster = strdup(cluster);
    r->binding = strdup(key);
    if (r->cluster == NULL || r->binding == NULL) {
        free(r->cluster);
        free(r->binding);
        return;
    }
    r->replicas = delta;
    r->decided_ns = now;
    r->component = (struct sched_component){ "", delta, true, req };
    s->n_res++;
    agg_account(s, r, 1);
}

/* ---------------------------------------------------------------- deciding */

/* A decision under construction; pointers into the work arena or last. */
struct draft {
    Flotilla__V1__ScheduleDecision d;
    Flotilla__V1__GracefulEvictionTask **tasks;
    size_t n_tasks;
    Flotilla__V1__BlockedEviction **blocked;
    size_t n_blocked;
    const char *why;          /* what made this decision */
    bool scheduled;           /* the core ran and its result was taken */
};

static int
draft_from_last(struct sched_actor_state *s, const struct sa_binding *b,
                struct draft *dr)
{
    const Flotilla__V1__ScheduleDecision *last = b->last;
    size_t nt = last != NULL ? last->n_eviction_tasks : 0;
    size_t nr = b->requests.len;

    memset(dr, 0, sizeof(*dr));
    flotilla__v1__schedule_decision__init(&dr->d);
    dr->tasks = sched_arena_alloc(&s->work, (nt + nr + 1) * sizeof(*dr->tasks));
    dr->blocked = sched_arena_alloc(&s->work, (nr + 1) * sizeof(*dr->blocked));
    if (dr->tasks == NULL || dr->blocked == NULL) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < nt; i++) {
        dr->tasks[dr->n_tasks++] = last->eviction_tasks[i];
    }
    dr->d.namespace_ = b->spec->namespace_;
    dr->d.name = b->spec->name;
    dr->d.spec_generation = b->spec->generation;
    dr->d.replicas = b->spec->replicas;
    if (last != NULL) {
        dr->d.clusters = last->clusters;
        dr->d.n_clusters = last->n_clusters;
        dr->d.schedulable = last->schedulable;
        dr->d.reason = last->reason;
        dr->d.message = last->message;
        dr->d.excluded = last->excluded;
        dr->d.n_excluded = last->n_excluded;
        dr->d.observed_affinity_name = last->observed_affinity_name;
        dr->d.last_scheduled_ns = last->last_scheduled_ns;
        dr->d.applied_placement = last->applied_placement;
        dr->d.decision_seq = last->decision_seq;
    } else {
        dr->d.schedulable = true;
        dr->d.reason = "Pending";
        dr->d.message = "";
        dr->d.observed_affinity_name = "";
        dr->d.applied_placement = "";
    }
    return 0;
}

/*
 * Runs the core for @b as it would stand after @dr, with @evict (or NULL)
 * removed from the targets and added to the clusters being evicted.
 */
static int
run_core(struct sched_actor_state *s, const struct sa_binding *b,
         const struct draft *dr, const char *evict, int64_t now,
         struct sched_binding *sb, struct sched_decision *out)
{
    Flotilla__V1__ScheduleDecision view = dr->d;
    struct sched_input in;
    char err[256];
    int rc;

    view.eviction_tasks = dr->tasks;
    view.n_eviction_tasks = dr->n_tasks;
    rc = sched_binding_from_proto(&s->work, b->spec, &view, sb, err,
                                  sizeof(err));
    if (rc != 0) {
        snprintf(out->error.message, sizeof(out->error.message), "%s", err);
        out->error.outcome = SCHED_OUTCOME_ERROR;
        return rc;
    }
    if (evict != NULL) {
        size_t k = 0;
        const char **ev = sched_arena_alloc(&s->work,
                                            (sb->n_evicting + 2) * sizeof(*ev));

        if (ev == NULL) {
            return -ENOMEM;
        }
        for (size_t i = 0; i < sb->n_targets; i++) {
            if (strcmp(sb->targets[i].name, evict) != 0) {
                sb->targets[k++] = sb->targets[i];
            }
        }
        sb->n_targets = k;
        memcpy(ev, sb->evicting, sb->n_evicting * sizeof(*ev));
        ev[sb->n_evicting++] = evict;
        sb->evicting = ev;
    }
    memset(&in, 0, sizeof(in));
    sched_gates_init(&in.gates);
    /* Flotilla always deducts what earlier decisions handed out. */
    in.gates.overcommit_protection = true;
    in.clusters = s->fleet;
    in.n_clusters = s->n_fleet;
    in.binding = sb;
    in.now_ns = now;
    in.assumed = assumed_build(s, now, &in.n_assumed);
    in.assumed_sorted = true;
    memset(out, 0, sizeof(*out));
    return sched_schedule(&s->work, &in, out);
}

static int32_t
old_replicas(const Flotilla__V1__ScheduleDecision *d, const char *cluster)
{
    for (size_t i = 0; d != NULL && i < d->n_clusters; i++) {
        if (strcmp(d->clusters[i]->name, cluster) == 0) {
            return d->clusters[i]->replicas;
        }
    }
    return 0;
}

/* Takes the core's result into @dr and reserves what it newly placed. */
static int
take_result(struct sched_actor_state *s, const char *key,
            const struct sa_binding *b, const struct sched_binding *sb,
            const struct sched_decision *sd, struct draft *dr, int64_t now)
{
    Flotilla__V1__ScheduleDecision tmp = FLOTILLA__V1__SCHEDULE_DECISION__INIT;
    char *digest;
    int rc;

    rc = sched_decision_to_proto(&s->work, sd, &tmp);
    if (rc != 0) {
        return rc;
    }
    for (size_t i = 0; i < tmp.n_clusters; i++) {
        int32_t delta = tmp.clusters[i]->replicas -
                        old_replicas(b->last, tmp.clusters[i]->name);

        reserve(s, key, sb, tmp.clusters[i]->name, delta, now);
    }
    dr->d.clusters = tmp.clusters;
    dr->d.n_clusters = tmp.n_clusters;
    dr->d.excluded = tmp.excluded;
    dr->d.n_excluded = tmp.n_excluded;
    dr->d.schedulable = true;
    dr->d.reason = "Success";
    /* The core's message lives in @sd, which the caller's frame owns. */
    dr->d.message = sched_arena_strdup(&s->work, tmp.message);
    dr->d.observed_affinity_name =
        sched_arena_strdup(&s->work, tmp.observed_affinity_name);
    if (dr->d.message == NULL || dr->d.observed_affinity_name == NULL) {
        return -ENOMEM;
    }
    dr->d.last_scheduled_ns = now;
    digest = sched_arena_alloc(&s->work, 17);
    if (digest == NULL) {
        return -ENOMEM;
    }
    placement_digest(b->spec, digest);
    dr->d.applied_placement = digest;
    dr->scheduled = true;
    return 0;
}

static Flotilla__V1__GracefulEvictionTask *
make_task(struct sched_actor_state *s, const struct sa_request *r,
          int32_t replicas, int64_t now)
{
    Flotilla__V1__GracefulEvictionTask *t;
    const Flotilla__V1__EvictionRequest *q = r->req;

    t = sched_arena_alloc(&s->work, sizeof(*t));
    if (t == NULL) {
        return NULL;
    }
    /* The request is freed once accepted: copy what the task keeps. */
    flotilla__v1__graceful_eviction_task__init(t);
    t->from_cluster = sched_arena_strdup(&s->work, q->cluster);
    t->purge_mode = sched_arena_strdup(
        &s->work, q->purge_mode != NULL && q->purge_mode[0] != '\0'
                      ? q->purge_mode
                      : "Gracefully");
    t->replicas = replicas;
    t->reason = sched_arena_strdup(&s->work, q->reason);
    t->message = sched_arena_strdup(&s->work, q->message);
    if (t->from_cluster == NULL || t->purge_mode == NULL ||
        t->reason == NULL || t->message == NULL) {
        return NULL;
    }
    t->producer = "scheduler";
    t->has_grace_period = q->has_grace_period;
    t->grace_period_seconds = q->grace_period_seconds;
    t->suppress_deletion = strcmp(t->purge_mode, "Never") == 0;
    t->creation_ns = now;
    if (q->n_preserved_label_state > 0) {
        Flotilla__V1__GracefulEvictionTask__PreservedLabelStateEntry *ents;
        size_t n = q->n_preserved_label_state;

        ents = sched_arena_alloc(&s->work, n * sizeof(*ents));
        t->preserved_label_state = sched_arena_alloc(
            &s->work, n * sizeof(*t->preserved_label_state));
        if (ents == NULL || t->preserved_label_state == NULL) {
            return NULL;
        }
        for (size_t i = 0; i < n; i++) {
            flotilla__v1__graceful_eviction_task__preserved_label_state_entry__init(
                &ents[i]);
            ents[i].key = sched_arena_strdup(&s->work,
                                             q->preserved_label_state[i]->key);
            ents[i].value = sched_arena_strdup(
                &s->work, q->preserved_label_state[i]->value);
            t->preserved_label_state[i] = &ents[i];
        }
        t->n_preserved_label_state = n;
    }
    return t;
}

static int
cmp_request(const void *a, const void *b)
{
    const struct strmap_entry *x = *(const struct strmap_entry *const *)a;
    const struct strmap_entry *y = *(const struct strmap_entry *const *)b;

    return strcmp(x->key, y->key);
}

/*
 * Phase two of an eviction: accept @r only when every replica of the
 * evicted cluster finds room elsewhere. Returns true when accepted.
 */
static bool
try_evict(struct sched_actor_state *s, const char *key, struct sa_binding *b,
          struct sa_request *r, struct draft *dr, int64_t now,
          struct actor_fx *fx)
{
    const char *cluster = r->req->cluster;
    struct sched_binding sb;
    struct sched_decision sd;
    Flotilla__V1__GracefulEvictionTask *t;
    int32_t had = 0;
    char line[600];
    int rc;

    for (size_t i = 0; i < dr->d.n_clusters; i++) {
        if (strcmp(dr->d.clusters[i]->name, cluster) == 0) {
            had = dr->d.clusters[i]->replicas;
        }
    }
    rc = run_core(s, b, dr, cluster, now, &sb, &sd);
    if (rc == 0 && sd.write && sd.assignment.n > 0) {
        rc = take_result(s, key, b, &sb, &sd, dr, now);
        t = rc == 0 ? make_task(s, r, had, now) : NULL;
        if (t == NULL) {
            return false;
        }
        dr->tasks[dr->n_tasks++] = t;
        snprintf(line, sizeof(line), "evict %s accepted (%d replicas moved, reason %s)",
                 cluster, had, r->req->reason ? r->req->reason : "");
        actor_fx_decision(fx, key, line, "EvictionAccepted");
        if (r->stream != NULL) {
            (void)actor_fx_cause(fx, r->stream, r->seq, NULL);
        }
        return true;
    }
    snprintf(line, sizeof(line), "%s",
             sd.assignment.n == 0 && rc == 0
                 ? "no other cluster can hold this workload; the last copy stays"
                 : sd.error.message[0] ? sd.error.message : strerror(-rc));
    if (r->blocked == NULL || strcmp(r->blocked, line) != 0) {
        char msg[700];

        free(r->blocked);
        r->blocked = strdup(line);
        if (r->blocked_since_ns == 0) {
            r->blocked_since_ns = now;
        }
        snprintf(msg, sizeof(msg), "evict %s blocked: %s", cluster, line);
        actor_fx_decision(fx, key, msg, "EvictionBlocked");
    }
    return false;
}

static bool
tasks_equal(const Flotilla__V1__ScheduleDecision *a, const struct draft *dr)
{
    size_t n = a != NULL ? a->n_eviction_tasks : 0;

    if (n != dr->n_tasks) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(a->eviction_tasks[i]->from_cluster,
                   dr->tasks[i]->from_cluster) != 0) {
            return false;
        }
    }
    return true;
}

static bool
clusters_equal(const Flotilla__V1__ScheduleDecision *a, const struct draft *dr)
{
    if (a == NULL || a->n_clusters != dr->d.n_clusters) {
        return false;
    }
    for (size_t i = 0; i < a->n_clusters; i++) {
        if (strcmp(a->clusters[i]->name, dr->d.clusters[i]->name) != 0 ||
            a->clusters[i]->replicas != dr->d.clusters[i]->replicas) {
            return false;
        }
    }
    return true;
}

static bool
blocked_equal(const Flotilla__V1__ScheduleDecision *a, const struct draft *dr)
{
    size_t n = a != NULL ? a->n_blocked_evictions : 0;

    if (n != dr->n_blocked) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(a->blocked_evictions[i]->cluster,
                   dr->blocked[i]->cluster) != 0 ||
            strcmp(a->blocked_evictions[i]->reason, dr->blocked[i]->reason)) {
            return false;
        }
    }
    return true;
}

static bool
draft_changed(const struct sa_binding *b, const struct draft *dr)
{
    const Flotilla__V1__ScheduleDecision *l = b->last;

    return l == NULL || !clusters_equal(l, dr) || !tasks_equal(l, dr) ||
           !blocked_equal(l, dr) || l->schedulable != dr->d.schedulable ||
           strcmp(l->reason, dr->d.reason) != 0 ||
           strcmp(l->observed_affinity_name, dr->d.observed_affinity_name) ||
           strcmp(l->applied_placement, dr->d.applied_placement) != 0 ||
           l->spec_generation != dr->d.spec_generation ||
           l->replicas != dr->d.replicas;
}

static void
placement_text(const Flotilla__V1__ScheduleDecision *d, char *buf, size_t len)
{
    size_t off = 0;

    buf[0] = '\0';
    for (size_t i = 0; d != NULL && i < d->n_clusters && off < len; i++) {
        off += (size_t)snprintf(buf + off, len - off, "%s%s:%d",
                                i ? " " : "", d->clusters[i]->name,
                                d->clusters[i]->replicas);
    }
    if (off == 0) {
        snprintf(buf, len, "(none)");
    }
}

/* The decision for the audit trail and `flotilla describe` (events.scheduler). */
static int
decision_event(const char *key, const char *line, const char *reason,
               struct actor_fx *fx)
{
    Flotilla__V1__DecisionEvent ev = FLOTILLA__V1__DECISION_EVENT__INIT;

    ev.actor = "scheduler";
    ev.key = (char *)key;
    ev.decision = (char *)line;
    ev.reason = (char *)reason;
    ev.at_ns = fx->now_ns;
    return actor_fx_publish(fx, "events.scheduler", key, "DecisionEvent",
                            &ev.base, 0);
}

/* Publishes @dr when it differs from the last decision, and keeps it. */
static int
publish(struct sched_actor_state *s, const char *key, struct sa_binding *b,
        struct draft *dr, struct actor_fx *fx)
{
    Flotilla__V1__ScheduleDecision *kept;
    char subject[BUS_SUBJECT_MAX];
    char before[512], after[512], line[1200];
    uint8_t *buf;
    size_t n;
    int rc;

    (void)s;
    dr->d.eviction_tasks = dr->tasks;
    dr->d.n_eviction_tasks = dr->n_tasks;
    dr->d.blocked_evictions = dr->blocked;
    dr->d.n_blocked_evictions = dr->n_blocked;
    if (!draft_changed(b, dr)) {
        /* Same outcome: nothing to publish. A rebalance that changed
         * nothing is still done, so remember when it ran. */
        if (b->last != NULL) {
            b->last->last_scheduled_ns = dr->d.last_scheduled_ns;
        }
        return 0;
    }
    dr->d.decision_seq = (b->last != NULL ? b->last->decision_seq : 0) + 1;
    bus_subject_build(subject, sizeof(subject), "binding.schedule",
                      b->spec->namespace_, b->spec->name, NULL);
    rc = actor_fx_publish(fx, subject, key, "ScheduleDecision", &dr->d.base,
                          ACTOR_PUB_OWNED);
    if (rc != 0) {
        return rc;
    }
    placement_text(b->last, before, sizeof(before));
    placement_text(&dr->d, after, sizeof(after));
    snprintf(line, sizeof(line), "%s -> %s (%s%s%s)", before, after,
             dr->why ? dr->why : "update", dr->d.schedulable ? "" : "; unschedulable: ",
             dr->d.schedulable ? "" : dr->d.message);
    actor_fx_decision(fx, key, line, dr->d.reason);
    rc = decision_event(key, line, dr->d.reason, fx);
    if (rc != 0) {
        return rc;
    }

    /* Keep our own copy by round-tripping the packed message. */
    n = flotilla__v1__schedule_decision__get_packed_size(&dr->d);
    buf = malloc(n > 0 ? n : 1);
    if (buf == NULL) {
        return -ENOMEM;
    }
    flotilla__v1__schedule_decision__pack(&dr->d, buf);
    kept = flotilla__v1__schedule_decision__unpack(NULL, n, buf);
    free(buf);
    if (kept == NULL) {
        return -ENOMEM;
    }
    if (b->last != NULL) {
        flotilla__v1__schedule_decision__free_unpacked(b->last, NULL);
    }
    b->last = kept;
    return 0;
}

/* Applies pending eviction requests to @dr, oldest cluster name first. */
static bool
process_evictions(struct sched_actor_state *s, const char *key,
                  struct sa_binding *b, struct draft *dr, int64_t now,
                  struct actor_fx *fx)
{
    struct strmap_entry **reqs;
    struct strmap_entry *e;
    bool accepted = false;
    size_t n = 0, i = 0;

    if (b->requests.len == 0) {
        return false;
    }
    reqs = sched_arena_alloc(&s->work, b->requests.len * sizeof(*reqs));
    if (reqs == NULL) {
        return false;
    }
    while ((e = util_strmap_next(&b->requests, &i)) != NULL) {
        reqs[n++] = e;
    }
    qsort(reqs, n, sizeof(*reqs), cmp_request);
    for (size_t k = 0; k < n; k++) {
        struct sa_request *r = reqs[k]->ptr;
        const char *cluster = reqs[k]->key;
        bool placed = false;

        for (size_t j = 0; j < dr->d.n_clusters; j++) {
            placed = placed || strcmp(dr->d.clusters[j]->name, cluster) == 0;
        }
        if (!placed) {
            /* Nothing of this binding runs there (any more): done. */
            request_free(util_strmap_del(&b->requests, cluster));
            continue;
        }
        if (try_evict(s, key, b, r, dr, now, fx)) {
            accepted = true;
            dr->why = "eviction accepted";
            request_free(util_strmap_del(&b->requests, cluster));
        }
    }
    return accepted;
}

static void
collect_blocked(struct sched_actor_state *s, struct sa_binding *b,
                struct draft *dr)
{
    struct strmap_entry *e;
    size_t i = 0;

    dr->n_blocked = 0;
    while ((e = util_strmap_next(&b->requests, &i)) != NULL) {
        struct sa_request *r = e->ptr;
        Flotilla__V1__BlockedEviction *be;

        if (r->blocked == NULL) {
            continue;
        }
        be = sched_arena_alloc(&s->work, sizeof(*be));
        if (be == NULL) {
            return;
        }
        flotilla__v1__blocked_eviction__init(be);
        be->cluster = (char *)e->key;
        be->reason = r->blocked;
        be->since_ns = r->blocked_since_ns;
        dr->blocked[dr->n_blocked++] = be;
    }
    /* Stable order for comparison and display. */
    for (size_t a = 1; a < dr->n_blocked; a++) {
        for (size_t c = a; c > 0 && strcmp(dr->blocked[c - 1]->cluster,
                                           dr->blocked[c]->cluster) > 0; c--) {
            Flotilla__V1__BlockedEviction *t = dr->blocked[c];

            dr->blocked[c] = dr->blocked[c - 1];
            dr->blocked[c - 1] = t;
        }
    }
}

/*
 * Decides binding @key: pending evictions first, then a reschedule if one
 * is due. Publishes only when the decision changed.
 */
static int
decide(struct sched_actor_state *s, const char *key, struct sa_binding *b,
       int64_t now, struct actor_fx *fx)
{
    /* The core's result lives until the decision is published: the draft
     * may point into it. */
    struct sched_binding sb;
    struct sched_decision sd;
    const char *reason;
    struct draft dr;
    int rc;

    if (b->spec == NULL) {
        return 0;
    }
    sched_arena_reset(&s->work);
    rc = fleet_build(s);
    if (rc == 0) {
        rc = draft_from_last(s, b, &dr);
    }
    if (rc != 0) {
        return rc;
    }
    (void)process_evictions(s, key, b, &dr, now, fx);
    reason = dr.scheduled ? NULL : reschedule_reason(s, b);
    if (reason != NULL) {
        bool user_intent = b->last == NULL ||
                           b->last->spec_generation != b->spec->generation;

        char *digest = sched_arena_alloc(&s->work, 17);

        if (digest == NULL) {
            return -ENOMEM;
        }
        placement_digest(b->spec, digest);
        dr.why = reason;
        rc = run_core(s, b, &dr, NULL, now, &sb, &sd);
        /* Tried with this placement: a failure is retried on cluster
         * changes, not on every input. */
        dr.d.applied_placement = digest;
        if (rc == 0 && sd.write) {
            rc = take_result(s, key, b, &sb, &sd, &dr, now);
        } else if (sd.error.outcome == SCHED_OUTCOME_NO_CLUSTER_FIT &&
                   user_intent) {
            /* The policy selects nothing: honour it, say so. */
            dr.d.clusters = NULL;
            dr.d.n_clusters = 0;
            dr.d.excluded = NULL;
            dr.d.n_excluded = 0;
            (void)sched_decision_to_proto(&s->work, &sd, &dr.d);
            dr.d.n_clusters = 0;
            dr.d.schedulable = false;
            dr.d.reason = "PolicySelectsNone";
            rc = 0;
        } else {
            /* Keep the placement; retried when clusters change. */
            Flotilla__V1__ScheduleDecision tmp =
                FLOTILLA__V1__SCHEDULE_DECISION__INIT;

            (void)sched_decision_to_proto(&s->work, &sd, &tmp);
            dr.d.excluded = tmp.excluded;
            dr.d.n_excluded = tmp.n_excluded;
            dr.d.schedulable = false;
            dr.d.reason = sd.error.outcome == SCHED_OUTCOME_NO_CLUSTER_FIT
                              ? "NoClusterFit"
                              : sd.error.outcome == SCHED_OUTCOME_UNSCHEDULABLE
                                    ? "Unschedulable"
                                    : "SchedulerError";
            dr.d.message = sched_arena_strdup(&s->work, tmp.message);
            if (dr.d.message == NULL) {
                return -ENOMEM;
            }
            rc = 0;
        }
    }
    if (rc != 0) {
        return rc;
    }
    collect_blocked(s, b, &dr);
    if (dr.n_blocked > 0 && dr.d.schedulable) {
        dr.d.schedulable = false;
        dr.d.reason = "EvictionBlocked";
        dr.d.message = dr.blocked[0]->reason;
        if (dr.why == NULL) {
            dr.why = "eviction blocked";
        }
    } else if (dr.n_blocked == 0 && !dr.scheduled && b->last != NULL &&
               strcmp(b->last->reason, "EvictionBlocked") == 0 &&
               reason == NULL) {
        dr.d.schedulable = true;
        dr.d.reason = "Success";
        dr.d.message = "";
    }
    return publish(s, key, b, &dr, fx);
}

/* Re-decides every binding (a cluster changed), or only those waiting. */
static int
decide_all(struct sched_actor_state *s, bool only_waiting, int64_t now,
           struct actor_fx *fx)
{
    struct strmap_entry **keys;
    struct strmap_entry *e;
    size_t n = 0, i = 0;
    int rc = 0;

    keys = malloc((s->bindings.len + 1) * sizeof(*keys));
    if (keys == NULL) {
        return -ENOMEM;
    }
    while ((e = util_strmap_next(&s->bindings, &i)) != NULL) {
        struct sa_binding *b = e->ptr;

        if (only_waiting && b->requests.len == 0 &&
            (b->last == NULL || b->last->schedulable)) {
            continue;
        }
        keys[n++] = e;
    }
    qsort(keys, n, sizeof(*keys), cmp_request);
    for (size_t k = 0; k < n && rc == 0; k++) {
        rc = decide(s, keys[k]->key, keys[k]->ptr, now, fx);
    }
    free(keys);
    return rc;
}

/* ---------------------------------------------------------------- messages */

static bool
labels_equal(Flotilla__V1__ClusterSpec__LabelsEntry **a, size_t na,
             Flotilla__V1__ClusterSpec__LabelsEntry **b, size_t nb)
{
    if (na != nb) {
        return false;
    }
    for (size_t i = 0; i < na; i++) {
        bool found = false;

        for (size_t j = 0; j < nb && !found; j++) {
            found = strcmp(a[i]->key, b[j]->key) == 0 &&
                    strcmp(a[i]->value, b[j]->value) == 0;
        }
        if (!found) {
            return false;
        }
    }
    return true;
}

static bool
taints_equal(Flotilla__V1__Taint **a, size_t na, Flotilla__V1__Taint **b,
             size_t nb)
{
    if (na != nb) {
        return false;
    }
    for (size_t i = 0; i < na; i++) {
        if (strcmp(a[i]->key, b[i]->key) != 0 ||
            strcmp(a[i]->value, b[i]->value) != 0 ||
            strcmp(a[i]->effect, b[i]->effect) != 0) {
            return false;
        }
    }
    return true;
}

static bool
spec_changed(const Flotilla__V1__ClusterSpec *o, const Flotilla__V1__ClusterSpec *n)
{
    return o == NULL || strcmp(o->region, n->region) != 0 ||
           strcmp(o->zone, n->zone) != 0 ||
           strcmp(o->provider, n->provider) != 0 ||
           o->deleting != n->deleting || o->n_zones != n->n_zones ||
           !labels_equal(o->labels, o->n_labels, n->labels, n->n_labels) ||
           !taints_equal(o->taints, o->n_taints, n->taints, n->n_taints) ||
           o->n_resource_models != n->n_resource_models;
}

static bool
apis_equal(const Flotilla__V1__ClusterStatus *o,
           const Flotilla__V1__ClusterStatus *n)
{
    if (o == NULL || o->n_api_enablements != n->n_api_enablements) {
        return o == NULL && n->n_api_enablements == 0;
    }
    for (size_t i = 0; i < o->n_api_enablements; i++) {
        const Flotilla__V1__APIEnablement *x = o->api_enablements[i];
        const Flotilla__V1__APIEnablement *y = n->api_enablements[i];

        if (strcmp(x->group_version, y->group_version) != 0 ||
            x->n_kinds != y->n_kinds) {
            return false;
        }
        for (size_t k = 0; k < x->n_kinds; k++) {
            if (strcmp(x->kinds[k], y->kinds[k]) != 0) {
                return false;
            }
        }
    }
    return true;
}

/*
 * Takes a cluster message into state. Returns 2 when the change can affect
 * placements, 1 when only the resource summary moved, 0 when nothing did.
 */
static int
take_cluster(struct sched_actor_state *s, const struct actor_msg *m)
{
    const Flotilla__V1__Envelope *env = m->env;
    const char *what = m->subject + strlen("cluster.");
    char names[1][256];
    struct sa_cluster *c;
    int change = 0;

    if (bus_subject_names(m->subject, 2, names, 1) != 1) {
        return -EBADMSG;
    }
    if (strncmp(what, "spec.", 5) == 0 && env->deleted) {
        cluster_free(util_strmap_del(&s->clusters, names[0]));
        s->fleet_dirty = true;
        return 2;
    }
    c = cluster_get(s, names[0]);
    if (c == NULL) {
        return -ENOMEM;
    }
    if (strncmp(what, "spec.", 5) == 0) {
        Flotilla__V1__ClusterSpec *n = flotilla__v1__cluster_spec__unpack(
            NULL, env->payload.len, env->payload.data);

        if (n == NULL) {
            return -EBADMSG;
        }
        change = spec_changed(c->spec, n) ? 2 : 0;
        if (c->spec != NULL) {
            flotilla__v1__cluster_spec__free_unpacked(c->spec, NULL);
        }
        c->spec = n;
    } else if (strncmp(what, "status.", 7) == 0) {
        Flotilla__V1__ClusterStatus *n = flotilla__v1__cluster_status__unpack(
            NULL, env->payload.len, env->payload.data);

        if (n == NULL) {
            return -EBADMSG;
        }
        change = !apis_equal(c->status, n) ? 2 : 1;
        /* A summary newer than a decision already counts its pods. */
        for (size_t i = 0; n->resource_summary != NULL && i < s->n_res;
             i++) {
            if (s->res[i].cluster != NULL &&
                strcmp(s->res[i].cluster, names[0]) == 0 &&
                n->resource_summary->observed_ns > s->res[i].decided_ns) {
                reservation_drop(s, i);
                i = s->n_dead == 0 ? (size_t)-1 : i;
            }
        }
        if (c->status != NULL) {
            flotilla__v1__cluster_status__free_unpacked(c->status, NULL);
        }
        c->status = n;
    } else if (strncmp(what, "taint.", 6) == 0) {
        Flotilla__V1__ClusterTaints *n = flotilla__v1__cluster_taints__unpack(
            NULL, env->payload.len, env->payload.data);

        if (n == NULL) {
            return -EBADMSG;
        }
        change = c->taints == NULL ||
                         !taints_equal(c->taints->taints, c->taints->n_taints,
                                       n->taints, n->n_taints)
                     ? 2
                     : 0;
        if (c->taints != NULL) {
            flotilla__v1__cluster_taints__free_unpacked(c->taints, NULL);
        }
        c->taints = n;
    }
    if (change > 0) {
        s->fleet_dirty = true;
    }
    return change;
}

static int
take_spec(struct sched_actor_state *s, const struct actor_msg *m,
          char *key, size_t keylen, struct sa_binding **out)
{
    Flotilla__V1__BindingSpec *n;
    char names[2][256];
    struct sa_binding *b;

    if (bus_subject_names(m->subject, 2, names, 2) != 2) {
        return -EBADMSG;
    }
    binding_key(names[0], names[1], key, keylen);
    *out = NULL;
    if (m->env->deleted) {
        b = util_strmap_get(&s->bindings, key) != NULL
                ? util_strmap_get(&s->bindings, key)->ptr
                : NULL;
        *out = b;
        return 1;
    }
    n = flotilla__v1__binding_spec__unpack(NULL, m->env->payload.len,
                                           m->env->payload.data);
    if (n == NULL) {
        return -EBADMSG;
    }
    b = binding_get(s, key);
    if (b == NULL) {
        flotilla__v1__binding_spec__free_unpacked(n, NULL);
        return -ENOMEM;
    }
    if (b->spec != NULL) {
        flotilla__v1__binding_spec__free_unpacked(b->spec, NULL);
    }
    b->spec = n;
    *out = b;
    return 0;
}

static int
take_own(struct sched_actor_state *s, const struct actor_msg *m)
{
    Flotilla__V1__ScheduleDecision *d;
    char names[2][256];
    char key[520];
    struct sa_binding *b;

    if (bus_subject_names(m->subject, 2, names, 2) != 2) {
        return -EBADMSG;
    }
    binding_key(names[0], names[1], key, sizeof(key));
    if (m->env->deleted) {
        binding_free(util_strmap_del(&s->bindings, key));
        return 0;
    }
    d = flotilla__v1__schedule_decision__unpack(NULL, m->env->payload.len,
                                                m->env->payload.data);
    if (d == NULL) {
        return -EBADMSG;
    }
    b = binding_get(s, key);
    if (b == NULL) {
        flotilla__v1__schedule_decision__free_unpacked(d, NULL);
        return -ENOMEM;
    }
    if (b->last != NULL) {
        flotilla__v1__schedule_decision__free_unpacked(b->last, NULL);
    }
    b->last = d;
    return 0;
}

/* Records an eviction request; returns the binding to decide, or NULL. */
static int
take_request(struct sched_actor_state *s, const struct actor_msg *m,
             char *key, size_t keylen, struct sa_binding **out)
{
    Flotilla__V1__EvictionRequest *q;
    char names[3][256];
    struct strmap_entry *e;
    struct sa_binding *b;
    struct sa_request *r;

    *out = NULL;
    if (bus_subject_names(m->subject, 2, names, 3) != 3) {
        return -EBADMSG;
    }
    binding_key(names[0], names[1], key, keylen);
    q = flotilla__v1__eviction_request__unpack(NULL, m->env->payload.len,
                                               m->env->payload.data);
    if (q == NULL) {
        return -EBADMSG;
    }
    b = binding_get(s, key);
    if (b == NULL) {
        flotilla__v1__eviction_request__free_unpacked(q, NULL);
        return -ENOMEM;
    }
    if (q->withdraw || tasks_has(b->last, names[2]) ||
        (b->last != NULL && !targets_has(b->last, names[2]))) {
        /* Withdrawn, already evicted, or nothing runs there. */
        request_free(util_strmap_del(&b->requests, names[2]));
        flotilla__v1__eviction_request__free_unpacked(q, NULL);
        *out = b;
        return 0;
    }
    e = util_strmap_put(&b->requests, names[2]);
    if (e == NULL) {
        flotilla__v1__eviction_request__free_unpacked(q, NULL);
        return -ENOMEM;
    }
    r = e->ptr;
    if (r == NULL) {
        r = calloc(1, sizeof(*r));
        if (r == NULL) {
            flotilla__v1__eviction_request__free_unpacked(q, NULL);
            return -ENOMEM;
        }
        e->ptr = r;
    } else {
        flotilla__v1__eviction_request__free_unpacked(r->req, NULL);
        free(r->stream);
    }
    r->req = q;
    r->seq = m->seq;
    r->stream = strdup(m->stream != NULL ? m->stream : "");
    *out = b;
    return 0;
}

/* A release with outcome Suppressed records a Never task; it releases nothing. */
static bool
release_suppressed(const struct actor_msg *m)
{
    Flotilla__V1__EvictionRelease *r = flotilla__v1__eviction_release__unpack(
        NULL, m->env->payload.len, m->env->payload.data);
    bool suppressed = r != NULL && r->outcome != NULL &&
                      strcmp(r->outcome, "Suppressed") == 0;

    if (r != NULL) {
        flotilla__v1__eviction_release__free_unpacked(r, NULL);
    }
    return suppressed;
}

static int
take_release(struct sched_actor_state *s, const struct actor_msg *m,
             int64_t now, struct actor_fx *fx)
{
    char names[3][256];
    char key[520];
    struct sa_binding *b;
    struct strmap_entry *e;
    struct draft dr;
    size_t k = 0;

    if (bus_subject_names(m->subject, 2, names, 3) != 3) {
        return -EBADMSG;
    }
    binding_key(names[0], names[1], key, sizeof(key));
    e = util_strmap_get(&s->bindings, key);
    b = e != NULL ? e->ptr : NULL;
    if (b == NULL || b->spec == NULL || !tasks_has(b->last, names[2])) {
        return 0;   /* already released, or unknown: idempotent */
    }
    if (release_suppressed(m)) {
        return 0;   /* Never: the task and the old copy stay */
    }
    sched_arena_reset(&s->work);
    if (draft_from_last(s, b, &dr) != 0) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < dr.n_tasks; i++) {
        if (strcmp(dr.tasks[i]->from_cluster, names[2]) != 0) {
            dr.tasks[k++] = dr.tasks[i];
        }
    }
    dr.n_tasks = k;
    dr.why = "old copy released";
    collect_blocked(s, b, &dr);
    (void)now;
    return publish(s, key, b, &dr, fx);
}

static int
publish_deleted(struct sa_binding *b, const char *key, const char *ns,
                const char *name, struct actor_fx *fx)
{
    Flotilla__V1__ScheduleDecision d = FLOTILLA__V1__SCHEDULE_DECISION__INIT;
    char subject[BUS_SUBJECT_MAX];

    d.namespace_ = (char *)ns;
    d.name = (char *)name;
    d.deleted = true;
    d.reason = "BindingDeleted";
    d.decision_seq = (b != NULL && b->last != NULL ? b->last->decision_seq : 0) + 1;
    bus_subject_build(subject, sizeof(subject), "binding.schedule", ns, name,
                      NULL);
    actor_fx_decision(fx, key, "binding deleted: placement withdrawn",
                      "BindingDeleted");
    (void)decision_event(key, "binding deleted: placement withdrawn",
                         "BindingDeleted", fx);
    return actor_fx_publish(fx, subject, key, "ScheduleDecision", &d.base,
                            ACTOR_PUB_OWNED | ACTOR_PUB_TOMBSTONE);
}

/* ---------------------------------------------------------------- core */

static int
sa_absorb(void *p, const struct actor_msg *m)
{
    struct sched_actor_state *s = p;
    struct sa_binding *b = NULL;
    char key[520];
    int rc;

    if (strncmp(m->subject, "cluster.", 8) == 0) {
        rc = take_cluster(s, m);
        return rc < 0 ? rc : 0;
    }
    if (strncmp(m->subject, "binding.spec.", 13) == 0) {
        rc = take_spec(s, m, key, sizeof(key), &b);
        if (rc == 1) {
            binding_free(util_strmap_del(&s->bindings, key));
        }
        return rc < 0 ? rc : 0;
    }
    if (strncmp(m->subject, "binding.schedule.", 17) == 0) {
        return take_own(s, m);
    }
    if (strncmp(m->subject, "binding.evict.", 14) == 0) {
        /* Own decisions are read before requests: a request that was
         * accepted is recognised by its task and dropped. */
        return take_request(s, m, key, sizeof(key), &b);
    }
    return 0;
}

static int
sa_handle(void *p, const struct actor_msg *m, int64_t now, struct actor_fx *fx)
{
    struct sched_actor_state *s = p;
    struct sa_binding *b = NULL;
    char key[520];
    int rc;

    if (strncmp(m->subject, "cluster.", 8) == 0) {
        rc = take_cluster(s, m);
        if (rc < 0) {
            return rc;
        }
        return rc == 0 ? 0 : decide_all(s, rc == 1, now, fx);
    }
    if (strncmp(m->subject, "binding.spec.", 13) == 0) {
        char names[2][256];

        rc = take_spec(s, m, key, sizeof(key), &b);
        if (rc < 0) {
            return rc;
        }
        if (rc == 1) {
            if (b == NULL || b->last == NULL || b->last->deleted) {
                binding_free(util_strmap_del(&s->bindings, key));
                return 0;
            }
            (void)bus_subject_names(m->subject, 2, names, 2);
            rc = publish_deleted(b, key, names[0], names[1], fx);
            binding_free(util_strmap_del(&s->bindings, key));
            return rc;
        }
        return decide(s, key, b, now, fx);
    }
    if (strncmp(m->subject, "binding.evict.", 14) == 0) {
        rc = take_request(s, m, key, sizeof(key), &b);
        if (rc < 0) {
            return rc;
        }
        return b != NULL ? decide(s, key, b, now, fx) : 0;
    }
    if (strncmp(m->subject, "binding.release.", 16) == 0) {
        return take_release(s, m, now, fx);
    }
    return 0;
}

static int
sa_timer(void *p, const char *name, int64_t now, struct actor_fx *fx)
{
    (void)p;
    (void)name;
    (void)now;
    (void)fx;
    return 0;
}

static bool
listed_blocked(const Flotilla__V1__ScheduleDecision *d, const char *cluster)
{
    for (size_t i = 0; d != NULL && i < d->n_blocked_evictions; i++) {
        if (strcmp(d->blocked_evictions[i]->cluster, cluster) == 0) {
            return true;
        }
    }
    return false;
}

/*
 * After a restart. Requests read back from the log are still waiting only
 * when the last decision lists them as blocked: those handled before are
 * done, and those never handled come again from the durable consumer.
 */
static int
sa_resume(void *p, int64_t now, struct actor_fx *fx)
{
    struct sched_actor_state *s = p;
    struct strmap_entry *e;
    size_t i = 0;

    while ((e = util_strmap_next(&s->bindings, &i)) != NULL) {
        struct sa_binding *b = e->ptr;
        struct strmap_entry *r;
        size_t k = 0;

        while ((r = util_strmap_next(&b->requests, &k)) != NULL) {
            struct sa_request *q = r->ptr;

            if (!listed_blocked(b->last, r->key)) {
                request_free(util_strmap_del(&b->requests, r->key));
            } else if (q->blocked == NULL) {
                /* Keep the reason it was blocked for, so nothing changes. */
                for (size_t j = 0; j < b->last->n_blocked_evictions; j++) {
                    const Flotilla__V1__BlockedEviction *be =
                        b->last->blocked_evictions[j];

                    if (strcmp(be->cluster, r->key) == 0) {
                        q->blocked = strdup(be->reason);
                        q->blocked_since_ns = be->since_ns;
                    }
                }
            }
        }
    }
    return decide_all(s, true, now, fx);
}

const struct actor_core sched_actor_core = {
    .name = "scheduler",
    .inputs = sa_inputs,
    .own_state = sa_own,
    .create = sa_create,
    .destroy = sa_destroy,
    .absorb = sa_absorb,
    .handle = sa_handle,
    .on_timer = sa_timer,
    .resume = sa_resume,
};

const Flotilla__V1__ScheduleDecision *
sched_actor_decision(struct sched_actor_state *s, const char *key)
{
    struct strmap_entry *e = util_strmap_get(&s->bindings, key);

    return e != NULL && e->ptr != NULL ? ((struct sa_binding *)e->ptr)->last
                                       : NULL;
}

size_t
sched_actor_reservations(struct sched_actor_state *s)
{
    return s->n_res - s->n_dead;
}
