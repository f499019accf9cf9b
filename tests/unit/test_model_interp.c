/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The native interpreter against the examples of
 * ../shared/spec/interpreter.md §6 (numbers in the test names refer to its
 * rows) and policy.md §6.2 (dependencies).
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

#include "model/interp.h"

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

static int64_t
milli(const Flotilla__V1__ReplicaRequirements *r, const char *name)
{
    for (size_t i = 0; r->resource_request != NULL &&
                       i < r->resource_request->n_milli;
         i++) {
        if (strcmp(r->resource_request->milli[i]->key, name) == 0) {
            return r->resource_request->milli[i]->value;
        }
    }
    return -1;
}

#define SCHED_TEMPLATE                                                         \
    "\"template\":{\"spec\":{\"nodeSelector\":{\"foo\":\"foo1\"},"              \
    "\"tolerations\":[{\"key\":\"foo\",\"operator\":\"Exists\","               \
    "\"effect\":\"NoSchedule\"}],\"affinity\":{\"nodeAffinity\":{"             \
    "\"requiredDuringSchedulingIgnoredDuringExecution\":{"                     \
    "\"nodeSelectorTerms\":[{\"matchFields\":[{\"key\":\"foo\","               \
    "\"operator\":\"Exists\"}]}]}}},\"containers\":[{\"name\":\"a\"}]}}"

static void
replicas__deployment_with_node_claim_row1(void **state)
{
    json_t *d = js("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\","
                   "\"spec\":{\"replicas\":2," SCHED_TEMPLATE "}}");
    Flotilla__V1__ReplicaRequirements *req = NULL;
    int32_t n = -1;
    int rc;

    (void)state;

    rc = model_interp_replicas(d, &n, &req, NULL, 0);

    assert_int_equal(rc, 0);
    assert_int_equal(n, 2);
    assert_non_null(req);
    assert_null(req->resource_request);
    assert_non_null(req->node_claim);
    assert_int_equal(req->node_claim->n_node_selector, 1);
    assert_int_equal(req->node_claim->n_tolerations, 1);
    assert_true(req->node_claim->hard_node_affinity_json.len > 0);
    protobuf_c_message_free_unpacked(&req->base, NULL);
    json_decref(d);
}

static void
replicas__job_is_min_of_parallelism_and_completions_row4(void **state)
{
    json_t *j = js("{\"apiVersion\":\"batch/v1\",\"kind\":\"Job\","
                   "\"spec\":{\"parallelism\":3,\"completions\":2,"
                   SCHED_TEMPLATE "}}");
    Flotilla__V1__ReplicaRequirements *req = NULL;
    int32_t n = -1;
    int rc;

    (void)state;

    rc = model_interp_replicas(j, &n, &req, NULL, 0);

    assert_int_equal(rc, 0);
    assert_int_equal(n, 2);
    protobuf_c_message_free_unpacked(&req->base, NULL);
    json_decref(j);
}

static void
replicas__pod_is_one_row5(void **state)
{
    json_t *p = js("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"spec\":{"
                   "\"containers\":[{\"name\":\"a\"}]}}");
    Flotilla__V1__ReplicaRequirements *req = NULL;
    int32_t n = -1;
    int rc;

    (void)state;

    rc = model_interp_replicas(p, &n, &req, NULL, 0);

    assert_int_equal(rc, 0);
    assert_int_equal(n, 1);
    assert_null(req);
    json_decref(p);
}

static void
replicas__no_rule_for_wrong_group_row6(void **state)
{
    json_t *p = js("{\"apiVersion\":\"apps/v1\",\"kind\":\"Pod\"}");
    Flotilla__V1__ReplicaRequirements *req = NULL;
    int32_t n = -1;
    int rc;

    (void)state;

    rc = model_interp_replicas(p, &n, &req, NULL, 0);

    assert_int_equal(rc, -ENOENT);
    assert_int_equal(n, 0);
    json_decref(p);
}

static void
replicas__absent_replicas_read_as_zero(void **state)
{
    json_t *d = js("{\"apiVersion\":\"apps/v1\",\"kind\":\"StatefulSet\","
                   "\"spec\":{\"template\":{\"spec\":{}}}}");
    Flotilla__V1__ReplicaRequirements *req = NULL;
    int32_t n = -1;
    int rc;

    (void)state;

    rc = model_interp_replicas(d, &n, &req, NULL, 0);

    assert_int_equal(rc, 0);
    assert_int_equal(n, 0);
    assert_null(req);
    json_decref(d);
}

static void
replicas__mistyped_replicas_is_an_error(void **state)
{
    json_t *d = js("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\","
                   "\"spec\":{\"replicas\":\"3\"}}");
    Flotilla__V1__ReplicaRequirements *req = NULL;
    char why[128];
    int32_t n = -1;
    int rc;

    (void)state;

    rc = model_interp_replicas(d, &n, &req, why, sizeof(why));

    assert_int_equal(rc, -EINVAL);
    json_decref(d);
}

static void
requirements__promotes_limits_to_requests_row8(void **state)
{
    json_t *p = js("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"spec\":{"
                   "\"containers\":[{\"name\":\"a\",\"resources\":{"
                   "\"limits\":{\"cpu\":\"200m\"}}}]}}");
    Flotilla__V1__ReplicaRequirements *req = NULL;
    int32_t n;
    int rc;

    (void)state;

    rc = model_interp_replicas(p, &n, &req, NULL, 0);

    assert_int_equal(rc, 0);
    assert_non_null(req);
    assert_null(req->node_claim);
    assert_int_equal(milli(req, "cpu"), 200);
    protobuf_c_message_free_unpacked(&req->base, NULL);
    json_decref(p);
}

