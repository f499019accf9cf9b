/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The member client: configuration, credentials, the curl handle pool and
 * one HTTP exchange with its limits. Every failure becomes a negative errno
 * and a one-line text naming the member, the verb and the path; no
 * credential ever reaches that text or the log.
 */
#define LOG_MODULE "kube"
#include "kube/client.h"
#include "internal.h"
#include "config/config.h"
#include "util/log.h"
#include "util/time.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

/* Idle handles kept per client: each keeps its connection open. */
#define POOL_MAX 8
#define TOKEN_MAX_BYTES (64 * 1024)

struct kube_client {
    char *name;
    /* endpoint without a trailing '/' */
    char *base;
    char *token_file;
    char *ca_file;
    char *cert_file;
    char *key_file;
    char *user_agent;
    bool insecure;
    long connect_timeout_ms;
    long request_timeout_ms;
    size_t max_body;
    atomic_bool cancelled;

    pthread_mutex_t mu;
    /* guarded by mu: the bearer token and the file state it came from */
    char *token;
    struct timespec token_mtime;
    off_t token_size;
    ino_t token_ino;
    /* guarded by mu: idle curl handles */
    CURL *idle[POOL_MAX];
    int n_idle;
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_OK;

/*
 * With CURLOPT_NOSIGNAL (needed with threads) libcurl no longer ignores
 * SIGPIPE around its calls, and OpenSSL writing to a connection the member
 * reset would kill the process. So the first client makes the process
 * ignore SIGPIPE, unless someone installed a handler already.
 */
static void
global_init(void)
{
    struct sigaction old;
    struct sigaction ign;

    global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (sigaction(SIGPIPE, NULL, &old) == 0 && old.sa_handler == SIG_DFL) {
        memset(&ign, 0, sizeof(ign));
        ign.sa_handler = SIG_IGN;
        sigemptyset(&ign.sa_mask);
        (void)sigaction(SIGPIPE, &ign, NULL);
    }
}

void
kube_global_cleanup(void)
{
    curl_global_cleanup();
}

void
kube_client_config_init(struct kube_client_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->connect_timeout_ms = KUBE_DEFAULT_CONNECT_TIMEOUT_MS;
    cfg->request_timeout_ms = KUBE_DEFAULT_REQUEST_TIMEOUT_MS;
    cfg->max_body_bytes = KUBE_DEFAULT_MAX_BODY_BYTES;
    cfg->user_agent = KUBE_DEFAULT_USER_AGENT;
}

void
kube_client_config_from_member(struct kube_client_config *cfg,
                               const struct cfg_member *m)
{
    cfg->name = m->name;
    cfg->endpoint = m->api_endpoint;
    cfg->token_file = m->token_file;
    cfg->ca_file = m->ca_file;
    cfg->cert_file = m->cert_file;
    cfg->key_file = m->key_file;
}

const char *
kube_client_name(const struct kube_client *c)
{
    return c->name;
}

void
kube_client_cancel(struct kube_client *c)
{
    atomic_store(&c->cancelled, true);
}

size_t
kube_client_max_body(const struct kube_client *c)
{
    return c->max_body;
}

long
kube_client_request_timeout(const struct kube_client *c)
{
    return c->request_timeout_ms;
}

/* Errors. */

static const char *
path_only(const char *path, char *buf, size_t len)
{
    size_t n = strcspn(path, "?");

    if (n >= len) {
        n = len - 1;
    }
    memcpy(buf, path, n);
    buf[n] = '\0';
    return buf;
}

int
kube_error_set(struct kube_error *err, const struct kube_client *c,
               const char *verb, const char *path, int code, long status,
               const char *reason, const char *fmt, ...)
{
    char where[512];
    char head[96] = "";
    va_list ap;

    if (err == NULL) {
        return code;
    }
    memset(err, 0, sizeof(*err));
    err->code = code;
    err->http_status = status;
    snprintf(err->reason, sizeof(err->reason), "%s",
             reason != NULL ? reason : "");
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    if (status != 0) {
        snprintf(head, sizeof(head), "%ld%s%s: ", status,
                 err->reason[0] != '\0' ? " " : "", err->reason);
    }
    /* a long path or message is cut, never the member name */
    if (snprintf(err->text, sizeof(err->text), "member %s: %s %s: %s%s",
                 c != NULL ? c->name : "?", verb != NULL ? verb : "-",
                 path != NULL ? path_only(path, where, sizeof(where)) : "-",
                 head, err->message) < 0) {
        err->text[0] = '\0';
    }
    return code;
}

int
kube_errno_from_http(long status, const char *reason)
{
    if (status >= 200 && status < 300) {
        return 0;
    }
    if (status >= 300 && status < 400) {
        return -EPROTO;
    }
    switch (status) {
    case 400:
    case 422:
        return -EINVAL;
    case 401:
        return -EACCES;
    case 403:
        return -EPERM;
    case 404:
        return -ENOENT;
    case 405:
        return -EOPNOTSUPP;
    case 409:
        return reason != NULL && strcmp(reason, "AlreadyExists") == 0
                   ? -EEXIST
                   : -EBUSY;
    case 410:
        return -ESTALE;
    case 413:
        return -E2BIG;
    case 415:
        return -EPROTONOSUPPORT;
    case 429:
    case 503:
        return -EAGAIN;
    case 504:
        return -ETIMEDOUT;
    default:
        return -EREMOTEIO;
    }
}

const char *
kube_json_type_name(const json_t *v)
{
    if (v == NULL) {
        return "missing";
    }
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    default:
        return "null";
    }
}

