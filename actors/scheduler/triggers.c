/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which cluster changes make which bindings be decided again (the trigger
 * table of docs/scheduler.md), as pure functions for the actor.
 */
#include "sched/core.h"

#include <string.h>

static bool
str_eq(const char *a, const char *b)
{
    return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

static bool
labels_eq(const struct sched_cluster *a, const struct sched_cluster *b)
{
    if (a->n_labels != b->n_labels) {
        return false;
    }
    for (size_t i = 0; i < a->n_labels; i++) {
        bool found = false;

        for (size_t k = 0; k < b->n_labels && !found; k++) {
            found = str_eq(a->labels[i].key, b->labels[k].key) &&
                    str_eq(a->labels[i].value, b->labels[k].value);
        }
        if (!found) {
            return false;
        }
    }
    return true;
}

static bool
strs_eq(const char *const *a, size_t na, const char *const *b, size_t nb)
{
    if (na != nb) {
        return false;
    }
    for (size_t i = 0; i < na; i++) {
        if (!str_eq(a[i], b[i])) {
            return false;
        }
    }
    return true;
}

static bool
taints_eq(const struct sched_cluster *a, const struct sched_cluster *b)
{
    if (a->n_taints != b->n_taints) {
        return false;
    }
    for (size_t i = 0; i < a->n_taints; i++) {
        if (!str_eq(a->taints[i].key, b->taints[i].key) ||
            !str_eq(a->taints[i].value, b->taints[i].value) ||
            !str_eq(a->taints[i].effect, b->taints[i].effect)) {
            return false;
        }
    }
    return true;
}

static bool
apis_eq(const struct sched_cluster *a, const struct sched_cluster *b)
{
    if (a->n_apis != b->n_apis) {
        return false;
    }
    for (size_t i = 0; i < a->n_apis; i++) {
        if (!str_eq(a->apis[i].group_version, b->apis[i].group_version) ||
            !strs_eq(a->apis[i].kinds, a->apis[i].n_kinds, b->apis[i].kinds,
                     b->apis[i].n_kinds)) {
            return false;
        }
    }
    return true;
}

static bool
resources_eq(const struct sched_resource_list *a,
             const struct sched_resource_list *b)
{
    if (a->n != b->n) {
        return false;
    }
    for (size_t i = 0; i < a->n; i++) {
        if (!str_eq(a->items[i].name, b->items[i].name) ||
            util_quantity_cmp(&a->items[i].q, &b->items[i].q) != 0) {
            return false;
        }
    }
    return true;
}

static bool
summary_eq(const struct sched_cluster *a, const struct sched_cluster *b)
{
    if (a->has_summary != b->has_summary || a->n_models != b->n_models ||
        a->summary.n_modelings != b->summary.n_modelings) {
        return false;
    }
    for (size_t i = 0; i < a->summary.n_modelings; i++) {
        if (a->summary.modelings[i].grade != b->summary.modelings[i].grade ||
            a->summary.modelings[i].count != b->summary.modelings[i].count) {
            return false;
        }
    }
    for (size_t i = 0; i < a->n_models; i++) {
        const struct sched_model *x = &a->models[i], *y = &b->models[i];

        if (x->grade != y->grade || x->n_ranges != y->n_ranges) {
            return false;
        }
        for (size_t r = 0; r < x->n_ranges; r++) {
            if (!str_eq(x->ranges[r].name, y->ranges[r].name) ||
                util_quantity_cmp(&x->ranges[r].min, &y->ranges[r].min) != 0 ||
                util_quantity_cmp(&x->ranges[r].max, &y->ranges[r].max) != 0) {
                return false;
            }
        }
    }
    return resources_eq(&a->summary.allocatable, &b->summary.allocatable) &&
           resources_eq(&a->summary.allocated, &b->summary.allocated) &&
           resources_eq(&a->summary.allocating, &b->summary.allocating);
}

unsigned
sched_cluster_diff(const struct sched_cluster *old,
                   const struct sched_cluster *new_)
{
    unsigned m = 0;

    if (old == NULL && new_ == NULL) {
        return 0;
    }
    if (old == NULL) {
        return SCHED_CHANGE_ADDED;
    }
    if (new_ == NULL) {
        return SCHED_CHANGE_REMOVED;
    }
    if (new_->deleting && !old->deleting) {
        m |= SCHED_CHANGE_DELETING;
    }
    if (!labels_eq(old, new_) || !str_eq(old->provider, new_->provider) ||
        !str_eq(old->region, new_->region) || !str_eq(old->zone, new_->zone) ||
        !strs_eq(old->zones, old->n_zones, new_->zones, new_->n_zones)) {
        m |= SCHED_CHANGE_TOPOLOGY;
    }
    if (!taints_eq(old, new_)) {
        m |= SCHED_CHANGE_TAINTS;
    }
    if (!apis_eq(old, new_)) {
        m |= SCHED_CHANGE_APIS;
    }
    if (!summary_eq(old, new_)) {
        m |= SCHED_CHANGE_SUMMARY;
    }
    return m;
}

/* True when @c passes @b's cluster affinity (observed term and overflow). */
static bool
affinity_admits(const struct sched_binding *b, const struct sched_cluster *c)
{
    const char *reason;

    return c != NULL && sched_filter_cluster_affinity(b, c, &reason);
}

static bool
serves_kind(const struct sched_binding *b, const struct sched_cluster *c)
{
    const char *reason;
    struct sched_binding nb = *b;

    /* Ask the filter without the "already targeted" bypass. */
    nb.n_targets = 0;
    return c != NULL && sched_filter_api_enablement(&nb, c, &reason);
}

bool
sched_binding_affected(const struct sched_binding *b,
                       const struct sched_cluster *old,
                       const struct sched_cluster *new_, unsigned change,
                       bool unschedulable)
{
    const char *name = new_ != NULL ? new_->name : (old != NULL ? old->name : "");
    bool targeted = sched_binding_targets(b, name);

    if (change == 0) {
        return false;
    }
    if (unschedulable) {
        return true;
    }
    if (targeted && (change & (SCHED_CHANGE_REMOVED | SCHED_CHANGE_DELETING |
                               SCHED_CHANGE_TOPOLOGY | SCHED_CHANGE_TAINTS |
                               SCHED_CHANGE_APIS))) {
        return true;
    }
    if ((change & (SCHED_CHANGE_ADDED | SCHED_CHANGE_TOPOLOGY)) &&
        (affinity_admits(b, old) || affinity_admits(b, new_))) {
        return true;
    }
    if ((change & SCHED_CHANGE_APIS) && !serves_kind(b, old) &&
        serves_kind(b, new_) && affinity_admits(b, new_)) {
        return true;
    }
    /* A summary-only change does not move a Steady binding. */
    return false;
}
