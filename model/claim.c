/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Claim metadata, suspension, conflict resolution and preemption decisions
 * (policy.md §4.4-4.5, §4.8, §4.12, §4.14) as pure functions.
 */
#include "model/policy.h"

#include <errno.h>
#include <string.h>

#define PP_ID "propagationpolicy.karmada.io/permanent-id"
#define PP_NS "propagationpolicy.karmada.io/namespace"
#define PP_NAME "propagationpolicy.karmada.io/name"
#define CPP_ID "clusterpropagationpolicy.karmada.io/permanent-id"
#define CPP_NAME "clusterpropagationpolicy.karmada.io/name"

const char *
model_conflict_resolution(const char *tmpl_annotation,
                          const char *binding_value)
{
    if (tmpl_annotation != NULL && (strcmp(tmpl_annotation, "overwrite") == 0 ||
                                    strcmp(tmpl_annotation, "abort") == 0)) {
        return tmpl_annotation;
    }
    return binding_value != NULL && strcmp(binding_value, "Overwrite") == 0
               ? "overwrite"
               : "abort";
}

bool
model_suspend_dispatching(const json_t *susp, const char *cluster)
{
    const json_t *names = json_object_get(
        json_object_get(susp, "dispatchingOnClusters"), "clusterNames");
    size_t i;
    json_t *v;

    if (json_is_true(json_object_get(susp, "dispatching"))) {
        return true;
    }
    json_array_foreach((json_t *)names, i, v) {
        if (json_is_string(v) && strcmp(json_string_value(v), cluster) == 0) {
            return true;
        }
    }
    return false;
}

int
model_suspension_merge(const json_t *binding, const json_t *policy,
                       json_t **out)
{
    const json_t *sched = json_object_get(binding, "scheduling");
    json_t *m;

    *out = NULL;
    if (policy == NULL || json_is_null(policy)) {
        if (sched == NULL || json_is_null(sched)) {
            return 0;
        }
        *out = json_pack("{s:O}", "scheduling", sched);
        return *out != NULL ? 0 : -ENOMEM;
    }
    m = json_deep_copy(policy);
    if (m == NULL) {
        return -ENOMEM;
    }
    if (sched != NULL && !json_is_null(sched) &&
        json_object_set(m, "scheduling", (json_t *)sched) != 0) {
        json_decref(m);
        return -ENOMEM;
    }
    *out = m;
    return 0;
}

const char *
model_policy_permanent_id(const struct model_object *p)
{
    const json_t *labels = json_object_get(json_object_get(p->json,
                                                           "metadata"),
                                           "labels");
    const char *key = p->cls == MODEL_CLASS_PROPAGATION_POLICY ? PP_ID
                                                               : CPP_ID;
    const json_t *v = json_object_get(labels, key);

    return json_is_string(v) ? json_string_value(v) : p->uid;
}

static json_t *
meta_map(json_t *obj, const char *field)
{
    json_t *meta = json_object_get(obj, "metadata");
    json_t *m;

    if (!json_is_object(meta)) {
        meta = json_object();
        if (meta == NULL || json_object_set_new(obj, "metadata", meta) != 0) {
            return NULL;
        }
    }
    m = json_object_get(meta, field);
    if (!json_is_object(m)) {
        m = json_object();
        if (m == NULL || json_object_set_new(meta, field, m) != 0) {
            return NULL;
        }
    }
    return m;
}

int
model_claim_apply(json_t *obj, const struct model_object *p)
{
    json_t *labels = meta_map(obj, "labels");
    json_t *ann = meta_map(obj, "annotations");
    int rc = 0;

    if (labels == NULL || ann == NULL) {
        return -ENOMEM;
    }
    if (p->cls == MODEL_CLASS_PROPAGATION_POLICY) {
        json_object_del(labels, CPP_ID);
        json_object_del(ann, CPP_NAME);
        rc |= json_object_set_new(labels, PP_ID,
                                  json_string(model_policy_permanent_id(p)));
        rc |= json_object_set_new(ann, PP_NS, json_string(p->namespace_));
        rc |= json_object_set_new(ann, PP_NAME, json_string(p->name));
    } else if (p->cls == MODEL_CLASS_CLUSTER_PROPAGATION_POLICY) {
        rc |= json_object_set_new(labels, CPP_ID,
                                  json_string(model_policy_permanent_id(p)));
        rc |= json_object_set_new(ann, CPP_NAME, json_string(p->name));
    } else {
        return -EINVAL;
    }
    return rc != 0 ? -ENOMEM : 0;
}

int
model_claim_cleanup(json_t *obj, const struct model_object *p)
{
    json_t *meta = json_object_get(obj, "metadata");
    json_t *labels = json_object_get(meta, "labels");
    json_t *ann = json_object_get(meta, "annotations");
    bool pp = p->cls == MODEL_CLASS_PROPAGATION_POLICY;
    const json_t *id = json_object_get(labels, pp ? PP_ID : CPP_ID);

    if (!json_is_string(id) ||
        strcmp(json_string_value(id), model_policy_permanent_id(p)) != 0) {
        return 0;
    }
    json_object_del(labels, pp ? PP_ID : CPP_ID);
    if (pp) {
        json_object_del(ann, PP_NS);
        json_object_del(ann, PP_NAME);
    } else {
        json_object_del(ann, CPP_NAME);
    }
    return 1;
}

static int64_t
priority_of(const struct model_object *p)
{
    return json_integer_value(
        json_object_get(json_object_get(p->json, "spec"), "priority"));
}

bool
model_policy_preempts(const struct model_object *p,
                      const struct model_object *claimer,
                      const struct model_object *t)
{
    const json_t *spec = json_object_get(p->json, "spec");
    const json_t *pre = json_object_get(spec, "preemption");

    if (!json_is_string(pre) || strcmp(json_string_value(pre), "Always") != 0 ||
        claimer == NULL || claimer == p ||
        model_selectors_match(json_object_get(spec, "resourceSelectors"), t) !=
            MODEL_MATCH_NAME) {
        return false;
    }
    if (p->cls == MODEL_CLASS_PROPAGATION_POLICY) {
        return claimer->cls == MODEL_CLASS_CLUSTER_PROPAGATION_POLICY ||
               priority_of(p) > priority_of(claimer);
    }
    return claimer->cls == MODEL_CLASS_CLUSTER_PROPAGATION_POLICY &&
           priority_of(p) > priority_of(claimer);
}
