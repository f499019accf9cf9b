/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `flotilla brake`: whether the taint manager's mass-outage brake holds
 * automatic evictions, since when and why (docs/eviction.md).
 */
#include "cli.h"
#include "commands.h"

#include <stdio.h>
#include <string.h>

#include "bus/bus.h"
#include "tmgr/brake.h"
#include "util/log.h"
#include "util/time.h"

static void
usage(FILE *f)
{
    fprintf(f, "usage: flotilla brake [--server URL]\n\n"
               "Shows the mass-outage brake: while it is engaged the taint "
               "manager evicts nothing\nautomatically (too much of the fleet "
               "is not Ready). Exit status 0 released,\n3 engaged, 1 error.\n");
}

int
cmd_brake(int argc, char **argv)
{
    struct bus_conn *c = NULL;
    const char *server = NULL;
    struct tmgr_brake b;
    char when[40];
    int rc;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--server") == 0 && i + 1 < argc) {
            server = argv[++i];
        } else {
            usage(stderr);
            return 2;
        }
    }
    util_log_set_level("error");
    if (cli_connect(cli_server_url(server), &c) != 0) {
        return 1;
    }
    rc = tmgr_brake_read(c, &b);
    bus_conn_free(c);
    bus_shutdown();
    if (rc != 0) {
        fprintf(stderr, "flotilla brake: cannot read events.taint-manager: "
                        "%s\n", strerror(-rc));
        return 1;
    }
    if (!b.known) {
        printf("mass-outage brake: released (never engaged)\n");
        return 0;
    }
    util_time_format_rfc3339(b.since_ns, when, sizeof(when));
    printf("mass-outage brake: %s since %s: %s\n",
           b.engaged ? "ENGAGED, no automatic eviction" : "released", when,
           b.reason);
    return b.engaged ? 3 : 0;
}