/* Copies up to @max printable characters of @s into @buf (newlines: ' '). */
static void
excerpt(const char *s, size_t slen, char *buf, size_t len, size_t max)
{
    size_t o = 0;

    for (size_t i = 0; i < slen && o + 4 < len && i < max; i++) {
        unsigned char ch = (unsigned char)s[i];

        buf[o++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : ' ';
    }
    if (slen > max && o + 4 < len) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o] = '\0';
}

int
kube_call_status_error(struct kube_client *c, const struct kube_call *call,
                       struct kube_error *err)
{
    json_t *st = NULL;
    const char *reason = NULL;
    const char *message = NULL;
    char text[160];
    int code;

    if (call->resp != NULL) {
        st = json_loadb(call->resp, call->resp_len, 0, NULL);
    }
    if (json_is_object(st) &&
        json_is_string(json_object_get(st, "kind")) &&
        strcmp(json_string_value(json_object_get(st, "kind")), "Status") ==
            0) {
        reason = json_string_value(json_object_get(st, "reason"));
        message = json_string_value(json_object_get(st, "message"));
    }
    code = kube_errno_from_http(call->status, reason);
    if (message != NULL) {
        kube_error_set(err, c, call->verb, call->path, code, call->status,
                       reason, "%s", message);
    } else if (call->status >= 300 && call->status < 400) {
        kube_error_set(err, c, call->verb, call->path, code, call->status,
                       reason, "redirect not followed");
    } else {
        excerpt(call->resp != NULL ? call->resp : "", call->resp_len, text,
                sizeof(text), 120);
        kube_error_set(err, c, call->verb, call->path, code, call->status,
                       reason, "answer without a Status: \"%s\"", text);
    }
    json_decref(st);
    return code;
}

/* Configuration and credentials. */

static char *
dup_or_null(const char *s)
{
    return s != NULL && s[0] != '\0' ? strdup(s) : NULL;
}

static int
check_readable(struct kube_client *c, const char *what, const char *path,
               struct kube_error *err)
{
    int fd;

    if (path == NULL) {
        return 0;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;

        return kube_error_set(err, c, "config", what, -e, 0, NULL,
                              "cannot read %s: %s", path, strerror(e));
    }
    close(fd);
    return 0;
}

