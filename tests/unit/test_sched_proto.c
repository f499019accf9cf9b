/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the scheduler's proto conversion (sched/from_proto.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sched/from_proto.h"

/* A cluster spec + status with 4 cpus and 10 pods, in region @region. */
struct cluster_msgs {
    Flotilla__V1__ClusterSpec spec;
    Flotilla__V1__ClusterStatus status;
    Flotilla__V1__ResourceSummary summary;
    Flotilla__V1__ResourceList alloc;
    Flotilla__V1__ResourceList__MilliEntry e_cpu, e_mem, e_pods;
    Flotilla__V1__ResourceList__MilliEntry *entries[3];
    char *binary[1];
    Flotilla__V1__APIEnablement api;
    Flotilla__V1__APIEnablement *apis[1];
    char *kinds[1];
    Flotilla__V1__Taint taint;
    Flotilla__V1__Taint *taints[1];
};

static void
cluster_msgs_init(struct cluster_msgs *m, char *name, char *region)
{
    flotilla__v1__cluster_spec__init(&m->spec);
    flotilla__v1__cluster_status__init(&m->status);
    flotilla__v1__resource_summary__init(&m->summary);
    flotilla__v1__resource_list__init(&m->alloc);
    flotilla__v1__resource_list__milli_entry__init(&m->e_cpu);
    flotilla__v1__resource_list__milli_entry__init(&m->e_mem);
    flotilla__v1__resource_list__milli_entry__init(&m->e_pods);
    flotilla__v1__apienablement__init(&m->api);
    flotilla__v1__taint__init(&m->taint);
    m->spec.name = name;
    m->spec.region = region;
    m->e_cpu.key = "cpu";
    m->e_cpu.value = 4000;
    m->e_mem.key = "memory";
    m->e_mem.value = INT64_C(1073741824000);
    m->e_pods.key = "pods";
    m->e_pods.value = 10000;
    m->entries[0] = &m->e_cpu;
    m->entries[1] = &m->e_mem;
    m->entries[2] = &m->e_pods;
    m->alloc.milli = m->entries;
    m->alloc.n_milli = 3;
    m->binary[0] = "memory";
    m->alloc.binary_si = m->binary;
    m->alloc.n_binary_si = 1;
    m->summary.allocatable = &m->alloc;
    m->status.resource_summary = &m->summary;
    m->kinds[0] = "Deployment";
    m->api.group_version = "apps/v1";
    m->api.kinds = m->kinds;
    m->api.n_kinds = 1;
    m->apis[0] = &m->api;
    m->status.api_enablements = m->apis;
    m->status.n_api_enablements = 1;
    m->taint.key = "maintenance";
    m->taint.effect = "NoSchedule";
    m->taints[0] = &m->taint;
}

static void
cluster_from_proto__copies_summary_apis_and_formats(void **state)
{
    struct cluster_msgs m;
    struct sched_cluster c;
    struct sched_arena a;
    char err[128];
    int rc;

    (void)state;
    sched_arena_init(&a);
    cluster_msgs_init(&m, "m1", "eu");

    rc = sched_cluster_from_proto(&a, &m.spec, &m.status, NULL, &c, err,
                                  sizeof(err));

    assert_int_equal(rc, 0);
    assert_string_equal(c.name, "m1");
    assert_string_equal(c.region, "eu");
    assert_true(c.has_summary);
    assert_int_equal(c.summary.allocatable.n, 3);
    assert_int_equal(util_quantity_milli_value(&c.summary.allocatable.items[0].q),
                     4000);
    assert_int_equal(c.summary.allocatable.items[1].q.format,
                     UTIL_QUANTITY_BINARY_SI);
    assert_int_equal(sched_estimate_allowed_pods(&c.summary), 10);
    assert_int_equal(c.n_apis, 1);
    assert_string_equal(c.apis[0].kinds[0], "Deployment");
    sched_arena_release(&a);
}

