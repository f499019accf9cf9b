/* SPDX-License-Identifier: Apache-2.0 */
/*
 * taint-manager, graceful-eviction and application-failover through the
 * actor shell on a real nats-server; the test plays the other actors
 * (cluster status, taints, binding specs, the scheduler, member agents).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actor/shell.h"
#include "appfo/appfo.h"
#include "bus/bus.h"
#include "bus/envelope.h"
#include "bus/subject.h"
#include "geviction/geviction.h"
#include "support/busfix.h"
#include "tmgr/brake.h"
#include "tmgr/tmgr.h"
#include "util/time.h"

#define NACTORS 3

struct fixture {
    struct busfix bus;
    struct bus_conn *c;
    struct bus_conn *ac[NACTORS];
    struct actor_shell *shell[NACTORS];
    struct tmgr_config tc;
    struct geviction_config gc;
    struct appfo_config fc;
    int next_id;
};

static struct bus_conn *
connect_to(struct fixture *f, const char *name)
{
    struct bus_conn *c = busfix_connect(&f->bus, name);

    assert_non_null(c);
    return c;
}

static void
start_actor(struct fixture *f, int i)
{
    const struct actor_core *cores[NACTORS] = { &tmgr_core, &geviction_core,
                                                &appfo_core };
    const void *confs[NACTORS] = { &f->tc, &f->gc, &f->fc };
    struct actor_shell_options so = { 0 };

    f->ac[i] = connect_to(f, cores[i]->name);
    so.core = cores[i];
    so.core_config = confs[i];
    so.conn = f->ac[i];
    so.fetch_wait_ms = 50;
    assert_int_equal(actor_shell_new(&so, &f->shell[i]), 0);
    assert_int_equal(actor_shell_start(f->shell[i]), 0);
    assert_true(actor_shell_is_ready(f->shell[i]));
}

static void
stop_actor(struct fixture *f, int i)
{
    actor_shell_free(f->shell[i]);
    bus_conn_free(f->ac[i]);
    f->shell[i] = NULL;
    f->ac[i] = NULL;
}

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    if (f == NULL || busfix_start(&f->bus) != 0) {
        return -1;
    }
    f->c = f->bus.c;
    tmgr_config_init(&f->tc);
    f->tc.settle_ns = 50 * NS_PER_MS;
    geviction_config_init(&f->gc);
    appfo_config_init(&f->fc);
    for (int i = 0; i < NACTORS; i++) {
        start_actor(f, i);
    }
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    for (int i = 0; i < NACTORS; i++) {
        stop_actor(f, i);
    }
    busfix_stop(&f->bus);
    free(f);
    return 0;
}

/* Publishes as @owner, the owner of the subject's class. */
static void
pub(struct fixture *f, const char *owner, const char *subject,
    const char *key, const char *type, const ProtobufCMessage *m)
{
    char producer[64];

    struct actor_fx fx = { 0 };
    struct bus_pub p = { 0 };
    char id[64];

    snprintf(id, sizeof(id), "test-%d", f->next_id++);
    snprintf(producer, sizeof(producer), "%s/test", owner);
    actor_fx_begin(&fx, owner, producer, util_time_now_ns(), NULL, id);
    assert_int_equal(actor_fx_publish(&fx, subject, key, type, m, 0), 0);
    p.subject = subject;
    p.data = fx.outs[0].data;
    p.len = fx.outs[0].len;
    p.msg_id = fx.outs[0].msg_id;
    assert_int_equal(bus_publish(f->c, &p, NULL, NULL), 0);
    actor_fx_release(&fx);
}

static void
status(struct fixture *f, const char *name, const char *ready)
{
    Flotilla__V1__ClusterStatus st = FLOTILLA__V1__CLUSTER_STATUS__INIT;
    char subject[BUS_SUBJECT_MAX];

    st.name = (char *)name;
    st.ready = (char *)ready;
    st.ready_since_ns = util_time_now_ns();
    bus_subject_build(subject, sizeof(subject), "cluster.status", name, NULL,
                      NULL);
    pub(f, "cluster-status", subject, name, "ClusterStatus", &st.base);
}

static void
taint(struct fixture *f, const char *name, const char *key)
{
    Flotilla__V1__ClusterTaints ct = FLOTILLA__V1__CLUSTER_TAINTS__INIT;
    Flotilla__V1__Taint t = FLOTILLA__V1__TAINT__INIT;
    Flotilla__V1__Taint *tp[] = { &t };
    char subject[BUS_SUBJECT_MAX];

    t.key = (char *)key;
    t.effect = "NoExecute";
    t.time_added_ns = util_time_now_ns();
    ct.cluster = (char *)name;
    ct.taints = tp;
    ct.n_taints = 1;
    bus_subject_build(subject, sizeof(subject), "cluster.taint", name, NULL,
                      NULL);
    pub(f, "cluster", subject, name, "ClusterTaints", &ct.base);
}

