/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The native resource interpreter of Karmada for the built-in kinds
 * (interpreter.md): replicas and replica requirements, replica revision,
 * retention of live fields, status reflection, health, status aggregation,
 * dependencies and pruning. All functions are pure: JSON in, JSON out.
 * Rules are keyed by (apiVersion, kind) exactly as Karmada keys them (§1.2).
 */
#ifndef MODEL_INTERP_H
#define MODEL_INTERP_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "proto/flotilla.pb-c.h"

enum model_health {
    MODEL_HEALTH_HEALTHY,
    MODEL_HEALTH_UNHEALTHY,
    MODEL_HEALTH_UNKNOWN,
};

/* "Healthy", "Unhealthy", "Unknown". */
const char *model_health_name(enum model_health h);

/* True when (apiVersion, kind) of @obj has a GetReplicas rule (§1.5). */
bool model_interp_has_replicas(const json_t *obj);

/*
 * GetReplicas (§3.1, §4): *replicas and *req (NULL when the requirements
 * are null; free with protobuf_c_message_free_unpacked). Returns 0,
 * -ENOENT when the kind has no rule (*replicas = 0, *req = NULL: not a
 * workload), -EINVAL when a field has the wrong type or a quantity does not
 * parse (@why, if not NULL, gets a message of @why_len bytes), -ENOMEM.
 */
int model_interp_replicas(const json_t *obj, int32_t *replicas,
                          Flotilla__V1__ReplicaRequirements **req,
                          char *why, size_t why_len);

/*
 * ReviseReplica (§3.2): writes @count into spec.replicas (Deployment,
 * ReplicaSet, StatefulSet) or spec.parallelism (Job) of @manifest when the
 * field already exists. Returns 0 (also when nothing was written), -ENOENT
 * when the kind has no revise rule, -EINVAL when the field is not an
 * integer.
 */
int model_interp_revise_replicas(json_t *manifest, int64_t count);

/*
 * InterpretHealth (§3.9, §4) of the member object @observed. Kinds without a
 * rule are Healthy; a rule failing on a mistyped field gives Unknown.
 */
enum model_health model_interp_health(const json_t *observed);

/*
 * ReflectStatus (§3.5, §4): *out is the status to record (NULL for null).
 * Returns 0 or -EINVAL (status not an object, generation annotation missing
 * or not a number for the apps/v1 workloads), -ENOMEM.
 */
int model_interp_reflect_status(const json_t *observed, json_t **out);

/* One cluster's entry for aggregation (§3.9). */
struct model_status_item {
    const char *cluster;
    /* Reflected status (borrowed), NULL when not applied or not reflected. */
    const json_t *status;
};

/*
 * AggregateStatus (§3.6, §4): writes the aggregated .status into @tmpl
 * (modified in place) from @n items sorted by cluster name. @now_rfc3339 is
 * the clock used for new Job condition times. Returns 0 (also when the kind
 * has no rule: nothing changes), -EINVAL on mistyped input, -ENOMEM.
 */
int model_interp_aggregate_status(json_t *tmpl,
                                  const struct model_status_item *items,
                                  size_t n, const char *now_rfc3339);

/*
 * GetDependencies (§3.7, §4): *out is a new JSON array of
 * {apiVersion, kind, namespace, name} in Karmada's order (ConfigMaps,
 * Secrets, ServiceAccounts, PVCs; sorted by name within a kind). Kinds
 * without a rule give an empty array. Returns 0, -EINVAL (Ingress TLS entry
 * without secretName), -ENOMEM.
 */
int model_interp_dependencies(const json_t *obj, json_t **out);

/*
 * Retain (§3.3 and the kind rules of §4): copies into @desired what the
 * member owns in @observed. Returns 0, -EINVAL (e.g. retain-replicas label
 * with an observed Deployment without spec.replicas), -ENOMEM.
 */
int model_interp_retain(json_t *desired, const json_t *observed);

/* Pruning of §3.4 applied to @manifest in place. Returns 0 or -ENOMEM. */
int model_interp_prune(json_t *manifest);

#endif /* MODEL_INTERP_H */
