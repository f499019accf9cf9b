/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Cluster resource models (policy.md §7.1): the default grades, the
 * normalisation of a given list, its validation, and the conversion to
 * ClusterSpec.resource_models in milli-units.
 */
#include "cluster.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/quantity.h"

#define UNBOUNDED "9223372036854775807"

/* A quantity in milli-units; beyond int64 saturates (the "infinite" max). */
static int
milli_of(const json_t *v, int64_t *out)
{
    char text[128];
    int rc;

    if (json_is_string(v)) {
        snprintf(text, sizeof(text), "%s", json_string_value(v));
    } else if (json_is_integer(v)) {
        snprintf(text, sizeof(text), "%" JSON_INTEGER_FORMAT,
                 json_integer_value(v));
    } else if (json_is_real(v)) {
        snprintf(text, sizeof(text), "%.17g", json_real_value(v));
    } else {
        return -EINVAL;
    }
    rc = util_quantity_parse_milli(text, out);
    if (rc == -ERANGE) {
        *out = text[0] == '-' ? INT64_MIN : INT64_MAX;
        return 0;
    }
    return rc;
}

static json_t *
default_models(void)
{
    static const char *const cpu[] = { "0", "1", "2", "4", "8", "16", "32",
                                       "64", "128", UNBOUNDED };
    static const char *const mem[] = { "0", "4Gi", "16Gi", "32Gi", "64Gi",
                                       "128Gi", "256Gi", "512Gi", "1024Gi",
                                       UNBOUNDED };
    json_t *list = json_array();

    for (int g = 0; list != NULL && g < 9; g++) {
        json_array_append_new(
            list, json_pack("{s:i,s:[{s:s,s:s,s:s},{s:s,s:s,s:s}]}", "grade",
                            g, "ranges", "name", "cpu", "min", cpu[g], "max",
                            cpu[g + 1], "name", "memory", "min", mem[g],
                            "max", mem[g + 1]));
    }
    return list;
}

static int
cmp_grade(const void *a, const void *b)
{
    json_int_t x = json_integer_value(
        json_object_get(*(json_t *const *)a, "grade"));
    json_int_t y = json_integer_value(
        json_object_get(*(json_t *const *)b, "grade"));

    return x < y ? -1 : (x > y ? 1 : 0);
}

int
cluster_default_models(json_t *spec)
{
    json_t *list = json_object_get(spec, "resourceModels");
    size_t n = json_array_size(list);
    json_t **v;
    size_t i;
    json_t *r;

    if (n == 0) {
        list = default_models();
        return list != NULL &&
                       json_object_set_new(spec, "resourceModels", list) == 0
                   ? 0
                   : -ENOMEM;
    }
    v = calloc(n, sizeof(*v));
    if (v == NULL) {
        return -ENOMEM;
    }
    for (i = 0; i < n; i++) {
        v[i] = json_incref(json_array_get(list, i));
    }
    qsort(v, n, sizeof(*v), cmp_grade);
    json_array_clear(list);
    for (i = 0; i < n; i++) {
        json_array_append_new(list, v[i]);
    }
    free(v);
    json_array_foreach(json_object_get(json_array_get(list, 0), "ranges"), i,
                       r) {
        json_object_set_new(r, "min", json_string("0"));
    }
    json_array_foreach(json_object_get(json_array_get(list, n - 1), "ranges"),
                       i, r) {
        json_object_set_new(r, "max", json_string(UNBOUNDED));
    }
    return 0;
}

static int
fail(char *why, size_t len, const char *msg, json_int_t grade)
{
    snprintf(why, len, "%s (grade %" JSON_INTEGER_FORMAT ")", msg, grade);
    return -EINVAL;
}

int
cluster_validate_models(const json_t *spec, char *why, size_t len)
{
    const json_t *list = json_object_get(spec, "resourceModels");
    const json_t *prev = NULL;
    size_t i;
    json_t *m;

    json_array_foreach((json_t *)list, i, m) {
        const json_t *ranges = json_object_get(m, "ranges");
        json_int_t grade = json_integer_value(json_object_get(m, "grade"));
        size_t j;
        json_t *r;

        if (prev != NULL &&
            grade == json_integer_value(json_object_get(prev, "grade"))) {
            return fail(why, len, "duplicate grade", grade);
        }
        if (prev != NULL && json_array_size(ranges) !=
                                json_array_size(json_object_get(prev,
                                                                "ranges"))) {
            return fail(why, len, "every grade needs the same resources",
                        grade);
        }
        json_array_foreach((json_t *)ranges, j, r) {
            const json_t *pr = json_array_get(json_object_get(prev, "ranges"),
                                              j);
            int64_t lo = 0;
            int64_t hi = 0;
            int64_t pmax = 0;

            if (milli_of(json_object_get(r, "min"), &lo) != 0 ||
                milli_of(json_object_get(r, "max"), &hi) != 0) {
                return fail(why, len, "min and max must be quantities", grade);
            }
            if (hi <= lo) {
                return fail(why, len, "max must be greater than min", grade);
            }
            if (pr == NULL) {
                continue;
            }
            if (strcmp(json_string_value(json_object_get(r, "name")),
                       json_string_value(json_object_get(pr, "name"))) != 0) {
                return fail(why, len,
                            "every grade needs the same resources in the "
                            "same order",
                            grade);
            }
            if (milli_of(json_object_get(pr, "max"), &pmax) != 0 ||
                pmax != lo) {
                return fail(why, len,
                            "grades must be contiguous (min = previous max)",
                            grade);
            }
        }
        prev = m;
    }
    return 0;
}

int
cluster_models_to_proto(const json_t *spec, Flotilla__V1__ClusterSpec *m)
{
    const json_t *list = json_object_get(spec, "resourceModels");
    size_t i;
    json_t *g;

    if (json_array_size(list) == 0) {
        return 0;
    }
    m->resource_models = calloc(json_array_size(list),
                                sizeof(*m->resource_models));
    if (m->resource_models == NULL) {
        return -ENOMEM;
    }
    json_array_foreach((json_t *)list, i, g) {
        Flotilla__V1__ResourceModel *rm = malloc(sizeof(*rm));
        const json_t *ranges = json_object_get(g, "ranges");
        size_t j;
        json_t *r;

        if (rm == NULL) {
            return -ENOMEM;
        }
        flotilla__v1__resource_model__init(rm);
        m->resource_models[m->n_resource_models++] = rm;
        rm->grade = (uint32_t)json_integer_value(json_object_get(g, "grade"));
        rm->ranges = calloc(json_array_size(ranges) + 1, sizeof(*rm->ranges));
        if (rm->ranges == NULL) {
            return -ENOMEM;
        }
        json_array_foreach((json_t *)ranges, j, r) {
            Flotilla__V1__ResourceModelRange *x = malloc(sizeof(*x));

            if (x == NULL) {
                return -ENOMEM;
            }
            flotilla__v1__resource_model_range__init(x);
            rm->ranges[rm->n_ranges++] = x;
            x->name = strdup(json_string_value(json_object_get(r, "name")));
            if (x->name == NULL ||
                milli_of(json_object_get(r, "min"), &x->min_milli) != 0 ||
                milli_of(json_object_get(r, "max"), &x->max_milli) != 0) {
                return x->name == NULL ? -ENOMEM : -EINVAL;
            }
        }
    }
    return 0;
}
