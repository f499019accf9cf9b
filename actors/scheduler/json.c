/* SPDX-License-Identifier: Apache-2.0 */
/* Vector-style JSON → scheduler structs; see sched/json.h. */
#include "sched/json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define PATH_MAX_LEN 256

int
sched_json_fail(struct sched_json_ctx *cx, const char *fmt, ...)
{
    va_list ap;

    if (cx->err != NULL && cx->errlen > 0) {
        va_start(ap, fmt);
        vsnprintf(cx->err, cx->errlen, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

static void *
alloc(struct sched_json_ctx *cx, size_t n, size_t size)
{
    return sched_arena_alloc(cx->a, (n + 1) * size);
}

static int
want_object(struct sched_json_ctx *cx, json_t *j, const char *path)
{
    if (!json_is_object(j)) {
        return sched_json_fail(cx, "%s: must be an object", path);
    }
    return 0;
}

static int
want_array(struct sched_json_ctx *cx, json_t *j, const char *path)
{
    if (!json_is_array(j)) {
        return sched_json_fail(cx, "%s: must be an array", path);
    }
    return 0;
}

/* Optional string member; "" when absent or null. */
static int
get_str(struct sched_json_ctx *cx, json_t *obj, const char *path,
        const char *key, const char **out)
{
    json_t *v = json_object_get(obj, key);

    if (v == NULL || json_is_null(v)) {
        *out = "";
        return 0;
    }
    if (!json_is_string(v)) {
        return sched_json_fail(cx, "%s.%s: must be a string", path, key);
    }
    *out = sched_arena_strdup(cx->a, json_string_value(v));
    return *out == NULL ? -ENOMEM : 0;
}

int
sched_json_int(struct sched_json_ctx *cx, json_t *j, const char *path,
               const char *key, int64_t *out)
{
    json_t *v = json_object_get(j, key);

    if (v == NULL || json_is_null(v)) {
        return 0;
    }
    if (!json_is_integer(v)) {
        return sched_json_fail(cx, "%s.%s: must be an integer", path, key);
    }
    *out = (int64_t)json_integer_value(v);
    return 0;
}

static int
get_i32(struct sched_json_ctx *cx, json_t *j, const char *path,
        const char *key, int32_t *out)
{
    int64_t v = *out;
    int rc = sched_json_int(cx, j, path, key, &v);

    if (rc != 0) {
        return rc;
    }
    if (v < INT32_MIN || v > INT32_MAX) {
        return sched_json_fail(cx, "%s.%s: out of int32 range", path, key);
    }
    *out = (int32_t)v;
    return 0;
}

/* Array of strings at @key (absent = empty). */
static int
get_strs(struct sched_json_ctx *cx, json_t *obj, const char *path,
         const char *key, const char ***out, size_t *n_out)
{
    json_t *arr = json_object_get(obj, key);
    const char **s;
    size_t i;
    json_t *v;

    *out = NULL;
    *n_out = 0;
    if (arr == NULL || json_is_null(arr)) {
        return 0;
    }
    if (!json_is_array(arr)) {
        return sched_json_fail(cx, "%s.%s: must be an array of strings", path,
                               key);
    }
    s = alloc(cx, json_array_size(arr), sizeof(*s));
    if (s == NULL) {
        return -ENOMEM;
    }
    json_array_foreach(arr, i, v) {
        if (!json_is_string(v)) {
            return sched_json_fail(cx, "%s.%s[%zu]: must be a string", path,
                                   key, i);
        }
        s[i] = sched_arena_strdup(cx->a, json_string_value(v));
        if (s[i] == NULL) {
            return -ENOMEM;
        }
    }
    *out = s;
    *n_out = json_array_size(arr);
    return 0;
}

static int
get_labels(struct sched_json_ctx *cx, json_t *obj, const char *path,
           const char *key, struct sched_label **out, size_t *n_out)
{
    json_t *m = json_object_get(obj, key);
    struct sched_label *l;
    const char *k;
    size_t i = 0;
    json_t *v;

    *out = NULL;
    *n_out = 0;
    if (m == NULL || json_is_null(m)) {
        return 0;
    }
    if (!json_is_object(m)) {
        return sched_json_fail(cx, "%s.%s: must be an object of strings", path,
                               key);
    }
    l = alloc(cx, json_object_size(m), sizeof(*l));
    if (l == NULL) {
        return -ENOMEM;
    }
    json_object_foreach(m, k, v) {
        if (!json_is_string(v)) {
            return sched_json_fail(cx, "%s.%s.%s: must be a string", path, key,
                                   k);
        }
        l[i].key = sched_arena_strdup(cx->a, k);
        l[i].value = sched_arena_strdup(cx->a, json_string_value(v));
        i++;
    }
    *out = l;
    *n_out = i;
    return 0;
}

static int
parse_quantity(struct sched_json_ctx *cx, json_t *v, const char *path,
               struct util_quantity *q)
{
    char buf[64];
    const char *s;
    int rc;

    if (json_is_string(v)) {
        s = json_string_value(v);
    } else if (json_is_integer(v)) {
        snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        s = buf;
    } else if (json_is_real(v)) {
        snprintf(buf, sizeof(buf), "%.9f", json_real_value(v));
        s = buf;
    } else {
        return sched_json_fail(cx, "%s: must be a quantity string", path);
    }
    rc = util_quantity_parse(s, q);
    if (rc == -ERANGE) {
        return sched_json_fail(cx, "%s: quantity '%s' out of range", path, s);
    }
    if (rc != 0) {
        return sched_json_fail(cx, "%s: '%s' is not a quantity", path, s);
    }
    return 0;
}

int
sched_json_resources(struct sched_json_ctx *cx, json_t *j, const char *path,
                     struct sched_resource_list *out)
{
    char p[PATH_MAX_LEN];
    const char *k;
    size_t i = 0;
    json_t *v;
    int rc;

    out->items = NULL;
    out->n = 0;
    if (j == NULL || json_is_null(j)) {
        return 0;
    }
    if ((rc = want_object(cx, j, path)) != 0) {
        return rc;
    }
    out->items = alloc(cx, json_object_size(j), sizeof(*out->items));
    if (out->items == NULL) {
        return -ENOMEM;
    }
    json_object_foreach(j, k, v) {
        snprintf(p, sizeof(p), "%s.%s", path, k);
        rc = parse_quantity(cx, v, p, &out->items[i].q);
        if (rc != 0) {
            return rc;
        }
        out->items[i].name = sched_arena_strdup(cx->a, k);
        i++;
    }
    out->n = i;
    return 0;
}

static int
op_parse(const char *s, enum sched_op *op)
{
    static const struct {
        const char *name;
        enum sched_op op;
    } ops[] = {
        { "In", SCHED_OP_IN },       { "NotIn", SCHED_OP_NOT_IN },
        { "Exists", SCHED_OP_EXISTS }, { "DoesNotExist", SCHED_OP_DOES_NOT_EXIST },
        { "Gt", SCHED_OP_GT },       { "Lt", SCHED_OP_LT },
    };

    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        if (strcmp(s, ops[i].name) == 0) {
            *op = ops[i].op;
            return 0;
        }
    }
    *op = SCHED_OP_INVALID;
    return -EINVAL;
}

/* matchExpressions; an unknown operator decodes as "never matches" (§4.1). */
static int
get_requirements(struct sched_json_ctx *cx, json_t *obj, const char *path,
                 struct sched_requirement **out, size_t *n_out)
{
    json_t *arr = json_object_get(obj, "matchExpressions");
    char p[PATH_MAX_LEN];
    struct sched_requirement *r;
    const char *op;
    size_t i;
    json_t *e;
    int rc;

    *out = NULL;
    *n_out = 0;
    if (arr == NULL || json_is_null(arr)) {
        return 0;
    }
    snprintf(p, sizeof(p), "%s.matchExpressions", path);
    if ((rc = want_array(cx, arr, p)) != 0) {
        return rc;
    }
    r = alloc(cx, json_array_size(arr), sizeof(*r));
    if (r == NULL) {
        return -ENOMEM;
    }
    json_array_foreach(arr, i, e) {
        snprintf(p, sizeof(p), "%s.matchExpressions[%zu]", path, i);
        if ((rc = want_object(cx, e, p)) != 0 ||
            (rc = get_str(cx, e, p, "key", &r[i].key)) != 0 ||
            (rc = get_str(cx, e, p, "operator", &op)) != 0 ||
            (rc = get_strs(cx, e, p, "values", &r[i].values,
                           &r[i].n_values)) != 0) {
            return rc;
        }
        (void)op_parse(op, &r[i].op);
    }
    *out = r;
    *n_out = json_array_size(arr);
    return 0;
}

int
sched_json_affinity(struct sched_json_ctx *cx, json_t *j, const char *path,
                    bool term, struct sched_affinity *out)
{
    char p[PATH_MAX_LEN];
    json_t *ls, *fs, *ov;
    size_t i;
    json_t *e;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = want_object(cx, j, path)) != 0) {
        return rc;
    }
    if (term && (rc = get_str(cx, j, path, "affinityName", &out->name)) != 0) {
        return rc;
    }
    ls = json_object_get(j, "labelSelector");
    if (ls != NULL && !json_is_null(ls)) {
        snprintf(p, sizeof(p), "%s.labelSelector", path);
        if ((rc = want_object(cx, ls, p)) != 0 ||
            (rc = get_labels(cx, ls, p, "matchLabels", &out->labels.match_labels,
                             &out->labels.n_match_labels)) != 0 ||
            (rc = get_requirements(cx, ls, p, &out->labels.exprs,
                                   &out->labels.n_exprs)) != 0) {
            return rc;
        }
        out->labels.present = true;
    }
    fs = json_object_get(j, "fieldSelector");
    if (fs != NULL && !json_is_null(fs)) {
        snprintf(p, sizeof(p), "%s.fieldSelector", path);
        if ((rc = want_object(cx, fs, p)) != 0 ||
            (rc = get_requirements(cx, fs, p, &out->fields, &out->n_fields)) != 0) {
            return rc;
        }
        out->has_field_selector = true;
    }
    if ((rc = get_strs(cx, j, path, "clusterNames", &out->names,
                       &out->n_names)) != 0 ||
        (rc = get_strs(cx, j, path, "exclude", &out->exclude,
                       &out->n_exclude)) != 0) {
        return rc;
    }
    ov = json_object_get(j, "overflowAffinities");
    if (!term || ov == NULL || json_is_null(ov)) {
        return 0;
    }
    snprintf(p, sizeof(p), "%s.overflowAffinities", path);
    if ((rc = want_array(cx, ov, p)) != 0) {
        return rc;
    }
    out->overflow = alloc(cx, json_array_size(ov), sizeof(*out->overflow));
    if (out->overflow == NULL) {
        return -ENOMEM;
    }
    json_array_foreach(ov, i, e) {
        snprintf(p, sizeof(p), "%s.overflowAffinities[%zu]", path, i);
        rc = sched_json_affinity(cx, e, p, true, &out->overflow[i]);
        if (rc != 0) {
            return rc;
        }
    }
    out->n_overflow = json_array_size(ov);
    return 0;
}

