/* SPDX-License-Identifier: Apache-2.0 */
/* Bus schemas ↔ scheduler structs; see sched/from_proto.h. */
#include "sched/from_proto.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct conv {
    struct sched_arena *a;
    char *err;
    size_t errlen;
    int rc; /* first failure, sticky */
};

static void
conv_fail(struct conv *cv, int rc, const char *fmt, ...)
{
    va_list ap;

    if (cv->rc != 0) {
        return;
    }
    cv->rc = rc;
    if (cv->err != NULL && cv->errlen > 0) {
        va_start(ap, fmt);
        vsnprintf(cv->err, cv->errlen, fmt, ap);
        va_end(ap);
    }
}

static void *
conv_alloc(struct conv *cv, size_t n, size_t size)
{
    void *p = sched_arena_alloc(cv->a, (n + 1) * size);

    if (p == NULL) {
        conv_fail(cv, -ENOMEM, "out of memory");
    }
    return p;
}

static const char *
conv_str(struct conv *cv, const char *s)
{
    const char *p = sched_arena_strdup(cv->a, s != NULL ? s : "");

    if (p == NULL) {
        conv_fail(cv, -ENOMEM, "out of memory");
        return "";
    }
    return p;
}

static const char **
conv_strs(struct conv *cv, char **s, size_t n)
{
    const char **out = conv_alloc(cv, n, sizeof(*out));

    for (size_t i = 0; out != NULL && i < n; i++) {
        out[i] = conv_str(cv, s[i]);
    }
    return out;
}

static void
resources(struct conv *cv, const Flotilla__V1__ResourceList *l,
          struct sched_resource_list *out)
{
    out->items = NULL;
    out->n = 0;
    if (l == NULL) {
        return;
    }
    out->items = conv_alloc(cv, l->n_milli, sizeof(*out->items));
    if (out->items == NULL) {
        return;
    }
    for (size_t i = 0; i < l->n_milli; i++) {
        struct sched_resource *r = &out->items[i];

        r->name = conv_str(cv, l->milli[i]->key);
        util_quantity_from_milli(&r->q, l->milli[i]->value);
        for (size_t k = 0; k < l->n_binary_si; k++) {
            if (strcmp(l->binary_si[k], l->milli[i]->key) == 0) {
                r->q.format = UTIL_QUANTITY_BINARY_SI;
            }
        }
    }
    out->n = l->n_milli;
}

static enum sched_op
op_of(const char *s)
{
    static const char *const names[] = { "In", "NotIn", "Exists",
                                         "DoesNotExist", "Gt", "Lt" };

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (s != NULL && strcmp(s, names[i]) == 0) {
            return (enum sched_op)i;
        }
    }
    return SCHED_OP_INVALID;
}

static struct sched_requirement *
requirements(struct conv *cv, Flotilla__V1__LabelSelectorRequirement **r,
             size_t n)
{
    struct sched_requirement *out = conv_alloc(cv, n, sizeof(*out));

    for (size_t i = 0; out != NULL && i < n; i++) {
        out[i].key = conv_str(cv, r[i]->key);
        out[i].op = op_of(r[i]->operator_);
        out[i].values = conv_strs(cv, r[i]->values, r[i]->n_values);
        out[i].n_values = r[i]->n_values;
    }
    return out;
}

static void
affinity(struct conv *cv, const Flotilla__V1__ClusterAffinity *in,
         struct sched_affinity *out)
{
    const Flotilla__V1__LabelSelector *ls;

