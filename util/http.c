/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /healthz, /readyz and /metrics over libmicrohttpd; see util/http.h. We
 * create and bind the listening socket ourselves so that a failure comes
 * back as a precise errno (MHD_start_daemon only says "NULL"), then hand
 * it to MHD, which closes it on stop.
 */
#include "util/http.h"

#include "util/metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#define REASON_MAX 256

struct util_http {
    struct MHD_Daemon *daemon;
    struct util_metrics *metrics; /* not owned */
    uint16_t port;
    pthread_mutex_t lock;         /* guards the fields below */
    bool ready;
    bool healthy;
    char ready_reason[REASON_MAX];
    char health_reason[REASON_MAX];
};

int
util_http_parse_listen(const char *listen, char *host, size_t hostlen,
                       uint16_t *port, char *why, size_t whylen)
{
    const char *colon, *h = listen;
    struct in6_addr a6;
    struct in_addr a4;
    char buf[64];
    size_t hlen;
    char *end;
    long p;

    if (why != NULL && whylen > 0) {
        why[0] = '\0';
    }
    if (listen == NULL || *listen == '\0') {
        snprintf(why, whylen, "empty address");
        return -EINVAL;
    }
    if (listen[0] == '[') {
        colon = strstr(listen, "]:");
        h = listen + 1;
        hlen = colon != NULL ? (size_t)(colon - h) : 0;
        colon = colon != NULL ? colon + 1 : NULL;
    } else {
        colon = strrchr(listen, ':');
        hlen = colon != NULL ? (size_t)(colon - listen) : 0;
    }
    if (colon == NULL || colon[1] == '\0') {
        snprintf(why, whylen, "expected host:port, e.g. 127.0.0.1:9470");
        return -EINVAL;
    }
    if (hlen == 0 || hlen >= sizeof(buf)) {
        snprintf(why, whylen,
                 "a host is required (127.0.0.1 for loopback, 0.0.0.0 for "
                 "every interface)");
        return -EINVAL;
    }
    memcpy(buf, h, hlen);
    buf[hlen] = '\0';
    if (strcmp(buf, "localhost") == 0) {
        snprintf(buf, sizeof(buf), "127.0.0.1");
    }
    if (inet_pton(AF_INET, buf, &a4) != 1 &&
        inet_pton(AF_INET6, buf, &a6) != 1) {
        snprintf(why, whylen, "\"%s\" is not an IP address", buf);
        return -EINVAL;
    }
    errno = 0;
    p = strtol(colon + 1, &end, 10);
    if (*end != '\0' || errno != 0 || p < 0 || p > 65535 ||
        colon[1] < '0' || colon[1] > '9') {
        snprintf(why, whylen, "\"%s\" is not a port (0..65535)", colon + 1);
        return -EINVAL;
    }
    if (strlen(buf) >= hostlen) {
        snprintf(why, whylen, "host too long");
        return -EINVAL;
    }
    snprintf(host, hostlen, "%s", buf);
    *port = (uint16_t)p;
    return 0;
}

/* Opens, binds and listens; returns the socket or a negative errno. */
static int
listen_socket(const char *host, uint16_t port, bool *v6)
{
    struct sockaddr_storage ss;
    socklen_t sslen;
    int one = 1;
    int fd, rc;

    memset(&ss, 0, sizeof(ss));
    if (inet_pton(AF_INET, host, &((struct sockaddr_in *)&ss)->sin_addr) ==
        1) {
        ((struct sockaddr_in *)&ss)->sin_family = AF_INET;
        ((struct sockaddr_in *)&ss)->sin_port = htons(port);
        sslen = sizeof(struct sockaddr_in);
        *v6 = false;
    } else {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

        if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1) {
            return -EINVAL;
        }
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(port);
        sslen = sizeof(struct sockaddr_in6);
        *v6 = true;
    }
    fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&ss, sslen) != 0 ||
        listen(fd, 64) != 0) {
        rc = -errno;
        close(fd);
        return rc;
    }
    return fd;
}

static uint16_t
bound_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);

    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
        return 0;
    }
    if (ss.ss_family == AF_INET6) {
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    }
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static enum MHD_Result
reply(struct MHD_Connection *conn, unsigned int status, char *body,
      size_t len, enum MHD_ResponseMemoryMode mode, const char *type)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;

    resp = MHD_create_response_from_buffer(len, body, mode);
    if (resp == NULL) {
        if (mode == MHD_RESPMEM_MUST_FREE) {
            free(body);
        }
        return MHD_NO;
    }
    (void)MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    (void)MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
                                  "no-store");
    ret = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result
reply_text(struct MHD_Connection *conn, unsigned int status, const char *text)
{
    return reply(conn, status, (char *)text, strlen(text),
                 MHD_RESPMEM_MUST_COPY, "text/plain; charset=utf-8");
}

