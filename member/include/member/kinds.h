/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Kubernetes kinds a simulated member cluster stores: one static table
 * row per resource, with the names the REST paths and discovery use.
 */
#ifndef MEMBER_KINDS_H
#define MEMBER_KINDS_H

#include <stdbool.h>

struct member_kind {
    /* plural resource name as in REST paths: "deployments" */
    const char *resource;
    /* singular name for discovery: "deployment" */
    const char *singular;
    const char *kind;
    /* API group, "" for the core group */
    const char *group;
    const char *version;
    /* "v1" or "apps/v1" */
    const char *api_version;
    bool namespaced;
    /* true when the kind has a /status subresource */
    bool has_status;
    /* comma-separated short names for discovery, "" for none */
    const char *short_names;
};

/* Returns the row for plural resource @resource, or NULL when not served. */
const struct member_kind *member_kinds_by_resource(const char *resource);

/* Returns the row for kind @kind ("Deployment"), or NULL. */
const struct member_kind *member_kinds_by_kind(const char *kind);

/* Returns the number of rows; rows are member_kinds_at(0..count-1). */
int member_kinds_count(void);

/* Returns row @i, or NULL when out of range. */
const struct member_kind *member_kinds_at(int i);

/*
 * Writes the qualified resource used in error messages ("deployments.apps",
 * "pods") into @buf of @len bytes.
 */
void member_kinds_qualified(const struct member_kind *k, char *buf,
                            unsigned long len);

#endif /* MEMBER_KINDS_H */