/* Reads the token file when it changed; caller holds c->mu. */
static int
token_refresh(struct kube_client *c, char *why, size_t why_len)
{
    struct stat st;
    char *buf = NULL;
    ssize_t n;
    size_t len;
    int fd = -1;
    int rc = 0;

    if (stat(c->token_file, &st) != 0) {
        rc = -errno;
        snprintf(why, why_len, "token file %s: %s", c->token_file,
                 strerror(errno));
        goto out;
    }
    if (c->token != NULL && st.st_mtim.tv_sec == c->token_mtime.tv_sec &&
        st.st_mtim.tv_nsec == c->token_mtime.tv_nsec &&
        st.st_size == c->token_size && st.st_ino == c->token_ino) {
        goto out;
    }
    if (st.st_size <= 0 || st.st_size > TOKEN_MAX_BYTES) {
        rc = -EINVAL;
        snprintf(why, why_len, "token file %s: size %lld not in 1..%d",
                 c->token_file, (long long)st.st_size, TOKEN_MAX_BYTES);
        goto out;
    }
    fd = open(c->token_file, O_RDONLY | O_CLOEXEC);
    buf = calloc(1, (size_t)st.st_size + 1);
    if (fd < 0 || buf == NULL) {
        rc = fd < 0 ? -errno : -ENOMEM;
        snprintf(why, why_len, "token file %s: %s", c->token_file,
                 strerror(-rc));
        goto out;
    }
    n = read(fd, buf, (size_t)st.st_size);
    len = n > 0 ? (size_t)n : 0;
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' ||
                       buf[len - 1] == ' ' || buf[len - 1] == '\t')) {
        len--;
    }
    buf[len] = '\0';
    if (len == 0 || strpbrk(buf, "\r\n") != NULL) {
        rc = -EINVAL;
        snprintf(why, why_len, "token file %s: %s", c->token_file,
                 len == 0 ? "empty" : "more than one line");
        goto out;
    }
    if (c->token != NULL) {
        explicit_bzero(c->token, strlen(c->token));
        free(c->token);
    }
    c->token = buf;
    buf = NULL;
    c->token_mtime = st.st_mtim;
    c->token_size = st.st_size;
    c->token_ino = st.st_ino;

out:
    if (buf != NULL) {
        explicit_bzero(buf, (size_t)st.st_size);
        free(buf);
    }
    if (fd >= 0) {
        close(fd);
    }
    return rc;
}

/*
 * The Authorization header for one call (malloc'ed, caller bzeroes and
 * frees), NULL when no token is configured. A token file that went bad
 * after a good read keeps the last good token, as client-go does.
 */
static int
auth_header(struct kube_client *c, char **out, char *why, size_t why_len)
{
    size_t len;
    int rc;

    *out = NULL;
    if (c->token_file == NULL) {
        return 0;
    }
    pthread_mutex_lock(&c->mu);
    rc = token_refresh(c, why, why_len);
    if (rc != 0 && c->token != NULL) {
        rc = 0;
    }
    if (rc == 0) {
        len = strlen(c->token) + sizeof("Authorization: Bearer ");
        *out = malloc(len);
        if (*out == NULL) {
            rc = -ENOMEM;
        } else {
            snprintf(*out, len, "Authorization: Bearer %s", c->token);
        }
    }
    pthread_mutex_unlock(&c->mu);
    return rc;
}

static int
config_check(struct kube_client *c, const struct kube_client_config *cfg,
             struct kube_error *err)
{
    const char *ep = cfg->endpoint;

    if (ep == NULL || (strncmp(ep, "https://", 8) != 0 &&
                       strncmp(ep, "http://", 7) != 0)) {
        return kube_error_set(err, c, "config", "endpoint", -EINVAL, 0, NULL,
                              "endpoint \"%s\" is not an http:// or https:// URL",
                              ep != NULL ? ep : "");
    }
    if (strpbrk(ep, " \t\r\n?#") != NULL) {
        return kube_error_set(err, c, "config", "endpoint", -EINVAL, 0, NULL,
                              "endpoint \"%s\" holds a space, '?' or '#'", ep);
    }
    if ((cfg->cert_file == NULL) != (cfg->key_file == NULL)) {
        return kube_error_set(err, c, "config", "certFile", -EINVAL, 0, NULL,
                              "a client certificate needs its key file and the other way round");
    }
    if (cfg->connect_timeout_ms <= 0 || cfg->request_timeout_ms <= 0 ||
        cfg->max_body_bytes == 0) {
        return kube_error_set(err, c, "config", "limits", -EINVAL, 0, NULL,
                              "timeouts and the body limit must be positive");
    }
    return 0;
}

