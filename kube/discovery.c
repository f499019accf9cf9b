/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Discovery: /api and /apis name the group versions, each group version's
 * APIResourceList names its resources. Subresources ("pods/status") are
 * left out; a group version that fails makes the result incomplete but not
 * an error, as partial discovery is in Kubernetes.
 */
#include "kube/discovery.h"
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
kube_discovery_free(struct kube_discovery *d)
{
    if (d == NULL) {
        return;
    }
    for (size_t i = 0; i < d->n_gvs; i++) {
        struct kube_group_version *gv = &d->gvs[i];

        for (size_t k = 0; k < gv->n_resources; k++) {
            free(gv->resources[k].plural);
            free(gv->resources[k].kind);
        }
        free(gv->resources);
        free(gv->group_version);
    }
    free(d->gvs);
    free(d);
}

static void
mark_incomplete(struct kube_discovery *d, const struct kube_error *e)
{
    if (d->complete) {
        d->complete = false;
        snprintf(d->incomplete_reason, sizeof(d->incomplete_reason), "%s",
                 e->text);
    }
}

/* Parses an APIResourceList into @gv (which holds group_version). */
static int
parse_resources(struct kube_client *c, const char *path, const json_t *doc,
                struct kube_group_version *gv, struct kube_error *err)
{
    const json_t *list = json_object_get(doc, "resources");
    const json_t *r;
    size_t i;

    if (!json_is_array(list)) {
        return kube_error_set(err, c, "GET", path, -EBADMSG, 200, NULL,
                              "resources is %s, not an array",
                              kube_json_type_name(list));
    }
    gv->resources = calloc(json_array_size(list) + 1, sizeof(*gv->resources));
    if (gv->resources == NULL) {
        return kube_error_set(err, c, "GET", path, -ENOMEM, 0, NULL,
                              "out of memory");
    }
    json_array_foreach(list, i, r) {
        const json_t *name = json_object_get(r, "name");
        const json_t *kind = json_object_get(r, "kind");
        const json_t *ns = json_object_get(r, "namespaced");
        struct kube_api_resource *out;

        if (!json_is_string(name) || !json_is_string(kind) ||
            !json_is_boolean(ns)) {
            return kube_error_set(err, c, "GET", path, -EBADMSG, 200, NULL,
                                  "resources[%zu]: name, kind or namespaced has the wrong type",
                                  i);
        }
        if (strchr(json_string_value(name), '/') != NULL) {
            continue;
        }
        out = &gv->resources[gv->n_resources];
        out->plural = strdup(json_string_value(name));
        out->kind = strdup(json_string_value(kind));
        out->namespaced = json_is_true(ns);
        gv->n_resources++;
        if (out->plural == NULL || out->kind == NULL) {
            return kube_error_set(err, c, "GET", path, -ENOMEM, 0, NULL,
                                  "out of memory");
        }
    }
    return 0;
}

/* Reads one group version's resources; failures make @d incomplete. */
static int
read_group_version(struct kube_client *c, struct kube_discovery *d,
                   const char *group_version)
{
    struct kube_group_version *gv = &d->gvs[d->n_gvs];
    struct kube_error e;
    char path[512];
    json_t *doc = NULL;
    int rc;

    snprintf(path, sizeof(path), "%s/%s",
             strchr(group_version, '/') != NULL ? "/apis" : "/api",
             group_version);
    gv->group_version = strdup(group_version);
    if (gv->group_version == NULL) {
        return -ENOMEM;
    }
    d->n_gvs++;
    rc = kube_call_json(c, "GET", path, NULL, NULL, &doc, &e);
    if (rc == 0) {
        rc = parse_resources(c, path, doc, gv, &e);
    }
    json_decref(doc);
    if (rc == -ENOMEM) {
        return rc;
    }
    if (rc != 0) {
        /* leave it out, keep what the others said */
        for (size_t k = 0; k < gv->n_resources; k++) {
            free(gv->resources[k].plural);
            free(gv->resources[k].kind);
        }
        free(gv->resources);
        free(gv->group_version);
        memset(gv, 0, sizeof(*gv));
        d->n_gvs--;
        mark_incomplete(d, &e);
    }
    return 0;
}

/* Collects the group versions /api and /apis name, in order. */
static int
collect_versions(struct kube_client *c, const json_t *api, const json_t *apis,
                 json_t *out, struct kube_error *err)
{
    const json_t *versions = json_object_get(api, "versions");
    const json_t *groups = json_object_get(apis, "groups");
    const json_t *v;
    const json_t *g;
    size_t i;
    size_t k;

    if (!json_is_array(versions)) {
        return kube_error_set(err, c, "GET", "/api", -EBADMSG, 200, NULL,
                              "versions is %s, not an array",
                              kube_json_type_name(versions));
    }
    if (!json_is_array(groups)) {
        return kube_error_set(err, c, "GET", "/apis", -EBADMSG, 200, NULL,
                              "groups is %s, not an array",
                              kube_json_type_name(groups));
    }
    json_array_foreach(versions, i, v) {
        if (!json_is_string(v) || strchr(json_string_value(v), '/') != NULL) {
            return kube_error_set(err, c, "GET", "/api", -EBADMSG, 200, NULL,
                                  "versions[%zu] is not a version string", i);
        }
        json_array_append(out, (json_t *)v);
    }
    json_array_foreach(groups, i, g) {
        const json_t *gvs = json_object_get(g, "versions");

        if (!json_is_array(gvs)) {
            return kube_error_set(err, c, "GET", "/apis", -EBADMSG, 200, NULL,
                                  "groups[%zu].versions is %s, not an array",
                                  i, kube_json_type_name(gvs));
        }
        json_array_foreach(gvs, k, v) {
            const json_t *name = json_object_get(v, "groupVersion");

            if (!json_is_string(name) ||
                strchr(json_string_value(name), '/') == NULL ||
                strstr(json_string_value(name), "..") != NULL) {
                return kube_error_set(err, c, "GET", "/apis", -EBADMSG, 200,
                                      NULL,
                                      "groups[%zu].versions[%zu].groupVersion is not GROUP/VERSION",
                                      i, k);
            }
            json_array_append(out, (json_t *)name);
        }
    }
    return 0;
}

