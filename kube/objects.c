/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GET, LIST with paging, WATCH as a stream of newline-delimited events,
 * POST, server-side apply, DELETE and merge PATCH.
 */
#include "kube/objects.h"
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUERY_MAX    (KUBE_PATH_MAX + 2048)
#define DEFAULT_PAGE 500
#define DEFAULT_WATCH_S 300

/* Builds the path of @ref into @buf; on error fills @err. */
static int
ref_path(struct kube_client *c, const char *verb, const struct kube_ref *ref,
         char *buf, size_t len, struct kube_error *err)
{
    char why[256];
    int rc;

    rc = kube_path_build(ref, buf, len, why, sizeof(why));
    if (rc != 0) {
        return kube_error_set(err, c, verb,
                              ref->kind != NULL ? ref->kind : "-", rc, 0,
                              NULL, "%s", why);
    }
    return 0;
}

int
kube_get(struct kube_client *c, const struct kube_ref *ref, json_t **out,
         struct kube_error *err)
{
    char path[KUBE_PATH_MAX];
    int rc;

    if (ref->name == NULL || ref->name[0] == '\0') {
        return kube_error_set(err, c, "GET", ref->kind, -EINVAL, 0, NULL,
                              "GET needs an object name");
    }
    rc = ref_path(c, "GET", ref, path, sizeof(path), err);
    if (rc == 0) {
        rc = kube_call_json(c, "GET", path, NULL, NULL, out, err);
    }
    return rc;
}

/* LIST */

void
kube_list_result_release(struct kube_list_result *res)
{
    if (res == NULL) {
        return;
    }
    json_decref(res->items);
    res->items = NULL;
    res->resource_version[0] = '\0';
}

/* Checks one page and moves its items into @res; @cont gets the token. */
static int
list_take_page(struct kube_client *c, const char *path, json_t *page,
               struct kube_list_result *res, char *cont, size_t cont_len,
               struct kube_error *err)
{
    const json_t *meta = json_object_get(page, "metadata");
    const json_t *items = json_object_get(page, "items");
    const json_t *rv = json_object_get(meta, "resourceVersion");
    const json_t *next = json_object_get(meta, "continue");
    const char *api_version = json_string_value(json_object_get(page,
                                                                "apiVersion"));
    const char *list_kind = json_string_value(json_object_get(page, "kind"));
    json_t *item;
    size_t i;

    if (!json_is_object(meta) || (!json_is_array(items) && items != NULL &&
                                  !json_is_null(items))) {
        return kube_error_set(err, c, "GET", path, -EBADMSG, 200, NULL,
                              "not a list: metadata is %s and items is %s",
                              kube_json_type_name(meta),
                              kube_json_type_name(items));
    }
    if ((rv != NULL && !json_is_string(rv)) ||
        (next != NULL && !json_is_string(next)) ||
        json_string_length(rv) >= KUBE_RV_MAX) {
        return kube_error_set(err, c, "GET", path, -EBADMSG, 200, NULL,
                              "metadata.resourceVersion or metadata.continue is not a string of at most %d bytes",
                              KUBE_RV_MAX - 1);
    }
    json_array_foreach(items, i, item) {
        if (!json_is_object(item)) {
            return kube_error_set(err, c, "GET", path, -EBADMSG, 200, NULL,
                                  "items[%zu] is %s, not an object", i,
                                  kube_json_type_name(item));
        }
        if (api_version != NULL &&
            json_object_get(item, "apiVersion") == NULL) {
            json_object_set_new(item, "apiVersion", json_string(api_version));
        }
        if (list_kind != NULL && json_object_get(item, "kind") == NULL &&
            strlen(list_kind) > 4 &&
            strcmp(list_kind + strlen(list_kind) - 4, "List") == 0) {
            json_object_set_new(item, "kind",
                                json_stringn(list_kind,
                                             strlen(list_kind) - 4));
        }
    }
    if (items != NULL && json_array_extend(res->items, (json_t *)items) != 0) {
        return kube_error_set(err, c, "GET", path, -ENOMEM, 200, NULL,
                              "out of memory");
    }
    snprintf(res->resource_version, sizeof(res->resource_version), "%s",
             rv != NULL ? json_string_value(rv) : "");
    if (json_string_length(next) >= cont_len) {
        return kube_error_set(err, c, "GET", path, -EBADMSG, 200, NULL,
                              "metadata.continue longer than %zu bytes",
                              cont_len - 1);
    }
    snprintf(cont, cont_len, "%s", next != NULL ? json_string_value(next) : "");
    return 0;
}

