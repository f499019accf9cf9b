/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The scheduler end to end through NATS: binding specs published
 * (pipelined) -> the scheduler actor in its NATS shell -> decisions consumed.
 * Each run starts a fresh nats-server on loopback, registers the clusters,
 * then times every binding from its publish to its decision's arrival.
 */
#define LOG_MODULE "bench"
#include "bench.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actor/shell.h"
#include "bus/bus.h"
#include "bus/subject.h"
#include "sched/actor.h"
#include "support/natsd.h"
#include "util/log.h"
#include "util/time.h"

#define REGIONS 5

struct e2e {
    struct natsd d;
    struct bus_conn *c;       /* publisher and reader */
    struct bus_conn *ac;      /* the actor's */
    struct actor_shell *shell;
    int64_t *t_pub;
    double *lat;
    size_t n;
};

static int
send(struct bus_conn *c, const char *subject, const char *key,
     const char *producer, const char *type, const ProtobufCMessage *m,
     int64_t now, bool wait)
{
    struct actor_fx fx = { 0 };
    struct bus_pub p = { 0 };
    int rc;

    actor_fx_begin(&fx, "bench", producer, now, NULL, subject);
    rc = actor_fx_publish(&fx, subject, key, type, m, 0);
    if (rc == 0) {
        p.subject = subject;
        p.data = fx.outs[0].data;
        p.len = fx.outs[0].len;
        p.msg_id = fx.outs[0].msg_id;
        rc = wait ? bus_publish(c, &p, NULL, NULL) : bus_publish_async(c, &p);
    }
    actor_fx_release(&fx);
    return rc;
}

static int
send_cluster(struct bus_conn *c, size_t i)
{
    Flotilla__V1__ClusterSpec spec = FLOTILLA__V1__CLUSTER_SPEC__INIT;
    Flotilla__V1__ClusterStatus st = FLOTILLA__V1__CLUSTER_STATUS__INIT;
    Flotilla__V1__ResourceSummary rs = FLOTILLA__V1__RESOURCE_SUMMARY__INIT;
    Flotilla__V1__ResourceList alloc = FLOTILLA__V1__RESOURCE_LIST__INIT;
    Flotilla__V1__ResourceList__MilliEntry e[3] = {
        FLOTILLA__V1__RESOURCE_LIST__MILLI_ENTRY__INIT,
        FLOTILLA__V1__RESOURCE_LIST__MILLI_ENTRY__INIT,
        FLOTILLA__V1__RESOURCE_LIST__MILLI_ENTRY__INIT,
    };
    Flotilla__V1__ResourceList__MilliEntry *ents[3] = { &e[0], &e[1], &e[2] };
    Flotilla__V1__APIEnablement apps = FLOTILLA__V1__APIENABLEMENT__INIT;
    Flotilla__V1__APIEnablement *apis[1] = { &apps };
    char *kinds[1] = { "Deployment" };
    char name[32], region[16], subject[BUS_SUBJECT_MAX];
    int64_t now = util_time_now_ns();
    int rc;

    snprintf(name, sizeof(name), "c%03zu", i);
    snprintf(region, sizeof(region), "r%zu", i % REGIONS);
    spec.name = name;
    spec.region = region;
    bus_subject_build(subject, sizeof(subject), "cluster.spec", name, NULL, NULL);
    rc = send(c, subject, name, "policy/bench", "ClusterSpec", &spec.base, now,
              false);
    e[0].key = "cpu";
    e[0].value = 400 * 1000;
    e[1].key = "memory";
    e[1].value = (int64_t)1600 * 1024 * 1024 * 1024 * 1000 / 1000;
    e[2].key = "pods";
    e[2].value = 5000 * 1000;
    alloc.milli = ents;
    alloc.n_milli = 3;
    rs.allocatable = &alloc;
    rs.observed_ns = now;
    apps.group_version = "apps/v1";
    apps.kinds = kinds;
    apps.n_kinds = 1;
    st.name = name;
    st.ready = "True";
    st.resource_summary = &rs;
    st.api_enablements = apis;
    st.n_api_enablements = 1;
    bus_subject_build(subject, sizeof(subject), "cluster.status", name, NULL,
                      NULL);
    if (rc == 0) {
        rc = send(c, subject, name, "cluster-status/bench", "ClusterStatus",
                  &st.base, now, false);
    }
    return rc;
}

/* Binding @i: duplicated, static weights, dynamic weights or aggregated, by
 * i % 4; every other one spread over two regions. */
