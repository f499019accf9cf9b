/* SPDX-License-Identifier: Apache-2.0 */
/*
 * REST paths of Kubernetes objects: the table of built-in kinds Flotilla
 * touches, the plural rule for the others, and checked, escaped segments.
 */
#include "kube/path.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Written from the Kubernetes API reference (resource names and scopes). */
static const struct kube_kind_info builtins[] = {
    { "", "Binding", "bindings", true },
    { "", "ConfigMap", "configmaps", true },
    { "", "Endpoints", "endpoints", true },
    { "", "Event", "events", true },
    { "", "LimitRange", "limitranges", true },
    { "", "Namespace", "namespaces", false },
    { "", "Node", "nodes", false },
    { "", "PersistentVolume", "persistentvolumes", false },
    { "", "PersistentVolumeClaim", "persistentvolumeclaims", true },
    { "", "Pod", "pods", true },
    { "", "PodTemplate", "podtemplates", true },
    { "", "ReplicationController", "replicationcontrollers", true },
    { "", "ResourceQuota", "resourcequotas", true },
    { "", "Secret", "secrets", true },
    { "", "Service", "services", true },
    { "", "ServiceAccount", "serviceaccounts", true },
    { "apps", "ControllerRevision", "controllerrevisions", true },
    { "apps", "DaemonSet", "daemonsets", true },
    { "apps", "Deployment", "deployments", true },
    { "apps", "ReplicaSet", "replicasets", true },
    { "apps", "StatefulSet", "statefulsets", true },
    { "autoscaling", "HorizontalPodAutoscaler", "horizontalpodautoscalers",
      true },
    { "batch", "CronJob", "cronjobs", true },
    { "batch", "Job", "jobs", true },
    { "networking.k8s.io", "Ingress", "ingresses", true },
    { "networking.k8s.io", "IngressClass", "ingressclasses", false },
    { "networking.k8s.io", "NetworkPolicy", "networkpolicies", true },
    { "discovery.k8s.io", "EndpointSlice", "endpointslices", true },
    { "policy", "PodDisruptionBudget", "poddisruptionbudgets", true },
    { "rbac.authorization.k8s.io", "ClusterRole", "clusterroles", false },
    { "rbac.authorization.k8s.io", "ClusterRoleBinding",
      "clusterrolebindings", false },
    { "rbac.authorization.k8s.io", "Role", "roles", true },
    { "rbac.authorization.k8s.io", "RoleBinding", "rolebindings", true },
    { "storage.k8s.io", "StorageClass", "storageclasses", false },
    { "scheduling.k8s.io", "PriorityClass", "priorityclasses", false },
    { "apiextensions.k8s.io", "CustomResourceDefinition",
      "customresourcedefinitions", false },
    { "admissionregistration.k8s.io", "MutatingWebhookConfiguration",
      "mutatingwebhookconfigurations", false },
    { "admissionregistration.k8s.io", "ValidatingWebhookConfiguration",
      "validatingwebhookconfigurations", false },
    { "coordination.k8s.io", "Lease", "leases", true },
};

#define BUILTIN_COUNT (sizeof(builtins) / sizeof(builtins[0]))

/* Splits "group/version" (or "v1") into @group (may be "") and @version. */
static int
split_api_version(const char *api_version, char *group, size_t glen,
                  const char **version)
{
    const char *slash;
    size_t n;

    if (api_version == NULL || api_version[0] == '\0') {
        return -EINVAL;
    }
    slash = strchr(api_version, '/');
    if (slash == NULL) {
        group[0] = '\0';
        *version = api_version;
        return 0;
    }
    n = (size_t)(slash - api_version);
    if (n == 0 || n >= glen || slash[1] == '\0' ||
        strchr(slash + 1, '/') != NULL) {
        return -EINVAL;
    }
    memcpy(group, api_version, n);
    group[n] = '\0';
    *version = slash + 1;
    return 0;
}

