/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flotilla-bench scheduler: the scheduler core alone (no bus). 100 clusters
 * in 5 regions with resource summaries; 10,000 bindings mixing duplicated,
 * static-weight, dynamic-weight and aggregated placements, half of them
 * with a region spread constraint. Every binding is decided once per run
 * (sched_schedule, arena reset between decisions); the figures are
 * decisions per second, p50/p99 latency of one decision, and memory per
 * binding, each the median of several runs.
 *
 * TODO: the end-to-end figure (binding spec published -> decision consumed
 * through NATS) needs the scheduler actor on the bus; until it exists this
 * benchmark reports the core only and says so.
 */
#include "bench.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sched/core.h"

#define REGIONS 5

struct world {
    struct sched_arena a;
    struct sched_cluster *clusters;
    size_t n_clusters;
    struct sched_binding *bindings;
    size_t n_bindings;
    size_t binding_bytes; /* arena bytes of the binding inputs */
};

static uint64_t
rng_next(uint64_t *s)
{
    /* splitmix64: deterministic inputs for comparable runs. */
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int64_t
rng_range(uint64_t *s, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(rng_next(s) % (uint64_t)(hi - lo + 1));
}

static struct sched_resource_list
resources(struct sched_arena *a, int64_t cpu_milli, int64_t mem_mi, int64_t pods)
{
    struct sched_resource_list l;

    l.items = sched_arena_alloc(a, 3 * sizeof(*l.items));
    l.n = 0;
    if (l.items == NULL) {
        return l;
    }
    l.items[0].name = "cpu";
    util_quantity_from_milli(&l.items[0].q, cpu_milli);
    l.items[1].name = "memory";
    util_quantity_from_int(&l.items[1].q, mem_mi * 1024 * 1024);
    l.items[1].q.format = UTIL_QUANTITY_BINARY_SI;
    l.n = 2;
    if (pods >= 0) {
        l.items[2].name = "pods";
        util_quantity_from_int(&l.items[2].q, pods);
        l.n = 3;
    }
    return l;
}

static int
build_clusters(struct world *w, uint64_t *seed)
{
    static const char *const regions[REGIONS] = { "eu-west", "eu-central",
                                                  "us-east", "us-west",
                                                  "ap-south" };
    static const char *kinds[] = { "Deployment", "StatefulSet" };
    struct sched_api *api;

    w->clusters = sched_arena_alloc(&w->a, w->n_clusters * sizeof(*w->clusters));
    api = sched_arena_alloc(&w->a, sizeof(*api));
    if (w->clusters == NULL || api == NULL) {
        return -ENOMEM;
    }
    *api = (struct sched_api){ "apps/v1", kinds, 2 };
    for (size_t i = 0; i < w->n_clusters; i++) {
        struct sched_cluster *c = &w->clusters[i];
        int64_t cpu = rng_range(seed, 64, 512) * 1000;
        int64_t mem = rng_range(seed, 256, 2048) * 1024;
        const char **zones = sched_arena_alloc(&w->a, sizeof(*zones));
        struct sched_label *labels = sched_arena_alloc(&w->a, 2 * sizeof(*labels));

        if (zones == NULL || labels == NULL) {
            return -ENOMEM;
        }
        c->name = sched_arena_printf(&w->a, "member-%03zu", i);
        c->region = regions[i % REGIONS];
        c->provider = i % 2 ? "aws" : "gcp";
        zones[0] = sched_arena_printf(&w->a, "%s-%c", c->region, 'a' + (int)(i / REGIONS % 3));
        c->zones = zones;
        c->n_zones = 1;
        labels[0] = (struct sched_label){ "env", i % 4 == 0 ? "staging" : "prod" };
        labels[1] = (struct sched_label){ "tier", i % 3 == 0 ? "gold" : "silver" };
        c->labels = labels;
        c->n_labels = 2;
        c->apis = api;
        c->n_apis = 1;
        c->has_summary = true;
        c->summary.allocatable = resources(&w->a, cpu, mem, 110 * 40);
        c->summary.allocated = resources(&w->a, cpu * rng_range(seed, 10, 70) / 100,
                                         mem * rng_range(seed, 10, 70) / 100,
                                         rng_range(seed, 100, 2000));
        /* As the actor does when a summary arrives. */
        if (sched_summary_prepare(&w->a, &c->summary) != 0) {
            return -ENOMEM;
        }
        if (i % 20 == 7) {
            struct sched_taint *t = sched_arena_alloc(&w->a, sizeof(*t));

            if (t == NULL) {
                return -ENOMEM;
            }
            *t = (struct sched_taint){ "node.kubernetes.io/maintenance", "",
                                       "NoSchedule" };
            c->taints = t;
            c->n_taints = 1;
        }
    }
    return 0;
}

static int
add_spread(struct sched_arena *a, struct sched_placement *p)
{
    struct sched_spread *s = sched_arena_alloc(a, 2 * sizeof(*s));

    if (s == NULL) {
        return -ENOMEM;
    }
    s[0] = (struct sched_spread){ SCHED_SPREAD_REGION, "", 3, 2 };
    s[1] = (struct sched_spread){ SCHED_SPREAD_CLUSTER, "", 10, 3 };
    p->spreads = s;
    p->n_spreads = 2;
    return 0;
}

static int
build_binding(struct world *w, size_t i, uint64_t *seed)
{
    struct sched_binding *b = &w->bindings[i];
    struct sched_placement *p = &b->placement;
    int kind = (int)(i % 4);
    bool spread = (i / 4) % 2 == 1;

    b->uid = sched_arena_printf(&w->a, "uid-%08zx", i * 2654435761u);
    b->namespace = "bench";
    b->name = sched_arena_printf(&w->a, "app-%05zu-deployment", i);
    b->api_version = "apps/v1";
    b->kind = "Deployment";
    b->observed_affinity = "";
    b->has_placement = true;
    b->has_requirements = true;
    b->requests = resources(&w->a, rng_range(seed, 1, 8) * 250,
                            rng_range(seed, 1, 8) * 256, -1);
    if (b->requests.items == NULL || b->uid == NULL || b->name == NULL) {
        return -ENOMEM;
    }
    switch (kind) {
    case 0: { /* Duplicated onto the gold tier (about a third). */
        struct sched_affinity *aff = sched_arena_alloc(&w->a, sizeof(*aff));
        struct sched_label *ml = sched_arena_alloc(&w->a, sizeof(*ml));

        if (aff == NULL || ml == NULL) {
            return -ENOMEM;
        }
        *ml = (struct sched_label){ "tier", "gold" };
        aff->labels.present = true;
        aff->labels.match_labels = ml;
        aff->labels.n_match_labels = 1;
        p->cluster_affinity = aff;
        b->replicas = (int32_t)rng_range(seed, 1, 5);
        break;
    }
    case 1: { /* Static weights per region. */
        struct sched_static_weight *sw =
            sched_arena_alloc(&w->a, 3 * sizeof(*sw));
        static const char *const r[3][1] = { { "eu-west" }, { "us-east" },
                                             { "ap-south" } };

        if (sw == NULL) {
            return -ENOMEM;
        }
        for (int k = 0; k < 3; k++) {
            sw[k].weight = k + 1;
            sw[k].target.has_field_selector = true;
            sw[k].target.fields = sched_arena_alloc(&w->a, sizeof(struct sched_requirement));
            if (sw[k].target.fields == NULL) {
                return -ENOMEM;
            }
            sw[k].target.fields[0] = (struct sched_requirement){
                "region", SCHED_OP_IN, (const char **)r[k], 1 };
            sw[k].target.n_fields = 1;
        }
        p->has_replica_scheduling = true;
        p->rs_type = "Divided";
        p->division = "Weighted";
        p->has_weight_preference = true;
        p->static_weights = sw;
        p->n_static_weights = 3;
        p->dynamic_weight = "";
        b->replicas = (int32_t)rng_range(seed, 6, 30);
        break;
    }
    case 2: /* Dynamic weights by available replicas. */
        p->has_replica_scheduling = true;
        p->rs_type = "Divided";
        p->division = "Weighted";
        p->has_weight_preference = true;
        p->dynamic_weight = "AvailableReplicas";
        b->replicas = (int32_t)rng_range(seed, 10, 100);
        break;
    default: /* Aggregated. */
        p->has_replica_scheduling = true;
        p->rs_type = "Divided";
        p->division = "Aggregated";
        b->replicas = (int32_t)rng_range(seed, 10, 100);
        break;
    }
    if (spread && add_spread(&w->a, p) != 0) {
        return -ENOMEM;
    }
    return 0;
}

static int
world_build(struct world *w, size_t n_clusters, size_t n_bindings)
{
    uint64_t seed = 42;
    size_t before;
    int rc;

    sched_arena_init(&w->a);
    w->n_clusters = n_clusters;
    w->n_bindings = n_bindings;
    rc = build_clusters(w, &seed);
    if (rc != 0) {
        return rc;
    }
    before = sched_arena_used(&w->a);
    w->bindings = sched_arena_alloc(&w->a, n_bindings * sizeof(*w->bindings));
    if (w->bindings == NULL) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < n_bindings; i++) {
        if ((rc = build_binding(w, i, &seed)) != 0) {
            return rc;
        }
    }
    w->binding_bytes = sched_arena_used(&w->a) - before;
    return 0;
}

