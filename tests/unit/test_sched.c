/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the scheduler core (actors/scheduler): Webster, division
 * strategies, the full pass with its explanations, eviction exclusion,
 * assumed-workload deduction in a burst, group selection and the
 * clusterAffinities fall-through. Inputs are written as vector-style JSON
 * and decoded with sched/json.h, which is exercised along the way.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sched/core.h"
#include "sched/json.h"

struct problem {
    struct sched_arena a;
    struct sched_json_ctx cx;
    char err[256];
    struct sched_cluster *clusters;
    size_t n_clusters;
    struct sched_binding b;
    struct sched_input in;
    struct sched_decision d;
};

/* Decodes @clusters_json and @binding_json into @p. */
static void
problem_load(struct problem *p, const char *clusters_json,
             const char *binding_json)
{
    json_error_t jerr;
    json_t *c = json_loads(clusters_json, 0, &jerr);
    json_t *b = json_loads(binding_json, 0, &jerr);

    memset(p, 0, sizeof(*p));
    sched_arena_init(&p->a);
    p->cx.a = &p->a;
    p->cx.err = p->err;
    p->cx.errlen = sizeof(p->err);
    assert_non_null(c);
    assert_non_null(b);
    assert_int_equal(sched_json_clusters(&p->cx, c, "clusters", &p->clusters,
                                         &p->n_clusters), 0);
    assert_int_equal(sched_json_binding(&p->cx, b, "binding", &p->b), 0);
    json_decref(c);
    json_decref(b);
    p->in.clusters = p->clusters;
    p->in.n_clusters = p->n_clusters;
    p->in.binding = &p->b;
    sched_gates_init(&p->in.gates);
}

static int32_t
replicas_of(const struct sched_decision *d, const char *name)
{
    for (size_t i = 0; i < d->assignment.n; i++) {
        if (strcmp(d->assignment.items[i].name, name) == 0) {
            return d->assignment.items[i].replicas;
        }
    }
    return -1;
}

static const struct sched_verdict *
verdict_of(const struct sched_decision *d, const char *name)
{
    for (size_t i = 0; i < d->n_excluded; i++) {
        if (strcmp(d->excluded[i].cluster, name) == 0) {
            return &d->excluded[i];
        }
    }
    return NULL;
}

#define CLUSTER(name, pods)                                                    \
    "{\"name\":\"" name "\",\"resource_summary\":{\"allocatable\":"          \
    "{\"pods\":\"" pods "\",\"cpu\":\"100\"}}}"

static void
webster__gives_exact_ties_to_fewer_seats(void **state)
{
    struct sched_party p[] = {
        { "Gamma", 400, 0 }, { "Alpha", 1200, 0 }, { "Beta", 900, 0 },
    };

    (void)state;

    sched_webster(p, 3, 4, SCHED_TIE_ASCENDING);

    assert_string_equal(p[0].name, "Alpha");
    assert_int_equal(p[0].seats, 2);
    assert_int_equal(p[1].seats, 1);
    assert_int_equal(p[2].seats, 1);
}

static void
tie_from_uid__follows_fnv_parity(void **state)
{
    (void)state;

    assert_int_equal(sched_tie_from_uid(""), SCHED_TIE_ASCENDING);
    assert_int_equal(sched_tie_from_uid("4858ca61-3ff8-4095-8267-f3d059d8074c"),
                     SCHED_TIE_ASCENDING);
    assert_int_equal(sched_tie_from_uid("d43fdeeb-d750-4e2b-bee3-64eb94534f4c"),
                     SCHED_TIE_DESCENDING);
}

static void
schedule__duplicated_places_everywhere(void **state)
{
    struct problem p;
    int rc;

    (void)state;
    problem_load(&p, "[" CLUSTER("a", "10") "," CLUSTER("b", "10") "]",
                 "{\"replicas\":3,\"placement\":{}}");

    rc = sched_schedule(&p.a, &p.in, &p.d);

    assert_int_equal(rc, 0);
    assert_true(p.d.write);
    assert_int_equal(replicas_of(&p.d, "a"), 3);
    assert_int_equal(replicas_of(&p.d, "b"), 3);
    sched_arena_release(&p.a);
}