    if (in == NULL) {
        return;
    }
    ls = in->label_selector;
    if (ls != NULL && ls->present) {
        out->labels.present = true;
        out->labels.match_labels =
            conv_alloc(cv, ls->n_match_labels, sizeof(struct sched_label));
        for (size_t i = 0; out->labels.match_labels != NULL &&
                           i < ls->n_match_labels; i++) {
            out->labels.match_labels[i].key = conv_str(cv, ls->match_labels[i]->key);
            out->labels.match_labels[i].value =
                conv_str(cv, ls->match_labels[i]->value);
        }
        out->labels.n_match_labels = ls->n_match_labels;
        out->labels.exprs = requirements(cv, ls->match_expressions,
                                         ls->n_match_expressions);
        out->labels.n_exprs = ls->n_match_expressions;
    }
    if (in->field_selector != NULL) {
        out->has_field_selector = true;
        out->fields = requirements(cv, in->field_selector->match_expressions,
                                   in->field_selector->n_match_expressions);
        out->n_fields = in->field_selector->n_match_expressions;
    }
    out->names = conv_strs(cv, in->cluster_names, in->n_cluster_names);
    out->n_names = in->n_cluster_names;
    out->exclude = conv_strs(cv, in->exclude, in->n_exclude);
    out->n_exclude = in->n_exclude;
}

static void
term(struct conv *cv, const Flotilla__V1__ClusterAffinityTerm *in,
     struct sched_affinity *out, bool with_overflow)
{
    out->name = conv_str(cv, in->affinity_name);
    affinity(cv, in->affinity, out);
    if (!with_overflow || in->n_overflow_affinities == 0) {
        return;
    }
    out->overflow = conv_alloc(cv, in->n_overflow_affinities, sizeof(*out->overflow));
    for (size_t i = 0; out->overflow != NULL && i < in->n_overflow_affinities;
         i++) {
        term(cv, in->overflow_affinities[i], &out->overflow[i], false);
    }
    out->n_overflow = in->n_overflow_affinities;
}

static void
spreads(struct conv *cv, const Flotilla__V1__Placement *p,
        struct sched_placement *out)
{
    out->spreads = conv_alloc(cv, p->n_spread_constraints, sizeof(*out->spreads));
    for (size_t i = 0; out->spreads != NULL && i < p->n_spread_constraints; i++) {
        const Flotilla__V1__SpreadConstraint *s = p->spread_constraints[i];
        struct sched_spread *x = &out->spreads[i];
        const char *f = s->spread_by_field != NULL ? s->spread_by_field : "";

        x->label = conv_str(cv, s->spread_by_label);
        x->max_groups = s->max_groups;
        x->min_groups = s->min_groups;
        if (strcmp(f, "cluster") == 0 || (f[0] == '\0' && x->label[0] == '\0')) {
            x->field = SCHED_SPREAD_CLUSTER;
        } else if (strcmp(f, "region") == 0) {
            x->field = SCHED_SPREAD_REGION;
        } else if (strcmp(f, "zone") == 0) {
            x->field = SCHED_SPREAD_ZONE;
        } else if (strcmp(f, "provider") == 0) {
            x->field = SCHED_SPREAD_PROVIDER;
        } else if (f[0] == '\0') {
            x->field = SCHED_SPREAD_LABEL;
        } else {
            conv_fail(cv, -EINVAL,
                      "placement.spreadConstraints[%zu].spreadByField: '%s' is not one of cluster, region, zone, provider",
                      i, f);
        }
    }
    out->n_spreads = p->n_spread_constraints;
}

static void
placement(struct conv *cv, const Flotilla__V1__Placement *p,
          struct sched_placement *out)
{
    const Flotilla__V1__ReplicaSchedulingStrategy *rs = p->replica_scheduling;

