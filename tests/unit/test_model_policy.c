/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Names, selector priorities, policy choice and binding specs: the
 * scenarios of ../shared/spec/policy.md §8.1, §8.3 and §8.4.
 */
#include <errno.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/object.h"
#include "model/policy.h"

/* Reads every document of @text into @set (all must be accepted). */
static void
load(struct model_set *set, const char *text)
{
    struct model_file *f = NULL;
    struct model_error err;

    assert_int_equal(model_decode_buffer("t.yaml", text, strlen(text), NULL,
                                         &f, &err),
                     0);
    for (size_t i = 0; i < model_file_document_count(f); i++) {
        struct model_object *o = NULL;
        int rc = model_object_from_document(f, model_file_document(f, i), &o,
                                            &err);

        if (rc == -ENODATA) {
            continue;
        }
        if (rc != 0) {
            fail_msg("document %zu: %s %s", i + 1, err.path, err.message);
        }
        assert_int_equal(model_set_add(set, o), 0);
    }
    model_file_free(f);
}

static const struct model_object *
find(const struct model_set *set, const char *kind, const char *name)
{
    for (size_t i = 0; i < set->n; i++) {
        if (strcmp(set->items[i]->kind, kind) == 0 &&
            strcmp(set->items[i]->name, name) == 0) {
            return set->items[i];
        }
    }
    fail_msg("%s %s not loaded", kind, name);
    return NULL;
}

static void
binding_name__matches_karmada_vectors(void **state)
{
    static const char *const cases[][3] = {
        { "Pods", "pod", "pod-pods" },
        { "pods", "Pod", "pod-pods" },
        { "Role", "system:controller:tom", "system.controller.tom-role" },
        { "ClusterRole", "system::tom", "system..tom-clusterrole" },
        { "RoleBinding", "system::tt:tom", "system..tt.tom-rolebinding" },
        { "ClusterRoleBinding", "system:tt:tom",
          "system.tt.tom-clusterrolebinding" },
        { "Deployment", "test-deployment", "test-deployment-deployment" },
    };
    char buf[128];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc = model_binding_name(cases[i][0], cases[i][1], buf,
                                    sizeof(buf));

        assert_int_equal(rc, 0);
        assert_string_equal(buf, cases[i][2]);
    }
}

static void
short_hash__matches_karmada_vectors(void **state)
{
    char buf[16];

    (void)state;

    model_short_hash("ns-foorand", buf, sizeof(buf));
    assert_string_equal(buf, "b4978784");
    model_short_hash("test/test-binding", buf, sizeof(buf));
    assert_string_equal(buf, "5dbb6dc9c8");
    model_short_hash("", buf, sizeof(buf));
    assert_string_equal(buf, "65bb57b6b5");
}

static void
depended_by_label__matches_attached_binding_vector_scenario58(void **state)
{
    char buf[128];

    (void)state;

    assert_int_equal(model_depended_by_label("test", "test-binding", buf,
                                             sizeof(buf)),
                     0);

    assert_string_equal(buf,
                        "resourcebinding.karmada.io/depended-by-5dbb6dc9c8");
}

static void
work_name__matches_karmada_vectors(void **state)
{
    static const char *const cases[][4] = {
        { "Deployment", "nginx", "default", "nginx-687f7fb96f" },
        { "ConfigMap", "nginx", "default", "nginx-7dcff4d6b" },
        { "Pod", "pod", "", "pod-6c46fd8b9d" },
        { "pods", "Pod", "default", "pod-5fdddc94c5" },
        { "Pods", "work:pod", "default", "work.pod-85bc474696" },
        { "Namespace", "demo", "", "demo-6654f4c4f6" },
    };
    char buf[128];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc = model_work_name(cases[i][0], cases[i][1], cases[i][2], buf,
                                 sizeof(buf));

        assert_int_equal(rc, 0);
        assert_string_equal(buf, cases[i][3]);
    }
}

static const char *const pod_test =
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: test\n"
    "  namespace: default\n  labels: {foo: bar}\n"
    "spec:\n  containers: [{name: a}]\n";

