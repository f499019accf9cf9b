/* SPDX-License-Identifier: Apache-2.0 */
/* Placement validation as Karmada's policy webhook does it (§2.3). */
#include "sched/core.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err != NULL && errlen > 0) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

static int
check_fields(const struct sched_affinity *a, const char *path, char *err,
             size_t errlen)
{
    for (size_t i = 0; i < a->n_fields; i++) {
        const struct sched_requirement *r = &a->fields[i];

        if (strcmp(r->key, "provider") != 0 && strcmp(r->key, "region") != 0 &&
            strcmp(r->key, "zone") != 0) {
            return fail(err, errlen,
                        "%s.fieldSelector.matchExpressions[%zu].key: '%s' is not provider, region or zone",
                        path, i, r->key);
        }
        if (r->op != SCHED_OP_IN && r->op != SCHED_OP_NOT_IN) {
            return fail(err, errlen,
                        "%s.fieldSelector.matchExpressions[%zu].operator: only In and NotIn are allowed",
                        path, i);
        }
    }
    return 0;
}

static int
check_spreads(const struct sched_placement *p, char *err, size_t errlen)
{
    bool seen[SCHED_SPREAD_LABEL + 1] = { false };
    bool field_used = false;

    for (size_t i = 0; i < p->n_spreads; i++) {
        const struct sched_spread *s = &p->spreads[i];

        if (s->min_groups < 0 || s->max_groups < 0) {
            return fail(err, errlen,
                        "placement.spreadConstraints[%zu]: minGroups and maxGroups must be >= 0",
                        i);
        }
        if (s->max_groups > 0 && s->max_groups < s->min_groups) {
            return fail(err, errlen,
                        "placement.spreadConstraints[%zu].maxGroups: %d is lower than minGroups %d",
                        i, s->max_groups, s->min_groups);
        }
        if (s->field == SCHED_SPREAD_LABEL) {
            continue;
        }
        if (seen[s->field]) {
            return fail(err, errlen,
                        "placement.spreadConstraints[%zu].spreadByField: used twice",
                        i);
        }
        seen[s->field] = true;
        field_used = true;
    }
    if (field_used && !seen[SCHED_SPREAD_CLUSTER]) {
        return fail(err, errlen,
                    "placement.spreadConstraints: a 'cluster' constraint is required when spreading by field");
    }
    return 0;
}

int
sched_placement_validate(const struct sched_placement *p, char *err,
                         size_t errlen)
{
    bool overflow_ok = p->has_replica_scheduling && p->rs_type != NULL &&
                       strcmp(p->rs_type, "Divided") == 0 && p->division != NULL &&
                       (strcmp(p->division, "Aggregated") == 0 ||
                        (p->dynamic_weight != NULL && p->dynamic_weight[0] != '\0'));
    char path[96];
    int rc;

    if (p->cluster_affinity != NULL && p->has_terms) {
        return fail(err, errlen,
                    "placement: clusterAffinity and clusterAffinities are mutually exclusive");
    }
    if (p->cluster_affinity != NULL &&
        (rc = check_fields(p->cluster_affinity, "placement.clusterAffinity", err,
                           errlen)) != 0) {
        return rc;
    }
    for (size_t i = 0; i < p->n_terms; i++) {
        const struct sched_affinity *t = &p->terms[i];

        snprintf(path, sizeof(path), "placement.clusterAffinities[%zu]", i);
        if (t->name == NULL || t->name[0] == '\0') {
            return fail(err, errlen, "%s.affinityName: empty", path);
        }
        for (size_t k = 0; k < i; k++) {
            if (strcmp(p->terms[k].name, t->name) == 0) {
                return fail(err, errlen, "%s.affinityName: '%s' used twice",
                            path, t->name);
            }
        }
        if ((rc = check_fields(t, path, err, errlen)) != 0) {
            return rc;
        }
        if (t->n_overflow > 0 && !overflow_ok) {
            return fail(err, errlen,
                        "%s.overflowAffinities: only with dynamic-weight or aggregated division",
                        path);
        }
        for (size_t k = 0; k < t->n_overflow; k++) {
            char opath[160];

            snprintf(opath, sizeof(opath), "%s.overflowAffinities[%zu]", path, k);
            if ((rc = check_fields(&t->overflow[k], opath, err, errlen)) != 0) {
                return rc;
            }
        }
    }
    for (size_t i = 0; i < p->n_tolerations; i++) {
        const char *op = p->tolerations[i].op;

        if (op != NULL && op[0] != '\0' && strcmp(op, "Equal") != 0 &&
            strcmp(op, "Exists") != 0) {
            return fail(err, errlen,
                        "placement.clusterTolerations[%zu].operator: '%s' is not Equal or Exists",
                        i, op);
        }
    }
    return check_spreads(p, err, errlen);
}
