/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The scheduler actor: the single owner of every binding's placement.
 *
 * Inputs: cluster.spec.*, cluster.status.*, cluster.taint.* (the fleet),
 * binding.spec.*.* (what to place), binding.evict.*.*.* (requests to move a
 * binding off a cluster) and binding.release.*.*.* (graceful eviction let an
 * old copy go). Output: binding.schedule.<ns>.<binding>, the full
 * assignment with eviction tasks, blocked evictions, the clusters left out
 * and why, and its causation.
 *
 * Re-scheduling triggers (docs/scheduler.md has the table): a binding's spec
 * changes -> that binding; a cluster's taints, labels, API enablements or
 * existence change -> every binding, each of which reschedules only when
 * Karmada's rules say so (placement changed, replica total wrong, manual
 * rebalance, Duplicated or non-workload, a target being deleted) or when it
 * was unschedulable or has a blocked eviction; a resource-summary-only
 * change -> only the unschedulable ones and the blocked evictions.
 *
 * Evictions are two-phase: an eviction request is accepted only when the
 * evicted cluster's replicas all fit elsewhere; otherwise it is recorded as
 * blocked, the placement is kept, the binding is marked unschedulable, and
 * the request is retried when clusters change. The last running copy of a
 * workload is therefore never removed because of a failure. A policy change
 * that selects no cluster is the user's intent and is honoured.
 *
 * Decisions made in a burst account for the capacity earlier decisions
 * handed out (reservations): a reservation ends when its cluster reports a
 * resource summary newer than the decision, or after reservationTimeout.
 */
#ifndef SCHED_ACTOR_H
#define SCHED_ACTOR_H

#include <stdint.h>

#include "actor/actor.h"

struct sched_actor_config {
    int64_t reservation_timeout_ns; /* 0 = 60 s */
};

extern const struct actor_core sched_actor_core;

struct sched_actor_state;

/* For tests and describe: the last decision the actor holds for "ns/name". */
const Flotilla__V1__ScheduleDecision *
sched_actor_decision(struct sched_actor_state *s, const char *key);

/* Number of reservations currently held. */
size_t sched_actor_reservations(struct sched_actor_state *s);

#endif /* SCHED_ACTOR_H */