int
sched_json_spread(struct sched_json_ctx *cx, json_t *j, const char *path,
                  struct sched_spread *out)
{
    const char *field, *label;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = want_object(cx, j, path)) != 0 ||
        (rc = get_str(cx, j, path, "spreadByField", &field)) != 0 ||
        (rc = get_str(cx, j, path, "spreadByLabel", &label)) != 0 ||
        (rc = get_i32(cx, j, path, "maxGroups", &out->max_groups)) != 0 ||
        (rc = get_i32(cx, j, path, "minGroups", &out->min_groups)) != 0) {
        return rc;
    }
    out->label = label;
    if (strcmp(field, "cluster") == 0) {
        out->field = SCHED_SPREAD_CLUSTER;
    } else if (strcmp(field, "region") == 0) {
        out->field = SCHED_SPREAD_REGION;
    } else if (strcmp(field, "zone") == 0) {
        out->field = SCHED_SPREAD_ZONE;
    } else if (strcmp(field, "provider") == 0) {
        out->field = SCHED_SPREAD_PROVIDER;
    } else if (field[0] == '\0' && label[0] != '\0') {
        out->field = SCHED_SPREAD_LABEL;
    } else if (field[0] == '\0') {
        out->field = SCHED_SPREAD_CLUSTER; /* the webhook's default */
    } else {
        return sched_json_fail(cx,
                               "%s.spreadByField: '%s' is not one of cluster, region, zone, provider",
                               path, field);
    }
    if (out->min_groups < 0 || out->max_groups < 0) {
        return sched_json_fail(cx, "%s: minGroups and maxGroups must be >= 0",
                               path);
    }
    return 0;
}

