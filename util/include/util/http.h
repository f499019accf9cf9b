/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The endpoints every flotilla process serves (libmicrohttpd, one internal
 * thread):
 *
 *   GET /healthz  200 "ok" while the process is alive and not marked
 *                 unhealthy; 503 with the reason otherwise.
 *   GET /readyz   200 "ok" once the runtime said so (state rebuilt, consumers
 *                 bound); 503 with the reason until then.
 *   GET /metrics  the registry in Prometheus text format 0.0.4.
 *
 * Anything else is 404; methods other than GET and HEAD are 405. See
 * docs/endpoints.md.
 */
#ifndef UTIL_HTTP_H
#define UTIL_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct util_http;
struct util_metrics;

/* Default endpoint address: loopback only. */
#define UTIL_HTTP_LISTEN_DEFAULT "127.0.0.1:9470"

/*
 * Splits "host:port" or "[v6]:port" into an IP literal and a port. "localhost"
 * stands for 127.0.0.1; port 0 means any free port. The host is required
 * (write 0.0.0.0 to listen on every interface).
 *
 * Returns 0 with @host (at least 46 bytes) and *port filled, or -EINVAL with
 * a short reason in @why (may be NULL) when @listen has no host, no port, a
 * host that is not an IP literal or a port outside 0..65535.
 */
int util_http_parse_listen(const char *listen, char *host, size_t hostlen,
                           uint16_t *port, char *why, size_t whylen);

/*
 * Starts serving on @listen (see util_http_parse_listen(); NULL means
 * UTIL_HTTP_LISTEN_DEFAULT). @metrics is rendered by /metrics; it is not
 * owned and must outlive the server; NULL serves an empty page. The server
 * starts healthy and not ready (reason "starting").
 *
 * Returns 0 and the server in *out, -EINVAL for a bad address,
 * -EADDRINUSE / -EACCES when the address cannot be bound, -ENOMEM or -EIO.
 */
int util_http_start(const char *listen, struct util_metrics *metrics,
                    struct util_http **out);

/* Returns the bound port (the real one when port 0 was asked for). */
uint16_t util_http_port(const struct util_http *h);

/*
 * Sets readiness. @reason (copied; NULL for none) is the body of the 503
 * while not ready, e.g. "rebuilding state from cluster.status". Thread-safe.
 */
void util_http_set_ready(struct util_http *h, bool ready, const char *reason);

/* Sets liveness; as util_http_set_ready() for /healthz. Thread-safe. */
void util_http_set_healthy(struct util_http *h, bool healthy,
                           const char *reason);

/* Stops the server (waits for its thread) and frees it; NULL is fine. */
void util_http_stop(struct util_http *h);

#endif /* UTIL_HTTP_H */
