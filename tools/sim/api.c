/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Kubernetes REST subset one member serves: health and version,
 * discovery, and GET / LIST / WATCH / POST / PUT / PATCH / DELETE on the
 * kinds of member/kinds.h, with upstream Status bodies for errors.
 */
#define _XOPEN_SOURCE 700 /* strptime */
#define LOG_MODULE "sim"
#include "sim.h"
#include "member/kinds.h"
#include "member/patch.h"
#include "member/yaml.h"
#include "util/log.h"
#include "util/time.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WATCH_POLL_MS 100

struct request {
    char *body;
    size_t len;
    bool too_large;
    bool delayed;
};

int64_t
sim_now(void)
{
    return util_time_now_ns();
}

static void
sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
}

static enum MHD_Result
send_json(struct MHD_Connection *c, unsigned code, json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT);
    struct MHD_Response *r;
    enum MHD_Result ret;

    json_decref(body);
    if (text == NULL) {
        return MHD_NO;
    }
    r = MHD_create_response_from_buffer(strlen(text), text,
                                        MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, "Content-Type", "application/json");
    MHD_add_response_header(r, "Cache-Control", "no-cache, private");
    ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result
send_text(struct MHD_Connection *c, unsigned code, const char *text)
{
    struct MHD_Response *r;
    enum MHD_Result ret;

    r = MHD_create_response_from_buffer(strlen(text), (void *)text,
                                        MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
    ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

/* An upstream Status body; @details is stolen and may be NULL. */
static enum MHD_Result
send_status(struct MHD_Connection *c, unsigned code, const char *reason,
            const char *message, json_t *details)
{
    json_t *st = json_pack("{s:s, s:s, s:{}, s:s, s:s, s:s, s:i}", "kind",
                           "Status", "apiVersion", "v1", "metadata", "status",
                           "Failure", "message", message, "reason", reason,
                           "code", (int)code);

    if (details != NULL) {
        json_object_set_new(st, "details", details);
    }
    return send_json(c, code, st);
}

/* Routing. */

struct route {
    const struct member_kind *kind;
    char ns[256];
    char name[256];
    /* "" or "status" */
    char sub[32];
    bool watch;
};

static int
split(char *path, char **seg, int max)
{
    int n = 0;
    char *save = NULL;
    char *tok;

    for (tok = strtok_r(path, "/", &save); tok != NULL && n < max;
         tok = strtok_r(NULL, "/", &save)) {
        seg[n++] = tok;
    }
    return tok == NULL ? n : -1;
}

/* 0 for a resource path, -ENOENT when it names nothing we serve. */
static int
parse_resource_path(char **seg, int n, struct route *rt)
{
    const char *group = "";
    const char *version;
    int i;

    memset(rt, 0, sizeof(*rt));
    if (n >= 2 && strcmp(seg[0], "api") == 0) {
        version = seg[1];
        i = 2;
    } else if (n >= 3 && strcmp(seg[0], "apis") == 0) {
        group = seg[1];
        version = seg[2];
        i = 3;
    } else {
        return -ENOENT;
    }
    if (i < n && strcmp(seg[i], "watch") == 0) {
        rt->watch = true;
        i++;
    }
    if (i + 1 < n && strcmp(seg[i], "namespaces") == 0 &&
        (i + 2 >= n || strcmp(seg[i + 2], "status") != 0 || i + 3 < n)) {
        if (i + 2 < n) {
            snprintf(rt->ns, sizeof(rt->ns), "%s", seg[i + 1]);
            i += 2;
        }
    }
    if (i >= n) {
        return -ENOENT;
    }
    rt->kind = member_kinds_by_resource(seg[i]);
    if (rt->kind == NULL || strcmp(rt->kind->group, group) != 0 ||
        strcmp(rt->kind->version, version) != 0 ||
        (rt->ns[0] != '\0' && !rt->kind->namespaced)) {
        return -ENOENT;
    }
    i++;
    if (i < n) {
        snprintf(rt->name, sizeof(rt->name), "%s", seg[i++]);
    }
    if (i < n) {
        bool scale = strcmp(seg[i], "scale") == 0 &&
                     strcmp(rt->kind->group, "apps") == 0;

        if (!scale &&
            (strcmp(seg[i], "status") != 0 || !rt->kind->has_status)) {
            return -ENOENT;
        }
        snprintf(rt->sub, sizeof(rt->sub), "%s", seg[i++]);
    }
    return i == n ? 0 : -ENOENT;
}

/* Discovery documents. */

static json_t *
resource_list(const char *group_version)
{
    json_t *list = json_array();
    int i;

    for (i = 0; i < member_kinds_count(); i++) {
        const struct member_kind *k = member_kinds_at(i);
        json_t *shorts;
        char buf[64];
        char *save = NULL;
        char *tok;

        if (strcmp(k->api_version, group_version) != 0) {
            continue;
        }
        shorts = json_array();
        snprintf(buf, sizeof(buf), "%s", k->short_names);
        for (tok = strtok_r(buf, ",", &save); tok != NULL;
             tok = strtok_r(NULL, ",", &save)) {
            json_array_append_new(shorts, json_string(tok));
        }
        {
            json_t *r = json_pack(
                "{s:s, s:s, s:b, s:s, s:[s,s,s,s,s,s,s,s], s:o}", "name",
                k->resource, "singularName", k->singular, "namespaced",
                k->namespaced, "kind", k->kind, "verbs", "create", "delete",
                "deletecollection", "get", "list", "patch", "update", "watch",
                "shortNames", shorts);

            if (strcmp(k->resource, "pods") == 0 ||
                strcmp(k->resource, "services") == 0 ||
                strcmp(k->resource, "deployments") == 0 ||
                strcmp(k->resource, "statefulsets") == 0) {
                json_object_set_new(r, "categories", json_pack("[s]", "all"));
            }
            json_array_append_new(list, r);
        }
        if (strcmp(k->group, "apps") == 0) {
            snprintf(buf, sizeof(buf), "%s/scale", k->resource);
            json_array_append_new(
                list, json_pack("{s:s, s:s, s:b, s:s, s:s, s:s, s:[s,s,s]}",
                                "name", buf, "singularName", "", "namespaced",
                                true, "group", "autoscaling", "version", "v1",
                                "kind", "Scale", "verbs", "get", "patch",
                                "update"));
        }
        if (k->has_status) {
            snprintf(buf, sizeof(buf), "%s/status", k->resource);
            json_array_append_new(
                list, json_pack("{s:s, s:s, s:b, s:s, s:[s,s,s]}", "name", buf,
                                "singularName", "", "namespaced",
                                k->namespaced, "kind", k->kind, "verbs",
                                "get", "patch", "update"));
        }
    }
    return json_pack("{s:s, s:s, s:s, s:o}", "kind", "APIResourceList",
                     "apiVersion", "v1", "groupVersion", group_version,
                     "resources", list);
}

static json_t *
apps_group(void)
{
    return json_pack("{s:s, s:[{s:s, s:s}], s:{s:s, s:s}}", "name", "apps",
                     "versions", "groupVersion", "apps/v1", "version", "v1",
                     "preferredVersion", "groupVersion", "apps/v1", "version",
                     "v1");
}

static enum MHD_Result
serve_discovery(struct MHD_Connection *c, struct sim_member *m, char **seg,
                int n, bool *handled)
{
    char addr[64];

    *handled = true;
    snprintf(addr, sizeof(addr), "127.0.0.1:%u", m->port);
    if (n == 1 && strcmp(seg[0], "api") == 0) {
        return send_json(c, 200,
                         json_pack("{s:s, s:[s], s:[{s:s, s:s}]}", "kind",
                                   "APIVersions", "versions", "v1",
                                   "serverAddressByClientCIDRs",
                                   "clientCIDR", "0.0.0.0/0", "serverAddress",
                                   addr));
    }
    if (n == 1 && strcmp(seg[0], "apis") == 0) {
        return send_json(c, 200,
                         json_pack("{s:s, s:s, s:[o]}", "kind", "APIGroupList",
                                   "apiVersion", "v1", "groups",
                                   apps_group()));
    }
    if (n == 2 && strcmp(seg[0], "api") == 0 && strcmp(seg[1], "v1") == 0) {
        return send_json(c, 200, resource_list("v1"));
    }
    if (n == 2 && strcmp(seg[0], "apis") == 0 &&
        strcmp(seg[1], "apps") == 0) {
        json_t *g = apps_group();

        json_object_set_new(g, "kind", json_string("APIGroup"));
        json_object_set_new(g, "apiVersion", json_string("v1"));
        return send_json(c, 200, g);
    }
    if (n == 3 && strcmp(seg[0], "apis") == 0 &&
        strcmp(seg[1], "apps") == 0 && strcmp(seg[2], "v1") == 0) {
        return send_json(c, 200, resource_list("apps/v1"));
    }
    *handled = false;
    return MHD_NO;
}

/* Errors from the model. */

static json_t *
details(const struct route *rt, const char *name)
{
    json_t *d = json_pack("{s:s, s:s}", "name", name, "kind",
                          rt->kind->resource);

    if (rt->kind->group[0] != '\0') {
        json_object_set_new(d, "group", json_string(rt->kind->group));
    }
    return d;
}

static enum MHD_Result
send_model_error(struct MHD_Connection *c, const struct route *rt,
                 const char *name, int rc, const struct member_error *err)
{
    char q[128];
    char msg[1024];

    member_kinds_qualified(rt->kind, q, sizeof(q));
    switch (rc) {
    case -ENOENT:
        if (err != NULL && err->missing_resource[0] != '\0') {
            snprintf(msg, sizeof(msg), "%s \"%s\" not found",
                     err->missing_resource, err->missing_name);
            return send_status(c, 404, "NotFound", msg,
                               json_pack("{s:s, s:s}", "name",
                                         err->missing_name, "kind",
                                         err->missing_resource));
        }
        snprintf(msg, sizeof(msg), "%s \"%s\" not found", q, name);
        return send_status(c, 404, "NotFound", msg, details(rt, name));
    case -EEXIST:
        snprintf(msg, sizeof(msg), "%s \"%s\" already exists", q, name);
        return send_status(c, 409, "AlreadyExists", msg, details(rt, name));
    case -ESTALE:
        snprintf(msg, sizeof(msg),
                 "Operation cannot be fulfilled on %s \"%s\": the object has been modified; please apply your changes to the latest version and try again",
                 q, name);
        return send_status(c, 409, "Conflict", msg, details(rt, name));
    case -EBUSY:
        snprintf(msg, sizeof(msg), "Apply failed with %s conflict%s: %s",
                 err->field, strcmp(err->field, "1") == 0 ? "" : "s",
                 err->detail);
        {
            json_t *d = details(rt, name);

            json_object_set_new(d, "causes",
                                json_pack("[{s:s, s:s}]", "reason",
                                          "FieldManagerConflict", "message",
                                          err->detail));
            return send_status(c, 409, "Conflict", msg, d);
        }
    case -EINVAL: {
        json_t *d = details(rt, name);
        char kq[160];

        if (rt->kind->group[0] != '\0') {
            snprintf(kq, sizeof(kq), "%s.%s", rt->kind->kind, rt->kind->group);
        } else {
            snprintf(kq, sizeof(kq), "%s", rt->kind->kind);
        }
        snprintf(msg, sizeof(msg), "%s \"%s\" is invalid: %s: %s", kq, name,
                 err->field, err->detail);
        json_object_set_new(d, "kind", json_string(rt->kind->kind));
        json_object_set_new(d, "causes",
                            json_pack("[{s:s, s:s, s:s}]", "reason",
                                      err->cause, "message", err->detail,
                                      "field", err->field));
        return send_status(c, 422, "Invalid", msg, d);
    }
    case -EHOSTUNREACH:
        return MHD_NO;
    default:
        snprintf(msg, sizeof(msg), "internal error: %s", strerror(-rc));
        return send_status(c, 500, "InternalError", msg, NULL);
    }
}

/* Tables for kubectl get (Accept: ...;as=Table). */

static void
age(const char *created, char *buf, size_t len)
{
    struct tm tm;
    time_t t;
    long s;

    memset(&tm, 0, sizeof(tm));
    if (created == NULL ||
        strptime(created, "%Y-%m-%dT%H:%M:%SZ", &tm) == NULL) {
        snprintf(buf, len, "<unknown>");
        return;
    }
    t = timegm(&tm);
    s = (long)(sim_now() / 1000000000) - (long)t;
    s = s < 0 ? 0 : s;
    if (s < 120) {
        snprintf(buf, len, "%lds", s);
    } else if (s < 7200) {
        snprintf(buf, len, "%ldm", s / 60);
    } else if (s < 172800) {
        snprintf(buf, len, "%ldh", s / 3600);
    } else {
        snprintf(buf, len, "%ldd", s / 86400);
    }
}

static json_t *
column(const char *name, const char *type, const char *format)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:i}", "name", name, "type", type,
                     "format", format, "description", "", "priority", 0);
}

