/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `flotilla conformance scheduler FILE`: runs every test vector of
 * scheduler-vectors.json (scheduler.md §1) through the step its `entry`
 * names and compares the outcome with `expected`. One line per failing
 * vector (id, expected, got), then "N passed, N failed"; exit 1 on any
 * failure, 2 when the file itself is bad (the message names the field).
 */
#include "commands.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sched/core.h"
#include "sched/json.h"

/* One vector being run: decoded inputs and the outcome built so far. */
struct vec {
    struct sched_json_ctx cx;
    json_t *input;
    json_t *params;
    struct sched_cluster *clusters;
    size_t n_clusters;
    struct sched_binding b;
    struct sched_gates gates;
    json_t *got; /* object in the vocabulary of `expected` */
};

typedef int entry_fn(struct vec *v);

static json_t *
targets_json(const struct sched_target *t, size_t n)
{
    json_t *arr = json_array();

    for (size_t i = 0; i < n; i++) {
        json_t *o = json_pack("{s:s, s:i}", "name", t[i].name, "replicas",
                              (json_int_t)t[i].replicas);

        if (t[i].components != NULL) {
            json_t *cs = json_array();

            for (size_t k = 0; k < t[i].n_components; k++) {
                json_array_append_new(cs, json_pack("{s:s, s:i}", "name",
                                                    t[i].components[k].name,
                                                    "replicas",
                                                    (json_int_t)t[i].components[k].replicas));
            }
            json_object_set_new(o, "components", cs);
        }
        json_array_append_new(arr, o);
    }
    return arr;
}

static json_t *
names_json(const struct sched_candidate *c, size_t n)
{
    json_t *arr = json_array();

    for (size_t i = 0; i < n; i++) {
        json_array_append_new(arr, json_string(c[i].cluster->name));
    }
    return arr;
}

static void
got_error(struct vec *v, int rc, const struct sched_error *err)
{
    static const char *const types[] = { "Success", "NoClusterFit",
                                         "Unschedulable", "Error" };

    if (rc == -ENOMEM) {
        json_object_set_new(v->got, "error",
                            json_pack("{s:s, s:s}", "type", "Error", "message",
                                      "out of memory"));
        return;
    }
    json_object_set_new(v->got, "error",
                        json_pack("{s:s, s:s}", "type", types[err->outcome],
                                  "message", err->message));
}

static int
assignment_result(struct vec *v, int rc, const struct sched_assignment *as,
                  const struct sched_error *err)
{
    if (rc != 0) {
        got_error(v, rc, err);
        return 0;
    }
    json_object_set_new(v->got, "assignment", targets_json(as->items, as->n));
    return 0;
}

static int32_t
assigned_to(const struct sched_binding *b, const char *name)
{
    for (size_t i = 0; i < b->n_targets; i++) {
        if (strcmp(b->targets[i].name, name) == 0) {
            return b->targets[i].replicas;
        }
    }
    return 0;
}

/* Candidates straight from vector clusters: details as given. */
static struct sched_candidate *
given_candidates(struct vec *v, const struct sched_cluster *c, size_t n)
{
    struct sched_candidate *x =
        sched_arena_alloc(v->cx.a, (n + 1) * sizeof(*x));

    for (size_t i = 0; x != NULL && i < n; i++) {
        x[i].cluster = &c[i];
        x[i].score = (c[i].given & SCHED_GIVEN_SCORE) ? c[i].given_score : 0;
        x[i].allocatable =
            (c[i].given & SCHED_GIVEN_ALLOCATABLE) ? c[i].given_allocatable : 0;
        x[i].available = (c[i].given & SCHED_GIVEN_AVAILABLE)
                             ? c[i].given_available
                             : x[i].allocatable + assigned_to(&v->b, c[i].name);
        x[i].overflow_order =
            (c[i].given & SCHED_GIVEN_OVERFLOW) ? c[i].given_overflow : 0;
    }
    return x;
}

static int
need_clusters(struct vec *v, size_t n)
{
    if (v->n_clusters < n) {
        return sched_json_fail(&v->cx, "input.clusters: needs at least %zu cluster(s)",
                               n);
    }
    return 0;
}

static json_t *
param(struct vec *v, const char *key)
{
    return v->params != NULL ? json_object_get(v->params, key) : NULL;
}

static int
param_int(struct vec *v, const char *key, int64_t *out)
{
    if (param(v, key) == NULL) {
        return sched_json_fail(&v->cx, "input.params.%s: missing", key);
    }
    return sched_json_int(&v->cx, v->params, "input.params", key, out);
}

/* ---- entries ---- */

static int
run_assign_full(struct vec *v)
{
    struct sched_candidate *c = given_candidates(v, v->clusters, v->n_clusters);
    struct sched_assignment as = { NULL, 0 };
    struct sched_error err = { 0 };
    int rc;

    rc = sched_assign(v->cx.a, &v->b, c, v->n_clusters, &v->gates, &as, &err);
    return assignment_result(v, rc, &as, &err);
}

static int
run_assign_static(struct vec *v)
{
    struct sched_candidate *c = given_candidates(v, v->clusters, v->n_clusters);
    struct sched_assignment as = { NULL, 0 };
    int rc;

    rc = sched_assign_static(v->cx.a, &v->b, c, v->n_clusters, &as);
    return assignment_result(v, rc, &as, NULL);
}

static int
run_assign_dynamic(struct vec *v)
{
    struct sched_candidate *c = given_candidates(v, v->clusters, v->n_clusters);
    const char *div = v->b.placement.division;
    struct sched_assignment as = { NULL, 0 };
    struct sched_error err = { 0 };
    int rc;

    rc = sched_assign_dynamic(v->cx.a, &v->b, c, v->n_clusters,
                              div != NULL && strcmp(div, "Aggregated") == 0,
                              &as, &err);
    return assignment_result(v, rc, &as, &err);
}

