/* SPDX-License-Identifier: Apache-2.0 */
/* Decoder, strict validation, defaulting and UID of the model library. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/decode.h"
#include "model/object.h"

/* Decodes @text and reads document @doc (1-based) into *out. */
static int
read_doc(const char *text, int doc, struct model_object **out,
         struct model_error *err)
{
    struct model_file *f = NULL;
    int rc;

    rc = model_decode_buffer("t.yaml", text, strlen(text), NULL, &f, err);
    if (rc != 0) {
        return rc;
    }
    rc = model_object_from_document(f, model_file_document(f, (size_t)doc - 1),
                                    out, err);
    model_file_free(f);
    return rc;
}

static void
decode__keeps_line_and_column_of_nodes(void **state)
{
    const char *text = "a: 1\nb:\n  c: [x, y]\n";
    struct model_file *f = NULL;
    const struct model_node *root;
    const struct model_node *c;
    int rc;

    (void)state;

    rc = model_decode_buffer("t.yaml", text, strlen(text), NULL, &f, NULL);

    assert_int_equal(rc, 0);
    root = model_file_document(f, 0)->root;
    c = model_node_get(model_node_get(root, "b"), "c");
    assert_non_null(c);
    assert_int_equal(c->line, 3);
    assert_int_equal(c->column, 6);
    assert_int_equal(c->n, 2);
    model_file_free(f);
}

static void
decode__counts_documents_including_empty_ones(void **state)
{
    const char *text = "---\na: 1\n---\n---\nb: 2\n";
    struct model_file *f = NULL;
    int rc;

    (void)state;

    rc = model_decode_buffer("t.yaml", text, strlen(text), NULL, &f, NULL);

    assert_int_equal(rc, 0);
    assert_int_equal(model_file_document_count(f), 3);
    assert_null(model_file_document(f, 1)->root);
    assert_int_equal(model_file_document(f, 2)->index, 3);
    model_file_free(f);
}

static void
decode__rejects_flow_mapping_as_key_with_its_line(void **state)
{
    const char *text = "a: 1\nspec:\n  port: {{nodePort}}\n";
    struct model_file *f = NULL;
    struct model_error err;
    int rc;

    (void)state;

    rc = model_decode_buffer("t.yaml", text, strlen(text), NULL, &f, &err);

    assert_int_equal(rc, -EINVAL);
    assert_int_equal(err.line, 3);
    assert_non_null(strstr(err.message, "mapping key must be a scalar"));
}

static void
decode__rejects_tab_indentation_naming_the_tab(void **state)
{
    const char *text = "a:\n  b: 1\n\t  c: 2\n";
    struct model_file *f = NULL;
    struct model_error err;
    int rc;

    (void)state;

    rc = model_decode_buffer("t.yaml", text, strlen(text), NULL, &f, &err);

    assert_int_equal(rc, -EINVAL);
    assert_int_equal(err.line, 3);
    assert_non_null(strstr(err.message, "tab"));
}

static void
decode__rejects_duplicate_keys(void **state)
{
    const char *text = "a: 1\nb: 2\na: 3\n";
    struct model_file *f = NULL;
    struct model_error err;
    int rc;

    (void)state;

    rc = model_decode_buffer("t.yaml", text, strlen(text), NULL, &f, &err);

    assert_int_equal(rc, -EINVAL);
    assert_int_equal(err.line, 3);
    assert_non_null(strstr(err.message, "duplicate key \"a\""));
}

static void
decode__stops_billion_laughs_at_node_limit(void **state)
{
    char text[2048];
    size_t used = 0;
    struct model_file *f = NULL;
    struct model_error err;
    int rc;

    (void)state;
    used += (size_t)snprintf(text + used, sizeof(text) - used,
                             "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for (int i = 1; i < 10; i++) {
        used += (size_t)snprintf(text + used, sizeof(text) - used,
                                 "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, "
                                 "*a%d, *a%d, *a%d, *a%d, *a%d]\n",
                                 i, i, i - 1, i - 1, i - 1, i - 1, i - 1,
                                 i - 1, i - 1, i - 1, i - 1, i - 1);
    }

    rc = model_decode_buffer("t.yaml", text, used, NULL, &f, &err);

    assert_int_equal(rc, -EMSGSIZE);
    assert_non_null(strstr(err.message, "alias expansion"));
}

