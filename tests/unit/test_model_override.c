/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Override selection, the overriders and the per-cluster manifest: the
 * scenarios of ../shared/spec/policy.md §5 and §8.8.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/object.h"
#include "model/override.h"

static json_t *
js(const char *text)
{
    json_error_t e;
    json_t *v = json_loads(text, 0, &e);

    if (v == NULL) {
        fail_msg("bad test JSON at %d: %s", e.position, e.text);
    }
    return v;
}

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

        if (rc != 0) {
            fail_msg("document %zu: %s %s", i + 1, err.path, err.message);
        }
        assert_int_equal(model_set_add(set, o), 0);
    }
    model_file_free(f);
}

static const char *const ordering_text =
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: test}\n"
    "spec:\n  template:\n    spec:\n      containers: [{name: a}]\n---\n"
    "apiVersion: policy.karmada.io/v1alpha1\nkind: OverridePolicy\n"
    "metadata: {name: overridePolicy1}\nspec:\n"
    "  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment, name: "
    "test}]\n  overrideRules:\n"
    "  - targetCluster: {clusterNames: [cluster1, cluster2]}\n"
    "    overriders: {labelsOverrider: [{operator: add, value: {o: o1}}]}\n"
    "  - targetCluster: {clusterNames: [cluster2]}\n"
    "    overriders: {labelsOverrider: [{operator: add, value: {o: o2}}]}\n"
    "---\n"
    "apiVersion: policy.karmada.io/v1alpha1\nkind: OverridePolicy\n"
    "metadata: {name: overridePolicy2}\nspec:\n  overrideRules:\n"
    "  - targetCluster: {clusterNames: [cluster1, cluster2]}\n"
    "    overriders: {labelsOverrider: [{operator: add, value: {o: o3}}]}\n"
    "---\n"
    "apiVersion: policy.karmada.io/v1alpha1\nkind: ClusterOverridePolicy\n"
    "metadata: {name: cop}\nspec:\n"
    "  targetCluster: {clusterNames: [cluster1]}\n"
    "  overriders: {labelsOverrider: [{operator: add, value: {o: c}}]}\n";

static void
expect_entries(const struct model_set *set, const char *cluster,
               const char *want)
{
    json_t *entries = NULL;
    char got[256] = "";
    size_t i;
    json_t *e;

    assert_int_equal(model_override_match(set, set->items[0], cluster, NULL,
                                          &entries),
                     0);
    json_array_foreach(entries, i, e) {
        const json_t *lo = json_array_get(
            json_object_get(json_object_get(e, "overriders"),
                            "labelsOverrider"),
            0);

        snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s:%s",
                 i > 0 ? "," : "",
                 json_string_value(json_object_get(e, "policyName")),
                 json_string_value(json_object_get(json_object_get(lo,
                                                                   "value"),
                                                   "o")));
    }
    assert_string_equal(got, want);
    json_decref(entries);
}

static void
override_match__orders_by_scope_specificity_and_name_scenario46(
    void **state)
{
    struct model_set set = { NULL, 0 };

    (void)state;
    load(&set, ordering_text);

    expect_entries(&set, "cluster1",
                   "cop:c,overridePolicy2:o3,overridePolicy1:o1");
    expect_entries(&set, "cluster2",
                   "overridePolicy2:o3,overridePolicy1:o1,"
                   "overridePolicy1:o2");
    expect_entries(&set, "cluster3", "");
    model_set_release(&set);
}