static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
cpu_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct run {
    double rate;
    double cpu_rate; /* decisions per second of this thread's CPU time */
    double p50_us;
    double p99_us;
    double result_bytes; /* mean arena bytes of one decision's result+scratch */
    size_t failed;
};

static int
run_once(struct world *w, double *lat, struct run *r)
{
    struct sched_arena scratch;
    double t0, t1, c0, c1, total_bytes = 0;
    size_t failed = 0;

    sched_arena_init(&scratch);
    c0 = cpu_s();
    t0 = now_s();
    for (size_t i = 0; i < w->n_bindings; i++) {
        struct sched_input in;
        struct sched_decision d;
        double s = now_s();
        int rc;

        memset(&in, 0, sizeof(in));
        in.clusters = w->clusters;
        in.n_clusters = w->n_clusters;
        in.binding = &w->bindings[i];
        sched_gates_init(&in.gates);
        rc = sched_schedule(&scratch, &in, &d);
        lat[i] = now_s() - s;
        if (rc == -ENOMEM) {
            sched_arena_release(&scratch);
            return rc;
        }
        failed += rc != 0;
        total_bytes += (double)sched_arena_used(&scratch);
        sched_arena_reset(&scratch);
    }
    t1 = now_s();
    c1 = cpu_s();
    sched_arena_release(&scratch);
    r->rate = (double)w->n_bindings / (t1 - t0);
    r->cpu_rate = (double)w->n_bindings / (c1 - c0);
    r->failed = failed;
    r->result_bytes = total_bytes / (double)w->n_bindings;
    r->p50_us = 0;
    r->p99_us = 0;
    bench_median(lat, (int)w->n_bindings); /* sorts */
    r->p50_us = lat[w->n_bindings / 2] * 1e6;
    r->p99_us = lat[w->n_bindings * 99 / 100] * 1e6;
    return 0;
}