static void
decode__stops_deep_nesting_at_depth_limit(void **state)
{
    struct model_limits lim;
    char text[512];
    struct model_file *f = NULL;
    struct model_error err;
    int rc;

    (void)state;
    model_limits_init(&lim);
    lim.max_depth = 10;
    memset(text, '[', 100);
    memset(text + 100, ']', 100);

    rc = model_decode_buffer("t.yaml", text, 200, &lim, &f, &err);

    assert_int_equal(rc, -EMSGSIZE);
    assert_non_null(strstr(err.message, "nesting"));
}

static void
decode__enforces_input_and_scalar_limits(void **state)
{
    struct model_limits lim;
    const char *text = "a: 0123456789abcdef\n";
    struct model_file *f = NULL;
    struct model_error err;
    int rc;

    (void)state;
    model_limits_init(&lim);
    lim.max_scalar_bytes = 8;

    rc = model_decode_buffer("t.yaml", text, strlen(text), &lim, &f, &err);
    assert_int_equal(rc, -EMSGSIZE);

    lim.max_scalar_bytes = 1024;
    lim.max_input_bytes = 4;
    rc = model_decode_buffer("t.yaml", text, strlen(text), &lim, &f, &err);
    assert_int_equal(rc, -EMSGSIZE);
}

static void
decode__reads_json_documents(void **state)
{
    const char *text = "{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\",\n"
                       " \"metadata\": {\"name\": \"c\"}, \"data\": {\"k\": "
                       "\"v\"}}";
    struct model_object *o = NULL;
    struct model_error err;
    int rc;

    (void)state;

    rc = read_doc(text, 1, &o, &err);

    assert_int_equal(rc, 0);
    assert_string_equal(o->kind, "ConfigMap");
    assert_string_equal(o->namespace_, "default");
    model_object_free(o);
}

static void
object__rejects_mistyped_replicas_with_line_and_path(void **state)
{
    const char *text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                       "  name: x\n---\n"
                       "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
                       "  name: web\nspec:\n  replicas: two\n  template:\n"
                       "    spec:\n      containers: [{name: a}]\n";
    struct model_object *o = NULL;
    struct model_error err;
    char msg[1024];
    int rc;

    (void)state;
    memset(&err, 0, sizeof(err));
    snprintf(err.file, sizeof(err.file), "deploy.yaml");

    rc = read_doc(text, 2, &o, &err);
    snprintf(err.file, sizeof(err.file), "deploy.yaml");
    model_error_format(&err, msg, sizeof(msg));

    assert_int_equal(rc, -EINVAL);
    assert_string_equal(msg, "deploy.yaml: document 2, line 11: "
                             "spec.replicas: expected integer, got string "
                             "\"two\"");
}

static void
object__rejects_unknown_field_in_karmada_kind(void **state)
{
    const char *text = "apiVersion: policy.karmada.io/v1alpha1\n"
                       "kind: PropagationPolicy\nmetadata:\n  name: p\n"
                       "spec:\n  resourceSelectors:\n"
                       "    - apiVersion: apps/v1\n      kind: Deployment\n"
                       "  clusterAffinity:\n    clusterNames: [m1]\n";
    struct model_object *o = NULL;
    struct model_error err;
    int rc;

    (void)state;

    rc = read_doc(text, 1, &o, &err);

    assert_int_equal(rc, -EINVAL);
    assert_int_equal(err.line, 9);
    assert_string_equal(err.path, "spec.clusterAffinity");
    assert_string_equal(err.message, "unknown field");
}