int
kube_list(struct kube_client *c, const struct kube_ref *ref,
          const struct kube_list_opts *opts, struct kube_list_result *res,
          struct kube_error *err)
{
    struct kube_list_opts none = { 0 };
    struct kube_ref coll = *ref;
    char base[KUBE_PATH_MAX];
    char path[QUERY_MAX];
    char cont[2048] = "";
    char prev[2048] = "";
    char limit[16];
    json_t *page = NULL;
    int rc;

    memset(res, 0, sizeof(*res));
    if (opts == NULL) {
        opts = &none;
    }
    coll.name = NULL;
    coll.subresource = NULL;
    rc = ref_path(c, "GET", &coll, base, sizeof(base), err);
    if (rc != 0) {
        return rc;
    }
    res->items = json_array();
    if (res->items == NULL) {
        return kube_error_set(err, c, "GET", base, -ENOMEM, 0, NULL,
                              "out of memory");
    }
    snprintf(limit, sizeof(limit), "%u",
             opts->page_size > 0 ? opts->page_size : DEFAULT_PAGE);
    do {
        snprintf(path, sizeof(path), "%s", base);
        rc = kube_query_add(path, sizeof(path), "labelSelector",
                            opts->label_selector);
        rc = rc != 0 ? rc : kube_query_add(path, sizeof(path), "fieldSelector",
                                           opts->field_selector);
        rc = rc != 0 ? rc : kube_query_add(path, sizeof(path), "limit", limit);
        rc = rc != 0 ? rc : kube_query_add(path, sizeof(path), "continue",
                                           cont);
        if (rc != 0) {
            rc = kube_error_set(err, c, "GET", base, rc, 0, NULL,
                                "query too long");
            break;
        }
        rc = kube_call_json(c, "GET", path, NULL, NULL, &page, err);
        if (rc == 0) {
            rc = list_take_page(c, path, page, res, cont, sizeof(cont), err);
        }
        json_decref(page);
        page = NULL;
        if (rc == 0 && opts->max_items > 0 &&
            json_array_size(res->items) > opts->max_items) {
            rc = kube_error_set(err, c, "GET", base, -EMSGSIZE, 200, NULL,
                                "more than %zu items", opts->max_items);
        }
        if (rc == 0 && cont[0] != '\0' && strcmp(cont, prev) == 0) {
            /* a server repeating its token would keep us here for ever */
            rc = kube_error_set(err, c, "GET", base, -EBADMSG, 200, NULL,
                                "the server sent the same continue token twice");
        }
        snprintf(prev, sizeof(prev), "%s", cont);
    } while (rc == 0 && cont[0] != '\0');
    if (rc != 0) {
        kube_list_result_release(res);
    }
    return rc;
}

/* WATCH */

struct watch_state {
    kube_watch_fn *fn;
    void *arg;
    struct kube_watch_result *res;
};

static int
event_type(const char *s, enum kube_event_type *t)
{
    static const struct {
        const char *name;
        enum kube_event_type type;
    } types[] = {
        { "ADDED", KUBE_EVENT_ADDED },
        { "MODIFIED", KUBE_EVENT_MODIFIED },
        { "DELETED", KUBE_EVENT_DELETED },
        { "BOOKMARK", KUBE_EVENT_BOOKMARK },
    };

    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (strcmp(types[i].name, s) == 0) {
            *t = types[i].type;
            return 0;
        }
    }
    return -EINVAL;
}

/* An ERROR event: its Status decides the errno. */
static int
watch_error_event(const json_t *obj, char *why, size_t why_len)
{
    const json_t *code = json_object_get(obj, "code");
    const char *reason = json_string_value(json_object_get(obj, "reason"));
    const char *message = json_string_value(json_object_get(obj, "message"));
    long status = json_is_integer(code) ? (long)json_integer_value(code) : 0;
    int rc = kube_errno_from_http(status, reason);

    snprintf(why, why_len, "watch ERROR event: %ld %s: %s", status,
             reason != NULL ? reason : "", message != NULL ? message : "");
    return rc != 0 ? rc : -EREMOTEIO;
}