static void
selector_match__gives_karmada_implicit_priorities(void **state)
{
    static const char *const cases[][2] = {
        { "{apiVersion: v1, kind: Pod, namespace: default, name: test}", "3" },
        { "{apiVersion: v1, kind: Pod, name: test}", "3" },
        { "{apiVersion: v1, kind: Pod, name: test, labelSelector: "
          "{matchLabels: {foo: unmatched}}}",
          "3" },
        { "{apiVersion: v1, kind: Pod, name: unmatched, labelSelector: "
          "{matchLabels: {foo: bar}}}",
          "0" },
        { "{apiVersion: v1, kind: Pod, labelSelector: {matchLabels: "
          "{foo: bar}}}",
          "2" },
        { "{apiVersion: v1, kind: Pod, labelSelector: {matchLabels: "
          "{foo: unmatched}}}",
          "0" },
        { "{apiVersion: v1, kind: Pod}", "1" },
        { "{apiVersion: v1, kind: Pod, labelSelector: {matchExpressions: "
          "[{key: '', operator: Exists}]}}",
          "0" },
        { "{apiVersion: unmatched, kind: Pod}", "0" },
        { "{apiVersion: v1, kind: Pod, namespace: Unmatched}", "0" },
        { "{apiVersion: v1, kind: Pod, labelSelector: {}}", "2" },
    };
    struct model_set set = { NULL, 0 };

    (void)state;
    load(&set, pod_test);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *sel = NULL;
        struct model_file *f = NULL;

        assert_int_equal(model_decode_buffer("s", cases[i][0],
                                             strlen(cases[i][0]), NULL, &f,
                                             NULL),
                         0);
        assert_int_equal(model_node_to_json(model_file_document(f, 0)->root,
                                            &sel),
                         0);
        assert_int_equal(model_selector_match(sel, set.items[0]),
                         atoi(cases[i][1]));
        json_decref(sel);
        model_file_free(f);
    }
    model_set_release(&set);
}

static void
selectors_match__takes_maximum_over_list(void **state)
{
    struct model_set set = { NULL, 0 };
    json_t *both = json_loads("[{\"apiVersion\":\"v1\",\"kind\":\"Pod\"},"
                              "{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
                              "\"name\":\"test\"}]",
                              0, NULL);
    json_t *empty = json_array();

    (void)state;
    load(&set, pod_test);

    assert_int_equal(model_selectors_match(both, set.items[0]),
                     MODEL_MATCH_NAME);
    assert_int_equal(model_selectors_match(empty, set.items[0]),
                     MODEL_MATCH_NONE);
    json_decref(both);
    json_decref(empty);
    model_set_release(&set);
}

static const char *const deploy_nginx =
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: nginx\n"
    "  namespace: test\n  labels: {app: nginx}\n"
    "spec:\n  template:\n    spec:\n      containers: [{name: a}]\n---\n";

/* Appends a (Cluster)PropagationPolicy selecting Deployments to @buf. */
static void
add_pp(char *buf, size_t len, const char *kind, const char *name,
       const char *prio, const char *selector)
{
    size_t used = strlen(buf);
    bool cpp = strcmp(kind, "ClusterPropagationPolicy") == 0;

    snprintf(buf + used, len - used,
             "apiVersion: policy.karmada.io/v1alpha1\nkind: %s\n"
             "metadata:\n  name: %s\n%s"
             "spec:\n  priority: %s\n  resourceSelectors:\n"
             "  - {apiVersion: apps/v1, kind: Deployment%s}\n---\n",
             kind, name, cpp ? "" : "  namespace: test\n", prio, selector);
}

static const char *
winner(const char *text)
{
    static char name[64];
    struct model_set set = { NULL, 0 };
    const struct model_object *w;

    load(&set, text);
    w = model_policy_match(&set, find(&set, "Deployment", "nginx"), NULL, 0,
                           NULL);
    snprintf(name, sizeof(name), "%s", w != NULL ? w->name : "(none)");
    model_set_release(&set);
    return name;
}

static void
policy_match__name_beats_label_beats_all(void **state)
{
    char text[4096];

    (void)state;
    snprintf(text, sizeof(text), "%s", deploy_nginx);
    add_pp(text, sizeof(text), "PropagationPolicy", "match-all", "0", "");
    add_pp(text, sizeof(text), "PropagationPolicy", "match-with-label", "0",
           ", labelSelector: {matchLabels: {app: nginx}}");
    add_pp(text, sizeof(text), "PropagationPolicy", "match-with-name", "0",
           ", name: nginx");

    assert_string_equal(winner(text), "match-with-name");
}

static void
policy_match__ignores_policies_of_other_namespaces(void **state)
{
    const char *text =
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: nginx\n"
        "  namespace: test01\nspec:\n  template:\n    spec:\n"
        "      containers: [{name: a}]\n---\n"
        "apiVersion: policy.karmada.io/v1alpha1\nkind: PropagationPolicy\n"
        "metadata: {name: p, namespace: test}\nspec:\n"
        "  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]\n";

    (void)state;

    assert_string_equal(winner(text), "(none)");
}

static void
policy_match__breaks_full_tie_by_name(void **state)
{
    char text[4096];

    (void)state;
    snprintf(text, sizeof(text), "%s", deploy_nginx);
    add_pp(text, sizeof(text), "PropagationPolicy", "b-pp", "0",
           ", name: nginx");
    add_pp(text, sizeof(text), "PropagationPolicy", "a-pp", "0",
           ", name: nginx");

    assert_string_equal(winner(text), "a-pp");
}

