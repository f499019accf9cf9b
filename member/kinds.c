/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The kinds a member serves. The table is the single source for REST paths,
 * discovery documents and the store's buckets.
 */
#include "member/kinds.h"

#include <stdio.h>
#include <string.h>

static const struct member_kind kinds[] = {
    { "configmaps", "configmap", "ConfigMap", "", "v1", "v1", true, false,
      "cm" },
    { "namespaces", "namespace", "Namespace", "", "v1", "v1", false, true,
      "ns" },
    { "nodes", "node", "Node", "", "v1", "v1", false, true, "no" },
    { "persistentvolumeclaims", "persistentvolumeclaim",
      "PersistentVolumeClaim", "", "v1", "v1", true, true, "pvc" },
    { "pods", "pod", "Pod", "", "v1", "v1", true, true, "po" },
    { "secrets", "secret", "Secret", "", "v1", "v1", true, false, "" },
    { "services", "service", "Service", "", "v1", "v1", true, true, "svc" },
    { "deployments", "deployment", "Deployment", "apps", "v1", "apps/v1", true,
      true, "deploy" },
    { "statefulsets", "statefulset", "StatefulSet", "apps", "v1", "apps/v1",
      true, true, "sts" },
};

#define KIND_COUNT ((int)(sizeof(kinds) / sizeof(kinds[0])))

const struct member_kind *
member_kinds_by_resource(const char *resource)
{
    int i;

    if (resource == NULL) {
        return NULL;
    }
    for (i = 0; i < KIND_COUNT; i++) {
        if (strcmp(kinds[i].resource, resource) == 0) {
            return &kinds[i];
        }
    }
    return NULL;
}

const struct member_kind *
member_kinds_by_kind(const char *kind)
{
    int i;

    if (kind == NULL) {
        return NULL;
    }
    for (i = 0; i < KIND_COUNT; i++) {
        if (strcmp(kinds[i].kind, kind) == 0) {
            return &kinds[i];
        }
    }
    return NULL;
}

int
member_kinds_count(void)
{
    return KIND_COUNT;
}

const struct member_kind *
member_kinds_at(int i)
{
    if (i < 0 || i >= KIND_COUNT) {
        return NULL;
    }
    return &kinds[i];
}

void
member_kinds_qualified(const struct member_kind *k, char *buf,
                       unsigned long len)
{
    if (k->group[0] == '\0') {
        snprintf(buf, len, "%s", k->resource);
    } else {
        snprintf(buf, len, "%s.%s", k->resource, k->group);
    }
}
