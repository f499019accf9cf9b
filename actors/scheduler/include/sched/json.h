/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Decoding the vector-style JSON of shared/testdata/scheduler-vectors.json
 * (scheduler.md §1.1) into the core's structs: clusters, a binding with a
 * Karmada placement (Karmada's own field names), assumed workloads, feature
 * gates. Used by `flotilla conformance scheduler` and `flotilla schedule`.
 *
 * Every decoder allocates into @a and, on bad input, returns -EINVAL and
 * writes "<path>: <what is wrong>" into @err (@errlen bytes), where path
 * names the field, e.g. "input.clusters[2].resource_summary.allocatable.cpu".
 * Nothing is written to *out on error. Not thread-safe on a shared arena.
 */
#ifndef SCHED_JSON_H
#define SCHED_JSON_H

#include <jansson.h>

#include "sched/core.h"

/* Error sink shared by the decoders. */
struct sched_json_ctx {
    struct sched_arena *a;
    char *err;
    size_t errlen;
};

/* One Cluster object (§1.1). */
int sched_json_cluster(struct sched_json_ctx *cx, json_t *j, const char *path,
                       struct sched_cluster *out);

/* An array of Cluster objects; a missing array (NULL) gives 0 clusters. */
int sched_json_clusters(struct sched_json_ctx *cx, json_t *j, const char *path,
                        struct sched_cluster **out, size_t *n_out);

/* A Binding object (§1.1); NULL decodes as an empty binding. */
int sched_json_binding(struct sched_json_ctx *cx, json_t *j, const char *path,
                       struct sched_binding *out);

/* A ClusterAffinity (or a clusterAffinities term when @term). */
int sched_json_affinity(struct sched_json_ctx *cx, json_t *j, const char *path,
                        bool term, struct sched_affinity *out);

/* A spread constraint {spreadByField, spreadByLabel, maxGroups, minGroups}. */
int sched_json_spread(struct sched_json_ctx *cx, json_t *j, const char *path,
                      struct sched_spread *out);

/* {resourceName: quantity} into a resource list. */
int sched_json_resources(struct sched_json_ctx *cx, json_t *j, const char *path,
                         struct sched_resource_list *out);

/* [{name, replicas, resourceRequest}] components. */
int sched_json_components(struct sched_json_ctx *cx, json_t *j,
                          const char *path, struct sched_component **out,
                          size_t *n_out);

/* [{name, replicas}] targets. */
int sched_json_targets(struct sched_json_ctx *cx, json_t *j, const char *path,
                       struct sched_target **out, size_t *n_out);

/* Assumed workloads [{namespace, components}] on @cluster, appended to
 * *out / *n_out (which may already hold some). */
int sched_json_assumed(struct sched_json_ctx *cx, json_t *j, const char *path,
                       const char *cluster, struct sched_assumed **out,
                       size_t *n_out);

/* {gateName: bool} over @out (start from sched_gates_init()). */
int sched_json_gates(struct sched_json_ctx *cx, json_t *j, const char *path,
                     struct sched_gates *out);

/* Reads an optional integer member @key of object @j into *out (unchanged
 * when absent). -EINVAL naming "path.key" when it is not an integer. */
int sched_json_int(struct sched_json_ctx *cx, json_t *j, const char *path,
                   const char *key, int64_t *out);

/* Formats an error into cx->err and returns -EINVAL. */
int sched_json_fail(struct sched_json_ctx *cx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif /* SCHED_JSON_H */