static void
spec(struct fixture *f, const char *name, bool app)
{
    Flotilla__V1__BindingSpec sp = FLOTILLA__V1__BINDING_SPEC__INIT;
    Flotilla__V1__FailoverBehavior fo = FLOTILLA__V1__FAILOVER_BEHAVIOR__INIT;
    Flotilla__V1__Placement pl = FLOTILLA__V1__PLACEMENT__INIT;
    Flotilla__V1__ReplicaSchedulingStrategy rs =
        FLOTILLA__V1__REPLICA_SCHEDULING_STRATEGY__INIT;
    char subject[BUS_SUBJECT_MAX];

    rs.replica_scheduling_type = "Divided";
    pl.replica_scheduling = &rs;
    sp.namespace_ = "shop";
    sp.name = (char *)name;
    sp.replicas = 2;
    sp.placement = &pl;
    if (app) {
        fo.has_application = true;
        fo.application_toleration_seconds = 0;
        fo.application_purge_mode = "Gracefully";
        sp.failover = &fo;
    }
    bus_subject_build(subject, sizeof(subject), "binding.spec", "shop", name,
                      NULL);
    pub(f, "policy", subject, name, "BindingSpec", &sp.base);
}

static void
schedule(struct fixture *f, const char *name, const char *cluster,
         const char *evicted)
{
    Flotilla__V1__ScheduleDecision d = FLOTILLA__V1__SCHEDULE_DECISION__INIT;
    Flotilla__V1__TargetCluster tc = FLOTILLA__V1__TARGET_CLUSTER__INIT;
    Flotilla__V1__TargetCluster *tcp[] = { &tc };
    Flotilla__V1__GracefulEvictionTask t =
        FLOTILLA__V1__GRACEFUL_EVICTION_TASK__INIT;
    Flotilla__V1__GracefulEvictionTask *tp[] = { &t };
    char subject[BUS_SUBJECT_MAX];

    tc.name = (char *)cluster;
    tc.replicas = 2;
    d.namespace_ = "shop";
    d.name = (char *)name;
    d.clusters = tcp;
    d.n_clusters = 1;
    if (evicted != NULL) {
        t.from_cluster = (char *)evicted;
        t.purge_mode = "Gracefully";
        t.reason = "TaintUntolerated";
        t.creation_ns = util_time_now_ns();
        d.eviction_tasks = tp;
        d.n_eviction_tasks = 1;
    }
    bus_subject_build(subject, sizeof(subject), "binding.schedule", "shop",
                      name, NULL);
    pub(f, "scheduler", subject, name, "ScheduleDecision", &d.base);
}

static void
work(struct fixture *f, const char *cluster, const char *name, int ready,
     const char *health)
{
    Flotilla__V1__WorkStatus ws = FLOTILLA__V1__WORK_STATUS__INIT;
    char subject[BUS_SUBJECT_MAX];

    ws.cluster = (char *)cluster;
    ws.namespace_ = "shop";
    ws.binding = (char *)name;
    ws.applied = true;
    ws.present = true;
    ws.health = (char *)health;
    ws.replicas = 2;
    ws.ready_replicas = ready;
    ws.status_json.data = (uint8_t *)"{\"replicas\": 2}";
    ws.status_json.len = strlen("{\"replicas\": 2}");
    bus_subject_build(subject, sizeof(subject), "work.status", cluster,
                      "shop", name);
    pub(f, "member-agent", subject, name, "WorkStatus", &ws.base);
}

struct got {
    char type[32];
    char text[64];    /* reason of a request, outcome of a release */
    bool withdraw;
};

static int
read_msg(const struct bus_msg *m, void *arg)
{
    struct got *g = arg;
    Flotilla__V1__Envelope *env = NULL;
    char why[128];

    if (bus_envelope_unpack(m->data, m->len, &env, why, sizeof(why)) != 0) {
        return -EBADMSG;
    }
    snprintf(g->type, sizeof(g->type), "%s", env->type);
    if (strcmp(env->type, "EvictionRequest") == 0) {
        Flotilla__V1__EvictionRequest *r =
            flotilla__v1__eviction_request__unpack(NULL, env->payload.len,
                                                   env->payload.data);

        snprintf(g->text, sizeof(g->text), "%s", r->reason);
        g->withdraw = r->withdraw;
        flotilla__v1__eviction_request__free_unpacked(r, NULL);
    } else if (strcmp(env->type, "EvictionRelease") == 0) {
        Flotilla__V1__EvictionRelease *r =
            flotilla__v1__eviction_release__unpack(NULL, env->payload.len,
                                                   env->payload.data);

        snprintf(g->text, sizeof(g->text), "%s", r->outcome);
        flotilla__v1__eviction_release__free_unpacked(r, NULL);
    }
    bus_envelope_free(env);
    return 0;
}

