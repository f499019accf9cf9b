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
        json_t *sel = json_loads("{}", 0, NULL);
        struct model_file *f = NULL;

        assert_int_equal(model_decode_buffer("s", cases[i][0],
                                             strlen(cases[i][0]), NULL, &f,
                                             NULL),
                         0);
        json_decref(sel);
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

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(binding_name__matches_karmada_vectors),
        cmocka_unit_test(short_hash__matches_karmada_vectors),
        cmocka_unit_test(work_name__matches_karmada_vectors),
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
    };

    return cmocka_run_group_tests_name("model.policy", tests, NULL, NULL);
}