static int
client_fill(struct kube_client *c, const struct kube_client_config *cfg)
{
    size_t n;

    c->base = strdup(cfg->endpoint);
    c->token_file = dup_or_null(cfg->token_file);
    c->ca_file = dup_or_null(cfg->ca_file);
    c->cert_file = dup_or_null(cfg->cert_file);
    c->key_file = dup_or_null(cfg->key_file);
    c->user_agent = strdup(cfg->user_agent != NULL ? cfg->user_agent
                                                   : KUBE_DEFAULT_USER_AGENT);
    if (c->base == NULL || c->user_agent == NULL ||
        (cfg->token_file != NULL && c->token_file == NULL) ||
        (cfg->ca_file != NULL && c->ca_file == NULL) ||
        (cfg->cert_file != NULL && c->cert_file == NULL) ||
        (cfg->key_file != NULL && c->key_file == NULL)) {
        return -ENOMEM;
    }
    n = strlen(c->base);
    while (n > 0 && c->base[n - 1] == '/') {
        c->base[--n] = '\0';
    }
    c->insecure = cfg->insecure_skip_verify;
    c->connect_timeout_ms = cfg->connect_timeout_ms;
    c->request_timeout_ms = cfg->request_timeout_ms;
    c->max_body = cfg->max_body_bytes;
    return 0;
}

int
kube_client_new(const struct kube_client_config *cfg,
                struct kube_client **out, struct kube_error *err)
{
    struct kube_client *c = NULL;
    char why[512] = "";
    int rc;

    pthread_once(&global_once, global_init);
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return -ENOMEM;
    }
    pthread_mutex_init(&c->mu, NULL);
    c->name = strdup(cfg->name != NULL && cfg->name[0] != '\0' ? cfg->name
                                                                : "?");
    if (c->name == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    if (global_rc != CURLE_OK) {
        rc = kube_error_set(err, c, "config", "-", -EIO, 0, NULL,
                            "libcurl initialisation failed: %s",
                            curl_easy_strerror(global_rc));
        goto out;
    }
    if (cfg->name == NULL || cfg->name[0] == '\0') {
        rc = kube_error_set(err, c, "config", "name", -EINVAL, 0, NULL,
                            "a member client needs a name");
        goto out;
    }
    rc = config_check(c, cfg, err);
    if (rc == 0) {
        rc = client_fill(c, cfg);
    }
    if (rc == 0) {
        rc = check_readable(c, "caFile", c->ca_file, err);
    }
    if (rc == 0) {
        rc = check_readable(c, "certFile", c->cert_file, err);
    }
    if (rc == 0) {
        rc = check_readable(c, "keyFile", c->key_file, err);
    }
    if (rc == 0 && c->token_file != NULL) {
        pthread_mutex_lock(&c->mu);
        rc = token_refresh(c, why, sizeof(why));
        pthread_mutex_unlock(&c->mu);
        if (rc != 0) {
            kube_error_set(err, c, "config", "tokenFile", rc, 0, NULL, "%s",
                           why);
        }
    }
    if (rc == -ENOMEM) {
        kube_error_set(err, c, "config", "-", rc, 0, NULL, "out of memory");
    }
    if (rc != 0) {
        goto out;
    }
    if (c->token_file != NULL && strncmp(c->base, "http://", 7) == 0) {
        log_warn("bearer token over plain http", "member=%s endpoint=%s",
                 c->name, c->base);
    }
    *out = c;
    c = NULL;

out:
    kube_client_free(c);
    return rc;
}

void
kube_client_free(struct kube_client *c)
{
    if (c == NULL) {
        return;
    }
    for (int i = 0; i < c->n_idle; i++) {
        curl_easy_cleanup(c->idle[i]);
    }
    if (c->token != NULL) {
        explicit_bzero(c->token, strlen(c->token));
        free(c->token);
    }
    pthread_mutex_destroy(&c->mu);
    free(c->name);
    free(c->base);
    free(c->token_file);
    free(c->ca_file);
    free(c->cert_file);
    free(c->key_file);
    free(c->user_agent);
    free(c);
}

/* The handle pool. */

static CURL *
handle_borrow(struct kube_client *c)
{
    CURL *h = NULL;

    pthread_mutex_lock(&c->mu);
    if (c->n_idle > 0) {
        h = c->idle[--c->n_idle];
    }
    pthread_mutex_unlock(&c->mu);
    if (h == NULL) {
        h = curl_easy_init();
    }
    return h;
}

/* Keeps @h (and its open connection) unless the pool is full or @drop. */
static void
handle_return(struct kube_client *c, CURL *h, bool drop)
{
    if (h == NULL) {
        return;
    }
    curl_easy_reset(h);
    pthread_mutex_lock(&c->mu);
    if (!drop && c->n_idle < POOL_MAX) {
        c->idle[c->n_idle++] = h;
        h = NULL;
    }
    pthread_mutex_unlock(&c->mu);
    if (h != NULL) {
        curl_easy_cleanup(h);
    }
}