static void
cluster_affinity__exclude_labels_fields_and_names(void **state)
{
    json_t *cluster = js("{\"metadata\":{\"labels\":{\"tier\":\"edge\"}},"
                         "\"spec\":{\"provider\":\"p1\",\"region\":\"r1\","
                         "\"zones\":[\"z1\"]}}");
    json_t *by_label = js("{\"labelSelector\":{\"matchLabels\":{\"tier\":"
                          "\"edge\"}}}");
    json_t *by_zone = js("{\"fieldSelector\":{\"matchExpressions\":[{\"key\":"
                         "\"zone\",\"operator\":\"In\",\"values\":"
                         "[\"z1\"]}]}}");
    json_t *not_region = js("{\"fieldSelector\":{\"matchExpressions\":[{"
                            "\"key\":\"region\",\"operator\":\"NotIn\","
                            "\"values\":[\"r1\"]}]}}");
    json_t *excluded = js("{\"exclude\":[\"m1\"]}");

    (void)state;

    assert_true(model_cluster_affinity_matches(NULL, "m1", cluster));
    assert_true(model_cluster_affinity_matches(by_label, "m1", cluster));
    assert_false(model_cluster_affinity_matches(by_label, "m1", NULL));
    assert_true(model_cluster_affinity_matches(by_zone, "m1", cluster));
    assert_false(model_cluster_affinity_matches(not_region, "m1", cluster));
    assert_false(model_cluster_affinity_matches(excluded, "m1", cluster));
    json_decref(cluster);
    json_decref(by_label);
    json_decref(by_zone);
    json_decref(not_region);
    json_decref(excluded);
}

static const char *
image_after(const char *kind, const char *image, const char *overrider)
{
    static char out[256];
    char text[1024];
    json_t *m;
    json_t *o;
    int rc;

    snprintf(text, sizeof(text),
             "{\"kind\":\"%s\",\"spec\":{\"template\":{\"spec\":{"
             "\"containers\":[{\"name\":\"a\",\"image\":\"%s\"}]}}}}",
             kind, image);
    m = js(text);
    snprintf(text, sizeof(text), "{\"imageOverrider\":[%s]}", overrider);
    o = js(text);
    rc = model_override_apply_one(&m, o, NULL, 0);
    assert_int_equal(rc, 0);
    snprintf(out, sizeof(out), "%s",
             json_string_value(json_object_get(
                 json_array_get(
                     json_object_get(
                         json_object_get(
                             json_object_get(json_object_get(m, "spec"),
                                             "template"),
                             "spec"),
                         "containers"),
                     0),
                 "image")));
    json_decref(m);
    json_decref(o);
    return out;
}

#define IMG "fictional.registry.example/imagename:v1.0.0"
#define DIGEST                                                                 \
    "sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c"

static void
image_overrider__karmada_table_scenario48(void **state)
{
    (void)state;

    assert_string_equal(image_after("Job", "perl:5.34.0",
                                    "{\"component\":\"Registry\","
                                    "\"operator\":\"add\",\"value\":"
                                    "\"registry.k8s.io\"}"),
                        "registry.k8s.io/perl:5.34.0");
    assert_string_equal(image_after("Deployment", IMG,
                                    "{\"component\":\"Registry\","
                                    "\"operator\":\"add\",\"value\":"
                                    "\".test\"}"),
                        "fictional.registry.example.test/imagename:v1.0.0");
    assert_string_equal(image_after("Deployment", IMG,
                                    "{\"component\":\"Registry\","
                                    "\"operator\":\"replace\",\"value\":"
                                    "\"fictional.registry.us\"}"),
                        "fictional.registry.us/imagename:v1.0.0");
    assert_string_equal(image_after("Deployment", IMG,
                                    "{\"component\":\"Registry\","
                                    "\"operator\":\"remove\"}"),
                        "imagename:v1.0.0");
    assert_string_equal(image_after("Deployment", IMG,
                                    "{\"component\":\"Repository\","
                                    "\"operator\":\"add\",\"value\":"
                                    "\"/nginx\"}"),
                        "fictional.registry.example/imagename/nginx:v1.0.0");
    assert_string_equal(image_after("Deployment", IMG,
                                    "{\"component\":\"Repository\","
                                    "\"operator\":\"replace\",\"value\":"
                                    "\"nginx\"}"),
                        "fictional.registry.example/nginx:v1.0.0");
    assert_string_equal(image_after("Deployment", IMG,
                                    "{\"component\":\"Tag\",\"operator\":"
                                    "\"add\",\"value\":\"" DIGEST "\"}"),
                        IMG);
    assert_string_equal(image_after("Deployment", IMG,
                                    "{\"component\":\"Tag\",\"operator\":"
                                    "\"replace\",\"value\":\"" DIGEST "\"}"),
                        "fictional.registry.example/imagename@" DIGEST);
    assert_string_equal(image_after("Deployment", IMG,
                                    "{\"component\":\"Tag\",\"operator\":"
                                    "\"remove\"}"),
                        "fictional.registry.example/imagename");
    assert_string_equal(image_after("CronJob", IMG,
                                    "{\"component\":\"Tag\",\"operator\":"
                                    "\"remove\"}"),
                        IMG);
}