static void
schedule__explains_every_excluded_cluster(void **state)
{
    struct problem p;
    const struct sched_verdict *v;
    int rc;

    (void)state;
    problem_load(&p,
                 "[" CLUSTER("ok", "10") ","
                 "{\"name\":\"tainted\",\"taints\":[{\"key\":\"k\",\"value\":\"v\","
                 "\"effect\":\"NoSchedule\"}]},"
                 "{\"name\":\"other\",\"labels\":{\"env\":\"dev\"}},"
                 "{\"name\":\"leaving\"}]",
                 "{\"replicas\":1,\"placement\":{\"clusterAffinity\":{"
                 "\"exclude\":[\"other\"]}},"
                 "\"graceful_eviction_tasks\":[{\"fromCluster\":\"leaving\"}]}");

    rc = sched_schedule(&p.a, &p.in, &p.d);

    assert_int_equal(rc, 0);
    assert_int_equal(replicas_of(&p.d, "ok"), 1);
    v = verdict_of(&p.d, "tainted");
    assert_non_null(v);
    assert_string_equal(v->filter, "TaintToleration");
    assert_string_equal(v->reason, "cluster(s) had untolerated taint {k=v:NoSchedule}");
    v = verdict_of(&p.d, "other");
    assert_non_null(v);
    assert_string_equal(v->filter, "ClusterAffinity");
    v = verdict_of(&p.d, "leaving");
    assert_non_null(v);
    assert_string_equal(v->filter, "ClusterEviction");
    sched_arena_release(&p.a);
}

static void
schedule__no_fit_writes_an_empty_result(void **state)
{
    struct problem p;
    int rc;

    (void)state;
    problem_load(&p, "[{\"name\":\"a\"}]",
                 "{\"replicas\":1,\"clusters\":[{\"name\":\"a\",\"replicas\":1}],"
                 "\"placement\":{\"clusterAffinity\":{\"clusterNames\":[\"b\"]}}}");

    rc = sched_schedule(&p.a, &p.in, &p.d);

    assert_int_equal(rc, -ENODEV);
    assert_int_equal(p.d.error.outcome, SCHED_OUTCOME_NO_CLUSTER_FIT);
    assert_non_null(strstr(p.d.error.message, "0/1 clusters are available"));
    assert_true(p.d.write);
    assert_int_equal(p.d.assignment.n, 0);
    sched_arena_release(&p.a);
}

static void
schedule__moves_evicted_replicas_to_the_others(void **state)
{
    struct problem p;
    int rc;

    (void)state;
    /* Eviction removed "a" from spec.clusters and left a task behind. */
    problem_load(&p, "[" CLUSTER("a", "50") "," CLUSTER("b", "50") ","
                     CLUSTER("c", "50") "]",
                 "{\"replicas\":6,\"replica_requirements\":{\"resourceRequest\":"
                 "{\"cpu\":\"1\"}},\"clusters\":[{\"name\":\"b\",\"replicas\":2},"
                 "{\"name\":\"c\",\"replicas\":2}],"
                 "\"graceful_eviction_tasks\":[{\"fromCluster\":\"a\"}],"
                 "\"placement\":{\"replicaScheduling\":{\"replicaSchedulingType\":"
                 "\"Divided\",\"replicaDivisionPreference\":\"Weighted\","
                 "\"weightPreference\":{\"dynamicWeight\":\"AvailableReplicas\"}}}}");

    rc = sched_schedule(&p.a, &p.in, &p.d);

    assert_int_equal(rc, 0);
    assert_int_equal(replicas_of(&p.d, "a"), -1);
    assert_int_equal(replicas_of(&p.d, "b") + replicas_of(&p.d, "c"), 6);
    assert_true(replicas_of(&p.d, "b") >= 2 && replicas_of(&p.d, "c") >= 2);
    sched_arena_release(&p.a);
}

