/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Override policies (policy.md §5): which entries apply to a (template,
 * cluster), and the seven overriders.
 */
#include "model/override.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonpatch.h"
#include "model/policy.h"

static const char *
jstr(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);

    return json_is_string(v) ? json_string_value(v) : "";
}

static bool
str_in(const json_t *arr, const char *s)
{
    size_t i;
    json_t *v;

    json_array_foreach((json_t *)arr, i, v) {
        if (json_is_string(v) && strcmp(json_string_value(v), s) == 0) {
            return true;
        }
    }
    return false;
}

/* fieldSelector on provider, region, zone (zones) of the Cluster spec. */
static bool
field_selector_matches(const json_t *fs, const json_t *cluster)
{
    const json_t *spec = json_object_get(cluster, "spec");
    size_t i;
    json_t *req;

    json_array_foreach(json_object_get(fs, "matchExpressions"), i, req) {
        const char *key = jstr(req, "key");
        const char *op = jstr(req, "operator");
        const json_t *values = json_object_get(req, "values");
        bool in = false;

        if (strcmp(key, "zone") == 0) {
            size_t j;
            json_t *z;

            in = str_in(values, jstr(spec, "zone"));
            json_array_foreach(json_object_get(spec, "zones"), j, z) {
                in = in || str_in(values, json_string_value(z));
            }
        } else {
            in = str_in(values, jstr(spec, key));
        }
        if ((strcmp(op, "In") == 0 && !in) ||
            (strcmp(op, "NotIn") == 0 && in)) {
            return false;
        }
    }
    return true;
}

bool
model_cluster_affinity_matches(const json_t *a, const char *name,
                               const json_t *cluster)
{
    const json_t *ls = json_object_get(a, "labelSelector");
    const json_t *fs = json_object_get(a, "fieldSelector");
    const json_t *names = json_object_get(a, "clusterNames");

    if (str_in(json_object_get(a, "exclude"), name)) {
        return false;
    }
    if (json_is_object(ls) &&
        model_label_selector_matches(
            ls, json_object_get(json_object_get(cluster, "metadata"),
                                "labels")) != 1) {
        return false;
    }
    if (json_is_object(fs) && !field_selector_matches(fs, cluster)) {
        return false;
    }
    return json_array_size(names) == 0 || str_in(names, name);
}

struct op_entry {
    const struct model_object *policy;
    enum model_match match;
};

static int
cmp_entries(const void *a, const void *b)
{
    const struct op_entry *x = a;
    const struct op_entry *y = b;

    if (x->match != y->match) {
        return (int)x->match - (int)y->match;
    }
    return strcmp(x->policy->name, y->policy->name);
}

/* Rules of a policy, including the deprecated targetCluster + overriders. */
static int
append_rules(json_t *out, const struct model_object *p, const char *name,
             const json_t *cluster)
{
    const json_t *spec = json_object_get(p->json, "spec");
    const json_t *rules = json_object_get(spec, "overrideRules");
    bool cop = p->cls == MODEL_CLASS_CLUSTER_OVERRIDE_POLICY;
    size_t i;
    json_t *r;

    if (json_array_size(rules) == 0 &&
        json_object_get(spec, "overriders") != NULL) {
        if (model_cluster_affinity_matches(
                json_object_get(spec, "targetCluster"), name, cluster)) {
            return json_array_append_new(
                out, json_pack("{s:s,s:b,s:O}", "policyName", p->name,
                               "cluster", cop, "overriders",
                               json_object_get(spec, "overriders")));
        }
        return 0;
    }
    json_array_foreach((json_t *)rules, i, r) {
        if (!model_cluster_affinity_matches(
                json_object_get(r, "targetCluster"), name, cluster)) {
            continue;
        }
        if (json_array_append_new(
                out, json_pack("{s:s,s:b,s:O}", "policyName", p->name,
                               "cluster", cop, "overriders",
                               json_object_get(r, "overriders"))) != 0) {
            return -ENOMEM;
        }
    }
    return 0;
}

static int
collect(const struct model_set *set, const struct model_object *t,
        enum model_class cls, const char *name, const json_t *cluster,
        json_t *out)
{
    struct op_entry *e = calloc(set->n + 1, sizeof(*e));
    size_t n = 0;
    int rc = 0;

    if (e == NULL) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < set->n; i++) {
        const struct model_object *p = set->items[i];
        const json_t *sels;

        if (p->cls != cls || (cls == MODEL_CLASS_OVERRIDE_POLICY &&
                              (!t->namespaced ||
                               strcmp(p->namespace_, t->namespace_) != 0))) {
            continue;
        }
        sels = json_object_get(json_object_get(p->json, "spec"),
                               "resourceSelectors");
        e[n].policy = p;
        e[n].match = json_array_size(sels) == 0
                         ? MODEL_MATCH_ALL
                         : model_selectors_match(sels, t);
        if (e[n].match != MODEL_MATCH_NONE) {
            n++;
        }
    }
    /* qsort is not stable, but (match, name) is a total order here. */
    qsort(e, n, sizeof(*e), cmp_entries);
    for (size_t i = 0; i < n && rc == 0; i++) {
        rc = append_rules(out, e[i].policy, name, cluster);
    }
    free(e);
    return rc;
}

int
model_override_match(const struct model_set *set,
                     const struct model_object *t, const char *name,
                     const json_t *cluster, json_t **out)
{
    json_t *list = json_array();
    int rc;

    if (list == NULL) {
        return -ENOMEM;
    }
    rc = collect(set, t, MODEL_CLASS_CLUSTER_OVERRIDE_POLICY, name, cluster,
                 list);
    if (rc == 0) {
        rc = collect(set, t, MODEL_CLASS_OVERRIDE_POLICY, name, cluster,
                     list);
    }
    if (rc != 0) {
        json_decref(list);
        return rc;
    }
    *out = list;
    return 0;
}