const struct kube_kind_info *
kube_path_builtin(const char *api_version, const char *kind)
{
    const char *version;
    char group[256];

    if (kind == NULL ||
        split_api_version(api_version, group, sizeof(group), &version) != 0) {
        return NULL;
    }
    for (size_t i = 0; i < BUILTIN_COUNT; i++) {
        if (strcmp(builtins[i].kind, kind) == 0 &&
            strcmp(builtins[i].group, group) == 0) {
            return &builtins[i];
        }
    }
    return NULL;
}

int
kube_path_guess_plural(const char *kind, char *buf, size_t len)
{
    size_t n;

    if (kind == NULL || kind[0] == '\0') {
        return -EINVAL;
    }
    n = strlen(kind);
    if (n + 3 > len) {
        return -ENOSPC;
    }
    for (size_t i = 0; i < n; i++) {
        if (!isalnum((unsigned char)kind[i])) {
            return -EINVAL;
        }
        buf[i] = (char)tolower((unsigned char)kind[i]);
    }
    buf[n] = '\0';
    if (buf[n - 1] == 's') {
        strcat(buf, "es");
    } else if (buf[n - 1] == 'y') {
        strcpy(buf + n - 1, "ies");
    } else {
        strcat(buf, "s");
    }
    return 0;
}

/* Appends "/" + @seg, escaped; checks it as a Kubernetes path segment. */
static int
add_segment(char *buf, size_t len, size_t *o, const char *seg,
            const char *what, char *why, size_t why_len)
{
    static const char hex[] = "0123456789ABCDEF";

    if (seg[0] == '\0' || strcmp(seg, ".") == 0 || strcmp(seg, "..") == 0 ||
        strpbrk(seg, "/%") != NULL) {
        snprintf(why, why_len,
                 "%s \"%s\" may not be empty, \".\" or \"..\" nor hold '/' or '%%'",
                 what, seg);
        return -EINVAL;
    }
    if (*o + 2 > len) {
        return -ENAMETOOLONG;
    }
    buf[(*o)++] = '/';
    for (const unsigned char *p = (const unsigned char *)seg; *p; p++) {
        bool plain = isalnum(*p) || strchr("-._~:@", *p) != NULL;

        if (*o + (plain ? 2 : 4) > len) {
            return -ENAMETOOLONG;
        }
        if (plain) {
            buf[(*o)++] = (char)*p;
        } else {
            buf[(*o)++] = '%';
            buf[(*o)++] = hex[*p >> 4];
            buf[(*o)++] = hex[*p & 15];
        }
    }
    buf[*o] = '\0';
    return 0;
}

/* Decides the plural and scope of @ref. */
static int
resolve_kind(const struct kube_ref *ref, char *plural, size_t plen,
             bool *namespaced, char *why, size_t why_len)
{
    const struct kube_kind_info *k = kube_path_builtin(ref->api_version,
                                                       ref->kind);
    bool has_ns = ref->ns != NULL && ref->ns[0] != '\0';
    int rc = 0;

    if (ref->plural != NULL && ref->plural[0] != '\0') {
        snprintf(plural, plen, "%s", ref->plural);
    } else if (k != NULL) {
        snprintf(plural, plen, "%s", k->plural);
    } else {
        rc = kube_path_guess_plural(ref->kind, plural, plen);
        if (rc != 0) {
            snprintf(why, why_len, "kind \"%s\" is not a Kubernetes kind",
                     ref->kind != NULL ? ref->kind : "");
            return -EINVAL;
        }
    }
    switch (ref->scope) {
    case KUBE_SCOPE_NAMESPACED:
        *namespaced = true;
        break;
    case KUBE_SCOPE_CLUSTER:
        *namespaced = false;
        break;
    default:
        *namespaced = k != NULL ? k->namespaced : has_ns;
        break;
    }
    return 0;
}