static void
policy_match__explicit_priority_beats_implicit(void **state)
{
    static const char *const cases[][5] = {
        /* a prio, a selector, b prio, b selector, winner */
        { "0", ", name: nginx", "1", ", name: nginx", "b-pp" },
        { "1", ", name: nginx", "2",
          ", labelSelector: {matchLabels: {app: nginx}}", "b-pp" },
        { "1", ", labelSelector: {matchLabels: {app: nginx}}", "1",
          ", name: nginx", "b-pp" },
        { "0", ", labelSelector: {matchLabels: {app: nginx}}", "-1",
          ", name: nginx", "a-pp" },
    };
    static const char *const kinds[] = { "PropagationPolicy",
                                         "ClusterPropagationPolicy" };

    (void)state;
    for (size_t k = 0; k < 2; k++) {
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
            char text[4096];

            snprintf(text, sizeof(text), "%s", deploy_nginx);
            add_pp(text, sizeof(text), kinds[k], "a-pp", cases[i][0],
                   cases[i][1]);
            add_pp(text, sizeof(text), kinds[k], "b-pp", cases[i][2],
                   cases[i][3]);

            assert_string_equal(winner(text), cases[i][4]);
        }
    }
}

static void
policy_match__propagation_policy_beats_cluster_policy(void **state)
{
    char text[4096];

    (void)state;
    snprintf(text, sizeof(text), "%s", deploy_nginx);
    add_pp(text, sizeof(text), "ClusterPropagationPolicy", "c", "100",
           ", name: nginx");
    add_pp(text, sizeof(text), "PropagationPolicy", "p", "0", "");

    assert_string_equal(winner(text), "p");
}

static void
binding_build__fills_spec_from_template_and_policy(void **state)
{
    const char *text =
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
        "  name: test-deployment\n  uid: test-uid\n"
        "spec:\n  replicas: 3\n  template:\n    spec:\n"
        "      containers: [{name: a, resources: {requests: {cpu: 100m}}}]\n"
        "---\n"
        "apiVersion: policy.karmada.io/v1alpha1\nkind: PropagationPolicy\n"
        "metadata: {name: test-policy}\nspec:\n"
        "  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]\n"
        "  conflictResolution: Overwrite\n"
        "  placement:\n    clusterAffinity: {clusterNames: [m1, m2]}\n"
        "    replicaScheduling: {replicaSchedulingType: Divided}\n";
    struct model_set set = { NULL, 0 };
    Flotilla__V1__BindingSpec *b = NULL;
    struct model_error err;
    int rc;

    (void)state;
    load(&set, text);

    rc = model_binding_build(set.items[0], set.items[1], &b, &err);

    assert_int_equal(rc, 0);
    assert_string_equal(b->namespace_, "default");
    assert_string_equal(b->name, "test-deployment-deployment");
    assert_string_equal(b->resource->name, "test-deployment");
    assert_string_equal(b->resource->uid, "test-uid");
    assert_int_equal(b->replicas, 3);
    assert_true(b->has_replica_requirements);
    assert_int_equal(b->replica_requirements->resource_request->n_milli, 1);
    assert_int_equal(b->replica_requirements->resource_request->milli[0]
                         ->value,
                     100);
    assert_string_equal(b->policy_name, "test-policy");
    assert_string_equal(b->conflict_resolution, "Overwrite");
    assert_string_equal(b->scheduler_name, "default-scheduler");
    assert_int_equal(b->placement->cluster_affinity->n_cluster_names, 2);
    assert_string_equal(
        b->placement->replica_scheduling->replica_division_preference,
        "Weighted");
    assert_true(b->template_json.len > 0);
    {
        struct model_object *again = NULL;

        /* The template travels in the binding and reads back the same. */
        rc = model_object_from_bytes("binding", b->template_json.data,
                                     b->template_json.len, &again, &err);
        assert_int_equal(rc, 0);
        assert_string_equal(again->uid, "test-uid");
        assert_true(json_equal(again->json, set.items[0]->json));
        model_object_free(again);
    }
    model_binding_free(b);
    model_set_release(&set);
}

static void
binding_build__cluster_scoped_template_gets_cluster_binding(void **state)
{
    const char *text =
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n"
        "metadata: {name: test-cluster-role}\nrules: []\n---\n"
        "apiVersion: policy.karmada.io/v1alpha1\n"
        "kind: ClusterPropagationPolicy\n"
        "metadata: {name: test-cluster-policy}\nspec:\n"
        "  resourceSelectors:\n"
        "  - {apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRole}\n";
    struct model_set set = { NULL, 0 };
    const struct model_object *p;
    Flotilla__V1__BindingSpec *b = NULL;
    struct model_error err;
    int rc;

    (void)state;
    load(&set, text);
    p = model_policy_match(&set, set.items[0], NULL, 0, NULL);
    assert_non_null(p);

    rc = model_binding_build(set.items[0], p, &b, &err);

    assert_int_equal(rc, 0);
    assert_string_equal(b->namespace_, "");
    assert_string_equal(b->name, "test-cluster-role-clusterrole");
    assert_int_equal(b->replicas, 0);
    assert_false(b->has_replica_requirements);
    model_binding_free(b);
    model_set_release(&set);
}