static void
requirements__sums_containers_maxes_init_adds_overhead_row9(void **state)
{
    json_t *p = js(
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"spec\":{"
        "\"containers\":[{\"name\":\"a\",\"resources\":{"
        "\"requests\":{\"cpu\":\"10m\",\"memory\":\"10\","
        "\"test.karmada.io/foo\":\"10\",\"test.karmada.io/bar\":\"10\"},"
        "\"limits\":{\"memory\":\"99999\",\"pods\":\"10\","
        "\"test.karmada.io/bar\":\"99999\",\"test.karmada.io/baz\":\"10\"}}}],"
        "\"initContainers\":[{\"name\":\"i\",\"resources\":{"
        "\"requests\":{\"cpu\":\"5m\",\"memory\":\"10\","
        "\"test.karmada.io/foo\":\"5\",\"test.karmada.io/bar\":\"10\"},"
        "\"limits\":{\"memory\":\"99999\",\"pods\":\"20\","
        "\"test.karmada.io/bar\":\"99999\",\"test.karmada.io/baz\":\"20\"}}}],"
        "\"overhead\":{\"cpu\":\"5m\",\"memory\":\"5\","
        "\"ephemeral-storage\":\"5\",\"pods\":\"5\","
        "\"test.karmada.io/foo\":\"5\",\"test.karmada.io/bar\":\"5\","
        "\"test.karmada.io/baz\":\"5\"}}}");
    Flotilla__V1__ReplicaRequirements *req = NULL;
    int32_t n;
    int rc;

    (void)state;

    rc = model_interp_replicas(p, &n, &req, NULL, 0);

    assert_int_equal(rc, 0);
    assert_int_equal(milli(req, "cpu"), 15);
    assert_int_equal(milli(req, "memory"), 15000);
    assert_int_equal(milli(req, "ephemeral-storage"), 5000);
    assert_int_equal(milli(req, "pods"), 25000);
    assert_int_equal(milli(req, "test.karmada.io/foo"), 15000);
    assert_int_equal(milli(req, "test.karmada.io/bar"), 15000);
    assert_int_equal(milli(req, "test.karmada.io/baz"), 25000);
    protobuf_c_message_free_unpacked(&req->base, NULL);
    json_decref(p);
}

static void
requirements__drops_unknown_resource_names_and_rounds_up(void **state)
{
    json_t *p = js("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"spec\":{"
                   "\"containers\":[{\"name\":\"a\",\"resources\":{"
                   "\"requests\":{\"cpu\":\"0.0001\",\"memory\":\"1.5\","
                   "\"storage\":\"1Gi\",\"foo\":\"1\","
                   "\"nvidia.com/gpu\":\"1\"}}}]}}");
    Flotilla__V1__ReplicaRequirements *req = NULL;
    int32_t n;
    int rc;

    (void)state;

    rc = model_interp_replicas(p, &n, &req, NULL, 0);

    assert_int_equal(rc, 0);
    assert_int_equal(milli(req, "cpu"), 1);
    assert_int_equal(milli(req, "memory"), 2000);
    assert_int_equal(milli(req, "storage"), -1);
    assert_int_equal(milli(req, "foo"), -1);
    assert_int_equal(milli(req, "nvidia.com/gpu"), 1000);
    protobuf_c_message_free_unpacked(&req->base, NULL);
    json_decref(p);
}

static void
revise__writes_existing_field_only_rows11_13(void **state)
{
    json_t *d = js("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\","
                   "\"spec\":{\"replicas\":1}}");
    json_t *j = js("{\"apiVersion\":\"batch/v1\",\"kind\":\"Job\","
                   "\"spec\":{\"parallelism\":1}}");
    json_t *none = js("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\","
                      "\"spec\":{}}");

    (void)state;

    assert_int_equal(model_interp_revise_replicas(d, 3), 0);
    assert_int_equal(model_interp_revise_replicas(j, 3), 0);
    assert_int_equal(model_interp_revise_replicas(none, 3), 0);

    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(d, "spec"), "replicas")),
                     3);
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(j, "spec"), "parallelism")),
                     3);
    assert_null(json_object_get(json_object_get(none, "spec"), "replicas"));
    json_decref(d);
    json_decref(j);
    json_decref(none);
}

static void
revise__rejects_mistyped_field_and_unknown_kind_rows12_14(void **state)
{
    json_t *d = js("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\","
                   "\"spec\":{\"replicas\":\"1\"}}");
    json_t *j = js("{\"apiVersion\":\"apps/v1\",\"kind\":\"Job\","
                   "\"spec\":{\"parallelism\":1}}");

    (void)state;

    assert_int_equal(model_interp_revise_replicas(d, 3), -EINVAL);
    assert_int_equal(model_interp_revise_replicas(j, 3), -ENOENT);
    json_decref(d);
    json_decref(j);
}

static enum model_health
health(const char *text)
{
    json_t *o = js(text);
    enum model_health h = model_interp_health(o);

    json_decref(o);
    return h;
}

static void
health__deployment_rows41_44(void **state)
{
    (void)state;

    assert_int_equal(health("{\"apiVersion\":\"apps/v1\",\"kind\":"
                            "\"Deployment\",\"metadata\":{\"generation\":1},"
                            "\"spec\":{\"replicas\":3},\"status\":{"
                            "\"availableReplicas\":3,\"updatedReplicas\":3,"
                            "\"observedGeneration\":1}}"),
                     MODEL_HEALTH_HEALTHY);
    assert_int_equal(health("{\"apiVersion\":\"apps/v1\",\"kind\":"
                            "\"Deployment\",\"metadata\":{\"generation\":1},"
                            "\"spec\":{\"replicas\":3},\"status\":{"
                            "\"availableReplicas\":3,\"updatedReplicas\":3,"
                            "\"observedGeneration\":2}}"),
                     MODEL_HEALTH_UNHEALTHY);
    assert_int_equal(health("{\"apiVersion\":\"apps/v1\",\"kind\":"
                            "\"Deployment\",\"metadata\":{\"generation\":1},"
                            "\"spec\":{\"replicas\":3},\"status\":{"
                            "\"availableReplicas\":3,\"updatedReplicas\":1,"
                            "\"observedGeneration\":1}}"),
                     MODEL_HEALTH_UNHEALTHY);
    assert_int_equal(health("{\"apiVersion\":\"apps/v1\",\"kind\":"
                            "\"Deployment\",\"metadata\":{\"generation\":1},"
                            "\"spec\":{\"replicas\":3},\"status\":{"
                            "\"availableReplicas\":0,\"updatedReplicas\":3,"
                            "\"observedGeneration\":1}}"),
                     MODEL_HEALTH_UNHEALTHY);
}

