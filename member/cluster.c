/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Member cluster store, API calls, change log and faults; see
 * member/cluster.h. The controllers live in controllers.c.
 */
#include "member/cluster.h"
#include "member/patch.h"
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "util/hash.h"
#include "util/strmap.h"

#define DEFAULT_SLOW_NS   (INT64_C(40) * 1000000000)
#define DEFAULT_PERIOD_NS (INT64_C(20) * 1000000000)

static const char *const initial_namespaces[] = {
    "default", "kube-system", "kube-public", "kube-node-lease",
};

void
member_config_init(struct member_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->name = "member";
    cfg->nodes = 3;
    cfg->cpu_milli = 32000;
    cfg->memory_bytes = INT64_C(128) << 30;
    cfg->pods = 330;
    cfg->ready_delay_ns = INT64_C(2000000000);
    cfg->bind_delay_ns = INT64_C(1000000000);
    cfg->default_storage_class = "standard";
}

/* Storage helpers shared with controllers.c. */

void
cluster_timestamp(int64_t ns, char *buf, unsigned long len)
{
    time_t secs = (time_t)(ns / 1000000000);
    struct tm tm;

    gmtime_r(&secs, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static uint64_t
fnv64(const char *s, uint64_t h)
{
    return util_fnv64_update(h, s, strlen(s));
}

void
cluster_uid(struct member_cluster *mc, char *buf, unsigned long len)
{
    char seq[32];
    uint64_t a;
    uint64_t b;

    snprintf(seq, sizeof(seq), "/%llu", (unsigned long long)++mc->seq);
    a = fnv64(seq, fnv64(mc->name, UTIL_FNV64_INIT));
    b = fnv64("uid", a);
    snprintf(buf, len, "%08x-%04x-4%03x-8%03x-%012llx",
             (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffff,
             (unsigned)a & 0xfff, (unsigned)(b >> 52) & 0xfff,
             (unsigned long long)(b & UINT64_C(0xffffffffffff)));
}

void
cluster_suffix(struct member_cluster *mc, char *buf, int n)
{
    static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
    char seq[32];
    uint64_t h;
    int i;

    snprintf(seq, sizeof(seq), "#%llu", (unsigned long long)++mc->seq);
    h = fnv64(seq, fnv64(mc->name, UTIL_FNV64_INIT));
    for (i = 0; i < n; i++) {
        buf[i] = alphabet[h % (sizeof(alphabet) - 1)];
        h /= sizeof(alphabet) - 1;
    }
    buf[n] = '\0';
}

json_t *
cluster_bucket(struct member_cluster *mc, const char *resource)
{
    json_t *b = json_object_get(mc->store, resource);

    if (b == NULL) {
        b = json_object();
        json_object_set_new(mc->store, resource, b);
    }
    return b;
}

void
cluster_key(const struct member_kind *k, const char *ns, const char *name,
            char *buf, unsigned long len)
{
    if (k->namespaced) {
        snprintf(buf, len, "%s/%s", ns != NULL ? ns : "", name);
    } else {
        snprintf(buf, len, "%s", name);
    }
}

json_t *
cluster_lookup(struct member_cluster *mc, const char *resource,
               const char *ns, const char *name)
{
    const struct member_kind *k = member_kinds_by_resource(resource);
    char key[600];

    if (k == NULL || name == NULL) {
        return NULL;
    }
    cluster_key(k, ns, name, key, sizeof(key));
    return json_object_get(cluster_bucket(mc, resource), key);
}

static void
log_event(struct member_cluster *mc, const char *type, const char *resource,
          const json_t *obj)
{
    json_t *ev = json_pack("{s:s, s:s, s:I, s:o}", "type", type, "resource",
                           resource, "rv", (json_int_t)mc->rv, "object",
                           json_deep_copy(obj));

    if (ev == NULL) {
        return;
    }
    json_array_append_new(mc->log, ev);
    if (json_array_size(mc->log) > MEMBER_LOG_MAX) {
        json_t *first = json_array_get(mc->log, 0);

        mc->log_floor = (uint64_t)json_integer_value(json_object_get(first,
                                                                     "rv"));
        json_array_remove(mc->log, 0);
    }
}

static const char *
obj_str(const json_t *obj, const char *a, const char *b)
{
    const json_t *v = json_object_get(obj, a);

    if (b != NULL) {
        v = json_object_get(v, b);
    }
    return json_string_value(v);
}

/* Renders the field owners of @obj into metadata.managedFields. */
static void
render_managed_fields(struct member_cluster *mc, const struct member_kind *k,
                      json_t *obj)
{
    json_t *meta = json_object_get(obj, "metadata");
    char okey[700];
    char key[600];
    json_t *owners;
    json_t *list;
    const char *manager;
    json_t *entry;

    cluster_key(k, obj_str(obj, "metadata", "namespace"),
                obj_str(obj, "metadata", "name"), key, sizeof(key));
    snprintf(okey, sizeof(okey), "%s/%s", k->resource, key);
    owners = json_object_get(mc->owners, okey);
    if (owners == NULL || json_object_size(owners) == 0) {
        json_object_del(meta, "managedFields");
        return;
    }
    list = json_array();
    json_object_foreach(owners, manager, entry) {
        json_t *fields = json_object();
        const char *path;
        json_t *unused;

        json_object_foreach(json_object_get(entry, "paths"), path, unused) {
            json_t *cur = fields;
            char buf[512];
            char *save = NULL;
            char *tok;

            snprintf(buf, sizeof(buf), "%s", path);
            for (tok = strtok_r(buf, "/", &save); tok != NULL;
                 tok = strtok_r(NULL, "/", &save)) {
                char f[520];
                json_t *next;

                snprintf(f, sizeof(f), "f:%s", tok);
                next = json_object_get(cur, f);
                if (next == NULL) {
                    next = json_object();
                    json_object_set_new(cur, f, next);
                }
                cur = next;
            }
        }
        json_array_append_new(
            list, json_pack("{s:O, s:O, s:s, s:O, s:s, s:o}", "manager",
                            json_object_get(entry, "manager"), "operation",
                            json_object_get(entry, "op"),
                            "apiVersion", k->api_version, "time",
                            json_object_get(entry, "time"), "fieldsType",
                            "FieldsV1", "fieldsV1", fields));
    }
    json_object_set_new(meta, "managedFields", list);
}

int
cluster_put(struct member_cluster *mc, const struct member_kind *k,
            json_t *obj, bool created)
{
    json_t *meta = json_object_get(obj, "metadata");
    char rv[32];
    char key[600];

    mc->rv++;
    snprintf(rv, sizeof(rv), "%llu", (unsigned long long)mc->rv);
    json_object_set_new(meta, "resourceVersion", json_string(rv));
    render_managed_fields(mc, k, obj);
    cluster_key(k, obj_str(obj, "metadata", "namespace"),
                obj_str(obj, "metadata", "name"), key, sizeof(key));
    json_object_set(cluster_bucket(mc, k->resource), key, obj);
    log_event(mc, created ? "ADDED" : "MODIFIED", k->resource, obj);
    if (k->resource[0] == 'p' && strcmp(k->resource, "pods") == 0) {
        controllers_pod_touched(mc, key);
    }
    return 0;
}

int
cluster_remove(struct member_cluster *mc, const struct member_kind *k,
               const char *ns, const char *name, json_t **out)
{
    json_t *bucket = cluster_bucket(mc, k->resource);
    json_t *obj;
    char okey[700];
    char key[600];
    char rv[32];

    cluster_key(k, ns, name, key, sizeof(key));
    obj = json_object_get(bucket, key);
    if (obj == NULL) {
        return -ENOENT;
    }
    json_incref(obj);
    json_object_del(bucket, key);
    mc->rv++;
    snprintf(rv, sizeof(rv), "%llu", (unsigned long long)mc->rv);
    json_object_set_new(json_object_get(obj, "metadata"), "resourceVersion",
                        json_string(rv));
    log_event(mc, "DELETED", k->resource, obj);
    snprintf(okey, sizeof(okey), "%s/%s", k->resource, key);
    json_object_del(mc->owners, okey);
    if (out != NULL) {
        *out = obj;
    } else {
        json_decref(obj);
    }
    return 0;
}

void
cluster_fill_meta(struct member_cluster *mc, const struct member_kind *k,
                  json_t *obj, const char *ns)
{
    json_t *meta = json_object_get(obj, "metadata");
    char uid[40];
    char ts[32];

    json_object_set_new(obj, "apiVersion", json_string(k->api_version));
    json_object_set_new(obj, "kind", json_string(k->kind));
    if (k->namespaced) {
        json_object_set_new(meta, "namespace", json_string(ns));
    } else {
        json_object_del(meta, "namespace");
    }
    cluster_uid(mc, uid, sizeof(uid));
    json_object_set_new(meta, "uid", json_string(uid));
    cluster_timestamp(mc->now, ts, sizeof(ts));
    json_object_set_new(meta, "creationTimestamp", json_string(ts));
    json_object_del(meta, "deletionTimestamp");
    json_object_del(meta, "managedFields");
    if (strcmp(k->resource, "deployments") == 0 ||
        strcmp(k->resource, "statefulsets") == 0) {
        json_object_set_new(meta, "generation", json_integer(1));
    }
}

bool
cluster_is_serving(const struct member_cluster *mc)
{
    return member_cluster_serving(mc) == MEMBER_SERVING_OK;
}

/* Lifecycle. */

static bool
is_dns_label(const char *s, size_t max)
{
    size_t n = strlen(s);
    size_t i;

    if (n == 0 || n > max || s[0] == '-' || s[n - 1] == '-') {
        return false;
    }
    for (i = 0; i < n; i++) {
        if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) ||
              s[i] == '-')) {
            return false;
        }
    }
    return true;
}

