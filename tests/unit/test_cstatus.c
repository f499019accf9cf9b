/* SPDX-License-Identifier: Apache-2.0 */
/* The cluster-status core on the virtual clock (docs/health.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "actor/sim.h"
#include "bus/envelope.h"
#include "bus/subject.h"
#include "config/config.h"
#include "cstatus/cstatus.h"
#include "ctaint/ctaint.h"
#include "util/time.h"

#define S(x) ((int64_t)(x) * NS_PER_S)

struct t {
    struct actor_sim *sim;
    struct cfg_settings set;
    int status_msgs;        /* cluster.status.* messages stored */
    int events;             /* events.cluster-status messages stored */
};

static void
tap(const char *subject, const Flotilla__V1__Envelope *env, uint64_t seq,
    int64_t now, void *arg)
{
    struct t *t = arg;

    (void)env;
    (void)seq;
    (void)now;
    if (strncmp(subject, "cluster.status.", 15) == 0) {
        t->status_msgs++;
    } else if (strcmp(subject, "events.cluster-status") == 0) {
        t->events++;
    }
}

static int
setup(void **state)
{
    static struct t t;

    memset(&t, 0, sizeof(t));
    cfg_settings_init(&t.set);
    if (actor_sim_new(0, &t.sim) != 0 ||
        actor_sim_add(t.sim, &cstatus_core, &t.set) != 0) {
        return -1;
    }
    actor_sim_set_tap(t.sim, tap, &t);
    *state = &t;
    return 0;
}

static int
teardown(void **state)
{
    struct t *t = *state;

    actor_sim_free(t->sim);
    return 0;
}

static void
spec(struct t *t, const char *name, bool pull)
{
    Flotilla__V1__ClusterSpec cs = FLOTILLA__V1__CLUSTER_SPEC__INIT;
    char subject[BUS_SUBJECT_MAX];

    cs.name = (char *)name;
    cs.sync_mode = pull ? FLOTILLA__V1__SYNC_MODE__SYNC_MODE_PULL
                        : FLOTILLA__V1__SYNC_MODE__SYNC_MODE_PUSH;
    bus_subject_build(subject, sizeof(subject), "cluster.spec", name, NULL,
                      NULL);
    assert_int_equal(actor_sim_publish(t->sim, subject, name, "policy/test",
                                       "ClusterSpec", &cs.base), 0);
}

/* A probe result for @name started now, with an optional cpu summary. */
static void
probe_cpu(struct t *t, const char *name, const char *outcome, int64_t cpu)
{
    Flotilla__V1__ProbeResult p = FLOTILLA__V1__PROBE_RESULT__INIT;
    Flotilla__V1__ResourceSummary rs = FLOTILLA__V1__RESOURCE_SUMMARY__INIT;
    Flotilla__V1__ResourceList alloc = FLOTILLA__V1__RESOURCE_LIST__INIT;
    Flotilla__V1__ResourceList__MilliEntry e =
        FLOTILLA__V1__RESOURCE_LIST__MILLI_ENTRY__INIT;
    Flotilla__V1__ResourceList__MilliEntry *ep = &e;
    char subject[BUS_SUBJECT_MAX];

    p.cluster = (char *)name;
    p.outcome = (char *)outcome;
    p.probed_ns = actor_sim_now(t->sim);
    if (strcmp(outcome, CSTATUS_OUTCOME_NOT_READY) == 0) {
        p.http_code = 503;
    } else if (strcmp(outcome, CSTATUS_OUTCOME_NO_ANSWER) == 0) {
        p.detail = "connection refused";
    } else {
        e.key = "cpu";
        e.value = cpu;
        alloc.n_milli = 1;
        alloc.milli = &ep;
        rs.allocatable = &alloc;
        rs.observed_ns = p.probed_ns;
        p.resource_summary = &rs;
    }
    bus_subject_build(subject, sizeof(subject), "cluster.probe", name, NULL,
                      NULL);
    assert_int_equal(actor_sim_publish(t->sim, subject, name, "prober/test",
                                       "ProbeResult", &p.base), 0);
}

static void
probe(struct t *t, const char *name, const char *outcome)
{
    probe_cpu(t, name, outcome, 32000);
}