static void
health__daemonset_service_pvc_pod_pdb_rows45_49(void **state)
{
    (void)state;

    assert_int_equal(health("{\"apiVersion\":\"apps/v1\",\"kind\":"
                            "\"DaemonSet\",\"metadata\":{\"generation\":1},"
                            "\"status\":{\"observedGeneration\":1}}"),
                     MODEL_HEALTH_HEALTHY);
    assert_int_equal(health("{\"apiVersion\":\"apps/v1\",\"kind\":"
                            "\"DaemonSet\",\"metadata\":{\"generation\":1},"
                            "\"status\":{\"observedGeneration\":1,"
                            "\"updatedNumberScheduled\":3,"
                            "\"desiredNumberScheduled\":5}}"),
                     MODEL_HEALTH_UNHEALTHY);
    assert_int_equal(health("{\"apiVersion\":\"v1\",\"kind\":\"Service\","
                            "\"spec\":{\"type\":\"LoadBalancer\"},\"status\":"
                            "{\"loadBalancer\":{\"ingress\":[{\"ip\":"
                            "\"1.2.3.4\"}]}}}"),
                     MODEL_HEALTH_HEALTHY);
    assert_int_equal(health("{\"apiVersion\":\"v1\",\"kind\":\"Service\","
                            "\"spec\":{\"type\":\"NodePort\"}}"),
                     MODEL_HEALTH_HEALTHY);
    assert_int_equal(health("{\"apiVersion\":\"v1\",\"kind\":\"Service\","
                            "\"spec\":{\"type\":\"LoadBalancer\"},\"status\":"
                            "{\"loadBalancer\":{\"ingress\":[]}}}"),
                     MODEL_HEALTH_UNHEALTHY);
    assert_int_equal(health("{\"apiVersion\":\"v1\",\"kind\":"
                            "\"PersistentVolumeClaim\",\"status\":{\"phase\":"
                            "\"Pending\"}}"),
                     MODEL_HEALTH_UNHEALTHY);
    assert_int_equal(health("{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
                            "\"status\":{\"phase\":\"Running\",\"conditions\":"
                            "[{\"type\":\"Ready\",\"status\":\"True\"}]}}"),
                     MODEL_HEALTH_HEALTHY);
    assert_int_equal(health("{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
                            "\"status\":{\"phase\":\"Running\",\"conditions\":"
                            "[{\"type\":\"Ready\",\"status\":\"Unknown\"}]}}"),
                     MODEL_HEALTH_UNHEALTHY);
    assert_int_equal(health("{\"apiVersion\":\"v1\",\"kind\":\"Pod\"}"),
                     MODEL_HEALTH_UNHEALTHY);
    assert_int_equal(health("{\"apiVersion\":\"policy/v1\",\"kind\":"
                            "\"PodDisruptionBudget\",\"status\":{"
                            "\"desiredHealthy\":2,\"currentHealthy\":1}}"),
                     MODEL_HEALTH_UNHEALTHY);
}

static void
health__mistyped_field_is_unknown_and_no_rule_is_healthy(void **state)
{
    (void)state;

    assert_int_equal(health("{\"apiVersion\":\"apps/v1\",\"kind\":"
                            "\"Deployment\",\"status\":{\"updatedReplicas\":"
                            "\"3\"}}"),
                     MODEL_HEALTH_UNKNOWN);
    assert_int_equal(health("{\"apiVersion\":\"batch/v1\",\"kind\":\"Job\","
                            "\"status\":{\"failed\":1}}"),
                     MODEL_HEALTH_HEALTHY);
}

static void
reflect__deployment_with_generation_row32(void **state)
{
    json_t *d = js("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\","
                   "\"metadata\":{\"generation\":2,\"annotations\":{"
                   "\"resourcetemplate.karmada.io/generation\":\"1\"}},"
                   "\"status\":{\"replicas\":3,\"updatedReplicas\":3,"
                   "\"readyReplicas\":3,\"availableReplicas\":3,"
                   "\"unavailableReplicas\":0,\"observedGeneration\":2,"
                   "\"conditions\":[]}}");
    json_t *want = js("{\"generation\":2,\"resourceTemplateGeneration\":1,"
                      "\"replicas\":3,\"updatedReplicas\":3,"
                      "\"readyReplicas\":3,\"availableReplicas\":3,"
                      "\"observedGeneration\":2}");
    json_t *out = NULL;
    int rc;

    (void)state;

    rc = model_interp_reflect_status(d, &out);

    assert_int_equal(rc, 0);
    assert_true(json_equal(out, want));
    json_decref(out);
    json_decref(want);
    json_decref(d);
}

static void
reflect__missing_annotation_fails_and_no_status_is_null_rows33_34(
    void **state)
{
    json_t *d = js("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\","
                   "\"metadata\":{\"generation\":2},\"status\":{}}");
    json_t *n = js("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\"}");
    json_t *out = NULL;

    (void)state;

    assert_int_equal(model_interp_reflect_status(d, &out), -EINVAL);
    assert_int_equal(model_interp_reflect_status(n, &out), 0);
    assert_null(out);
    json_decref(d);
    json_decref(n);
}

static void
reflect__service_only_for_load_balancers_row36(void **state)
{
    json_t *c = js("{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"spec\":{"
                   "\"type\":\"ClusterIP\"},\"status\":{}}");
    json_t *lb = js("{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"spec\":{"
                    "\"type\":\"LoadBalancer\"},\"status\":{\"loadBalancer\":"
                    "{\"ingress\":[{\"ip\":\"192.0.2.1\"}]}}}");
    json_t *want = js("{\"loadBalancer\":{\"ingress\":[{\"ip\":"
                      "\"192.0.2.1\"}]}}");
    json_t *out = NULL;

    (void)state;

    assert_int_equal(model_interp_reflect_status(c, &out), 0);
    assert_null(out);
    assert_int_equal(model_interp_reflect_status(lb, &out), 0);
    assert_true(json_equal(out, want));
    json_decref(out);
    json_decref(want);
    json_decref(c);
    json_decref(lb);
}