static bool
is_dns_subdomain(const char *s)
{
    char buf[300];
    char *save = NULL;
    char *tok;

    if (strlen(s) == 0 || strlen(s) > 253 || s[0] == '.' ||
        s[strlen(s) - 1] == '.' || strstr(s, "..") != NULL) {
        return false;
    }
    snprintf(buf, sizeof(buf), "%s", s);
    for (tok = strtok_r(buf, ".", &save); tok != NULL;
         tok = strtok_r(NULL, ".", &save)) {
        if (!is_dns_label(tok, 63)) {
            return false;
        }
    }
    return true;
}

static void
make_node(struct member_cluster *mc, struct node_state *n)
{
    char cpu[32], mem[32], pods[32], ip[32];
    json_t *res;
    json_t *node;

    controllers_quantity(n->cpu_milli, true, cpu, sizeof(cpu));
    controllers_quantity(n->memory_bytes, false, mem, sizeof(mem));
    snprintf(pods, sizeof(pods), "%lld", (long long)n->pods);
    snprintf(ip, sizeof(ip), "10.0.0.%d", (int)(n - mc->nodes) + 10);
    res = json_pack("{s:s, s:s, s:s}", "cpu", cpu, "memory", mem, "pods",
                    pods);
    node = json_pack(
        "{s:{s:s, s:{s:s, s:s, s:s}}, s:{}, s:{s:O, s:O, s:[{s:s, s:s, "
        "s:s, s:s}], s:[{s:s, s:s}], s:{s:s, s:s, s:s, s:s}}}",
        "metadata", "name", n->name, "labels", "kubernetes.io/hostname",
        n->name, "kubernetes.io/os", "linux", "kubernetes.io/arch", "amd64",
        "spec", "status", "capacity", res, "allocatable", res, "conditions",
        "type", "Ready", "status", "True", "reason", "KubeletReady",
        "message", "kubelet is posting ready status", "addresses", "type",
        "InternalIP", "address", ip, "nodeInfo", "kubeletVersion",
        "v1.29.0-flotilla-sim", "operatingSystem", "linux", "architecture",
        "amd64", "containerRuntimeVersion", "flotilla-sim://1");
    json_decref(res);
    cluster_fill_meta(mc, member_kinds_by_resource("nodes"), node, NULL);
    cluster_put(mc, member_kinds_by_resource("nodes"), node, true);
    json_decref(node);
}

static void
make_namespace(struct member_cluster *mc, const char *name)
{
    json_t *ns = json_pack("{s:{s:s}}", "metadata", "name", name);

    controllers_apply_defaults(mc, member_kinds_by_resource("namespaces"), ns);
    cluster_fill_meta(mc, member_kinds_by_resource("namespaces"), ns, NULL);
    cluster_put(mc, member_kinds_by_resource("namespaces"), ns, true);
    json_decref(ns);
}

int
member_cluster_new(const struct member_config *cfg, int64_t now_ns,
                   struct member_cluster **out)
{
    struct member_cluster *mc = NULL;
    size_t i;
    int rc = 0;