static json_int_t
int_at(const json_t *obj, const char *a, const char *b)
{
    return json_integer_value(json_object_get(json_object_get(obj, a), b));
}

static const char *
str_at(const json_t *obj, const char *a, const char *b)
{
    const char *v = json_string_value(json_object_get(json_object_get(obj, a),
                                                      b));

    return v != NULL ? v : "";
}

/* Pod READY, STATUS and RESTARTS as kubectl's printer derives them. */
static void
pod_cells(const json_t *pod, json_t *cells)
{
    const json_t *cs = json_object_get(json_object_get(pod, "status"),
                                       "containerStatuses");
    const char *phase = str_at(pod, "status", "phase");
    const json_t *c;
    const char *reason = NULL;
    size_t total = json_array_size(json_object_get(
        json_object_get(pod, "spec"), "containers"));
    size_t ready = 0;
    size_t i;
    json_int_t restarts = 0;
    char buf[32];

    json_array_foreach(cs, i, c) {
        const char *w = str_at(json_object_get(c, "state"), "waiting",
                               "reason");

        ready += json_is_true(json_object_get(c, "ready"));
        restarts += json_integer_value(json_object_get(c, "restartCount"));
        if (w[0] != '\0') {
            reason = w;
        }
    }
    snprintf(buf, sizeof(buf), "%zu/%zu", ready, total);
    json_array_append_new(cells, json_string(buf));
    json_array_append_new(cells, json_string(reason != NULL ? reason : phase));
    json_array_append_new(cells, json_integer(restarts));
}