static int
run_assign_duplicated(struct vec *v)
{
    struct sched_candidate *c = given_candidates(v, v->clusters, v->n_clusters);
    struct sched_assignment as = { NULL, 0 };
    int rc;

    rc = sched_assign_duplicated(v->cx.a, &v->b, c, v->n_clusters, &as);
    return assignment_result(v, rc, &as, NULL);
}

static int
run_divide(struct vec *v)
{
    struct sched_target *avail, *sched;
    size_t n_avail, n_sched;
    struct sched_assignment as = { NULL, 0 };
    struct sched_error err = { 0 };
    const char *strategy;
    int64_t target = 0;
    int rc;

    if ((rc = param_int(v, "target_replicas", &target)) != 0 ||
        (rc = sched_json_targets(&v->cx, param(v, "available_clusters"),
                                 "input.params.available_clusters", &avail,
                                 &n_avail)) != 0 ||
        (rc = sched_json_targets(&v->cx, param(v, "scheduled_clusters"),
                                 "input.params.scheduled_clusters", &sched,
                                 &n_sched)) != 0) {
        return rc;
    }
    strategy = json_string_value(param(v, "strategy"));
    if (strategy == NULL || (strcmp(strategy, "Aggregated") != 0 &&
                             strcmp(strategy, "DynamicWeight") != 0)) {
        return sched_json_fail(&v->cx, "input.params.strategy: must be Aggregated or DynamicWeight");
    }
    rc = sched_divide(v->cx.a, strcmp(strategy, "Aggregated") == 0, target,
                      avail, n_avail, sched, n_sched, v->b.uid, &as, &err);
    return assignment_result(v, rc, &as, &err);
}

/* [{name, <key>: int}] → parties. */
static int
parties_from(struct vec *v, json_t *arr, const char *path, const char *key,
             struct sched_party **out, size_t *n_out)
{
    struct sched_party *p;
    size_t i;
    json_t *e;

    if (!json_is_array(arr)) {
        return sched_json_fail(&v->cx, "%s: must be an array", path);
    }
    p = sched_arena_alloc(v->cx.a, (json_array_size(arr) + 1) * sizeof(*p));
    if (p == NULL) {
        return -ENOMEM;
    }
    json_array_foreach(arr, i, e) {
        char q[128];
        int rc;

        snprintf(q, sizeof(q), "%s[%zu]", path, i);
        if (!json_is_string(json_object_get(e, "name"))) {
            return sched_json_fail(&v->cx, "%s.name: missing or not a string", q);
        }
        p[i].name = json_string_value(json_object_get(e, "name"));
        if ((rc = sched_json_int(&v->cx, e, q, key, &p[i].votes)) != 0) {
            return rc;
        }
    }
    *out = p;
    *n_out = json_array_size(arr);
    return 0;
}

static int
run_dispenser(struct vec *v)
{
    struct sched_target *init, *out;
    struct sched_party *w;
    size_t n_init, n_w, n_out;
    int64_t n = 0;
    int rc;

    if ((rc = param_int(v, "new_replicas", &n)) != 0 ||
        (rc = sched_json_targets(&v->cx, param(v, "initial"),
                                 "input.params.initial", &init, &n_init)) != 0 ||
        (rc = parties_from(v, param(v, "weights"), "input.params.weights",
                           "weight", &w, &n_w)) != 0) {
        return rc;
    }
    rc = sched_dispense(v->cx.a, n, init, n_init, w, n_w, v->b.uid, &out, &n_out);
    if (rc != 0) {
        return rc;
    }
    json_object_set_new(v->got, "assignment", targets_json(out, n_out));
    return 0;
}

static int
run_spread_by_weights(struct vec *v)
{
    struct sched_target *out;
    struct sched_party *w;
    size_t n_w, n_out;
    int64_t sum = 0;
    int rc;

    if ((rc = param_int(v, "sum", &sum)) != 0 ||
        (rc = parties_from(v, param(v, "weights_from"),
                           "input.params.weights_from", "replicas", &w,
                           &n_w)) != 0) {
        return rc;
    }
    rc = sched_dispense(v->cx.a, sum, NULL, 0, w, n_w, v->b.uid, &out, &n_out);
    if (rc != 0) {
        return rc;
    }
    json_object_set_new(v->got, "assignment", targets_json(out, n_out));
    return 0;
}

static int
run_webster(struct vec *v)
{
    json_t *votes = param(v, "votes"), *initial = param(v, "initial");
    const char *tie_s = json_string_value(param(v, "tie_breaker"));
    enum sched_tie tie = SCHED_TIE_ASCENDING;
    struct sched_party *p;
    int64_t seats = 0;
    json_t *val, *arr;
    const char *k;
    size_t n = 0;
    int rc;

    if ((rc = param_int(v, "new_seats", &seats)) != 0) {
        return rc;
    }
    if (!json_is_object(votes) || (initial != NULL && !json_is_object(initial))) {
        return sched_json_fail(&v->cx, "input.params.votes/initial: must be objects");
    }
    if (tie_s != NULL && strcmp(tie_s, "name_ascending_only") == 0) {
        tie = SCHED_TIE_NAME_ASCENDING;
    } else if (tie_s != NULL && strcmp(tie_s, "name_descending_only") == 0) {
        tie = SCHED_TIE_NAME_DESCENDING;
    } else if (tie_s == NULL || strcmp(tie_s, "none") != 0) {
        return sched_json_fail(&v->cx, "input.params.tie_breaker: must be none, name_ascending_only or name_descending_only");
    }
    p = sched_arena_alloc(v->cx.a, (json_object_size(votes) +
                                    json_object_size(initial) + 1) * sizeof(*p));
    if (p == NULL) {
        return -ENOMEM;
    }
    json_object_foreach(votes, k, val) {
        if (!json_is_integer(val)) {
            return sched_json_fail(&v->cx, "input.params.votes.%s: must be an integer", k);
        }
        p[n++] = (struct sched_party){ k, json_integer_value(val), 0 };
    }
    json_object_foreach(initial, k, val) {
        size_t i;

        if (!json_is_integer(val)) {
            return sched_json_fail(&v->cx, "input.params.initial.%s: must be an integer", k);
        }
        for (i = 0; i < n && strcmp(p[i].name, k) != 0; i++) {
        }
        if (i == n) {
            p[n++] = (struct sched_party){ k, 0, 0 };
        }
        p[i].seats = json_integer_value(val);
    }
    sched_webster(p, n, seats, tie);
    arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(arr, json_pack("{s:s, s:I, s:I}", "name", p[i].name,
                                             "votes", (json_int_t)p[i].votes,
                                             "seats", (json_int_t)p[i].seats));
    }
    json_object_set_new(v->got, "parties", arr);
    return 0;
}