static void
cluster_from_proto__taint_set_replaces_spec_taints(void **state)
{
    Flotilla__V1__ClusterTaints taints = FLOTILLA__V1__CLUSTER_TAINTS__INIT;
    struct cluster_msgs m;
    struct sched_cluster c;
    struct sched_arena a;
    int rc;

    (void)state;
    sched_arena_init(&a);
    cluster_msgs_init(&m, "m1", "eu");
    taints.cluster = "m1";
    taints.taints = m.taints;
    taints.n_taints = 1;

    rc = sched_cluster_from_proto(&a, &m.spec, NULL, &taints, &c, NULL, 0);

    assert_int_equal(rc, 0);
    assert_int_equal(c.n_taints, 1);
    assert_string_equal(c.taints[0].key, "maintenance");
    assert_false(c.has_summary);
    sched_arena_release(&a);
}

static void
cluster_from_proto__rejects_an_unnamed_cluster(void **state)
{
    struct cluster_msgs m;
    struct sched_cluster c;
    struct sched_arena a;
    char err[128];

    (void)state;
    sched_arena_init(&a);
    cluster_msgs_init(&m, "", "eu");

    assert_int_equal(sched_cluster_from_proto(&a, &m.spec, NULL, NULL, &c, err,
                                              sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "cluster.name"));
    sched_arena_release(&a);
}

static void
binding_from_proto__reads_placement_and_last_decision(void **state)
{
    Flotilla__V1__BindingSpec spec = FLOTILLA__V1__BINDING_SPEC__INIT;
    Flotilla__V1__ObjectReference res = FLOTILLA__V1__OBJECT_REFERENCE__INIT;
    Flotilla__V1__Placement pl = FLOTILLA__V1__PLACEMENT__INIT;
    Flotilla__V1__ReplicaSchedulingStrategy rs =
        FLOTILLA__V1__REPLICA_SCHEDULING_STRATEGY__INIT;
    Flotilla__V1__SpreadConstraint sc = FLOTILLA__V1__SPREAD_CONSTRAINT__INIT;
    Flotilla__V1__SpreadConstraint *scs[1] = { &sc };
    Flotilla__V1__ScheduleDecision last = FLOTILLA__V1__SCHEDULE_DECISION__INIT;
    Flotilla__V1__TargetCluster tc = FLOTILLA__V1__TARGET_CLUSTER__INIT;
    Flotilla__V1__TargetCluster *tcs[1] = { &tc };
    Flotilla__V1__GracefulEvictionTask ev = FLOTILLA__V1__GRACEFUL_EVICTION_TASK__INIT;
    Flotilla__V1__GracefulEvictionTask *evs[1] = { &ev };
    struct sched_binding b;
    struct sched_arena a;
    int rc;

    (void)state;
    sched_arena_init(&a);
    res.api_version = "apps/v1";
    res.kind = "Deployment";
    res.uid = "u-1";
    spec.resource = &res;
    spec.replicas = 5;
    spec.reschedule_triggered_ns = 200;
    sc.spread_by_field = "region";
    sc.min_groups = 1;
    sc.max_groups = 2;
    pl.spread_constraints = scs;
    pl.n_spread_constraints = 1;
    rs.replica_scheduling_type = "Divided";
    rs.replica_division_preference = "Weighted";
    rs.dynamic_weight = "AvailableReplicas";
    rs.has_weight_preference = true;
    pl.replica_scheduling = &rs;
    spec.placement = &pl;
    tc.name = "m1";
    tc.replicas = 3;
    last.clusters = tcs;
    last.n_clusters = 1;
    ev.from_cluster = "m2";
    last.eviction_tasks = evs;
    last.n_eviction_tasks = 1;
    last.observed_affinity_name = "primary";
    last.last_scheduled_ns = 100;

    rc = sched_binding_from_proto(&a, &spec, &last, &b, NULL, 0);

    assert_int_equal(rc, 0);
    assert_string_equal(b.uid, "u-1");
    assert_int_equal(b.replicas, 5);
    assert_int_equal(b.placement.n_spreads, 1);
    assert_int_equal(b.placement.spreads[0].field, SCHED_SPREAD_REGION);
    assert_string_equal(b.placement.dynamic_weight, "AvailableReplicas");
    assert_int_equal(b.n_targets, 1);
    assert_int_equal(b.targets[0].replicas, 3);
    assert_string_equal(b.evicting[0], "m2");
    assert_string_equal(b.observed_affinity, "primary");
    assert_true(b.fresh);
    sched_arena_release(&a);
}