static int
get_tolerations(struct sched_json_ctx *cx, json_t *arr, const char *path,
                struct sched_placement *pl)
{
    char p[PATH_MAX_LEN];
    size_t i;
    json_t *e;
    int rc;

    if ((rc = want_array(cx, arr, path)) != 0) {
        return rc;
    }
    pl->tolerations = alloc(cx, json_array_size(arr), sizeof(*pl->tolerations));
    if (pl->tolerations == NULL) {
        return -ENOMEM;
    }
    json_array_foreach(arr, i, e) {
        struct sched_toleration *t = &pl->tolerations[i];

        snprintf(p, sizeof(p), "%s[%zu]", path, i);
        if ((rc = want_object(cx, e, p)) != 0 ||
            (rc = get_str(cx, e, p, "key", &t->key)) != 0 ||
            (rc = get_str(cx, e, p, "operator", &t->op)) != 0 ||
            (rc = get_str(cx, e, p, "value", &t->value)) != 0 ||
            (rc = get_str(cx, e, p, "effect", &t->effect)) != 0) {
            return rc;
        }
        if (t->op[0] != '\0' && strcmp(t->op, "Equal") != 0 &&
            strcmp(t->op, "Exists") != 0) {
            return sched_json_fail(cx, "%s.operator: '%s' is not Equal or Exists",
                                   p, t->op);
        }
    }
    pl->n_tolerations = json_array_size(arr);
    return 0;
}

static int
get_replica_scheduling(struct sched_json_ctx *cx, json_t *rs, const char *path,
                       struct sched_placement *pl)
{
    char p[PATH_MAX_LEN];
    json_t *wp, *list, *e;
    size_t i;
    int rc;