/* One exchange. */

struct xfer {
    struct kube_client *c;
    struct kube_call *call;
    CURL *h;
    /* 2xx streaming: partial line */
    char *line;
    size_t line_len;
    size_t line_cap;
    size_t resp_cap;
    /* monotonic time of the last bytes received, for idle_timeout_s */
    int64_t last_data_ns;
    bool idle;
    bool too_large;
    bool streaming;
    bool status_known;
    int line_rc;
    char line_why[512];
};

static int
buf_append(char **buf, size_t *len, size_t *cap, const char *data, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t want = *cap == 0 ? 4096 : *cap;
        char *grown;

        while (want < *len + n + 1) {
            want *= 2;
        }
        grown = realloc(*buf, want);
        if (grown == NULL) {
            return -ENOMEM;
        }
        *buf = grown;
        *cap = want;
    }
    memcpy(*buf + *len, data, n);
    *len += n;
    (*buf)[*len] = '\0';
    return 0;
}

static void
xfer_status(struct xfer *x)
{
    long code = 0;

    if (x->status_known) {
        return;
    }
    x->status_known = true;
    (void)curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &code);
    x->call->status = code;
    x->streaming = x->call->on_line != NULL && code >= 200 && code < 300;
}

/* Hands every complete line of x->line to on_line; -1 stops the transfer. */
static int
xfer_lines(struct xfer *x, bool final)
{
    size_t start = 0;

    while (start < x->line_len) {
        char *nl = memchr(x->line + start, '\n', x->line_len - start);
        size_t n;
        int rc;

        if (nl == NULL && !final) {
            break;
        }
        n = nl != NULL ? (size_t)(nl - (x->line + start))
                       : x->line_len - start;
        x->line[start + n] = '\0';
        rc = x->call->on_line(x->call->line_arg, x->line + start, n,
                              x->line_why, sizeof(x->line_why));
        start += n + 1;
        if (rc != 0) {
            x->line_rc = rc;
            return -1;
        }
    }
    if (start > x->line_len) {
        start = x->line_len;
    }
    memmove(x->line, x->line + start, x->line_len - start);
    x->line_len -= start;
    return 0;
}

static size_t
on_write(char *data, size_t size, size_t nmemb, void *arg)
{
    struct xfer *x = arg;
    size_t n = size * nmemb;
    struct kube_call *call = x->call;

    x->last_data_ns = util_time_mono_ns();
    xfer_status(x);
    if (x->streaming) {
        if (buf_append(&x->line, &x->line_len, &x->line_cap, data, n) != 0) {
            x->line_rc = -ENOMEM;
            return 0;
        }
        if (xfer_lines(x, false) != 0) {
            return 0;
        }
        if (x->line_len > x->c->max_body) {
            x->too_large = true;
            return 0;
        }
        return n;
    }
    if (call->resp_len + n > x->c->max_body) {
        x->too_large = true;
        return 0;
    }
    if (buf_append(&call->resp, &call->resp_len, &x->resp_cap, data, n) !=
        0) {
        x->line_rc = -ENOMEM;
        return 0;
    }
    return n;
}

static int
on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
            curl_off_t ultotal, curl_off_t ulnow)
{
    struct xfer *x = arg;

    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    if (atomic_load(&x->c->cancelled)) {
        return 1;
    }
    if (x->call->stop != NULL && atomic_load(x->call->stop)) {
        x->call->stopped = true;
        return 1;
    }
    if (x->call->idle_timeout_s > 0 &&
        util_time_mono_ns() - x->last_data_ns >
            (int64_t)x->call->idle_timeout_s * 1000000000) {
        x->idle = true;
        return 1;
    }
    return 0;
}

