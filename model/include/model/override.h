/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OverridePolicy / ClusterOverridePolicy selection and application, and the
 * per-cluster manifest (policy.md §3.2, §5). Pure functions over JSON.
 */
#ifndef MODEL_OVERRIDE_H
#define MODEL_OVERRIDE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "model/decode.h"
#include "model/object.h"

/*
 * Does the Karmada ClusterAffinity @affinity (JSON; NULL or {} matches
 * every cluster) select the cluster named @name whose Cluster object is
 * @cluster (JSON, may be NULL: then only clusterNames/exclude can match)?
 * Order as in scheduler.md §4.1: exclude, labelSelector, fieldSelector
 * (provider, region, zone), clusterNames.
 */
bool model_cluster_affinity_matches(const json_t *affinity, const char *name,
                                    const json_t *cluster);

/*
 * The override entries that apply to template @t on cluster @name (§5.2,
 * §5.3): a new JSON array of {"policyName", "cluster": bool,
 * "overriders"}, ClusterOverridePolicy entries first, each group ordered by
 * implicit priority then name. Policies are taken from @set. Returns 0 or
 * -ENOMEM.
 */
int model_override_match(const struct model_set *set,
                         const struct model_object *t, const char *name,
                         const json_t *cluster, json_t **out);

/*
 * Applies one Overriders object to *manifest in the order of §5.3 (image,
 * command, args, labels, annotations, field, plaintext). Returns 0 or
 * -EINVAL with @why (may be NULL) describing the failing overrider; on
 * success *manifest may have been replaced (plaintext patches a copy).
 */
int model_override_apply_one(json_t **manifest, const json_t *overriders,
                             char *why, size_t why_len);

/*
 * Parses a container image reference (§5.4): writes host, repository, tag
 * and digest ("" when absent). Returns 0 or -EINVAL for an invalid image.
 */
int model_image_parse(const char *image, char *host, char *repo, char *tag,
                      char *digest, size_t len);

/* Inputs of model_render_manifest. */
struct model_render_args {
    const struct model_object *tmpl;
    /* Target cluster name and its Cluster object (JSON, may be NULL). */
    const char *cluster;
    const json_t *cluster_obj;
    /* Replicas for this cluster; < 0 leaves the template's count. */
    int64_t replicas;
    /*
     * Job only: this cluster's share of spec.completions (§3.2 step 2),
     * which the caller computes with the scheduler's UID-seeded dispenser
     * (sched_dispense, scheduler.md §10) over the clusters' replicas when
     * the placement is Divided; < 0 leaves the template's value.
     */
    int64_t completions;
    /* Source of OverridePolicies / ClusterOverridePolicies (may be NULL). */
    const struct model_set *policies;
    /* Live member object for the update path (may be NULL: create). */
    const json_t *observed;
    /* Binding identity for the bookkeeping labels/annotations. */
    const char *binding_namespace;
    const char *binding_name;
    const char *binding_id;
    /* "Overwrite" or "Abort" (binding conflictResolution). */
    const char *conflict_resolution;
};

/* Zeroes @a, then sets replicas and completions to -1 (leave as is). */
void model_render_args_init(struct model_render_args *a);

/*
 * Renders the manifest for one (template, cluster) (§3.2 steps 1-9): replica
 * revision, overrides, Karmada labels and annotations, retention of live
 * fields when @args->observed is set, pruning. *out is a new JSON object;
 * *applied (may be NULL) gets the override entries applied. Returns 0,
 * -EINVAL with @err filled when an overrider or the interpreter fails for
 * this cluster, -ENOMEM.
 */
int model_render_manifest(const struct model_render_args *args, json_t **out,
                          json_t **applied, struct model_error *err);

#endif /* MODEL_OVERRIDE_H */