    if ((rc = want_object(cx, rs, path)) != 0 ||
        (rc = get_str(cx, rs, path, "replicaSchedulingType", &pl->rs_type)) != 0 ||
        (rc = get_str(cx, rs, path, "replicaDivisionPreference",
                      &pl->division)) != 0) {
        return rc;
    }
    pl->has_replica_scheduling = true;
    wp = json_object_get(rs, "weightPreference");
    if (wp == NULL || json_is_null(wp)) {
        return 0;
    }
    snprintf(p, sizeof(p), "%s.weightPreference", path);
    if ((rc = want_object(cx, wp, p)) != 0 ||
        (rc = get_str(cx, wp, p, "dynamicWeight", &pl->dynamic_weight)) != 0) {
        return rc;
    }
    if (pl->dynamic_weight[0] != '\0' &&
        strcmp(pl->dynamic_weight, "AvailableReplicas") != 0) {
        return sched_json_fail(cx, "%s.dynamicWeight: '%s' is not AvailableReplicas",
                               p, pl->dynamic_weight);
    }
    pl->has_weight_preference = true;
    list = json_object_get(wp, "staticWeightList");
    if (list == NULL || json_is_null(list)) {
        return 0;
    }
    snprintf(p, sizeof(p), "%s.weightPreference.staticWeightList", path);
    if ((rc = want_array(cx, list, p)) != 0) {
        return rc;
    }
    pl->static_weights = alloc(cx, json_array_size(list),
                               sizeof(*pl->static_weights));
    if (pl->static_weights == NULL) {
        return -ENOMEM;
    }
    json_array_foreach(list, i, e) {
        struct sched_static_weight *sw = &pl->static_weights[i];
        char q[PATH_MAX_LEN];

        snprintf(p, sizeof(p), "%s.weightPreference.staticWeightList[%zu]",
                 path, i);
        snprintf(q, sizeof(q), "%s.targetCluster", p);
        if ((rc = want_object(cx, e, p)) != 0) {
            return rc;
        }
        if (json_object_get(e, "targetCluster") == NULL) {
            return sched_json_fail(cx, "%s: missing", q);
        }
        if ((rc = sched_json_affinity(cx, json_object_get(e, "targetCluster"), q,
                                      false, &sw->target)) != 0 ||
            (rc = sched_json_int(cx, e, p, "weight", &sw->weight)) != 0) {
            return rc;
        }
        if (sw->weight <= 0) {
            return sched_json_fail(cx, "%s.weight: must be > 0", p);
        }
    }
    pl->n_static_weights = json_array_size(list);
    return 0;
}

static int
get_placement(struct sched_json_ctx *cx, json_t *j, const char *path,
              struct sched_placement *pl)
{
    char p[PATH_MAX_LEN];
    json_t *v, *e;
    size_t i;
    int rc;

    if ((rc = want_object(cx, j, path)) != 0) {
        return rc;
    }
    v = json_object_get(j, "clusterAffinity");
    if (v != NULL && !json_is_null(v)) {
        snprintf(p, sizeof(p), "%s.clusterAffinity", path);
        pl->cluster_affinity = alloc(cx, 1, sizeof(*pl->cluster_affinity));
        if (pl->cluster_affinity == NULL) {
            return -ENOMEM;
        }
        if ((rc = sched_json_affinity(cx, v, p, false, pl->cluster_affinity)) != 0) {
            return rc;
        }
    }
    v = json_object_get(j, "clusterAffinities");
    if (v != NULL && !json_is_null(v)) {
        snprintf(p, sizeof(p), "%s.clusterAffinities", path);
        if ((rc = want_array(cx, v, p)) != 0) {
            return rc;
        }
        if (pl->cluster_affinity != NULL) {
            return sched_json_fail(cx, "%s: clusterAffinity and clusterAffinities are mutually exclusive",
                                   path);
        }
        pl->has_terms = true;
        pl->terms = alloc(cx, json_array_size(v), sizeof(*pl->terms));
        if (pl->terms == NULL) {
            return -ENOMEM;
        }
        json_array_foreach(v, i, e) {
            snprintf(p, sizeof(p), "%s.clusterAffinities[%zu]", path, i);
            if ((rc = sched_json_affinity(cx, e, p, true, &pl->terms[i])) != 0) {
                return rc;
            }
        }
        pl->n_terms = json_array_size(v);
    }
    v = json_object_get(j, "clusterTolerations");
    if (v != NULL && !json_is_null(v)) {
        snprintf(p, sizeof(p), "%s.clusterTolerations", path);
        if ((rc = get_tolerations(cx, v, p, pl)) != 0) {
            return rc;
        }
    }
    v = json_object_get(j, "spreadConstraints");
    if (v != NULL && !json_is_null(v)) {
        snprintf(p, sizeof(p), "%s.spreadConstraints", path);
        if ((rc = want_array(cx, v, p)) != 0) {
            return rc;
        }
        pl->spreads = alloc(cx, json_array_size(v), sizeof(*pl->spreads));
        if (pl->spreads == NULL) {
            return -ENOMEM;
        }
        json_array_foreach(v, i, e) {
            snprintf(p, sizeof(p), "%s.spreadConstraints[%zu]", path, i);
            if ((rc = sched_json_spread(cx, e, p, &pl->spreads[i])) != 0) {
                return rc;
            }
        }
        pl->n_spreads = json_array_size(v);
    }
    v = json_object_get(j, "replicaScheduling");
    if (v != NULL && !json_is_null(v)) {
        snprintf(p, sizeof(p), "%s.replicaScheduling", path);
        if ((rc = get_replica_scheduling(cx, v, p, pl)) != 0) {
            return rc;
        }
    }
    return 0;
}

int
sched_json_components(struct sched_json_ctx *cx, json_t *j, const char *path,
                      struct sched_component **out, size_t *n_out)
{
    char p[PATH_MAX_LEN];
    struct sched_component *c;
    size_t i;
    json_t *e;
    int rc;