static void
binding_build__lists_dependencies_with_propagate_deps(void **state)
{
    struct model_set set = { NULL, 0 };
    const struct model_object *t;
    const struct model_object *p;
    Flotilla__V1__BindingSpec *b = NULL;
    struct model_error err;
    const char *src = getenv("FL_SOURCE_DIR");
    char path[1024];
    int rc;

    (void)state;
    if (src == NULL) {
        skip();
    }
    snprintf(path, sizeof(path), "%s/tests/model/app.yaml", src);
    {
        struct model_file *f = NULL;

        assert_int_equal(model_decode_file(path, NULL, &f, &err), 0);
        for (size_t i = 0; i < model_file_document_count(f); i++) {
            struct model_object *o = NULL;

            assert_int_equal(model_object_from_document(
                                 f, model_file_document(f, i), &o, &err),
                             0);
            assert_int_equal(model_set_add(&set, o), 0);
        }
        model_file_free(f);
    }
    t = find(&set, "Deployment", "nginx");
    p = model_policy_match(&set, t, NULL, 0, NULL);

    rc = model_binding_build(t, p, &b, &err);

    assert_int_equal(rc, 0);
    assert_string_equal(p->name, "nginx-propagation");
    assert_true(b->propagate_deps);
    assert_int_equal(b->n_requires, 1);
    assert_string_equal(b->requires[0]->kind, "ConfigMap");
    assert_string_equal(b->requires[0]->name, "nginx-config");
    model_binding_free(b);
    model_set_release(&set);
}

static void
conflict_resolution__template_annotation_wins_scenario53(void **state)
{
    (void)state;

    assert_string_equal(model_conflict_resolution(NULL, "Overwrite"),
                        "overwrite");
    assert_string_equal(model_conflict_resolution(NULL, "Abort"), "abort");
    assert_string_equal(model_conflict_resolution("overwrite", "Abort"),
                        "overwrite");
    assert_string_equal(model_conflict_resolution("abort", "Overwrite"),
                        "abort");
    assert_string_equal(model_conflict_resolution("unknown", "Overwrite"),
                        "overwrite");
}

static void
suspend_dispatching__per_cluster_scenario54(void **state)
{
    json_t *none = json_object();
    json_t *f = json_pack("{s:b}", "dispatching", 0);
    json_t *t = json_pack("{s:b}", "dispatching", 1);
    json_t *on = json_pack("{s:{s:[s]}}", "dispatchingOnClusters",
                           "clusterNames", "clusterA");

    (void)state;

    assert_false(model_suspend_dispatching(NULL, "clusterA"));
    assert_false(model_suspend_dispatching(none, "clusterA"));
    assert_false(model_suspend_dispatching(f, "clusterA"));
    assert_true(model_suspend_dispatching(t, "clusterA"));
    assert_true(model_suspend_dispatching(on, "clusterA"));
    assert_false(model_suspend_dispatching(on, "clusterB"));
    json_decref(none);
    json_decref(f);
    json_decref(t);
    json_decref(on);
}

static void
suspension_merge__keeps_third_party_scheduling_scenario55(void **state)
{
    json_t *sched = json_pack("{s:b}", "scheduling", 1);
    json_t *both = json_pack("{s:b,s:b}", "dispatching", 1, "scheduling", 1);
    json_t *disp = json_pack("{s:b}", "dispatching", 1);
    json_t *out = NULL;
    json_t *want;

    (void)state;

    assert_int_equal(model_suspension_merge(NULL, NULL, &out), 0);
    assert_null(out);
    assert_int_equal(model_suspension_merge(sched, NULL, &out), 0);
    assert_true(json_equal(out, sched));
    json_decref(out);
    assert_int_equal(model_suspension_merge(both, NULL, &out), 0);
    assert_true(json_equal(out, sched));
    json_decref(out);
    assert_int_equal(model_suspension_merge(disp, NULL, &out), 0);
    assert_null(out);
    assert_int_equal(model_suspension_merge(NULL, disp, &out), 0);
    assert_true(json_equal(out, disp));
    json_decref(out);
    assert_int_equal(model_suspension_merge(sched, disp, &out), 0);
    want = json_pack("{s:b,s:b}", "dispatching", 1, "scheduling", 1);
    assert_true(json_equal(out, want));
    json_decref(out);
    json_decref(want);
    json_decref(sched);
    json_decref(both);
    json_decref(disp);
}

static const char *const claim_policies =
    "apiVersion: policy.karmada.io/v1alpha1\nkind: PropagationPolicy\n"
    "metadata:\n  name: pp-example\n  namespace: test\n  labels:\n"
    "    propagationpolicy.karmada.io/permanent-id: f2507cgb-pp\n"
    "spec:\n  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]\n"
    "---\n"
    "apiVersion: policy.karmada.io/v1alpha1\n"
    "kind: ClusterPropagationPolicy\nmetadata:\n  name: cpp-example\n"
    "  labels:\n"
    "    clusterpropagationpolicy.karmada.io/permanent-id: f2507cgb-cpp\n"
    "spec:\n  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]\n";

