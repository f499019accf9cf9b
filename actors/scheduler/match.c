/* SPDX-License-Identifier: Apache-2.0 */
/* Selectors, cluster affinity and tolerations (scheduler.md §4.1, §4.2). */
#include "sched/core.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
sched_gates_init(struct sched_gates *g)
{
    g->customized_modeling = true;
    g->overcommit_protection = false;
    g->multiple_templates = false;
    g->empty_workload_propagate = false;
}

int
sched_error_set(struct sched_error *err, enum sched_outcome outcome,
                const char *fmt, ...)
{
    va_list ap;

    if (err != NULL) {
        err->outcome = outcome;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof(err->message), fmt, ap);
        va_end(ap);
    }
    switch (outcome) {
    case SCHED_OUTCOME_SUCCESS:
        return 0;
    case SCHED_OUTCOME_NO_CLUSTER_FIT:
        return -ENODEV;
    case SCHED_OUTCOME_UNSCHEDULABLE:
        return -ENOSPC;
    default:
        return -EINVAL;
    }
}

static bool
str_in(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(s, list[i]) == 0) {
            return true;
        }
    }
    return false;
}

static const char *
label_get(const struct sched_label *labels, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++) {
        if (labels[i].key[0] == key[0] && strcmp(labels[i].key, key) == 0) {
            return labels[i].value;
        }
    }
    return NULL;
}

static bool
parse_int(const char *s, long long *out)
{
    char *end;

    if (s == NULL || *s == '\0') {
        return false;
    }
    errno = 0;
    *out = strtoll(s, &end, 10);
    return errno == 0 && *end == '\0';
}

/* Validity as Kubernetes' LabelSelectorAsSelector / NewRequirement sees it. */
static bool
requirement_valid(const struct sched_requirement *r)
{
    long long v;

    if (r->key == NULL || r->key[0] == '\0') {
        return false;
    }
    switch (r->op) {
    case SCHED_OP_IN:
    case SCHED_OP_NOT_IN:
        return r->n_values > 0;
    case SCHED_OP_EXISTS:
    case SCHED_OP_DOES_NOT_EXIST:
        return r->n_values == 0;
    case SCHED_OP_GT:
    case SCHED_OP_LT:
        return r->n_values == 1 && parse_int(r->values[0], &v);
    default:
        return false;
    }
}

static bool
requirement_matches(const struct sched_requirement *r,
                    const struct sched_label *labels, size_t n)
{
    const char *v = label_get(labels, n, r->key);
    long long have, want;

    switch (r->op) {
    case SCHED_OP_IN:
        return v != NULL && str_in(v, r->values, r->n_values);
    case SCHED_OP_NOT_IN:
        return v == NULL || !str_in(v, r->values, r->n_values);
    case SCHED_OP_EXISTS:
        return v != NULL;
    case SCHED_OP_DOES_NOT_EXIST:
        return v == NULL;
    case SCHED_OP_GT:
    case SCHED_OP_LT:
        if (v == NULL || !parse_int(v, &have) ||
            !parse_int(r->values[0], &want)) {
            return false;
        }
        return r->op == SCHED_OP_GT ? have > want : have < want;
    default:
        return false;
    }
}

bool
sched_selector_matches(const struct sched_selector *s,
                       const struct sched_label *labels, size_t n)
{
    for (size_t i = 0; i < s->n_exprs; i++) {
        if (!requirement_valid(&s->exprs[i])) {
            return false;
        }
    }
    for (size_t i = 0; i < s->n_match_labels; i++) {
        const char *v;

        if (s->match_labels[i].key == NULL || s->match_labels[i].key[0] == '\0') {
            return false;
        }
        v = label_get(labels, n, s->match_labels[i].key);
        if (v == NULL || strcmp(v, s->match_labels[i].value) != 0) {
            return false;
        }
    }
    for (size_t i = 0; i < s->n_exprs; i++) {
        if (!requirement_matches(&s->exprs[i], labels, n)) {
            return false;
        }
    }
    return true;
}

bool
sched_zones_match(const struct sched_requirement *r, const char *const *zones,
                  size_t n)
{
    switch (r->op) {
    case SCHED_OP_IN:
        for (size_t i = 0; i < n; i++) {
            if (str_in(zones[i], r->values, r->n_values)) {
                return true;
            }
        }
        return false;
    case SCHED_OP_NOT_IN:
        for (size_t i = 0; i < n; i++) {
            if (str_in(zones[i], r->values, r->n_values)) {
                return false;
            }
        }
        return true;
    case SCHED_OP_EXISTS:
        return n > 0;
    case SCHED_OP_DOES_NOT_EXIST:
        return n == 0;
    default:
        return false;
    }
}

static bool
fields_match(const struct sched_cluster *c, const struct sched_affinity *a)
{
    struct sched_label fields[2];
    size_t n_fields = 0;

    if (c->provider != NULL && c->provider[0] != '\0') {
        fields[n_fields++] = (struct sched_label){ "provider", c->provider };
    }
    if (c->region != NULL && c->region[0] != '\0') {
        fields[n_fields++] = (struct sched_label){ "region", c->region };
    }
    for (size_t i = 0; i < a->n_fields; i++) {
        const struct sched_requirement *r = &a->fields[i];

        if (r->key != NULL && strcmp(r->key, "zone") == 0) {
            if (!sched_zones_match(r, c->zones, c->n_zones)) {
                return false;
            }
            continue;
        }
        if (!requirement_valid(r) || !requirement_matches(r, fields, n_fields)) {
            return false;
        }
    }
    return true;
}

bool
sched_affinity_matches(const struct sched_cluster *c,
                       const struct sched_affinity *a)
{
    if (str_in(c->name, a->exclude, a->n_exclude)) {
        return false;
    }
    if (a->labels.present &&
        !sched_selector_matches(&a->labels, c->labels, c->n_labels)) {
        return false;
    }
    if (a->has_field_selector && !fields_match(c, a)) {
        return false;
    }
    if (a->n_names > 0 && !str_in(c->name, a->names, a->n_names)) {
        return false;
    }
    return true;
}

static bool
empty(const char *s)
{
    return s == NULL || s[0] == '\0';
}

static bool
same(const char *a, const char *b)
{
    return strcmp(a == NULL ? "" : a, b == NULL ? "" : b) == 0;
}

bool
sched_toleration_tolerates(const struct sched_toleration *t,
                           const struct sched_taint *taint)
{
    if (!empty(t->effect) && !same(t->effect, taint->effect)) {
        return false;
    }
    if (!empty(t->key) && !same(t->key, taint->key)) {
        return false;
    }
    if (empty(t->op) || strcmp(t->op, "Equal") == 0) {
        return same(t->value, taint->value);
    }
    return strcmp(t->op, "Exists") == 0;
}

bool
sched_binding_is_workload(const struct sched_binding *b)
{
    return b->replicas > 0 || b->has_requirements || b->n_components > 0;
}

bool
sched_binding_targets(const struct sched_binding *b, const char *name)
{
    for (size_t i = 0; i < b->n_targets; i++) {
        if (strcmp(b->targets[i].name, name) == 0) {
            return true;
        }
    }
    return false;
}
