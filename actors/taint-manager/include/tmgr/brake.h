/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The mass-outage brake as the bus shows it, for the CLI: the taint manager
 * publishes every change of the brake as a DecisionEvent on
 * events.taint-manager (and nothing else there), so the last message on
 * that subject is the brake's state.
 */
#ifndef TMGR_BRAKE_H
#define TMGR_BRAKE_H

#include <stdbool.h>
#include <stdint.h>

struct bus_conn;

struct tmgr_brake {
    bool known;          /* the taint manager published a brake event */
    bool engaged;
    int64_t since_ns;    /* when it last changed */
    char reason[200];    /* e.g. "6 of 10 clusters not Ready (...)" */
};

/*
 * Reads the brake state from FL_EVENTS over @c into @out (known is false
 * when the brake never changed: released). Returns 0, or a negative errno
 * from the bus (-EBADMSG for a message that does not decode).
 */
int tmgr_brake_read(struct bus_conn *c, struct tmgr_brake *out);

#endif /* TMGR_BRAKE_H */