int
kube_path_build(const struct kube_ref *ref, char *buf, size_t len, char *why,
                size_t why_len)
{
    char dummy[8];
    char plural[256];
    char group[256];
    const char *version;
    bool namespaced = false;
    bool named = ref->name != NULL && ref->name[0] != '\0';
    bool has_ns = ref->ns != NULL && ref->ns[0] != '\0';
    size_t o = 0;
    int n;
    int rc;

    if (why == NULL) {
        why = dummy;
        why_len = sizeof(dummy);
    }
    why[0] = '\0';
    buf[0] = '\0';
    if (split_api_version(ref->api_version, group, sizeof(group), &version) !=
        0) {
        snprintf(why, why_len, "apiVersion \"%s\" is not VERSION or GROUP/VERSION",
                 ref->api_version != NULL ? ref->api_version : "");
        return -EINVAL;
    }
    rc = resolve_kind(ref, plural, sizeof(plural), &namespaced, why, why_len);
    if (rc != 0) {
        return rc;
    }
    if (namespaced && named && !has_ns) {
        snprintf(why, why_len, "%s \"%s\" is namespaced: a namespace is needed",
                 ref->kind, ref->name);
        return -EINVAL;
    }
    if (ref->subresource != NULL && ref->subresource[0] != '\0' && !named) {
        snprintf(why, why_len, "subresource \"%s\" needs an object name",
                 ref->subresource);
        return -EINVAL;
    }
    if (group[0] == '\0') {
        n = snprintf(buf, len, "/api");
    } else {
        n = snprintf(buf, len, "/apis");
    }
    if (n < 0 || (size_t)n >= len) {
        return -ENAMETOOLONG;
    }
    o = (size_t)n;
    if (group[0] != '\0') {
        rc = add_segment(buf, len, &o, group, "group", why, why_len);
    }
    if (rc == 0) {
        rc = add_segment(buf, len, &o, version, "version", why, why_len);
    }
    if (rc == 0 && namespaced && has_ns) {
        rc = add_segment(buf, len, &o, "namespaces", "path", why, why_len);
        if (rc == 0) {
            rc = add_segment(buf, len, &o, ref->ns, "namespace", why, why_len);
        }
    }
    if (rc == 0) {
        rc = add_segment(buf, len, &o, plural, "plural", why, why_len);
    }
    if (rc == 0 && named) {
        rc = add_segment(buf, len, &o, ref->name, "name", why, why_len);
    }
    if (rc == 0 && ref->subresource != NULL && ref->subresource[0] != '\0') {
        rc = add_segment(buf, len, &o, ref->subresource, "subresource", why,
                         why_len);
    }
    if (rc == -ENAMETOOLONG) {
        snprintf(why, why_len, "path longer than %zu bytes", len);
    }
    if (rc != 0) {
        buf[0] = '\0';
    }
    return rc;
}

static int
string_field(const json_t *obj, const char *key, const char *where,
             const char **out, bool optional, char *why, size_t why_len)
{
    const json_t *v = json_object_get(obj, key);

    *out = NULL;
    if (v == NULL && optional) {
        return 0;
    }
    if (!json_is_string(v) || json_string_length(v) == 0) {
        snprintf(why, why_len, "%s%s is %s, not a non-empty string", where,
                 key,
                 v == NULL ? "missing"
                 : json_is_string(v) ? "empty"
                                     : "not a string");
        return -EINVAL;
    }
    *out = json_string_value(v);
    return 0;
}

int
kube_ref_from_object(const json_t *obj, struct kube_ref *ref, char *why,
                     size_t why_len)
{
    char dummy[8];
    const json_t *meta;
    int rc;

    if (why == NULL) {
        why = dummy;
        why_len = sizeof(dummy);
    }
    memset(ref, 0, sizeof(*ref));
    if (!json_is_object(obj)) {
        snprintf(why, why_len, "the object is not a JSON object");
        return -EINVAL;
    }
    meta = json_object_get(obj, "metadata");
    if (!json_is_object(meta)) {
        snprintf(why, why_len, "metadata is missing or not an object");
        return -EINVAL;
    }
    rc = string_field(obj, "apiVersion", "", &ref->api_version, false, why,
                      why_len);
    if (rc == 0) {
        rc = string_field(obj, "kind", "", &ref->kind, false, why, why_len);
    }
    if (rc == 0) {
        rc = string_field(meta, "name", "metadata.", &ref->name, false, why,
                          why_len);
    }
    if (rc == 0) {
        rc = string_field(meta, "namespace", "metadata.", &ref->ns, true, why,
                          why_len);
    }
    return rc;
}