static void
reflect__other_kinds_copy_status_and_reject_non_objects_rows39_40(
    void **state)
{
    json_t *o = js("{\"status\":{\"key\":\"value\"}}");
    json_t *bad = js("{\"apiVersion\":\"policy/v1\",\"kind\":"
                     "\"PodDisruptionBudget\",\"status\":\"invalid\"}");
    json_t *out = NULL;

    (void)state;

    assert_int_equal(model_interp_reflect_status(o, &out), 0);
    assert_true(json_equal(out, json_object_get(o, "status")));
    json_decref(out);
    assert_int_equal(model_interp_reflect_status(bad, &out), -EINVAL);
    json_decref(o);
    json_decref(bad);
}

static void
aggregate__deployment_sums_row52(void **state)
{
    json_t *t = js("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\","
                   "\"metadata\":{}}");
    json_t *s = js("{\"replicas\":1,\"readyReplicas\":1,"
                   "\"updatedReplicas\":1,\"availableReplicas\":1,"
                   "\"unavailableReplicas\":0}");
    json_t *want = js("{\"availableReplicas\":2,\"readyReplicas\":2,"
                      "\"replicas\":2,\"updatedReplicas\":2}");
    struct model_status_item items[2] = { { "member1", s },
                                          { "member2", s } };
    int rc;

    (void)state;

    rc = model_interp_aggregate_status(t, items, 2, "2026-01-01T00:00:00Z");

    assert_int_equal(rc, 0);
    assert_true(json_equal(json_object_get(t, "status"), want));
    json_decref(t);
    json_decref(s);
    json_decref(want);
}

static void
aggregate__item_without_status_blocks_observed_generation(void **state)
{
    json_t *t = js("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\","
                   "\"metadata\":{\"generation\":3},\"status\":{"
                   "\"observedGeneration\":2}}");
    json_t *s = js("{\"replicas\":1,\"generation\":1,\"observedGeneration\":"
                   "1,\"resourceTemplateGeneration\":3}");
    struct model_status_item items[2] = { { "member1", s },
                                          { "member2", NULL } };
    int rc;

    (void)state;

    rc = model_interp_aggregate_status(t, items, 2, "2026-01-01T00:00:00Z");

    assert_int_equal(rc, 0);
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(t, "status"), "observedGeneration")),
                     2);
    items[1].status = s;
    rc = model_interp_aggregate_status(t, items, 2, "2026-01-01T00:00:00Z");
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(t, "status"), "observedGeneration")),
                     3);
    json_decref(t);
    json_decref(s);
}

static const char *
phase_of(const char *kind, const char *p1, const char *p2)
{
    static char out[32];
    char text[128];
    json_t *t;
    json_t *s1 = p1 != NULL ? json_pack("{s:s}", "phase", p1) : NULL;
    json_t *s2 = p2 != NULL ? json_pack("{s:s}", "phase", p2) : NULL;
    struct model_status_item items[2] = { { "m1", s1 }, { "m2", s2 } };

    snprintf(text, sizeof(text), "{\"apiVersion\":\"v1\",\"kind\":\"%s\"}",
             kind);
    t = js(text);
    assert_int_equal(model_interp_aggregate_status(t, items, 2, ""), 0);
    snprintf(out, sizeof(out), "%s",
             json_string_value(json_object_get(json_object_get(t, "status"),
                                               "phase")));
    json_decref(t);
    json_decref(s1);
    json_decref(s2);
    return out;
}

static void
aggregate__pod_pvc_pv_phases_rows57_61(void **state)
{
    (void)state;

    assert_string_equal(phase_of("Pod", "Running", "Failed"), "Failed");
    assert_string_equal(phase_of("Pod", "Running", "Succeeded"), "Running");
    assert_string_equal(phase_of("Pod", "Running", NULL), "Pending");
    assert_string_equal(phase_of("PersistentVolumeClaim", "Bound", "Bound"),
                        "Bound");
    assert_string_equal(phase_of("PersistentVolumeClaim", "Bound", "Lost"),
                        "Lost");
    assert_string_equal(phase_of("PersistentVolumeClaim", "Bound",
                                 "Pending"),
                        "Pending");
    assert_string_equal(phase_of("PersistentVolume", "Available",
                                 "Available"),
                        "Available");
    assert_string_equal(phase_of("PersistentVolume", "Bound", "Released"),
                        "Bound");
    assert_string_equal(phase_of("PersistentVolume", "Released", "Failed"),
                        "Failed");
    assert_string_equal(phase_of("PersistentVolume", "Available", "Pending"),
                        "Pending");
}

static json_t *
deps_of(const char *text)
{
    json_t *o = js(text);
    json_t *out = NULL;

    assert_int_equal(model_interp_dependencies(o, &out), 0);
    json_decref(o);
    return out;
}

static void
dependencies__pod_spec_references_in_karmada_order(void **state)
{
    json_t *d = deps_of(
        "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":"
        "{\"namespace\":\"test\"},\"spec\":{\"template\":{\"spec\":{"
        "\"serviceAccountName\":\"test-serviceaccount\",\"containers\":[],"
        "\"volumes\":[{\"configMap\":{\"name\":\"test-configmap\"}},"
        "{\"secret\":{\"secretName\":\"cloud-secret\"}},"
        "{\"persistentVolumeClaim\":{\"claimName\":\"test-pvc\"}}]}}}}");
    json_t *want = js(
        "[{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"namespace\":\"test\","
        "\"name\":\"test-configmap\"},{\"apiVersion\":\"v1\",\"kind\":"
        "\"Secret\",\"namespace\":\"test\",\"name\":\"cloud-secret\"},"
        "{\"apiVersion\":\"v1\",\"kind\":\"ServiceAccount\",\"namespace\":"
        "\"test\",\"name\":\"test-serviceaccount\"},{\"apiVersion\":\"v1\","
        "\"kind\":\"PersistentVolumeClaim\",\"namespace\":\"test\",\"name\":"
        "\"test-pvc\"}]");

    (void)state;

    assert_true(json_equal(d, want));
    json_decref(d);
    json_decref(want);
}

