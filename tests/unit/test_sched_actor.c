/* SPDX-License-Identifier: Apache-2.0 */
/* The scheduler actor on the virtual clock: triggers, two-phase evictions,
 * reservations in a burst, restarts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actor/sim.h"
#include "bus/subject.h"
#include "sched/actor.h"
#include "util/time.h"

#define T0 (1000 * NS_PER_S)

struct world {
    struct actor_sim *sim;
    int64_t summary_ns;
};

static void
publish(struct world *w, const char *prefix, const char *a, const char *b,
        const char *c, const char *type, const ProtobufCMessage *msg)
{
    char subject[BUS_SUBJECT_MAX];

    bus_subject_build(subject, sizeof(subject), prefix, a, b, c);
    assert_int_equal(actor_sim_publish(w->sim, subject, a, "test/0", type, msg),
                     0);
}

static void
cluster(struct world *w, const char *name, const char *region)
{
    Flotilla__V1__ClusterSpec spec = FLOTILLA__V1__CLUSTER_SPEC__INIT;

    spec.name = (char *)name;
    spec.region = (char *)region;
    publish(w, "cluster.spec", name, NULL, NULL, "ClusterSpec", &spec.base);
}

/* Reports @cpus free CPUs (and room for 110 pods) on @name. */
static void
summary(struct world *w, const char *name, int cpus)
{
    Flotilla__V1__ClusterStatus st = FLOTILLA__V1__CLUSTER_STATUS__INIT;
    Flotilla__V1__ResourceSummary rs = FLOTILLA__V1__RESOURCE_SUMMARY__INIT;
    Flotilla__V1__ResourceList alloc = FLOTILLA__V1__RESOURCE_LIST__INIT;
    Flotilla__V1__ResourceList__MilliEntry cpu =
        FLOTILLA__V1__RESOURCE_LIST__MILLI_ENTRY__INIT;
    Flotilla__V1__ResourceList__MilliEntry pods =
        FLOTILLA__V1__RESOURCE_LIST__MILLI_ENTRY__INIT;
    Flotilla__V1__ResourceList__MilliEntry *ents[2] = { &cpu, &pods };
    Flotilla__V1__APIEnablement apps = FLOTILLA__V1__APIENABLEMENT__INIT;
    Flotilla__V1__APIEnablement *apis[1] = { &apps };
    char *kinds[2] = { "Deployment", "StatefulSet" };

    cpu.key = "cpu";
    cpu.value = (int64_t)cpus * 1000;
    pods.key = "pods";
    pods.value = 110 * 1000;
    alloc.milli = ents;
    alloc.n_milli = 2;
    rs.allocatable = &alloc;
    rs.observed_ns = actor_sim_now(w->sim);
    st.name = (char *)name;
    st.ready = "True";
    st.resource_summary = &rs;
    apps.group_version = "apps/v1";
    apps.kinds = kinds;
    apps.n_kinds = 2;
    st.api_enablements = apis;
    st.n_api_enablements = 1;
    st.api_enablements_complete = true;
    publish(w, "cluster.status", name, NULL, NULL, "ClusterStatus", &st.base);
}

static void
taint(struct world *w, const char *name, const char *key, const char *effect)
{
    Flotilla__V1__ClusterTaints ts = FLOTILLA__V1__CLUSTER_TAINTS__INIT;
    Flotilla__V1__Taint t = FLOTILLA__V1__TAINT__INIT;
    Flotilla__V1__Taint *list[1] = { &t };

    t.key = (char *)key;
    t.value = "";
    t.effect = (char *)effect;
    ts.cluster = (char *)name;
    ts.taints = list;
    ts.n_taints = key != NULL ? 1 : 0;
    publish(w, "cluster.taint", name, NULL, NULL, "ClusterTaints", &ts.base);
}

/* A binding of @replicas replicas asking 1 CPU each, Divided by @division
 * ("Aggregated", "Weighted" = dynamic weights) or Duplicated when NULL. */
