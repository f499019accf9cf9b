/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A mock Kubernetes API server for tests: libmicrohttpd on 127.0.0.1 and a
 * free port, thread per connection, answering from a table of routes with
 * canned bodies or hostile behaviours (hang, slow drip, huge body, closed
 * connection, streamed lines). Optional TLS (PEM text) with optional
 * client-certificate verification, and an optional bearer token that every
 * request must carry.
 */
#ifndef TESTS_SUPPORT_MOCKAPI_H
#define TESTS_SUPPORT_MOCKAPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mockapi;

enum mockapi_mode {
    /* answer status + body at once */
    MOCKAPI_REPLY,
    /* never answer (until the server stops) */
    MOCKAPI_HANG,
    /* status and headers, then the body one byte every delay_ms */
    MOCKAPI_DRIP,
    /* status and headers, then `size` bytes of "x" */
    MOCKAPI_HUGE,
    /* close the connection without answering */
    MOCKAPI_CLOSE,
    /* status, then each '\n'-terminated line of body, delay_ms apart; then
     * hold the stream open for hold_ms before ending it */
    MOCKAPI_STREAM,
};

struct mockapi_route {
    /* "GET", "POST"...; NULL matches any */
    const char *method;
    /* the URL path, exactly */
    const char *path;
    /* NULL, or "key=value" that must be among the query arguments */
    const char *query_has;
    enum mockapi_mode mode;
    unsigned status;
    /* NULL for an empty body */
    const char *body;
    /* default "application/json" */
    const char *content_type;
    /* MOCKAPI_HUGE: bytes to send */
    size_t size;
    /* MOCKAPI_DRIP / MOCKAPI_STREAM: pause between pieces */
    unsigned delay_ms;
    /* MOCKAPI_STREAM: how long to keep the stream open after the lines */
    unsigned hold_ms;
    /* send a Location header (redirect tests) */
    const char *location;
};

struct mockapi_opts {
    /* bearer token required on every request; NULL for none */
    const char *token;
    /* TLS server certificate and key, PEM text; NULL for plain HTTP */
    const char *cert_pem;
    const char *key_pem;
    /* CA (PEM text) whose client certificates are required; NULL: none */
    const char *client_ca_pem;
};

/* The last request the server saw. */
struct mockapi_request {
    char method[16];
    char path[512];
    /* "k=v&k=v" as received (decoded values), in order */
    char query[2048];
    char content_type[128];
    char body[65536];
    size_t body_len;
    bool had_token;
};

/* Starts a server; @opts may be NULL. Returns 0 or -errno. */
int mockapi_start(const struct mockapi_opts *opts, struct mockapi **out);

/* Stops it: hanging answers end, the port closes. NULL is fine. */
void mockapi_stop(struct mockapi *m);

/* The port it listens on (127.0.0.1). */
uint16_t mockapi_port(const struct mockapi *m);

/* "http://127.0.0.1:PORT" or https into @buf. */
void mockapi_url(const struct mockapi *m, char *buf, size_t len);

/* Adds a route (strings copied); earlier routes win. 0 or -ENOMEM. */
int mockapi_add(struct mockapi *m, const struct mockapi_route *r);

/* Shorthand: a MOCKAPI_REPLY route. */
int mockapi_reply(struct mockapi *m, const char *method, const char *path,
                  unsigned status, const char *body);

/* Removes every route. */
void mockapi_clear(struct mockapi *m);

/* How many requests matched routes with @method and @path (NULL: any). */
unsigned mockapi_hits(struct mockapi *m, const char *method, const char *path);

/* Copies the last request into @out. */
void mockapi_last(struct mockapi *m, struct mockapi_request *out);

/* Connections currently being served. */
unsigned mockapi_open_connections(struct mockapi *m);

#endif /* TESTS_SUPPORT_MOCKAPI_H */