static void
schedule__burst_with_reservations_fills_10_and_5(void **state)
{
    struct sched_assumed assumed[16];
    struct sched_component comp[16];
    struct problem p;
    int on_big = 0, on_small = 0;
    int rc;

    (void)state;
    problem_load(&p, "[" CLUSTER("big", "10") "," CLUSTER("small", "5") "]",
                 "{\"replicas\":1,\"replica_requirements\":{\"resourceRequest\":"
                 "{\"cpu\":\"1\"}},\"placement\":{\"replicaScheduling\":{"
                 "\"replicaSchedulingType\":\"Divided\","
                 "\"replicaDivisionPreference\":\"Aggregated\"}}}");
    p.in.gates.overcommit_protection = true;
    p.in.assumed = assumed;

    for (int i = 0; i < 15; i++) {
        rc = sched_schedule(&p.a, &p.in, &p.d);
        assert_int_equal(rc, 0);
        assert_int_equal(p.d.assignment.n, 1);
        comp[i] = (struct sched_component){ "", 1, true, p.b.requests };
        assumed[i] = (struct sched_assumed){ p.d.assignment.items[0].name, "",
                                             &comp[i], 1 };
        p.in.n_assumed = (size_t)i + 1;
        if (strcmp(p.d.assignment.items[0].name, "big") == 0) {
            on_big++;
        } else {
            on_small++;
        }
    }
    rc = sched_schedule(&p.a, &p.in, &p.d);

    assert_int_equal(on_big, 10);
    assert_int_equal(on_small, 5);
    assert_int_equal(rc, -ENOSPC);
    assert_int_equal(p.d.error.outcome, SCHED_OUTCOME_UNSCHEDULABLE);
    assert_false(p.d.write);
    sched_arena_release(&p.a);
}

static void
schedule__static_weights_divide_by_weight(void **state)
{
    struct problem p;
    int rc;

    (void)state;
    problem_load(&p, "[" CLUSTER("a", "10") "," CLUSTER("b", "10") "]",
                 "{\"replicas\":9,\"placement\":{\"replicaScheduling\":{"
                 "\"replicaSchedulingType\":\"Divided\","
                 "\"replicaDivisionPreference\":\"Weighted\",\"weightPreference\":"
                 "{\"staticWeightList\":[{\"targetCluster\":{\"clusterNames\":[\"a\"]},"
                 "\"weight\":2},{\"targetCluster\":{\"clusterNames\":[\"b\"]},"
                 "\"weight\":1}]}}}}");

    rc = sched_schedule(&p.a, &p.in, &p.d);

    assert_int_equal(rc, 0);
    assert_int_equal(replicas_of(&p.d, "a"), 6);
    assert_int_equal(replicas_of(&p.d, "b"), 3);
    sched_arena_release(&p.a);
}

static void
schedule__region_spread_picks_one_cluster_per_region(void **state)
{
    struct problem p;
    int rc;

    (void)state;
    problem_load(&p,
                 "[{\"name\":\"a1\",\"region\":\"r1\",\"resource_summary\":{\"allocatable\":{\"pods\":\"10\"}}},"
                 "{\"name\":\"a2\",\"region\":\"r1\",\"resource_summary\":{\"allocatable\":{\"pods\":\"20\"}}},"
                 "{\"name\":\"b1\",\"region\":\"r2\",\"resource_summary\":{\"allocatable\":{\"pods\":\"10\"}}},"
                 "{\"name\":\"c1\"}]",
                 "{\"replicas\":4,\"placement\":{\"spreadConstraints\":["
                 "{\"spreadByField\":\"region\",\"minGroups\":2,\"maxGroups\":2},"
                 "{\"spreadByField\":\"cluster\",\"minGroups\":2,\"maxGroups\":2}],"
                 "\"replicaScheduling\":{\"replicaSchedulingType\":\"Divided\","
                 "\"replicaDivisionPreference\":\"Aggregated\"}}}");

    rc = sched_schedule(&p.a, &p.in, &p.d);

    assert_int_equal(rc, 0);
    assert_int_equal(replicas_of(&p.d, "a1"), -1);
    assert_true(replicas_of(&p.d, "a2") > 0 || replicas_of(&p.d, "b1") > 0);
    assert_string_equal(verdict_of(&p.d, "c1")->filter, "SpreadConstraint");
    assert_string_equal(verdict_of(&p.d, "a1")->filter, "SpreadConstraint");
    sched_arena_release(&p.a);
}

