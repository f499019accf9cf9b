/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Names, selector matching and policy choice of Karmada's detector
 * (policy.md §2, §4.2-4.4), as pure functions over model objects.
 */
#include "model/policy.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
model_binding_name(const char *kind, const char *name, char *buf, size_t len)
{
    size_t n = strlen(name) + 1 + strlen(kind);
    size_t j = 0;

    if (n + 1 > len) {
        return -ENOSPC;
    }
    for (const char *p = name; *p != '\0'; p++) {
        buf[j++] = *p == ':' ? '.' : (char)tolower((unsigned char)*p);
    }
    buf[j++] = '-';
    for (const char *p = kind; *p != '\0'; p++) {
        buf[j++] = (char)tolower((unsigned char)*p);
    }
    buf[j] = '\0';
    return 0;
}

void
model_short_hash(const char *s, char *buf, size_t len)
{
    static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
    uint32_t h = 2166136261u;
    char digits[16];
    size_t i;

    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        h ^= *p;
        h *= 16777619u;
    }
    snprintf(digits, sizeof(digits), "%" PRIu32, h);
    for (i = 0; digits[i] != '\0' && i + 1 < len; i++) {
        buf[i] = alphabet[(unsigned char)digits[i] % 27];
    }
    if (len > 0) {
        buf[i] = '\0';
    }
}

int
model_depended_by_label(const char *namespace_, const char *name, char *buf,
                        size_t len)
{
    char key[600];
    char hash[16];

    if (namespace_ != NULL && namespace_[0] != '\0') {
        snprintf(key, sizeof(key), "%s/%s", namespace_, name);
    } else {
        snprintf(key, sizeof(key), "%s", name);
    }
    model_short_hash(key, hash, sizeof(hash));
    if ((size_t)snprintf(buf, len, "resourcebinding.karmada.io/depended-by-%s",
                         hash) >= len) {
        return -ENOSPC;
    }
    return 0;
}

int
model_work_name(const char *kind, const char *name, const char *namespace_,
                char *buf, size_t len)
{
    char n[512];
    char key[1100];
    char hash[16];
    size_t j = 0;

    if (strlen(name) >= sizeof(n)) {
        return -ENOSPC;
    }
    for (const char *p = name; *p != '\0'; p++) {
        n[j++] = *p == ':' ? '.' : (char)tolower((unsigned char)*p);
    }
    n[j] = '\0';
    if (namespace_ != NULL && namespace_[0] != '\0') {
        snprintf(key, sizeof(key), "%s-%s-%s", namespace_, n, kind);
    } else {
        snprintf(key, sizeof(key), "%s-%s", n, kind);
    }
    for (char *p = key; *p != '\0'; p++) {
        *p = (char)tolower((unsigned char)*p);
    }
    model_short_hash(key, hash, sizeof(hash));
    if ((size_t)snprintf(buf, len, "%s-%s", n, hash) >= len) {
        return -ENOSPC;
    }
    return 0;
}

static bool
values_contain(const json_t *values, const char *v)
{
    size_t i;
    json_t *x;

    json_array_foreach((json_t *)values, i, x) {
        if (json_is_string(x) && strcmp(json_string_value(x), v) == 0) {
            return true;
        }
    }
    return false;
}

/* One matchExpressions requirement; -EINVAL when invalid. */
static int
requirement_matches(const json_t *req, const json_t *labels)
{
    const char *key = json_string_value(json_object_get(req, "key"));
    const char *op = json_string_value(json_object_get(req, "operator"));
    const json_t *values = json_object_get(req, "values");
    const json_t *lv;

    if (key == NULL || key[0] == '\0' || op == NULL) {
        return -EINVAL;
    }
    lv = json_object_get(labels, key);
    if (strcmp(op, "In") == 0 || strcmp(op, "NotIn") == 0) {
        bool in;

        if (json_array_size(values) == 0) {
            return -EINVAL;
        }
        in = json_is_string(lv) &&
             values_contain(values, json_string_value(lv));
        return strcmp(op, "In") == 0 ? in : !in;
    }
    if (json_array_size(values) != 0) {
        return -EINVAL;
    }
    if (strcmp(op, "Exists") == 0) {
        return lv != NULL;
    }
    if (strcmp(op, "DoesNotExist") == 0) {
        return lv == NULL;
    }
    return -EINVAL;
}

