/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON (Karmada objects) to protobuf (bus messages): BindingSpec for a
 * (template, policy) match (policy.md §3.1), Placement, ClusterSpec.
 * Every protobuf part is malloc'ed so that
 * protobuf_c_message_free_unpacked(msg, NULL) frees it.
 */
#include "model/policy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cluster.h"
#include "internal.h"
#include "model/interp.h"

static const char *
jstr(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);

    return json_is_string(v) ? json_string_value(v) : "";
}

/* strdup that keeps a running error flag instead of checking each call. */
static char *
sdup(const char *s, int *rc)
{
    char *d = strdup(s != NULL ? s : "");

    if (d == NULL) {
        *rc = -ENOMEM;
    }
    return d;
}

static char **
str_array(const json_t *arr, size_t *n, int *rc)
{
    char **out;
    size_t i;
    json_t *v;

    *n = 0;
    if (json_array_size(arr) == 0) {
        return NULL;
    }
    out = calloc(json_array_size(arr), sizeof(*out));
    if (out == NULL) {
        *rc = -ENOMEM;
        return NULL;
    }
    json_array_foreach((json_t *)arr, i, v) {
        out[(*n)++] = sdup(json_string_value(v), rc);
    }
    return out;
}

static Flotilla__V1__LabelSelectorRequirement **
requirements(const json_t *arr, size_t *n, int *rc)
{
    Flotilla__V1__LabelSelectorRequirement **out;
    size_t i;
    json_t *v;

    *n = 0;
    if (json_array_size(arr) == 0) {
        return NULL;
    }
    out = calloc(json_array_size(arr), sizeof(*out));
    if (out == NULL) {
        *rc = -ENOMEM;
        return NULL;
    }
    json_array_foreach((json_t *)arr, i, v) {
        Flotilla__V1__LabelSelectorRequirement *r = malloc(sizeof(*r));

        if (r == NULL) {
            *rc = -ENOMEM;
            break;
        }
        flotilla__v1__label_selector_requirement__init(r);
        out[(*n)++] = r;
        r->key = sdup(jstr(v, "key"), rc);
        r->operator_ = sdup(jstr(v, "operator"), rc);
        r->values = str_array(json_object_get(v, "values"), &r->n_values, rc);
    }
    return out;
}

static Flotilla__V1__LabelSelector *
label_selector(const json_t *sel, int *rc)
{
    Flotilla__V1__LabelSelector *m;
    const json_t *ml = json_object_get(sel, "matchLabels");
    const char *k;
    json_t *v;

    if (!json_is_object(sel)) {
        return NULL;
    }
    m = malloc(sizeof(*m));
    if (m == NULL) {
        *rc = -ENOMEM;
        return NULL;
    }
    flotilla__v1__label_selector__init(m);
    m->present = true;
    m->match_expressions = requirements(json_object_get(sel,
                                                        "matchExpressions"),
                                        &m->n_match_expressions, rc);
    if (json_object_size(ml) == 0) {
        return m;
    }
    m->match_labels = calloc(json_object_size(ml), sizeof(*m->match_labels));
    if (m->match_labels == NULL) {
        *rc = -ENOMEM;
        return m;
    }
    json_object_foreach((json_t *)ml, k, v) {
        Flotilla__V1__LabelSelector__MatchLabelsEntry *e = malloc(sizeof(*e));

        if (e == NULL) {
            *rc = -ENOMEM;
            break;
        }
        flotilla__v1__label_selector__match_labels_entry__init(e);
        m->match_labels[m->n_match_labels++] = e;
        e->key = sdup(k, rc);
        e->value = sdup(json_string_value(v), rc);
    }
    return m;
}