    if (p->cluster_affinity != NULL) {
        out->cluster_affinity = conv_alloc(cv, 1, sizeof(*out->cluster_affinity));
        if (out->cluster_affinity != NULL) {
            affinity(cv, p->cluster_affinity, out->cluster_affinity);
        }
    }
    out->has_terms = p->n_cluster_affinities > 0;
    out->terms = conv_alloc(cv, p->n_cluster_affinities, sizeof(*out->terms));
    for (size_t i = 0; out->terms != NULL && i < p->n_cluster_affinities; i++) {
        term(cv, p->cluster_affinities[i], &out->terms[i], true);
    }
    out->n_terms = p->n_cluster_affinities;
    out->tolerations = conv_alloc(cv, p->n_cluster_tolerations,
                                  sizeof(*out->tolerations));
    for (size_t i = 0; out->tolerations != NULL && i < p->n_cluster_tolerations;
         i++) {
        const Flotilla__V1__Toleration *t = p->cluster_tolerations[i];

        out->tolerations[i] = (struct sched_toleration){
            conv_str(cv, t->key), conv_str(cv, t->operator_),
            conv_str(cv, t->value), conv_str(cv, t->effect) };
    }
    out->n_tolerations = p->n_cluster_tolerations;
    spreads(cv, p, out);
    if (rs == NULL) {
        return;
    }
    out->has_replica_scheduling = true;
    out->rs_type = conv_str(cv, rs->replica_scheduling_type);
    out->division = conv_str(cv, rs->replica_division_preference);
    out->has_weight_preference = rs->has_weight_preference;
    out->dynamic_weight = conv_str(cv, rs->dynamic_weight);
    out->static_weights = conv_alloc(cv, rs->n_static_weight_list,
                                     sizeof(*out->static_weights));
    for (size_t i = 0; out->static_weights != NULL &&
                       i < rs->n_static_weight_list; i++) {
        affinity(cv, rs->static_weight_list[i]->target_cluster,
                 &out->static_weights[i].target);
        out->static_weights[i].weight = rs->static_weight_list[i]->weight;
    }
    out->n_static_weights = rs->n_static_weight_list;
}

static void
components(struct conv *cv, Flotilla__V1__Component **in, size_t n,
           struct sched_component **out, size_t *n_out)
{
    struct sched_component *c = conv_alloc(cv, n, sizeof(*c));

    for (size_t i = 0; c != NULL && i < n; i++) {
        c[i].name = conv_str(cv, in[i]->name);
        c[i].replicas = in[i]->replicas;
        if (in[i]->replica_requirements != NULL) {
            c[i].has_request = true;
            resources(cv, in[i]->replica_requirements->resource_request,
                      &c[i].request);
        }
    }
    *out = c;
    *n_out = n;
}

int
sched_binding_from_proto(struct sched_arena *a,
                         const Flotilla__V1__BindingSpec *spec,
                         const Flotilla__V1__ScheduleDecision *last,
                         struct sched_binding *out, char *err, size_t errlen)
{
    struct conv cv = { a, err, errlen, 0 };
    struct sched_binding b;

    memset(&b, 0, sizeof(b));
    b.namespace = conv_str(&cv, spec->namespace_);
    b.name = conv_str(&cv, spec->name);
    b.uid = conv_str(&cv, spec->resource != NULL ? spec->resource->uid : "");
    b.api_version = conv_str(&cv, spec->resource != NULL
                                      ? spec->resource->api_version : "");
    b.kind = conv_str(&cv, spec->resource != NULL ? spec->resource->kind : "");
    if (spec->replicas < 0) {
        conv_fail(&cv, -EINVAL, "replicas: %d is negative", spec->replicas);
    }
    b.replicas = spec->replicas;
    b.has_requirements = spec->has_replica_requirements;
    if (spec->replica_requirements != NULL) {
        resources(&cv, spec->replica_requirements->resource_request, &b.requests);
    }
    components(&cv, spec->components, spec->n_components, &b.components,
               &b.n_components);
    if (spec->placement != NULL) {
        b.has_placement = true;
        placement(&cv, spec->placement, &b.placement);
    }
    b.observed_affinity = "";
    if (last != NULL) {
        b.targets = conv_alloc(&cv, last->n_clusters, sizeof(*b.targets));
        for (size_t i = 0; b.targets != NULL && i < last->n_clusters; i++) {
            b.targets[i].name = conv_str(&cv, last->clusters[i]->name);
            b.targets[i].replicas = last->clusters[i]->replicas;
        }
        b.n_targets = last->n_clusters;
        b.evicting = conv_alloc(&cv, last->n_eviction_tasks, sizeof(*b.evicting));
        for (size_t i = 0; b.evicting != NULL && i < last->n_eviction_tasks; i++) {
            b.evicting[i] = conv_str(&cv, last->eviction_tasks[i]->from_cluster);
        }
        b.n_evicting = last->n_eviction_tasks;
        b.observed_affinity = conv_str(&cv, last->observed_affinity_name);
        b.fresh = spec->reschedule_triggered_ns > 0 &&
                  last->last_scheduled_ns > 0 &&
                  spec->reschedule_triggered_ns > last->last_scheduled_ns;
    }
    if (cv.rc == 0) {
        *out = b;
    }
    return cv.rc;
}

