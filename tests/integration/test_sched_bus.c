/* SPDX-License-Identifier: Apache-2.0 */
/* The scheduler actor on a real nats-server, through the NATS shell. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actor/shell.h"
#include "bus/bus.h"
#include "bus/envelope.h"
#include "sched/actor.h"
#include "support/buspub.h"
#include "support/busfix.h"
#include "util/time.h"

struct fixture {
    struct busfix bus;
    struct bus_conn *c;          /* the test's own connection (bus.c) */
    struct busfix_actor actor;
    struct actor_shell *shell;   /* actor.shell */
};

static void
start_actor(struct fixture *f)
{
    assert_int_equal(busfix_actor_start(&f->bus, &sched_actor_core, NULL,
                                        &f->actor), 0);
    f->shell = f->actor.shell;
}

static void
stop_actor(struct fixture *f)
{
    busfix_actor_stop(&f->actor);
    f->shell = NULL;
}

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    if (f == NULL || busfix_start(&f->bus) != 0) {
        return -1;
    }
    f->c = f->bus.c;
    start_actor(f);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    stop_actor(f);
    busfix_stop(&f->bus);
    free(f);
    return 0;
}

static void
cluster(struct fixture *f, const char *name, int cpus)
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

    spec.name = (char *)name;
    spec.region = "r1";
    assert_int_equal(test_publish(f->c, "cluster.spec", name, NULL, NULL, name,
                                  "ClusterSpec", &spec.base), 0);
    cpu.key = "cpu";
    cpu.value = (int64_t)cpus * 1000;
    pods.key = "pods";
    pods.value = 110000;
    alloc.milli = ents;
    alloc.n_milli = 2;
    rs.allocatable = &alloc;
    rs.observed_ns = util_time_now_ns();
    apps.group_version = "apps/v1";
    apps.kinds = kinds;
    apps.n_kinds = 1;
    st.name = (char *)name;
    st.ready = "True";
    st.resource_summary = &rs;
    st.api_enablements = apis;
    st.n_api_enablements = 1;
    assert_int_equal(test_publish(f->c, "cluster.status", name, NULL, NULL,
                                  name, "ClusterStatus", &st.base), 0);
}

static void
binding(struct fixture *f, const char *name, int replicas, const char *division)
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
    char key[160];

    ref.api_version = "apps/v1";
    ref.kind = "Deployment";
    ref.namespace_ = "shop";
    ref.name = (char *)name;
    cpu.key = "cpu";
    cpu.value = 1000;
    req.milli = ents;
    req.n_milli = 1;
    rr.resource_request = &req;
    rs.replica_scheduling_type = "Divided";
    rs.replica_division_preference = (char *)division;
    if (strcmp(division, "Weighted") == 0) {
        rs.dynamic_weight = "AvailableReplicas";
        rs.has_weight_preference = true;
    }
    pl.replica_scheduling = &rs;
    b.namespace_ = "shop";
    b.name = (char *)name;
    b.resource = &ref;
    b.replicas = replicas;
    b.replica_requirements = &rr;
    b.has_replica_requirements = true;
    b.placement = &pl;
    b.generation = 1;
    snprintf(key, sizeof(key), "shop/%s", name);
    assert_int_equal(test_publish(f->c, "binding.spec", "shop", name, NULL, key,
                                  "BindingSpec", &b.base), 0);
}

static void
evict(struct fixture *f, const char *name, const char *cluster)
{
    Flotilla__V1__EvictionRequest r = FLOTILLA__V1__EVICTION_REQUEST__INIT;
    char key[160];

    r.namespace_ = "shop";
    r.name = (char *)name;
    r.cluster = (char *)cluster;
    r.reason = "TaintUntolerated";
    snprintf(key, sizeof(key), "shop/%s", name);
    assert_int_equal(test_publish(f->c, "binding.evict", "shop", name, cluster,
                                  key, "EvictionRequest", &r.base), 0);
}

/* The stored decision for @name, or NULL; free with the protobuf call. */
static Flotilla__V1__ScheduleDecision *
stored(struct fixture *f, const char *name)
{
    Flotilla__V1__Envelope *env;
    Flotilla__V1__ScheduleDecision *d;

    env = test_read_last(f->c, "FL_BINDINGS", "binding.schedule", "shop", name,
                         NULL);
    if (env == NULL) {
        return NULL;
    }
    d = flotilla__v1__schedule_decision__unpack(NULL, env->payload.len,
                                                env->payload.data);
    bus_envelope_free(env);
    return d;
}

