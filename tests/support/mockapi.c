/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The mock Kubernetes API server of mockapi.h. Routes are matched in the
 * order they were added; an unmatched request gets a 404 Status like the
 * real server's. Every blocking behaviour polls the stop flag, so
 * mockapi_stop() ends hanging connections promptly.
 */
#include "support/mockapi.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <microhttpd.h>

#define MAX_ROUTES 128
#define MAX_LOG    4096
#define MAX_UPLOAD (1024 * 1024)

struct route {
    char *method;
    char *path;
    char *query_has;
    enum mockapi_mode mode;
    unsigned status;
    char *body;
    char *content_type;
    size_t size;
    unsigned delay_ms;
    unsigned hold_ms;
    char *location;
};

struct mockapi {
    struct MHD_Daemon *daemon;
    uint16_t port;
    bool tls;
    bool client_certs;
    char *token;
    atomic_bool stopping;
    pthread_mutex_t mu;
    struct route routes[MAX_ROUTES];
    int n_routes;
    struct mockapi_request last;
    char log_method[MAX_LOG][8];
    char log_path[MAX_LOG][128];
    unsigned n_log;
};

struct upload {
    char *body;
    size_t len;
};

struct reader {
    struct mockapi *m;
    enum mockapi_mode mode;
    char *data;
    size_t len;
    size_t off;
    size_t huge_left;
    unsigned delay_ms;
    unsigned hold_ms;
};

static void
sleep_ms(unsigned ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
}

/* Sleeps @ms in small steps; false when the server is stopping. */
static bool
wait_ms(struct mockapi *m, unsigned ms)
{
    while (ms > 0) {
        unsigned step = ms < 20 ? ms : 20;

        if (atomic_load(&m->stopping)) {
            return false;
        }
        sleep_ms(step);
        ms -= step;
    }
    return !atomic_load(&m->stopping);
}

static char *
dup_or_null(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}

static void
route_free(struct route *r)
{
    free(r->method);
    free(r->path);
    free(r->query_has);
    free(r->body);
    free(r->content_type);
    free(r->location);
    memset(r, 0, sizeof(*r));
}

int
mockapi_add(struct mockapi *m, const struct mockapi_route *in)
{
    struct route *r;

    pthread_mutex_lock(&m->mu);
    if (m->n_routes == MAX_ROUTES) {
        pthread_mutex_unlock(&m->mu);
        return -ENOSPC;
    }
    r = &m->routes[m->n_routes++];
    r->method = dup_or_null(in->method);
    r->path = dup_or_null(in->path);
    r->query_has = dup_or_null(in->query_has);
    r->mode = in->mode;
    r->status = in->status != 0 ? in->status : 200;
    r->body = dup_or_null(in->body);
    r->content_type = strdup(in->content_type != NULL ? in->content_type
                                                      : "application/json");
    r->size = in->size;
    r->delay_ms = in->delay_ms;
    r->hold_ms = in->hold_ms;
    r->location = dup_or_null(in->location);
    pthread_mutex_unlock(&m->mu);
    return 0;
}

int
mockapi_reply(struct mockapi *m, const char *method, const char *path,
              unsigned status, const char *body)
{
    struct mockapi_route r = { .method = method, .path = path,
                               .mode = MOCKAPI_REPLY, .status = status,
                               .body = body };

    return mockapi_add(m, &r);
}

void
mockapi_clear(struct mockapi *m)
{
    pthread_mutex_lock(&m->mu);
    for (int i = 0; i < m->n_routes; i++) {
        route_free(&m->routes[i]);
    }
    m->n_routes = 0;
    pthread_mutex_unlock(&m->mu);
}

unsigned
mockapi_hits(struct mockapi *m, const char *method, const char *path)
{
    unsigned n = 0;

    pthread_mutex_lock(&m->mu);
    for (unsigned i = 0; i < m->n_log && i < MAX_LOG; i++) {
        if ((method == NULL || strcmp(m->log_method[i], method) == 0) &&
            (path == NULL || strcmp(m->log_path[i], path) == 0)) {
            n++;
        }
    }
    pthread_mutex_unlock(&m->mu);
    return n;
}