/* Columns between Name and Age for @resource; NULL for none. */
static json_t *
extra_columns(const char *resource)
{
    if (strcmp(resource, "pods") == 0) {
        return json_pack("[o, o, o]", column("Ready", "string", ""),
                         column("Status", "string", ""),
                         column("Restarts", "integer", ""));
    }
    if (strcmp(resource, "deployments") == 0) {
        return json_pack("[o, o, o]", column("Ready", "string", ""),
                         column("Up-to-date", "string", ""),
                         column("Available", "string", ""));
    }
    if (strcmp(resource, "statefulsets") == 0) {
        return json_pack("[o]", column("Ready", "string", ""));
    }
    if (strcmp(resource, "persistentvolumeclaims") == 0) {
        return json_pack("[o, o, o, o]", column("Status", "string", ""),
                         column("Volume", "string", ""),
                         column("Capacity", "string", ""),
                         column("StorageClass", "string", ""));
    }
    if (strcmp(resource, "nodes") == 0 || strcmp(resource, "namespaces") == 0) {
        return json_pack("[o]", column("Status", "string", ""));
    }
    if (strcmp(resource, "services") == 0) {
        return json_pack("[o, o]", column("Type", "string", ""),
                         column("Cluster-IP", "string", ""));
    }
    return NULL;
}

static void
extra_cells(const char *resource, const json_t *obj, json_t *cells)
{
    char buf[64];

    if (strcmp(resource, "pods") == 0) {
        pod_cells(obj, cells);
    } else if (strcmp(resource, "deployments") == 0 ||
               strcmp(resource, "statefulsets") == 0) {
        snprintf(buf, sizeof(buf), "%lld/%lld",
                 (long long)int_at(obj, "status", "readyReplicas"),
                 (long long)int_at(obj, "spec", "replicas"));
        json_array_append_new(cells, json_string(buf));
        if (resource[0] == 'd') {
            json_array_append_new(cells,
                                  json_integer(int_at(obj, "status",
                                                      "updatedReplicas")));
            json_array_append_new(cells,
                                  json_integer(int_at(obj, "status",
                                                      "availableReplicas")));
        }
    } else if (strcmp(resource, "persistentvolumeclaims") == 0) {
        json_array_append_new(cells,
                              json_string(str_at(obj, "status", "phase")));
        json_array_append_new(cells,
                              json_string(str_at(obj, "spec", "volumeName")));
        json_array_append_new(
            cells, json_string(str_at(json_object_get(obj, "status"),
                                      "capacity", "storage")));
        json_array_append_new(
            cells, json_string(str_at(obj, "spec", "storageClassName")));
    } else if (strcmp(resource, "nodes") == 0) {
        json_array_append_new(cells, json_string("Ready"));
    } else if (strcmp(resource, "namespaces") == 0) {
        json_array_append_new(cells,
                              json_string(str_at(obj, "status", "phase")));
    } else if (strcmp(resource, "services") == 0) {
        json_array_append_new(cells, json_string(str_at(obj, "spec", "type")));
        json_array_append_new(cells,
                              json_string(str_at(obj, "spec", "clusterIP")));
    }
}

/*
 * A meta.k8s.io/v1 Table of @items (reference stolen): Name, the columns
 * kubectl shows for the kind, Age; rows carry PartialObjectMetadata.
 */
static json_t *
table_of(json_t *items, const char *rv, const char *resource)
{
    json_t *cols = json_pack("[o]", column("Name", "string", "name"));
    json_t *extra = extra_columns(resource);
    json_t *rows = json_array();
    json_t *obj;
    size_t i;

    if (extra != NULL) {
        json_array_extend(cols, extra);
        json_decref(extra);
    }
    json_array_append_new(cols, column("Age", "string", ""));
    json_array_foreach(items, i, obj) {
        json_t *meta = json_object_get(obj, "metadata");
        json_t *cells = json_pack("[O]", json_object_get(meta, "name"));
        char a[32];

        extra_cells(resource, obj, cells);
        age(json_string_value(json_object_get(meta, "creationTimestamp")), a,
            sizeof(a));
        json_array_append_new(cells, json_string(a));
        json_array_append_new(
            rows, json_pack("{s:o, s:{s:s, s:s, s:O}}", "cells", cells,
                            "object", "kind", "PartialObjectMetadata",
                            "apiVersion", "meta.k8s.io/v1", "metadata", meta));
    }
    json_decref(items);
    return json_pack("{s:s, s:s, s:{s:s}, s:o, s:o}", "kind", "Table",
                     "apiVersion", "meta.k8s.io/v1", "metadata",
                     "resourceVersion", rv, "columnDefinitions", cols, "rows",
                     rows);
}

static bool
wants_table(struct MHD_Connection *c)
{
    const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                     "Accept");

    return accept != NULL && strstr(accept, "as=Table") != NULL;
}