static int
run_attach_zero(struct vec *v)
{
    struct sched_candidate *c = given_candidates(v, v->clusters, v->n_clusters);
    struct sched_assignment as = { NULL, 0 };
    int rc;

    rc = sched_json_targets(&v->cx, param(v, "assignment"),
                            "input.params.assignment", &as.items, &as.n);
    if (rc == 0) {
        rc = sched_attach_zero(v->cx.a, c, v->n_clusters, &as);
    }
    return rc != 0 ? rc : assignment_result(v, 0, &as, NULL);
}

static int
run_select_all(struct vec *v)
{
    struct sched_input in = { 0 };
    struct sched_decision d;
    struct sched_candidate *c = NULL, *sel = NULL;
    size_t n = 0, n_sel = 0;
    int rc;

    memset(&d, 0, sizeof(d));
    in.clusters = v->clusters;
    in.n_clusters = v->n_clusters;
    in.binding = &v->b;
    in.gates = v->gates;
    in.use_given = true;
    rc = sched_candidates_build(v->cx.a, &in, &v->b, &c, &n, &d);
    if (rc == 0) {
        rc = sched_select_best(v->cx.a, &v->b, c, n,
                               v->b.n_components > 1 ? 1 : v->b.replicas, &sel,
                               &n_sel, &d.error);
    }
    if (rc != 0) {
        got_error(v, rc, &d.error);
        return 0;
    }
    json_object_set_new(v->got, "clusters", names_json(sel, n_sel));
    return 0;
}

static int
run_select_best(struct vec *v)
{
    struct sched_candidate *c = given_candidates(v, v->clusters, v->n_clusters);
    struct sched_candidate *sel = NULL;
    struct sched_error err = { 0 };
    int64_t need = 0;
    size_t n_sel = 0;
    int rc;

    if ((rc = param_int(v, "need_replicas", &need)) != 0) {
        return rc;
    }
    rc = sched_select_best(v->cx.a, &v->b, c, v->n_clusters, need, &sel, &n_sel,
                           &err);
    if (rc != 0) {
        got_error(v, rc, &err);
        return 0;
    }
    json_object_set_new(v->got, "clusters", names_json(sel, n_sel));
    return 0;
}

static int
run_select_by_region(struct vec *v)
{
    struct sched_spread rs, cs;
    struct sched_region *r;
    struct sched_candidate *sel = NULL;
    struct sched_error err = { 0 };
    json_t *regions = param(v, "regions"), *e;
    size_t n_sel = 0, i;
    int rc;

    if ((rc = sched_json_spread(&v->cx, param(v, "region_constraint"),
                                "input.params.region_constraint", &rs)) != 0 ||
        (rc = sched_json_spread(&v->cx, param(v, "cluster_constraint"),
                                "input.params.cluster_constraint", &cs)) != 0) {
        return rc;
    }
    if (!json_is_array(regions)) {
        return sched_json_fail(&v->cx, "input.params.regions: must be an array");
    }
    r = sched_arena_alloc(v->cx.a, (json_array_size(regions) + 1) * sizeof(*r));
    if (r == NULL) {
        return -ENOMEM;
    }
    json_array_foreach(regions, i, e) {
        struct sched_cluster *cl;
        char p[96];

        snprintf(p, sizeof(p), "input.params.regions[%zu]", i);
        if (!json_is_string(json_object_get(e, "name"))) {
            return sched_json_fail(&v->cx, "%s.name: missing or not a string", p);
        }
        r[i].name = json_string_value(json_object_get(e, "name"));
        if ((rc = sched_json_int(&v->cx, e, p, "score", &r[i].score)) != 0) {
            return rc;
        }
        snprintf(p, sizeof(p), "input.params.regions[%zu].clusters", i);
        if ((rc = sched_json_clusters(&v->cx, json_object_get(e, "clusters"), p,
                                      &cl, &r[i].n_clusters)) != 0) {
            return rc;
        }
        r[i].clusters = given_candidates(v, cl, r[i].n_clusters);
    }
    rc = sched_select_by_region(v->cx.a, &rs, &cs, r, json_array_size(regions),
                                &sel, &n_sel, &err);
    if (rc != 0) {
        got_error(v, rc, &err);
        return 0;
    }
    json_object_set_new(v->got, "clusters", names_json(sel, n_sel));
    return 0;
}

