/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cluster-status and cluster cores together on a real nats-server,
 * through actor_shell: probes become Ready, Ready and a ClusterTaintPolicy
 * become taints, a restart of both decides nothing again.
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
#include "bus/bus.h"
#include "bus/envelope.h"
#include "bus/subject.h"
#include "config/config.h"
#include "cstatus/cstatus.h"
#include "ctaint/ctaint.h"
#include "support/busfix.h"
#include "util/time.h"

struct fixture {
    struct busfix bus;
    struct cfg_settings set;
    struct bus_conn *c;          /* the test's own connection */
    struct bus_conn *ac[2];      /* the actors' connections */
    struct actor_shell *shell[2];
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
start_actors(struct fixture *f)
{
    const struct actor_core *cores[2] = { &cstatus_core, &ctaint_core };
    const void *configs[2] = { &f->set, NULL };

    for (int i = 0; i < 2; i++) {
        struct actor_shell_options so = { 0 };

        f->ac[i] = connect_to(f, cores[i]->name);
        so.core = cores[i];
        so.core_config = configs[i];
        so.conn = f->ac[i];
        so.fetch_wait_ms = 50;
        assert_int_equal(actor_shell_new(&so, &f->shell[i]), 0);
        assert_int_equal(actor_shell_start(f->shell[i]), 0);
        assert_true(actor_shell_is_ready(f->shell[i]));
    }
}

static void
stop_actors(struct fixture *f)
{
    for (int i = 0; i < 2; i++) {
        actor_shell_free(f->shell[i]);
        bus_conn_free(f->ac[i]);
        f->shell[i] = NULL;
        f->ac[i] = NULL;
    }
}

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    if (f == NULL || busfix_start(&f->bus) != 0) {
        return -1;
    }
    f->c = f->bus.c;
    cfg_settings_init(&f->set);
    f->set.failure_threshold_ns = 1 * NS_PER_S;
    f->set.success_threshold_ns = 1 * NS_PER_S;
    start_actors(f);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    stop_actors(f);
    busfix_stop(&f->bus);
    free(f);
    return 0;
}

/* Publishes @payload on @subject as @producer with event time now. */
static void
publish(struct fixture *f, const char *subject, const char *key,
        const char *producer, const char *type,
        const ProtobufCMessage *payload)
{
    struct actor_fx fx = { 0 };
    struct bus_pub p = { 0 };
    char id[64];

    snprintf(id, sizeof(id), "test-%d", f->next_id++);
    actor_fx_begin(&fx, "test", producer, util_time_now_ns(), NULL, id);
    assert_int_equal(actor_fx_publish(&fx, subject, key, type, payload, 0),
                     0);
    p.subject = subject;
    p.data = fx.outs[0].data;
    p.len = fx.outs[0].len;
    p.msg_id = fx.outs[0].msg_id;
    assert_int_equal(bus_publish(f->c, &p, NULL, NULL), 0);
    actor_fx_release(&fx);
}

static void
spec(struct fixture *f, const char *name)
{
    Flotilla__V1__ClusterSpec cs = FLOTILLA__V1__CLUSTER_SPEC__INIT;
    char subject[BUS_SUBJECT_MAX];

    cs.name = (char *)name;
    bus_subject_build(subject, sizeof(subject), "cluster.spec", name, NULL,
                      NULL);
    publish(f, subject, name, "policy/test", "ClusterSpec", &cs.base);
}

static void
probe(struct fixture *f, const char *name, const char *outcome)
{
    Flotilla__V1__ProbeResult p = FLOTILLA__V1__PROBE_RESULT__INIT;
    char subject[BUS_SUBJECT_MAX];

    p.cluster = (char *)name;
    p.outcome = (char *)outcome;
    p.probed_ns = util_time_now_ns();
    bus_subject_build(subject, sizeof(subject), "cluster.probe", name, NULL,
                      NULL);
    publish(f, subject, name, "prober/test", "ProbeResult", &p.base);
}

