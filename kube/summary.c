/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The resource summary of a member from its nodes and pods (the rules are
 * in kube/summary.h). Every quantity is parsed and added exactly; anything
 * unreadable fails the summary with the object and field named.
 */
#include "kube/summary.h"
#include "kube/objects.h"
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
kube_summary_init(struct kube_summary *s)
{
    memset(s, 0, sizeof(*s));
}

static void
list_release(struct kube_resource_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].name);
    }
    free(l->items);
    memset(l, 0, sizeof(*l));
}

void
kube_summary_release(struct kube_summary *s)
{
    if (s == NULL) {
        return;
    }
    list_release(&s->allocatable);
    list_release(&s->allocated);
    list_release(&s->allocating);
    memset(s, 0, sizeof(*s));
}

const struct util_quantity *
kube_resource_list_get(const struct kube_resource_list *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->items[i].name, name) == 0) {
            return &l->items[i].q;
        }
    }
    return NULL;
}

/* The entry of @name in @l, made zero when absent; NULL on ENOMEM. */
static struct util_quantity *
list_slot(struct kube_resource_list *l, const char *name)
{
    struct kube_resource *r;

    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->items[i].name, name) == 0) {
            return &l->items[i].q;
        }
    }
    if (l->n == l->cap) {
        size_t cap = l->cap == 0 ? 8 : l->cap * 2;
        struct kube_resource *grown = realloc(l->items, cap * sizeof(*grown));

        if (grown == NULL) {
            return NULL;
        }
        l->items = grown;
        l->cap = cap;
    }
    r = &l->items[l->n];
    r->name = strdup(name);
    if (r->name == NULL) {
        return NULL;
    }
    util_quantity_init(&r->q);
    l->n++;
    return &r->q;
}

static int
list_add(struct kube_resource_list *l, const char *name,
         const struct util_quantity *q)
{
    struct util_quantity *slot = list_slot(l, name);

    if (slot == NULL) {
        return -ENOMEM;
    }
    return util_quantity_add(slot, q, slot);
}

/* Parses a quantity value (string or JSON number). */
static int
quantity_of(const json_t *v, struct util_quantity *q)
{
    char text[64];

    if (json_is_string(v)) {
        return util_quantity_parse(json_string_value(v), q);
    }
    if (json_is_integer(v)) {
        snprintf(text, sizeof(text), "%lld",
                 (long long)json_integer_value(v));
        return util_quantity_parse(text, q);
    }
    return -EINVAL;
}

/*
 * Adds every quantity of the ResourceList object @rl to @l (max instead of
 * sum when @max). @where names it in errors.
 */
static int
add_resource_list(struct kube_resource_list *l, const json_t *rl, bool max,
                  const char *where, char *why, size_t why_len)
{
    const char *key;
    json_t *v;

    if (rl == NULL || json_is_null(rl)) {
        return 0;
    }
    if (!json_is_object(rl)) {
        snprintf(why, why_len, "%s is %s, not an object", where,
                 kube_json_type_name(rl));
        return -EBADMSG;
    }
    json_object_foreach((json_t *)rl, key, v) {
        struct util_quantity q;
        struct util_quantity *slot;
        int rc = quantity_of(v, &q);

        if (rc != 0) {
            snprintf(why, why_len, "%s.%s: %s is not a quantity", where, key,
                     json_is_string(v) ? json_string_value(v)
                                       : kube_json_type_name(v));
            return rc == -ERANGE ? -ERANGE : -EBADMSG;
        }
        if (!max) {
            rc = list_add(l, key, &q);
        } else if ((slot = list_slot(l, key)) == NULL) {
            rc = -ENOMEM;
        } else if (util_quantity_cmp(&q, slot) > 0) {
            *slot = q;
        }
        if (rc != 0) {
            snprintf(why, why_len, "%s.%s: %s", where, key,
                     rc == -ERANGE ? "sum out of range" : "out of memory");
            return rc;
        }
    }
    return 0;
}

static bool
node_is_ready_schedulable(const json_t *node)
{
    const json_t *conds = json_object_get(json_object_get(node, "status"),
                                          "conditions");
    const json_t *cond;
    size_t i;

    if (json_is_true(json_object_get(json_object_get(node, "spec"),
                                     "unschedulable"))) {
        return false;
    }
    json_array_foreach(conds, i, cond) {
        const char *type = json_string_value(json_object_get(cond, "type"));
        const char *st = json_string_value(json_object_get(cond, "status"));

        if (type != NULL && strcmp(type, "Ready") == 0) {
            return st != NULL && strcmp(st, "True") == 0;
        }
    }
    return false;
}