static void
image_parse__karmada_vectors_scenario51(void **state)
{
    char h[256], r[256], t[256], d[256];

    (void)state;

    assert_int_equal(model_image_parse("pause", h, r, t, d, 256), 0);
    assert_string_equal(h, "");
    assert_string_equal(r, "pause");
    assert_int_equal(model_image_parse("subpath/imagename:v1.0.0", h, r, t, d,
                                       256),
                     0);
    assert_string_equal(h, "");
    assert_string_equal(r, "subpath/imagename");
    assert_string_equal(t, "v1.0.0");
    assert_int_equal(model_image_parse("10.10.10.10:10443/subpath/imagename",
                                       h, r, t, d, 256),
                     0);
    assert_string_equal(h, "10.10.10.10:10443");
    assert_int_equal(model_image_parse("Upper/Case", h, r, t, d, 256),
                     -EINVAL);
}

static json_t *
command_after(const char *command, const char *overrider)
{
    char text[1024];
    json_t *m;
    json_t *o;
    json_t *c;
    json_t *other;

    snprintf(text, sizeof(text),
             "{\"kind\":\"Pod\",\"spec\":{\"containers\":[{\"name\":\"nginx\""
             "%s%s},{\"name\":\"nginx1\",\"command\":[\"x\"]}]}}",
             command != NULL ? ",\"command\":" : "",
             command != NULL ? command : "");
    m = js(text);
    snprintf(text, sizeof(text), "{\"commandOverrider\":[%s]}", overrider);
    o = js(text);
    assert_int_equal(model_override_apply_one(&m, o, NULL, 0), 0);
    c = json_deep_copy(json_object_get(
        json_array_get(json_object_get(json_object_get(m, "spec"),
                                       "containers"),
                       0),
        "command"));
    other = json_pack("[s]", "x");
    /* The container with another name is untouched. */
    assert_true(json_equal(
        json_object_get(json_array_get(json_object_get(json_object_get(m,
                                                                       "spec"),
                                                       "containers"),
                                       1),
                        "command"),
        other));
    json_decref(other);
    json_decref(m);
    json_decref(o);
    return c;
}

static void
command_overrider__add_and_remove_scenario49(void **state)
{
    json_t *c;
    json_t *want;

    (void)state;

    c = command_after("[\"nginx\",\"-v\",\"-t\"]",
                      "{\"containerName\":\"nginx\",\"operator\":\"add\","
                      "\"value\":[\"&& echo 'hello karmada'\"]}");
    want = js("[\"nginx\",\"-v\",\"-t\",\"&& echo 'hello karmada'\"]");
    assert_true(json_equal(c, want));
    json_decref(c);
    json_decref(want);

    c = command_after("[\"nginx\",\"-v\",\"-t\"]",
                      "{\"containerName\":\"nginx\",\"operator\":\"remove\","
                      "\"value\":[\"-t\"]}");
    want = js("[\"nginx\",\"-v\"]");
    assert_true(json_equal(c, want));
    json_decref(c);
    json_decref(want);

    c = command_after(NULL, "{\"containerName\":\"nginx\",\"operator\":"
                            "\"add\",\"value\":[\"-t\"]}");
    want = js("[\"-t\"]");
    assert_true(json_equal(c, want));
    json_decref(c);
    json_decref(want);
}

