/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The eviction pipeline in virtual time with the real scheduler actor:
 * taint → taint-manager request → scheduler accepts and re-places →
 * the new copy is ready → graceful-eviction releases → the task is gone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "actor/sim.h"
#include "geviction/geviction.h"
#include "sched/actor.h"
#include "support/fotest.h"
#include "tmgr/tmgr.h"

#define S(x) ((int64_t)(x) * 1000000000LL)
#define T0 1000

static void
cluster(struct actor_sim *sim, const char *name)
{
    Flotilla__V1__ClusterSpec spec = FLOTILLA__V1__CLUSTER_SPEC__INIT;
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
    char *kinds[1] = { "Deployment" };
    char subject[256];

    spec.name = (char *)name;
    spec.region = "r1";
    snprintf(subject, sizeof(subject), "cluster.spec.%s", name);
    assert_int_equal(actor_sim_publish(sim, subject, name, "policy/t",
                                       "ClusterSpec", &spec.base), 0);
    cpu.key = "cpu";
    cpu.value = 16000;
    pods.key = "pods";
    pods.value = 110000;
    alloc.milli = ents;
    alloc.n_milli = 2;
    rs.allocatable = &alloc;
    rs.observed_ns = S(T0);
    apps.group_version = "apps/v1";
    apps.kinds = kinds;
    apps.n_kinds = 1;
    st.name = (char *)name;
    st.ready = "True";
    st.resource_summary = &rs;
    st.api_enablements = apis;
    st.n_api_enablements = 1;
    st.api_enablements_complete = true;
    snprintf(subject, sizeof(subject), "cluster.status.%s", name);
    assert_int_equal(actor_sim_publish(sim, subject, name, "cluster-status/t",
                                       "ClusterStatus", &st.base), 0);
}

static void
binding(struct actor_sim *sim)
{
    Flotilla__V1__BindingSpec b = FLOTILLA__V1__BINDING_SPEC__INIT;
    Flotilla__V1__ObjectReference ref = FLOTILLA__V1__OBJECT_REFERENCE__INIT;
    Flotilla__V1__Placement pl = FLOTILLA__V1__PLACEMENT__INIT;
    Flotilla__V1__ReplicaSchedulingStrategy rs =
        FLOTILLA__V1__REPLICA_SCHEDULING_STRATEGY__INIT;

    ref.api_version = "apps/v1";
    ref.kind = "Deployment";
    ref.namespace_ = "shop";
    ref.name = "web";
    rs.replica_scheduling_type = "Divided";
    rs.replica_division_preference = "Aggregated";
    pl.replica_scheduling = &rs;
    b.namespace_ = "shop";
    b.name = "web-deployment";
    b.resource = &ref;
    b.replicas = 4;
    b.placement = &pl;
    b.generation = 1;
    assert_int_equal(actor_sim_publish(sim, "binding.spec.shop.web-deployment",
                                       "shop/web-deployment", "policy/t",
                                       "BindingSpec", &b.base), 0);
}

static const Flotilla__V1__ScheduleDecision *
decision(struct actor_sim *sim)
{
    return sched_actor_decision(actor_sim_state(sim, "scheduler"),
                                "shop/web-deployment");
}

static const char *
placed_on(struct actor_sim *sim)
{
    const Flotilla__V1__ScheduleDecision *d = decision(sim);

    return d != NULL && d->n_clusters == 1 ? d->clusters[0]->name : "";
}

static void
pipeline__taint_moves_the_workload_and_releases_the_old_copy(void **state)
{
    struct actor_sim *sim = NULL;
    struct tmgr_config tc;
    struct geviction_config gc;
    char first[32];
    char subject[256];

    (void)state;
    tmgr_config_init(&tc);
    geviction_config_init(&gc);
    assert_int_equal(actor_sim_new(S(T0), &sim), 0);
    fotest_reset(sim);
    assert_int_equal(actor_sim_add(sim, &sched_actor_core, NULL), 0);
    assert_int_equal(actor_sim_add(sim, &tmgr_core, &tc), 0);
    assert_int_equal(actor_sim_add(sim, &geviction_core, &gc), 0);
    cluster(sim, "m0");
    cluster(sim, "m1");
    binding(sim);
    actor_sim_run_until(sim, S(T0 + 1));
    snprintf(first, sizeof(first), "%s", placed_on(sim));
    assert_true(first[0] != '\0');

    fotest_taints(sim, first, (const char *[]){ "nr:NoExecute@1001", NULL });
    actor_sim_run_until(sim, S(T0 + 3));

    /* Accepted: placed on the other cluster, one task for the first. */
    assert_string_not_equal(placed_on(sim), first);
    assert_int_equal(decision(sim)->n_eviction_tasks, 1);
    assert_string_equal(decision(sim)->eviction_tasks[0]->from_cluster, first);
    assert_string_equal(tmgr_state_pair(actor_sim_state(sim, "taint-manager"),
                                        "shop", "web-deployment", first),
                        "requested");

    /* The new copy is ready: released, and the scheduler drops the task. */
    fotest_work(sim, placed_on(sim), "shop", "web-deployment", 4, 4, true,
                "Healthy", NULL);
    actor_sim_run_until(sim, S(T0 + 4));
    assert_string_equal(fotest_last_release(sim, "shop", "web-deployment",
                                            first), "Released");
    assert_int_equal(decision(sim)->n_eviction_tasks, 0);

    /* Nothing more happens later: no second request, no second release. */
    actor_sim_run_until(sim, S(T0 + 3600));
    snprintf(subject, sizeof(subject), "binding.evict.*.*.*");
    assert_int_equal(fotest_count(subject), 1);
    assert_int_equal(fotest_count("binding.release.*.*.*"), 1);
    actor_sim_free(sim);
    fotest_reset(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            pipeline__taint_moves_the_workload_and_releases_the_old_copy),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