static int
replicas_on(const Flotilla__V1__ScheduleDecision *d, const char *cluster)
{
    for (size_t i = 0; d != NULL && i < d->n_clusters; i++) {
        if (strcmp(d->clusters[i]->name, cluster) == 0) {
            return d->clusters[i]->replicas;
        }
    }
    return 0;
}

/* Waits until the actor has taken @n inputs in all. */
static void
wait_handled(struct fixture *f, uint64_t n)
{
    struct actor_shell_stats st = { 0 };

    for (int i = 0; i < 200 && st.handled < n; i++) {
        usleep(25 * 1000);
        actor_shell_get_stats(f->shell, &st);
    }
    assert_true(st.handled >= n);
}

static void
decisions__burst_of_15_lands_10_and_5(void **state)
{
    struct fixture *f = *state;
    int big = 0, small = 0;
    char name[64];

    cluster(f, "big", 10);
    cluster(f, "small", 5);
    for (int i = 0; i < 15; i++) {
        snprintf(name, sizeof(name), "job%d-deployment", i);
        binding(f, name, 1, "Aggregated");
    }
    wait_handled(f, 4 + 15);

    for (int i = 0; i < 15; i++) {
        Flotilla__V1__ScheduleDecision *d;

        snprintf(name, sizeof(name), "job%d-deployment", i);
        d = stored(f, name);
        assert_non_null(d);
        big += replicas_on(d, "big");
        small += replicas_on(d, "small");
        flotilla__v1__schedule_decision__free_unpacked(d, NULL);
    }
    assert_int_equal(big, 10);
    assert_int_equal(small, 5);
}

static void
decisions__blocked_eviction_clears_when_room_appears(void **state)
{
    struct fixture *f = *state;
    Flotilla__V1__ScheduleDecision *d;

    cluster(f, "a", 8);
    cluster(f, "b", 8);
    binding(f, "db-deployment", 4, "Weighted");
    wait_handled(f, 5);
    cluster(f, "b", 0);                 /* b is full */
    wait_handled(f, 7);
    /* Inputs of different streams have no order between them: the
     * eviction goes only after the actor has seen b full. */
    evict(f, "db-deployment", "a");
    wait_handled(f, 8);

    d = stored(f, "db-deployment");
    assert_non_null(d);
    assert_string_equal(d->reason, "EvictionBlocked");
    assert_true(replicas_on(d, "a") > 0);
    flotilla__v1__schedule_decision__free_unpacked(d, NULL);

    cluster(f, "b", 16);                /* room appears */
    wait_handled(f, 10);
    for (int i = 0; i < 100; i++) {
        d = stored(f, "db-deployment");
        if (d != NULL && d->n_eviction_tasks == 1) {
            break;
        }
        if (d != NULL) {
            flotilla__v1__schedule_decision__free_unpacked(d, NULL);
        }
        d = NULL;
        usleep(20 * 1000);
    }
    assert_non_null(d);
    flotilla__v1__schedule_decision__free_unpacked(d, NULL);

    d = stored(f, "db-deployment");
    assert_int_equal(replicas_on(d, "a"), 0);
    assert_int_equal(replicas_on(d, "b"), 4);
    assert_int_equal(d->n_eviction_tasks, 1);
    assert_string_equal(d->eviction_tasks[0]->from_cluster, "a");
    flotilla__v1__schedule_decision__free_unpacked(d, NULL);

    /* A new cluster arrives: the evicting cluster is still never chosen. */
    cluster(f, "c", 8);
    wait_handled(f, 12);
    d = stored(f, "db-deployment");
    assert_int_equal(replicas_on(d, "a"), 0);
    flotilla__v1__schedule_decision__free_unpacked(d, NULL);
}

static void
decisions__restart_decides_nothing_again(void **state)
{
    struct fixture *f = *state;
    uint64_t before = 0, after = 0;

    cluster(f, "a", 8);
    cluster(f, "b", 8);
    binding(f, "web-deployment", 4, "Weighted");
    wait_handled(f, 5);
    assert_int_equal(bus_stream_info(f->c, "FL_BINDINGS", &before, NULL), 0);

    stop_actor(f);
    start_actor(f);
    cluster(f, "a", 6);                  /* a summary-only change */
    wait_handled(f, 2);

    assert_int_equal(bus_stream_info(f->c, "FL_BINDINGS", &after, NULL), 0);
    assert_true(after == before);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(decisions__burst_of_15_lands_10_and_5,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            decisions__blocked_eviction_clears_when_room_appears, setup,
            teardown),
        cmocka_unit_test_setup_teardown(decisions__restart_decides_nothing_again,
                                        setup, teardown),
    };
    int rc = cmocka_run_group_tests_name("integration.sched_bus", tests, NULL,
                                         NULL);

    bus_shutdown();
    return rc;
}
