/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fl_kube internals: one HTTP exchange (struct kube_call) on a borrowed
 * curl handle, and the helpers that turn answers into errors.
 */
#ifndef KUBE_INTERNAL_H
#define KUBE_INTERNAL_H

#include "kube/client.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/*
 * Streaming consumer of a 2xx answer, one line at a time (without '\n').
 * Returns 0 to go on, 1 to stop cleanly, or a negative errno with a
 * description in @why (@why_len bytes) to fail the call.
 */
typedef int kube_line_fn(void *arg, const char *line, size_t len, char *why,
                         size_t why_len);

struct kube_call {
    const char *verb;
    /* path and query; errors show the part before '?' */
    const char *path;
    const char *content_type;
    const char *body;
    /* 0: the client's request timeout */
    long timeout_ms;
    /* streaming (watch): 2xx bodies go to on_line instead of resp */
    kube_line_fn *on_line;
    void *line_arg;
    const atomic_bool *stop;
    /* abort when nothing arrives for this long; 0: no idle limit */
    unsigned idle_timeout_s;

    /* results */
    long status;
    char *resp;
    size_t resp_len;
    /* on_line returned 1 or @stop was set */
    bool stopped;
};

/*
 * Runs @call on @c. Returns 0 when a complete HTTP answer arrived (any
 * status: call->status, call->resp malloc'ed, NUL-terminated, may be NULL
 * for an empty body; free with kube_call_release()), or a negative errno
 * with @err filled for no answer, a cut answer, an answer over the limit, a
 * redirect is NOT an error here (3xx is a status). Streaming errors from
 * on_line come back as their errno with their text.
 */
int kube_call_do(struct kube_client *c, struct kube_call *call,
                 struct kube_error *err);

/* Frees call->resp. */
void kube_call_release(struct kube_call *call);

/*
 * Turns a non-2xx answer of @call into an error: the Status body's reason
 * and message when there is one, else an excerpt of the body. Returns the
 * negative errno of the status (docs/kube-client.md).
 */
int kube_call_status_error(struct kube_client *c, const struct kube_call *call,
                           struct kube_error *err);

/*
 * One JSON request: runs it, maps non-2xx to errors and parses a 2xx body
 * as a JSON object into *out (may be NULL when not wanted). Returns 0,
 * -EBADMSG for a body that is not a JSON object, or the call's error.
 */
int kube_call_json(struct kube_client *c, const char *verb, const char *path,
                   const char *content_type, const json_t *body, json_t **out,
                   struct kube_error *err);

/* Negative errno for an HTTP status and Status reason. */
int kube_errno_from_http(long status, const char *reason);

/*
 * Fills @err (may be NULL): code, http status, reason, the message from
 * @fmt, and text "member NAME: VERB PATH: [STATUS [REASON]: ]message".
 * Returns @code.
 */
int kube_error_set(struct kube_error *err, const struct kube_client *c,
                   const char *verb, const char *path, int code, long status,
                   const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));

/* The client's limits. */
size_t kube_client_max_body(const struct kube_client *c);
long kube_client_request_timeout(const struct kube_client *c);

/* The JSON type of @v in words ("a string", "null", "missing"). */
const char *kube_json_type_name(const json_t *v);

/*
 * Appends "&key=escaped(value)" ('?' for the first) to @buf of @len bytes
 * when @value is not NULL or empty. Returns 0 or -ENAMETOOLONG.
 */
int kube_query_add(char *buf, size_t len, const char *key, const char *value);

#endif /* KUBE_INTERNAL_H */