static int
run_select_groups(struct vec *v)
{
    json_t *groups = param(v, "groups"), *e, *arr;
    struct sched_group *g, *out = NULL;
    int64_t min = 0, max = 0, target = 0;
    size_t n_out = 0, i;
    int rc;

    if ((rc = param_int(v, "min_groups", &min)) != 0 ||
        (rc = param_int(v, "max_groups", &max)) != 0 ||
        (rc = param_int(v, "target", &target)) != 0) {
        return rc;
    }
    if (!json_is_array(groups)) {
        return sched_json_fail(&v->cx, "input.params.groups: must be an array");
    }
    g = sched_arena_alloc(v->cx.a, (json_array_size(groups) + 1) * sizeof(*g));
    if (g == NULL) {
        return -ENOMEM;
    }
    json_array_foreach(groups, i, e) {
        char p[64];

        snprintf(p, sizeof(p), "input.params.groups[%zu]", i);
        if (!json_is_string(json_object_get(e, "name"))) {
            return sched_json_fail(&v->cx, "%s.name: missing or not a string", p);
        }
        g[i].name = json_string_value(json_object_get(e, "name"));
        if ((rc = sched_json_int(&v->cx, e, p, "value", &g[i].value)) != 0 ||
            (rc = sched_json_int(&v->cx, e, p, "weight", &g[i].weight)) != 0) {
            return rc;
        }
    }
    rc = sched_select_groups(v->cx.a, g, json_array_size(groups), (int32_t)min,
                             (int32_t)max, target, &out, &n_out);
    if (rc != 0) {
        return rc;
    }
    arr = json_array();
    for (i = 0; i < n_out; i++) {
        json_array_append_new(arr, json_string(out[i].name));
    }
    json_object_set_new(v->got, "groups", arr);
    return 0;
}

static int
run_group_clusters(struct vec *v)
{
    struct sched_candidate *c = given_candidates(v, v->clusters, v->n_clusters);
    struct sched_group_counts gc;

    sched_candidates_sort(c, v->n_clusters, true);
    sched_group_count(&v->b, c, v->n_clusters, &gc);
    json_object_set_new(v->got, "clusters", names_json(c, v->n_clusters));
    json_object_set_new(v->got, "group_counts",
                        json_pack("{s:I, s:I, s:I}", "zones", (json_int_t)gc.zones,
                                  "regions", (json_int_t)gc.regions, "providers",
                                  (json_int_t)gc.providers));
    return 0;
}

static int
group_param(struct vec *v, const char *key, struct sched_candidate **out,
            size_t *n)
{
    struct sched_cluster *cl;
    char p[64];
    int rc;

    snprintf(p, sizeof(p), "input.params.%s", key);
    rc = sched_json_clusters(&v->cx, param(v, key), p, &cl, n);
    if (rc == 0) {
        *out = given_candidates(v, cl, *n);
    }
    return rc;
}

static int
run_group_score(struct vec *v)
{
    struct sched_candidate *g1, *g2;
    size_t n1, n2;
    int64_t min = 0, s1, s2;
    int rc;

    if ((rc = param_int(v, "min_groups", &min)) != 0 ||
        (rc = group_param(v, "group1", &g1, &n1)) != 0 ||
        (rc = group_param(v, "group2", &g2, &n2)) != 0) {
        return rc;
    }
    s1 = sched_group_score(&v->b, g1, n1, (int32_t)min);
    s2 = sched_group_score(&v->b, g2, n2, (int32_t)min);
    json_object_set_new(v->got, "compare",
                        json_pack("{s:b}", "group1_score_ge_group2", s1 >= s2));
    json_object_set_new(v->got, "scores", json_pack("{s:I, s:I}", "group1",
                                                    (json_int_t)s1, "group2",
                                                    (json_int_t)s2));
    return 0;
}

static int
run_group_score_duplicated(struct vec *v)
{
    struct sched_candidate *g;
    size_t n;
    int rc;

    if ((rc = group_param(v, "group", &g, &n)) != 0) {
        return rc;
    }
    json_object_set_new(v->got, "int",
                        json_integer(sched_group_score_duplicated(v->b.replicas,
                                                                  g, n)));
    return 0;
}

static int
run_sort(struct vec *v)
{
    struct sched_candidate *c = given_candidates(v, v->clusters, v->n_clusters);
    json_t *cmp = param(v, "compare_available_replicas");

    sched_candidates_sort(c, v->n_clusters, json_is_true(cmp));
    json_object_set_new(v->got, "clusters", names_json(c, v->n_clusters));
    return 0;
}

static int
filter_result(struct vec *v, bool ok, const char *reason)
{
    json_object_set_new(v->got, "filter",
                        ok ? json_pack("{s:s}", "code", "Success")
                           : json_pack("{s:s, s:s}", "code", "Unschedulable",
                                       "reason", reason));
    return 0;
}

static int
run_filter(struct vec *v, const char *which)
{
    const char *reason = NULL;
    const struct sched_cluster *c;
    bool ok;
    int rc;

    if ((rc = need_clusters(v, 1)) != 0) {
        return rc;
    }
    c = &v->clusters[0];
    if (strcmp(which, "api_enablement") == 0) {
        ok = sched_filter_api_enablement(&v->b, c, &reason);
    } else if (strcmp(which, "cluster_affinity") == 0) {
        ok = sched_filter_cluster_affinity(&v->b, c, &reason);
    } else if (strcmp(which, "cluster_eviction") == 0) {
        ok = sched_filter_cluster_eviction(&v->b, c, &reason);
    } else if (strcmp(which, "spread_constraint") == 0) {
        ok = sched_filter_spread_constraint(&v->b, c, &reason);
    } else {
        ok = sched_filter_taint_toleration(&v->b, c, v->cx.a, &reason);
    }
    return filter_result(v, ok, reason);
}

static int
run_filter_api(struct vec *v)
{
    return run_filter(v, "api_enablement");
}

static int
run_filter_affinity(struct vec *v)
{
    return run_filter(v, "cluster_affinity");
}

