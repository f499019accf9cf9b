/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Conversion between the bus schemas (proto/flotilla.proto) and the core's
 * structs: what the scheduler actor does with every ClusterSpec,
 * ClusterStatus, ClusterTaints and BindingSpec it consumes, and with the
 * decision it publishes.
 *
 * The results borrow nothing from the protobuf messages: every string and
 * array is copied into @a, so the messages may be freed right after.
 * Errors return -EINVAL with "<field>: <what is wrong>" in @err, or -ENOMEM.
 */
#ifndef SCHED_FROM_PROTO_H
#define SCHED_FROM_PROTO_H

#include <stddef.h>

#include "proto/flotilla.pb-c.h"
#include "sched/core.h"

/*
 * Builds the scheduler's view of one cluster. @spec is required; @status
 * (API enablements, resource summary) and @taints (the taint manager's full
 * set, which replaces spec.taints) may be NULL.
 */
int sched_cluster_from_proto(struct sched_arena *a,
                             const Flotilla__V1__ClusterSpec *spec,
                             const Flotilla__V1__ClusterStatus *status,
                             const Flotilla__V1__ClusterTaints *taints,
                             struct sched_cluster *out, char *err,
                             size_t errlen);

/*
 * Builds the binding from its spec and the scheduler's own last decision
 * for it (@last may be NULL before the first one): spec.clusters, the
 * eviction tasks and the observed affinity come from the decision. Fresh
 * mode holds when reschedule_triggered_ns is later than the last schedule.
 * A Placement cannot tell an empty clusterAffinities list from none; an
 * empty list is read as none.
 */
int sched_binding_from_proto(struct sched_arena *a,
                             const Flotilla__V1__BindingSpec *spec,
                             const Flotilla__V1__ScheduleDecision *last,
                             struct sched_binding *out, char *err,
                             size_t errlen);

/*
 * Fills @out (initialised by the caller with FLOTILLA__V1__SCHEDULE_DECISION
 * __INIT) from @d: clusters, excluded clusters with filter and reason,
 * schedulable, reason (Success, NoClusterFit, Unschedulable, Error),
 * message and observed affinity. Pointers in @out point into @a (and @d);
 * pack it before releasing the arena and never free it with protobuf-c.
 */
int sched_decision_to_proto(struct sched_arena *a, const struct sched_decision *d,
                            Flotilla__V1__ScheduleDecision *out);

#endif /* SCHED_FROM_PROTO_H */