static void
policy(struct fixture *f, const char *name, const char *json)
{
    Flotilla__V1__ObjectRecord rec = FLOTILLA__V1__OBJECT_RECORD__INIT;
    char subject[BUS_SUBJECT_MAX];

    rec.kind = "ClusterTaintPolicy";
    rec.name = (char *)name;
    rec.json.data = (uint8_t *)json;
    rec.json.len = strlen(json);
    bus_subject_build(subject, sizeof(subject), "object.ClusterTaintPolicy",
                      "", name, NULL);
    publish(f, subject, name, "cli/test", "ObjectRecord", &rec.base);
}

static void
manual(struct fixture *f, const char *cluster, const char *key,
       const char *effect)
{
    Flotilla__V1__TaintRequest r = FLOTILLA__V1__TAINT_REQUEST__INIT;
    Flotilla__V1__Taint x = FLOTILLA__V1__TAINT__INIT;
    Flotilla__V1__Taint *xp = &x;
    char subject[BUS_SUBJECT_MAX];

    x.key = (char *)key;
    x.effect = (char *)effect;
    r.cluster = (char *)cluster;
    r.n_add = 1;
    r.add = &xp;
    bus_subject_build(subject, sizeof(subject), "req.taint", cluster, NULL,
                      NULL);
    publish(f, subject, cluster, "cli/test", "TaintRequest", &r.base);
}

struct text {
    char buf[1024];
};

static int
read_ready(const struct bus_msg *m, void *arg)
{
    struct text *t = arg;
    Flotilla__V1__Envelope *env = NULL;
    Flotilla__V1__ClusterStatus *st;
    char why[128];

    if (bus_envelope_unpack(m->data, m->len, &env, why, sizeof(why)) != 0) {
        return 0;
    }
    st = flotilla__v1__cluster_status__unpack(NULL, env->payload.len,
                                              env->payload.data);
    if (st != NULL) {
        snprintf(t->buf, sizeof(t->buf), "%s", st->ready);
        flotilla__v1__cluster_status__free_unpacked(st, NULL);
    }
    bus_envelope_free(env);
    return 0;
}

static int
read_taints(const struct bus_msg *m, void *arg)
{
    struct text *t = arg;
    Flotilla__V1__Envelope *env = NULL;
    Flotilla__V1__ClusterTaints *ts;
    size_t off = 0;
    char why[128];

    if (bus_envelope_unpack(m->data, m->len, &env, why, sizeof(why)) != 0) {
        return 0;
    }
    ts = flotilla__v1__cluster_taints__unpack(NULL, env->payload.len,
                                              env->payload.data);
    for (size_t i = 0; ts != NULL && i < ts->n_taints; i++) {
        off += (size_t)snprintf(t->buf + off, sizeof(t->buf) - off, "%s%s:%s",
                                i > 0 ? "," : "", ts->taints[i]->key,
                                ts->taints[i]->effect);
    }
    if (ts != NULL) {
        flotilla__v1__cluster_taints__free_unpacked(ts, NULL);
    }
    bus_envelope_free(env);
    return 0;
}

/* The stored state on @prefix.<cluster> as text ("" when none). */
static void
stored(struct fixture *f, const char *prefix, const char *cluster,
       struct text *t)
{
    char subject[BUS_SUBJECT_MAX];
    uint64_t seq = 0;

    t->buf[0] = '\0';
    bus_subject_build(subject, sizeof(subject), prefix, cluster, NULL, NULL);
    if (bus_last_subject_seq(f->c, "FL_CLUSTERS", subject, &seq) != 0 ||
        seq == 0) {
        strcpy(t->buf, "(none)");
        return;
    }
    (void)bus_read_seq(f->c, "FL_CLUSTERS", seq,
                       strcmp(prefix, "cluster.status") == 0 ? read_ready
                                                             : read_taints,
                       t);
}