static Flotilla__V1__ClusterAffinity *
cluster_affinity(const json_t *a, int *rc)
{
    Flotilla__V1__ClusterAffinity *m;
    const json_t *fs = json_object_get(a, "fieldSelector");

    if (!json_is_object(a)) {
        return NULL;
    }
    m = malloc(sizeof(*m));
    if (m == NULL) {
        *rc = -ENOMEM;
        return NULL;
    }
    flotilla__v1__cluster_affinity__init(m);
    m->label_selector = label_selector(json_object_get(a, "labelSelector"),
                                       rc);
    if (json_is_object(fs)) {
        m->field_selector = malloc(sizeof(*m->field_selector));
        if (m->field_selector == NULL) {
            *rc = -ENOMEM;
            return m;
        }
        flotilla__v1__field_selector__init(m->field_selector);
        m->field_selector->match_expressions = requirements(
            json_object_get(fs, "matchExpressions"),
            &m->field_selector->n_match_expressions, rc);
    }
    m->cluster_names = str_array(json_object_get(a, "clusterNames"),
                                 &m->n_cluster_names, rc);
    m->exclude = str_array(json_object_get(a, "exclude"), &m->n_exclude, rc);
    return m;
}

static void
overflow_terms(const json_t *terms, Flotilla__V1__ClusterAffinityTerm *m,
               int *rc)
{
    size_t i;
    json_t *t;

    if (json_array_size(terms) == 0) {
        return;
    }
    m->overflow_affinities = calloc(json_array_size(terms),
                                    sizeof(*m->overflow_affinities));
    if (m->overflow_affinities == NULL) {
        *rc = -ENOMEM;
        return;
    }
    json_array_foreach((json_t *)terms, i, t) {
        Flotilla__V1__ClusterAffinityTerm *c = malloc(sizeof(*c));

        if (c == NULL) {
            *rc = -ENOMEM;
            return;
        }
        flotilla__v1__cluster_affinity_term__init(c);
        m->overflow_affinities[m->n_overflow_affinities++] = c;
        c->affinity_name = sdup(jstr(t, "affinityName"), rc);
        c->affinity = cluster_affinity(t, rc);
    }
}

static void
placement_terms(const json_t *terms, Flotilla__V1__Placement *m, int *rc)
{
    size_t i;
    json_t *t;

    if (json_array_size(terms) == 0) {
        return;
    }
    m->cluster_affinities = calloc(json_array_size(terms),
                                   sizeof(*m->cluster_affinities));
    if (m->cluster_affinities == NULL) {
        *rc = -ENOMEM;
        return;
    }
    json_array_foreach((json_t *)terms, i, t) {
        Flotilla__V1__ClusterAffinityTerm *c = malloc(sizeof(*c));

        if (c == NULL) {
            *rc = -ENOMEM;
            return;
        }
        flotilla__v1__cluster_affinity_term__init(c);
        m->cluster_affinities[m->n_cluster_affinities++] = c;
        c->affinity_name = sdup(jstr(t, "affinityName"), rc);
        c->affinity = cluster_affinity(t, rc);
        overflow_terms(json_object_get(t, "overflowAffinities"), c, rc);
    }
}

static void
placement_tolerations(const json_t *tols, Flotilla__V1__Placement *m, int *rc)
{
    size_t i;
    json_t *t;

    if (json_array_size(tols) == 0) {
        return;
    }
    m->cluster_tolerations = calloc(json_array_size(tols),
                                    sizeof(*m->cluster_tolerations));
    if (m->cluster_tolerations == NULL) {
        *rc = -ENOMEM;
        return;
    }
    json_array_foreach((json_t *)tols, i, t) {
        Flotilla__V1__Toleration *x = model_toleration_from_json(t);

        if (x == NULL) {
            *rc = -ENOMEM;
            return;
        }
        m->cluster_tolerations[m->n_cluster_tolerations++] = x;
    }
}

static void
placement_spreads(const json_t *arr, Flotilla__V1__Placement *m, int *rc)
{
    size_t i;
    json_t *s;

    if (json_array_size(arr) == 0) {
        return;
    }
    m->spread_constraints = calloc(json_array_size(arr),
                                   sizeof(*m->spread_constraints));
    if (m->spread_constraints == NULL) {
        *rc = -ENOMEM;
        return;
    }
    json_array_foreach((json_t *)arr, i, s) {
        Flotilla__V1__SpreadConstraint *c = malloc(sizeof(*c));

        if (c == NULL) {
            *rc = -ENOMEM;
            return;
        }
        flotilla__v1__spread_constraint__init(c);
        m->spread_constraints[m->n_spread_constraints++] = c;
        c->spread_by_field = sdup(jstr(s, "spreadByField"), rc);
        c->spread_by_label = sdup(jstr(s, "spreadByLabel"), rc);
        c->max_groups = (int32_t)json_integer_value(
            json_object_get(s, "maxGroups"));
        c->min_groups = (int32_t)json_integer_value(
            json_object_get(s, "minGroups"));
    }
}

