/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GetDependencies (interpreter.md §3.7, §4; policy.md §6.2): the ConfigMaps,
 * Secrets, ServiceAccounts and PVCs a workload's pod template refers to.
 */
#include "model/interp.h"
#include "util/strmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum dep_kind { DEP_CONFIGMAP, DEP_SECRET, DEP_SA, DEP_PVC, DEP_KINDS };

static const char *const dep_kind_names[DEP_KINDS] = {
    "ConfigMap", "Secret", "ServiceAccount", "PersistentVolumeClaim",
};

/* One set of names per kind, kept as JSON objects used as sets. */
struct deps {
    json_t *names[DEP_KINDS];
};

static const char *
jstr(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);

    return json_is_string(v) ? json_string_value(v) : "";
}

static void
dep_add(struct deps *d, enum dep_kind k, const char *name)
{
    if (name[0] != '\0') {
        json_object_set_new(d->names[k], name, json_true());
    }
}

static void
container_refs(const json_t *list, struct deps *d)
{
    size_t i;
    size_t j;
    json_t *c;
    json_t *e;

    json_array_foreach((json_t *)list, i, c) {
        json_array_foreach(json_object_get(c, "envFrom"), j, e) {
            dep_add(d, DEP_CONFIGMAP,
                    jstr(json_object_get(e, "configMapRef"), "name"));
            dep_add(d, DEP_SECRET,
                    jstr(json_object_get(e, "secretRef"), "name"));
        }
        json_array_foreach(json_object_get(c, "env"), j, e) {
            const json_t *vf = json_object_get(e, "valueFrom");

            dep_add(d, DEP_CONFIGMAP,
                    jstr(json_object_get(vf, "configMapKeyRef"), "name"));
            dep_add(d, DEP_SECRET,
                    jstr(json_object_get(vf, "secretKeyRef"), "name"));
        }
    }
}

/* The first secret source present on a volume, in Karmada's order. */
static void
volume_secret(const json_t *v, struct deps *d)
{
    static const char *const refs[][2] = {
        { "cephfs", "secretRef" },     { "cinder", "secretRef" },
        { "flexVolume", "secretRef" }, { NULL, NULL },
        { "rbd", "secretRef" },        { "secret", NULL },
        { "scaleIO", "secretRef" },    { "iscsi", "secretRef" },
        { "storageos", "secretRef" },  { "csi", "nodePublishSecretRef" },
    };
    const json_t *az = json_object_get(v, "azureFile");
    const json_t *proj = json_object_get(v, "projected");
    size_t i;
    json_t *s;

    if (az != NULL) {
        dep_add(d, DEP_SECRET, jstr(az, "secretName"));
        return;
    }
    for (size_t r = 0; r < sizeof(refs) / sizeof(refs[0]); r++) {
        const json_t *src;

        if (refs[r][0] == NULL) {
            if (proj == NULL) {
                continue;
            }
            json_array_foreach(json_object_get(proj, "sources"), i, s) {
                dep_add(d, DEP_SECRET,
                        jstr(json_object_get(s, "secret"), "name"));
            }
            return;
        }
        src = json_object_get(v, refs[r][0]);
        if (src == NULL) {
            continue;
        }
        if (refs[r][1] == NULL) {
            dep_add(d, DEP_SECRET, jstr(src, "secretName"));
        } else {
            dep_add(d, DEP_SECRET,
                    jstr(json_object_get(src, refs[r][1]), "name"));
        }
        return;
    }
}

static void
pod_spec_refs(const json_t *spec, struct deps *d)
{
    const char *sa = jstr(spec, "serviceAccountName");
    size_t i;
    size_t j;
    json_t *v;
    json_t *s;

    container_refs(json_object_get(spec, "initContainers"), d);
    container_refs(json_object_get(spec, "containers"), d);
    container_refs(json_object_get(spec, "ephemeralContainers"), d);
    json_array_foreach(json_object_get(spec, "imagePullSecrets"), i, v) {
        dep_add(d, DEP_SECRET, jstr(v, "name"));
    }
    json_array_foreach(json_object_get(spec, "volumes"), i, v) {
        const json_t *proj = json_object_get(v, "projected");

        dep_add(d, DEP_CONFIGMAP,
                jstr(json_object_get(v, "configMap"), "name"));
        json_array_foreach(json_object_get(proj, "sources"), j, s) {
            dep_add(d, DEP_CONFIGMAP,
                    jstr(json_object_get(s, "configMap"), "name"));
        }
        volume_secret(v, d);
        dep_add(d, DEP_PVC,
                jstr(json_object_get(v, "persistentVolumeClaim"),
                     "claimName"));
    }
    if (strcmp(sa, "default") != 0) {
        dep_add(d, DEP_SA, sa);
    }
}