static void
object__rejects_bad_enum_value(void **state)
{
    const char *text = "apiVersion: policy.karmada.io/v1alpha1\n"
                       "kind: OverridePolicy\nmetadata:\n  name: p\n"
                       "spec:\n  overrideRules:\n  - overriders:\n"
                       "      plaintext:\n      - path: /a\n"
                       "        operator: append\n";
    struct model_object *o = NULL;
    struct model_error err;
    int rc;

    (void)state;

    rc = read_doc(text, 1, &o, &err);

    assert_int_equal(rc, -EINVAL);
    assert_int_equal(err.line, 10);
    assert_string_equal(err.path,
                        "spec.overrideRules[0].overriders.plaintext[0]"
                        ".operator");
}

static void
object__rejects_bad_quantity(void **state)
{
    const char *text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n"
                       "spec:\n  containers:\n  - name: a\n    resources:\n"
                       "      requests:\n        cpu: lots\n";
    struct model_object *o = NULL;
    struct model_error err;
    int rc;

    (void)state;

    rc = read_doc(text, 1, &o, &err);

    assert_int_equal(rc, -EINVAL);
    assert_int_equal(err.line, 10);
    assert_string_equal(err.path,
                        "spec.containers[0].resources.requests.cpu");
}

static void
object__reports_removed_api_as_not_supported(void **state)
{
    const char *text = "apiVersion: extensions/v1beta1\nkind: DaemonSet\n"
                       "metadata:\n  name: d\n";
    struct model_object *o = NULL;
    struct model_error err;
    int rc;

    (void)state;

    rc = read_doc(text, 1, &o, &err);

    assert_int_equal(rc, -ENOTSUP);
    assert_non_null(strstr(err.message, "kind not supported"));
    assert_non_null(strstr(err.message, "apps/v1"));
}

static void
object__accepts_unknown_kind_as_opaque_template(void **state)
{
    const char *text = "apiVersion: example.io/v1\nkind: Widget\n"
                       "metadata:\n  name: w\nspec:\n  anything: [1, 2]\n";
    struct model_object *o = NULL;
    struct model_error err;
    int rc;

    (void)state;

    rc = read_doc(text, 1, &o, &err);

    assert_int_equal(rc, 0);
    assert_int_equal(o->cls, MODEL_CLASS_TEMPLATE);
    assert_true(o->namespaced);
    assert_string_equal(o->group, "example.io");
    model_object_free(o);
}

static void
object__defaults_replicas_namespace_and_uid(void **state)
{
    const char *text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
                       "  name: nginx\nspec:\n  template:\n    spec:\n"
                       "      containers: [{name: a}]\n";
    struct model_object *o = NULL;
    struct model_error err;
    char uid[40];
    int rc;

    (void)state;

    rc = read_doc(text, 1, &o, &err);

    assert_int_equal(rc, 0);
    assert_string_equal(o->namespace_, "default");
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(o->json, "spec"), "replicas")),
                     1);
    assert_int_equal(model_uid_compute("apps", "Deployment", "default",
                                       "nginx", uid, sizeof(uid)),
                     0);
    assert_string_equal(o->uid, uid);
    assert_int_equal(uid[14], '5');
    model_object_free(o);
}

static void
object__keeps_given_uid(void **state)
{
    const char *text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                       "  name: c\n  uid: test-uid\n";
    struct model_object *o = NULL;
    struct model_error err;
    int rc;

    (void)state;

    rc = read_doc(text, 1, &o, &err);

    assert_int_equal(rc, 0);
    assert_string_equal(o->uid, "test-uid");
    model_object_free(o);
}

static void
uid_compute__is_stable_and_distinguishes_fields(void **state)
{
    char a[40];
    char b[40];
    char c[40];

    (void)state;

    assert_int_equal(model_uid_compute("apps", "Deployment", "ns", "x", a,
                                       sizeof(a)),
                     0);
    assert_int_equal(model_uid_compute("apps", "Deployment", "ns", "x", b,
                                       sizeof(b)),
                     0);
    assert_int_equal(model_uid_compute("apps", "Deployment", "n", "sx", c,
                                       sizeof(c)),
                     0);

    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
    assert_int_equal(strlen(a), 36);
}