    *out = NULL;
    *n_out = 0;
    if (j == NULL || json_is_null(j)) {
        return 0;
    }
    if ((rc = want_array(cx, j, path)) != 0) {
        return rc;
    }
    c = alloc(cx, json_array_size(j), sizeof(*c));
    if (c == NULL) {
        return -ENOMEM;
    }
    json_array_foreach(j, i, e) {
        json_t *rr;

        snprintf(p, sizeof(p), "%s[%zu]", path, i);
        if ((rc = want_object(cx, e, p)) != 0 ||
            (rc = get_str(cx, e, p, "name", &c[i].name)) != 0 ||
            (rc = get_i32(cx, e, p, "replicas", &c[i].replicas)) != 0) {
            return rc;
        }
        rr = json_object_get(e, "resourceRequest");
        c[i].has_request = rr != NULL && !json_is_null(rr);
        snprintf(p, sizeof(p), "%s[%zu].resourceRequest", path, i);
        if ((rc = sched_json_resources(cx, rr, p, &c[i].request)) != 0) {
            return rc;
        }
    }
    *out = c;
    *n_out = json_array_size(j);
    return 0;
}

int
sched_json_targets(struct sched_json_ctx *cx, json_t *j, const char *path,
                   struct sched_target **out, size_t *n_out)
{
    char p[PATH_MAX_LEN];
    struct sched_target *t;
    size_t i;
    json_t *e;
    int rc;

    *out = NULL;
    *n_out = 0;
    if (j == NULL || json_is_null(j)) {
        return 0;
    }
    if ((rc = want_array(cx, j, path)) != 0) {
        return rc;
    }
    t = alloc(cx, json_array_size(j), sizeof(*t));
    if (t == NULL) {
        return -ENOMEM;
    }
    json_array_foreach(j, i, e) {
        snprintf(p, sizeof(p), "%s[%zu]", path, i);
        if ((rc = want_object(cx, e, p)) != 0 ||
            (rc = get_str(cx, e, p, "name", &t[i].name)) != 0 ||
            (rc = get_i32(cx, e, p, "replicas", &t[i].replicas)) != 0) {
            return rc;
        }
        if (json_object_get(e, "components") != NULL) {
            char q[PATH_MAX_LEN];

            snprintf(q, sizeof(q), "%s.components", p);
            rc = sched_json_components(cx, json_object_get(e, "components"), q,
                                       &t[i].components, &t[i].n_components);
            if (rc != 0) {
                return rc;
            }
        }
    }
    *out = t;
    *n_out = json_array_size(j);
    return 0;
}

int
sched_json_binding(struct sched_json_ctx *cx, json_t *j, const char *path,
                   struct sched_binding *out)
{
    char p[PATH_MAX_LEN];
    const char *mode;
    json_t *v, *e;
    size_t i;
    int rc;

    memset(out, 0, sizeof(*out));
    out->uid = "";
    out->observed_affinity = "";
    if (j == NULL || json_is_null(j)) {
        return 0;
    }
    if ((rc = want_object(cx, j, path)) != 0 ||
        (rc = get_str(cx, j, path, "uid", &out->uid)) != 0 ||
        (rc = get_str(cx, j, path, "namespace", &out->namespace)) != 0 ||
        (rc = get_str(cx, j, path, "name", &out->name)) != 0 ||
        (rc = get_i32(cx, j, path, "replicas", &out->replicas)) != 0 ||
        (rc = get_str(cx, j, path, "assignment_mode", &mode)) != 0) {
        return rc;
    }
    if (out->replicas < 0) {
        return sched_json_fail(cx, "%s.replicas: must be >= 0", path);
    }
    if (mode[0] != '\0' && strcmp(mode, "Steady") != 0 &&
        strcmp(mode, "Fresh") != 0) {
        return sched_json_fail(cx, "%s.assignment_mode: '%s' is not Steady or Fresh",
                               path, mode);
    }
    out->fresh = strcmp(mode, "Fresh") == 0;
    v = json_object_get(j, "resource");
    if (v != NULL && !json_is_null(v)) {
        snprintf(p, sizeof(p), "%s.resource", path);
        if ((rc = want_object(cx, v, p)) != 0 ||
            (rc = get_str(cx, v, p, "apiVersion", &out->api_version)) != 0 ||
            (rc = get_str(cx, v, p, "kind", &out->kind)) != 0) {
            return rc;
        }
    }
    v = json_object_get(j, "replica_requirements");
    if (v != NULL && !json_is_null(v)) {
        snprintf(p, sizeof(p), "%s.replica_requirements", path);
        if ((rc = want_object(cx, v, p)) != 0) {
            return rc;
        }
        out->has_requirements = true;
        snprintf(p, sizeof(p), "%s.replica_requirements.resourceRequest", path);
        rc = sched_json_resources(cx, json_object_get(v, "resourceRequest"), p,
                                  &out->requests);
        if (rc != 0) {
            return rc;
        }
    }
    snprintf(p, sizeof(p), "%s.components", path);
    if ((rc = sched_json_components(cx, json_object_get(j, "components"), p,
                                    &out->components, &out->n_components)) != 0) {
        return rc;
    }
    snprintf(p, sizeof(p), "%s.clusters", path);
    if ((rc = sched_json_targets(cx, json_object_get(j, "clusters"), p,
                                 &out->targets, &out->n_targets)) != 0) {
        return rc;
    }
    v = json_object_get(j, "placement");
    if (v != NULL && !json_is_null(v)) {
        snprintf(p, sizeof(p), "%s.placement", path);
        out->has_placement = true;
        if ((rc = get_placement(cx, v, p, &out->placement)) != 0) {
            return rc;
        }
    }
    v = json_object_get(j, "graceful_eviction_tasks");
    if (v != NULL && !json_is_null(v)) {
        snprintf(p, sizeof(p), "%s.graceful_eviction_tasks", path);
        if ((rc = want_array(cx, v, p)) != 0) {
            return rc;
        }
        out->evicting = alloc(cx, json_array_size(v), sizeof(*out->evicting));
        if (out->evicting == NULL) {
            return -ENOMEM;
        }
        json_array_foreach(v, i, e) {
            snprintf(p, sizeof(p), "%s.graceful_eviction_tasks[%zu]", path, i);
            if ((rc = want_object(cx, e, p)) != 0 ||
                (rc = get_str(cx, e, p, "fromCluster", &out->evicting[i])) != 0) {
                return rc;
            }
        }
        out->n_evicting = json_array_size(v);
    }
    v = json_object_get(j, "status");
    if (v != NULL && !json_is_null(v)) {
        snprintf(p, sizeof(p), "%s.status", path);
        if ((rc = want_object(cx, v, p)) != 0 ||
            (rc = get_str(cx, v, p, "schedulerObservedAffinityName",
                          &out->observed_affinity)) != 0) {
            return rc;
        }
    }
    return 0;
}