static void
heartbeat(struct t *t, const char *name, const char *ready)
{
    Flotilla__V1__Heartbeat hb = FLOTILLA__V1__HEARTBEAT__INIT;
    char subject[BUS_SUBJECT_MAX];

    hb.cluster = (char *)name;
    hb.ready = (char *)ready;
    bus_subject_build(subject, sizeof(subject), "cluster.heartbeat", name,
                      NULL, NULL);
    assert_int_equal(actor_sim_publish(t->sim, subject, name, "agent/test",
                                       "Heartbeat", &hb.base), 0);
}

static void
run_to(struct t *t, int64_t at)
{
    assert_int_equal(actor_sim_run_until(t->sim, at), 0);
}

/* Probes every probePeriod from @from_s (inclusive) to @to_s (exclusive). */
static void
probes(struct t *t, const char *name, int from_s, int to_s,
       const char *outcome)
{
    for (int s = from_s; s < to_s; s += 10) {
        run_to(t, S(s));
        probe(t, name, outcome);
        run_to(t, S(s));
    }
}

/* The last published status of @name (free it), or NULL. */
static Flotilla__V1__ClusterStatus *
status(struct t *t, const char *name)
{
    char subject[BUS_SUBJECT_MAX];
    const Flotilla__V1__Envelope *env;

    bus_subject_build(subject, sizeof(subject), "cluster.status", name, NULL,
                      NULL);
    env = actor_sim_last(t->sim, subject);
    if (env == NULL || env->deleted) {
        return NULL;
    }
    return flotilla__v1__cluster_status__unpack(NULL, env->payload.len,
                                                env->payload.data);
}

static void
assert_ready(struct t *t, const char *name, const char *ready,
             const char *reason)
{
    Flotilla__V1__ClusterStatus *st = status(t, name);

    assert_non_null(st);
    assert_string_equal(st->ready, ready);
    assert_string_equal(st->reason, reason);
    assert_true(st->n_conditions >= 1);
    assert_string_equal(st->conditions[0]->type, "Ready");
    assert_string_equal(st->conditions[0]->status, ready);
    flotilla__v1__cluster_status__free_unpacked(st, NULL);
}

/* ---------------------------------------------------------------- table */

static void
no_answer__becomes_unknown_after_failure_threshold(void **state)
{
    struct t *t = *state;

    spec(t, "m1", false);
    probes(t, "m1", 0, 30, CSTATUS_OUTCOME_OK);
    probes(t, "m1", 30, 60, CSTATUS_OUTCOME_NO_ANSWER);
    run_to(t, S(60) - 1);
    assert_ready(t, "m1", "True", "ClusterReady");

    run_to(t, S(60));

    assert_ready(t, "m1", "Unknown", "ClusterNotReachable");
}

static void
not_ready_answer__becomes_false_after_failure_threshold(void **state)
{
    struct t *t = *state;
    Flotilla__V1__ClusterStatus *st;

    spec(t, "m1", false);
    probes(t, "m1", 0, 30, CSTATUS_OUTCOME_OK);
    probes(t, "m1", 30, 60, CSTATUS_OUTCOME_NOT_READY);
    run_to(t, S(60) - 1);
    assert_ready(t, "m1", "True", "ClusterReady");

    run_to(t, S(60));

    assert_ready(t, "m1", "False", "ClusterNotReady");
    st = status(t, "m1");
    assert_true(st->ready_since_ns == S(60));
    assert_non_null(strstr(st->conditions[0]->message, "HTTP 503"));
    flotilla__v1__cluster_status__free_unpacked(st, NULL);
}

static void
answers__return_to_true_after_success_threshold(void **state)
{
    struct t *t = *state;

    spec(t, "m1", false);
    probes(t, "m1", 0, 10, CSTATUS_OUTCOME_OK);
    probes(t, "m1", 10, 100, CSTATUS_OUTCOME_NO_ANSWER);
    assert_ready(t, "m1", "Unknown", "ClusterNotReachable");
    probes(t, "m1", 100, 130, CSTATUS_OUTCOME_OK);
    run_to(t, S(130) - 1);
    assert_ready(t, "m1", "Unknown", "ClusterNotReachable");

    run_to(t, S(130));

    assert_ready(t, "m1", "True", "ClusterReady");
}

