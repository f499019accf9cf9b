/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The executor: a deterministic core that decides what each member cluster
 * should hold for each binding (docs/executor.md). It reads the bindings,
 * the scheduler's decisions, eviction releases, cluster health and what the
 * member agents report, and publishes one WorkSpec per (cluster, binding) on
 * work.spec.<cluster>.<ns>.<binding>: the manifest rendered by the object
 * model for that cluster, or a delete with its reason. The member agent
 * applies it; the executor itself does no I/O.
 */
#ifndef EXECUTOR_EXECUTOR_H
#define EXECUTOR_EXECUTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "actor/actor.h"

struct cfg;

/* The label on every Namespace Flotilla creates in a member. */
#define EXECUTOR_MANAGED_LABEL "flotilla.io/managed"

struct executor_config {
    /* deadAfter: a cluster Unknown this long is fenced (10m). */
    int64_t dead_after_ns;
    /*
     * Delete a namespace Flotilla created once no binding placed in the
     * member needs it (the member agent deletes it only when it holds no
     * object Flotilla does not own). Default false: leave it.
     */
    bool delete_empty_namespaces;
};

/* Fills @c with the defaults (deadAfter 10m, leave namespaces). */
void executor_config_init(struct executor_config *c);

/*
 * The config `flotilla run` hands the core, from the daemon's settings
 * (deadAfter). Returns a pointer to static storage.
 */
const void *executor_config_from_cfg(const struct cfg *c);

/* The core; its config is a const struct executor_config * (may be NULL). */
extern const struct actor_core executor_core;

struct executor_state;

/*
 * The StatefulSet ordinals (cluster @cluster, binding @ns/@binding) as last
 * published: *start = spec.ordinals.start, *count = replicas. Returns 0,
 * -ENOENT when there is no WorkSpec for it or it is not a StatefulSet
 * divided over members, -ESTALE when the copy is being deleted.
 */
int executor_ordinals(const struct executor_state *s, const char *ns,
                      const char *binding, const char *cluster,
                      int32_t *start, int32_t *count);

/*
 * For `describe`: "<cluster>=<first>-<last> ..." for every member that
 * holds ordinals of binding @ns/@binding, sorted by cluster, into @buf.
 * Returns the number of members listed (0: none), or -ENOSPC.
 */
int executor_ordinals_describe(const struct executor_state *s, const char *ns,
                               const char *binding, char *buf, size_t len);

/*
 * The last WorkSpec published for (@cluster, @ns, @binding), owned by the
 * state (valid until the next step), or NULL.
 */
const Flotilla__V1__WorkSpec *
executor_work(const struct executor_state *s, const char *cluster,
              const char *ns, const char *binding);

/* ---- ordinal assignment (pure; exported for tests) ---- */

/* One member's part of a StatefulSet divided over members. */
struct executor_ordinal_slot {
    const char *cluster;
    /* The range the member holds now (its pods may still run). */
    bool had;
    int32_t old_start;
    int32_t old_count;
    /* Whether it gets a range now, and its size. */
    bool wants;
    int32_t count;
    /* Out: the first ordinal of its range (valid when wants). */
    int32_t start;
};

/*
 * Assigns each wanting slot a range [start, start+count) disjoint from
 * every other slot's old range and from every other new range, starting at
 * @base: a slot keeps its start when its range shrinks or stays, or grows
 * without touching another's; the others get the lowest free start, in
 * cluster-name order. Deterministic for the same input. Returns 0 or
 * -ENOMEM.
 */
int executor_ordinals_assign(struct executor_ordinal_slot *slots, size_t n,
                             int32_t base);

#endif /* EXECUTOR_EXECUTOR_H */