static int
add_nodes(struct kube_summary *s, const json_t *nodes, char *why,
          size_t why_len)
{
    const json_t *node;
    char where[64];
    size_t i;
    int rc;

    json_array_foreach(nodes, i, node) {
        if (!json_is_object(node)) {
            snprintf(why, why_len, "nodes[%zu] is %s, not an object", i,
                     kube_json_type_name(node));
            return -EBADMSG;
        }
        s->nodes_total++;
        if (!node_is_ready_schedulable(node)) {
            continue;
        }
        s->nodes_ready++;
        snprintf(where, sizeof(where), "nodes[%zu].status.allocatable", i);
        rc = add_resource_list(&s->allocatable,
                               json_object_get(json_object_get(node, "status"),
                                               "allocatable"),
                               false, where, why, why_len);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

/* One container list's requests: summed, or the max when @max. */
static int
add_containers(struct kube_resource_list *l, const json_t *spec,
               const char *field, bool max, size_t pod, char *why,
               size_t why_len)
{
    const json_t *list = json_object_get(spec, field);
    const json_t *ct;
    char where[96];
    size_t k;
    int rc;

    if (list != NULL && !json_is_array(list)) {
        snprintf(why, why_len, "pods[%zu].spec.%s is %s, not an array", pod,
                 field, kube_json_type_name(list));
        return -EBADMSG;
    }
    json_array_foreach(list, k, ct) {
        snprintf(where, sizeof(where),
                 "pods[%zu].spec.%s[%zu].resources.requests", pod, field, k);
        rc = add_resource_list(l,
                               json_object_get(json_object_get(ct,
                                                               "resources"),
                                               "requests"),
                               max, where, why, why_len);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

/* The requests of one pod, as the scheduler counts them, into @into. */
static int
add_pod(struct kube_resource_list *into, const json_t *spec, size_t pod,
        char *why, size_t why_len)
{
    struct kube_resource_list sum = { 0 };
    struct kube_resource_list init = { 0 };
    char where[64];
    int rc;

    rc = add_containers(&sum, spec, "containers", false, pod, why, why_len);
    if (rc == 0) {
        rc = add_containers(&init, spec, "initContainers", true, pod, why,
                            why_len);
    }
    for (size_t i = 0; rc == 0 && i < init.n; i++) {
        struct util_quantity *slot = list_slot(&sum, init.items[i].name);

        if (slot == NULL) {
            rc = -ENOMEM;
        } else if (util_quantity_cmp(&init.items[i].q, slot) > 0) {
            *slot = init.items[i].q;
        }
    }
    if (rc == 0) {
        snprintf(where, sizeof(where), "pods[%zu].spec.overhead", pod);
        rc = add_resource_list(&sum, json_object_get(spec, "overhead"), false,
                               where, why, why_len);
    }
    for (size_t i = 0; rc == 0 && i < sum.n; i++) {
        rc = list_add(into, sum.items[i].name, &sum.items[i].q);
    }
    list_release(&sum);
    list_release(&init);
    return rc;
}

static int
count_pod(struct kube_resource_list *l)
{
    struct util_quantity one;

    util_quantity_from_int(&one, 1);
    return list_add(l, "pods", &one);
}

static int
add_pods(struct kube_summary *s, const json_t *pods, char *why,
         size_t why_len)
{
    const json_t *pod;
    size_t i;
    int rc = 0;

    json_array_foreach(pods, i, pod) {
        const json_t *spec = json_object_get(pod, "spec");
        const char *phase = json_string_value(json_object_get(
            json_object_get(pod, "status"), "phase"));
        const json_t *node = json_object_get(spec, "nodeName");
        bool bound = json_is_string(node) && json_string_length(node) > 0;
        bool deleting = json_object_get(json_object_get(pod, "metadata"),
                                        "deletionTimestamp") != NULL;
        struct kube_resource_list *into;

        if (!json_is_object(pod) || !json_is_object(spec)) {
            snprintf(why, why_len, "pods[%zu]%s is not an object", i,
                     json_is_object(pod) ? ".spec" : "");
            return -EBADMSG;
        }
        s->pods_total++;
        if (phase != NULL &&
            (strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0)) {
            continue;
        }
        if (!bound && deleting) {
            continue;
        }
        into = bound ? &s->allocated : &s->allocating;
        rc = add_pod(into, spec, i, why, why_len);
        if (rc == 0) {
            rc = count_pod(into);
        }
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

int
kube_summary_compute(struct kube_summary *s, const json_t *nodes,
                     const json_t *pods, char *why, size_t why_len)
{
    char dummy[8];
    int rc;

    if (why == NULL) {
        why = dummy;
        why_len = sizeof(dummy);
    }
    why[0] = '\0';
    if (!json_is_array(nodes) || !json_is_array(pods)) {
        snprintf(why, why_len, "nodes and pods must be arrays");
        return -EBADMSG;
    }
    rc = add_nodes(s, nodes, why, why_len);
    if (rc == 0) {
        rc = add_pods(s, pods, why, why_len);
    }
    if (rc == -ENOMEM && why[0] == '\0') {
        snprintf(why, why_len, "out of memory");
    }
    return rc;
}

int
kube_summary_fetch(struct kube_client *c, struct kube_summary *s,
                   struct kube_error *err)
{
    struct kube_ref nodes_ref = { .api_version = "v1", .kind = "Node" };
    struct kube_ref pods_ref = { .api_version = "v1", .kind = "Pod" };
    struct kube_list_result nodes = { 0 };
    struct kube_list_result pods = { 0 };
    char why[512];
    int rc;

    rc = kube_list(c, &nodes_ref, NULL, &nodes, err);
    if (rc == 0) {
        rc = kube_list(c, &pods_ref, NULL, &pods, err);
    }
    if (rc == 0) {
        rc = kube_summary_compute(s, nodes.items, pods.items, why,
                                  sizeof(why));
        if (rc != 0) {
            kube_error_set(err, c, "GET", "/api/v1/nodes,pods", rc, 200, NULL,
                           "resource summary: %s", why);
        }
    }
    kube_list_result_release(&nodes);
    kube_list_result_release(&pods);
    return rc;
}

/* Proto conversion */

static void
proto_list_release(Flotilla__V1__ResourceList *l)
{
    if (l == NULL) {
        return;
    }
    for (size_t i = 0; i < l->n_milli; i++) {
        free(l->milli[i]->key);
        free(l->milli[i]);
    }
    free(l->milli);
    for (size_t i = 0; i < l->n_binary_si; i++) {
        free(l->binary_si[i]);
    }
    free(l->binary_si);
    free(l);
}

void
kube_summary_proto_release(Flotilla__V1__ResourceSummary *out)
{
    proto_list_release(out->allocatable);
    proto_list_release(out->allocated);
    proto_list_release(out->allocating);
    out->allocatable = NULL;
    out->allocated = NULL;
    out->allocating = NULL;
}

static int
proto_list(const struct kube_resource_list *l,
           Flotilla__V1__ResourceList **out)
{
    Flotilla__V1__ResourceList *p = calloc(1, sizeof(*p));

    *out = p;
    if (p == NULL) {
        return -ENOMEM;
    }
    flotilla__v1__resource_list__init(p);
    p->milli = calloc(l->n + 1, sizeof(*p->milli));
    p->binary_si = calloc(l->n + 1, sizeof(*p->binary_si));
    if (p->milli == NULL || p->binary_si == NULL) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < l->n; i++) {
        Flotilla__V1__ResourceList__MilliEntry *e = calloc(1, sizeof(*e));

        if (e == NULL) {
            return -ENOMEM;
        }
        flotilla__v1__resource_list__milli_entry__init(e);
        p->milli[p->n_milli++] = e;
        e->key = strdup(l->items[i].name);
        e->value = util_quantity_milli_value(&l->items[i].q);
        if (e->key == NULL) {
            return -ENOMEM;
        }
        if (l->items[i].q.format == UTIL_QUANTITY_BINARY_SI) {
            p->binary_si[p->n_binary_si] = strdup(l->items[i].name);
            if (p->binary_si[p->n_binary_si] == NULL) {
                return -ENOMEM;
            }
            p->n_binary_si++;
        }
    }
    return 0;
}

int
kube_summary_to_proto(const struct kube_summary *s, int64_t observed_ns,
                      Flotilla__V1__ResourceSummary *out)
{
    int rc;

    rc = proto_list(&s->allocatable, &out->allocatable);
    if (rc == 0) {
        rc = proto_list(&s->allocated, &out->allocated);
    }
    if (rc == 0) {
        rc = proto_list(&s->allocating, &out->allocating);
    }
    out->observed_ns = observed_ns;
    if (rc != 0) {
        kube_summary_proto_release(out);
    }
    return rc;
}
