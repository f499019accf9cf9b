/* SPDX-License-Identifier: Apache-2.0 */
/* The executor actor on a real nats-server, through the NATS shell. */
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
#include "executor/executor.h"
#include "support/buspub.h"
#include "support/busfix.h"
#include "util/time.h"

struct fixture {
    struct busfix bus;
    struct bus_conn *c;
    struct bus_conn *ac;
    struct actor_shell *shell;
};

static struct bus_conn *
connect_to(struct fixture *f, const char *name)
{
    struct bus_conn *c = busfix_connect(&f->bus, name);

    assert_non_null(c);
    return c;
}

static void
start_actor(struct fixture *f)
{
    struct actor_shell_options so = { 0 };

    f->ac = connect_to(f, "executor");
    so.core = &executor_core;
    so.conn = f->ac;
    so.fetch_wait_ms = 50;
    assert_int_equal(actor_shell_new(&so, &f->shell), 0);
    assert_int_equal(actor_shell_start(f->shell), 0);
}

static void
stop_actor(struct fixture *f)
{
    actor_shell_free(f->shell);
    bus_conn_free(f->ac);
    f->shell = NULL;
    f->ac = NULL;
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
ready(struct fixture *f, const char *name)
{
    Flotilla__V1__ClusterStatus st = FLOTILLA__V1__CLUSTER_STATUS__INIT;

    st.name = (char *)name;
    st.ready = "True";
    assert_int_equal(test_publish(f->c, "cluster.status", name, NULL, NULL,
                                  name, "ClusterStatus", &st.base),
                     0);
}

static const char *const web_tmpl =
    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":"
    "{\"name\":\"web\",\"namespace\":\"shop\"},\"spec\":{\"replicas\":4,"
    "\"selector\":{\"matchLabels\":{\"app\":\"web\"}},\"template\":"
    "{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":"
    "[{\"name\":\"web\",\"image\":\"nginx\"}]}}}}";

static void
binding(struct fixture *f)
{
    Flotilla__V1__BindingSpec b = FLOTILLA__V1__BINDING_SPEC__INIT;
    Flotilla__V1__Placement p = FLOTILLA__V1__PLACEMENT__INIT;
    Flotilla__V1__ReplicaSchedulingStrategy rs =
        FLOTILLA__V1__REPLICA_SCHEDULING_STRATEGY__INIT;

    b.namespace_ = "shop";
    b.name = "web-deployment";
    b.template_json.data = (uint8_t *)web_tmpl;
    b.template_json.len = strlen(web_tmpl);
    b.replicas = 4;
    rs.replica_scheduling_type = "Divided";
    p.replica_scheduling = &rs;
    b.placement = &p;
    assert_int_equal(test_publish(f->c, "binding.spec", "shop",
                                  "web-deployment", NULL,
                                  "shop/web-deployment", "BindingSpec",
                                  &b.base),
                     0);
}

static void
decide(struct fixture *f, uint64_t seq, const char *a, int ra, const char *b,
       int rb)
{
    Flotilla__V1__ScheduleDecision d = FLOTILLA__V1__SCHEDULE_DECISION__INIT;
    Flotilla__V1__TargetCluster ta = FLOTILLA__V1__TARGET_CLUSTER__INIT;
    Flotilla__V1__TargetCluster tb = FLOTILLA__V1__TARGET_CLUSTER__INIT;
    Flotilla__V1__TargetCluster *tc[2] = { &ta, &tb };

    ta.name = (char *)a;
    ta.replicas = ra;
    tb.name = (char *)b;
    tb.replicas = rb;
    d.namespace_ = "shop";
    d.name = "web-deployment";
    d.clusters = tc;
    d.n_clusters = 2;
    d.schedulable = true;
    d.reason = "Success";
    d.decision_seq = seq;
    assert_int_equal(test_publish(f->c, "binding.schedule", "shop",
                                  "web-deployment", NULL,
                                  "shop/web-deployment", "ScheduleDecision",
                                  &d.base),
                     0);
}

/* The stored WorkSpec (free it), or NULL; *at gets its decided-at time. */
static Flotilla__V1__WorkSpec *
stored(struct fixture *f, const char *cluster, const char *ns,
       const char *name, int64_t *at)
{
    Flotilla__V1__Envelope *env;
    Flotilla__V1__WorkSpec *ws;

    env = test_read_last(f->c, "FL_WORK", "work.spec", cluster, ns, name);
    if (env == NULL) {
        return NULL;
    }
    ws = flotilla__v1__work_spec__unpack(NULL, env->payload.len,
                                         env->payload.data);
    if (at != NULL) {
        *at = env->decided_at_ns;
    }
    bus_envelope_free(env);
    return ws;
}

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
executor_bus__places_deletes_and_restarts_without_republishing(void **state)
{
    struct fixture *f = *state;
    Flotilla__V1__WorkSpec *ws;
    int64_t at1 = 0;
    int64_t at2 = 0;

    ready(f, "member1");
    ready(f, "member2");
    ready(f, "member3");
    binding(f);
    wait_handled(f, 4);
    decide(f, 1, "member1", 1, "member2", 3);
    wait_handled(f, 5);

    ws = stored(f, "member1", "shop", "web-deployment", &at1);
    assert_non_null(ws);
    assert_false(ws->delete_);
    assert_int_equal(ws->replicas, 1);
    flotilla__v1__work_spec__free_unpacked(ws, NULL);
    ws = stored(f, "member2", "shop", "web-deployment", NULL);
    assert_non_null(ws);
    assert_int_equal(ws->replicas, 3);
    flotilla__v1__work_spec__free_unpacked(ws, NULL);
    assert_null(stored(f, "member3", "shop", "web-deployment", NULL));
    ws = stored(f, "member1", "", "shop-namespace", NULL);
    assert_non_null(ws);
    flotilla__v1__work_spec__free_unpacked(ws, NULL);
    assert_null(stored(f, "member3", "", "shop-namespace", NULL));

    /* A restart rebuilds from the streams; the same decision again
     * publishes nothing. */
    stop_actor(f);
    start_actor(f);
    decide(f, 1, "member1", 1, "member2", 3);
    wait_handled(f, 1);
    usleep(200 * 1000);
    ws = stored(f, "member1", "shop", "web-deployment", &at2);
    assert_non_null(ws);
    assert_int_equal(at2, at1);
    flotilla__v1__work_spec__free_unpacked(ws, NULL);

    /* Moved off member1: its copy is deleted, member3 gets one. */
    decide(f, 2, "member3", 1, "member2", 3);
    wait_handled(f, 2);
    ws = stored(f, "member1", "shop", "web-deployment", NULL);
    assert_non_null(ws);
    assert_true(ws->delete_);
    flotilla__v1__work_spec__free_unpacked(ws, NULL);
    ws = stored(f, "member3", "shop", "web-deployment", NULL);
    assert_non_null(ws);
    assert_false(ws->delete_);
    flotilla__v1__work_spec__free_unpacked(ws, NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            executor_bus__places_deletes_and_restarts_without_republishing,
            setup, teardown),
    };

    int rc = cmocka_run_group_tests(tests, NULL, NULL);

    bus_shutdown();   /* the client library's threads, for valgrind */
    return rc;
}
