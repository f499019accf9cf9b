/* SPDX-License-Identifier: Apache-2.0 */
/* Integration-test fixture on a real bus; see busfix.h. */
#include "support/busfix.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus/bus.h"

struct bus_conn *
busfix_connect(const struct busfix *f, const char *name)
{
    struct bus_options o;
    struct bus_conn *c = NULL;

    bus_options_init(&o);
    o.url = f->d.url;
    o.name = name;
    o.publish_wait_ms = 2000;
    return bus_conn_new(&o, &c) == 0 ? c : NULL;
}

int
busfix_start(struct busfix *f)
{
    const char *src = getenv("FL_SOURCE_DIR");
    char path[1024];
    char err[256];

    memset(f, 0, sizeof(*f));
    if (natsd_start(&f->d) != 0) {
        return -1;
    }
    f->c = busfix_connect(f, "test");
    snprintf(path, sizeof(path), "%s/deploy/nats/streams.json",
             src != NULL ? src : ".");
    if (f->c == NULL ||
        bus_streams_provision(f->c, path, 0, err, sizeof(err)) != 0) {
        fprintf(stderr, "busfix: streams not created: %s\n",
                f->c == NULL ? "no connection" : err);
        return -1;
    }
    return 0;
}

void
busfix_stop(struct busfix *f)
{
    bus_conn_free(f->c);
    f->c = NULL;
    natsd_cleanup(&f->d);
}

int
busfix_actor_start(const struct busfix *f, const struct actor_core *core,
                   const void *config, struct busfix_actor *a)
{
    struct actor_shell_options so = { 0 };
    int rc;

    a->shell = NULL;
    a->conn = busfix_connect(f, core->name);
    if (a->conn == NULL) {
        return -ENOTCONN;
    }
    so.core = core;
    so.core_config = config;
    so.conn = a->conn;
    so.fetch_wait_ms = 50;
    rc = actor_shell_new(&so, &a->shell);
    if (rc == 0) {
        rc = actor_shell_start(a->shell);
    }
    if (rc == 0 && !actor_shell_is_ready(a->shell)) {
        rc = -EAGAIN;
    }
    return rc;
}

void
busfix_actor_stop(struct busfix_actor *a)
{
    actor_shell_free(a->shell);
    bus_conn_free(a->conn);
    a->shell = NULL;
    a->conn = NULL;
}