static void
dependencies__env_init_containers_and_pull_secrets(void **state)
{
    json_t *d = deps_of(
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"namespace\":"
        "\"test\"},\"spec\":{\"serviceAccountName\":\"default\","
        "\"imagePullSecrets\":[{\"name\":\"test-secret\"}],"
        "\"initContainers\":[{\"name\":\"i\",\"envFrom\":[{\"configMapRef\":"
        "{\"name\":\"initcontainer-envfrom-configmap\"}},{\"secretRef\":"
        "{\"name\":\"test-secret\"}}]}],\"containers\":[{\"name\":\"c\","
        "\"env\":[{\"name\":\"x\",\"valueFrom\":{\"secretKeyRef\":{\"name\":"
        "\"test-secret\",\"key\":\"k\"}}}]}]}}");

    (void)state;

    assert_int_equal(json_array_size(d), 2);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(d, 0), "name")),
                        "initcontainer-envfrom-configmap");
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(d, 1), "kind")),
                        "Secret");
    json_decref(d);
}

static void
dependencies__statefulset_drops_claim_templates(void **state)
{
    json_t *d = deps_of(
        "{\"apiVersion\":\"apps/v1\",\"kind\":\"StatefulSet\",\"metadata\":"
        "{\"namespace\":\"test\"},\"spec\":{\"volumeClaimTemplates\":[{"
        "\"metadata\":{\"name\":\"test-pvc\"}}],\"template\":{\"spec\":{"
        "\"containers\":[],\"volumes\":[{\"persistentVolumeClaim\":"
        "{\"claimName\":\"test-pvc\"}},{\"azureFile\":{\"secretName\":"
        "\"az\"},\"secret\":{\"secretName\":\"ignored\"}}]}}}}");

    (void)state;

    assert_int_equal(json_array_size(d), 1);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(d, 0), "name")),
                        "az");
    json_decref(d);
}

static void
dependencies__ingress_tls_without_secret_fails(void **state)
{
    json_t *ok = js("{\"apiVersion\":\"networking.k8s.io/v1\",\"kind\":"
                    "\"Ingress\",\"metadata\":{\"namespace\":\"n\"},\"spec\":"
                    "{\"tls\":[{\"secretName\":\"s1\"}]}}");
    json_t *bad = js("{\"apiVersion\":\"networking.k8s.io/v1\",\"kind\":"
                     "\"Ingress\",\"spec\":{\"tls\":[{\"hosts\":[\"a\"]}]}}");
    json_t *out = NULL;

    (void)state;

    assert_int_equal(model_interp_dependencies(ok, &out), 0);
    assert_int_equal(json_array_size(out), 1);
    json_decref(out);
    assert_int_equal(model_interp_dependencies(bad, &out), -EINVAL);
    json_decref(ok);
    json_decref(bad);
}

static void
retain__replicas_only_with_hpa_label_rows17_19(void **state)
{
    json_t *with = js("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\","
                      "\"metadata\":{\"labels\":{\"resourcetemplate.karmada"
                      ".io/retain-replicas\":\"true\"}},\"spec\":"
                      "{\"replicas\":2}}");
    json_t *without = js("{\"apiVersion\":\"apps/v1\",\"kind\":"
                         "\"Deployment\",\"metadata\":{},\"spec\":"
                         "{\"replicas\":2}}");
    json_t *obs = js("{\"metadata\":{},\"spec\":{\"replicas\":4}}");
    json_t *empty = js("{\"metadata\":{},\"spec\":{}}");
    json_t *again = json_deep_copy(with);

    (void)state;

    assert_int_equal(model_interp_retain(with, obs), 0);
    assert_int_equal(model_interp_retain(without, obs), 0);
    assert_int_equal(model_interp_retain(again, empty), -EINVAL);

    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(with, "spec"), "replicas")),
                     4);
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(without, "spec"), "replicas")),
                     2);
    json_decref(with);
    json_decref(without);
    json_decref(obs);
    json_decref(empty);
    json_decref(again);
}

/* Observed-only annotations are kept (§3.3), but not the ones §3.4 prunes
 * from a Deployment's manifest: the member's controller owns them. */
static void
retain__keeps_observed_annotations_but_not_pruned_ones(void **state)
{
    json_t *d = js("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\","
                   "\"metadata\":{\"annotations\":{\"mine\":\"1\"}},"
                   "\"spec\":{\"replicas\":2}}");
    json_t *obs = js("{\"metadata\":{\"annotations\":{\"theirs\":\"x\","
                     "\"deployment.kubernetes.io/revision\":\"3\","
                     "\"deployment.kubernetes.io/revision-history\":\"1,2\"}},"
                     "\"spec\":{\"replicas\":2}}");
    json_t *ann;

    (void)state;
    assert_int_equal(model_interp_retain(d, obs), 0);
    ann = json_object_get(json_object_get(d, "metadata"), "annotations");
    assert_string_equal(json_string_value(json_object_get(ann, "mine")), "1");
    assert_string_equal(json_string_value(json_object_get(ann, "theirs")), "x");
    assert_null(json_object_get(ann, "deployment.kubernetes.io/revision"));
    assert_null(json_object_get(ann,
                                "deployment.kubernetes.io/revision-history"));
    json_decref(d);
    json_decref(obs);
}

static void
retain__service_cluster_ip_row28(void **state)
{
    json_t *d = js("{\"apiVersion\":\"v1\",\"kind\":\"Service\","
                   "\"metadata\":{},\"spec\":{}}");
    json_t *obs = js("{\"metadata\":{},\"spec\":{\"clusterIP\":"
                     "\"1.2.3.4\"}}");
    json_t *bad = js("{\"metadata\":{},\"spec\":{\"clusterIP\":-1000}}");

    (void)state;

    assert_int_equal(model_interp_retain(d, obs), 0);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(d, "spec"), "clusterIP")),
                        "1.2.3.4");
    assert_int_equal(model_interp_retain(d, bad), -EINVAL);
    json_decref(d);
    json_decref(obs);
    json_decref(bad);
}

