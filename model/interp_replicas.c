/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GetReplicas and ReviseReplica of the native interpreter (interpreter.md
 * §3.1, §3.2, §4): replica counts and per-replica requirements from the pod
 * template, in exact milli-units.
 */
#include "model/interp.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "util/quantity.h"

#define RES_MAX 64

/* A per-resource accumulator: name -> amount (milli for cpu, units else). */
struct res_list {
    char *names[RES_MAX];
    int64_t amounts[RES_MAX];
    size_t n;
};

const char *
model_health_name(enum model_health h)
{
    switch (h) {
    case MODEL_HEALTH_HEALTHY:
        return "Healthy";
    case MODEL_HEALTH_UNHEALTHY:
        return "Unhealthy";
    case MODEL_HEALTH_UNKNOWN:
        break;
    }
    return "Unknown";
}

static const char *
jstr(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);

    return json_is_string(v) ? json_string_value(v) : "";
}

static bool
is_gvk(const json_t *obj, const char *api_version, const char *kind)
{
    return strcmp(jstr(obj, "apiVersion"), api_version) == 0 &&
           strcmp(jstr(obj, "kind"), kind) == 0;
}

bool
model_interp_has_replicas(const json_t *obj)
{
    return is_gvk(obj, "apps/v1", "Deployment") ||
           is_gvk(obj, "apps/v1", "StatefulSet") ||
           is_gvk(obj, "apps/v1", "ReplicaSet") ||
           is_gvk(obj, "batch/v1", "Job") || is_gvk(obj, "v1", "Pod");
}

static void
res_release(struct res_list *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->names[i]);
    }
    r->n = 0;
}

static int64_t *
res_slot(struct res_list *r, const char *name)
{
    for (size_t i = 0; i < r->n; i++) {
        if (strcmp(r->names[i], name) == 0) {
            return &r->amounts[i];
        }
    }
    if (r->n == RES_MAX) {
        return NULL;
    }
    r->names[r->n] = strdup(name);
    if (r->names[r->n] == NULL) {
        return NULL;
    }
    r->amounts[r->n] = 0;
    return &r->amounts[r->n++];
}

static bool
is_qualified_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

/* Karmada's accepted resource names (§3.1 step 5). */
static bool
resource_name_accepted(const char *n)
{
    const char *slash = strchr(n, '/');

    if (strcmp(n, "cpu") == 0 || strcmp(n, "memory") == 0 ||
        strcmp(n, "ephemeral-storage") == 0 || strcmp(n, "pods") == 0 ||
        strncmp(n, "hugepages-", 10) == 0 ||
        strncmp(n, "attachable-volumes-", 19) == 0 ||
        strstr(n, "kubernetes.io/") != NULL) {
        return true;
    }
    if (slash == NULL || strncmp(n, "requests.", 9) == 0) {
        return false;
    }
    for (const char *p = n; *p != '\0'; p++) {
        if (*p != '/' && !is_qualified_name_char(*p)) {
            return false;
        }
    }
    return slash != n && slash[1] != '\0' && strchr(slash + 1, '/') == NULL;
}

static int
quantity_text(const json_t *v, char *buf, size_t len)
{
    if (json_is_string(v)) {
        snprintf(buf, len, "%s", json_string_value(v));
    } else if (json_is_integer(v)) {
        snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    } else if (json_is_real(v)) {
        snprintf(buf, len, "%.17g", json_real_value(v));
    } else {
        return -EINVAL;
    }
    return 0;
}

/* cpu in millicores, everything else in whole units; both rounded up. */
static int
quantity_amount(const char *res, const json_t *v, int64_t *out)
{
    struct util_quantity q;
    char text[128];
    int rc;

    rc = quantity_text(v, text, sizeof(text));
    if (rc == 0) {
        rc = util_quantity_parse(text, &q);
    }
    if (rc != 0) {
        return -EINVAL;
    }
    *out = strcmp(res, "cpu") == 0 ? util_quantity_milli_value(&q)
                                   : util_quantity_value(&q);
    return 0;
}

