/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The scheduler core: a pure function of (clusters, binding, reservations,
 * now) that reproduces Karmada's placement and replica division as written
 * down in shared/spec/scheduler.md. Every step is exported so the
 * conformance runner can drive it the way Karmada's unit tests do; the
 * actor calls sched_schedule() only.
 *
 * Conventions: nothing here allocates with malloc except through the
 * caller's struct sched_arena; results point into that arena (or into the
 * inputs) and live until it is released. Functions are thread-safe for
 * distinct arenas. Step functions that can fail return 0 or a negative
 * errno and fill a struct sched_error:
 *   -ENODEV  no cluster fits (outcome NO_CLUSTER_FIT)
 *   -ENOSPC  not enough free replicas (outcome UNSCHEDULABLE)
 *   -EINVAL  any other scheduling error (outcome ERROR)
 *   -ENOMEM  the arena could not grow
 */
#ifndef SCHED_CORE_H
#define SCHED_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sched/types.h"

/* ---- arena ---- */

/* Starts an empty arena. */
void sched_arena_init(struct sched_arena *a);

/* Returns @size zeroed bytes aligned for any type, or NULL when out of memory. */
void *sched_arena_alloc(struct sched_arena *a, size_t size);

/* Copies @s into @a; NULL for NULL or when out of memory. */
char *sched_arena_strdup(struct sched_arena *a, const char *s);

