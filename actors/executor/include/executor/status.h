/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A binding's aggregated status with the freshness rule of
 * spec/scenarios.md: readyReplicas is the sum of the members' readyReplicas
 * over the clusters of the placement whose Ready is True; a report from a
 * cluster that is not Ready is stale, counts 0 and is shown with the time of
 * its last report, never as ready. A pure function of what the streams hold
 * (the ScheduleDecision, the ClusterStatuses, the WorkStatuses): no I/O, no
 * clock, so `flotilla get`, `describe` and the benchmark agree.
 */
#ifndef EXECUTOR_STATUS_H
#define EXECUTOR_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/flotilla.pb-c.h"

/* One member of a binding: a cluster of the placement or one reporting. */
struct executor_status_member {
    const char *cluster;    /* borrowed from the inputs */
    bool in_placement;      /* the placement names it */
    int32_t want_replicas;  /* what the placement gives it (0 if not placed) */
    bool reported;          /* a WorkStatus exists for it */
    int32_t reported_ready; /* readyReplicas the member last reported */
    int32_t ready_replicas; /* what counts: reported_ready, or 0 when stale,
                               at most want_replicas when placed */
    bool stale;             /* reported, but its cluster is not Ready */
    const char *cluster_ready; /* "True", "False", "Unknown"; "Unknown" when
                                  no ClusterStatus is known */
    int64_t last_report_ns; /* the report's observed_ns, 0 when none */
};

struct executor_status {
    int32_t want_replicas;  /* sum of the placement's replicas */
    int32_t ready_replicas; /* sum over fresh placed members */
    size_t n_stale;         /* placed members whose report is stale */
    size_t n_members;
    struct executor_status_member *members; /* placement order, then the
                                               reporting clusters not placed */
};

/*
 * Aggregates one binding. @d may be NULL (not scheduled: nothing wanted);
 * @clusters holds the ClusterStatus of any clusters (others are ignored,
 * a cluster without one is not Ready); @works the WorkStatuses of this
 * binding (one per cluster; NULL entries are skipped, a later one for the
 * same cluster replaces an earlier). A cluster that reports but is not in
 * the placement (an old copy being evicted) is listed and never counted.
 * Fills @out (release it with executor_status_release()). Returns 0 or
 * -ENOMEM.
 */
int executor_status_aggregate(const Flotilla__V1__ScheduleDecision *d,
                              Flotilla__V1__ClusterStatus *const *clusters,
                              size_t n_clusters,
                              Flotilla__V1__WorkStatus *const *works,
                              size_t n_works, struct executor_status *out);

/* Frees what executor_status_aggregate() allocated; accepts NULL. */
void executor_status_release(struct executor_status *s);

/*
 * The member of @s for @cluster, or NULL.
 */
const struct executor_status_member *
executor_status_member(const struct executor_status *s, const char *cluster);

#endif