/* 200 "ok" or 503 "not ready: reason" from a flag and its reason. */
static enum MHD_Result
reply_state(struct util_http *h, struct MHD_Connection *conn, bool ready)
{
    char body[REASON_MAX + 32];
    bool ok;

    pthread_mutex_lock(&h->lock);
    ok = ready ? h->ready : h->healthy;
    if (ok) {
        snprintf(body, sizeof(body), "ok\n");
    } else {
        snprintf(body, sizeof(body), "%s: %s\n",
                 ready ? "not ready" : "unhealthy",
                 ready ? h->ready_reason : h->health_reason);
    }
    pthread_mutex_unlock(&h->lock);
    return reply_text(conn, ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE,
                      body);
}

static enum MHD_Result
reply_metrics(struct util_http *h, struct MHD_Connection *conn)
{
    char *text = NULL;
    size_t len = 0;

    if (h->metrics == NULL) {
        return reply(conn, MHD_HTTP_OK, (char *)"", 0, MHD_RESPMEM_PERSISTENT,
                     "text/plain; version=0.0.4; charset=utf-8");
    }
    if (util_metrics_render(h->metrics, &text, &len) != 0) {
        return reply_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
                          "out of memory\n");
    }
    return reply(conn, MHD_HTTP_OK, text, len, MHD_RESPMEM_MUST_FREE,
                 "text/plain; version=0.0.4; charset=utf-8");
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
           const char *method, const char *version, const char *upload,
           size_t *upload_size, void **req_cls)
{
    struct util_http *h = cls;

    (void)version;
    (void)upload;
    (void)req_cls;

    /* Bodies are not wanted anywhere: drop them and answer. */
    *upload_size = 0;
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
        strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
        return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
                          "method not allowed\n");
    }
    if (strcmp(url, "/healthz") == 0) {
        return reply_state(h, conn, false);
    }
    if (strcmp(url, "/readyz") == 0) {
        return reply_state(h, conn, true);
    }
    if (strcmp(url, "/metrics") == 0) {
        return reply_metrics(h, conn);
    }
    return reply_text(conn, MHD_HTTP_NOT_FOUND,
                      "not found (try /healthz, /readyz, /metrics)\n");
}

int
util_http_start(const char *listen, struct util_metrics *metrics,
                struct util_http **out)
{
    unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO;
    struct util_http *h = NULL;
    char host[64];
    uint16_t port;
    bool v6 = false;
    int fd = -1;
    int rc;

    rc = util_http_parse_listen(listen != NULL ? listen
                                               : UTIL_HTTP_LISTEN_DEFAULT,
                                host, sizeof(host), &port, NULL, 0);
    if (rc != 0) {
        return rc;
    }
    h = calloc(1, sizeof(*h));
    if (h == NULL) {
        return -ENOMEM;
    }
    if (pthread_mutex_init(&h->lock, NULL) != 0) {
        free(h);
        return -ENOMEM;
    }
    h->metrics = metrics;
    h->healthy = true;
    snprintf(h->ready_reason, sizeof(h->ready_reason), "starting");

    fd = listen_socket(host, port, &v6);
    if (fd < 0) {
        rc = fd;
        goto out;
    }
    h->port = bound_port(fd);
    if (v6) {
        flags |= MHD_USE_IPv6;
    }
    h->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h,
                                 MHD_OPTION_LISTEN_SOCKET, fd,
                                 MHD_OPTION_CONNECTION_TIMEOUT,
                                 (unsigned int)10,
                                 MHD_OPTION_CONNECTION_LIMIT,
                                 (unsigned int)64, MHD_OPTION_END);
    if (h->daemon == NULL) {
        rc = -EIO;
        goto out;
    }
    fd = -1;
    *out = h;
    h = NULL;

out:
    if (fd >= 0) {
        close(fd);
    }
    if (h != NULL) {
        pthread_mutex_destroy(&h->lock);
        free(h);
    }
    return rc;
}

uint16_t
util_http_port(const struct util_http *h)
{
    return h->port;
}

static void
set_state(struct util_http *h, bool *flag, char *reason, bool value,
          const char *text)
{
    pthread_mutex_lock(&h->lock);
    *flag = value;
    snprintf(reason, REASON_MAX, "%s", text != NULL ? text : "");
    pthread_mutex_unlock(&h->lock);
}

void
util_http_set_ready(struct util_http *h, bool ready, const char *reason)
{
    set_state(h, &h->ready, h->ready_reason, ready, reason);
}

void
util_http_set_healthy(struct util_http *h, bool healthy, const char *reason)
{
    set_state(h, &h->healthy, h->health_reason, healthy, reason);
}

void
util_http_stop(struct util_http *h)
{
    if (h == NULL) {
        return;
    }
    MHD_stop_daemon(h->daemon);
    pthread_mutex_destroy(&h->lock);
    free(h);
}
