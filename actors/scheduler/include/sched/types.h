/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The scheduler core's own data model: clusters, a binding with its
 * placement, reservations (assumed workloads) and the result. Plain C
 * structs, no protobuf: the actor converts from the bus schemas
 * (sched/from_proto.h), the conformance runner from test-vector JSON
 * (sched/json.h). Strings and arrays are borrowed: they live in whatever
 * built the struct (usually a struct sched_arena) and the core never frees
 * them. Field names follow Karmada's (scheduler.md §2).
 */
#ifndef SCHED_TYPES_H
#define SCHED_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/quantity.h"

/* Free replicas when nothing limits them (Go's math.MaxInt32). */
#define SCHED_REPLICAS_MAX INT32_MAX

/* A bump allocator; everything one decision or one decoded file needs. */
struct sched_arena_chunk;
struct sched_arena {
    struct sched_arena_chunk *head;
};

struct sched_label {
    const char *key;
    const char *value;
};

struct sched_resource {
    const char *name;
    struct util_quantity q;
};

struct sched_resource_list {
    struct sched_resource *items;
    size_t n;
};

enum sched_op {
    SCHED_OP_IN,
    SCHED_OP_NOT_IN,
    SCHED_OP_EXISTS,
    SCHED_OP_DOES_NOT_EXIST,
    SCHED_OP_GT,
    SCHED_OP_LT,
    SCHED_OP_INVALID, /* unknown operator text: the requirement never matches */
};

struct sched_requirement {
    const char *key;
    enum sched_op op;
    const char **values;
    size_t n_values;
};

/* A Kubernetes label selector; present = false means "no selector". */
struct sched_selector {
    bool present;
    struct sched_label *match_labels;
    size_t n_match_labels;
    struct sched_requirement *exprs;
    size_t n_exprs;
};

/* ClusterAffinity, or a clusterAffinities term (name + overflow list). */
struct sched_affinity {
    const char *name; /* affinityName; NULL for a plain clusterAffinity */
    struct sched_selector labels;
    bool has_field_selector;
    struct sched_requirement *fields;
    size_t n_fields;
    const char **names;
    size_t n_names;
    const char **exclude;
    size_t n_exclude;
    struct sched_affinity *overflow; /* overflowAffinities of a term */
    size_t n_overflow;
};

struct sched_taint {
    const char *key;
    const char *value;
    const char *effect; /* NoSchedule, PreferNoSchedule, NoExecute */
};

struct sched_toleration {
    const char *key;
    const char *op; /* "", Equal, Exists (Lt/Gt never match) */
    const char *value;
    const char *effect; /* "" = every effect */
};

enum sched_spread_field {
    SCHED_SPREAD_CLUSTER,
    SCHED_SPREAD_REGION,
    SCHED_SPREAD_ZONE,
    SCHED_SPREAD_PROVIDER,
    SCHED_SPREAD_LABEL, /* spreadByLabel: accepted, never filters or groups */
};

struct sched_spread {
    enum sched_spread_field field;
    const char *label;
    int32_t max_groups;
    int32_t min_groups;
};

struct sched_static_weight {
    struct sched_affinity target;
    int64_t weight;
};

struct sched_placement {
    struct sched_affinity *cluster_affinity; /* NULL when absent */
    bool has_terms;                          /* clusterAffinities non-nil */
    struct sched_affinity *terms;
    size_t n_terms;
    struct sched_toleration *tolerations;
    size_t n_tolerations;
    struct sched_spread *spreads;
    size_t n_spreads;
    bool has_replica_scheduling;
    const char *rs_type;  /* replicaSchedulingType: Duplicated, Divided */
    const char *division; /* replicaDivisionPreference: Aggregated, Weighted */
    bool has_weight_preference;
    struct sched_static_weight *static_weights;
    size_t n_static_weights;
    const char *dynamic_weight; /* "" or AvailableReplicas */
};

/* A pod template of a multi-template workload, or of an assumed workload. */
struct sched_component {
    const char *name;
    int32_t replicas;
    bool has_request;
    struct sched_resource_list request;
};

/* One entry of a scheduling result (spec.clusters). */
struct sched_target {
    const char *name;
    int32_t replicas;
    struct sched_component *components; /* per-component list, or NULL */
    size_t n_components;
};

