/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test support: a real nats-server with JetStream on a free loopback port,
 * in a temporary store directory, started and stopped by the test.
 */
#ifndef TESTS_NATSD_H
#define TESTS_NATSD_H

#include <sys/types.h>

struct natsd {
    pid_t pid;
    int port;              /* 0: pick a free one at the first start */
    int cluster_port;      /* clustered servers only */
    char dir[256];         /* store and log directory ("" = make one) */
    char url[64];
    char name[32];
    char routes[512];      /* "nats-route://127.0.0.1:p1,..." or "" */
};

/* Picks a free loopback TCP port. */
int natsd_free_port(void);

/*
 * Starts the server (again, with the same port and store when restarted) and
 * waits until it accepts connections. Returns 0 or -1.
 */
int natsd_start(struct natsd *d);

/* Sends @sig (SIGTERM, SIGKILL) and waits for the process. */
void natsd_stop(struct natsd *d, int sig);

/* Stops the server if running and removes its directory. */
void natsd_cleanup(struct natsd *d);

#endif /* TESTS_NATSD_H */
