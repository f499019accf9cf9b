/* SPDX-License-Identifier: Apache-2.0 */
/* What the subcommands share: the bus connection and the actor registry. */
#ifndef CLI_CLI_H
#define CLI_CLI_H

#include <stdbool.h>

#include "actor/actor.h"
#include "model/load.h"

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
    /* run only when --actors names it, never by default */
    bool on_request;
};

/* Actors built into this program, terminated by { NULL }. */
extern const struct cli_actor cli_actors[];

/*
 * Where the bus is: --server URL when given, else $FLOTILLA_NATS_URL, else
 * the URL `make up` of this checkout wrote in .up/nats.url, else the
 * default config's first URL ("nats://127.0.0.1:4222").
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

/*
 * The files of `apply -f` and `delete -f`, as kubectl takes them: -f
 * repeated, or several paths in one -f separated by commas.
 */
#define CLI_PATHS_MAX 64

struct cli_paths {
    char *v[CLI_PATHS_MAX];
    size_t n;
};

/* Adds the paths of one -f argument. Returns 0, -E2BIG past
 * CLI_PATHS_MAX, -EINVAL for an empty path, or -ENOMEM. */
int cli_paths_add(struct cli_paths *p, const char *arg);

void cli_paths_release(struct cli_paths *p);

/*
 * Loads every path of @p into @set (see model_load_path(), with @fn and
 * @ctx). Returns 0, -EINVAL when a document was rejected (the rest is still
 * loaded), or the first error reading a path, which *@bad names.
 */
int cli_paths_load(const struct cli_paths *p, struct model_set *set,
                   model_verdict_fn *fn, void *ctx, const char **bad);

/* Path of deploy/nats/streams.json: $FLOTILLA_STREAMS, else the source tree's. */
const char *cli_streams_path(void);

#endif /* CLI_CLI_H */