static int
setup_handle(struct xfer *x, struct curl_slist *headers, const char *url,
             long timeout_ms)
{
    struct kube_client *c = x->c;
    struct kube_call *call = x->call;
    CURL *h = x->h;
    CURLcode e = CURLE_OK;

    e |= curl_easy_setopt(h, CURLOPT_URL, url);
    e |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    e |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    e |= curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    e |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
    e |= curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    e |= curl_easy_setopt(h, CURLOPT_USERAGENT, c->user_agent);
    e |= curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    e |= curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    e |= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
    e |= curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
    e |= curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    e |= curl_easy_setopt(h, CURLOPT_XFERINFODATA, x);
    e |= curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    if (call->on_line == NULL) {
        e |= curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE,
                              (curl_off_t)c->max_body);
    }
    if (strcmp(call->verb, "GET") != 0) {
        e |= curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, call->verb);
    }
    if (call->body != NULL) {
        e |= curl_easy_setopt(h, CURLOPT_POSTFIELDS, call->body);
        e |= curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                              (curl_off_t)strlen(call->body));
    }
    if (c->ca_file != NULL) {
        e |= curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
    }
    if (c->cert_file != NULL) {
        e |= curl_easy_setopt(h, CURLOPT_SSLCERT, c->cert_file);
        e |= curl_easy_setopt(h, CURLOPT_SSLKEY, c->key_file);
    }
    if (c->insecure) {
        e |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        e |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    return e == CURLE_OK ? 0 : -EINVAL;
}

static struct curl_slist *
make_headers(const struct kube_call *call, const char *auth)
{
    struct curl_slist *l = NULL;
    struct curl_slist *t;
    char ct[128];

    l = curl_slist_append(l, "Accept: application/json");
    /* no "Expect: 100-continue" round trip for large bodies */
    if (l != NULL && (t = curl_slist_append(l, "Expect:")) != NULL) {
        l = t;
    }
    if (l != NULL && call->content_type != NULL) {
        snprintf(ct, sizeof(ct), "Content-Type: %s", call->content_type);
        t = curl_slist_append(l, ct);
        if (t == NULL) {
            curl_slist_free_all(l);
            return NULL;
        }
        l = t;
    }
    if (l != NULL && auth != NULL) {
        t = curl_slist_append(l, auth);
        if (t == NULL) {
            curl_slist_free_all(l);
            return NULL;
        }
        l = t;
    }
    return l;
}

/* A curl failure in words and errno. */
static int
curl_failure(struct xfer *x, CURLcode e, const char *errbuf, long timeout_ms,
             struct kube_error *err)
{
    struct kube_client *c = x->c;
    struct kube_call *call = x->call;
    const char *detail = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(e);
    long os_errno = 0;
    int code;

    if (x->idle) {
        return kube_error_set(err, c, call->verb, call->path, -ETIMEDOUT,
                              call->status, NULL, "nothing arrived for %u s",
                              call->idle_timeout_s);
    }
    if (x->too_large) {
        return kube_error_set(err, c, call->verb, call->path, -EMSGSIZE,
                              call->status, NULL,
                              x->streaming ? "a watch line is over the %zu-byte limit" : "answer body over the %zu-byte limit",
                              c->max_body);
    }
    switch (e) {
    case CURLE_FILESIZE_EXCEEDED:
        return kube_error_set(err, c, call->verb, call->path, -EMSGSIZE,
                              call->status, NULL,
                              "answer body over the %zu-byte limit (Content-Length)",
                              c->max_body);
    case CURLE_OPERATION_TIMEDOUT:
        return kube_error_set(err, c, call->verb, call->path, -ETIMEDOUT, 0,
                              NULL, "no complete answer within %ld ms (%s)",
                              timeout_ms, detail);
    case CURLE_ABORTED_BY_CALLBACK:
        return kube_error_set(err, c, call->verb, call->path, -ECANCELED, 0,
                              NULL, "cancelled");
    case CURLE_COULDNT_CONNECT:
        (void)curl_easy_getinfo(x->h, CURLINFO_OS_ERRNO, &os_errno);
        code = os_errno > 0 ? -(int)os_errno : -ECONNREFUSED;
        return kube_error_set(err, c, call->verb, call->path, code, 0, NULL,
                              "cannot connect: %s (%s)", strerror(-code),
                              detail);
    case CURLE_COULDNT_RESOLVE_HOST:
        return kube_error_set(err, c, call->verb, call->path, -EHOSTUNREACH,
                              0, NULL, "cannot resolve the host (%s)", detail);
    case CURLE_PEER_FAILED_VERIFICATION:
        return kube_error_set(err, c, call->verb, call->path, -EKEYREJECTED,
                              0, NULL,
                              "TLS: the server's certificate is not trusted (%s)",
                              detail);
    case CURLE_SSL_CONNECT_ERROR:
        return kube_error_set(err, c, call->verb, call->path, -EPROTO, 0,
                              NULL, "TLS handshake failed (%s)", detail);
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CIPHER:
        return kube_error_set(err, c, call->verb, call->path, -EINVAL, 0, NULL,
                              "TLS: bad local certificate, key or CA file (%s)",
                              detail);
    case CURLE_GOT_NOTHING:
        return kube_error_set(err, c, call->verb, call->path, -ECONNRESET, 0,
                              NULL,
                              "the server closed the connection without answering");
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return kube_error_set(err, c, call->verb, call->path, -ECONNRESET,
                              call->status, NULL, "connection broken (%s)",
                              detail);
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_UNSUPPORTED_PROTOCOL:
        return kube_error_set(err, c, call->verb, call->path, -EPROTO, 0, NULL,
                              "not an HTTP answer (%s)", detail);
    case CURLE_URL_MALFORMAT:
        return kube_error_set(err, c, call->verb, call->path, -EINVAL, 0, NULL,
                              "bad URL (%s)", detail);
    case CURLE_OUT_OF_MEMORY:
        return kube_error_set(err, c, call->verb, call->path, -ENOMEM, 0, NULL,
                              "out of memory");
    default:
        return kube_error_set(err, c, call->verb, call->path, -EIO,
                              call->status, NULL, "transfer failed (%s)",
                              detail);
    }
}