static int
res_op(struct res_list *acc, const char *name, int64_t amount, bool max)
{
    int64_t *slot = res_slot(acc, name);

    if (slot == NULL) {
        return -ENOMEM;
    }
    if (max) {
        *slot = amount > *slot ? amount : *slot;
        return 0;
    }
    return __builtin_add_overflow(*slot, amount, slot) ? -EINVAL : 0;
}

/* Requests of one container, limits promoted where a request is missing. */
static int
container_requests(const json_t *c, struct res_list *out)
{
    const json_t *res = json_object_get(c, "resources");
    const json_t *req = json_object_get(res, "requests");
    const json_t *lim = json_object_get(res, "limits");
    const char *k;
    json_t *v;
    int64_t a;
    int rc;

    json_object_foreach((json_t *)req, k, v) {
        rc = quantity_amount(k, v, &a);
        if (rc == 0) {
            rc = res_op(out, k, a, false);
        }
        if (rc != 0) {
            return rc;
        }
    }
    json_object_foreach((json_t *)lim, k, v) {
        if (json_object_get(req, k) != NULL) {
            continue;
        }
        rc = quantity_amount(k, v, &a);
        if (rc == 0) {
            rc = res_op(out, k, a, false);
        }
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

static int
pod_requests(const json_t *spec, struct res_list *total)
{
    const json_t *list = json_object_get(spec, "containers");
    const json_t *over = json_object_get(spec, "overhead");
    const char *k;
    json_t *v;
    size_t i;
    int64_t a;
    int rc = 0;

    json_array_foreach((json_t *)list, i, v) {
        rc = container_requests(v, total);
        if (rc != 0) {
            return rc;
        }
    }
    list = json_object_get(spec, "initContainers");
    json_array_foreach((json_t *)list, i, v) {
        struct res_list init = { .n = 0 };

        rc = container_requests(v, &init);
        for (size_t j = 0; j < init.n && rc == 0; j++) {
            rc = res_op(total, init.names[j], init.amounts[j], true);
        }
        res_release(&init);
        if (rc != 0) {
            return rc;
        }
    }
    json_object_foreach((json_t *)over, k, v) {
        rc = quantity_amount(k, v, &a);
        if (rc == 0) {
            rc = res_op(total, k, a, false);
        }
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

static int
resource_list_from(const struct res_list *total,
                   Flotilla__V1__ResourceList **out)
{
    Flotilla__V1__ResourceList *rl = NULL;
    size_t n = 0;

    *out = NULL;
    for (size_t i = 0; i < total->n; i++) {
        n += total->amounts[i] > 0 && resource_name_accepted(total->names[i]);
    }
    if (n == 0) {
        return 0;
    }
    rl = malloc(sizeof(*rl));
    if (rl == NULL) {
        return -ENOMEM;
    }
    flotilla__v1__resource_list__init(rl);
    rl->milli = calloc(n, sizeof(*rl->milli));
    if (rl->milli == NULL) {
        free(rl);
        return -ENOMEM;
    }
    for (size_t i = 0; i < total->n; i++) {
        Flotilla__V1__ResourceList__MilliEntry *e;
        int64_t milli;

        if (total->amounts[i] <= 0 ||
            !resource_name_accepted(total->names[i])) {
            continue;
        }
        milli = total->amounts[i];
        if (strcmp(total->names[i], "cpu") != 0 &&
            __builtin_mul_overflow(milli, 1000, &milli)) {
            milli = INT64_MAX;
        }
        e = malloc(sizeof(*e));
        if (e == NULL) {
            protobuf_c_message_free_unpacked(&rl->base, NULL);
            return -ENOMEM;
        }
        flotilla__v1__resource_list__milli_entry__init(e);
        rl->milli[rl->n_milli++] = e;
        e->key = strdup(total->names[i]);
        e->value = milli;
        if (e->key == NULL) {
            protobuf_c_message_free_unpacked(&rl->base, NULL);
            return -ENOMEM;
        }
    }
    *out = rl;
    return 0;
}

static char *
dup_or_empty(const char *s)
{
    return strdup(s != NULL ? s : "");
}

Flotilla__V1__Toleration *
model_toleration_from_json(const json_t *t)
{
    Flotilla__V1__Toleration *m = malloc(sizeof(*m));
    const json_t *secs = json_object_get(t, "tolerationSeconds");

    if (m == NULL) {
        return NULL;
    }
    flotilla__v1__toleration__init(m);
    m->key = dup_or_empty(jstr(t, "key"));
    m->operator_ = dup_or_empty(jstr(t, "operator"));
    m->value = dup_or_empty(jstr(t, "value"));
    m->effect = dup_or_empty(jstr(t, "effect"));
    if (json_is_integer(secs)) {
        m->has_toleration_seconds = true;
        m->toleration_seconds = json_integer_value(secs);
    }
    if (m->key == NULL || m->operator_ == NULL || m->value == NULL ||
        m->effect == NULL) {
        protobuf_c_message_free_unpacked(&m->base, NULL);
        return NULL;
    }
    return m;
}

static int
node_selector_from(const json_t *sel, Flotilla__V1__NodeClaim *nc)
{
    const char *k;
    json_t *v;

    nc->node_selector = calloc(json_object_size(sel) + 1,
                               sizeof(*nc->node_selector));
    if (nc->node_selector == NULL) {
        return -ENOMEM;
    }
    json_object_foreach((json_t *)sel, k, v) {
        Flotilla__V1__NodeClaim__NodeSelectorEntry *e = malloc(sizeof(*e));

        if (e == NULL) {
            return -ENOMEM;
        }
        flotilla__v1__node_claim__node_selector_entry__init(e);
        nc->node_selector[nc->n_node_selector++] = e;
        e->key = strdup(k);
        e->value = dup_or_empty(json_string_value(v));
        if (e->key == NULL || e->value == NULL) {
            return -ENOMEM;
        }
    }
    return 0;
}

static int
node_claim_from(const json_t *spec, Flotilla__V1__NodeClaim **out)
{
    const json_t *sel = json_object_get(spec, "nodeSelector");
    const json_t *tols = json_object_get(spec, "tolerations");
    const json_t *hard = json_object_get(
        json_object_get(json_object_get(spec, "affinity"), "nodeAffinity"),
        "requiredDuringSchedulingIgnoredDuringExecution");
    Flotilla__V1__NodeClaim *nc = NULL;
    size_t i;
    json_t *t;
    int rc = -ENOMEM;

    *out = NULL;
    if (!json_is_object(sel) && json_array_size(tols) == 0 &&
        (hard == NULL || json_is_null(hard))) {
        return 0;
    }
    nc = malloc(sizeof(*nc));
    if (nc == NULL) {
        return -ENOMEM;
    }
    flotilla__v1__node_claim__init(nc);
    if (json_is_object(sel) && node_selector_from(sel, nc) != 0) {
        goto out;
    }
    if (json_array_size(tols) > 0) {
        nc->tolerations = calloc(json_array_size(tols),
                                 sizeof(*nc->tolerations));
        if (nc->tolerations == NULL) {
            goto out;
        }
        json_array_foreach((json_t *)tols, i, t) {
            nc->tolerations[i] = model_toleration_from_json(t);
            if (nc->tolerations[i] == NULL) {
                goto out;
            }
            nc->n_tolerations++;
        }
    }
    if (hard != NULL && !json_is_null(hard)) {
        char *s = json_dumps(hard, JSON_COMPACT | JSON_SORT_KEYS);

        if (s == NULL) {
            goto out;
        }
        nc->hard_node_affinity_json.data = (uint8_t *)s;
        nc->hard_node_affinity_json.len = strlen(s);
    }
    *out = nc;
    nc = NULL;
    rc = 0;

out:
    if (nc != NULL) {
        protobuf_c_message_free_unpacked(&nc->base, NULL);
    }
    return rc;
}

static const json_t *
pod_spec_of(const json_t *obj)
{
    const json_t *spec = json_object_get(obj, "spec");

    if (is_gvk(obj, "v1", "Pod")) {
        return spec;
    }
    return json_object_get(json_object_get(spec, "template"), "spec");
}

static int
requirements_from(const json_t *pod_spec,
                  Flotilla__V1__ReplicaRequirements **out, char *why,
                  size_t why_len)
{
    struct res_list total = { .n = 0 };
    Flotilla__V1__ReplicaRequirements *req = NULL;
    Flotilla__V1__ResourceList *rl = NULL;
    Flotilla__V1__NodeClaim *nc = NULL;
    int rc;

    *out = NULL;
    rc = pod_requests(pod_spec, &total);
    if (rc == -EINVAL && why != NULL) {
        snprintf(why, why_len, "a resource quantity does not parse or the "
                               "sum overflows");
    }
    if (rc == 0) {
        rc = resource_list_from(&total, &rl);
    }
    if (rc == 0) {
        rc = node_claim_from(pod_spec, &nc);
    }
    res_release(&total);
    if (rc != 0 || (rl == NULL && nc == NULL)) {
        goto out;
    }
    req = malloc(sizeof(*req));
    if (req == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    flotilla__v1__replica_requirements__init(req);
    req->resource_request = rl;
    req->node_claim = nc;
    rl = NULL;
    nc = NULL;
    *out = req;

out:
    if (rl != NULL) {
        protobuf_c_message_free_unpacked(&rl->base, NULL);
    }
    if (nc != NULL) {
        protobuf_c_message_free_unpacked(&nc->base, NULL);
    }
    return rc;
}

/* spec.<field> as an int32: absent gives @dflt; wrong type -EINVAL. */
static int
spec_int(const json_t *obj, const char *field, int64_t dflt, int64_t *out)
{
    const json_t *v = json_object_get(json_object_get(obj, "spec"), field);

    if (v == NULL || json_is_null(v)) {
        *out = dflt;
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < INT32_MIN ||
        json_integer_value(v) > INT32_MAX) {
        return -EINVAL;
    }
    *out = json_integer_value(v);
    return 0;
}

int
model_interp_replicas(const json_t *obj, int32_t *replicas,
                      Flotilla__V1__ReplicaRequirements **req, char *why,
                      size_t why_len)
{
    int64_t n = 0;
    int rc = 0;

    *replicas = 0;
    *req = NULL;
    if (is_gvk(obj, "v1", "Pod")) {
        n = 1;
    } else if (is_gvk(obj, "batch/v1", "Job")) {
        int64_t p = 0;
        int64_t c = 0;

        rc = spec_int(obj, "parallelism", 0, &p);
        if (rc == 0) {
            rc = spec_int(obj, "completions", p, &c);
        }
        n = p < c ? p : c;
    } else if (model_interp_has_replicas(obj)) {
        rc = spec_int(obj, "replicas", 0, &n);
    } else {
        return -ENOENT;
    }
    if (rc != 0) {
        if (why != NULL) {
            snprintf(why, why_len, "replica field is not a 32-bit integer");
        }
        return rc;
    }
    rc = requirements_from(pod_spec_of(obj), req, why, why_len);
    if (rc != 0) {
        return rc;
    }
    *replicas = (int32_t)n;
    return 0;
}

int
model_interp_revise_replicas(json_t *manifest, int64_t count)
{
    const char *field = NULL;
    json_t *spec = json_object_get(manifest, "spec");
    json_t *cur;

    if (is_gvk(manifest, "apps/v1", "Deployment") ||
        is_gvk(manifest, "apps/v1", "StatefulSet") ||
        is_gvk(manifest, "apps/v1", "ReplicaSet")) {
        field = "replicas";
    } else if (is_gvk(manifest, "batch/v1", "Job")) {
        field = "parallelism";
    } else {
        return -ENOENT;
    }
    cur = json_object_get(spec, field);
    if (cur == NULL) {
        return 0;
    }
    if (!json_is_integer(cur)) {
        return -EINVAL;
    }
    return json_object_set_new(spec, field, json_integer(count)) == 0
               ? 0
               : -ENOMEM;
}