/* WATCH: a chunked stream of {"type", "object"} lines. */

struct watch {
    struct sim_member *m;
    const struct member_kind *kind;
    char ns[256];
    char name[256];
    char labels[512];
    char fields[512];
    /* the client asked for Tables: each event carries a one-row Table */
    bool table;
    uint64_t rv;
    int64_t deadline_ns;
    json_t *pending;
    char *buf;
    size_t len;
    size_t off;
};

static void
watch_free(void *cls)
{
    struct watch *w = cls;

    json_decref(w->pending);
    free(w->buf);
    free(w);
}

static bool
watch_wanted(const struct watch *w, const json_t *obj)
{
    const char *name = json_string_value(json_object_get(
        json_object_get(obj, "metadata"), "name"));
    bool match = false;

    if (w->name[0] != '\0' && (name == NULL || strcmp(name, w->name) != 0)) {
        return false;
    }
    return member_selector_match(w->labels, w->fields, obj, &match) == 0 &&
           match;
}

/* Queues one event for @obj (borrowed). */
static void
watch_push(struct watch *w, const char *type, json_t *obj)
{
    json_t *payload;

    if (w->table) {
        const char *rv = json_string_value(json_object_get(
            json_object_get(obj, "metadata"), "resourceVersion"));

        payload = table_of(json_pack("[O]", obj), rv != NULL ? rv : "",
                           w->kind->resource);
    } else {
        payload = json_incref(obj);
    }
    json_array_append_new(w->pending, json_pack("{s:s, s:o}", "type", type,
                                                "object", payload));
}

static void
watch_fill(struct watch *w)
{
    json_t *events = NULL;
    json_t *ev;
    size_t i;
    int rc;

    pthread_mutex_lock(&w->m->mu);
    rc = member_cluster_events_since(w->m->mc, w->rv, w->kind->resource,
                                     w->ns, &events);
    if (rc == 0) {
        w->rv = member_cluster_resource_version(w->m->mc);
    }
    pthread_mutex_unlock(&w->m->mu);
    if (rc == -ESTALE) {
        json_array_append_new(
            w->pending,
            json_pack("{s:s, s:{s:s, s:s, s:{}, s:s, s:s, s:s, s:i}}", "type",
                      "ERROR", "object", "kind", "Status", "apiVersion", "v1",
                      "metadata", "status", "Failure", "message",
                      "too old resource version", "reason", "Expired", "code",
                      410));
        w->deadline_ns = 0;
        return;
    }
    json_array_foreach(events, i, ev) {
        json_t *obj = json_object_get(ev, "object");

        if (watch_wanted(w, obj)) {
            watch_push(w, json_string_value(json_object_get(ev, "type")),
                       obj);
        }
    }
    json_decref(events);
}

static ssize_t
watch_read(void *cls, uint64_t pos, char *out, size_t max)
{
    struct watch *w = cls;

    (void)pos;
    while (w->off >= w->len) {
        json_t *ev;
        char *text;

        free(w->buf);
        w->buf = NULL;
        w->len = w->off = 0;
        if (json_array_size(w->pending) > 0) {
            ev = json_array_get(w->pending, 0);
            text = json_dumps(ev, JSON_COMPACT);
            json_array_remove(w->pending, 0);
            if (text == NULL) {
                return MHD_CONTENT_READER_END_WITH_ERROR;
            }
            w->len = strlen(text) + 1;
            w->buf = realloc(text, w->len + 1);
            w->buf[w->len - 1] = '\n';
            break;
        }
        if (atomic_load(&w->m->sim->stopping) ||
            atomic_load(&w->m->refusing) || sim_now() >= w->deadline_ns) {
            return MHD_CONTENT_READER_END_OF_STREAM;
        }
        watch_fill(w);
        if (json_array_size(w->pending) == 0) {
            sleep_ms(WATCH_POLL_MS);
        }
    }
    if (max > w->len - w->off) {
        max = w->len - w->off;
    }
    memcpy(out, w->buf + w->off, max);
    w->off += max;
    return (ssize_t)max;
}

static const char *
query(struct MHD_Connection *c, const char *key)
{
    return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, key);
}

static bool
query_true(struct MHD_Connection *c, const char *key)
{
    const char *v = query(c, key);

    return v != NULL && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

static enum MHD_Result
serve_watch(struct MHD_Connection *c, struct sim_member *m,
            const struct route *rt)
{
    const char *rvs = query(c, "resourceVersion");
    const char *fs = query(c, "fieldSelector");
    const char *ts = query(c, "timeoutSeconds");
    struct MHD_Response *r;
    struct watch *w;
    enum MHD_Result ret;
    int64_t timeout = 1800;

    w = calloc(1, sizeof(*w));
    if (w == NULL) {
        return MHD_NO;
    }
    w->m = m;
    w->kind = rt->kind;
    w->table = wants_table(c);
    w->pending = json_array();
    snprintf(w->ns, sizeof(w->ns), "%s", rt->ns);
    snprintf(w->name, sizeof(w->name), "%s", rt->name);
    snprintf(w->fields, sizeof(w->fields), "%s", fs != NULL ? fs : "");
    snprintf(w->labels, sizeof(w->labels), "%s",
             query(c, "labelSelector") != NULL ? query(c, "labelSelector")
                                               : "");
    {
        json_t *probe = json_object();
        bool match;
        int bad = member_selector_match(w->labels, w->fields, probe, &match);

        json_decref(probe);
        if (bad != 0) {
            watch_free(w);
            return send_status(c, 400, "BadRequest",
                               "unable to parse requirement: invalid selector",
                               NULL);
        }
    }
    if (ts != NULL && atoll(ts) > 0) {
        timeout = atoll(ts);
    }
    w->deadline_ns = sim_now() + timeout * 1000000000;
    if (rvs == NULL || rvs[0] == '\0' || strcmp(rvs, "0") == 0) {
        json_t *items = NULL;
        json_t *obj;
        size_t i;
        uint64_t rv = 0;

        pthread_mutex_lock(&m->mu);
        if (member_cluster_list(m->mc, rt->kind->resource, rt->ns, NULL, NULL,
                                &items, &rv) == 0) {
            w->rv = rv;
        }
        pthread_mutex_unlock(&m->mu);
        json_array_foreach(items, i, obj) {
            if (watch_wanted(w, obj)) {
                watch_push(w, "ADDED", obj);
            }
        }
        json_decref(items);
    } else {
        w->rv = strtoull(rvs, NULL, 10);
    }
    r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, watch_read,
                                          w, watch_free);
    if (r == NULL) {
        watch_free(w);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "application/json");
    MHD_add_response_header(r, "Transfer-Encoding", "chunked");
    ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ret;
}