/* Waits up to 5 s for a message on @subject of FL_EVICTIONS. */
static bool
wait_last(struct fixture *f, const char *subject, struct got *g)
{
    uint64_t seq = 0;

    memset(g, 0, sizeof(*g));
    for (int i = 0; i < 100; i++) {
        if (bus_last_subject_seq(f->c, "FL_EVICTIONS", subject, &seq) == 0 &&
            seq > 0) {
            return bus_read_seq(f->c, "FL_EVICTIONS", seq, read_msg, g) == 0;
        }
        usleep(50 * 1000);
    }
    return false;
}

static uint64_t
evictions_stored(struct fixture *f)
{
    uint64_t n = 0;

    assert_int_equal(bus_stream_info(f->c, "FL_EVICTIONS", &n, NULL), 0);
    return n;
}

static void
failover_actors__outage_request_release_and_restart(void **state)
{
    struct fixture *f = *state;
    struct actor_shell_stats st;
    struct got g;
    uint64_t before;

    status(f, "m0", "True");
    status(f, "m1", "True");
    spec(f, "web-deployment", false);
    schedule(f, "web-deployment", "m0", NULL);
    spec(f, "app-deployment", true);
    schedule(f, "app-deployment", "m1", NULL);

    /* A NoExecute taint on m0: the taint manager asks to evict web. */
    taint(f, "m0", "maintenance");
    assert_true(wait_last(f, "binding.evict.shop.web-deployment.m0", &g));
    assert_string_equal(g.text, "TaintUntolerated");
    assert_false(g.withdraw);

    /* The scheduler (played here) accepts; the new copy becomes ready. */
    schedule(f, "web-deployment", "m1", "m0");
    work(f, "m1", "web-deployment", 2, "Healthy");
    assert_true(wait_last(f, "binding.release.shop.web-deployment.m0", &g));
    assert_string_equal(g.text, "Released");

    /* app fails on m1 with tolerationSeconds 0: application failover. */
    work(f, "m1", "app-deployment", 0, "Unhealthy");
    assert_true(wait_last(f, "binding.evict.shop.app-deployment.m1", &g));
    assert_string_equal(g.text, "ApplicationFailure");

    /* Restart all three: state rebuilt from the streams, nothing repeated. */
    usleep(300 * 1000);
    before = evictions_stored(f);
    for (int i = 0; i < NACTORS; i++) {
        stop_actor(f, i);
        start_actor(f, i);
    }
    work(f, "m1", "app-deployment", 0, "Unhealthy");
    work(f, "m1", "web-deployment", 2, "Healthy");
    for (int i = 0; i < 40; i++) {
        actor_shell_get_stats(f->shell[2], &st);
        if (st.handled >= 1) {
            break;
        }
        usleep(50 * 1000);
    }
    usleep(500 * 1000);
    assert_true(evictions_stored(f) == before);
}

static void
failover_actors__brake_is_visible_on_the_bus(void **state)
{
    struct fixture *f = *state;
    struct tmgr_brake b;
    const char *names[] = { "c0", "c1", "c2", "c3" };

    assert_int_equal(tmgr_brake_read(f->c, &b), 0);
    assert_false(b.known);
    for (int i = 0; i < 4; i++) {
        status(f, names[i], i < 3 ? "Unknown" : "True");
    }
    for (int i = 0; i < 100 && !b.engaged; i++) {
        usleep(50 * 1000);
        assert_int_equal(tmgr_brake_read(f->c, &b), 0);
    }
    assert_true(b.engaged);
    assert_non_null(strstr(b.reason, "3 of 4 clusters not Ready"));

    status(f, "c0", "True");
    status(f, "c1", "True");
    for (int i = 0; i < 100 && b.engaged; i++) {
        usleep(50 * 1000);
        assert_int_equal(tmgr_brake_read(f->c, &b), 0);
    }
    assert_true(b.known);
    assert_false(b.engaged);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            failover_actors__outage_request_release_and_restart, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            failover_actors__brake_is_visible_on_the_bus, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);

    bus_shutdown();
    return rc;
}
