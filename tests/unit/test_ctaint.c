/* SPDX-License-Identifier: Apache-2.0 */
/* The cluster actor (taint owner) on the virtual clock (docs/health.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "actor/sim.h"
#include "bus/subject.h"
#include "ctaint/ctaint.h"
#include "model/decode.h"
#include "util/time.h"

#define S(x) ((int64_t)(x) * NS_PER_S)

struct t {
    struct actor_sim *sim;
    int taint_msgs;         /* cluster.taint.* messages stored */
};

static void
tap(const char *subject, const Flotilla__V1__Envelope *env, uint64_t seq,
    int64_t now, void *arg)
{
    struct t *t = arg;

    (void)env;
    (void)seq;
    (void)now;
    if (strncmp(subject, "cluster.taint.", 14) == 0) {
        t->taint_msgs++;
    }
}

static int
setup(void **state)
{
    static struct t t;

    memset(&t, 0, sizeof(t));
    if (actor_sim_new(0, &t.sim) != 0 ||
        actor_sim_add(t.sim, &ctaint_core, NULL) != 0) {
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
run_to(struct t *t, int64_t at)
{
    assert_int_equal(actor_sim_run_until(t->sim, at), 0);
}

static void
spec_taints(struct t *t, const char *name, const char *label_value,
            Flotilla__V1__Taint **taints, size_t n)
{
    Flotilla__V1__ClusterSpec cs = FLOTILLA__V1__CLUSTER_SPEC__INIT;
    Flotilla__V1__ClusterSpec__LabelsEntry l =
        FLOTILLA__V1__CLUSTER_SPEC__LABELS_ENTRY__INIT;
    Flotilla__V1__ClusterSpec__LabelsEntry *lp = &l;
    char subject[BUS_SUBJECT_MAX];

    cs.name = (char *)name;
    l.key = "env";
    l.value = (char *)label_value;
    cs.n_labels = 1;
    cs.labels = &lp;
    cs.n_taints = n;
    cs.taints = taints;
    bus_subject_build(subject, sizeof(subject), "cluster.spec", name, NULL,
                      NULL);
    assert_int_equal(actor_sim_publish(t->sim, subject, name, "policy/test",
                                       "ClusterSpec", &cs.base), 0);
    run_to(t, actor_sim_now(t->sim));
}

static void
spec(struct t *t, const char *name)
{
    spec_taints(t, name, "prod", NULL, 0);
}

/* Publishes Ready @ready and, when @type is set, condition @type=@st. */
static void
status2(struct t *t, const char *name, const char *ready, const char *type,
        const char *st)
{
    Flotilla__V1__ClusterStatus cs = FLOTILLA__V1__CLUSTER_STATUS__INIT;
    Flotilla__V1__Condition c[2] = { FLOTILLA__V1__CONDITION__INIT,
                                     FLOTILLA__V1__CONDITION__INIT };
    Flotilla__V1__Condition *cp[2] = { &c[0], &c[1] };
    char subject[BUS_SUBJECT_MAX];

    c[0].type = "Ready";
    c[0].status = (char *)ready;
    c[1].type = (char *)(type != NULL ? type : "");
    c[1].status = (char *)(st != NULL ? st : "");
    cs.name = (char *)name;
    cs.ready = (char *)ready;
    cs.n_conditions = type != NULL ? 2 : 1;
    cs.conditions = cp;
    bus_subject_build(subject, sizeof(subject), "cluster.status", name, NULL,
                      NULL);
    assert_int_equal(actor_sim_publish(t->sim, subject, name,
                                       "cluster-status/test", "ClusterStatus",
                                       &cs.base), 0);
    run_to(t, actor_sim_now(t->sim));
}

static void
status(struct t *t, const char *name, const char *ready)
{
    status2(t, name, ready, NULL, NULL);
}

static void
policy_json(struct t *t, const char *name, const char *json)
{
    Flotilla__V1__ObjectRecord rec = FLOTILLA__V1__OBJECT_RECORD__INIT;
    char subject[BUS_SUBJECT_MAX];

    rec.api_version = "policy.karmada.io/v1alpha1";
    rec.kind = "ClusterTaintPolicy";
    rec.name = (char *)name;
    rec.json.data = (uint8_t *)json;
    rec.json.len = strlen(json);
    bus_subject_build(subject, sizeof(subject), "object.ClusterTaintPolicy",
                      "", name, NULL);
    assert_int_equal(actor_sim_publish(t->sim, subject, name, "cli/test",
                                       "ObjectRecord", &rec.base), 0);
    run_to(t, actor_sim_now(t->sim));
}

static void
delete_policy(struct t *t, const char *name)
{
    char subject[BUS_SUBJECT_MAX];

    bus_subject_build(subject, sizeof(subject), "object.ClusterTaintPolicy",
                      "", name, NULL);
    assert_int_equal(actor_sim_delete(t->sim, subject, name, "cli/test",
                                      "ObjectRecord"), 0);
    run_to(t, actor_sim_now(t->sim));
}

static void
request(struct t *t, const char *cluster, const char *key, const char *value,
        const char *effect, bool add)
{
    Flotilla__V1__TaintRequest r = FLOTILLA__V1__TAINT_REQUEST__INIT;
    Flotilla__V1__Taint x = FLOTILLA__V1__TAINT__INIT;
    Flotilla__V1__Taint *xp = &x;
    char subject[BUS_SUBJECT_MAX];

    x.key = (char *)key;
    x.value = (char *)value;
    x.effect = (char *)effect;
    r.cluster = (char *)cluster;
    r.requested_by = "alice";
    if (add) {
        r.n_add = 1;
        r.add = &xp;
    } else {
        r.n_remove = 1;
        r.remove = &xp;
    }
    bus_subject_build(subject, sizeof(subject), "req.taint", cluster, NULL,
                      NULL);
    assert_int_equal(actor_sim_publish(t->sim, subject, cluster, "cli/test",
                                       "TaintRequest", &r.base), 0);
    run_to(t, actor_sim_now(t->sim));
}

/* The last published set of @name (free it), or NULL. */
static Flotilla__V1__ClusterTaints *
published(struct t *t, const char *name)
{
    char subject[BUS_SUBJECT_MAX];
    const Flotilla__V1__Envelope *env;

    bus_subject_build(subject, sizeof(subject), "cluster.taint", name, NULL,
                      NULL);
    env = actor_sim_last(t->sim, subject);
    if (env == NULL || env->deleted) {
        return NULL;
    }
    return flotilla__v1__cluster_taints__unpack(NULL, env->payload.len,
                                                env->payload.data);
}

/* The published set as "key[=value]:Effect,..." in published order. */
static const char *
taints(struct t *t, const char *name)
{
    static char buf[2048];
    Flotilla__V1__ClusterTaints *ts = published(t, name);
    size_t off = 0;

    if (ts == NULL) {
        return "(none)";
    }
    buf[0] = '\0';
    for (size_t i = 0; i < ts->n_taints; i++) {
        const Flotilla__V1__Taint *x = ts->taints[i];

        off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s%s%s:%s",
                                i > 0 ? "," : "", x->key,
                                x->value[0] ? "=" : "", x->value, x->effect);
    }
    flotilla__v1__cluster_taints__free_unpacked(ts, NULL);
    return buf;
}

/* timeAdded of (key, effect) in @name's published set; -1 when absent. */
static int64_t
time_added(struct t *t, const char *name, const char *key,
           const char *effect)
{
    Flotilla__V1__ClusterTaints *ts = published(t, name);
    int64_t at = -1;

    for (size_t i = 0; ts != NULL && i < ts->n_taints; i++) {
        if (strcmp(ts->taints[i]->key, key) == 0 &&
            strcmp(ts->taints[i]->effect, effect) == 0) {
            at = ts->taints[i]->time_added_ns;
        }
    }
    if (ts != NULL) {
        flotilla__v1__cluster_taints__free_unpacked(ts, NULL);
    }
    return at;
}

/* Karmada's documented policy: NotIn [True] adds, In [True] removes. */
static const char *evict_failed =
    "{\"apiVersion\":\"policy.karmada.io/v1alpha1\","
    "\"kind\":\"ClusterTaintPolicy\",\"metadata\":{\"name\":\"evict\"},"
    "\"spec\":{\"addOnConditions\":[{\"conditionType\":\"Ready\","
    "\"operator\":\"NotIn\",\"statusValues\":[\"True\"]}],"
    "\"removeOnConditions\":[{\"conditionType\":\"Ready\","
    "\"operator\":\"In\",\"statusValues\":[\"True\"]}],"
    "\"taints\":[{\"key\":\"cluster.karmada.io/not-ready\","
    "\"effect\":\"NoExecute\"}]}}";

#define NR_NS "cluster.karmada.io/not-ready:NoSchedule"
#define UR_NS "cluster.karmada.io/unreachable:NoSchedule"
#define NR_NE "cluster.karmada.io/not-ready:NoExecute"

/* ---------------------------------------------------------------- condition */

static void
condition_taints__follow_ready(void **state)
{
    struct t *t = *state;

    spec(t, "m1");
    assert_string_equal(taints(t, "m1"), "");

    status(t, "m1", "False");
    assert_string_equal(taints(t, "m1"), NR_NS);
    status(t, "m1", "Unknown");
    assert_string_equal(taints(t, "m1"), UR_NS);
    status(t, "m1", "True");

    assert_string_equal(taints(t, "m1"), "");
    assert_int_equal(t->taint_msgs, 4);
}

static void
condition_taint__keeps_time_added_while_held(void **state)
{
    struct t *t = *state;

    spec(t, "m1");
    run_to(t, S(10));
    status(t, "m1", "False");
    run_to(t, S(20));

    /* Another condition changes; the taint stays, its time too. */
    status2(t, "m1", "False", "NetworkAvailable", "False");
    request(t, "m1", "cluster.karmada.io/not-ready", "", "NoSchedule", true);

    assert_true(time_added(t, "m1", "cluster.karmada.io/not-ready",
                           "NoSchedule") == S(10));
}

static void
duplicate_status__publishes_nothing(void **state)
{
    struct t *t = *state;
    int before;

    spec(t, "m1");
    status(t, "m1", "Unknown");
    before = t->taint_msgs;

    status(t, "m1", "Unknown");
    spec(t, "m1");

    assert_int_equal(t->taint_msgs, before);
}

/* ---------------------------------------------------------------- policies */

static void
policy__adds_on_not_ready_and_removes_on_ready(void **state)
{
    struct t *t = *state;

    spec(t, "m1");
    status(t, "m1", "True");
    policy_json(t, "evict", evict_failed);
    assert_string_equal(taints(t, "m1"), "");

    status(t, "m1", "Unknown");
    assert_string_equal(taints(t, "m1"), NR_NE "," UR_NS);
    status(t, "m1", "True");

    assert_string_equal(taints(t, "m1"), "");
}

static void
policy__holds_while_neither_condition_list_matches(void **state)
{
    struct t *t = *state;

    spec(t, "m1");
    status(t, "m1", "True");
    policy_json(t, "p",
                "{\"spec\":{\"addOnConditions\":[{\"conditionType\":"
                "\"Ready\",\"operator\":\"In\",\"statusValues\":[\"False\"]}],"
                "\"removeOnConditions\":[{\"conditionType\":\"Ready\","
                "\"operator\":\"In\",\"statusValues\":[\"True\"]}],"
                "\"taints\":[{\"key\":\"bad\",\"effect\":\"NoExecute\"}]}}");
    status(t, "m1", "False");
    assert_string_equal(taints(t, "m1"), "bad:NoExecute," NR_NS);

    status(t, "m1", "Unknown");
    assert_string_equal(taints(t, "m1"), "bad:NoExecute," UR_NS);
    status(t, "m1", "True");

    assert_string_equal(taints(t, "m1"), "");
}

static void
policy__edit_updates_value_and_keeps_time_added(void **state)
{
    struct t *t = *state;
    char *edited = NULL;

    spec(t, "m1");
    run_to(t, S(5));
    status(t, "m1", "False");
    policy_json(t, "evict", evict_failed);
    assert_true(time_added(t, "m1", "cluster.karmada.io/not-ready",
                           "NoExecute") == S(5));
    run_to(t, S(9));

    edited = strdup(evict_failed);
    assert_non_null(edited);
    {
        /* Give the taint a value. */
        json_t *j = json_loads(edited, 0, NULL);
        json_t *tt = json_array_get(json_object_get(json_object_get(j, "spec"),
                                                    "taints"), 0);

        json_object_set_new(tt, "value", json_string("yes"));
        free(edited);
        edited = json_dumps(j, JSON_COMPACT);
        json_decref(j);
    }
    policy_json(t, "evict", edited);

    assert_string_equal(taints(t, "m1"), "cluster.karmada.io/not-ready=yes"
                                         ":NoExecute," NR_NS);
    assert_true(time_added(t, "m1", "cluster.karmada.io/not-ready",
                           "NoExecute") == S(5));
    free(edited);
}

static void
policy__deleted_takes_its_taints(void **state)
{
    struct t *t = *state;

    spec(t, "m1");
    status(t, "m1", "False");
    policy_json(t, "evict", evict_failed);
    assert_string_equal(taints(t, "m1"), NR_NE "," NR_NS);

    delete_policy(t, "evict");

    assert_string_equal(taints(t, "m1"), NR_NS);
}

static void
policy__target_clusters_limit_it(void **state)
{
    struct t *t = *state;

    spec_taints(t, "m1", "prod", NULL, 0);
    spec_taints(t, "m2", "dev", NULL, 0);
    status(t, "m1", "False");
    status(t, "m2", "False");

    policy_json(t, "p",
                "{\"spec\":{\"targetClusters\":{\"labelSelector\":"
                "{\"matchLabels\":{\"env\":\"prod\"}}},"
                "\"addOnConditions\":[{\"conditionType\":\"Ready\","
                "\"operator\":\"In\",\"statusValues\":[\"False\"]}],"
                "\"taints\":[{\"key\":\"x\",\"effect\":\"NoExecute\"}]}}");

    assert_string_equal(taints(t, "m1"), NR_NS ",x:NoExecute");
    assert_string_equal(taints(t, "m2"), NR_NS);
}

static void
policy__not_in_matches_a_missing_condition(void **state)
{
    struct t *t = *state;

    spec(t, "m1");
    status(t, "m1", "True");

    policy_json(t, "p",
                "{\"spec\":{\"addOnConditions\":[{\"conditionType\":"
                "\"NetworkAvailable\",\"operator\":\"NotIn\",\"statusValues\":"
                "[\"True\"]}],\"taints\":[{\"key\":\"net\","
                "\"effect\":\"NoSchedule\"}]}}");

    assert_string_equal(taints(t, "m1"), "net:NoSchedule");
}

static void
policy__invalid_is_ignored_with_no_effect(void **state)
{
    struct t *t = *state;

    spec(t, "m1");
    status(t, "m1", "False");

    policy_json(t, "bad",
                "{\"spec\":{\"addOnConditions\":[{\"conditionType\":"
                "\"Ready\",\"operator\":\"In\",\"statusValues\":[\"False\"]}],"
                "\"taints\":[{\"key\":\"x\",\"effect\":\"PreferNoSchedule\"}]}}");
    policy_json(t, "bad2", "{not json");

    assert_string_equal(taints(t, "m1"), NR_NS);
}

static void
policies__same_taint_value_from_the_first_by_name(void **state)
{
    struct t *t = *state;
    const char *fmt =
        "{\"spec\":{\"addOnConditions\":[{\"conditionType\":\"Ready\","
        "\"operator\":\"In\",\"statusValues\":[\"False\"]}],\"taints\":"
        "[{\"key\":\"k\",\"value\":\"%s\",\"effect\":\"NoExecute\"}]}}";
    char a[512], b[512];

    snprintf(a, sizeof(a), fmt, "from-a");
    snprintf(b, sizeof(b), fmt, "from-b");
    spec(t, "m1");
    status(t, "m1", "False");

    /* b arrives first; a's name sorts first and wins either way. */
    policy_json(t, "b", b);
    policy_json(t, "a", a);
    assert_string_equal(taints(t, "m1"), NR_NS ",k=from-a:NoExecute");
    delete_policy(t, "a");

    assert_string_equal(taints(t, "m1"), NR_NS ",k=from-b:NoExecute");
}

static void
policy__real_karmada_example_applies(void **state)
{
    struct t *t = *state;
    const char *shared = getenv("FL_SHARED_DIR");
    struct model_file *f = NULL;
    struct model_error err;
    json_t *j = NULL;
    char path[1024];
    char *text;

    if (shared == NULL) {
        fprintf(stderr, "skip: FL_SHARED_DIR is not set\n");
        skip();
    }
    snprintf(path, sizeof(path), "%s/testdata/real/karmada-docs/"
             "cluster-taint-management-1.yaml", shared);
    if (model_decode_file(path, NULL, &f, &err) == -ENOENT) {
        fprintf(stderr, "skip: %s not found\n", path);
        skip();
    }
    assert_non_null(f);
    assert_int_equal(model_node_to_json(model_file_document(f, 0)->root, &j),
                     0);
    text = json_dumps(j, JSON_COMPACT);
    spec(t, "member1");
    spec(t, "member3");
    status2(t, "member1", "True", "KubeComponentsHealthy", "False");
    status2(t, "member3", "True", "KubeComponentsHealthy", "False");

    policy_json(t, "foo", text);

    assert_string_equal(taints(t, "member1"),
                        "kube-components-unhealthy:NoSchedule");
    assert_string_equal(taints(t, "member3"), "");
    status2(t, "member1", "True", "KubeComponentsHealthy", "True");
    assert_string_equal(taints(t, "member1"), "");
    free(text);
    json_decref(j);
    model_file_free(f);
}

/* ---------------------------------------------------------------- manual */

static void
manual__add_and_remove(void **state)
{
    struct t *t = *state;
    int before;

    spec(t, "m1");
    status(t, "m1", "True");

    request(t, "m1", "maintenance", "db", "NoSchedule", true);
    assert_string_equal(taints(t, "m1"), "maintenance=db:NoSchedule");
    before = t->taint_msgs;
    request(t, "m1", "maintenance", "db", "NoSchedule", true);
    assert_int_equal(t->taint_msgs, before);
    request(t, "m1", "maintenance", "", "", false);

    assert_string_equal(taints(t, "m1"), "");
}

static void
manual__bad_request_is_refused(void **state)
{
    struct t *t = *state;
    int before;

    spec(t, "m1");
    status(t, "m1", "True");
    before = t->taint_msgs;

    request(t, "m1", "x", "", "PreferNoSchedule", true);
    request(t, "m1", "-bad-", "", "NoSchedule", true);

    assert_int_equal(t->taint_msgs, before);
}

static void
manual__request_before_the_spec_waits_for_it(void **state)
{
    struct t *t = *state;

    request(t, "m1", "maintenance", "", "NoSchedule", true);
    assert_string_equal(taints(t, "m1"), "(none)");

    spec(t, "m1");

    assert_string_equal(taints(t, "m1"), "maintenance:NoSchedule");
}

static void
manual_remove__leaves_a_taint_another_source_holds(void **state)
{
    struct t *t = *state;

    spec(t, "m1");
    status(t, "m1", "False");
    request(t, "m1", "cluster.karmada.io/not-ready", "", "NoSchedule", true);

    request(t, "m1", "cluster.karmada.io/not-ready", "", "NoSchedule", false);

    assert_string_equal(taints(t, "m1"), NR_NS);
}

static void
spec_taints__are_published(void **state)
{
    struct t *t = *state;
    Flotilla__V1__Taint x = FLOTILLA__V1__TAINT__INIT;
    Flotilla__V1__Taint *xp = &x;

    x.key = "dedicated";
    x.value = "db";
    x.effect = "NoSchedule";

    spec_taints(t, "m1", "prod", &xp, 1);
    status(t, "m1", "True");

    assert_string_equal(taints(t, "m1"), "dedicated=db:NoSchedule");
}

/* ---------------------------------------------------------------- restart */

static void
restart__keeps_manual_taints_and_policy_holds(void **state)
{
    struct t *t = *state;
    size_t before;
    char buf[512];

    spec(t, "m1");
    status(t, "m1", "True");
    policy_json(t, "p",
                "{\"spec\":{\"addOnConditions\":[{\"conditionType\":"
                "\"Ready\",\"operator\":\"In\",\"statusValues\":[\"False\"]}],"
                "\"removeOnConditions\":[{\"conditionType\":\"Ready\","
                "\"operator\":\"In\",\"statusValues\":[\"True\"]}],"
                "\"taints\":[{\"key\":\"bad\",\"effect\":\"NoExecute\"}]}}");
    request(t, "m1", "maintenance", "", "NoExecute", true);
    status(t, "m1", "False");
    status(t, "m1", "Unknown");   /* neither list matches: still held */
    before = actor_sim_log_len(t->sim);

    assert_int_equal(actor_sim_restart(t->sim, "cluster"), 0);
    run_to(t, S(1));

    assert_int_equal(actor_sim_log_len(t->sim), before);
    assert_int_equal(ctaint_format(actor_sim_state(t->sim, "cluster"), "m1",
                                   buf, sizeof(buf)), 3);
    assert_string_equal(buf, "bad:NoExecute," UR_NS ",maintenance:NoExecute");
    status(t, "m1", "True");
    assert_string_equal(taints(t, "m1"), "maintenance:NoExecute");
}

static void
removed_cluster__gets_a_tombstone(void **state)
{
    struct t *t = *state;
    const Flotilla__V1__Envelope *env;

    spec(t, "m1");
    status(t, "m1", "False");

    assert_int_equal(actor_sim_delete(t->sim, "cluster.spec.m1", "m1",
                                      "policy/test", "ClusterSpec"), 0);
    run_to(t, S(1));

    env = actor_sim_last(t->sim, "cluster.taint.m1");
    assert_non_null(env);
    assert_true(env->deleted);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(condition_taints__follow_ready),
        T(condition_taint__keeps_time_added_while_held),
        T(duplicate_status__publishes_nothing),
        T(policy__adds_on_not_ready_and_removes_on_ready),
        T(policy__holds_while_neither_condition_list_matches),
        T(policy__edit_updates_value_and_keeps_time_added),
        T(policy__deleted_takes_its_taints),
        T(policy__target_clusters_limit_it),
        T(policy__not_in_matches_a_missing_condition),
        T(policy__invalid_is_ignored_with_no_effect),
        T(policies__same_taint_value_from_the_first_by_name),
        T(policy__real_karmada_example_applies),
        T(manual__add_and_remove),
        T(manual__bad_request_is_refused),
        T(manual__request_before_the_spec_waits_for_it),
        T(manual_remove__leaves_a_taint_another_source_holds),
        T(spec_taints__are_published),
        T(restart__keeps_manual_taints_and_policy_holds),
        T(removed_cluster__gets_a_tombstone),
#undef T
    };

    return cmocka_run_group_tests_name("actors.cluster", tests, NULL, NULL);
}