/* GET and LIST. */

static void
strip_type(json_t *items)
{
    json_t *obj;
    size_t i;

    json_array_foreach(items, i, obj) {
        json_object_del(obj, "apiVersion");
        json_object_del(obj, "kind");
    }
}

static enum MHD_Result
serve_get(struct MHD_Connection *c, struct sim_member *m,
          const struct route *rt)
{
    json_t *obj = NULL;
    json_t *items = NULL;
    uint64_t rv = 0;
    char kind[96];
    char rvs[32];
    int rc;

    if (rt->name[0] != '\0') {
        pthread_mutex_lock(&m->mu);
        rc = member_cluster_get(m->mc, rt->kind->resource, rt->ns, rt->name,
                                &obj);
        pthread_mutex_unlock(&m->mu);
        if (rc != 0) {
            return send_model_error(c, rt, rt->name, rc, NULL);
        }
        if (wants_table(c)) {
            json_t *one = json_pack("[o]", obj);

            snprintf(rvs, sizeof(rvs), "%s",
                     json_string_value(json_object_get(
                         json_object_get(obj, "metadata"),
                         "resourceVersion")));
            return send_json(c, 200, table_of(one, rvs, rt->kind->resource));
        }
        return send_json(c, 200, obj);
    }
    if (rt->watch || query_true(c, "watch")) {
        return serve_watch(c, m, rt);
    }
    pthread_mutex_lock(&m->mu);
    rc = member_cluster_list(m->mc, rt->kind->resource, rt->ns,
                             query(c, "labelSelector"),
                             query(c, "fieldSelector"), &items, &rv);
    pthread_mutex_unlock(&m->mu);
    if (rc == -EINVAL) {
        return send_status(c, 400, "BadRequest",
                           "unable to parse requirement: invalid selector",
                           NULL);
    }
    if (rc != 0) {
        return send_model_error(c, rt, "", rc, NULL);
    }
    snprintf(rvs, sizeof(rvs), "%llu", (unsigned long long)rv);
    if (wants_table(c)) {
        return send_json(c, 200, table_of(items, rvs, rt->kind->resource));
    }
    strip_type(items);
    snprintf(kind, sizeof(kind), "%sList", rt->kind->kind);
    return send_json(c, 200,
                     json_pack("{s:s, s:s, s:{s:s}, s:o}", "kind", kind,
                               "apiVersion", rt->kind->api_version,
                               "metadata", "resourceVersion", rvs, "items",
                               items));
}

/* Writes. */

static json_t *
parse_body(struct MHD_Connection *c, const struct request *req, bool yaml,
           enum MHD_Result *ret)
{
    json_error_t jerr;
    json_t *body;
    char msg[512];

    body = json_loadb(req->body != NULL ? req->body : "", req->len,
                      JSON_REJECT_DUPLICATES, &jerr);
    if (body == NULL && yaml) {
        json_t *docs = NULL;
        char err[256];

        if (member_yaml_parse(req->body != NULL ? req->body : "", req->len,
                              &docs, err, sizeof(err)) == 0 &&
            json_array_size(docs) == 1) {
            body = json_incref(json_array_get(docs, 0));
        }
        json_decref(docs);
    }
    if (body == NULL) {
        snprintf(msg, sizeof(msg),
                 "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (line %d: %s)",
                 jerr.line, jerr.text);
        *ret = send_status(c, 400, "BadRequest", msg, NULL);
    }
    return body;
}

static bool
ns_mismatch(const struct route *rt, const json_t *body)
{
    const char *ns = json_string_value(json_object_get(
        json_object_get(body, "metadata"), "namespace"));

    return rt->kind->namespaced && ns != NULL && ns[0] != '\0' &&
           rt->ns[0] != '\0' && strcmp(ns, rt->ns) != 0;
}

/*
 * The field manager: ?fieldManager=, else the User-Agent up to its first
 * '/' as the API server does ("kubectl/v1.20.2 (...)" -> "kubectl"). The
 * result lives in a thread-local buffer until the next call.
 */
static const char *
manager_of(struct MHD_Connection *c, const char *dflt)
{
    static _Thread_local char agent[128];
    const char *m = query(c, "fieldManager");
    const char *ua;

    if (m != NULL && m[0] != '\0') {
        return m;
    }
    ua = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "User-Agent");
    if (ua == NULL || ua[0] == '\0') {
        return dflt;
    }
    snprintf(agent, sizeof(agent), "%.*s", (int)strcspn(ua, "/ "), ua);
    return agent;
}

static enum MHD_Result
serve_create(struct MHD_Connection *c, struct sim_member *m,
             const struct route *rt, const struct request *req)
{
    struct member_error err;
    enum MHD_Result ret = MHD_NO;
    json_t *body;
    json_t *out = NULL;
    const char *name;
    int rc;

    memset(&err, 0, sizeof(err));
    if (rt->name[0] != '\0') {
        return send_status(c, 405, "MethodNotAllowed",
                           "the server does not allow this method on the requested resource",
                           NULL);
    }
    body = parse_body(c, req, true, &ret);
    if (body == NULL) {
        return ret;
    }
    if (ns_mismatch(rt, body)) {
        json_decref(body);
        return send_status(c, 400, "BadRequest",
                           "the namespace of the provided object does not match the namespace sent on the request",
                           NULL);
    }
    name = json_string_value(json_object_get(json_object_get(body, "metadata"),
                                             "name"));
    pthread_mutex_lock(&m->mu);
    rc = member_cluster_create(m->mc, rt->kind->resource, rt->ns, body,
                               manager_of(c, "unknown"), &out, &err);
    pthread_mutex_unlock(&m->mu);
    if (rc != 0) {
        ret = send_model_error(c, rt, name != NULL ? name : "", rc, &err);
    } else {
        ret = send_json(c, 201, out);
    }
    json_decref(body);
    return ret;
}