static int
run_filter_eviction(struct vec *v)
{
    return run_filter(v, "cluster_eviction");
}

static int
run_filter_spread(struct vec *v)
{
    return run_filter(v, "spread_constraint");
}

static int
run_filter_taint(struct vec *v)
{
    return run_filter(v, "taint_toleration");
}

static int
run_score_locality(struct vec *v)
{
    int rc = need_clusters(v, 1);

    if (rc == 0) {
        json_object_set_new(v->got, "score",
                            json_integer(sched_score_locality(&v->b,
                                                              &v->clusters[0])));
    }
    return rc;
}

static int
run_match_affinity(struct vec *v)
{
    struct sched_affinity a;
    int rc;

    if ((rc = need_clusters(v, 1)) != 0 ||
        (rc = sched_json_affinity(&v->cx, param(v, "affinity"),
                                  "input.params.affinity", false, &a)) != 0) {
        return rc;
    }
    json_object_set_new(v->got, "bool",
                        json_boolean(sched_affinity_matches(&v->clusters[0], &a)));
    return 0;
}

static int
run_match_zones(struct vec *v)
{
    json_t *wrap = json_pack("{s:{s:[O]}, s:O?}", "fieldSelector",
                             "matchExpressions", param(v, "expression"), "zones",
                             param(v, "zones"));
    json_t *cl = json_pack("{s:s, s:O?}", "name", "", "zones", param(v, "zones"));
    struct sched_affinity a;
    struct sched_cluster c;
    int rc;

    if (wrap == NULL || cl == NULL) {
        json_decref(wrap);
        json_decref(cl);
        return sched_json_fail(&v->cx, "input.params.expression: missing");
    }
    json_object_del(wrap, "zones");
    rc = sched_json_affinity(&v->cx, wrap, "input.params", false, &a);
    if (rc == 0) {
        rc = sched_json_cluster(&v->cx, cl, "input.params", &c);
    }
    json_decref(wrap);
    json_decref(cl);
    if (rc != 0) {
        return rc;
    }
    json_object_set_new(v->got, "bool",
                        json_boolean(sched_zones_match(&a.fields[0], c.zones,
                                                       c.n_zones)));
    return 0;
}

/* params.assumed_workloads_by_cluster[name] for cluster @name. */
static int
assumed_for(struct vec *v, const char *key, const char *name,
            struct sched_assumed **out, size_t *n)
{
    json_t *by = param(v, key);
    char p[160];

    *out = NULL;
    *n = 0;
    if (by == NULL) {
        return 0;
    }
    if (!json_is_object(by)) {
        return sched_json_fail(&v->cx, "input.params.%s: must be an object", key);
    }
    snprintf(p, sizeof(p), "input.params.%s.%s", key, name);
    return sched_json_assumed(&v->cx, json_object_get(by, name), p, name, out, n);
}

static int
run_estimate_replicas(struct vec *v)
{
    struct sched_target *t =
        sched_arena_alloc(v->cx.a, (v->n_clusters + 1) * sizeof(*t));

    if (t == NULL) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < v->n_clusters; i++) {
        struct sched_assumed *a;
        size_t n;
        int rc = assumed_for(v, "assumed_workloads_by_cluster",
                             v->clusters[i].name, &a, &n);

        if (rc != 0) {
            return rc;
        }
        t[i].name = v->clusters[i].name;
        t[i].replicas = (int32_t)sched_estimate_general(
            v->cx.a, &v->clusters[i], &v->b, a, n, &v->gates);
    }
    json_object_set_new(v->got, "assignment", targets_json(t, v->n_clusters));
    return 0;
}

static int
run_allowed_pods(struct vec *v)
{
    int rc = need_clusters(v, 1);

    if (rc == 0) {
        json_object_set_new(v->got, "int",
                            json_integer(sched_estimate_allowed_pods(
                                &v->clusters[0].summary)));
    }
    return rc;
}

static int
run_cluster_summary(struct vec *v)
{
    int rc = need_clusters(v, 1);

    if (rc == 0) {
        json_object_set_new(v->got, "int",
                            json_integer(sched_estimate_summary(
                                &v->clusters[0].summary, &v->b.requests)));
    }
    return rc;
}

static int
assumed_list(struct vec *v, struct sched_assumed **a, size_t *n)
{
    *a = NULL;
    *n = 0;
    return sched_json_assumed(&v->cx, param(v, "assumed_workloads"),
                              "input.params.assumed_workloads", "", a, n);
}

static void
int_or_error(struct vec *v, int rc, int64_t value)
{
    if (rc != 0) {
        json_object_set_new(v->got, "error",
                            json_pack("{s:s, s:s}", "type", "Error", "message",
                                      "estimation failed"));
    }
    json_object_set_new(v->got, "int", json_integer(value));
}

static int
run_resource_models(struct vec *v)
{
    struct sched_assumed *a;
    int64_t out = -1;
    size_t n;
    int rc;

    if ((rc = need_clusters(v, 1)) != 0 || (rc = assumed_list(v, &a, &n)) != 0) {
        return rc;
    }
    rc = sched_estimate_models(v->cx.a, &v->clusters[0], &v->b.requests, a, n,
                               &out);
    if (rc == -ENOMEM) {
        return rc;
    }
    int_or_error(v, rc, out);
    return 0;
}

static int
run_deduct(struct vec *v)
{
    struct sched_resource_list out;
    struct sched_assumed *a;
    json_t *obj;
    size_t n;
    int rc;

    if ((rc = need_clusters(v, 1)) != 0 || (rc = assumed_list(v, &a, &n)) != 0) {
        return rc;
    }
    rc = sched_estimate_deduct(v->cx.a, &v->clusters[0].summary.allocating, a, n,
                               &out);
    if (rc != 0) {
        return rc;
    }
    obj = json_object();
    for (size_t i = 0; i < out.n; i++) {
        char buf[48];

        util_quantity_format(&out.items[i].q, buf, sizeof(buf));
        json_object_set_new(obj, out.items[i].name, json_string(buf));
    }
    json_object_set_new(v->got, "allocating", obj);
    return 0;
}

