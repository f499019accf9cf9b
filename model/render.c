/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The manifest for one (template, cluster): what the binding controller
 * puts into a Work and the executor applies (policy.md §3.2).
 */
#include "model/override.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/interp.h"
#include "util/strmap.h"

static json_t *
ensure_map(json_t *parent, const char *key)
{
    json_t *m = json_object_get(parent, key);

    if (!json_is_object(m)) {
        m = json_object();
        if (m == NULL || json_object_set_new(parent, key, m) != 0) {
            return NULL;
        }
    }
    return m;
}

static int
apply_overrides(const struct model_render_args *a, json_t **m,
                json_t **applied, struct model_error *err)
{
    json_t *entries = NULL;
    size_t i;
    json_t *e;
    int rc;

    if (a->policies == NULL) {
        *applied = json_array();
        return *applied != NULL ? 0 : -ENOMEM;
    }
    rc = model_override_match(a->policies, a->tmpl, a->cluster,
                              a->cluster_obj, &entries);
    if (rc != 0) {
        return rc;
    }
    json_array_foreach(entries, i, e) {
        char why[256] = "";

        rc = model_override_apply_one(m, json_object_get(e, "overriders"),
                                      why, sizeof(why));
        if (rc != 0) {
            model_error_set(err, a->tmpl->document, a->tmpl->line, 0, "",
                            "override policy %s on cluster %s: %s",
                            json_string_value(json_object_get(e,
                                                              "policyName")),
                            a->cluster, why[0] != '\0' ? why : "failed");
            json_decref(entries);
            return rc;
        }
    }
    *applied = entries;
    return 0;
}

static const char *
conflict_value(const struct model_render_args *a, const json_t *ann)
{
    const char *t = json_string_value(
        json_object_get(ann, "work.karmada.io/conflict-resolution"));

    if (t != NULL && (strcmp(t, "overwrite") == 0 ||
                      strcmp(t, "abort") == 0)) {
        return t;
    }
    return a->conflict_resolution != NULL &&
                   strcmp(a->conflict_resolution, "Overwrite") == 0
               ? "overwrite"
               : "abort";
}

/* Comma-joined sorted keys of @map plus @extra (NULL-terminated). */
static json_t *
managed_keys(const json_t *map, const char *const *extra)
{
    size_t n = json_object_size(map);
    const char **keys = calloc(n + 3, sizeof(*keys));
    size_t len = 1;
    size_t i = 0;
    const char *k;
    json_t *v;
    char *s;
    json_t *out;

    if (keys == NULL) {
        return NULL;
    }
    json_object_foreach((json_t *)map, k, v) {
        keys[i++] = k;
    }
    for (; extra != NULL && *extra != NULL; extra++) {
        if (json_object_get(map, *extra) == NULL) {
            keys[i++] = *extra;
        }
    }
    qsort(keys, i, sizeof(*keys), util_cmp_str);
    for (size_t j = 0; j < i; j++) {
        len += strlen(keys[j]) + 1;
    }
    s = calloc(1, len);
    for (size_t j = 0; s != NULL && j < i; j++) {
        strcat(s, keys[j]);
        if (j + 1 < i) {
            strcat(s, ",");
        }
    }
    out = s != NULL ? json_string(s) : NULL;
    free(s);
    free(keys);
    return out;
}