static enum MHD_Result
serve_update(struct MHD_Connection *c, struct sim_member *m,
             const struct route *rt, const struct request *req)
{
    struct member_error err;
    enum MHD_Result ret = MHD_NO;
    json_t *body;
    json_t *out = NULL;
    int rc;

    memset(&err, 0, sizeof(err));
    body = parse_body(c, req, true, &ret);
    if (body == NULL) {
        return ret;
    }
    if (ns_mismatch(rt, body)) {
        json_decref(body);
        return send_status(c, 400, "BadRequest",
                           "the namespace of the provided object does not match the namespace sent on the request",
                           NULL);
    }
    pthread_mutex_lock(&m->mu);
    rc = member_cluster_update(m->mc, rt->kind->resource, rt->ns, rt->name,
                               body,
                               rt->sub[0] != '\0' ? MEMBER_UPDATE_STATUS
                                                  : MEMBER_UPDATE_MAIN,
                               manager_of(c, "unknown"), &out, &err);
    pthread_mutex_unlock(&m->mu);
    ret = rc != 0 ? send_model_error(c, rt, rt->name, rc, &err)
                  : send_json(c, 200, out);
    json_decref(body);
    return ret;
}

static enum MHD_Result
serve_apply(struct MHD_Connection *c, struct sim_member *m,
            const struct route *rt, json_t *body)
{
    struct member_error err;
    json_t *out = NULL;
    bool created = false;
    const char *manager = query(c, "fieldManager");
    int rc;

    memset(&err, 0, sizeof(err));
    if (manager == NULL || manager[0] == '\0') {
        return send_status(c, 400, "BadRequest",
                           "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch",
                           NULL);
    }
    pthread_mutex_lock(&m->mu);
    rc = member_cluster_apply(m->mc, rt->kind->resource, rt->ns, rt->name,
                              body, manager, query_true(c, "force"),
                              rt->sub[0] != '\0' ? MEMBER_UPDATE_STATUS
                                                 : MEMBER_UPDATE_MAIN,
                              &out, &created, &err);
    pthread_mutex_unlock(&m->mu);
    if (rc != 0) {
        return send_model_error(c, rt, rt->name, rc, &err);
    }
    return send_json(c, created ? 201 : 200, out);
}

static enum MHD_Result
serve_patch(struct MHD_Connection *c, struct sim_member *m,
            const struct route *rt, const struct request *req)
{
    const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                   "Content-Type");
    struct member_error err;
    enum MHD_Result ret = MHD_NO;
    json_t *body = NULL;
    json_t *cur = NULL;
    json_t *out = NULL;
    char msg[300];
    int rc;

    memset(&err, 0, sizeof(err));
    type = type != NULL ? type : "";
    if (strncmp(type, "application/apply-patch+yaml", 28) != 0 &&
        strncmp(type, "application/merge-patch+json", 28) != 0 &&
        strncmp(type, "application/strategic-merge-patch+json", 38) != 0 &&
        strncmp(type, "application/json-patch+json", 27) != 0) {
        snprintf(msg, sizeof(msg),
                 "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json");
        return send_status(c, 415, "UnsupportedMediaType", msg, NULL);
    }
    body = parse_body(c, req, strstr(type, "yaml") != NULL, &ret);
    if (body == NULL) {
        return ret;
    }
    if (strstr(type, "apply-patch") != NULL) {
        ret = serve_apply(c, m, rt, body);
        goto out;
    }
    pthread_mutex_lock(&m->mu);
    rc = member_cluster_get(m->mc, rt->kind->resource, rt->ns, rt->name, &cur);
    if (rc == 0) {
        if (strstr(type, "json-patch") != NULL) {
            rc = member_patch_json(&cur, body, msg, sizeof(msg));
        } else if (strstr(type, "strategic") != NULL) {
            rc = member_patch_strategic(cur, body);
        } else {
            rc = member_patch_merge(cur, body);
        }
        if (rc != 0) {
            pthread_mutex_unlock(&m->mu);
            if (rc == -EINVAL && !json_is_object(body) &&
                strstr(type, "json-patch") == NULL) {
                snprintf(msg, sizeof(msg), "a merge patch must be an object");
            }
            ret = send_status(c, 422, "Invalid", msg, NULL);
            goto out;
        }
        rc = member_cluster_update(m->mc, rt->kind->resource, rt->ns, rt->name,
                                   cur,
                                   rt->sub[0] != '\0' ? MEMBER_UPDATE_STATUS
                                                      : MEMBER_UPDATE_MAIN,
                                   manager_of(c, "unknown"), &out, &err);
    }
    pthread_mutex_unlock(&m->mu);
    ret = rc != 0 ? send_model_error(c, rt, rt->name, rc, &err)
                  : send_json(c, 200, out);

out:
    json_decref(cur);
    json_decref(body);
    return ret;
}

/* deletecollection: deletes what LIST would return, answers that list. */
static enum MHD_Result
serve_delete_collection(struct MHD_Connection *c, struct sim_member *m,
                        const struct route *rt)
{
    json_t *items = NULL;
    json_t *obj;
    uint64_t rv = 0;
    char kind[96];
    char rvs[32];
    size_t i;
    int rc;

    pthread_mutex_lock(&m->mu);
    rc = member_cluster_list(m->mc, rt->kind->resource, rt->ns,
                             query(c, "labelSelector"),
                             query(c, "fieldSelector"), &items, &rv);
    json_array_foreach(items, i, obj) {
        const json_t *meta = json_object_get(obj, "metadata");

        (void)member_cluster_delete(
            m->mc, rt->kind->resource,
            json_string_value(json_object_get(meta, "namespace")),
            json_string_value(json_object_get(meta, "name")), NULL);
    }
    rv = member_cluster_resource_version(m->mc);
    pthread_mutex_unlock(&m->mu);
    if (rc == -EINVAL) {
        return send_status(c, 400, "BadRequest",
                           "unable to parse requirement: invalid selector",
                           NULL);
    }
    if (rc != 0) {
        return send_model_error(c, rt, "", rc, NULL);
    }
    strip_type(items);
    snprintf(rvs, sizeof(rvs), "%llu", (unsigned long long)rv);
    snprintf(kind, sizeof(kind), "%sList", rt->kind->kind);
    return send_json(c, 200,
                     json_pack("{s:s, s:s, s:{s:s}, s:o}", "kind", kind,
                               "apiVersion", rt->kind->api_version,
                               "metadata", "resourceVersion", rvs, "items",
                               items));
}

static enum MHD_Result
serve_delete(struct MHD_Connection *c, struct sim_member *m,
             const struct route *rt)
{
    json_t *out = NULL;
    int rc;

    if (rt->sub[0] != '\0') {
        return send_status(c, 405, "MethodNotAllowed",
                           "the server does not allow this method on the requested resource",
                           NULL);
    }
    if (rt->name[0] == '\0') {
        return serve_delete_collection(c, m, rt);
    }
    pthread_mutex_lock(&m->mu);
    rc = member_cluster_delete(m->mc, rt->kind->resource, rt->ns, rt->name,
                               &out);
    pthread_mutex_unlock(&m->mu);
    if (rc != 0) {
        return send_model_error(c, rt, rt->name, rc, NULL);
    }
    return send_json(c, 200, out);
}

