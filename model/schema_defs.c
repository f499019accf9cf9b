/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The field schemas. Karmada kinds are strict (every field of the v1alpha1
 * API at the snapshot of ../shared/spec, unknown fields rejected);
 * Kubernetes kinds list the fields Flotilla reads plus well-known ones and
 * let everything else through untouched.
 */
#include "schema.h"

#include <stddef.h>

#define F(n, t) { (n), (t), NULL, VT_ANY, NULL, 0 }
#define F_REQ(n, t) { (n), (t), NULL, VT_ANY, NULL, VF_REQUIRED }
#define F_OBJ(n, s) { (n), VT_OBJECT, &(s), VT_ANY, NULL, 0 }
#define F_OBJ_REQ(n, s) { (n), VT_OBJECT, &(s), VT_ANY, NULL, VF_REQUIRED }
#define F_ARR(n, e) { (n), VT_ARRAY, NULL, (e), NULL, 0 }
#define F_ARR_OBJ(n, s) { (n), VT_ARRAY, &(s), VT_OBJECT, NULL, 0 }
#define F_ARR_OBJ_REQ(n, s)                                                    \
    { (n), VT_ARRAY, &(s), VT_OBJECT, NULL, VF_REQUIRED }
#define F_ENUM(n, v) { (n), VT_STRING, NULL, VT_ANY, (v), 0 }
#define F_ENUM_REQ(n, v) { (n), VT_STRING, NULL, VT_ANY, (v), VF_REQUIRED }
#define END { NULL, VT_ANY, NULL, VT_ANY, NULL, 0 }
#define STRICT(name, ...)                                                      \
    static const struct vfield name##_f[] = { __VA_ARGS__, END };              \
    static const struct vschema name = { name##_f, true }
#define LOOSE(name, ...)                                                       \
    static const struct vfield name##_f[] = { __VA_ARGS__, END };              \
    static const struct vschema name = { name##_f, false }

static const char *const ops_selector[] = { "In", "NotIn", "Exists",
                                            "DoesNotExist", NULL };
static const char *const ops_field[] = { "In", "NotIn", NULL };
static const char *const field_keys[] = { "provider", "region", "zone",
                                          NULL };
static const char *const ops_override[] = { "add", "remove", "replace",
                                             NULL };
static const char *const ops_cmd[] = { "add", "remove", NULL };
static const char *const ops_toleration[] = { "Exists", "Equal", NULL };
static const char *const effects_all[] = { "NoSchedule", "PreferNoSchedule",
                                           "NoExecute", NULL };
static const char *const effects_cluster[] = { "NoSchedule", "NoExecute",
                                               NULL };
static const char *const image_components[] = { "Registry", "Repository",
                                                "Tag", NULL };
static const char *const preemption_values[] = { "Always", "Never", NULL };
static const char *const conflict_values[] = { "Abort", "Overwrite", NULL };
static const char *const activation_values[] = { "", "Lazy", NULL };
static const char *const sched_types[] = { "Duplicated", "Divided", NULL };
static const char *const division_prefs[] = { "Aggregated", "Weighted",
                                              NULL };
static const char *const dynamic_weights[] = { "AvailableReplicas", NULL };
static const char *const spread_fields[] = { "cluster", "region", "zone",
                                             "provider", NULL };
static const char *const purge_modes[] = { "Directly", "Gracefully", "Never",
                                           "Immediately", "Graciously",
                                           NULL };
static const char *const sync_modes[] = { "Push", "Pull", NULL };
static const char *const prio_sources[] = { "KubePriorityClass",
                                            "PodPriorityClass",
                                            "FederatedPriorityClass", NULL };

/* ------------------------------------------------------------ shared */

STRICT(meta,
       F("name", VT_STRING), F("generateName", VT_STRING),
       F("namespace", VT_STRING), F("selfLink", VT_STRING),
       F("uid", VT_STRING), F("resourceVersion", VT_STRING),
       F("generation", VT_INT), F("creationTimestamp", VT_STRING),
       F("deletionTimestamp", VT_STRING),
       F("deletionGracePeriodSeconds", VT_INT), F("labels", VT_STRMAP),
       F("annotations", VT_STRMAP), F("ownerReferences", VT_ARRAY),
       F("finalizers", VT_ARRAY), F("managedFields", VT_ARRAY));

STRICT(sel_req, F_REQ("key", VT_STRING), F_ENUM_REQ("operator", ops_selector),
       F_ARR("values", VT_STRING));
STRICT(label_selector, F("matchLabels", VT_STRMAP),
       F_ARR_OBJ("matchExpressions", sel_req));
STRICT(field_req, F_ENUM_REQ("key", field_keys),
       F_ENUM_REQ("operator", ops_field),
       F_ARR("values", VT_STRING));
STRICT(field_selector, F_ARR_OBJ("matchExpressions", field_req));
STRICT(resource_selector, F_REQ("apiVersion", VT_STRING),
       F_REQ("kind", VT_STRING), F("namespace", VT_STRING),
       F("name", VT_STRING), F_OBJ("labelSelector", label_selector));
STRICT(cluster_affinity, F_OBJ("labelSelector", label_selector),
       F_OBJ("fieldSelector", field_selector),
       F_ARR("clusterNames", VT_STRING), F_ARR("exclude", VT_STRING));
STRICT(overflow_term, F_REQ("affinityName", VT_STRING),
       F_OBJ("labelSelector", label_selector),
       F_OBJ("fieldSelector", field_selector),
       F_ARR("clusterNames", VT_STRING), F_ARR("exclude", VT_STRING));
STRICT(cluster_affinity_term, F_REQ("affinityName", VT_STRING),
       F_OBJ("labelSelector", label_selector),
       F_OBJ("fieldSelector", field_selector),
       F_ARR("clusterNames", VT_STRING), F_ARR("exclude", VT_STRING),
       F_ARR_OBJ("overflowAffinities", overflow_term));
STRICT(karmada_toleration, F("key", VT_STRING),
       F_ENUM("operator", ops_toleration), F("value", VT_STRING),
       F_ENUM("effect", effects_all), F("tolerationSeconds", VT_INT));
STRICT(spread, F_ENUM("spreadByField", spread_fields),
       F("spreadByLabel", VT_STRING), F("maxGroups", VT_INT),
       F("minGroups", VT_INT));
STRICT(static_weight, F_OBJ_REQ("targetCluster", cluster_affinity),
       F_REQ("weight", VT_INT));
STRICT(weight_pref, F_ARR_OBJ("staticWeightList", static_weight),
       F_ENUM("dynamicWeight", dynamic_weights));
STRICT(replica_sched, F_ENUM("replicaSchedulingType", sched_types),
       F_ENUM("replicaDivisionPreference", division_prefs),
       F_OBJ("weightPreference", weight_pref));
STRICT(group_key, F_REQ("groupByLabelKey", VT_STRING));
STRICT(workload_affinity, F_OBJ("affinity", group_key),
       F_OBJ("antiAffinity", group_key));
STRICT(placement, F_OBJ("clusterAffinity", cluster_affinity),
       F_ARR_OBJ("clusterAffinities", cluster_affinity_term),
       F_ARR_OBJ("clusterTolerations", karmada_toleration),
       F_ARR_OBJ("spreadConstraints", spread),
       F_OBJ("replicaScheduling", replica_sched),
       F_OBJ("workloadAffinity", workload_affinity));
STRICT(decision_cond, F("tolerationSeconds", VT_INT));
STRICT(preservation_rule, F_REQ("aliasLabelName", VT_STRING),
       F_REQ("jsonPath", VT_STRING));
STRICT(state_preservation, F_ARR_OBJ_REQ("rules", preservation_rule));
STRICT(app_failover, F_OBJ("decisionConditions", decision_cond),
       F_ENUM("purgeMode", purge_modes), F("gracePeriodSeconds", VT_INT),
       F_OBJ("statePreservation", state_preservation));
STRICT(cluster_failover, F_ENUM("purgeMode", purge_modes),
       F_OBJ("statePreservation", state_preservation));
STRICT(failover, F_OBJ("application", app_failover),
       F_OBJ("cluster", cluster_failover));
STRICT(on_clusters, F_ARR("clusterNames", VT_STRING));
STRICT(suspension, F("dispatching", VT_BOOL),
       F_OBJ("dispatchingOnClusters", on_clusters));
STRICT(sched_priority, F_ENUM("priorityClassSource", prio_sources),
       F("priorityClassName", VT_STRING));

STRICT(pp_spec, F_ARR_OBJ_REQ("resourceSelectors", resource_selector),
       F("propagateDeps", VT_BOOL), F_OBJ("placement", placement),
       F("priority", VT_INT), F_ENUM("preemption", preemption_values),
       F_ARR("dependentOverrides", VT_STRING), F("schedulerName", VT_STRING),
       F_OBJ("failover", failover),
       F_ENUM("conflictResolution", conflict_values),
       F_ENUM("activationPreference", activation_values),
       F_OBJ("suspension", suspension),
       F("preserveResourcesOnDeletion", VT_BOOL),
       F("association", VT_BOOL),
       F_OBJ("schedulePriority", sched_priority));

/* ------------------------------------------------------------ overrides */

STRICT(plaintext, F_REQ("path", VT_STRING),
       F_ENUM_REQ("operator", ops_override), F("value", VT_ANY));
STRICT(image_predicate, F_REQ("path", VT_STRING));
STRICT(image_overrider, F_OBJ("predicate", image_predicate),
       F_ENUM_REQ("component", image_components),
       F_ENUM_REQ("operator", ops_override), F("value", VT_STRING));
STRICT(cmd_overrider, F_REQ("containerName", VT_STRING),
       F_ENUM_REQ("operator", ops_cmd), F_ARR("value", VT_STRING));
STRICT(map_overrider, F_ENUM_REQ("operator", ops_override),
       F("value", VT_STRMAP));
STRICT(field_op, F_REQ("subPath", VT_STRING),
       F_ENUM_REQ("operator", ops_override), F("value", VT_ANY));
STRICT(field_overrider, F_REQ("fieldPath", VT_STRING),
       F_ARR_OBJ("json", field_op), F_ARR_OBJ("yaml", field_op));
STRICT(overriders, F_ARR_OBJ("plaintext", plaintext),
       F_ARR_OBJ("imageOverrider", image_overrider),
       F_ARR_OBJ("commandOverrider", cmd_overrider),
       F_ARR_OBJ("argsOverrider", cmd_overrider),
       F_ARR_OBJ("labelsOverrider", map_overrider),
       F_ARR_OBJ("annotationsOverrider", map_overrider),
       F_ARR_OBJ("fieldOverrider", field_overrider));
STRICT(override_rule, F_OBJ("targetCluster", cluster_affinity),
       F_OBJ_REQ("overriders", overriders));
STRICT(op_spec, F_ARR_OBJ("resourceSelectors", resource_selector),
       F_ARR_OBJ("overrideRules", override_rule),
       F_OBJ("targetCluster", cluster_affinity),
       F_OBJ("overriders", overriders));

/* ------------------------------------------------------------ clusters */

STRICT(match_condition, F_REQ("conditionType", VT_STRING),
       F_ENUM_REQ("operator", ops_field),
       F_ARR("statusValues", VT_STRING));
STRICT(taint, F_REQ("key", VT_STRING), F("value", VT_STRING),
       F_ENUM_REQ("effect", effects_all), F("timeAdded", VT_STRING));
STRICT(cluster_taint, F_REQ("key", VT_STRING), F("value", VT_STRING),
       F_ENUM_REQ("effect", effects_cluster), F("timeAdded", VT_STRING));
STRICT(ctp_spec, F_OBJ("targetClusters", cluster_affinity),
       F_ARR_OBJ("addOnConditions", match_condition),
       F_ARR_OBJ("removeOnConditions", match_condition),
       F_ARR_OBJ_REQ("taints", taint));
STRICT(secret_ref, F_REQ("namespace", VT_STRING), F_REQ("name", VT_STRING));
STRICT(model_range, F_REQ("name", VT_STRING), F_REQ("min", VT_QUANTITY),
       F_REQ("max", VT_QUANTITY));
STRICT(resource_model, F_REQ("grade", VT_INT),
       F_ARR_OBJ_REQ("ranges", model_range));
STRICT(cluster_spec, F("id", VT_STRING), F_ENUM_REQ("syncMode", sync_modes),
       F("apiEndpoint", VT_STRING), F_OBJ("secretRef", secret_ref),
       F_OBJ("impersonatorSecretRef", secret_ref),
       F("insecureSkipTLSVerification", VT_BOOL), F("proxyURL", VT_STRING),
       F("proxyHeader", VT_STRMAP), F("provider", VT_STRING),
       F("region", VT_STRING), F("zone", VT_STRING),
       F_ARR("zones", VT_STRING), F_ARR_OBJ("taints", cluster_taint),
       F_ARR_OBJ("resourceModels", resource_model));
STRICT(workload_ref, F_REQ("apiVersion", VT_STRING), F_REQ("kind", VT_STRING),
       F("namespace", VT_STRING), F_REQ("name", VT_STRING));
STRICT(wr_spec, F_ARR_OBJ_REQ("workloads", workload_ref),
       F("ttlSecondsAfterFinished", VT_INT));

#define KARMADA_TOP(spec_schema)                                               \
    F_REQ("apiVersion", VT_STRING), F_REQ("kind", VT_STRING),                  \
        F_OBJ_REQ("metadata", meta), F_OBJ_REQ("spec", spec_schema),          \
        F("status", VT_OBJECT)

static const struct vfield pp_f[] = { KARMADA_TOP(pp_spec), END };
const struct vschema schema_propagation_policy = { pp_f, true };
static const struct vfield op_f[] = { KARMADA_TOP(op_spec), END };
const struct vschema schema_override_policy = { op_f, true };
static const struct vfield ctp_f[] = { KARMADA_TOP(ctp_spec), END };
const struct vschema schema_cluster_taint_policy = { ctp_f, true };
static const struct vfield cluster_f[] = { KARMADA_TOP(cluster_spec), END };
const struct vschema schema_cluster = { cluster_f, true };
static const struct vfield wr_f[] = { KARMADA_TOP(wr_spec), END };
const struct vschema schema_workload_rebalancer = { wr_f, true };

/* ------------------------------------------------------------ Kubernetes */

LOOSE(resources, F("requests", VT_QMAP), F("limits", VT_QMAP));
LOOSE(env_var, F_REQ("name", VT_STRING), F("value", VT_STRING),
      F("valueFrom", VT_OBJECT));
LOOSE(container, F_REQ("name", VT_STRING), F("image", VT_STRING),
      F_ARR("command", VT_STRING), F_ARR("args", VT_STRING),
      F_OBJ("resources", resources), F_ARR_OBJ("env", env_var),
      F_ARR("envFrom", VT_OBJECT), F_ARR("ports", VT_OBJECT),
      F_ARR("volumeMounts", VT_OBJECT));
LOOSE(k8s_toleration, F("key", VT_STRING), F_ENUM("operator", ops_toleration),
      F("value", VT_STRING), F_ENUM("effect", effects_all),
      F("tolerationSeconds", VT_INT));
LOOSE(local_ref, F("name", VT_STRING));
LOOSE(pod_spec, F_ARR_OBJ_REQ("containers", container),
      F_ARR_OBJ("initContainers", container),
      F_ARR("ephemeralContainers", VT_OBJECT),
      F("nodeSelector", VT_STRMAP),
      F_ARR_OBJ("tolerations", k8s_toleration), F("affinity", VT_OBJECT),
      F("priorityClassName", VT_STRING), F("overhead", VT_QMAP),
      F("serviceAccountName", VT_STRING), F("nodeName", VT_STRING),
      F_ARR("volumes", VT_OBJECT),
      F_ARR_OBJ("imagePullSecrets", local_ref));
LOOSE(template_meta, F("name", VT_STRING), F("labels", VT_STRMAP),
      F("annotations", VT_STRMAP));
LOOSE(pod_template, F_OBJ("metadata", template_meta),
      F_OBJ("spec", pod_spec));
LOOSE(deploy_spec, F("replicas", VT_INT),
      F_OBJ("selector", label_selector),
      F_OBJ_REQ("template", pod_template));
LOOSE(sts_spec, F("replicas", VT_INT), F_OBJ("selector", label_selector),
      F_OBJ_REQ("template", pod_template), F("serviceName", VT_STRING),
      F_ARR("volumeClaimTemplates", VT_OBJECT));
LOOSE(ds_spec, F_OBJ("selector", label_selector),
      F_OBJ_REQ("template", pod_template));
LOOSE(job_spec, F("parallelism", VT_INT), F("completions", VT_INT),
      F("manualSelector", VT_BOOL), F_OBJ("selector", label_selector),
      F_OBJ_REQ("template", pod_template));
LOOSE(job_template, F_OBJ("metadata", template_meta),
      F_OBJ_REQ("spec", job_spec));
LOOSE(cronjob_spec, F_REQ("schedule", VT_STRING),
      F_OBJ_REQ("jobTemplate", job_template));
LOOSE(svc_port, F("name", VT_STRING), F("protocol", VT_STRING),
      F_REQ("port", VT_INT), F("targetPort", VT_INT_OR_STRING),
      F("nodePort", VT_INT));
LOOSE(svc_spec, F("type", VT_STRING), F("clusterIP", VT_STRING),
      F_ARR("clusterIPs", VT_STRING), F_ARR_OBJ("ports", svc_port),
      F("selector", VT_STRMAP));
LOOSE(pvc_resources, F("requests", VT_QMAP), F("limits", VT_QMAP));
LOOSE(pvc_spec, F_ARR("accessModes", VT_STRING),
      F_OBJ("resources", pvc_resources), F("storageClassName", VT_STRING),
      F("volumeName", VT_STRING));
LOOSE(ingress_tls, F_ARR("hosts", VT_STRING), F("secretName", VT_STRING));
LOOSE(ingress_spec, F_ARR_OBJ("tls", ingress_tls), F_ARR("rules", VT_OBJECT),
      F("ingressClassName", VT_STRING));

#define K8S_TOP                                                                \
    F_REQ("apiVersion", VT_STRING), F_REQ("kind", VT_STRING),                  \
        F_OBJ_REQ("metadata", meta)

static const struct vfield deploy_f[] = {
    K8S_TOP, F_OBJ_REQ("spec", deploy_spec), F("status", VT_OBJECT), END,
};
const struct vschema schema_k8s_deployment = { deploy_f, false };
const struct vschema schema_k8s_replicaset = { deploy_f, false };
static const struct vfield sts_f[] = {
    K8S_TOP, F_OBJ_REQ("spec", sts_spec), F("status", VT_OBJECT), END,
};
const struct vschema schema_k8s_statefulset = { sts_f, false };
static const struct vfield ds_f[] = {
    K8S_TOP, F_OBJ_REQ("spec", ds_spec), F("status", VT_OBJECT), END,
};
const struct vschema schema_k8s_daemonset = { ds_f, false };
static const struct vfield job_f[] = {
    K8S_TOP, F_OBJ_REQ("spec", job_spec), F("status", VT_OBJECT), END,
};
const struct vschema schema_k8s_job = { job_f, false };
static const struct vfield cronjob_f[] = {
    K8S_TOP, F_OBJ_REQ("spec", cronjob_spec), F("status", VT_OBJECT), END,
};
const struct vschema schema_k8s_cronjob = { cronjob_f, false };
static const struct vfield pod_f[] = {
    K8S_TOP, F_OBJ_REQ("spec", pod_spec), F("status", VT_OBJECT), END,
};
const struct vschema schema_k8s_pod = { pod_f, false };
static const struct vfield svc_f[] = {
    K8S_TOP, F_OBJ("spec", svc_spec), F("status", VT_OBJECT), END,
};
const struct vschema schema_k8s_service = { svc_f, false };
static const struct vfield cm_f[] = {
    K8S_TOP, F("data", VT_STRMAP), F("binaryData", VT_STRMAP),
    F("immutable", VT_BOOL), END,
};
const struct vschema schema_k8s_configmap = { cm_f, true };
static const struct vfield secret_f[] = {
    K8S_TOP, F("data", VT_STRMAP), F("stringData", VT_STRMAP),
    F("type", VT_STRING), F("immutable", VT_BOOL), END,
};
const struct vschema schema_k8s_secret = { secret_f, true };
static const struct vfield pvc_f[] = {
    K8S_TOP, F_OBJ("spec", pvc_spec), F("status", VT_OBJECT), END,
};
const struct vschema schema_k8s_pvc = { pvc_f, false };
static const struct vfield sa_f[] = {
    K8S_TOP, F_ARR_OBJ("secrets", local_ref),
    F_ARR_OBJ("imagePullSecrets", local_ref),
    F("automountServiceAccountToken", VT_BOOL), END,
};
const struct vschema schema_k8s_serviceaccount = { sa_f, true };
static const struct vfield ingress_f[] = {
    K8S_TOP, F_OBJ("spec", ingress_spec), F("status", VT_OBJECT), END,
};
const struct vschema schema_k8s_ingress = { ingress_f, false };
static const struct vfield generic_f[] = { K8S_TOP, END };
const struct vschema schema_k8s_generic = { generic_f, false };