static void
non_true_change__also_waits_failure_threshold(void **state)
{
    struct t *t = *state;

    spec(t, "m1", false);
    probes(t, "m1", 0, 10, CSTATUS_OUTCOME_OK);
    probes(t, "m1", 10, 50, CSTATUS_OUTCOME_NO_ANSWER);
    assert_ready(t, "m1", "Unknown", "ClusterNotReachable");
    probes(t, "m1", 50, 80, CSTATUS_OUTCOME_NOT_READY);
    run_to(t, S(80) - 1);
    assert_ready(t, "m1", "Unknown", "ClusterNotReachable");

    run_to(t, S(80));

    assert_ready(t, "m1", "False", "ClusterNotReady");
}

static void
first_report__is_taken_at_once(void **state)
{
    struct t *t = *state;

    spec(t, "m1", false);

    probes(t, "m1", 0, 10, CSTATUS_OUTCOME_NOT_READY);

    assert_ready(t, "m1", "False", "ClusterNotReady");
}

static void
flapping__shorter_than_threshold_changes_nothing(void **state)
{
    struct t *t = *state;
    Flotilla__V1__ClusterStatus *st;

    spec(t, "m1", false);
    probes(t, "m1", 0, 10, CSTATUS_OUTCOME_OK);
    /* Down for 20 s, up for 20 s, for five minutes. */
    for (int s = 10; s < 310; s += 40) {
        probes(t, "m1", s, s + 20, CSTATUS_OUTCOME_NO_ANSWER);
        probes(t, "m1", s + 20, s + 40, CSTATUS_OUTCOME_OK);
    }

    probes(t, "m1", 330, 400, CSTATUS_OUTCOME_OK);

    st = status(t, "m1");
    assert_string_equal(st->ready, "True");
    assert_true(st->ready_since_ns == 0);
    flotilla__v1__cluster_status__free_unpacked(st, NULL);
    assert_int_equal(t->events, 1);  /* only the first decision */
}

/* ---------------------------------------------------------------- silence */

static void
pull_silence__becomes_unknown_after_heartbeat_grace(void **state)
{
    struct t *t = *state;

    spec(t, "p1", true);
    for (int s = 0; s <= 20; s += 10) {
        run_to(t, S(s));
        heartbeat(t, "p1", "True");
    }
    run_to(t, S(60) - 1);
    assert_ready(t, "p1", "True", "ClusterReady");

    run_to(t, S(60));

    assert_ready(t, "p1", "Unknown", "ClusterNotReachable");
}

static void
pull_heartbeat_false__is_debounced_like_a_probe(void **state)
{
    struct t *t = *state;

    spec(t, "p1", true);
    run_to(t, 0);
    heartbeat(t, "p1", "True");
    for (int s = 10; s <= 30; s += 10) {
        run_to(t, S(s));
        heartbeat(t, "p1", "False");
    }
    run_to(t, S(40) - 1);
    assert_ready(t, "p1", "True", "ClusterReady");

    run_to(t, S(40));

    assert_ready(t, "p1", "False", "ClusterNotReady");
}

static void
push_dead_prober__counts_as_no_answer(void **state)
{
    struct t *t = *state;
    Flotilla__V1__ClusterStatus *st;

    spec(t, "m1", false);
    probes(t, "m1", 0, 30, CSTATUS_OUTCOME_OK);
    /* The last result is from t=20; the probe due at 30 never reports. */
    run_to(t, S(60) - 1);
    assert_ready(t, "m1", "True", "ClusterReady");

    run_to(t, S(60));

    assert_ready(t, "m1", "Unknown", "ClusterNotReachable");
    st = status(t, "m1");
    assert_string_equal(st->streak_outcome, CSTATUS_OUTCOME_NO_ANSWER);
    assert_true(st->streak_start_ns == S(30));
    flotilla__v1__cluster_status__free_unpacked(st, NULL);
}

static void
never_reported__becomes_unknown(void **state)
{
    struct t *t = *state;

    spec(t, "m1", false);
    run_to(t, S(19));
    assert_null(status(t, "m1"));

    run_to(t, S(20));

    assert_ready(t, "m1", "Unknown", "ClusterNotReachable");
}

/* ---------------------------------------------------------------- restart */