static void
prune__removes_server_fields_and_status(void **state)
{
    json_t *m = js("{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":"
                   "{\"name\":\"s\",\"uid\":\"u\",\"resourceVersion\":\"1\","
                   "\"generation\":2},\"spec\":{\"clusterIP\":\"10.0.0.1\","
                   "\"clusterIPs\":[\"10.0.0.1\"]},\"status\":{}}");
    json_t *want = js("{\"apiVersion\":\"v1\",\"kind\":\"Service\","
                      "\"metadata\":{\"name\":\"s\"},\"spec\":{}}");

    (void)state;

    assert_int_equal(model_interp_prune(m), 0);

    assert_true(json_equal(m, want));
    json_decref(m);
    json_decref(want);
}

static void
aggregate__job_completed_and_failed_rows54_56(void **state)
{
    json_t *t = js("{\"apiVersion\":\"batch/v1\",\"kind\":\"Job\"}");
    json_t *ok = js("{\"succeeded\":1,\"startTime\":\"2026-01-01T00:00:00Z\","
                    "\"completionTime\":\"2026-01-01T00:05:00Z\","
                    "\"conditions\":[{\"type\":\"Complete\",\"status\":"
                    "\"True\"},{\"type\":\"SuccessCriteriaMet\",\"status\":"
                    "\"True\"}]}");
    json_t *ok2 = js("{\"succeeded\":1,\"startTime\":\"2026-01-01T00:01:00Z\","
                     "\"completionTime\":\"2026-01-01T00:07:00Z\","
                     "\"conditions\":[{\"type\":\"Complete\",\"status\":"
                     "\"True\"},{\"type\":\"SuccessCriteriaMet\",\"status\":"
                     "\"True\"}]}");
    json_t *bad = js("{\"failed\":1,\"conditions\":[{\"type\":\"Failed\","
                     "\"status\":\"True\"}]}");
    struct model_status_item done[2] = { { "member1", ok },
                                         { "member2", ok2 } };
    struct model_status_item mixed[2] = { { "memberA", bad },
                                          { "memberB", bad } };
    const json_t *st;
    const json_t *c;

    (void)state;

    assert_int_equal(model_interp_aggregate_status(t, done, 2, "NOW"), 0);
    st = json_object_get(t, "status");
    assert_int_equal(json_integer_value(json_object_get(st, "succeeded")), 2);
    assert_string_equal(json_string_value(json_object_get(st, "startTime")),
                        "2026-01-01T00:00:00Z");
    assert_string_equal(json_string_value(json_object_get(st,
                                                          "completionTime")),
                        "2026-01-01T00:07:00Z");
    assert_int_equal(json_array_size(json_object_get(st, "conditions")), 2);
    c = json_array_get(json_object_get(st, "conditions"), 1);
    assert_string_equal(json_string_value(json_object_get(c, "reason")),
                        "CompletionsReached");
    json_decref(t);

    t = js("{\"apiVersion\":\"batch/v1\",\"kind\":\"Job\"}");
    assert_int_equal(model_interp_aggregate_status(t, mixed, 2, "NOW"), 0);
    st = json_object_get(t, "status");
    c = json_array_get(json_object_get(st, "conditions"), 0);
    assert_int_equal(json_integer_value(json_object_get(st, "failed")), 2);
    assert_string_equal(json_string_value(json_object_get(c, "message")),
                        "Job executed failed in member clusters "
                        "memberA,memberB");
    /* A finished template status never changes again. */
    assert_int_equal(model_interp_aggregate_status(t, done, 2, "LATER"), 0);
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(t, "status"), "failed")),
                     2);
    json_decref(t);
    json_decref(ok);
    json_decref(ok2);
    json_decref(bad);
}

static void
aggregate__cronjob_pdb_hpa_rows62_64(void **state)
{
    json_t *cj = js("{\"apiVersion\":\"batch/v1\",\"kind\":\"CronJob\"}");
    json_t *c1 = js("{\"active\":[{\"name\":\"foo\"}],\"lastScheduleTime\":"
                    "\"2026-01-01T07:16:00Z\",\"lastSuccessfulTime\":null}");
    json_t *c2 = js("{\"active\":[{\"name\":\"foo\"}],\"lastScheduleTime\":"
                    "\"2026-01-01T07:17:00Z\",\"lastSuccessfulTime\":"
                    "\"2026-01-01T07:17:00Z\"}");
    json_t *pdb = js("{\"apiVersion\":\"policy/v1\",\"kind\":"
                     "\"PodDisruptionBudget\"}");
    json_t *p = js("{\"currentHealthy\":0,\"desiredHealthy\":1,"
                   "\"disruptionsAllowed\":0,\"expectedPods\":1,"
                   "\"disruptedPods\":{\"pod-1234\":\"t\"}}");
    json_t *hpa = js("{\"apiVersion\":\"autoscaling/v2\",\"kind\":"
                     "\"HorizontalPodAutoscaler\"}");
    json_t *h1 = js("{\"currentReplicas\":2,\"desiredReplicas\":2}");
    json_t *h2 = js("{\"currentReplicas\":4,\"desiredReplicas\":4}");
    struct model_status_item cji[2] = { { "member1", c1 }, { "member2", c2 } };
    struct model_status_item pi[2] = { { "member1", p }, { "member2", p } };
    struct model_status_item hi[3] = { { "member1", h1 }, { "member2", h2 },
                                       { "member3", NULL } };
    json_t *want;

    (void)state;

    assert_int_equal(model_interp_aggregate_status(cj, cji, 2, ""), 0);
    assert_int_equal(model_interp_aggregate_status(pdb, pi, 2, ""), 0);
    assert_int_equal(model_interp_aggregate_status(hpa, hi, 3, ""), 0);

    want = js("{\"active\":[{\"name\":\"foo\"},{\"name\":\"foo\"}],"
              "\"lastScheduleTime\":\"2026-01-01T07:17:00Z\","
              "\"lastSuccessfulTime\":\"2026-01-01T07:17:00Z\"}");
    assert_true(json_equal(json_object_get(cj, "status"), want));
    json_decref(want);
    want = js("{\"currentHealthy\":0,\"desiredHealthy\":2,"
              "\"disruptionsAllowed\":0,\"expectedPods\":2,"
              "\"disruptedPods\":{\"member1/pod-1234\":\"t\","
              "\"member2/pod-1234\":\"t\"}}");
    assert_true(json_equal(json_object_get(pdb, "status"), want));
    json_decref(want);
    want = js("{\"currentReplicas\":6,\"desiredReplicas\":6}");
    assert_true(json_equal(json_object_get(hpa, "status"), want));
    json_decref(want);
    json_decref(cj);
    json_decref(c1);
    json_decref(c2);
    json_decref(pdb);
    json_decref(p);
    json_decref(hpa);
    json_decref(h1);
    json_decref(h2);
}