static void
claim_apply__writes_label_and_annotations_scenarios17_19(void **state)
{
    struct model_set set = { NULL, 0 };
    json_t *obj = json_pack("{s:{s:{s:s}}}", "metadata", "labels", "foo",
                            "bar");
    json_t *labels;
    json_t *ann;

    (void)state;
    load(&set, claim_policies);

    assert_int_equal(model_claim_apply(obj, set.items[1]), 0);
    assert_int_equal(model_claim_apply(obj, set.items[0]), 0);

    labels = json_object_get(json_object_get(obj, "metadata"), "labels");
    ann = json_object_get(json_object_get(obj, "metadata"), "annotations");
    assert_string_equal(json_string_value(json_object_get(
                            labels, "propagationpolicy.karmada.io/"
                                    "permanent-id")),
                        "f2507cgb-pp");
    assert_null(json_object_get(labels, "clusterpropagationpolicy.karmada.io/"
                                        "permanent-id"));
    assert_string_equal(json_string_value(json_object_get(labels, "foo")),
                        "bar");
    assert_string_equal(json_string_value(json_object_get(
                            ann, "propagationpolicy.karmada.io/namespace")),
                        "test");
    assert_string_equal(json_string_value(json_object_get(
                            ann, "propagationpolicy.karmada.io/name")),
                        "pp-example");
    assert_null(json_object_get(ann, "clusterpropagationpolicy.karmada.io/"
                                     "name"));
    json_decref(obj);
    model_set_release(&set);
}

static void
claim_cleanup__only_removes_own_claim_scenario18(void **state)
{
    struct model_set set = { NULL, 0 };
    json_t *mine = json_object();
    json_t *other = json_pack(
        "{s:{s:{s:s}}}", "metadata", "labels",
        "propagationpolicy.karmada.io/permanent-id", "b0907-other");

    (void)state;
    load(&set, claim_policies);
    assert_int_equal(model_claim_apply(mine, set.items[0]), 0);

    assert_int_equal(model_claim_cleanup(mine, set.items[0]), 1);
    assert_int_equal(model_claim_cleanup(other, set.items[0]), 0);

    assert_int_equal(json_object_size(json_object_get(
                         json_object_get(mine, "metadata"), "labels")),
                     0);
    assert_int_equal(json_object_size(json_object_get(
                         json_object_get(other, "metadata"), "labels")),
                     1);
    json_decref(mine);
    json_decref(other);
    model_set_release(&set);
}

static void
policy_preempts__priority_and_scope_rules_scenarios22_26(void **state)
{
    const char *text =
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: nginx\n"
        "spec:\n  template:\n    spec:\n      containers: [{name: a}]\n---\n"
        "apiVersion: policy.karmada.io/v1alpha1\nkind: PropagationPolicy\n"
        "metadata: {name: low-pp}\nspec:\n  priority: 5\n"
        "  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]\n"
        "---\n"
        "apiVersion: policy.karmada.io/v1alpha1\nkind: PropagationPolicy\n"
        "metadata: {name: high-pp}\nspec:\n  priority: 10\n"
        "  preemption: Always\n  resourceSelectors: [{apiVersion: apps/v1, "
        "kind: Deployment, name: nginx}]\n---\n"
        "apiVersion: policy.karmada.io/v1alpha1\nkind: PropagationPolicy\n"
        "metadata: {name: never-pp}\nspec:\n  priority: 10\n"
        "  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment, "
        "name: nginx}]\n---\n"
        "apiVersion: policy.karmada.io/v1alpha1\n"
        "kind: ClusterPropagationPolicy\nmetadata: {name: cpp}\nspec:\n"
        "  priority: 100\n  resourceSelectors: [{apiVersion: apps/v1, "
        "kind: Deployment}]\n---\n"
        "apiVersion: policy.karmada.io/v1alpha1\n"
        "kind: ClusterPropagationPolicy\nmetadata: {name: high-cpp}\n"
        "spec:\n  priority: 200\n  preemption: Always\n"
        "  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment, "
        "name: nginx, namespace: default}]\n";
    struct model_set set = { NULL, 0 };
    const struct model_object *t;

    (void)state;
    load(&set, text);
    t = find(&set, "Deployment", "nginx");

    assert_true(model_policy_preempts(find(&set, "PropagationPolicy",
                                           "high-pp"),
                                      find(&set, "PropagationPolicy",
                                           "low-pp"),
                                      t));
    assert_false(model_policy_preempts(find(&set, "PropagationPolicy",
                                            "low-pp"),
                                       find(&set, "PropagationPolicy",
                                            "high-pp"),
                                       t));
    assert_false(model_policy_preempts(find(&set, "PropagationPolicy",
                                            "never-pp"),
                                       find(&set, "PropagationPolicy",
                                            "low-pp"),
                                       t));
    /* A PP with Always takes a CPP's template regardless of priority. */
    assert_true(model_policy_preempts(find(&set, "PropagationPolicy",
                                           "high-pp"),
                                      find(&set, "ClusterPropagationPolicy",
                                           "cpp"),
                                      t));
    assert_true(model_policy_preempts(find(&set, "ClusterPropagationPolicy",
                                           "high-cpp"),
                                      find(&set, "ClusterPropagationPolicy",
                                           "cpp"),
                                      t));
    assert_false(model_policy_preempts(find(&set, "ClusterPropagationPolicy",
                                            "high-cpp"),
                                       find(&set, "PropagationPolicy",
                                            "low-pp"),
                                       t));
    model_set_release(&set);
}