static int
watch_line(void *arg, const char *line, size_t len, char *why, size_t why_len)
{
    struct watch_state *w = arg;
    enum kube_event_type type;
    json_error_t jerr;
    json_t *ev = NULL;
    const json_t *t;
    json_t *obj;
    const json_t *rv;
    int rc;

    if (len == 0 || strspn(line, " \t\r") == len) {
        return 0;
    }
    ev = json_loadb(line, len, 0, &jerr);
    if (ev == NULL) {
        snprintf(why, why_len, "bad JSON in watch event %llu at column %d: %s",
                 (unsigned long long)w->res->events + 1, jerr.column,
                 jerr.text);
        return -EBADMSG;
    }
    t = json_object_get(ev, "type");
    obj = json_object_get(ev, "object");
    if (!json_is_string(t) || !json_is_object(obj)) {
        snprintf(why, why_len,
                 "watch event %llu: type is %s and object is %s; expected a string and an object",
                 (unsigned long long)w->res->events + 1,
                 kube_json_type_name(t), kube_json_type_name(obj));
        rc = -EBADMSG;
        goto out;
    }
    if (strcmp(json_string_value(t), "ERROR") == 0) {
        rc = watch_error_event(obj, why, why_len);
        goto out;
    }
    if (event_type(json_string_value(t), &type) != 0) {
        snprintf(why, why_len, "watch event %llu: unknown type \"%.32s\"",
                 (unsigned long long)w->res->events + 1,
                 json_string_value(t));
        rc = -EBADMSG;
        goto out;
    }
    rv = json_object_get(json_object_get(obj, "metadata"), "resourceVersion");
    if (json_is_string(rv) && json_string_length(rv) < KUBE_RV_MAX) {
        snprintf(w->res->resource_version, sizeof(w->res->resource_version),
                 "%s", json_string_value(rv));
    }
    w->res->events++;
    rc = w->fn(w->arg, type, obj);
    if (rc < 0) {
        snprintf(why, why_len, "the watch callback failed: %s",
                 strerror(-rc));
    } else if (rc > 0) {
        rc = 1;
    }

out:
    json_decref(ev);
    return rc;
}

static int
watch_path(struct kube_client *c, const struct kube_ref *ref,
           const struct kube_watch_opts *opts, char *path, size_t len,
           struct kube_error *err)
{
    struct kube_ref coll = *ref;
    char base[KUBE_PATH_MAX];
    char field[512];
    char timeout[16];
    int rc;

    coll.name = NULL;
    coll.subresource = NULL;
    rc = ref_path(c, "GET", &coll, base, sizeof(base), err);
    if (rc != 0) {
        return rc;
    }
    if (ref->name != NULL && ref->name[0] != '\0') {
        snprintf(field, sizeof(field), "metadata.name=%s%s%s", ref->name,
                 opts->field_selector != NULL ? "," : "",
                 opts->field_selector != NULL ? opts->field_selector : "");
    } else {
        snprintf(field, sizeof(field), "%s",
                 opts->field_selector != NULL ? opts->field_selector : "");
    }
    snprintf(timeout, sizeof(timeout), "%u",
             opts->timeout_s > 0 ? opts->timeout_s : DEFAULT_WATCH_S);
    snprintf(path, len, "%s", base);
    rc = kube_query_add(path, len, "watch", "1");
    rc = rc != 0 ? rc : kube_query_add(path, len, "resourceVersion",
                                       opts->resource_version);
    rc = rc != 0 ? rc : kube_query_add(path, len, "labelSelector",
                                       opts->label_selector);
    rc = rc != 0 ? rc : kube_query_add(path, len, "fieldSelector", field);
    rc = rc != 0 ? rc : kube_query_add(path, len, "timeoutSeconds", timeout);
    rc = rc != 0 ? rc : kube_query_add(path, len, "allowWatchBookmarks",
                                       opts->bookmarks ? "true" : NULL);
    if (rc != 0) {
        return kube_error_set(err, c, "GET", base, rc, 0, NULL,
                              "query too long");
    }
    return 0;
}

int
kube_watch(struct kube_client *c, const struct kube_ref *ref,
           const struct kube_watch_opts *opts, kube_watch_fn *fn, void *arg,
           struct kube_watch_result *res, struct kube_error *err)
{
    struct kube_watch_opts none = { 0 };
    struct kube_watch_result local;
    struct watch_state w;
    struct kube_call call;
    char path[QUERY_MAX];
    int rc;

    if (opts == NULL) {
        opts = &none;
    }
    if (res == NULL) {
        res = &local;
    }
    memset(res, 0, sizeof(*res));
    if (opts->resource_version != NULL &&
        strlen(opts->resource_version) < KUBE_RV_MAX) {
        snprintf(res->resource_version, sizeof(res->resource_version), "%s",
                 opts->resource_version);
    }
    rc = watch_path(c, ref, opts, path, sizeof(path), err);
    if (rc != 0) {
        return rc;
    }
    w.fn = fn;
    w.arg = arg;
    w.res = res;
    memset(&call, 0, sizeof(call));
    call.verb = "GET";
    call.path = path;
    call.on_line = watch_line;
    call.line_arg = &w;
    call.stop = opts->stop;
    call.idle_timeout_s = opts->idle_timeout_s;
    call.timeout_ms = (long)(opts->timeout_s > 0 ? opts->timeout_s
                                                 : DEFAULT_WATCH_S) *
                          1000 +
                      kube_client_request_timeout(c);
    rc = kube_call_do(c, &call, err);
    res->stopped = call.stopped;
    if (rc == 0 && (call.status < 200 || call.status >= 300)) {
        rc = kube_call_status_error(c, &call, err);
    }
    kube_call_release(&call);
    return rc;
}

