/* SPDX-License-Identifier: Apache-2.0 */
/*
 * From a decoded document to a validated, defaulted object: kind rules,
 * strict validation, API defaulting and the deterministic UID.
 */
#include "model/object.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "cluster.h"
#include "internal.h"
#include "schema.h"
#include "semantic.h"

struct kind_info {
    const char *api_version;
    const char *kind;
    enum model_class cls;
    bool namespaced;
    const struct vschema *schema;
};

static const struct kind_info kinds[] = {
    { "policy.karmada.io/v1alpha1", "PropagationPolicy",
      MODEL_CLASS_PROPAGATION_POLICY, true, &schema_propagation_policy },
    { "policy.karmada.io/v1alpha1", "ClusterPropagationPolicy",
      MODEL_CLASS_CLUSTER_PROPAGATION_POLICY, false,
      &schema_propagation_policy },
    { "policy.karmada.io/v1alpha1", "OverridePolicy",
      MODEL_CLASS_OVERRIDE_POLICY, true, &schema_override_policy },
    { "policy.karmada.io/v1alpha1", "ClusterOverridePolicy",
      MODEL_CLASS_CLUSTER_OVERRIDE_POLICY, false, &schema_override_policy },
    { "policy.karmada.io/v1alpha1", "ClusterTaintPolicy",
      MODEL_CLASS_CLUSTER_TAINT_POLICY, false, &schema_cluster_taint_policy },
    { "cluster.karmada.io/v1alpha1", "Cluster", MODEL_CLASS_CLUSTER, false,
      &schema_cluster },
    { "apps.karmada.io/v1alpha1", "WorkloadRebalancer",
      MODEL_CLASS_WORKLOAD_REBALANCER, false, &schema_workload_rebalancer },
    { "apps/v1", "Deployment", MODEL_CLASS_TEMPLATE, true,
      &schema_k8s_deployment },
    { "apps/v1", "StatefulSet", MODEL_CLASS_TEMPLATE, true,
      &schema_k8s_statefulset },
    { "apps/v1", "ReplicaSet", MODEL_CLASS_TEMPLATE, true,
      &schema_k8s_replicaset },
    { "apps/v1", "DaemonSet", MODEL_CLASS_TEMPLATE, true,
      &schema_k8s_daemonset },
    { "batch/v1", "Job", MODEL_CLASS_TEMPLATE, true, &schema_k8s_job },
    { "batch/v1", "CronJob", MODEL_CLASS_TEMPLATE, true, &schema_k8s_cronjob },
    { "v1", "Pod", MODEL_CLASS_TEMPLATE, true, &schema_k8s_pod },
    { "v1", "Service", MODEL_CLASS_TEMPLATE, true, &schema_k8s_service },
    { "v1", "ConfigMap", MODEL_CLASS_TEMPLATE, true, &schema_k8s_configmap },
    { "v1", "Secret", MODEL_CLASS_TEMPLATE, true, &schema_k8s_secret },
    { "v1", "PersistentVolumeClaim", MODEL_CLASS_TEMPLATE, true,
      &schema_k8s_pvc },
    { "v1", "ServiceAccount", MODEL_CLASS_TEMPLATE, true,
      &schema_k8s_serviceaccount },
    { "networking.k8s.io/v1", "Ingress", MODEL_CLASS_TEMPLATE, true,
      &schema_k8s_ingress },
    { "v1", "Namespace", MODEL_CLASS_TEMPLATE, false, &schema_k8s_generic },
};

/* Built-in cluster-scoped kinds (by kind, any group of Kubernetes). */
static const char *const cluster_scoped[] = {
    "Namespace", "Node", "PersistentVolume", "ClusterRole",
    "ClusterRoleBinding", "CustomResourceDefinition", "StorageClass",
    "PriorityClass", "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration", "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding", "APIService", "CSIDriver", "CSINode",
    "IngressClass", "RuntimeClass", "VolumeAttachment",
    "CertificateSigningRequest", "ComponentStatus", NULL,
};

/* Kubernetes API versions that no longer exist, and their replacement. */
struct removed_api {
    const char *api_version;
    const char *kind;
    const char *removed_in;
    const char *use;
};