/* After curl_easy_perform: 0 or the error of the exchange. */
static int
xfer_finish(struct xfer *x, CURLcode e, const char *errbuf, long timeout_ms,
            struct kube_error *err)
{
    struct kube_call *call = x->call;

    xfer_status(x);
    if (e == CURLE_OK && x->streaming && x->line_len > 0) {
        /* the last line may come without its newline */
        (void)xfer_lines(x, true);
    }
    if (x->line_rc > 0 || call->stopped) {
        call->stopped = true;
        return 0;
    }
    if (x->line_rc < 0) {
        return kube_error_set(err, x->c, call->verb, call->path, x->line_rc,
                              call->status, NULL, "%s",
                              x->line_rc == -ENOMEM ? "out of memory"
                                                    : x->line_why);
    }
    if (e != CURLE_OK) {
        return curl_failure(x, e, errbuf, timeout_ms, err);
    }
    return 0;
}

int
kube_call_do(struct kube_client *c, struct kube_call *call,
             struct kube_error *err)
{
    struct curl_slist *headers = NULL;
    struct xfer x;
    char errbuf[CURL_ERROR_SIZE] = "";
    char why[512] = "";
    char *auth = NULL;
    char *url = NULL;
    long timeout_ms;
    CURLcode e;
    int rc;

    memset(&x, 0, sizeof(x));
    x.c = c;
    x.call = call;
    x.last_data_ns = util_time_mono_ns();
    call->status = 0;
    call->resp = NULL;
    call->resp_len = 0;
    call->stopped = false;
    timeout_ms = call->timeout_ms > 0 ? call->timeout_ms
                                      : c->request_timeout_ms;
    if (atomic_load(&c->cancelled)) {
        return kube_error_set(err, c, call->verb, call->path, -ECANCELED, 0,
                              NULL, "cancelled");
    }
    rc = auth_header(c, &auth, why, sizeof(why));
    if (rc != 0) {
        kube_error_set(err, c, call->verb, call->path, rc, 0, NULL, "%s",
                       why[0] != '\0' ? why : strerror(-rc));
        goto out;
    }
    url = malloc(strlen(c->base) + strlen(call->path) + 1);
    headers = make_headers(call, auth);
    x.h = handle_borrow(c);
    if (url == NULL || headers == NULL || x.h == NULL) {
        rc = kube_error_set(err, c, call->verb, call->path, -ENOMEM, 0, NULL,
                            "out of memory");
        goto out;
    }
    strcpy(url, c->base);
    strcat(url, call->path);
    if (setup_handle(&x, headers, url, timeout_ms) != 0 ||
        curl_easy_setopt(x.h, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK) {
        rc = kube_error_set(err, c, call->verb, call->path, -EINVAL, 0, NULL,
                            "libcurl refused an option");
        goto out;
    }
    e = curl_easy_perform(x.h);
    rc = xfer_finish(&x, e, errbuf, timeout_ms, err);
    log_debug("request", "member=%s verb=%s path=%s status=%ld rc=%d",
              c->name, call->verb, call->path, call->status, rc);

out:
    if (rc != 0) {
        kube_call_release(call);
    }
    /* a connection left mid-answer is not reusable */
    handle_return(c, x.h, rc != 0 || call->stopped);
    curl_slist_free_all(headers);
    if (auth != NULL) {
        explicit_bzero(auth, strlen(auth));
        free(auth);
    }
    free(url);
    free(x.line);
    return rc;
}

void
kube_call_release(struct kube_call *call)
{
    free(call->resp);
    call->resp = NULL;
    call->resp_len = 0;
}

int
kube_call_json(struct kube_client *c, const char *verb, const char *path,
               const char *content_type, const json_t *body, json_t **out,
               struct kube_error *err)
{
    struct kube_call call;
    json_error_t jerr;
    json_t *obj = NULL;
    char *text = NULL;
    int rc;