/* Waits up to 10 s for the stored text on @prefix.<cluster> to be @want. */
static bool
wait_for(struct fixture *f, const char *prefix, const char *cluster,
         const char *want)
{
    struct text t;

    for (int i = 0; i < 200; i++) {
        stored(f, prefix, cluster, &t);
        if (strcmp(t.buf, want) == 0) {
            return true;
        }
        usleep(50 * 1000);
    }
    fprintf(stderr, "%s.%s: want \"%s\", have \"%s\"\n", prefix, cluster,
            want, t.buf);
    return false;
}

#define NR_NE "cluster.karmada.io/not-ready:NoExecute"
#define UR_NS "cluster.karmada.io/unreachable:NoSchedule"

static const char *evict_policy =
    "{\"spec\":{\"addOnConditions\":[{\"conditionType\":\"Ready\","
    "\"operator\":\"NotIn\",\"statusValues\":[\"True\"]}],"
    "\"removeOnConditions\":[{\"conditionType\":\"Ready\","
    "\"operator\":\"In\",\"statusValues\":[\"True\"]}],"
    "\"taints\":[{\"key\":\"cluster.karmada.io/not-ready\","
    "\"effect\":\"NoExecute\"}]}}";

static void
health__outage_taints_and_recovery_on_the_bus(void **state)
{
    struct fixture *f = *state;

    spec(f, "member.1");
    probe(f, "member.1", CSTATUS_OUTCOME_OK);
    assert_true(wait_for(f, "cluster.status", "member.1", "True"));
    assert_true(wait_for(f, "cluster.taint", "member.1", ""));
    policy(f, "evict", evict_policy);

    /* No answer for longer than failureThreshold (1 s). */
    probe(f, "member.1", CSTATUS_OUTCOME_NO_ANSWER);

    assert_true(wait_for(f, "cluster.status", "member.1", "Unknown"));
    assert_true(wait_for(f, "cluster.taint", "member.1", NR_NE "," UR_NS));
    probe(f, "member.1", CSTATUS_OUTCOME_OK);
    assert_true(wait_for(f, "cluster.status", "member.1", "True"));
    assert_true(wait_for(f, "cluster.taint", "member.1", ""));
}

static void
health__restart_decides_nothing_again(void **state)
{
    struct fixture *f = *state;
    uint64_t before = 0, after = 0;
    struct actor_shell_stats st;

    spec(f, "m2");
    probe(f, "m2", CSTATUS_OUTCOME_NOT_READY);
    manual(f, "m2", "maintenance", "NoSchedule");
    assert_true(wait_for(f, "cluster.status", "m2", "False"));
    assert_true(wait_for(f, "cluster.taint", "m2",
                         "cluster.karmada.io/not-ready:NoSchedule,"
                         "maintenance:NoSchedule"));
    usleep(300 * 1000);
    assert_int_equal(bus_stream_info(f->c, "FL_CLUSTERS", &before, NULL), 0);

    stop_actors(f);
    start_actors(f);
    /* The same probe again: nothing new to decide. */
    probe(f, "m2", CSTATUS_OUTCOME_NOT_READY);
    for (int i = 0; i < 100; i++) {
        actor_shell_get_stats(f->shell[0], &st);
        if (st.handled >= 1) {
            break;
        }
        usleep(50 * 1000);
    }
    usleep(300 * 1000);

    assert_int_equal(bus_stream_info(f->c, "FL_CLUSTERS", &after, NULL), 0);
    assert_true(after == before);
    actor_shell_stop(f->shell[0]);
    assert_string_equal(cstatus_ready(actor_shell_state(f->shell[0]), "m2"),
                        "False");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            health__outage_taints_and_recovery_on_the_bus, setup, teardown),
        cmocka_unit_test_setup_teardown(health__restart_decides_nothing_again,
                                        setup, teardown),
    };
    int rc = cmocka_run_group_tests_name("integration.health", tests, NULL,
                                         NULL);

    bus_shutdown();
    return rc;
}