static void
schedule__affinities_fall_through_to_the_next_term(void **state)
{
    struct problem p;
    int rc;

    (void)state;
    problem_load(&p, "[{\"name\":\"a\",\"taints\":[{\"key\":\"down\",\"effect\":"
                     "\"NoExecute\"}]}," CLUSTER("b", "5") "]",
                 "{\"replicas\":1,\"placement\":{\"clusterAffinities\":["
                 "{\"affinityName\":\"primary\",\"clusterNames\":[\"a\"]},"
                 "{\"affinityName\":\"backup\",\"clusterNames\":[\"b\"]}]}}");

    rc = sched_schedule(&p.a, &p.in, &p.d);

    assert_int_equal(rc, 0);
    assert_int_equal(p.d.n_tried, 2);
    assert_string_equal(p.d.observed_affinity, "backup");
    assert_int_equal(replicas_of(&p.d, "b"), 1);
    sched_arena_release(&p.a);
}

static void
schedule__unsupported_strategy_is_an_error(void **state)
{
    struct problem p;
    int rc;

    (void)state;
    problem_load(&p, "[" CLUSTER("a", "5") "]",
                 "{\"replicas\":1,\"placement\":{\"replicaScheduling\":{"
                 "\"replicaSchedulingType\":\"Divided\","
                 "\"replicaDivisionPreference\":\"Sideways\"}}}");

    rc = sched_schedule(&p.a, &p.in, &p.d);

    assert_int_equal(rc, -EINVAL);
    assert_false(p.d.write);
    assert_non_null(strstr(p.d.error.message, "unsupported replica scheduling strategy"));
    sched_arena_release(&p.a);
}

static void
select_groups__prefers_the_heaviest_combination(void **state)
{
    struct sched_group g[] = {
        { "R1", 1, 60 }, { "R2", 2, 50 }, { "R3", 3, 40 }, { "R4", 4, 30 },
    };
    struct sched_group *out = NULL;
    struct sched_arena a;
    size_t n = 0;

    (void)state;
    sched_arena_init(&a);

    assert_int_equal(sched_select_groups(&a, g, 4, 1, 2, 5, &out, &n), 0);

    assert_int_equal(n, 2);
    assert_string_equal(out[0].name, "R1");
    assert_string_equal(out[1].name, "R4");
    sched_arena_release(&a);
}

static void
estimate_general__takes_the_tightest_resource(void **state)
{
    struct problem p;
    int64_t est;

    (void)state;
    problem_load(&p,
                 "[{\"name\":\"a\",\"resource_summary\":{\"allocatable\":{"
                 "\"pods\":\"100\",\"cpu\":\"4\",\"memory\":\"8Gi\"},\"allocated\":"
                 "{\"cpu\":\"1\",\"memory\":\"6Gi\"}}}]",
                 "{\"replicas\":1,\"replica_requirements\":{\"resourceRequest\":"
                 "{\"cpu\":\"500m\",\"memory\":\"1Gi\"}}}");

    est = sched_estimate_general(&p.a, &p.clusters[0], &p.b, NULL, 0,
                                 &p.in.gates);

    assert_int_equal(est, 2);
    sched_arena_release(&p.a);
}

static void
json_binding__names_the_bad_field(void **state)
{
    struct sched_arena a;
    struct sched_json_ctx cx;
    struct sched_binding b;
    char err[256];
    json_t *j;
    int rc;

    (void)state;
    sched_arena_init(&a);
    cx = (struct sched_json_ctx){ &a, err, sizeof(err) };
    j = json_loads("{\"placement\":{\"spreadConstraints\":[{\"spreadByField\":"
                   "\"galaxy\"}]}}", 0, NULL);

    rc = sched_json_binding(&cx, j, "binding", &b);

    assert_int_equal(rc, -EINVAL);
    assert_non_null(strstr(err, "binding.placement.spreadConstraints[0].spreadByField"));
    json_decref(j);
    sched_arena_release(&a);
}

