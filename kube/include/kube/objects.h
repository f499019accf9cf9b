/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Object calls on a member: GET, LIST (with paging), WATCH (streamed
 * events), POST, server-side apply, DELETE and PATCH. Objects are jansson
 * values; every call returns 0 or a negative errno with a struct kube_error
 * (see kube/client.h and docs/kube-client.md for the mapping of HTTP
 * statuses: 404 -ENOENT, 409 AlreadyExists -EEXIST, other 409 -EBUSY,
 * 410 -ESTALE, 422 and 400 -EINVAL, 401 -EACCES, 403 -EPERM...).
 * Thread-safe like every kube_client call.
 */
#ifndef KUBE_OBJECTS_H
#define KUBE_OBJECTS_H

#include "kube/client.h"
#include "kube/path.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

/* The field manager of server-side apply. */
#define KUBE_FIELD_MANAGER "flotilla"

/*
 * GET the object @ref names. Returns 0 and a new reference in *out (caller
 * decrefs), -EBADMSG when the answer is not a JSON object, or a request
 * error (-ENOENT when it does not exist).
 */
int kube_get(struct kube_client *c, const struct kube_ref *ref, json_t **out,
             struct kube_error *err);

struct kube_list_opts {
    /* label and field selectors, NULL for none */
    const char *label_selector;
    const char *field_selector;
    /* page size (limit=); 0 means 500 */
    unsigned page_size;
    /* stop with -EMSGSIZE past this many items; 0 means no limit */
    size_t max_items;
};

struct kube_list_result {
    /* the items of every page, each with apiVersion and kind set */
    json_t *items;
    /* metadata.resourceVersion of the list: where a watch starts */
    char resource_version[KUBE_RV_MAX];
};

/*
 * LISTs the collection @ref names (name NULL; ns NULL or "" for every
 * namespace), following `continue` tokens until the last page. @opts may be
 * NULL. Items get the list's apiVersion and kind where they lack them.
 *
 * Returns 0 with res->items (a new array; free with kube_list_result_release())
 * and res->resource_version; -ESTALE when a continue token expired (410:
 * LIST again), -EBADMSG when a page is not a list (items not an array, an
 * item not an object, resourceVersion not a string), -EMSGSIZE past
 * max_items, or a request error. @res is released on error.
 */
int kube_list(struct kube_client *c, const struct kube_ref *ref,
              const struct kube_list_opts *opts, struct kube_list_result *res,
              struct kube_error *err);

/* Drops res->items; NULL is fine. */
void kube_list_result_release(struct kube_list_result *res);

enum kube_event_type {
    KUBE_EVENT_ADDED,
    KUBE_EVENT_MODIFIED,
    KUBE_EVENT_DELETED,
    KUBE_EVENT_BOOKMARK,
};

/*
 * Called for each watch event as it arrives, on the calling thread of
 * kube_watch(). @object is borrowed for the call (json_incref() to keep it).
 * Return 0 to go on, 1 to stop the watch (kube_watch() returns 0), or a
 * negative errno to stop it with that error.
 */
typedef int kube_watch_fn(void *arg, enum kube_event_type type,
                          json_t *object);

struct kube_watch_opts {
    /* where to start (from a LIST); NULL or "" lets the server choose */
    const char *resource_version;
    const char *label_selector;
    const char *field_selector;
    /* the server ends the watch after this (timeoutSeconds); 0 means 300 */
    unsigned timeout_s;
    /* ask for BOOKMARK events (allowWatchBookmarks) */
    bool bookmarks;
    /* when set and true, the watch stops within about a second; may be NULL */
    const atomic_bool *stop;
    /*
     * give up (-ETIMEDOUT) when nothing at all arrives for this long; 0: no
     * limit but the total one. With bookmarks the API server sends something
     * about once a minute, so 90 suits a watch that asks for them.
     */
    unsigned idle_timeout_s;
};

struct kube_watch_result {
    /* the last resourceVersion seen (events and bookmarks): resume here */
    char resource_version[KUBE_RV_MAX];
    uint64_t events;
    /* true when the callback or @stop ended the watch */
    bool stopped;
};

/*
 * WATCHes @ref (a collection, or one object by name through
 * fieldSelector=metadata.name) and calls @fn for every event as it arrives.
 * The stream is newline-delimited JSON; an ERROR event ends the watch with
 * its Status. The client gives up timeout_s + the client's request timeout
 * after the start.
 *
 * Returns 0 when the server ended the stream (its timeout), the callback
 * returned 1 or @opts->stop was set; -ESTALE when the resourceVersion is
 * too old (410 answer or ERROR event with code 410: LIST again and start
 * from its resourceVersion); -ETIMEDOUT when the server did not end the
 * stream in time or nothing arrived for idle_timeout_s; -EBADMSG for a line
 * that is not an event; -EMSGSIZE for a
 * line over the body limit; the callback's negative value; or a request
 * error. @res (may be NULL) is filled in every case.
 */
int kube_watch(struct kube_client *c, const struct kube_ref *ref,
               const struct kube_watch_opts *opts, kube_watch_fn *fn,
               void *arg, struct kube_watch_result *res,
               struct kube_error *err);

/*
 * POSTs @obj (not stolen) into its collection (path from its apiVersion,
 * kind and metadata.namespace; @plural may be NULL). Returns 0 and the
 * created object in *out (may be NULL when not wanted), -EEXIST when it
 * exists, -EINVAL for a bad object (422 or locally), or a request error.
 */
int kube_create(struct kube_client *c, const json_t *obj, const char *plural,
                json_t **out, struct kube_error *err);

/*
 * Server-side apply of @obj (not stolen): PATCH to its path with
 * Content-Type application/apply-patch+yaml (JSON is YAML),
 * fieldManager=flotilla and force=true. Creates the object when absent.
 * Returns 0 and the object as the server stored it in *out (may be NULL),
 * -EINVAL for a bad object, or a request error.
 */
int kube_apply(struct kube_client *c, const json_t *obj, const char *plural,
               json_t **out, struct kube_error *err);

/*
 * DELETEs the object @ref names with DeleteOptions.propagationPolicy
 * @propagation ("Background", "Foreground", "Orphan"; NULL: the server's
 * default). Returns 0, -ENOENT when it is already gone, or a request error.
 */
int kube_delete(struct kube_client *c, const struct kube_ref *ref,
                const char *propagation, struct kube_error *err);

/*
 * PATCHes @ref (its subresource, e.g. "status", when set) with @patch (not
 * stolen) as a JSON merge patch (application/merge-patch+json). Returns 0
 * and the result in *out (may be NULL), or a request error.
 */
int kube_patch(struct kube_client *c, const struct kube_ref *ref,
               const json_t *patch, json_t **out, struct kube_error *err);

/* kube_patch() on the status subresource of @ref. */
int kube_patch_status(struct kube_client *c, const struct kube_ref *ref,
                      const json_t *patch, json_t **out,
                      struct kube_error *err);

#endif /* KUBE_OBJECTS_H */