static Flotilla__V1__ReplicaSchedulingStrategy *
replica_scheduling(const json_t *rs, int *rc)
{
    Flotilla__V1__ReplicaSchedulingStrategy *m;
    const json_t *wp = json_object_get(rs, "weightPreference");
    const json_t *list = json_object_get(wp, "staticWeightList");
    size_t i;
    json_t *w;

    if (!json_is_object(rs)) {
        return NULL;
    }
    m = malloc(sizeof(*m));
    if (m == NULL) {
        *rc = -ENOMEM;
        return NULL;
    }
    flotilla__v1__replica_scheduling_strategy__init(m);
    m->replica_scheduling_type = sdup(jstr(rs, "replicaSchedulingType"), rc);
    m->replica_division_preference = sdup(
        jstr(rs, "replicaDivisionPreference"), rc);
    m->dynamic_weight = sdup(jstr(wp, "dynamicWeight"), rc);
    m->has_weight_preference = json_is_object(wp);
    if (json_array_size(list) == 0) {
        return m;
    }
    m->static_weight_list = calloc(json_array_size(list),
                                   sizeof(*m->static_weight_list));
    if (m->static_weight_list == NULL) {
        *rc = -ENOMEM;
        return m;
    }
    json_array_foreach((json_t *)list, i, w) {
        Flotilla__V1__StaticClusterWeight *s = malloc(sizeof(*s));

        if (s == NULL) {
            *rc = -ENOMEM;
            break;
        }
        flotilla__v1__static_cluster_weight__init(s);
        m->static_weight_list[m->n_static_weight_list++] = s;
        s->target_cluster = cluster_affinity(
            json_object_get(w, "targetCluster"), rc);
        s->weight = json_integer_value(json_object_get(w, "weight"));
    }
    return m;
}

int
model_placement_from_json(const json_t *placement,
                          Flotilla__V1__Placement **out)
{
    Flotilla__V1__Placement *m = malloc(sizeof(*m));
    int rc = 0;

    if (m == NULL) {
        return -ENOMEM;
    }
    flotilla__v1__placement__init(m);
    m->cluster_affinity = cluster_affinity(
        json_object_get(placement, "clusterAffinity"), &rc);
    placement_terms(json_object_get(placement, "clusterAffinities"), m, &rc);
    placement_tolerations(json_object_get(placement, "clusterTolerations"), m,
                          &rc);
    placement_spreads(json_object_get(placement, "spreadConstraints"), m, &rc);
    m->replica_scheduling = replica_scheduling(
        json_object_get(placement, "replicaScheduling"), &rc);
    if (rc != 0) {
        protobuf_c_message_free_unpacked(&m->base, NULL);
        return rc;
    }
    *out = m;
    return 0;
}

static const char *
purge_mode(const char *m)
{
    /* Karmada's deprecated spellings (policy.md, failover.md). */
    if (strcmp(m, "Immediately") == 0) {
        return "Directly";
    }
    if (strcmp(m, "Graciously") == 0) {
        return "Gracefully";
    }
    return m;
}

static Flotilla__V1__StatePreservationRule **
preservation(const json_t *sp, size_t *n, int *rc)
{
    const json_t *rules = json_object_get(sp, "rules");
    Flotilla__V1__StatePreservationRule **out;
    size_t i;
    json_t *r;

    *n = 0;
    if (json_array_size(rules) == 0) {
        return NULL;
    }
    out = calloc(json_array_size(rules), sizeof(*out));
    if (out == NULL) {
        *rc = -ENOMEM;
        return NULL;
    }
    json_array_foreach((json_t *)rules, i, r) {
        Flotilla__V1__StatePreservationRule *x = malloc(sizeof(*x));

        if (x == NULL) {
            *rc = -ENOMEM;
            break;
        }
        flotilla__v1__state_preservation_rule__init(x);
        out[(*n)++] = x;
        x->alias_label_name = sdup(jstr(r, "aliasLabelName"), rc);
        x->json_path = sdup(jstr(r, "jsonPath"), rc);
    }
    return out;
}