static void
aggregate__load_balancer_merge_and_order_row66(void **state)
{
    json_t *svc = js("{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"spec\":"
                     "{\"type\":\"LoadBalancer\"}}");
    json_t *a = js("{\"loadBalancer\":{\"ingress\":[{\"ip\":\"1.1.1.1\"},"
                   "{\"hostname\":\"hostname-1\",\"ports\":[{\"port\":81,"
                   "\"protocol\":\"TCP\"}]}]}}");
    json_t *b = js("{\"loadBalancer\":{\"ingress\":[{\"hostname\":"
                   "\"hostname-1\",\"ports\":[{\"port\":80,\"protocol\":"
                   "\"TCP\"},{\"port\":81,\"protocol\":\"TCP\"}]}]}}");
    struct model_status_item items[2] = { { "m1", a }, { "m2", b } };
    json_t *want = js("{\"loadBalancer\":{\"ingress\":[{\"hostname\":"
                      "\"hostname-1\",\"ports\":[{\"port\":80,\"protocol\":"
                      "\"TCP\"},{\"port\":81,\"protocol\":\"TCP\"}]},"
                      "{\"ip\":\"1.1.1.1\"}]}}");

    (void)state;

    assert_int_equal(model_interp_aggregate_status(svc, items, 2, ""), 0);

    assert_true(json_equal(json_object_get(svc, "status"), want));
    json_decref(svc);
    json_decref(a);
    json_decref(b);
    json_decref(want);
}

static void
reflect__job_and_hpa_keep_listed_fields_rows37_38(void **state)
{
    json_t *job = js("{\"apiVersion\":\"batch/v1\",\"kind\":\"Job\","
                     "\"status\":{\"active\":1,\"succeeded\":2,\"failed\":0,"
                     "\"ready\":1,\"startTime\":\"s\",\"completionTime\":"
                     "\"c\",\"conditions\":[{\"type\":\"Complete\"}]}}");
    json_t *hpa = js("{\"apiVersion\":\"autoscaling/v2\",\"kind\":"
                     "\"HorizontalPodAutoscaler\",\"status\":{"
                     "\"currentReplicas\":2,\"desiredReplicas\":3,"
                     "\"lastScaleTime\":\"t\"}}");
    json_t *wj = js("{\"active\":1,\"succeeded\":2,\"startTime\":\"s\","
                    "\"completionTime\":\"c\",\"conditions\":[{\"type\":"
                    "\"Complete\"}]}");
    json_t *wh = js("{\"currentReplicas\":2,\"desiredReplicas\":3}");
    json_t *out = NULL;

    (void)state;

    assert_int_equal(model_interp_reflect_status(job, &out), 0);
    assert_true(json_equal(out, wj));
    json_decref(out);
    assert_int_equal(model_interp_reflect_status(hpa, &out), 0);
    assert_true(json_equal(out, wh));
    json_decref(out);
    json_decref(job);
    json_decref(hpa);
    json_decref(wj);
    json_decref(wh);
}

static void
retain__pod_job_pv_pvc_sa_secret_rows20_30(void **state)
{
    json_t *pod = js("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{},"
                     "\"spec\":{\"nodeName\":\"node2\",\"serviceAccountName\":"
                     "\"fake-desired-sa\",\"containers\":[{\"name\":\"test\","
                     "\"volumeMounts\":[{\"name\":\"d\"}]},{\"name\":"
                     "\"test-3\",\"volumeMounts\":[{\"name\":\"d3\"}]}]}}");
    json_t *opod = js("{\"metadata\":{},\"spec\":{\"nodeName\":\"node1\","
                      "\"serviceAccountName\":\"fake-observed-sa\","
                      "\"volumes\":[{\"name\":\"o\"}],\"containers\":[{"
                      "\"name\":\"test\",\"volumeMounts\":[{\"name\":\"o\"}]},"
                      "{\"name\":\"test-2\"}]}}");
    json_t *job = js("{\"apiVersion\":\"batch/v1\",\"kind\":\"Job\","
                     "\"metadata\":{},\"spec\":{\"selector\":{\"matchLabels\":"
                     "{\"app\":\"nginx_v1\"}},\"template\":{\"metadata\":{"
                     "\"labels\":{\"app\":\"nginx_v1\"}}}}}");
    json_t *ojob = js("{\"metadata\":{},\"spec\":{\"selector\":{"
                      "\"matchLabels\":{\"name\":\"nginx\"}},\"template\":{"
                      "\"metadata\":{\"labels\":{\"name\":\"nginx\"}}}}}");
    json_t *sa = js("{\"apiVersion\":\"v1\",\"kind\":\"ServiceAccount\","
                    "\"metadata\":{},\"secrets\":[{\"name\":\"test\"}]}");
    json_t *osa = js("{\"metadata\":{},\"secrets\":[{\"name\":\"test\"},"
                     "{\"name\":\"test-token\"}],\"imagePullSecrets\":[{"
                     "\"name\":\"foo\"}]}");
    json_t *sec = js("{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"type\":"
                     "\"kubernetes.io/service-account-token\",\"metadata\":{},"
                     "\"data\":{\"token\":\"desired-token\"}}");
    json_t *osec = js("{\"metadata\":{},\"data\":{\"token\":"
                      "\"observed-token\"}}");
    json_t *want;

    (void)state;

    assert_int_equal(model_interp_retain(pod, opod), 0);
    assert_int_equal(model_interp_retain(job, ojob), 0);
    assert_int_equal(model_interp_retain(sa, osa), 0);
    assert_int_equal(model_interp_retain(sec, osec), 0);

    want = js("{\"nodeName\":\"node1\",\"serviceAccountName\":"
              "\"fake-observed-sa\",\"volumes\":[{\"name\":\"o\"}],"
              "\"containers\":[{\"name\":\"test\",\"volumeMounts\":[{"
              "\"name\":\"o\"}]},{\"name\":\"test-3\",\"volumeMounts\":[{"
              "\"name\":\"d3\"}]}]}");
    assert_true(json_equal(json_object_get(pod, "spec"), want));
    json_decref(want);
    want = js("{\"selector\":{\"matchLabels\":{\"name\":\"nginx\"}},"
              "\"template\":{\"metadata\":{\"labels\":{\"name\":"
              "\"nginx\"}}}}");
    assert_true(json_equal(json_object_get(job, "spec"), want));
    json_decref(want);
    want = js("[{\"name\":\"test\"},{\"name\":\"test-token\"}]");
    assert_true(json_equal(json_object_get(sa, "secrets"), want));
    json_decref(want);
    assert_int_equal(json_array_size(json_object_get(sa,
                                                     "imagePullSecrets")),
                     1);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(sec, "data"), "token")),
                        "observed-token");
    json_decref(pod);
    json_decref(opod);
    json_decref(job);
    json_decref(ojob);
    json_decref(sa);
    json_decref(osa);
    json_decref(sec);
    json_decref(osec);
}