static void
binding(struct world *w, const char *name, int replicas, const char *division,
        int64_t generation)
{
    Flotilla__V1__BindingSpec b = FLOTILLA__V1__BINDING_SPEC__INIT;
    Flotilla__V1__ObjectReference ref = FLOTILLA__V1__OBJECT_REFERENCE__INIT;
    Flotilla__V1__ReplicaRequirements rr =
        FLOTILLA__V1__REPLICA_REQUIREMENTS__INIT;
    Flotilla__V1__ResourceList req = FLOTILLA__V1__RESOURCE_LIST__INIT;
    Flotilla__V1__ResourceList__MilliEntry cpu =
        FLOTILLA__V1__RESOURCE_LIST__MILLI_ENTRY__INIT;
    Flotilla__V1__ResourceList__MilliEntry *ents[1] = { &cpu };
    Flotilla__V1__Placement pl = FLOTILLA__V1__PLACEMENT__INIT;
    Flotilla__V1__ReplicaSchedulingStrategy rs =
        FLOTILLA__V1__REPLICA_SCHEDULING_STRATEGY__INIT;
    char bname[128];

    snprintf(bname, sizeof(bname), "%s-deployment", name);
    ref.api_version = "apps/v1";
    ref.kind = "Deployment";
    ref.namespace_ = "shop";
    ref.name = (char *)name;
    ref.uid = "6f1a3c2e-0000-4000-8000-000000000001";
    cpu.key = "cpu";
    cpu.value = 1000;
    req.milli = ents;
    req.n_milli = 1;
    rr.resource_request = &req;
    if (division != NULL) {
        rs.replica_scheduling_type = "Divided";
        rs.replica_division_preference = (char *)division;
        if (strcmp(division, "Weighted") == 0) {
            rs.dynamic_weight = "AvailableReplicas";
            rs.has_weight_preference = true;
        }
        pl.replica_scheduling = &rs;
    }
    b.namespace_ = "shop";
    b.name = bname;
    b.resource = &ref;
    b.replicas = replicas;
    b.replica_requirements = &rr;
    b.has_replica_requirements = true;
    b.placement = &pl;
    b.generation = generation;
    publish(w, "binding.spec", "shop", bname, NULL, "BindingSpec", &b.base);
}

static void
evict(struct world *w, const char *bname, const char *cluster)
{
    Flotilla__V1__EvictionRequest r = FLOTILLA__V1__EVICTION_REQUEST__INIT;

    r.namespace_ = "shop";
    r.name = (char *)bname;
    r.cluster = (char *)cluster;
    r.reason = "TaintUntolerated";
    publish(w, "binding.evict", "shop", bname, cluster, "EvictionRequest",
            &r.base);
}

static void
release(struct world *w, const char *bname, const char *cluster)
{
    Flotilla__V1__EvictionRelease r = FLOTILLA__V1__EVICTION_RELEASE__INIT;

    r.namespace_ = "shop";
    r.name = (char *)bname;
    r.cluster = (char *)cluster;
    r.outcome = "Released";
    publish(w, "binding.release", "shop", bname, cluster, "EvictionRelease",
            &r.base);
}

static void
run(struct world *w, int64_t plus_s)
{
    actor_sim_run_until(w->sim, actor_sim_now(w->sim) + plus_s * NS_PER_S);
}

static const Flotilla__V1__ScheduleDecision *
decision(struct world *w, const char *bname)
{
    char key[160];

    snprintf(key, sizeof(key), "shop/%s", bname);
    return sched_actor_decision(actor_sim_state(w->sim, "scheduler"), key);
}

/* Replicas of @bname on @cluster in the last decision; -1 when absent. */
static int
on(struct world *w, const char *bname, const char *cluster)
{
    const Flotilla__V1__ScheduleDecision *d = decision(w, bname);

    for (size_t i = 0; d != NULL && i < d->n_clusters; i++) {
        if (strcmp(d->clusters[i]->name, cluster) == 0) {
            return d->clusters[i]->replicas;
        }
    }
    return -1;
}

static int
setup(void **state)
{
    struct world *w = calloc(1, sizeof(*w));

    if (w == NULL || actor_sim_new(T0, &w->sim) != 0 ||
        actor_sim_add(w->sim, &sched_actor_core, NULL) != 0) {
        return -1;
    }
    *state = w;
    return 0;
}

static int
teardown(void **state)
{
    struct world *w = *state;

    actor_sim_free(w->sim);
    free(w);
    return 0;
}

static void
two_clusters(struct world *w, int cpu_a, int cpu_b)
{
    cluster(w, "a", "r1");
    cluster(w, "b", "r1");
    summary(w, "a", cpu_a);
    summary(w, "b", cpu_b);
    run(w, 1);
}