static void
binding_from_proto__names_a_bad_spread_field(void **state)
{
    Flotilla__V1__BindingSpec spec = FLOTILLA__V1__BINDING_SPEC__INIT;
    Flotilla__V1__Placement pl = FLOTILLA__V1__PLACEMENT__INIT;
    Flotilla__V1__SpreadConstraint sc = FLOTILLA__V1__SPREAD_CONSTRAINT__INIT;
    Flotilla__V1__SpreadConstraint *scs[1] = { &sc };
    struct sched_binding b;
    struct sched_arena a;
    char err[160];

    (void)state;
    sched_arena_init(&a);
    sc.spread_by_field = "rack";
    pl.spread_constraints = scs;
    pl.n_spread_constraints = 1;
    spec.placement = &pl;

    assert_int_equal(sched_binding_from_proto(&a, &spec, NULL, &b, err,
                                              sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "placement.spreadConstraints[0].spreadByField"));
    sched_arena_release(&a);
}

static void
decision_to_proto__round_trips_through_the_wire(void **state)
{
    Flotilla__V1__BindingSpec spec = FLOTILLA__V1__BINDING_SPEC__INIT;
    Flotilla__V1__ObjectReference res = FLOTILLA__V1__OBJECT_REFERENCE__INIT;
    Flotilla__V1__ScheduleDecision out = FLOTILLA__V1__SCHEDULE_DECISION__INIT;
    Flotilla__V1__ScheduleDecision *back;
    struct cluster_msgs m1, m2;
    struct sched_cluster c[2];
    struct sched_binding b;
    struct sched_input in;
    struct sched_decision d;
    struct sched_arena a;
    uint8_t *buf;
    size_t len;

    (void)state;
    sched_arena_init(&a);
    cluster_msgs_init(&m1, "m1", "eu");
    cluster_msgs_init(&m2, "m2", "us");
    m2.spec.taints = m2.taints;
    m2.spec.n_taints = 1;
    res.api_version = "apps/v1";
    res.kind = "Deployment";
    spec.resource = &res;
    spec.replicas = 2;
    assert_int_equal(sched_cluster_from_proto(&a, &m1.spec, &m1.status, NULL,
                                              &c[0], NULL, 0), 0);
    assert_int_equal(sched_cluster_from_proto(&a, &m2.spec, &m2.status, NULL,
                                              &c[1], NULL, 0), 0);
    assert_int_equal(sched_binding_from_proto(&a, &spec, NULL, &b, NULL, 0), 0);
    memset(&in, 0, sizeof(in));
    in.clusters = c;
    in.n_clusters = 2;
    in.binding = &b;
    sched_gates_init(&in.gates);
    assert_int_equal(sched_schedule(&a, &in, &d), 0);

    assert_int_equal(sched_decision_to_proto(&a, &d, &out), 0);
    len = flotilla__v1__schedule_decision__get_packed_size(&out);
    buf = malloc(len);
    assert_non_null(buf);
    flotilla__v1__schedule_decision__pack(&out, buf);
    back = flotilla__v1__schedule_decision__unpack(NULL, len, buf);

    assert_non_null(back);
    assert_true(back->schedulable);
    assert_string_equal(back->reason, "Success");
    assert_int_equal(back->n_clusters, 1);
    assert_string_equal(back->clusters[0]->name, "m1");
    assert_int_equal(back->clusters[0]->replicas, 2);
    assert_int_equal(back->n_excluded, 1);
    assert_string_equal(back->excluded[0]->cluster, "m2");
    assert_string_equal(back->excluded[0]->filter, "TaintToleration");
    flotilla__v1__schedule_decision__free_unpacked(back, NULL);
    free(buf);
    sched_arena_release(&a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cluster_from_proto__copies_summary_apis_and_formats),
        cmocka_unit_test(cluster_from_proto__taint_set_replaces_spec_taints),
        cmocka_unit_test(cluster_from_proto__rejects_an_unnamed_cluster),
        cmocka_unit_test(binding_from_proto__reads_placement_and_last_decision),
        cmocka_unit_test(binding_from_proto__names_a_bad_spread_field),
        cmocka_unit_test(decision_to_proto__round_trips_through_the_wire),
    };

    return cmocka_run_group_tests_name("sched.proto", tests, NULL, NULL);
}