/* Writes */

static int
object_path(struct kube_client *c, const char *verb, const json_t *obj,
            const char *plural, bool item, char *path, size_t len,
            struct kube_error *err)
{
    struct kube_ref ref;
    char why[256];
    int rc;

    rc = kube_ref_from_object(obj, &ref, why, sizeof(why));
    if (rc != 0) {
        return kube_error_set(err, c, verb, "-", rc, 0, NULL, "%s", why);
    }
    ref.plural = plural;
    if (!item) {
        const struct kube_kind_info *k = kube_path_builtin(ref.api_version,
                                                           ref.kind);

        if (k != NULL && k->namespaced &&
            (ref.ns == NULL || ref.ns[0] == '\0')) {
            return kube_error_set(err, c, verb, ref.kind, -EINVAL, 0, NULL,
                                  "%s \"%s\" is namespaced: metadata.namespace is needed",
                                  ref.kind, ref.name);
        }
        ref.name = NULL;
    }
    return ref_path(c, verb, &ref, path, len, err);
}

int
kube_create(struct kube_client *c, const json_t *obj, const char *plural,
            json_t **out, struct kube_error *err)
{
    char path[KUBE_PATH_MAX];
    int rc;

    rc = object_path(c, "POST", obj, plural, false, path, sizeof(path), err);
    if (rc == 0) {
        rc = kube_call_json(c, "POST", path, "application/json", obj, out,
                            err);
    }
    return rc;
}

int
kube_apply(struct kube_client *c, const json_t *obj, const char *plural,
           json_t **out, struct kube_error *err)
{
    char path[QUERY_MAX];
    size_t n;
    int rc;

    rc = object_path(c, "PATCH", obj, plural, true, path, KUBE_PATH_MAX, err);
    if (rc != 0) {
        return rc;
    }
    n = strlen(path);
    snprintf(path + n, sizeof(path) - n, "?fieldManager=%s&force=true",
             KUBE_FIELD_MANAGER);
    return kube_call_json(c, "PATCH", path, "application/apply-patch+yaml",
                          obj, out, err);
}

int
kube_delete(struct kube_client *c, const struct kube_ref *ref,
            const char *propagation, struct kube_error *err)
{
    char path[KUBE_PATH_MAX];
    json_t *opts = NULL;
    int rc;

    if (ref->name == NULL || ref->name[0] == '\0') {
        return kube_error_set(err, c, "DELETE", ref->kind, -EINVAL, 0, NULL,
                              "DELETE needs an object name");
    }
    rc = ref_path(c, "DELETE", ref, path, sizeof(path), err);
    if (rc != 0) {
        return rc;
    }
    if (propagation != NULL) {
        opts = json_pack("{s:s, s:s, s:s}", "kind", "DeleteOptions",
                         "apiVersion", "v1", "propagationPolicy",
                         propagation);
        if (opts == NULL) {
            return kube_error_set(err, c, "DELETE", path, -ENOMEM, 0, NULL,
                                  "out of memory");
        }
    }
    rc = kube_call_json(c, "DELETE", path, "application/json", opts, NULL,
                        err);
    json_decref(opts);
    return rc;
}

int
kube_patch(struct kube_client *c, const struct kube_ref *ref,
           const json_t *patch, json_t **out, struct kube_error *err)
{
    char path[KUBE_PATH_MAX];
    int rc;

    if (ref->name == NULL || ref->name[0] == '\0' || !json_is_object(patch)) {
        return kube_error_set(err, c, "PATCH", ref->kind, -EINVAL, 0, NULL,
                              "PATCH needs an object name and an object as the patch");
    }
    rc = ref_path(c, "PATCH", ref, path, sizeof(path), err);
    if (rc == 0) {
        rc = kube_call_json(c, "PATCH", path, "application/merge-patch+json",
                            patch, out, err);
    }
    return rc;
}

int
kube_patch_status(struct kube_client *c, const struct kube_ref *ref,
                  const json_t *patch, json_t **out, struct kube_error *err)
{
    struct kube_ref sub = *ref;

    sub.subresource = "status";
    return kube_patch(c, &sub, patch, out, err);
}