static int
get_summary(struct sched_json_ctx *cx, json_t *j, const char *path,
            struct sched_summary *s)
{
    char p[PATH_MAX_LEN];
    json_t *m, *e;
    size_t i;
    int rc;

    if ((rc = want_object(cx, j, path)) != 0) {
        return rc;
    }
    snprintf(p, sizeof(p), "%s.allocatable", path);
    if ((rc = sched_json_resources(cx, json_object_get(j, "allocatable"), p,
                                   &s->allocatable)) != 0) {
        return rc;
    }
    snprintf(p, sizeof(p), "%s.allocated", path);
    if ((rc = sched_json_resources(cx, json_object_get(j, "allocated"), p,
                                   &s->allocated)) != 0) {
        return rc;
    }
    snprintf(p, sizeof(p), "%s.allocating", path);
    if ((rc = sched_json_resources(cx, json_object_get(j, "allocating"), p,
                                   &s->allocating)) != 0) {
        return rc;
    }
    m = json_object_get(j, "allocatableModelings");
    if (m == NULL || json_is_null(m)) {
        return 0;
    }
    snprintf(p, sizeof(p), "%s.allocatableModelings", path);
    if ((rc = want_array(cx, m, p)) != 0) {
        return rc;
    }
    s->modelings = alloc(cx, json_array_size(m), sizeof(*s->modelings));
    if (s->modelings == NULL) {
        return -ENOMEM;
    }
    json_array_foreach(m, i, e) {
        int64_t grade = 0;

        snprintf(p, sizeof(p), "%s.allocatableModelings[%zu]", path, i);
        if ((rc = want_object(cx, e, p)) != 0 ||
            (rc = sched_json_int(cx, e, p, "grade", &grade)) != 0 ||
            (rc = sched_json_int(cx, e, p, "count", &s->modelings[i].count)) != 0) {
            return rc;
        }
        if (grade < 0 || grade > UINT32_MAX) {
            return sched_json_fail(cx, "%s.grade: out of range", p);
        }
        s->modelings[i].grade = (uint32_t)grade;
    }
    s->n_modelings = json_array_size(m);
    return 0;
}

static int
get_models(struct sched_json_ctx *cx, json_t *j, const char *path,
           struct sched_cluster *c)
{
    char p[PATH_MAX_LEN];
    size_t i, k;
    json_t *e, *r, *rg;
    int rc;

    if ((rc = want_array(cx, j, path)) != 0) {
        return rc;
    }
    c->models = alloc(cx, json_array_size(j), sizeof(*c->models));
    if (c->models == NULL) {
        return -ENOMEM;
    }
    json_array_foreach(j, i, e) {
        struct sched_model *m = &c->models[i];
        int64_t grade = 0;

        snprintf(p, sizeof(p), "%s[%zu]", path, i);
        if ((rc = want_object(cx, e, p)) != 0 ||
            (rc = sched_json_int(cx, e, p, "grade", &grade)) != 0) {
            return rc;
        }
        if (grade < 0 || grade > UINT32_MAX) {
            return sched_json_fail(cx, "%s.grade: out of range", p);
        }
        m->grade = (uint32_t)grade;
        r = json_object_get(e, "ranges");
        snprintf(p, sizeof(p), "%s[%zu].ranges", path, i);
        if (r == NULL || (rc = want_array(cx, r, p)) != 0) {
            return r == NULL ? sched_json_fail(cx, "%s: missing", p) : rc;
        }
        m->ranges = alloc(cx, json_array_size(r), sizeof(*m->ranges));
        if (m->ranges == NULL) {
            return -ENOMEM;
        }
        json_array_foreach(r, k, rg) {
            struct sched_model_range *x = &m->ranges[k];
            char q[PATH_MAX_LEN];

            snprintf(p, sizeof(p), "%s[%zu].ranges[%zu]", path, i, k);
            if ((rc = want_object(cx, rg, p)) != 0 ||
                (rc = get_str(cx, rg, p, "name", &x->name)) != 0) {
                return rc;
            }
            util_quantity_init(&x->min);
            util_quantity_init(&x->max);
            if (json_object_get(rg, "min") != NULL) {
                snprintf(q, sizeof(q), "%s.min", p);
                if ((rc = parse_quantity(cx, json_object_get(rg, "min"), q,
                                         &x->min)) != 0) {
                    return rc;
                }
            }
            if (json_object_get(rg, "max") != NULL) {
                snprintf(q, sizeof(q), "%s.max", p);
                if ((rc = parse_quantity(cx, json_object_get(rg, "max"), q,
                                         &x->max)) != 0) {
                    return rc;
                }
            }
        }
        m->n_ranges = json_array_size(r);
    }
    c->n_models = json_array_size(j);
    return 0;
}