static int
send_binding(struct bus_conn *c, size_t i, size_t n_clusters, int64_t now)
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
    Flotilla__V1__ClusterAffinity aff = FLOTILLA__V1__CLUSTER_AFFINITY__INIT;
    Flotilla__V1__ReplicaSchedulingStrategy rs =
        FLOTILLA__V1__REPLICA_SCHEDULING_STRATEGY__INIT;
    Flotilla__V1__StaticClusterWeight w[2] = {
        FLOTILLA__V1__STATIC_CLUSTER_WEIGHT__INIT,
        FLOTILLA__V1__STATIC_CLUSTER_WEIGHT__INIT,
    };
    Flotilla__V1__StaticClusterWeight *wl[2] = { &w[0], &w[1] };
    Flotilla__V1__ClusterAffinity wa[2] = {
        FLOTILLA__V1__CLUSTER_AFFINITY__INIT,
        FLOTILLA__V1__CLUSTER_AFFINITY__INIT,
    };
    Flotilla__V1__SpreadConstraint sc[2] = {
        FLOTILLA__V1__SPREAD_CONSTRAINT__INIT,
        FLOTILLA__V1__SPREAD_CONSTRAINT__INIT,
    };
    Flotilla__V1__SpreadConstraint *scl[2] = { &sc[0], &sc[1] };
    char names[3][32], *np[3] = { names[0], names[1], names[2] };
    char *wn0[1] = { names[0] }, *wn1[1] = { names[1] };
    char bname[64], key[80], subject[BUS_SUBJECT_MAX];

    for (int k = 0; k < 3; k++) {
        snprintf(names[k], sizeof(names[k]), "c%03zu",
                 (i * 7 + (size_t)k * 13) % n_clusters);
    }
    snprintf(bname, sizeof(bname), "app%05zu-deployment", i);
    snprintf(key, sizeof(key), "bench/%s", bname);
    ref.api_version = "apps/v1";
    ref.kind = "Deployment";
    ref.namespace_ = "bench";
    ref.name = bname;
    ref.uid = bname;
    cpu.key = "cpu";
    cpu.value = 100;
    req.milli = ents;
    req.n_milli = 1;
    rr.resource_request = &req;
    switch (i % 4) {
    case 0:
        aff.cluster_names = np;
        aff.n_cluster_names = 3;
        pl.cluster_affinity = &aff;
        break;
    case 1:
        rs.replica_scheduling_type = "Divided";
        rs.replica_division_preference = "Weighted";
        wa[0].cluster_names = wn0;
        wa[0].n_cluster_names = 1;
        wa[1].cluster_names = wn1;
        wa[1].n_cluster_names = 1;
        w[0].target_cluster = &wa[0];
        w[0].weight = 1;
        w[1].target_cluster = &wa[1];
        w[1].weight = 2;
        rs.static_weight_list = wl;
        rs.n_static_weight_list = 2;
        rs.has_weight_preference = true;
        aff.cluster_names = np;
        aff.n_cluster_names = 2;
        pl.cluster_affinity = &aff;
        pl.replica_scheduling = &rs;
        break;
    default:
        rs.replica_scheduling_type = "Divided";
        rs.replica_division_preference = i % 4 == 2 ? "Weighted" : "Aggregated";
        if (i % 4 == 2) {
            rs.dynamic_weight = "AvailableReplicas";
            rs.has_weight_preference = true;
        }
        pl.replica_scheduling = &rs;
        if (i % 2 == 1 || i % 8 == 2) {
            sc[0].spread_by_field = "region";
            sc[0].min_groups = 2;
            sc[0].max_groups = 2;
            sc[1].spread_by_field = "cluster";
            sc[1].min_groups = 1;
            sc[1].max_groups = 4;
            pl.spread_constraints = scl;
            pl.n_spread_constraints = 2;
        }
        break;
    }
    b.namespace_ = "bench";
    b.name = bname;
    b.resource = &ref;
    b.replicas = 4;
    b.replica_requirements = &rr;
    b.has_replica_requirements = true;
    b.placement = &pl;
    b.generation = 1;
    bus_subject_build(subject, sizeof(subject), "binding.spec", "bench", bname,
                      NULL);
    return send(c, subject, key, "policy/bench", "BindingSpec", &b.base, now,
                false);
}

static int
setup(struct e2e *x, size_t n_clusters)
{
    struct actor_shell_options so = { 0 };
    struct actor_shell_stats st = { 0 };
    struct bus_options o;
    char path[1024];
    char err[256];
    int rc;

    memset(&x->d, 0, sizeof(x->d));
    if (natsd_start(&x->d) != 0) {
        return -EIO;
    }
    bus_options_init(&o);
    o.url = x->d.url;
    o.name = "bench";
    rc = bus_conn_new(&o, &x->c);
    o.name = "scheduler";
    if (rc == 0) {
        rc = bus_conn_new(&o, &x->ac);
    }
    snprintf(path, sizeof(path), "%s/deploy/nats/streams.json", FL_SOURCE_DIR);
    if (rc == 0) {
        rc = bus_streams_provision(x->c, path, 0, err, sizeof(err));
    }
    so.core = &sched_actor_core;
    so.conn = x->ac;
    so.batch = 256;
    so.fetch_wait_ms = 20;
    if (rc == 0) {
        rc = actor_shell_new(&so, &x->shell);
    }
    if (rc == 0) {
        rc = actor_shell_start(x->shell);
    }
    for (size_t i = 0; rc == 0 && i < n_clusters; i++) {
        rc = send_cluster(x->c, i);
    }
    if (rc == 0) {
        rc = bus_publish_wait(x->c, 30000, NULL, NULL);
    }
    for (int i = 0; rc == 0 && i < 2000 && st.handled < 2 * n_clusters; i++) {
        usleep(5000);
        actor_shell_get_stats(x->shell, &st);
    }
    return rc;
}