static void
restart__mid_streak_neither_forgets_nor_shortens(void **state)
{
    struct t *t = *state;
    Flotilla__V1__ClusterStatus *st;

    spec(t, "m1", false);
    probes(t, "m1", 0, 30, CSTATUS_OUTCOME_OK);
    probes(t, "m1", 30, 50, CSTATUS_OUTCOME_NO_ANSWER);
    run_to(t, S(45));

    assert_int_equal(actor_sim_restart(t->sim, "cluster-status"), 0);
    probes(t, "m1", 50, 60, CSTATUS_OUTCOME_NO_ANSWER);
    run_to(t, S(60) - 1);
    assert_ready(t, "m1", "True", "ClusterReady");
    run_to(t, S(60));

    assert_ready(t, "m1", "Unknown", "ClusterNotReachable");
    st = status(t, "m1");
    assert_true(st->streak_start_ns == S(30));
    assert_true(st->ready_since_ns == S(60));
    flotilla__v1__cluster_status__free_unpacked(st, NULL);
}

/* Hands @payload on @subject to the core's absorb() as a stored message. */
static void
absorb(void *core_state, const char *subject, const char *producer,
       const char *type, const ProtobufCMessage *payload, int64_t at)
{
    Flotilla__V1__Envelope env = FLOTILLA__V1__ENVELOPE__INIT;
    struct actor_msg m = { 0 };
    uint8_t buf[1024];

    env.key = "m1";
    env.producer = (char *)producer;
    env.type = (char *)type;
    env.event_time_ns = at;
    env.payload.len = protobuf_c_message_pack(payload, buf);
    env.payload.data = buf;
    m.subject = subject;
    m.stream = "FL_CLUSTERS";
    m.seq = 1;
    m.env = &env;
    assert_int_equal(cstatus_core.absorb(core_state, &m), 0);
}

static void
restart__decides_a_transition_that_fell_due_while_down(void **state)
{
    Flotilla__V1__ClusterSpec cs = FLOTILLA__V1__CLUSTER_SPEC__INIT;
    Flotilla__V1__ClusterStatus st = FLOTILLA__V1__CLUSTER_STATUS__INIT;
    Flotilla__V1__ClusterStatus *out = NULL;
    struct actor_fx fx = { 0 };
    struct t *t = *state;
    void *core = cstatus_core.create(&t->set);
    Flotilla__V1__Envelope *env = NULL;
    char why[64];

    /* Unknown, answering again since 10 s; the actor was away until 50 s. */
    cs.name = "m1";
    absorb(core, "cluster.spec.m1", "policy/x", "ClusterSpec", &cs.base, 0);
    st.name = "m1";
    st.ready = "Unknown";
    st.reason = "ClusterNotReachable";
    st.streak_outcome = CSTATUS_OUTCOME_OK;
    st.streak_start_ns = S(10);
    st.last_probe_ns = S(20);
    absorb(core, "cluster.status.m1", "cluster-status/x", "ClusterStatus",
           &st.base, S(10));
    actor_fx_begin(&fx, "cluster-status", "cluster-status/x", S(50), NULL,
                   "resume");

    assert_int_equal(cstatus_core.resume(core, S(50), &fx), 0);

    assert_string_equal(cstatus_ready(core, "m1"), "True");
    for (size_t i = 0; i < fx.nouts; i++) {
        if (strcmp(fx.outs[i].subject, "cluster.status.m1") == 0) {
            assert_int_equal(bus_envelope_unpack(fx.outs[i].data,
                                                 fx.outs[i].len, &env, why,
                                                 sizeof(why)), 0);
            out = flotilla__v1__cluster_status__unpack(
                NULL, env->payload.len, env->payload.data);
        }
    }
    assert_non_null(out);
    assert_string_equal(out->ready, "True");
    assert_true(out->ready_since_ns == S(50));
    flotilla__v1__cluster_status__free_unpacked(out, NULL);
    bus_envelope_free(env);
    actor_fx_release(&fx);
    cstatus_core.destroy(core);
}

static void
restart__with_nothing_new_publishes_nothing(void **state)
{
    struct t *t = *state;
    size_t before;

    spec(t, "m1", false);
    probes(t, "m1", 0, 100, CSTATUS_OUTCOME_NO_ANSWER);
    before = actor_sim_log_len(t->sim);

    assert_int_equal(actor_sim_restart(t->sim, "cluster-status"), 0);
    run_to(t, S(100));

    assert_int_equal(actor_sim_log_len(t->sim), before);
}

/* ---------------------------------------------------------------- output */

static void
duplicate_probe__publishes_nothing(void **state)
{
    struct t *t = *state;
    size_t before;

    spec(t, "m1", false);
    probes(t, "m1", 0, 10, CSTATUS_OUTCOME_OK);
    before = actor_sim_log_len(t->sim);

    probe(t, "m1", CSTATUS_OUTCOME_OK);
    run_to(t, 0);

    assert_int_equal(actor_sim_log_len(t->sim), before + 1);  /* the probe */
    assert_int_equal(t->status_msgs, 1);
}

