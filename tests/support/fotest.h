/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers for the failover cores' tests (taint-manager, graceful-eviction,
 * application-failover): publish the inputs those cores read into an
 * actor_sim and look at what they published.
 */
#ifndef SUPPORT_FOTEST_H
#define SUPPORT_FOTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "actor/sim.h"

/* Publishes cluster.status.<name> with Ready @ready since @since_ns. */
void fotest_status(struct actor_sim *sim, const char *name, const char *ready,
                   int64_t since_ns);

/* Publishes cluster.taint.<name>: "key:Effect@t_s" items, NULL-terminated. */
void fotest_taints(struct actor_sim *sim, const char *name,
                   const char *const *taints);

/*
 * Publishes binding.spec.<ns>.<name> with @replicas and tolerations given
 * as "key:Op:value:Effect:seconds" ("" for empty parts, seconds "-" for
 * none), NULL-terminated; @app_tol_s < 0: no application failover, else
 * its tolerationSeconds with @purge and state rules "alias=path" (NULL-
 * terminated, may be NULL). With @app_tol_s < 0 and @purge set, @purge and
 * @rules are failover.cluster's.
 */
void fotest_spec(struct actor_sim *sim, const char *ns, const char *name,
                 int replicas, bool duplicated, const char *const *tols,
                 int app_tol_s, const char *purge, const char *const *rules);

/*
 * Publishes binding.schedule.<ns>.<name>: placement "cluster=replicas"
 * items and eviction tasks "cluster:PurgeMode:grace_s:creation_s" (grace -1
 * for none), both NULL-terminated (NULL for none).
 */
void fotest_schedule(struct actor_sim *sim, const char *ns, const char *name,
                     const char *const *placement, const char *const *tasks);

/*
 * Publishes a ScheduleDecision with deleted set (the binding is gone) that
 * still lists @placement, as a careless producer might.
 */
void fotest_schedule_deleted(struct actor_sim *sim, const char *ns,
                             const char *name, const char *const *placement);

/* Publishes work.status.<cluster>.<ns>.<name>. */
void fotest_work(struct actor_sim *sim, const char *cluster, const char *ns,
                 const char *name, int replicas, int ready, bool applied,
                 const char *health, const char *status_json);

/* Messages published on subjects matching @pattern since the last reset. */
size_t fotest_count(const char *pattern);

/* Forgets the counts; installs the counting tap on @sim. */
void fotest_reset(struct actor_sim *sim);

/*
 * The last EvictionRequest on binding.evict.<ns>.<name>.<cluster>: returns
 * false when there is none, else fills @withdraw and @reason (≥ 64 bytes).
 */
bool fotest_last_request(struct actor_sim *sim, const char *ns,
                         const char *name, const char *cluster,
                         bool *withdraw, char *reason);

/* The outcome of the last EvictionRelease for the pair, or "" (static). */
const char *fotest_last_release(struct actor_sim *sim, const char *ns,
                                const char *name, const char *cluster);

/* The step of the last FailoverEvent for the pair, or "" (static). */
const char *fotest_last_record(struct actor_sim *sim, const char *ns,
                               const char *name, const char *cluster);

/* The value of @alias in the last request's preserved state, or "" (static). */
const char *fotest_preserved(struct actor_sim *sim, const char *ns,
                             const char *name, const char *cluster,
                             const char *alias);

#endif /* SUPPORT_FOTEST_H */