static void
teardown(struct e2e *x)
{
    actor_shell_free(x->shell);
    bus_conn_free(x->ac);
    bus_conn_free(x->c);
    natsd_cleanup(&x->d);
    x->shell = NULL;
    x->ac = x->c = NULL;
}

/* Reads decisions until every binding has one; fills x->lat. */
static int
collect(struct e2e *x, struct bus_consumer *k, int64_t *t_last)
{
    size_t got = 0;
    int64_t deadline = util_time_mono_ns() + 120 * NS_PER_S;

    while (got < x->n && util_time_mono_ns() < deadline) {
        struct bus_msg *msgs = NULL;
        int n = 0;

        if (bus_consumer_fetch(k, 1000, 200, &msgs, &n) != 0) {
            continue;
        }
        for (int i = 0; i < n; i++) {
            const char *p = strstr(msgs[i].subject, ".app");
            size_t idx = p != NULL ? strtoul(p + 4, NULL, 10) : x->n;
            int64_t now = util_time_now_ns();

            (void)bus_msg_ack(&msgs[i]);
            if (idx < x->n && x->lat[idx] < 0) {
                x->lat[idx] = (double)(now - x->t_pub[idx]) / 1e3;
                got++;
                *t_last = util_time_mono_ns();
            }
        }
        bus_msgs_free(msgs, n);
    }
    return got == x->n ? 0 : -ETIMEDOUT;
}

static int
run_once(size_t n_clusters, size_t n, double *rate, double *p50, double *p99)
{
    struct bus_consumer_def cd = { "FL_BINDINGS", "bench-reader",
                                   "binding.schedule.*.*", 0, 0, 20000, false };
    struct bus_consumer *k = NULL;
    struct e2e x;
    int64_t t0, t_last = 0;
    int rc;

    memset(&x, 0, sizeof(x));
    x.n = n;
    x.t_pub = calloc(n, sizeof(*x.t_pub));
    x.lat = calloc(n, sizeof(*x.lat));
    rc = x.t_pub != NULL && x.lat != NULL ? setup(&x, n_clusters) : -ENOMEM;
    if (rc == 0) {
        rc = bus_consumer_open(x.c, &cd, &k);
    }
    for (size_t i = 0; i < n; i++) {
        x.lat[i] = -1;
    }
    t0 = util_time_mono_ns();
    for (size_t i = 0; rc == 0 && i < n; i++) {
        x.t_pub[i] = util_time_now_ns();
        rc = send_binding(x.c, i, n_clusters, x.t_pub[i]);
        if (rc == 0 && (i % 1000 == 999 || i == n - 1)) {
            rc = bus_publish_wait(x.c, 30000, NULL, NULL);
        }
    }
    if (rc == 0) {
        rc = collect(&x, k, &t_last);
    }
    if (rc == 0) {
        *rate = (double)n / ((double)(t_last - t0) / 1e9);
        *p50 = bench_percentile(x.lat, n, 0.50);
        *p99 = bench_percentile(x.lat, n, 0.99);
    }
    bus_consumer_close(k);
    teardown(&x);
    free(x.t_pub);
    free(x.lat);
    return rc;
}

int
bench_sched_e2e(size_t n_clusters, size_t n_bindings, size_t runs)
{
    double rate[16], p50[16], p99[16];

    if (runs > 16) {
        runs = 16;
    }
    printf("end to end via NATS: binding spec published (pipelined) -> "
           "scheduler actor -> decision consumed, fresh nats-server per run\n");
    for (size_t r = 0; r < runs; r++) {
        int rc = run_once(n_clusters, n_bindings, &rate[r], &p50[r], &p99[r]);

        if (rc != 0) {
            printf("  run %zu failed: %s\n", r + 1, strerror(-rc));
            return rc;
        }
        printf("  run %zu: %.0f decisions/s  p50 %.1f ms  p99 %.1f ms\n",
               r + 1, rate[r], p50[r] / 1e3, p99[r] / 1e3);
    }
    printf("e2e decisions/s       %.0f (median of %zu; target >= 5000)\n",
           bench_median(rate, (int)runs), runs);
    printf("e2e latency p50       %.1f ms (publish to decision, under the "
           "full pipelined load)\n", bench_median(p50, (int)runs) / 1e3);
    printf("e2e latency p99       %.1f ms\n", bench_median(p99, (int)runs) / 1e3);
    return 0;
}
