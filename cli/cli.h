/* SPDX-License-Identifier: Apache-2.0 */
/* What the subcommands share: the bus connection and the actor registry. */
#ifndef CLI_CLI_H
#define CLI_CLI_H

#include <stdbool.h>

#include "actor/actor.h"

struct bus_conn;
struct cfg;

/*
 * An actor `flotilla run` can start: a core run by the NATS shell, or an
 * agent (core NULL) that does I/O on its own threads and publishes what it
 * sees, started and stopped through @start and @stop.
 */
struct cli_actor {
    const char *name;
    const struct actor_core *core;
    /* Builds the core's config from the daemon's (may be NULL: none). */
    const void *(*config)(const struct cfg *c);
    int (*start)(const struct cfg *c, struct bus_conn *conn,
                 const char *instance, void **handle);
    void (*stop)(void *handle);
};

/* Actors built into this program, terminated by { NULL }. */
extern const struct cli_actor cli_actors[];

/*
 * Where the bus is: --server URL when given, else $FLOTILLA_NATS_URL, else
 * the default config's first URL ("nats://127.0.0.1:4222").
 */
const char *cli_server_url(const char *flag);

/* Connects a short-lived CLI connection; prints the error itself. */
int cli_connect(const char *url, struct bus_conn **out);

struct model_set;

/*
 * Publishes every object of @set to the control plane at @server (NULL:
 * the default), as kubectl apply would send them, or their deletion.
 * Prints one line per object. Returns 0, or a negative errno when the bus
 * cannot be reached (-ENOTCONN...) or an object was not sent (-EIO).
 */
int cli_objects_publish(const struct model_set *set, bool delete,
                        const char *server);

/* Path of deploy/nats/streams.json: $FLOTILLA_STREAMS, else the source tree's. */
const char *cli_streams_path(void);

#endif /* CLI_CLI_H */