static void
labels_overrider__add_replace_remove_scenario47(void **state)
{
    json_t *m = js("{\"metadata\":{\"labels\":{\"foo\":\"foo\",\"bar\":"
                   "\"bar\"}}}");
    json_t *o = js("{\"labelsOverrider\":[{\"operator\":\"replace\",\"value\""
                   ":{\"foo\":\"exist\",\"non-exist\":\"non-exist\"}},"
                   "{\"operator\":\"add\",\"value\":{\"app\":\"nginx\"}},"
                   "{\"operator\":\"remove\",\"value\":{\"bar\":\"x\"}}],"
                   "\"annotationsOverrider\":[{\"operator\":\"add\","
                   "\"value\":{\"testannotation/projectId\":\"1\"}}]}");
    json_t *want = js("{\"metadata\":{\"labels\":{\"foo\":\"exist\",\"app\":"
                      "\"nginx\"},\"annotations\":{"
                      "\"testannotation/projectId\":\"1\"}}}");

    (void)state;

    assert_int_equal(model_override_apply_one(&m, o, NULL, 0), 0);

    assert_true(json_equal(m, want));
    json_decref(m);
    json_decref(o);
    json_decref(want);
}

static void
plaintext__replace_and_missing_parent(void **state)
{
    json_t *m = js("{\"spec\":{\"replicas\":3},\"metadata\":{}}");
    json_t *ok = js("{\"plaintext\":[{\"path\":\"/spec/replicas\","
                    "\"operator\":\"replace\",\"value\":5}]}");
    json_t *bad = js("{\"plaintext\":[{\"path\":\"/spec/replicas\","
                     "\"operator\":\"replace\",\"value\":7},{\"path\":"
                     "\"/metadata/annotations/team\",\"operator\":\"add\","
                     "\"value\":\"a\"}]}");
    char why[128];

    (void)state;

    assert_int_equal(model_override_apply_one(&m, ok, why, sizeof(why)), 0);
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(m, "spec"), "replicas")),
                     5);
    assert_int_equal(model_override_apply_one(&m, bad, why, sizeof(why)),
                     -EINVAL);
    /* Atomic: the first operation of the failed document is not kept. */
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(m, "spec"), "replicas")),
                     5);
    json_decref(m);
    json_decref(ok);
    json_decref(bad);
}

static void
field_overrider__yaml_and_json_scenario50(void **state)
{
    json_t *m = js("{\"data\":{\"test.yaml\":\"\\nkey: \\n  key1: value\\n\","
                   "\"test.json\":\"{\\\"key\\\":{\\\"key1\\\":"
                   "\\\"value\\\"}}\"}}");
    json_t *o = js("{\"fieldOverrider\":[{\"fieldPath\":\"/data/test.yaml\","
                   "\"yaml\":[{\"subPath\":\"/key/key1\",\"operator\":"
                   "\"replace\",\"value\":\"updated_value\"}]},"
                   "{\"fieldPath\":\"/data/test.json\",\"json\":[{"
                   "\"subPath\":\"/key/key1\",\"operator\":\"replace\","
                   "\"value\":\"updated_value\"}]}]}");
    const json_t *data;

    (void)state;

    assert_int_equal(model_override_apply_one(&m, o, NULL, 0), 0);

    data = json_object_get(m, "data");
    assert_string_equal(json_string_value(json_object_get(data, "test.yaml")),
                        "key:\n  key1: updated_value\n");
    assert_string_equal(json_string_value(json_object_get(data, "test.json")),
                        "{\"key\":{\"key1\":\"updated_value\"}}");
    json_decref(m);
    json_decref(o);
}