static int
get_taints(struct sched_json_ctx *cx, json_t *j, const char *path,
           struct sched_cluster *c)
{
    char p[PATH_MAX_LEN];
    size_t i;
    json_t *e;
    int rc;

    if ((rc = want_array(cx, j, path)) != 0) {
        return rc;
    }
    c->taints = alloc(cx, json_array_size(j), sizeof(*c->taints));
    if (c->taints == NULL) {
        return -ENOMEM;
    }
    json_array_foreach(j, i, e) {
        snprintf(p, sizeof(p), "%s[%zu]", path, i);
        if ((rc = want_object(cx, e, p)) != 0 ||
            (rc = get_str(cx, e, p, "key", &c->taints[i].key)) != 0 ||
            (rc = get_str(cx, e, p, "value", &c->taints[i].value)) != 0 ||
            (rc = get_str(cx, e, p, "effect", &c->taints[i].effect)) != 0) {
            return rc;
        }
    }
    c->n_taints = json_array_size(j);
    return 0;
}

static int
get_apis(struct sched_json_ctx *cx, json_t *j, const char *path,
         struct sched_cluster *c)
{
    char p[PATH_MAX_LEN];
    size_t i;
    json_t *e;
    int rc;

    if ((rc = want_array(cx, j, path)) != 0) {
        return rc;
    }
    c->apis = alloc(cx, json_array_size(j), sizeof(*c->apis));
    if (c->apis == NULL) {
        return -ENOMEM;
    }
    json_array_foreach(j, i, e) {
        snprintf(p, sizeof(p), "%s[%zu]", path, i);
        if ((rc = want_object(cx, e, p)) != 0 ||
            (rc = get_str(cx, e, p, "groupVersion", &c->apis[i].group_version)) != 0 ||
            (rc = get_strs(cx, e, p, "kinds", &c->apis[i].kinds,
                           &c->apis[i].n_kinds)) != 0) {
            return rc;
        }
    }
    c->n_apis = json_array_size(j);
    return 0;
}

int
sched_json_cluster(struct sched_json_ctx *cx, json_t *j, const char *path,
                   struct sched_cluster *c)
{
    char p[PATH_MAX_LEN];
    int64_t v;
    json_t *x;
    int rc;

    memset(c, 0, sizeof(*c));
    if ((rc = want_object(cx, j, path)) != 0) {
        return rc;
    }
    if (!json_is_string(json_object_get(j, "name"))) {
        return sched_json_fail(cx, "%s.name: missing or not a string", path);
    }
    if ((rc = get_str(cx, j, path, "name", &c->name)) != 0 ||
        (rc = get_labels(cx, j, path, "labels", &c->labels, &c->n_labels)) != 0 ||
        (rc = get_str(cx, j, path, "provider", &c->provider)) != 0 ||
        (rc = get_str(cx, j, path, "region", &c->region)) != 0 ||
        (rc = get_str(cx, j, path, "zone", &c->zone)) != 0 ||
        (rc = get_strs(cx, j, path, "zones", &c->zones, &c->n_zones)) != 0) {
        return rc;
    }
    if ((x = json_object_get(j, "taints")) != NULL && !json_is_null(x)) {
        snprintf(p, sizeof(p), "%s.taints", path);
        if ((rc = get_taints(cx, x, p, c)) != 0) {
            return rc;
        }
    }
    if ((x = json_object_get(j, "api_enablements")) != NULL && !json_is_null(x)) {
        snprintf(p, sizeof(p), "%s.api_enablements", path);
        if ((rc = get_apis(cx, x, p, c)) != 0) {
            return rc;
        }
    }
    if ((x = json_object_get(j, "resource_summary")) != NULL && !json_is_null(x)) {
        snprintf(p, sizeof(p), "%s.resource_summary", path);
        c->has_summary = true;
        if ((rc = get_summary(cx, x, p, &c->summary)) != 0) {
            return rc;
        }
    }
    if ((x = json_object_get(j, "resource_models")) != NULL && !json_is_null(x)) {
        snprintf(p, sizeof(p), "%s.resource_models", path);
        if ((rc = get_models(cx, x, p, c)) != 0) {
            return rc;
        }
    }
    if ((x = json_object_get(j, "deleting")) != NULL) {
        if (!json_is_boolean(x)) {
            return sched_json_fail(cx, "%s.deleting: must be a boolean", path);
        }
        c->deleting = json_is_true(x);
    }
    v = INT64_MIN;
    if ((rc = sched_json_int(cx, j, path, "score", &v)) != 0) {
        return rc;
    }
    if (v != INT64_MIN) {
        c->given |= SCHED_GIVEN_SCORE;
        c->given_score = v;
    }
    v = INT64_MIN;
    if ((rc = sched_json_int(cx, j, path, "allocatable_replicas", &v)) != 0) {
        return rc;
    }
    if (v != INT64_MIN) {
        c->given |= SCHED_GIVEN_ALLOCATABLE;
        c->given_allocatable = v;
    }
    v = INT64_MIN;
    if ((rc = sched_json_int(cx, j, path, "available_replicas", &v)) != 0) {
        return rc;
    }
    if (v != INT64_MIN) {
        c->given |= SCHED_GIVEN_AVAILABLE;
        c->given_available = v;
    }
    v = INT64_MIN;
    if ((rc = sched_json_int(cx, j, path, "overflow_order", &v)) != 0) {
        return rc;
    }
    if (v != INT64_MIN) {
        c->given |= SCHED_GIVEN_OVERFLOW;
        c->given_overflow = (int32_t)v;
    }
    return 0;
}