static Flotilla__V1__FailoverBehavior *
failover(const json_t *f, int *rc)
{
    const json_t *app = json_object_get(f, "application");
    const json_t *cl = json_object_get(f, "cluster");
    const json_t *grace = json_object_get(app, "gracePeriodSeconds");
    Flotilla__V1__FailoverBehavior *m;

    if (!json_is_object(f)) {
        return NULL;
    }
    m = malloc(sizeof(*m));
    if (m == NULL) {
        *rc = -ENOMEM;
        return NULL;
    }
    flotilla__v1__failover_behavior__init(m);
    m->has_application = json_is_object(app);
    m->application_toleration_seconds = (int32_t)json_integer_value(
        json_object_get(json_object_get(app, "decisionConditions"),
                        "tolerationSeconds"));
    m->application_purge_mode = sdup(purge_mode(jstr(app, "purgeMode")), rc);
    m->has_grace_period = json_is_integer(grace);
    m->grace_period_seconds = (int32_t)json_integer_value(grace);
    m->application_state_preservation = preservation(
        json_object_get(app, "statePreservation"),
        &m->n_application_state_preservation, rc);
    m->has_cluster = json_is_object(cl);
    m->cluster_purge_mode = sdup(purge_mode(jstr(cl, "purgeMode")), rc);
    m->cluster_state_preservation = preservation(
        json_object_get(cl, "statePreservation"),
        &m->n_cluster_state_preservation, rc);
    return m;
}

static Flotilla__V1__ObjectReference *
object_ref(const struct model_object *t, int *rc)
{
    Flotilla__V1__ObjectReference *r = malloc(sizeof(*r));
    const json_t *meta = json_object_get(t->json, "metadata");

    if (r == NULL) {
        *rc = -ENOMEM;
        return NULL;
    }
    flotilla__v1__object_reference__init(r);
    r->api_version = sdup(t->api_version, rc);
    r->kind = sdup(t->kind, rc);
    r->namespace_ = sdup(t->namespace_, rc);
    r->name = sdup(t->name, rc);
    r->uid = sdup(t->uid, rc);
    r->resource_version = sdup(jstr(meta, "resourceVersion"), rc);
    return r;
}

static void
binding_requires(const struct model_object *t,
                 Flotilla__V1__BindingSpec *b, int *rc)
{
    json_t *deps = NULL;
    size_t i;
    json_t *d;

    if (model_interp_dependencies(t->json, &deps) != 0) {
        /* TODO: report dependency errors (Ingress TLS without secretName)
         * on the binding; until then such a binding has no dependencies. */
        return;
    }
    if (json_array_size(deps) > 0) {
        b->requires = calloc(json_array_size(deps), sizeof(*b->requires));
        if (b->requires == NULL) {
            *rc = -ENOMEM;
        }
    }
    json_array_foreach(deps, i, d) {
        Flotilla__V1__ObjectReference *r;

        if (b->requires == NULL) {
            break;
        }
        r = malloc(sizeof(*r));
        if (r == NULL) {
            *rc = -ENOMEM;
            break;
        }
        flotilla__v1__object_reference__init(r);
        b->requires[b->n_requires++] = r;
        r->api_version = sdup(jstr(d, "apiVersion"), rc);
        r->kind = sdup(jstr(d, "kind"), rc);
        r->namespace_ = sdup(jstr(d, "namespace"), rc);
        r->name = sdup(jstr(d, "name"), rc);
    }
    json_decref(deps);
}

static int
binding_interpret(const struct model_object *t, Flotilla__V1__BindingSpec *b,
                  struct model_error *err)
{
    char why[256] = "";
    int rc;

