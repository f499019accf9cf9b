/* SPDX-License-Identifier: Apache-2.0 */
/* Reading the mass-outage brake from the bus; see tmgr/brake.h. */
#include "tmgr/brake.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bus/bus.h"
#include "bus/envelope.h"
#include "proto/flotilla.pb-c.h"

static int
read_event(const struct bus_msg *m, void *arg)
{
    struct tmgr_brake *b = arg;
    Flotilla__V1__Envelope *env = NULL;
    Flotilla__V1__DecisionEvent *ev;
    char why[128];

    if (bus_envelope_unpack(m->data, m->len, &env, why, sizeof(why)) != 0) {
        return -EBADMSG;
    }
    ev = flotilla__v1__decision_event__unpack(NULL, env->payload.len,
                                              env->payload.data);
    bus_envelope_free(env);
    if (ev == NULL) {
        return -EBADMSG;
    }
    b->known = true;
    b->engaged = strcmp(ev->decision, "BrakeEngaged") == 0;
    b->since_ns = ev->at_ns;
    snprintf(b->reason, sizeof(b->reason), "%s", ev->reason);
    flotilla__v1__decision_event__free_unpacked(ev, NULL);
    return 0;
}

int
tmgr_brake_read(struct bus_conn *c, struct tmgr_brake *out)
{
    uint64_t seq = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = bus_last_subject_seq(c, "FL_EVENTS", "events.taint-manager", &seq);
    if (rc != 0 || seq == 0) {
        return rc;
    }
    return bus_read_seq(c, "FL_EVENTS", seq, read_event, out);
}