static void
usage(FILE *f)
{
    fprintf(f, "usage: flotilla-bench scheduler [--runs N] [--bindings N] [--clusters N]\n"
               "                                 [--core-only]\n\n"
               "Decides every binding with the scheduler core alone and prints\n"
               "decisions/s, p50/p99 latency and memory per binding (medians of\n"
               "N runs, default 5; 10000 bindings on 100 clusters in 5 regions),\n"
               "then the same bindings end to end through NATS and the scheduler\n"
               "actor (unless --core-only).\n");
}

int
bench_scheduler(int argc, char **argv)
{
    size_t runs = 5, n_bindings = 10000, n_clusters = 100;
    double *rate = NULL, *p50 = NULL, *p99 = NULL, *mem = NULL, *lat = NULL;
    double *cpu = NULL;
    struct world w;
    size_t failed = 0;
    bool e2e = true;
    int rc = 0;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
            runs = strtoul(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--bindings") == 0 && i + 1 < argc) {
            n_bindings = strtoul(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--clusters") == 0 && i + 1 < argc) {
            n_clusters = strtoul(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--core-only") == 0) {
            e2e = false;
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (runs == 0 || n_bindings == 0 || n_clusters < REGIONS) {
        usage(stderr);
        return 2;
    }
    memset(&w, 0, sizeof(w));
    rate = calloc(runs, sizeof(double));
    p50 = calloc(runs, sizeof(double));
    p99 = calloc(runs, sizeof(double));
    mem = calloc(runs, sizeof(double));
    cpu = calloc(runs, sizeof(double));
    lat = calloc(n_bindings, sizeof(double));
    if (rate == NULL || cpu == NULL || p50 == NULL || p99 == NULL || mem == NULL || lat == NULL ||
        world_build(&w, n_clusters, n_bindings) != 0) {
        fprintf(stderr, "flotilla-bench scheduler: out of memory\n");
        rc = 1;
        goto out;
    }
    printf("scheduler core: %zu clusters in %d regions, %zu bindings "
           "(duplicated/static/dynamic/aggregated, half with region spread), %zu runs\n",
           n_clusters, REGIONS, n_bindings, runs);
    for (size_t r = 0; r < runs; r++) {
        struct run one;

        if (run_once(&w, lat, &one) != 0) {
            fprintf(stderr, "flotilla-bench scheduler: out of memory\n");
            rc = 1;
            goto out;
        }
        rate[r] = one.rate;
        cpu[r] = one.cpu_rate;
        p50[r] = one.p50_us;
        p99[r] = one.p99_us;
        mem[r] = one.result_bytes;
        failed = one.failed;
        printf("  run %zu: %.0f decisions/s  p50 %.1f us  p99 %.1f us\n", r + 1,
               one.rate, one.p50_us, one.p99_us);
    }
    printf("core decisions/s      %.0f (median of %zu; target >= 50000)\n",
           bench_median(rate, (int)runs), runs);
    printf("core decisions/CPU-s  %.0f (the same per second of CPU time: what the\n"
           "                      wall figure would be without other load on the machine)\n",
           bench_median(cpu, (int)runs));
    printf("core latency p50      %.1f us\n", bench_median(p50, (int)runs));
    printf("core latency p99      %.1f us\n", bench_median(p99, (int)runs));
    printf("memory per binding    %.0f B input (binding + placement), %.0f B "
           "per decision (result + scratch, freed after publishing)\n",
           (double)w.binding_bytes / (double)n_bindings,
           bench_median(mem, (int)runs));
    printf("unschedulable         %zu of %zu bindings (capacity or spread)\n",
           failed, n_bindings);
    if (e2e) {
        rc = bench_sched_e2e(n_clusters, n_bindings, runs);
    }
out:
    sched_arena_release(&w.a);
    free(rate);
    free(cpu);
    free(p50);
    free(p99);
    free(mem);
    free(lat);
    return rc;
}