/* printf into @a; NULL when out of memory. */
char *sched_arena_printf(struct sched_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Bytes handed out by @a since it was initialised or last reset. */
size_t sched_arena_used(const struct sched_arena *a);

/* Forgets everything allocated but keeps one chunk for reuse. */
void sched_arena_reset(struct sched_arena *a);

/* Frees everything; @a is empty afterwards. NULL-safe on an empty arena. */
void sched_arena_release(struct sched_arena *a);

/* Sets the feature gates to Karmada's defaults (§1.1). */
void sched_gates_init(struct sched_gates *g);

/* Fills @err with @outcome and a printf message and returns the matching
 * negative errno (see the table above). */
int sched_error_set(struct sched_error *err, enum sched_outcome outcome,
                    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- matching (§4.1, §4.2) ---- */

/* Kubernetes label-selector semantics over @labels; see scheduler.md §4.1. */
bool sched_selector_matches(const struct sched_selector *s,
                            const struct sched_label *labels, size_t n);

/* The `zone` field-selector requirement @r against a cluster's zones. */
bool sched_zones_match(const struct sched_requirement *r, const char *const *zones,
                       size_t n);

/* ClusterMatches(cluster, affinity): exclude, labels, fields, names. */
bool sched_affinity_matches(const struct sched_cluster *c,
                            const struct sched_affinity *a);

/* True when @t tolerates @taint (effect, key, Equal/Exists). */
bool sched_toleration_tolerates(const struct sched_toleration *t,
                                const struct sched_taint *taint);

/* True when @b counts as a workload (§2.2). */
bool sched_binding_is_workload(const struct sched_binding *b);

/* True when @name is in @b's current spec.clusters. */
bool sched_binding_targets(const struct sched_binding *b, const char *name);

/* ---- filters and scores (§4, §5) ---- */

/*
 * Each filter returns true when @c passes. On failure *reason is Karmada's
 * reason text (static or allocated in @a).
 */
bool sched_filter_api_enablement(const struct sched_binding *b,
                                 const struct sched_cluster *c,
                                 const char **reason);
bool sched_filter_taint_toleration(const struct sched_binding *b,
                                   const struct sched_cluster *c,
                                   struct sched_arena *a, const char **reason);
bool sched_filter_cluster_affinity(const struct sched_binding *b,
                                   const struct sched_cluster *c,
                                   const char **reason);
bool sched_filter_spread_constraint(const struct sched_binding *b,
                                    const struct sched_cluster *c,
                                    const char **reason);
bool sched_filter_cluster_eviction(const struct sched_binding *b,
                                   const struct sched_cluster *c,
                                   const char **reason);

/*
 * Runs every filter in Karmada's order (deleting clusters first). Returns
 * true when @c is feasible; else *filter names the first filter that
 * failed and *reason says why.
 */
bool sched_filter_all(const struct sched_binding *b, const struct sched_cluster *c,
                      struct sched_arena *a, const char **filter,
                      const char **reason);

/* ClusterLocality score: 100 when @c is already targeted, else 0. */
int64_t sched_score_locality(const struct sched_binding *b,
                             const struct sched_cluster *c);

/* ---- estimation (§6) ---- */

/*
 * Fills the cache of @s (free resources and allowed pods) so estimates
 * need not subtract three lists per decision. Call it again whenever the
 * lists change. Returns 0 or -ENOMEM (the cache then stays off).
 */
int sched_summary_prepare(struct sched_arena *a, struct sched_summary *s);

/* Allowed pods: allocatable - allocated - allocating pods, floored at 0. */
int64_t sched_estimate_allowed_pods(const struct sched_summary *s);

/*
 * Resource-only bound of the general estimator: how many replicas of
 * @request fit the summary (INT64_MAX when no resource limits it).
 */
int64_t sched_estimate_summary(const struct sched_summary *s,
                               const struct sched_resource_list *request);

/*
 * Adds the assumed workloads to @allocating (§6.4) and writes the new list
 * to *out (allocated in @a). Returns 0, -ENOMEM or -ERANGE.
 */
int sched_estimate_deduct(struct sched_arena *a,
                          const struct sched_resource_list *allocating,
                          const struct sched_assumed *assumed, size_t n_assumed,
                          struct sched_resource_list *out);

/*
 * Resource-model estimate for one template (§6.3): first-fit on virtual
 * nodes after the assumed workloads. Returns 0 with *out set, or -EINVAL
 * (no summary / model list, negative count) with *out = -1.
 */
int sched_estimate_models(struct sched_arena *a, const struct sched_cluster *c,
                          const struct sched_resource_list *request,
                          const struct sched_assumed *assumed, size_t n_assumed,
                          int64_t *out);

/*
 * Whole multi-template sets placed first-fit on the model nodes, capped at
 * @upper_bound (§6.5 last step). Same returns as sched_estimate_models().
 */
int sched_estimate_component_sets_models(
    struct sched_arena *a, const struct sched_cluster *c,
    const struct sched_component *comps, size_t n_comps,
    const struct sched_assumed *assumed, size_t n_assumed, int64_t upper_bound,
    int64_t *out);

/* Multi-template sets from the summary (and models) (§6.5). */
int64_t sched_estimate_component_sets(struct sched_arena *a,
                                      const struct sched_cluster *c,
                                      const struct sched_component *comps,
                                      size_t n_comps,
                                      const struct sched_assumed *assumed,
                                      size_t n_assumed,
                                      const struct sched_gates *g);

/*
 * The general estimator for one cluster (§6.2, or §6.5 for multi-template
 * bindings when the gate is on). @assumed lists the reservations on @c
 * only. Returns the free replicas, 0 when nothing fits.
 */
int64_t sched_estimate_general(struct sched_arena *a,
                               const struct sched_cluster *c,
                               const struct sched_binding *b,
                               const struct sched_assumed *assumed,
                               size_t n_assumed, const struct sched_gates *g);

/* ---- grouping, ordering and selection (§7, §8) ---- */

/* Sorts by overflowOrder ↑, score ↓, [available ↓,] name ↑ (stable). */
void sched_candidates_sort(struct sched_candidate *c, size_t n,
                           bool compare_available);

/* Group score (§7.3) of @n clusters in their given order. */
int64_t sched_group_score(const struct sched_binding *b,
                          const struct sched_candidate *c, size_t n,
                          int32_t min_groups);

/* The Duplicated form of the group score. */
int64_t sched_group_score_duplicated(int32_t replicas,
                                     const struct sched_candidate *c, size_t n);

/* How many topology groups of each kind were built (§7.2). */
struct sched_group_counts {
    size_t zones;
    size_t regions;
    size_t providers;
};

/* True when spread constraints do not take part in selection (§8.1). */
bool sched_spread_ignored(const struct sched_binding *b);

/* Counts the topology groups §7.2 builds for sorted candidates @c. */
void sched_group_count(const struct sched_binding *b,
                       const struct sched_candidate *c, size_t n,
                       struct sched_group_counts *out);

/* A group offered to sched_select_groups(). */
struct sched_group {
    const char *name;
    int64_t value;
    int64_t weight;
};

/*
 * selectGroups (§8.4): writes the chosen groups' indexes into @groups
 * (best first) to *out (allocated in @a) and their number to *n_out (0 =
 * no feasible selection). @groups is reordered. Returns 0, -ENOMEM, or
 * -E2BIG when the enumeration would visit more than two million nodes.
 */
int sched_select_groups(struct sched_arena *a, struct sched_group *groups,
                        size_t n, int32_t min_groups, int32_t max_groups,
                        int64_t target, struct sched_group **out, size_t *n_out);

/* A region with its clusters in §7.1 order and its group score. */
struct sched_region {
    const char *name;
    int64_t score;
    struct sched_candidate *clusters;
    size_t n_clusters;
};

/*
 * Select by region (§8.3). @cluster may be NULL (no cluster constraint).
 * Writes the chosen clusters to *out / *n_out. Returns 0 or -EINVAL.
 */
int sched_select_by_region(struct sched_arena *a,
                           const struct sched_spread *region,
                           const struct sched_spread *cluster,
                           struct sched_region *regions, size_t n_regions,
                           struct sched_candidate **out, size_t *n_out,
                           struct sched_error *err);

/*
 * Select by cluster (§8.2) from @c in §7.1 order; @need -1 ignores
 * capacity. Returns 0 or -EINVAL.
 */
int sched_select_by_cluster(struct sched_arena *a, const struct sched_spread *s,
                            const struct sched_candidate *c, size_t n,
                            int64_t need, struct sched_candidate **out,
                            size_t *n_out, struct sched_error *err);

/*
 * Candidate selection (§8.1) over @c already in §7.1 order, needing @need
 * replicas (the caller passes spec.replicas, or 1 for multi-template).
 */
int sched_select_best(struct sched_arena *a, const struct sched_binding *b,
                      const struct sched_candidate *c, size_t n, int64_t need,
                      struct sched_candidate **out, size_t *n_out,
                      struct sched_error *err);

/* ---- replica assignment (§9, §10) ---- */

/* How Webster breaks exact priority ties (§10.2). */
enum sched_tie {
    SCHED_TIE_ASCENDING,         /* fewer seats, then name ascending */
    SCHED_TIE_DESCENDING,        /* fewer seats, then name descending */
    SCHED_TIE_NAME_ASCENDING,    /* name ascending only */
    SCHED_TIE_NAME_DESCENDING,   /* name descending only */
};

/* The UID-seeded tie order (§10.3): FNV-1a-32 odd ⇒ descending. */
enum sched_tie sched_tie_from_uid(const char *uid);

struct sched_party {
    const char *name;
    int64_t votes;
    int64_t seats; /* initial seats in, final seats out */
};

/*
 * Hands out @seats one at a time by Sainte-Laguë priority
 * votes / (2·seats + 1) in IEEE double, ties by @tie; then sorts @p by name
 * ascending. Party names must be unique. O(seats · log n); more than 256
 * parties take malloc'd scratch (a plain scan if that fails).
 */
void sched_webster(struct sched_party *p, size_t n, int64_t seats,
                   enum sched_tie tie);

/*
 * The dispenser (§10.4): @init (may be empty) plus @new_replicas divided by
 * @weights. Writes every party, sorted by name, to *out. Returns 0 or
 * -ENOMEM.
 */
int sched_dispense(struct sched_arena *a, int64_t new_replicas,
                   const struct sched_target *init, size_t n_init,
                   const struct sched_party *weights, size_t n_weights,
                   const char *uid, struct sched_target **out, size_t *n_out);

/* An assignment: a list of targets. */
struct sched_assignment {
    struct sched_target *items;
    size_t n;
};

/* Duplicated (§9.4): every candidate gets spec.replicas. */
int sched_assign_duplicated(struct sched_arena *a, const struct sched_binding *b,
                            const struct sched_candidate *c, size_t n,
                            struct sched_assignment *out);

/* Static weights (§9.5); zeros kept, sorted by name. */
int sched_assign_static(struct sched_arena *a, const struct sched_binding *b,
                        const struct sched_candidate *c, size_t n,
                        struct sched_assignment *out);

/* Dynamic weights or Aggregated (§9.6); zeros kept. */
int sched_assign_dynamic(struct sched_arena *a, const struct sched_binding *b,
                         const struct sched_candidate *c, size_t n,
                         bool aggregated, struct sched_assignment *out,
                         struct sched_error *err);

/*
 * The §9.6 "divide" step on an ordered list @avail (name, free replicas):
 * @target seats, merged with @scheduled. Returns 0, -ENOSPC or -ENOMEM.
 */
int sched_divide(struct sched_arena *a, bool aggregated, int64_t target,
                 const struct sched_target *avail, size_t n_avail,
                 const struct sched_target *scheduled, size_t n_scheduled,
                 const char *uid, struct sched_assignment *out,
                 struct sched_error *err);

/* Whole assignment (§9.1–9.3 with overflow tiers and zero removal). */
int sched_assign(struct sched_arena *a, const struct sched_binding *b,
                 const struct sched_candidate *c, size_t n,
                 const struct sched_gates *g, struct sched_assignment *out,
                 struct sched_error *err);

/* Appends every candidate missing from @io with 0 replicas (§9.8). */
int sched_attach_zero(struct sched_arena *a, const struct sched_candidate *c,
                      size_t n, struct sched_assignment *io);

/* Overflow order of @c for @b (§9.2). */
int32_t sched_overflow_order(const struct sched_binding *b,
                             const struct sched_cluster *c);

/* ---- one pass and the clusterAffinities loop (§3) ---- */

/* The inputs of a decision. */
struct sched_input {
    const struct sched_cluster *clusters;
    size_t n_clusters;
    const struct sched_binding *binding;
    const struct sched_assumed *assumed; /* reservations, any cluster */
    size_t n_assumed;
    bool assumed_sorted; /* assumed[] is sorted by cluster name: bsearch */
    struct sched_gates gates;
    int64_t now_ns;
    bool use_given; /* honour sched_cluster.given (vectors, tools) */
};

/* What one pass (or the whole decision) produced. */
struct sched_decision {
    struct sched_assignment assignment;
    bool write;                    /* patch spec.clusters with assignment */
    const char *observed_affinity; /* schedulerObservedAffinityName after */
    struct sched_verdict *excluded; /* filtered out, or not selected */
    size_t n_excluded;
    const char **tried; /* clusterAffinities terms tried, in order */
    size_t n_tried;
    struct sched_error error; /* outcome SUCCESS when it worked */
};

/*
 * Builds the candidates: filters every cluster, scores, estimates and
 * sorts them (§3.3 up to §7.1). Excluded clusters are appended to
 * @d->excluded. Returns 0, -ENODEV or -ENOMEM.
 */
int sched_candidates_build(struct sched_arena *a, const struct sched_input *in,
                           const struct sched_binding *b,
                           struct sched_candidate **out, size_t *n_out,
                           struct sched_decision *d);

/* One scheduling pass (§3.3) for @b. */
int sched_pass(struct sched_arena *a, const struct sched_input *in,
               const struct sched_binding *b, struct sched_decision *d);

/* Start index of the clusterAffinities loop (§3.2 step 1). */
size_t sched_affinities_start(const struct sched_binding *b);

/* A scheduling pass the loop calls; @b carries the term's name. */
typedef int sched_pass_fn(void *ctx, struct sched_arena *a,
                          const struct sched_binding *b,
                          struct sched_decision *d);

/*
 * The §3.2 driver: without clusterAffinities one pass; with them the
 * ordered fall-through. @pass NULL uses sched_pass() with @in.
 */
int sched_affinities_run(struct sched_arena *a, const struct sched_input *in,
                         sched_pass_fn *pass, void *ctx,
                         struct sched_decision *d);

/*
 * The whole decision for in->binding: the clusterAffinities loop around
 * passes. Returns 0 or a negative errno as above; @d says what to write
 * and, for every cluster left out, which filter and why.
 */
int sched_schedule(struct sched_arena *a, const struct sched_input *in,
                   struct sched_decision *d);

/* ---- policy validation (§2.3) ---- */

/*
 * Checks @p the way Karmada's policy webhook does (§2.3): group bounds,
 * spread fields (each at most once, a cluster constraint whenever a field
 * is used), field-selector keys and operators, overflow affinities only
 * with dynamic-weight or aggregated division, unique affinity names,
 * clusterAffinity and clusterAffinities not both. Returns 0, or -EINVAL
 * with "placement.<field>: <what is wrong>" in @err. The conformance
 * vectors are not validated: Karmada's unit tests bypass the webhook.
 */
int sched_placement_validate(const struct sched_placement *p, char *err,
                             size_t errlen);

/* ---- re-scheduling triggers (docs/scheduler.md) ---- */

/* What changed between two versions of a cluster. */
enum sched_cluster_change {
    SCHED_CHANGE_ADDED = 1u << 0,
    SCHED_CHANGE_REMOVED = 1u << 1,
    SCHED_CHANGE_DELETING = 1u << 2, /* deletion started */
    SCHED_CHANGE_TOPOLOGY = 1u << 3, /* labels, provider, region, zone(s) */
    SCHED_CHANGE_TAINTS = 1u << 4,
    SCHED_CHANGE_APIS = 1u << 5,
    SCHED_CHANGE_SUMMARY = 1u << 6, /* resource summary or models */
};

/*
 * Compares two versions of one cluster; @old NULL means added, @new NULL
 * removed. Returns a mask of enum sched_cluster_change (0: nothing the
 * scheduler reads changed).
 */
unsigned sched_cluster_diff(const struct sched_cluster *old,
                            const struct sched_cluster *new_);

/*
 * True when a cluster change described by @change (from
 * sched_cluster_diff() of @old → @new_) must make @b be decided again:
 * bindings that target the cluster on removal, deletion, topology, taint or
 * API changes; bindings whose affinity matches the cluster before or after
 * on addition or topology changes; bindings of a kind whose API appeared;
 * and @unschedulable bindings on any change. A summary-only change affects
 * nothing else (Steady mode).
 */
bool sched_binding_affected(const struct sched_binding *b,
                            const struct sched_cluster *old,
                            const struct sched_cluster *new_, unsigned change,
                            bool unschedulable);

#endif /* SCHED_CORE_H */
