/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The detector's filters (policy.md §4.1), the re-queue set after a
 * priority drop (§4.8) and the dependencies annotation match (§6.3).
 */
#include "model/policy.h"

#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool
model_namespace_is_reserved(const char *ns)
{
    return strcmp(ns, "karmada-system") == 0 ||
           strcmp(ns, "karmada-cluster") == 0 ||
           strncmp(ns, "karmada-es-", 11) == 0;
}

static bool
matches_anchored(const char *pattern, const char *s)
{
    char anchored[512];
    regex_t re;
    bool hit;

    snprintf(anchored, sizeof(anchored), "^(%s)$", pattern);
    if (regcomp(&re, anchored, REG_EXTENDED | REG_NOSUB) != 0) {
        return false;
    }
    hit = regexec(&re, s, 0, NULL, 0) == 0;
    regfree(&re);
    return hit;
}

bool
model_template_ignored(const char *kind, const char *ns, const char *name,
                       const char *const *skip_patterns)
{
    static const char *const defaults[] = { "kube-.*", NULL };

    if (ns == NULL || ns[0] == '\0') {
        return false;
    }
    if (model_namespace_is_reserved(ns)) {
        return true;
    }
    if (strcmp(ns, "kube-system") == 0 && strcmp(kind, "ConfigMap") == 0 &&
        strcmp(name, "extension-apiserver-authentication") == 0) {
        return true;
    }
    for (const char *const *p = skip_patterns != NULL ? skip_patterns
                                                      : defaults;
         *p != NULL; p++) {
        if (matches_anchored(*p, ns)) {
            return true;
        }
    }
    return false;
}

/* A copy without the fields an update filter ignores. */
static json_t *
comparable(const json_t *o)
{
    json_t *c = json_deep_copy(o);
    json_t *meta = json_object_get(c, "metadata");

    json_object_del(c, "status");
    json_object_del(meta, "managedFields");
    json_object_del(meta, "resourceVersion");
    return c;
}

bool
model_template_changed(const json_t *old, const json_t *new_)
{
    json_t *a = comparable(old);
    json_t *b = comparable(new_);
    bool changed = !json_equal(a, b);

    json_decref(a);
    json_decref(b);
    return changed;
}

static int64_t
prio(const struct model_object *p, bool *explicit_)
{
    const json_t *v = json_object_get(json_object_get(p->json, "spec"),
                                      "priority");

    /* The CRD default makes every admitted priority explicit (0). */
    *explicit_ = json_is_integer(v);
    return json_integer_value(v);
}

static bool
always(const struct model_object *p)
{
    const json_t *v = json_object_get(json_object_get(p->json, "spec"),
                                      "preemption");

    return json_is_string(v) && strcmp(json_string_value(v), "Always") == 0;
}

size_t
model_policy_deprioritized(const struct model_set *set,
                           const struct model_object *p, int64_t old_priority,
                           int64_t new_priority,
                           const struct model_object **out, size_t max)
{
    size_t n = 0;

    for (size_t i = 0; i < set->n; i++) {
        const struct model_object *q = set->items[i];
        bool explicit_;
        int64_t qp = prio(q, &explicit_);
        size_t j;

        if (q == p || q->cls != p->cls || !always(q) || !explicit_ ||
            qp <= new_priority || qp >= old_priority ||
            (p->cls == MODEL_CLASS_PROPAGATION_POLICY &&
             strcmp(q->namespace_, p->namespace_) != 0)) {
            continue;
        }
        /* Insertion by priority, highest first. */
        for (j = n < max ? n : max; j > 0; j--) {
            bool e;

            if (prio(out[j - 1], &e) >= qp) {
                break;
            }
            if (j < max) {
                out[j] = out[j - 1];
            }
        }
        if (j < max) {
            out[j] = q;
        }
        n++;
    }
    return n;
}

static const char *
jstr(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);

    return json_is_string(v) ? json_string_value(v) : "";
}

int
model_dependencies_match(const char *annotation, const json_t *obj)
{
    json_t *deps = json_loads(annotation, 0, NULL);
    const json_t *meta = json_object_get(obj, "metadata");
    size_t i;
    json_t *d;
    int rc = 0;

    if (!json_is_array(deps)) {
        json_decref(deps);
        return -EINVAL;
    }
    json_array_foreach(deps, i, d) {
        const json_t *sel = json_object_get(d, "labelSelector");

        if (strcmp(jstr(d, "apiVersion"), jstr(obj, "apiVersion")) != 0 ||
            strcmp(jstr(d, "kind"), jstr(obj, "kind")) != 0 ||
            strcmp(jstr(d, "namespace"), jstr(meta, "namespace")) != 0) {
            continue;
        }
        if (jstr(d, "name")[0] != '\0') {
            if (strcmp(jstr(d, "name"), jstr(meta, "name")) == 0) {
                rc = 1;
                break;
            }
            continue;
        }
        if (json_is_object(sel)) {
            int m = model_label_selector_matches(sel,
                                                 json_object_get(meta,
                                                                 "labels"));

            if (m < 0) {
                rc = m;
                break;
            }
            if (m == 1 && (json_object_size(sel) == 0 ||
                           json_object_get(meta, "labels") != NULL)) {
                rc = 1;
                break;
            }
        }
    }
    json_decref(deps);
    return rc;
}
