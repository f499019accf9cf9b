/* SPDX-License-Identifier: Apache-2.0 */
/* ClusterTaintPolicy parsing and matching; see policy.h. */
#include "policy.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
ct_policy_free(struct ct_policy *p)
{
    if (p == NULL) {
        return;
    }
    for (size_t i = 0; i < p->ntaints; i++) {
        free(p->taints[i].key);
        free(p->taints[i].value);
        free(p->taints[i].effect);
    }
    free(p->taints);
    json_decref(p->target);
    json_decref(p->add);
    json_decref(p->remove);
    free(p->name);
    free(p);
}

bool
ct_effect_is_valid(const char *effect)
{
    return effect != NULL && (strcmp(effect, "NoSchedule") == 0 ||
                              strcmp(effect, "NoExecute") == 0);
}

static bool
name_part_ok(const char *s, size_t n)
{
    if (n == 0 || n > 63 || !isalnum((unsigned char)s[0]) ||
        !isalnum((unsigned char)s[n - 1])) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_' &&
            s[i] != '.') {
            return false;
        }
    }
    return true;
}

const char *
ct_key_problem(const char *key)
{
    const char *slash;

    if (key == NULL || key[0] == '\0') {
        return "empty";
    }
    slash = strchr(key, '/');
    if (slash != NULL) {
        size_t plen = (size_t)(slash - key);

        if (plen == 0 || plen > 253) {
            return "the prefix before '/' must be 1-253 characters";
        }
        for (size_t i = 0; i < plen; i++) {
            char ch = key[i];

            if (!(islower((unsigned char)ch) || isdigit((unsigned char)ch) ||
                  ch == '-' || ch == '.')) {
                return "the prefix must be a DNS subdomain";
            }
        }
        key = slash + 1;
    }
    if (!name_part_ok(key, strlen(key))) {
        return "the name must be 1-63 characters of [A-Za-z0-9._-], "
               "starting and ending alphanumeric";
    }
    return NULL;
}

/* Checks one addOnConditions/removeOnConditions list; NULL or the error. */
static int
check_conditions(const json_t *list, const char *field, char *err,
                 size_t errlen)
{
    size_t i;
    json_t *item;

    if (list != NULL && !json_is_array(list)) {
        snprintf(err, errlen, "spec.%s: not a list", field);
        return -EINVAL;
    }
    json_array_foreach(list, i, item) {
        const char *type = json_string_value(json_object_get(item,
                                                             "conditionType"));
        const char *op = json_string_value(json_object_get(item, "operator"));
        const json_t *vals = json_object_get(item, "statusValues");
        size_t j;
        json_t *v;

        if (type == NULL || type[0] == '\0') {
            snprintf(err, errlen, "spec.%s[%zu].conditionType: required",
                     field, i);
            return -EINVAL;
        }
        if (op == NULL || (strcmp(op, "In") != 0 && strcmp(op, "NotIn"))) {
            snprintf(err, errlen,
                     "spec.%s[%zu].operator: \"%s\" is not In or NotIn", field,
                     i, op != NULL ? op : "");
            return -EINVAL;
        }
        if (vals != NULL && !json_is_array(vals)) {
            snprintf(err, errlen, "spec.%s[%zu].statusValues: not a list",
                     field, i);
            return -EINVAL;
        }
        json_array_foreach(vals, j, v) {
            if (!json_is_string(v)) {
                snprintf(err, errlen,
                         "spec.%s[%zu].statusValues[%zu]: not a string",
                         field, i, j);
                return -EINVAL;
            }
        }
    }
    return 0;
}

