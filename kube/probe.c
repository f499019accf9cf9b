/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Health probes (/readyz, then /healthz when /readyz is 404) and /version.
 * A probe never fails for what the member does: every answer and every
 * network failure is one of three outcomes.
 */
#include "kube/client.h"
#include "internal.h"
#include "util/time.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

const char *
kube_probe_outcome_name(enum kube_probe_outcome o)
{
    switch (o) {
    case KUBE_PROBE_OK:
        return "ok";
    case KUBE_PROBE_NOT_READY:
        return "not-ready";
    default:
        return "no-answer";
    }
}

/* The first line of @body, printable, at most 200 characters. */
static void
first_line(const char *body, size_t len, char *buf, size_t buflen)
{
    size_t o = 0;

    for (size_t i = 0; i < len && o + 1 < buflen && o < 200; i++) {
        unsigned char ch = (unsigned char)body[i];

        if (ch == '\n' || ch == '\r') {
            break;
        }
        buf[o++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : ' ';
    }
    buf[o] = '\0';
}

/* One GET of @path within @timeout_ms; fills @res unless it was a 404. */
static int
probe_one(struct kube_client *c, const char *path, long timeout_ms,
          struct kube_probe_result *res, bool *was_404)
{
    struct kube_call call;
    struct kube_error err;
    char line[256];
    int rc;

    memset(&call, 0, sizeof(call));
    call.verb = "GET";
    call.path = path;
    call.timeout_ms = timeout_ms;
    *was_404 = false;
    snprintf(res->path, sizeof(res->path), "%s", path);
    rc = kube_call_do(c, &call, &err);
    if (rc == -ENOMEM) {
        return rc;
    }
    if (rc == -EMSGSIZE) {
        /* a huge answer is still an answer: its status decides */
        rc = 0;
        call.status = err.http_status;
    }
    if (rc != 0) {
        res->outcome = KUBE_PROBE_NO_ANSWER;
        res->http_status = 0;
        res->errno_code = rc;
        snprintf(res->reason, sizeof(res->reason), "%s", err.text);
        return 0;
    }
    res->http_status = call.status;
    if (call.status == 404) {
        *was_404 = true;
    }
    if (call.status >= 200 && call.status < 300) {
        res->outcome = KUBE_PROBE_OK;
        snprintf(res->reason, sizeof(res->reason), "ok");
    } else {
        first_line(call.resp != NULL ? call.resp : "", call.resp_len, line,
                   sizeof(line));
        res->outcome = KUBE_PROBE_NOT_READY;
        snprintf(res->reason, sizeof(res->reason),
                 "member %s: %s answered %ld: %s", kube_client_name(c), path,
                 call.status, line);
    }
    kube_call_release(&call);
    return 0;
}

int
kube_probe(struct kube_client *c, long timeout_ms,
           struct kube_probe_result *res)
{
    int64_t start = util_time_now_ns();
    int64_t left_ms;
    bool was_404 = false;
    int rc;

    if (c == NULL || res == NULL) {
        return -EINVAL;
    }
    memset(res, 0, sizeof(*res));
    if (timeout_ms <= 0) {
        timeout_ms = kube_client_request_timeout(c);
    }
    rc = probe_one(c, "/readyz", timeout_ms, res, &was_404);
    if (rc == 0 && was_404) {
        left_ms = timeout_ms - (util_time_now_ns() - start) / 1000000;
        if (left_ms < 1) {
            res->outcome = KUBE_PROBE_NO_ANSWER;
            res->http_status = 0;
            res->errno_code = -ETIMEDOUT;
            snprintf(res->reason, sizeof(res->reason),
                     "member %s: GET /healthz: no time left after /readyz answered 404",
                     kube_client_name(c));
        } else {
            rc = probe_one(c, "/healthz", left_ms, res, &was_404);
        }
    }
    res->duration_ns = util_time_now_ns() - start;
    return rc;
}

int
kube_version(struct kube_client *c, char *buf, size_t len,
             struct kube_error *err)
{
    json_t *v = NULL;
    const json_t *gv;
    int rc;

    rc = kube_call_json(c, "GET", "/version", NULL, NULL, &v, err);
    if (rc != 0) {
        return rc;
    }
    gv = json_object_get(v, "gitVersion");
    if (!json_is_string(gv)) {
        rc = kube_error_set(err, c, "GET", "/version", -EBADMSG, 200, NULL,
                            "gitVersion is %s, not a string",
                            kube_json_type_name(gv));
    } else if (json_string_length(gv) + 1 > len) {
        rc = kube_error_set(err, c, "GET", "/version", -ENOSPC, 200, NULL,
                            "gitVersion longer than %zu bytes", len);
    } else {
        snprintf(buf, len, "%s", json_string_value(gv));
    }
    json_decref(v);
    return rc;
}
