/* SPDX-License-Identifier: Apache-2.0 */
/* What the bus sources share: the connection struct and the status conversion. */
#ifndef BUS_INTERNAL_H
#define BUS_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#include <nats/nats.h>

#include "bus/bus.h"

/* One async publish outcome, collected by the ack handler. */
struct bus_ack_rec {
    char *subject;
    uint64_t seq;
    int err;
};

struct bus_conn {
    natsConnection *nc;
    jsCtx *js;
    char name[128];
    int wait_ms;
    struct bus_cbctx *cb;      /* the connection callbacks' context */
    pthread_mutex_t ack_lock;  /* guards the fields below */
    struct bus_ack_rec *acks;
    size_t acks_len;
    size_t acks_cap;
    int ack_overflow_err;
};

/*
 * The one conversion from a NATS status (and JetStream error code) to a
 * negative errno value; see bus/bus.h for the mapping.
 */
int bus_errno_from_nats(natsStatus s, jsErrCode jerr);

#endif /* BUS_INTERNAL_H */
