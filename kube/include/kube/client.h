/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Kubernetes REST client Flotilla uses to reach a member cluster's API
 * server (libcurl, jansson, OpenSSL). One struct kube_client per member;
 * every call blocks for at most its timeout and fails with a negative errno
 * plus a struct kube_error that names the member, the verb and the path.
 * Nothing a member sends can crash the caller: answers are size-limited,
 * parsed defensively and checked for type. See docs/kube-client.md.
 *
 * Thread-safety: every function taking a struct kube_client may be called
 * from any number of threads at once on the same client. A call borrows a
 * curl handle from the client's small pool (or makes one), so parallel
 * calls never wait for each other and sequential calls reuse the open
 * connection (and TLS session) of the handle they get.
 */
#ifndef KUBE_CLIENT_H
#define KUBE_CLIENT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct cfg_member;

/* Longest resourceVersion / continue token kept, with the final NUL. */
#define KUBE_RV_MAX 128

/* Defaults of kube_client_config_init(). */
#define KUBE_DEFAULT_CONNECT_TIMEOUT_MS 5000
#define KUBE_DEFAULT_REQUEST_TIMEOUT_MS 30000
#define KUBE_DEFAULT_MAX_BODY_BYTES     (16u * 1024u * 1024u)
#define KUBE_DEFAULT_USER_AGENT         "flotilla/0.1.0"

struct kube_client;

/*
 * What went wrong, for logs and status conditions. Filled by every call that
 * fails (when the caller passes one); never holds a credential.
 */
struct kube_error {
    /* the negative errno the call returned */
    int code;
    /* HTTP status of the answer; 0 when there was no HTTP answer */
    long http_status;
    /* Status.reason the server sent ("NotFound", "AlreadyExists"...), "" */
    char reason[64];
    /* Status.message, or a description of what was wrong with the answer */
    char message[512];
    /* one line: member NAME: VERB PATH: what happened */
    char text[1024];
};

/*
 * How to reach one member. Strings are borrowed: kube_client_new() copies
 * what it keeps. Credential files are read by the client, never logged.
 */
struct kube_client_config {
    /* the member's name, in every error and log line; required */
    const char *name;
    /* "https://host:port" or "http://host:port", optional path prefix */
    const char *endpoint;
    /* bearer token file (re-read when it changes); NULL for none */
    const char *token_file;
    /* CA bundle to verify the server; NULL: the system store */
    const char *ca_file;
    /* client certificate and key (PEM) for mutual TLS; NULL for none */
    const char *cert_file;
    const char *key_file;
    /* do not verify the server's certificate nor its name (tests only) */
    bool insecure_skip_verify;
    /* TCP + TLS connect limit, default 5000 */
    long connect_timeout_ms;
    /* limit for a whole request and answer, default 30000 */
    long request_timeout_ms;
    /* larger answers (and watch lines) are an error, default 16 MiB */
    size_t max_body_bytes;
    /* User-Agent header, default "flotilla/0.1.0" */
    const char *user_agent;
};

/* Fills @cfg with the defaults above and NULL strings. */
void kube_client_config_init(struct kube_client_config *cfg);

/*
 * Sets name, endpoint and the credential file paths of @cfg from the
 * configured member @m (config/config.h); the strings stay owned by @m.
 * Timeouts and limits are left as they are.
 */
void kube_client_config_from_member(struct kube_client_config *cfg,
                                    const struct cfg_member *m);

/*
 * Makes a client for @cfg. The endpoint must be http:// or https://; the
 * token file, when named, must be readable, non-empty and under 64 KiB; the
 * CA, certificate and key files must be readable (a certificate needs its
 * key). Initialises libcurl once per process (thread-safe).
 *
 * Returns 0 and the client in *out (free with kube_client_free()), -EINVAL
 * for a bad configuration, a negative errno from open() for an unreadable
 * file, or -ENOMEM; @err (may be NULL) says which.
 */
int kube_client_new(const struct kube_client_config *cfg,
                    struct kube_client **out, struct kube_error *err);

/*
 * Frees @c; NULL is fine. No call may be running on @c any more (use
 * kube_client_cancel() and join the callers first).
 */
void kube_client_free(struct kube_client *c);

/* The member name @c was made for (owned by @c). */
const char *kube_client_name(const struct kube_client *c);

/*
 * Makes every call in flight on @c, and every later one, fail with
 * -ECANCELED within about a second (shutdown). Thread-safe.
 */
void kube_client_cancel(struct kube_client *c);

/* Releases libcurl's global state; call at most once, at process exit. */
void kube_global_cleanup(void);

/*
 * One raw request, for what the typed calls below do not cover. @path
 * starts with '/' and may carry a query; @body (may be NULL) is sent with
 * @content_type. @timeout_ms 0 means the client's request timeout.
 *
 * Returns 0 with the HTTP status in *status and the answer in *body_out
 * (malloc'ed, NUL-terminated, caller frees; may be NULL when not wanted),
 * whatever the status; or a negative errno when there was no complete
 * answer (see docs/kube-client.md "Errors").
 */
int kube_client_request(struct kube_client *c, const char *verb,
                        const char *path, const char *content_type,
                        const char *body, long timeout_ms, long *status,
                        char **body_out, struct kube_error *err);

/* ------------------------------------------------------------- health */

/* What a probe saw (spec/scenarios.md "Health, taints and their reasons"). */
enum kube_probe_outcome {
    /* a 2xx answer */
    KUBE_PROBE_OK,
    /* an answer that is not 2xx (from /healthz when /readyz is 404) */
    KUBE_PROBE_NOT_READY,
    /* refused, timed out, TLS failure, reset: no answer */
    KUBE_PROBE_NO_ANSWER,
};

struct kube_probe_result {
    enum kube_probe_outcome outcome;
    /* HTTP status of the deciding answer; 0 for NO_ANSWER */
    long http_status;
    /* the path that decided: "/readyz" or "/healthz" */
    char path[16];
    /* for NO_ANSWER, the negative errno of the failure; else 0 */
    int errno_code;
    /* why, one line: "ok", "/readyz answered 500: [-]etcd failed", ... */
    char reason[1024];
    /* how long the probe took, ns */
    int64_t duration_ns;
};

/* Text for an outcome: "ok", "not-ready", "no-answer" (the proto names). */
const char *kube_probe_outcome_name(enum kube_probe_outcome o);

/*
 * Probes @c: GET /readyz, and GET /healthz only when /readyz answers 404.
 * Both requests together take at most @timeout_ms (0: the client's request
 * timeout). The token is sent when configured.
 *
 * Returns 0 with the outcome in *res (every network failure is an outcome,
 * NO_ANSWER, not an error), or -EINVAL / -ENOMEM.
 */
int kube_probe(struct kube_client *c, long timeout_ms,
               struct kube_probe_result *res);

/*
 * GET /version: writes gitVersion ("v1.29.0") into @buf of @len bytes.
 * Returns 0, -EBADMSG when the answer is not an object with a string
 * gitVersion, -ENOSPC when @buf is too small, or a request error.
 */
int kube_version(struct kube_client *c, char *buf, size_t len,
                 struct kube_error *err);

#endif /* KUBE_CLIENT_H */
