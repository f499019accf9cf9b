/* SPDX-License-Identifier: Apache-2.0 */
/*
 * API defaulting for the fields Flotilla reads, as the Kubernetes API server
 * and Karmada's admission webhooks and CRD defaults would apply them
 * (policy.md §4.13), plus the deterministic UID.
 */
#include "internal.h"

#include "cluster.h"

#include <errno.h>
#include <string.h>

static json_t *
obj_child(json_t *parent, const char *key)
{
    json_t *v = json_object_get(parent, key);

    if (!json_is_object(v)) {
        v = json_object();
        if (v == NULL || json_object_set_new(parent, key, v) != 0) {
            return NULL;
        }
    }
    return v;
}

static int
set_default(json_t *obj, const char *key, json_t *value)
{
    json_t *cur = json_object_get(obj, key);

    if (cur != NULL && !json_is_null(cur)) {
        json_decref(value);
        return 0;
    }
    return json_object_set_new(obj, key, value) == 0 ? 0 : -ENOMEM;
}

static int
default_workload(struct model_object *o)
{
    json_t *spec = json_object_get(o->json, "spec");
    const char *k = o->kind;

    if (!json_is_object(spec)) {
        return 0;
    }
    if (strcmp(o->group, "apps") == 0 &&
        (strcmp(k, "Deployment") == 0 || strcmp(k, "StatefulSet") == 0 ||
         strcmp(k, "ReplicaSet") == 0)) {
        return set_default(spec, "replicas", json_integer(1));
    }
    if (strcmp(o->group, "batch") == 0 && strcmp(k, "Job") == 0) {
        json_t *p = json_object_get(spec, "parallelism");
        json_t *c = json_object_get(spec, "completions");
        int rc = 0;

        /* Kubernetes: both unset gives 1 and 1; completions alone stays. */
        if ((p == NULL || json_is_null(p)) && (c == NULL || json_is_null(c))) {
            rc = set_default(spec, "completions", json_integer(1));
        }
        return rc != 0 ? rc : set_default(spec, "parallelism", json_integer(1));
    }
    return 0;
}

static int
default_placement(json_t *placement)
{
    json_t *spreads = json_object_get(placement, "spreadConstraints");
    json_t *rs = json_object_get(placement, "replicaScheduling");
    size_t i;
    json_t *sc;
    int rc = 0;

    json_array_foreach(spreads, i, sc) {
        json_t *field = json_object_get(sc, "spreadByField");
        json_t *label = json_object_get(sc, "spreadByLabel");
        json_t *min = json_object_get(sc, "minGroups");

        if ((!json_is_string(field) || json_string_length(field) == 0) &&
            (!json_is_string(label) || json_string_length(label) == 0)) {
            rc |= json_object_set_new(sc, "spreadByField",
                                      json_string("cluster"));
        }
        if (!json_is_integer(min) || json_integer_value(min) == 0) {
            rc |= json_object_set_new(sc, "minGroups", json_integer(1));
        }
    }
    if (json_is_object(rs)) {
        json_t *type = json_object_get(rs, "replicaSchedulingType");
        json_t *pref = json_object_get(rs, "replicaDivisionPreference");

        if (!json_is_string(type)) {
            rc |= json_object_set_new(rs, "replicaSchedulingType",
                                      json_string("Divided"));
            type = json_object_get(rs, "replicaSchedulingType");
        }
        if (strcmp(json_string_value(type), "Divided") == 0 &&
            !json_is_string(pref)) {
            rc |= json_object_set_new(rs, "replicaDivisionPreference",
                                      json_string("Weighted"));
        }
    }
    return rc != 0 ? -ENOMEM : 0;
}

static int
default_failover(json_t *spec)
{
    json_t *app = json_object_get(json_object_get(spec, "failover"),
                                  "application");
    json_t *purge;
    json_t *dc;
    int rc = 0;

    if (!json_is_object(app)) {
        return 0;
    }
    dc = obj_child(app, "decisionConditions");
    if (dc == NULL) {
        return -ENOMEM;
    }
    rc |= set_default(dc, "tolerationSeconds", json_integer(300));
    rc |= set_default(app, "purgeMode", json_string("Gracefully"));
    purge = json_object_get(app, "purgeMode");
    if (strcmp(json_string_value(purge), "Gracefully") == 0 ||
        strcmp(json_string_value(purge), "Graciously") == 0) {
        rc |= set_default(app, "gracePeriodSeconds", json_integer(600));
    }
    return rc != 0 ? -ENOMEM : 0;
}