static void
uid_compute__matches_rfc4122_uuid5(void **state)
{
    char uid[40];

    (void)state;

    /* python3: uuid.uuid5(UUID(MODEL_UID_NAMESPACE),
     *                     "apps/Deployment/default/nginx") */
    assert_int_equal(model_uid_compute("apps", "Deployment", "default",
                                       "nginx", uid, sizeof(uid)),
                     0);

    assert_string_equal(uid, "2531f0f6-3e47-5804-bc64-67628b28f9d7");
}

static void
object__defaults_propagation_policy(void **state)
{
    const char *text = "apiVersion: policy.karmada.io/v1alpha1\n"
                       "kind: PropagationPolicy\nmetadata:\n  name: p\n"
                       "  namespace: ns1\nspec:\n  resourceSelectors:\n"
                       "    - apiVersion: apps/v1\n      kind: Deployment\n"
                       "  placement:\n    spreadConstraints:\n"
                       "      - maxGroups: 2\n    replicaScheduling:\n"
                       "      replicaSchedulingType: Divided\n";
    struct model_object *o = NULL;
    struct model_error err;
    json_t *spec;
    json_t *sc;
    int rc;

    (void)state;

    rc = read_doc(text, 1, &o, &err);

    assert_int_equal(rc, 0);
    spec = json_object_get(o->json, "spec");
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(
                                               spec, "resourceSelectors"),
                                           0),
                            "namespace")),
                        "ns1");
    sc = json_array_get(json_object_get(json_object_get(spec, "placement"),
                                        "spreadConstraints"),
                        0);
    assert_string_equal(json_string_value(json_object_get(sc,
                                                          "spreadByField")),
                        "cluster");
    assert_int_equal(json_integer_value(json_object_get(sc, "minGroups")), 1);
    assert_string_equal(
        json_string_value(json_object_get(
            json_object_get(json_object_get(spec, "placement"),
                            "replicaScheduling"),
            "replicaDivisionPreference")),
        "Weighted");
    assert_string_equal(json_string_value(json_object_get(
                            spec, "conflictResolution")),
                        "Abort");
    model_object_free(o);
}

static void
object__reads_every_file_of_tests_model(void **state)
{
    const char *src = getenv("FL_SOURCE_DIR");
    char path[1024];
    struct model_file *f = NULL;
    struct model_error err;
    int rc;

    (void)state;
    if (src == NULL) {
        skip();
    }
    snprintf(path, sizeof(path), "%s/tests/model/app.yaml", src);

    rc = model_decode_file(path, NULL, &f, &err);

    assert_int_equal(rc, 0);
    assert_true(model_file_document_count(f) >= 3);
    model_file_free(f);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decode__keeps_line_and_column_of_nodes),
        cmocka_unit_test(decode__counts_documents_including_empty_ones),
        cmocka_unit_test(decode__rejects_flow_mapping_as_key_with_its_line),
        cmocka_unit_test(decode__rejects_tab_indentation_naming_the_tab),
        cmocka_unit_test(decode__rejects_duplicate_keys),
        cmocka_unit_test(decode__stops_billion_laughs_at_node_limit),
        cmocka_unit_test(decode__stops_deep_nesting_at_depth_limit),
        cmocka_unit_test(decode__enforces_input_and_scalar_limits),
        cmocka_unit_test(decode__reads_json_documents),
        cmocka_unit_test(object__rejects_mistyped_replicas_with_line_and_path),
        cmocka_unit_test(object__rejects_unknown_field_in_karmada_kind),
        cmocka_unit_test(object__rejects_bad_enum_value),
        cmocka_unit_test(object__rejects_bad_quantity),
        cmocka_unit_test(object__reports_removed_api_as_not_supported),
        cmocka_unit_test(object__accepts_unknown_kind_as_opaque_template),
        cmocka_unit_test(object__defaults_replicas_namespace_and_uid),
        cmocka_unit_test(object__keeps_given_uid),
        cmocka_unit_test(uid_compute__is_stable_and_distinguishes_fields),
        cmocka_unit_test(uid_compute__matches_rfc4122_uuid5),
        cmocka_unit_test(object__defaults_propagation_policy),
        cmocka_unit_test(object__reads_every_file_of_tests_model),
    };

    return cmocka_run_group_tests_name("model.decode", tests, NULL, NULL);
}