static const struct removed_api removed_apis[] = {
    { "extensions/v1beta1", "Ingress", "1.22", "networking.k8s.io/v1" },
    { "extensions/v1beta1", "NetworkPolicy", "1.16", "networking.k8s.io/v1" },
    { "extensions/v1beta1", "PodSecurityPolicy", "1.25", "(none)" },
    { "extensions/v1beta1", NULL, "1.16", "apps/v1" },
    { "apps/v1beta1", NULL, "1.16", "apps/v1" },
    { "apps/v1beta2", NULL, "1.16", "apps/v1" },
    { "policy/v1beta1", "PodDisruptionBudget", "1.25", "policy/v1" },
    { "policy/v1beta1", "PodSecurityPolicy", "1.25", "(none)" },
    { "batch/v1beta1", "CronJob", "1.25", "batch/v1" },
    { "networking.k8s.io/v1beta1", NULL, "1.22", "networking.k8s.io/v1" },
    { "autoscaling/v2beta1", NULL, "1.25", "autoscaling/v2" },
    { "autoscaling/v2beta2", NULL, "1.26", "autoscaling/v2" },
    { "rbac.authorization.k8s.io/v1beta1", NULL, "1.22",
      "rbac.authorization.k8s.io/v1" },
    { "apiextensions.k8s.io/v1beta1", NULL, "1.22", "apiextensions.k8s.io/v1" },
    { NULL, NULL, NULL, NULL },
};

void
model_api_group(const char *api_version, char *buf, size_t len)
{
    const char *slash = strchr(api_version, '/');

    if (slash == NULL) {
        snprintf(buf, len, "%s", "");
        return;
    }
    snprintf(buf, len, "%.*s", (int)(slash - api_version), api_version);
}

const char *
model_class_name(enum model_class cls)
{
    switch (cls) {
    case MODEL_CLASS_TEMPLATE:
        return "template";
    case MODEL_CLASS_PROPAGATION_POLICY:
        return "PropagationPolicy";
    case MODEL_CLASS_CLUSTER_PROPAGATION_POLICY:
        return "ClusterPropagationPolicy";
    case MODEL_CLASS_OVERRIDE_POLICY:
        return "OverridePolicy";
    case MODEL_CLASS_CLUSTER_OVERRIDE_POLICY:
        return "ClusterOverridePolicy";
    case MODEL_CLASS_CLUSTER_TAINT_POLICY:
        return "ClusterTaintPolicy";
    case MODEL_CLASS_CLUSTER:
        return "Cluster";
    case MODEL_CLASS_WORKLOAD_REBALANCER:
        return "WorkloadRebalancer";
    }
    return "?";
}

static bool
has_suffix(const char *s, const char *suffix)
{
    size_t a = strlen(s);
    size_t b = strlen(suffix);

    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static bool
is_kubernetes_group(const char *group)
{
    return group[0] == '\0' || strchr(group, '.') == NULL ||
           has_suffix(group, ".k8s.io");
}

/*
 * The "kind not supported" rules, in order. Returns true and writes the
 * reason when @api_version/@kind is not supported.
 */
static bool
unsupported_reason(const char *api_version, const char *kind,
                   const char *group, char *buf, size_t len)
{
    for (const struct removed_api *r = removed_apis; r->api_version != NULL;
         r++) {
        if (strcmp(r->api_version, api_version) == 0 &&
            (r->kind == NULL || strcmp(r->kind, kind) == 0)) {
            snprintf(buf, len,
                     "kind not supported: %s %s was removed from Kubernetes "
                     "in %s; use %s",
                     api_version, kind, r->removed_in, r->use);
            return true;
        }
    }
    if (strcmp(group, "karmada.io") == 0 || has_suffix(group, ".karmada.io")) {
        snprintf(buf, len,
                 "kind not supported: %s %s is a Karmada control-plane API "
                 "that Flotilla does not implement (it implements "
                 "PropagationPolicy, ClusterPropagationPolicy, "
                 "OverridePolicy, ClusterOverridePolicy, ClusterTaintPolicy, "
                 "Cluster, WorkloadRebalancer)",
                 api_version, kind);
        return true;
    }
    if (strcmp(api_version, "v1") == 0 && strcmp(kind, "Config") == 0) {
        snprintf(buf, len,
                 "kind not supported: v1 Config is a kubeconfig file, not an "
                 "API object");
        return true;
    }
    if ((strcmp(api_version, "v1") == 0 && strcmp(kind, "Event") == 0) ||
        strcmp(group, "events.k8s.io") == 0 ||
        strcmp(api_version, "coordination.k8s.io/v1") == 0) {
        snprintf(buf, len,
                 "kind not supported: %s %s is never a resource template "
                 "(Karmada's detector skips it)",
                 api_version, kind);
        return true;
    }
    return false;
}

static const struct kind_info *
find_kind(const char *group, const char *kind, bool *group_match)
{
    char g[128];

    *group_match = false;
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        model_api_group(kinds[i].api_version, g, sizeof(g));
        if (strcmp(kinds[i].kind, kind) == 0 && strcmp(g, group) == 0) {
            *group_match = true;
            return &kinds[i];
        }
    }
    return NULL;
}