static void
arena__serves_large_and_many_allocations(void **state)
{
    struct sched_arena a;
    char *big;

    (void)state;
    sched_arena_init(&a);

    for (int i = 0; i < 10000; i++) {
        int *x = sched_arena_alloc(&a, sizeof(int));

        assert_non_null(x);
        assert_int_equal(*x, 0);
        *x = i;
    }
    big = sched_arena_alloc(&a, 1 << 20);
    assert_non_null(big);
    big[(1 << 20) - 1] = 1;
    sched_arena_reset(&a);
    assert_non_null(sched_arena_strdup(&a, "again"));
    sched_arena_release(&a);
}

/* Two versions of the same cluster set, decoded into one problem. */
static void
two_versions(struct problem *p, const char *old_json, const char *new_json,
             const char *binding_json, struct sched_cluster **old_c,
             struct sched_cluster **new_c)
{
    char both[2048];

    snprintf(both, sizeof(both), "[%s,%s]", old_json, new_json);
    problem_load(p, both, binding_json);
    *old_c = &p->clusters[0];
    *new_c = &p->clusters[1];
}

static void
binding_affected__summary_only_moves_only_unschedulable(void **state)
{
    struct sched_cluster *o, *n;
    struct problem p;
    unsigned change;

    (void)state;
    two_versions(&p, CLUSTER("a", "10"), CLUSTER("a", "20"),
                 "{\"replicas\":1,\"clusters\":[{\"name\":\"a\",\"replicas\":1}]}",
                 &o, &n);

    change = sched_cluster_diff(o, n);

    assert_int_equal(change, SCHED_CHANGE_SUMMARY);
    assert_false(sched_binding_affected(&p.b, o, n, change, false));
    assert_true(sched_binding_affected(&p.b, o, n, change, true));
    assert_int_equal(sched_cluster_diff(o, o), 0);
    sched_arena_release(&p.a);
}

static void
binding_affected__taints_move_bindings_that_target_the_cluster(void **state)
{
    struct sched_cluster *o, *n;
    struct problem p;
    unsigned change;

    (void)state;
    two_versions(&p, "{\"name\":\"a\"}",
                 "{\"name\":\"a\",\"taints\":[{\"key\":\"k\",\"effect\":\"NoExecute\"}]}",
                 "{\"replicas\":1,\"clusters\":[{\"name\":\"a\",\"replicas\":1}]}",
                 &o, &n);

    change = sched_cluster_diff(o, n);

    assert_int_equal(change, SCHED_CHANGE_TAINTS);
    assert_true(sched_binding_affected(&p.b, o, n, change, false));
    p.b.n_targets = 0;
    assert_false(sched_binding_affected(&p.b, o, n, change, false));
    sched_arena_release(&p.a);
}

static void
binding_affected__new_cluster_moves_bindings_whose_affinity_matches(void **state)
{
    struct sched_cluster *o, *n;
    struct problem p;

    (void)state;
    two_versions(&p, "{\"name\":\"x\",\"labels\":{\"env\":\"dev\"}}",
                 "{\"name\":\"y\",\"labels\":{\"env\":\"prod\"}}",
                 "{\"replicas\":1,\"placement\":{\"clusterAffinity\":{\"labelSelector\":"
                 "{\"matchLabels\":{\"env\":\"prod\"}}}}}",
                 &o, &n);

    assert_int_equal(sched_cluster_diff(NULL, n), SCHED_CHANGE_ADDED);
    assert_true(sched_binding_affected(&p.b, NULL, n, SCHED_CHANGE_ADDED, false));
    assert_false(sched_binding_affected(&p.b, NULL, o, SCHED_CHANGE_ADDED, false));
    assert_int_equal(sched_cluster_diff(o, NULL), SCHED_CHANGE_REMOVED);
    sched_arena_release(&p.a);
}