static int
emit(struct deps *d, const char *ns, json_t *out)
{
    for (int k = 0; k < DEP_KINDS; k++) {
        size_t n = json_object_size(d->names[k]);
        const char **names = calloc(n + 1, sizeof(*names));
        const char *key;
        json_t *v;
        size_t i = 0;

        if (names == NULL) {
            return -ENOMEM;
        }
        json_object_foreach(d->names[k], key, v) {
            names[i++] = key;
        }
        qsort(names, n, sizeof(*names), util_cmp_str);
        for (i = 0; i < n; i++) {
            json_array_append_new(out,
                                  json_pack("{s:s,s:s,s:s,s:s}", "apiVersion",
                                            "v1", "kind", dep_kind_names[k],
                                            "namespace", ns, "name",
                                            names[i]));
        }
        free(names);
    }
    return 0;
}

static const json_t *
workload_pod_spec(const json_t *obj)
{
    const char *av = jstr(obj, "apiVersion");
    const char *kind = jstr(obj, "kind");
    const json_t *spec = json_object_get(obj, "spec");

    if (strcmp(av, "apps/v1") == 0 &&
        (strcmp(kind, "Deployment") == 0 || strcmp(kind, "ReplicaSet") == 0 ||
         strcmp(kind, "DaemonSet") == 0 || strcmp(kind, "StatefulSet") == 0)) {
        return json_object_get(json_object_get(spec, "template"), "spec");
    }
    if (strcmp(av, "batch/v1") == 0 && strcmp(kind, "Job") == 0) {
        return json_object_get(json_object_get(spec, "template"), "spec");
    }
    if (strcmp(av, "batch/v1") == 0 && strcmp(kind, "CronJob") == 0) {
        return json_object_get(
            json_object_get(
                json_object_get(json_object_get(spec, "jobTemplate"), "spec"),
                "template"),
            "spec");
    }
    if (strcmp(av, "v1") == 0 && strcmp(kind, "Pod") == 0) {
        return spec;
    }
    return NULL;
}

static int
ingress_deps(const json_t *obj, const char *ns, json_t *out)
{
    size_t i;
    json_t *t;

    json_array_foreach(json_object_get(json_object_get(obj, "spec"), "tls"),
                       i, t) {
        if (jstr(t, "secretName")[0] == '\0') {
            return -EINVAL;
        }
        json_array_append_new(out, json_pack("{s:s,s:s,s:s,s:s}",
                                             "apiVersion", "v1", "kind",
                                             "Secret", "namespace", ns, "name",
                                             jstr(t, "secretName")));
    }
    return 0;
}

static int
service_import_deps(const json_t *obj, const char *ns, json_t *out)
{
    const char *name = jstr(json_object_get(obj, "metadata"), "name");
    size_t len = strlen(name) + 9;
    char *derived = malloc(len);

    if (derived == NULL) {
        return -ENOMEM;
    }
    strcpy(derived, "derived-");
    strcat(derived, name);
    json_array_append_new(out, json_pack("{s:s,s:s,s:s,s:s}", "apiVersion",
                                         "v1", "kind", "Service", "namespace",
                                         ns, "name", derived));
    json_array_append_new(
        out, json_pack("{s:s,s:s,s:s,s:{s:{s:s}}}", "apiVersion",
                       "discovery.k8s.io/v1", "kind", "EndpointSlice",
                       "namespace", ns, "labelSelector", "matchLabels",
                       "kubernetes.io/service-name", derived));
    free(derived);
    return 0;
}

/* StatefulSet: claims made from volumeClaimTemplates are not dependencies. */
static void
drop_claim_templates(const json_t *obj, struct deps *d)
{
    const json_t *spec = json_object_get(obj, "spec");
    size_t i;
    json_t *t;

    if (strcmp(jstr(obj, "kind"), "StatefulSet") != 0) {
        return;
    }
    json_array_foreach(json_object_get(spec, "volumeClaimTemplates"), i, t) {
        json_object_del(d->names[DEP_PVC],
                        jstr(json_object_get(t, "metadata"), "name"));
    }
}

int
model_interp_dependencies(const json_t *obj, json_t **out)
{
    const char *ns = jstr(json_object_get(obj, "metadata"), "namespace");
    const json_t *spec = workload_pod_spec(obj);
    struct deps d = { { NULL } };
    json_t *list = json_array();
    int rc = 0;

    if (list == NULL) {
        return -ENOMEM;
    }
    if (strcmp(jstr(obj, "apiVersion"), "networking.k8s.io/v1") == 0 &&
        strcmp(jstr(obj, "kind"), "Ingress") == 0) {
        rc = ingress_deps(obj, ns, list);
    } else if (strcmp(jstr(obj, "apiVersion"),
                      "multicluster.x-k8s.io/v1alpha1") == 0 &&
               strcmp(jstr(obj, "kind"), "ServiceImport") == 0) {
        rc = service_import_deps(obj, ns, list);
    } else if (spec != NULL) {
        for (int k = 0; k < DEP_KINDS; k++) {
            d.names[k] = json_object();
            rc = d.names[k] == NULL ? -ENOMEM : rc;
        }
        if (rc == 0) {
            pod_spec_refs(spec, &d);
            drop_claim_templates(obj, &d);
            rc = emit(&d, ns, list);
        }
        for (int k = 0; k < DEP_KINDS; k++) {
            json_decref(d.names[k]);
        }
    }
    if (rc != 0) {
        json_decref(list);
        return rc;
    }
    *out = list;
    return 0;
}