int
sched_cluster_from_proto(struct sched_arena *a,
                         const Flotilla__V1__ClusterSpec *spec,
                         const Flotilla__V1__ClusterStatus *status,
                         const Flotilla__V1__ClusterTaints *taints,
                         struct sched_cluster *out, char *err, size_t errlen)
{
    struct conv cv = { a, err, errlen, 0 };
    Flotilla__V1__Taint **t = spec->taints;
    size_t n_t = spec->n_taints;
    struct sched_cluster c;

    memset(&c, 0, sizeof(c));
    if (spec->name == NULL || spec->name[0] == '\0') {
        conv_fail(&cv, -EINVAL, "cluster.name: empty");
    }
    c.name = conv_str(&cv, spec->name);
    c.provider = conv_str(&cv, spec->provider);
    c.region = conv_str(&cv, spec->region);
    c.zone = conv_str(&cv, spec->zone);
    c.zones = conv_strs(&cv, spec->zones, spec->n_zones);
    c.n_zones = spec->n_zones;
    c.deleting = spec->deleting;
    c.labels = conv_alloc(&cv, spec->n_labels, sizeof(*c.labels));
    for (size_t i = 0; c.labels != NULL && i < spec->n_labels; i++) {
        c.labels[i].key = conv_str(&cv, spec->labels[i]->key);
        c.labels[i].value = conv_str(&cv, spec->labels[i]->value);
    }
    c.n_labels = spec->n_labels;
    if (taints != NULL) {
        t = taints->taints;
        n_t = taints->n_taints;
    }
    c.taints = conv_alloc(&cv, n_t, sizeof(*c.taints));
    for (size_t i = 0; c.taints != NULL && i < n_t; i++) {
        c.taints[i] = (struct sched_taint){ conv_str(&cv, t[i]->key),
                                            conv_str(&cv, t[i]->value),
                                            conv_str(&cv, t[i]->effect) };
    }
    c.n_taints = n_t;
    c.models = conv_alloc(&cv, spec->n_resource_models, sizeof(*c.models));
    for (size_t i = 0; c.models != NULL && i < spec->n_resource_models; i++) {
        const Flotilla__V1__ResourceModel *m = spec->resource_models[i];

        c.models[i].grade = m->grade;
        c.models[i].ranges = conv_alloc(&cv, m->n_ranges, sizeof(*c.models[i].ranges));
        for (size_t k = 0; c.models[i].ranges != NULL && k < m->n_ranges; k++) {
            c.models[i].ranges[k].name = conv_str(&cv, m->ranges[k]->name);
            util_quantity_from_milli(&c.models[i].ranges[k].min,
                                     m->ranges[k]->min_milli);
            util_quantity_from_milli(&c.models[i].ranges[k].max,
                                     m->ranges[k]->max_milli);
        }
        c.models[i].n_ranges = m->n_ranges;
    }
    c.n_models = spec->n_resource_models;
    if (status != NULL) {
        c.apis = conv_alloc(&cv, status->n_api_enablements, sizeof(*c.apis));
        for (size_t i = 0; c.apis != NULL && i < status->n_api_enablements; i++) {
            const Flotilla__V1__APIEnablement *e = status->api_enablements[i];

            c.apis[i].group_version = conv_str(&cv, e->group_version);
            c.apis[i].kinds = conv_strs(&cv, e->kinds, e->n_kinds);
            c.apis[i].n_kinds = e->n_kinds;
        }
        c.n_apis = status->n_api_enablements;
    }
    if (status != NULL && status->resource_summary != NULL) {
        const Flotilla__V1__ResourceSummary *s = status->resource_summary;

        c.has_summary = true;
        resources(&cv, s->allocatable, &c.summary.allocatable);
        resources(&cv, s->allocated, &c.summary.allocated);
        resources(&cv, s->allocating, &c.summary.allocating);
        c.summary.modelings = conv_alloc(&cv, s->n_allocatable_modelings,
                                         sizeof(*c.summary.modelings));
        for (size_t i = 0; c.summary.modelings != NULL &&
                           i < s->n_allocatable_modelings; i++) {
            c.summary.modelings[i].grade = s->allocatable_modelings[i]->grade;
            c.summary.modelings[i].count = s->allocatable_modelings[i]->count;
        }
        c.summary.n_modelings = s->n_allocatable_modelings;
        if (cv.rc == 0 && sched_summary_prepare(a, &c.summary) == -ENOMEM) {
            conv_fail(&cv, -ENOMEM, "out of memory");
        }
    }
    if (cv.rc == 0) {
        *out = c;
    }
    return cv.rc;
}

