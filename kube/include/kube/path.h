/* SPDX-License-Identifier: Apache-2.0 */
/*
 * REST paths from (apiVersion, kind, namespace, name). The plural and the
 * scope of a kind come, in this order, from the caller (who may know them
 * from discovery), from the table of built-in kinds, or from the plural
 * rule of Kubernetes' UnsafeGuessKindToResource:
 *
 *   lower-case the kind; ends in "s" -> add "es"; ends in "y" -> "ies";
 *   otherwise add "s".   (Ingress -> ingresses, NetworkPolicy ->
 *   networkpolicies, Widget -> widgets)
 *
 * Kinds the rule gets wrong (Endpoints -> "endpoints") are in the table.
 */
#ifndef KUBE_PATH_H
#define KUBE_PATH_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* Longest path built, with the final NUL. */
#define KUBE_PATH_MAX 1024

/* Whether a kind lives in namespaces. */
enum kube_scope {
    /* the built-in table; for other kinds, namespaced iff ns is set */
    KUBE_SCOPE_AUTO,
    KUBE_SCOPE_NAMESPACED,
    KUBE_SCOPE_CLUSTER,
};

/*
 * Names one object (name set) or a collection (name NULL or ""). Strings are
 * borrowed. apiVersion is "v1" or "GROUP/VERSION".
 */
struct kube_ref {
    const char *api_version;
    const char *kind;
    /* namespace; NULL or "" for cluster-scoped kinds or all namespaces */
    const char *ns;
    const char *name;
    /* the resource plural when the caller knows it (discovery), or NULL */
    const char *plural;
    /* "status", "scale"... or NULL */
    const char *subresource;
    enum kube_scope scope;
};

/* A built-in kind. */
struct kube_kind_info {
    const char *group;  /* "" for core */
    const char *kind;   /* "Deployment" */
    const char *plural; /* "deployments" */
    bool namespaced;
};

/*
 * The built-in kind @kind of @api_version's group (the version is not
 * compared), or NULL when it is not in the table.
 */
const struct kube_kind_info *kube_path_builtin(const char *api_version,
                                               const char *kind);

/*
 * Writes the guessed plural of @kind (rule above) into @buf. Returns 0,
 * -EINVAL for an empty or non-alphanumeric kind, -ENOSPC when too long.
 */
int kube_path_guess_plural(const char *kind, char *buf, size_t len);

/*
 * Writes the path of @ref into @buf of @len bytes (KUBE_PATH_MAX holds
 * every valid one): /api/v1[/namespaces/NS]/PLURAL[/NAME[/SUB]] for the
 * core group, /apis/GROUP/VERSION/... for others. A namespace on a
 * cluster-scoped kind is ignored. Names are checked as Kubernetes does for
 * path segments (not empty, not "." or "..", no '/' or '%') and escaped.
 *
 * Returns 0, -EINVAL with a reason in @why (may be NULL, @why_len bytes)
 * for a bad apiVersion, kind, namespace or name, or a subresource without a
 * name, or a named object of a namespaced kind without namespace, or
 * -ENAMETOOLONG.
 */
int kube_path_build(const struct kube_ref *ref, char *buf, size_t len,
                    char *why, size_t why_len);

/*
 * Fills @ref from the object @obj: apiVersion, kind, metadata.namespace,
 * metadata.name (strings borrowed from @obj; plural, subresource NULL).
 * Returns 0, or -EINVAL with a reason in @why when one of them is missing
 * or not a string (namespace may be absent).
 */
int kube_ref_from_object(const json_t *obj, struct kube_ref *ref, char *why,
                         size_t why_len);

#endif /* KUBE_PATH_H */