static int
default_selectors(json_t *spec, const char *ns)
{
    json_t *sels = json_object_get(spec, "resourceSelectors");
    size_t i;
    json_t *sel;
    int rc = 0;

    json_array_foreach(sels, i, sel) {
        json_t *sns = json_object_get(sel, "namespace");

        if (ns[0] != '\0' &&
            (!json_is_string(sns) || json_string_length(sns) == 0)) {
            rc |= json_object_set_new(sel, "namespace", json_string(ns));
        }
        if (strcmp(json_string_value(json_object_get(sel, "apiVersion")),
                   "multicluster.x-k8s.io/v1alpha1") == 0 &&
            strcmp(json_string_value(json_object_get(sel, "kind")),
                   "ServiceImport") == 0) {
            rc |= json_object_set_new(spec, "propagateDeps", json_true());
        }
    }
    return rc != 0 ? -ENOMEM : 0;
}

static int
default_propagation_policy(struct model_object *o)
{
    json_t *spec = json_object_get(o->json, "spec");
    json_t *placement;
    int rc = 0;

    rc |= default_selectors(spec, o->namespace_);
    rc |= set_default(spec, "priority", json_integer(0));
    rc |= set_default(spec, "preemption", json_string("Never"));
    rc |= set_default(spec, "conflictResolution", json_string("Abort"));
    rc |= set_default(spec, "schedulerName", json_string("default-scheduler"));
    rc |= set_default(spec, "propagateDeps", json_false());
    placement = obj_child(spec, "placement");
    if (rc != 0 || placement == NULL) {
        return -ENOMEM;
    }
    rc = default_placement(placement);
    return rc != 0 ? rc : default_failover(spec);
}

static int
default_cluster(struct model_object *o)
{
    json_t *spec = json_object_get(o->json, "spec");
    json_t *zone = json_object_get(spec, "zone");
    json_t *zones = json_object_get(spec, "zones");

    /* Karmada's mutation moves the deprecated zone into zones. */
    if (json_is_string(zone) && json_string_length(zone) > 0 &&
        json_array_size(zones) == 0) {
        json_t *list = json_pack("[O]", zone);

        if (list == NULL || json_object_set_new(spec, "zones", list) != 0 ||
            json_object_del(spec, "zone") != 0) {
            return -ENOMEM;
        }
    }
    return cluster_default_models(spec);
}

static const char *
permanent_id_label(enum model_class cls)
{
    switch (cls) {
    case MODEL_CLASS_PROPAGATION_POLICY:
        return "propagationpolicy.karmada.io/permanent-id";
    case MODEL_CLASS_CLUSTER_PROPAGATION_POLICY:
        return "clusterpropagationpolicy.karmada.io/permanent-id";
    default:
        return NULL;
    }
}

static int
default_metadata(struct model_object *o)
{
    json_t *meta = json_object_get(o->json, "metadata");
    json_t *uid = json_object_get(meta, "uid");
    const char *label = permanent_id_label(o->cls);
    int rc;

    if (o->namespaced) {
        json_t *ns = json_object_get(meta, "namespace");

        if (!json_is_string(ns) || json_string_length(ns) == 0) {
            if (json_object_set_new(meta, "namespace",
                                    json_string("default")) != 0) {
                return -ENOMEM;
            }
        }
    }
    if (!o->namespaced) {
        json_object_del(meta, "namespace");
    }
    model_object_rebind(o);
    if (json_is_string(uid) && json_string_length(uid) > 0) {
        snprintf(o->uid, sizeof(o->uid), "%s", json_string_value(uid));
    } else {
        rc = model_uid_compute(o->group, o->kind, o->namespace_, o->name,
                               o->uid, sizeof(o->uid));
        if (rc != 0 ||
            json_object_set_new(meta, "uid", json_string(o->uid)) != 0) {
            return -ENOMEM;
        }
    }
    if (label != NULL) {
        json_t *labels = obj_child(meta, "labels");

        if (labels == NULL ||
            set_default(labels, label, json_string(o->uid)) != 0) {
            return -ENOMEM;
        }
    }
    return 0;
}

int
model_default_object(struct model_object *o)
{
    int rc;

    model_object_rebind(o);
    rc = default_metadata(o);
    if (rc != 0) {
        return rc;
    }
    switch (o->cls) {
    case MODEL_CLASS_TEMPLATE:
        rc = default_workload(o);
        break;
    case MODEL_CLASS_PROPAGATION_POLICY:
    case MODEL_CLASS_CLUSTER_PROPAGATION_POLICY:
        rc = default_propagation_policy(o);
        break;
    case MODEL_CLASS_OVERRIDE_POLICY:
    case MODEL_CLASS_CLUSTER_OVERRIDE_POLICY:
        rc = default_selectors(json_object_get(o->json, "spec"),
                               o->namespace_);
        break;
    case MODEL_CLASS_CLUSTER:
        rc = default_cluster(o);
        break;
    default:
        break;
    }
    model_object_rebind(o);
    return rc;
}
