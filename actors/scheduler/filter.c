/* SPDX-License-Identifier: Apache-2.0 */
/* Filter and score plugins (scheduler.md §4, §5) and overflow order (§9.2). */
#include "sched/core.h"

#include <string.h>

bool
sched_filter_api_enablement(const struct sched_binding *b,
                            const struct sched_cluster *c, const char **reason)
{
    if (sched_binding_targets(b, c->name)) {
        return true;
    }
    for (size_t i = 0; i < c->n_apis; i++) {
        const struct sched_api *api = &c->apis[i];

        if (b->api_version == NULL ||
            strcmp(api->group_version, b->api_version) != 0) {
            continue;
        }
        for (size_t k = 0; k < api->n_kinds; k++) {
            if (b->kind != NULL && strcmp(api->kinds[k], b->kind) == 0) {
                return true;
            }
        }
    }
    *reason = "cluster(s) did not have the API resource";
    return false;
}

static bool
taint_considered(const struct sched_taint *t)
{
    return t->effect != NULL && (strcmp(t->effect, "NoSchedule") == 0 ||
                                 strcmp(t->effect, "NoExecute") == 0);
}

/* "cluster(s) had untolerated taint {key=value:Effect}" without printf. */
static const char *
taint_reason(struct sched_arena *a, const struct sched_taint *t)
{
    static const char head[] = "cluster(s) had untolerated taint {";
    const char *key = t->key != NULL ? t->key : "";
    const char *value = t->value != NULL ? t->value : "";
    const char *effect = t->effect != NULL ? t->effect : "";
    size_t hk = sizeof(head) - 1, nk = strlen(key), nv = strlen(value);
    size_t ne = strlen(effect);
    char *s = sched_arena_alloc(a, hk + nk + nv + ne + 4);
    char *p = s;

    if (s == NULL) {
        return "cluster(s) had untolerated taint";
    }
    memcpy(p, head, hk);
    p += hk;
    memcpy(p, key, nk);
    p += nk;
    if (nv > 0) {
        *p++ = '=';
        memcpy(p, value, nv);
        p += nv;
    }
    *p++ = ':';
    memcpy(p, effect, ne);
    p += ne;
    *p++ = '}';
    *p = '\0';
    return s;
}

bool
sched_filter_taint_toleration(const struct sched_binding *b,
                              const struct sched_cluster *c,
                              struct sched_arena *a, const char **reason)
{
    const struct sched_placement *p = &b->placement;

    if (sched_binding_targets(b, c->name)) {
        return true;
    }
    for (size_t i = 0; i < c->n_taints; i++) {
        const struct sched_taint *t = &c->taints[i];
        bool tolerated = false;

        if (!taint_considered(t)) {
            continue;
        }
        for (size_t k = 0; k < p->n_tolerations && !tolerated; k++) {
            tolerated = sched_toleration_tolerates(&p->tolerations[k], t);
        }
        if (tolerated) {
            continue;
        }
        *reason = taint_reason(a, t);
        return false;
    }
    return true;
}

static const struct sched_affinity *
observed_term(const struct sched_binding *b)
{
    const struct sched_placement *p = &b->placement;

    if (b->observed_affinity == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < p->n_terms; i++) {
        if (p->terms[i].name != NULL &&
            strcmp(p->terms[i].name, b->observed_affinity) == 0) {
            return &p->terms[i];
        }
    }
    return NULL;
}

bool
sched_filter_cluster_affinity(const struct sched_binding *b,
                              const struct sched_cluster *c, const char **reason)
{
    const struct sched_placement *p = &b->placement;
    const struct sched_affinity *term;

    if (p->cluster_affinity != NULL) {
        if (sched_affinity_matches(c, p->cluster_affinity)) {
            return true;
        }
        goto fail;
    }
    term = observed_term(b);
    if (term == NULL) {
        return true;
    }
    if (sched_affinity_matches(c, term)) {
        return true;
    }
    if (sched_binding_is_workload(b)) {
        for (size_t i = 0; i < term->n_overflow; i++) {
            if (sched_affinity_matches(c, &term->overflow[i])) {
                return true;
            }
        }
    }
fail:
    *reason = "cluster(s) did not match the placement cluster affinity constraint";
    return false;
}

bool
sched_filter_spread_constraint(const struct sched_binding *b,
                               const struct sched_cluster *c, const char **reason)
{
    const struct sched_placement *p = &b->placement;

    for (size_t i = 0; i < p->n_spreads; i++) {
        switch (p->spreads[i].field) {
        case SCHED_SPREAD_PROVIDER:
            if (c->provider == NULL || c->provider[0] == '\0') {
                *reason = "cluster(s) did not have provider property";
                return false;
            }
            break;
        case SCHED_SPREAD_REGION:
            if (c->region == NULL || c->region[0] == '\0') {
                *reason = "cluster(s) did not have region property";
                return false;
            }
            break;
        case SCHED_SPREAD_ZONE:
            if (c->n_zones == 0) {
                *reason = "cluster(s) did not have zones property";
                return false;
            }
            break;
        default:
            break;
        }
    }
    return true;
}

bool
sched_filter_cluster_eviction(const struct sched_binding *b,
                              const struct sched_cluster *c, const char **reason)
{
    for (size_t i = 0; i < b->n_evicting; i++) {
        if (strcmp(b->evicting[i], c->name) == 0) {
            *reason = "cluster(s) is in the process of eviction";
            return false;
        }
    }
    return true;
}

bool
sched_filter_all(const struct sched_binding *b, const struct sched_cluster *c,
                 struct sched_arena *a, const char **filter, const char **reason)
{
    if (c->deleting) {
        *filter = "Deleting";
        *reason = "cluster is being deleted";
        return false;
    }
    /*
     * A binding without a resource type (a bare vector-style problem) has
     * no API to look for; the APIEnablement filter has nothing to check.
     */
    if (b->api_version != NULL && b->api_version[0] != '\0' &&
        !sched_filter_api_enablement(b, c, reason)) {
        *filter = "APIEnablement";
        return false;
    }
    if (!sched_filter_taint_toleration(b, c, a, reason)) {
        *filter = "TaintToleration";
        return false;
    }
    if (!sched_filter_cluster_affinity(b, c, reason)) {
        *filter = "ClusterAffinity";
        return false;
    }
    if (!sched_filter_spread_constraint(b, c, reason)) {
        *filter = "SpreadConstraint";
        return false;
    }
    if (!sched_filter_cluster_eviction(b, c, reason)) {
        *filter = "ClusterEviction";
        return false;
    }
    return true;
}

int64_t
sched_score_locality(const struct sched_binding *b, const struct sched_cluster *c)
{
    return sched_binding_targets(b, c->name) ? 100 : 0;
}

int32_t
sched_overflow_order(const struct sched_binding *b, const struct sched_cluster *c)
{
    const struct sched_placement *p = &b->placement;
    const struct sched_affinity *term;

    if (!b->has_placement || p->cluster_affinity != NULL || !p->has_terms) {
        return 0;
    }
    term = observed_term(b);
    if (term == NULL) {
        return 1000;
    }
    if (sched_affinity_matches(c, term)) {
        return 0;
    }
    for (size_t i = 0; i < term->n_overflow; i++) {
        if (sched_affinity_matches(c, &term->overflow[i])) {
            return (int32_t)i + 1;
        }
    }
    return 1000;
}