static int
run_component_sets(struct vec *v)
{
    struct sched_target *t =
        sched_arena_alloc(v->cx.a, (v->n_clusters + 1) * sizeof(*t));

    if (t == NULL) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < v->n_clusters; i++) {
        struct sched_assumed *a;
        size_t n;
        int rc = assumed_for(v, "assumed_workloads_by_cluster",
                             v->clusters[i].name, &a, &n);

        if (rc != 0) {
            return rc;
        }
        t[i].name = v->clusters[i].name;
        t[i].replicas = (int32_t)sched_estimate_component_sets(
            v->cx.a, &v->clusters[i], v->b.components, v->b.n_components, a, n,
            &v->gates);
    }
    if (v->n_clusters == 1) {
        json_object_set_new(v->got, "int", json_integer(t[0].replicas));
    } else {
        json_object_set_new(v->got, "assignment", targets_json(t, v->n_clusters));
    }
    return 0;
}

static int
run_component_sets_models(struct vec *v)
{
    struct sched_assumed *a;
    int64_t bound = 0, out = -1;
    size_t n;
    int rc;

    if ((rc = need_clusters(v, 1)) != 0 || (rc = assumed_list(v, &a, &n)) != 0 ||
        (rc = param_int(v, "upper_bound", &bound)) != 0) {
        return rc;
    }
    rc = sched_estimate_component_sets_models(v->cx.a, &v->clusters[0],
                                              v->b.components, v->b.n_components,
                                              a, n, bound, &out);
    if (rc == -ENOMEM) {
        return rc;
    }
    int_or_error(v, rc, out);
    return 0;
}

/* A scheduling pass mocked by params.per_affinity_outcome. */
static int
mocked_pass(void *ctx, struct sched_arena *a, const struct sched_binding *b,
            struct sched_decision *d)
{
    struct vec *v = ctx;
    json_t *o = json_object_get(param(v, "per_affinity_outcome"),
                                b->observed_affinity);
    json_t *err = json_object_get(o, "error");

    (void)a;
    if (o == NULL) {
        return sched_error_set(&d->error, SCHED_OUTCOME_ERROR,
                               "no outcome given for term %s",
                               b->observed_affinity);
    }
    if (err != NULL) {
        return sched_error_set(&d->error, SCHED_OUTCOME_ERROR, "%s",
                               json_is_string(err) ? json_string_value(err)
                                                   : "error");
    }
    return sched_json_targets(&v->cx, json_object_get(o, "result"),
                              "input.params.per_affinity_outcome.result",
                              &d->assignment.items, &d->assignment.n);
}

static int
run_affinities_loop(struct vec *v)
{
    struct sched_input in = { 0 };
    struct sched_decision d;
    json_t *tried = json_array();
    int rc;

    if (!json_is_object(param(v, "per_affinity_outcome"))) {
        json_decref(tried);
        return sched_json_fail(&v->cx, "input.params.per_affinity_outcome: must be an object");
    }
    in.binding = &v->b;
    in.gates = v->gates;
    rc = sched_affinities_run(v->cx.a, &in, mocked_pass, v, &d);
    if (rc == -ENOMEM) {
        json_decref(tried);
        return rc;
    }
    for (size_t i = 0; i < d.n_tried; i++) {
        json_array_append_new(tried, json_string(d.tried[i]));
    }
    json_object_set_new(v->got, "affinity_tried", tried);
    json_object_set_new(v->got, "patched_clusters",
                        d.write ? targets_json(d.assignment.items, d.assignment.n)
                                : json_null());
    json_object_set_new(v->got, "observed_affinity_after",
                        json_string(d.observed_affinity != NULL
                                        ? d.observed_affinity : ""));
    if (rc != 0) {
        got_error(v, rc, &d.error);
    }
    return 0;
}

static int
run_affinities_start(struct vec *v)
{
    json_object_set_new(v->got, "int",
                        json_integer((json_int_t)sched_affinities_start(&v->b)));
    return 0;
}

static const struct {
    const char *entry;
    entry_fn *run;
} entries[] = {
    { "affinities.loop", run_affinities_loop },
    { "affinities.start_index", run_affinities_start },
    { "assign.duplicated", run_assign_duplicated },
    { "assign.dynamic", run_assign_dynamic },
    { "assign.full", run_assign_full },
    { "assign.static", run_assign_static },
    { "attach_zero_replicas", run_attach_zero },
    { "dispenser", run_dispenser },
    { "divide.dynamic", run_divide },
    { "estimate.allowed_pods", run_allowed_pods },
    { "estimate.cluster_summary", run_cluster_summary },
    { "estimate.component_sets", run_component_sets },
    { "estimate.component_sets_models", run_component_sets_models },
    { "estimate.deduct_assumed", run_deduct },
    { "estimate.replicas", run_estimate_replicas },
    { "estimate.resource_models", run_resource_models },
    { "filter.api_enablement", run_filter_api },
    { "filter.cluster_affinity", run_filter_affinity },
    { "filter.cluster_eviction", run_filter_eviction },
    { "filter.spread_constraint", run_filter_spread },
    { "filter.taint_toleration", run_filter_taint },
    { "group.clusters", run_group_clusters },
    { "group.score", run_group_score },
    { "group.score_duplicated", run_group_score_duplicated },
    { "match.cluster_affinity", run_match_affinity },
    { "match.zones", run_match_zones },
    { "score.cluster_locality", run_score_locality },
    { "select.all", run_select_all },
    { "select.best", run_select_best },
    { "select.by_region", run_select_by_region },
    { "select.groups", run_select_groups },
    { "sort.clusters", run_sort },
    { "spread_by_weights", run_spread_by_weights },
    { "webster", run_webster },
};