static void
actor__places_a_new_binding(void **state)
{
    struct world *w = *state;

    two_clusters(w, 8, 8);

    binding(w, "web", 2, NULL, 1);
    run(w, 1);

    assert_int_equal(on(w, "web-deployment", "a"), 2);
    assert_int_equal(on(w, "web-deployment", "b"), 2);
    assert_true(decision(w, "web-deployment")->schedulable);
}

static void
actor__summary_only_change_decides_nothing(void **state)
{
    struct world *w = *state;
    size_t before;

    two_clusters(w, 8, 8);
    binding(w, "web", 4, "Weighted", 1);
    run(w, 1);
    before = actor_sim_log_len(w->sim);

    summary(w, "a", 2);
    run(w, 1);

    /* Only the summary itself was added: Steady mode keeps the placement. */
    assert_int_equal(actor_sim_log_len(w->sim), before + 1);
}

static void
actor__spec_replica_change_reschedules(void **state)
{
    struct world *w = *state;

    two_clusters(w, 8, 8);
    binding(w, "web", 4, "Weighted", 1);
    run(w, 1);

    binding(w, "web", 6, "Weighted", 2);
    run(w, 1);

    assert_int_equal(on(w, "web-deployment", "a") +
                         on(w, "web-deployment", "b"), 6);
}

static void
actor__noschedule_taint_keeps_existing_but_blocks_new(void **state)
{
    struct world *w = *state;

    two_clusters(w, 8, 8);
    binding(w, "web", 1, NULL, 1);
    run(w, 1);
    /* c joins tainted: its taints come before its first status. */
    cluster(w, "c", "r2");
    taint(w, "c", "maintenance", "NoSchedule");
    summary(w, "c", 8);
    taint(w, "a", "maintenance", "NoSchedule");
    run(w, 1);

    /* a keeps its copy (NoSchedule restricts only new placements)... */
    assert_int_equal(on(w, "web-deployment", "a"), 1);
    /* ...and the new, tainted cluster c gets none. */
    assert_int_equal(on(w, "web-deployment", "c"), -1);
    assert_int_equal(on(w, "web-deployment", "b"), 1);
}

static void
actor__accepted_eviction_moves_replicas_and_adds_a_task(void **state)
{
    struct world *w = *state;
    const Flotilla__V1__ScheduleDecision *d;

    two_clusters(w, 8, 8);
    binding(w, "web", 4, "Weighted", 1);
    run(w, 1);
    assert_int_equal(on(w, "web-deployment", "a") +
                         on(w, "web-deployment", "b"), 4);

    evict(w, "web-deployment", "a");
    run(w, 1);

    d = decision(w, "web-deployment");
    assert_int_equal(on(w, "web-deployment", "a"), -1);
    assert_int_equal(on(w, "web-deployment", "b"), 4);
    assert_int_equal(d->n_eviction_tasks, 1);
    assert_string_equal(d->eviction_tasks[0]->from_cluster, "a");
    assert_true(d->schedulable);

    release(w, "web-deployment", "a");
    run(w, 1);
    assert_int_equal(decision(w, "web-deployment")->n_eviction_tasks, 0);
}

static void
actor__blocked_eviction_keeps_placement_until_room_appears(void **state)
{
    struct world *w = *state;
    const Flotilla__V1__ScheduleDecision *d;

    two_clusters(w, 8, 8);
    binding(w, "db", 4, "Weighted", 1);
    run(w, 1);
    /* b fills up: a's replicas could not move there. */
    summary(w, "b", 0);
    run(w, 1);

    evict(w, "db-deployment", "a");
    run(w, 1);

    d = decision(w, "db-deployment");
    assert_true(on(w, "db-deployment", "a") > 0);
    assert_false(d->schedulable);
    assert_string_equal(d->reason, "EvictionBlocked");
    assert_int_equal(d->n_blocked_evictions, 1);
    assert_string_equal(d->blocked_evictions[0]->cluster, "a");
    assert_int_equal(d->n_eviction_tasks, 0);

    /* Capacity appears: the blocked eviction clears itself. */
    summary(w, "b", 16);
    run(w, 1);

    d = decision(w, "db-deployment");
    assert_int_equal(on(w, "db-deployment", "a"), -1);
    assert_int_equal(on(w, "db-deployment", "b"), 4);
    assert_true(d->schedulable);
    assert_int_equal(d->n_blocked_evictions, 0);
    assert_int_equal(d->n_eviction_tasks, 1);
}