static void
steady_probes__publish_once(void **state)
{
    struct t *t = *state;

    spec(t, "m1", false);

    probes(t, "m1", 0, 600, CSTATUS_OUTCOME_OK);

    assert_int_equal(t->status_msgs, 1);
}

static void
summary_changes__publish_at_most_once_per_status_period(void **state)
{
    struct t *t = *state;
    Flotilla__V1__ClusterStatus *st;

    spec(t, "m1", false);

    /* A new cpu figure every second for 20 s. */
    for (int s = 0; s < 20; s++) {
        run_to(t, S(s));
        probe_cpu(t, "m1", CSTATUS_OUTCOME_OK, 1000 + s);
        run_to(t, S(s));
    }
    run_to(t, S(30));

    assert_true(t->status_msgs >= 4 && t->status_msgs <= 5);
    st = status(t, "m1");
    assert_true(st->resource_summary->allocatable->milli[0]->value == 1019);
    flotilla__v1__cluster_status__free_unpacked(st, NULL);
}

static void
bad_probe__is_refused_without_effect(void **state)
{
    struct t *t = *state;

    spec(t, "m1", false);
    probes(t, "m1", 0, 10, CSTATUS_OUTCOME_OK);

    probe(t, "m1", "maybe");
    run_to(t, S(1));

    assert_int_equal(t->status_msgs, 1);
    assert_string_equal(cstatus_ready(actor_sim_state(t->sim,
                                                      "cluster-status"), "m1"),
                        "True");
}

static void
removed_cluster__gets_a_tombstone(void **state)
{
    struct t *t = *state;
    const Flotilla__V1__Envelope *env;

    spec(t, "m1", false);
    probes(t, "m1", 0, 10, CSTATUS_OUTCOME_OK);

    /* The policy actor withdraws the cluster. */
    assert_int_equal(actor_sim_delete(t->sim, "cluster.spec.m1", "m1",
                                      "policy/test", "ClusterSpec"), 0);
    run_to(t, S(1));

    env = actor_sim_last(t->sim, "cluster.status.m1");
    assert_non_null(env);
    assert_true(env->deleted);
}

/* An ok probe that also reports condition @type=@st. */
static void
probe_cond(struct t *t, const char *name, const char *type, const char *st)
{
    Flotilla__V1__ProbeResult p = FLOTILLA__V1__PROBE_RESULT__INIT;
    Flotilla__V1__ResourceSummary rs = FLOTILLA__V1__RESOURCE_SUMMARY__INIT;
    Flotilla__V1__Condition c = FLOTILLA__V1__CONDITION__INIT;
    Flotilla__V1__Condition *cp = &c;
    char subject[BUS_SUBJECT_MAX];

    c.type = (char *)type;
    c.status = (char *)st;
    p.cluster = (char *)name;
    p.outcome = CSTATUS_OUTCOME_OK;
    p.probed_ns = actor_sim_now(t->sim);
    p.resource_summary = &rs;
    p.n_conditions = 1;
    p.conditions = &cp;
    bus_subject_build(subject, sizeof(subject), "cluster.probe", name, NULL,
                      NULL);
    assert_int_equal(actor_sim_publish(t->sim, subject, name, "prober/test",
                                       "ProbeResult", &p.base), 0);
    run_to(t, actor_sim_now(t->sim));
}