static void
render_manifest__revises_overrides_decorates_and_prunes(void **state)
{
    const char *text =
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: nginx\n"
        "  generation: 2\n  resourceVersion: '9'\n"
        "spec:\n  replicas: 3\n  template:\n    spec:\n"
        "      containers: [{name: a, image: nginx:1.19.0}]\n"
        "status: {replicas: 3}\n---\n"
        "apiVersion: policy.karmada.io/v1alpha1\nkind: OverridePolicy\n"
        "metadata: {name: op}\nspec:\n  overrideRules:\n"
        "  - targetCluster: {clusterNames: [m2]}\n"
        "    overriders:\n      imageOverrider: [{component: Registry, "
        "operator: replace, value: fictional.registry.us}]\n"
        "      plaintext: [{path: /spec/replicas, operator: replace, "
        "value: 7}]\n";
    struct model_set set = { NULL, 0 };
    struct model_render_args a;
    struct model_error err;
    json_t *m1 = NULL;
    json_t *m2 = NULL;
    json_t *applied = NULL;
    const json_t *ann;

    (void)state;
    load(&set, text);
    model_render_args_init(&a);
    a.tmpl = set.items[0];
    a.policies = &set;
    a.replicas = 1;
    a.binding_namespace = "default";
    a.binding_name = "nginx-deployment";
    a.binding_id = "id-1";
    a.conflict_resolution = "Abort";

    a.cluster = "m1";
    assert_int_equal(model_render_manifest(&a, &m1, &applied, &err), 0);
    assert_int_equal(json_array_size(applied), 0);
    json_decref(applied);
    a.cluster = "m2";
    assert_int_equal(model_render_manifest(&a, &m2, &applied, &err), 0);

    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(m1, "spec"), "replicas")),
                     1);
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(m2, "spec"), "replicas")),
                     7);
    assert_int_equal(json_array_size(applied), 1);
    assert_null(json_object_get(m1, "status"));
    assert_null(json_object_get(json_object_get(m1, "metadata"),
                                "resourceVersion"));
    ann = json_object_get(json_object_get(m1, "metadata"), "annotations");
    assert_string_equal(json_string_value(json_object_get(
                            ann, "resourcebinding.karmada.io/name")),
                        "nginx-deployment");
    assert_string_equal(json_string_value(json_object_get(
                            ann, "resourcetemplate.karmada.io/generation")),
                        "2");
    assert_string_equal(json_string_value(json_object_get(
                            ann, "work.karmada.io/conflict-resolution")),
                        "abort");
    assert_string_equal(
        json_string_value(json_object_get(
            json_object_get(json_object_get(m1, "metadata"), "labels"),
            "karmada.io/managed")),
        "true");
    json_decref(m1);
    json_decref(m2);
    json_decref(applied);
    model_set_release(&set);
}

static void
render_manifest__job_gets_parallelism_and_completions_share(void **state)
{
    const char *text =
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: pi}\n"
        "spec:\n  parallelism: 4\n  completions: 10\n  template:\n"
        "    spec:\n      containers: [{name: pi, image: perl}]\n";
    struct model_set set = { NULL, 0 };
    struct model_render_args a;
    struct model_error err;
    json_t *m = NULL;
    json_t *spec;

    (void)state;
    load(&set, text);
    model_render_args_init(&a);
    a.tmpl = set.items[0];
    a.cluster = "m1";
    a.replicas = 1;
    a.completions = 3;
    a.binding_namespace = "default";
    a.binding_name = "pi-job";

    assert_int_equal(model_render_manifest(&a, &m, NULL, &err), 0);

    spec = json_object_get(m, "spec");
    assert_int_equal(json_integer_value(json_object_get(spec, "parallelism")),
                     1);
    assert_int_equal(json_integer_value(json_object_get(spec, "completions")),
                     3);
    json_decref(m);
    model_set_release(&set);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            override_match__orders_by_scope_specificity_and_name_scenario46),
        cmocka_unit_test(cluster_affinity__exclude_labels_fields_and_names),
        cmocka_unit_test(image_overrider__karmada_table_scenario48),
        cmocka_unit_test(image_parse__karmada_vectors_scenario51),
        cmocka_unit_test(command_overrider__add_and_remove_scenario49),
        cmocka_unit_test(labels_overrider__add_replace_remove_scenario47),
        cmocka_unit_test(plaintext__replace_and_missing_parent),
        cmocka_unit_test(field_overrider__yaml_and_json_scenario50),
        cmocka_unit_test(
            render_manifest__revises_overrides_decorates_and_prunes),
        cmocka_unit_test(
            render_manifest__job_gets_parallelism_and_completions_share),
    };

    return cmocka_run_group_tests_name("model.override", tests, NULL, NULL);
}