void
mockapi_last(struct mockapi *m, struct mockapi_request *out)
{
    pthread_mutex_lock(&m->mu);
    *out = m->last;
    pthread_mutex_unlock(&m->mu);
}

unsigned
mockapi_open_connections(struct mockapi *m)
{
    const union MHD_DaemonInfo *info;

    info = MHD_get_daemon_info(m->daemon,
                               MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
    return info != NULL ? info->num_connections : 0;
}

uint16_t
mockapi_port(const struct mockapi *m)
{
    return m->port;
}

void
mockapi_url(const struct mockapi *m, char *buf, size_t len)
{
    snprintf(buf, len, "%s://127.0.0.1:%u", m->tls ? "https" : "http",
             (unsigned)m->port);
}

/* Reading the request. */

struct query_acc {
    char *buf;
    size_t len;
};

static enum MHD_Result
on_query_arg(void *cls, enum MHD_ValueKind kind, const char *key,
             const char *value)
{
    struct query_acc *q = cls;
    size_t o = strlen(q->buf);

    (void)kind;
    snprintf(q->buf + o, q->len - o, "%s%s=%s", o > 0 ? "&" : "", key,
             value != NULL ? value : "");
    return MHD_YES;
}

static void
record(struct mockapi *m, struct MHD_Connection *c, const char *url,
       const char *method, const struct upload *up, bool had_token)
{
    struct mockapi_request *r = &m->last;
    struct query_acc q;
    const char *ct;

    pthread_mutex_lock(&m->mu);
    memset(r, 0, sizeof(*r));
    snprintf(r->method, sizeof(r->method), "%s", method);
    snprintf(r->path, sizeof(r->path), "%s", url);
    q.buf = r->query;
    q.len = sizeof(r->query);
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, on_query_arg, &q);
    ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    snprintf(r->content_type, sizeof(r->content_type), "%s",
             ct != NULL ? ct : "");
    r->body_len = up->len < sizeof(r->body) - 1 ? up->len
                                                : sizeof(r->body) - 1;
    if (up->body != NULL) {
        memcpy(r->body, up->body, r->body_len);
    }
    r->had_token = had_token;
    if (m->n_log < MAX_LOG) {
        snprintf(m->log_method[m->n_log], sizeof(m->log_method[0]), "%s",
                 method);
        snprintf(m->log_path[m->n_log], sizeof(m->log_path[0]), "%s", url);
        m->n_log++;
    }
    pthread_mutex_unlock(&m->mu);
}

static bool
route_matches(const struct route *r, struct MHD_Connection *c,
              const char *url, const char *method)
{
    char key[128];
    const char *eq;
    const char *v;

    if ((r->method != NULL && strcmp(r->method, method) != 0) ||
        strcmp(r->path, url) != 0) {
        return false;
    }
    if (r->query_has == NULL) {
        return true;
    }
    eq = strchr(r->query_has, '=');
    if (eq == NULL || (size_t)(eq - r->query_has) >= sizeof(key)) {
        return false;
    }
    memcpy(key, r->query_has, (size_t)(eq - r->query_has));
    key[eq - r->query_has] = '\0';
    v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, key);
    return v != NULL && strcmp(v, eq + 1) == 0;
}

/* Copies the matching route (strings shared until mockapi_clear()). */
static bool
find_route(struct mockapi *m, struct MHD_Connection *c, const char *url,
           const char *method, struct route *out)
{
    bool found = false;

    pthread_mutex_lock(&m->mu);
    for (int i = 0; i < m->n_routes && !found; i++) {
        if (route_matches(&m->routes[i], c, url, method)) {
            out->mode = m->routes[i].mode;
            out->status = m->routes[i].status;
            out->body = dup_or_null(m->routes[i].body);
            out->content_type = dup_or_null(m->routes[i].content_type);
            out->size = m->routes[i].size;
            out->delay_ms = m->routes[i].delay_ms;
            out->hold_ms = m->routes[i].hold_ms;
            out->location = dup_or_null(m->routes[i].location);
            found = true;
        }
    }
    pthread_mutex_unlock(&m->mu);
    return found;
}