/* ---- comparison ---- */

static int
by_name(const void *x, const void *y)
{
    const char *a = json_string_value(json_object_get(*(json_t *const *)x, "name"));
    const char *b = json_string_value(json_object_get(*(json_t *const *)y, "name"));

    return strcmp(a != NULL ? a : "", b != NULL ? b : "");
}

static int
by_string(const void *x, const void *y)
{
    const char *a = json_string_value(*(json_t *const *)x);
    const char *b = json_string_value(*(json_t *const *)y);

    return strcmp(a != NULL ? a : "", b != NULL ? b : "");
}

/* Equal lists, in order or as multisets (sorted by @cmp first). */
static bool
lists_equal(json_t *a, json_t *b, bool ordered,
            int (*cmp)(const void *, const void *))
{
    size_t n = json_array_size(a);
    json_t **x, **y;
    bool eq = true;

    if (!json_is_array(a) || !json_is_array(b) || n != json_array_size(b)) {
        return false;
    }
    if (ordered) {
        return json_equal(a, b);
    }
    x = calloc(n + 1, sizeof(*x));
    y = calloc(n + 1, sizeof(*y));
    if (x == NULL || y == NULL) {
        free(x);
        free(y);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        x[i] = json_array_get(a, i);
        y[i] = json_array_get(b, i);
    }
    qsort(x, n, sizeof(*x), cmp);
    qsort(y, n, sizeof(*y), cmp);
    for (size_t i = 0; i < n && eq; i++) {
        eq = json_equal(x[i], y[i]);
    }
    free(x);
    free(y);
    return eq;
}

static bool
error_matches(json_t *want, json_t *got)
{
    json_t *type, *contains;
    const char *msg;

    if (got == NULL) {
        return false;
    }
    if (json_is_true(want)) {
        return true;
    }
    type = json_object_get(want, "type");
    contains = json_object_get(want, "message_contains");
    msg = json_string_value(json_object_get(got, "message"));
    if (type != NULL && !json_equal(type, json_object_get(got, "type"))) {
        return false;
    }
    return contains == NULL ||
           (msg != NULL && strstr(msg, json_string_value(contains)) != NULL);
}

static bool
allocating_equal(json_t *want, json_t *got)
{
    const char *k;
    json_t *val;

    if (!json_is_object(want) || !json_is_object(got) ||
        json_object_size(want) != json_object_size(got)) {
        return false;
    }
    json_object_foreach(want, k, val) {
        struct util_quantity a, b;
        json_t *g = json_object_get(got, k);

        if (!json_is_string(val) || !json_is_string(g) ||
            util_quantity_parse(json_string_value(val), &a) != 0 ||
            util_quantity_parse(json_string_value(g), &b) != 0 ||
            util_quantity_cmp(&a, &b) != 0) {
            return false;
        }
    }
    return true;
}

static bool
filter_matches(json_t *want, json_t *got)
{
    json_t *contains = json_object_get(want, "reason_contains");
    const char *reason = json_string_value(json_object_get(got, "reason"));

    if (got == NULL ||
        !json_equal(json_object_get(want, "code"), json_object_get(got, "code"))) {
        return false;
    }
    return contains == NULL ||
           (reason != NULL && strstr(reason, json_string_value(contains)) != NULL);
}

/* Compares one member @key of expected with the outcome. */
static bool
member_matches(const char *key, json_t *want, json_t *got_all, bool ordered)
{
    json_t *got = json_object_get(got_all, key);

    if (strcmp(key, "error") == 0) {
        return error_matches(want, got);
    }
    if (strcmp(key, "order_significant") == 0) {
        return true;
    }
    if (strcmp(key, "assignment_any_of") == 0) {
        json_t *alt;
        size_t i;

        got = json_object_get(got_all, "assignment");
        json_array_foreach(want, i, alt) {
            if (lists_equal(alt, got, ordered, by_name)) {
                return true;
            }
        }
        return false;
    }
    if (strcmp(key, "assignment") == 0 || strcmp(key, "patched_clusters") == 0) {
        if (json_is_null(want) || json_is_null(got)) {
            return json_is_null(want) && (got == NULL || json_is_null(got));
        }
        return lists_equal(want, got, ordered, by_name);
    }
    if (strcmp(key, "clusters") == 0) {
        return lists_equal(want, got, ordered, by_string);
    }
    if (strcmp(key, "allocating") == 0) {
        return allocating_equal(want, got);
    }
    if (strcmp(key, "filter") == 0) {
        return filter_matches(want, got);
    }
    return got != NULL && json_equal(want, got);
}

static bool
outcome_matches(json_t *expected, json_t *got)
{
    bool ordered = json_is_true(json_object_get(expected, "order_significant"));
    const char *k;
    json_t *want;

    /* A step that failed must have been expected to fail. */
    if (json_object_get(got, "error") != NULL &&
        json_object_get(expected, "error") == NULL) {
        return false;
    }
    json_object_foreach(expected, k, want) {
        if (!member_matches(k, want, got, ordered)) {
            return false;
        }
    }
    return true;
}

/* ---- driver ---- */

static entry_fn *
entry_find(const char *name)
{
    for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++) {
        if (strcmp(entries[i].entry, name) == 0) {
            return entries[i].run;
        }
    }
    return NULL;
}

