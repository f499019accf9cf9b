/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flotilla-sim internals: N member clusters of the model, each behind its
 * own libmicrohttpd daemon on a loopback port (thread per connection, so a
 * hanging or slow answer blocks only its own connection), plus a control
 * daemon for faults. Each member's model is guarded by its mutex.
 */
#ifndef SIM_SIM_H
#define SIM_SIM_H

#include "member/cluster.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define SIM_MAX_BODY (3 * 1024 * 1024)

struct sim;

struct sim_member {
    char name[64];
    struct member_cluster *mc;
    pthread_mutex_t mu;
    struct MHD_Daemon *daemon;
    uint16_t port;
    /* set by the ticker while the member must refuse connections */
    atomic_bool refusing;
    /* the resource version the ticker last advanced the model at: a tick
     * with no write since then, nothing due and no fault since (control.c
     * clears ticked) skips the controllers */
    uint64_t ticked_rv;
    bool ticked;
    struct sim *sim;
};

struct sim {
    struct sim_member *members;
    int count;
    /* bearer token required on API paths; NULL for none */
    char *token;
    /* PEM text for TLS; NULL for plain HTTP */
    char *cert_pem;
    char *key_pem;
    atomic_bool stopping;
    struct MHD_Daemon *control;
    uint16_t control_port;
};

/* api.c: starts member @m's daemon on m->port (0: any). 0 or -errno. */
int sim_member_listen(struct sim_member *m);

/* api.c: stops member @m's daemon, closing its listening socket. */
void sim_member_close(struct sim_member *m);

/* control.c: starts the control daemon on sim->control_port. */
int sim_control_start(struct sim *sim);

/* api.c: the model's clock for the simulator: wall time in ns. */
int64_t sim_now(void);

#endif /* SIM_SIM_H */