    memset(&call, 0, sizeof(call));
    call.verb = verb;
    call.path = path;
    if (body != NULL) {
        text = json_dumps(body, JSON_COMPACT);
        if (text == NULL) {
            return kube_error_set(err, c, verb, path, -EINVAL, 0, NULL,
                                  "the request body cannot be encoded as JSON");
        }
        call.body = text;
        call.content_type = content_type != NULL ? content_type
                                                 : "application/json";
    }
    rc = kube_call_do(c, &call, err);
    if (rc != 0) {
        goto out;
    }
    if (call.status < 200 || call.status >= 300) {
        rc = kube_call_status_error(c, &call, err);
        goto out;
    }
    if (out == NULL) {
        goto out;
    }
    obj = json_loadb(call.resp != NULL ? call.resp : "", call.resp_len, 0,
                     &jerr);
    if (obj == NULL) {
        rc = kube_error_set(err, c, verb, path, -EBADMSG, call.status, NULL,
                            "bad JSON in the answer at line %d column %d: %s",
                            jerr.line, jerr.column, jerr.text);
        goto out;
    }
    if (!json_is_object(obj)) {
        rc = kube_error_set(err, c, verb, path, -EBADMSG, call.status, NULL,
                            "the answer is %s, not an object",
                            kube_json_type_name(obj));
        goto out;
    }
    *out = obj;
    obj = NULL;

out:
    json_decref(obj);
    kube_call_release(&call);
    free(text);
    return rc;
}

int
kube_client_request(struct kube_client *c, const char *verb,
                    const char *path, const char *content_type,
                    const char *body, long timeout_ms, long *status,
                    char **body_out, struct kube_error *err)
{
    struct kube_call call;
    int rc;

    if (verb == NULL || path == NULL || path[0] != '/') {
        return kube_error_set(err, c, verb, path, -EINVAL, 0, NULL,
                              "a request needs a verb and a path starting with '/'");
    }
    memset(&call, 0, sizeof(call));
    call.verb = verb;
    call.path = path;
    call.content_type = content_type;
    call.body = body;
    call.timeout_ms = timeout_ms;
    rc = kube_call_do(c, &call, err);
    if (rc != 0) {
        return rc;
    }
    if (status != NULL) {
        *status = call.status;
    }
    if (body_out != NULL) {
        *body_out = call.resp;
        call.resp = NULL;
    }
    kube_call_release(&call);
    return 0;
}

int
kube_query_add(char *buf, size_t len, const char *key, const char *value)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = strlen(buf);
    int n;

    if (value == NULL || value[0] == '\0') {
        return 0;
    }
    n = snprintf(buf + o, len - o, "%c%s=", strchr(buf, '?') ? '&' : '?',
                 key);
    if (n < 0 || (size_t)n >= len - o) {
        return -ENAMETOOLONG;
    }
    o += (size_t)n;
    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
        bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                     (*p >= '0' && *p <= '9') || strchr("-._~", *p) != NULL;

        if (o + 4 > len) {
            return -ENAMETOOLONG;
        }
        if (plain) {
            buf[o++] = (char)*p;
        } else {
            buf[o++] = '%';
            buf[o++] = hex[*p >> 4];
            buf[o++] = hex[*p & 15];
        }
    }
    buf[o] = '\0';
    return 0;
}