static int
parse_taints(struct ct_policy *p, const json_t *taints, char *err,
             size_t errlen)
{
    size_t i;
    json_t *t;

    if (!json_is_array(taints) || json_array_size(taints) == 0) {
        snprintf(err, errlen, "spec.taints: at least one taint is required");
        return -EINVAL;
    }
    p->taints = calloc(json_array_size(taints), sizeof(*p->taints));
    if (p->taints == NULL) {
        return -ENOMEM;
    }
    json_array_foreach(taints, i, t) {
        const char *key = json_string_value(json_object_get(t, "key"));
        const char *value = json_string_value(json_object_get(t, "value"));
        const char *effect = json_string_value(json_object_get(t, "effect"));
        const char *why = ct_key_problem(key);

        if (why != NULL) {
            snprintf(err, errlen, "spec.taints[%zu].key: \"%s\": %s", i,
                     key != NULL ? key : "", why);
            return -EINVAL;
        }
        if (!ct_effect_is_valid(effect)) {
            snprintf(err, errlen, "spec.taints[%zu].effect: \"%s\" is not "
                     "NoSchedule or NoExecute", i, effect != NULL ? effect : "");
            return -EINVAL;
        }
        for (size_t k = 0; k < p->ntaints; k++) {
            if (strcmp(p->taints[k].key, key) == 0 &&
                strcmp(p->taints[k].effect, effect) == 0) {
                snprintf(err, errlen, "spec.taints[%zu]: %s:%s is listed "
                         "twice", i, key, effect);
                return -EINVAL;
            }
        }
        p->taints[p->ntaints].key = strdup(key);
        p->taints[p->ntaints].value = strdup(value != NULL ? value : "");
        p->taints[p->ntaints].effect = strdup(effect);
        p->ntaints++;
        if (p->taints[p->ntaints - 1].key == NULL ||
            p->taints[p->ntaints - 1].value == NULL ||
            p->taints[p->ntaints - 1].effect == NULL) {
            return -ENOMEM;
        }
    }
    return 0;
}

int
ct_policy_parse(const char *name, const char *json, size_t len,
                struct ct_policy **out, char *err, size_t errlen)
{
    struct ct_policy *p = NULL;
    json_t *root = NULL;
    json_error_t jerr;
    const json_t *spec;
    const json_t *target;
    int rc;

    root = json_loadb(json, len, 0, &jerr);
    if (root == NULL) {
        snprintf(err, errlen, "not JSON: %s (line %d)", jerr.text, jerr.line);
        return -EINVAL;
    }
    p = calloc(1, sizeof(*p));
    if (p == NULL || (p->name = strdup(name)) == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    spec = json_object_get(root, "spec");
    if (!json_is_object(spec)) {
        snprintf(err, errlen, "spec: required");
        rc = -EINVAL;
        goto out;
    }
    target = json_object_get(spec, "targetClusters");
    if (target != NULL && !json_is_null(target) && !json_is_object(target)) {
        snprintf(err, errlen, "spec.targetClusters: not an object");
        rc = -EINVAL;
        goto out;
    }
    p->target = json_is_object(target) ? json_incref((json_t *)target) : NULL;
    p->add = json_incref(json_object_get(spec, "addOnConditions"));
    p->remove = json_incref(json_object_get(spec, "removeOnConditions"));
    rc = check_conditions(p->add, "addOnConditions", err, errlen);
    if (rc == 0) {
        rc = check_conditions(p->remove, "removeOnConditions", err, errlen);
    }
    if (rc == 0) {
        rc = parse_taints(p, json_object_get(spec, "taints"), err, errlen);
    }

out:
    json_decref(root);
    if (rc != 0) {
        ct_policy_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

static bool
listed(const json_t *vals, const char *status)
{
    size_t i;
    json_t *v;

    json_array_foreach(vals, i, v) {
        if (strcmp(json_string_value(v), status) == 0) {
            return true;
        }
    }
    return false;
}

bool
ct_policy_conditions_match(const json_t *list, const json_t *conds)
{
    size_t i;
    json_t *item;

    if (json_array_size(list) == 0) {
        return false;
    }
    json_array_foreach(list, i, item) {
        const char *type = json_string_value(json_object_get(item,
                                                             "conditionType"));
        const char *op = json_string_value(json_object_get(item, "operator"));
        const char *status = json_string_value(json_object_get(conds, type));
        const json_t *vals = json_object_get(item, "statusValues");
        bool in = status != NULL && listed(vals, status);

        /* A missing condition is not among any values: NotIn holds. */
        if ((strcmp(op, "In") == 0 && !in) ||
            (strcmp(op, "NotIn") == 0 && in)) {
            return false;
        }
    }
    return true;
}