static void
placement_validate__names_the_bad_field(void **state)
{
    struct problem p;
    char err[256];
    int rc;

    (void)state;
    problem_load(&p, "[]",
                 "{\"placement\":{\"spreadConstraints\":[{\"spreadByField\":\"region\","
                 "\"minGroups\":3,\"maxGroups\":2}]}}");

    rc = sched_placement_validate(&p.b.placement, err, sizeof(err));

    assert_int_equal(rc, -EINVAL);
    assert_non_null(strstr(err, "placement.spreadConstraints[0].maxGroups"));
    p.b.placement.spreads[0].max_groups = 3;
    rc = sched_placement_validate(&p.b.placement, err, sizeof(err));
    assert_int_equal(rc, -EINVAL);
    assert_non_null(strstr(err, "a 'cluster' constraint is required"));
    sched_arena_release(&p.a);
}

static void
placement_validate__accepts_a_karmada_policy(void **state)
{
    struct problem p;
    char err[256];

    (void)state;
    problem_load(&p, "[]",
                 "{\"placement\":{\"clusterAffinities\":[{\"affinityName\":\"a\","
                 "\"clusterNames\":[\"x\"],\"overflowAffinities\":[{\"clusterNames\":[\"y\"]}]}],"
                 "\"spreadConstraints\":[{\"spreadByField\":\"cluster\",\"minGroups\":1,"
                 "\"maxGroups\":2}],\"replicaScheduling\":{\"replicaSchedulingType\":"
                 "\"Divided\",\"replicaDivisionPreference\":\"Aggregated\"}}}");

    assert_int_equal(sched_placement_validate(&p.b.placement, err, sizeof(err)), 0);
    sched_arena_release(&p.a);
}

static void
select_groups__gives_up_on_an_exponential_enumeration(void **state)
{
    struct sched_group g[40];
    struct sched_group *out = NULL;
    struct sched_arena a;
    size_t n = 0;

    (void)state;
    sched_arena_init(&a);
    for (int i = 0; i < 40; i++) {
        g[i] = (struct sched_group){ sched_arena_printf(&a, "R%02d", i), 1, 10 };
    }

    assert_int_equal(sched_select_groups(&a, g, 40, 1, 40, 1000, &out, &n),
                     -E2BIG);
    assert_int_equal(n, 0);
    sched_arena_release(&a);
}

/* The rule of §10 written as plainly as possible: one seat at a time. */
static void
webster_reference(struct sched_party *p, size_t n, int64_t seats, bool desc)
{
    for (int64_t s = 0; s < seats; s++) {
        size_t best = 0;

        for (size_t i = 1; i < n; i++) {
            double a = (double)p[i].votes / (double)(2 * p[i].seats + 1);
            double b = (double)p[best].votes / (double)(2 * p[best].seats + 1);
            int c = strcmp(p[i].name, p[best].name);

            if (a > b || (a == b && (p[i].seats < p[best].seats ||
                                     (p[i].seats == p[best].seats &&
                                      (desc ? c > 0 : c < 0))))) {
                best = i;
            }
        }
        p[best].seats++;
    }
}

static void
webster__large_seat_counts_match_the_per_seat_rule(void **state)
{
    static const char *const names[] = { "a", "b", "c", "d", "e", "f", "g",
                                         "h", "i", "j", "k", "l" };
    uint64_t x = 12345;

    (void)state;

    for (int round = 0; round < 300; round++) {
        struct sched_party p[12], q[12];
        size_t n = 1 + (size_t)(round % 12);
        int64_t seats = 50 + (int64_t)(round * 37 % 2000);
        bool desc = round % 2 == 1;

        for (size_t i = 0; i < n; i++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            /* Small vote values make exact priority ties common. */
            p[i] = (struct sched_party){ names[i],
                                         round % 3 == 0 ? (int64_t)(x >> 60) % 4
                                                        : (int64_t)(x >> 40) % 1000,
                                         round % 5 == 0 ? (int64_t)(x >> 58) % 3 : 0 };
            q[i] = p[i];
        }
        sched_webster(p, n, seats,
                      desc ? SCHED_TIE_DESCENDING : SCHED_TIE_ASCENDING);
        webster_reference(q, n, seats, desc);
        for (size_t i = 0; i < n; i++) {
            assert_string_equal(p[i].name, q[i].name);
            assert_int_equal(p[i].seats, q[i].seats);
        }
    }
}