static int
read_one(const char *text, struct model_error *err)
{
    struct model_file *f = NULL;
    struct model_object *o = NULL;
    int rc;

    rc = model_decode_buffer("t.yaml", text, strlen(text), NULL, &f, err);
    if (rc == 0) {
        rc = model_object_from_document(f, model_file_document(f, 0), &o,
                                        err);
    }
    model_object_free(o);
    model_file_free(f);
    return rc;
}

static void
cluster_validation__rejects_karmada_invalid_cases_scenario64(void **state)
{
    static const char *const bad[][2] = {
        { "name: ^Invalid\nspec: {syncMode: Push}", "metadata.name" },
        { "name: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
          "spec: {syncMode: Push}",
          "metadata.name" },
        { "name: m1\nspec: {}", "spec.syncMode" },
        { "name: m1\nspec: {syncMode: ^Invalid}", "spec.syncMode" },
        { "name: m1\nspec: {syncMode: Push, apiEndpoint: ^Invalid}",
          "spec.apiEndpoint" },
        { "name: m1\nspec: {syncMode: Push, secretRef: {}}",
          "spec.secretRef.namespace" },
        { "name: m1\nspec: {syncMode: Push, proxyURL: ^Invalid}",
          "spec.proxyURL" },
        { "name: m1\nspec: {syncMode: Push, region: 'a b'}", "spec.region" },
        { "name: m1\nspec: {syncMode: Push, zone: z1, zones: [z2]}",
          "spec.zones" },
        { "name: m1\nspec: {syncMode: Push, taints: [{key: k, effect: "
          "PreferNoSchedule}]}",
          "spec.taints[0].effect" },
    };
    char text[512];
    struct model_error err;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *nl = strchr(bad[i][0], '\n');

        snprintf(text, sizeof(text),
                 "apiVersion: cluster.karmada.io/v1alpha1\nkind: Cluster\n"
                 "metadata: {%.*s}\n%s\n",
                 (int)(nl - bad[i][0]), bad[i][0], nl + 1);
        memset(&err, 0, sizeof(err));

        assert_int_equal(read_one(text, &err), -EINVAL);
        assert_string_equal(err.path, bad[i][1]);
    }
    snprintf(text, sizeof(text),
             "apiVersion: cluster.karmada.io/v1alpha1\nkind: Cluster\n"
             "metadata: {name: member-1}\nspec: {syncMode: Pull, "
             "apiEndpoint: 'https://10.0.0.1:6443', proxyURL: "
             "'socks5://127.0.0.1:1080', zones: [z1]}\n");
    assert_int_equal(read_one(text, &err), 0);
}

static void
cluster_spec__defaults_models_and_migrates_zone_scenario66(void **state)
{
    const char *text =
        "apiVersion: cluster.karmada.io/v1alpha1\nkind: Cluster\n"
        "metadata:\n  name: m1\n  labels: {tier: edge}\n"
        "spec:\n  syncMode: Push\n  apiEndpoint: https://10.0.0.1:6443\n"
        "  zone: z1\n  taints: [{key: k, effect: NoSchedule, timeAdded: "
        "'2026-01-02T03:04:05.5Z'}]\n";
    struct model_set set = { NULL, 0 };
    Flotilla__V1__ClusterSpec *c = NULL;
    int rc;

    (void)state;
    load(&set, text);

    rc = model_cluster_spec_from_object(set.items[0], &c);

    assert_int_equal(rc, 0);
    assert_string_equal(c->name, "m1");
    assert_int_equal(c->sync_mode, FLOTILLA__V1__SYNC_MODE__SYNC_MODE_PUSH);
    assert_string_equal(c->zone, "");
    assert_int_equal(c->n_zones, 1);
    assert_string_equal(c->zones[0], "z1");
    assert_int_equal(c->n_labels, 1);
    assert_int_equal(c->n_taints, 1);
    assert_int_equal(c->taints[0]->time_added_ns,
                     1767323045LL * 1000000000 + 500000000);
    assert_int_equal(c->n_resource_models, 9);
    assert_int_equal(c->resource_models[0]->ranges[0]->min_milli, 0);
    assert_int_equal(c->resource_models[1]->ranges[0]->min_milli, 1000);
    assert_int_equal(c->resource_models[1]->ranges[1]->min_milli,
                     4LL * 1024 * 1024 * 1024 * 1000);
    assert_int_equal(c->resource_models[8]->ranges[0]->max_milli, INT64_MAX);
    protobuf_c_message_free_unpacked(&c->base, NULL);
    model_set_release(&set);
}