static bool
kind_is_cluster_scoped(const char *group, const char *kind)
{
    if (!is_kubernetes_group(group)) {
        return false;
    }
    for (const char *const *k = cluster_scoped; *k != NULL; k++) {
        if (strcmp(*k, kind) == 0) {
            return true;
        }
    }
    return false;
}

/* ------------------------------------------------------------ UID */

static int
parse_uuid(const char *s, unsigned char out[16])
{
    int j = 0;

    for (int i = 0; s[i] != '\0' && j < 32; i++) {
        char c = s[i];
        int v;

        if (c == '-') {
            continue;
        }
        if (c >= '0' && c <= '9') {
            v = c - '0';
        } else if (c >= 'a' && c <= 'f') {
            v = c - 'a' + 10;
        } else {
            return -EINVAL;
        }
        if (j % 2 == 0) {
            out[j / 2] = (unsigned char)(v << 4);
        } else {
            out[j / 2] |= (unsigned char)v;
        }
        j++;
    }
    return j == 32 ? 0 : -EINVAL;
}

int
model_uid_compute(const char *group, const char *kind, const char *namespace_,
                  const char *name, char *buf, size_t len)
{
    unsigned char ns[16];
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_MD_CTX *ctx = NULL;
    int rc = -ENOMEM;

    if (len < 37 || parse_uuid(MODEL_UID_NAMESPACE, ns) != 0) {
        return -EINVAL;
    }
    ctx = EVP_MD_CTX_new();
    if (ctx == NULL) {
        goto out;
    }
    if (EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) != 1 ||
        EVP_DigestUpdate(ctx, ns, sizeof(ns)) != 1 ||
        EVP_DigestUpdate(ctx, group, strlen(group)) != 1 ||
        EVP_DigestUpdate(ctx, "/", 1) != 1 ||
        EVP_DigestUpdate(ctx, kind, strlen(kind)) != 1 ||
        EVP_DigestUpdate(ctx, "/", 1) != 1 ||
        EVP_DigestUpdate(ctx, namespace_, strlen(namespace_)) != 1 ||
        EVP_DigestUpdate(ctx, "/", 1) != 1 ||
        EVP_DigestUpdate(ctx, name, strlen(name)) != 1 ||
        EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen < 16) {
        goto out;
    }
    md[6] = (unsigned char)((md[6] & 0x0f) | 0x50);
    md[8] = (unsigned char)((md[8] & 0x3f) | 0x80);
    snprintf(buf, len,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x"
             "%02x",
             md[0], md[1], md[2], md[3], md[4], md[5], md[6], md[7], md[8],
             md[9], md[10], md[11], md[12], md[13], md[14], md[15]);
    rc = 0;

out:
    EVP_MD_CTX_free(ctx);
    return rc;
}

/* ------------------------------------------------------------ objects */

void
model_object_free(struct model_object *o)
{
    if (o == NULL) {
        return;
    }
    json_decref(o->json);
    free(o->file);
    free(o);
}