static void
reported_condition__published_and_taints_through_a_policy(void **state)
{
    struct t *t = *state;
    Flotilla__V1__ClusterStatus *st;
    char buf[256];
    const char *policy =
        "{\"spec\":{\"addOnConditions\":[{\"conditionType\":"
        "\"KubeComponentsHealthy\",\"operator\":\"NotIn\",\"statusValues\":"
        "[\"True\"]}],\"removeOnConditions\":[{\"conditionType\":"
        "\"KubeComponentsHealthy\",\"operator\":\"In\",\"statusValues\":"
        "[\"True\"]}],\"taints\":[{\"key\":\"kube-components-unhealthy\","
        "\"effect\":\"NoSchedule\"}]}}";
    Flotilla__V1__ObjectRecord rec = FLOTILLA__V1__OBJECT_RECORD__INIT;

    assert_int_equal(actor_sim_add(t->sim, &ctaint_core, NULL), 0);
    rec.kind = "ClusterTaintPolicy";
    rec.name = "foo";
    rec.json.data = (uint8_t *)policy;
    rec.json.len = strlen(policy);
    assert_int_equal(actor_sim_publish(t->sim, "object.ClusterTaintPolicy._.foo",
                                       "foo", "cli/test", "ObjectRecord",
                                       &rec.base), 0);
    spec(t, "m1", false);
    probe_cond(t, "m1", "KubeComponentsHealthy", "True");
    run_to(t, S(10));

    probe_cond(t, "m1", "KubeComponentsHealthy", "False");

    st = status(t, "m1");
    assert_int_equal(st->n_conditions, 2);
    assert_string_equal(st->conditions[1]->type, "KubeComponentsHealthy");
    assert_string_equal(st->conditions[1]->status, "False");
    assert_true(st->conditions[1]->last_transition_ns == S(10));
    flotilla__v1__cluster_status__free_unpacked(st, NULL);
    assert_int_equal(ctaint_format(actor_sim_state(t->sim, "cluster"), "m1",
                                   buf, sizeof(buf)), 1);
    assert_string_equal(buf, "kube-components-unhealthy:NoSchedule");
    run_to(t, S(20));
    probe_cond(t, "m1", "KubeComponentsHealthy", "True");
    assert_int_equal(ctaint_format(actor_sim_state(t->sim, "cluster"), "m1",
                                   buf, sizeof(buf)), 0);
}

static void
pull_recovery__after_silence_needs_success_threshold(void **state)
{
    struct t *t = *state;

    spec(t, "p1", true);
    run_to(t, 0);
    heartbeat(t, "p1", "True");
    run_to(t, S(100));
    assert_ready(t, "p1", "Unknown", "ClusterNotReachable");
    for (int s = 100; s < 130; s += 10) {
        run_to(t, S(s));
        heartbeat(t, "p1", "True");
    }
    run_to(t, S(130) - 1);
    assert_ready(t, "p1", "Unknown", "ClusterNotReachable");

    run_to(t, S(130));

    assert_ready(t, "p1", "True", "ClusterReady");
}

static void
duplicate_heartbeat__publishes_nothing(void **state)
{
    struct t *t = *state;
    int before;

    spec(t, "p1", true);
    run_to(t, S(1));
    heartbeat(t, "p1", "True");
    run_to(t, S(1));
    before = t->status_msgs;

    heartbeat(t, "p1", "True");
    heartbeat(t, "p1", "True");
    run_to(t, S(1));

    assert_int_equal(t->status_msgs, before);
    assert_int_equal(before, 1);
}

static void
probe_before_spec__is_decided_when_the_spec_comes(void **state)
{
    struct t *t = *state;

    probes(t, "m1", 0, 10, CSTATUS_OUTCOME_NOT_READY);
    assert_null(status(t, "m1"));

    spec(t, "m1", false);
    run_to(t, S(1));

    assert_ready(t, "m1", "False", "ClusterNotReady");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(no_answer__becomes_unknown_after_failure_threshold),
        T(not_ready_answer__becomes_false_after_failure_threshold),
        T(answers__return_to_true_after_success_threshold),
        T(non_true_change__also_waits_failure_threshold),
        T(first_report__is_taken_at_once),
        T(flapping__shorter_than_threshold_changes_nothing),
        T(pull_silence__becomes_unknown_after_heartbeat_grace),
        T(pull_heartbeat_false__is_debounced_like_a_probe),
        T(push_dead_prober__counts_as_no_answer),
        T(never_reported__becomes_unknown),
        T(restart__mid_streak_neither_forgets_nor_shortens),
        T(restart__decides_a_transition_that_fell_due_while_down),
        T(restart__with_nothing_new_publishes_nothing),
        T(duplicate_probe__publishes_nothing),
        T(steady_probes__publish_once),
        T(summary_changes__publish_at_most_once_per_status_period),
        T(bad_probe__is_refused_without_effect),
        T(removed_cluster__gets_a_tombstone),
        T(reported_condition__published_and_taints_through_a_policy),
        T(pull_recovery__after_silence_needs_success_threshold),
        T(duplicate_heartbeat__publishes_nothing),
        T(probe_before_spec__is_decided_when_the_spec_comes),
#undef T
    };

    return cmocka_run_group_tests_name("actors.cluster_status", tests, NULL,
                                       NULL);
}