int
kube_discover(struct kube_client *c, struct kube_discovery **out,
              struct kube_error *err)
{
    struct kube_discovery *d = NULL;
    json_t *api = NULL;
    json_t *apis = NULL;
    json_t *names = json_array();
    const json_t *v;
    size_t i;
    int rc;

    rc = names != NULL ? 0 : -ENOMEM;
    if (rc == 0) {
        rc = kube_call_json(c, "GET", "/api", NULL, NULL, &api, err);
    }
    if (rc == 0) {
        rc = kube_call_json(c, "GET", "/apis", NULL, NULL, &apis, err);
    }
    if (rc == 0) {
        rc = collect_versions(c, api, apis, names, err);
    }
    if (rc != 0) {
        goto out;
    }
    d = calloc(1, sizeof(*d));
    if (d != NULL) {
        d->gvs = calloc(json_array_size(names) + 1, sizeof(*d->gvs));
    }
    if (d == NULL || d->gvs == NULL) {
        rc = kube_error_set(err, c, "GET", "/apis", -ENOMEM, 0, NULL,
                            "out of memory");
        goto out;
    }
    d->complete = true;
    json_array_foreach(names, i, v) {
        rc = read_group_version(c, d, json_string_value(v));
        if (rc != 0) {
            kube_error_set(err, c, "GET", "/apis", rc, 0, NULL,
                           "out of memory");
            goto out;
        }
    }
    *out = d;
    d = NULL;

out:
    kube_discovery_free(d);
    json_decref(names);
    json_decref(api);
    json_decref(apis);
    return rc;
}

const struct kube_api_resource *
kube_discovery_find(const struct kube_discovery *d, const char *api_version,
                    const char *kind)
{
    if (d == NULL || api_version == NULL || kind == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < d->n_gvs; i++) {
        const struct kube_group_version *gv = &d->gvs[i];

        if (strcmp(gv->group_version, api_version) != 0) {
            continue;
        }
        for (size_t k = 0; k < gv->n_resources; k++) {
            if (strcmp(gv->resources[k].kind, kind) == 0) {
                return &gv->resources[k];
            }
        }
    }
    return NULL;
}

void
kube_discovery_enablements_free(Flotilla__V1__APIEnablement **e, size_t n)
{
    if (e == NULL) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (e[i] == NULL) {
            continue;
        }
        for (size_t k = 0; k < e[i]->n_kinds; k++) {
            free(e[i]->kinds[k]);
        }
        free(e[i]->kinds);
        free(e[i]->group_version);
        free(e[i]);
    }
    free(e);
}

static int
enablement_of(const struct kube_group_version *gv,
              Flotilla__V1__APIEnablement **out)
{
    Flotilla__V1__APIEnablement *e = calloc(1, sizeof(*e));

    if (e == NULL) {
        return -ENOMEM;
    }
    *out = e;
    flotilla__v1__apienablement__init(e);
    e->group_version = strdup(gv->group_version);
    e->kinds = calloc(gv->n_resources + 1, sizeof(*e->kinds));
    if (e->group_version == NULL || e->kinds == NULL) {
        return -ENOMEM;
    }
    for (size_t k = 0; k < gv->n_resources; k++) {
        bool seen = false;

        for (size_t j = 0; j < e->n_kinds && !seen; j++) {
            seen = strcmp(e->kinds[j], gv->resources[k].kind) == 0;
        }
        if (seen) {
            continue;
        }
        e->kinds[e->n_kinds] = strdup(gv->resources[k].kind);
        if (e->kinds[e->n_kinds] == NULL) {
            return -ENOMEM;
        }
        e->n_kinds++;
    }
    return 0;
}

int
kube_discovery_enablements(const struct kube_discovery *d,
                           Flotilla__V1__APIEnablement ***out, size_t *n_out)
{
    Flotilla__V1__APIEnablement **e;
    int rc = 0;
    size_t i;

    e = calloc(d->n_gvs + 1, sizeof(*e));
    if (e == NULL) {
        return -ENOMEM;
    }
    for (i = 0; i < d->n_gvs && rc == 0; i++) {
        rc = enablement_of(&d->gvs[i], &e[i]);
    }
    if (rc != 0) {
        kube_discovery_enablements_free(e, i);
        return rc;
    }
    *out = e;
    *n_out = d->n_gvs;
    return 0;
}