static void
actor__never_evicts_the_last_copy(void **state)
{
    struct world *w = *state;
    const Flotilla__V1__ScheduleDecision *d;

    two_clusters(w, 8, 8);
    binding(w, "web", 1, NULL, 1);
    run(w, 1);

    evict(w, "web-deployment", "a");
    evict(w, "web-deployment", "b");
    run(w, 1);

    d = decision(w, "web-deployment");
    assert_int_equal(on(w, "web-deployment", "a"), -1);
    assert_int_equal(on(w, "web-deployment", "b"), 1);
    assert_int_equal(d->n_blocked_evictions, 1);
    assert_string_equal(d->blocked_evictions[0]->cluster, "b");
}

static void
actor__burst_fills_10_and_5(void **state)
{
    struct world *w = *state;
    int big = 0, small = 0;
    char name[64];

    cluster(w, "big", "r1");
    cluster(w, "small", "r1");
    summary(w, "big", 10);
    summary(w, "small", 5);
    run(w, 1);

    for (int i = 0; i < 15; i++) {
        snprintf(name, sizeof(name), "job%d", i);
        binding(w, name, 1, "Aggregated", 1);
    }
    run(w, 1);

    for (int i = 0; i < 15; i++) {
        snprintf(name, sizeof(name), "job%d-deployment", i);
        big += on(w, name, "big") > 0;
        small += on(w, name, "small") > 0;
    }
    assert_int_equal(big, 10);
    assert_int_equal(small, 5);
    assert_int_equal(sched_actor_reservations(
                         actor_sim_state(w->sim, "scheduler")), 15);

    /* The clusters report summaries that include the new pods. */
    summary(w, "big", 0);
    summary(w, "small", 0);
    run(w, 1);
    assert_int_equal(sched_actor_reservations(
                         actor_sim_state(w->sim, "scheduler")), 0);
}

static void
actor__restart_does_not_decide_again(void **state)
{
    struct world *w = *state;
    size_t before;

    two_clusters(w, 8, 0);
    binding(w, "web", 4, "Weighted", 1);
    binding(w, "api", 2, NULL, 1);
    run(w, 1);
    evict(w, "web-deployment", "a");   /* blocked: b has no room */
    run(w, 1);
    before = actor_sim_log_len(w->sim);

    assert_int_equal(actor_sim_restart(w->sim, "scheduler"), 0);
    run(w, 1);

    assert_int_equal(actor_sim_log_len(w->sim), before);
    assert_string_equal(decision(w, "web-deployment")->reason,
                        "EvictionBlocked");
    /* And the blocked request is still waiting for room. */
    summary(w, "b", 16);
    run(w, 1);
    assert_int_equal(on(w, "web-deployment", "b"), 4);
}

static void
actor__policy_selecting_nothing_is_honoured(void **state)
{
    struct world *w = *state;

    two_clusters(w, 8, 8);
    binding(w, "web", 2, NULL, 1);
    run(w, 1);
    taint(w, "a", "gone", "NoSchedule");
    taint(w, "b", "gone", "NoSchedule");
    run(w, 1);

    /* Replicas change (a user edit): no cluster fits any more. */
    binding(w, "web", 3, NULL, 2);
    run(w, 1);

    /* Existing targets pass the taint filter, so it is rescheduled there. */
    assert_int_equal(on(w, "web-deployment", "a"), 3);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(actor__places_a_new_binding, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            actor__summary_only_change_decides_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(actor__spec_replica_change_reschedules,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            actor__noschedule_taint_keeps_existing_but_blocks_new, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            actor__accepted_eviction_moves_replicas_and_adds_a_task, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            actor__blocked_eviction_keeps_placement_until_room_appears, setup,
            teardown),
        cmocka_unit_test_setup_teardown(actor__never_evicts_the_last_copy,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(actor__burst_fills_10_and_5, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(actor__restart_does_not_decide_again,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            actor__policy_selecting_nothing_is_honoured, setup, teardown),
    };

    return cmocka_run_group_tests_name("actors.scheduler", tests, NULL, NULL);
}