    rc = model_interp_replicas(t->json, &b->replicas,
                               &b->replica_requirements, why, sizeof(why));
    if (rc == -ENOENT) {
        return 0;
    }
    if (rc == -EINVAL) {
        model_error_set(err, t->document, t->line, 0, "spec",
                        "cannot interpret replicas of %s %s/%s: %s", t->kind,
                        t->namespace_, t->name, why);
    }
    b->has_replica_requirements = b->replica_requirements != NULL;
    return rc;
}

static void
binding_policy_fields(const struct model_object *p,
                      Flotilla__V1__BindingSpec *b, int *rc)
{
    const json_t *spec = json_object_get(p->json, "spec");
    const json_t *susp = json_object_get(spec, "suspension");

    b->policy_namespace = sdup(p->namespace_, rc);
    b->policy_name = sdup(p->name, rc);
    b->conflict_resolution = sdup(jstr(spec, "conflictResolution"), rc);
    b->scheduler_name = sdup(jstr(spec, "schedulerName"), rc);
    b->propagate_deps = json_is_true(json_object_get(spec, "propagateDeps"));
    b->priority = (int32_t)json_integer_value(json_object_get(spec,
                                                              "priority"));
    b->preemption = strcmp(jstr(spec, "preemption"), "Always") == 0;
    b->suspended = json_is_true(json_object_get(susp, "dispatching"));
    b->failover = failover(json_object_get(spec, "failover"), rc);
    if (*rc == 0) {
        *rc = model_placement_from_json(json_object_get(spec, "placement"),
                                        &b->placement);
    }
}

int
model_binding_build(const struct model_object *t,
                    const struct model_object *p,
                    Flotilla__V1__BindingSpec **out, struct model_error *err)
{
    Flotilla__V1__BindingSpec *b = malloc(sizeof(*b));
    char name[600];
    char *tj = NULL;
    int rc = 0;

    if (b == NULL) {
        return -ENOMEM;
    }
    flotilla__v1__binding_spec__init(b);
    if (model_binding_name(t->kind, t->name, name, sizeof(name)) != 0) {
        model_error_set(err, t->document, t->line, 0, "metadata.name",
                        "name too long for a binding name");
        rc = -EINVAL;
        goto out;
    }
    b->namespace_ = sdup(t->namespaced ? t->namespace_ : "", &rc);
    b->name = sdup(name, &rc);
    b->resource = object_ref(t, &rc);
    tj = json_dumps(t->json, JSON_COMPACT | JSON_SORT_KEYS);
    if (tj == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    b->template_json.data = (uint8_t *)tj;
    b->template_json.len = strlen(tj);
    b->generation = json_integer_value(
        json_object_get(json_object_get(t->json, "metadata"), "generation"));
    binding_policy_fields(p, b, &rc);
    if (rc == 0) {
        rc = binding_interpret(t, b, err);
    }
    if (rc == 0 && b->propagate_deps) {
        binding_requires(t, b, &rc);
    }

out:
    if (rc != 0) {
        model_binding_free(b);
        return rc;
    }
    *out = b;
    return 0;
}

void
model_binding_free(Flotilla__V1__BindingSpec *b)
{
    if (b != NULL) {
        protobuf_c_message_free_unpacked(&b->base, NULL);
    }
}

/*
 * RFC 3339 ("2026-01-02T15:04:05Z", optional fraction, Z or +hh:mm) to ns
 * since the epoch; 0 when absent or malformed.
 */
static int64_t
rfc3339_ns(const char *s)
{
    struct tm tm;
    const char *p;
    int64_t ns = 0;
    int64_t scale = 100000000;
    time_t t;
    int used = 0;

    memset(&tm, 0, sizeof(tm));
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
               &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec,
               &used) != 6 || used == 0) {
        return 0;
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    p = s + used;
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9'; p++) {
            ns += (*p - '0') * scale;
            scale /= 10;
        }
    }
    t = timegm(&tm);
    if (*p == '+' || *p == '-') {
        int hh = 0;
        int mm = 0;

        if (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2) {
            return 0;
        }
        t -= (*p == '+' ? 1 : -1) * (time_t)(hh * 3600 + mm * 60);
    } else if (*p != 'Z') {
        return 0;
    }
    return (int64_t)t * 1000000000 + ns;
}