    if (cfg->name == NULL || !is_dns_label(cfg->name, 63) || cfg->nodes < 1 ||
        cfg->pods < 0 || cfg->cpu_milli < 0 || cfg->memory_bytes < 0) {
        return -EINVAL;
    }
    mc = calloc(1, sizeof(*mc));
    if (mc == NULL) {
        return -ENOMEM;
    }
    mc->cfg = *cfg;
    mc->name = strdup(cfg->name);
    mc->storage_class = strdup(cfg->default_storage_class != NULL
                                   ? cfg->default_storage_class
                                   : "");
    mc->now = now_ns;
    mc->store = json_object();
    mc->pods = json_object();
    mc->pods_by_owner = json_object();
    mc->claims = json_object();
    mc->workloads = json_object();
    mc->crashed = json_object();
    mc->owner_ver = json_object();
    mc->owners = json_object();
    mc->log = json_array();
    mc->nodes = calloc((size_t)cfg->nodes, sizeof(*mc->nodes));
    if (mc->name == NULL || mc->storage_class == NULL || mc->store == NULL ||
        mc->log == NULL || mc->nodes == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    mc->node_count = cfg->nodes;
    for (i = 0; i < (size_t)cfg->nodes; i++) {
        struct node_state *n = &mc->nodes[i];

        snprintf(n->name, sizeof(n->name), "%s-node-%zu", mc->name, i + 1);
        n->cpu_milli = cfg->cpu_milli / cfg->nodes;
        n->memory_bytes = cfg->memory_bytes / cfg->nodes;
        n->pods = cfg->pods / cfg->nodes;
        n->used_cpu_milli = cfg->used_cpu_milli / cfg->nodes;
        n->used_memory_bytes = cfg->used_memory_bytes / cfg->nodes;
        n->used_pods = cfg->used_pods / cfg->nodes;
        make_node(mc, n);
    }
    for (i = 0; i < sizeof(initial_namespaces) / sizeof(*initial_namespaces);
         i++) {
        make_namespace(mc, initial_namespaces[i]);
    }
    *out = mc;
    mc = NULL;

out:
    member_cluster_free(mc);
    return rc;
}

void
member_cluster_free(struct member_cluster *mc)
{
    if (mc == NULL) {
        return;
    }
    json_decref(mc->store);
    json_decref(mc->pods);
    json_decref(mc->pods_by_owner);
    json_decref(mc->owner_ver);
    json_decref(mc->claims);
    json_decref(mc->workloads);
    json_decref(mc->crashed);
    json_decref(mc->owners);
    json_decref(mc->log);
    free(mc->nodes);
    free(mc->storage_class);
    free(mc->name);
    free(mc);
}

const char *
member_cluster_name(const struct member_cluster *mc)
{
    return mc->name;
}

int64_t
member_cluster_now(const struct member_cluster *mc)
{
    return mc->now;
}

uint64_t
member_cluster_resource_version(const struct member_cluster *mc)
{
    return mc->rv;
}

int
member_cluster_advance(struct member_cluster *mc, int64_t now_ns,
                       json_t **changes)
{
    uint64_t before = mc->rv;
    int rc = 0;

    if (now_ns > mc->now) {
        mc->now = now_ns;
    }
    if (cluster_is_serving(mc)) {
        rc = controllers_run(mc);
    }
    if (rc == 0 && changes != NULL) {
        rc = member_cluster_events_since(mc, before, NULL, NULL, changes);
    }
    return rc;
}

int
member_cluster_next_due(const struct member_cluster *mc, int64_t *due_ns)
{
    int64_t due = -1;

    if (mc->flap && mc->flap_period_ns > 0) {
        int64_t phase = (mc->now - mc->flap_start_ns) / mc->flap_period_ns;

        due = mc->flap_start_ns + (phase + 1) * mc->flap_period_ns;
    }
    if (cluster_is_serving(mc) && !mc->slow) {
        int64_t c = controllers_next_due(mc);

        if (c >= 0 && (due < 0 || c < due)) {
            due = c;
        }
    }
    if (due < 0) {
        return -ENOENT;
    }
    *due_ns = due;
    return 0;
}

/* API calls. */

static int
check_call(const struct member_cluster *mc, const char *resource,
           const struct member_kind **k)
{
    *k = member_kinds_by_resource(resource);
    if (*k == NULL) {
        return -EPROTONOSUPPORT;
    }
    if (!cluster_is_serving(mc)) {
        return -EHOSTUNREACH;
    }
    return 0;
}

int
member_cluster_get(struct member_cluster *mc, const char *resource,
                   const char *ns, const char *name, json_t **out)
{
    const struct member_kind *k;
    json_t *obj;
    int rc;

    rc = check_call(mc, resource, &k);
    if (rc != 0) {
        return rc;
    }
    obj = cluster_lookup(mc, resource, ns, name);
    if (obj == NULL) {
        return -ENOENT;
    }
    *out = json_deep_copy(obj);
    return *out != NULL ? 0 : -ENOMEM;
}

struct term {
    char key[256];
    /* '=', '!', 'i' (in), 'n' (notin), 'e' (exists), 'x' (not exists) */
    char op;
    char values[512];
};

static int
parse_term(const char *t, struct term *out)
{
    const char *p;

    memset(out, 0, sizeof(*out));
    while (*t == ' ') {
        t++;
    }
    if ((p = strstr(t, " notin ")) != NULL || (p = strstr(t, " in ")) != NULL) {
        const char *open = strchr(p, '(');
        const char *close = open != NULL ? strchr(open, ')') : NULL;

        if (close == NULL) {
            return -EINVAL;
        }
        out->op = p[1] == 'n' ? 'n' : 'i';
        snprintf(out->key, sizeof(out->key), "%.*s", (int)(p - t), t);
        snprintf(out->values, sizeof(out->values), ",%.*s,",
                 (int)(close - open - 1), open + 1);
    } else if ((p = strstr(t, "!=")) != NULL) {
        out->op = '!';
        snprintf(out->key, sizeof(out->key), "%.*s", (int)(p - t), t);
        snprintf(out->values, sizeof(out->values), "%s", p + 2);
    } else if ((p = strchr(t, '=')) != NULL) {
        out->op = '=';
        snprintf(out->key, sizeof(out->key), "%.*s", (int)(p - t), t);
        snprintf(out->values, sizeof(out->values), "%s",
                 p[1] == '=' ? p + 2 : p + 1);
    } else if (t[0] == '!') {
        out->op = 'x';
        snprintf(out->key, sizeof(out->key), "%s", t + 1);
    } else {
        out->op = 'e';
        snprintf(out->key, sizeof(out->key), "%s", t);
    }
    /* values inside "in (a, b)" may carry spaces; strip them */
    {
        char *r = out->values;
        char *w = out->values;

        for (; *r != '\0'; r++) {
            if (*r != ' ') {
                *w++ = *r;
            }
        }
        *w = '\0';
    }
    while (strlen(out->key) > 0 && out->key[strlen(out->key) - 1] == ' ') {
        out->key[strlen(out->key) - 1] = '\0';
    }
    return out->key[0] != '\0' ? 0 : -EINVAL;
}

static bool
term_matches(const struct term *t, const char *val)
{
    char needle[300];

    switch (t->op) {
    case '=':
        return val != NULL && strcmp(val, t->values) == 0;
    case '!':
        return val == NULL || strcmp(val, t->values) != 0;
    case 'e':
        return val != NULL;
    case 'x':
        return val == NULL;
    default:
        snprintf(needle, sizeof(needle), ",%s,", val != NULL ? val : "");
        if (t->op == 'i') {
            return val != NULL && strstr(t->values, needle) != NULL;
        }
        return val == NULL || strstr(t->values, needle) == NULL;
    }
}

/* Splits @sel on commas outside parentheses; -EINVAL on a bad term. */
static int
selector_matches(const char *sel, const json_t *obj, bool fields, bool *match)
{
    char buf[1024];
    size_t start = 0;
    size_t i;
    int depth = 0;

    *match = true;
    if (sel == NULL || sel[0] == '\0') {
        return 0;
    }
    snprintf(buf, sizeof(buf), "%s", sel);
    for (i = 0;; i++) {
        struct term t;
        const char *val;

        if (buf[i] == '(') {
            depth++;
        } else if (buf[i] == ')') {
            depth--;
        }
        if (!(buf[i] == '\0' || (buf[i] == ',' && depth == 0))) {
            continue;
        }
        {
            char c = buf[i];

            buf[i] = '\0';
            if (parse_term(buf + start, &t) != 0) {
                return -EINVAL;
            }
            buf[i] = c;
        }
        if (fields) {
            if (strcmp(t.key, "metadata.name") == 0) {
                val = obj_str(obj, "metadata", "name");
            } else if (strcmp(t.key, "metadata.namespace") == 0) {
                val = obj_str(obj, "metadata", "namespace");
            } else {
                return -EINVAL;
            }
        } else {
            val = json_string_value(json_object_get(
                json_object_get(json_object_get(obj, "metadata"), "labels"),
                t.key));
        }
        if (!term_matches(&t, val)) {
            *match = false;
        }
        if (buf[i] == '\0') {
            break;
        }
        start = i + 1;
    }
    return 0;
}

int
member_selector_match(const char *label_selector, const char *field_selector,
                      const json_t *obj, bool *match)
{
    bool lm = true;
    bool fm = true;

    if (selector_matches(label_selector, obj, false, &lm) != 0 ||
        selector_matches(field_selector, obj, true, &fm) != 0) {
        return -EINVAL;
    }
    *match = lm && fm;
    return 0;
}

int
member_cluster_list(struct member_cluster *mc, const char *resource,
                    const char *ns, const char *label_selector,
                    const char *field_selector, json_t **items, uint64_t *rv)
{
    const struct member_kind *k;
    const char **keys = NULL;
    json_t *bucket;
    json_t *list = NULL;
    const char *key;
    json_t *obj;
    size_t n = 0;
    size_t i;
    int rc;

    rc = check_call(mc, resource, &k);
    if (rc != 0) {
        return rc;
    }
    bucket = cluster_bucket(mc, resource);
    keys = calloc(json_object_size(bucket) + 1, sizeof(*keys));
    list = json_array();
    if (keys == NULL || list == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    json_object_foreach(bucket, key, obj) {
        keys[n++] = key;
    }
    qsort(keys, n, sizeof(*keys), util_cmp_str);
    for (i = 0; i < n; i++) {
        bool lm;
        bool fm;

        obj = json_object_get(bucket, keys[i]);
        if (k->namespaced && ns != NULL && ns[0] != '\0' &&
            strcmp(ns, obj_str(obj, "metadata", "namespace")) != 0) {
            continue;
        }
        if (selector_matches(label_selector, obj, false, &lm) != 0 ||
            selector_matches(field_selector, obj, true, &fm) != 0) {
            rc = -EINVAL;
            goto out;
        }
        if (lm && fm) {
            json_array_append_new(list, json_deep_copy(obj));
        }
    }
    *items = list;
    list = NULL;
    *rv = mc->rv;

out:
    json_decref(list);
    free(keys);
    return rc;
}

static void
set_error(struct member_error *err, const char *field, const char *cause,
          const char *detail)
{
    if (err == NULL) {
        return;
    }
    snprintf(err->field, sizeof(err->field), "%s", field);
    snprintf(err->cause, sizeof(err->cause), "%s", cause);
    snprintf(err->detail, sizeof(err->detail), "%s", detail);
}

static bool
labels_match_selector(const json_t *selector, const json_t *labels)
{
    const char *key;
    json_t *val;

    json_object_foreach(json_object_get(selector, "matchLabels"), key, val) {
        if (!json_equal(json_object_get(labels, key), val)) {
            return false;
        }
    }
    return true;
}

static int
validate_pod_spec(const json_t *spec, const char *prefix,
                  struct member_error *err)
{
    const json_t *containers = json_object_get(spec, "containers");
    char field[128];
    const json_t *c;
    size_t i;

    if (!json_is_array(containers) || json_array_size(containers) == 0) {
        snprintf(field, sizeof(field), "%s.containers", prefix);
        set_error(err, field, "FieldValueRequired", "Required value");
        return -EINVAL;
    }
    json_array_foreach(containers, i, c) {
        if (!json_is_string(json_object_get(c, "name"))) {
            snprintf(field, sizeof(field), "%s.containers[%zu].name", prefix,
                     i);
            set_error(err, field, "FieldValueRequired", "Required value");
            return -EINVAL;
        }
        if (!json_is_string(json_object_get(c, "image"))) {
            snprintf(field, sizeof(field), "%s.containers[%zu].image", prefix,
                     i);
            set_error(err, field, "FieldValueRequired", "Required value");
            return -EINVAL;
        }
    }
    return 0;
}

static int
validate_workload(const json_t *obj, struct member_error *err)
{
    const json_t *spec = json_object_get(obj, "spec");
    const json_t *selector = json_object_get(spec, "selector");
    const json_t *tmpl = json_object_get(spec, "template");
    const json_t *replicas = json_object_get(spec, "replicas");

    if (replicas != NULL && (!json_is_integer(replicas) ||
                             json_integer_value(replicas) < 0)) {
        set_error(err, "spec.replicas", "FieldValueInvalid",
                  "must be greater than or equal to 0");
        return -EINVAL;
    }
    if (!json_is_object(selector)) {
        set_error(err, "spec.selector", "FieldValueRequired",
                  "Required value");
        return -EINVAL;
    }
    if (!labels_match_selector(
            selector, json_object_get(json_object_get(tmpl, "metadata"),
                                      "labels"))) {
        set_error(err, "spec.template.metadata.labels", "FieldValueInvalid",
                  "`selector` does not match template `labels`");
        return -EINVAL;
    }
    return validate_pod_spec(json_object_get(tmpl, "spec"),
                             "spec.template.spec", err);
}

static int
validate(const struct member_kind *k, const json_t *obj,
         struct member_error *err)
{
    const char *name = obj_str(obj, "metadata", "name");
    bool label = strcmp(k->resource, "namespaces") == 0 ||
                 strcmp(k->resource, "services") == 0;

    if (!json_is_object(json_object_get(obj, "metadata"))) {
        set_error(err, "metadata.name", "FieldValueRequired",
                  "name or generateName is required");
        return -EINVAL;
    }
    if (name == NULL || name[0] == '\0') {
        set_error(err, "metadata.name", "FieldValueRequired",
                  "name or generateName is required");
        return -EINVAL;
    }
    if (label ? !is_dns_label(name, 63) : !is_dns_subdomain(name)) {
        set_error(err, "metadata.name", "FieldValueInvalid",
                  label ? "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"
                        : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character");
        return -EINVAL;
    }
    if (strcmp(k->resource, "deployments") == 0 ||
        strcmp(k->resource, "statefulsets") == 0) {
        return validate_workload(obj, err);
    }
    if (strcmp(k->resource, "pods") == 0) {
        return validate_pod_spec(json_object_get(obj, "spec"), "spec", err);
    }
    if (strcmp(k->resource, "persistentvolumeclaims") == 0 &&
        json_object_get(json_object_get(json_object_get(
                            json_object_get(obj, "spec"), "resources"),
                                        "requests"),
                        "storage") == NULL) {
        set_error(err, "spec.resources[storage]", "FieldValueRequired",
                  "Required value");
        return -EINVAL;
    }
    return 0;
}

/* Field ownership for server-side apply. */

static void
leaf_paths(const json_t *v, const char *prefix, json_t *out)
{
    const char *key;
    json_t *child;

    if (!json_is_object(v) || json_object_size(v) == 0) {
        if (prefix[0] != '\0') {
            json_object_set_new(out, prefix, json_true());
        }
        return;
    }
    json_object_foreach((json_t *)v, key, child) {
        char path[512];

        if (prefix[0] == '\0' &&
            (strcmp(key, "apiVersion") == 0 || strcmp(key, "kind") == 0 ||
             strcmp(key, "status") == 0)) {
            continue;
        }
        if (strcmp(prefix, "metadata") == 0 && strcmp(key, "labels") != 0 &&
            strcmp(key, "annotations") != 0) {
            continue;
        }
        if (strchr(key, '/') != NULL) {
            snprintf(path, sizeof(path), "%s/%s", prefix, key);
            json_object_set_new(out, path, json_true());
            continue;
        }
        snprintf(path, sizeof(path), "%s%s%s", prefix,
                 prefix[0] != '\0' ? "/" : "", key);
        leaf_paths(child, path, out);
    }
}

static const json_t *
path_get(const json_t *doc, const char *path)
{
    char buf[512];
    char *save = NULL;
    char *tok;

    snprintf(buf, sizeof(buf), "%s", path);
    for (tok = strtok_r(buf, "/", &save); tok != NULL && doc != NULL;
         tok = strtok_r(NULL, "/", &save)) {
        /* label keys with a '/' are one leaf below labels/annotations */
        if ((strcmp(tok, "labels") == 0 || strcmp(tok, "annotations") == 0) &&
            save != NULL && *save != '\0') {
            return json_object_get(json_object_get(doc, tok), save);
        }
        doc = json_object_get(doc, tok);
    }
    return doc;
}

static void
path_remove(json_t *doc, const char *path)
{
    char buf[512];
    char *slash;
    json_t *parent;

    snprintf(buf, sizeof(buf), "%s", path);
    slash = strrchr(buf, '/');
    if (slash == NULL) {
        json_object_del(doc, buf);
        return;
    }
    *slash = '\0';
    parent = (json_t *)path_get(doc, buf);
    if (json_is_object(parent)) {
        json_object_del(parent, slash + 1);
    }
}

static json_t *
owners_of(struct member_cluster *mc, const struct member_kind *k,
          const char *ns, const char *name)
{
    char okey[700];
    char key[600];
    json_t *o;

    cluster_key(k, ns, name, key, sizeof(key));
    snprintf(okey, sizeof(okey), "%s/%s", k->resource, key);
    o = json_object_get(mc->owners, okey);
    if (o == NULL) {
        o = json_object();
        json_object_set_new(mc->owners, okey, o);
    }
    return o;
}

/* Gives @paths to @manager (operation @op) and takes them from the others. */
static void
own_paths(struct member_cluster *mc, json_t *owners, const char *manager,
          const char *op, json_t *paths, bool replace)
{
    const char *m;
    json_t *entry;
    const char *p;
    json_t *unused;
    void *tmp;
    char ts[32];
    char key[300];

    /* upstream keys managers by (name, operation) */
    snprintf(key, sizeof(key), "%s:%s", op, manager);
    json_object_foreach(owners, m, entry) {
        if (strcmp(m, key) == 0) {
            continue;
        }
        json_object_foreach(paths, p, unused) {
            json_object_del(json_object_get(entry, "paths"), p);
        }
    }
    json_object_foreach_safe(owners, tmp, m, entry) {
        if (json_object_size(json_object_get(entry, "paths")) == 0) {
            json_object_del(owners, m);
        }
    }
    if (json_object_size(paths) == 0 && !replace) {
        return;
    }
    entry = json_object_get(owners, key);
    cluster_timestamp(mc->now, ts, sizeof(ts));
    if (entry == NULL || replace) {
        entry = json_pack("{s:s, s:s, s:s, s:o}", "manager", manager, "op", op,
                          "time", ts, "paths", json_object());
        json_object_set_new(owners, key, entry);
    }
    json_object_set_new(entry, "time", json_string(ts));
    json_object_update(json_object_get(entry, "paths"), paths);
}

static void
record_update(struct member_cluster *mc, const struct member_kind *k,
              const json_t *old, const json_t *new_obj, const char *manager)
{
    json_t *paths = json_object();
    json_t *changed = json_object();
    const char *p;
    json_t *unused;

    if (manager == NULL || manager[0] == '\0') {
        manager = "unknown";
    }
    leaf_paths(new_obj, "", paths);
    json_object_foreach(paths, p, unused) {
        const json_t *a = old != NULL ? path_get(old, p) : NULL;

        if (a == NULL || !json_equal(a, path_get(new_obj, p))) {
            json_object_set_new(changed, p, json_true());
        }
    }
    own_paths(mc, owners_of(mc, k, obj_str(new_obj, "metadata", "namespace"),
                            obj_str(new_obj, "metadata", "name")),
              manager, "Update", changed, false);
    json_decref(changed);
    json_decref(paths);
}

/* Create, update, apply, delete. */

static int
namespace_exists(struct member_cluster *mc, const char *ns,
                 struct member_error *err)
{
    if (cluster_lookup(mc, "namespaces", NULL, ns) != NULL) {
        return 0;
    }
    if (err != NULL) {
        snprintf(err->missing_resource, sizeof(err->missing_resource),
                 "namespaces");
        snprintf(err->missing_name, sizeof(err->missing_name), "%s", ns);
    }
    return -ENOENT;
}

static const char *
effective_ns(const struct member_kind *k, const char *ns, const json_t *obj)
{
    const char *own = obj_str(obj, "metadata", "namespace");

    if (!k->namespaced) {
        return NULL;
    }
    if (ns != NULL && ns[0] != '\0') {
        return ns;
    }
    return own != NULL && own[0] != '\0' ? own : "default";
}

int
member_cluster_create(struct member_cluster *mc, const char *resource,
                      const char *ns, const json_t *obj, const char *manager,
                      json_t **out, struct member_error *err)
{
    const struct member_kind *k;
    json_t *copy = NULL;
    json_t *meta;
    const char *gen;
    int rc;

    rc = check_call(mc, resource, &k);
    if (rc != 0) {
        return rc;
    }
    if (!json_is_object(obj)) {
        set_error(err, "", "FieldValueInvalid", "the object must be a map");
        return -EINVAL;
    }
    copy = json_deep_copy(obj);
    if (copy == NULL) {
        return -ENOMEM;
    }
    meta = json_object_get(copy, "metadata");
    gen = obj_str(copy, "metadata", "generateName");
    if (json_is_object(meta) && obj_str(copy, "metadata", "name") == NULL &&
        gen != NULL) {
        char name[300];
        char sfx[8];

        cluster_suffix(mc, sfx, 5);
        snprintf(name, sizeof(name), "%s%s", gen, sfx);
        json_object_set_new(meta, "name", json_string(name));
    }
    ns = effective_ns(k, ns, copy);
    rc = validate(k, copy, err);
    if (rc != 0) {
        goto out;
    }
    if (k->namespaced) {
        rc = namespace_exists(mc, ns, err);
        if (rc != 0) {
            goto out;
        }
    }
    if (cluster_lookup(mc, resource, ns, obj_str(copy, "metadata", "name")) !=
        NULL) {
        rc = -EEXIST;
        goto out;
    }
    cluster_fill_meta(mc, k, copy, ns);
    if (k->has_status) {
        json_object_del(copy, "status");
    }
    /* the client owns what it sent, nobody owns the defaults */
    if (manager != NULL) {
        record_update(mc, k, NULL, copy, manager);
    }
    controllers_apply_defaults(mc, k, copy);
    cluster_put(mc, k, copy, true);
    if (strcmp(resource, "pods") == 0) {
        controllers_on_pod_created(mc, copy);
    }
    rc = controllers_run(mc);
    if (rc == 0 && out != NULL) {
        *out = json_deep_copy(cluster_lookup(mc, resource, ns,
                                             obj_str(copy, "metadata",
                                                     "name")));
    }

out:
    json_decref(copy);
    return rc;
}

static bool
spec_changed(const json_t *a, const json_t *b)
{
    json_t *x = json_deep_copy(a);
    json_t *y = json_deep_copy(b);
    bool changed;

    json_object_del(x, "metadata");
    json_object_del(y, "metadata");
    json_object_del(x, "status");
    json_object_del(y, "status");
    changed = !json_equal(x, y);
    json_decref(x);
    json_decref(y);
    return changed;
}

/* Builds the object to store from @old and the client's @obj. */
static json_t *
merge_update(const struct member_kind *k, const json_t *old, const json_t *obj,
             enum member_update_part part)
{
    json_t *next;
    json_t *meta;
    json_t *old_meta = json_object_get(old, "metadata");
    static const char *const keep[] = {
        "uid", "creationTimestamp", "namespace", "name", "generation",
        "deletionTimestamp", "managedFields",
    };
    size_t i;

    if (part == MEMBER_UPDATE_STATUS) {
        next = json_deep_copy(old);
        json_object_set_new(next, "status",
                            json_deep_copy(json_object_get(obj, "status")));
        if (json_object_get(next, "status") == NULL ||
            json_is_null(json_object_get(next, "status"))) {
            json_object_set_new(next, "status", json_object());
        }
        return next;
    }
    next = json_deep_copy(obj);
    if (!json_is_object(json_object_get(next, "metadata"))) {
        json_object_set_new(next, "metadata", json_object());
    }
    meta = json_object_get(next, "metadata");
    for (i = 0; i < sizeof(keep) / sizeof(*keep); i++) {
        json_t *v = json_object_get(old_meta, keep[i]);

        if (v != NULL) {
            json_object_set(meta, keep[i], v);
        } else {
            json_object_del(meta, keep[i]);
        }
    }
    json_object_set_new(next, "apiVersion", json_string(k->api_version));
    json_object_set_new(next, "kind", json_string(k->kind));
    if (k->has_status) {
        json_t *st = json_object_get(old, "status");

        if (st != NULL) {
            json_object_set(next, "status", st);
        } else {
            json_object_del(next, "status");
        }
    }
    return next;
}

static int
store_update(struct member_cluster *mc, const struct member_kind *k,
             json_t *old, json_t *next, enum member_update_part part,
             const char *manager, struct member_error *err)
{
    json_t *meta = json_object_get(next, "metadata");
    int rc;

    if (part == MEMBER_UPDATE_MAIN) {
        controllers_apply_defaults(mc, k, next);
        rc = validate(k, next, err);
        if (rc != 0) {
            return rc;
        }
        if (json_object_get(meta, "generation") != NULL &&
            spec_changed(old, next)) {
            json_object_set_new(
                meta, "generation",
                json_integer(json_integer_value(json_object_get(
                                 json_object_get(old, "metadata"),
                                 "generation")) +
                             1));
        }
    }
    if (json_equal(old, next)) {
        return 0;
    }
    if (manager != NULL) {
        record_update(mc, k, old, next, manager);
    }
    return cluster_put(mc, k, next, false);
}

int
member_cluster_update(struct member_cluster *mc, const char *resource,
                      const char *ns, const char *name, const json_t *obj,
                      enum member_update_part part, const char *manager,
                      json_t **out, struct member_error *err)
{
    const struct member_kind *k;
    const char *rv;
    const char *own;
    json_t *old;
    json_t *next = NULL;
    int rc;

    rc = check_call(mc, resource, &k);
    if (rc != 0) {
        return rc;
    }
    if (!json_is_object(obj)) {
        set_error(err, "", "FieldValueInvalid", "the object must be a map");
        return -EINVAL;
    }
    ns = effective_ns(k, ns, obj);
    old = cluster_lookup(mc, resource, ns, name);
    if (old == NULL) {
        return -ENOENT;
    }
    own = obj_str(obj, "metadata", "name");
    if (own != NULL && strcmp(own, name) != 0) {
        set_error(err, "metadata.name", "FieldValueInvalid",
                  "the name of the object does not match the name on the URL");
        return -EINVAL;
    }
    rv = obj_str(obj, "metadata", "resourceVersion");
    if (rv != NULL && rv[0] != '\0' &&
        strcmp(rv, obj_str(old, "metadata", "resourceVersion")) != 0) {
        return -ESTALE;
    }
    json_incref(old);
    next = merge_update(k, old, obj, part);
    if (next == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    rc = store_update(mc, k, old, next, part, manager, err);
    if (rc == 0) {
        rc = controllers_run(mc);
    }
    if (rc == 0 && out != NULL) {
        *out = json_deep_copy(cluster_lookup(mc, resource, ns, name));
    }

out:
    json_decref(next);
    json_decref(old);
    return rc;
}

/*
 * True when @applied says nothing that @live contradicts: objects compare
 * key by key on the applied keys only (defaults the server added to list
 * elements are not a difference), lists element by element.
 */
static bool
applied_matches(const json_t *applied, const json_t *live)
{
    const char *key;
    json_t *v;
    size_t i;

    if (live == NULL) {
        return false;
    }
    if (json_is_object(applied) && json_is_object(live)) {
        json_object_foreach((json_t *)applied, key, v) {
            if (!applied_matches(v, json_object_get(live, key))) {
                return false;
            }
        }
        return true;
    }
    if (json_is_array(applied) && json_is_array(live)) {
        if (json_array_size(applied) != json_array_size(live)) {
            return false;
        }
        json_array_foreach(applied, i, v) {
            if (!applied_matches(v, json_array_get(live, i))) {
                return false;
            }
        }
        return true;
    }
    return json_equal(applied, live);
}

static int
apply_conflicts(json_t *owners, const char *manager, const char *api_version,
                const json_t *live,
                const json_t *applied, json_t *paths,
                struct member_error *err)
{
    const char *m;
    json_t *entry;
    char detail[256] = "";
    char key[300];
    int n = 0;

    snprintf(key, sizeof(key), "Apply:%s", manager);
    json_object_foreach(owners, m, entry) {
        const char *p;
        json_t *unused;

        if (strcmp(m, key) == 0) {
            continue;
        }
        json_object_foreach(paths, p, unused) {
            if (json_object_get(json_object_get(entry, "paths"), p) == NULL ||
                applied_matches(path_get(applied, p), path_get(live, p))) {
                continue;
            }
            if (n == 0) {
                snprintf(detail, sizeof(detail),
                         "conflict with \"%s\" using %s: .%s",
                         json_string_value(json_object_get(entry, "manager")),
                         api_version, p);
            }
            n++;
        }
    }
    if (n == 0) {
        return 0;
    }
    if (err != NULL) {
        char *s;

        s = strstr(detail, ": .");
        for (s = s != NULL ? s : detail + strlen(detail); *s != '\0'; s++) {
            if (*s == '/') {
                *s = '.';
            }
        }
        snprintf(err->field, sizeof(err->field), "%d", n);
        snprintf(err->detail, sizeof(err->detail), "%s", detail);
    }
    return -EBUSY;
}

/* Removes the fields @manager applied before and no longer applies. */
static void
drop_unapplied(json_t *owners, const char *manager, const json_t *paths,
               json_t *next)
{
    char key[300];
    const json_t *prev;
    const char *p;
    json_t *unused;

    snprintf(key, sizeof(key), "Apply:%s", manager);
    prev = json_object_get(json_object_get(owners, key), "paths");
    json_object_foreach((json_t *)prev, p, unused) {
        const char *m;
        json_t *entry;
        bool other = false;

        if (json_object_get(paths, p) != NULL) {
            continue;
        }
        json_object_foreach(owners, m, entry) {
            if (strcmp(m, key) != 0 &&
                json_object_get(json_object_get(entry, "paths"), p) != NULL) {
                other = true;
            }
        }
        if (!other) {
            path_remove(next, p);
        }
    }
}

static int
apply_create(struct member_cluster *mc, const struct member_kind *k,
             const char *ns, const char *name, const json_t *applied,
             const char *manager, json_t *paths, json_t **out,
             struct member_error *err)
{
    json_t *fresh = json_deep_copy(applied);
    json_t *stored;
    int rc;

    if (!json_is_object(json_object_get(fresh, "metadata"))) {
        json_object_set_new(fresh, "metadata", json_object());
    }
    json_object_set_new(json_object_get(fresh, "metadata"), "name",
                        json_string(name));
    rc = member_cluster_create(mc, k->resource, ns, fresh, NULL, NULL, err);
    json_decref(fresh);
    if (rc != 0) {
        return rc;
    }
    own_paths(mc, owners_of(mc, k, ns, name), manager, "Apply", paths, true);
    stored = json_incref(cluster_lookup(mc, k->resource, ns, name));
    rc = cluster_put(mc, k, stored, false);
    json_decref(stored);
    if (rc == 0 && out != NULL) {
        *out = json_deep_copy(cluster_lookup(mc, k->resource, ns, name));
    }
    return rc;
}

static int
apply_merge(struct member_cluster *mc, const struct member_kind *k,
            json_t *old, const json_t *applied, const char *manager,
            bool force, enum member_update_part part, json_t *paths,
            struct member_error *err)
{
    json_t *owners = owners_of(mc, k, obj_str(old, "metadata", "namespace"),
                               obj_str(old, "metadata", "name"));
    json_t *next = NULL;
    int rc;

    if (!force) {
        rc = apply_conflicts(owners, manager, k->api_version, old, applied,
                             paths, err);
        if (rc != 0) {
            return rc;
        }
    }
    next = json_deep_copy(old);
    member_patch_apply(next, applied);
    drop_unapplied(owners, manager, paths, next);
    if (part == MEMBER_UPDATE_STATUS) {
        json_t *st = json_incref(json_object_get(next, "status"));

        json_decref(next);
        next = json_deep_copy(old);
        json_object_set_new(next, "status", st != NULL ? st : json_object());
    }
    own_paths(mc, owners, manager, "Apply", paths, true);
    rc = store_update(mc, k, old, next, part, NULL, err);
    json_decref(next);
    return rc;
}

int
member_cluster_apply(struct member_cluster *mc, const char *resource,
                     const char *ns, const char *name, const json_t *applied,
                     const char *manager, bool force,
                     enum member_update_part part, json_t **out,
                     bool *created, struct member_error *err)
{
    const struct member_kind *k;
    json_t *paths = NULL;
    json_t *old = NULL;
    json_t *cur;
    const char *own;
    int rc;

    rc = check_call(mc, resource, &k);
    if (rc != 0) {
        return rc;
    }
    own = obj_str(applied, "metadata", "name");
    if (!json_is_object(applied)) {
        set_error(err, "", "FieldValueInvalid", "the object must be a map");
        return -EINVAL;
    }
    if (manager == NULL || manager[0] == '\0') {
        set_error(err, "fieldManager", "FieldValueRequired",
                  "is required for apply requests");
        return -EINVAL;
    }
    if (own != NULL && strcmp(own, name) != 0) {
        set_error(err, "metadata.name", "FieldValueInvalid",
                  "the name of the object does not match the name on the URL");
        return -EINVAL;
    }
    ns = effective_ns(k, ns, applied);
    *created = false;
    paths = json_object();
    leaf_paths(applied, "", paths);
    old = json_incref(cluster_lookup(mc, resource, ns, name));
    if (old == NULL) {
        rc = apply_create(mc, k, ns, name, applied, manager, paths, out, err);
        *created = rc == 0;
        goto out;
    }
    rc = apply_merge(mc, k, old, applied, manager, force, part, paths, err);
    if (rc == 0) {
        rc = controllers_run(mc);
    }
    cur = cluster_lookup(mc, resource, ns, name);
    if (rc == 0 && json_equal(old, cur)) {
        /* ownership changed even when the object did not */
        render_managed_fields(mc, k, cur);
    }
    if (rc == 0 && out != NULL) {
        *out = json_deep_copy(cur);
    }

out:
    json_decref(old);
    json_decref(paths);
    return rc;
}

static int
delete_namespace_contents(struct member_cluster *mc, const char *ns)
{
    int i;

    for (i = 0; i < member_kinds_count(); i++) {
        const struct member_kind *k = member_kinds_at(i);
        json_t *bucket = cluster_bucket(mc, k->resource);
        const char *key;
        json_t *obj;
        void *tmp;

        if (!k->namespaced) {
            continue;
        }
        json_object_foreach_safe(bucket, tmp, key, obj) {
            json_t *gone = NULL;
            const char *name;

            if (strcmp(obj_str(obj, "metadata", "namespace"), ns) != 0) {
                continue;
            }
            name = obj_str(obj, "metadata", "name");
            json_incref(obj);
            if (cluster_remove(mc, k, ns, name, &gone) == 0) {
                controllers_on_delete(mc, k, gone);
                json_decref(gone);
            }
            json_decref(obj);
        }
    }
    return 0;
}

int
member_cluster_delete(struct member_cluster *mc, const char *resource,
                      const char *ns, const char *name, json_t **out)
{
    const struct member_kind *k;
    json_t *gone = NULL;
    int rc;

    rc = check_call(mc, resource, &k);
    if (rc != 0) {
        return rc;
    }
    rc = cluster_remove(mc, k, k->namespaced ? ns : NULL, name, &gone);
    if (rc != 0) {
        return rc;
    }
    if (strcmp(resource, "namespaces") == 0) {
        delete_namespace_contents(mc, name);
    }
    controllers_on_delete(mc, k, gone);
    rc = controllers_run(mc);
    if (out != NULL) {
        *out = gone;
    } else {
        json_decref(gone);
    }
    return 0;
}

int
member_cluster_events_since(struct member_cluster *mc, uint64_t rv,
                            const char *resource, const char *ns,
                            json_t **events)
{
    json_t *list;
    json_t *ev;
    size_t i;

    if (rv < mc->log_floor) {
        return -ESTALE;
    }
    list = json_array();
    if (list == NULL) {
        return -ENOMEM;
    }
    json_array_foreach(mc->log, i, ev) {
        const json_t *obj = json_object_get(ev, "object");
        const char *ons = obj_str(obj, "metadata", "namespace");

        if ((uint64_t)json_integer_value(json_object_get(ev, "rv")) <= rv) {
            continue;
        }
        if (resource != NULL &&
            strcmp(resource, json_string_value(json_object_get(
                                 ev, "resource"))) != 0) {
            continue;
        }
        if (ns != NULL && ns[0] != '\0' &&
            (ons == NULL || strcmp(ns, ons) != 0)) {
            continue;
        }
        json_array_append(list, ev);
    }
    *events = list;
    return 0;
}

/* Faults. */

static const char *const fault_names[] = {
    [MEMBER_FAULT_DOWN] = "down",         [MEMBER_FAULT_BLACKHOLE] = "blackhole",
    [MEMBER_FAULT_SLOW] = "slow",         [MEMBER_FAULT_UNHEALTHY] = "unhealthy",
    [MEMBER_FAULT_FLAP] = "flap",         [MEMBER_FAULT_UP] = "up",
    [MEMBER_FAULT_HEALTHY] = "healthy",   [MEMBER_FAULT_CRASH] = "crash",
    [MEMBER_FAULT_RECOVER] = "recover",
};

int
member_fault_kind_parse(const char *s, enum member_fault_kind *kind)
{
    size_t i;

    if (s == NULL) {
        return -EINVAL;
    }
    for (i = 0; i < sizeof(fault_names) / sizeof(*fault_names); i++) {
        if (strcmp(s, fault_names[i]) == 0) {
            *kind = (enum member_fault_kind)i;
            return 0;
        }
    }
    return -EINVAL;
}

const char *
member_fault_kind_name(enum member_fault_kind kind)
{
    if ((size_t)kind >= sizeof(fault_names) / sizeof(*fault_names)) {
        return "unknown";
    }
    return fault_names[kind];
}

static int
workload_fault(struct member_cluster *mc, const struct member_fault *f)
{
    char kind[64];
    char ns[256];
    char name[256];
    char owner[600];
    const struct member_kind *k;

    if (f->object == NULL ||
        sscanf(f->object, "%63[^/]/%255[^/]/%255s", kind, ns, name) != 3) {
        return -EINVAL;
    }
    k = member_kinds_by_kind(kind);
    if (k == NULL || (strcmp(kind, "Deployment") != 0 &&
                      strcmp(kind, "StatefulSet") != 0)) {
        return -EINVAL;
    }
    if (cluster_lookup(mc, k->resource, ns, name) == NULL) {
        return -ENOENT;
    }
    snprintf(owner, sizeof(owner), "%s/%s/%s", kind, ns, name);
    return controllers_crash(mc, owner, f->kind == MEMBER_FAULT_CRASH);
}

int
member_cluster_fault(struct member_cluster *mc, const struct member_fault *f)
{
    if (f->code < 0 || f->delay_ns < 0 || f->period_ns < 0) {
        return -EINVAL;
    }
    switch (f->kind) {
    case MEMBER_FAULT_DOWN:
        mc->down = true;
        break;
    case MEMBER_FAULT_BLACKHOLE:
        mc->blackhole = true;
        break;
    case MEMBER_FAULT_SLOW:
        mc->slow = true;
        mc->slow_delay_ns = f->delay_ns > 0 ? f->delay_ns : DEFAULT_SLOW_NS;
        break;
    case MEMBER_FAULT_UNHEALTHY:
        mc->unhealthy_code = f->code > 0 ? f->code : 503;
        break;
    case MEMBER_FAULT_FLAP:
        mc->flap = true;
        mc->flap_start_ns = mc->now;
        mc->flap_period_ns = f->period_ns > 0 ? f->period_ns
                                              : DEFAULT_PERIOD_NS;
        break;
    case MEMBER_FAULT_UP:
        mc->down = false;
        mc->blackhole = false;
        mc->slow = false;
        mc->flap = false;
        break;
    case MEMBER_FAULT_HEALTHY:
        mc->unhealthy_code = 0;
        break;
    case MEMBER_FAULT_CRASH:
    case MEMBER_FAULT_RECOVER:
        return workload_fault(mc, f);
    default:
        return -EINVAL;
    }
    return 0;
}

enum member_serving
member_cluster_serving(const struct member_cluster *mc)
{
    if (mc->down) {
        return MEMBER_SERVING_REFUSE;
    }
    if (mc->flap && mc->flap_period_ns > 0 &&
        ((mc->now - mc->flap_start_ns) / mc->flap_period_ns) % 2 == 0) {
        return MEMBER_SERVING_REFUSE;
    }
    if (mc->blackhole) {
        return MEMBER_SERVING_HANG;
    }
    return MEMBER_SERVING_OK;
}

int64_t
member_cluster_answer_delay(const struct member_cluster *mc)
{
    return mc->slow ? mc->slow_delay_ns : 0;
}

int
member_cluster_health_code(const struct member_cluster *mc)
{
    return mc->unhealthy_code > 0 ? mc->unhealthy_code : 200;
}

int
member_cluster_probe(const struct member_cluster *mc, int64_t timeout_ns,
                     int *code)
{
    switch (member_cluster_serving(mc)) {
    case MEMBER_SERVING_REFUSE:
        return -ECONNREFUSED;
    case MEMBER_SERVING_HANG:
        return -ETIMEDOUT;
    default:
        break;
    }
    if (member_cluster_answer_delay(mc) > timeout_ns) {
        return -ETIMEDOUT;
    }
    *code = member_cluster_health_code(mc);
    return 0;
}