/* The scale subresource of Deployments and StatefulSets. */

static json_t *
scale_of(const json_t *obj)
{
    const json_t *meta = json_object_get(obj, "metadata");
    const json_t *spec = json_object_get(obj, "spec");
    const json_t *labels = json_object_get(json_object_get(spec, "selector"),
                                           "matchLabels");
    char selector[512] = "";
    const char *key;
    json_t *v;

    json_object_foreach((json_t *)labels, key, v) {
        size_t n = strlen(selector);

        snprintf(selector + n, sizeof(selector) - n, "%s%s=%s",
                 n > 0 ? "," : "", key, json_string_value(v));
    }
    return json_pack(
        "{s:s, s:s, s:{s:O, s:O, s:O, s:O, s:O}, s:{s:O}, s:{s:I, s:s}}",
        "kind", "Scale", "apiVersion", "autoscaling/v1", "metadata", "name",
        json_object_get(meta, "name"), "namespace",
        json_object_get(meta, "namespace"), "uid", json_object_get(meta, "uid"),
        "resourceVersion", json_object_get(meta, "resourceVersion"),
        "creationTimestamp", json_object_get(meta, "creationTimestamp"),
        "spec", "replicas", json_object_get(spec, "replicas"), "status",
        "replicas",
        json_integer_value(json_object_get(json_object_get(obj, "status"),
                                           "replicas")),
        "selector", selector);
}

static enum MHD_Result
serve_scale(struct MHD_Connection *c, struct sim_member *m,
            const struct route *rt, const char *method,
            const struct request *req)
{
    const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                   "Content-Type");
    struct member_error err;
    enum MHD_Result ret = MHD_NO;
    json_t *body = NULL;
    json_t *obj = NULL;
    json_t *scale = NULL;
    json_t *out = NULL;
    json_t *replicas;
    char msg[256] = "invalid patch";
    int rc;

    memset(&err, 0, sizeof(err));
    if (strcmp(method, "GET") != 0) {
        body = parse_body(c, req, false, &ret);
        if (body == NULL) {
            return ret;
        }
    }
    pthread_mutex_lock(&m->mu);
    rc = member_cluster_get(m->mc, rt->kind->resource, rt->ns, rt->name, &obj);
    if (rc != 0 || body == NULL) {
        goto out_unlock;
    }
    scale = scale_of(obj);
    if (strcmp(method, "PUT") == 0) {
        json_decref(scale);
        scale = json_incref(body);
    } else if (type != NULL && strstr(type, "json-patch") != NULL) {
        rc = member_patch_json(&scale, body, msg, sizeof(msg));
    } else {
        rc = member_patch_merge(scale, body);
    }
    replicas = json_object_get(json_object_get(scale, "spec"), "replicas");
    if (rc != 0 || !json_is_integer(replicas)) {
        rc = -EINVAL;
        snprintf(err.field, sizeof(err.field), "spec.replicas");
        snprintf(err.cause, sizeof(err.cause), "FieldValueInvalid");
        snprintf(err.detail, sizeof(err.detail), "%s", msg);
        goto out_unlock;
    }
    json_object_set(json_object_get(obj, "spec"), "replicas", replicas);
    rc = member_cluster_update(m->mc, rt->kind->resource, rt->ns, rt->name,
                               obj, MEMBER_UPDATE_MAIN,
                               manager_of(c, "unknown"), &out, &err);
    json_decref(obj);
    obj = out;

out_unlock:
    pthread_mutex_unlock(&m->mu);
    ret = rc != 0 ? send_model_error(c, rt, rt->name, rc, &err)
                  : send_json(c, 200, scale_of(obj));
    json_decref(obj);
    json_decref(scale);
    json_decref(body);
    return ret;
}

/* The access handler. */

static bool
authorized(struct MHD_Connection *c, const struct sim *sim, const char *url)
{
    const char *auth;

    if (sim->token == NULL || strcmp(url, "/healthz") == 0 ||
        strcmp(url, "/readyz") == 0 || strcmp(url, "/livez") == 0 ||
        strcmp(url, "/version") == 0) {
        return true;
    }
    auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    return auth != NULL && strncmp(auth, "Bearer ", 7) == 0 &&
           strcmp(auth + 7, sim->token) == 0;
}

/* Waits out blackhole and slow; false when the connection must close. */
static bool
wait_fault(struct sim_member *m)
{
    int64_t until;

    for (;;) {
        enum member_serving s;

        pthread_mutex_lock(&m->mu);
        s = member_cluster_serving(m->mc);
        until = sim_now() + member_cluster_answer_delay(m->mc);
        pthread_mutex_unlock(&m->mu);
        if (atomic_load(&m->sim->stopping) || s == MEMBER_SERVING_REFUSE) {
            return false;
        }
        if (s == MEMBER_SERVING_OK) {
            break;
        }
        sleep_ms(WATCH_POLL_MS);
    }
    while (sim_now() < until) {
        if (atomic_load(&m->sim->stopping) || atomic_load(&m->refusing)) {
            return false;
        }
        sleep_ms(WATCH_POLL_MS);
    }
    return true;
}

static enum MHD_Result
serve_health(struct MHD_Connection *c, struct sim_member *m)
{
    int code;

    pthread_mutex_lock(&m->mu);
    code = member_cluster_health_code(m->mc);
    pthread_mutex_unlock(&m->mu);
    if (code == 200) {
        return send_text(c, 200, "ok");
    }
    return send_text(c, (unsigned)code,
                     "[-]etcd failed: reason withheld\nhealthz check failed\n");
}

/*
 * /openapi/v2 with no definitions: kubectl fetches it to validate before
 * apply and skips validation for kinds the document does not describe.
 * The protobuf form is a gnostic openapi_v2.Document holding only
 * swagger = "2.0" (field 1).
 * TODO: real schemas; until then kubectl validates nothing client-side.
 */