static void
cluster_validation__rejects_bad_resource_models_scenario64(void **state)
{
    static const char *const bad[] = {
        /* duplicate grade */
        "[{grade: 0, ranges: [{name: cpu, min: 0, max: 1}]},"
        " {grade: 0, ranges: [{name: cpu, min: 1, max: 2}]}]",
        /* gap between grades */
        "[{grade: 0, ranges: [{name: cpu, min: 0, max: 1}]},"
        " {grade: 1, ranges: [{name: cpu, min: 2, max: 4}]},"
        " {grade: 2, ranges: [{name: cpu, min: 4, max: 8}]}]",
        /* different resource names */
        "[{grade: 0, ranges: [{name: cpu, min: 0, max: 1}]},"
        " {grade: 1, ranges: [{name: memory, min: 1, max: 2}]}]",
        /* max <= min */
        "[{grade: 0, ranges: [{name: cpu, min: 0, max: 2}]},"
        " {grade: 1, ranges: [{name: cpu, min: 2, max: 2}]},"
        " {grade: 2, ranges: [{name: cpu, min: 2, max: 8}]}]",
    };
    char text[1024];
    struct model_error err;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(text, sizeof(text),
                 "apiVersion: cluster.karmada.io/v1alpha1\nkind: Cluster\n"
                 "metadata: {name: m1}\nspec:\n  syncMode: Push\n"
                 "  resourceModels: %s\n",
                 bad[i]);
        memset(&err, 0, sizeof(err));

        assert_int_equal(read_one(text, &err), -EINVAL);
        assert_string_equal(err.path, "spec.resourceModels");
        assert_int_equal(err.line, 6);
    }
}

static void
template_ignored__karmada_event_filter_scenario6(void **state)
{
    static const char *const none[] = { NULL };

    (void)state;

    assert_true(model_template_ignored("Pod", "karmada-system", "p", NULL));
    assert_true(model_template_ignored("Pod", "karmada-cluster", "p", NULL));
    assert_true(model_template_ignored("Pod", "karmada-es-test", "p", NULL));
    assert_true(model_template_ignored("Pod", "kube-system", "p", NULL));
    assert_false(model_template_ignored("Pod", "default", "p", NULL));
    assert_false(model_template_ignored("Pod", "kube-system", "p", none));
    assert_true(model_template_ignored("ConfigMap", "kube-system",
                                       "extension-apiserver-authentication",
                                       none));
    assert_false(model_template_ignored("Node", "", "test-node", NULL));
    assert_false(model_template_ignored("Pod", "xkube-a", "p", NULL));
}

static void
template_changed__ignores_status_and_server_fields_scenario7(void **state)
{
    json_t *a = json_pack("{s:{s:s,s:s},s:{s:i},s:{s:i}}", "metadata", "name",
                          "d", "resourceVersion", "1", "spec", "replicas", 1,
                          "status", "replicas", 0);
    json_t *b = json_pack("{s:{s:s,s:s},s:{s:i},s:{s:i}}", "metadata", "name",
                          "d", "resourceVersion", "2", "spec", "replicas", 1,
                          "status", "replicas", 1);
    json_t *c = json_pack("{s:{s:s,s:{s:s}},s:{s:i}}", "metadata", "name", "d",
                          "annotations", "policy.karmada.io/applied-placement",
                          "x", "spec", "replicas", 1);
    json_t *d = json_pack("{s:{s:s},s:{s:i}}", "metadata", "name", "d",
                          "spec", "replicas", 2);

    (void)state;

    assert_false(model_template_changed(a, b));
    assert_true(model_template_changed(a, c));
    assert_true(model_template_changed(a, d));
    json_decref(a);
    json_decref(b);
    json_decref(c);
    json_decref(d);
}

static void
add_always(char *buf, size_t len, const char *name, const char *prio)
{
    size_t used = strlen(buf);

    snprintf(buf + used, len - used,
             "apiVersion: policy.karmada.io/v1alpha1\n"
             "kind: PropagationPolicy\nmetadata: {name: %s}\nspec:\n"
             "  priority: %s\n  preemption: Always\n"
             "  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment, "
             "name: x}]\n---\n",
             name, prio);
}

static void
policy_deprioritized__requeues_between_new_and_old_scenario21(void **state)
{
    char text[4096] = "";
    struct model_set set = { NULL, 0 };
    const struct model_object *out[4];
    const struct model_object *app;
    size_t n;

    (void)state;
    add_always(text, sizeof(text), "app", "2");
    add_always(text, sizeof(text), "foo", "3");
    add_always(text, sizeof(text), "foo-2", "4");
    add_always(text, sizeof(text), "bar", "7");
    load(&set, text);
    app = find(&set, "PropagationPolicy", "app");

    n = model_policy_deprioritized(&set, app, 4, 2, out, 4);
    assert_int_equal(n, 1);
    assert_string_equal(out[0]->name, "foo");

    n = model_policy_deprioritized(&set, app, 5, 2, out, 4);
    assert_int_equal(n, 2);
    assert_string_equal(out[0]->name, "foo-2");
    assert_string_equal(out[1]->name, "foo");

    n = model_policy_deprioritized(&set, app, 3, 2, out, 4);
    assert_int_equal(n, 0);
    model_set_release(&set);
}