static const char *
str_at(const json_t *obj, const char *k1, const char *k2)
{
    const json_t *v = json_object_get(obj, k1);

    if (k2 != NULL) {
        v = json_object_get(v, k2);
    }
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Fills the cached identity fields from o->json. */
static void
object_bind_fields(struct model_object *o)
{
    const char *ns = str_at(o->json, "metadata", "namespace");

    o->api_version = str_at(o->json, "apiVersion", NULL);
    o->kind = str_at(o->json, "kind", NULL);
    o->name = str_at(o->json, "metadata", "name");
    if (o->name == NULL) {
        o->name = "";
    }
    o->namespace_ = o->namespaced && ns != NULL ? ns : "";
}

static int
check_identity(const struct model_node *root, int doc, bool namespaced,
               struct model_error *err)
{
    const struct model_node *meta = model_node_get(root, "metadata");
    const struct model_node *name = model_node_get(meta, "name");
    const struct model_node *ns = model_node_get(meta, "namespace");

    if (name == NULL || name->type != MODEL_NODE_SCALAR || name->len == 0) {
        model_error_set(err, doc, meta->line, meta->column, "metadata.name",
                        "required field is missing or empty "
                        "(generateName is not supported by apply)");
        return -EINVAL;
    }
    /* A namespace on a cluster-scoped object is dropped, as kubectl does. */
    (void)ns;
    (void)namespaced;
    return 0;
}

static int
classify(const struct model_node *root, int doc, const struct kind_info **ki,
         char *group, size_t glen, struct model_error *err)
{
    const struct model_node *av = model_node_get(root, "apiVersion");
    const struct model_node *kind = model_node_get(root, "kind");
    const char *missing = av == NULL ? "apiVersion" : "kind";
    char reason[512];
    bool group_match;

    if (av == NULL || kind == NULL ||
        av->scalar_kind != MODEL_SCALAR_STRING ||
        kind->scalar_kind != MODEL_SCALAR_STRING || av->len == 0 ||
        kind->len == 0) {
        const struct model_node *bad = av == NULL || kind == NULL
                                           ? root
                                           : (av->scalar_kind !=
                                                      MODEL_SCALAR_STRING ||
                                                  av->len == 0
                                              ? av
                                              : kind);

        if (av != NULL && kind != NULL) {
            missing = bad == av ? "apiVersion" : "kind";
        }
        model_error_set(err, doc, bad->line, bad->column, missing,
                        "required string field is missing or empty");
        return -EINVAL;
    }
    model_api_group(av->value, group, glen);
    *ki = find_kind(group, kind->value, &group_match);
    if (*ki != NULL && strcmp((*ki)->api_version, av->value) == 0) {
        return 0;
    }
    if (unsupported_reason(av->value, kind->value, group, reason,
                           sizeof(reason))) {
        model_error_set(err, doc, root->line, root->column, "", "%s", reason);
        *ki = NULL;
        return -ENOTSUP;
    }
    if (*ki != NULL) {
        model_error_set(err, doc, av->line, av->column, "apiVersion",
                        "%s is served at %s, not %s", kind->value,
                        (*ki)->api_version, av->value);
        return -EINVAL;
    }
    return 0;
}

static int
object_new(const struct model_node *root, int doc,
           const struct kind_info *ki, const char *group,
           struct model_object **out, struct model_error *err)
{
    struct model_object *o = calloc(1, sizeof(*o));
    int rc;

    if (o == NULL) {
        return -ENOMEM;
    }
    rc = model_node_to_json(root, &o->json);
    if (rc != 0) {
        model_error_set(err, doc, root->line, root->column, "",
                        "%s", rc == -ERANGE ? "a number does not fit in a "
                                              "64-bit integer or is not "
                                              "finite"
                                            : "out of memory");
        free(o);
        return rc == -ERANGE ? -EINVAL : rc;
    }
    snprintf(o->group, sizeof(o->group), "%s", group);
    o->cls = ki != NULL ? ki->cls : MODEL_CLASS_TEMPLATE;
    o->namespaced = ki != NULL ? ki->namespaced
                               : !kind_is_cluster_scoped(
                                     group, json_string_value(json_object_get(
                                                o->json, "kind")));
    o->document = doc;
    o->line = root->line;
    rc = model_default_object(o);
    if (rc != 0) {
        model_object_free(o);
        return rc;
    }
    *out = o;
    return 0;
}

/* Resource models are checked after defaulting normalised them (§7.1). */
static int
check_models(const struct model_object *o, const struct model_node *root,
             int doc, struct model_error *err)
{
    const struct model_node *models = model_node_get(
        model_node_get(root, "spec"), "resourceModels");
    char why[256];

    if (o->cls != MODEL_CLASS_CLUSTER ||
        cluster_validate_models(json_object_get(o->json, "spec"), why,
                                sizeof(why)) == 0) {
        return 0;
    }
    model_error_set(err, doc, models != NULL ? models->line : root->line,
                    models != NULL ? models->column : 0,
                    "spec.resourceModels", "%s", why);
    return -EINVAL;
}

int
model_object_from_document(const struct model_file *f,
                           const struct model_document *doc,
                           struct model_object **out, struct model_error *err)
{
    const struct model_node *root = doc->root;
    const struct kind_info *ki = NULL;
    char group[128];
    struct model_object *o = NULL;
    bool namespaced;
    int rc;

    if (root == NULL || (root->type == MODEL_NODE_SCALAR &&
                         root->scalar_kind == MODEL_SCALAR_NULL)) {
        return -ENODATA;
    }
    if (root->type != MODEL_NODE_MAP) {
        model_error_set(err, doc->index, root->line, root->column, "",
                        "a document must be an object, got %s",
                        model_node_type_name(root));
        return -EINVAL;
    }
    rc = classify(root, doc->index, &ki, group, sizeof(group), err);
    if (rc != 0) {
        return rc;
    }
    rc = schema_validate(root, ki != NULL ? ki->schema : &schema_k8s_generic,
                         "", doc->index, err);
    if (rc != 0) {
        return rc;
    }
    namespaced = ki != NULL ? ki->namespaced
                            : !kind_is_cluster_scoped(
                                  group, model_node_get(root, "kind")->value);
    rc = check_identity(root, doc->index, namespaced, err);
    if (rc == 0 && ki != NULL) {
        rc = semantic_check(root, ki->cls, doc->index, err);
    }
    if (rc != 0) {
        return rc;
    }
    rc = object_new(root, doc->index, ki, group, &o, err);
    if (rc != 0) {
        return rc;
    }
    rc = check_models(o, root, doc->index, err);
    if (rc != 0) {
        model_object_free(o);
        return rc;
    }
    o->file = strdup(model_file_name(f));
    if (o->file == NULL) {
        model_object_free(o);
        return -ENOMEM;
    }
    *out = o;
    return 0;
}

int
model_object_from_json_text(const char *name, const char *json_text,
                            struct model_object **out,
                            struct model_error *err)
{
    return model_object_from_bytes(name, json_text, strlen(json_text), out,
                                   err);
}

int
model_object_from_json(const char *name, const json_t *json,
                       struct model_object **out, struct model_error *err)
{
    char *text = json_dumps(json, JSON_COMPACT | JSON_ENCODE_ANY);
    int rc;

    if (text == NULL) {
        return -ENOMEM;
    }
    rc = model_object_from_bytes(name, text, strlen(text), out, err);
    free(text);
    return rc;
}

int
model_object_from_bytes(const char *name, const void *buf, size_t len,
                        struct model_object **out, struct model_error *err)
{
    struct model_file *f = NULL;
    int rc;

    rc = model_decode_buffer(name, buf, len, NULL, &f, err);
    if (rc != 0) {
        return rc;
    }
    if (model_file_document_count(f) != 1) {
        model_error_set(err, 0, 0, 0, "", "expected exactly one document");
        rc = -EINVAL;
        goto out;
    }
    rc = model_object_from_document(f, model_file_document(f, 0), out, err);

out:
    model_file_free(f);
    return rc;
}

static bool
same_identity(const struct model_object *a, const struct model_object *b)
{
    return strcmp(a->group, b->group) == 0 && strcmp(a->kind, b->kind) == 0 &&
           strcmp(a->namespace_, b->namespace_) == 0 &&
           strcmp(a->name, b->name) == 0;
}

int
model_set_add(struct model_set *s, struct model_object *o)
{
    for (size_t i = 0; i < s->n; i++) {
        if (same_identity(s->items[i], o)) {
            /* A later document replaces an earlier one, as apply would. */
            model_object_free(s->items[i]);
            s->items[i] = o;
            return 0;
        }
    }
    struct model_object **items = realloc(s->items,
                                          (s->n + 1) * sizeof(*items));

    if (items == NULL) {
        model_object_free(o);
        return -ENOMEM;
    }
    s->items = items;
    s->items[s->n++] = o;
    return 0;
}

void
model_set_release(struct model_set *s)
{
    for (size_t i = 0; i < s->n; i++) {
        model_object_free(s->items[i]);
    }
    free(s->items);
    s->items = NULL;
    s->n = 0;
}

void
model_object_rebind(struct model_object *o)
{
    object_bind_fields(o);
}