static const char *
outcome_reason(enum sched_outcome o)
{
    switch (o) {
    case SCHED_OUTCOME_SUCCESS:
        return "Success";
    case SCHED_OUTCOME_NO_CLUSTER_FIT:
        return "NoClusterFit";
    case SCHED_OUTCOME_UNSCHEDULABLE:
        return "Unschedulable";
    default:
        return "SchedulerError";
    }
}

int
sched_decision_to_proto(struct sched_arena *a, const struct sched_decision *d,
                        Flotilla__V1__ScheduleDecision *out)
{
    Flotilla__V1__TargetCluster *tc;
    Flotilla__V1__ClusterVerdict *cv;
    size_t n = d->assignment.n, m = d->n_excluded;

    out->clusters = sched_arena_alloc(a, (n + 1) * sizeof(*out->clusters));
    tc = sched_arena_alloc(a, (n + 1) * sizeof(*tc));
    out->excluded = sched_arena_alloc(a, (m + 1) * sizeof(*out->excluded));
    cv = sched_arena_alloc(a, (m + 1) * sizeof(*cv));
    if (out->clusters == NULL || tc == NULL || out->excluded == NULL ||
        cv == NULL) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        const struct sched_target *t = &d->assignment.items[i];

        flotilla__v1__target_cluster__init(&tc[i]);
        tc[i].name = (char *)t->name;
        tc[i].replicas = t->replicas;
        if (t->n_components > 0) {
            Flotilla__V1__Component *c =
                sched_arena_alloc(a, t->n_components * sizeof(*c));

            tc[i].components =
                sched_arena_alloc(a, t->n_components * sizeof(*tc[i].components));
            if (c == NULL || tc[i].components == NULL) {
                return -ENOMEM;
            }
            for (size_t k = 0; k < t->n_components; k++) {
                flotilla__v1__component__init(&c[k]);
                c[k].name = (char *)t->components[k].name;
                c[k].replicas = t->components[k].replicas;
                tc[i].components[k] = &c[k];
            }
            tc[i].n_components = t->n_components;
        }
        out->clusters[i] = &tc[i];
    }
    out->n_clusters = n;
    for (size_t i = 0; i < m; i++) {
        flotilla__v1__cluster_verdict__init(&cv[i]);
        cv[i].cluster = (char *)d->excluded[i].cluster;
        cv[i].filter = (char *)d->excluded[i].filter;
        cv[i].reason = (char *)d->excluded[i].reason;
        out->excluded[i] = &cv[i];
    }
    out->n_excluded = m;
    out->schedulable = d->error.outcome == SCHED_OUTCOME_SUCCESS;
    out->reason = (char *)outcome_reason(d->error.outcome);
    out->message = (char *)d->error.message;
    out->observed_affinity_name =
        (char *)(d->observed_affinity != NULL ? d->observed_affinity : "");
    return 0;
}
