/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private: field schemas for strict validation of the node tree. A schema is
 * a NULL-terminated list of fields; strict schemas reject unknown fields.
 */
#ifndef MODEL_SCHEMA_H
#define MODEL_SCHEMA_H

#include <stdbool.h>

#include "model/decode.h"

enum vt {
    VT_ANY,
    VT_STRING,
    VT_INT,
    VT_BOOL,
    VT_NUMBER,
    VT_OBJECT,
    VT_ARRAY,
    VT_STRMAP,
    VT_QUANTITY,
    VT_QMAP,
    VT_INT_OR_STRING,
};

enum vf_flags {
    VF_REQUIRED = 1u << 0,
};

struct vschema;

struct vfield {
    const char *name;
    enum vt type;
    /* VT_OBJECT, or VT_ARRAY of objects: the element schema. */
    const struct vschema *obj;
    /* VT_ARRAY: the element type. */
    enum vt elem;
    /* Allowed values of a string, NULL-terminated; NULL for any. */
    const char *const *values;
    unsigned flags;
};

struct vschema {
    const struct vfield *fields;
    /* Unknown fields are errors. */
    bool strict;
};

/*
 * Validates @node against @schema; @path is the path of @node ("" for the
 * root). Returns 0 or -EINVAL with @err filled (document @doc).
 */
int schema_validate(const struct model_node *node,
                    const struct vschema *schema, const char *path, int doc,
                    struct model_error *err);

/* Schemas of the top-level objects, by kind (schema_karmada.c). */
extern const struct vschema schema_propagation_policy;
extern const struct vschema schema_override_policy;
extern const struct vschema schema_cluster_taint_policy;
extern const struct vschema schema_cluster;
extern const struct vschema schema_workload_rebalancer;
extern const struct vschema schema_k8s_deployment;
extern const struct vschema schema_k8s_statefulset;
extern const struct vschema schema_k8s_replicaset;
extern const struct vschema schema_k8s_daemonset;
extern const struct vschema schema_k8s_job;
extern const struct vschema schema_k8s_cronjob;
extern const struct vschema schema_k8s_pod;
extern const struct vschema schema_k8s_service;
extern const struct vschema schema_k8s_configmap;
extern const struct vschema schema_k8s_secret;
extern const struct vschema schema_k8s_pvc;
extern const struct vschema schema_k8s_serviceaccount;
extern const struct vschema schema_k8s_ingress;
extern const struct vschema schema_k8s_generic;

#endif /* MODEL_SCHEMA_H */