static void
webster__hands_out_a_billion_seats_quickly(void **state)
{
    struct sched_party p[] = { { "a", 3, 0 }, { "b", 2, 0 }, { "c", 1, 0 } };

    (void)state;

    sched_webster(p, 3, 1200000000, SCHED_TIE_ASCENDING);

    assert_int_equal(p[0].seats + p[1].seats + p[2].seats, 1200000000);
    assert_int_equal(p[0].seats, 600000000);
    assert_int_equal(p[1].seats, 400000000);
}

static void
summary_prepare__gives_the_same_estimates(void **state)
{
    struct problem p;
    int64_t before[3], after[3];

    (void)state;
    problem_load(&p,
                 "[{\"name\":\"a\",\"resource_summary\":{\"allocatable\":{\"pods\":\"50\","
                 "\"cpu\":\"7500m\",\"memory\":\"10Gi\"},\"allocated\":{\"cpu\":\"1.2\","
                 "\"memory\":\"3Gi\",\"pods\":\"4\"},\"allocating\":{\"cpu\":\"300m\"}}},"
                 "{\"name\":\"b\",\"resource_summary\":{\"allocatable\":{\"pods\":\"5\","
                 "\"cpu\":\"64\"}}},"
                 "{\"name\":\"c\",\"resource_summary\":{\"allocatable\":{\"pods\":\"9\","
                 "\"cpu\":\"1\"},\"allocated\":{\"pods\":\"12\"}}}]",
                 "{\"replicas\":3,\"replica_requirements\":{\"resourceRequest\":"
                 "{\"cpu\":\"250m\",\"memory\":\"512Mi\"}}}");

    for (int i = 0; i < 3; i++) {
        before[i] = sched_estimate_general(&p.a, &p.clusters[i], &p.b, NULL, 0,
                                           &p.in.gates);
        assert_int_equal(sched_summary_prepare(&p.a, &p.clusters[i].summary), 0);
        after[i] = sched_estimate_general(&p.a, &p.clusters[i], &p.b, NULL, 0,
                                          &p.in.gates);
    }

    assert_int_equal(before[0], 14);
    assert_int_equal(before[1], 0);
    assert_int_equal(before[2], 0);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(after[i], before[i]);
    }
    sched_arena_release(&p.a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(webster__gives_exact_ties_to_fewer_seats),
        cmocka_unit_test(tie_from_uid__follows_fnv_parity),
        cmocka_unit_test(webster__large_seat_counts_match_the_per_seat_rule),
        cmocka_unit_test(webster__hands_out_a_billion_seats_quickly),
        cmocka_unit_test(schedule__duplicated_places_everywhere),
        cmocka_unit_test(schedule__explains_every_excluded_cluster),
        cmocka_unit_test(schedule__no_fit_writes_an_empty_result),
        cmocka_unit_test(schedule__moves_evicted_replicas_to_the_others),
        cmocka_unit_test(schedule__burst_with_reservations_fills_10_and_5),
        cmocka_unit_test(schedule__static_weights_divide_by_weight),
        cmocka_unit_test(schedule__region_spread_picks_one_cluster_per_region),
        cmocka_unit_test(schedule__affinities_fall_through_to_the_next_term),
        cmocka_unit_test(schedule__unsupported_strategy_is_an_error),
        cmocka_unit_test(select_groups__prefers_the_heaviest_combination),
        cmocka_unit_test(select_groups__gives_up_on_an_exponential_enumeration),
        cmocka_unit_test(estimate_general__takes_the_tightest_resource),
        cmocka_unit_test(summary_prepare__gives_the_same_estimates),
        cmocka_unit_test(json_binding__names_the_bad_field),
        cmocka_unit_test(arena__serves_large_and_many_allocations),
        cmocka_unit_test(placement_validate__names_the_bad_field),
        cmocka_unit_test(placement_validate__accepts_a_karmada_policy),
        cmocka_unit_test(binding_affected__summary_only_moves_only_unschedulable),
        cmocka_unit_test(binding_affected__taints_move_bindings_that_target_the_cluster),
        cmocka_unit_test(binding_affected__new_cluster_moves_bindings_whose_affinity_matches),
    };

    return cmocka_run_group_tests_name("sched.core", tests, NULL, NULL);
}