int
model_label_selector_matches(const json_t *sel, const json_t *labels)
{
    const json_t *ml = json_object_get(sel, "matchLabels");
    const json_t *me = json_object_get(sel, "matchExpressions");
    const char *k;
    json_t *v;
    size_t i;
    int result = 1;

    json_object_foreach((json_t *)ml, k, v) {
        const json_t *lv = json_object_get(labels, k);

        if (k[0] == '\0') {
            return -EINVAL;
        }
        if (!json_is_string(lv) || !json_is_string(v) ||
            strcmp(json_string_value(lv), json_string_value(v)) != 0) {
            result = 0;
        }
    }
    json_array_foreach((json_t *)me, i, v) {
        int rc = requirement_matches(v, labels);

        if (rc < 0) {
            return rc;
        }
        if (rc == 0) {
            result = 0;
        }
    }
    return result;
}

static const char *
sel_str(const json_t *sel, const char *key)
{
    const json_t *v = json_object_get(sel, key);

    return json_is_string(v) ? json_string_value(v) : "";
}

enum model_match
model_selector_match(const json_t *selector, const struct model_object *t)
{
    const char *ns = sel_str(selector, "namespace");
    const char *name = sel_str(selector, "name");
    const json_t *ls = json_object_get(selector, "labelSelector");

    if (strcmp(sel_str(selector, "apiVersion"), t->api_version) != 0 ||
        strcmp(sel_str(selector, "kind"), t->kind) != 0) {
        return MODEL_MATCH_NONE;
    }
    if (ns[0] != '\0' && strcmp(ns, t->namespace_) != 0) {
        return MODEL_MATCH_NONE;
    }
    if (name[0] != '\0') {
        return strcmp(name, t->name) == 0 ? MODEL_MATCH_NAME
                                          : MODEL_MATCH_NONE;
    }
    if (ls == NULL || json_is_null(ls)) {
        return MODEL_MATCH_ALL;
    }
    return model_label_selector_matches(
               ls, json_object_get(json_object_get(t->json, "metadata"),
                                   "labels")) == 1
               ? MODEL_MATCH_LABEL_SELECTOR
               : MODEL_MATCH_NONE;
}

enum model_match
model_selectors_match(const json_t *selectors, const struct model_object *t)
{
    enum model_match best = MODEL_MATCH_NONE;
    size_t i;
    json_t *s;

    json_array_foreach((json_t *)selectors, i, s) {
        enum model_match m = model_selector_match(s, t);

        best = m > best ? m : best;
    }
    return best;
}

static int64_t
policy_priority(const struct model_object *p)
{
    const json_t *v = json_object_get(json_object_get(p->json, "spec"),
                                      "priority");

    return json_is_integer(v) ? json_integer_value(v) : 0;
}

/* Is (ep, ip, name) better than the current winner (§4.4)? */
static bool
better(const struct model_candidate *c, const struct model_candidate *w)
{
    if (w->policy == NULL || c->priority > w->priority) {
        return true;
    }
    if (c->priority < w->priority) {
        return false;
    }
    if (c->match != w->match) {
        return c->match > w->match;
    }
    return strcmp(c->policy->name, w->policy->name) < 0;
}

static bool
is_candidate(const struct model_object *p, const struct model_object *t,
             enum model_class cls)
{
    if (p->cls != cls) {
        return false;
    }
    if (cls == MODEL_CLASS_PROPAGATION_POLICY) {
        return t->namespaced && strcmp(p->namespace_, t->namespace_) == 0;
    }
    return true;
}

const struct model_object *
model_policy_match(const struct model_set *set, const struct model_object *t,
                   struct model_candidate *cands, size_t max, size_t *ncands)
{
    static const enum model_class order[] = {
        MODEL_CLASS_PROPAGATION_POLICY,
        MODEL_CLASS_CLUSTER_PROPAGATION_POLICY,
    };
    struct model_candidate winner = { NULL, MODEL_MATCH_NONE, 0 };
    size_t n = 0;

    if (t->cls != MODEL_CLASS_TEMPLATE) {
        return NULL;
    }
    for (size_t o = 0; o < 2; o++) {
        for (size_t i = 0; i < set->n; i++) {
            const struct model_object *p = set->items[i];
            struct model_candidate c;

            if (!is_candidate(p, t, order[o])) {
                continue;
            }
            c.policy = p;
            c.match = model_selectors_match(
                json_object_get(json_object_get(p->json, "spec"),
                                "resourceSelectors"),
                t);
            c.priority = policy_priority(p);
            if (c.match == MODEL_MATCH_NONE) {
                continue;
            }
            if (cands != NULL && n < max) {
                cands[n] = c;
            }
            n++;
            if (winner.policy == NULL || better(&c, &winner)) {
                /* A PP found in the first pass is never beaten by a CPP. */
                if (o == 1 && winner.policy != NULL &&
                    winner.policy->cls == MODEL_CLASS_PROPAGATION_POLICY) {
                    continue;
                }
                winner = c;
            }
        }
    }
    if (ncands != NULL) {
        *ncands = n;
    }
    return winner.policy;
}