struct sched_binding {
    const char *uid; /* resource template UID, "" if unset: drives ties */
    const char *api_version;
    const char *kind;
    const char *namespace;
    const char *name;
    int32_t replicas;
    bool has_requirements; /* replicaRequirements declared */
    struct sched_resource_list requests;
    struct sched_component *components;
    size_t n_components;
    struct sched_target *targets; /* current spec.clusters */
    size_t n_targets;
    bool has_placement;
    struct sched_placement placement;
    const char **evicting; /* gracefulEvictionTasks[].fromCluster */
    size_t n_evicting;
    const char *observed_affinity; /* status.schedulerObservedAffinityName */
    bool fresh; /* manual reschedule newer than the last schedule */
};

struct sched_api {
    const char *group_version;
    const char **kinds;
    size_t n_kinds;
};

struct sched_model_range {
    const char *name;
    struct util_quantity min;
    struct util_quantity max;
};

struct sched_model {
    uint32_t grade;
    struct sched_model_range *ranges;
    size_t n_ranges;
};

struct sched_modeling {
    uint32_t grade;
    int64_t count;
};

struct sched_summary {
    struct sched_resource_list allocatable;
    struct sched_resource_list allocated;
    struct sched_resource_list allocating;
    struct sched_modeling *modelings;
    size_t n_modelings;
    /*
     * Optional cache filled by sched_summary_prepare(): allocatable -
     * allocated - allocating per allocatable resource, and the allowed
     * pods. Estimates read it when `prepared` and compute from the lists
     * otherwise; the results are the same.
     */
    bool prepared;
    int64_t free_pods;
    struct sched_resource_list free;
};

/*
 * Details a caller may impose instead of letting the core compute them:
 * the conformance vectors hand over already-scored clusters and estimator
 * results. The full pass ignores them unless SCHED_GIVEN is set.
 */
enum sched_given {
    SCHED_GIVEN_SCORE = 1u << 0,
    SCHED_GIVEN_ALLOCATABLE = 1u << 1,
    SCHED_GIVEN_AVAILABLE = 1u << 2,
    SCHED_GIVEN_OVERFLOW = 1u << 3,
};

struct sched_cluster {
    const char *name;
    struct sched_label *labels;
    size_t n_labels;
    const char *provider;
    const char *region;
    const char *zone;
    const char **zones;
    size_t n_zones;
    struct sched_taint *taints;
    size_t n_taints;
    struct sched_api *apis;
    size_t n_apis;
    bool has_summary;
    struct sched_summary summary;
    struct sched_model *models;
    size_t n_models;
    bool deleting;
    unsigned given; /* enum sched_given bits */
    int64_t given_score;
    int64_t given_allocatable;
    int64_t given_available;
    int32_t given_overflow;
};

/* A workload placed by an earlier decision that its cluster has not yet
 * reported (Karmada's assumed workload; our reservation). */
struct sched_assumed {
    const char *cluster;
    const char *namespace;
    struct sched_component *components;
    size_t n_components;
};

struct sched_gates {
    bool customized_modeling;      /* CustomizedClusterResourceModeling, on */
    bool overcommit_protection;    /* SchedulingOvercommitProtection, off */
    bool multiple_templates;       /* MultiplePodTemplatesScheduling, off */
    bool empty_workload_propagate; /* EnableEmptyWorkloadPropagation option */
};

/* A feasible cluster with what the scheduler knows about it (§7.1). */
struct sched_candidate {
    const struct sched_cluster *cluster;
    int64_t score;
    int64_t allocatable; /* estimator result */
    int64_t available;   /* allocatable + replicas already assigned there */
    int32_t overflow_order;
};

enum sched_outcome {
    SCHED_OUTCOME_SUCCESS,
    SCHED_OUTCOME_NO_CLUSTER_FIT, /* no cluster passed the filters */
    SCHED_OUTCOME_UNSCHEDULABLE,  /* not enough replicas; retried */
    SCHED_OUTCOME_ERROR,          /* policy or selection error; retried */
};

#define SCHED_MESSAGE_MAX 512

/* Why a step failed: the class and Karmada's message text. */
struct sched_error {
    enum sched_outcome outcome;
    char message[SCHED_MESSAGE_MAX];
};

/* A cluster left out, with the filter that did it and why. */
struct sched_verdict {
    const char *cluster;
    const char *filter; /* APIEnablement, TaintToleration, ClusterAffinity, ... */
    const char *reason;
};

#endif /* SCHED_TYPES_H */