int
sched_json_clusters(struct sched_json_ctx *cx, json_t *j, const char *path,
                    struct sched_cluster **out, size_t *n_out)
{
    char p[PATH_MAX_LEN];
    struct sched_cluster *c;
    size_t i;
    json_t *e;
    int rc;

    *out = NULL;
    *n_out = 0;
    if (j == NULL || json_is_null(j)) {
        return 0;
    }
    if ((rc = want_array(cx, j, path)) != 0) {
        return rc;
    }
    c = alloc(cx, json_array_size(j), sizeof(*c));
    if (c == NULL) {
        return -ENOMEM;
    }
    json_array_foreach(j, i, e) {
        snprintf(p, sizeof(p), "%s[%zu]", path, i);
        if ((rc = sched_json_cluster(cx, e, p, &c[i])) != 0) {
            return rc;
        }
    }
    *out = c;
    *n_out = json_array_size(j);
    return 0;
}

int
sched_json_assumed(struct sched_json_ctx *cx, json_t *j, const char *path,
                   const char *cluster, struct sched_assumed **out,
                   size_t *n_out)
{
    char p[PATH_MAX_LEN];
    struct sched_assumed *w;
    size_t i;
    json_t *e;
    int rc;

    if (j == NULL || json_is_null(j)) {
        return 0;
    }
    if ((rc = want_array(cx, j, path)) != 0) {
        return rc;
    }
    w = alloc(cx, *n_out + json_array_size(j), sizeof(*w));
    if (w == NULL) {
        return -ENOMEM;
    }
    if (*n_out > 0) {
        memcpy(w, *out, *n_out * sizeof(*w));
    }
    json_array_foreach(j, i, e) {
        struct sched_assumed *x = &w[*n_out + i];

        snprintf(p, sizeof(p), "%s[%zu]", path, i);
        x->cluster = sched_arena_strdup(cx->a, cluster);
        if ((rc = want_object(cx, e, p)) != 0 ||
            (rc = get_str(cx, e, p, "namespace", &x->namespace)) != 0) {
            return rc;
        }
        snprintf(p, sizeof(p), "%s[%zu].components", path, i);
        if ((rc = sched_json_components(cx, json_object_get(e, "components"), p,
                                        &x->components, &x->n_components)) != 0) {
            return rc;
        }
    }
    *out = w;
    *n_out += json_array_size(j);
    return 0;
}

int
sched_json_gates(struct sched_json_ctx *cx, json_t *j, const char *path,
                 struct sched_gates *g)
{
    const char *k;
    json_t *v;
    int rc;

    if (j == NULL || json_is_null(j)) {
        return 0;
    }
    if ((rc = want_object(cx, j, path)) != 0) {
        return rc;
    }
    json_object_foreach(j, k, v) {
        bool on = json_is_true(v);

        if (!json_is_boolean(v)) {
            return sched_json_fail(cx, "%s.%s: must be a boolean", path, k);
        }
        if (strcmp(k, "CustomizedClusterResourceModeling") == 0) {
            g->customized_modeling = on;
        } else if (strcmp(k, "SchedulingOvercommitProtection") == 0) {
            g->overcommit_protection = on;
        } else if (strcmp(k, "MultiplePodTemplatesScheduling") == 0) {
            g->multiple_templates = on;
        } else if (strcmp(k, "EnableEmptyWorkloadPropagation") == 0) {
            g->empty_workload_propagate = on;
        } else if (strcmp(k, "WorkloadAffinity") == 0) {
            if (on) {
                /* TODO: WorkloadAffinity/AntiAffinity filters need the peer
                 * bindings of a namespace; until the actor supplies them the
                 * gate is refused rather than silently ignored. */
                return sched_json_fail(cx, "%s.%s: not supported yet", path, k);
            }
        } else {
            return sched_json_fail(cx, "%s.%s: unknown feature gate", path, k);
        }
    }
    return 0;
}