static int
decorate(const struct model_render_args *a, json_t *m)
{
    static const char *const managed[] = {
        "resourcetemplate.karmada.io/managed-annotations",
        "resourcetemplate.karmada.io/managed-labels", NULL,
    };
    bool crb = a->binding_namespace == NULL || a->binding_namespace[0] == '\0';
    json_t *meta = ensure_map(m, "metadata");
    json_t *labels = meta != NULL ? ensure_map(meta, "labels") : NULL;
    json_t *ann = meta != NULL ? ensure_map(meta, "annotations") : NULL;
    int64_t gen = json_integer_value(
        json_object_get(json_object_get(a->tmpl->json, "metadata"),
                        "generation"));
    int rc = 0;

    if (labels == NULL || ann == NULL) {
        return -ENOMEM;
    }
    rc |= json_object_set_new(labels,
                              crb ? "clusterresourcebinding.karmada.io/"
                                    "permanent-id"
                                  : "resourcebinding.karmada.io/permanent-id",
                              json_string(a->binding_id != NULL
                                              ? a->binding_id
                                              : ""));
    rc |= json_object_set_new(labels, "karmada.io/managed",
                              json_string("true"));
    if (gen > 0) {
        char g[32];

        snprintf(g, sizeof(g), "%lld", (long long)gen);
        rc |= json_object_set_new(ann,
                                  "resourcetemplate.karmada.io/generation",
                                  json_string(g));
    }
    if (crb) {
        rc |= json_object_set_new(ann, "clusterresourcebinding.karmada.io/name",
                                  json_string(a->binding_name));
    } else {
        rc |= json_object_set_new(ann, "resourcebinding.karmada.io/namespace",
                                  json_string(a->binding_namespace));
        rc |= json_object_set_new(ann, "resourcebinding.karmada.io/name",
                                  json_string(a->binding_name));
    }
    rc |= json_object_set_new(ann, "resourcetemplate.karmada.io/uid",
                              json_string(a->tmpl->uid));
    rc |= json_object_set_new(ann, "work.karmada.io/conflict-resolution",
                              json_string(conflict_value(a, ann)));
    rc |= json_object_set_new(ann, managed[0], managed_keys(ann, managed));
    rc |= json_object_set_new(ann, managed[1], managed_keys(labels, NULL));
    return rc != 0 ? -ENOMEM : 0;
}

/* §3.2 step 2: only an existing integer spec.completions of a Job. */
static int
write_completions(const struct model_render_args *a, json_t *m,
                  struct model_error *err)
{
    json_t *spec = json_object_get(m, "spec");
    json_t *cur = json_object_get(spec, "completions");

    if (strcmp(a->tmpl->kind, "Job") != 0 || cur == NULL) {
        return 0;
    }
    if (!json_is_integer(cur)) {
        model_error_set(err, a->tmpl->document, a->tmpl->line, 0,
                        "spec.completions",
                        "cannot write the completions for cluster %s: field "
                        "is not an integer",
                        a->cluster);
        return -EINVAL;
    }
    return json_object_set_new(spec, "completions",
                               json_integer(a->completions)) == 0
               ? 0
               : -ENOMEM;
}

void
model_render_args_init(struct model_render_args *a)
{
    memset(a, 0, sizeof(*a));
    a->replicas = -1;
    a->completions = -1;
}

int
model_render_manifest(const struct model_render_args *a, json_t **out,
                      json_t **applied, struct model_error *err)
{
    json_t *m = json_deep_copy(a->tmpl->json);
    json_t *entries = NULL;
    int rc = 0;

    if (m == NULL) {
        return -ENOMEM;
    }
    if (a->replicas >= 0) {
        rc = model_interp_revise_replicas(m, a->replicas);
        if (rc == -ENOENT) {
            rc = 0;
        } else if (rc != 0) {
            model_error_set(err, a->tmpl->document, a->tmpl->line, 0, "spec",
                            "cannot write the replica count for cluster %s: "
                            "field is not an integer",
                            a->cluster);
        }
    }
    if (rc == 0 && a->completions >= 0) {
        rc = write_completions(a, m, err);
    }
    if (rc == 0) {
        rc = apply_overrides(a, &m, &entries, err);
    }
    if (rc == 0) {
        rc = decorate(a, m);
    }
    if (rc == 0) {
        rc = model_interp_prune(m);
    }
    if (rc == 0 && a->observed != NULL) {
        rc = model_interp_retain(m, a->observed);
        if (rc == -EINVAL) {
            model_error_set(err, a->tmpl->document, a->tmpl->line, 0, "",
                            "cannot retain live fields from cluster %s",
                            a->cluster);
        }
    }
    if (rc != 0) {
        json_decref(m);
        json_decref(entries);
        return rc;
    }
    *out = m;
    if (applied != NULL) {
        *applied = entries;
    } else {
        json_decref(entries);
    }
    return 0;
}
