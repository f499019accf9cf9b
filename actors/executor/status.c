/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Aggregated binding status (include/executor/status.h): the freshness rule
 * of spec/scenarios.md over the placement, the cluster statuses and the
 * members' WorkStatuses.
 */
#include "executor/status.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *
cluster_ready(Flotilla__V1__ClusterStatus *const *clusters, size_t n,
              const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (clusters[i] != NULL && strcmp(clusters[i]->name, name) == 0) {
            return clusters[i]->ready[0] ? clusters[i]->ready : "Unknown";
        }
    }
    return "Unknown";
}

static struct executor_status_member *
find(struct executor_status *s, const char *cluster)
{
    for (size_t i = 0; i < s->n_members; i++) {
        if (strcmp(s->members[i].cluster, cluster) == 0) {
            return &s->members[i];
        }
    }
    return NULL;
}

static void
add_report(struct executor_status_member *m, const Flotilla__V1__WorkStatus *w)
{
    m->reported = true;
    m->reported_ready = w->ready_replicas;
    m->last_report_ns = w->observed_ns;
}

int
executor_status_aggregate(const Flotilla__V1__ScheduleDecision *d,
                          Flotilla__V1__ClusterStatus *const *clusters,
                          size_t n_clusters,
                          Flotilla__V1__WorkStatus *const *works,
                          size_t n_works, struct executor_status *out)
{
    size_t n_placed = d != NULL ? d->n_clusters : 0;

    memset(out, 0, sizeof(*out));
    out->members = calloc(n_placed + n_works + 1, sizeof(*out->members));
    if (out->members == NULL) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < n_placed; i++) {
        struct executor_status_member *m = find(out, d->clusters[i]->name);

        if (m == NULL) {
            m = &out->members[out->n_members++];
            m->cluster = d->clusters[i]->name;
            m->in_placement = true;
        }
        m->want_replicas += d->clusters[i]->replicas;
        out->want_replicas += d->clusters[i]->replicas;
    }
    for (size_t i = 0; i < n_works; i++) {
        struct executor_status_member *m;

        if (works[i] == NULL || works[i]->cluster[0] == '\0') {
            continue;
        }
        m = find(out, works[i]->cluster);
        if (m == NULL) {
            m = &out->members[out->n_members++];
            m->cluster = works[i]->cluster;
        }
        add_report(m, works[i]);
    }
    for (size_t i = 0; i < out->n_members; i++) {
        struct executor_status_member *m = &out->members[i];

        m->cluster_ready = cluster_ready(clusters, n_clusters, m->cluster);
        m->stale = m->reported && strcmp(m->cluster_ready, "True") != 0;
        m->ready_replicas = m->reported && !m->stale ? m->reported_ready : 0;
        /* as graceful eviction counts it: at most what is placed there */
        if (m->ready_replicas < 0) {
            m->ready_replicas = 0;
        }
        if (m->in_placement && m->want_replicas > 0 &&
            m->ready_replicas > m->want_replicas) {
            m->ready_replicas = m->want_replicas;
        }
        if (m->in_placement) {
            out->ready_replicas += m->ready_replicas;
            out->n_stale += m->stale ? 1 : 0;
        }
    }
    return 0;
}

void
executor_status_release(struct executor_status *s)
{
    if (s == NULL) {
        return;
    }
    free(s->members);
    memset(s, 0, sizeof(*s));
}

const struct executor_status_member *
executor_status_member(const struct executor_status *s, const char *cluster)
{
    for (size_t i = 0; s != NULL && i < s->n_members; i++) {
        if (strcmp(s->members[i].cluster, cluster) == 0) {
            return &s->members[i];
        }
    }
    return NULL;
}