/* Decodes the common inputs of @vector into @v. */
static int
vec_decode(struct vec *v, json_t *vector)
{
    json_t *in = json_object_get(vector, "input");
    int rc;

    v->input = in;
    v->params = json_object_get(in, "params");
    if (v->params != NULL && !json_is_object(v->params)) {
        return sched_json_fail(&v->cx, "input.params: must be an object");
    }
    sched_gates_init(&v->gates);
    if ((rc = sched_json_clusters(&v->cx, json_object_get(in, "clusters"),
                                  "input.clusters", &v->clusters,
                                  &v->n_clusters)) != 0 ||
        (rc = sched_json_binding(&v->cx, json_object_get(in, "binding"),
                                 "input.binding", &v->b)) != 0 ||
        (rc = sched_json_gates(&v->cx, json_object_get(in, "feature_gates"),
                               "input.feature_gates", &v->gates)) != 0) {
        return rc;
    }
    return 0;
}

static int
check_shape(json_t *vector, size_t index, char *err, size_t errlen)
{
    static const char *const keys[] = { "id", "entry" };

    if (!json_is_object(vector)) {
        snprintf(err, errlen, "[%zu]: must be an object", index);
        return -EINVAL;
    }
    for (size_t i = 0; i < 2; i++) {
        if (!json_is_string(json_object_get(vector, keys[i]))) {
            snprintf(err, errlen, "[%zu].%s: missing or not a string", index,
                     keys[i]);
            return -EINVAL;
        }
    }
    if (!json_is_object(json_object_get(vector, "input"))) {
        snprintf(err, errlen, "[%zu].input: missing or not an object", index);
        return -EINVAL;
    }
    if (!json_is_object(json_object_get(vector, "expected"))) {
        snprintf(err, errlen, "[%zu].expected: missing or not an object", index);
        return -EINVAL;
    }
    if (entry_find(json_string_value(json_object_get(vector, "entry"))) == NULL) {
        snprintf(err, errlen, "[%zu].entry: unknown entry '%s'", index,
                 json_string_value(json_object_get(vector, "entry")));
        return -EINVAL;
    }
    return 0;
}

static void
print_json(FILE *f, json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);

    fputs(s != NULL ? s : "?", f);
    free(s);
}

/* Runs one vector; returns 1 passed, 0 failed, -EINVAL bad vector. */
static int
run_one(json_t *vector, size_t index, bool verbose, const char *path)
{
    const char *id = json_string_value(json_object_get(vector, "id"));
    const char *entry = json_string_value(json_object_get(vector, "entry"));
    json_t *expected = json_object_get(vector, "expected");
    struct sched_arena arena;
    char err[512];
    struct vec v;
    int rc;

    memset(&v, 0, sizeof(v));
    sched_arena_init(&arena);
    v.cx.a = &arena;
    v.cx.err = err;
    v.cx.errlen = sizeof(err);
    v.got = json_object();
    err[0] = '\0';
    rc = vec_decode(&v, vector);
    if (rc == 0) {
        rc = entry_find(entry)(&v);
    }
    if (rc != 0) {
        fprintf(stderr, "%s: vector [%zu] '%s': %s\n", path, index, id,
                rc == -ENOMEM ? "out of memory" : err);
        rc = -EINVAL;
    } else if (outcome_matches(expected, v.got)) {
        rc = 1;
        if (verbose) {
            printf("ok %s (%s)\n", id, entry);
        }
    } else {
        printf("FAIL %s (%s): expected ", id, entry);
        print_json(stdout, expected);
        printf(" got ");
        print_json(stdout, v.got);
        printf("\n");
        rc = 0;
    }
    json_decref(v.got);
    sched_arena_release(&arena);
    return rc;
}

static int
run_file(const char *path, bool verbose)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    size_t passed = 0, failed = 0, bad = 0, i;
    json_t *vector;
    char err[256];

    if (root == NULL) {
        fprintf(stderr, "%s:%d:%d: %s\n", path, jerr.line, jerr.column, jerr.text);
        return 2;
    }
    if (!json_is_array(root)) {
        fprintf(stderr, "%s: the top level must be an array of vectors\n", path);
        json_decref(root);
        return 2;
    }
    json_array_foreach(root, i, vector) {
        int rc;

        if (check_shape(vector, i, err, sizeof(err)) != 0) {
            fprintf(stderr, "%s: vector %s\n", path, err);
            bad++;
            continue;
        }
        rc = run_one(vector, i, verbose, path);
        if (rc == 1) {
            passed++;
        } else if (rc == 0) {
            failed++;
        } else {
            bad++;
        }
    }
    json_decref(root);
    printf("%zu passed, %zu failed\n", passed, failed + bad);
    if (bad > 0) {
        return 2;
    }
    return failed > 0 ? 1 : 0;
}

static void
usage(FILE *f)
{
    fprintf(f, "usage: flotilla conformance scheduler [-v] FILE\n\n"
               "Runs every test vector of FILE (scheduler-vectors.json format,\n"
               "shared/spec/scheduler.md section 1) through the scheduler step its\n"
               "'entry' names. Prints one line per failing vector (id, expected,\n"
               "got) and 'N passed, N failed'. -v also lists passing vectors.\n"
               "Exit 0 all passed, 1 a vector failed, 2 bad usage or bad file.\n");
}

int
cmd_conformance(int argc, char **argv)
{
    bool verbose = false;
    const char *file = NULL;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
    }
    if (argc < 2 || strcmp(argv[1], "scheduler") != 0) {
        fprintf(stderr, "flotilla conformance: the only suite is 'scheduler'\n");
        usage(stderr);
        return 2;
    }
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "-v") == 0) {
            verbose = true;
        } else if (file == NULL) {
            file = argv[i];
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (file == NULL) {
        usage(stderr);
        return 2;
    }
    return run_file(file, verbose);
}