static void
prune__job_controller_labels_and_sa_token_secrets(void **state)
{
    json_t *job = js("{\"kind\":\"Job\",\"metadata\":{},\"spec\":{"
                     "\"ttlSecondsAfterFinished\":5,\"selector\":{"
                     "\"matchLabels\":{\"controller-uid\":\"u\",\"a\":\"b\"}},"
                     "\"template\":{\"metadata\":{\"labels\":{\"job-name\":"
                     "\"j\",\"a\":\"b\"}}}}}");
    json_t *sa = js("{\"kind\":\"ServiceAccount\",\"metadata\":{\"name\":"
                    "\"sa\"},\"secrets\":[{\"name\":\"sa-token-1\"},"
                    "{\"name\":\"other\"}]}");
    json_t *wj = js("{\"kind\":\"Job\",\"metadata\":{},\"spec\":{"
                    "\"selector\":{\"matchLabels\":{\"a\":\"b\"}},"
                    "\"template\":{\"metadata\":{\"labels\":{\"a\":"
                    "\"b\"}}}}}");

    (void)state;

    assert_int_equal(model_interp_prune(job), 0);
    assert_int_equal(model_interp_prune(sa), 0);

    assert_true(json_equal(job, wj));
    assert_int_equal(json_array_size(json_object_get(sa, "secrets")), 1);
    json_decref(job);
    json_decref(sa);
    json_decref(wj);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(replicas__deployment_with_node_claim_row1),
        cmocka_unit_test(
            replicas__job_is_min_of_parallelism_and_completions_row4),
        cmocka_unit_test(replicas__pod_is_one_row5),
        cmocka_unit_test(replicas__no_rule_for_wrong_group_row6),
        cmocka_unit_test(replicas__absent_replicas_read_as_zero),
        cmocka_unit_test(replicas__mistyped_replicas_is_an_error),
        cmocka_unit_test(requirements__promotes_limits_to_requests_row8),
        cmocka_unit_test(
            requirements__sums_containers_maxes_init_adds_overhead_row9),
        cmocka_unit_test(
            requirements__drops_unknown_resource_names_and_rounds_up),
        cmocka_unit_test(revise__writes_existing_field_only_rows11_13),
        cmocka_unit_test(
            revise__rejects_mistyped_field_and_unknown_kind_rows12_14),
        cmocka_unit_test(health__deployment_rows41_44),
        cmocka_unit_test(health__daemonset_service_pvc_pod_pdb_rows45_49),
        cmocka_unit_test(
            health__mistyped_field_is_unknown_and_no_rule_is_healthy),
        cmocka_unit_test(reflect__deployment_with_generation_row32),
        cmocka_unit_test(
            reflect__missing_annotation_fails_and_no_status_is_null_rows33_34),
        cmocka_unit_test(reflect__service_only_for_load_balancers_row36),
        cmocka_unit_test(
            reflect__other_kinds_copy_status_and_reject_non_objects_rows39_40),
        cmocka_unit_test(aggregate__deployment_sums_row52),
        cmocka_unit_test(
            aggregate__item_without_status_blocks_observed_generation),
        cmocka_unit_test(aggregate__pod_pvc_pv_phases_rows57_61),
        cmocka_unit_test(dependencies__pod_spec_references_in_karmada_order),
        cmocka_unit_test(dependencies__env_init_containers_and_pull_secrets),
        cmocka_unit_test(dependencies__statefulset_drops_claim_templates),
        cmocka_unit_test(dependencies__ingress_tls_without_secret_fails),
        cmocka_unit_test(retain__replicas_only_with_hpa_label_rows17_19),
        cmocka_unit_test(retain__keeps_observed_annotations_but_not_pruned_ones),
        cmocka_unit_test(retain__service_cluster_ip_row28),
        cmocka_unit_test(prune__removes_server_fields_and_status),
        cmocka_unit_test(aggregate__job_completed_and_failed_rows54_56),
        cmocka_unit_test(aggregate__cronjob_pdb_hpa_rows62_64),
        cmocka_unit_test(aggregate__load_balancer_merge_and_order_row66),
        cmocka_unit_test(reflect__job_and_hpa_keep_listed_fields_rows37_38),
        cmocka_unit_test(retain__pod_job_pv_pvc_sa_secret_rows20_30),
        cmocka_unit_test(prune__job_controller_labels_and_sa_token_secrets),
    };

    return cmocka_run_group_tests_name("model.interp", tests, NULL, NULL);
}