/* Answers. */

static enum MHD_Result
queue(struct MHD_Connection *c, unsigned status, struct MHD_Response *r,
      const char *content_type, const char *location)
{
    enum MHD_Result ret;

    if (r == NULL) {
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", content_type);
    if (location != NULL) {
        MHD_add_response_header(r, "Location", location);
    }
    ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result
send_text(struct MHD_Connection *c, unsigned status, const char *body,
          const char *content_type, const char *location)
{
    const char *b = body != NULL ? body : "";

    return queue(c, status,
                 MHD_create_response_from_buffer(strlen(b), (void *)b,
                                                 MHD_RESPMEM_MUST_COPY),
                 content_type, location);
}

static enum MHD_Result
send_status(struct MHD_Connection *c, unsigned code, const char *reason,
            const char *message)
{
    char body[1024];

    snprintf(body, sizeof(body),
             "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"%s\",\"reason\":\"%s\",\"code\":%u}",
             message, reason, code);
    return send_text(c, code, body, "application/json", NULL);
}

static ssize_t
read_piece(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct reader *rd = cls;
    size_t n;

    (void)pos;
    if (rd->mode == MOCKAPI_HUGE) {
        if (rd->huge_left == 0) {
            return MHD_CONTENT_READER_END_OF_STREAM;
        }
        if (atomic_load(&rd->m->stopping)) {
            return MHD_CONTENT_READER_END_WITH_ERROR;
        }
        n = max < rd->huge_left ? max : rd->huge_left;
        memset(buf, 'x', n);
        rd->huge_left -= n;
        return (ssize_t)n;
    }
    if (rd->off >= rd->len) {
        if (!wait_ms(rd->m, rd->hold_ms)) {
            return MHD_CONTENT_READER_END_WITH_ERROR;
        }
        rd->hold_ms = 0;
        return MHD_CONTENT_READER_END_OF_STREAM;
    }
    if (rd->off > 0 || rd->mode == MOCKAPI_DRIP) {
        if (!wait_ms(rd->m, rd->delay_ms)) {
            return MHD_CONTENT_READER_END_WITH_ERROR;
        }
    }
    if (rd->mode == MOCKAPI_DRIP) {
        n = 1;
    } else {
        const char *nl = memchr(rd->data + rd->off, '\n', rd->len - rd->off);

        n = nl != NULL ? (size_t)(nl - (rd->data + rd->off)) + 1
                       : rd->len - rd->off;
    }
    if (n > max) {
        n = max;
    }
    memcpy(buf, rd->data + rd->off, n);
    rd->off += n;
    return (ssize_t)n;
}

static void
free_reader(void *cls)
{
    struct reader *rd = cls;

    free(rd->data);
    free(rd);
}

static enum MHD_Result
send_route(struct mockapi *m, struct MHD_Connection *c, struct route *r)
{
    struct reader *rd;
    uint64_t total = MHD_SIZE_UNKNOWN;

    switch (r->mode) {
    case MOCKAPI_REPLY:
        return send_text(c, r->status, r->body, r->content_type, r->location);
    case MOCKAPI_HANG:
        (void)wait_ms(m, 3600 * 1000);
        return MHD_NO;
    case MOCKAPI_CLOSE:
        return MHD_NO;
    default:
        break;
    }
    rd = calloc(1, sizeof(*rd));
    if (rd == NULL) {
        return MHD_NO;
    }
    rd->m = m;
    rd->mode = r->mode;
    rd->data = r->body;
    r->body = NULL;
    rd->len = rd->data != NULL ? strlen(rd->data) : 0;
    rd->delay_ms = r->delay_ms;
    rd->hold_ms = r->hold_ms;
    rd->huge_left = r->size;
    if (r->mode == MOCKAPI_HUGE) {
        total = r->size;
    }
    return queue(c, r->status,
                 MHD_create_response_from_callback(total, 4096, read_piece,
                                                   rd, free_reader),
                 r->content_type, r->location);
}

static bool
client_cert_ok(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *info;
    unsigned status = 0;

    info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    if (info == NULL || info->tls_session == NULL) {
        return false;
    }
    if (gnutls_certificate_verify_peers2(info->tls_session, &status) !=
        GNUTLS_E_SUCCESS) {
        return false;
    }
    return status == 0;
}

static enum MHD_Result
respond(struct mockapi *m, struct MHD_Connection *c, const char *url,
        const char *method, struct upload *up)
{
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                   "Authorization");
    bool had_token = m->token != NULL && auth != NULL &&
                     strncmp(auth, "Bearer ", 7) == 0 &&
                     strcmp(auth + 7, m->token) == 0;
    struct route r;
    enum MHD_Result ret;

    record(m, c, url, method, up, had_token);
    if (m->client_certs && !client_cert_ok(c)) {
        return send_status(c, 401, "Unauthorized",
                           "no valid client certificate");
    }
    if (m->token != NULL && !had_token) {
        return send_status(c, 401, "Unauthorized", "Unauthorized");
    }
    memset(&r, 0, sizeof(r));
    if (!find_route(m, c, url, method, &r)) {
        return send_status(c, 404, "NotFound",
                           "the server could not find the requested resource");
    }
    ret = send_route(m, c, &r);
    route_free(&r);
    return ret;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url,
           const char *method, const char *version, const char *data,
           size_t *data_size, void **con_cls)
{
    struct mockapi *m = cls;
    struct upload *up = *con_cls;

    (void)version;
    if (up == NULL) {
        up = calloc(1, sizeof(*up));
        *con_cls = up;
        return up != NULL ? MHD_YES : MHD_NO;
    }
    if (*data_size > 0) {
        if (up->len + *data_size <= MAX_UPLOAD) {
            char *grown = realloc(up->body, up->len + *data_size + 1);

            if (grown == NULL) {
                return MHD_NO;
            }
            up->body = grown;
            memcpy(up->body + up->len, data, *data_size);
            up->len += *data_size;
            up->body[up->len] = '\0';
        }
        *data_size = 0;
        return MHD_YES;
    }
    return respond(m, c, url, method, up);
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
             enum MHD_RequestTerminationCode toe)
{
    struct upload *up = *con_cls;

    (void)cls;
    (void)c;
    (void)toe;
    if (up != NULL) {
        free(up->body);
        free(up);
        *con_cls = NULL;
    }
}

int
mockapi_start(const struct mockapi_opts *opts, struct mockapi **out)
{
    struct mockapi_opts none = { 0 };
    struct sockaddr_in addr;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG;
    const union MHD_DaemonInfo *info;
    struct mockapi *m;

    if (opts == NULL) {
        opts = &none;
    }
    m = calloc(1, sizeof(*m));
    if (m == NULL) {
        return -ENOMEM;
    }
    pthread_mutex_init(&m->mu, NULL);
    m->token = dup_or_null(opts->token);
    m->tls = opts->cert_pem != NULL;
    m->client_certs = opts->client_ca_pem != NULL;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (m->tls) {
        flags |= MHD_USE_TLS;
    }
    m->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, m, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&addr, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
        NULL, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
        m->tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, opts->cert_pem,
        MHD_OPTION_HTTPS_MEM_KEY, opts->key_pem,
        m->client_certs ? MHD_OPTION_HTTPS_MEM_TRUST : MHD_OPTION_END,
        opts->client_ca_pem, MHD_OPTION_END);
    if (m->daemon == NULL) {
        mockapi_stop(m);
        return -EADDRNOTAVAIL;
    }
    info = MHD_get_daemon_info(m->daemon, MHD_DAEMON_INFO_BIND_PORT);
    m->port = info != NULL ? info->port : 0;
    *out = m;
    return 0;
}

void
mockapi_stop(struct mockapi *m)
{
    if (m == NULL) {
        return;
    }
    atomic_store(&m->stopping, true);
    if (m->daemon != NULL) {
        MHD_stop_daemon(m->daemon);
    }
    mockapi_clear(m);
    pthread_mutex_destroy(&m->mu);
    free(m->token);
    free(m);
}