static Flotilla__V1__Taint **
cluster_taints(const json_t *arr, size_t *n, int *rc)
{
    Flotilla__V1__Taint **out;
    size_t i;
    json_t *t;

    *n = 0;
    if (json_array_size(arr) == 0) {
        return NULL;
    }
    out = calloc(json_array_size(arr), sizeof(*out));
    if (out == NULL) {
        *rc = -ENOMEM;
        return NULL;
    }
    json_array_foreach((json_t *)arr, i, t) {
        Flotilla__V1__Taint *x = malloc(sizeof(*x));

        if (x == NULL) {
            *rc = -ENOMEM;
            break;
        }
        flotilla__v1__taint__init(x);
        out[(*n)++] = x;
        x->key = sdup(jstr(t, "key"), rc);
        x->value = sdup(jstr(t, "value"), rc);
        x->effect = sdup(jstr(t, "effect"), rc);
        x->source = sdup("spec", rc);
        /* A NoExecute taint without timeAdded is stamped by the cluster
         * actor, which owns the clock (policy.md scenario 66). */
        x->time_added_ns = rfc3339_ns(jstr(t, "timeAdded"));
    }
    return out;
}

static void
cluster_labels(const json_t *labels, Flotilla__V1__ClusterSpec *m, int *rc)
{
    const char *k;
    json_t *v;

    if (json_object_size(labels) == 0) {
        return;
    }
    m->labels = calloc(json_object_size(labels), sizeof(*m->labels));
    if (m->labels == NULL) {
        *rc = -ENOMEM;
        return;
    }
    json_object_foreach((json_t *)labels, k, v) {
        Flotilla__V1__ClusterSpec__LabelsEntry *e = malloc(sizeof(*e));

        if (e == NULL) {
            *rc = -ENOMEM;
            return;
        }
        flotilla__v1__cluster_spec__labels_entry__init(e);
        m->labels[m->n_labels++] = e;
        e->key = sdup(k, rc);
        e->value = sdup(json_string_value(v), rc);
    }
}

int
model_cluster_spec_from_object(const struct model_object *cluster,
                               Flotilla__V1__ClusterSpec **out)
{
    const json_t *spec = json_object_get(cluster->json, "spec");
    const json_t *meta = json_object_get(cluster->json, "metadata");
    Flotilla__V1__ClusterSpec *m;
    int rc = 0;

    if (cluster->cls != MODEL_CLASS_CLUSTER) {
        return -EINVAL;
    }
    m = malloc(sizeof(*m));
    if (m == NULL) {
        return -ENOMEM;
    }
    flotilla__v1__cluster_spec__init(m);
    m->name = sdup(cluster->name, &rc);
    m->uid = sdup(cluster->uid, &rc);
    m->api_endpoint = sdup(jstr(spec, "apiEndpoint"), &rc);
    m->sync_mode = strcmp(jstr(spec, "syncMode"), "Pull") == 0
                       ? FLOTILLA__V1__SYNC_MODE__SYNC_MODE_PULL
                       : FLOTILLA__V1__SYNC_MODE__SYNC_MODE_PUSH;
    m->provider = sdup(jstr(spec, "provider"), &rc);
    m->region = sdup(jstr(spec, "region"), &rc);
    m->zone = sdup(jstr(spec, "zone"), &rc);
    m->zones = str_array(json_object_get(spec, "zones"), &m->n_zones, &rc);
    m->proxy_url = sdup(jstr(spec, "proxyURL"), &rc);
    m->insecure_skip_tls_verify = json_is_true(
        json_object_get(spec, "insecureSkipTLSVerification"));
    m->deleting = json_object_get(meta, "deletionTimestamp") != NULL;
    cluster_labels(json_object_get(meta, "labels"), m, &rc);
    m->taints = cluster_taints(json_object_get(spec, "taints"), &m->n_taints,
                               &rc);
    if (rc == 0) {
        rc = cluster_models_to_proto(spec, m);
    }
    if (rc != 0) {
        protobuf_c_message_free_unpacked(&m->base, NULL);
        return rc;
    }
    *out = m;
    return 0;
}