static void
dependencies_match__annotation_cases_scenario60(void **state)
{
    json_t *cm = json_pack("{s:s,s:s,s:{s:s,s:s,s:{s:s}}}", "apiVersion",
                           "v1", "kind", "ConfigMap", "metadata", "namespace",
                           "test", "name", "test-cm", "labels", "app", "a");
    json_t *bare = json_pack("{s:s,s:s,s:{s:s,s:s}}", "apiVersion", "v1",
                             "kind", "ConfigMap", "metadata", "namespace",
                             "test", "name", "other");
    const char *by_name = "[{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
                          "\"namespace\":\"test\",\"name\":\"test-cm\"}]";
    const char *by_sel = "[{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
                         "\"namespace\":\"test\",\"labelSelector\":{"
                         "\"matchLabels\":{\"app\":\"a\"}}}]";
    const char *empty_sel = "[{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
                            "\"namespace\":\"test\",\"labelSelector\":{}}]";
    const char *bad_op = "[{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
                         "\"namespace\":\"test\",\"labelSelector\":{"
                         "\"matchExpressions\":[{\"key\":\"app\","
                         "\"operator\":\"Foo\"}]}}]";
    const char *second = "[{\"apiVersion\":\"v1\",\"kind\":\"Secret\","
                         "\"namespace\":\"test\",\"name\":\"test-cm\"},"
                         "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
                         "\"namespace\":\"test\",\"name\":\"test-cm\"}]";

    (void)state;

    assert_int_equal(model_dependencies_match(by_name, cm), 1);
    assert_int_equal(model_dependencies_match("[]", cm), 0);
    assert_int_equal(model_dependencies_match("{invalid", cm), -EINVAL);
    assert_int_equal(model_dependencies_match(by_name, bare), 0);
    assert_int_equal(model_dependencies_match(by_sel, cm), 1);
    assert_int_equal(model_dependencies_match(by_sel, bare), 0);
    assert_int_equal(model_dependencies_match(empty_sel, bare), 1);
    assert_int_equal(model_dependencies_match(bad_op, cm), -EINVAL);
    assert_int_equal(model_dependencies_match(second, cm), 1);
    json_decref(cm);
    json_decref(bare);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(binding_name__matches_karmada_vectors),
        cmocka_unit_test(short_hash__matches_karmada_vectors),
        cmocka_unit_test(work_name__matches_karmada_vectors),
        cmocka_unit_test(
            depended_by_label__matches_attached_binding_vector_scenario58),
        cmocka_unit_test(selector_match__gives_karmada_implicit_priorities),
        cmocka_unit_test(selectors_match__takes_maximum_over_list),
        cmocka_unit_test(policy_match__name_beats_label_beats_all),
        cmocka_unit_test(policy_match__ignores_policies_of_other_namespaces),
        cmocka_unit_test(policy_match__breaks_full_tie_by_name),
        cmocka_unit_test(policy_match__explicit_priority_beats_implicit),
        cmocka_unit_test(
            policy_match__propagation_policy_beats_cluster_policy),
        cmocka_unit_test(binding_build__fills_spec_from_template_and_policy),
        cmocka_unit_test(
            binding_build__cluster_scoped_template_gets_cluster_binding),
        cmocka_unit_test(binding_build__lists_dependencies_with_propagate_deps),
        cmocka_unit_test(
            conflict_resolution__template_annotation_wins_scenario53),
        cmocka_unit_test(suspend_dispatching__per_cluster_scenario54),
        cmocka_unit_test(
            suspension_merge__keeps_third_party_scheduling_scenario55),
        cmocka_unit_test(
            claim_apply__writes_label_and_annotations_scenarios17_19),
        cmocka_unit_test(claim_cleanup__only_removes_own_claim_scenario18),
        cmocka_unit_test(
            policy_preempts__priority_and_scope_rules_scenarios22_26),
        cmocka_unit_test(
            cluster_validation__rejects_karmada_invalid_cases_scenario64),
        cmocka_unit_test(
            cluster_spec__defaults_models_and_migrates_zone_scenario66),
        cmocka_unit_test(
            cluster_validation__rejects_bad_resource_models_scenario64),
        cmocka_unit_test(template_ignored__karmada_event_filter_scenario6),
        cmocka_unit_test(
            template_changed__ignores_status_and_server_fields_scenario7),
        cmocka_unit_test(
            policy_deprioritized__requeues_between_new_and_old_scenario21),
        cmocka_unit_test(dependencies_match__annotation_cases_scenario60),
    };

    return cmocka_run_group_tests_name("model.policy", tests, NULL, NULL);
}