static enum MHD_Result
serve_openapi(struct MHD_Connection *c)
{
    static const char proto[] = { 0x0a, 0x03, '2', '.', '0' };
    const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                     "Accept");
    struct MHD_Response *r;
    enum MHD_Result ret;

    if (accept == NULL || strstr(accept, "protobuf") == NULL) {
        return send_json(c, 200,
                         json_pack("{s:s, s:{s:s, s:s}, s:{}, s:{}}",
                                   "swagger", "2.0", "info", "title",
                                   "flotilla-sim", "version", "v1.29.0",
                                   "paths", "definitions"));
    }
    r = MHD_create_response_from_buffer(sizeof(proto), (void *)proto,
                                        MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(r, "Content-Type", "application/octet-stream");
    ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result
dispatch(struct MHD_Connection *c, struct sim_member *m, const char *url,
         const char *method, const struct request *req)
{
    struct route rt;
    char path[2048];
    char *seg[16];
    bool handled = false;
    enum MHD_Result ret;
    int n;

    if (strcmp(url, "/healthz") == 0 || strcmp(url, "/readyz") == 0 ||
        strcmp(url, "/livez") == 0) {
        return serve_health(c, m);
    }
    if (strcmp(url, "/version") == 0) {
        return send_json(c, 200,
                         json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
                                   "s:s}",
                                   "major", "1", "minor", "29", "gitVersion",
                                   "v1.29.0-flotilla-sim", "gitCommit",
                                   "0000000000000000000000000000000000000000",
                                   "gitTreeState", "clean", "buildDate",
                                   "2026-12-04T00:00:00Z", "goVersion",
                                   "go1.21.0", "compiler", "gc", "platform",
                                   "linux/amd64"));
    }
    if (strcmp(url, "/openapi/v2") == 0 && strcmp(method, "GET") == 0) {
        return serve_openapi(c);
    }
    snprintf(path, sizeof(path), "%s", url);
    n = split(path, seg, 16);
    if (n > 0 && strcmp(method, "GET") == 0) {
        ret = serve_discovery(c, m, seg, n, &handled);
        if (handled) {
            return ret;
        }
    }
    if (n < 0 || parse_resource_path(seg, n, &rt) != 0) {
        return send_status(c, 404, "NotFound",
                           "the server could not find the requested resource",
                           json_object());
    }
    if (strcmp(rt.sub, "scale") == 0 && rt.name[0] != '\0' &&
        strcmp(method, "DELETE") != 0 && strcmp(method, "POST") != 0) {
        return serve_scale(c, m, &rt, method, req);
    }
    if (strcmp(method, "GET") == 0) {
        return serve_get(c, m, &rt);
    }
    if (strcmp(method, "POST") == 0) {
        return serve_create(c, m, &rt, req);
    }
    if (rt.name[0] != '\0' && strcmp(method, "PUT") == 0) {
        return serve_update(c, m, &rt, req);
    }
    if (rt.name[0] != '\0' && strcmp(method, "PATCH") == 0) {
        return serve_patch(c, m, &rt, req);
    }
    if (strcmp(method, "DELETE") == 0) {
        return serve_delete(c, m, &rt);
    }
    return send_status(c, 405, "MethodNotAllowed",
                       "the server does not allow this method on the requested resource",
                       NULL);
}

static bool
too_long(struct MHD_Connection *c)
{
    const char *len = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                  "Content-Length");

    return len != NULL && strtoull(len, NULL, 10) > SIM_MAX_BODY;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url,
           const char *method, const char *version, const char *upload,
           size_t *upload_size, void **con_cls)
{
    struct sim_member *m = cls;
    struct request *req = *con_cls;

    (void)version;
    if (req == NULL) {
        req = calloc(1, sizeof(*req));
        if (req == NULL) {
            return MHD_NO;
        }
        *con_cls = req;
        if (!wait_fault(m)) {
            return MHD_NO;
        }
        if (too_long(c)) {
            /* before "100 Continue": the client never sends the body */
            return send_status(c, 413, "RequestEntityTooLarge",
                               "Request entity too large: limit is 3145728",
                               NULL);
        }
        return MHD_YES;
    }
    if (*upload_size > 0) {
        if (!req->too_large && req->len + *upload_size <= SIM_MAX_BODY) {
            char *grown = realloc(req->body, req->len + *upload_size + 1);

            if (grown == NULL) {
                return MHD_NO;
            }
            req->body = grown;
            memcpy(req->body + req->len, upload, *upload_size);
            req->len += *upload_size;
            req->body[req->len] = '\0';
        } else {
            /* a chunked body without Content-Length: read and drop it */
            req->too_large = true;
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (req->too_large) {
        return send_status(c, 413, "RequestEntityTooLarge",
                           "Request entity too large: limit is 3145728",
                           NULL);
    }
    if (!authorized(c, m->sim, url)) {
        return send_status(c, 401, "Unauthorized", "Unauthorized", NULL);
    }
    log_debug("request", "member=%s method=%s url=%s", m->name, method, url);
    return dispatch(c, m, url, method, req);
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
             enum MHD_RequestTerminationCode toe)
{
    struct request *req = *con_cls;

    (void)cls;
    (void)c;
    (void)toe;
    if (req != NULL) {
        free(req->body);
        free(req);
        *con_cls = NULL;
    }
}

int
sim_member_listen(struct sim_member *m)
{
    struct sockaddr_in addr;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG;
    const union MHD_DaemonInfo *info;

    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons(m->port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (m->sim->cert_pem != NULL) {
        flags |= MHD_USE_TLS;
        m->daemon = MHD_start_daemon(
            flags, m->port, NULL, NULL, on_request, m,
            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
            MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
            MHD_OPTION_CONNECTION_LIMIT, (unsigned)256,
            MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
            MHD_OPTION_HTTPS_MEM_CERT, m->sim->cert_pem,
            MHD_OPTION_HTTPS_MEM_KEY, m->sim->key_pem, MHD_OPTION_END);
    } else {
        m->daemon = MHD_start_daemon(
            flags, m->port, NULL, NULL, on_request, m,
            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
            MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
            MHD_OPTION_CONNECTION_LIMIT, (unsigned)256,
            MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_END);
    }
    if (m->daemon == NULL) {
        log_error("member listen failed", "member=%s port=%u", m->name,
                  m->port);
        return -EADDRINUSE;
    }
    info = MHD_get_daemon_info(m->daemon, MHD_DAEMON_INFO_BIND_PORT);
    /* only the first listen picks a port; later ones reuse it (no race) */
    if (info != NULL && info->port != 0 && m->port == 0) {
        m->port = info->port;
    }
    return 0;
}

void
sim_member_close(struct sim_member *m)
{
    if (m->daemon != NULL) {
        MHD_stop_daemon(m->daemon);
        m->daemon = NULL;
    }
}
