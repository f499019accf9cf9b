/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test support for integration tests on a real bus: a loopback nats-server
 * with Flotilla's streams, the test's own connection, and actors run in
 * their NATS shells, each on its own connection as `flotilla run` does.
 */
#ifndef TESTS_BUSFIX_H
#define TESTS_BUSFIX_H

#include "actor/shell.h"
#include "support/natsd.h"

struct bus_conn;

struct busfix {
    struct natsd d;
    struct bus_conn *c;   /* the test's own connection */
};

struct busfix_actor {
    struct bus_conn *conn;
    struct actor_shell *shell;
};

/*
 * Starts a nats-server, connects as "test" and creates the streams of
 * deploy/nats/streams.json ($FL_SOURCE_DIR). Returns 0 or -1.
 */
int busfix_start(struct busfix *f);

/* Closes the connection and removes the server. */
void busfix_stop(struct busfix *f);

/* A new connection named @name (2 s publish wait); NULL on failure. */
struct bus_conn *busfix_connect(const struct busfix *f, const char *name);

/*
 * Runs @core (with @config) in a NATS shell on its own connection and waits
 * until it is ready (fetch wait 50 ms, so tests react quickly).
 * Returns 0 or a negative errno.
 */
int busfix_actor_start(const struct busfix *f, const struct actor_core *core,
                       const void *config, struct busfix_actor *a);

/* Stops the actor and closes its connection; @a can be started again. */
void busfix_actor_stop(struct busfix_actor *a);

#endif /* TESTS_BUSFIX_H */
